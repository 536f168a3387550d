#!/usr/bin/env bash
# Set up migsim in ./.venv: find a Python 3.12 or newer, create the virtual
# environment and install the project with its test tools. Safe to run again:
# it reinstalls only when pyproject.toml has changed.
#
#   bash setup.sh            # core model and tests
#   MIGSIM_PYTHON=/path/to/python3.13 bash setup.sh   # choose the interpreter
set -euo pipefail
cd "$(dirname "$0")"

need_major=3
need_minor=12

is_suitable() {
    "$1" -c "import sys; sys.exit(0 if sys.version_info >= ($need_major, $need_minor) else 1)" \
        >/dev/null 2>&1
}

find_python() {
    local candidates=()
    [ -n "${MIGSIM_PYTHON:-}" ] && candidates+=("$MIGSIM_PYTHON")
    candidates+=(python3.14 python3.13 python3.12)
    # pyenv keeps versions that are installed but not active out of PATH.
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    if [ -d "$root/versions" ]; then
        while IFS= read -r dir; do
            candidates+=("$dir/bin/python3")
        done < <(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV)
    fi
    candidates+=(/usr/local/bin/python3 /usr/bin/python3 python3 python)
    local c
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 && is_suitable "$c"; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

if [ -x .venv/bin/python ] && ! is_suitable .venv/bin/python; then
    echo "setup: .venv uses Python older than $need_major.$need_minor; recreating it" >&2
    rm -rf .venv
fi

if [ ! -x .venv/bin/python ]; then
    if ! python=$(find_python); then
        cat >&2 <<MSG
setup: migsim needs Python $need_major.$need_minor or newer (Mesa 3.5 requires it), and none was found.
  Looked for: \$MIGSIM_PYTHON, python3.14, python3.13, python3.12, pyenv versions under
  ${PYENV_ROOT:-$HOME/.pyenv}/versions, and python3 on PATH (found: $(python3 --version 2>&1 || echo none)).
  Install one (e.g. 'pyenv install 3.12', 'apt-get install python3.12 python3.12-venv',
  or from python.org), then run this script again, or point MIGSIM_PYTHON at it.
MSG
        exit 1
    fi
    echo "setup: creating .venv with $python ($("$python" --version 2>&1))"
    "$python" -m venv .venv
fi

stamp=.venv/.migsim-installed
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing migsim and its dependencies into .venv (a minute or two the first time)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
fi

# Chromium for the teaching app's browser test (tests/test_app_browser.py): Debian's package,
# driven by Playwright (Playwright's own browser download is not used).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing Debian's chromium for the browser test (apt-get)"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
            echo "setup: WARNING: 'apt-get install chromium' failed; the browser test will fail in CI" \
                 "and be skipped elsewhere" >&2
        fi
    else
        cat >&2 <<MSG
setup: WARNING: /usr/bin/chromium is missing, and this script cannot install it (it needs root and
  apt-get). The teaching app works without it; only its browser test needs it (it fails in CI,
  CI=true, and is skipped elsewhere). Install it with: sudo apt-get install chromium
MSG
    fi
fi
# LibreOffice (the brief's workbook is checked by opening it headless: tests/test_brief.py) and
# poppler's pdftoppm (PNG pages of the example briefs in docs/): Debian's packages.
if ! command -v libreoffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing Debian's libreoffice-calc-nogui and poppler-utils (apt-get)"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                libreoffice-calc-nogui poppler-utils >/dev/null; }; then
            echo "setup: WARNING: 'apt-get install libreoffice-calc-nogui poppler-utils' failed; the workbook" \
                 "test will fail in CI and be skipped elsewhere" >&2
        fi
    else
        cat >&2 <<MSG
setup: WARNING: LibreOffice or pdftoppm is missing, and this script cannot install them (it needs root
  and apt-get). migsim works without them; only the workbook test needs LibreOffice (it fails in CI,
  CI=true, and is skipped elsewhere). Install with: sudo apt-get install libreoffice-calc-nogui poppler-utils
MSG
    fi
fi
echo "setup: ready ($(.venv/bin/python --version)); the command is .venv/bin/migsim"

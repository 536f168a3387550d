"""Every string migsim shows a person exists in the Russian and Kazakh catalogues.

The check reads the source: any call `_("...")` (the gettext convention used with
`simulation.i18n.translator`) in `simulation/` or `calibration/` must have a translation in
every language, and the glossary and country names must be there too.
"""

import ast
from pathlib import Path

import pytest

from simulation import i18n

ROOT = Path(__file__).resolve().parents[1]


def _messages_in_code() -> set[str]:
    found = set()
    for folder in ("simulation", "calibration"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_user_facing_string_has_a_translation(lang):
    needed = _messages_in_code() | set(i18n.COUNTRY_NAMES.values())
    missing = sorted(needed - set(i18n.catalogue(lang)))
    assert not missing, f"missing from simulation/locale/{lang}: {missing}"


def test_country_names_and_glossary_in_each_language():
    assert i18n.country_name("UZB", "ru") == "Узбекистан"
    assert i18n.country_name("KOR", "kk") == "Корея Республикасы"
    assert i18n.country_name("ARE", "en") == "United Arab Emirates"
    assert i18n.translator("ru")("EAEU") == "ЕАЭС"


def test_numbers_and_months_follow_the_locale():
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.format_number(1234567, "ru").replace("\xa0", " ") == "1 234 567"
    assert i18n.format_month("2022-12", "en") == "December 2022"
    assert i18n.format_month("2022-12", "ru").startswith("декабрь 2022")


@pytest.mark.parametrize("lang, role, expected", [
    ("ru", "from", "января 2026 г."), ("ru", "until", "января 2026 г."), ("ru", "through", "январь 2026 г."),
    ("ru", "in", "январе 2026 г."), ("kk", None, "2026 жылғы қаңтар"), ("kk", "from", "2026 жылғы қаңтардан"),
    ("kk", "until", "2026 жылғы қаңтарға"), ("kk", "in", "2026 жылғы қаңтарда"), ("en", "from", "January 2026"),
])
def test_a_month_in_a_sentence_takes_the_case_its_preposition_needs(lang, role, expected):
    """'с января', 'по январь', 'в январе'; '-дан бастап', '-ға дейін', '-да' (was 'до январь', 'Қаңтар 2026 бастап')."""
    assert i18n.format_month("2026-01", lang, role) == expected


def test_kazakh_month_endings_follow_vowel_harmony():
    assert [i18n.format_month(f"2026-{m:02d}", "kk", "from").split()[-1] for m in (4, 6, 9)] == \
        ["сәуірден", "маусымнан", "қыркүйектен"]
    assert [i18n.format_month(f"2026-{m:02d}", "kk", "until").split()[-1] for m in (7, 9, 11)] == \
        ["шілдеге", "қыркүйекке", "қарашаға"]


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(Exception, match="en, ru, kk"):
        i18n.translator("de")

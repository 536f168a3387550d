"""A file argument that is there but is no file to read: one line, exit 2, before anything runs.

A folder is named as a folder and a device or named pipe as not a regular file, never as 'no such
file'; a named pipe must not make the command wait for what no one writes, so those cases run as
real processes with a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import cli

from conftest import folder_listing

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def tiny(d: Path, name: str) -> str:
    path = d / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "{name}"\n[run]\nstart = "2022-01"\nend = "2022-12"\n'
                    "agents = 1000\nburn_in_months = 0\n", encoding="utf-8")
    return str(path)


# (the argument, the file name given, argv with that path) for every argument naming a file to read
ARGUMENTS = [
    ("--posterior", "post.csv", lambda d, p: ["run", tiny(d, "a"), "--posterior", p, "--out", str(d / "o")]),
    ("--from-state", "s.state", lambda d, p: ["run", tiny(d, "a"), "--reps", "1", "--from-state", p,
                                              "--out", str(d / "o")]),
    ("--sensitivity", "indices.csv", lambda d, p: ["brief", tiny(d, "a"), tiny(d, "b"), "--sensitivity", p,
                                                   "--out", str(d / "o")]),
    ("", "events.xlsx", lambda d, p: ["import", p, "--out", str(d / "s.toml")]),  # the workbook
]
KINDS = {"folder": "is a folder", "device": "is not a regular file", "pipe": "is not a regular file"}


def _given(kind: str, d: Path, name: str) -> str:
    if kind == "device":
        return "/dev/null"
    (os.mkfifo if kind == "pipe" else os.mkdir)(d / name)
    return str(d / name)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("flag, name, argv", ARGUMENTS, ids=[a[0] or "workbook" for a in ARGUMENTS])
def test_a_file_argument_that_is_no_file_is_named_for_what_it_is(flag, name, argv, kind, tmp_path, monkeypatch,
                                                                  capsys):
    from simulation import model

    def refuse(*args, **kwargs):
        raise AssertionError("a simulation started although the input was bad")

    monkeypatch.setattr(model.MigrationModel, "__init__", refuse)
    monkeypatch.chdir(tmp_path)
    given = _given(kind, tmp_path, name)
    args = argv(tmp_path, given)
    before = folder_listing(tmp_path) if kind != "pipe" else None
    if kind == "pipe":  # in a process of its own: a read of the pipe would wait for ever
        done = subprocess.run([sys.executable, "-m", "simulation.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120, stdin=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        code, err = done.returncode, done.stderr
    else:
        code, err = cli.main(args), capsys.readouterr().err
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert f"{flag} {given}: {KINDS[kind]}".strip() in err
    if before is not None:
        assert folder_listing(tmp_path) == before

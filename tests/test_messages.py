"""Messages for mistakes people make with their own files and options: each says, in the user's words,
what was given and what to write instead (no Python repr), and the command exits with 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulation.cli import main
from simulation.scenario import load_scenario
from simulation.sweep import scenario_fingerprint

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
BOM = b"\xef\xbb\xbf"


def refused(capsys, argv) -> str:
    """The one-line message of a command refused with exit status 2."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argument errors leave through argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


# 1. extends = "baseline" from a file outside scenarios/ (the README's example)
def test_a_bare_name_not_beside_the_file_is_the_shipped_scenario(tmp_path, capsys):
    mine = tmp_path / "my_scenario.toml"
    mine.write_text('extends = "baseline"\nname = "weak-networks"\n[behaviour]\nbeta_network = 0.45\n')
    assert main(["check", str(mine)]) == 0
    assert "my_scenario.toml <- baseline.toml" in capsys.readouterr().out
    assert load_scenario(mine).chain == [BASELINE.resolve(), mine.resolve()]


def test_a_file_beside_comes_before_the_shipped_one(tmp_path):
    (tmp_path / "baseline.toml").write_text(f'extends = "{BASELINE}"\n[run]\nagents = 2000\n')
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "baseline"\n')
    assert load_scenario(mine)["run.agents"] == 2000


def test_an_unknown_name_lists_both_places_and_the_shipped_names(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "baselin"\n')
    err = refused(capsys, ["check", str(mine)])
    assert str(tmp_path / "baselin.toml") in err and str(ROOT / "scenarios" / "baselin.toml") in err
    assert "Did you mean 'baseline'?" in err
    shipped = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))
    assert "Shipped scenarios: " + ", ".join(shipped) in err and "quota_halved" in err


def test_a_path_that_does_not_exist_is_not_looked_for_among_the_shipped(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "sub/baseline"\n')
    err = refused(capsys, ["check", str(mine)])
    assert f"names {tmp_path / 'sub' / 'baseline.toml'}, which does not exist" in err


# 2. files saved with a byte-order mark (Windows Notepad)
def test_a_scenario_with_a_byte_order_mark_loads(tmp_path, capsys):
    path = tmp_path / "notepad.toml"
    path.write_bytes(BOM + f'extends = "{BASELINE.as_posix()}"\n[run]\nagents = 2000\n'.encode())
    assert main(["check", str(path)]) == 0, capsys.readouterr().err
    assert load_scenario(path)["run.agents"] == 2000


def test_targets_and_posterior_files_with_a_byte_order_mark_load(tmp_path):
    from calibration.targets import load_targets
    from simulation.posterior import SHIPPED, load_posterior

    targets = tmp_path / "targets.csv"
    targets.write_bytes(BOM + (ROOT / "calibration" / "targets.csv").read_bytes())
    assert len(load_targets(targets)) == len(load_targets())
    posterior = tmp_path / "posterior.csv"
    posterior.write_bytes(BOM + SHIPPED.read_bytes())
    assert list(load_posterior(str(posterior)).draws.columns) == list(load_posterior("shipped").draws.columns)


# 3. an unquoted TOML date where a month is expected
@pytest.mark.parametrize("text, key", [
    ('[run]\nstart = 2022-01-01\n', "key 'run.start' = 2022-01-01"),
    ('[[events]]\nkind = "quota"\ndate = 2026-01-01\ntotal = 5000\n', "key 'date' = 2026-01-01"),
    ('[[events]]\nkind = "quota"\nstart = 2026-01-01T00:00:00\ntotal = 5000\n', "key 'start' = 2026-01-01 00:00:00"),
])
def test_an_unquoted_date_is_shown_as_written_with_the_month_form(tmp_path, capsys, text, key):
    path = tmp_path / "dated.toml"
    path.write_text(f'extends = "{BASELINE}"\n' + text)
    err = refused(capsys, ["check", str(path)])
    assert key in err and '"YYYY-MM" in quotes' in err
    assert "datetime" not in err


# 4. a language code that is almost one of migsim's
def test_lang_kz_suggests_kk(capsys):
    err = refused(capsys, ["run", "scenarios/baseline.toml", "--lang", "kz"])
    assert "did you mean kk (Kazakh)?" in err and "en (English), ru (Russian) and kk (Kazakh)" in err
    err = refused(capsys, ["brief", "--from", "x", "--out", "y", "--lang", "RU"])
    assert "did you mean ru (Russian)?" in err and "all (every language)" in err


def test_lang_accepts_the_languages():
    from simulation.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["compare", "a", "b", "--out", "o", "--lang", "kk"]).lang == "kk"
    assert parser.parse_args(["brief", "--out", "o", "--lang", "all"]).lang == "all"
    assert parser.parse_args(["template", "--xlsx", "t.xlsx"]).lang == "en"


# 5. brief --from a folder that is not there
def test_brief_from_a_missing_folder_says_it_does_not_exist(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, ["brief", "--from", "out/nope", "--out", "out/b1"])
    assert "out/nope: does not exist" in err and "missing summary.json" not in err
    assert not (tmp_path / "out").exists()


# 6. a sweep resumed with another design
def test_a_resumed_sweep_with_another_design_says_which_option_differs(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "small"\n[run]\nstart = "2022-01"\nend = "2022-12"\n'
                    "agents = 1000\nburn_in_months = 6\n")
    out = tmp_path / "sweep"
    out.mkdir()
    record = {"scenario": "small", "scenario_file": str(path), "scenario_fingerprint": scenario_fingerprint(
        load_scenario(path)), "vary": [{"key": "legal.deportation_rate", "low": 0.01, "high": 0.05, "n": 2}],
        "samples": None, "reps": 1, "agents": None, "posterior": None}
    (out / "_sweep.json").write_text(json.dumps(record))
    base = ["sweep", str(path), "--out", str(out), "--posterior", "none"]
    err = refused(capsys, base + ["--vary", "legal.deportation_rate=0.01:0.05:3", "--reps", "2"])
    assert ("the earlier sweep used --vary legal.deportation_rate=0.01:0.05:2, this command gives "
            "--vary legal.deportation_rate=0.01:0.05:3") in err
    assert "the earlier sweep used --reps 1, this command gives --reps 2" in err
    assert "{" not in err and "'key'" not in err
    err = refused(capsys, base + ["--vary", "policy.work_permit_quota=10000:20000:2", "--agents", "500"])
    assert "this command does not vary legal.deportation_rate" in err
    assert "did not vary policy.work_permit_quota" in err
    assert "the earlier sweep used no --agents (the scenario's run.agents), this command gives --agents 500" in err
    assert json.loads((out / "_sweep.json").read_text()) == record and sorted(p.name for p in out.iterdir()) == \
        ["_sweep.json"]

"""The command as a user runs it: outputs written whole, errors without tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.scenario import load_scenario

TINY = """# Question: does the command work end to end?
extends = "{base}"
name = "tiny"
[run]
start = "2022-01"
end = "2023-12"
agents = 2000
burn_in_months = 12
"""


def migsim(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "simulation.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY.format(base=str((__import__("pathlib").Path("scenarios/baseline.toml")).resolve())))
    return path


def test_run_writes_every_promised_output(tmp_path, tiny):
    out = tmp_path / "out"
    done = migsim("run", str(tiny), "--out", str(out), "--seed", "3", "--reps", "2", "--band", "25,75")
    assert done.returncode == 0, done.stderr
    ts = pd.read_csv(out / "timeseries.csv")
    assert list(ts.columns) == ["date", "indicator", "group", "value", "rep"]
    assert set(ts.rep) == {0, 1} and ts.date.min() == "2022-01" and ts.date.max() == "2023-12"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"][0] == 3 and summary["agents"] == 2000 and "git_commit" in summary
    assert summary["headline"]["2022-12"]["foreign_workers_in_kazakhstan"]["median"] > 0
    assert load_scenario(out / "scenario.resolved.toml")["run.seed"] == 3
    bands = pd.read_csv(out / "timeseries_bands.csv")
    assert {"q25", "q50", "q75"} <= set(bands.columns) and (bands.q25 <= bands.q75).all()
    assert summary["band_percentiles"] == [25, 75]
    for png in ("stock_by_origin", "arrivals_departures", "remittances_by_corridor", "formal_informal",
                "kazakh_emigrants"):
        assert (out / f"{png}.png").stat().st_size > 10_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no partial folders left


def test_check_accepts_good_and_rejects_bad_files(tmp_path, tiny):
    ok = migsim("check", str(tiny))
    assert ok.returncode == 0 and "valid scenario 'tiny'" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\nwork_permit_quota = -1\n")
    done = migsim("check", str(bad))
    assert done.returncode == 2
    assert "policy.work_permit_quota" in done.stderr and str(bad) in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_command_line_values_fail_cleanly(tmp_path, tiny):
    done = migsim("run", str(tiny), "--agents", "-5", "--out", str(tmp_path / "x"))
    assert done.returncode == 2 and "run.agents" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()
    missing = migsim("run", str(tmp_path / "missing.toml"))
    assert missing.returncode == 2 and "no such scenario file" in missing.stderr


def test_unwritable_output_fails_without_partial_results(tmp_path, tiny):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = migsim("run", str(tiny), "--out", str(blocker / "out"), "--quiet")
    assert done.returncode == 2 and "is a file, so no folder can be made" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "tiny.toml"]


def test_params_lists_documented_parameters():
    done = migsim("params", "policy")
    assert done.returncode == 0 and "policy.work_permit_quota = 30000" in done.stdout


def test_parameter_reference_is_generated_from_the_declarations():
    from simulation.cli import parameters_markdown
    from simulation.parameters import PARAMETERS

    text = (Path(__file__).resolve().parent.parent / "docs" / "parameters.md").read_text()
    assert parameters_markdown(list(PARAMETERS.values())).strip() == text.strip(), \
        "docs/parameters.md is out of date: regenerate with migsim params --markdown > docs/parameters.md"


def test_installed_command_runs_where_results_default_to_the_scenario_name(tmp_path, tiny):
    """The `migsim` script that set-up installs, run from another folder without --out."""
    script = Path(sys.executable).with_name("migsim")
    done = subprocess.run([str(script), "run", str(tiny), "--quiet"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results" / "tiny" / "timeseries.csv").exists()


def test_a_run_with_nobody_in_kazakhstan_reports_without_a_traceback(tmp_path, tiny):
    closed = tmp_path / "closed.toml"
    corridors = "".join(f'[corridor.{o}.KAZ]\nregime = "none"\n' for o in ("UZB", "TJK", "KGZ", "RUS", "CHN", "AZE"))
    closed.write_text(f'extends = "{tiny}"\nname = "closed"\n' + corridors)
    done = migsim("run", str(closed), "--out", str(tmp_path / "out"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "0 foreign workers in Kazakhstan (- from Uzbekistan)" in done.stdout

"""`migsim compare` writes a self-contained report with paired differences; `migsim diff` lists changes."""

import json
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import main
from simulation.experiments import compare
from simulation.scenario import load_scenario

BASE = """extends = "{baseline}"
[run]
start = "2024-01"
end = "2025-12"
agents = 2000
burn_in_months = 12
"""


@pytest.fixture()
def files(tmp_path):
    baseline = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
    (tmp_path / "base.toml").write_text(BASE.format(baseline=baseline))
    (tmp_path / "same.toml").write_text('extends = "base"\n')
    (tmp_path / "crackdown.toml").write_text(
        'extends = "base"\n[[events]]\nkind = "enforcement"\ndate = "2025-01"\ndeportation_factor = 4\n')
    return tmp_path


def test_compare_writes_the_report_and_the_data_behind_it(files, capsys):
    out = files / "report"
    code = main(["compare", str(files / "base.toml"), str(files / "crackdown.toml"), "--reps", "2",
                 "--out", str(out), "--dates", "2025-12", "--quiet"])
    assert code == 0
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 6 and "crackdown" in page and "2025-12" in page
    headline = pd.read_csv(out / "headline.csv")
    assert set(headline.scenario) == {"base", "crackdown"} and set(headline.date) == {"2025-12"}
    text = (out / "headline.csv").read_text()
    assert "e+" not in text and "e-1" not in text  # whole numbers as a spreadsheet shows them; no rounding residue
    deport = pd.read_csv(out / "figure_irregular_share.csv")
    assert set(deport.measure) == {"level", "difference from baseline"}
    diff = deport[(deport.measure != "level") & (deport.date < "2025-01")]
    assert (diff[["q10", "q50", "q90"]] == 0).all().all()  # identical before the event: common random numbers
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 2 and len(summary["seeds"]) == 2
    assert "deportation_factor" in (out / "differences.csv").read_text()


def test_compare_without_dates_picks_them_after_the_policy_starts(files):
    out = files / "report"
    assert main(["compare", str(files / "base.toml"), str(files / "crackdown.toml"), "--reps", "1",
                 "--out", str(out), "--quiet"]) == 0
    # the crackdown starts in 2025-01; a December before 2026-01 would show under a year of it
    assert set(pd.read_csv(out / "headline.csv").date) == {"2025-12"}


def test_an_identical_scenario_shows_zero_difference(files):
    c = compare(load_scenario(files / "base.toml"), [load_scenario(files / "same.toml")], reps=2)
    for indicator in ("stock_kaz", "share_no_contract", "remittances_out_kaz_usd"):
        d = c.differences(indicator)
        assert (d[["q10", "q50", "q90"]] == 0).all().all()


def test_compare_rejects_bad_input_without_a_traceback(files, capsys):
    assert main(["compare", str(files / "base.toml"), str(files / "missing.toml"), "--out",
                 str(files / "r"), "--quiet"]) == 2
    assert main(["compare", str(files / "base.toml"), str(files / "same.toml"), "--out", str(files / "r"),
                 "--dates", "2025-13", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "missing.toml" in err and "2025-13" in err and "Traceback" not in err
    assert not (files / "r").exists()


def test_diff_lists_changed_parameters_and_events(files, capsys):
    (files / "quota.toml").write_text('extends = "base"\n[policy]\nwork_permit_quota = 15000\n')
    assert main(["diff", str(files / "base.toml"), str(files / "quota.toml")]) == 0
    out = capsys.readouterr().out
    assert "policy.work_permit_quota" in out and "15000" in out
    assert main(["diff", str(files / "base.toml"), str(files / "crackdown.toml")]) == 0
    assert "deportation_factor" in capsys.readouterr().out
    assert main(["diff", str(files / "base.toml"), str(files / "same.toml")]) == 0
    assert "alike" in capsys.readouterr().out


def test_the_band_percentiles_can_be_chosen(files, capsys):
    out = files / "wide"
    assert main(["compare", str(files / "base.toml"), str(files / "crackdown.toml"), "--reps", "3",
                 "--band", "5,95", "--out", str(out), "--dates", "2025-12", "--quiet"]) == 0
    levels = pd.read_csv(out / "figure_stock_kaz.csv")
    assert {"q05", "q50", "q95"} <= set(levels.columns) and "q10" not in levels
    assert (levels.q05 <= levels.q50).all() and (levels.q50 <= levels.q95).all()
    assert (levels.q05 < levels.q95).any()  # three replications do spread
    assert "percentiles 5 to 95" in (out / "report.html").read_text()
    assert json.loads((out / "summary.json").read_text())["band_percentiles"] == [5, 95]
    for bad in ("50,90", "10", "ten,ninety"):
        with pytest.raises(SystemExit) as exit_:
            main(["compare", str(files / "base.toml"), str(files / "same.toml"), "--band", bad, "--out",
                  str(files / "r")])
        assert exit_.value.code == 2
    assert "need 0 < LOW < 50 < HIGH < 100" in capsys.readouterr().err


def test_an_alternative_with_other_agents_or_seed_runs_only_with_the_options_for_all(files, capsys):
    """Replications are paired: an alternative's own run.agents or run.seed is refused before anything
    runs (it once ran on another population, or silently took the baseline's seed); --agents and
    --seed, given for every scenario, settle it."""
    short = (files / "base.toml").read_text().replace('"2025-12"', '"2024-03"').replace("= 12\n", "= 0\n")
    (files / "short.toml").write_text(short)
    (files / "other.toml").write_text('extends = "short"\nname = "other"\n[run]\nagents = 1500\nseed = 5\n')
    out = files / "paired"
    args = ["compare", str(files / "short.toml"), str(files / "other.toml"), "--reps", "1", "--posterior", "none",
            "--out", str(out), "--quiet"]
    assert main(args) == 2
    assert "other.toml: run.agents = 1500" in capsys.readouterr().err and not out.exists()
    assert main([*args, "--agents", "1000"]) == 2
    assert "other.toml: run.seed = 5" in capsys.readouterr().err and not out.exists()
    assert main([*args, "--agents", "1000", "--seed", "5"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["agents"] == 1000 and summary["seeds"][0] == 5

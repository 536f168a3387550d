"""Scenario discovery: PRIM finds the futures in which a policy breaks, from two paired sweeps."""

import json

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.discovery import Question, discover
from simulation.errors import ScenarioError

KEYS = ["legal.quota_refused_irregular", "behaviour.beta_income", "legal.deportation_rate"]


def _sweep(folder, values, design):
    """A sweep folder as `migsim sweep` writes it: _sweep.json and Parquet parts."""
    folder.mkdir()
    (folder / "_sweep.json").write_text(json.dumps(design), encoding="utf-8")
    rows = [{"indicator": "stock_kaz_by_status", "group": "irregular", "final": v, "mean_last_12_months": v,
             "status": "ok", "error": "", "run_id": f"r{i}", "point": i, "rep": 0, "seed": 1, "scenario": "s",
             **design["points"][i]} for i, v in enumerate(values)]
    pd.DataFrame(rows).to_parquet(folder / "part-all.parquet", index=False)


@pytest.fixture
def sweeps(tmp_path):
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(200, 3))
    points = [dict(zip(KEYS, row)) for row in u.tolist()]
    design = {"vary": [{"key": k} for k in KEYS], "samples": 200, "reps": 1, "agents": 1000, "seeds": [1],
              "points": points}
    base = 100_000 + 1000 * rng.normal(size=200)
    breaks = (u[:, 0] > 0.6) & (u[:, 1] < 0.4)  # the policy raises the stock by 20% only there
    policy = base * np.where(breaks, 1.2, 1.02)
    _sweep(tmp_path / "base", base, design)
    _sweep(tmp_path / "policy", policy, design)
    return tmp_path, breaks


def test_prim_boxes_the_futures_where_the_policy_raises_the_stock_by_more_than_10_percent(sweeps):
    folder, breaks = sweeps
    question = Question("stock_kaz_by_status", "irregular", above=10.0)
    table, box, keys = discover(question, folder / "policy", folder / "base")
    assert keys == KEYS and table.breaks.sum() == breaks.sum()
    limits = box.limits.set_index("parameter")
    assert set(limits.index) <= {KEYS[0], KEYS[1]}
    assert 0.5 < limits.loc[KEYS[0], "low"] < 0.7 and 0.35 < limits.loc[KEYS[1], "high"] < 0.6
    assert box.density >= 0.8 and box.coverage >= 0.8


def test_discover_writes_its_report_and_refuses_unpaired_sweeps(sweeps, tmp_path, capsys):
    folder, _ = sweeps
    args = ["discover", str(folder / "policy"), "--against", str(folder / "base"), "--indicator",
            "stock_kaz_by_status", "--group", "irregular", "--above", "10", "--out", str(tmp_path / "d")]
    assert main(args) == 0
    assert "coverage" in (tmp_path / "d" / "discovery.html").read_text()
    assert "PRIM box: legal.quota_refused_irregular in [" in capsys.readouterr().out
    design = json.loads((folder / "base" / "_sweep.json").read_text())
    design["points"] = design["points"][::-1]
    (folder / "base" / "_sweep.json").write_text(json.dumps(design))
    with pytest.raises(ScenarioError, match="differ in 'points'"):
        discover(Question("stock_kaz_by_status", "irregular", above=10.0), folder / "policy", folder / "base")
    assert main(args[:-2] + ["--indicator", "nonsense", "--out", str(tmp_path / "e")]) == 2


@pytest.mark.parametrize("side, threshold, advice", [("above", 50.0, "--above 50: no future"),
                                                     ("below", -1.0, "--below -1: no future")])
def test_a_threshold_no_future_passes_says_which_way_to_move_it(sweeps, side, threshold, advice):
    """The policy changes the stock by +2% to +20%: nothing lies above +50% or below -1%."""
    folder, _ = sweeps
    with pytest.raises(ScenarioError) as err:
        discover(Question("stock_kaz_by_status", "irregular", **{side: threshold}), folder / "policy", folder / "base")
    message = str(err.value)
    assert advice in message and "the outcome runs from" in message
    assert message.endswith("lower it." if side == "above" else "raise it.")


def test_absolute_without_a_baseline_sweep_is_refused(sweeps, tmp_path, capsys):
    folder, _ = sweeps
    args = ["discover", str(folder / "policy"), "--indicator", "stock_kaz_by_status", "--above", "10", "--absolute",
            "--out", str(tmp_path / "d")]
    assert main(args) == 2
    assert "--absolute asks for the policy's change" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()

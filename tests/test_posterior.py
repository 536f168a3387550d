"""Replications drawn from a posterior: reproducible, paired across scenarios, and honest
about which part of a band the parameters make."""

import numpy as np
import pandas as pd
import pytest

from simulation.errors import ScenarioError
from simulation.experiments import compare
from simulation.posterior import apply_draw, crossed_shape, load_posterior, split_variance
from simulation.runner import run

from conftest import toy_scenario


def _posterior(tmp_path, rows=((0.6, -5.5), (1.4, -6.5), (1.0, -6.0))):
    path = tmp_path / "posterior.csv"
    pd.DataFrame(list(rows), columns=["behaviour.beta_network", "behaviour.asc.KAZ"]).to_csv(path, index=False)
    return load_posterior(path)


def test_replications_are_draws_times_seeds():
    assert crossed_shape(20) == (5, 4)
    assert crossed_shape(4) == (2, 2)
    assert crossed_shape(7) == (7, 1)
    assert crossed_shape(1) == (1, 1)


def test_posterior_replications_are_reproducible_and_use_the_draws(tmp_path):
    posterior = _posterior(tmp_path)
    scenario = toy_scenario(run__agents=1500, run__start="2022-01", run__end="2022-06")
    a = run(scenario, reps=4, seed=5, posterior=posterior)
    b = run(scenario, reps=4, seed=5, posterior=posterior)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert a.extra["draws"] == 2 and a.extra["seeds_per_draw"] == 2
    assert a.seeds[0] == a.seeds[2] and a.seeds[1] == a.seeds[3]  # each draw runs with the same seeds
    without = run(scenario, reps=4, seed=5)
    assert not a.timeseries.value.equals(without.timeseries.value)


def test_the_results_say_which_draws_the_replications_took(tmp_path):
    import json

    from simulation.outputs import write_results

    scenario = toy_scenario(run__agents=1000, run__start="2022-01", run__end="2022-03")
    drawn = write_results(run(scenario, reps=4, seed=5, posterior=_posterior(tmp_path)), tmp_path / "drawn", plots=False)
    said = json.loads((drawn / "summary.json").read_text())["parameters"]
    assert said["posterior"].endswith("posterior.csv") and len(said["draw_rows"]) == 4 and said["draws"] == 2
    assert (drawn / "scenario.resolved.toml").read_text().startswith("# The replications drew their calibrated")
    plain = write_results(run(scenario, reps=2, seed=5), tmp_path / "plain", plots=False)
    assert "no posterior draws" in json.loads((plain / "summary.json").read_text())["parameters"]


def test_a_policy_run_and_its_baseline_share_draws_and_seeds(tmp_path):
    posterior = _posterior(tmp_path)
    base = toy_scenario(run__agents=1500, run__start="2022-01", run__end="2022-06")
    alt = base.with_values(policy__work_permit_quota=5000)
    alt.name = "alt"
    c = compare(base, [alt], reps=4, seed=3, posterior=posterior)
    assert c.base.extra["draw_rows"] == c.alternatives[0].extra["draw_rows"]
    assert c.base.seeds == c.alternatives[0].seeds
    table = c.headline(["2022-06"])
    share = table[table.indicator == "stock_kaz"].parameter_share
    assert share.notna().all() and ((share >= 0) & (share <= 1)).all()


def test_a_key_the_scenario_sets_on_purpose_is_not_overridden(tmp_path):
    posterior = _posterior(tmp_path)
    mine = toy_scenario(behaviour__beta_network=0.45)
    drawn = apply_draw(mine, posterior, 1)
    assert drawn["behaviour.beta_network"] == 0.45
    assert drawn["behaviour.asc.KAZ"] == -6.5


def test_the_variance_split_recovers_known_parts():
    rng = np.random.default_rng(1)
    draws, seeds = 4000, 5
    grid = rng.normal(0, 2.0, (draws, 1)) + rng.normal(0, 1.0, (draws, seeds))  # parameters var 4, chance var 1
    parameters, chance = split_variance(grid.ravel(), draws, seeds)
    assert parameters == pytest.approx(4.0, rel=0.15)
    assert chance == pytest.approx(1.0, rel=0.1)
    assert np.isnan(split_variance(grid[:, 0], draws, 1)[0])  # one seed per draw cannot split


@pytest.mark.parametrize("content, message", [
    ("behaviour.no_such,behaviour.asc.KAZ\n1,2\n", "not an uncertain parameter"),
    ("behaviour.asc.KAZ\nabc\n", "not a number"),
    ("behaviour.beta_network\n500\n", "range"),
    ("behaviour.asc.KAZ\n", "no draws"),
])
def test_a_bad_posterior_file_is_refused_with_the_reason(tmp_path, content, message):
    path = tmp_path / "p.csv"
    path.write_text(content)
    with pytest.raises(ScenarioError, match=message):
        load_posterior(path)


def test_no_posterior_and_a_missing_file():
    assert load_posterior("none") is None
    with pytest.raises(ScenarioError, match="no such file"):
        load_posterior("/nonexistent/posterior.csv")

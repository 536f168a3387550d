"""A saved state continues exactly: restored or branched, the numbers equal the straight run's."""

import pytest

from simulation import MigrationModel, load_scenario
from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.experiments import compare
from simulation.posterior import load_posterior
from simulation.state import branch, branch_month, from_bytes, load_state, run_to, to_bytes

SMALL = dict(run__agents=2000, run__start="2023-01", run__end="2027-06", run__burn_in_months=12)


def _small(name):
    return load_scenario(f"scenarios/{name}.toml").with_values(**SMALL)


def test_a_restored_state_continues_bit_for_bit():
    straight = MigrationModel(_small("baseline"))
    straight.run()
    model = MigrationModel(_small("baseline"))
    run_to(model, "2025-03")
    restored = from_bytes(to_bytes(model))
    restored.run()
    assert restored.timeseries().equals(straight.timeseries())


def test_a_branch_equals_the_straight_run_of_the_policy():
    policy = _small("quota_halved")
    straight = MigrationModel(policy)
    straight.run()
    model = MigrationModel(_small("baseline"))
    run_to(model, "2026-01")
    branched = branch(from_bytes(to_bytes(model)), policy)
    branched.run()
    assert branched.timeseries().equals(straight.timeseries())
    assert branched.params.name == "quota_halved"


def test_compare_branches_from_the_first_policy_month_with_the_same_numbers():
    base, policy = _small("baseline"), _small("quota_halved")
    assert branch_month(base, [policy]) == "2026-01"
    shared = compare(base, [policy], reps=2)
    whole = compare(base, [policy], reps=2, branch=False)
    assert shared.extra["branched_from"] == "2026-01" and whole.extra["branched_from"] is None
    for a, b in zip(shared.results, whole.results):
        assert a.timeseries.equals(b.timeseries)


def test_compare_branches_with_posterior_draws_with_the_same_numbers():
    base, policy = _small("baseline"), _small("quota_halved")
    posterior = load_posterior("shipped")
    shared = compare(base, [policy], reps=4, posterior=posterior)  # 2 draws x 2 seeds
    whole = compare(base, [policy], reps=4, posterior=posterior, branch=False)
    assert shared.extra["branched_from"] == "2026-01"
    for a, b in zip(shared.results, whole.results):
        assert a.extra["draw_rows"] == b.extra["draw_rows"] and len(set(a.extra["draw_rows"])) == 2
        assert a.timeseries.equals(b.timeseries)


def test_a_branch_may_not_change_parameters_or_the_history():
    model = MigrationModel(_small("baseline"))
    run_to(model, "2026-06")
    with pytest.raises(ScenarioError, match="policy.patent_fee_usd"):
        branch(from_bytes(to_bytes(model)), _small("baseline").with_values(policy__patent_fee_usd=99.0))
    with pytest.raises(ScenarioError, match="starts before 2026-06"):
        branch(from_bytes(to_bytes(model)), _small("quota_halved"))
    assert branch_month(_small("baseline"), [_small("baseline").with_values(policy__patent_fee_usd=99.0)]) is None


def test_run_saves_a_state_and_another_run_continues_it(tmp_path, capsys):
    state = tmp_path / "2026.state"
    args = ["--agents", "2000", "--no-plots", "--quiet"]
    scenario = tmp_path / "small.toml"
    scenario.write_text('extends = "{}"\nname = "small"\n[run]\nstart = "2023-01"\nend = "2027-06"\n'
                        'burn_in_months = 12\n'.format((load_scenario("scenarios/baseline.toml").path)), "utf-8")
    assert main(["run", str(scenario), *args, "--save-state", "2026-01", str(state), "--out", str(tmp_path / "a")]) == 0
    assert load_state(state).date == "2026-01"
    assert main(["run", str(scenario), "--from-state", str(state), "--no-plots", "--quiet",
                 "--out", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "timeseries.csv").read_text()
    assert a == (tmp_path / "b" / "timeseries.csv").read_text()
    assert main(["run", str(scenario), "--from-state", str(tmp_path / "a" / "summary.json"), "--quiet",
                 "--out", str(tmp_path / "c")]) == 2
    assert "not a migsim state file" in capsys.readouterr().err


def test_a_state_of_an_earlier_version_is_refused_with_a_message():
    """A state written before a population column existed unpickles, but would fail at its first
    month: restoring it says so instead."""
    model = MigrationModel(_small("baseline"), agents=500)
    del model.population.permit_wait  # as a state of an earlier version holds it
    with pytest.raises(ScenarioError, match="earlier version of migsim .*permit_wait.*save the state again"):
        from_bytes(to_bytes(model), "old.state")

"""The exact regression baseline: every summary figure of the two fixed runs is unchanged.

A failure lists each figure that moved. If the change of behaviour is meant, regenerate
the baseline with `python -m tests.update_baseline` and commit it on its own, saying what
changed and why. (The plausibility of the baseline against the surveys is
`test_baseline.py`.)
"""

import pytest

from update_baseline import AGENTS, SEED, compare, compute, load, scenario


@pytest.fixture(scope="module")
def figures():
    return compute()


def test_baseline_file_matches_its_settings():
    stored = load()
    assert set(stored) == {"baseline", "historical_replay"}
    assert all(len(f) >= 60 for f in stored.values())  # several dozen figures each
    s = scenario("baseline")
    assert (s["run.agents"], s["run.seed"]) == (AGENTS, SEED)


def test_every_figure_is_unchanged(figures):
    problems = compare(load(), figures)
    assert not problems, f"{len(problems)} figures differ from tests/baseline.json:\n" + "\n".join(problems[:40])


def test_a_perturbed_parameter_is_caught(figures):
    """The comparison is not blind: a 5% change of one behavioural parameter moves figures."""
    perturbed = compute(("baseline",), behaviour__beta_network=scenario("baseline")["behaviour.beta_network"] * 1.05)
    problems = compare({"baseline": figures["baseline"]}, perturbed)
    assert len(problems) > 10
    assert any(p.startswith("baseline: stock_kaz/all/") for p in problems)


def test_compare_reports_missing_new_and_moved_figures():
    expected = {"a": {"x": 1.0, "y": 2.0, "v": 3.0}}
    actual = {"a": {"x": 1.0 + 1e-12, "y": 2.1, "w": 5.0}}
    problems = compare(expected, actual)
    assert len(problems) == 3  # x within the tolerance
    assert any("y = 2.1" in p for p in problems)
    assert any("v missing" in p for p in problems)
    assert any("w = 5.0 is new" in p for p in problems)

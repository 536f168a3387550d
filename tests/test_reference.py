"""The per-agent reference month: staged like the month as written, and sound on its own."""

import numpy as np

from simulation import reference
from simulation.model import MigrationModel
from simulation.world import HOME

from conftest import toy_scenario


def test_every_worker_finishes_a_stage_before_any_begins_the_next(monkeypatch):
    """Job search must see every departure and arrival of the month and no return (the month as
    written); one whole-month step per worker let searchers see only those before them."""
    calls = []
    wrapped = tuple((lambda stage: lambda w: (calls.append((stage.__name__, w.index)), stage(w)))(s)
                    for s in reference.STAGES)
    monkeypatch.setattr(reference, "STAGES", wrapped)
    model = MigrationModel(toy_scenario(run__agents=400, run__burn_in_months=0, run__end="2021-02"), per_agent=True)
    calls.clear()
    model.step()
    names = [name for name, _ in calls]
    order = ["work_and_decide", "find_job", "earn", "reconsider"]
    assert names == sorted(names, key=order.index)  # stage by stage
    for name in order:  # every worker once per stage, in a shuffled order
        rows = [i for n, i in calls if n == name]
        assert sorted(rows) == list(range(model.population.n)) and rows != sorted(rows)


def test_the_per_agent_month_moves_workers_only_through_recorded_flows():
    model = MigrationModel(toy_scenario(run__agents=600, run__burn_in_months=6, run__end="2021-06"), per_agent=True)
    model.run()
    rec = model.recorder
    for t in range(1, len(rec.dates)):
        net = rec.flows[t].sum(axis=1) - rec.flows[t].sum(axis=2)  # (origin, location): in minus out
        np.testing.assert_array_equal(rec.stocks[t] - rec.stocks[t - 1], net)
    assert (model.population.location != HOME).sum() > 0


def test_with_the_same_draws_the_per_agent_month_is_the_vectorised_month():
    """Given the vectorised month's keyed draws, the per-agent month takes every decision alike:
    the two differ only where workers of one stage compete (who gets a scarce quota permit first)
    or see one another's moves (moving on), so with no quota binding they stay identical. A
    sub-step whose meaning differed between the paths would part them at once: it did when a
    job lined up before leaving counted the contacts who left the same month, whom the
    vectorised month had all moved and the per-agent month only in part."""
    from simulation.streams import KeyedDraws

    scenario = toy_scenario(run__agents=2000, run__burn_in_months=0, run__start="2015-01", run__end="2016-12",
                            policy__work_permit_quota=10_000_000)
    fast, slow = (MigrationModel(scenario, seed=1000, per_agent=p) for p in (False, True))
    slow.draws = KeyedDraws(slow)
    for _ in range(24):
        fast.step()
        slow.step()
    for column in ("location", "status", "job_sector", "savings", "wage", "contacts", "intention", "months_here"):
        np.testing.assert_array_equal(getattr(fast.population, column), getattr(slow.population, column), column)
    assert (fast.population.job_sector >= 0).sum() > 50  # the runs did move and hire workers

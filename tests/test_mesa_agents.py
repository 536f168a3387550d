"""Workers are Mesa agents for whoever asks, and made only when asked: the month runs on columns.

Asking for them (even shuffling them, which uses `model.random`) must change nothing in a run.
"""

import mesa
import numpy as np
import pandas as pd
import pytest

from simulation.model import MigrationModel
from simulation.worker import Worker
from simulation.world import HOME, LOCATIONS, ORIGINS, SECTORS, STATUSES

from conftest import toy_scenario

SMALL = dict(run__agents=600, run__burn_in_months=3, run__end="2021-12")


@pytest.fixture
def made(monkeypatch):
    """Counts the Worker objects made from here on."""
    count = [0]
    init = Worker.__init__

    def counting(self, model, index):
        count[0] += 1
        init(self, model, index)

    monkeypatch.setattr(Worker, "__init__", counting)
    return count


def test_a_run_makes_no_worker_until_asked(made):
    model = MigrationModel(toy_scenario(**SMALL))
    model.run()
    assert made[0] == 0 and len(model._all_agents) == 0  # Mesa's registry, read without asking
    assert len(model.agents) == model.population.n == made[0]
    model.agents, model.agents_by_type, model.worker(3)  # asked again: the same objects
    assert made[0] == model.population.n


def test_asked_for_each_row_has_its_worker_with_its_state():
    model = MigrationModel(toy_scenario(**SMALL))
    model.run()
    pop, workers = model.population, list(model.agents)
    assert all(isinstance(w, Worker) and isinstance(w, mesa.Agent) for w in workers)
    assert [w.index for w in workers] == list(range(pop.n))
    assert [w.unique_id for w in workers] == list(range(1, pop.n + 1))
    assert model.agent_types == [Worker] and len(model.agents_by_type[Worker]) == pop.n
    assert [w.origin for w in workers] == [ORIGINS[o] for o in pop.origin]
    assert [w.location for w in workers] == [LOCATIONS[x] for x in pop.location]
    assert [w.status for w in workers] == [STATUSES[s] for s in pop.status]
    assert [w.sector for w in workers] == [SECTORS[s] if s >= 0 else None for s in pop.job_sector]
    assert np.allclose([w.savings for w in workers], pop.savings)
    assert model.worker(17) is model.agents[17] and model.worker(17).index == 17

    abroad = model.agents.select(lambda w: w.location != LOCATIONS[HOME])
    assert len(abroad) == int((pop.location != HOME).sum()) > 0
    assert sorted(model.agents.groupby("origin").count()) == sorted({ORIGINS[o] for o in pop.origin})
    assert model.agents.agg("savings", sum) == pytest.approx(float(pop.savings.sum()))


def test_asking_for_the_workers_mid_run_changes_nothing():
    scenario = toy_scenario(**SMALL)
    plain = MigrationModel(scenario)
    plain.run()
    asked = MigrationModel(scenario)
    for _ in range(5):
        asked.step()
    asked.agents.shuffle_do(lambda w: w.location)  # a user's look, in a random order
    asked.agents.select(lambda w: w.female).to_list()
    asked.run()
    pd.testing.assert_frame_equal(plain.timeseries(), asked.timeseries())
    for name in ("location", "status", "job_sector", "savings"):
        assert np.array_equal(getattr(plain.population, name), getattr(asked.population, name))


def test_removing_all_agents_before_asking_leaves_none():
    model = MigrationModel(toy_scenario(**SMALL))
    model.remove_all_agents()
    assert len(model.agents) == 0

"""Finding work abroad: kin contacts, and the compatriots met on arrival (weak ties)."""

import copy

import numpy as np
import pytest

from simulation import work
from simulation.model import MigrationModel
from simulation.month import month_conditions
from simulation.world import CH_NETWORK_AFTER, HOME, KAZ_LOCATIONS, LOCATION_COUNTRY, ORIGINS

from conftest import toy_scenario


def _searches():
    """Run 18 months, then let the searchers abroad with no kin contact where they are look for
    work once, from the same state and with the same draws, without acquaintances and with 20;
    returns the searchers and, for each, the model after the search and who found work."""
    model = MigrationModel(toy_scenario(labour__acquaintances=0.0), seed=7)
    model.run_for(18)
    pop = model.population
    searching = np.flatnonzero((pop.location != HOME) & (pop.job_sector < 0))
    alone = searching[work.job_contacts(model, searching, pop.location[searching].astype(np.int64)) == 0]
    out = []
    for acquaintances in (0.0, 20.0):
        m = copy.deepcopy(model)
        m.params = m.params.with_values(labour__acquaintances=acquaintances)
        work.find_jobs(m, month_conditions(m), alone, m.draws)
        out.append((m, m.population.job_sector[alone] >= 0))
    return alone, out


@pytest.fixture(scope="module")
def without_and_with():
    alone, ((model0, found0), (model, found)) = _searches()
    return (model0, alone, found0), (model, alone, found)


def test_acquaintances_at_a_place_follow_the_share_of_the_origin_there():
    model = MigrationModel(toy_scenario(labour__acquaintances=12.0, labour__network_reach=0.25), seed=3)
    model.run_for(18)
    pop, cond = model.population, month_conditions(model)
    got = cond.acquaintances
    uzb, here, there = ORIGINS.index("UZB"), KAZ_LOCATIONS[0], KAZ_LOCATIONS[1]
    assert LOCATION_COUNTRY[here] == LOCATION_COUNTRY[there] == 0
    of_origin = pop.origin == uzb
    share = lambda loc: (of_origin & (pop.location == loc)).sum() / of_origin.sum()  # noqa: E731
    in_kaz = [int(loc) for loc in KAZ_LOCATIONS]
    elsewhere = sum(share(loc) for loc in in_kaz if loc != here)
    assert share(here) > 0
    assert got[uzb, here] == pytest.approx(12.0 * (share(here) + 0.25 * elsewhere), rel=1e-5)
    assert (got[:, HOME] == 0).all()
    # none at all without acquaintances
    none = MigrationModel(toy_scenario(labour__acquaintances=0.0), seed=3)
    none.run_for(2)
    assert (month_conditions(none).acquaintances == 0).all()


def test_without_acquaintances_workers_with_no_kin_there_find_no_work_through_contacts(without_and_with):
    (model, alone, found), _ = without_and_with
    assert len(alone) > 20
    assert found.any()  # through their own search or agencies
    assert not (model.population.channel[alone[found]] == CH_NETWORK_AFTER).any()


def test_compatriots_met_on_arrival_help_those_with_no_kin_there(without_and_with):
    (_, _, found0), (model, alone, found) = without_and_with
    assert found.mean() > found0.mean() + 0.1
    assert found[found0].all()  # the same draws: whoever found work without them finds it with them
    assert (model.population.channel[alone[found]] == CH_NETWORK_AFTER).mean() > 0.5

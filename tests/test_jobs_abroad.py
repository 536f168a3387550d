"""Finding work abroad: kin contacts, the compatriots met on arrival (weak ties), jobs held over a visit home,
and who goes home on a visit."""

import copy

import numpy as np
import pytest

from simulation import work
from simulation.model import MigrationModel
from simulation.month import month_conditions
from simulation.world import (
    CH_NETWORK_AFTER,
    HOME,
    INT_CIRCULATE,
    INT_MOVE_ON,
    KAZ_LOCATIONS,
    LOCATION_COUNTRY,
    ORIGINS,
)

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


JOB = ("job_sector", "contract", "pension", "paid_leave", "channel")


def _visits(held: float, months: int = 14):
    """Step a toy model with frequent visits home; for each month, the workers who went on a
    visit from a job and those who came back from one, with their job columns before and after."""
    model = MigrationModel(toy_scenario(mobility__job_held_over_visit=held, mobility__visit_hazard=0.3,
                                        mobility__visit_end_rate=0.5), seed=11)
    pop = model.population
    left, back = [], []
    for _ in range(months):
        before = {c: getattr(pop, c).copy() for c in ("location", "visit_dest") + JOB}
        model.step()
        went = np.flatnonzero((before["location"] != HOME) & (before["job_sector"] >= 0)
                              & (pop.location == HOME) & (pop.visit_dest == before["location"]))
        came = np.flatnonzero((before["location"] == HOME) & (before["visit_dest"] > 0) & (pop.location != HOME))
        left.append((went, {c: before[c][went] for c in JOB}, {c: getattr(pop, c)[went].copy() for c in JOB}))
        back.append((came, before, {c: getattr(pop, c)[came].copy() for c in JOB + ("location",)}))
    return model, left, back


def test_a_job_held_over_a_visit_home_is_kept_at_home_and_resumed_on_return():
    model, left, back = _visits(held=1.0)
    went = sum(len(rows) for rows, _, _ in left)
    came = sum(len(rows) for rows, _, _ in back)
    assert went >= 30 and came >= 30
    for rows, before, after in left:  # the job waits at home, unchanged
        for c in JOB:
            np.testing.assert_array_equal(after[c], before[c])
    resumed = 0
    for rows, before, after in back:  # back at the place they left, in the job they left
        np.testing.assert_array_equal(after["location"], before["visit_dest"][rows])
        had = before["job_sector"][rows] >= 0
        np.testing.assert_array_equal(after["job_sector"][had], before["job_sector"][rows][had])
        np.testing.assert_array_equal(after["channel"][had], before["channel"][rows][had])
        resumed += int(had.sum())
    assert resumed >= 30


def test_without_jobs_held_a_visit_home_ends_the_job():
    model, left, back = _visits(held=0.0)
    assert sum(len(rows) for rows, _, _ in left) >= 30
    for rows, _, after in left:
        assert (after["job_sector"] == -1).all()
    pop = model.population
    assert not ((pop.location == HOME) & (pop.job_sector >= 0)).any()


def test_half_the_jobs_wait_when_the_chance_is_a_half():
    _, left, _ = _visits(held=0.5)
    kept = np.concatenate([after["job_sector"] >= 0 for _, _, after in left])
    assert len(kept) >= 60
    assert 0.35 < kept.mean() < 0.65


def test_a_job_held_at_home_ends_when_the_worker_retires():
    model = MigrationModel(toy_scenario(mobility__job_held_over_visit=1.0, mobility__visit_hazard=0.5,
                                        mobility__visit_end_rate=0.0), seed=5)
    model.run_for(4)
    pop = model.population
    waiting = np.flatnonzero((pop.location == HOME) & (pop.job_sector >= 0))
    assert len(waiting) >= 10
    pop.age[waiting] = np.float32(model.params["population.age_max"])
    model.step()
    assert (pop.job_sector[waiting] == -1).all()
    assert (pop.visit_dest[waiting] == 0).all()


def test_having_worked_in_kazakhstan_is_remembered_across_trips_and_only_there():
    model = MigrationModel(toy_scenario(), seed=3)
    model.run_for(24)
    pop = model.population
    in_kaz = (pop.location != HOME) & (LOCATION_COUNTRY[pop.location] == 0)
    employed_kaz = in_kaz & (pop.job_sector >= 0)
    assert employed_kaz.sum() >= 20 and pop.worked_kaz[employed_kaz].all()
    assert (pop.trips[pop.worked_kaz] > 0).all()  # a worker who never left has never worked there
    assert (pop.worked_kaz & (pop.location == HOME)).any()  # it stays with them at home
    elsewhere = (pop.location != HOME) & (LOCATION_COUNTRY[pop.location] != 0) & (pop.trips == 1)
    assert not pop.worked_kaz[elsewhere & ~(pop.months_on_trip > pop.months_here)].any()


def _visit_rates(factor: float, months: int = 12) -> tuple[float, float, int]:
    """Visits home begun per worker-month abroad, for circulators and for those who mean to stay
    or go home for good, over `months` months of a toy model; and how many of the latter visited."""
    model = MigrationModel(toy_scenario(mobility__visit_hazard=0.2, mobility__winter_visit_factor=1.0,
                                        mobility__other_plans_visit_factor=factor), seed=5)
    pop = model.population
    exposed, visits = np.zeros(2), np.zeros(2)
    for _ in range(months):
        abroad = pop.location != HOME
        model.step()  # plans are revised in the step, before the choice: grouped by the plan chosen on
        group = np.where(pop.intention == INT_CIRCULATE, 0, np.where(pop.intention == INT_MOVE_ON, -1, 1))
        went = abroad & (pop.location == HOME) & (pop.visit_dest > 0)
        for g in (0, 1):
            exposed[g] += (abroad & (group == g)).sum()
            visits[g] += (went & (group == g)).sum()
    return visits[0] / exposed[0], visits[1] / exposed[1], int(visits[1])


def test_only_circulators_visit_home_unless_the_others_are_given_a_share_of_their_hazard():
    circulators, others, other_visits = _visit_rates(0.0)
    assert circulators > 0.05 and other_visits == 0
    circulators, others, other_visits = _visit_rates(0.5)
    assert other_visits >= 30
    assert 0.35 < others / circulators < 0.65

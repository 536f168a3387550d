"""Workers refused a quota permit wait for one before they come anyway or choose again.

A permit in the model is an agent's worth of permits, so refusing at once whoever found none
free in a month made refusals depend on the number of agents; the wait
(`legal.quota_wait_months`) lets a chance shortage clear. These tests run a toy world whose
quota falls to a binding level in 2021-07 (the lever test's case) and check what the wait
promises: waiting workers are at home with a quota corridor's destination, nobody waits longer
than the setting allows, the waiting list empties into permits or refusals, and with no wait
nobody waits at all.
"""

from dataclasses import replace

import numpy as np
import pytest

from simulation import month
from simulation.model import MigrationModel
from simulation.world import HOME, LOCATION_COUNTRY, REGIMES

from conftest import toy_scenario

BINDING = [dict(kind="quota", date="2021-07", total=1500, _file="test.toml")]


def _model(wait: int) -> MigrationModel:
    return MigrationModel(replace(toy_scenario(run__agents=8000, legal__quota_wait_months=wait), events=BINDING))


def _series(model: MigrationModel, indicator: str) -> np.ndarray:
    ts = model.timeseries()
    return ts[(ts.indicator == indicator) & (ts.date >= "2021-07")].value.to_numpy()


@pytest.fixture(scope="module")
def waited():
    """The toy world stepped month by month, with what every waiting worker looked like."""
    model = _model(wait=3)
    pop = model.population
    seen, longest, since = [], 0, np.zeros(pop.n, int)
    while not model.finished:
        model.step()
        waiting = pop.permit_wait > 0
        since = np.where(waiting, since + 1, 0)
        longest = max(longest, int(since.max()))
        rows = np.flatnonzero(waiting)
        seen.append((pop.location[rows].copy(), pop.origin[rows].copy(), pop.permit_wait[rows].copy()))
    return model, seen, longest


def test_waiting_workers_are_at_home_for_a_quota_corridor(waited):
    model, seen, _ = waited
    corridor = model.economy.levers.regime  # (origin, country)
    assert sum(len(loc) for loc, _, _ in seen) > 0, "a binding quota left nobody waiting"
    for loc, origin, dest in seen:
        assert (loc == HOME).all()
        assert (corridor[origin, LOCATION_COUNTRY[dest]] == REGIMES.index("quota")).all()


def test_nobody_waits_longer_than_the_setting(waited):
    _, _, longest = waited
    assert 1 <= longest <= 3


def test_a_binding_quota_still_refuses_the_excess_after_the_wait(waited):
    model, _, _ = waited
    assert _series(model, "quota_waiting_kaz").max() > 0
    assert _series(model, "quota_refused_kaz").sum() > 0
    held = _series(model, "quota_permits_kaz")
    assert (np.diff(held) <= 0).all(), "permits were granted above the cap"  # holders keep theirs to the end


def test_no_wait_decides_at_once():
    model = _model(wait=0)
    model.run()
    assert not (model.population.permit_wait > 0).any()
    assert _series(model, "quota_waiting_kaz").max() == 0
    assert _series(model, "quota_refused_kaz").sum() > 0


def test_those_waiting_and_skilled_arrivals_share_one_queue(monkeypatch):
    """The month's free permits go in one random order to those waiting and to skilled
    arrivals of patent corridors: serving those waiting first gave the skilled arrivals fewer
    permits the fewer the agents (see `month.decide_and_move`)."""
    model = MigrationModel(replace(toy_scenario(run__agents=8000, legal__quota_skilled_take_up=1.0),
                                   events=[dict(BINDING[0], total=30_000)]))
    pop = model.population
    patent = model.economy.levers.regime[:, 0] == REGIMES.index("patent")
    grant, offers = month._grant_quota, []

    def recording(m, cond, candidates, draws):
        granted = grant(m, cond, candidates, draws)
        offers.append((pop.permit_wait[candidates] > 0, patent[pop.origin[candidates]], granted))
        return granted

    monkeypatch.setattr(month, "_grant_quota", recording)
    model.run()
    together = [(w, p) for w, p, _ in offers if w.any() and p.any()]
    assert together, "those waiting and skilled arrivals never asked in the same draw"


def test_visitors_going_back_and_new_applicants_share_one_queue(monkeypatch):
    """Workers at home who ask for a free permit (visitors whose permit lapsed on the visit, new
    applicants, those waiting) are served in one random order: none is served only from what
    the others leave, a priority that made the split depend on the number of agents."""
    model = MigrationModel(toy_scenario(run__agents=30_000, corridor__CHN__KAZ__preference=6.0,
                                        policy__work_permit_quota=20_000, mobility__visit_hazard=0.2,
                                        mobility__visit_end_rate=0.5))
    counts = np.zeros((2, 2))  # [visitor, granted]
    grant = month._grant_quota

    def recording(model_, cond, candidates, draws):
        granted = grant(model_, cond, candidates, draws)
        pop = model_.population
        at_home = pop.location[candidates] == HOME
        visitor = (pop.visit_dest[candidates] > 0).astype(int)
        np.add.at(counts, (visitor[at_home], granted[at_home].astype(int)), 1)
        return granted

    monkeypatch.setattr(month, "_grant_quota", recording)
    model.run()
    asked = counts.sum(axis=1)
    assert asked.min() > 100, "the toy world needs both visitors and applicants asking"
    visitor_rate, applicant_rate = counts[1, 1] / asked[1], counts[0, 1] / asked[0]
    assert applicant_rate < 0.9, "the quota never bound: nothing to share"
    assert 0.5 < visitor_rate / applicant_rate < 2  # with visitors served last: 0

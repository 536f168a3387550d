"""Accounting that must hold every month, whatever the parameters."""

import numpy as np

from simulation.model import MigrationModel
from simulation.world import HOME, N_LOCATIONS, ORIGINS, ST_QUOTA

from conftest import toy_scenario


def test_every_worker_is_in_exactly_one_place_every_month(toy):
    """Home and abroad are counted separately; together they hold every worker, every month."""
    model = MigrationModel(toy.with_values(run__end="2021-12"))
    per_origin = np.bincount(model.population.origin, minlength=len(ORIGINS))
    while not model.finished:
        model.step()
        loc = model.population.location
        assert loc.min() >= 0 and loc.max() < N_LOCATIONS, model.date
    rec = model.recorder
    assert np.all(rec.stocks >= 0)
    assert np.all(rec.stocks.sum(axis=2) == per_origin[None, :])
    assert np.any(rec.stocks[:, :, HOME] < per_origin[None, :])  # some are abroad: the test sees both


def test_stocks_change_only_by_recorded_flows(toy_run):
    rec = toy_run.recorder
    for t in range(1, len(rec.dates)):
        inflow = rec.flows[t].sum(axis=1)  # (origin, to)
        outflow = rec.flows[t].sum(axis=2)  # (origin, from)
        assert np.array_equal(rec.stocks[t] - rec.stocks[t - 1], inflow - outflow), rec.dates[t]
    assert rec.flows[1:].sum() > 0  # people did move


def test_contact_counts_match_where_the_contacts_are(toy_run):
    pop = toy_run.population
    owner = np.repeat(np.arange(pop.n), pop.degree)
    expected = np.zeros((pop.n, N_LOCATIONS), np.int64)
    np.add.at(expected, (owner, pop.location[pop.ties]), 1)
    assert np.array_equal(expected, pop.contacts)


def test_contact_counts_hold_every_tie_at_the_densest_network_allowed():
    """Contacts are counted in one byte each; at the largest mean degree and village the
    parameters allow (100 ties, villages of 100,000: few repeated ties) no count wraps round,
    however the workers move."""
    model = MigrationModel(toy_scenario(population__mean_degree=100, population__village_size=100_000,
                                        run__agents=20_000, run__end="2021-06"))
    model.run()
    pop = model.population
    assert pop.degree.max() > 128  # counts above the signed byte's range occur
    owner = np.repeat(np.arange(pop.n), pop.degree)
    expected = np.zeros((pop.n, N_LOCATIONS), np.int64)
    np.add.at(expected, (owner, pop.location[pop.ties]), 1)
    assert np.array_equal(expected, pop.contacts)
    assert (pop.location != HOME).any()  # some contacts did move


def test_ties_are_symmetric_and_mostly_within_the_origin(toy_run):
    pop = toy_run.population
    owner = np.repeat(np.arange(pop.n), pop.degree)
    pairs = set(zip(owner.tolist(), pop.ties.tolist()))
    assert all((b, a) in pairs for a, b in list(pairs)[:2000])
    assert np.mean(pop.origin[owner] == pop.origin[pop.ties]) > 0.9
    graph = pop.network(np.arange(200))
    assert graph.number_of_nodes() == 200 and graph.number_of_edges() > 0


def test_workers_at_home_hold_no_job_or_status(toy_run):
    """Only a job that waits over a visit home (`mobility.job_held_over_visit`) is held at home."""
    pop = toy_run.population
    home = pop.location == HOME
    assert np.all(pop.job_sector[home & (pop.visit_dest == 0)] == -1)
    assert np.all(pop.status[home] == 0)
    assert np.all(pop.status[~home] > 0)


def test_quota_permits_never_exceed_the_quota(toy_run):
    quota = toy_run.params["policy.work_permit_quota"]
    ts = toy_run.timeseries()
    held = ts[ts.indicator == "quota_permits_kaz"].value
    assert held.max() <= quota + toy_run.population.scale
    assert np.sum(toy_run.population.status == ST_QUOTA) * toy_run.population.scale <= quota + 1e-6


def test_a_full_quota_holds_when_permit_holders_come_back_from_visits_home():
    """Workers back from a visit home need a free permit again: a full quota is never exceeded."""
    quota = 20_000
    model = MigrationModel(toy_scenario(corridor__CHN__KAZ__preference=6.0, policy__work_permit_quota=quota,
                                        mobility__visit_hazard=0.2, mobility__visit_end_rate=0.5))
    scale = model.population.scale
    came_back = 0
    while not model.finished:
        visiting = model.population.visit_dest > 0
        model.step()
        came_back += int(np.sum(visiting & (model.population.location != HOME)))
        assert np.sum(model.population.status == ST_QUOTA) * scale <= quota + 1e-6, model.date
    held = model.timeseries().query("indicator == 'quota_permits_kaz'").value
    assert held.max() > 0.8 * quota and came_back > 0  # the quota did fill, and visitors did return


def test_shares_are_shares(toy_run):
    ts = toy_run.timeseries()
    shares = ts[ts.indicator.str.startswith("share_") | ts.indicator.isin(["job_channel", "intentions_kaz"])]
    assert shares.value.dropna().between(0, 1).all()


def _arrivals_and_stays_begun(model):
    ts = model.timeseries()
    arrivals = ts[(ts.indicator == "arrivals_kaz") & (ts.group == "all")].value.to_numpy()
    begun = ts[(ts.indicator == "stays_begun_kaz") & (ts.group == "all")].value.to_numpy()
    return arrivals, begun


def test_stays_begun_are_the_arrivals_not_back_from_a_visit_home(toy):
    """Every stay begun is an arrival; the arrivals it leaves out are the returns from home visits,
    so without visits the two counts are the same, month by month."""
    with_visits = MigrationModel(toy.with_values(run__end="2021-12", mobility__visit_hazard=0.2))
    with_visits.run()
    arrivals, begun = _arrivals_and_stays_begun(with_visits)
    assert np.all(begun <= arrivals + 1e-9) and begun.sum() < arrivals.sum()
    assert begun.sum() > 0

    without = MigrationModel(toy.with_values(run__end="2021-12", mobility__visit_hazard=0.0))
    without.run()
    arrivals, begun = _arrivals_and_stays_begun(without)
    assert arrivals.sum() > 0 and np.allclose(begun, arrivals)


def test_kazakhs_leaving_are_the_rise_of_kazakhs_abroad_plus_those_back_home(toy_run):
    """Kazakhs abroad change by those who left home minus those who came home: the departures
    the Migration Committee counts (k25_emigrants_work_2022) are flows, not the stock."""
    rec, scale = toy_run.recorder, toy_run.population.scale
    kaz = ORIGINS.index("KAZ")
    ts = toy_run.timeseries()
    leaving = ts[(ts.indicator == "kazakhs_leaving") & (ts.group == "all")].value.to_numpy()
    abroad = rec.stocks[:, kaz].sum(axis=1) - rec.stocks[:, kaz, HOME]
    came_home = rec.flows[:, kaz, :, HOME].sum(axis=1)
    assert leaving.sum() > 0
    assert np.allclose(leaving[1:], (abroad[1:] - abroad[:-1] + came_home[1:]) * scale)

"""The decision rules on their own: probabilities, monotonicity, and the fast kernel."""

import numpy as np
import pytest

from simulation import decisions, kernels, month
from simulation.model import MigrationModel

from conftest import toy_scenario


def utilities(n=500, a=4, wage=None, contacts=None, seed=0):
    rng = np.random.default_rng(seed)
    log_wage = np.log(np.full(a, 500.0)) if wage is None else np.log(wage)
    pull = None if contacts is None else 0.9 * np.log1p(contacts)
    return decisions.destination_utilities(
        base=np.full((n, a), -6.0), gain_weight=np.full(n, 1.4), log_expected_wage=log_wage,
        log_home_income=np.log(rng.uniform(150, 400, n)), cost_months=np.full((n, a), 0.5), beta_cost=0.35,
        personal=rng.normal(0, 0.5, n), network_pull=pull, feasible=np.ones((n, a), bool))


def test_probabilities_are_probabilities():
    p = decisions.choice_probabilities(utilities())
    assert np.all(p >= 0) and np.all(p <= 1)
    assert np.all(p.sum(axis=1) < 1)  # staying keeps some probability
    forced = decisions.choice_probabilities(utilities(), with_stay=False)
    np.testing.assert_allclose(forced.sum(axis=1), 1, rtol=1e-5)


def test_infeasible_alternatives_get_no_probability():
    v = utilities()
    v[:, 1] = -np.inf
    p = decisions.choice_probabilities(v)
    assert np.all(p[:, 1] == 0)


def test_migration_rises_with_the_wage_gap():
    low = decisions.choice_probabilities(utilities(wage=np.full(4, 400.0))).sum(axis=1)
    high = decisions.choice_probabilities(utilities(wage=np.full(4, 800.0))).sum(axis=1)
    assert np.all(high > low)


def test_migration_rises_with_contacts_at_the_destination():
    none = decisions.choice_probabilities(utilities(contacts=np.zeros((500, 4))))
    some = decisions.choice_probabilities(utilities(contacts=np.tile([3, 0, 0, 0], (500, 1))))
    assert np.all(some.sum(axis=1) > none.sum(axis=1))
    assert np.all(some[:, 0] > none[:, 0])  # and towards where the contacts are


def test_choose_follows_the_probabilities():
    p = np.tile(np.array([[0.1, 0.2, 0.05]], np.float32), (200_000, 1))
    pick = decisions.choose(p, np.random.default_rng(1).random(200_000))
    shares = [np.mean(pick == k) for k in range(3)] + [np.mean(pick == decisions.STAY)]
    np.testing.assert_allclose(shares, [0.1, 0.2, 0.05, 0.65], atol=0.005)


def test_job_search_channels_in_proportion_to_their_intensity():
    n = 100_000
    u = np.random.default_rng(2).random(n)
    found, channel = decisions.job_search(u, np.full(n, 0.6), np.full(n, 0.1), np.full(n, 0.3), np.ones(n))
    assert found.mean() == pytest.approx(1 - np.exp(-1.0), abs=0.01)
    shares = np.bincount(channel[found], minlength=3) / found.sum()
    np.testing.assert_allclose(shares, [0.6, 0.1, 0.3], atol=0.01)


def test_abroad_choice_partitions_the_uniform():
    u = np.linspace(0, 0.999, 1000)
    c = decisions.abroad_choice(u, np.full(1000, 0.1), np.full(1000, 0.2), np.full(1000, 0.3))
    assert [np.mean(c == k) for k in range(4)] == pytest.approx([0.4, 0.1, 0.2, 0.3], abs=0.002)


def test_compiled_kernel_makes_the_same_choices_as_the_numpy_rule():
    model = MigrationModel(toy_scenario(run__agents=20_000, run__burn_in_months=24, behaviour__beta_youth=-1.5))
    pop, s = model.population, model.params
    cond = month.month_conditions(model)
    rows = np.flatnonzero(pop.location == 0)
    u = np.random.default_rng(3).random(len(rows)).astype(np.float32)
    probs = decisions.choice_probabilities(month.utilities(model, cond, rows))
    reference = decisions.choose(probs, u)
    allowed = cond.open & ~(cond.quota_corridor & (cond.quota_slots <= 0))
    tables = kernels.prepare_choice(cond.weights, cond.cost, allowed, model.economy.home_wage,
                                    s["behaviour.unemployed_income_ratio"], s["behaviour.beta_income"],
                                    s["behaviour.beta_need"], s["behaviour.beta_network"])
    fast = kernels.choose_destinations(
        rows, u, pop.origin, pop.provider, pop.dependants, pop.female, pop.age, pop.savings, pop.home_employed,
        pop.contacts, pop.degree, *tables[:3], cond.cost, *tables[3:], s["behaviour.beta_network"],
        s["behaviour.beta_female"], s["behaviour.beta_care"], s["behaviour.beta_age"], s["behaviour.beta_youth"])
    # Float32 against float64 arithmetic may differ only where u sits on a boundary.
    cum = np.cumsum(probs, axis=1)
    near_boundary = np.any(np.abs(cum - u[:, None]) < 1e-5, axis=1)
    assert np.array_equal(fast[~near_boundary], reference[~near_boundary])
    assert (reference != decisions.STAY).sum() > 50  # the comparison covered real moves


def test_compiled_move_on_makes_the_same_choices_as_the_numpy_rule():
    from simulation import abroad
    from simulation.economy import ALT_COUNTRY
    from simulation.world import LOCATION_COUNTRY

    model = MigrationModel(toy_scenario(run__agents=20_000, run__burn_in_months=24))
    pop, s = model.population, model.params
    cond = month.month_conditions(model)
    rows = np.flatnonzero(pop.location != 0)
    u = np.random.default_rng(4).random(len(rows)).astype(np.float32)
    v = month.utilities(model, cond, rows)
    v[ALT_COUNTRY[None, :] == LOCATION_COUNTRY[pop.location[rows]][:, None]] = -np.inf
    probs = decisions.choice_probabilities(v, with_stay=False)
    reference = decisions.choose(probs, u)
    allowed = cond.open if cond.quota_slots > 0 else cond.open & ~cond.quota_corridor
    fast = abroad.move_on_choices(rows, u, pop.origin, pop.location, pop.provider, pop.dependants, pop.savings,
                                  pop.contacts, cond.weights, cond.cost, allowed, s["behaviour.beta_network"])
    cum = np.cumsum(probs, axis=1)
    near_boundary = np.any(np.abs(cum - u[:, None]) < 1e-5, axis=1)
    assert np.array_equal(fast[~near_boundary], reference[~near_boundary])
    assert len(np.unique(reference[reference != decisions.STAY])) > 3  # several destinations chosen
    assert (reference == decisions.STAY).any()  # and workers with nowhere open and affordable to go


def test_the_youth_term_moves_every_alternative_of_the_under_25s_by_its_weight_per_decade():
    models = [MigrationModel(toy_scenario(run__agents=3000, run__burn_in_months=0, behaviour__beta_youth=b))
              for b in (0.0, -2.0)]
    rows = np.flatnonzero(models[0].population.location == 0)
    plain, young = (month.utilities(m, month.month_conditions(m), rows) for m in models)
    age = models[0].population.age[rows]
    finite = np.isfinite(plain)
    shift = np.broadcast_to((-2.0 * np.maximum(25.0 - age, 0.0) / 10.0)[:, None], plain.shape)
    np.testing.assert_allclose(young[finite] - plain[finite], shift[finite], atol=1e-5)  # ages are float32
    assert (age < 25).any() and (age >= 25).any()


def test_a_corridor_preference_shifts_that_corridor_only():
    from simulation.drivers import load_drivers
    from simulation.economy import ALT_COUNTRY, Economy
    from simulation.world import DEST_COUNTRIES, ORIGINS

    plain = Economy(toy_scenario(corridor__TJK__KAZ__preference=0.0), load_drivers()).base_utility(6)
    shifted = Economy(toy_scenario(corridor__TJK__KAZ__preference=-2.0), load_drivers()).base_utility(6)
    to_kaz = ALT_COUNTRY == DEST_COUNTRIES.index("KAZ")
    tjk = ORIGINS.index("TJK")
    np.testing.assert_allclose(shifted[tjk, to_kaz] - plain[tjk, to_kaz], -2.0, rtol=1e-6)
    untouched = np.ones_like(plain, bool)
    untouched[tjk, to_kaz] = False
    np.testing.assert_array_equal(shifted[untouched], plain[untouched])


def test_a_negative_corridor_preference_sends_that_origin_elsewhere():
    from simulation.world import DEST_COUNTRIES, LOCATION_COUNTRY, ORIGINS

    def tajiks_by_country(**changes):
        model = MigrationModel(toy_scenario(run__agents=6000, **changes))
        model.run()
        pop = model.population
        country = LOCATION_COUNTRY[pop.location]
        tjk = pop.origin == ORIGINS.index("TJK")
        return {c: int(np.sum(tjk & (country == DEST_COUNTRIES.index(c)))) for c in ("KAZ", "RUS")}

    plain = tajiks_by_country(corridor__TJK__KAZ__preference=0.0)
    away = tajiks_by_country(corridor__TJK__KAZ__preference=-3.0)
    assert plain["KAZ"] >= 20, plain  # enough Tajik agents in Kazakhstan to see the difference
    assert away["KAZ"] < 0.25 * plain["KAZ"]
    assert away["RUS"] >= 0.9 * plain["RUS"]  # the others' pull is unchanged, so Russia keeps (or gains) them


def test_winter_brings_circulating_workers_home_on_visits():
    """The winter visit factor raises visits home in December-February only."""
    def on_visit(factor):
        model = MigrationModel(toy_scenario(mobility__winter_visit_factor=factor))
        counts = {}
        while not model.finished:
            date = model.date
            model.step()
            counts[date] = int((model.population.visit_dest > 0).sum())
        return counts

    plain, winter = on_visit(1.0), on_visit(6.0)
    assert winter["2022-02"] > 2 * plain["2022-02"]
    assert plain["2022-02"] < 1.5 * plain["2021-10"]  # without the factor, visits have no season


def test_workers_who_move_on_draw_their_plans_afresh_in_the_new_country():
    """Moving on carries the plan out: a mover-on does not wander from country to country for good."""
    from simulation.world import INT_MOVE_ON, LOCATION_COUNTRY

    model = MigrationModel(toy_scenario(run__agents=10_000, run__start="2022-06", mobility__move_on_hazard=1.0,
                                        mobility__intention_revision=0.0))
    pop = model.population
    movers_on = np.flatnonzero((pop.location != 0) & (pop.intention == INT_MOVE_ON))
    pop.savings[movers_on] = 1e6  # every one of them can pay for the move
    country_before = LOCATION_COUNTRY[pop.location[movers_on]]
    model.step()
    moved = movers_on[(pop.location[movers_on] != 0) & (LOCATION_COUNTRY[pop.location[movers_on]] != country_before)]
    assert len(moved) >= 15
    assert (pop.intention[moved] == INT_MOVE_ON).mean() < 0.2  # about the share drawn on arrival (0.05)


def test_a_share_of_those_sending_half_or_more_send_exactly_half():
    """IOM 2022's top band is 'at least 50 per cent'; `remittances.exactly_half` of it send half."""
    def shares(exactly_half):
        model = MigrationModel(toy_scenario(remittances__exactly_half=exactly_half), seed=4)
        model.run_for(12)
        pop = model.population
        sent = pop.remit_share[pop.remitter & (pop.trips > 0)]
        return sent, float(model.params["remittances.band_over_half_max"])

    plain, top = shares(0.0)
    assert len(plain) > 300 and not (plain == 0.5).any()
    heaped, top = shares(0.4)
    half_or_more = heaped[heaped >= 0.5]
    assert 0.3 < (half_or_more == 0.5).mean() < 0.5
    assert (half_or_more <= np.float32(top)).all()
    assert (half_or_more > 0.5).sum() > 50  # the rest still spread over the band
    # the bands' sizes are the survey's either way
    assert abs((heaped >= 0.5).mean() - (plain >= 0.5).mean()) < 0.08

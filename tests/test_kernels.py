"""The compiled kernels: serial and parallel variants kept apart, the same choices from both."""

import numpy as np

from simulation import kernels, month
from simulation.model import MigrationModel

from conftest import toy_scenario


def test_serial_and_parallel_choice_kernels_have_their_own_cache_files():
    """numba's cache key ignores `parallel=`: one function compiled both ways shared one entry,
    so whichever compiled first served both (a 1M-agent month on one thread)."""
    parallel, serial = kernels._choose_parallel, kernels._choose_serial
    assert parallel.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
    assert parallel._cache._cache_file._index_name != serial._cache._cache_file._index_name


def test_serial_and_parallel_kernels_choose_alike():
    model = MigrationModel(toy_scenario(run__agents=8000, run__burn_in_months=12))
    pop, s = model.population, model.params
    cond = month.month_conditions(model)
    rows = np.flatnonzero(pop.location == 0)
    u = np.random.default_rng(5).random(len(rows)).astype(np.float32)
    tables = month._choice_tables(model, cond, cond.open)
    args = (rows, u, pop.origin, pop.provider, pop.dependants, pop.female, pop.age, pop.savings, pop.home_employed,
            pop.contacts, pop.degree, *tables[:3], cond.cost, *tables[3:], s["behaviour.beta_network"],
            s["behaviour.beta_female"], s["behaviour.beta_care"], s["behaviour.beta_age"], s["behaviour.beta_youth"])
    assert len(rows) >= 4096  # enough rows for the parallel loop to split them among its threads
    one, many = kernels._choose_serial(*args), kernels._choose_parallel(*args)
    assert np.array_equal(one, many)
    assert (one >= 0).sum() > 20


def test_abroad_choice_kernel_makes_the_same_choices_as_the_numpy_rule():
    """`kernels.abroad_choices` computes the hazards and applies `decisions.abroad_choice` in one
    pass; the hazards written out in numpy, then the numpy rule, give the same choices, bit for bit."""
    from simulation import decisions
    from simulation.world import INT_CIRCULATE, INT_MOVE_ON, INT_RETURN, INT_STAY, LOCATION_COUNTRY

    model = MigrationModel(toy_scenario(run__agents=6000, run__burn_in_months=24))
    pop = model.population
    rows = np.flatnonzero(pop.location != 0)
    rng = np.random.default_rng(4)
    u = rng.random(len(rows)).astype(np.float32)
    pop.savings[rows[::7]] = 0.0  # some broke, some out of work, some at the retirement age
    pop.months_unemployed[rows[::5]] = 3
    pop.age[rows[::11]] = 61.0
    pop.intention[rows[::3]] = INT_MOVE_ON  # every branch taken, whatever the toy run's intentions
    exit_factor = np.linspace(0.3, 1.0, 6)
    base, ret, stay, unemp, broke, visit, other_visit, move = 0.01, 0.05, 0.4, 2.0, 3.0, 0.3, 0.1, 0.02
    intention = pop.intention[rows]
    p_return = np.where(intention == INT_RETURN, base + ret, np.where(intention == INT_STAY, base * stay, base))
    p_return = p_return * np.where(pop.months_unemployed[rows] >= 2, unemp, 1.0)
    p_return = p_return * np.where(pop.savings[rows] <= 0, broke, 1.0)
    p_return = np.where(pop.age[rows] >= 60.0, 1.0, p_return)
    stranded = exit_factor[LOCATION_COUNTRY[pop.location[rows]]]
    p_visit = np.where(intention == INT_CIRCULATE, visit, np.where(intention == INT_MOVE_ON, 0.0, other_visit)) * stranded
    p_move = np.where(intention == INT_MOVE_ON, move, 0.0) * stranded
    expected = decisions.abroad_choice(u, p_return * stranded, p_visit, p_move)
    got = kernels.abroad_choices(rows, u, pop.intention, pop.months_unemployed, pop.savings, pop.age, pop.location,
                                 base, ret, stay, unemp, broke, np.float32(60.0), visit, other_visit, move, exit_factor)
    assert np.array_equal(got, expected)
    assert all((got == k).sum() > 0 for k in range(4))


def test_job_contacts_counted_from_the_ties_match_the_running_counts():
    """Counting each worker's ties where they are gives the running counts' answer, bit for bit,
    so a job lined up before leaving can count the contacts where they were at the month's start."""
    from simulation import work

    model = MigrationModel(toy_scenario(run__agents=3000, run__burn_in_months=12))
    pop = model.population
    rows = np.arange(pop.n)
    loc = np.random.default_rng(0).integers(1, pop.contacts.shape[1], pop.n)
    running = work.job_contacts(model, rows, loc)
    by_ties = work.job_contacts(model, rows, loc, where=pop.location)
    np.testing.assert_array_equal(running, by_ties)
    assert (running > 0).sum() > 50


def test_job_contacts_by_ties_alike_on_one_thread_or_all():
    """Counting the contacts of many arrivals runs on every thread; each count is the serial
    loop's, bit for bit, and each variant has its own cache files."""
    from simulation import tie_passes
    from simulation.work import SAME_COUNTRY_ELSEWHERE

    model = MigrationModel(toy_scenario(run__agents=12000, run__burn_in_months=12))
    pop = model.population
    rows = np.arange(pop.n, dtype=np.int64)
    loc = np.random.default_rng(1).integers(1, pop.contacts.shape[1], pop.n)
    args = (rows, loc, pop.tie_start, pop.ties, pop.location, SAME_COUNTRY_ELSEWHERE, np.float32(0.3))
    assert len(rows) >= tie_passes.PARALLEL_ROWS
    one, many = tie_passes._job_contacts_serial(*args), tie_passes._job_contacts_parallel(*args)
    np.testing.assert_array_equal(one, many)
    assert (one > 0).sum() > 100
    parallel, serial = tie_passes._job_contacts_parallel, tie_passes._job_contacts_serial
    assert parallel._cache._cache_file._index_name != serial._cache._cache_file._index_name



def test_month_conditions_kernels_give_numpy_s_arithmetic_bit_for_bit():
    """`kernels.market_terms` and `kernels.shared_weights` compute in one pass what numpy computed
    in some twenty calls a month; numpy's own formulas give the same values to the bit, with
    zero capacities and priors (infinities and nans) among them."""
    from simulation.world import DEST_COUNTRIES, LOCATION_COUNTRY

    country = np.maximum(LOCATION_COUNTRY, 0)
    n_loc, n_c = len(LOCATION_COUNTRY), len(DEST_COUNTRIES)
    rng = np.random.default_rng(3)
    with np.errstate(all="ignore"):
        for k in range(300):
            by_origin = rng.integers(0, 500, (7, n_loc)) * (rng.random((7, n_loc)) < 0.7)
            employed = np.minimum(rng.integers(0, 800, n_loc), by_origin.sum(axis=0))
            prior, scale = (0.0, rng.uniform(0, 50), 3)[k % 3], rng.uniform(1, 5000)
            unemployment, wage = rng.uniform(0, 0.3, n_c), rng.uniform(0, 2000, n_loc)
            capacity = np.where(rng.random(n_c) < 0.1, 0.0, rng.uniform(0, 1e6, n_c))
            stock = by_origin.sum(axis=0).astype(float)
            p_job = (employed.astype(float) + prior * (1 - unemployment[country])) / (stock + prior)
            crowded = np.bincount(country, weights=employed.astype(float), minlength=n_c) * scale
            wage_term, crowding = kernels.market_terms(by_origin, employed, prior, unemployment, scale, capacity,
                                                       wage, country)
            assert np.array_equal(np.exp(crowding), np.exp(-crowded / capacity), equal_nan=True)
            assert np.array_equal(np.log(wage_term), np.log(np.maximum(wage * p_job, 1e-6)), equal_nan=True)

            base, cost = rng.normal(size=(7, 13)) * rng.uniform(0.1, 400), rng.uniform(0, 2000, (7, 13))
            home_wage, log_wage = rng.uniform(50, 900, 7), rng.normal(6, 2, 13)
            betas = (int(rng.integers(0, 4)) if k % 4 == 0 else rng.uniform(0, 3), rng.uniform(0, 2), rng.uniform(0, 3))
            gain = betas[0] * (1.0 + betas[1] * np.arange(kernels.MAX_NEED_LEVEL + 1) / 4.0)
            v = (base - betas[2] * cost / home_wage[:, None])[:, None, :] + gain[None, :, None] * log_wage[None, None, :]
            assert np.array_equal(kernels.shared_weights(base, log_wage, cost, home_wage, *betas),
                                  np.exp(np.minimum(v, 700.0)))

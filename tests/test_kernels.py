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
            s["behaviour.beta_female"], s["behaviour.beta_care"], s["behaviour.beta_age"])
    assert len(rows) >= 4096  # the size at which choose_destinations takes the parallel one
    one, many = kernels._choose_serial(*args), kernels._choose_parallel(*args)
    assert np.array_equal(one, many)
    assert (one >= 0).sum() > 20

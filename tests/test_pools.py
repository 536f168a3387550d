"""The origins' pools follow their working-age population (`simulation/pools.py`)."""

import numpy as np
import pytest

from simulation.drivers import load_drivers
from simulation.model import MigrationModel
from simulation.pools import PoolGrowth
from simulation.population import agents_per_origin
from simulation.world import HOME, ORIGINS

from conftest import toy_scenario

UZB, RUS = ORIGINS.index("UZB"), ORIGINS.index("RUS")


def _working_age(country: str, year: int) -> float:
    return load_drivers().at("working_age_population", country, year)


def test_a_pool_is_its_size_in_the_pool_year_times_the_working_age_population_relative_to_that_year():
    scenario = toy_scenario(run__start="2012-01", run__end="2024-12", run__burn_in_months=0)
    pools = PoolGrowth(scenario, load_drivers())
    july = lambda year: (year * 12 + 6) - pools.first  # noqa: E731  (a yearly figure stands for the year's middle)
    for o, country in ((UZB, "UZB"), (RUS, "RUS")):
        for year in (2012, 2016, 2023):
            expected = _working_age(country, year) / _working_age(country, 2023)
            assert abs(pools.relative[o, july(year)] - expected) < 0.002 * expected
    assert pools.relative[UZB, july(2012)] < 0.9 < 1.0 < pools.relative[RUS, july(2012)]  # one grew, one shrank
    assert np.allclose(pools.peak, pools.relative.max(axis=1))
    assert all((pools.share_of_peak(m) <= 1).all() for m in range(pools.first, pools.first + 12 * 13))


def test_agents_are_split_by_the_pools_at_their_largest_in_the_run():
    scenario = toy_scenario()
    peak = np.ones(len(ORIGINS))
    peak[UZB] = 2.0
    plain, grown = agents_per_origin(scenario, 10_000, None), agents_per_origin(scenario, 10_000, peak)
    assert grown.sum() == plain.sum() == 10_000
    assert grown[UZB] / grown[RUS] == pytest.approx(2 * plain[UZB] / plain[RUS], rel=0.01)


def test_workers_outside_their_origins_pool_never_leave_home():
    """Uzbekistan's pool grows all through 2012-2020: after three years, a worker whose rank is
    above the share it has reached was never in the pool, so never left; those below it did."""
    scenario = toy_scenario(run__agents=4000, run__start="2012-01", run__end="2020-12", run__burn_in_months=0)
    model = MigrationModel(scenario, seed=3)
    for _ in range(36):
        model.step()
    pop = model.population
    share = model.pools.share_of_peak(model.absolute_month - 1)[UZB]
    uzbeks = pop.origin == UZB
    outside = uzbeks & (pop.pool_rank >= share)
    assert 0.05 < outside.sum() / uzbeks.sum() < 0.3  # the pool grew, so some were never in it
    assert (pop.trips[outside] == 0).all() and (pop.location[outside] == HOME).all()
    assert (pop.trips[uzbeks & ~outside] > 0).any()


def test_countries_with_one_year_of_working_age_population_keep_their_pools():
    pools = PoolGrowth(toy_scenario(run__start="2012-01", run__end="2024-12"), load_drivers())
    assert np.allclose(pools.relative[ORIGINS.index("AZE")], 1.0)

"""The origins' pools grow and shrink with their working-age population.

`population.pool.<origin>` is the number of people an origin's agents stand for in
`population.pool_year`. In other months the pool is that number times the origin's
working-age population (World Bank SP.POP.1564.TO, embedded in `data/wdi.csv`) relative
to the pool year. From 2010 to 2023 Uzbekistan's grew by a fifth, Tajikistan's by over a
third and Kyrgyzstan's by a fifth, while Russia's fell by 8%; a pool held at one size
would make the same share of a young, growing population leave in 2010 as in 2023.

With a fixed number of agents, an origin has agents for its largest pool in the run. Each
worker holds a fixed `pool_rank`, a uniform drawn at creation, and weighs leaving home
only while the rank is below the month's pool as a share of that largest pool: a growing
pool lets more of its agents in each month, a shrinking one lets those at home drop out
(those abroad finish their trip). Who comes in first is random, so entering correlates
with no attribute, and the shares are the same at any number of agents.

The series is interpolated between mid-years, and held flat outside the years published
(before 2010, after 2024, and for Azerbaijan and China, whose one embedded year is 2021).
"""

from __future__ import annotations

import numpy as np

from .drivers import COUNTRIES, YEARS, Drivers
from .scenario import Scenario, month_index
from .world import ORIGINS, series_code


class PoolGrowth:
    """Each origin's pool, month by month, relative to its size in `population.pool_year`."""

    def __init__(self, scenario: Scenario, drivers: Drivers):
        year = int(scenario["population.pool_year"])
        wap = np.array([drivers.working_age_population[COUNTRIES.index(series_code(o))] for o in ORIGINS])
        self.first = month_index(scenario["run.start"]) - int(scenario["run.burn_in_months"])
        last = month_index(scenario["run.end"])
        months = np.arange(self.first, last + 1)
        mid_years = YEARS + 0.5  # a yearly figure stands for the year's middle
        at = months / 12.0 + 1.0 / 24.0  # the middle of each month, in years
        reference = np.array([np.interp(year + 0.5, mid_years, row) for row in wap])
        # relative[o, m]: origin o's pool in month `first + m`, as a multiple of its pool-year size
        self.relative = np.array([np.interp(at, mid_years, row) for row in wap]) / reference[:, None]
        self.peak = self.relative.max(axis=1)

    def share_of_peak(self, absolute_month: int) -> np.ndarray:
        """Per origin: the month's pool as a share of the run's largest (float32, for the ranks)."""
        m = min(max(int(absolute_month) - self.first, 0), self.relative.shape[1] - 1)  # (np.clip cost more than the rest)
        return (self.relative[:, m] / self.peak).astype(np.float32)

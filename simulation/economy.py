"""The conditions workers face: corridors, labour markets and wages, as arrays.

`Economy` turns a scenario's parameters and the yearly drivers into the arrays the
monthly kernels index: per origin x destination (entry regime, cost, base
attraction), per location (wage, living cost, sector demand) and per year (wages
and unemployment). Yearly values change only through `apply_year`, which the model
schedules as an event each January. The lever state (quota, fees, enforcement,
corridor closures, wage and demand factors...) is `self.levers` (`levers.py`): it
starts at the scenario's values and changes only through the scenario's dated events
(`policy.py`).
"""

from __future__ import annotations

import numpy as np

from .drivers import Drivers
from .levers import Levers
from .scenario import Scenario
from .world import (
    DEST_COUNTRIES,
    LOCATION_COUNTRY,
    LOCATION_REGION,
    N_LOCATIONS,
    ORIGINS,
    REGIMES,
    REGIONS,
    SECTORS,
    STATUSES,
)

ALT_COUNTRY = LOCATION_COUNTRY[1:]
# Kazakh regions nearest each origin (geography): the south for Central Asia, the
# north for Russia, the Caspian for Azerbaijan, the east for China.
NEAR_REGIONS = {
    "UZB": ("shymkent", "almaty_region", "almaty_city"),
    "TJK": ("shymkent", "almaty_region", "almaty_city"),
    "KGZ": ("almaty_city", "almaty_region", "shymkent"),
    "RUS": ("astana", "karaganda", "rest_of_kazakhstan"),
    "CHN": ("almaty_region", "almaty_city"),
    "AZE": ("mangystau", "atyrau"),
    "KAZ": (),
}
OIL_REGIONS = ("mangystau", "atyrau")
SEASONAL_COUNTRIES = ("KAZ", "RUS")  # construction-led demand with a summer season


class Economy:
    """Arrays of the world as the scenario sets it, for the current year."""

    def __init__(self, scenario: Scenario, drivers: Drivers):
        s = scenario
        self.scenario = scenario
        self.drivers = drivers
        n_o, n_c = len(ORIGINS), len(DEST_COUNTRIES)
        regime = np.zeros((n_o, n_c), np.int8)
        self.travel_cost = np.zeros((n_o, n_c))
        self.proximity = np.zeros((n_o, n_c))
        self.preference = np.zeros((n_o, n_c))
        for i, o in enumerate(ORIGINS):
            for j, c in enumerate(DEST_COUNTRIES):
                regime[i, j] = REGIMES.index(s[f"corridor.{o}.{c}.regime"])
                self.travel_cost[i, j] = s[f"corridor.{o}.{c}.travel_cost_usd"]
                self.proximity[i, j] = s[f"corridor.{o}.{c}.proximity"]
                self.preference[i, j] = s[f"corridor.{o}.{c}.preference"]
        document_cost = np.array([s[f"legal.document_cost.{r}"] for r in REGIMES])
        self.asc_country = np.array([s[f"behaviour.asc.{c}"] for c in DEST_COUNTRIES])
        self.origin_propensity = np.array([s[f"behaviour.origin_propensity.{o}"] for o in ORIGINS])
        self.capacity = np.array([s[f"labour.capacity.{c}"] for c in DEST_COUNTRIES])
        self.living_cost = np.array([s[f"remittances.living_cost.{c}"] for c in DEST_COUNTRIES])
        self.remit_origin_shift = np.array([s[f"remittances.remit_origin.{o}"] for o in ORIGINS])
        self.remit_destination_shift = np.array([0.0] + [s[f"remittances.remit_destination.{c}"]
                                                         for c in DEST_COUNTRIES[1:]])
        self.fee_rate = np.array([s[f"remittances.fee_percent.{c}"] for c in DEST_COUNTRIES]) / 100.0
        self.contract_prob = np.array([0.0] + [s[f"labour.contract_prob.{st}"] for st in STATUSES[1:]])
        self.contract_sector = np.array([s[f"labour.contract_sector.{x}"] for x in SECTORS])

        region_demand = np.array([s[f"labour.region_demand.{r}"] for r in REGIONS])
        region_wage = np.array([s[f"labour.region_wage.{r}"] for r in REGIONS])
        self.region_demand = region_demand
        self.region_wage = region_wage / np.dot(region_demand, region_wage)  # demand-weighted mean 1
        near = np.zeros((n_o, len(REGIONS)))
        for i, o in enumerate(ORIGINS):
            for r in NEAR_REGIONS[o]:
                near[i, REGIONS.index(r)] = 1.0
        self.near_region = near

        national = np.array([s[f"labour.sector_demand.{x}"] for x in SECTORS])
        demand = np.tile(national, (N_LOCATIONS, 1))
        tilt = s["labour.oil_region_industry_factor"]
        for r in OIL_REGIONS:
            demand[1 + REGIONS.index(r), SECTORS.index("industry")] *= tilt
        self.sector_demand = demand / demand.sum(axis=1, keepdims=True)  # (locations, sectors)
        sector_wage = np.array([s[f"labour.sector_wage.{x}"] for x in SECTORS])
        self.sector_wage = sector_wage / np.dot(national, sector_wage)  # demand-weighted mean 1

        # --- lever state: starts at the scenario's values; dated events change it -----
        self.levers = Levers.from_scenario(s, regime, document_cost, self.fee_rate)

        self.year = None
        self.apply_year(int(s["run.start"][:4]))

    # --- yearly drivers ---------------------------------------------------------------
    def apply_year(self, year: int) -> None:
        """Wages and unemployment of a calendar year (the scheduled January event)."""
        s, d = self.scenario, self.drivers
        self.year = year
        self.home_wage = (d.column("average_wage_usd", ORIGINS, year) * s["wages.home_income_factor"]
                          * self.levers.wage_factor_home)
        national_u = d.column("unemployment_rate", ORIGINS, year)
        self.home_unemployment = np.minimum(national_u * s["population.home_unemployment_multiplier"],
                                            s["population.home_unemployment_cap"])
        self.dest_unemployment = d.column("unemployment_rate", DEST_COUNTRIES, year)
        ratio = np.array([s["wages.kaz_migrant_ratio"]] + [s[f"wages.migrant_ratio.{c}"] for c in DEST_COUNTRIES[1:]])
        self.dest_wage = d.column("average_wage_usd", DEST_COUNTRIES, year) * ratio
        # The published ratio is the mean over all foreign workers, women and informal jobs
        # included; divide by the mean of those factors (the survey's shares of women and of
        # jobs without a contract in IOM 2023, the survey whose mean income gives Kazakhstan's
        # ratio: 0.84 x 483 + 0.16 x 413 = 472 USD, its mean of 473) so that the mean wage the
        # model pays matches it.
        women, informal = s["labour.survey_female_share"], s["labour.survey_informal_share"]
        mix = (((1 - women) + women * s["labour.female_wage_ratio"])
               * ((1 - informal) + informal * s["labour.informal_wage_factor"]))
        self.dest_wage = self.dest_wage / mix * self.levers.wage_factor_dest
        region_factor = np.ones(N_LOCATIONS)
        region_factor[1:1 + len(REGIONS)] = self.region_wage
        self.location_wage = np.where(LOCATION_COUNTRY >= 0, self.dest_wage[LOCATION_COUNTRY] * region_factor, 0.0)

    # --- per-month arrays ----------------------------------------------------------------
    def base_utility(self, calendar_month: int) -> np.ndarray:
        """(origins, alternatives) attraction before income, cost, network and person terms.

        Made once per calendar month and state of sector demand (the only lever it depends on),
        not every month: some forty array operations a month otherwise. Read-only: shared.
        """
        key = (calendar_month, self.levers.demand_factor.tobytes())
        cache = self.__dict__.setdefault("_base_utilities", {})  # (a state saved before the cache gets one too)
        if key not in cache:
            if len(cache) >= 24:  # a year's months; demand shocks make new ones
                cache.clear()
            cache[key] = self._base_utility(calendar_month)
            cache[key].flags.writeable = False
        return cache[key]

    def _base_utility(self, calendar_month: int) -> np.ndarray:
        s = self.scenario
        c = ALT_COUNTRY
        base = self.asc_country[c][None, :] + self.origin_propensity[:, None]
        base = base + s["behaviour.beta_proximity"] * self.proximity[:, c] + self.preference[:, c]
        region = LOCATION_REGION[1:]
        in_kaz = region >= 0
        base[:, in_kaz] += np.log(np.maximum(self.region_demand[region[in_kaz]], 1e-12))
        base[:, in_kaz] += s["behaviour.region_affinity"] * self.near_region[:, region[in_kaz]]
        season = s["behaviour.season_amplitude"] * np.cos(2 * np.pi * (calendar_month - 4) / 12.0)
        for country in SEASONAL_COUNTRIES:
            base[:, c == DEST_COUNTRIES.index(country)] += season
        base += np.log(np.maximum(self.demand_index()[1:], 1e-12))[None, :]
        return base

    def demand_index(self) -> np.ndarray:
        """(locations,) labour demand relative to the scenario's, after sector demand shocks.

        Made again only when sector demand changes (every month's conditions ask for it)."""
        return self._made_once("demand_index", (self.levers.demand_factor.tobytes(),), self._demand_index)

    def _demand_index(self) -> np.ndarray:
        return (self.sector_demand * self.levers.demand_factor).sum(axis=1) / self.sector_demand.sum(axis=1)

    def job_sector_shares(self) -> np.ndarray:
        """(locations, sectors) sector mix of new jobs, after sector demand shocks.

        Made again only when sector demand changes (several times a month otherwise).
        """
        return self._made_once("job_sector_shares", (self.levers.demand_factor.tobytes(),), self._job_sector_shares)

    def _job_sector_shares(self) -> np.ndarray:
        d = self.sector_demand * self.levers.demand_factor
        total = d.sum(axis=1, keepdims=True)
        return np.where(total > 0, d / np.where(total > 0, total, 1.0), self.sector_demand)

    def move_cost(self) -> np.ndarray:
        """(origins, alternatives) USD to move: travel plus documents, less what employers pay."""
        lev = self.levers
        return self._made_once("move_cost", (lev.document_cost.tobytes(), lev.regime.tobytes(),
                                             lev.cost_covered.tobytes()), self._move_cost)

    def _move_cost(self) -> np.ndarray:
        c = ALT_COUNTRY
        lev = self.levers
        return (self.travel_cost[:, c] + lev.document_cost[lev.regime[:, c]]) * (1 - lev.cost_covered[:, c])

    def open_corridor(self) -> np.ndarray:
        """(origins, alternatives) bool: a destination for that origin, with its border open."""
        lev = self.levers
        return self._made_once("open_corridor", (lev.regime.tobytes(), lev.closed.tobytes()), self._open_corridor)

    def _open_corridor(self) -> np.ndarray:
        lev = self.levers
        return (lev.regime[:, ALT_COUNTRY] != REGIMES.index("none")) & (lev.closed[:, ALT_COUNTRY] == 0)

    def quota_corridor(self) -> np.ndarray:
        """(origins, alternatives) bool: the corridor needs a quota permit."""
        return self._made_once("quota_corridor", (self.levers.regime.tobytes(),),
                               lambda: self.levers.regime[:, ALT_COUNTRY] == REGIMES.index("quota"))

    def _made_once(self, name: str, key: tuple, make) -> np.ndarray:
        """`make()`, made again only when `key` (the bytes of the levers it reads) changes: the
        month's conditions asked for these arrays every month, and levers change a few times a
        run. Read-only, since every caller shares it."""
        made = self.__dict__.setdefault("_made", {})  # (a state saved before it has none)
        if name not in made or made[name][0] != key:
            value = make()
            value.flags.writeable = False
            made[name] = (key, value)
        return made[name][1]

    def rescale_wages(self) -> None:
        """Re-apply the yearly wages after a wage factor changed."""
        self.apply_year(self.year)

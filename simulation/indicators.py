"""The month's indicators, in real-world units, recorded into tidy form.

Each indicator has a fixed list of groups, so a month's values fill one row of a
preallocated array and the whole run becomes a tidy table (date, indicator, group,
value) at the end. Counts are multiplied by the population scale; shares are shares
among foreign workers in Kazakhstan (or among the employed ones, as the surveys
asked them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .levers import counters
from .world import (
    CHANNELS,
    DEST_COUNTRIES,
    HOME,
    INTENTIONS,
    KAZ_LOCATIONS,
    LOCATION_COUNTRY,
    N_LOCATIONS,
    ORIGINS,
    REGIONS,
    SECTORS,
    ST_IRREGULAR,
    ST_QUOTA,
    ST_VISITOR,
    STATUSES,
)

if TYPE_CHECKING:
    from .model import MigrationModel

KAZ = DEST_COUNTRIES.index("KAZ")
KAZ_ORIGIN = ORIGINS.index("KAZ")
FOREIGN_ORIGINS = tuple(o for o in ORIGINS if o != "KAZ")
CORRIDORS = tuple(f"{c}->{o}" for c in DEST_COUNTRIES for o in ORIGINS if o != c)
ORIGIN_DEST = tuple(f"{o}->{c}" for o in ORIGINS for c in DEST_COUNTRIES if o != c)

# indicator -> (groups, unit, description)
INDICATORS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "stock_kaz": (("all",), "persons", "foreign workers in Kazakhstan"),
    "stock_kaz_by_origin": (FOREIGN_ORIGINS, "persons", "foreign workers in Kazakhstan by citizenship"),
    "stock_kaz_by_region": (REGIONS, "persons", "foreign workers in Kazakhstan by region"),
    "stock_kaz_by_sector": (SECTORS, "persons", "employed foreign workers in Kazakhstan by sector"),
    "stock_kaz_by_sex": (("female", "male"), "persons", "foreign workers in Kazakhstan by sex"),
    "stock_kaz_by_status": (STATUSES[1:], "persons", "foreign workers in Kazakhstan by legal status"),
    "employment_kaz": (("formal", "informal", "unemployed"), "persons",
                       "foreign workers in Kazakhstan with a written contract, working without one, or searching"),
    "arrivals_kaz": (("all",) + FOREIGN_ORIGINS, "persons per month", "foreign workers arriving in Kazakhstan"),
    "departures_kaz": (("all",) + FOREIGN_ORIGINS, "persons per month", "foreign workers leaving Kazakhstan"),
    "share_no_contract": (("all",), "share", "employed foreign workers in Kazakhstan without a written contract"),
    "share_no_pension": (("all",), "share", "employed foreign workers in Kazakhstan without pension contributions"),
    "share_no_leave": (("all",), "share", "employed foreign workers in Kazakhstan without paid leave"),
    "share_irregular": (("all",), "share", "foreign workers in Kazakhstan without a right to work"),
    "share_female": (("all",), "share", "women among foreign workers in Kazakhstan"),
    "share_remitting": (("all",), "share", "foreign workers in Kazakhstan who sent money home this month"),
    "job_channel": (CHANNELS[1:], "share", "how employed foreign workers in Kazakhstan found their job"),
    "avg_income_usd": (("all", "female", "male"), "USD per month", "mean income of employed foreign workers in Kazakhstan"),
    "intentions_kaz": (INTENTIONS, "share", "intentions of foreign workers in Kazakhstan"),
    "remittances_usd": (CORRIDORS, "USD per month", "money sent home, by corridor (sending country->origin)"),
    "remittances_out_kaz_usd": (("all",), "USD per month", "money sent home from Kazakhstan by foreign workers"),
    "remittances_received_usd": (ORIGINS, "USD per month", "money received at home from workers abroad, after fees"),
    "kazakhs_abroad": (("all",) + DEST_COUNTRIES[1:], "persons", "Kazakh citizens working abroad"),
    "migrants_abroad": (ORIGIN_DEST, "persons", "workers abroad by origin and destination country"),
    "quota_permits_kaz": (("all",), "persons", "foreign workers holding a quota work permit"),
    "quota_waiting_kaz": (("all",), "persons", "workers at home waiting for a quota work permit to come free"),
    **{indicator: (("all",), unit, doc) for _, indicator, unit, doc in counters()},  # the month's counts
    "share_informal_kaz": (("all",), "share",
                           "foreign workers in Kazakhstan working without a contract or without a right to work"),
}


class Recorder:
    """Collects one row per month for every indicator."""

    def __init__(self, n_months: int):
        self.dates: list[str] = []
        self.values = {name: np.full((n_months, len(groups)), np.nan) for name, (groups, _, _) in INDICATORS.items()}
        # stocks by origin and location at month end, kept for flow accounting checks
        self.stocks = np.zeros((n_months, len(ORIGINS), N_LOCATIONS), np.int64)
        self.flows = np.zeros((n_months, len(ORIGINS), N_LOCATIONS, N_LOCATIONS), np.int64)

    def record(self, model: "MigrationModel", row: int) -> None:
        pop = model.population
        scale = pop.scale
        self.dates.append(model.date)
        put = lambda name, vals: self.values[name].__setitem__(row, vals)  # noqa: E731

        abroad = np.flatnonzero(pop.location != HOME)
        loc = pop.location[abroad]
        origin = pop.origin[abroad]
        stocks = np.bincount(origin.astype(np.int64) * N_LOCATIONS + loc, minlength=len(ORIGINS) * N_LOCATIONS)
        self.stocks[row] = stocks.reshape(len(ORIGINS), N_LOCATIONS)
        self.stocks[row, :, HOME] = np.bincount(pop.origin[pop.location == HOME], minlength=len(ORIGINS))
        self.flows[row] = model.totals.flows

        in_kaz = np.isin(loc, KAZ_LOCATIONS) & (origin != KAZ_ORIGIN)
        k = abroad[in_kaz]
        n_k = len(k)
        job = pop.job_sector[k]
        employed = job >= 0
        n_emp = int(employed.sum())
        put("stock_kaz", [n_k * scale])
        put("stock_kaz_by_origin", np.bincount(pop.origin[k], minlength=len(ORIGINS))[:KAZ_ORIGIN] * scale)
        put("stock_kaz_by_region", np.bincount(pop.location[k] - 1, minlength=len(REGIONS)) * scale)
        put("stock_kaz_by_sector", np.bincount(job[employed], minlength=len(SECTORS)) * scale)
        n_female = int(pop.female[k].sum())
        put("stock_kaz_by_sex", [n_female * scale, (n_k - n_female) * scale])
        put("stock_kaz_by_status", np.bincount(pop.status[k], minlength=len(STATUSES))[1:] * scale)
        formal = int((employed & pop.contract[k]).sum())
        put("employment_kaz", [formal * scale, (n_emp - formal) * scale, (n_k - n_emp) * scale])

        f = model.totals.flows
        outside = ~np.isin(np.arange(N_LOCATIONS), KAZ_LOCATIONS)
        arrivals = f[:, outside][:, :, KAZ_LOCATIONS].sum(axis=(1, 2))[:KAZ_ORIGIN] * scale
        departures = f[:, KAZ_LOCATIONS][:, :, outside].sum(axis=(1, 2))[:KAZ_ORIGIN] * scale
        put("arrivals_kaz", np.concatenate([[arrivals.sum()], arrivals]))
        put("departures_kaz", np.concatenate([[departures.sum()], departures]))

        share = lambda num, den: num / den if den else np.nan  # noqa: E731
        put("share_no_contract", [share(n_emp - formal, n_emp)])
        put("share_no_pension", [share(int((employed & ~pop.pension[k]).sum()), n_emp)])
        put("share_no_leave", [share(int((employed & ~pop.paid_leave[k]).sum()), n_emp)])
        status = pop.status[k]
        put("share_irregular", [share(int(np.isin(status, (ST_VISITOR, ST_IRREGULAR)).sum()), n_k)])
        put("share_female", [share(n_female, n_k)])
        remitted_kaz = model.totals.remitters[KAZ].sum()
        put("share_remitting", [share(remitted_kaz, n_k * scale)])
        channels = np.bincount(pop.channel[k][employed], minlength=len(CHANNELS))[1:]
        put("job_channel", channels / n_emp if n_emp else np.full(len(CHANNELS) - 1, np.nan))
        wages = pop.wage[k][employed].astype(np.float64)
        fem = pop.female[k][employed]
        put("avg_income_usd", [wages.mean() if n_emp else np.nan,
                               wages[fem].mean() if fem.any() else np.nan,
                               wages[~fem].mean() if (~fem).any() else np.nan])
        intents = np.bincount(pop.intention[k], minlength=len(INTENTIONS))
        put("intentions_kaz", intents / n_k if n_k else np.full(len(INTENTIONS), np.nan))
        put("remittances_usd", [model.totals.remitted[DEST_COUNTRIES.index(c), ORIGINS.index(o)]
                                for c, o in (g.split("->") for g in CORRIDORS)])
        put("remittances_out_kaz_usd", [model.totals.remitted[KAZ].sum()])
        put("remittances_received_usd", (model.totals.remitted * (1 - model.economy.levers.fee_corridor)).sum(axis=0))

        country = LOCATION_COUNTRY[loc].astype(np.int64)
        od = np.bincount(origin.astype(np.int64) * len(DEST_COUNTRIES) + country,
                         minlength=len(ORIGINS) * len(DEST_COUNTRIES)).reshape(len(ORIGINS), len(DEST_COUNTRIES))
        kaz_abroad = od[KAZ_ORIGIN, 1:] * scale
        put("kazakhs_abroad", np.concatenate([[kaz_abroad.sum()], kaz_abroad]))
        put("migrants_abroad", [od[ORIGINS.index(o), DEST_COUNTRIES.index(c)] * scale
                                for o, c in (g.split("->") for g in ORIGIN_DEST)])
        put("quota_permits_kaz", [int((status == ST_QUOTA).sum()) * scale])
        put("quota_waiting_kaz", [int(np.count_nonzero(pop.permit_wait)) * scale])
        for counter, indicator, _, _ in counters():
            put(indicator, [getattr(model.totals, counter)])
        unauthorised = np.isin(status, (ST_VISITOR, ST_IRREGULAR))
        put("share_informal_kaz", [share(int(((employed & ~pop.contract[k]) | unauthorised).sum()), n_k)])

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: date, indicator, group, value (one row per month, indicator and group)."""
        n = len(self.dates)
        frames = []
        dates = np.array(self.dates)
        for name, (groups, _, _) in INDICATORS.items():
            vals = self.values[name][:n]
            frames.append(pd.DataFrame({
                "date": np.repeat(dates, len(groups)),
                "indicator": name,
                "group": np.tile(np.array(groups, dtype=object), n),
                "value": vals.reshape(-1),
            }))
        return pd.concat(frames, ignore_index=True)

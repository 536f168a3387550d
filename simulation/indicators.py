"""The month's indicators, in real-world units, recorded into tidy form.

Each indicator has a fixed list of groups, so a month's values fill one row of a
preallocated array and the whole run becomes a tidy table (date, indicator, group,
value) at the end. Counts are multiplied by the population scale; shares are shares
among foreign workers in Kazakhstan (or among the employed ones, as the surveys
asked them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numba
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
    LOCATION_REGION,
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
# The groups' positions in the month's arrays, found once (not every month):
CORRIDOR_DEST, CORRIDOR_ORIGIN = (np.array(x) for x in zip(*((DEST_COUNTRIES.index(c), ORIGINS.index(o))
                                                             for c, o in (g.split("->") for g in CORRIDORS))))
OD_ORIGIN, OD_DEST = (np.array(x) for x in zip(*((ORIGINS.index(o), DEST_COUNTRIES.index(c))
                                                 for o, c in (g.split("->") for g in ORIGIN_DEST))))
OUTSIDE_KAZ = ~np.isin(np.arange(N_LOCATIONS), KAZ_LOCATIONS)  # locations outside Kazakhstan (home too)
LOCATION_COUNTRY_OR_KAZ = np.maximum(LOCATION_COUNTRY, 0)  # home counted with Kazakhstan (both left out of departures abroad)

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
    "stays_begun_kaz": (("all",) + FOREIGN_ORIGINS, "persons per month",
                        "foreign workers who came to Kazakhstan other than back from a home visit: on a new trip "
                        "from home, or moving on from another country"),
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
    "kazakhs_leaving": (("all",) + DEST_COUNTRIES[1:], "persons per month",
                        "Kazakh citizens leaving Kazakhstan for work abroad, by destination (every departure: "
                        "a new trip or going back after a visit home)"),
    "migrants_abroad": (ORIGIN_DEST, "persons", "workers abroad by origin and destination country"),
    "quota_permits_kaz": (("all",), "persons", "foreign workers holding a quota work permit"),
    "quota_waiting_kaz": (("all",), "persons", "workers at home waiting for a quota work permit to come free"),
    **{indicator: (("all",), unit, doc) for _, indicator, unit, doc in counters()},  # the month's counts
    "share_informal_kaz": (("all",), "share",
                           "foreign workers in Kazakhstan working without a contract or without a right to work"),
}


COUNTERS = counters()


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
        values = self.values

        def put(name, vals):
            values[name][row] = vals

        t = Tally(*tally(pop.origin, pop.location, pop.job_sector, pop.female, pop.status, pop.contract, pop.pension,
                         pop.paid_leave, pop.channel, pop.intention, pop.wage))
        self.stocks[row] = t.stocks
        self.flows[row] = model.totals.flows

        n_k, n_emp, n_female = t.counts[C_STOCK], t.counts[C_EMPLOYED], t.counts[C_FEMALE]
        formal = t.counts[C_FORMAL]
        put("stock_kaz", [n_k * scale])
        put("stock_kaz_by_origin", t.by_origin[:KAZ_ORIGIN] * scale)
        put("stock_kaz_by_region", t.by_region * scale)
        put("stock_kaz_by_sector", t.by_sector * scale)
        put("stock_kaz_by_sex", [n_female * scale, (n_k - n_female) * scale])
        put("stock_kaz_by_status", t.by_status[1:] * scale)
        put("employment_kaz", [formal * scale, (n_emp - formal) * scale, (n_k - n_emp) * scale])

        arrivals, departures = kaz_flows(model.totals.flows)
        arrivals, departures = arrivals[:KAZ_ORIGIN] * scale, departures[:KAZ_ORIGIN] * scale
        put("arrivals_kaz", np.concatenate([[arrivals.sum()], arrivals]))
        put("departures_kaz", np.concatenate([[departures.sum()], departures]))
        begun = model.totals.stays_begun[:KAZ_ORIGIN] * scale
        put("stays_begun_kaz", np.concatenate([[begun.sum()], begun]))

        share = lambda num, den: num / den if den else np.nan  # noqa: E731
        put("share_no_contract", [share(n_emp - formal, n_emp)])
        put("share_no_pension", [share(t.counts[C_NO_PENSION], n_emp)])
        put("share_no_leave", [share(t.counts[C_NO_LEAVE], n_emp)])
        put("share_irregular", [share(t.counts[C_UNAUTHORISED], n_k)])
        put("share_female", [share(n_female, n_k)])
        remitted_kaz = model.totals.remitters[KAZ].sum()
        put("share_remitting", [share(remitted_kaz, n_k * scale)])
        put("job_channel", t.by_channel[1:] / n_emp if n_emp else np.full(len(CHANNELS) - 1, np.nan))
        wages, fem = t.wages, t.wage_female  # numpy's own (pairwise) sums for the means
        put("avg_income_usd", [wages.mean() if n_emp else np.nan,
                               wages[fem].mean() if fem.any() else np.nan,
                               wages[~fem].mean() if (~fem).any() else np.nan])
        put("intentions_kaz", t.by_intention / n_k if n_k else np.full(len(INTENTIONS), np.nan))
        put("remittances_usd", model.totals.remitted[CORRIDOR_DEST, CORRIDOR_ORIGIN])
        put("remittances_out_kaz_usd", [model.totals.remitted[KAZ].sum()])
        put("remittances_received_usd", (model.totals.remitted * (1 - model.economy.levers.fee_corridor)).sum(axis=0))

        od = t.abroad
        kaz_abroad = od[KAZ_ORIGIN, 1:] * scale
        put("kazakhs_abroad", np.concatenate([[kaz_abroad.sum()], kaz_abroad]))
        leaving = np.bincount(LOCATION_COUNTRY_OR_KAZ, weights=model.totals.flows[KAZ_ORIGIN, HOME],
                              minlength=len(DEST_COUNTRIES))[1:] * scale
        put("kazakhs_leaving", np.concatenate([[leaving.sum()], leaving]))
        put("migrants_abroad", od[OD_ORIGIN, OD_DEST] * scale)
        put("quota_permits_kaz", [t.counts[C_QUOTA] * scale])
        put("quota_waiting_kaz", [int(np.count_nonzero(pop.permit_wait)) * scale])
        for counter, indicator, _, _ in COUNTERS:
            put(indicator, [getattr(model.totals, counter)])
        put("share_informal_kaz", [share(t.counts[C_INFORMAL], n_k)])

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: date, indicator, group, value (one row per month, indicator and group)."""
        return tidy_frame(self.dates, self.values)


def tidy_frame(dates: list[str], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """The recorded months (`Recorder.dates`, `Recorder.values`) as a tidy table: date,
    indicator, group, value.

    The columns are put together as arrays and made into one frame: a frame per indicator
    and their concatenation cost a twentieth of a calibration run.
    """
    n = len(dates)
    dates = np.array(dates)
    parts = [(name, np.array(groups, dtype=object), values[name][:n]) for name, (groups, _, _) in
             INDICATORS.items()]
    return pd.DataFrame({
        "date": np.concatenate([np.repeat(dates, len(groups)) for _, groups, _ in parts]),
        "indicator": pd.array(np.concatenate([np.full(n * len(groups), name, dtype=object)
                                              for name, groups, _ in parts]), dtype="str"),
        "group": np.concatenate([np.tile(groups, n) for _, groups, _ in parts]),
        "value": np.concatenate([v.reshape(-1) for _, _, v in parts]),
    })


@numba.njit(cache=True)
def kaz_flows(flows):
    """Moves into Kazakhstan's regions from outside and out of them, by origin, from the month's
    flows (origin, from, to): counts, so exact in any order (numpy made four selections and two sums)."""
    arrivals = np.zeros(flows.shape[0], np.int64)
    departures = np.zeros(flows.shape[0], np.int64)
    for o in range(flows.shape[0]):
        for a in range(flows.shape[1]):
            for b in range(flows.shape[2]):
                if OUTSIDE_KAZ[a] and not OUTSIDE_KAZ[b]:
                    arrivals[o] += flows[o, a, b]
                elif OUTSIDE_KAZ[b] and not OUTSIDE_KAZ[a]:
                    departures[o] += flows[o, a, b]
    return arrivals, departures


class Tally(NamedTuple):
    """The month-end counts `tally` makes, for the indicators."""

    stocks: np.ndarray  # (origins, locations) everyone, at home too
    abroad: np.ndarray  # (origins, destination countries) workers abroad
    # foreign workers in Kazakhstan:
    by_origin: np.ndarray
    by_region: np.ndarray
    by_status: np.ndarray
    by_intention: np.ndarray
    by_sector: np.ndarray  # the employed ones
    by_channel: np.ndarray  # the employed ones: how they found the job
    counts: np.ndarray  # indexed by the C_ names
    wages: np.ndarray  # float64: the employed ones' wages, in row order
    wage_female: np.ndarray  # bool: and their sex


# counts of foreign workers in Kazakhstan (`Tally.counts`)
C_STOCK, C_FEMALE, C_EMPLOYED, C_FORMAL, C_NO_PENSION, C_NO_LEAVE, C_UNAUTHORISED, C_QUOTA, C_INFORMAL = range(9)


@numba.njit(cache=True)
def tally(origin, location, job_sector, female, status, contract, pension, paid_leave, channel, intention, wage):
    """Every count the month's indicators need, in one pass over the population (see `Tally`).

    numpy took some forty passes, bincounts and selections over the population and the
    workers abroad, a tenth of a month at a million workers and most of the recording's
    cost at ten thousand. Counts are exact integers, so they are the same whatever the
    order; the wages come back in row order for numpy's own means. The workers abroad are
    first listed without a branch (every row written, the list's end moved on by the
    condition): a branch on who is at home mispredicted over the whole population.
    """
    n = origin.shape[0]
    stocks = np.zeros((len(ORIGINS), N_LOCATIONS), np.int64)
    abroad = np.zeros((len(ORIGINS), len(DEST_COUNTRIES)), np.int64)
    by_origin = np.zeros(len(ORIGINS), np.int64)
    by_region = np.zeros(len(REGIONS), np.int64)
    by_status = np.zeros(len(STATUSES), np.int64)
    by_intention = np.zeros(len(INTENTIONS), np.int64)
    by_sector = np.zeros(len(SECTORS), np.int64)
    by_channel = np.zeros(len(CHANNELS), np.int64)
    counts = np.zeros(9, np.int64)
    wages = np.empty(n, np.float64)
    wage_female = np.empty(n, np.bool_)
    n_wages = 0
    away = np.empty(n, np.int64)
    n_away = 0
    for i in range(n):
        stocks[origin[i], location[i]] += 1
        away[n_away] = i
        n_away += location[i] != HOME
    for i in away[:n_away]:
        o, loc = origin[i], location[i]
        country = LOCATION_COUNTRY[loc]
        abroad[o, country] += 1
        if country != KAZ or o == KAZ_ORIGIN:
            continue
        by_origin[o] += 1
        by_region[LOCATION_REGION[loc]] += 1
        st = status[i]
        by_status[st] += 1
        by_intention[intention[i]] += 1
        counts[C_STOCK] += 1
        counts[C_FEMALE] += female[i]
        unauthorised = st == ST_VISITOR or st == ST_IRREGULAR
        counts[C_UNAUTHORISED] += unauthorised
        counts[C_QUOTA] += st == ST_QUOTA
        if job_sector[i] >= 0:
            by_sector[job_sector[i]] += 1
            by_channel[channel[i]] += 1
            counts[C_EMPLOYED] += 1
            counts[C_FORMAL] += contract[i]
            counts[C_NO_PENSION] += not pension[i]
            counts[C_NO_LEAVE] += not paid_leave[i]
            counts[C_INFORMAL] += unauthorised or not contract[i]
            wages[n_wages] = wage[i]
            wage_female[n_wages] = female[i]
            n_wages += 1
        else:
            counts[C_INFORMAL] += unauthorised
    return (stocks, abroad, by_origin, by_region, by_status, by_intention, by_sector, by_channel, counts,
            wages[:n_wages].copy(), wage_female[:n_wages].copy())

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


# Where each indicator's groups sit in a month's row of the recorder's table (`Recorder.table`).
def _row_layout() -> tuple[dict[str, slice], int]:
    slices, at = {}, 0
    for name, (groups, _, _) in INDICATORS.items():
        slices[name] = slice(at, at + len(groups))
        at += len(groups)
    return slices, at


SLICES, WIDTH = _row_layout()
INCOME = SLICES["avg_income_usd"]  # the means of the wages, numpy's own (`Recorder.record`)


class Recorder:
    """Collects one row per month for every indicator."""

    def __init__(self, n_months: int):
        self.dates: list[str] = []
        # one row of every indicator's groups per month (`SLICES`); `values` views it by indicator
        self.table = np.full((n_months, WIDTH), np.nan)
        # stocks by origin and location at month end, kept for flow accounting checks
        self.stocks = np.zeros((n_months, len(ORIGINS), N_LOCATIONS), np.int64)
        self.flows = np.zeros((n_months, len(ORIGINS), N_LOCATIONS, N_LOCATIONS), np.int64)

    @property
    def values(self) -> dict[str, np.ndarray]:
        """(months, groups) of each indicator: views of `table`, written as the months are recorded."""
        return {name: self.table[:, at] for name, at in SLICES.items()}

    def record(self, model: "MigrationModel", row: int) -> None:
        """The month's row: one pass over the population (`tally`), one compiled fill of the row
        (`month_row`); the means of the wages stay numpy's (pairwise sums)."""
        pop, totals = model.population, model.totals
        self.dates.append(model.date)
        t = Tally(*tally(pop.origin, pop.location, pop.job_sector, pop.female, pop.status, pop.contract, pop.pension,
                         pop.paid_leave, pop.channel, pop.intention, pop.wage))
        self.stocks[row] = t.stocks
        self.flows[row] = totals.flows
        counted = np.array([getattr(totals, counter) for counter, _, _, _ in COUNTERS], np.float64)
        line = self.table[row]
        month_row(line, t.abroad, t.by_origin, t.by_region, t.by_sector, t.by_status, t.by_channel, t.by_intention,
                  t.counts, totals.flows, totals.stays_begun, totals.remitted, totals.remitters,
                  model.economy.levers.fee_corridor, counted, pop.scale)
        line[SLICES["quota_waiting_kaz"]] = int(np.count_nonzero(pop.permit_wait)) * pop.scale
        wages, fem = t.wages, t.wage_female
        n_emp = t.counts[C_EMPLOYED]
        line[INCOME] = (wages.mean() if n_emp else np.nan,
                        wages[fem].mean() if fem.any() else np.nan,
                        wages[~fem].mean() if (~fem).any() else np.nan)

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


@numba.njit(cache=True)
def month_row(line, abroad, by_origin, by_region, by_sector, by_status, by_channel, by_intention, counts, flows,
              stays_begun, remitted, remitters, fee_corridor, counted, scale):
    """Every indicator of the month into `line`, in the order of `INDICATORS`, but the mean wages and
    those waiting for a permit (a count over the whole population), which `Recorder.record` adds.

    numpy made some seventy calls of a few microseconds each for one month's row, a twentieth
    of a calibration run. The arithmetic is numpy's, in numpy's order: counts times the scale
    in float64, shares as true divisions, short sums (under eight terms) added in sequence,
    as numpy adds them, so the row is the same bit for bit.
    """
    at = 0
    n_k, n_emp, n_female, formal = counts[C_STOCK], counts[C_EMPLOYED], counts[C_FEMALE], counts[C_FORMAL]
    line[at] = n_k * scale  # stock_kaz
    at += 1
    for o in range(KAZ_ORIGIN):  # stock_kaz_by_origin
        line[at] = by_origin[o] * scale
        at += 1
    for group in (by_region, by_sector):
        for k in range(group.shape[0]):
            line[at] = group[k] * scale
            at += 1
    line[at] = n_female * scale  # stock_kaz_by_sex
    line[at + 1] = (n_k - n_female) * scale
    at += 2
    for k in range(1, by_status.shape[0]):
        line[at] = by_status[k] * scale
        at += 1
    line[at] = formal * scale  # employment_kaz
    line[at + 1] = (n_emp - formal) * scale
    line[at + 2] = (n_k - n_emp) * scale
    at += 3

    arrivals, departures = kaz_flows(flows)
    for moved in (arrivals, departures, stays_begun):  # arrivals_kaz, departures_kaz, stays_begun_kaz
        total = 0.0
        for o in range(KAZ_ORIGIN):
            line[at + 1 + o] = moved[o] * scale
            total += line[at + 1 + o]
        line[at] = total
        at += 1 + KAZ_ORIGIN

    line[at] = _share(n_emp - formal, n_emp)  # share_no_contract
    line[at + 1] = _share(counts[C_NO_PENSION], n_emp)
    line[at + 2] = _share(counts[C_NO_LEAVE], n_emp)
    line[at + 3] = _share(counts[C_UNAUTHORISED], n_k)
    line[at + 4] = _share(n_female, n_k)
    line[at + 5] = _share(_sum(remitters[KAZ]), n_k * scale)  # share_remitting
    at += 6
    for k in range(1, by_channel.shape[0]):  # job_channel
        line[at] = by_channel[k] / n_emp if n_emp else np.nan
        at += 1
    at += 3  # avg_income_usd: numpy's means, filled by `Recorder.record`
    for k in range(by_intention.shape[0]):  # intentions_kaz
        line[at] = by_intention[k] / n_k if n_k else np.nan
        at += 1
    for k in range(CORRIDOR_DEST.shape[0]):  # remittances_usd
        line[at] = remitted[CORRIDOR_DEST[k], CORRIDOR_ORIGIN[k]]
        at += 1
    line[at] = _sum(remitted[KAZ])  # remittances_out_kaz_usd
    at += 1
    for o in range(remitted.shape[1]):  # remittances_received_usd, summed over senders in their order
        total = 0.0
        for c in range(remitted.shape[0]):
            received = remitted[c, o] * (1 - fee_corridor[c, o])
            total = received if c == 0 else total + received
        line[at] = total
        at += 1

    total = 0.0  # kazakhs_abroad
    for c in range(1, abroad.shape[1]):
        line[at + c] = abroad[KAZ_ORIGIN, c] * scale
        total += line[at + c]
    line[at] = total
    at += abroad.shape[1]
    leaving = np.zeros(abroad.shape[1])  # kazakhs_leaving: departures from home, by destination country
    for loc in range(flows.shape[2]):
        leaving[LOCATION_COUNTRY_OR_KAZ[loc]] += flows[KAZ_ORIGIN, HOME, loc]
    total = 0.0
    for c in range(1, abroad.shape[1]):
        line[at + c] = leaving[c] * scale
        total += line[at + c]
    line[at] = total
    at += abroad.shape[1]
    for k in range(OD_ORIGIN.shape[0]):  # migrants_abroad
        line[at] = abroad[OD_ORIGIN[k], OD_DEST[k]] * scale
        at += 1
    line[at] = counts[C_QUOTA] * scale  # quota_permits_kaz
    at += 2  # quota_waiting_kaz: counted by `Recorder.record`
    for k in range(counted.shape[0]):  # the month's counters
        line[at] = counted[k]
        at += 1
    line[at] = _share(counts[C_INFORMAL], n_k)  # share_informal_kaz
    return at + 1


@numba.njit(cache=True)
def _share(num, den):
    return num / den if den else np.nan


@numba.njit(cache=True)
def _sum(values):
    """numpy's sum of a few values (under eight: added in sequence, from zero)."""
    total = 0.0
    for v in values:
        total += v
    return total


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

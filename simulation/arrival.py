"""Entering a destination: the rule by which an arrival gets its legal status and, on a new
trip, its intention and remittance habits (`month.arrive` calls it, after the move itself).

Compiled, because a month's arrivals come in a few small sets (new movers, those whose permit
came free, visitors going back, movers-on) and numpy's sixty-odd calls per set cost more than
the work; the comparisons and arithmetic are numpy's, in the same order, so the outcome is
the same to the bit. The parameter tables are made once per set of values, not every month.
"""

from __future__ import annotations

import functools
import operator

import numba
import numpy as np

from . import decisions
from .kernels import category, leave_job
from .tie_passes import relocate
from .world import (
    DEST_COUNTRIES,
    HOME,
    LOCATION_COUNTRY,
    REGIMES,
    ST_EAEU,
    ST_IRREGULAR,
    ST_PATENT,
    ST_QUOTA,
    ST_VISITOR,
    ST_WORK_VISA,
)

KAZ = DEST_COUNTRIES.index("KAZ")
R_EAEU, R_PATENT, R_QUOTA, R_VISA_WORK, R_VISA_FREE, R_VISA = (
    REGIMES.index(r) for r in ("eaeu", "patent", "quota", "visa_work", "visa_free", "visa"))


@numba.njit(cache=True)
def enter(rows, dest, u, chance, quota, irregular, new_trip, p_remit,  # arrivals; u: rows as `month.arrive` draws
          cost, regime, patent_take_up, patent_processing, visa_regular, visa_free_permit,  # corridors
          intention_cum, band_cum, band_low, band_high, exactly_half,  # cumulative shares; the bands' bounds
          origin, female,  # worker columns read, then written:
          savings, visit_dest, permit_wait, months_unemployed, status, trips, months_on_trip, intention,
          remitter, remit_share):
    """Each arrival pays the move and enters with the status its corridor allows (free movement,
    a patent for some, a permit or a visa for a share, a visitor otherwise; `quota`: granted a
    quota permit; `irregular`: came without the permit the corridor needs); on a new trip, its
    intention, whether it sends money home (chance `p_remit`) and what share of its income.
    Returns who has a job lined up (last row of `u` below `chance`).

    One pass where numpy made some sixty calls per set of arrivals; the comparisons and
    arithmetic are numpy's (float64 chances and shares; float32 thresholds where numpy cast a
    Python float to the uniforms' type), in the same order, so the arrivals are the same.
    """
    lined_up = np.empty(rows.shape[0], np.bool_)
    for j in range(rows.shape[0]):
        i, to = rows[j], dest[j]
        o, country = origin[i], LOCATION_COUNTRY[to]
        savings[i] -= np.float32(cost[o, to - 1])
        visit_dest[i] = 0
        permit_wait[i] = 0
        months_unemployed[i] = 0
        r = regime[o, country]
        v = u[0, j]
        st = ST_VISITOR
        if r == R_EAEU:
            st = ST_EAEU
        elif r == R_PATENT:
            if v < patent_take_up[o, country] / patent_processing:
                st = ST_PATENT
        elif r == R_QUOTA:
            st = ST_QUOTA
        elif r == R_VISA_WORK:
            st = ST_WORK_VISA if v < visa_regular else ST_IRREGULAR
        elif r == R_VISA:
            if v < visa_regular:
                st = ST_WORK_VISA
        elif r == R_VISA_FREE:
            if v < visa_free_permit:
                st = ST_WORK_VISA
        if quota[j]:
            st = ST_QUOTA
        if irregular[j]:
            st = ST_IRREGULAR
        status[i] = st
        if new_trip:
            trips[i] += 1
            months_on_trip[i] = 0
            intention[i] = category(u[1, j], intention_cum[np.int64(female[i])])
            remitter[i] = u[2, j] < p_remit[j]
            band = category(u[3, j], band_cum)
            low, high = band_low[band], band_high[band]
            within = u[4, j]
            if band == 0 and exactly_half > 0:  # of those sending half or more, some send exactly half
                within = (within - exactly_half) / (1 - exactly_half) if within >= exactly_half else 0.0
            remit_share[i] = np.float32(low + (high - low) * within)
        lined_up[j] = u[u.shape[0] - 1, j] < chance[j]
    return lined_up


@numba.njit(cache=True)
def settle(rows, dest, new_trip, stays_begun,  # arrivals; stays_begun[origin] counts those beginning a stay in Kazakhstan
           origin, location, months_here, tie_start, ties, contacts, flows,  # the move (`tie_passes.relocate`)
           job_sector, contract, pension, paid_leave, channel, wage,  # the job left (`kernels.leave_job`)
           *entering):  # `enter`'s arguments after `rows` and `dest`, from `u` on
    """The whole of an arrival after its draws, in one compiled call: count those who begin a
    stay in Kazakhstan, move them (the flow and their contacts' counts recorded),
    clear the job they leave, and `enter`. Returns who has a job lined up.

    `month.arrive` made these four steps in some twenty numpy calls and three compiled ones per
    set of arrivals, most of the cost with the few dozen workers of each set at 10,000 agents;
    the steps and their order are the same, so the arrivals are the same to the bit.

    A stay in Kazakhstan begins on a new trip, or moving on from another country (where they
    were before this arrival is not home), but not back from a visit home: key informants
    classify the migrants present by when they came, and a circulator back from a winter at
    home did not come anew to them (IOM 2023, `targets.csv`).
    """
    for j in range(rows.shape[0]):
        i = rows[j]
        if LOCATION_COUNTRY[dest[j]] == KAZ and (new_trip or location[i] != HOME):
            stays_begun[origin[i]] += 1
    relocate(rows, dest, origin, location, months_here, tie_start, ties, contacts, flows)
    leave_job(rows, job_sector, contract, pension, paid_leave, channel, wage)
    return enter(rows, dest, *entering)


def intention_shares(s) -> np.ndarray:
    """(2, 4) normalised cumulative shares of the intentions, men's then women's (`draw_intentions`)."""
    return _intention_shares(*_INTENTION_KEYS(s.values))


# the parameters' values, in one call (a generator of look-ups cost more than the tables' cache)
_INTENTION_KEYS = operator.itemgetter(*(f"mobility.intention.{k}" for k in ("circulate", "return", "stay", "move_on")),
                                      "mobility.female_stay_shift")


@functools.lru_cache(maxsize=8)  # the same few parameter values all run long: several times a month otherwise
def _intention_shares(circulate, return_, stay, move_on, shift) -> np.ndarray:
    shares = np.array([circulate, return_, stay, move_on])
    female_shares = np.clip(shares + np.array([-shift, 0.0, shift, 0.0]), 0, 1)
    table = np.stack([decisions.cumulative_shares(shares), decisions.cumulative_shares(female_shares)])
    table.flags.writeable = False  # shared by every call with these values
    return table


def remittance_bands(s) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The survey's bands of income sent home (half or more, a quarter to half, under a quarter):
    normalised cumulative shares, each band's lower and upper bound, and the share of the first
    band who send exactly half.

    Sending half is a round figure, and the two rounds of IOM's survey file it differently: IOM
    2022 reports 0.49 of remitters sending "at least 50 per cent" (its summary; "more than 50" in
    its text), IOM 2023 0.53 sending 25-50% against 2022's 0.27. Exactly half falls in 2022's top
    answer and 2023's middle one (`calibration/survey.py`)."""
    return _remittance_bands(*_BAND_KEYS(s.values)) + (float(s["remittances.exactly_half"]),)


_BAND_KEYS = operator.itemgetter(*(f"remittances.{k}" for k in ("share_over_half", "share_quarter_to_half",
                                                                "band_under_quarter_min", "band_over_half_max")))


@functools.lru_cache(maxsize=8)
def _remittance_bands(over_half, quarter_to_half, under_quarter_min, over_half_max):
    tables = (decisions.cumulative_shares(np.array([over_half, quarter_to_half, 1 - over_half - quarter_to_half])),
              np.array([0.5, 0.25, under_quarter_min]), np.array([over_half_max, 0.5, 0.25]))
    for table in tables:
        table.flags.writeable = False
    return tables


@numba.njit(cache=True)
def intentions(female, u, cum):
    out = np.empty(u.shape[0], np.int64)
    for j in range(u.shape[0]):
        out[j] = category(u[j], cum[np.int64(female[j])])
    return out

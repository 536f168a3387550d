"""Row selections: which of the rows a sub-step was given it concerns (at home, abroad, searching...).

One compiled pass each, where numpy gathered each column, compared, combined the masks and
selected (at a million workers, several milliseconds a month each on the rows at home). Each
returns the front of a buffer as long as `rows` (a view, not a copy: copying the rows at home
cost as much as selecting them); the selections live only for their sub-step.
"""

from __future__ import annotations

import numba
import numpy as np

from .world import HOME, LOCATION_COUNTRY


@numba.njit(cache=True)
def abroad_rows(rows, location, months_here, min_months):
    """The rows abroad for at least `min_months` months at their place."""
    keep = np.empty(rows.shape[0], np.int64)
    n = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        if location[i] != HOME and months_here[i] >= min_months:
            keep[n] = i
            n += 1
    return keep[:n]


@numba.njit(cache=True)
def home_rows(rows, location):
    """The rows at home."""
    keep = np.empty(rows.shape[0], np.int64)
    n = 0
    for j in range(rows.shape[0]):
        if location[rows[j]] == HOME:
            keep[n] = rows[j]
            n += 1
    return keep[:n]


@numba.njit(cache=True)
def searching_rows(rows, location, job_sector):
    """The rows abroad without a job."""
    keep = np.empty(rows.shape[0], np.int64)
    n = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        if location[i] != HOME and job_sector[i] < 0:
            keep[n] = i
            n += 1
    return keep[:n]


@numba.njit(cache=True)
def visitors_and_deciders(rows, location, visit_dest, cooldown, permit_wait, origin, pool_rank, in_pool):
    """Of the rows at home: those on a visit (`visit_dest` > 0), those waiting for a quota
    permit (`permit_wait` > 0), and those who weigh leaving (neither, no cool-down, and in
    the month's pool: `pool_rank` below their origin's `in_pool` share, `pools.py`).

    Every row is written to each buffer, whose end moves on by the condition (0 or 1), instead
    of branching on it: who is in the pool and out of cool-down varies at random from row to
    row, and the mispredicted branches took a third of the pass (50 us a month at 10,000
    workers, 33 us without them). The buffers hold 32-bit row numbers: half the memory of
    three lists as long as the rows at home, alive through the month's decisions (a million
    workers' run peaked at 0.443 GB against 0.450-0.457, no slower; `bench_core.py`)."""
    visiting = np.empty(rows.shape[0], np.int32)
    waiting = np.empty(rows.shape[0], np.int32)
    deciders = np.empty(rows.shape[0], np.int32)
    n_visiting = n_waiting = n_deciders = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        home = location[i] == HOME
        visits = home & (visit_dest[i] > 0)
        waits = home & ~visits & (permit_wait[i] > 0)
        visiting[n_visiting] = i
        n_visiting += visits
        waiting[n_waiting] = i
        n_waiting += waits
        deciders[n_deciders] = i
        n_deciders += home & ~visits & ~waits & (cooldown[i] == 0) & (pool_rank[i] < in_pool[origin[i]])
    return visiting[:n_visiting], waiting[:n_waiting], deciders[:n_deciders]


@numba.njit(cache=True)
def skilled_asking(rows, dest, u, origin, education, regime, patent, kaz, skilled, take_up):
    """Of workers `rows` arriving at `dest`: the skilled (`education` == `skilled`) of a
    patent corridor into Kazakhstan who ask for a free quota permit (uniform below `take_up`)."""
    asking = np.empty(rows.shape[0], np.bool_)
    for j in range(rows.shape[0]):
        i = rows[j]
        country = LOCATION_COUNTRY[dest[j]]
        asking[j] = (regime[origin[i], country] == patent and country == kaz and education[i] == skilled
                     and u[j] < take_up)
    return asking


@numba.njit(cache=True)
def going_back(visiting, u, visit_end_rate, visit_dest, origin, savings, cost, open_, quota_corridor):
    """Of the workers on a visit home: those whose visit ends (uniform below `visit_end_rate`)
    and who can pay the move back through an open border; where to (`visit_dest`), and
    whether the corridor needs a quota permit."""
    rows = np.empty(visiting.shape[0], np.int64)
    dest = np.empty(visiting.shape[0], np.int64)
    needs = np.empty(visiting.shape[0], np.bool_)
    n = 0
    for j in range(visiting.shape[0]):
        if not u[j] < visit_end_rate:
            continue
        i = visiting[j]
        to = np.int64(visit_dest[i])
        o = origin[i]
        if savings[i] >= cost[o, to - 1] and open_[o, to - 1]:
            rows[n], dest[n], needs[n] = i, to, quota_corridor[o, to - 1]
            n += 1
    return rows[:n], dest[:n], needs[:n]

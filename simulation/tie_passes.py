"""The month's passes that walk the workers' ties.

Moving a worker changes the count of contacts at each place for every one of their ties
(`relocate`), and a worker arriving somewhere asks how many of their ties are there to help
find work (`job_contacts_by_ties`). At a million agents each touches a few hundred thousand
tie ends a month at random rows, waiting on memory rather than computing.

Counting a worker's contacts only reads, so for many workers it runs on every thread (each
worker's count is its own: the same result as the serial loop, bit for bit); a small batch
(a calibration run's few hundred arrivals a month, the per-agent month's one) takes the serial
loop, as waking the thread team costs more than it does. `relocate` stays serial: two movers
can share a contact, so threads would write the same counts, and splitting the writes by row
(each thread updating only its own blocks of the contacts' table, after the movers' tie ends
are gathered and sorted into blocks) measured no faster at a million agents than the one loop.
"""

from __future__ import annotations

import numba
import numpy as np

from .kernels import named_copy

# Below this many workers the serial loop costs less than waking the thread team on a shared machine.
PARALLEL_ROWS = 8_192


def _parallel(rows: np.ndarray) -> bool:
    return rows.shape[0] >= PARALLEL_ROWS and numba.get_num_threads() > 1


@numba.njit(cache=True)
def relocate(rows, new, origin, location, months_here, tie_start, ties, contacts, flows):
    """Workers `rows` move to `new`: the flow recorded in `flows[origin, from, to]`, each
    mover's ties count them at the new place instead of the old, and their months there
    start from zero. One pass (numpy took a bincount of the routes and five gathers and
    writes besides the ties). Rows must be distinct."""
    for j in range(rows.shape[0]):
        i = rows[j]
        old, to = location[i], new[j]
        flows[origin[i], old, to] += 1
        for t in range(tie_start[i], tie_start[i + 1]):
            v = ties[t]
            contacts[v, old] -= 1
            contacts[v, to] += 1
        location[i] = to
        months_here[i] = 0


def job_contacts_by_ties(rows, loc, tie_start, ties, where, same_country_elsewhere, reach) -> np.ndarray:
    """Contacts who can help each worker find work at `loc[j]`, counted from the worker's ties
    and where those were (`where`, e.g. at the month's start): those there, plus `reach` times
    those elsewhere in the same country (`work.job_contacts`). float32, as `kernels.job_contacts`."""
    kernel = _job_contacts_parallel if _parallel(rows) else _job_contacts_serial
    return kernel(rows, loc, tie_start, ties, where, same_country_elsewhere, reach)


def _job_contacts_by_ties(rows, loc, tie_start, ties, where, same_country_elsewhere, reach):
    out = np.empty(rows.shape[0], np.float32)
    for j in numba.prange(rows.shape[0]):
        i, here = rows[j], loc[j]
        there = 0
        elsewhere = 0
        for t in range(tie_start[i], tie_start[i + 1]):
            m = where[ties[t]]
            if m == here:
                there += 1
            elif same_country_elsewhere[here, m]:
                elsewhere += 1
        out[j] = np.float32(there) + reach * np.float32(elsewhere)
    return out


_job_contacts_parallel = numba.njit(parallel=True, cache=True)(
    named_copy(_job_contacts_by_ties, "_job_contacts_by_ties_parallel"))
_job_contacts_serial = numba.njit(cache=True)(named_copy(_job_contacts_by_ties, "_job_contacts_by_ties_serial"))

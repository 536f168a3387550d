"""Large populations: freed memory kept for the next month instead of handed back.

glibc's malloc serves every request over 32 MB (the ceiling of its sliding mmap threshold)
with a fresh mapping and unmaps it when freed, so each of a 10-million-agent month's
whole-population temporaries (a list of 10 million row numbers is 80 MB) is zero-filled by
the kernel page by page, every month again: an 80 MB array filled once took 40 ms in fresh
memory and 4 ms in reused memory, and a month 809 ms against 647 ms (`month_profile.py`,
10,000,000 agents). For populations of at least `LARGE_POPULATION` workers, malloc is asked to
serve everything from its heap (`M_MMAP_MAX` 0) and to keep what is freed (`M_TRIM_THRESHOLD`
high), so the next month's temporaries reuse the same pages. Smaller runs stay under the
threshold and are left alone.

It changes where memory comes from, never what is computed: results are the same either way.
The process keeps its peak memory until it exits. Without glibc (macOS, Windows, musl) it
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys

LARGE_POPULATION = 2_000_000  # agents; below, the temporaries fit under malloc's sliding threshold
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt's parameter numbers (glibc malloc.h)
_KEEP_BYTES = 2**31 - 1  # mallopt takes an int: free memory at the top of the heap kept up to 2 GB


def keep_freed_memory_for(agents: int) -> bool:
    """Ask malloc to reuse freed memory if `agents` is a large population; True if it was asked."""
    return agents >= LARGE_POPULATION and _keep_freed_memory()


@functools.cache
def _keep_freed_memory() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES))

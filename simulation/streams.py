"""Named random streams with common random numbers per worker and month.

Every kind of decision has its own stream (`migrate`, `destination`, `job`, ...)
derived from the run's seed. A draw is a pure function of (stream, month, worker,
slot): worker 17's `job` draw in March 2022 is the same number whatever the other
workers did. So a policy scenario and its baseline with the same seed differ because
of the policy, not because the draws shifted, and drawing for a subset of workers
costs only that subset. The function is SplitMix64's output mix applied to a keyed
counter (Steele, Lea and Flood 2014), vectorised with numpy.
"""

from __future__ import annotations

import zlib

import numba
import numpy as np

KINDS: tuple[str, ...] = (
    "population",  # initial attributes
    "network",  # social ties
    "home_labour",  # job loss and finding at home
    "migrate",  # whether and where to go
    "status",  # legal status on arrival and later
    "intention",  # intentions and remittance habits on arrival
    "job",  # finding work, the job's sector, contract and wage
    "remit",  # sending money home
    "return",  # stay, visit, return, move on
    "destination",  # where to move on to
    "enforcement",  # detection and deportation
    "renewal",  # retirement and replacement at home
    "shock",  # scheduled shocks that act at random
)

_MONTH_SHIFT = np.uint64(40)
_MAX_SLOTS = 64
_MONTH_OFFSET = 1 << 12  # months may be negative during burn-in
_MASK64 = (1 << 64) - 1


@numba.njit(cache=True)
def _keyed_uniforms(base, workers):
    """SplitMix64 output of (base + worker << 6) * gamma, top 24 bits as float32 in [0, 1)."""
    out = np.empty(workers.shape[0], np.float32)
    gamma = np.uint64(0x9E3779B97F4A7C15)
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    for j in range(workers.shape[0]):
        z = (base + (np.uint64(workers[j]) << np.uint64(6))) * gamma
        z = (z ^ (z >> np.uint64(30))) * m1
        z = (z ^ (z >> np.uint64(27))) * m2
        z = z ^ (z >> np.uint64(31))
        out[j] = np.float32(z >> np.uint64(40)) * np.float32(2.0**-24)
    return out


class Streams:
    """Keyed uniforms for the vectorised month, plus ordinary generators per kind."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self.keys = {}
        self.generators = {}
        for kind in KINDS:
            child = np.random.SeedSequence([self.seed, zlib.crc32(kind.encode())])
            self.keys[kind] = np.uint64(child.generate_state(1, dtype=np.uint64)[0])
            self.generators[kind] = np.random.default_rng(child.spawn(1)[0])

    def uniform(self, kind: str, month: int, workers: np.ndarray, slot: int = 0) -> np.ndarray:
        """Float32 uniforms in [0, 1), one per worker, fixed by (kind, month, worker, slot)."""
        if not 0 <= slot < _MAX_SLOTS:
            raise ValueError(f"slot must be in [0, {_MAX_SLOTS})")
        # the key arithmetic wraps at 2**64, in Python integers (numpy scalars under errstate cost
        # several times more, and this runs some fifty times a month)
        base = (int(self.keys[kind]) + ((month + _MONTH_OFFSET) << int(_MONTH_SHIFT)) + slot) & _MASK64
        return _keyed_uniforms(np.uint64(base), np.asarray(workers, dtype=np.int64))

    def normal(self, kind: str, month: int, workers: np.ndarray, slot: int = 0) -> np.ndarray:
        """Standard normal draws, by inverting the keyed uniforms."""
        from scipy.special import ndtri

        u = self.uniform(kind, month, workers, slot).astype(np.float64)
        return ndtri(np.clip(u, 2.0**-25, 1 - 2.0**-25))

    def generator(self, kind: str) -> np.random.Generator:
        """An ordinary sequential generator for this kind (set-up and the per-agent path)."""
        return self.generators[kind]

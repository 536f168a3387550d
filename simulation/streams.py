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
from typing import TYPE_CHECKING, NamedTuple, Protocol

import numba
import numpy as np
from scipy.special import ndtri

if TYPE_CHECKING:
    from .model import MigrationModel

KINDS: tuple[str, ...] = (
    "population",  # initial attributes
    "network",  # social ties
    "home_labour",  # job loss and finding at home
    "migrate",  # whether and where to go
    "status",  # legal status on arrival and later
    "intention",  # intentions and remittance habits on arrival
    "job",  # finding work, the job's sector, contract and wage
    "return",  # stay, visit, return, move on
    "destination",  # where to move on to
    "enforcement",  # detection and deportation
    "renewal",  # retirement and replacement at home
    "shock",  # scheduled events that act at random: each event has a key of its own (`event_uniform`)
)


class Draw(NamedTuple):
    """A named draw: a stream and a slot in it, fixed once in `DRAWS`."""

    stream: str
    slot: int


DRAWS: dict[str, Draw] = {}


def _draw(name: str, stream: str, slot: int) -> Draw:
    """Register a named draw; a (stream, slot) pair used twice stops the import."""
    draw = Draw(stream, slot)
    if name in DRAWS or draw in DRAWS.values() or stream not in KINDS or not 0 <= slot < _MAX_SLOTS:
        raise RuntimeError(f"draw {name!r} = {draw}: name or (stream, slot) already taken, or not a valid pair")
    DRAWS[name] = draw
    return draw


_MAX_SLOTS = 64

# --- the month's draws (`month.py`): one line per decision ------------------------------------
HOME_JOB_CHANGE = _draw("home_job_change", "home_labour", 0)  # lose or find work at home
CHOOSE_DESTINATION = _draw("choose_destination", "migrate", 0)  # whether and where to go
VISIT_END = _draw("visit_end", "migrate", 1)  # a home visit ends
CHOOSE_AGAIN = _draw("choose_again", "migrate", 2)  # refused a quota permit: choose again
STATUS_ON_ARRIVAL = _draw("status_on_arrival", "status", 0)  # patent or work visa on arrival
SKILLED_QUOTA = _draw("skilled_quota", "status", 1)  # a skilled worker asks for a quota permit
REGULARISE = _draw("regularise", "status", 3)  # an unauthorised worker takes a patent
QUOTA_ORDER = _draw("quota_order", "status", 5)  # the order in which free permits are granted
REFUSED_COMES_ANYWAY = _draw("refused_comes_anyway", "status", 6)  # refused a permit, comes irregularly
INTENTION_ON_ARRIVAL = _draw("intention_on_arrival", "intention", 0)
REMITTER = _draw("remitter", "intention", 1)  # sends money home at all
REMIT_BAND = _draw("remit_band", "intention", 2)  # which band of income sent home
REMIT_SHARE = _draw("remit_share", "intention", 3)  # the share within the band
REVISE_INTENTION = _draw("revise_intention", "intention", 4)  # plans change
REVISED_INTENTION = _draw("revised_intention", "intention", 5)  # the new plan
INTENTION_AFTER_MOVE_ON = _draw("intention_after_move_on", "intention", 6)
JOB_SEARCH = _draw("job_search", "job", 0)  # found work this month, and through which channel
SECTOR_STICKS = _draw("sector_sticks", "job", 1)  # a job in the worker's own sector
JOB_SECTOR = _draw("job_sector", "job", 2)  # otherwise the sector by demand
CONTRACT = _draw("contract", "job", 3)  # a written contract
PENSION = _draw("pension", "job", 4)  # pension contributions
PAID_LEAVE = _draw("paid_leave", "job", 5)
WAGE_OFFER = _draw("wage_offer", "job", 6)  # (normal) the wage's deviation
JOB_LINED_UP = _draw("job_lined_up", "job", 7)  # a job through contacts before leaving
MINIMUM_WAGE_COMPLIANCE = _draw("minimum_wage_compliance", "job", 8)  # employer pays the minimum
JOB_HELD = _draw("job_held", "job", 9)  # the job waits over a home visit
DEPORTATION = _draw("deportation", "enforcement", 0)
INSPECTION = _draw("inspection", "enforcement", 1)  # an informal job is inspected
FORMALISED = _draw("formalised", "enforcement", 2)  # the inspected job gets a contract
ABROAD_CHOICE = _draw("abroad_choice", "return", 0)  # stay, return, visit, move on
MOVE_ON_DESTINATION = _draw("move_on_destination", "destination", 0)

# --- personal attributes (`population.draw_attributes`), at creation and on renewal ----------
ATTRIBUTES = ("female", "age", "education", "sector", "it_russia", "dependants", "provider", "knows_agencies",
              "savings")
for _slot, _name in enumerate(ATTRIBUTES):
    _draw(f"population.{_name}", "population", _slot)
    _draw(f"renewal.{_name}", "renewal", _slot)
# the worker's place in the origin's pool (`pools.py`): drawn once, kept on renewal
POOL_RANK = _draw("population.pool_rank", "population", len(ATTRIBUTES))


_MONTH_SHIFT = np.uint64(40)
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


@numba.njit(cache=True)
def _keyed_uniforms_from(offset, month_part, workers):
    """`_keyed_uniforms` from base `offset + month_part` (wrapping at 2**64, as the key arithmetic does)."""
    return _keyed_uniforms(offset + month_part, workers)


@numba.njit(cache=True)
def _keyed_uniforms_rows(offsets, month_part, workers):
    """`_keyed_uniforms` for several draws at once: row k from base `offsets[k] + month_part`
    (wrapping at 2**64, as the key arithmetic does)."""
    out = np.empty((offsets.shape[0], workers.shape[0]), np.float32)
    for k in range(offsets.shape[0]):
        out[k] = _keyed_uniforms(offsets[k] + month_part, workers)
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
        self.event_keys: dict[int, np.uint64] = {}

    def uniform(self, draw: Draw, month: int, workers: np.ndarray) -> np.ndarray:
        """Float32 uniforms in [0, 1), one per worker, fixed by (draw, month, worker).

        The draw's key and slot, and the month's part, are each made into a numpy integer once
        (some twenty draws a month; making them on every call cost more than drawing for a few
        dozen workers); the kernel adds them, wrapping at 2**64 as `_base` does."""
        offset = self.__dict__.setdefault("_offset", {}).get(draw)  # (a state saved before it has none)
        if offset is None:
            offset = self._offset[draw] = np.uint64(self._base(self.keys[draw.stream], draw.slot, -_MONTH_OFFSET))
        return _keyed_uniforms_from(offset, self._month_part(month), np.asarray(workers, dtype=np.int64))

    def uniforms(self, draws: tuple[Draw, ...], month: int, workers: np.ndarray) -> np.ndarray:
        """(len(draws), workers) float32: row k is `uniform(draws[k], month, workers)`, in one
        compiled call (a sub-step that takes six draws paid six calls' overhead, most of its
        cost with the few dozen workers who arrive or find a job in a month)."""
        offsets = self.__dict__.setdefault("_offsets", {}).get(draws)  # (a state saved before it has none)
        if offsets is None:  # each draw's key and slot, once: the month's part is added in the kernel
            offsets = self._offsets[draws] = np.array([self._base(self.keys[d.stream], d.slot, -_MONTH_OFFSET)
                                                       for d in draws], np.uint64)
        return _keyed_uniforms_rows(offsets, self._month_part(month), np.asarray(workers, dtype=np.int64))

    def _month_part(self, month: int) -> np.uint64:
        """The month's part of the counter, kept for the month it was last asked for."""
        last = self.__dict__.get("_last_month_part")
        if last is None or last[0] != month:
            last = self._last_month_part = (month, np.uint64(((month + _MONTH_OFFSET) << int(_MONTH_SHIFT)) & _MASK64))
        return last[1]

    def event_uniform(self, event: int, k: int, month: int, workers: np.ndarray) -> np.ndarray:
        """Uniforms of a scenario's event number `event` (its k-th draw, k < 64).

        Each event has a key of its own, derived from the seed and its number, so no two
        events share draws however many a scenario has, and an event's draws do not
        depend on the events before it.
        """
        key = self.event_keys.get(event)
        if key is None:
            child = np.random.SeedSequence([self.seed, zlib.crc32(b"shock"), int(event)])
            key = self.event_keys[event] = np.uint64(child.generate_state(1, dtype=np.uint64)[0])
        return self._keyed(key, k, month, workers)

    def generator(self, kind: str) -> np.random.Generator:
        """An ordinary sequential generator for this kind (set-up and the per-agent path)."""
        return self.generators[kind]

    @staticmethod
    def _base(key: np.uint64, slot: int, month: int) -> int:
        """The counter's start for (key, slot, month), before the worker's part."""
        if not 0 <= slot < _MAX_SLOTS:
            raise ValueError(f"slot must be in [0, {_MAX_SLOTS})")
        # the key arithmetic wraps at 2**64, in Python integers (numpy scalars under errstate cost
        # several times more, and this runs some fifty times a month)
        return (int(key) + ((month + _MONTH_OFFSET) << int(_MONTH_SHIFT)) + slot) & _MASK64

    @staticmethod
    def _keyed(key: np.uint64, slot: int, month: int, workers: np.ndarray) -> np.ndarray:
        return _keyed_uniforms(np.uint64(Streams._base(key, slot, month)), np.asarray(workers, dtype=np.int64))


def standard_normal(u: np.ndarray) -> np.ndarray:
    """Standard normal deviates from uniforms, by inverting the normal CDF (a keyed draw stays a
    pure function of its key), the uniforms kept within [2**-25, 1 - 2**-25]."""
    u = u.astype(np.float64)
    # (np.clip's Python wrapper cost more than the rest)
    return ndtri(np.minimum(np.maximum(u, 2.0**-25, out=u), 1 - 2.0**-25, out=u))


# --- where a month takes its draws ---------------------------------------------------------
class Draws(Protocol):
    """Where the month's kernels take their randomness: one named draw (`streams.DRAWS`) per decision."""

    def uniform(self, draw: Draw, rows: np.ndarray) -> np.ndarray: ...
    def uniforms(self, draws: tuple[Draw, ...], rows: np.ndarray) -> np.ndarray: ...  # (len(draws), rows)


class KeyedDraws:
    """Common random numbers: each worker's draw is fixed by (stream, slot, month, worker)."""

    def __init__(self, model: "MigrationModel"):
        self.model = model

    def uniform(self, draw, rows):
        return self.model.streams.uniform(draw, self.model.month_counter, rows)

    def uniforms(self, draws, rows):
        return self.model.streams.uniforms(draws, self.model.month_counter, rows)


class SequentialDraws:
    """Ordinary sequential generators per stream, as an idiomatic per-agent model draws."""

    def __init__(self, model: "MigrationModel"):
        self.model = model

    def uniform(self, draw, rows):
        return self.model.streams.generator(draw.stream).random(len(rows), dtype=np.float32)

    def uniforms(self, draws, rows):
        """One draw after another, in the order given."""
        return np.stack([self.uniform(d, rows) for d in draws]).reshape(len(draws), len(rows))

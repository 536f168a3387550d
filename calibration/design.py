"""Where to run the model next: space-filling designs over the prior and inside a region.

History matching (Vernon et al. 2010, Bayesian Analysis 5:619-670; Andrianakis et al.
2015, PLoS Comput Biol 11:e1003968) spends its runs wave by wave: the first wave on a
Latin hypercube over the whole prior box, each later wave inside the part of the space
that the earlier waves' emulators have not ruled out (the non-implausible region). So
the design needs two things: a seeded Latin hypercube, and a sample of the region.

The region is known only through a membership test (a point is inside when every earlier
wave's implausibility cut keeps it), so it is sampled by rejection from the prior box,
which gives uniform points and, as a by-product, the share of the box still inside. When
the region is a small part of the box, rejection wastes almost every candidate; the
sampler then perturbs the points already known to be inside, by random-walk Metropolis
moves whose target is uniform on the region (a move is kept when it lands inside, else
the point stays), so the sample stays uniform over the region rather than piling up
around the points it started from. A design of n runs is then picked from the sample by
greedy maximin distance, so the runs spread over the region instead of clustering where
the sample happens to be dense.

All coordinates handed to the model are in parameter units (a `space.Prior`'s low..high);
the unit cube is used inside only, so that every parameter counts alike in distances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from .space import Prior

Inside = Callable[[np.ndarray], np.ndarray]  # points (n, d) in parameter units -> bool (n,)


def bounds(space: Sequence[Prior]) -> tuple[np.ndarray, np.ndarray]:
    """The prior box's lower and upper corners, in parameter units."""
    return (np.array([p.low for p in space], float), np.array([p.high for p in space], float))


def to_unit(points: np.ndarray, space: Sequence[Prior]) -> np.ndarray:
    """Parameter units -> the unit cube (0 at a prior's low end, 1 at its high end)."""
    low, high = bounds(space)
    return (np.asarray(points, float) - low) / (high - low)


def from_unit(unit: np.ndarray, space: Sequence[Prior]) -> np.ndarray:
    """The unit cube -> parameter units."""
    low, high = bounds(space)
    return low + np.asarray(unit, float) * (high - low)


def latin_hypercube(space: Sequence[Prior], n: int, seed: int | np.random.Generator) -> np.ndarray:
    """n points of a seeded Latin hypercube over the prior box, in parameter units.

    Each parameter's range is cut into n equal slices and every slice holds exactly one
    point, so even the first wave's ~10 runs per parameter see every part of each range
    (the design Vernon et al. 2010 and Andrianakis et al. 2015 start from). The same seed
    gives the same design.
    """
    if n < 1:
        raise ValueError(f"a design needs at least one point, not {n}")
    sampler = qmc.LatinHypercube(d=len(space), rng=np.random.default_rng(seed))
    return from_unit(sampler.random(n), space)


def maximin_subset(points: np.ndarray, n: int, space: Sequence[Prior], seed: int | np.random.Generator) -> np.ndarray:
    """Indices of n points of `points` picked greedily to keep them far apart.

    Greedy maximin: start from a seeded random point, then repeatedly add the point
    farthest (in the unit cube) from those already chosen. It costs n passes over the
    pool, which is cheap for pools of a few thousand, and spreads a wave's runs over the
    whole region even where the region sample is uneven.
    """
    m = len(points)
    if n >= m:
        return np.arange(m)
    unit = to_unit(points, space)
    rng = np.random.default_rng(seed)
    chosen = [int(rng.integers(m))]
    dist = np.sum((unit - unit[chosen[0]]) ** 2, axis=1)
    for _ in range(n - 1):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.sum((unit - unit[nxt]) ** 2, axis=1))
    return np.array(chosen)


@dataclass
class RegionSample:
    """A sample of the region, roughly uniform over it, and how it was obtained."""

    points: np.ndarray  # (m, d) parameter units
    tested: int  # candidates drawn from the prior box by rejection
    accepted: int  # of which inside
    walked: int  # points added by random-walk moves from known points

    @property
    def acceptance(self) -> float:
        """Share of the prior box inside the region, as rejection measured it (nan if none tried)."""
        return self.accepted / self.tested if self.tested else float("nan")


def sample_region(space: Sequence[Prior], inside: Inside, size: int, seed: int | np.random.Generator, *,
                  known: np.ndarray | None = None, batch: int = 20_000, max_candidates: int = 200_000,
                  walk_steps: int = 20) -> RegionSample:
    """About `size` points spread uniformly over the region where `inside` is true.

    First rejection from the prior box (Latin hypercube batches, so each batch covers the
    box evenly), until `size` points are inside or `max_candidates` were tried. If that
    finds too few (the region is a small part of the box), the points found and the
    `known` points inside (earlier runs, an earlier wave's sample) seed random-walk
    Metropolis chains whose target is uniform on the region: each step proposes a normal
    move scaled to the spread of the points inside, keeps it if it stays in the box and
    in the region, and otherwise stays. Uniform is the chains' stationary law, so after
    `walk_steps` steps the walkers spread over the region (what a plain "perturb and keep
    if inside" does not promise). An empty sample means no point was found inside: the
    caller reports the region as empty.
    """
    rng = np.random.default_rng(seed)
    d = len(space)
    found: list[np.ndarray] = []
    n_found = tested = 0
    while n_found < size and tested < max_candidates:
        cand = latin_hypercube(space, min(batch, max_candidates - tested), rng)
        tested += len(cand)
        ok = np.asarray(inside(cand), bool)
        found.append(cand[ok])
        n_found += int(ok.sum())
    points = np.concatenate(found) if found else np.empty((0, d))
    accepted = len(points)
    walked = 0
    if accepted < size:
        seeds = points
        if known is not None and len(known):
            known = np.asarray(known, float).reshape(-1, d)
            seeds = np.concatenate([seeds, known[np.asarray(inside(known), bool)]])
        if len(seeds):
            extra = _walk(space, inside, seeds, size - accepted, walk_steps, rng)
            walked = len(extra)
            points = np.concatenate([points, extra])
    elif accepted > size:
        points = points[:size]
    return RegionSample(points, tested, accepted, walked)


def _walk(space: Sequence[Prior], inside: Inside, starts: np.ndarray, n: int, steps: int,
          rng: np.random.Generator) -> np.ndarray:
    """n points from random-walk Metropolis chains, uniform on the region, started at `starts`."""
    unit = to_unit(starts, space)
    d = unit.shape[1]
    # proposal spread: the points' own spread (a floor keeps a single point able to move),
    # scaled by 2.38/sqrt(d), the usual choice for a random walk in d dimensions
    spread = np.maximum(unit.std(axis=0), 0.02) if len(unit) > 1 else np.full(d, 0.05)
    step = spread * 2.38 / np.sqrt(d)
    walkers = unit[rng.integers(len(unit), size=n)]
    for _ in range(steps):
        prop = walkers + rng.normal(size=walkers.shape) * step
        in_box = np.all((prop >= 0) & (prop <= 1), axis=1)
        ok = np.zeros(n, bool)
        if in_box.any():
            ok[in_box] = np.asarray(inside(from_unit(prop[in_box], space)), bool)
        walkers = np.where(ok[:, None], prop, walkers)
    return from_unit(walkers, space)

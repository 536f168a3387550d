"""A toy stochastic simulator with a known answer, to test the calibration method on.

Four parameters in ranges of different units, eight smooth outputs of them with Gaussian
noise of known sd, and one output (`level_again`) that measures the same quantity as
another (`level`): given data in which the two disagree, no point can match both, which is
the situation history matching must report by name. Each run's noise is drawn from a
generator seeded by the run's seed and its point, so runs at different points are
independent (as the emulator assumes) and a run is the same whoever computes it.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .design import to_unit
from .history_matching import Observations
from .space import Prior

SPACE: tuple[Prior, ...] = (
    Prior("toy.a", -1.0, 1.0, "test parameter"),
    Prior("toy.b", 0.0, 2.0, "test parameter"),
    Prior("toy.c", 10.0, 20.0, "test parameter"),
    Prior("toy.d", 0.0, 1.0, "test parameter"),
)
NAMES = ("wave", "product", "growth", "square", "difference", "ripple", "level", "level_again")
NOISE_SD = 0.05  # sd of one run around its mean, every output
OBS_SD = 0.03  # sd of the observation error of the toy's data
TRUTH = np.array([-0.4, 1.2, 15.0, 0.7])  # parameter units
CONFLICT = 0.6  # how far `level_again` is observed from what the truth gives (about 10 sd)


def mean_outputs(points: np.ndarray) -> np.ndarray:
    """The toy's mean outputs (n, 8) at points (n, 4) in parameter units."""
    u = to_unit(np.atleast_2d(points), SPACE)
    a, b, c, d = u.T
    level = a + 0.5 * b
    return np.column_stack([np.sin(2.5 * a) + 0.5 * b, a * b + 0.5 * c, np.exp(c) - d, d ** 2 + 0.3 * a,
                            b - 0.7 * c + 0.2 * d, np.cos(3 * d) + 0.4 * a * c, level, level])


def run(point: np.ndarray, seed: int) -> np.ndarray:
    """One stochastic run: the mean outputs plus noise of sd NOISE_SD."""
    point = np.asarray(point, float)
    key = int.from_bytes(hashlib.sha256(point.tobytes()).digest()[:8], "little")
    rng = np.random.default_rng([int(seed) % 2**32, key])
    return mean_outputs(point)[0] + rng.normal(0.0, NOISE_SD, len(NAMES))


def simulator(points: np.ndarray, seeds: list[int]) -> np.ndarray:
    """(n, len(seeds), 8) runs: the `history_matching.Simulator` interface."""
    points = np.atleast_2d(np.asarray(points, float))
    return np.array([[run(p, s) for s in seeds] for p in points])


def observations(truth: np.ndarray = TRUTH, *, conflict: float = 0.0, seed: int = 1) -> Observations:
    """Data made by one run at `truth` plus observation error; `level_again` moved by `conflict`."""
    rng = np.random.default_rng(seed)
    z = run(truth, 10_000 + seed) + rng.normal(0.0, OBS_SD, len(NAMES))
    z[NAMES.index("level_again")] += conflict
    k = len(NAMES)
    return Observations(NAMES, z, np.full(k, OBS_SD ** 2), np.zeros(k))

"""Model runs for the calibration: one parameter point and one seed per job.

History matching, the posterior predictive check, the recovery study and the hindcast all
ask the same question of the model: at these points in the calibrated space, with these
seeds, what is the simulated value of every fitted target? `ModelRuns` answers it for one
(point, seed) job; `run_points` spreads the jobs over a Dask client (or runs them here) and
returns an array (points, seeds, targets) in the order asked, whatever the number of
workers, so the same seeds always give the same array. `dask_simulator` and
`serial_simulator` do the same for any picklable `one_run(point, seed)` (the toy's, in tests).

Every point is run with the same seeds (common random numbers): differences between points
are then the parameters' doing, which keeps the emulators' job smooth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.scenario import Scenario

from .history_matching import Simulator
from .simulate import Window, simulate
from .space import Prior


@dataclass(frozen=True)
class ModelRuns:
    """The model as the calibration sees it: (point, seed) -> fitted targets' values."""

    scenario: Scenario
    targets: pd.DataFrame  # the fitted targets, in the order of the output columns
    window: Window
    space: tuple[Prior, ...]

    @property
    def ids(self) -> list[str]:
        return list(self.targets.id)

    def scenario_at(self, point: np.ndarray) -> Scenario:
        """The scenario with the calibrated parameters set to `point` (in parameter units)."""
        values = {p.key.replace(".", "__"): float(v) for p, v in zip(self.space, point)}
        return self.scenario.with_values(**values)

    def __call__(self, point: np.ndarray, seed: int) -> np.ndarray:
        sim = simulate(self.scenario_at(point), self.targets, self.window, int(seed))
        return np.array([sim.values.get(i, np.nan) for i in self.ids], dtype=float)


def _job(runs: ModelRuns, point: np.ndarray, seed: int) -> np.ndarray:
    return runs(point, seed)


def run_jobs(runs: ModelRuns, jobs: list[tuple[np.ndarray, int]], client=None,
             progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Each (point, seed) job once: an array (jobs, targets) in the order given."""
    out = np.full((len(jobs), len(runs.ids)), np.nan)
    total = len(jobs)
    if client is None:
        for done, (point, seed) in enumerate(jobs, 1):
            out[done - 1] = runs(point, seed)
            if progress:
                progress(done, total)
        return out
    from dask.distributed import as_completed  # noqa: PLC0415 - dask is only needed with a client

    # A key of its own for every batch (hash=False): with the content's hash as key, a batch
    # right after another with the same model reused the key while the scheduler was still
    # releasing the first batch's copy, and its runs failed with "lost dependencies".
    scattered = client.scatter(runs, broadcast=True, hash=False)
    futures = {client.submit(_job, scattered, np.asarray(point, float), int(seed), pure=False): k
               for k, (point, seed) in enumerate(jobs)}
    for done, future in enumerate(as_completed(futures), 1):
        out[futures[future]] = future.result()
        if progress:
            progress(done, total)
    return out


def run_points(runs: ModelRuns, points: np.ndarray, seeds: list[int], client=None,
               progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Every point with every seed: an array (points, seeds, targets), in the order asked."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    jobs = [(points[i], seeds[j]) for i in range(len(points)) for j in range(len(seeds))]
    return run_jobs(runs, jobs, client, progress).reshape(len(points), len(seeds), len(runs.ids))


def run_pairs(runs: ModelRuns, points: np.ndarray, seeds: list[int], client=None,
              progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Point i with seed i: an array (points, targets); for draws that each need their own seed."""
    points = np.atleast_2d(np.asarray(points, dtype=float))
    if len(seeds) != len(points):
        raise ValueError(f"run_pairs: {len(points)} points but {len(seeds)} seeds")
    return run_jobs(runs, list(zip(points, seeds)), client, progress)


def _run_one(one_run, point, seed):
    return np.asarray(one_run(point, seed), float)


def dask_simulator(client, one_run: Callable[[np.ndarray, int], np.ndarray]) -> Simulator:
    """A `simulator` that runs `one_run(point, seed) -> (k,)` for every (point, seed) on a Dask client.

    Jobs are submitted in (point, seed) order and gathered in that order, and each result
    depends on its point and seed only, so the outputs are the same on one worker or many.
    `one_run` must be picklable (a module-level function or a `functools.partial` of one)
    when the workers are processes.
    """
    def simulator(points: np.ndarray, seeds: list[int]) -> np.ndarray:
        points = np.atleast_2d(np.asarray(points, float))
        jobs = [(p, int(s)) for p in points for s in seeds]
        futures = client.map(_run_one, [one_run] * len(jobs), [j[0] for j in jobs], [j[1] for j in jobs],
                             pure=False)
        out = np.asarray(client.gather(futures), float)
        return out.reshape(len(points), len(seeds), -1)

    return simulator


def serial_simulator(one_run: Callable[[np.ndarray, int], np.ndarray]) -> Simulator:
    """The same as `dask_simulator`, run in this process (tests, small toys)."""
    def simulator(points: np.ndarray, seeds: list[int]) -> np.ndarray:
        points = np.atleast_2d(np.asarray(points, float))
        out = np.asarray([[one_run(p, int(s)) for s in seeds] for p in points], float)
        return out.reshape(len(points), len(seeds), -1)

    return simulator

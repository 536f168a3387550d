"""Polish the calibrated point: a compass search on how far targets fall outside their bands.

ABC-SMC with a few dozen particles over some thirty parameters gives a posterior that
rests on a handful of particles (its effective sample size falls to a few within three
generations), so its weighted median is close to one lucky draw. The compass search
starts from the best of that median, the posterior's closest particle and the scenario's
own values (the defaults: a recalibration does not end worse than them), and moves one
parameter at a time: each parameter is tried a step up and a step down (inside its
prior), the better move is kept if it lowers the objective, and every step halves once a
full sweep finds nothing better. The objective is `fit.BandExcess`, the share of targets
outside their bands with near misses counting in part: the point is chosen for what the fit
report grades, as in history matching, where a point is judged by how many observations it
leaves implausible. Each point is run with the same seeds (common random
numbers), so comparisons between points are not swamped by simulation noise, and the
seeds differ from those of the fit report, so the report does not grade the search on the
draws it was tuned to.

Deterministic: the sweep order, steps and seeds are fixed, and ties keep the current point.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.scenario import Scenario

from .fit import BandExcess
from .simulate import Window, simulate
from .space import SPACE, Prior

FIRST_STEP = 0.125  # first step, as a share of each prior's width
SMALLEST_STEP = 0.01  # the search ends once steps fall below this share of the widths


@dataclass
class Polished:
    values: dict[str, float]  # dotted key -> polished value
    excess: float  # band excess at the polished point (median of the seeds' simulated values)
    start_excess: float
    trace: pd.DataFrame  # one row per accepted move: sweep, parameter, value, band_excess, minutes
    evaluations: int
    seconds: float


def _run_point(scenario: Scenario, targets: pd.DataFrame, window: Window, values: dict[str, float],
               seed: int) -> dict[str, float]:
    sim = simulate(scenario.with_values(**{k.replace(".", "__"): v for k, v in values.items()}), targets, window, seed)
    return {k: float(v) for k, v in sim.values.items()}


class PointExcess:
    """Band excess of parameter points (the targets' median over fixed seeds), run on a Dask client."""

    def __init__(self, scenario: Scenario, targets: pd.DataFrame, window: Window, seeds: list[int], client):
        self.scenario, self.window, self.seeds, self.client = scenario, window, list(seeds), client
        self.targets = targets[targets.fitted].reset_index(drop=True)
        self.excess = BandExcess(targets)
        self.evaluations = 0

    def __call__(self, points: list[dict[str, float]]) -> list[float]:
        futures = [[self.client.submit(_run_point, self.scenario, self.targets, self.window, p, s, pure=False)
                    for s in self.seeds] for p in points]
        out = []
        for runs in futures:
            sims = self.client.gather(runs)
            self.evaluations += len(sims)
            with warnings.catch_warnings():  # a target every seed leaves empty stays nan (a miss)
                warnings.simplefilter("ignore", RuntimeWarning)
                median = {k: float(np.nanmedian([s.get(k, np.nan) for s in sims])) for k in sims[0]}
            out.append(self.excess(median))
        return out


def polish(starts: list[dict[str, float]], point_excess: PointExcess, minutes: float,
           space: tuple[Prior, ...] = SPACE, say=print) -> Polished:
    """Compass search from the best of `starts` for at most `minutes` (a sweep in progress is finished
    up to the parameter it is on, then the search stops)."""
    began = time.perf_counter()
    deadline = began + 60 * minutes
    clip = {p.key: (p.low, p.high) for p in space}
    start_d = point_excess(starts)
    best_i = int(np.argmin(start_d))
    point, d = dict(starts[best_i]), start_d[best_i]
    say(f"  polish: start at band excess {d:.3f} (the best of {len(starts)} starting points)")
    steps = {p.key: FIRST_STEP * p.width for p in space}
    rows, sweep = [], 0
    while time.perf_counter() < deadline and any(steps[p.key] >= SMALLEST_STEP * p.width for p in space):
        sweep += 1
        moved = False
        for p in space:
            if time.perf_counter() >= deadline:
                break
            low, high = clip[p.key]
            tries = sorted({min(max(point[p.key] + sign * steps[p.key], low), high) for sign in (1, -1)}
                           - {point[p.key]})
            if not tries:
                continue
            candidates = [{**point, p.key: v} for v in tries]
            ds = point_excess(candidates)
            i = int(np.argmin(ds))
            if ds[i] < d:
                point, d, moved = candidates[i], ds[i], True
                rows.append({"sweep": sweep, "parameter": p.key, "value": point[p.key], "band_excess": d,
                             "minutes": (time.perf_counter() - began) / 60})
        say(f"  polish sweep {sweep}: band excess {d:.3f}, {point_excess.evaluations} runs, "
            f"{(time.perf_counter() - began) / 60:.1f} min")
        if not moved:
            steps = {k: s / 2 for k, s in steps.items()}
    trace = pd.DataFrame(rows, columns=["sweep", "parameter", "value", "band_excess", "minutes"])
    return Polished(point, d, start_d[best_i], trace, point_excess.evaluations, time.perf_counter() - began)

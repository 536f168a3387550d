"""Does the recovery study's coverage depend on the length of its MCMC chains?

The recovery study (`calibration/evaluation.recovery_on_region`) found the posterior somewhat
overconfident: the truth inside the central 50% and 90% intervals less often than 50% and 90%.
Short chains give intervals that are too narrow, so this reruns the study on one saved history
match with the same synthetic data sets (same truths, same runs, same noise) and chains of
several lengths. If coverage rises with the length, the sampler is the cause; if not, the
variances the likelihood uses are.

    .venv/bin/migsim calibrate --out results/cal --first-wave 170 --wave-runs 85 --waves 2 --recovery 0
    .venv/bin/python benchmarks/recovery_chains.py results/cal/history --sets 20 --steps 1000 4000
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from calibration.commands import _scenario
from calibration.evaluation import recovery_on_region
from calibration.fit import make_client
from calibration.history_matching import load
from calibration.pipeline import observations
from calibration.posterior import PosteriorSettings, sample_posterior
from calibration.runs import ModelRuns, run_pairs
from calibration.simulate import Window
from calibration.space import SPACE
from calibration.targets import load_targets


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("history", help="the history/ folder of a `migsim calibrate` run (default window and targets)")
    ap.add_argument("--sets", type=int, default=20, help="synthetic data sets (default 20)")
    ap.add_argument("--steps", type=int, nargs="+", default=[1000, 4000], help="chain lengths per walker")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args(argv)
    targets = load_targets("calibration/targets.csv")
    window = Window()
    runs = ModelRuns(_scenario("scenarios/historical_replay.toml", window),
                     targets[targets.fitted].reset_index(drop=True), window, SPACE)
    hm, obs = load(args.history), observations(targets)
    client, cluster = make_client(args.workers, None)
    made: dict = {}

    def pairs(points: np.ndarray, seeds: list[int]) -> np.ndarray:  # every chain length sees the same runs
        key = (points.tobytes(), tuple(seeds))
        if key not in made:
            made[key] = run_pairs(runs, points, seeds, client)
        return made[key]

    try:
        settings = PosteriorSettings(seed=args.seed)
        posterior = sample_posterior(hm, settings)
        for steps in args.steps:
            started = time.perf_counter()
            rng = np.random.default_rng([args.seed, 21])  # the same truths and noise for every length
            table = recovery_on_region(hm, posterior, obs, pairs, args.sets, replace(settings, steps=steps), rng)
            row = table[table.parameter == "all"].iloc[0]
            print(f"{steps:>6} steps: truth inside the 50% interval {row.inside50:.1%}, the 90% interval "
                  f"{row.inside90:.1%}; targets inside the 90% predictive {row.predictive90:.1%} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Is the calibrated posterior a credible statement? Two checks on the real model.

**Posterior predictive check.** New data are made as the real data were: the model at a
posterior draw (one run, a fresh seed), plus observation error and model discrepancy of the
stated sizes. If the posterior and its variances are right, about 90% of the observed values
fall inside the central 90% of these new data. Far fewer means the variances are too small or
the model misses something; the targets outside are named in the report.

**Recovery study on the model** (simulation-based calibration, Cook, Gelman and Rubin 2006;
Talts et al. 2018). Truths are drawn uniformly from the final non-implausible region (the
posterior's prior); each makes a synthetic data set by one model run at a seed no design used,
plus observation error and discrepancy as the likelihood assumes; the posterior is sampled for
each from the calibration's own emulators. The central 50% and 90% intervals should hold the
truth about 50% and 90% of the time. This checks the emulators, the variances and the sampler
where the calibration's answer lies; it does not repeat the history matching for each data set
(that costs a calibration each: `recovery.recovery_study` does it on the toy simulator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from .history_matching import HistoryMatch, Observations
from .posterior import Posterior, PosteriorSettings, predictive_check, predictive_table, sample_posterior

PairSimulator = Callable[[np.ndarray, list[int]], np.ndarray]  # point i with seed i -> (points, targets)
CHECK_SEED = 800_000_000  # predictive-check and recovery runs use seeds from here on


def predictive_check_runs(posterior: Posterior, obs: Observations, simulator: PairSimulator, n: int,
                          rng: np.random.Generator, level: float = 0.9) -> pd.DataFrame:
    """The model at `n` posterior draws (one seed each): is each observed value inside the central `level`?"""
    idx = np.linspace(0, len(posterior.draws) - 1, min(n, len(posterior.draws))).round().astype(int)
    points = posterior.draws[idx]
    sims = np.asarray(simulator(points, [CHECK_SEED + k for k in range(len(points))]), float)
    return predictive_table(sims, obs, rng, level)


def recovery_on_region(hm: HistoryMatch, posterior: Posterior, obs: Observations, simulator: PairSimulator,
                       datasets: int, settings: PosteriorSettings, rng: np.random.Generator) -> pd.DataFrame:
    """Coverage of the posterior's 50% and 90% intervals over synthetic data sets (module docstring)."""
    if not len(hm.sample):
        raise ValueError("the non-implausible region is empty: there is nothing to recover")
    truths = hm.sample[rng.choice(len(hm.sample), datasets, replace=len(hm.sample) < datasets)]
    runs = np.asarray(simulator(truths, [CHECK_SEED + 10_000 + i for i in range(datasets)]), float)
    d = len(hm.space)
    inside50 = np.zeros((datasets, d), bool)
    inside90 = np.zeros((datasets, d), bool)
    predictive = np.zeros(datasets)
    for i, (truth, run) in enumerate(zip(truths, runs)):
        z = run + rng.normal(size=len(run)) * np.sqrt(obs.var_obs + obs.var_disc)
        z = np.where(np.isfinite(z), z, obs.value)  # a target the run did not compute keeps the real figure
        synthetic = obs.with_values(z)
        post = sample_posterior(hm, replace(settings, seed=settings.seed + 1 + i), obs=synthetic)
        for level, inside in ((0.5, inside50), (0.9, inside90)):
            lo, hi = post.interval(level)
            inside[i] = (truth >= lo) & (truth <= hi)
        predictive[i] = predictive_check(post, synthetic, emulator=hm.waves[-1].emulator, n=100,
                                         seed=settings.seed + i).inside.mean()
    keys = [p.key for p in hm.space]
    table = pd.DataFrame({"parameter": keys, "inside50": inside50.mean(axis=0), "inside90": inside90.mean(axis=0),
                          "datasets": datasets})
    overall = pd.DataFrame([{"parameter": "all", "inside50": inside50.mean(), "inside90": inside90.mean(),
                             "datasets": datasets, "predictive90": predictive.mean()}])
    return pd.concat([table, overall], ignore_index=True)

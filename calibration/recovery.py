"""Does the posterior cover the truth? A recovery study on data made at known values.

A credible interval is only a credible statement if it contains the truth as often as it
says. The test (Cook, Gelman and Rubin 2006; Talts et al. 2018 call its rank form
simulation-based calibration): draw true parameter values from the prior, make a data
set from the simulator at each, history-match and sample the posterior for each, and
count how often the central 50% and 90% intervals contain the value that made the data.
Drawn from the prior, the truths make the expected coverage exactly the nominal one for
an exact posterior, whatever the data; a shortfall means the emulators, the variances or
the cut are overconfident, an excess that they are too cautious.

Each data set is one simulator run at the truth (with a seed no design uses) plus
observation error of the stated sd, exactly as the likelihood assumes the real data were
made, so the study checks the method rather than the model. A posterior predictive check
(`posterior.predictive_check`) on each data set gives the share of targets inside their
90% predictive interval. History matching may use fewer waves here than in a real
calibration (`HMSettings.max_waves`): the study costs one calibration per data set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .design import bounds
from .history_matching import HMSettings, Observations, Simulator, history_match
from .posterior import PosteriorSettings, predictive_check, sample_posterior
from .space import Prior

DATA_SEED = 900_000_000  # data sets' runs use seeds from here on; run_seeds' are drawn from the whole range


@dataclass
class Recovery:
    space: tuple[Prior, ...]
    truths: np.ndarray  # (n, d)
    inside50: np.ndarray  # (n, d) bool
    inside90: np.ndarray  # (n, d) bool
    predictive: np.ndarray  # (n,) share of targets inside their 90% predictive interval
    runs: pd.DataFrame  # per data set: waves, region share, truth in region, acceptance, tau

    def coverage(self) -> pd.DataFrame:
        """Coverage of the 50% and 90% intervals per parameter, and over all (the last row)."""
        keys = [p.key for p in self.space]
        out = pd.DataFrame({"parameter": keys, "cover50": self.inside50.mean(axis=0),
                            "cover90": self.inside90.mean(axis=0), "datasets": len(self.truths)})
        overall = pd.DataFrame([{"parameter": "all", "cover50": self.inside50.mean(), "cover90": self.inside90.mean(),
                                 "datasets": len(self.truths)}])
        return pd.concat([out, overall], ignore_index=True)


def recovery_study(simulator: Simulator, space: Sequence[Prior], names: Sequence[str], obs_sd: np.ndarray,
                   *, datasets: int = 20, hm_settings: HMSettings = HMSettings(max_waves=3),
                   post_settings: PosteriorSettings = PosteriorSettings(), predictive_draws: int = 100,
                   seed: int = 0, progress=print) -> Recovery:
    """Make `datasets` data sets at truths drawn from the prior; history-match and sample each."""
    space = tuple(space)
    obs_sd = np.asarray(obs_sd, float)
    low, high = bounds(space)
    # each data set's draws come from its own stream, so data set i is the same in a study of any size
    rngs = [np.random.default_rng([seed % 2**32, 17, i]) for i in range(datasets)]
    truths = np.array([low + rng.random(len(space)) * (high - low) for rng in rngs]).reshape(datasets, len(space))
    inside50 = np.zeros(truths.shape, bool)
    inside90 = np.zeros(truths.shape, bool)
    predictive = np.zeros(datasets)
    rows = []
    for i, truth in enumerate(truths):
        run = np.asarray(simulator(truth[None], [DATA_SEED + i]), float)[0, 0]
        z = run + rngs[i].normal(size=len(names)) * obs_sd
        obs = Observations(tuple(names), z, obs_sd ** 2, np.zeros(len(names)))
        hm = history_match(simulator, space, obs, replace(hm_settings, seed=hm_settings.seed + 1000 * i),
                           progress=lambda *_: None)
        in_region = bool(hm.region.contains(truth[None])[0])
        if not len(hm.sample):  # nothing left: the truth was ruled out, so every interval misses
            rows.append({"dataset": i, "waves": len(hm.waves), "fraction": 0.0, "truth_in_region": in_region,
                         "acceptance": np.nan, "tau_max": np.nan})
            progress(f"  data set {i + 1}/{datasets}: the region came out empty")
            continue
        post = sample_posterior(hm, replace(post_settings, seed=post_settings.seed + i))
        for level, inside in ((0.5, inside50), (0.9, inside90)):
            lo, hi = post.interval(level)
            inside[i] = (truth >= lo) & (truth <= hi)
        check = predictive_check(post, obs, simulator=simulator, n=predictive_draws, seed=seed + i)
        predictive[i] = check.inside.mean()
        diag = post.diagnostics()
        rows.append({"dataset": i, "waves": len(hm.waves), "fraction": hm.fraction, "truth_in_region": in_region,
                     "acceptance": diag["acceptance"], "tau_max": diag["tau_max"]})
        progress(f"  data set {i + 1}/{datasets}: {len(hm.waves)} waves, region {hm.fraction:.2g} of the space, "
                 f"50%: {inside50[i].sum()}/{len(space)}, 90%: {inside90[i].sum()}/{len(space)} inside, "
                 f"predictive {predictive[i]:.0%}")
    return Recovery(space, truths, inside50, inside90, predictive, pd.DataFrame(rows))

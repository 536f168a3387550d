"""What each fitted target's published figure is worth: the variances history matching and the
posterior weigh it with.

History matching (Vernon et al. 2010, Bayesian Analysis 5:619-670; Andrianakis et al. 2015,
PLoS Comput Biol 11:e1003968) asks how far the model's expected output can be from the observed
figure before a point is implausible, in units of every uncertainty that separates them:

- **observation** (`obs_var`): the figure's own error, as `targets.py` states it: sampling error
  with the survey's design effect for survey shares, the published relative uncertainty for
  counts and World Bank series, a quarter of the published range for a range. Survey shares add
  the non-sampling error that the two survey rounds' disagreement implies
  (`targets.non_sampling_sd`, about 0.10): the 2022 and 2023 rounds differ on the same
  questions far beyond their sampling error, so a share measured once is that uncertain;
- **model discrepancy** (`disc_var`): how far even the best parameters leave the model from the
  world, because of what it leaves out. Ten per cent of the figure for World Bank series and
  counts (remittance series hold transfers other than migrants' wages, such as relocated
  Russians' and traders' money, which the model does not simulate; counts come from registers
  with their own coverage), three percentage points for survey shares (the simulated survey
  interviews every eligible agent in the surveyed regions, not the snowball sample);
- **stochastic** (`V_stoch`): the model's own seed-to-seed variance, estimated from repeated
  seeds at each design point (in `emulator.py`, not here).

These choices are the calibration's assumptions: they are written into every calibration's
report, and `DISCREPANCY` is the one place to change them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .targets import non_sampling_sd, survey_round_agreement

# Model discrepancy by target kind: relative to the observed figure, or absolute for shares.
DISCREPANCY: dict[str, tuple[str, float]] = {
    "wdi": ("relative", 0.10),
    "bilateral": ("relative", 0.10),
    "count": ("relative", 0.10),
    "range": ("relative", 0.10),
    "share": ("absolute", 0.03),
}


@dataclass(frozen=True)
class TargetVariances:
    """Observed values and the observation and discrepancy variances of the fitted targets."""

    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    observed: np.ndarray
    obs_var: np.ndarray
    disc_var: np.ndarray
    low: np.ndarray  # the report's band (observed +- 2 sampling sd, or the published range)
    high: np.ndarray
    years: np.ndarray  # the year each figure refers to (for the hindcast's split)

    @property
    def fixed_var(self) -> np.ndarray:
        """Observation plus discrepancy: everything but the model's and the emulator's variance."""
        return self.obs_var + self.disc_var

    def subset(self, keep: np.ndarray) -> "TargetVariances":
        keep = np.asarray(keep, dtype=bool)
        pick = lambda seq: tuple(x for x, k in zip(seq, keep) if k)  # noqa: E731
        return TargetVariances(pick(self.ids), pick(self.kinds), self.observed[keep], self.obs_var[keep],
                               self.disc_var[keep], self.low[keep], self.high[keep], self.years[keep])


def survey_share_rows(targets: pd.DataFrame) -> np.ndarray:
    """Which rows are shares asked in a survey round (not key-informant estimates)."""
    statistic = targets.statistic.fillna("").astype(str)
    return ((targets.kind == "share") & statistic.str.startswith("survey:")).to_numpy()


def target_variances(targets: pd.DataFrame, discrepancy: dict[str, tuple[str, float]] = DISCREPANCY
                     ) -> TargetVariances:
    """Variances of the fitted targets of a loaded targets table (`targets.load_targets`)."""
    fitted = targets[targets.fitted].reset_index(drop=True)
    observed = fitted.value.to_numpy(float)
    sd = fitted.sd.to_numpy(float)
    tau = non_sampling_sd(survey_round_agreement(targets))
    obs_var = sd**2 + np.where(survey_share_rows(fitted), tau**2, 0.0)
    disc = np.zeros(len(fitted))
    for k, kind in enumerate(fitted.kind):
        how, size = discrepancy.get(kind, ("relative", 0.10))
        disc[k] = size * abs(observed[k]) if how == "relative" else size
    return TargetVariances(tuple(fitted.id), tuple(fitted.kind), observed, obs_var, disc**2,
                           fitted.low.to_numpy(float), fitted.high.to_numpy(float),
                           fitted.year.to_numpy(float))

"""The calibration's distance and its Dask cluster.

`TargetDistance` condenses the fitted targets into one number, the weighted root mean square of
their capped z-scores: the output the sensitivity screen (`sensitivity.py`) ranks parameters
on. `make_client` gives the Dask client every calibration command runs its model runs on.
(Calibration itself is history matching, `history_matching.py`, then MCMC, `posterior.py`;
ABC-SMC with pyabc, used before, degenerated to one particle with 34 parameters.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.errors import RunError
from simulation.threads import local_cluster

from .targets import non_sampling_sd, survey_round_agreement

Z_CAP = 10.0  # a target's z-score counts at most this much (and a missing value counts this much)


class TargetDistance:
    """sqrt(sum w z^2 / sum w) over the fitted targets, z capped at Z_CAP.

    A survey share's z is taken against its sampling sd and the non-sampling error that
    the two survey rounds' disagreement implies (`targets.non_sampling_sd`, about 0.10),
    added in quadrature: the rounds differ far beyond sampling error on the questions
    both asked, so sampling error alone would let the survey shares outweigh every series
    and count in the fit, chasing differences that the surveys themselves do not agree
    on. The bands in the report stay at sampling error.
    """

    def __init__(self, targets: pd.DataFrame):
        fitted = targets[targets.fitted]
        self.ids = list(fitted.id)
        self.obs = fitted.value.to_numpy(float)
        self.non_sampling_sd = non_sampling_sd(survey_round_agreement(targets))
        survey = (fitted.kind == "share") & fitted.statistic.fillna("").astype(str).str.startswith("survey:")
        self.sd = np.where(survey, np.hypot(fitted.sd.to_numpy(float), self.non_sampling_sd),
                           fitted.sd.to_numpy(float))
        self.w = fitted.weight.to_numpy(float)

    def z(self, sim: dict) -> np.ndarray:
        x = np.array([sim.get(i, np.nan) for i in self.ids], float)
        with np.errstate(invalid="ignore"):
            z = np.abs(x - self.obs) / self.sd
        return np.where(np.isfinite(z), np.minimum(z, Z_CAP), Z_CAP)

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        z = self.z(x)
        return float(np.sqrt((self.w * z**2).sum() / self.w.sum()))


def make_client(workers: int, scheduler: str | None):
    """A Dask client: to the scheduler given, or a local cluster of process workers."""
    from dask.distributed import Client

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:  # ValueError: a malformed address
            raise RunError(f"cannot reach the Dask scheduler at '{scheduler}' ({exc}); start one with "
                           "`dask scheduler` and `dask worker ADDRESS`, or omit --scheduler for a local cluster.") from None
    # The workers, not the threads, share the cores (simulation.threads).
    cluster = local_cluster(workers, scheduler_kwargs={"dashboard": False}, silence_logs=40)  # errors only, as sweep
    return Client(cluster), cluster

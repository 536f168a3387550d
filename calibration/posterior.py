"""A posterior inside the non-implausible region: MCMC on the emulators' likelihood.

History matching says where the data cannot have come from; within what is left, a
posterior says how likely each point is. Following Andrianakis et al. (2015, PLoS Comput
Biol 11:e1003968, section "Calibration"), the likelihood is Gaussian in each target with
every variance the implausibility uses,

    z_k ~ N(E[f_k(x)], V_obs,k + V_disc,k + V_stoch,k + V_emu,k(x)),

where E[f_k] and V_emu,k come from the last wave's emulators (trained inside the region, so
the most accurate there). Targets of different series are independent. Within a series (the
14 years of one World Bank remittance series), the errors that persist from year to year, the
model discrepancy and the emulator's misfit, are correlated: a model that misses one year's
remittances for a structural reason misses the next year's too, and a quadratic emulator that
is off at a point is off for every year there. Treating 14 such years as 14 independent
observations would count one piece of evidence 14 times and make the posterior overconfident.
The correlation `rho` is measured, not assumed: the mean correlation of the emulator's
leave-one-out errors between years of the same series (`series_correlation`); the series'
covariance is then diag(V_obs + V_stoch + (1 - rho) S) + rho s s^T with S = V_disc + V_emu and
s = sqrt(S), whose inverse and determinant are exact and cheap (Sherman-Morrison). The emulator's variance depends
on x, so the log-determinant term stays in the likelihood: without it the sampler would be
drawn to where the emulator is unsure. The prior is the uniform prior of `space.py`
restricted to the region (Vernon et al. 2010, section 6: the region holds, up to the cut's
small tail, all the posterior mass), so the chains never leave it.

The sampler is emcee's affine-invariant ensemble (Goodman and Weare 2010): no proposal
scales to tune across parameters measured in quite different units, and a vectorised
likelihood evaluates every walker in one call. It is seeded, and its walkers start at
points of the region's sample drawn in proportion to their likelihood (an importance sample of
the posterior, so burn-in is short), and the same history match and seed give the same draws.
Convergence is reported as the mean acceptance fraction (0.2-0.5 is healthy) and the
integrated autocorrelation time of each parameter, with the chain length in units of it
(emcee's authors ask for 50 or more before trusting the estimate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.errors import RunError

from .emulator import Emulator
from .history_matching import HistoryMatch, Observations, implausibility, nth_max
from .space import Prior


@dataclass(frozen=True)
class PosteriorSettings:
    walkers: int = 32
    steps: int = 3000  # per walker, burn-in included
    burn: int | None = None  # None: a third of the steps
    draws: int = 2000  # at most this many draws kept after burn-in and thinning
    seed: int = 20260101
    # "exact": every wave's cut bounds the prior; "lenient": the earlier waves' cuts use their
    # emulators' largest variance (means only, about 5x cheaper at 133 targets; it never drops a
    # point the exact cut keeps, so the support is the region or a little more), the last wave's exact
    region: str = "exact"


@dataclass
class Posterior:
    space: tuple[Prior, ...]
    draws: np.ndarray  # (n, d) parameter units
    log_prob: np.ndarray  # (n,)
    acceptance: float  # mean acceptance fraction of the walkers
    tau: np.ndarray  # (d,) integrated autocorrelation time, in steps
    steps: int
    burn: int
    thin: int
    series_rho: float = 0.0  # the within-series correlation of the persistent errors the likelihood used

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.space]

    def frame(self) -> pd.DataFrame:
        """The draws with the parameters' dotted keys as columns (what `run --posterior` reads)."""
        out = pd.DataFrame(self.draws, columns=self.keys)
        out["log_prob"] = self.log_prob
        return out

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """The central `level` credible interval of each parameter (equal tails)."""
        q = (1 - level) / 2
        return np.quantile(self.draws, q, axis=0), np.quantile(self.draws, 1 - q, axis=0)

    def median(self) -> dict[str, float]:
        return dict(zip(self.keys, np.median(self.draws, axis=0).tolist()))

    def diagnostics(self) -> dict[str, float]:
        """Acceptance, the longest autocorrelation time and the chain's length in units of it."""
        tau = float(np.nanmax(self.tau)) if np.isfinite(self.tau).any() else float("nan")
        return {"draws": len(self.draws), "acceptance": self.acceptance, "tau_max": tau,
                "steps_per_tau": (self.steps - self.burn) / tau if tau > 0 else float("nan"),
                "burn": self.burn, "thin": self.thin, "series_rho": self.series_rho}

    def summary(self) -> pd.DataFrame:
        """Per parameter: median, 50% and 90% intervals, autocorrelation time."""
        lo50, hi50 = self.interval(0.5)
        lo90, hi90 = self.interval(0.9)
        return pd.DataFrame({"parameter": self.keys, "median": np.median(self.draws, axis=0),
                             "q05": lo90, "q25": lo50, "q75": hi50, "q95": hi90, "tau": self.tau})


def log_likelihood(points: np.ndarray, emulator: Emulator, obs: Observations, rho: float | None = None
                   ) -> np.ndarray:
    """The Gaussian log-likelihood of the observations at each point, with every variance.

    `rho` is the within-series correlation of the persistent errors; None measures it from
    the emulator (`series_correlation`).
    """
    if rho is None:
        rho = series_correlation(emulator.loo_errors(), obs.series)
    mean, var = emulator.predict(points)
    return _log_likelihood(mean, var, emulator.stoch_var, obs, rho)


def series_correlation(errors: np.ndarray, series: np.ndarray | None) -> float:
    """Mean correlation, between targets of the same series, of standardised errors (n points, k targets).

    0 without series of two or more targets; clipped to [0, 0.95] (a negative mean would be
    noise, and a correlation of 1 would make a series' covariance singular).
    """
    if series is None:
        return 0.0
    corr = []
    with np.errstate(invalid="ignore", divide="ignore"):
        for g in np.unique(series):
            cols = np.flatnonzero(series == g)
            if len(cols) < 2:
                continue
            e = errors[:, cols]
            e = e[np.isfinite(e).all(axis=1)]
            if len(e) < 3:
                continue
            c = np.corrcoef(e, rowvar=False)
            corr.append(np.nanmean(c[~np.eye(len(cols), dtype=bool)]))
    corr = [c for c in corr if np.isfinite(c)]
    return float(np.clip(np.mean(corr), 0.0, 0.95)) if corr else 0.0


def _log_likelihood(mean: np.ndarray, var: np.ndarray, stoch_var: np.ndarray, obs: Observations,
                    rho: float = 0.0) -> np.ndarray:
    resid = mean - obs.value
    groups = [] if rho <= 0 or obs.series is None else [
        cols for g in np.unique(obs.series) if len(cols := np.flatnonzero(obs.series == g)) > 1]
    shared = var + obs.var_disc  # the errors that persist within a series
    in_series = np.zeros(len(obs.names))
    for cols in groups:
        in_series[cols] = rho
    independent = obs.var_obs + stoch_var + var + obs.var_disc - in_series * shared
    terms = resid ** 2 / independent + np.log(2 * np.pi * independent)
    ll = -0.5 * np.nansum(terms, axis=1)  # a target without an emulator (nan) adds nothing
    # each series adds a rank-one term rho s s^T: Sherman-Morrison for the quadratic form and the determinant
    for cols in groups:
        u = np.sqrt(rho * shared[:, cols])
        a = np.nansum(u * resid[:, cols] / independent[:, cols], axis=1)
        b = np.nansum(u * u / independent[:, cols], axis=1)
        ll += 0.5 * (a * a / (1 + b) - np.log1p(b))
    return ll


class EmptyRegion(RunError):
    """History matching ruled out every point: there is no posterior to sample."""

    def __init__(self, hm: HistoryMatch):
        conflicts = hm.conflicts if hm.conflicts is not None else pd.DataFrame()
        named = ("" if conflicts.empty else " Targets no point matches together, for one: "
                 f"{conflicts.target_a.iloc[0]} and {conflicts.target_b.iloc[0]} (all listed above).")
        super().__init__(
            f"no point of the parameter space is left after {len(hm.waves)} wave(s) of history matching, so there is "
            f"no posterior to sample.{named} The waves are kept in the history folder; with more points in the first "
            "wave (--first-wave, about 10 per parameter) the emulators are surer and rule out fewer points by their "
            "doubt alone.")


def sample_posterior(hm: HistoryMatch, settings: PosteriorSettings = PosteriorSettings(), *,
                     obs: Observations | None = None) -> Posterior:
    """MCMC draws from the posterior inside `hm`'s final region (see the module docstring).

    `obs` defaults to the observations the history match used (another set with the same
    targets may be given, e.g. with a model discrepancy added after the history match).
    """
    import emcee

    obs = obs or hm.obs
    if not len(hm.sample):
        raise EmptyRegion(hm)
    emulator = hm.region.cuts[-1].emulator  # the last wave's
    rho = series_correlation(emulator.loo_errors(), obs.series)
    d = len(hm.space)
    walkers = max(settings.walkers, 2 * d + 2)
    walkers += walkers % 2
    rng = np.random.default_rng([settings.seed % 2**32, 5])

    last = hm.region.cuts[-1]  # the last wave's cut, made with `emulator`

    if settings.region not in ("exact", "lenient"):
        raise ValueError(f"PosteriorSettings.region is '{settings.region}'; allowed: exact, lenient")
    earlier = hm.region.cuts[:-1]

    def log_prob(x: np.ndarray) -> np.ndarray:
        # the last wave's emulators both make the last cut and give the likelihood: predict once
        out = np.full(len(x), -np.inf)
        if settings.region == "exact":
            idx = np.flatnonzero(hm.region.contains(x, waves=len(earlier)))
        else:
            idx = np.flatnonzero(hm.region.contains(x, waves=0))  # the prior box
            for cut in earlier:
                idx = idx[cut.keeps_lenient(x[idx], hm.obs)]
        if len(idx):
            mean, var = emulator.predict(x[idx])
            imp = implausibility(mean, var, emulator.stoch_var, hm.obs)
            ok = nth_max(imp, last.rank) <= last.cut
            out[idx[ok]] = _log_likelihood(mean[ok], var[ok], emulator.stoch_var, obs, rho)
        return out

    # Start the walkers where the posterior is: the region's sample is uniform over the region (the
    # prior), so resampling it in proportion to the likelihood is an importance sample of the
    # posterior, and the chains need little burn-in even when the posterior is a small part of it.
    ll = log_likelihood(hm.sample, emulator, obs, rho)
    weight = np.exp(ll - ll.max())
    weight /= weight.sum()
    distinct = int(np.sum(weight > 0))
    start = hm.sample[rng.choice(len(hm.sample), walkers, replace=distinct < walkers, p=weight)]
    if len(np.unique(start, axis=0)) < walkers:  # too few distinct points: spread them a little, inside
        start = _jitter_inside(start, hm, rng)
    sampler = emcee.EnsembleSampler(walkers, d, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(settings.seed % 2**32).get_state()
    sampler.run_mcmc(start, settings.steps, progress=False)
    burn = settings.burn if settings.burn is not None else settings.steps // 3
    tau = np.asarray(sampler.get_autocorr_time(discard=burn, quiet=True, tol=0), float)
    tmax = np.nanmax(tau) if np.isfinite(tau).any() else 1.0
    thin = max(1, int(tmax / 2))
    chain = sampler.get_chain(discard=burn, thin=thin, flat=True)
    lp = sampler.get_log_prob(discard=burn, thin=thin, flat=True)
    if len(chain) > settings.draws:
        keep = np.linspace(0, len(chain) - 1, settings.draws).round().astype(int)
        chain, lp = chain[keep], lp[keep]
    return Posterior(hm.space, chain, lp, float(np.mean(sampler.acceptance_fraction)), tau, settings.steps, burn,
                     thin, rho)


def _jitter_inside(start: np.ndarray, hm: HistoryMatch, rng: np.random.Generator) -> np.ndarray:
    """Move duplicated starting points a little, keeping each move that stays in the region."""
    width = np.array([p.width for p in hm.space])
    out = start.copy()
    for scale in (1e-2, 1e-3, 1e-4):
        prop = out + rng.normal(size=out.shape) * width * scale
        ok = hm.region.contains(prop)
        out = np.where(ok[:, None], prop, out)
    return out


def predictive_check(post: Posterior, obs: Observations, *, simulator: Callable | None = None,
                     emulator: Emulator | None = None, n: int = 200, level: float = 0.9,
                     seed: int = 0) -> pd.DataFrame:
    """Is each observed value inside the central `level` interval of the posterior predictive?

    New data are drawn as the data were made: the model at a posterior draw (one run of
    `simulator`, a fresh seed each, or the emulator's mean plus its and the stochastic
    variance), plus observation error and discrepancy. With a well calibrated posterior
    about `level` of the targets fall inside. One row per target, `inside` True or False.
    """
    rng = np.random.default_rng([seed % 2**32, 11])
    idx = np.linspace(0, len(post.draws) - 1, min(n, len(post.draws))).round().astype(int)
    pts = post.draws[idx]
    if simulator is not None:
        seeds = [int(s) for s in rng.integers(2**31, size=len(pts))]
        sims = np.concatenate([np.asarray(simulator(p[None], [s]), float)[0] for p, s in zip(pts, seeds)])
    elif emulator is not None:
        mean, var = emulator.predict(pts)
        sims = mean + rng.normal(size=mean.shape) * np.sqrt(var + emulator.stoch_var)
    else:
        raise ValueError("predictive_check needs a simulator or an emulator")
    return predictive_table(sims, obs, rng, level)


def predictive_table(sims: np.ndarray, obs: Observations, rng: np.random.Generator, level: float = 0.9
                     ) -> pd.DataFrame:
    """New data from model outputs (draws, targets) plus observation error and discrepancy: is
    each observed value inside the central `level` of them? One row per target."""
    new = sims + rng.normal(size=sims.shape) * np.sqrt(obs.var_obs + obs.var_disc)
    q = (1 - level) / 2
    lo, hi = np.nanquantile(new, q, axis=0), np.nanquantile(new, 1 - q, axis=0)
    return pd.DataFrame({"target": list(obs.names), "observed": obs.value, "low": lo,
                         "median": np.nanmedian(new, axis=0), "high": hi,
                         "inside": (obs.value >= lo) & (obs.value <= hi)})

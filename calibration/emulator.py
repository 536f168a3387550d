"""Fast stand-ins for the model: one Gaussian process per target, with its own uncertainty.

History matching asks, of millions of candidate points, how far each target would be from
its observed value; the model takes seconds a run, so it is asked of an emulator instead
(Vernon et al. 2010, Bayesian Analysis 5:619-670, sections 2-3; Andrianakis et al. 2015,
PLoS Comput Biol 11:e1003968). An emulator is only honest if it says how unsure it is:
its predictive variance enters the implausibility's denominator, so a point where the
emulator knows little is kept rather than wrongly ruled out.

Choices, and why:

- **One GP per target, not a PCA basis.** Implausibility is a statement about each
  target (its observation, its error, its discrepancy), and the cut and the report of
  targets no point can reach work target by target. A truncated principal-component basis
  of the standardised targets would mix the targets' errors and lose a target that varies
  little over the design but is observed tightly (its variance falls into the discarded
  components). The price is one fit per target; fits are cheap at a few hundred points,
  and `max_train` caps them.
- **Trained on means over repeated seeds.** Each design point is run with several seeds;
  the GP is fitted to the mean, with the known variance of that mean (pooled stochastic
  variance / number of seeds) as a fixed nugget, so the GP does not mistake the model's
  own randomness for its shape. A fitted `WhiteKernel` on top takes what the smooth
  kernel cannot follow; that part is counted in the emulator's variance.
- **The stochastic variance**, the spread of one run around the mean at the same point,
  is pooled over the design points per target (the mean of the per-point variances over
  seeds). It enters the implausibility separately: the data are one realisation of the
  world, to be compared with one run of the model, not with its mean.
- **Matern 5/2 with one length scale per parameter** (ARD), inputs scaled to [0, 1] over
  the training points' box (so the length-scale bounds mean the same in a late wave's
  small region as in the first wave's whole prior box), outputs standardised.
- **Diagnostics**: leave-one-out standardised errors in closed form (Rasmussen and
  Williams 2006, section 5.4.2) at the fitted hyperparameters; they should look like
  N(0, 1) draws (mean near 0, sd near 1, about 5% beyond 2). Held-out errors on a later
  wave's runs (`validate`) check the same on points the emulator has not seen.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import cho_solve, solve_triangular

MIN_TRAIN = 5  # below this many finite runs a target is not emulated (and constrains nothing)
CHUNK = 2048  # candidate points per block in prediction: blocks that fit in cache are 4x faster (measured)


@dataclass(frozen=True)
class EmulatorSettings:
    method: str = "gp"  # "gp" (this module) or "regression" (regression_emulator.py: many targets and inputs)
    kernel: str = "matern"  # "matern" (5/2) or "rbf"
    restarts: int = 0  # extra optimiser starts for the hyperparameters (each one costs a whole fit)
    max_train: int = 300  # at most this many design points per fit (the most recent kept)
    fit_points: int = 120  # hyperparameters are estimated on at most this many of them (see `_fit_one`)
    seed: int = 0


@dataclass
class _GP:
    """One fitted target: what prediction needs, extracted from scikit-learn's fit."""

    kind: str  # "matern" (5/2) or "rbf"
    length: np.ndarray  # (d,) fitted length scales, in scaled input units
    amp: float  # its variance at zero distance (standardised units)
    white: float  # the fitted WhiteKernel level (standardised units): roughness not followed
    x: np.ndarray  # training inputs, scaled
    alpha: np.ndarray  # K^-1 y
    l_inv: np.ndarray  # inverse Cholesky factor of K (training covariance with nuggets)
    y: np.ndarray  # standardised training means


class Emulator:
    """Gaussian-process emulators of k targets over d parameters (see module docstring)."""

    def __init__(self, names: Sequence[str], lo: np.ndarray, hi: np.ndarray, centre: np.ndarray,
                 scale: np.ndarray, stoch_var: np.ndarray, gps: list[_GP | None], n_train: np.ndarray,
                 reps: int):
        self.names = list(names)
        self.lo, self.hi = lo, hi
        self.centre, self.scale = centre, scale
        self.stoch_var = stoch_var  # (k,) variance of one run around the mean, target units
        self.gps = gps
        self.n_train = n_train
        self.reps = reps

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, points: np.ndarray, runs: np.ndarray, names: Sequence[str],
            settings: EmulatorSettings = EmulatorSettings(), fit_map=None) -> Emulator:
        """Fit one GP per target to `runs` (n points, r seeds, k targets) at `points` (n, d).

        `fit_map(function, *iterables)` replaces the built-in `map` over the targets' fits,
        e.g. `lambda f, *a: client.gather(client.map(f, *a))` to fit them on Dask workers;
        each fit is seeded by the target's place, so the result does not depend on where it ran.

        Needs at least two seeds per point, since the stochastic variance comes from them.
        Targets with fewer than MIN_TRAIN finite means are left without an emulator; they
        predict nan and the implausibility ignores them (and says so by name).
        """
        points = np.asarray(points, float)
        runs = np.asarray(runs, float)
        if runs.ndim != 3 or runs.shape[0] != len(points) or runs.shape[2] != len(names):
            raise ValueError(f"runs must be (points, seeds, targets) = ({len(points)}, r, {len(names)}), "
                             f"not {runs.shape}")
        if runs.shape[1] < 2:
            raise ValueError("the emulator needs at least 2 seeds per point to estimate the stochastic variance")
        if len(points) > settings.max_train:
            points, runs = points[-settings.max_train:], runs[-settings.max_train:]
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(runs, axis=1)  # (n, k)
            var = np.nanvar(runs, axis=1, ddof=1)  # (n, k): per point, over seeds
            stoch_var = np.nanmean(var, axis=0)
        stoch_var = np.where(np.isfinite(stoch_var), stoch_var, 0.0)
        reps = runs.shape[1]
        lo, hi = points.min(axis=0), points.max(axis=0)
        hi = np.where(hi > lo, hi, lo + 1.0)
        x = (points - lo) / (hi - lo)
        k = len(names)
        centre, scale = np.zeros(k), np.ones(k)
        n_train = np.zeros(k, int)
        fit_seeds = np.random.default_rng(settings.seed).integers(2**31, size=k)
        jobs = []  # (target, inputs, standardised means, nugget, seed)
        for j in range(k):
            ok = np.isfinite(mean[:, j])
            n_train[j] = int(ok.sum())
            if n_train[j] < MIN_TRAIN:
                continue
            y = mean[ok, j]
            centre[j] = y.mean()
            sd = y.std()
            scale[j] = sd if sd > 0 else max(abs(centre[j]), 1.0)
            nugget = np.full(len(y), stoch_var[j] / reps / scale[j] ** 2 + 1e-8)
            jobs.append((j, x[ok], (y - centre[j]) / scale[j], nugget, int(fit_seeds[j])))
        fitted = list((fit_map or map)(_fit_one, [j[1] for j in jobs], [j[2] for j in jobs], [j[3] for j in jobs],
                                       [settings] * len(jobs), [j[4] for j in jobs]))
        gps: list[_GP | None] = [None] * k
        for job, gp in zip(jobs, fitted):
            gps[job[0]] = gp
        return cls(names, lo, hi, centre, scale, stoch_var, gps, n_train, reps)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, points: np.ndarray, targets: Sequence[int] | None = None, *, with_var: bool = True
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Emulator mean and variance of each target's mean output at `points` (m, d).

        The variance is the emulator's own (GP posterior variance plus the fitted white
        roughness), in target units; the stochastic variance is `stoch_var`, apart. The mean
        costs n operations a point and the variance n^2 (n training points), so callers that
        can decide without the variance ask for the mean alone (`with_var=False`), or only
        for some `targets` (columns of the others are nan).
        """
        x = (np.atleast_2d(np.asarray(points, float)) - self.lo) / (self.hi - self.lo)
        m, k = len(x), len(self.names)
        mu = np.full((m, k), np.nan)
        var = np.full((m, k), np.nan) if with_var else None
        batch = self._stacked() if targets is None else None
        if batch is not None:
            self._predict_stacked(batch, x, mu, var)
            return mu, var
        for j in range(k) if targets is None else targets:
            gp = self.gps[j]
            if gp is None:
                continue
            for a in range(0, m, CHUNK):
                kx = _kernel(gp, x[a:a + CHUNK])  # (chunk, n)
                mu[a:a + CHUNK, j] = self.centre[j] + self.scale[j] * (kx @ gp.alpha)
                if with_var:
                    v = gp.l_inv @ kx.T  # (n, chunk)
                    var[a:a + CHUNK, j] = self.scale[j] ** 2 * (np.maximum(gp.amp - np.sum(v * v, axis=0), 0.0)
                                                                + gp.white)
        return mu, var

    def _stacked(self) -> dict | None:
        """The targets' GPs as stacked arrays, when they share their training points.

        Then one set of array operations predicts every target, instead of one Python call
        per target: an MCMC step asks for a few dozen points, where those calls' overhead,
        not the arithmetic, took most of the time (measured: 82,000 kernel calls, two thirds
        of a toy posterior's time).
        """
        if getattr(self, "_stack", None) is None:
            gps = self.gps
            if not gps or any(g is None for g in gps) or len({g.kind for g in gps}) > 1 \
                    or any(g.x.shape != gps[0].x.shape or not np.array_equal(g.x, gps[0].x) for g in gps):
                self._stack = False
            else:
                self._stack = {"kind": gps[0].kind, "x": gps[0].x, "length": np.stack([g.length for g in gps]),
                               "alpha": np.stack([g.alpha for g in gps]), "l_inv": np.stack([g.l_inv for g in gps]),
                               "amp": np.array([g.amp for g in gps]), "white": np.array([g.white for g in gps])}
        return self._stack or None

    def _predict_stacked(self, b: dict, x: np.ndarray, mu: np.ndarray, var: np.ndarray | None) -> None:
        k, n = b["alpha"].shape
        xt = b["x"][None] / b["length"][:, None, :]  # (k, n, d)
        xt2 = np.sum(xt * xt, axis=2)[:, None, :]
        step = max(1, 250_000 // (k * n))  # blocks of a quarter million covariances stay in cache
        for a in range(0, len(x), step):
            xs = x[None, a:a + step] / b["length"][:, None, :]  # (k, m, d)
            r2 = np.maximum(np.sum(xs * xs, axis=2)[:, :, None] + xt2 - 2 * (xs @ xt.transpose(0, 2, 1)), 0.0)
            kx = b["amp"][:, None, None] * _shape(b["kind"], r2)  # (k, m, n)
            mu[a:a + step] = (self.centre[:, None] + self.scale[:, None] * (kx @ b["alpha"][:, :, None])[:, :, 0]).T
            if var is not None:
                v = b["l_inv"] @ kx.transpose(0, 2, 1)  # (k, n, m)
                latent = np.maximum(b["amp"][:, None] - np.sum(v * v, axis=1), 0.0)
                var[a:a + step] = (self.scale[:, None] ** 2 * (latent + b["white"][:, None])).T

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_stack", None)  # rebuilt on demand
        return state

    @property
    def var_bound(self) -> np.ndarray:
        """(k,) the largest emulator variance anywhere: the GP's prior variance (nan: not emulated)."""
        return np.array([np.nan if gp is None else s ** 2 * (gp.amp + gp.white)
                         for gp, s in zip(self.gps, self.scale)])

    # -- diagnostics -----------------------------------------------------------------------
    def loo_errors(self) -> np.ndarray:
        """Leave-one-out standardised errors (n_max, k), nan where a target had no such point.

        For a GP at fixed hyperparameters, leaving point i out gives mean y_i - a_i / Q_ii
        and variance 1 / Q_ii, with a = K^-1 y and Q = K^-1, so the standardised error is
        a_i / sqrt(Q_ii) (Rasmussen and Williams 2006, eq. 5.12). The variance includes
        the nugget: the left-out value is a mean over seeds, with its own noise.
        """
        n = int(self.n_train.max()) if len(self.n_train) else 0
        out = np.full((n, len(self.names)), np.nan)
        for j, gp in enumerate(self.gps):
            if gp is None:
                continue
            q_diag = np.sum(gp.l_inv ** 2, axis=0)
            out[: len(gp.alpha), j] = gp.alpha / np.sqrt(q_diag)
        return out

    def validate(self, points: np.ndarray, runs: np.ndarray) -> np.ndarray:
        """Standardised errors (m, k) of the emulator on runs it was not trained on.

        Each point's mean over its r seeds is compared with the emulator's mean, against
        the emulator variance plus the stochastic variance of an r-seed mean.
        """
        runs = np.asarray(runs, float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(runs, axis=1)
        r = np.sum(np.isfinite(runs), axis=1)
        mu, var = self.predict(points)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (mean - mu) / np.sqrt(var + self.stoch_var / np.maximum(r, 1))

    def diagnostics(self, held_out: np.ndarray | None = None) -> pd.DataFrame:
        """One row per target: training size, stochastic sd, and error summaries.

        `loo_*` come from the leave-one-out errors, `held_*` from `held_out` (errors from
        `validate`, if given). For errors that are N(0, 1), mean ~0, sd ~1, and a share
        of ~0.05 beyond 2 (~0.003 beyond 3) are expected.
        """
        loo = self.loo_errors()
        rows = []
        for j, name in enumerate(self.names):
            row = {"target": name, "train": int(self.n_train[j]), "emulated": self.gps[j] is not None,
                   "stoch_sd": float(np.sqrt(self.stoch_var[j]))}
            row.update(_summary("loo", loo[:, j]) if len(loo) else _summary("loo", np.array([])))
            if held_out is not None:
                row.update(_summary("held", held_out[:, j]))
            rows.append(row)
        return pd.DataFrame(rows)


def _summary(prefix: str, e: np.ndarray) -> dict[str, float]:
    e = e[np.isfinite(e)]
    if not len(e):
        return {f"{prefix}_n": 0, f"{prefix}_mean": np.nan, f"{prefix}_sd": np.nan, f"{prefix}_beyond2": np.nan}
    return {f"{prefix}_n": len(e), f"{prefix}_mean": float(e.mean()), f"{prefix}_sd": float(e.std()),
            f"{prefix}_beyond2": float(np.mean(np.abs(e) > 2))}


def _kernel(gp: _GP, x: np.ndarray) -> np.ndarray:
    """The fitted smooth covariance between points x and the training inputs.

    Written out rather than called through scikit-learn's kernel objects, which build
    the constant factor as a full matrix and dominate the time of a large rejection sample.
    """
    from scipy.spatial.distance import cdist

    return gp.amp * _shape(gp.kind, cdist(x / gp.length, gp.x / gp.length, "sqeuclidean"))


def _shape(kind: str, r2: np.ndarray) -> np.ndarray:
    """Correlation at squared scaled distance r2: Matern 5/2 or squared exponential."""
    if kind == "rbf":
        return np.exp(-0.5 * r2)
    r = np.sqrt(5.0 * r2)
    return (1.0 + r + r * r / 3.0) * np.exp(-r)


def _fit_one(x: np.ndarray, y: np.ndarray, nugget: np.ndarray, settings: EmulatorSettings, seed: int) -> _GP:
    """Fit the hyperparameters with scikit-learn, then keep what prediction needs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel
    from threadpoolctl import threadpool_limits

    d = x.shape[1]
    shape = (Matern(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5)
             if settings.kernel == "matern" else RBF(length_scale=np.full(d, 0.5), length_scale_bounds=(1e-2, 1e2)))
    kernel = ConstantKernel(1.0, (1e-3, 1e2)) * shape + WhiteKernel(1e-4, (1e-9, 1.0))
    # Hyperparameters from a subset, then the GP conditioned on every point: each optimiser step
    # costs n^3 (and n^2 per length scale for the gradient), so with 34 parameters a fit on 300
    # points took 8 s a target and one on 120 points about 1 s (measured); the length scales
    # barely change, while the predictions still use all the runs.
    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(len(y), settings.fit_points, replace=False)) if len(y) > settings.fit_points \
        else np.arange(len(y))
    gp = GaussianProcessRegressor(kernel, alpha=nugget[sub], normalize_y=False,
                                  n_restarts_optimizer=settings.restarts, random_state=seed)
    # one BLAS thread: the matrices are small, and on a shared machine more threads only spin
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(x[sub], y[sub])
        if len(sub) < len(y):
            gp = GaussianProcessRegressor(gp.kernel_, alpha=nugget, normalize_y=False, optimizer=None).fit(x, y)
    smooth, white = gp.kernel_.k1, gp.kernel_.k2
    # scikit-learn factorises K(X, X) + nugget, white noise included; keep its factor and weights
    l_inv = solve_triangular(gp.L_, np.eye(len(y)), lower=True)
    alpha = cho_solve((gp.L_, True), y)
    return _GP(kind=settings.kernel, length=np.atleast_1d(np.asarray(smooth.k2.length_scale, float)),
               amp=float(smooth.k1.constant_value), white=float(white.noise_level), x=x, alpha=alpha,
               l_inv=l_inv, y=y)

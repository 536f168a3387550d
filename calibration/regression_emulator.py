"""A regression emulator: every target at once, fast enough for MCMC over 34 parameters.

The Gaussian-process emulators of `emulator.py` are the better stand-in for a few targets
over a few parameters; over 133 targets and 34 parameters on a two-core machine they cost
minutes a wave to fit and far longer to evaluate at the hundreds of thousands of points an
MCMC chain visits. Andrianakis et al. (2015, PLoS Comput Biol 11:e1003968) build their
emulators on a regression in the active inputs, with the GP only for what the regression
leaves; this emulator keeps that regression and treats what it leaves as uncorrelated error,
stated honestly in the emulator variance:

    f_k(x) = phi(x)' b_k + e_k,    phi: 1, each input, its square, and the products of the
                                   inputs that matter most across targets (`interactions`)

fitted by ridge-stabilised least squares to the means over seeds, for all targets in one
solve (the basis is shared). The emulator variance at x is

    V_emu,k(x) = m_k + s_k^2 h(x),     h(x) = phi(x)' (Phi'Phi + lambda I)^-1 phi(x)

where s_k^2 is the residual variance, h(x) the leverage (how far x is from the design: the
uncertainty of the fitted coefficients there) and m_k = max(s_k^2 - stoch_k / r, s_k^2 / 10)
the misfit the basis cannot follow (residual variance less the seed noise of an r-seed mean).
The stochastic variance (one run around its mean) is pooled over the design points per
target, as in `emulator.py`, and enters the implausibility apart.

Leave-one-out errors come in closed form, e_i / (1 - h_ii); held-out errors on a later wave's
runs check the stated variance on points the emulator has not seen (`validate`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .emulator import Emulator, _summary

RIDGE = 1e-6  # relative to the basis' mean square: keeps the solve stable, too small to bias it
MISFIT_FLOOR = 0.1  # the misfit variance is never below this share of the residual variance


class RegressionEmulator:
    """Quadratic regression emulators of k targets over d parameters (module docstring)."""

    def __init__(self, names, lo, hi, pairs, coef, a_inv, resid_var, misfit, stoch_var, n_train, reps,
                 loo, leverage_max, squares=True):
        self.names = list(names)
        self.lo, self.hi = lo, hi
        self.pairs = pairs  # (p, 2) input indices whose products are in the basis
        self.coef = coef  # (basis, k)
        self.a_inv = a_inv  # (basis, basis)
        self.resid_var = resid_var  # (k,)
        self.misfit = misfit  # (k,)
        self.stoch_var = stoch_var  # (k,) variance of one run around its mean
        self.n_train = n_train
        self.reps = reps
        self._loo = loo
        self._leverage_max = leverage_max
        self.squares = squares

    # -- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, points: np.ndarray, runs: np.ndarray, names: Sequence[str], settings=None,
            interactions: int = 8) -> "RegressionEmulator":
        """Fit every target to `runs` (n points, r seeds, k targets) at `points` (n, d)."""
        points = np.asarray(points, float)
        runs = np.asarray(runs, float)
        if runs.ndim != 3 or runs.shape[0] != len(points) or runs.shape[2] != len(names):
            raise ValueError(f"runs must be (points, seeds, targets) = ({len(points)}, r, {len(names)}), "
                             f"not {runs.shape}")
        if runs.shape[1] < 2:
            raise ValueError("the emulator needs at least 2 seeds per point to estimate the stochastic variance")
        max_train = getattr(settings, "max_train", None) or len(points)
        points, runs = points[-max_train:], runs[-max_train:]
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(runs, axis=1)
            stoch_var = np.nanmean(np.nanvar(runs, axis=1, ddof=1), axis=0)
        stoch_var = np.where(np.isfinite(stoch_var), stoch_var, 0.0)
        lo, hi = points.min(axis=0), points.max(axis=0)
        hi = np.where(hi > lo, hi, lo + 1.0)
        u = (points - lo) / (hi - lo) - 0.5
        filled = np.where(np.isfinite(mean), mean, np.nanmean(mean, axis=0))  # a rare nan: the column mean
        d = u.shape[1]
        # as many terms as the design supports, at most half as many as points: products, then squares go first
        while interactions > 1 and 1 + 2 * d + interactions * (interactions - 1) // 2 > len(u) / 2:
            interactions -= 1
        squares = 1 + 2 * d <= len(u) / 2
        pairs = _top_pairs(u, filled, interactions) if squares else np.zeros((0, 2), int)
        phi = basis(u, pairs, squares)
        n, p = phi.shape
        gram = phi.T @ phi
        gram += RIDGE * np.trace(gram) / p * np.eye(p)
        a_inv = np.linalg.inv(gram)
        coef = a_inv @ (phi.T @ filled)
        fitted = phi @ coef
        h = np.einsum("ij,jk,ik->i", phi, a_inv, phi)
        dof = max(n - p, 1)
        resid = filled - fitted
        resid_var = (resid ** 2).sum(axis=0) / dof
        reps = runs.shape[1]
        misfit = np.maximum(resid_var - stoch_var / reps, MISFIT_FLOOR * resid_var)
        with np.errstate(invalid="ignore", divide="ignore"):
            loo = (resid / (1 - np.minimum(h, 0.99))[:, None]) / np.sqrt(
                misfit + resid_var * h[:, None] / (1 - np.minimum(h, 0.99))[:, None] + stoch_var / reps)
        n_train = np.isfinite(mean).sum(axis=0)
        return cls(names, lo, hi, pairs, coef, a_inv, resid_var, misfit, stoch_var, n_train, reps, loo,
                   float(h.max()), squares)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, points: np.ndarray, targets: Sequence[int] | None = None, *, with_var: bool = True
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """Mean and emulator variance of each target's mean output at `points` (m, d)."""
        u = (np.atleast_2d(np.asarray(points, float)) - self.lo) / (self.hi - self.lo) - 0.5
        phi = basis(u, self.pairs, self.squares)
        mu = phi @ self.coef
        var = None
        if with_var:
            h = np.einsum("ij,jk,ik->i", phi, self.a_inv, phi)
            var = self.misfit + self.resid_var * np.minimum(h, self.leverage_cap)[:, None]
        if targets is not None:
            other = np.setdiff1d(np.arange(len(self.names)), np.asarray(list(targets), int))
            mu[:, other] = np.nan
            if var is not None:
                var[:, other] = np.nan
        return mu, var

    @property
    def leverage_cap(self) -> float:
        """Leverage is capped at 4 times the largest on the design: beyond, the emulator is no guide anyway."""
        return 4.0 * self._leverage_max

    @property
    def var_bound(self) -> np.ndarray:
        """(k,) the largest emulator variance anywhere (the leverage is capped)."""
        return self.misfit + self.resid_var * self.leverage_cap

    # -- diagnostics -----------------------------------------------------------------------
    def loo_errors(self) -> np.ndarray:
        """Leave-one-out standardised errors (n, k): they should look like N(0, 1) draws."""
        return self._loo

    validate = Emulator.validate  # standardised errors on runs not trained on: the same rule for both kinds

    def diagnostics(self, held_out: np.ndarray | None = None) -> pd.DataFrame:
        """One row per target: training size, stochastic sd, error summaries (as `Emulator.diagnostics`)."""
        rows = []
        for j, name in enumerate(self.names):
            row = {"target": name, "train": int(self.n_train[j]), "emulated": True,
                   "stoch_sd": float(np.sqrt(self.stoch_var[j])), "misfit_sd": float(np.sqrt(self.misfit[j]))}
            row.update(_summary("loo", self._loo[:, j]))
            if held_out is not None:
                row.update(_summary("held", held_out[:, j]))
            rows.append(row)
        return pd.DataFrame(rows)


def basis(u: np.ndarray, pairs: np.ndarray, squares: bool = True) -> np.ndarray:
    """1, the inputs, their squares and the chosen products, for centred inputs u in [-0.5, 0.5]."""
    cols = [np.ones((len(u), 1)), u] + ([u ** 2 - 1.0 / 12.0] if squares else [])
    if len(pairs):
        cols.append(u[:, pairs[:, 0]] * u[:, pairs[:, 1]])
    return np.hstack(cols)


def _top_pairs(u: np.ndarray, y: np.ndarray, m: int) -> np.ndarray:
    """Products of the `m` inputs whose linear and square effects, over the standardised targets, are largest.

    An input that acts only through a product with another (no effect of its own, on average)
    is not found this way: its interaction is then part of the misfit variance.
    """
    d = u.shape[1]
    m = min(m, d)
    if m < 2:
        return np.zeros((0, 2), int)
    sd = y.std(axis=0)
    z = (y - y.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    x = np.hstack([np.ones((len(u), 1)), u, u ** 2 - 1.0 / 12.0])
    beta, *_ = np.linalg.lstsq(x, z, rcond=None)
    r2 = np.clip(1 - ((z - x @ beta) ** 2).mean(axis=0), 0, 1)  # a target of pure noise points nowhere
    weight = (beta[1:d + 1] ** 2 + beta[d + 1:] ** 2) @ r2
    top = np.sort(np.argsort(-weight)[:m])
    return np.array([(a, b) for i, a in enumerate(top) for b in top[i + 1:]], int)

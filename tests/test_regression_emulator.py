"""The regression emulator predicts what it was trained on within the uncertainty it states."""

import numpy as np

from calibration.regression_emulator import RegressionEmulator


def _toy(n, rng, noise=0.2):
    x = rng.random((n, 6)) * 4 - 2
    f = np.stack([1 + 2 * x[:, 0] - x[:, 1] ** 2 + 0.7 * x[:, 2] + 0.5 * x[:, 0] * x[:, 2],  # inside the basis
                  np.sin(x[:, 3]) + 0.3 * x[:, 4],  # not: the misfit must show in the variance
                  10 + 0 * x[:, 0]], axis=1)  # flat
    runs = f[:, None, :] + rng.normal(0, noise, (n, 3, 3))
    return x, f, runs


def test_held_out_errors_are_standard_normal_and_a_basis_target_is_near_exact():
    rng = np.random.default_rng(3)
    x, f, runs = _toy(300, rng)
    em = RegressionEmulator.fit(x, runs, ["quadratic", "sine", "flat"], interactions=5)
    x2, f2, runs2 = _toy(400, rng)
    errors = em.validate(x2, runs2)
    for j in range(2):
        e = errors[:, j]
        assert abs(e.mean()) < 0.25 and 0.7 < e.std() < 1.3, (j, e.mean(), e.std())
    mu, var = em.predict(x2)
    assert np.sqrt(np.mean((mu[:, 0] - f2[:, 0]) ** 2)) < 0.1  # the quadratic target is in the basis
    assert var[:, 1].mean() > 5 * var[:, 0].mean()  # the sine's misfit is stated, not hidden
    assert np.allclose(em.stoch_var, 0.04, rtol=0.25)
    loo = em.loo_errors()
    assert 0.7 < np.nanstd(loo[:, 1]) < 1.3


def test_the_variance_bound_holds_everywhere():
    rng = np.random.default_rng(4)
    x, _, runs = _toy(200, rng)
    em = RegressionEmulator.fit(x, runs, ["a", "b", "c"], interactions=4)
    far = rng.random((1000, 6)) * 8 - 4  # also outside the design
    _, var = em.predict(far)
    assert np.all(var <= em.var_bound + 1e-12)

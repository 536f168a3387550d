"""History matching, emulators, posterior and recovery on a toy simulator with a known answer.

The toy (`calibration/toy.py`): four parameters, eight smooth outputs with Gaussian noise
of known sd, and two outputs that measure the same quantity, so data in which they
disagree cannot be matched together.
"""

import numpy as np
import pytest

from calibration import toy
from calibration.band_reach import band_reach
from calibration.design import latin_hypercube, sample_region, to_unit
from calibration.emulator import Emulator
from calibration.history_matching import (
    Cut,
    HMSettings,
    Observations,
    default_rank,
    history_match,
    implausibility,
    load,
    nth_max,
)
from calibration.likelihood import TargetVariances
from calibration.posterior import PosteriorSettings, predictive_check, sample_posterior
from calibration.recovery import recovery_study
from calibration.runs import serial_simulator

QUIET = dict(progress=lambda *_: None)
SETTINGS = HMSettings(first_wave=40, max_waves=3, seed=3)


@pytest.fixture(scope="module")
def conflicting():
    """Data made at the toy's truth, with `level_again` moved 0.6 (about 10 sd) from it."""
    obs = toy.observations(conflict=toy.CONFLICT)
    return obs, history_match(toy.simulator, toy.SPACE, obs, SETTINGS, **QUIET)


@pytest.fixture(scope="module")
def consistent():
    obs = toy.observations(seed=2)
    return obs, history_match(toy.simulator, toy.SPACE, obs, SETTINGS, **QUIET)


def test_implausibility_by_hand():
    obs = Observations(("a", "b", "c"), np.array([0.5, 2.0, 0.0]), np.array([0.04, 0.01, 0.25]),
                       np.array([0.05, 0.0, 0.0]))
    mean = np.array([[1.0, 2.3, -2.0], [0.5, 1.0, 0.0]])
    var_emu = np.array([[0.01, 0.0, 0.0], [0.01, 0.06, 0.0]])
    var_stoch = np.array([0.0, 0.03, 0.0])
    imp = implausibility(mean, var_emu, var_stoch, obs)
    # |1.0 - 0.5| / sqrt(0.04 + 0.05 + 0 + 0.01) = 0.5 / sqrt(0.1); |2.3 - 2| / sqrt(0.01 + 0.03) = 1.5;
    # |-2 - 0| / 0.5 = 4; second point: 0, |1 - 2| / sqrt(0.1), 0
    np.testing.assert_allclose(imp, [[0.5 / np.sqrt(0.1), 1.5, 4.0], [0.0, 1 / np.sqrt(0.1), 0.0]])
    np.testing.assert_allclose(nth_max(imp, 1), [4.0, 1 / np.sqrt(0.1)])
    np.testing.assert_allclose(nth_max(imp, 2), [0.5 / np.sqrt(0.1), 0.0])
    np.testing.assert_allclose(nth_max(np.array([[np.nan, 5.0, 1.0]]), 2), [1.0])  # not emulated counts 0


def test_default_rank_allows_for_chance_misses():
    # P(|N(0,1)| > 3) = 0.0027: 8 targets miss one at a time 2% of the time, 133 targets two 5% of the time
    assert default_rank(1) == 1
    assert default_rank(8) == 2
    assert default_rank(133) == 3


def test_latin_hypercube_fills_every_slice_and_is_seeded():
    pts = latin_hypercube(toy.SPACE, 40, 7)
    unit = to_unit(pts, toy.SPACE)
    for j in range(len(toy.SPACE)):
        assert sorted(np.floor(unit[:, j] * 40).astype(int)) == list(range(40))
    np.testing.assert_array_equal(pts, latin_hypercube(toy.SPACE, 40, 7))
    assert not np.array_equal(pts, latin_hypercube(toy.SPACE, 40, 8))


def test_region_sampler_falls_back_to_walks_and_stays_uniform():
    # a ball of radius 0.1 in the unit cube: 0.0042 of it, too small to fill by 2,000 rejection draws
    centre = np.full(4, 0.5)

    def inside(points):
        return np.sum((to_unit(points, toy.SPACE) - centre) ** 2, axis=1) < 0.01

    known = np.array([[p.low for p in toy.SPACE], [p.low + 0.5 * p.width for p in toy.SPACE]])  # outside, inside
    got = sample_region(toy.SPACE, inside, 1000, 1, known=known, batch=1000, max_candidates=2000, walk_steps=40)
    assert got.tested == 2000 and got.walked > 900 and len(got.points) == 1000
    assert inside(got.points).all()
    # uniform in a 4-ball: the squared radius / 0.01 is Beta(2, 1), mean 2/3
    r2 = np.sum((to_unit(got.points, toy.SPACE) - centre) ** 2, axis=1) / 0.01
    assert abs(r2.mean() - 2 / 3) < 0.05


def test_emulator_predicts_a_smooth_function_within_its_uncertainty():
    pts = latin_hypercube(toy.SPACE, 60, 1)
    em = Emulator.fit(pts, toy.simulator(pts, [1, 2]), toy.NAMES)
    assert np.allclose(np.sqrt(em.stoch_var), toy.NOISE_SD, rtol=0.25)  # pooled over 60 points x 2 seeds
    loo = em.loo_errors()
    assert abs(np.nanmean(loo)) < 0.2 and 0.7 < np.nanstd(loo) < 1.3 and np.mean(np.abs(loo) > 2) < 0.1
    # on new points, against the toy's true mean: errors within the stated emulator sd
    new = latin_hypercube(toy.SPACE, 300, 2)
    mean, var = em.predict(new)
    z = (mean - toy.mean_outputs(new)) / np.sqrt(var)
    assert np.mean(np.abs(z) < 2) > 0.9 and np.mean(np.abs(z) < 3) > 0.98
    # informative: the emulator error is well below the outputs' spread
    assert np.sqrt(np.median(var)) < 0.2 * toy.mean_outputs(new).std(axis=0).min()
    # the per-target path and the stacked one agree
    np.testing.assert_allclose(em.predict(new, targets=range(len(toy.NAMES)))[0], mean, atol=1e-9)
    held = em.validate(new, toy.simulator(new, [5, 6]))
    assert 0.7 < np.std(held) < 1.3


def test_target_without_finite_runs_is_not_emulated():
    pts = latin_hypercube(toy.SPACE, 20, 4)
    runs = toy.simulator(pts, [1, 2])
    runs[:, :, 3] = np.nan  # e.g. a target outside the simulated window
    em = Emulator.fit(pts, runs, toy.NAMES)
    mean, var = em.predict(pts[:3])
    assert np.isnan(mean[:, 3]).all() and np.isfinite(np.delete(mean, 3, axis=1)).all()
    assert not em.diagnostics().emulated[3] and em.diagnostics().emulated.sum() == 7
    corner = np.array([[p.low for p in toy.SPACE]])
    keep = Cut(em, 3.0, 2).keeps(np.concatenate([toy.TRUTH[None], corner]), toy.observations())
    assert keep.tolist() == [True, False]  # the missing target constrains nothing, the others still do


def test_region_contains_the_truth_and_shrinks_over_waves(conflicting):
    _, hm = conflicting
    fractions = [w.fraction for w in hm.waves]
    assert len(hm.waves) >= 2
    assert all(b <= a for a, b in zip(fractions, fractions[1:]))
    assert fractions[-1] < 0.02  # the data pin the toy's four parameters down
    assert hm.region.contains(toy.TRUTH[None])[0]
    assert hm.stopped.startswith(("converged", "waves"))
    assert (hm.summary().held_sd_median.iloc[1:] < 1.4).all()  # held-out errors of each wave's emulators


def test_unreachable_target_is_named(conflicting):
    _, hm = conflicting
    status = dict(zip(hm.reach.target, hm.reach.status))
    assert status["level_again"] == "not reached in the region"
    assert all(s == "reached" for t, s in status.items() if t != "level_again")
    pairs = {frozenset((a, b)) for a, b in zip(hm.conflicts.target_a, hm.conflicts.target_b)}
    assert frozenset(("level", "level_again")) in pairs
    assert all("level_again" in p for p in pairs)


def test_without_the_conflict_every_target_is_reached(consistent):
    _, hm = consistent
    assert (hm.reach.status == "reached").all() and hm.conflicts.empty
    assert hm.region.contains(toy.TRUTH[None])[0]


def test_posterior_covers_the_truth(consistent):
    obs, hm = consistent
    post = sample_posterior(hm, PosteriorSettings(steps=1000, walkers=24, seed=4))
    diag = post.diagnostics()
    assert 0.2 < diag["acceptance"] < 0.7 and diag["steps_per_tau"] > 10
    lo, hi = post.interval(0.9)
    assert ((toy.TRUTH >= lo) & (toy.TRUTH <= hi)).all()
    widths = (hi - lo) / np.array([p.width for p in toy.SPACE])
    assert (widths < 0.5).all()  # informative, not the prior
    assert hm.region.contains(post.draws).all()
    check = predictive_check(post, obs, simulator=toy.simulator, n=100)
    assert check.inside.mean() >= 0.75
    short = PosteriorSettings(steps=100, walkers=24, seed=4)
    np.testing.assert_array_equal(sample_posterior(hm, short).draws, sample_posterior(hm, short).draws)
    # earlier waves' cuts checked leniently: the same posterior, up to Monte Carlo error
    lenient = sample_posterior(hm, PosteriorSettings(steps=500, walkers=24, seed=5, region="lenient"))
    lo50, hi50 = post.interval(0.5)
    med = np.median(lenient.draws, axis=0)
    assert ((med >= lo50) & (med <= hi50)).all()


def test_same_seed_same_waves_and_resume_continues(tmp_path):
    obs = toy.observations(seed=5)
    small = HMSettings(first_wave=30, max_waves=2, seed=11, pool=500, min_shrinkage=0.0)
    whole = history_match(toy.simulator, toy.SPACE, obs, small, **QUIET)
    first = history_match(toy.simulator, toy.SPACE, obs, HMSettings(**{**small.__dict__, "max_waves": 1}), **QUIET)
    first.save(tmp_path / "hm")
    assert (tmp_path / "hm" / "wave1_runs.csv").exists() and (tmp_path / "hm" / "reach.csv").exists()
    resumed = history_match(toy.simulator, toy.SPACE, obs, small, resume=load(tmp_path / "hm"), **QUIET)
    assert [w.fraction for w in resumed.waves] == [w.fraction for w in whole.waves]
    np.testing.assert_array_equal(resumed.sample, whole.sample)
    with pytest.raises(ValueError, match="differs in cut"):
        history_match(toy.simulator, toy.SPACE, obs, HMSettings(**{**small.__dict__, "cut": 2.5}),
                      resume=load(tmp_path / "hm"), **QUIET)


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")  # a dashboard nobody opens
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # fits in worker threads
def test_dask_simulator_same_output_on_one_or_two_workers():
    from dask.distributed import Client, LocalCluster

    from calibration.runs import dask_simulator

    pts = latin_hypercube(toy.SPACE, 20, 3)
    expected = serial_simulator(toy.run)(pts, [1, 2, 3])
    np.testing.assert_array_equal(expected, toy.simulator(pts, [1, 2, 3]))
    serial_fit = Emulator.fit(pts, expected, toy.NAMES).predict(pts[:5])
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            got = dask_simulator(client, toy.run)(pts, [1, 2, 3])
            em = Emulator.fit(pts, got, toy.NAMES, fit_map=lambda f, *a: client.gather(client.map(f, *a)))
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(em.predict(pts[:5])[0], serial_fit[0])


def _recovery(datasets: int, steps: int = 1000):
    return recovery_study(toy.simulator, toy.SPACE, toy.NAMES, np.full(len(toy.NAMES), toy.OBS_SD),
                          datasets=datasets, hm_settings=HMSettings(first_wave=40, max_waves=2, seed=5),
                          post_settings=PosteriorSettings(steps=steps, walkers=24), predictive_draws=60, seed=3,
                          progress=lambda *_: None)


def test_recovery_quick():
    rec = _recovery(3, steps=600)
    cover = rec.coverage().set_index("parameter")
    assert rec.runs.truth_in_region.all()
    assert cover.loc["all", "cover90"] >= 0.75  # 12 intervals; a 90% interval misses ~1
    assert 0.15 <= cover.loc["all", "cover50"] <= 0.85
    assert rec.predictive.mean() >= 0.7


@pytest.mark.slow
def test_recovery_coverage_on_20_data_sets():
    rec = _recovery(20)
    cover = rec.coverage().set_index("parameter")
    print(rec.coverage().to_string(), "\npredictive", rec.predictive.mean())
    # 80 intervals each: binomial sd 0.056 at 50%, 0.034 at 90%; allow about 2.5 sd
    assert 0.36 <= cover.loc["all", "cover50"] <= 0.64
    assert 0.81 <= cover.loc["all", "cover90"] <= 0.98
    assert 0.8 <= rec.predictive.mean() <= 1.0


def test_series_likelihood_is_the_multivariate_normal_density():
    """Within a series the persistent errors are correlated: the rank-one shortcut is exact."""
    from scipy.stats import multivariate_normal

    from calibration.posterior import _log_likelihood

    rng = np.random.default_rng(3)
    k = 5
    series = np.array([0, 0, 0, 1, 2])  # a three-year series and two single targets
    obs = Observations(tuple("abcde"), rng.normal(size=k), rng.uniform(0.1, 0.5, k), rng.uniform(0.1, 0.5, k), series)
    mean, var, stoch = rng.normal(size=(4, k)), rng.uniform(0.05, 0.3, (4, k)), rng.uniform(0.01, 0.1, k)
    rho = 0.6
    got = _log_likelihood(mean, var, stoch, obs, rho)
    for i in range(4):
        shared = var[i] + obs.var_disc
        cov = np.diag(obs.var_obs + stoch + var[i] + obs.var_disc)
        for g in np.unique(series):
            c = np.flatnonzero(series == g)
            for a in c:
                for b in c:
                    if a != b:
                        cov[a, b] = rho * np.sqrt(shared[a] * shared[b])
        assert got[i] == pytest.approx(multivariate_normal(mean[i], cov).logpdf(obs.value), rel=1e-9)
    # without series, or with rho 0, the targets are independent
    assert _log_likelihood(mean, var, stoch, obs, 0.0) == pytest.approx(
        _log_likelihood(mean, var, stoch, Observations(obs.names, obs.value, obs.var_obs, obs.var_disc), 0.6))


def test_series_correlation_is_measured_from_the_errors():
    from calibration.posterior import series_correlation

    rng = np.random.default_rng(4)
    common = rng.normal(size=(2000, 1))
    errors = np.hstack([np.sqrt(0.7) * common + np.sqrt(0.3) * rng.normal(size=(2000, 4)), rng.normal(size=(2000, 2))])
    assert series_correlation(errors, np.array([0, 0, 0, 0, 1, 2])) == pytest.approx(0.7, abs=0.05)
    assert series_correlation(errors, None) == 0.0
    assert series_correlation(-errors[:, :2] * [1, -1], np.array([0, 0])) == 0.0  # a negative mean is clipped


def _toy_bands(obs, half_width=0.2):
    """Bands of +-0.2 around the toy's data: 4 noise sd, but a gap of 0.2 between the conflicting two."""
    k = len(obs.names)
    return TargetVariances(obs.names, ("share",) * k, obs.value, obs.var_obs, obs.var_disc,
                           obs.value - half_width, obs.value + half_width, np.zeros(k))


def test_band_reach_finds_the_ceiling_the_conflict_sets(conflicting, consistent):
    obs, hm = conflicting
    reach = band_reach(hm, _toy_bands(obs), pairs=[("level", "level", "level_again")])
    region = reach.ceiling.set_index("where").loc["region"]
    # level and level_again are observed 0.6 apart, bands of +-0.2: no point holds both, so 7 of 8 at most
    assert region.most_inside == 7 and region["of"] == 8
    assert reach.pairs.together.iloc[0] == 0.0
    assert reach.ceiling.set_index("where").loc["runs"].most_inside <= 7
    obs, hm = consistent
    reach = band_reach(hm, _toy_bands(obs), pairs=[("level", "level", "level_again")])
    assert reach.ceiling.set_index("where").loc["region"].most_inside == 8
    assert reach.pairs.together.iloc[0] > 0.5
    assert set(reach.targets.columns) >= {"inside_space", "inside_region", "inside_runs"}


def test_observations_refuse_a_negative_variance():
    with pytest.raises(ValueError, match="at least 0"):
        Observations(("a",), np.array([1.0]), np.array([-0.1]), np.array([0.0]))

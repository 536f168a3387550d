"""History matching in waves: rule out the parameter values that cannot give the data.

The method of Vernon et al. (2010, Bayesian Analysis 5:619-670) as Andrianakis et al.
(2015, PLoS Comput Biol 11:e1003968) apply it to an individual-based model. Rather than
search for the best point, each wave removes the points that are implausible: for target
k at point x,

    I_k(x) = |E[f_k(x)] - z_k| / sqrt(V_obs,k + V_disc,k + V_stoch,k + V_emu,k(x))

where E[f_k(x)] and V_emu,k(x) are the emulator's mean and variance (`emulator.py`),
z_k the observed value, V_obs its measurement variance, V_disc the model discrepancy
(what the model cannot represent even at its best values), V_stoch the variance of one
run around its mean. A point is kept when the `rank`-th largest of its implausibilities
is at most `cut` (3 by Pukelsheim's three-sigma rule: any unimodal error exceeds 3 sd
with probability under 5%). The second or third largest rather than the largest leaves
room for one or two targets to miss by chance, or because the model cannot reach them;
those targets are then found and reported by name instead of silently emptying the space.

A wave: a design inside the current region (`design.py`), the model at each point with
several seeds, emulators trained inside the region, a new cut. The region is the
intersection of every wave's cut (a late emulator is trained inside the region only and
says nothing reliable outside it). Waves go on until the region shrinks by less than
`min_shrinkage` in a wave, or the wave or time budget is spent.
"""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .design import latin_hypercube, maximin_subset, sample_region
from .emulator import Emulator, EmulatorSettings
from .regression_emulator import RegressionEmulator
from .space import Prior

Simulator = Callable[[np.ndarray, list[int]], np.ndarray]  # (n, d) points, seeds -> (n, len(seeds), k)


@dataclass(frozen=True)
class Observations:
    """What is matched: each target's observed value and the variances that are not the model's."""

    names: tuple[str, ...]
    value: np.ndarray
    var_obs: np.ndarray
    var_disc: np.ndarray
    # The series each target belongs to (the years of one World Bank series share a number);
    # None: every target is a series of its own. The posterior lets the errors that persist
    # from year to year (discrepancy, emulator misfit) move together within a series.
    series: np.ndarray | None = None

    def __post_init__(self):
        k = len(self.names)
        for what in ("value", "var_obs", "var_disc"):
            a = np.asarray(getattr(self, what), float)
            if a.shape != (k,):
                raise ValueError(f"Observations.{what} must hold {k} values (one per target), not {a.shape}")
            object.__setattr__(self, what, a)
        if self.series is not None:
            series = np.asarray(self.series, np.int64)
            if series.shape != (k,):
                raise ValueError(f"Observations.series must hold {k} values (one per target), not {series.shape}")
            object.__setattr__(self, "series", series)
        if np.any(self.var_obs < 0) or np.any(self.var_disc < 0):
            raise ValueError("Observations: variances must be at least 0")

    def with_values(self, value: np.ndarray) -> "Observations":
        """The same targets, variances and series with other observed values (synthetic data)."""
        return Observations(self.names, value, self.var_obs, self.var_disc, self.series)

    @classmethod
    def from_targets(cls, targets: pd.DataFrame, discrepancy_sd: dict[str, float] | None = None) -> Observations:
        """The fitted targets with the sds of the calibration distance (`fit.TargetDistance`).

        A survey share's sd there already adds the non-sampling error that the two survey
        rounds' disagreement implies; `discrepancy_sd` (target id -> sd, in the target's
        units) states the model discrepancy of targets the model is known not to represent.
        """
        from .fit import TargetDistance

        dist = TargetDistance(targets)
        disc = discrepancy_sd or {}
        unknown = sorted(set(disc) - set(dist.ids))
        if unknown:
            raise ValueError(f"discrepancy given for targets that are not fitted: {', '.join(unknown)}")
        return cls(tuple(dist.ids), dist.obs, dist.sd ** 2, np.array([disc.get(i, 0.0) ** 2 for i in dist.ids]))


def implausibility(mean: np.ndarray, var_emu: np.ndarray, var_stoch: np.ndarray, obs: Observations) -> np.ndarray:
    """I_k(x) for every point (rows) and target (columns); nan where a target is not emulated."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(mean - obs.value) / np.sqrt(obs.var_obs + obs.var_disc + var_stoch + var_emu)


def nth_max(imp: np.ndarray, rank: int) -> np.ndarray:
    """The rank-th largest implausibility of each row (1 = the largest); a nan counts as 0."""
    imp = np.nan_to_num(np.atleast_2d(imp), nan=0.0)
    rank = min(rank, imp.shape[1])
    return -np.partition(-imp, rank - 1, axis=1)[:, rank - 1]


def default_rank(k: int, cut: float = 3.0, level: float = 0.01) -> int:
    """The smallest m such that m or more of k targets exceed `cut` at the true point with probability < `level`.

    With Gaussian errors each target exceeds 3 sd with probability 0.0027; the count of
    exceedances is then about Poisson(0.0027 k). With 8 targets one exceedance happens 2%
    of the time, two almost never: cut on the second largest. With 133 targets two happen
    5% of the time, three 0.6%: cut on the third largest. Vernon et al. (2010) and
    Andrianakis et al. (2015) cut on the second and third largest for the same reason.
    """
    lam = k * math.erfc(cut / math.sqrt(2))
    m, tail = 1, 1 - math.exp(-lam)  # P(N >= 1)
    term = math.exp(-lam)
    while tail >= level and m < k:
        term *= lam / m  # P(N = m)
        tail -= term
        m += 1
    return m


@dataclass
class Cut:
    """One wave's constraint: its emulators, the cut-off and which maximum it applies to."""

    emulator: Emulator
    cut: float
    rank: int

    def implausibility(self, points: np.ndarray, obs: Observations) -> np.ndarray:
        mean, var = self.emulator.predict(points)
        return implausibility(mean, var, self.emulator.stoch_var, obs)

    def keeps_lenient(self, points: np.ndarray, obs: Observations) -> np.ndarray:
        """The cut with every emulator variance at its largest: keeps all that `keeps` keeps, and a little more."""
        em = self.emulator
        mean, _ = em.predict(np.atleast_2d(points), with_var=False)
        return nth_max(implausibility(mean, em.var_bound, em.stoch_var, obs), self.rank) <= self.cut

    def keeps(self, points: np.ndarray, obs: Observations) -> np.ndarray:
        """Which points this cut keeps.

        The emulator's variance is never above its prior variance, so a target whose
        implausibility exceeds the cut even with that largest variance surely exceeds it; a
        point with `rank` such targets is ruled out from the means alone, and the costly
        variances are computed only for the rest (most candidates, in late waves).
        """
        points = np.atleast_2d(points)
        if len(points) < 1000:  # a small batch (an MCMC step): one full pass costs less than two
            return nth_max(self.implausibility(points, obs), self.rank) <= self.cut
        keep = self.keeps_lenient(points, obs)
        idx = np.flatnonzero(keep)
        if len(idx):
            keep[idx] = nth_max(self.implausibility(points[idx], obs), self.rank) <= self.cut
        return keep


@dataclass
class Region:
    """The non-implausible region: inside the prior box and kept by every wave's cut."""

    space: tuple[Prior, ...]
    obs: Observations
    cuts: list[Cut] = field(default_factory=list)

    def contains(self, points: np.ndarray, waves: int | None = None) -> np.ndarray:
        """Which points are inside (after the first `waves` waves; None: all of them).

        Each wave's emulators see only the points the earlier waves kept.
        """
        points = np.atleast_2d(np.asarray(points, float))
        low = np.array([p.low for p in self.space])
        high = np.array([p.high for p in self.space])
        inside = np.all((points >= low) & (points <= high), axis=1)
        for cut in self.cuts[:waves]:
            idx = np.flatnonzero(inside)
            if not len(idx):
                break
            inside[idx] = cut.keeps(points[idx], self.obs)
        return inside


@dataclass(frozen=True)
class HMSettings:
    first_wave: int | None = None  # runs in the first wave; None: 10 per parameter
    wave_runs: int | None = None  # runs in each later wave; None: as the first
    reps: int = 2  # seeds per point (at least 2: the stochastic variance comes from them)
    cut: float = 3.0
    rank: int | None = None  # which maximum is cut; None: `default_rank` for the number of targets
    max_waves: int = 5
    min_shrinkage: float = 0.15  # stop once a wave removes less than this share of the region
    max_minutes: float | None = None  # no new wave starts after this
    pool: int = 2000  # size of the region sample (design candidates, volume estimate)
    max_candidates: int = 50_000  # rejection candidates per wave before random-walk sampling
    seed: int = 20260101
    emulator: EmulatorSettings = EmulatorSettings()


@dataclass
class Wave:
    number: int
    design: np.ndarray  # (n, d) parameter units
    seeds: list[int]
    runs: np.ndarray  # (n, r, k)
    emulator: Emulator
    diagnostics: pd.DataFrame  # per target: leave-one-out, and held-out errors of the previous wave's emulators
    train: int  # points the emulators were trained on
    kept: float  # share of the previous region kept by this wave's cut
    fraction: float  # estimated share of the prior box still non-implausible
    sample_walked: int  # points of the next region sample added by random walks (0: all by rejection)
    seconds: float


@dataclass
class HistoryMatch:
    space: tuple[Prior, ...]
    obs: Observations
    settings: HMSettings
    rank: int
    waves: list[Wave]
    region: Region
    sample: np.ndarray  # a sample of the final region, about uniform
    prior_sample: np.ndarray  # a Latin hypercube over the prior box (the first wave's reach report)
    stopped: str = ""
    reach: pd.DataFrame | None = None
    conflicts: pd.DataFrame | None = None

    @property
    def fraction(self) -> float:
        return self.waves[-1].fraction if self.waves else 1.0

    def summary(self) -> pd.DataFrame:
        """One row per wave: runs, training points, share kept, volume, emulator errors, time."""
        rows = []
        for w in self.waves:
            dg = w.diagnostics
            rows.append({"wave": w.number, "runs": len(w.design), "seeds": len(w.seeds), "train": w.train,
                         "kept": w.kept, "shrinkage": 1 - w.kept, "fraction": w.fraction,
                         "loo_sd_median": float(dg.loo_sd.median()),
                         "loo_beyond2": float(np.nanmean(dg.loo_beyond2)),
                         "held_sd_median": float(dg.held_sd.median()) if "held_sd" in dg else np.nan,
                         "sample_walked": w.sample_walked, "seconds": round(w.seconds, 2)})
        return pd.DataFrame(rows)

    def save(self, folder: Path) -> Path:
        """Write every wave's design, runs and emulator diagnostics, the reach report and the state.

        Only these files are written (an existing file of the same name is replaced); the
        pickled state (`history_matching.pkl`) lets a later call resume or sample the posterior.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        keys = [p.key for p in self.space]
        self.summary().to_csv(folder / "waves.csv", index=False, float_format="%.6g")
        for w in self.waves:
            pd.DataFrame(w.design, columns=keys).to_csv(folder / f"wave{w.number}_design.csv", index=False)
            n, r, _ = w.runs.shape
            runs = pd.DataFrame(w.runs.reshape(n * r, -1), columns=list(self.obs.names))
            runs.insert(0, "seed", np.tile(w.seeds, n))
            runs.insert(0, "point", np.repeat(np.arange(n), r))
            runs.to_csv(folder / f"wave{w.number}_runs.csv", index=False, float_format="%.8g")
            w.diagnostics.to_csv(folder / f"wave{w.number}_emulator.csv", index=False, float_format="%.4g")
        pd.DataFrame(self.sample, columns=keys).to_csv(folder / "region_sample.csv", index=False)
        if self.reach is not None:
            self.reach.to_csv(folder / "reach.csv", index=False, float_format="%.4g")
            self.conflicts.to_csv(folder / "conflicts.csv", index=False)
        with open(folder / "history_matching.pkl", "wb") as fh:
            pickle.dump(self, fh)
        return folder


def load(folder: Path) -> HistoryMatch:
    """Read back a history match written by `HistoryMatch.save`."""
    with open(Path(folder) / "history_matching.pkl", "rb") as fh:
        return pickle.load(fh)


def run_seeds(seed: int, wave: int, reps: int) -> list[int]:
    """The seeds of a wave's runs: fixed by the settings' seed and the wave's number."""
    return [int(s) for s in np.random.SeedSequence([seed % 2**32, wave, 1]).generate_state(reps) % 2**31]


def _rng(seed: int, wave: int, purpose: int) -> np.random.Generator:
    return np.random.default_rng([seed % 2**32, wave, purpose])


def history_match(simulator: Simulator, space: Sequence[Prior], obs: Observations,
                  settings: HMSettings = HMSettings(), *, resume: HistoryMatch | None = None,
                  on_wave: Callable[[HistoryMatch], None] | None = None, fit_map=None,
                  progress=print) -> HistoryMatch:
    """Run waves until the region stops shrinking, the waves or the time run out, or nothing is left.

    `simulator(points, seeds)` returns (n, len(seeds), k) outputs in the order of
    `obs.names` (see `runs.dask_simulator` for one that runs on Dask). Every draw is seeded by
    `settings.seed` and the wave's number, so the same settings give the same waves, and a
    history match resumed from its saved state (`resume`) continues as if never stopped.
    `on_wave` is called after each wave (e.g. to save it); `fit_map` spreads the emulators'
    fits (see `Emulator.fit`), e.g. over the same Dask workers as the runs.
    """
    space = tuple(space)
    d, k = len(space), len(obs.names)
    if settings.reps < 2:
        raise ValueError("history matching needs at least 2 seeds per point (reps) for the stochastic variance")
    rank = settings.rank or default_rank(k, settings.cut)
    if resume is not None:
        budgets = ("max_waves", "max_minutes")  # a resumed history match may be given more of these
        differ = [f for f in asdict(settings)
                  if f not in budgets and getattr(settings, f) != getattr(resume.settings, f)]
        if [p.key for p in resume.space] != [p.key for p in space]:
            differ.append("space")
        if resume.obs.names != obs.names or not all(np.array_equal(getattr(resume.obs, a), getattr(obs, a))
                                                     for a in ("value", "var_obs", "var_disc")):
            differ.append("targets")
        if differ:
            raise ValueError(f"cannot resume: the saved history match differs in {', '.join(differ)}")
        hm = resume
        hm.settings, hm.stopped = settings, ""
    else:
        prior_sample = latin_hypercube(space, settings.pool, _rng(settings.seed, 0, 0))
        hm = HistoryMatch(space, obs, settings, rank, [], Region(space, obs), prior_sample, prior_sample)
    started = time.perf_counter()
    n_first = settings.first_wave or 10 * d
    n_later = settings.wave_runs or n_first
    while len(hm.waves) < settings.max_waves and not _finished(hm):
        if settings.max_minutes is not None and (time.perf_counter() - started) / 60 > settings.max_minutes:
            hm.stopped = f"time: {settings.max_minutes} minutes spent"
            break
        _wave(hm, simulator, n_first if not hm.waves else n_later, fit_map, progress)
        if on_wave is not None:
            on_wave(hm)
    if not hm.stopped:
        hm.stopped = _finished(hm) or f"waves: {settings.max_waves} done"
    hm.reach, hm.conflicts = reach_report(hm)
    unreachable = hm.reach[hm.reach.status != "reached"]
    for row in unreachable.itertuples():
        progress(f"  {row.target}: {row.status} (least implausibility {row.min_space:.1f} in the space, "
                 f"{row.min_region:.1f} in the region)")
    for row in hm.conflicts.head(10).itertuples():
        progress(f"  {row.target_a} and {row.target_b}: never matched together in the {row.where} "
                 f"({row.reached_a} and {row.reached_b} points match each)")
    return hm


def _finished(hm: HistoryMatch) -> str:
    if not hm.waves:
        return ""
    last = hm.waves[-1]
    if last.fraction == 0 or not len(hm.sample):
        return "empty: no point of the space is non-implausible"
    if last.number > 1 and 1 - last.kept < hm.settings.min_shrinkage:
        return f"converged: wave {last.number} removed {1 - last.kept:.0%} of the region"
    return ""


def _wave(hm: HistoryMatch, simulator: Simulator, n: int, fit_map, progress) -> None:
    s = hm.settings
    w = len(hm.waves) + 1
    t0 = time.perf_counter()
    if w == 1:
        design = latin_hypercube(hm.space, n, _rng(s.seed, w, 1))
    else:
        design = hm.sample[maximin_subset(hm.sample, n, hm.space, _rng(s.seed, w, 1))]
    seeds = run_seeds(s.seed, w, s.reps)
    runs = np.asarray(simulator(design, seeds), float)
    if runs.shape != (len(design), len(seeds), len(hm.obs.names)):
        raise ValueError(f"the simulator returned shape {runs.shape}; expected "
                         f"({len(design)}, {len(seeds)}, {len(hm.obs.names)}) (points, seeds, targets)")
    held = hm.waves[-1].emulator.validate(design, runs) if hm.waves else None
    # train on this wave and on earlier runs inside the current region (where the new emulators must hold)
    xs, ys = [design], [runs]
    for old in reversed(hm.waves):
        if sum(len(x) for x in xs) >= s.emulator.max_train:
            break
        inside = hm.region.contains(old.design)
        if inside.any() and old.runs.shape[1] == runs.shape[1]:
            xs.append(old.design[inside])
            ys.append(old.runs[inside])
    x_train = np.concatenate(xs[::-1])[-s.emulator.max_train:]
    y_train = np.concatenate(ys[::-1])[-s.emulator.max_train:]
    if s.emulator.method == "regression":
        emulator = RegressionEmulator.fit(x_train, y_train, hm.obs.names, s.emulator)
    else:
        emulator = Emulator.fit(x_train, y_train, hm.obs.names, replace(s.emulator, seed=s.emulator.seed + w), fit_map)
    cut = Cut(emulator, s.cut, hm.rank)
    kept_mask = cut.keeps(hm.sample, hm.obs) if len(hm.sample) else np.zeros(0, bool)
    kept = float(kept_mask.mean()) if len(kept_mask) else 0.0
    fraction = hm.fraction * kept
    hm.region.cuts.append(cut)
    # the kept part of a uniform sample of the old region is a uniform sample of the new one; top it up
    sample = hm.sample[kept_mask]
    walked = 0
    if len(sample) < s.pool:
        need = s.pool - len(sample)
        budget = int(min(s.max_candidates, 3 * need / max(fraction, 1e-12)))
        # none of the sample kept: the region may still exist, smaller than one point in the sample;
        # rejection gets the whole budget, and walks start from any run of the waves inside it
        known = sample if len(sample) else np.concatenate([x.design for x in hm.waves] + [design])
        more = sample_region(hm.space, hm.region.contains, need, _rng(s.seed, w, 2), known=known,
                             batch=min(20_000, max(budget, 1)), max_candidates=budget)
        walked = more.walked
        sample = np.concatenate([sample, more.points])
        if w == 1:  # the first sample and the rejection candidates both come from the whole box: pool them
            fraction = (int(kept_mask.sum()) + more.accepted) / (len(kept_mask) + more.tested)
        elif not kept_mask.any() and more.tested:
            fraction = more.accepted / more.tested
        if fraction == 0 and len(sample):  # found by walks only: below one in all the points tried
            fraction = 0.5 / (len(kept_mask) + more.tested)
        kept = min(1.0, fraction / hm.fraction) if hm.fraction > 0 else 0.0
    hm.sample = sample
    dg = emulator.diagnostics(held)
    hm.waves.append(Wave(w, design, seeds, runs, emulator, dg, len(x_train), kept, fraction, walked,
                         time.perf_counter() - t0))
    progress(f"  wave {w}: {len(design)} points x {len(seeds)} seeds, emulators on {len(x_train)} points "
             f"(leave-one-out sd {dg.loo_sd.median():.2f}), kept {kept:.0%} of the region, "
             f"non-implausible share of the space {fraction:.3g}")


def reach_report(hm: HistoryMatch) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Which targets no point can reach, and which pairs no point reaches together.

    Judged twice: over the whole prior box with the first wave's emulators (trained there;
    their larger variance makes them lenient, so "unreachable" is a safe statement), and
    over the final region's sample with the last wave's emulators. A target is
    `unreachable in the space` when its least implausibility over the box exceeds the cut,
    `not reached in the region` when it does so over the region. A pair conflicts when each
    target is matched somewhere but no point matches both: a finding about the model or the
    data (Vernon et al. 2010, section 7), named so that it can be modelled as discrepancy.
    """
    names = list(hm.obs.names)
    cut = hm.settings.cut
    empty = pd.DataFrame(columns=["target_a", "target_b", "where", "reached_a", "reached_b", "together"])
    if not hm.waves:
        return pd.DataFrame({"target": names}), empty
    parts = {"space": hm.waves[0].emulator, "region": hm.waves[-1].emulator}
    samples = {"space": hm.prior_sample, "region": hm.sample}
    reach = pd.DataFrame({"target": names})
    conflicts = []
    for where, em in parts.items():
        pts = samples[where]
        if not len(pts):
            reach[f"min_{where}"] = np.nan
            reach[f"share_{where}"] = 0.0
            continue
        imp = Cut(em, cut, hm.rank).implausibility(pts, hm.obs)
        ok = np.nan_to_num(imp, nan=0.0) <= cut
        reach[f"min_{where}"] = [np.nanmin(c) if np.isfinite(c).any() else np.nan for c in imp.T]
        reach[f"share_{where}"] = ok.mean(axis=0)
        counts = ok.sum(axis=0)
        together = ok.T.astype(np.int64) @ ok.astype(np.int64)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                if counts[a] and counts[b] and not together[a, b]:
                    conflicts.append({"target_a": names[a], "target_b": names[b], "where": where,
                                      "reached_a": int(counts[a]), "reached_b": int(counts[b]), "together": 0})
    reach["status"] = np.where(reach.share_space == 0, "unreachable in the space",
                               np.where(reach.share_region == 0, "not reached in the region", "reached"))
    emulated = np.isfinite(hm.waves[-1].emulator.predict(hm.prior_sample[:1], with_var=False)[0][0])
    reach.loc[~emulated, "status"] = "not emulated (too few finite runs)"
    conflicts = pd.DataFrame(conflicts) if conflicts else empty
    if len(conflicts):
        conflicts["weaker"] = conflicts[["reached_a", "reached_b"]].min(axis=1)
        conflicts = conflicts.sort_values(["where", "weaker"], ascending=[False, False]).drop(columns="weaker")
    return reach, conflicts.reset_index(drop=True)

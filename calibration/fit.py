"""ABC-SMC calibration with pyabc, distributed with Dask.

The model is a function from a particle (values of the parameters in `space.SPACE`)
to the simulated value of every fitted target; the distance is the weighted root
mean square of the targets' z-scores ((simulated - observed) / sd), each capped so a
single absurd target cannot decide alone. The history is a SQLite database, so an
interrupted calibration resumes where it stopped (`resume=True`). Particles run on a
Dask cluster: a local one of process workers by default, or any scheduler address.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import RunError
from simulation.scenario import Scenario
from simulation.threads import local_cluster

from .simulate import Window, particle_seed, simulate
from .space import SPACE, Prior, by_name, check_space, to_scenario_values
from .targets import non_sampling_sd, survey_round_agreement

Z_CAP = 10.0  # a target's z-score counts at most this much (and a missing value counts this much)
COUNT_CAP = 4.0  # a count of people far outside its band counts as four missed targets in the search
KERNEL_FLOOR = 0.02  # the proposal kernel's sd is never below this share of a prior's width


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


class BandExcess(TargetDistance):
    """Share of the fitted targets outside their band, a near miss counting in part.

    Each target counts how far it falls outside its band, in the distance's sd, at most 1:
    zero inside, a fraction just outside, 1 a full sd or more away. So it grades a point as
    the fit report does (how many targets are inside), counting every target alike as the
    report's count does, while a move that brings a near miss closer still shows. Targets
    far outside count 1 whatever their distance: those no point can reach (the two survey
    rounds disagree, and each round's band excludes the other's value) do not steer the
    search away from the many it can bring inside.

    Counts of people (stocks, flows, the quota, the irregular range) count up to
    `count_cap` instead. They set the model's scale, the surveys do not disagree on them,
    and with every miss counting 1 a point could buy a few survey shares by sending five
    times the published number of Kazakhs to Korea or halving the Uzbeks in Kazakhstan.
    """

    def __init__(self, targets: pd.DataFrame, cap: float = 1.0, count_cap: float = COUNT_CAP):
        super().__init__(targets)
        fitted = targets[targets.fitted]
        self.low, self.high = fitted.low.to_numpy(float), fitted.high.to_numpy(float)
        self.cap = np.where(fitted.kind.isin(["count", "range"]), count_cap, cap)

    def __call__(self, x: dict, x_0: dict | None = None) -> float:
        v = np.array([x.get(i, np.nan) for i in self.ids], float)
        with np.errstate(invalid="ignore"):
            excess = np.maximum(np.maximum(self.low - v, v - self.high), 0.0) / self.sd
        excess = np.where(np.isfinite(excess), np.minimum(excess, self.cap), self.cap)
        return float(excess[self.w > 0].mean())


class ParticleModel:
    """The calibrated model as pyabc sees it: particle -> simulated fitted targets."""

    def __init__(self, scenario: Scenario, targets: pd.DataFrame, window: Window, base_seed: int,
                 space: tuple[Prior, ...] = SPACE):
        self.scenario = scenario
        self.targets = targets[targets.fitted].reset_index(drop=True)
        self.window = window
        self.base_seed = base_seed
        self.space = space

    def __call__(self, particle) -> dict[str, float]:
        values = {k: float(v) for k, v in dict(particle).items()}
        scenario = self.scenario.with_values(**to_scenario_values(values, self.space))
        sim = simulate(scenario, self.targets, self.window, particle_seed(self.base_seed, values))
        return {k: (float(v) if np.isfinite(v) else float("nan")) for k, v in sim.values.items()}


@dataclass
class FitSettings:
    particles: int = 80
    generations: int = 8
    window: Window = field(default_factory=Window)
    seed: int = 20260101
    workers: int = 2
    scheduler: str | None = None
    max_minutes: float = 30.0
    min_epsilon: float = 0.0


@dataclass
class FitResult:
    posterior: pd.DataFrame  # one row per particle: dotted keys + weight + distance
    calibrated: dict[str, float]  # dotted key -> weighted posterior median
    generations: pd.DataFrame  # t, epsilon, particles, samples, acceptance
    db: Path
    seconds: float
    evaluations: int


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cw = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), cw, v))


def regularised_transition(space: tuple[Prior, ...], floor: float = KERNEL_FLOOR):
    """pyabc's multivariate normal kernel with a floor under its spread.

    With many parameters and few particles the weighted covariance can become nearly
    singular (a few particles carry most of the weight); pyabc then gives some proposals a
    density of exactly zero and stops with "population total weight nan" (pyABC issues
    614 and 623). Adding (floor x prior width)^2 to each parameter's kernel variance keeps
    every proposal's density positive and barely widens a kernel that is already wider.
    """
    import pyabc
    import scipy.stats as st

    priors = by_name(space)

    class RegularisedTransition(pyabc.MultivariateNormalTransition):
        def fit(self, X, w):
            super().fit(X, w)
            widths = np.array([priors[name].width for name in X.columns])
            self.cov = self.cov + np.diag((floor * widths) ** 2)
            self.normal = st.multivariate_normal(cov=self.cov, allow_singular=True)

    return RegularisedTransition()


def seeded_job(simulate_one_pickle: bytes, seed: int, t: int, job: int) -> list:
    """One pyabc evaluation, its proposal drawn from a generator seeded by (seed, generation, job).

    pyabc's own job function reseeds numpy from the operating system, so the same calibration
    drew other proposals on every run. Seeded by the job's number, a proposal no longer depends
    on which worker ran it or when, and since a generation is the first jobs up to the n-th
    acceptance, the same seed gives the same posterior on one worker or many.
    """
    import random

    import cloudpickle

    simulate_one = cloudpickle.loads(simulate_one_pickle)
    state = np.random.SeedSequence([seed % 2**32, t + 1, job]).generate_state(4)  # t = -1: pyabc's first sample
    random.seed(int(state[0]))
    np.random.seed(state)  # pyabc draws its proposals from numpy's global generator
    result = simulate_one()
    return [(result, result.accepted, job)]


def deadline_sampler(client, deadline: float, max_jobs: int, say=print, seed: int = 0):
    """pyabc's Dask sampler, with a deadline that holds inside a generation too.

    pyabc checks `max_walltime` only between generations, and its Dask sampler ignores
    the cap on evaluations, so a generation whose acceptance collapses can run for half an
    hour after the time is up. Here a generation still short of its particles at the
    deadline is abandoned: its sample is marked not ok, pyabc stops, and the calibration
    keeps the generations already complete. Otherwise it samples as pyabc does: jobs are
    numbered, and the generation is the first jobs up to the one that gave the n-th
    acceptance, so fast simulations are not favoured; each job's proposal is seeded by its
    number (`seeded_job`), so the generation does not depend on the workers' timing.
    """
    import cloudpickle
    from dask.distributed import wait
    from pyabc.sampler import DaskDistributedSampler

    class DeadlineSampler(DaskDistributedSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            payload = cloudpickle.dumps(simulate_one)
            pending: dict = {}  # future -> job number
            results: list = []  # (particle, accepted, job number)
            next_job = 0
            while True:
                accepted = sorted(job for _, ok, job in results if ok)
                last = accepted[n - 1] if len(accepted) >= n else None
                if last is not None:
                    for future in [f for f, job in pending.items() if job > last]:
                        future.cancel()
                        del pending[future]
                    if not pending:
                        break
                elif t >= 0 and time.perf_counter() > deadline:  # t = -1: pyabc's sample to set epsilon
                    for future in pending:
                        future.cancel()
                    say(f"  generation {t}: stopped at the time limit with {len(accepted)} of {n} particles "
                        f"after {next_job} runs; the calibration keeps the generations before it")
                    sample = self._create_empty_sample()
                    for particle, _, _ in sorted(results, key=lambda r: r[2]):
                        sample.append(particle)
                    sample.ok = False
                    self.nr_evaluations_ = next_job
                    return sample
                else:
                    while len(pending) < max_jobs:
                        future = self.client.submit(seeded_job, payload, seed, t, next_job, pure=False)
                        pending[future] = next_job
                        next_job += 1
                try:
                    finished, _ = wait(list(pending), timeout=max(1.0, deadline - time.perf_counter()),
                                       return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                for future in finished:
                    results.extend(future.result())
                    del pending[future]
            sample = self._create_empty_sample()
            for particle, _, job in sorted(results, key=lambda r: r[2]):
                if job <= last:
                    sample.append(particle)
            self.nr_evaluations_ = next_job
            return sample

    return DeadlineSampler(dask_client=client, client_max_jobs=max_jobs, batch_size=1)


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
    cluster = local_cluster(workers, scheduler_kwargs={"dashboard": False})
    return Client(cluster), cluster


def run_abc(scenario: Scenario, targets: pd.DataFrame, settings: FitSettings, db: Path, *, resume: bool = False,
            client=None, progress=print, space: tuple[Prior, ...] = SPACE) -> FitResult:
    """Run (or resume) ABC-SMC; the history lives in the SQLite file `db`."""
    import pyabc

    check_space(space)
    if not targets.fitted.any():
        raise RunError("no target is fitted (every weight is 0 or no statistic); nothing to calibrate against.")
    if not settings.window.covers(*_needed(targets)):
        progress(f"note: the window {settings.window.start}..{settings.window.end} does not cover every target; "
                 "targets outside it count as misses.")
    db = check_history(db, resume)
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.low, p.width) for p in space})
    model = ParticleModel(scenario, targets, settings.window, settings.seed, space)
    distance = TargetDistance(targets)
    observed = dict(zip(targets[targets.fitted].id, targets[targets.fitted].value.astype(float)))

    own_client = None
    if client is None:
        client, own_client = make_client(settings.workers, settings.scheduler)
    np.random.seed(settings.seed % 2**32)  # pyabc draws from numpy's global generator
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        started = time.perf_counter()
        sampler = deadline_sampler(client, started + 60 * settings.max_minutes, 2 * n_workers, progress,
                                   seed=settings.seed)
        abc = pyabc.ABCSMC(model, prior, distance, population_size=settings.particles, sampler=sampler,
                           transitions=regularised_transition(space), eps=pyabc.MedianEpsilon())
        url = f"sqlite:///{db}"
        if resume:
            history = abc.load(url, 1)
            done = history.max_t + 1
            progress(f"resuming {db.name}: {done} generation(s) done")
        else:
            history = abc.new(url, observed)
            done = 0
        remaining = settings.generations - done
        if remaining > 0:
            with GenerationProgress(progress, started):
                history = abc.run(minimum_epsilon=settings.min_epsilon, max_nr_populations=remaining,
                                  max_walltime=timedelta(minutes=settings.max_minutes))
        seconds = time.perf_counter() - started
    finally:
        if own_client is not None:
            cluster = own_client
            client.close()
            cluster.close()
    return _collect(history, db, seconds, space)


def check_history(db: Path, resume: bool) -> Path:
    """A new calibration needs a fresh history file; --resume needs an existing one."""
    db = Path(db).resolve()
    if resume and not db.exists():
        raise RunError(f"{db}: no calibration history to resume; run without --resume to start one.")
    if resume and not _is_history(db):
        raise RunError(f"{db}: not a calibration history (a pyabc SQLite database written by migsim calibrate); "
                       "point --out at the folder of an earlier calibration, or run without --resume.")
    if not resume and db.exists():
        raise RunError(f"{db}: a calibration history already exists; add --resume to continue it, "
                       "or choose another --out.")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{db.parent}: cannot create the calibration folder ({exc.strerror}); choose another --out.") from None
    return db


def _is_history(db: Path) -> bool:
    """Whether a file is an SQLite database holding pyabc's generations table."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            con.execute("SELECT count(*) FROM populations").fetchone()
        return True
    except sqlite3.Error:
        return False


class GenerationProgress:
    """Turns pyabc's own per-generation log records into one line per finished generation."""

    def __init__(self, say, started: float):
        import logging

        self.say, self.started, self.t, self.eps = say, started, None, None
        outer = self

        class _Handler(logging.Handler):
            def emit(self, record):
                outer.record(record.getMessage())

        self.handler = _Handler(logging.INFO)

    def record(self, message: str) -> None:
        import re

        m = re.match(r"t: (\d+), eps: ([^ ]+)\.$", message)
        if m:
            self.t, self.eps = int(m.group(1)), float(m.group(2))
            return
        m = re.match(r"Accepted: (\d+) / (\d+) = [^,]+, ESS: ([^ ]+)\.?$", message)
        if m and self.t is not None:
            accepted, runs, ess = int(m.group(1)), int(m.group(2)), float(m.group(3).rstrip("."))
            self.say(f"  generation {self.t}: epsilon {self.eps:.3f}, {accepted} of {runs} runs accepted "
                     f"({accepted / runs:.0%}), effective sample size {ess:.1f}, "
                     f"{(time.perf_counter() - self.started) / 60:.1f} min")

    def __enter__(self):
        import logging

        log = logging.getLogger("ABC")
        self.level, self.propagate = log.level, log.propagate
        log.addHandler(self.handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # only this handler sees pyabc's messages
        return self

    def __exit__(self, *exc):
        import logging

        log = logging.getLogger("ABC")
        log.removeHandler(self.handler)
        log.setLevel(self.level)
        log.propagate = self.propagate


def _needed(targets):
    from .targets import months_needed

    return months_needed(targets[targets.fitted])


def _collect(history, db: Path, seconds: float, space: tuple[Prior, ...]) -> FitResult:
    if history.max_t < 0:
        raise RunError(f"{db}: the calibration stopped before its first generation finished (interrupted, or "
                       "--max-minutes too short); nothing to report. Resume it with --resume, or allow more time.")
    particles = history.get_population(t=history.max_t).particles
    names = by_name(space)
    posterior = pd.DataFrame([{names[c].key: float(v) for c, v in dict(pt.parameter).items() if c in names}
                              for pt in particles])
    weights = np.array([pt.weight for pt in particles], float)
    posterior["weight"] = weights / weights.sum()
    posterior["distance"] = [float(pt.distance) for pt in particles]
    calibrated = {p.key: weighted_quantile(posterior[p.key].to_numpy(), posterior.weight.to_numpy(), 0.5)
                  for p in space}
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    gens = pd.DataFrame({"generation": pops.t.to_numpy(), "epsilon": pops.epsilon.to_numpy(),
                         "particles": pops.particles.to_numpy(), "samples": pops.samples.to_numpy()})
    gens["acceptance"] = gens.particles / gens.samples
    # effective sample size of each generation's importance weights: far below the particle count,
    # the posterior rests on a few particles and its spread is not a reliable uncertainty
    ess = []
    for t in gens.generation:
        w = history.get_weighted_distances(t=int(t)).w.to_numpy(float)
        ess.append(float(w.sum() ** 2 / (w ** 2).sum()) if len(w) else math.nan)
    gens["effective_sample_size"] = ess
    return FitResult(posterior, calibrated, gens, db, seconds, int(gens.samples.sum()))


def load_history(db: Path, space: tuple[Prior, ...] = SPACE) -> FitResult:
    """Read a finished (or interrupted) calibration back from its SQLite history."""
    import pyabc

    db = Path(db).resolve()
    if not db.exists():
        raise RunError(f"{db}: no calibration history there.")
    history = pyabc.History(f"sqlite:///{db}", _id=1)
    return _collect(history, db, math.nan, space)


def quiet_pyabc() -> None:
    """pyabc logs every generation at INFO; keep the console to our own messages."""
    import logging
    import warnings

    import pyabc  # noqa: F401  (its loggers exist once it is imported)

    for name in list(logging.root.manager.loggerDict):
        if name == "ABC" or name.startswith("ABC.") or name.startswith("pyabc"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="pyabc")

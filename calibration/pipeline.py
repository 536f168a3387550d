"""The calibration from end to end: history matching, the posterior, its checks, the files.

`migsim calibrate` is this function with its arguments parsed:

1. **History matching in waves** (`history_matching.py`): Latin hypercube over the priors of
   `space.py`, the model at each point with several seeds (`runs.py`, on Dask), one emulator
   per fitted target, the implausibility cut with observation, discrepancy (`likelihood.py`),
   stochastic and emulator variance, until the non-implausible region stops shrinking. Each
   finished wave is saved, so `--resume` continues after the last one.
2. **The posterior** inside the final region (`posterior.py`): MCMC on the emulators'
   Gaussian likelihood with all four variances. Its median is the calibrated point; a sample
   of it is what `migsim run --posterior` draws replications from.
3. **Checks** (`evaluation.py`): a posterior predictive check (the model at posterior draws,
   with observation error and discrepancy added: how many observed values fall inside the
   central 90%), and a recovery study (synthetic data made by the model at known points of
   the region: do the posterior's 50% and 90% intervals hold the truth that often?).
4. **The report** (`report.py`): every target at the calibrated point against its band, the
   waves, the targets no point reaches (by name), the posterior, the checks.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import ScenarioError
from simulation.scenario import Scenario

from .emulator import EmulatorSettings
from .evaluation import predictive_check_runs, recovery_on_region
from .history_matching import HistoryMatch, HMSettings, Observations, history_match, load
from .likelihood import DISCREPANCY, target_variances
from .posterior import Posterior, PosteriorSettings, sample_posterior
from .runs import ModelRuns, run_pairs, run_points
from .simulate import Window
from .space import SPACE, Prior

SHIPPED_DRAWS = 200  # posterior draws written for `run --posterior` (rows of posterior.csv)


@dataclass(frozen=True)
class CalibrationSettings:
    """Everything that decides a calibration's result (the budgets apart)."""

    window: Window = field(default_factory=Window)
    # regression emulators: 133 targets over 34 parameters (see regression_emulator.py for why not GPs here)
    hm: HMSettings = field(default_factory=lambda: HMSettings(emulator=EmulatorSettings(method="regression",
                                                                                        max_train=2000)))
    posterior: PosteriorSettings = field(default_factory=PosteriorSettings)
    report_reps: int = 3
    check_runs: int = 50  # model runs at posterior draws for the predictive check
    recovery_sets: int = 20  # synthetic data sets of the recovery study (0: none)

    def identity(self, scenario: Scenario, targets: pd.DataFrame, space: tuple[Prior, ...]) -> dict:
        """What a resumed calibration must share with the history it continues."""
        hm = {k: v for k, v in asdict(self.hm).items() if k not in ("max_waves", "max_minutes")}
        fitted = targets[targets.fitted]
        return {"scenario": scenario.name,
                "scenario_values": hashlib.sha256(repr(sorted(scenario.values.items())).encode()).hexdigest()[:16],
                "events": hashlib.sha256(repr(scenario.events).encode()).hexdigest()[:16],
                "window": asdict(self.window), "history_matching": json.loads(json.dumps(hm, default=str)),
                "space": [[p.key, p.low, p.high] for p in space],
                "targets": hashlib.sha256(repr(list(zip(fitted.id, fitted.value.round(12)))).encode()).hexdigest()[:16]}


@dataclass
class Calibration:
    hm: HistoryMatch
    posterior: Posterior
    point: dict[str, float]
    check: pd.DataFrame  # predictive check, one row per target
    recovery: pd.DataFrame | None  # coverage per parameter
    runs: int  # model runs in all
    seconds: float


def run_progress(say: Callable[[str], None]) -> Callable[[int, int], None]:
    """A progress callback for one batch of model runs: about every tenth of the batch, how
    many are done and at what rate (a wave takes minutes; a silent one looks hung)."""
    t0, shown = time.perf_counter(), [0]

    def progress(done: int, total: int) -> None:
        if done - shown[0] >= max(total // 10, 1) or done == total:
            shown[0] = done
            rate = done / max(time.perf_counter() - t0, 1e-9) * 60
            say(f"    {done}/{total} runs ({rate:.0f} runs/min)")

    return progress


def observations(targets: pd.DataFrame) -> Observations:
    """The fitted targets with their observation and discrepancy variances (`likelihood.py`)."""
    v = target_variances(targets)
    fitted = targets[targets.fitted]
    series = pd.factorize(fitted.origin_id.to_numpy())[0]  # the years of one World Bank row: one series
    return Observations(v.ids, v.observed, v.obs_var, v.disc_var, series)


def _damaged(path: Path) -> ScenarioError:
    return ScenarioError(f"--resume: {path} is damaged or was not written by `migsim calibrate`; start afresh "
                         "without --resume (in this folder, or with another --out).")


def check_resume(folder: Path, identity: dict, fitted_ids: list[str] | None = None) -> HistoryMatch | None:
    """Refuse to continue a history made with other settings (it would mix two calibrations),
    or whose files are damaged or another calibration's (the parameters and, when given, the
    fitted targets' ids are compared with its saved waves); returns its saved history match
    (None before a wave was saved)."""
    path = folder / "settings.json"
    if not path.is_file():
        raise ScenarioError(f"--resume: {folder} holds no calibration history to continue "
                            "(settings.json is missing); run without --resume to start one.")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # unreadable, not UTF-8 or not JSON
        raise _damaged(path) from None
    if not isinstance(saved, dict):
        raise _damaged(path)
    differ = [k for k in identity if saved.get(k) != identity[k]]
    if differ:
        raise ScenarioError(f"--resume: the history in {folder} was made with other settings ({', '.join(differ)} "
                            "differ); continue it with the same scenario, targets, agents, window and space, or "
                            "start a new calibration in another --out.")
    state = folder / "history_matching.pkl"
    if not state.exists():
        return None
    try:
        previous = load(folder)
    except Exception:  # a truncated or foreign pickle fails in many ways
        raise _damaged(state) from None
    if not isinstance(previous, HistoryMatch):
        raise _damaged(state)
    keys = [p.key for p in previous.space]
    if keys != [key for key, _, _ in identity["space"]] or (fitted_ids is not None
                                                            and list(previous.obs.names) != list(fitted_ids)):
        # settings.json matches but the saved waves are another calibration's (files copied between folders)
        raise ScenarioError(f"--resume: {state} holds the waves of another calibration (its parameters or fitted "
                            f"targets differ from {path}); start afresh without --resume, or resume the folder "
                            "that calibration was run in.")
    return previous


def calibrate(scenario: Scenario, targets: pd.DataFrame, settings: CalibrationSettings, history: Path, *,
              client=None, resume: bool = False, space: tuple[Prior, ...] = SPACE,
              say: Callable[[str], None] = print, runs: ModelRuns | None = None) -> Calibration:
    """History matching, posterior, predictive check and recovery (see the module docstring).

    `runs` stands in for the model (anything with `ids` and a call (point, seed) -> values in
    the order of the fitted targets); by default the scenario over the settings' window.
    """
    started = time.perf_counter()
    history = Path(history)
    identity = settings.identity(scenario, targets, space)
    previous = None
    if resume:
        previous = check_resume(history, identity, list(targets[targets.fitted].id))
    obs = observations(targets)
    if runs is None:
        runs = ModelRuns(scenario, targets[targets.fitted].reset_index(drop=True), settings.window, space)
    # a resumed calibration's runs include the waves it continues (the provenance counts them all)
    counter = {"runs": sum(len(w.design) * len(w.seeds) for w in previous.waves) if previous is not None else 0}

    def simulator(points: np.ndarray, seeds: list[int]) -> np.ndarray:
        out = run_points(runs, points, seeds, client, run_progress(say))
        counter["runs"] += len(points) * len(seeds)
        return out

    history.mkdir(parents=True, exist_ok=True)
    (history / "settings.json").write_text(json.dumps(identity, indent=2), encoding="utf-8")
    say(f"history matching: {len(space)} parameters, {len(obs.names)} fitted targets, "
        f"{settings.window.agents:,} agents, {settings.hm.reps} seeds per point")
    hm = history_match(simulator, space, obs, settings.hm, resume=previous, on_wave=lambda h: h.save(history),
                       progress=say)
    hm.save(history)
    say(f"history matching stopped ({hm.stopped}); non-implausible share of the space {hm.fraction:.3g}")
    posterior = sample_posterior(hm, settings.posterior)
    d = posterior.diagnostics()
    say(f"posterior: {len(posterior.draws)} draws, acceptance {d['acceptance']:.2f}")
    point = posterior.median()
    rng = np.random.default_rng([settings.hm.seed % 2**32, 21])
    def pairs(points: np.ndarray, seeds: list[int]) -> np.ndarray:
        counter["runs"] += len(points)
        return run_pairs(runs, points, seeds, client)

    check = predictive_check_runs(posterior, obs, pairs, settings.check_runs, rng)
    say(f"predictive check: {check.inside.mean():.0%} of the fitted targets inside the central 90% "
        f"of the posterior predictive ({settings.check_runs} runs)")
    recovery = None
    if settings.recovery_sets > 0:
        recovery = recovery_on_region(hm, posterior, obs, pairs, settings.recovery_sets,
                                      replace(settings.posterior, steps=max(settings.posterior.steps // 3, 300)),
                                      rng)
        overall = recovery[recovery.parameter == "all"].iloc[0]
        say(f"recovery: the truth inside the 50% interval {overall.inside50:.0%} and the 90% interval "
            f"{overall.inside90:.0%} of the time ({settings.recovery_sets} synthetic data sets)")
    return Calibration(hm, posterior, point, check, recovery, counter["runs"], time.perf_counter() - started)


def posterior_table(posterior: Posterior, n: int = SHIPPED_DRAWS) -> pd.DataFrame:
    """Evenly spaced draws of the posterior, one column per parameter key (for `run --posterior`)."""
    frame = posterior.frame()
    keys = [p.key for p in posterior.space]
    idx = np.linspace(0, len(frame) - 1, min(n, len(frame))).round().astype(int)
    return frame.iloc[idx][keys].reset_index(drop=True)


def discrepancy_note() -> str:
    parts = [f"{kind}: {'{:.0%}'.format(size) + ' of the figure' if how == 'relative' else f'{size:g} absolute'}"
             for kind, (how, size) in DISCREPANCY.items()]
    return "Model discrepancy (sd) by kind of target: " + "; ".join(parts) + "."

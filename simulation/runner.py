"""Build, run, extract: the Python API the CLI and notebooks share.

`run` simulates one scenario for one or more replications and returns a `RunResult`
(tidy time series with a `rep` column, the seeds used, timings); nothing here writes
files (see `outputs.py`). Replication r > 0 uses a seed derived from the scenario
seed, so `--reps 1` and the first of `--reps 20` are the same run, and the same
seeds give the same results whether replications run in one process or many.
"""

from __future__ import annotations

# Imports inside functions: the state module (cloudpickle) loads only when a state is saved.
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from .dates import month_index
from .model import MigrationModel
from .posterior import Posterior, apply_draw, crossed_shape
from .scenario import Scenario
from .threads import process_pool


def replication_seeds(seed: int, reps: int) -> list[int]:
    """Seed of each replication: the scenario seed first, then derived ones."""
    derived = np.random.SeedSequence(seed).generate_state(max(reps - 1, 0), dtype=np.uint32)
    return [int(seed)] + [int(s) for s in derived]


@dataclass
class RunResult:
    scenario: Scenario
    timeseries: pd.DataFrame  # date, indicator, group, value, rep
    seeds: list[int]
    agents: int
    scale: float
    wall_seconds: float
    months: int
    extra: dict = field(default_factory=dict)

    def quantiles(self, q=(0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Bands across replications: date, indicator, group, q10, q50, q90 (and mean)."""
        grouped = self.timeseries.groupby(["date", "indicator", "group"], sort=False)["value"]
        out = grouped.quantile(list(q)).unstack()
        out.columns = [f"q{int(round(x * 100)):02d}" for x in q]
        out["mean"] = grouped.mean()
        return out.reset_index()

    def value(self, indicator: str, group: str = "all", date: str | None = None) -> pd.Series:
        """One indicator's values (by rep), at a date or over time."""
        df = self.timeseries
        sel = df[(df.indicator == indicator) & (df.group == group)]
        if date is not None:
            sel = sel[sel.date == date]
        return sel.set_index(["rep", "date"])["value"]


def run_one(scenario: Scenario, seed: int, agents: int | None = None, progress=None,
            per_agent: bool = False, save_state: tuple[str, str] | None = None,
            model: MigrationModel | None = None) -> tuple[pd.DataFrame, MigrationModel]:
    """One replication: build the model (or continue a restored one), run every month, extract the
    time series; `save_state` = (YYYY-MM, file) writes the whole state on the way (`state.py`)."""
    model = model or MigrationModel(scenario, seed=seed, agents=agents, per_agent=per_agent, progress=progress)
    if save_state is not None:
        from .state import run_to
        from .state import save_state as save

        run_to(model, save_state[0])
        save(model, save_state[1])
    model.run(progress=progress)
    return model.timeseries(), model


def replication_plan(scenario: Scenario, seed: int, reps: int, posterior: Posterior | None
                     ) -> tuple[list[Scenario], list[int], dict]:
    """The scenario and seed of each replication, and how they were chosen.

    Without a posterior every replication runs the scenario as given, with the seeds of
    `replication_seeds`. With one (and more than one replication), replications are a
    crossed design of posterior draws and seeds (`posterior.py`), so parameter uncertainty
    is in the band and can be told apart from chance.
    """
    if posterior is None or reps < 2:
        return [scenario] * reps, replication_seeds(seed, reps), {}
    n_draws, n_seeds = crossed_shape(reps)
    seeds = replication_seeds(seed, n_seeds)
    design = posterior.design(reps, seed)
    drawn = {row: apply_draw(scenario, posterior, row) for row, _ in design}
    info = {"posterior": posterior.source, "draws": n_draws, "seeds_per_draw": n_seeds,
            "draw_rows": [row for row, _ in design]}
    return [drawn[row] for row, _ in design], [seeds[k] for _, k in design], info


def _run_rep(args) -> tuple[int, pd.DataFrame, float, int]:
    scenario, seed, agents, rep = args
    frame, model = run_one(scenario, seed, agents)
    return rep, frame, model.population.scale, model.population.n


def run(scenario: Scenario, *, seed: int | None = None, reps: int | None = None, agents: int | None = None,
        jobs: int = 1, progress: bool = False, posterior: Posterior | None = None,
        save_state: tuple[str, str] | None = None, from_state: MigrationModel | None = None) -> RunResult:
    """Run a scenario's replications (in `jobs` processes) and gather their time series.

    With a `posterior` (`posterior.load_posterior`), replications draw their calibrated
    parameters from it (see `replication_plan`); without, they all use the scenario's values.
    `save_state` and `from_state` (a model restored by `state.load_state` and branched onto
    `scenario`) concern one replication: its seed and size are those of the state.
    """
    if from_state is not None:
        seed, reps, agents = from_state.seed, 1, from_state.population.n
    seed = int(scenario["run.seed"] if seed is None else seed)
    reps = int(scenario["run.reps"] if reps is None else reps)
    agents = int(scenario["run.agents"] if agents is None else agents)
    scenarios, seeds, plan_info = replication_plan(scenario, seed, reps, posterior)
    started = time.perf_counter()
    frames: dict[int, pd.DataFrame] = {}
    scale, n = 0.0, agents
    months = months_of(scenario)
    # The bar counts the spin-up's months too: at 100,000 agents they and the set-up are most of
    # the wait before the first simulated month, and a bar standing still at 0% looks like a hang.
    burn_in = 0 if from_state is not None else int(scenario["run.burn_in_months"])
    per_rep = burn_in + months
    spin_up = f"{burn_in} spin-up + " if burn_in else ""
    bar = progress_bar(progress, total=reps * per_rep, unit="month",
                        desc=f"{scenario.name} ({agents:,} agents, {reps} rep{'s' if reps > 1 else ''}, "
                             f"{spin_up}{months} months each)")
    try:
        if jobs > 1 and reps > 1:
            with process_pool(jobs) as pool:  # the processes, not the kernels' threads, share the cores
                jobs_list = [(sc, s, agents, r) for r, (sc, s) in enumerate(zip(scenarios, seeds))]
                for rep, frame, scale, n in pool.map(_run_rep, jobs_list):
                    frames[rep] = frame
                    if bar is not None:
                        bar.update(per_rep)
        else:
            for rep, (sc, s) in enumerate(zip(scenarios, seeds)):
                tick = (lambda: bar.update(1)) if bar is not None else None
                frame, model = run_one(sc, s, agents, progress=tick, save_state=save_state, model=from_state)
                frames[rep] = frame
                scale, n = model.population.scale, model.population.n
    finally:
        if bar is not None:
            bar.close()
    series = pd.concat([frames[r].assign(rep=r) for r in sorted(frames)], ignore_index=True)
    return RunResult(scenario, series, seeds, n, scale, time.perf_counter() - started, months, dict(plan_info))


def months_of(scenario: Scenario) -> int:
    return month_index(scenario["run.end"]) - month_index(scenario["run.start"]) + 1


def progress_bar(enabled: bool, **kwargs):
    if not enabled:
        return None
    return tqdm(**kwargs, dynamic_ncols=True, leave=True)

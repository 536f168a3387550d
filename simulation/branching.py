"""Comparisons that share their history: simulated once per replication, then branched.

Each replication of `compare` runs the months before the first policy once (`runner`), saves
the whole model (`state.to_bytes`), and continues every scenario from that state
(`state.branch`): common random numbers exactly, and less work. With a posterior, each
replication's scenarios carry that replication's draw (`runner.replication_plan`): the draw is
the same for the baseline and every alternative, so they still share their history.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from .model import MigrationModel
from .posterior import Posterior
from .runner import RunResult, months_of, progress_bar, replication_plan
from .scenario import Scenario
from .state import branch, from_bytes, run_to, to_bytes


def run_branched_rep(args) -> tuple[int, list, float, int, float]:
    """One replication of every scenario: the shared history once, then each branch."""
    scenarios, seed, agents, month, rep = args
    started = time.perf_counter()
    model = MigrationModel(scenarios[0], seed=seed, agents=agents)
    run_to(model, month)
    state = to_bytes(model)
    frames = []
    for k, scenario in enumerate(scenarios):
        m = model if k == 0 else branch(from_bytes(state), scenario)
        m.run()
        frames.append(m.timeseries())
    return rep, frames, model.population.scale, model.population.n, time.perf_counter() - started


def run_branched(scenarios: list[Scenario], month: str, *, seed: int, reps: int, agents: int | None = None,
                 jobs: int = 1, progress: bool = False, posterior: Posterior | None = None) -> list:
    """Every scenario's replications, the shared history simulated once per replication.

    The replications' seeds and draws are those `runner.run` would use (`replication_plan`),
    so a branched comparison gives the same numbers as one that runs every scenario whole.
    """
    agents = int(scenarios[0]["run.agents"] if agents is None else agents)
    plans = [replication_plan(s, seed, reps, posterior) for s in scenarios]
    seeds, info = plans[0][1], plans[0][2]
    tasks = [([plan[0][r] for plan in plans], s, agents, month, r) for r, s in enumerate(seeds)]
    bar = progress_bar(progress, total=reps, unit="rep",
                        desc=f"{len(scenarios)} scenarios branched at {month} ({agents:,} agents)")
    started = time.perf_counter()
    done: dict[int, list] = {}
    scale = n = 0
    try:
        if jobs > 1 and reps > 1:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
                outcomes = pool.map(run_branched_rep, tasks)
                for rep, frames, scale, n, _seconds in outcomes:
                    done[rep] = frames
                    if bar is not None:
                        bar.update(1)
        else:
            for task in tasks:
                rep, frames, scale, n, _seconds = run_branched_rep(task)
                done[rep] = frames
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - started
    results = []
    for k, scenario in enumerate(scenarios):
        series = pd.concat([done[r][k].assign(rep=r) for r in sorted(done)], ignore_index=True)
        results.append(RunResult(scenario, series, seeds, n, scale, wall / len(scenarios), months_of(scenario),
                                 {**info, "branched_from": month}))
    return results

"""The per-agent reference month: each worker acts on its own row, stage by stage, in random order.

`MigrationModel(per_agent=True)` runs the month this way instead of one kernel call per
sub-step over all workers, so the fast month can be checked against it
(`benchmarks/bench_core.py`). It is Mesa's staged activation: for each sub-step of the
month as `MigrationModel.step` lists it, `model.agents.shuffle_do(stage)` lets every
worker, in a new random order, take that sub-step on its own row (the same month
kernels, called with one row), with ordinary sequential random draws; every worker has
finished one sub-step before any begins the next.

Why stages, not one `step()` per worker doing its whole month: the month as written
has job search after every departure and arrival and before any return, so a worker
searching abroad counts the contacts who arrived this month and those who will leave
at its end. With one whole-month step per worker, a searcher saw only the moves of the
workers who happened to act before it, about the contacts at the start of the month:
Uzbeks in Russia came out about 8% fewer (the issue that the benchmark flagged at
|z| = 3.9 to 4.5), and the vectorised month with job search counting the start-of-month
contacts gave the same 8% (644k against 710k, 100,000 agents, 3 seeds). The staged
order is the month's written meaning, which the vectorised month follows.

What still differs, by design: the draws (sequential generators, not the keyed streams),
and within one stage the order in which workers claim scarce things (quota permits) or
see a co-mover of the same stage (moving on). Given the keyed draws instead, the two
months take every other decision alike (`tests/test_reference.py` holds them identical
for 24 months with no quota binding). They did not while a job lined up before leaving
counted the contacts who left the same month: the vectorised month had moved them all,
the per-agent month only those who had acted; now both count contacts where they were
when the month's conditions were fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import abroad, month, work
from .world import HOME

if TYPE_CHECKING:
    from .model import MigrationModel, Worker


def _row(worker: "Worker") -> np.ndarray:
    return np.array([worker.index])


# Each stage first asks whether it concerns this worker (as the kernels select their rows
# themselves, and without drawing: the draws are the same either way); most workers are at
# home, so most stages end there, at a fraction of a kernel call's cost.
def work_and_decide(worker: "Worker") -> None:
    """Stage 2: at home, work or lose work, then weigh every destination against staying."""
    m = worker.model
    if m.population.location[worker.index] != HOME:
        return
    month.work_at_home(m, _row(worker), m.draws)
    month.decide_and_move(m, m.conditions, _row(worker), m.draws)


def find_job(worker: "Worker") -> None:
    """Stage 3: abroad without work, search (after every departure and arrival of the month)."""
    m, i = worker.model, worker.index
    if m.population.location[i] == HOME or m.population.job_sector[i] >= 0:
        return
    work.find_jobs(m, m.conditions, _row(worker), m.draws)


def earn(worker: "Worker") -> None:
    """Stage 4: abroad, earn, pay living costs and fees, save and remit."""
    if worker.model.population.location[worker.index] == HOME:
        return
    abroad.earn_and_remit(worker.model, _row(worker))


def reconsider(worker: "Worker") -> None:
    """Stage 5: abroad, status, enforcement, and stay, visit, return or move on."""
    m, i = worker.model, worker.index
    if m.population.location[i] == HOME or m.population.months_here[i] < 1:
        return
    abroad.reconsider_abroad(m, m.conditions, _row(worker), m.draws)


STAGES = (work_and_decide, find_job, earn, reconsider)


def per_agent_month(model: "MigrationModel") -> None:
    """Every stage for every worker, in a fresh random order per stage."""
    for stage in STAGES:
        model.agents.shuffle_do(stage)

"""The Mesa model: workers deciding each month where to work.

`MigrationModel.step()` is one month. Workers are real `mesa.Agent` objects, thin
handles whose state lives in the columns of `Population`; the month runs as one
kernel per sub-step over all workers (see `month.py`, `work.py`, `abroad.py`), so it
never needs the objects, and they are made the first time anyone asks for them
(`model.agents`, `model.worker(i)`: see "the workers as Mesa agents" below). With
`per_agent=True` the same kernels run worker by worker instead, each sub-step for every
worker in a random order (Mesa's staged activation, `reference.py`): kept as a reference to
check the fast path against.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import abroad, month, reference, work
from .allocator import keep_freed_memory_for
from .dates import month_index
from .drivers import load_drivers
from .economy import Economy
from .indicators import Recorder
from .levers import Levers, MonthTotals
from .pools import PoolGrowth
from .population import create_population
from .scenario import Scenario
from .streams import KeyedDraws, SequentialDraws, Streams
from .threads import follow_worker_setting
from .timeline import schedule as schedule_events
from .worker import Worker
from .world import (
    HOME,
)


class MigrationModel(mesa.Model):
    """Labour migration into and out of Kazakhstan, one step per month."""

    def __init__(self, params: Scenario, *, seed: int | None = None, agents: int | None = None,
                 per_agent: bool = False, record: bool = True, progress=None):
        scenario = params
        seed = int(scenario["run.seed"] if seed is None else seed)
        super().__init__(rng=seed)
        self._workers: list[Worker] | None = None  # made when first asked for (`agents`)
        follow_worker_setting()  # in a worker process: its share of the cores (simulation.threads)
        self.params = scenario  # (Mesa's own `scenario` attribute is left to Mesa)
        self.seed = seed
        self.per_agent = per_agent
        self.streams = Streams(seed)
        self.draws = SequentialDraws(self) if per_agent else KeyedDraws(self)
        self.start_index = month_index(scenario["run.start"])
        self.n_months = month_index(scenario["run.end"]) - self.start_index + 1
        self.burn_in = int(scenario["run.burn_in_months"])
        self.month_counter = -self.burn_in  # months since run.start; negative while burning in

        self.economy = Economy(scenario, load_drivers())
        n_agents = int(scenario["run.agents"] if agents is None else agents)
        keep_freed_memory_for(n_agents)  # a large population's monthly temporaries reuse memory (allocator.py)
        self.pools = PoolGrowth(scenario, self.economy.drivers)
        self.population = create_population(scenario, n_agents, self.streams, self.economy.home_wage, self.pools.peak)
        self.totals = MonthTotals()  # the month's flows and counts (`levers.py`)
        self.conditions: month.Conditions | None = None
        self.recorder = Recorder(self.n_months) if record else None
        self.timeline = list(scenario.events)  # validated when the scenario was loaded
        self._schedule_years()
        self._event_actions = schedule_events(self, self.timeline)  # kept: Mesa holds callbacks weakly
        for _ in range(self.burn_in):  # the spin-up, followed by `progress` like the run's own months
            self._simulate_month()
            if progress is not None:
                progress()

    # --- the workers as Mesa agents ------------------------------------------------------
    # One `Worker` per row of `population`, made all at once the first time anyone asks for
    # Mesa's agents: the month reads and writes the columns and never needs the objects, which
    # at a million rows cost about 9% of a run's time and a third of its memory. Making them
    # draws nothing (Mesa only counts unique ids; `model.random` is first used when an AgentSet
    # shuffles), so a run's results do not depend on whether or when anyone asked.
    @mesa.Model.agents.getter
    def agents(self):
        """Mesa's set of all agents: one `Worker` per row of `population` (and any others added)."""
        self._make_workers()
        return super().agents

    @property
    def agents_by_type(self):
        """Mesa's agents by class (the workers under `Worker`)."""
        self._make_workers()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._make_workers()
        return super().agent_types

    def worker(self, index: int) -> Worker:
        """The `Worker` of row `index` of `population`."""
        self._make_workers()
        return self._workers[index]

    def remove_all_agents(self) -> None:
        if self._workers is None:
            self._workers = []  # removed before ever made: not to be made later
        super().remove_all_agents()

    def _make_workers(self) -> None:
        if self._workers is None and hasattr(self, "population"):
            self._workers = []
            self._workers.extend(Worker(self, i) for i in range(self.population.n))

    # --- calendar ----------------------------------------------------------------------
    @property
    def absolute_month(self) -> int:
        return self.start_index + self.month_counter

    @property
    def date(self) -> str:
        """The month being simulated, YYYY-MM."""
        year, m = divmod(self.absolute_month, 12)
        return f"{year:04d}-{m + 1:02d}"

    @property
    def calendar_month(self) -> int:
        """0 for January ... 11 for December."""
        return self.absolute_month % 12

    @property
    def finished(self) -> bool:
        return self.month_counter >= self.n_months

    # --- scheduled events ----------------------------------------------------------------
    def _schedule_years(self) -> None:
        """Each January's drivers apply as an event just before that month's step."""
        for m in range(1, self.n_months):
            if (self.start_index + m) % 12 == 0:
                self.schedule_event(self._new_year, at=m + 0.5)

    def _new_year(self) -> None:
        """The year's wages apply to jobs already held too: wages abroad are paid in local
        currency, so their USD value follows the destination's wage level and exchange rate."""
        before = self.economy.dest_wage.copy()
        self.economy.apply_year((self.start_index + int(self.time)) // 12)
        month.scale_held_wages(self, np.divide(self.economy.dest_wage, before, out=np.ones_like(before), where=before > 0))

    # --- the month -------------------------------------------------------------------------
    def step(self) -> None:
        """One month, in this order (scheduled events have already run before it):

        1. scheduled events apply: the yearly drivers each January, then the scenario's
           dated levers and shocks (`policy.py`: they begin, act each month of their
           window, or end, changing the lever state in `model.economy` or moving workers);
        2. market conditions are fixed for the month (expected wages, hiring, quota),
           then workers at home update their work at home and weigh every destination
           against staying; movers pay the cost and leave;
        3. movers arrive with the legal status their corridor allows, some with a job
           lined up through contacts; everyone abroad without work searches;
        4. workers earn, pay living costs and fees, save, and remit (through channels
           that may carry only part of it);
        5. workers abroad update their status, face enforcement (deportation, then
           workplace inspections), and choose to stay, visit home, return for good or
           move on (less often from a country whose borders are closed);
        6. clocks advance (ageing, retirement at home) and the month's indicators are
           recorded.
        """
        if self.finished:
            raise RuntimeError("the run is over: every month from run.start to run.end has been simulated")
        self._simulate_month()

    def _simulate_month(self) -> None:
        self.conditions = month.month_conditions(self)
        if self.per_agent:
            reference.per_agent_month(self)  # staged: each sub-step for every worker in turn
        else:
            cond, draws, location = self.conditions, self.draws, self.population.location
            home = np.flatnonzero(location == HOME)
            month.work_at_home(self, home, draws)
            month.decide_and_move(self, cond, home, draws)
            away = np.flatnonzero(location != HOME)  # after this month's departures
            work.find_jobs(self, cond, away, draws)
            abroad.earn_and_remit(self, away)
            abroad.reconsider_abroad(self, cond, away, draws)
        month.end_of_month(self)
        if self.month_counter >= 0 and self.recorder is not None:
            self.recorder.record(self, self.month_counter)
        self.month_counter += 1
        self.totals.reset()  # after recording: events before the next month count in it

    @property
    def levers(self) -> Levers:
        """The lever state in force (`levers.py`); dated events change it."""
        return self.economy.levers

    def run(self, progress=None) -> None:
        """Simulate every remaining month on Mesa's clock (progress: an optional callable per month).

        `run_for(1)` runs the events scheduled up to the next month, then the month itself;
        it goes one month at a time so that a progress bar can follow.
        """
        while not self.finished:
            self.run_for(1)
            if progress is not None:
                progress()

    def timeseries(self):
        """The recorded indicators as a tidy DataFrame (date, indicator, group, value)."""
        if self.recorder is None:
            raise RuntimeError("this model was built with record=False")
        return self.recorder.to_frame()

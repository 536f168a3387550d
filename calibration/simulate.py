"""The model's side of every target: run a scenario and compute each statistic.

`simulate` builds a `MigrationModel` over a calibration window, interviews the
simulated migrants during the survey months (see `survey.py`), and then computes
every modelled target from the recorded monthly indicators: yearly sums of flows
(remittances, arrivals, deportations), means of stocks, ratios, and remittances as a
share of GDP (GDP implied by the World Bank's own level and share-of-GDP series, so
both come from one vintage).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.indicators import INDICATORS, tidy_frame
from simulation.model import MigrationModel
from simulation.parameters import PARAMETERS
from simulation.scenario import Scenario, month_index

from .patterns import PatternRecorder, pattern_statistic
from .recording import REMITTANCES_RECEIVED, recorded_factor
from .survey import SURVEYS, SurveyRecorder, survey_statistic
from .targets import PATTERN_SURVEY, Statistic, _embedded, stat_months


@dataclass(frozen=True)
class Window:
    """What is simulated for a calibration: months, agents, burn-in."""

    start: str = "2010-01"
    end: str = "2024-01"
    agents: int = 10_000
    burn_in: int = PARAMETERS["run.burn_in_months"].default  # as a run's: the stocks abroad near equilibrium

    def apply(self, scenario: Scenario) -> Scenario:
        return scenario.with_values(run__start=self.start, run__end=self.end, run__agents=self.agents,
                                    run__burn_in_months=self.burn_in)

    def covers(self, first: str, last: str) -> bool:
        return month_index(self.start) <= month_index(first) and month_index(last) <= month_index(self.end)

    def holds(self, stat: Statistic) -> bool:
        """Whether a target can be evaluated from a run over this window (outside it, its value is nan):
        a series needs all its months simulated, a survey or pattern at least one of its fieldwork months."""
        first, last = stat_months(stat)
        if stat.kind in ("survey", "pattern"):
            return month_index(first) <= month_index(self.end) and month_index(self.start) <= month_index(last)
        return self.covers(first, last)


@dataclass
class Simulated:
    values: dict[str, float]  # target id -> simulated value (nan outside the window)
    respondents: dict  # survey name -> Respondents
    seed: int
    dates: list[str] = field(repr=False)  # the recorded months and
    monthly: dict[str, np.ndarray] = field(repr=False)  # each indicator's values by month (`Recorder.values`)

    @functools.cached_property
    def timeseries(self) -> pd.DataFrame:
        """The tidy time series (`MigrationModel.timeseries()`), made when first asked for: the
        calibration's runs need only `values`, and making the frame cost a fiftieth of a run."""
        return tidy_frame(self.dates, self.monthly)


def particle_seed(base: int, params: dict[str, float]) -> int:
    """A seed fixed by the parameter values: the same particle always gives the same run."""
    text = repr((int(base), sorted((k, round(float(v), 12)) for k, v in params.items())))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def run_window(scenario: Scenario, window: Window, seed: int, surveys=tuple(SURVEYS)) -> tuple[pd.DataFrame, dict]:
    """Run the model over the window, interviewing the surveys' respondents."""
    model, respondents = _run(scenario, window, seed, surveys)
    return model.timeseries(), respondents


def _run(scenario: Scenario, window: Window, seed: int, surveys) -> tuple[MigrationModel, dict]:
    model = MigrationModel(window.apply(scenario), seed=seed)
    n = model.population.n
    recorders = {s: PatternRecorder(n) if s == PATTERN_SURVEY else SurveyRecorder(SURVEYS[s], n) for s in surveys}
    while not model.finished:
        date = model.date
        model.step()
        for rec in recorders.values():
            rec.observe(model, date)
    return model, {s: rec.respondents() for s, rec in recorders.items()}


class SeriesTable:
    """Fast look-ups of indicator values by month from the tidy time series."""

    def __init__(self, ts: pd.DataFrame):
        wide = ts.pivot_table(index="date", columns=["indicator", "group"], values="value", aggfunc="first")
        self._hold(wide.index.to_numpy(), wide.to_numpy(), list(wide.columns))

    @classmethod
    def from_monthly(cls, dates: list[str], monthly: dict[str, np.ndarray]) -> "SeriesTable":
        """The table of `SeriesTable(tidy_frame(dates, monthly))` made from the recorder's own
        arrays: making the tidy frame and pivoting it back cost a twentieth of a calibration run."""
        n = len(dates)
        names = [(name, group) for name, (groups, _, _) in INDICATORS.items() for group in groups]
        array = np.concatenate([monthly[name][:n] for name in INDICATORS], axis=1)
        # as the pivot leaves them out: months and series without a single value
        empty = np.isnan(array)
        months, series = ~empty.all(axis=1), ~empty.all(axis=0)
        table = cls.__new__(cls)
        table._hold(np.array(dates)[months], array[months][:, series], [k for k, kept in zip(names, series) if kept])
        return table

    def _hold(self, dates: np.ndarray, array: np.ndarray, columns: list[tuple[str, str]]) -> None:
        self.dates = dates
        # Look-ups by position in one array: a run computes some two hundred statistics, and
        # pandas' look-up of a column by its two-level name cost a fifth of a millisecond each.
        self._array = array
        self._column = {name: k for k, name in enumerate(columns)}

    def values(self, indicator: str, group: str, start: str, end: str) -> np.ndarray | None:
        """The monthly values in [start, end], or None if the window does not cover them."""
        if len(self.dates) == 0 or start < self.dates[0] or end > self.dates[-1]:
            return None
        sel = (self.dates >= start) & (self.dates <= end)
        return self._array[sel, self._column[(indicator, group)]]


@functools.lru_cache(maxsize=None)  # the same few (country, year) for every run: a tenth of a run's time otherwise
def _gdp_usd(country: str, year: int) -> float:
    wdi = _embedded("wdi.csv")
    pick = lambda ind: wdi[(wdi.indicator == ind) & (wdi.country_iso3 == country) & (wdi.year == year)].value  # noqa: E731
    level, pct = pick("BX.TRF.PWKR.CD.DT"), pick("BX.TRF.PWKR.DT.GD.ZS")
    if level.empty or pct.empty or float(pct.iloc[0]) <= 0:
        return float("nan")
    return float(level.iloc[0]) / (float(pct.iloc[0]) / 100.0)


def compute_statistic(stat: Statistic, table: SeriesTable, respondents: dict) -> float:
    """One target's simulated value (nan if the window or the surveys do not cover it)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if stat.kind == "survey":
            r = respondents.get(stat.survey)
            return survey_statistic(r, stat.name) if r is not None else float("nan")
        if stat.kind == "pattern":
            return pattern_statistic(respondents.get(stat.survey), stat.name)
        if stat.kind == "gdp_percent":
            v = table.values("remittances_received_usd", stat.country, f"{stat.year}-01", f"{stat.year}-12")
            if v is None:
                return float("nan")
            return float(np.sum(v) * stat.recorded / _gdp_usd(stat.country, stat.year) * 100.0)
        arrays = [table.values(ind, grp, stat.start, stat.end) for ind, grp in stat.terms]
        if any(a is None for a in arrays):
            return float("nan")
        if stat.kind == "series":
            return float((np.sum(arrays[0]) if stat.agg == "sum" else np.mean(arrays[0])) * stat.recorded)
        if stat.kind == "ratio":
            return float(np.nanmean(arrays[0] / arrays[1]))
        if stat.kind == "product":
            return float(np.nanmean(arrays[0] * arrays[1]))
    raise ValueError(f"unknown statistic kind {stat.kind}")


def simulated_values(targets: pd.DataFrame, ts: pd.DataFrame | SeriesTable, respondents: dict) -> dict[str, float]:
    table = ts if isinstance(ts, SeriesTable) else SeriesTable(ts)
    return {tid: (compute_statistic(stat, table, respondents) if stat is not None else float("nan"))
            for tid, stat in zip(targets.id, targets.stat)}


def surveys_used(targets: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted({s.survey for s in targets.stat.dropna() if s.kind in ("survey", "pattern")}))


def simulate(scenario: Scenario, targets: pd.DataFrame, window: Window, seed: int) -> Simulated:
    """Run once and compute every target's simulated value."""
    model, respondents = _run(scenario, window, seed, surveys_used(targets))
    dates, monthly = model.recorder.dates, model.recorder.values
    values = simulated_values(targets, SeriesTable.from_monthly(dates, monthly), respondents)
    return Simulated(values, respondents, seed, dates, monthly)


def annual_series(ts: pd.DataFrame) -> pd.DataFrame:
    """Yearly totals of the simulated World Bank counterparts (USD), as the published series record
    them (`recording.py`): year, series, value."""
    keep = ts[(ts.indicator == "remittances_out_kaz_usd")
              | (ts.indicator == "remittances_received_usd")].assign(year=lambda d: d.date.str[:4].astype(int))
    months = keep.groupby(["indicator", "group", "year"]).value.agg(["sum", "count"]).reset_index()
    months = months[months["count"] == 12]
    received = months.indicator == "remittances_received_usd"
    name = np.where(received, "received:" + months.group, "paid:KAZ")
    recorded = [recorded_factor(f"{REMITTANCES_RECEIVED[0]}:{g}", y) if r else 1.0
                for g, y, r in zip(months.group, months.year, received)]
    return pd.DataFrame({"year": months.year, "series": name,
                         "value": months["sum"] * np.array(recorded)}).reset_index(drop=True)

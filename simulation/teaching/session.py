"""One browser tab's run, stepped in one place: the model, the earlier runs, the run without shocks.

The page plays from a thread while its buttons act from another, and a chart that read the
model while it stepped saw arrays of unequal length (the traceback the old page showed). So
nothing outside this module touches the model: every change (Reset, a step, a shock) goes
through a `Session` method that holds the session's lock, and each returns a `Snapshot`,
copies of what the charts draw taken under the same lock. A chart draws from a snapshot
only, so it always sees one month's consistent state however the clicks interleave.

A session also keeps earlier runs (drawn as ghost lines until cleared), the same run without
its shocks (the counterfactual, same seed, stepped alongside), and the charts' axis ranges,
which only grow, so runs compared on one chart share its axes. No web framework here.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import ScenarioError
from ..indicators import ORIGIN_DEST
from ..scenario import month_index
from ..world import DEST_COUNTRIES
from .model import SHOCKS, TeachingModel, country_flows, country_stocks
from .presets import APP_AGENTS, BASELINE, CONTROLS, default_controls, presets

MAX_GHOSTS = 4  # earlier runs kept on the charts; older ones are dropped first
MAX_ARROWS = 24  # the month's largest moves between countries drawn on the map
# Starting axis ranges (persons or USD million a month): every preset at the default sliders
# fits (measured to 2030); a run that goes beyond widens the axis until runs are cleared.
AXES = {"stock_kaz": 1_000_000, "abroad": 6_000_000, "flows": 100_000, "remittances": 600.0,
        "work": 1_000_000}

def _abroad_by_destination(migrants_abroad: np.ndarray) -> np.ndarray:
    """(months, destination countries) from the recorder's (months, origin->destination) columns."""
    out = np.zeros((len(migrants_abroad), len(DEST_COUNTRIES)))
    for j, group in enumerate(ORIGIN_DEST):
        out[:, DEST_COUNTRIES.index(group.split("->")[1])] += migrants_abroad[:, j]
    return out


def series_of(model: TeachingModel) -> dict[str, np.ndarray]:
    """Copies of the recorded months the charts draw (one row per month simulated)."""
    n = model.month_counter if model.month_counter > 0 else 0
    v = model.recorder.values
    return {
        "stock_kaz_by_origin": v["stock_kaz_by_origin"][:n].copy(),
        "abroad_by_destination": _abroad_by_destination(v["migrants_abroad"][:n]),
        "arrivals_kaz": v["arrivals_kaz"][:n, 0].copy(),
        "departures_kaz": v["departures_kaz"][:n, 0].copy(),
        "remittances_received": v["remittances_received_usd"][:n] / 1e6,
        "employment_kaz": v["employment_kaz"][:n].copy(),
        "concentration": model.concentration[:n].copy(),
    }


@dataclass(frozen=True, eq=False)  # compared by identity: the series are arrays
class Run:
    """A run as the charts draw it: its settings, first month and monthly series."""

    preset: str
    controls: dict
    shocks: tuple  # ((key, first month it acts), ...)
    start_index: int  # absolute month of the first row
    series: dict


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the page shows at one moment, copied under the session's lock (never the model itself)."""

    version: int  # rises with every change: the page redraws when it differs
    preset: str
    controls: dict
    shocks: tuple  # ((key, first month it acts), ...)
    date: str | None  # the last month simulated, YYYY-MM (None before the first)
    next_date: str  # the month the next step simulates
    finished: bool
    current: Run
    twin: Run | None  # the same run without its shocks, stepped alongside
    ghosts: tuple  # earlier runs, oldest first
    stocks: dict  # migrant workers present in each country now (persons)
    flows: tuple  # the last month's largest moves between countries: (from, to, persons, kind)
    axes: dict = field(default_factory=dict)  # the charts' upper limits

    @property
    def headline(self) -> dict[str, float]:
        s = self.current.series
        n = len(s["concentration"])
        return {"stock_kaz": float(s["stock_kaz_by_origin"][-1].sum()) if n else 0.0,
                "abroad": float(s["abroad_by_destination"][-1].sum()) if n else 0.0,
                "concentration": float(s["concentration"][-1]) if n else float("nan")}


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above value (an axis limit that reads well)."""
    if value <= 0:
        return 1.0
    power = 10 ** np.floor(np.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= value:
            return float(m * power)
    return float(10 * power)


class Session:
    """A browser tab's run; every method that changes it holds the lock and returns a snapshot."""

    def __init__(self, agents: int = APP_AGENTS, seed: int | None = None):
        self.lock = threading.RLock()
        self.agents, self.seed = agents, seed
        self.ghosts: list[Run] = []
        self.axes = dict(AXES)
        self.counterfactual = True  # step the run without its shocks alongside, once shocked
        self.version = 0
        self.model = self._build(BASELINE, default_controls(), [])
        self.twin: TeachingModel | None = None

    def _build(self, preset: str, controls: dict, shocks) -> TeachingModel:
        return TeachingModel(preset=preset, agents=self.agents, seed=self.seed, shocks=list(shocks), **controls)

    # --- changes ----------------------------------------------------------------------------
    def reset(self, preset: str, controls: dict, shocks=(), keep: bool = True) -> Snapshot:
        """A new run with these settings; the one before stays on the charts as a ghost (if it ran)."""
        with self.lock:
            if keep and self.model.month_counter > 0:
                self.ghosts = [*self.ghosts, self._run(self.model)][-MAX_GHOSTS:]
            self.model = self._build(preset, controls, shocks)
            self.twin = None
            if shocks and self.counterfactual:
                self.twin = self._build(preset, controls, [])
            return self.snapshot()

    def advance(self, months: int = 1, until: str | None = None, seconds: float | None = None) -> Snapshot:
        """Up to `months` months, stopping after the month `until` (YYYY-MM) if given, and once
        `seconds` have passed if given (at least one month is stepped)."""
        with self.lock:
            start = time.perf_counter()
            for _ in range(months):
                if self.model.finished or (until is not None and self.model.date > until):
                    break
                self.model.step()
                if self.twin is not None:
                    self.twin.step()
                if seconds is not None and time.perf_counter() - start >= seconds:
                    break
            return self.snapshot()

    def shock(self, key: str) -> Snapshot:
        """The shock `key` from the coming month; the first one starts the run without shocks alongside."""
        with self.lock:
            if key not in SHOCKS:
                raise ScenarioError(f"unknown shock '{key}'; choose one of {', '.join(SHOCKS)}.")
            if self.model.add_shock(key) and self.counterfactual and self.twin is None:
                m = self.model
                self.twin = self._build(m.preset, m.controls, [])
                while self.twin.month_counter < m.month_counter:
                    self.twin.step()
            return self.snapshot()

    def clear(self) -> Snapshot:
        """Forget the earlier runs; the axes return to their starting ranges."""
        with self.lock:
            self.ghosts = []
            self.axes = dict(AXES)
            return self.snapshot()

    # --- what the page draws ------------------------------------------------------------------
    def _run(self, model: TeachingModel) -> Run:
        return Run(model.preset, dict(model.controls), tuple(model.shocks), model.start_index, series_of(model))

    def _grow_axes(self, runs) -> None:
        peaks = {"stock_kaz": "stock_kaz_by_origin", "abroad": "abroad_by_destination", "work": "employment_kaz"}
        for run in runs:
            s = run.series
            if not len(s["concentration"]):
                continue
            for axis, name in peaks.items():
                self.axes[axis] = max(self.axes[axis], _nice_ceiling(s[name].sum(axis=1).max()))
            flows = max(s["arrivals_kaz"].max(), s["departures_kaz"].max())
            self.axes["flows"] = max(self.axes["flows"], _nice_ceiling(flows))
            self.axes["remittances"] = max(self.axes["remittances"],
                                           _nice_ceiling(np.nanmax(s["remittances_received"])))

    def snapshot(self) -> Snapshot:
        """Copies of everything the page shows, taken under the lock."""
        with self.lock:
            m = self.model
            self.version += 1
            current = self._run(m)
            twin = self._run(self.twin) if self.twin is not None else None
            self._grow_axes([current, *([twin] if twin else []), *self.ghosts])
            return Snapshot(
                version=self.version, preset=m.preset, controls=dict(m.controls), shocks=tuple(m.shocks),
                date=m.recorder.dates[-1] if m.month_counter > 0 else None, next_date=m.date,
                finished=m.finished, current=current, twin=twin, ghosts=tuple(self.ghosts),
                stocks=country_stocks(m), flows=tuple(country_flows(m)[:MAX_ARROWS]) if m.month_counter > 0 else (),
                axes=dict(self.axes))

    def setup(self) -> dict:
        """The running setup, as saved to a file and loaded back (`check_setup`)."""
        with self.lock:
            m = self.model
            return {"migsim_teaching_setup": 1, "preset": m.preset, "controls": dict(m.controls),
                    "shocks": [list(s) for s in m.shocks]}


# --- saved setups -------------------------------------------------------------------------------
def check_setup(text: str | bytes, name: str = "the file") -> dict:
    """A setup read from JSON, checked whole; a problem raises ScenarioError naming the key and what is allowed."""
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{name}: not a saved setup (not valid JSON: {exc}).") from None
    if not isinstance(doc, dict) or doc.get("migsim_teaching_setup") != 1:
        raise ScenarioError(f"{name}: not a saved setup of the teaching page (no \"migsim_teaching_setup\": 1).")
    unknown = sorted(set(doc) - {"migsim_teaching_setup", "preset", "controls", "shocks"})
    if unknown:
        raise ScenarioError(f"{name}: unknown key '{unknown[0]}'; allowed: preset, controls, shocks.")
    preset = doc.get("preset", BASELINE)
    if preset not in presets():
        raise ScenarioError(f"{name}: preset '{preset}' is not allowed; choose one of {', '.join(presets())}.")
    controls = default_controls()
    given = doc.get("controls", {})
    if not isinstance(given, dict):
        raise ScenarioError(f"{name}: 'controls' must be a table of slider values.")
    for key, value in given.items():
        if key not in CONTROLS:
            raise ScenarioError(f"{name}: controls.{key} is not a slider; allowed: {', '.join(CONTROLS)}.")
        c = CONTROLS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not c.low <= value <= c.high:
            raise ScenarioError(f"{name}: controls.{key} = {value!r} is not allowed; give a number from "
                                f"{c.low:g} to {c.high:g}.")
        controls[key] = int(value) if isinstance(c.default, int) else float(value)
    shocks = []
    for item in doc.get("shocks", []):
        ok = (isinstance(item, list) and len(item) == 2 and item[0] in SHOCKS and isinstance(item[1], str))
        try:
            ok = ok and month_index("2015-01") <= month_index(item[1]) <= month_index("2030-12")
        except Exception:  # noqa: BLE001 - any malformed month is the same error
            ok = False
        if not ok:
            raise ScenarioError(f"{name}: shock {item!r} is not allowed; give [kind, \"YYYY-MM\"] with a kind "
                                f"from {', '.join(SHOCKS)} and a month from 2015-01 to 2030-12.")
        shocks.append((item[0], item[1]))
    return {"preset": preset, "controls": controls, "shocks": shocks}


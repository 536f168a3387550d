"""The page's model: a preset and slider values in, a small `MigrationModel` out, with shocks on demand.

A shock pressed on the page is the model's own dated event (`events.py`), added as a
scenario file's `[[events]]` would hold it and scheduled by `events.schedule`, so the page
and `migsim run` share one mechanism and a saved setup replays exactly. This module also
computes the measures the page shows and the tests check: the destination concentration
(Herfindahl) index, and the stock and moves between countries for the map. It imports no
web framework.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..events import KINDS, parse_events
from ..model import MigrationModel
from ..scenario import month_index
from ..timeline import schedule as schedule_events
from ..world import DEST_COUNTRIES, HOME, LOCATION_COUNTRY, N_LOCATIONS, ORIGINS
from .presets import APP_AGENTS, APP_END, BASELINE, default_controls, teaching_scenario


@dataclass(frozen=True)
class Shock:
    """A button of the page: the event it adds (with `months`, a window of that length)."""

    label: str  # English; the page translates
    event: dict
    months: int | None = None  # None: from the coming month to the end of the run


SHOCKS: dict[str, Shock] = {
    "sanctions": Shock("Sanctions on Russia", {"kind": "sanctions"}),
    "rouble": Shock("Rouble falls 30%", {"kind": "exchange_rate", "country": "RUS", "change_percent": -30.0}),
    "tenge": Shock("Tenge falls 30%", {"kind": "exchange_rate", "country": "KAZ", "change_percent": -30.0}),
    "borders": Shock("Borders closed for 6 months", {"kind": "border_closure"}, months=6),
}


def sanctions_summary() -> str:
    """What the sanctions button does, in words, from the `sanctions` event kind's defaults.

    The page shows this sentence and docs/teaching.md quotes it (a test checks that the
    two agree), so changing a default in events.py changes what the teacher reads.
    """
    d = {k: v.default for k, v in KINDS["sanctions"].settings.items()}
    rouble, real = d["rouble_change_percent"], d["real_wage_change_percent"]
    return (f"the rouble {'loses' if rouble < 0 else 'gains'} {abs(rouble):.0f}% against the US dollar and "
            f"wages in Russia {'lose' if real < 0 else 'gain'} a further {abs(real):.0f}%; "
            f"{d['channel_capacity']:.0%} of remittances from Russia get through; "
            f"{d['relocation_share']:.0%} of Russians at home move to Kazakhstan over "
            f"{d['relocation_months']} months")


def _month_after(date: str, months: int) -> str:
    year, m = divmod(month_index(date) + months, 12)
    return f"{year:04d}-{m + 1:02d}"


class TeachingModel(MigrationModel):
    """The page's model: a preset and slider values in, a small `MigrationModel` out.

    It stops (`running` False) at the end of the period instead of raising, takes any
    shock of `SHOCKS` at any month, as often as pressed, and records the destination
    concentration every month (the page plots it over time).
    """

    def __init__(self, preset: str = BASELINE, wage_gap: float = 1.0, network_strength: float = 1.0,
                 migration_cost: float = 1.0, quota: int = 30_000, agents: int = APP_AGENTS,
                 seed: int | None = None, end: str = APP_END, shocks: list[tuple[str, str]] = ()):
        params = teaching_scenario(preset, wage_gap=wage_gap, network_strength=network_strength,
                                   migration_cost=migration_cost, quota=quota, agents=agents, seed=seed,
                                   end=end)
        super().__init__(params)
        self.preset = preset
        self.controls = dict(wage_gap=wage_gap, network_strength=network_strength,
                             migration_cost=migration_cost, quota=quota)
        self.shocks: list[tuple[str, str]] = []  # (shock key, first month it acts), in the order pressed
        self._shock_actions: list = []  # kept: Mesa holds scheduled callbacks weakly
        self.concentration = np.full(self.n_months, np.nan)  # destination HHI, by month recorded
        for key, date in shocks:
            self.add_shock(key, date)

    @classmethod
    def from_setup(cls, setup: dict, **kwargs) -> TeachingModel:
        """A model from a page setup: {"preset", "controls", "shocks"} (see `session.check_setup`)."""
        controls = {**default_controls(), **setup.get("controls", {})}
        return cls(preset=setup.get("preset", BASELINE), shocks=setup.get("shocks", ()), **controls, **kwargs)

    def step(self) -> None:
        """One month; after the last month the model stops instead of raising."""
        if self.finished:
            self.running = False
            return
        row = self.month_counter
        super().step()
        self.concentration[row] = destination_concentration(self)
        self.running = not self.finished

    def add_shock(self, key: str, date: str | None = None) -> str | None:
        """The shock `key` from `date` (default: the coming month) on: the model's own event.

        The event is the one a scenario file would hold (its kind's documented defaults, see
        docs/policy.md), numbered after the scenario's own events as if appended to its
        `[[events]]` (so it draws from a slot of the shock stream of its own), and scheduled
        through `events.schedule`, as the model does for a scenario's timeline. Returns the
        month it first acts, or None when the run is over or the month is past.
        """
        date = self.date if date is None else date
        if self.finished or month_index(date) < self.absolute_month:
            return None
        shock = SHOCKS[key]
        table = {**shock.event, "_file": f"the '{key}' button"}
        if shock.months:
            # Pressed again while its window is in force, it adds a window after that one (borders
            # closed for six months more): two windows setting one lever may not cross, since the
            # first to end would undo the other (`events._check_no_overlap`).
            busy = [ev.end for ev in self.timeline if ev.kind == shock.event["kind"] and ev.end is not None
                    and ev.end >= month_index(date)]
            if busy:
                date = _month_after(date, max(busy) + 1 - month_index(date))
                if month_index(date) >= self.start_index + self.n_months:
                    return None
            table.update(start=date, end=_month_after(date, shock.months - 1))
        else:
            table["date"] = date
        (event,) = parse_events([table])
        event.index = len(self.timeline)
        self.timeline.append(event)
        self._shock_actions.extend(schedule_events(self, [event]))
        self.shocks.append((key, date))
        return date


# --- measures shared by the page and the tests ----------------------------------------------------
def herfindahl(counts) -> float:
    """Herfindahl-Hirschman index of a distribution: the sum of squared shares (1/n..1)."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return float(((counts / total) ** 2).sum()) if total > 0 else float("nan")


def destination_concentration(model: MigrationModel) -> float:
    """How concentrated migrants are on few destinations (regions of Kazakhstan and countries).

    The Herfindahl index of each origin's migrants over the destinations they are at,
    averaged over origins weighted by their migrants abroad: 1 when every migrant of an
    origin is in one place, 1/13 when they are spread evenly. One bincount over
    (origin, location) pairs, since the page computes it every month.
    """
    pop = model.population
    abroad = pop.location != HOME
    counts = np.bincount(pop.origin[abroad].astype(np.int64) * N_LOCATIONS + pop.location[abroad],
                         minlength=len(ORIGINS) * N_LOCATIONS).reshape(len(ORIGINS), N_LOCATIONS)[:, 1:]
    per_origin = counts.sum(axis=1)
    total = per_origin.sum()
    if total == 0:
        return float("nan")
    shares = counts / np.maximum(per_origin, 1)[:, None]
    return float(((shares ** 2).sum(axis=1) * per_origin).sum() / total)


# Country nodes of the map: origins and destinations, with map-like coordinates (longitude,
# latitude of a central city; Korea drawn nearer than it is so the map stays compact).
NODES: dict[str, tuple[float, float]] = {
    "EU": (13.0, 51.0), "TUR": (32.8, 39.9), "RUS": (44.0, 55.0), "AZE": (49.9, 40.4),
    "ARE": (55.3, 25.2), "UZB": (64.5, 40.0), "TJK": (68.8, 33.0), "KGZ": (78.5, 39.0),
    "KAZ": (71.4, 49.0), "CHN": (92.0, 44.0), "KOR": (104.0, 34.5),
}


def _node_of_location(origin: int, location: int) -> str:
    return ORIGINS[origin] if location == HOME else DEST_COUNTRIES[LOCATION_COUNTRY[location]]


def last_month_flows(model: MigrationModel) -> np.ndarray:
    """(origins, locations, locations) workers who moved in the last simulated month."""
    row = model.month_counter - 1
    if model.recorder is not None and 0 <= row < len(model.recorder.flows):
        return model.recorder.flows[row]
    return model.totals.flows


def country_flows(model: MigrationModel) -> list[tuple[str, str, float, str]]:
    """The last month's moves between countries as (from, to, persons, kind), largest first.

    kind is "leave" (from home), "return" (to home) or "onward" (from one country abroad
    to another). Moves between regions of the same country are left out.
    """
    flows = last_month_flows(model)
    totals: dict[tuple[str, str, str], float] = {}
    for o, a, b in zip(*np.nonzero(flows)):
        src, dst = _node_of_location(int(o), int(a)), _node_of_location(int(o), int(b))
        if src != dst:
            kind = "leave" if a == HOME else "return" if b == HOME else "onward"
            totals[(src, dst, kind)] = totals.get((src, dst, kind), 0.0) + flows[o, a, b] * model.population.scale
    return sorted(((s, d, v, k) for (s, d, k), v in totals.items()), key=lambda e: -e[2])


def country_stocks(model: MigrationModel) -> dict[str, float]:
    """Migrant workers present in each country (persons), foreigners and citizens abroad alike."""
    pop = model.population
    abroad = pop.location != HOME
    per_country = np.bincount(LOCATION_COUNTRY[pop.location[abroad]], minlength=len(DEST_COUNTRIES))
    out = {n: 0.0 for n in NODES}
    for j, c in enumerate(DEST_COUNTRIES):
        out[c] = float(per_country[j] * pop.scale)
    return out

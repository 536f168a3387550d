"""The migration-theory laboratory behind `migsim app`: presets, controls, a shock, measures.

A theory is not a separate toy model: each preset in `scenarios/theories/` is an ordinary
scenario file that switches mechanisms of the same model on or off and sets their
strength. Its `description` holds the two-or-three-sentence explanation and its source
(after "Source:"), so the text a student reads lives in one place. This module turns a
preset plus the app's sliders into a validated `Scenario`, builds the small model the page
steps (`TeachingModel`), gives it the model's own sanctions event on demand, and computes
the summary measures the page and the theory tests share. It imports no web framework.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScenarioError
from .events import KINDS, parse_events
from .model import MigrationModel
from .parameters import PARAMETERS
from .scenario import Scenario, baseline_path, load_scenario
from .timeline import schedule as schedule_events
from .world import DEST_COUNTRIES, HOME, LOCATION_COUNTRY, N_LOCATIONS, ORIGINS

THEORY_DIR = baseline_path().parent / "theories"
# The order a course meets the theories in; files not listed follow alphabetically.
THEORY_ORDER = ("neoclassical", "push_pull", "nelm", "dual_labour_market", "networks", "migration_systems")
BASELINE = "baseline"

# The small world the page steps: a few thousand workers, a short burn-in so that Reset
# is quick, and the baseline's calendar.
APP_AGENTS = 3000
APP_BURN_IN = 24
APP_START, APP_END = "2015-01", "2030-12"


@dataclass(frozen=True)
class Preset:
    """A theory preset: its scenario file and the text shown beside it."""

    key: str  # file stem, e.g. "networks"
    title: str  # the theory's name, from the file's first comment line
    explanation: str  # the description before "Source:"
    source: str  # the description after "Source:"
    path: Path

    def scenario(self) -> Scenario:
        return load_scenario(self.path)


def _split_description(description: str) -> tuple[str, str]:
    text = " ".join(description.split())
    head, sep, tail = text.partition("Source:")
    return head.strip(), tail.strip() if sep else ""


def _title(path: Path) -> str:
    """'# Theory: networks and cumulative causation.' -> 'Networks and cumulative causation'."""
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*Theory:\s*(.+?)\.?\s*$", line)
        if m:
            text = m.group(1)
            return text[0].upper() + text[1:]
    return path.stem.replace("_", " ").capitalize()


def _read_preset(path: Path) -> Preset:
    with path.open("rb") as f:
        try:
            doc = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{path}: not valid TOML ({exc}).") from None
    description = doc.get("description", "")
    if not isinstance(description, str) or "Source:" not in description:
        raise ScenarioError(f"{path}: a theory preset needs a 'description' that explains the theory and ends "
                            "with 'Source: ...' naming where it comes from.")
    explanation, source = _split_description(description)
    return Preset(path.stem, _title(path), explanation, source, path)


def presets() -> dict[str, Preset]:
    """The baseline and every theory preset, in teaching order."""
    base = load_scenario(baseline_path())
    found = {p.stem: p for p in sorted(THEORY_DIR.glob("*.toml"))}
    order = [k for k in THEORY_ORDER if k in found] + [k for k in found if k not in THEORY_ORDER]
    out = {BASELINE: Preset(
        BASELINE, "All mechanisms together (baseline)",
        "Every mechanism of the model at the strength the baseline scenario gives it: expected income, "
        "household needs, contacts, costs and legal status together. Compare a theory with it to see "
        "what that theory leaves out.",
        f"scenarios/baseline.toml ({base.description})", baseline_path())}
    for key in order:
        out[key] = _read_preset(found[key])
    return out


# --- the sliders, as changes to the preset's parameters ---------------------------------------
CONTROLS = {
    # name: (label, default, low, high, step)
    "wage_gap": ("Wage gap", 1.0, 0.5, 2.0, 0.1),  # x foreign workers' wages abroad
    "network_strength": ("Networks", 1.0, 0.0, 3.0, 0.25),  # x contacts' pull and help
    "migration_cost": ("Cost", 1.0, 0.0, 4.0, 0.25),  # x travel and document costs
    "quota": ("Quota", 30_000, 0, 200_000, 5_000),  # work permits in Kazakhstan, persons
}


def _clip(key: str, value: float) -> float:
    p = PARAMETERS[key]
    if p.low is not None:
        value = max(value, p.low)
    if p.high is not None:
        value = min(value, p.high)
    return value


def teaching_scenario(preset: str = BASELINE, *, wage_gap: float = 1.0, network_strength: float = 1.0,
                      migration_cost: float = 1.0, quota: float | None = None, agents: int = APP_AGENTS,
                      burn_in: int = APP_BURN_IN, start: str = APP_START, end: str = APP_END,
                      seed: int | None = None, **overrides) -> Scenario:
    """A preset with the app's sliders applied, for a small population.

    The sliders scale what the preset sets, so a theory that switches a mechanism off
    (e.g. contacts in the neoclassical preset) keeps it off at any network strength.
    wage_gap multiplies foreign workers' wages in every destination; network_strength
    the pull of contacts and the help they give in finding work; migration_cost every
    travel and document cost; quota sets the work-permit quota in persons. Further
    parameters may be given as overrides (dotted keys with '__', as `with_values`).
    """
    table = presets()
    if preset not in table:
        raise ScenarioError(f"unknown theory preset '{preset}'; choose one of {', '.join(table)}.")
    for name, value in (("wage_gap", wage_gap), ("network_strength", network_strength),
                        ("migration_cost", migration_cost)):
        if not (isinstance(value, (int, float)) and value >= 0):
            raise ScenarioError(f"{name} = {value!r} is not allowed; it must be a number of at least 0.")
    s = table[preset].scenario()
    v = s.values
    changes: dict[str, object] = {"run.agents": int(agents), "run.burn_in_months": int(burn_in),
                                  "run.start": start, "run.end": end}
    if seed is not None:
        changes["run.seed"] = int(seed)
    changes["wages.kaz_migrant_ratio"] = v["wages.kaz_migrant_ratio"] * wage_gap
    for c in DEST_COUNTRIES[1:]:
        key = f"wages.migrant_ratio.{c}"
        changes[key] = _clip(key, v[key] * wage_gap)
    for key in ("behaviour.beta_network", "labour.job_network_after", "labour.job_network_before"):
        changes[key] = _clip(key, v[key] * network_strength)
    for key in v:
        if key.endswith(".travel_cost_usd") or key.startswith("legal.document_cost."):
            changes[key] = _clip(key, v[key] * migration_cost)
    if quota is not None:
        changes["policy.work_permit_quota"] = quota
    changes.update({k.replace("__", "."): val for k, val in overrides.items()})
    return s.with_values(**{k.replace(".", "__"): val for k, val in changes.items()})


# --- the sanctions shock -------------------------------------------------------------------------
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


class TeachingModel(MigrationModel):
    """The page's model: a preset and slider values in, a small `MigrationModel` out.

    Its keyword arguments are the page's controls (Mesa's SolaraViz rebuilds the model
    from them on Reset). The model stops (`running` False) at the end of the period
    instead of raising, and can take the sanctions shock at any month.
    """

    def __init__(self, preset: str = BASELINE, wage_gap: float = 1.0, network_strength: float = 1.0,
                 migration_cost: float = 1.0, quota: int = 30_000, agents: int = APP_AGENTS,
                 seed: int | None = None, end: str = APP_END):
        params = teaching_scenario(preset, wage_gap=wage_gap, network_strength=network_strength,
                                   migration_cost=migration_cost, quota=quota, agents=agents, seed=seed,
                                   end=end)
        super().__init__(params)
        self.preset = preset
        self.controls = dict(wage_gap=wage_gap, network_strength=network_strength,
                             migration_cost=migration_cost, quota=quota)
        self.sanctions_date: str | None = None
        self._sanctions_actions: list = []  # kept: Mesa holds scheduled callbacks weakly
        self.peak_flow = 1.0  # largest country-to-country flow so far (persons), to scale arrows

    def step(self) -> None:
        """One month; after the last month the model stops instead of raising."""
        if self.finished:
            self.running = False
            return
        super().step()
        edges = country_flows(self)
        if edges:
            self.peak_flow = max(self.peak_flow, max(e[2] for e in edges))
        self.running = not self.finished

    def apply_sanctions(self) -> None:
        """Sanctions on Russia from the coming month on: the model's own `sanctions` event.

        The button adds the event a scenario file would hold (`kind = "sanctions"`, dated this
        month, with the kind's documented defaults; see docs/policy.md), numbered after the
        scenario's own events as if appended to its `[[events]]` (so it draws with a key of
        its own), and schedules it through `timeline.schedule`, as the
        model does for a scenario's timeline: the page and `migsim run` share one mechanism.
        It has no end, so it lasts to the end of the run.
        """
        if self.sanctions_date is not None or self.finished:
            return
        (event,) = parse_events([{"kind": "sanctions", "date": self.date, "_file": "the sanctions button"}])
        event.index = len(self.timeline)
        self.sanctions_date = self.date
        self.timeline.append(event)
        self._sanctions_actions = schedule_events(self, [event])


# --- measures shared by the page and the theory tests ----------------------------------------------
def herfindahl(counts) -> float:
    """Herfindahl-Hirschman index of a distribution: the sum of squared shares (1/n..1)."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return float(((counts / total) ** 2).sum()) if total > 0 else float("nan")


def destination_concentration(model: MigrationModel) -> float:
    """How concentrated migrants are on few destinations (regions of Kazakhstan and countries).

    The Herfindahl index of each origin's migrants over the destinations they are at,
    averaged over origins weighted by their migrants abroad: 1 when every migrant of an
    origin is in one place, 1/13 when they are spread evenly.
    """
    pop = model.population
    abroad = pop.location != HOME
    total, weighted = 0, 0.0
    for o in range(len(ORIGINS)):
        here = pop.location[abroad & (pop.origin == o)]
        if len(here):
            weighted += len(here) * herfindahl(np.bincount(here, minlength=N_LOCATIONS)[1:])
            total += len(here)
    return weighted / total if total else float("nan")


# Country nodes of the map: origins and destinations, with map-like coordinates (longitude,
# latitude of a central city; Korea drawn nearer than it is so the map stays compact).
NODES: dict[str, tuple[float, float]] = {
    "EU": (13.0, 51.0), "TUR": (32.8, 39.9), "RUS": (44.0, 55.0), "AZE": (49.9, 40.4),
    "ARE": (55.3, 25.2), "UZB": (64.5, 40.0), "TJK": (68.8, 37.0), "KGZ": (75.5, 41.0),
    "KAZ": (71.4, 49.0), "CHN": (86.0, 42.5), "KOR": (102.0, 37.5),
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


def network_sample(model: MigrationModel, size: int = 120, seeds: int = 4) -> np.ndarray:
    """A snowball sample of workers: a few who are abroad, their contacts, their contacts' contacts.

    A random sample of a few thousand workers holds almost no ties among its members;
    following ties from migrants shows the chains the network theories are about. The
    draw uses its own generator, so it does not change the model's random streams.
    """
    pop = model.population
    rng = np.random.default_rng([model.seed, 7])
    abroad = np.flatnonzero((pop.location != HOME) & (pop.degree > 0))
    pool = abroad if len(abroad) >= seeds else np.flatnonzero(pop.degree > 0)
    if len(pool) == 0:
        return np.arange(min(size, pop.n))
    chosen: list[int] = []
    seen = set()
    frontier = [int(x) for x in rng.choice(pool, size=min(seeds, len(pool)), replace=False)]
    while frontier and len(chosen) < size:
        nxt: list[int] = []
        for w in frontier:
            if w in seen or len(chosen) >= size:
                continue
            seen.add(w)
            chosen.append(w)
            ties = pop.ties[pop.tie_start[w]:pop.tie_start[w + 1]]
            nxt.extend(int(t) for t in rng.permutation(ties)[:6] if int(t) not in seen)
        frontier = nxt
    return np.array(sorted(chosen))

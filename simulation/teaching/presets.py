"""Theory presets, the page's sliders and the scenario they make; what a shock does, in words.

A theory is not a separate toy model: each preset in `scenarios/theories/` is an ordinary
scenario file that switches mechanisms of the same model on or off and sets their
strength. Its `description` holds the two-or-three-sentence explanation and its source
(after "Source:"), so the text a student reads lives in one place. This module turns a
preset plus the page's sliders into a validated `Scenario`. It imports no web framework.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScenarioError
from ..parameters import PARAMETERS
from ..scenario import Scenario, baseline_path, load_scenario
from ..world import DEST_COUNTRIES

THEORY_DIR = baseline_path().parent / "theories"
# The order a course meets the theories in; files not listed follow alphabetically.
THEORY_ORDER = ("neoclassical", "push_pull", "nelm", "dual_labour_market", "networks", "migration_systems")
BASELINE = "baseline"

# The small world the page steps: a few thousand workers and the baseline's calendar. No
# burn-in: every theory starts from the same world, everyone at home in January 2015, so
# the runs of two presets are alike until Play and what differs afterwards is the theory.
APP_AGENTS = 3000
APP_BURN_IN = 0
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
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        m = re.match(r"#\s*Theory:\s*(.+?)\.?\s*$", line)
        if m:
            text = m.group(1)
            return text[0].upper() + text[1:]
    return path.stem.replace("_", " ").capitalize()


def _read_preset(path: Path) -> Preset:
    try:  # as scenario files are read: with or without a byte-order mark
        doc = tomllib.loads(path.read_text(encoding="utf-8-sig"))
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
@dataclass(frozen=True)
class Control:
    """A slider of the page: its label and unit (English; the page translates), range and step."""

    label: str
    unit: str
    default: float
    low: float
    high: float
    step: float


CONTROLS = {
    "wage_gap": Control("Wage gap", "x wages abroad", 1.0, 0.5, 2.0, 0.1),
    "network_strength": Control("Networks", "x pull and help of contacts", 1.0, 0.0, 3.0, 0.25),
    "migration_cost": Control("Cost", "x travel and document costs", 1.0, 0.0, 4.0, 0.25),
    "quota": Control("Quota", "work permits a year", 30_000, 0, 200_000, 5_000),
}


def default_controls() -> dict[str, float]:
    """The sliders at their preset defaults (every preset starts from these)."""
    return {name: c.default for name, c in CONTROLS.items()}


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

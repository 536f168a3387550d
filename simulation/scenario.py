"""Scenario files: TOML deltas over the baseline, validated once when loaded.

A scenario sets any of the keys declared in `parameters.py` (nested tables map onto
dotted keys) and may `extends` another scenario, changing only what differs. Unknown
keys, wrong types and out-of-range values stop the load with a `ScenarioError` that
names the file, the key, the value and what is allowed.
"""

from __future__ import annotations

# Imports inside functions: the drivers' data load only when a run's years are checked.
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from .dates import UNQUOTED_MONTH, month_index, shown, unquoted_date
from .errors import ScenarioError, not_a_file
from .events import Event, check_event_dates, parse_events
from .parameters import PARAMETERS, defaults

RESERVED = {"extends", "name", "description", "events"}
NAME_PATTERN = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,79}")  # a scenario's name is its results folder


@dataclass
class Scenario:
    """A fully resolved scenario: every parameter with the value the run uses, and its events.

    Events are validated `events.Event` objects; `[[events]]` tables given as dicts (in
    Python, `replace(scenario, events=[...])`) are validated here, so a scenario cannot
    hold an event that would fail only when a model is built.
    """

    name: str
    values: dict[str, Any]
    path: Path | None = None
    description: str = ""
    chain: list[Path] = field(default_factory=list)  # files read, most basic first
    events: list[Event] = field(default_factory=list)

    def __post_init__(self):
        if any(not isinstance(e, Event) for e in self.events):
            tables = [dict(e.table, _file=e.source) if isinstance(e, Event) else e for e in self.events]
            self.events = parse_events(tables)
        if self.events and "run.start" in self.values:
            check_event_dates(self.events, self.values["run.start"])

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def with_values(self, **changes: Any) -> "Scenario":
        """A copy with some dotted keys changed (given with '__' for '.'), validated."""
        updated = dict(self.values)
        for raw_key, value in changes.items():
            key = raw_key.replace("__", ".")
            updated[key] = _check_value("(override)", key, value)
        _check_consistency("(override)", updated)
        return Scenario(self.name, updated, self.path, self.description, list(self.chain), list(self.events))

    def table(self, prefix: str) -> dict[str, Any]:
        """Values of the keys under a prefix, by the rest of the key (prefix 'population.pool': pools by origin)."""
        cut = len(prefix) + 1
        return {k[cut:]: v for k, v in self.values.items() if k.startswith(prefix + ".")}

    def to_toml(self) -> str:
        """Every parameter as used, as a TOML document that loads back to the same scenario."""
        nested: dict[str, Any] = {"name": self.name}
        if self.description:
            nested["description"] = self.description
        for key, value in self.values.items():
            node = nested
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        if self.events:
            nested["events"] = [ev.table for ev in self.events]
        header = f"# Scenario '{self.name}' with every parameter resolved (migsim writes this file).\n"
        return header + tomli_w.dumps(nested)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def unknown_key_message(source: str, key: str) -> str:
    """The message for a key the registry does not hold: near misses, and the keys allowed beside it."""
    prefix = key.rsplit(".", 1)[0] if "." in key else ""
    siblings = sorted(k for k in PARAMETERS if prefix and k.startswith(prefix + "."))
    close = difflib.get_close_matches(key, list(PARAMETERS), n=3, cutoff=0.6)
    msg = f"{source}: unknown key '{key}'."
    if close:
        msg += " Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if siblings:
        shown = ", ".join(s[len(prefix) + 1:] for s in siblings[:30])
        more = f" (and {len(siblings) - 30} more)" if len(siblings) > 30 else ""
        msg += f" Keys allowed under [{prefix}]: {shown}{more}."
    else:
        tables = sorted({k.split(".")[0] for k in PARAMETERS})
        msg += f" Top-level tables allowed: {', '.join(tables)}; and the keys {', '.join(sorted(RESERVED))}."
    msg += " See docs/parameters.md for every key."
    return msg


def _check_value(source: str, key: str, value: Any) -> Any:
    if key not in PARAMETERS:
        raise ScenarioError(unknown_key_message(source, key))
    p = PARAMETERS[key]
    given = shown(value)
    if p.unit == "YYYY-MM" and unquoted_date(value):
        raise ScenarioError(f"{source}: key '{key}' = {given} {UNQUOTED_MONTH}.")
    bad = f"{source}: key '{key}' = {given} is not allowed; it must be {p.allowed()} ({p.unit})."
    if p.kind is bool:
        if not isinstance(value, bool):
            raise ScenarioError(bad)
        return value
    if p.kind in (int, float) and (isinstance(value, bool) or not isinstance(value, (int, float))
                                   or not math.isfinite(value)):
        raise ScenarioError(bad)
    if p.kind is int:
        if int(value) != value:
            raise ScenarioError(bad)
        value = int(value)
    elif p.kind is float:
        value = float(value)
    elif p.kind is str:
        if not isinstance(value, str):
            raise ScenarioError(bad)
        if p.choices and value not in p.choices:
            raise ScenarioError(bad)
        if p.unit == "YYYY-MM":
            try:
                month_index(value)
            except ValueError:
                raise ScenarioError(f"{source}: key '{key}' = {given} is not a month: write YYYY-MM with the month "
                                    "01 to 12 (e.g. \"2015-01\").") from None
        return value
    if (p.low is not None and value < p.low) or (p.high is not None and value > p.high):
        raise ScenarioError(bad)
    return value


def _check_consistency(source: str, values: dict[str, Any]) -> None:
    """Checks that involve more than one key."""
    if month_index(values["run.end"]) < month_index(values["run.start"]):
        raise ScenarioError(
            f"{source}: run.end = {values['run.end']!r} is before run.start = {values['run.start']!r}; "
            "the end month must not come before the start month."
        )
    _check_data_years(source, values)
    groups = [
        ("mobility.intention", "intention shares"),
        ("labour.sector_demand", "sector demand shares"),
        ("labour.region_demand", "regional demand shares"),
        ("population.sector_male", "men's sector shares"),
        ("population.sector_female", "women's sector shares"),
    ]
    for prefix, what in groups:
        total = sum(v for k, v in values.items() if k.startswith(prefix + "."))
        if not 0.999 <= total <= 1.001:
            raise ScenarioError(
                f"{source}: the {what} under [{prefix}] add up to {total:.4f}; they must add up to 1."
            )
    for a, b in [("population.tie_village_share", "population.tie_origin_share"),
                 ("population.tertiary_share", "population.upper_secondary_share"),
                 ("remittances.share_over_half", "remittances.share_quarter_to_half")]:
        if values[a] + values[b] > 1.0 + 1e-9:
            raise ScenarioError(f"{source}: {a} + {b} = {values[a] + values[b]:.3f}; together they may not exceed 1.")
    for key, value in values.items():  # an origin that is also a destination: its own country is home
        parts = key.split(".")
        if parts[0] == "corridor" and parts[-1] == "regime" and parts[1] == parts[2] and value != "none":
            raise ScenarioError(f"{source}: {key} = {value!r}: workers from {parts[1]} are at home there, so the "
                                "corridor's regime must stay 'none'.")
    if sum(v for k, v in values.items() if k.startswith("population.pool.")) <= 0:  # no one to represent
        raise ScenarioError(f"{source}: population.pool: every pool is zero; at least one origin needs people "
                            "(a pool above 0 under [population.pool]).")


def _check_data_years(source: str, values: dict[str, Any]) -> None:
    """A run must lie within the years the embedded economic series describe.

    Before their first year the drivers would silently hold the first year's values,
    so a run starting in 1990 would be 2010's economy under another name.
    """
    from .drivers import FIRST_YEAR, LAST_YEAR

    for key in ("run.start", "run.end"):
        year = int(values[key][:4])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ScenarioError(
                f"{source}: {key} = {values[key]!r} lies outside the years of the embedded economic data; "
                f"runs may cover {FIRST_YEAR}-01 to {LAST_YEAR}-12 (series observed to 2024, held at their last "
                "values after it).")


def _check_events_within_run(path: Path, values: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """An event the file itself declares after its run ends would never fire: say so."""
    end = month_index(values["run.end"])
    for i, event in enumerate(events, start=1):
        if event.get("_file") != str(path):
            continue  # inherited events may well lie beyond a shorter run
        when = event.get("date", event.get("start"))
        try:
            start = month_index(when)
        except (TypeError, ValueError):
            continue  # a malformed date is reported by the event checks
        if start > end:
            raise ScenarioError(
                f"{path}: [[events]] #{i} ({event.get('kind', '?')}) starts {when}, after run.end = "
                f"{values['run.end']!r}, so it would never happen; move it, or set run.end to {when} or later.")


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(f"{path}: no such scenario file. Give the path of a .toml file (see scenarios/).")
    if what := not_a_file(path):
        raise ScenarioError(f"{path}: {what}; give the path of a scenario .toml file.")
    try:  # "utf-8-sig": a file saved with a byte-order mark (Windows Notepad) reads as any other
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror}); check its permissions.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc}). Fix the syntax at the place named.") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file in UTF-8; a scenario is a TOML text file.") from None


def shipped_names() -> list[str]:
    """Names of the scenarios shipped with migsim (`scenarios/`), which any file may `extends` by name."""
    return sorted(p.stem for p in baseline_path().parent.glob("*.toml"))


def _resolve_extends(path: Path, target: Any) -> Path:
    """`extends` names a file beside this one or a path; a bare name (no folder, no .toml) not found
    beside it is the shipped scenario of that name, so `extends = "baseline"` works from any folder."""
    if not isinstance(target, str) or not target:
        raise ScenarioError(f"{path}: key 'extends' = {shown(target)} must be the name or path of another "
                            "scenario file.")
    candidate = Path(target)
    if not candidate.suffix and candidate.name:  # "/" or "." has no name to add .toml to
        candidate = candidate.with_suffix(".toml")
    if not candidate.is_absolute():
        candidate = path.parent / candidate
    try:
        found = candidate.exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ScenarioError(f"{path}: key 'extends' = {shown(target)} cannot name a file ({exc.strerror}); give the "
                            "name of a scenario beside it or shipped with migsim (e.g. \"baseline\"), or a path.") from None
    if found:
        return candidate.resolve()
    bare = NAME_PATTERN.fullmatch(target) and not target.lower().endswith(".toml")  # no folder, no .toml
    if not bare:
        raise ScenarioError(
            f"{path}: key 'extends' = {target!r} names {candidate}, which does not exist. "
            "Give the name of a scenario beside it or shipped with migsim (e.g. \"baseline\"), or a path.")
    shipped = baseline_path().parent / f"{target}.toml"
    if shipped.is_file():
        return shipped.resolve()
    names = shipped_names()
    close = difflib.get_close_matches(target, names, n=1)
    raise ScenarioError(
        f"{path}: key 'extends' = {target!r} names a scenario that does not exist: looked for {candidate} "
        f"(beside the file) and {shipped} (shipped with migsim)." + (f" Did you mean {close[0]!r}?" if close else "")
        + f" Shipped scenarios: {', '.join(names)}; or give the path of a scenario file.")


def _load_layers(path: Path, seen: tuple[Path, ...]) -> list[tuple[Path, dict[str, Any]]]:
    path = path.resolve()
    if path in seen:
        cycle = " -> ".join(str(p.name) for p in seen + (path,))
        raise ScenarioError(f"{path}: 'extends' forms a cycle ({cycle}); a scenario may not extend itself.")
    doc = _read_toml(path)
    layers: list[tuple[Path, dict[str, Any]]] = []
    if "extends" in doc:
        layers = _load_layers(_resolve_extends(path, doc["extends"]), seen + (path,))
    return layers + [(path, doc)]


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve `extends` and validate a scenario file."""
    path = Path(path)
    values = defaults()
    name = path.stem
    description = ""
    events: list[dict[str, Any]] = []
    layers = _load_layers(path, ())
    for layer_path, doc in layers:
        for key in ("name", "description"):
            if key in doc and not isinstance(doc[key], str):
                raise ScenarioError(f"{layer_path}: key '{key}' = {shown(doc[key])} must be a string.")
        if "events" in doc:
            if not isinstance(doc["events"], list) or not all(isinstance(e, dict) for e in doc["events"]):
                raise ScenarioError(f"{layer_path}: 'events' must be a list of tables ([[events]]).")
            events.extend(dict(e, _file=str(layer_path)) for e in doc["events"])
        description = doc.get("description", description)
        body = {k: v for k, v in doc.items() if k not in RESERVED}
        for key, value in _flatten(body).items():
            values[key] = _check_value(str(layer_path), key, value)
    top = layers[-1][1]
    name = top.get("name", name)
    if not NAME_PATTERN.fullmatch(name):
        raise ScenarioError(
            f"{path}: key 'name' = {name!r} is not allowed; it names the results folder, so it must be "
            "1 to 80 letters, digits, '-', '_' or '.', not starting with '.' (e.g. \"quota_halved\").")
    _check_consistency(str(path), values)
    _check_events_within_run(layers[-1][0], values, events)  # on the raw tables, which name their file
    events = parse_events(events)
    return Scenario(name, values, path.resolve(), description, [p for p, _ in layers], events)


def baseline_path() -> Path:
    """The baseline scenario shipped with the project."""
    return Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def default_scenario() -> Scenario:
    """Every parameter at its declared default (what the baseline file describes)."""
    values = defaults()
    _check_consistency("(defaults)", values)
    return Scenario("defaults", values)


def load_with_overrides(paths: list[str], agents: int | None = None) -> list[Scenario]:
    """Scenario files as the commands load them: each validated, `--agents` applied to all."""
    scenarios = [load_scenario(p) for p in paths]
    try:
        return [s.with_values(run__agents=agents) if agents is not None else s for s in scenarios]
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("(override)", "command line")) from None

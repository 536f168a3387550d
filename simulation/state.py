"""Saved model state: stop a run at a month, keep everything, continue it, or branch it.

A state is the whole `MigrationModel` (population columns, network, lever state in the economy,
the random streams, the recorder, Mesa's clock and pending events) pickled with cloudpickle,
which also carries the scheduled event actions (closures that plain pickle refuses). Restoring
it and running on gives, bit for bit, what the straight run gives (`tests/test_state.py`).

Branching is what makes comparisons cheap: scenarios that differ only by events from some month
on share their history up to it, and with common random numbers that history is the same in
every one of them. `run_branched` simulates it once per replication, then continues each
scenario from a copy of the state with its own future events (`branch`). Events that began
before the branch month must be the same in every scenario; they keep the state they saved when
they began (what to restore at their end).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import fields
from pathlib import Path

import cloudpickle

from .errors import RunError, ScenarioError, not_a_file
from .model import MigrationModel
from .outdir import SYSTEM_FOLDERS
from .scenario import Scenario, month_index
from .timeline import schedule as schedule_events

MAGIC = b"migsim-state-1\n"
RUN_SIZE = ("run.seed", "run.agents", "run.reps")  # settings a branch may give otherwise: the state fixes them


def run_to(model: MigrationModel, month: str) -> None:
    """Simulate up to, not including, `month` (YYYY-MM): its events have not applied yet."""
    target = month_index(month) - model.start_index
    if not 0 <= target <= model.n_months:
        raise ScenarioError(f"--save-state {month}: outside the run ({model.params['run.start']} to "
                            f"{model.params['run.end']}); give a month within it.")
    if target < model.month_counter:
        raise ScenarioError(f"--save-state {month}: the model is already past it (at {model.date}).")
    while model.month_counter < target:
        model.run_for(1)


def to_bytes(model: MigrationModel) -> bytes:
    """The model's whole state."""
    return MAGIC + cloudpickle.dumps(model, protocol=5)


def from_bytes(data: bytes, source: str = "state") -> MigrationModel:
    """A model from `to_bytes`, exactly as it was."""
    if not data.startswith(MAGIC):
        raise ScenarioError(f"{source}: not a migsim state file (write one with `migsim run --save-state`).")
    try:
        model = cloudpickle.load(io.BytesIO(data[len(MAGIC):]))
    except Exception as exc:  # a state from another version of the code, or a damaged file
        raise ScenarioError(f"{source}: cannot be restored ({type(exc).__name__}: {exc}); it was written by "
                            "another version of migsim or is damaged. Save the state again.") from None
    if not isinstance(model, MigrationModel):
        raise ScenarioError(f"{source}: holds no migsim model.")
    missing = [f.name for f in fields(model.population) if not hasattr(model.population, f.name)]
    if missing:  # a state from before a column was added unpickles, then fails at its first month
        raise ScenarioError(f"{source}: was written by an earlier version of migsim (its workers lack "
                            f"{', '.join(missing)}); save the state again with this version.")
    return model


def check_state_month(month: str, scenario: Scenario) -> None:
    """Refuse a --save-state month that is not one of the run's, before the model is built."""
    try:
        index = month_index(month)
    except ValueError:
        raise ScenarioError(f"--save-state {month!r}: not a month written YYYY-MM with the month 01 to 12 "
                            "(e.g. --save-state 2026-01 FILE).") from None
    if not month_index(scenario["run.start"]) <= index <= month_index(scenario["run.end"]) + 1:
        raise ScenarioError(f"--save-state {month}: outside the run ({scenario['run.start']} to "
                            f"{scenario['run.end']}); give a month within it.")


def check_state_file(path: str | Path, force: bool = False) -> Path:
    """Refuse a --save-state FILE before the run starts: a file migsim did not write is never
    replaced (a typo could name someone's data), and an earlier state only with --force."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise ScenarioError(f"--save-state {path}: exists and is not a file; name a new file, e.g. 2026-01.state.")
        try:
            with path.open("rb") as f:
                ours = f.read(len(MAGIC)) == MAGIC
        except OSError as exc:
            raise ScenarioError(f"--save-state {path}: cannot be read ({exc.strerror}); name a new file.") from None
        if not ours:
            raise ScenarioError(f"--save-state {path}: exists and is not a migsim state file, so migsim will not "
                                "replace it; name a new file, e.g. 2026-01.state.")
        if not force:
            raise ScenarioError(f"--save-state {path}: holds an earlier migsim state; add --force to replace it, "
                                "or name a new file.")
    ancestor = Path(os.path.abspath(path)).parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ScenarioError(f"--save-state {path}: {ancestor} is a file, so no folder can be made under it; "
                            "name another file.")
    real = Path(os.path.realpath(os.path.abspath(path)))
    for system in SYSTEM_FOLDERS:
        if real == system or system in real.parents:
            raise ScenarioError(f"--save-state {path}: lies under {system}, a system folder; name a file of your own.")
    try:  # checked now, not after the run: make and remove an empty hidden file where the state goes
        fd, probe = tempfile.mkstemp(prefix=".migsim-probe-", dir=ancestor)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ScenarioError(f"--save-state {path}: cannot write in {ancestor} ({exc.strerror}); name another file.") \
            from None
    return path


def save_state(model: MigrationModel, path: str | Path) -> Path:
    """Write the state to `path` (a temporary name first, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(to_bytes(model))
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RunError(f"{path}: cannot write the state ({exc.strerror}); choose another file.") from None
    return path


def load_state(path: str | Path) -> MigrationModel:
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"--from-state {path}: {not_a_file(path) or 'no such file'}; give a state file, "
                            "written by `migsim run --save-state`.")
    return from_bytes(path.read_bytes(), str(path))


def _key(ev) -> tuple:
    return ev.kind, ev.start, ev.end, tuple(sorted((k, repr(v)) for k, v in ev.settings.items()))


def branch(model: MigrationModel, scenario: Scenario) -> MigrationModel:
    """Continue `model` under `scenario`: same parameters and past events, its own future events."""
    here = model.absolute_month
    where = scenario.path or scenario.name
    differ = [k for k in scenario.values if k not in RUN_SIZE and scenario.values[k] != model.params.values.get(k)]
    if differ:
        raise ScenarioError(f"{where}: sets {differ[0]} (and {len(differ) - 1} more) unlike the saved state's "
                            f"scenario '{model.params.name}'; a branch may differ only by events from {model.date} on.")
    timeline = list(scenario.events)
    past = {_key(ev): ev for ev in model.timeline if ev.start < here}
    kept = []
    for ev in timeline:
        if ev.start < here:
            if _key(ev) not in past:
                raise ScenarioError(f"{ev.source}: {ev.label}: starts before {model.date}, where the saved state "
                                    "branches, and the state's history has no such event; branch earlier.")
            kept.append(past.pop(_key(ev)))  # keeps what it saved when it began
        else:
            kept.append(ev)
    if past:
        ev = next(iter(past.values()))
        raise ScenarioError(f"{where}: lacks {ev.label} of the saved state's history (before {model.date}); "
                            "a branch must share the history.")
    pending = set(map(id, model._event_actions))
    for event in list(model._event_list._events):
        fn = event.fn() if event.fn is not None else None
        if fn is not None and id(fn) in pending:
            event.cancel()
    model.schedule_event = _future_only(model)  # the actions of months already simulated are skipped
    try:
        model._event_actions = schedule_events(model, timeline)
    finally:
        del model.schedule_event
    model.timeline = timeline
    model.params = scenario
    return model


def _future_only(model: MigrationModel):
    schedule = MigrationModel.schedule_event

    def only_future(function, *, at):
        return schedule(model, function, at=at) if at > model.time else None

    return only_future


def branch_month(base: Scenario, alternatives: list[Scenario]) -> str | None:
    """The earliest month at which an alternative's events differ from the baseline's (None: cannot branch).

    Alternatives that set other parameter values differ from the first month, so nothing is shared.
    """
    same = lambda a: all(a.values[k] == base.values[k] for k in base.values if k not in RUN_SIZE)  # noqa: E731
    if not all(same(a) for a in alternatives):
        return None
    base_events = list(base.events)
    first = None
    for alt in alternatives:
        theirs = list(alt.events)
        mine, other = {_key(e) for e in base_events}, {_key(e) for e in theirs}
        starts = [e.start for e in base_events + theirs if _key(e) in mine ^ other]
        if starts:
            first = min(starts + ([first] if first is not None else []))
    if first is None or first <= month_index(base["run.start"]):
        return None
    year, m = divmod(first, 12)
    return f"{year:04d}-{m + 1:02d}"

"""When dated events act: a scenario's validated events as Mesa events on the model's clock.

An event begins just before the first month of its window (after that January's
drivers), acts every month of the window if its kind does, and at its end restores
what it changed. Nothing in `step()` looks at the calendar. What events are is in
`events.py`; what they do, in `policy.py`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from .events import Event
from .policy import ACTIONS

if TYPE_CHECKING:
    from .model import MigrationModel


FINISH = 0.7  # after the yearly drivers (0.5), before events begin or act (0.75)


def schedule(model: "MigrationModel", events: list[Event]) -> list[Callable]:
    """Turn events into Mesa events: begin, each month of the window, and the end.

    Returns the callables, which the model must keep (Mesa holds them weakly).
    Times: month m (since run.start) steps at time m + 1; the yearly drivers apply at
    m + 0.5 and events at m + 0.75, so they see that year's economy; the windows that ended
    with the month before finish at m + 0.7, before any event begins, so an event beginning
    the month another ends (on the same lever) finds what that one put back, whatever their
    order in the file.
    """
    callbacks: list[Callable] = []
    last = model.n_months - 1
    for ev in events:
        ev = replace(ev, state={})  # this model's own copy: what it saves when it begins
        action = ACTIONS[ev.kind]
        m0 = ev.start - model.start_index
        if m0 > last:
            continue
        m_end = last if ev.end is None else min(ev.end - model.start_index, last)

        def begin(action=action, ev=ev):
            if action.begin is not None:
                action.begin(model, ev)
            if action.monthly is not None:
                action.monthly(model, ev, 0)

        callbacks.append(begin)
        model.schedule_event(begin, at=m0 + 0.75)
        if action.monthly is not None:
            for m in range(m0 + 1, m_end + 1):
                def each(action=action, ev=ev, k=m - m0):
                    action.monthly(model, ev, k)

                callbacks.append(each)
                model.schedule_event(each, at=m + 0.75)
        if action.finish is not None and ev.end is not None and ev.end - model.start_index + 1 <= last:
            def finish(action=action, ev=ev):
                action.finish(model, ev)

            callbacks.append(finish)
            model.schedule_event(finish, at=ev.end - model.start_index + 1 + FINISH)
    return callbacks

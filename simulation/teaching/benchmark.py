"""How fast the page's model runs on this machine (`migsim app --benchmark`).

Two rates: the model stepping alone, and stepping with what the page does each month
besides: a snapshot under the lock and the data of every chart (the map and six time
charts, though the page draws only the tab in view). The browser's own drawing is
measured by tests/test_app_browser.py.
"""

from __future__ import annotations

import time

from ..i18n import translator
from .charts import TIME_CHARTS, map_data, time_data
from .presets import APP_AGENTS
from .session import Session


def benchmark(months: int = 36, agents: int = APP_AGENTS) -> dict[str, float]:
    session = Session(agents=agents)
    session.advance(2)  # compile and warm up
    t0 = time.perf_counter()
    for _ in range(months):
        session.model.step()
    model_only = months / (time.perf_counter() - t0)
    _ = translator("en")
    t0 = time.perf_counter()
    for _i in range(months):
        snap = session.advance(1)
        map_data(snap, "en", _)
        for key in TIME_CHARTS:
            time_data(key, snap, "en", _)
    return {"agents": agents, "model_only": model_only, "with_snapshot": months / (time.perf_counter() - t0)}

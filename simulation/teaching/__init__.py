"""The teaching app (`migsim app`): theories of migration as switchable mechanisms, in the browser.

`presets` reads the theory presets and turns a preset plus the page's sliders into a
scenario; `model` is the small model the page steps, with shocks on demand and the
measures the page shows; `session` steps it in one place and hands the page consistent
snapshots; `charts` draws them with Altair; `page` is the Solara page and `app` the
command that serves it. Only `page`, `vega` and `app` import the web framework.
"""

from .model import (
    NODES,
    SHOCKS,
    TeachingModel,
    country_flows,
    country_stocks,
    destination_concentration,
    herfindahl,
    last_month_flows,
    sanctions_summary,
)
from .presets import (
    APP_AGENTS,
    BASELINE,
    CONTROLS,
    THEORY_DIR,
    THEORY_ORDER,
    Preset,
    default_controls,
    presets,
    teaching_scenario,
)

__all__ = ["APP_AGENTS", "BASELINE", "CONTROLS", "NODES", "SHOCKS", "THEORY_DIR", "THEORY_ORDER", "Preset",
           "TeachingModel", "country_flows", "country_stocks", "default_controls", "destination_concentration",
           "herfindahl", "last_month_flows", "presets", "sanctions_summary", "teaching_scenario"]

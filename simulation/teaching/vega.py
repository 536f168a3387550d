"""A Vega-Lite chart widget for the teaching page, with data that updates in place.

Solara's `FigureAltair` re-embeds the whole chart on every change and loads Vega by a
version ("vega@5") that solara-assets does not serve on an offline machine; this widget
embeds a spec once and replaces only its named datasets each month, from the exact Vega
builds solara-assets ships (`vegachart.vue`).
"""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import traitlets


class VegaChart(v.VuetifyTemplate):
    """`spec`: a Vega-Lite spec whose data are named datasets; `rows` and `ghosts`: {name: rows}; `height`: CSS."""

    template_file = str(Path(__file__).with_name("vegachart.vue"))
    spec = traitlets.Dict().tag(sync=True)
    rows = traitlets.Dict().tag(sync=True)  # ("data" would clash with Vue's own option)
    ghosts = traitlets.Dict().tag(sync=True)  # datasets that change rarely (earlier runs): sent apart
    height = traitlets.Unicode("400px").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)  # the snapshot drawn (the browser test waits for it)

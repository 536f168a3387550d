"""The page's charts: Altair specs, built once per language and axis range, and their data per snapshot.

A chart here is two things: a Vega-Lite spec (titles, axes, colours, fonts, hover read-outs;
it changes only with the language or when an axis must widen) and the rows of its named
datasets, made from a `Snapshot` each month. The page embeds the spec once and swaps the rows
(`vega.VegaChart`), so a month's redraw is cheap. Sizes are for a projector: at least 16 px
text at 1280x720, full country names, fixed axes shared by every run on the chart, the run
without its shocks dashed and earlier runs as grey ghost lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import altair as alt
import numpy as np

from ..i18n import country_name, translator
from ..indicators import FOREIGN_ORIGINS
from ..world import DEST_COUNTRIES, ORIGINS
from .model import NODES, SHOCKS
from .presets import APP_END, APP_START, CONTROLS, presets
from .session import Run, Snapshot

FONT, TITLE_FONT = 18, 22  # px: readable from the back of a room at 1280x720
COLOURS = {"UZB": "#1f77b4", "TJK": "#2ca02c", "KGZ": "#d62728", "RUS": "#9467bd", "CHN": "#ff7f0e",
           "AZE": "#17becf", "KAZ": "#8c564b", "KOR": "#31a354", "TUR": "#756bb1", "ARE": "#e7ba52",
           "EU": "#3182bd"}
WORK = (("formal (contract)", "#31a354"), ("informal", "#fd8d3c"), ("searching", "#bdbdbd"))
MOVES = {"leave": "#d62728", "return": "#636363", "onward": "#6a51a3"}
X_DOMAIN = [f"{APP_START}-01", f"{APP_END}-01"]


def config() -> dict:
    """Fonts and sizes shared by every chart (Vega-Lite `config`)."""
    return {"font": "Roboto, Arial, sans-serif",
            "axis": {"labelFontSize": FONT, "titleFontSize": FONT, "titleFontWeight": "normal", "grid": True,
                     "gridOpacity": 0.4},
            "legend": {"labelFontSize": FONT, "titleFontSize": FONT, "symbolSize": 220, "labelLimit": 420,
                       "orient": "bottom", "columns": 4, "titleOrient": "left"},
            "title": {"fontSize": TITLE_FONT, "anchor": "start", "fontWeight": "bold"},
            "view": {"stroke": None}, "text": {"fontSize": FONT}}


def _spec(chart) -> dict:
    # The widget sets width and height to the box the page gives it (`vegachart.vue`).
    spec = chart.configure(**config()).to_dict(validate=False)
    spec.pop("$schema", None)  # the browser's Vega-Lite is 5.2; the spec uses nothing newer
    spec.pop("datasets", None)
    return spec


def run_label(run: Run, lang: str, _: Callable[[str], str], number: int | None = None) -> str:
    """'2. Networks and cumulative causation; Cost x2.5; Sanctions on Russia 2017-01' in the page's language."""
    parts = [_(presets()[run.preset].title)]
    parts += [f"{_(CONTROLS[k].label)} {v:g}" for k, v in run.controls.items() if v != CONTROLS[k].default]
    parts += [f"{_(SHOCKS[k].label)} {d}" for k, d in run.shocks]
    return (f"{number}. " if number is not None else "") + "; ".join(parts)


def _dates(run: Run, n: int) -> list[str]:
    out = []
    for k in range(n):
        year, m = divmod(run.start_index + k, 12)
        out.append(f"{year:04d}-{m + 1:02d}-01")
    return out


# --- time charts: what each shows ---------------------------------------------------------------
# key -> (title, y title, series, group codes, axis key, divisor, stacked)
TIME_CHARTS = {
    "stock": ("Foreign workers in Kazakhstan, by citizenship", "thousand persons", "stock_kaz_by_origin",
              FOREIGN_ORIGINS, "stock_kaz", 1000, True),
    "abroad": ("Migrant workers abroad, by the country they work in", "thousand persons", "abroad_by_destination",
               DEST_COUNTRIES, "abroad", 1000, True),
    "flows": ("Foreign workers arriving in and leaving Kazakhstan", "thousand persons a month", None,
              ("arrivals", "departures"), "flows", 1000, False),
    "remittances": ("Remittances received by households in each origin country", "USD million a month",
                    "remittances_received", ORIGINS, "remittances", 1, False),
    "work": ("Foreign workers in Kazakhstan: formal and informal work", "thousand persons", "employment_kaz",
             tuple(w for w, _ in WORK), "work", 1000, True),
    "concentration": ("Destination concentration (Herfindahl index: 1 = all in one place)", "index", "concentration",
                      ("concentration",), None, 1, False),
}


def _group_names(key: str, lang: str, _) -> list[str]:
    codes = TIME_CHARTS[key][3]
    if key in ("stock", "abroad", "remittances"):
        return [country_name(c, lang) for c in codes]
    if key == "flows":
        return [_("arrivals"), _("departures")]
    if key == "work":
        return [_(w) for w, _c in WORK]
    return [_("destination concentration")]


def _group_colours(key: str) -> list[str]:
    codes = TIME_CHARTS[key][3]
    if key in ("stock", "abroad", "remittances"):
        return [COLOURS[c] for c in codes]
    return {"flows": ["#e6550d", "#3182bd"], "work": [c for _w, c in WORK]}.get(key, ["#08519c"])


def _values(key: str, run: Run) -> np.ndarray:
    """(months, groups) of a run, in the chart's unit."""
    title, y, series, codes, axis, divisor, stacked = TIME_CHARTS[key]
    s = run.series
    if key == "flows":
        values = np.column_stack([s["arrivals_kaz"], s["departures_kaz"]])
    else:
        values = s[series] if s[series].ndim == 2 else s[series][:, None]
    return values / divisor


@lru_cache(maxsize=128)
def time_spec(key: str, lang: str, y_max: float | None) -> dict:
    """The spec of a time chart: the current run (stacked areas or lines), comparison lines, shock marks.

    Cached: Altair takes a good part of a second to build one, and it changes only with the
    language or a wider axis."""
    _ = translator(lang)
    title, y_title, series, codes, axis, divisor, stacked = TIME_CHARTS[key]
    names, colours = _group_names(key, lang, _), _group_colours(key)
    month = _("month")
    x = alt.X("date:T", title=None, scale=alt.Scale(domain=X_DOMAIN), axis=alt.Axis(format="%Y", tickCount=8))
    top = 1.0 if key == "concentration" else y_max / divisor
    y = alt.Y("value:Q", title=_(y_title), scale=alt.Scale(domain=[0, top], clamp=True, nice=False),
              stack="zero" if stacked else None)
    colour = alt.Color("group:N", title=None, scale=alt.Scale(domain=names, range=colours),
                       legend=alt.Legend() if len(names) > 1 else None)
    fmt = ".2f" if key == "concentration" else ",.0f"
    tip = [alt.Tooltip("group:N", title=_("what")), alt.Tooltip("date:T", title=month, format="%Y-%m"),
           alt.Tooltip("value:Q", title=_(y_title), format=fmt)]
    now = alt.Chart(alt.Data(name="now"))
    layers = [now.mark_area(opacity=0.85, line=False) if stacked else now.mark_line(strokeWidth=4),
              now.mark_point(size=120, opacity=0, filled=True).encode(tooltip=tip)]
    layers = [layer.encode(x=x, y=y, color=colour if i == 0 else colour.legend(None), order=alt.Order("order:Q"))
              for i, layer in enumerate(layers)]
    def comparison(name: str, dash) -> alt.Chart:
        # No legend: an empty one breaks Vega-Lite 5.2's layout; the page lists the runs under the chart.
        return alt.Chart(alt.Data(name=name)).mark_line(strokeWidth=3, strokeDash=dash).encode(
            x=x, y=alt.Y("value:Q", stack=None, scale=alt.Scale(domain=[0, top], clamp=True, nice=False)),
            detail="key:N", color=alt.Color("colour:N", scale=None),
            tooltip=[alt.Tooltip("run:N", title=_("run")), alt.Tooltip("group:N", title=_("what")),
                     alt.Tooltip("date:T", title=month, format="%Y-%m"),
                     alt.Tooltip("value:Q", title=_(y_title), format=fmt)])

    ghosts = comparison("ghosts", [1, 0])  # earlier runs: grey, numbered at their last month
    numbers = alt.Chart(alt.Data(name="ghost_ends")).mark_text(align="left", dx=6, fontSize=FONT, fontWeight="bold",
                                                                 color="#616161").encode(
        x="date:T", y=alt.Y("value:Q", stack=None, scale=alt.Scale(domain=[0, top], clamp=True, nice=False)),
        text="number:N")
    twin = comparison("twin", [9, 6])  # the run without its shocks: dashed, in each group's colour
    marks = alt.Chart(alt.Data(name="shocks"))
    rules = marks.mark_rule(strokeDash=[6, 4], strokeWidth=2, color="black").encode(x="date:T")
    labels = marks.mark_text(align="left", dx=4, dy=4, baseline="top", fontSize=FONT).encode(
        x="date:T", y=alt.value(0), text="label:N")
    chart = alt.layer(*layers, ghosts, numbers, twin, rules, labels).resolve_scale(color="independent")
    return _spec(chart.properties(title=_(title)))



def time_data(key: str, snap: Snapshot, lang: str, _) -> dict[str, list[dict]]:
    """Rows of a time chart's datasets that change every month: the run and the run without its shocks."""
    names = _group_names(key, lang, _)
    colours = _group_colours(key)
    values = _values(key, snap.current)
    dates = _dates(snap.current, len(values))
    now = [{"date": d, "group": names[g], "value": _clean(values[i, g]), "order": g}
           for i, d in enumerate(dates) for g in range(len(names))]
    twin = _comparison(key, [(_("the same run without the shocks"), snap.twin, None)] if snap.twin else [], names,
                       colours, _)
    shocks = [{"date": f"{date}-01", "label": _(SHOCKS[k].label)} for k, date in snap.shocks]
    return {"now": now, "twin": twin, "shocks": shocks}


def ghost_data(key: str, snap: Snapshot, lang: str, _) -> dict[str, list[dict]]:
    """Rows of the earlier runs (they change only on Reset or Clear, so they are sent apart)."""
    ghosts = [(run_label(r, lang, _, i + 1), r, "#9e9e9e") for i, r in enumerate(snap.ghosts)]
    rows = _comparison(key, ghosts, _group_names(key, lang, _), _group_colours(key), _)
    ends: dict[str, dict] = {}
    for row in rows:  # the last month of each line, where its run's number is written
        if row["value"] is not None:
            ends[row["key"]] = {"date": row["date"], "value": row["value"], "number": row["run"].split(".")[0]}
    return {"ghosts": rows, "ghost_ends": list(ends.values())}


def _comparison(key: str, runs, names, colours, _) -> list[dict]:
    stacked = TIME_CHARTS[key][6]
    rows = []
    for label, run, grey in runs:
        v = _values(key, run)
        d = _dates(run, len(v))
        if stacked:  # the total, in grey (earlier run) or black (without the shocks)
            total = v.sum(axis=1)
            rows += [{"date": d[i], "run": label, "group": _("total"), "value": _clean(total[i]),
                      "key": label, "colour": grey or "#000000"} for i in range(len(v))]
        else:
            for g in range(len(names)):
                if np.nanmax(np.abs(v[:, g]), initial=0) == 0:
                    continue
                rows += [{"date": d[i], "run": label, "group": names[g], "value": _clean(v[i, g]),
                          "key": f"{label}|{g}", "colour": grey or colours[g]} for i in range(len(v))]
    return rows


def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


# --- the map -----------------------------------------------------------------------------------------
FRAME = (4.0, 116.0, 21.0, 61.0)  # x from, x to, y from, y to (degrees): what the map always shows
DISC_MAX_PERSONS = 5_000_000  # a disc of DISC_MAX_RADIUS degrees; area proportional to persons, same on every run
DISC_MAX_RADIUS = 7.0
ARROW_PERSONS = 100_000  # an arrow this many persons a month wide is ARROW_WIDTH degrees wide
ARROW_WIDTH = 2.0


def disc_radius(persons: float) -> float:
    return 0.9 + DISC_MAX_RADIUS * math.sqrt(max(persons, 0.0) / DISC_MAX_PERSONS)


def _polygon(points) -> dict:
    # In numpy: the map draws some 40 polygons a month, and a loop in Python over their points
    # was most of the time a month took to draw on the map tab (55 of 90 ms).
    ring = np.round(np.asarray(points, dtype=float), 3)
    ring = np.vstack([ring, ring[:1]])
    # GeoJSON rings wind anticlockwise; Vega's identity projection fills either, but keep the rule.
    area = float((ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1]).sum())
    return {"type": "Polygon", "coordinates": [(ring if area > 0 else ring[::-1]).tolist()]}


def _arrow(src: tuple, dst: tuple, r_src: float, r_dst: float, width: float):
    """A curved ribbon from the edge of one disc to an arrowhead that ends at the edge of the other.

    Each direction bends to its own right, so A->B and B->A never overlap, and the head stops
    outside the destination's disc, so it is never hidden under it.
    """
    p0, p2 = np.array(src, float), np.array(dst, float)
    d = p2 - p0
    length = float(np.hypot(*d))
    normal = np.array([d[1], -d[0]]) / length
    p1 = (p0 + p2) / 2 + normal * 0.18 * length
    t = np.linspace(0, 1, 60)[:, None]
    curve = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2
    keep = (np.hypot(*(curve - p0).T) > r_src + 0.3) & (np.hypot(*(curve - p2).T) > r_dst + 0.3)
    curve = curve[keep]
    if len(curve) < 4:
        return None, None
    head_len = max(1.3, 1.8 * width)
    tip = curve[-1]
    along = np.cumsum(np.r_[0, np.hypot(*np.diff(curve, axis=0).T)])
    body = curve[along <= along[-1] - head_len]
    if len(body) < 2:
        return None, None
    direction = tip - body[-1]
    direction /= np.hypot(*direction)
    side = np.array([-direction[1], direction[0]])
    head = [tip, body[-1] + side * max(0.9, 1.4 * width), body[-1] - side * max(0.9, 1.4 * width)]
    tangents = np.gradient(body, axis=0)
    tangents /= np.hypot(*tangents.T)[:, None]
    sides = np.column_stack([-tangents[:, 1], tangents[:, 0]]) * width / 2
    ribbon = np.vstack([body + sides, (body - sides)[::-1]])
    return _polygon(ribbon), _polygon(head)


@lru_cache(maxsize=8)
def map_spec(lang: str) -> dict:
    """Countries as discs (area = migrant workers present, one scale for every run), moves as arrows."""
    _ = translator(lang)
    projection = {"type": "identity", "reflectY": True}
    frame = alt.Chart(alt.Data(name="frame")).mark_geoshape(fill="#f7fbff", stroke=None)
    shape_tip = [alt.Tooltip("properties.tip:N", title=_("what"))]
    discs = alt.Chart(alt.Data(name="discs")).mark_geoshape(stroke="black", strokeWidth=1).encode(
        color=alt.Color("properties.colour:N", scale=None), opacity=alt.value(0.75), tooltip=shape_tip)
    moves_scale = alt.Scale(domain=[_(k) for k in ("leaving home", "going home", "moving on")],
                            range=list(MOVES.values()))
    arrows = alt.Chart(alt.Data(name="arrows")).mark_geoshape(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("properties.kind:N", title=None, scale=moves_scale, legend=alt.Legend(orient="top-left")),
        opacity=alt.value(0.85), tooltip=shape_tip)
    names = alt.Chart(alt.Data(name="labels")).mark_text(fontSize=FONT, fontWeight="bold", baseline="top").encode(
        longitude="x:Q", latitude="y:Q", text="name:N")
    numbers = alt.Chart(alt.Data(name="labels")).mark_text(fontSize=FONT, dy=20, baseline="top").encode(
        longitude="x:Q", latitude="y:Q", text="persons:N")
    chart = alt.layer(frame, discs, arrows, names, numbers).project(**projection)
    return _spec(chart.properties(title=_("Where migrant workers are (discs) and this month's moves (arrows)")))


def map_data(snap: Snapshot, lang: str, _) -> dict[str, list[dict]]:
    x0, x1, y0, y1 = FRAME
    frame = [{"type": "Feature", "geometry": _polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), "properties": {}}]
    discs, labels = [], []
    for code, (x, y) in NODES.items():
        persons = snap.stocks.get(code, 0.0)
        r = disc_radius(persons)
        ring = [(x + r * math.cos(a), y + r * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 40, endpoint=False)]
        name = country_name(code, lang)
        count = f"{persons / 1000:,.0f} {_('thousand')}" if persons else ""
        discs.append({"type": "Feature", "geometry": _polygon(ring),
                      "properties": {"colour": COLOURS[code] if persons else "#eeeeee",
                                     "tip": f"{name}: {persons:,.0f} {_('migrant workers present')}"}})
        labels.append({"x": x, "y": y - r - 0.6, "name": name, "persons": count})  # below the disc
    arrows = []
    kinds = {"leave": _("leaving home"), "return": _("going home"), "onward": _("moving on")}
    for src, dst, persons, kind in snap.flows:
        width = min(3.0, 0.25 + ARROW_WIDTH * persons / ARROW_PERSONS)
        body, head = _arrow(NODES[src], NODES[dst], disc_radius(snap.stocks.get(src, 0)),
                            disc_radius(snap.stocks.get(dst, 0)), width)
        if body is None:
            continue
        tip = f"{country_name(src, lang)} → {country_name(dst, lang)}: {persons:,.0f} ({kinds[kind]})"
        for geometry in (body, head):
            arrows.append({"type": "Feature", "geometry": geometry, "properties": {"kind": kinds[kind], "tip": tip}})
    return {"frame": frame, "discs": discs, "arrows": arrows, "labels": labels}

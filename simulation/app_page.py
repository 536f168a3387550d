"""The teaching page: a Mesa SolaraViz of a small `TeachingModel` (served by `migsim app`).

The left panel opens with how to use the page, then holds Mesa's own controls (Reset,
play/pause, Step, the play speed) and the model's parameters: the theory preset and four
sliders. Those act only when Reset builds a new model: Mesa 3.5's SolaraViz keeps the
panel's values to itself until then and offers no hook to change a running model, so the
page says "press Reset to apply" beside them instead of pretending otherwise. The main
area shows the chosen theory with its source and the sanctions button, a map of the
month's flows between countries and the stock in each, the stock of foreign workers in
Kazakhstan by origin, remittances and formal versus informal work, and the social ties of
a sample of workers coloured by where they are. Figures use matplotlib's object API (no
pyplot), so sessions share no state; each is built once per model and only its data is
updated each render, since building axes costs far more than a month of the model.
"""

from __future__ import annotations

import functools
import os
from html import escape

import numpy as np
import solara
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter

from .indicators import FOREIGN_ORIGINS
from .teaching import (
    APP_AGENTS,
    BASELINE,
    CONTROLS,
    NODES,
    TeachingModel,
    country_flows,
    country_stocks,
    destination_concentration,
    network_sample,
    presets,
    sanctions_summary,
)
from .world import DEST_COUNTRIES, HOME, LOCATION_COUNTRY, ORIGINS

# How fast the page plays: a step every PLAY_INTERVAL ms, the charts redrawn every
# RENDER_INTERVAL months (drawing the four figures costs more than a month of the model).
PLAY_INTERVAL_MS = 50
RENDER_INTERVAL = 3
DPI = 72
MAX_ARROWS = 30  # the largest flows of the month; the rest are too thin to see
APPLY_ON_RESET = "press Reset to apply"  # beside the parameters: they reach the model only on Reset

ORIGIN_COLOURS = {"UZB": "#1f77b4", "TJK": "#2ca02c", "KGZ": "#d62728", "RUS": "#9467bd",
                  "CHN": "#ff7f0e", "AZE": "#17becf", "KAZ": "#8c564b"}
PLACE_COLOURS = {"home": "#c7c7c7", "KAZ": "#e6550d", "RUS": "#3182bd", "KOR": "#31a354",
                 "TUR": "#756bb1", "ARE": "#e7ba52", "EU": "#d6616b"}


_presets = functools.cache(presets)  # the files are read once per server


def app_agents() -> int:
    """Workers in the page's model (`migsim app --agents` passes it through the environment)."""
    return int(os.environ.get("MIGSIM_APP_AGENTS", APP_AGENTS))


def model_params() -> dict:
    """The controls of the left panel, as Mesa's SolaraViz expects them."""
    params: dict = {
        "preset": {"type": "Select", "value": BASELINE, "values": list(_presets()),
                   "label": f"Theory preset ({APPLY_ON_RESET})"},
    }
    for name, (label, default, low, high, step) in CONTROLS.items():
        kind = "SliderInt" if isinstance(default, int) else "SliderFloat"
        params[name] = {"type": kind, "value": default, "min": low, "max": high, "step": step, "label": label}
    params["agents"] = app_agents()  # fixed: the page's population size
    return params


def _years(model: TeachingModel, n: int) -> np.ndarray:
    start = model.start_index
    return (start + np.arange(n)) / 12.0


def _recorded(model: TeachingModel, name: str) -> np.ndarray:
    n = len(model.recorder.dates)
    return model.recorder.values[name][:n]


def _frame_years(ax, model: TeachingModel) -> None:
    first = model.start_index / 12.0
    ax.set_xlim(first, first + model.n_months / 12.0)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def _canvas(model: TeachingModel, name: str, build):
    """The model's figure called `name`, built once: building axes costs far more than updating them."""
    canvases = model.__dict__.setdefault("_canvases", {})
    if name not in canvases:
        canvases[name] = build()
    return canvases[name]


def _mark_sanctions(model: TeachingModel, state: dict, axes) -> None:
    if model.sanctions_date and "sanctions" not in state:
        year, month = (int(x) for x in model.sanctions_date.split("-"))
        state["sanctions"] = [ax.axvline(year + (month - 1) / 12.0, color="black", lw=1, ls="--") for ax in axes]


def _restack(ax, state: dict, key: str, x, values, colours) -> None:
    for artist in state.get(key, []):
        artist.remove()
    state[key] = ax.stackplot(x, values.T, colors=colours, alpha=0.85) if len(x) else []


def _top(ax, *series) -> None:
    peak = max((float(np.nanmax(s)) for s in series if len(s) and np.isfinite(s).any()), default=0.0)
    ax.set_ylim(0, max(peak * 1.15, 1e-9) if peak > 0 else 1.0)


# --- figures (functions of the model, tested without a browser) ------------------------------------
def draw_country_map(model: TeachingModel) -> Figure:
    """Countries at map-like positions; arrows for the month's movers, discs for the stock."""
    def build():
        fig = Figure(figsize=(6.4, 3.6), dpi=DPI)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.9))
        ax.set_xlim(5, 110)
        ax.set_ylim(20, 60)
        ax.set_xticks([])
        ax.set_yticks([])
        return fig, ax, ax.set_title("", fontsize=8)

    fig, ax, title = _canvas(model, "map", build)
    for artist in [*ax.patches, *ax.collections, *ax.texts]:
        artist.remove()
    stocks = country_stocks(model)
    peak_stock = max(max(stocks.values()), 1.0)
    names = list(NODES)
    sizes = [60 + 2400 * stocks[n] / peak_stock for n in names]
    colours = [PLACE_COLOURS.get(n, "#bbbbbb") if stocks[n] > 0 else "#eeeeee" for n in names]
    xy = np.array([NODES[n] for n in names])
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colours, alpha=0.75, edgecolors="black", linewidths=0.6, zorder=3)
    for n, (x, y) in zip(names, xy):
        label = f"{n}\n{stocks[n] / 1000:,.0f}k" if stocks[n] > 0 else n
        ax.text(x, y, label, ha="center", va="center", fontsize=8, zorder=4)
    for src, dst, persons, kind in country_flows(model)[:MAX_ARROWS]:
        width = 0.4 + 9.0 * persons / model.peak_flow
        colour = "#555555" if kind == "return" else "#d62728"
        ax.add_patch(FancyArrowPatch(NODES[src], NODES[dst], arrowstyle="-|>", mutation_scale=8 + width,
                                     lw=width, color=colour, alpha=0.55, connectionstyle="arc3,rad=0.18",
                                     shrinkA=9, shrinkB=9, zorder=2))
    month = model.recorder.dates[-1] if model.recorder.dates else "(none yet)"
    title.set_text(f"Moves in {month}: red = leaving home or moving on, grey = going home; "
                   "discs = migrant workers present")
    return fig


def draw_stock(model: TeachingModel) -> Figure:
    """Foreign workers in Kazakhstan by origin (stacked) and Kazakh citizens abroad."""
    colours = [ORIGIN_COLOURS[o] for o in FOREIGN_ORIGINS]

    def build():
        fig = Figure(figsize=(6.4, 3.4), dpi=DPI)
        ax = fig.add_axes((0.1, 0.1, 0.87, 0.8))
        ax.set_ylabel("thousand persons")
        ax.set_title("Foreign workers in Kazakhstan by origin; Kazakh citizens working abroad", fontsize=9)
        _frame_years(ax, model)
        (line,) = ax.plot([], [], color="black", lw=2)
        handles = [Line2D([], [], color=c, lw=6, label=o) for o, c in zip(FOREIGN_ORIGINS, colours)]
        ax.legend(handles=[*handles, Line2D([], [], color="black", lw=2, label="Kazakhs abroad")],
                  fontsize=7, ncol=4, loc="upper left")
        return fig, ax, {"line": line}

    fig, ax, state = _canvas(model, "stock", build)
    values = _recorded(model, "stock_kaz_by_origin") / 1000
    kaz = _recorded(model, "kazakhs_abroad")[:, 0] / 1000
    x = _years(model, len(values))
    _restack(ax, state, "stack", x, values, colours)
    state["line"].set_data(x, kaz)
    _top(ax, values.sum(axis=1), kaz)
    _mark_sanctions(model, state, [ax])
    return fig


def draw_money_and_work(model: TeachingModel) -> Figure:
    """Remittances (out of and into Kazakhstan) and formal versus informal work in Kazakhstan."""
    work_colours = ["#31a354", "#fdae6b", "#d9d9d9"]

    def build():
        fig = Figure(figsize=(6.0, 3.4), dpi=DPI)
        ax1, ax2 = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.1, top=0.9, wspace=0.35)
        (sent,) = ax1.plot([], [], color="#e6550d", label="sent from Kazakhstan")
        (received,) = ax1.plot([], [], color="#3182bd", label="received by Kazakh households")
        ax1.set_ylabel("USD million per month")
        ax1.set_title("Remittances", fontsize=9)
        ax1.legend(fontsize=7, loc="upper left")
        ax2.set_ylabel("thousand persons")
        ax2.set_title("Formal vs informal work (in KAZ)", fontsize=9)
        ax2.legend(handles=[Line2D([], [], color=c, lw=6, label=n) for c, n in
                            zip(work_colours, ("formal (contract)", "informal", "searching"))],
                   fontsize=7, loc="upper left")
        for ax in (ax1, ax2):
            _frame_years(ax, model)
        return fig, (ax1, ax2), {"sent": sent, "received": received}

    fig, (ax1, ax2), state = _canvas(model, "money", build)
    out = _recorded(model, "remittances_out_kaz_usd")[:, 0] / 1e6
    received = _recorded(model, "remittances_received_usd")[:, ORIGINS.index("KAZ")] / 1e6
    x = _years(model, len(out))
    state["sent"].set_data(x, out)
    state["received"].set_data(x, received)
    _top(ax1, out, received)
    work = _recorded(model, "employment_kaz") / 1000
    _restack(ax2, state, "stack", x, work, work_colours)
    _top(ax2, work.sum(axis=1))
    _mark_sanctions(model, state, [ax1, ax2])
    return fig


def _place(location: int) -> str:
    return "home" if location == HOME else DEST_COUNTRIES[LOCATION_COUNTRY[location]]


def draw_social_network(model: TeachingModel) -> Figure:
    """The ties of a fixed sample of workers, each coloured by where the worker is now."""
    import networkx as nx

    def build():
        graph = model.population.network(network_sample(model))
        pos = nx.spring_layout(graph, seed=int(model.seed) % (2**32), iterations=60)
        fig = Figure(figsize=(6.4, 3.6), dpi=DPI)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.9))
        nx.draw_networkx_edges(graph, pos, ax=ax, alpha=0.25, width=0.6)
        nodes = nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=28, node_color="#c7c7c7",
                                       edgecolors="black", linewidths=0.3)
        handles = [Line2D([], [], marker="o", ls="", color=c, label=p) for p, c in PLACE_COLOURS.items()]
        ax.legend(handles=handles, fontsize=7, loc="upper left", ncol=7)
        ax.set_axis_off()
        return fig, ax, {"graph": graph, "nodes": nodes, "title": ax.set_title("", fontsize=8)}

    fig, ax, state = _canvas(model, "network", build)
    rows = np.fromiter(state["graph"].nodes, dtype=np.int64)
    places = [_place(int(loc)) for loc in model.population.location[rows]]
    state["nodes"].set_facecolor([PLACE_COLOURS[p] for p in places])
    abroad = sum(p != "home" for p in places)
    state["title"].set_text(f"Ties among {len(places)} workers (a chain of contacts from a few migrants): "
                            f"{abroad} abroad now")
    return fig


# --- components -------------------------------------------------------------------------------------
def _dependencies(model: TeachingModel) -> list:
    return [id(model), model.month_counter, model.sanctions_date]


def _figure(model: TeachingModel, draw, css: str):
    fig = solara.use_memo(lambda: draw(model), _dependencies(model))
    with solara.Column(classes=[css], style={"width": "100%"}) as column:
        solara.FigureMatplotlib(fig, dependencies=_dependencies(model), format="png")
    return column


def CountryMap(model: TeachingModel):
    return _figure(model, draw_country_map, "migsim-map")


def StockChart(model: TeachingModel):
    return _figure(model, draw_stock, "migsim-stock-chart")


def MoneyWorkChart(model: TeachingModel):
    return _figure(model, draw_money_and_work, "migsim-money-chart")


def SocialNetwork(model: TeachingModel):
    return _figure(model, draw_social_network, "migsim-network")


def TheoryCard(model: TeachingModel):
    """The running theory with its explanation and source, the headline numbers, the shock."""
    update_counter.get()
    preset = _presets()[model.preset]
    stocks = country_stocks(model)

    def shock():
        model.apply_sanctions()
        force_update()

    date = model.recorder.dates[-1] if model.recorder.dates else f"none yet (starts {model.date})"
    what = sanctions_summary()
    c = model.controls
    sanctions = (f"<p style='color:#b00;margin:0'><b>Sanctions on Russia since {model.sanctions_date}</b> "
                 f"(the model's <code>sanctions</code> event): {escape(what)}.</p>" if model.sanctions_date else "")
    html = (
        f"<h3 style='margin:0 0 6px 0'>{escape(preset.title)}</h3>"
        f"<p style='margin:0 0 6px 0'>{escape(preset.explanation)}</p>"
        f"<p style='margin:0 0 6px 0'><i>Source:</i> {escape(preset.source)}</p>"
        f"<p style='margin:0 0 6px 0'><b>Month simulated:</b> <span class='migsim-date'>{date}</span> &nbsp; "
        f"<b>Migrant workers in Kazakhstan:</b> {stocks['KAZ'] / 1000:,.0f}k &nbsp; <b>in Russia:</b> "
        f"{stocks['RUS'] / 1000:,.0f}k &nbsp; <b>Destination concentration (HHI):</b> "
        f"{destination_concentration(model):.2f}</p>"
        f"<p style='margin:0 0 4px 0;font-size:90%'>Running with: wage gap x{c['wage_gap']:g}, networks "
        f"x{c['network_strength']:g}, cost x{c['migration_cost']:g}, quota {c['quota']:,} permits; "
        f"{model.population.n:,} workers of {model.population.scale:,.0f} people each "
        f"(changes on the left: {APPLY_ON_RESET}).</p>"
        f"{sanctions}")
    with solara.Column(classes=["migsim-theory"], style={"padding": "4px 8px", "font-size": "90%"}) as column:
        if not model.sanctions_date:  # first, so that it stays in view however long the text
            with solara.Tooltip(f"Applies the model's sanctions event from the coming month: {what}."):
                solara.Button("Sanctions shock on Russia", color="error", on_click=shock, small=True,
                              classes=["migsim-sanctions"])
        solara.HTML(tag="div", unsafe_innerHTML=html)
    return column


def HowToUse():
    """The first card of the left panel: what to do, and that the parameters wait for Reset."""
    with solara.Card("How to use", classes=["migsim-how-to"]) as card:
        solara.Markdown(
            "1. Pick a **theory preset** and set the sliders under *Model Parameters* below.\n"
            "2. **Press Reset to apply** them: the preset and the sliders change "
            "nothing until you do; a run in progress keeps the settings it started with.\n"
            "3. **Step** runs one month, **&#9654;** plays and **&#10074;&#10074;** pauses.\n"
            "4. **Sanctions shock on Russia** (on the right) hits the running model at any month.")
    return card


COMPONENTS = [(TheoryCard, 0), (CountryMap, 0), (StockChart, 0), (MoneyWorkChart, 0), (SocialNetwork, 0)]


def benchmark(months: int = 36, agents: int | None = None, preset: str = BASELINE) -> dict[str, float]:
    """Months per second of the page's model: stepping alone, and stepping with every chart redrawn."""
    import io
    import time

    agents = app_agents() if agents is None else agents
    model = TeachingModel(preset=preset, agents=agents)
    t0 = time.perf_counter()
    for _ in range(months):
        model.step()
    model_only = months / (time.perf_counter() - t0)
    draws = (draw_country_map, draw_stock, draw_money_and_work, draw_social_network)
    for draw in draws:  # build the figures once, as the page does on its first render
        draw(model).savefig(io.BytesIO(), format="png")
    t0 = time.perf_counter()
    for _ in range(months // 3):
        model.step()
        for draw in draws:
            draw(model).savefig(io.BytesIO(), format="png")
    with_charts = (months // 3) / (time.perf_counter() - t0)
    return {"agents": agents, "model_only": model_only, "redraw_every_month": with_charts,
            "redraw_every_render_interval": RENDER_INTERVAL / (RENDER_INTERVAL / model_only + 1 / with_charts
                                                                  - 1 / model_only + PLAY_INTERVAL_MS / 1000)}


@solara.component
def Page():
    """One model per browser session, rebuilt by Mesa's Reset from the left panel's values."""
    params = solara.use_memo(model_params, [])
    model = solara.use_memo(lambda: TeachingModel(**{k: v["value"] if isinstance(v, dict) else v
                                                      for k, v in params.items()}), [])
    solara.Title("migsim: migration theory laboratory")
    with solara.Sidebar():  # Solara orders the panel by depth: from here it comes before Mesa's cards
        HowToUse()
    SolaraViz(model, components=COMPONENTS, model_params=params,
              name="migsim: a migration theory laboratory (Kazakhstan and its neighbours)",
              play_interval=PLAY_INTERVAL_MS, render_interval=RENDER_INTERVAL)

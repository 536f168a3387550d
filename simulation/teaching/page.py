"""The teaching page (served by `migsim app`): a Solara page of its own over the Mesa model.

The left panel holds the controls; the main area a line of headline numbers, a row of tabs
(the theory's Info panel, the map and six charts) and the chosen tab, filling the screen.
Mesa's generic SolaraViz frame is not used: its developer controls (threads, render
interval) and draggable panels stood in the way of a class.

Threads: the model steps in one place, `Session` (session.py), under its lock; Step, the
shock buttons and Reset call it from the click's thread, Play from one task thread. Each
call returns a `Snapshot` (copies taken under the lock), and the charts draw from the
latest snapshot only, never from the model. Play advances a few months per frame at most
twelve frames a second, so the browser never falls behind and Pause stops at once.
"""

from __future__ import annotations

import html
import os
import time

import solara

from ..errors import MigsimError
from ..i18n import LANGUAGES, format_month, format_number, translator
from .charts import TIME_CHARTS, ghost_data, map_data, map_spec, run_label, time_data, time_spec
from .controls import Controls, shown
from .info import InfoPanel, title
from .link import read_query
from .presets import APP_AGENTS
from .session import Session
from .vega import VegaChart

# Play speeds: label -> (months per frame at most, seconds per frame). Frames are at most 12 a
# second; at "max" a frame holds as many months as the model steps in its twelfth of a second,
# or in twice the time the last frame took to draw if longer (so a busy machine still plays fast).
SPEEDS = {"1": (1, 1.0), "3": (1, 1 / 3), "10": (1, 0.1), "max": (12, 1 / 12)}
TABS = ("info", "map", "stock", "abroad", "flows", "remittances", "work", "concentration")
CSS = """
.v-application--wrap > footer, .solara-banner { display: none !important; }
.migsim-panel { width: 340px; min-width: 340px; height: calc(100vh - 64px); overflow-y: auto;
                padding: 8px 12px; border-right: 1px solid #ddd; font-size: 15px; }
.migsim-main { flex: 1 1 auto; min-width: 0; height: calc(100vh - 64px); overflow: hidden; padding: 4px 12px;
               display: flex; flex-direction: column; }
.migsim-headline { font-size: 17px; line-height: 1.3; margin: 2px 0 4px 0; white-space: nowrap; overflow: hidden;
                   text-overflow: ellipsis; flex: 0 0 auto; }
.migsim-headline b { font-size: 19px; }
.migsim-tabs { flex: 0 0 auto; }
.migsim-tabs .v-btn { text-transform: none !important; font-size: 15px !important; letter-spacing: 0;
                      padding: 0 7px !important; }
.migsim-chart { flex: 1 1 0; min-height: 0; display: flex; flex-direction: column; }
.migsim-chart > * { flex: 0 0 auto; }
.migsim-chart > .migsim-vega { flex: 1 1 0; min-height: 0; }
.migsim-info { flex: 1 1 0; min-height: 0; overflow-y: auto; font-size: 19px; line-height: 1.45;
               max-width: 1200px; }
.migsim-info h2 { font-size: 26px; margin: 4px 0 8px 0; }
.migsim-info h3 { font-size: 21px; margin: 12px 0 4px 0; }
.migsim-panel .v-label, .migsim-panel .v-input { font-size: 15px; }
.migsim-panel h4 { margin: 10px 0 2px 0; font-size: 16px; }
.migsim-pending { background: #fff3cd; border: 1px solid #e0b000; padding: 4px 8px; border-radius: 4px;
                  font-weight: bold; }
.migsim-error { background: #fde2e1; border: 1px solid #c00; padding: 4px 8px; border-radius: 4px; }
"""


def app_agents() -> int:
    """Workers in the page's model (`migsim app --agents` passes it through the environment)."""
    return int(os.environ.get("MIGSIM_APP_AGENTS", APP_AGENTS))


@solara.component
def Chart(key: str, snap, lang: str, axes_key):
    """One chart: its spec rebuilt only with the language or a wider axis, its data every snapshot."""
    _ = translator(lang)
    spec = map_spec(lang) if key == "map" else time_spec(key, lang, axes_key)  # cached
    ghosts = solara.use_memo(lambda: {} if key == "map" else ghost_data(key, snap, lang, _),
                             [key, len(snap.ghosts), id(snap.ghosts[-1]) if snap.ghosts else 0, lang])
    data = solara.use_memo(lambda: map_data(snap, lang, _) if key == "map" else time_data(key, snap, lang, _),
                           [key, snap.version, lang])
    with solara.Div(classes=[f"migsim-chart migsim-chart-{key}"]) as div:
        VegaChart.element(spec=spec, rows=data, ghosts=ghosts, height="100%", version=snap.version)
        RunsCaption(key, snap, lang)
    return div


@solara.component
def RunsCaption(key: str, snap, lang: str):
    """Which line is which run: the current one, the one without its shocks, the earlier ones (numbered)."""
    _ = translator(lang)
    if key == "map" or not (snap.ghosts or snap.twin):
        return
    parts = [_("Colours: this run.")]
    if snap.twin is not None:
        parts.append(_("Dashed: the same run without the shocks."))
    if snap.ghosts:
        labels = "; ".join(run_label(r, lang, _, i + 1) for i, r in enumerate(snap.ghosts))
        parts.append(_("Grey, numbered: earlier runs") + f" ({labels}).")
    solara.HTML(tag="div", classes=["migsim-runs"], unsafe_innerHTML=html.escape(" ".join(parts)),
                style={"font-size": "16px", "white-space": "nowrap", "overflow": "hidden", "text-overflow": "ellipsis"})


@solara.component
def Headline(snap, lang: str):
    _ = translator(lang)
    h = snap.headline
    date = format_month(snap.date, lang) if snap.date else _("none yet: press Step or Play")
    hhi = "-" if h["concentration"] != h["concentration"] else f"{h['concentration']:.2f}"
    solara.HTML(tag="div", classes=["migsim-headline"], unsafe_innerHTML=(
        f"<b class='migsim-date' data-date='{snap.date or ''}'>{date}</b> &nbsp;·&nbsp; "
        f"{_('Foreign workers in Kazakhstan')}: <b class='migsim-stock'>"
        f"{format_number(h['stock_kaz'] / 1000, lang)}</b> {_('thousand')} &nbsp;·&nbsp; "
        f"{_('Abroad')}: <b class='migsim-abroad'>{format_number(h['abroad'] / 1000, lang)}</b> {_('thousand')}"
        f" &nbsp;·&nbsp; {_('Concentration')}: <b class='migsim-hhi'>{hhi}</b>"))


def tab_label(key: str, _) -> str:
    names = {"info": _("The theory"), "map": _("Map"), "stock": _("Foreign workers"),
             "abroad": _("Where migrants work"), "flows": _("Arrivals, departures"),
             "remittances": _("Remittances"), "work": _("Formal, informal"), "concentration": _("Concentration")}
    return names[key]


@solara.component
def Tabs(tab, lang: str):
    _ = translator(lang)
    with solara.ToggleButtonsSingle(value=tab, classes=["migsim-tabs"], style={"flex-wrap": "wrap"}):
        for key in TABS:
            solara.Button(tab_label(key, _), value=key, classes=[f"migsim-tab-{key}"], small=True)


@solara.component
def TopBar(preset: str, lang):
    _ = translator(lang.value)
    with solara.AppBar():
        solara.HTML(tag="span", unsafe_innerHTML=title(preset, _), classes=["migsim-running"],
                    style={"font-size": "18px"})
        solara.v.Spacer()
        solara.ToggleButtonsSingle(value=lang, values=list(LANGUAGES), classes=["migsim-lang"])


@solara.component
def Main(snap, tab, message, lang: str):
    """The main area: what changes every month (the headline and the chart in view)."""
    with solara.Div(classes=["migsim-main"]):
        solara.HTML(tag="div", classes=["migsim-error"] if message.value else [], style=shown(bool(message.value)),
                    unsafe_innerHTML=html.escape(message.value or ""))
        Headline(snap, lang)
        Tabs(tab, lang)
        if tab.value == "info":
            InfoPanel(snap.preset, lang)
        else:
            axes = snap.axes.get(TIME_CHARTS[tab.value][4]) if tab.value in TIME_CHARTS else None
            Chart(tab.value, snap, lang, axes)


def opened_link(search: str | None) -> tuple[dict | None, str | None]:
    """The setup the page's address holds (see link.py), or the reason it cannot be used."""
    try:
        return read_query(search), None
    except MigsimError as exc:
        return None, f"{exc} The page starts with the defaults."


@solara.component
def Page():
    """One session (model, earlier runs, settings) per browser tab.

    A month played changes the snapshot; only the components that show it (the headline and
    the chart in view) draw again. The panel's components take the few parts of the snapshot
    they show, so they are left alone while a run plays (redrawing the whole page every frame
    was what slowed Play and a Step's response).
    """
    search = solara.use_router().search  # a link's setup, read once when the page opens
    linked, problem = solara.use_memo(lambda: opened_link(search), [])

    def start() -> Session:
        session = Session(agents=app_agents())
        if linked:
            session.reset(linked["preset"], linked["controls"], linked["shocks"], keep=False)
        return session

    session = solara.use_memo(start, [])
    snap = solara.use_reactive(solara.use_memo(session.snapshot, []))
    lang = solara.use_reactive(linked["lang"] if linked else "en")
    tab = solara.use_reactive("info")
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("10")
    target = solara.use_reactive(None)  # "YYYY-MM": play up to and including this month
    message = solara.use_reactive(problem)

    def make_publish():
        def publish(s) -> None:
            if s.version > snap.value.version:
                snap.set(s)
        return publish

    publish = solara.use_memo(make_publish, [])  # the same function every render: the panel is not redrawn for it

    def play():
        drawing = 0.0  # seconds the last frame took to draw: at "max", stepping takes twice as long
        try:
            while playing.value:
                t0 = time.perf_counter()
                months, seconds = SPEEDS[speed.value]
                s = session.advance(months, until=target.value, seconds=max(seconds, 2 * drawing))
                t1 = time.perf_counter()
                publish(s)
                drawing = time.perf_counter() - t1
                if s.finished or (target.value is not None and s.next_date > target.value):
                    playing.set(False)
                    target.set(None)
                    break
                # A pause at least as long as a frame's drawing: a click's redraw, in another thread,
                # starts over whenever the state changes under it, and with frames back to back it
                # never finished ("Too many renders triggered": the page went blank while playing).
                time.sleep(max(seconds - (time.perf_counter() - t0), drawing))
        except MigsimError as exc:  # a model error is shown, not raised into the page
            playing.set(False)
            message.set(str(exc))

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    s = snap.value
    solara.Title(translator(lang.value)("migsim: a migration theory laboratory"))
    solara.Style(CSS)
    TopBar(s.preset, lang)
    with solara.Row(gap="0px", style={"flex-wrap": "nowrap", "align-items": "stretch"}):
        with solara.Div(classes=["migsim-panel"]):
            Controls(session=session, preset_running=s.preset, running=s.controls, finished=s.finished, shocks=s.shocks,
                     ghosts=len(s.ghosts), publish=publish, playing=playing, speed=speed, target=target,
                     message=message, lang=lang.value, speeds=list(SPEEDS))
        Main(s, tab, message, lang.value)

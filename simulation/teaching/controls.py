"""The left panel of the teaching page: settings, running, shocks, comparing runs, saving a setup.

Settings (preset and sliders) are what the next run will use; the page says "changes
pending: press Reset" while they differ from the running ones, because a run keeps the
settings it started with (a run that changed midway could not be compared with another).
Choosing another preset resets the sliders to that preset's defaults. Running acts at once:
Step is exactly one month, Play advances at the chosen speed, "Run to" plays up to a month
and stops there; the shocks act from the coming month, at any month and as often as pressed.
"""

from __future__ import annotations

import html
import json

import solara

from ..errors import MigsimError
from ..i18n import format_month, translator
from .info import title
from .link import setup_query
from .model import SHOCKS, sanctions_summary
from .presets import APP_END, APP_START, CONTROLS, default_controls, presets
from .session import check_setup


def shock_text(key: str, _) -> str:
    """What a shock button does, in the page's language."""
    texts = {"sanctions": _("Sanctions on Russia, as in 2022, from the coming month to the end of the run: "
                            "the rouble falls, wages in Russia fall, fewer remittances from Russia get through "
                            "and some Russians move to Kazakhstan."),
             "rouble": _("The rouble loses 30% against the US dollar from the coming month: wages in Russia "
                         "are worth 30% less at home."),
             "tenge": _("The tenge loses 30% against the US dollar from the coming month: wages in "
                        "Kazakhstan are worth 30% less at home."),
             "borders": _("All borders close for six months from the coming month: no one enters, and "
                          "workers abroad are stranded.")}
    return texts[key]


def shown(visible: bool) -> dict:
    """The style of an element that is always in the panel and hidden when not needed.

    Elements that came and went (the "changes pending" note, Play and Pause taking turns)
    shifted the panel's children, and the browser then drew some controls twice and lost
    others (two Step buttons, no Go, the shock buttons gone until reload). A panel whose
    children never change in number or kind is redrawn in place.
    """
    return {} if visible else {"display": "none"}


@solara.component
def Slider(key: str, value: float, on_value, lang: str):
    """A slider with its value, unit and range in view, and a box to type an exact number."""
    _ = translator(lang)
    c = CONTROLS[key]
    whole = isinstance(c.default, int)
    def typed(x):
        if x is not None and c.low <= x <= c.high:
            on_value(int(x) if whole else float(x))

    with solara.Div(classes=[f"migsim-control migsim-control-{key}"]):
        solara.HTML(tag="div", unsafe_innerHTML=f"{_(c.label)} <span style='color:#555'>({_(c.unit)})</span>")
        with solara.Row(style={"align-items": "center", "flex-wrap": "nowrap"}):
            with solara.Div(style={"flex": "1 1 auto"}):
                slider = solara.SliderInt if whole else solara.SliderFloat
                slider("", value=value, min=c.low, max=c.high, step=c.step, on_value=on_value, thumb_label=False,
                       tick_labels="end_points")
            entry = solara.InputInt if whole else solara.InputFloat
            with solara.Div(style={"width": "92px", "flex": "0 0 92px"}):
                entry(_("value"), value=value, on_value=typed, dense=True, classes=[f"migsim-entry-{key}"],
                      hide_details=True)


@solara.component
def Controls(session, preset_running: str, running: dict, finished: bool, shocks: tuple, ghosts: int, publish,
             playing, speed, target, message, lang: str, speeds: list[str]):
    """The panel. It takes only the parts of the snapshot it shows (the running settings, whether
    the run is over, its shocks, the number of earlier runs), so a month played leaves it alone."""
    _ = translator(lang)
    table = solara.use_memo(presets, [])  # the preset files, read once per page
    preset = solara.use_reactive(preset_running)
    controls = solara.use_reactive(dict(running))
    run_to = solara.use_reactive("2020-01")
    counterfactual = solara.use_reactive(True)
    pending = preset.value != preset_running or controls.value != running

    def act(change):  # every change of the run goes through the session; an error shows, never a traceback
        def handler(*args):
            try:
                message.set(None)
                publish(change(*args))
            except MigsimError as exc:
                message.set(str(exc))
        return handler

    def choose_preset(name):
        key = next(k for k in table if title(k, _) == name)
        preset.set(key)
        controls.set(default_controls())  # a new preset starts from its own defaults

    def set_control(key):
        return lambda value: controls.set({**controls.value, key: value})

    def reset():
        playing.set(False)
        session.counterfactual = counterfactual.value
        return session.reset(preset.value, controls.value)

    def step():
        playing.set(False)
        return session.advance(1)

    def play_or_pause():
        if playing.value:
            playing.set(False)
        else:
            target.set(None)
            playing.set(True)

    def run_to_month():
        text = (run_to.value or "").strip()
        if not (len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
                and APP_START <= text <= APP_END and 1 <= int(text[5:]) <= 12):
            message.set(_("Run to: give a month as YYYY-MM from {first} to {last}.").format(first=APP_START,
                                                                                      last=APP_END))
            return
        message.set(None)
        target.set(text)
        playing.set(True)

    def load(file):
        try:
            setup = check_setup(file["data"], file["name"])
        except MigsimError as exc:
            message.set(str(exc))
            return
        playing.set(False)
        preset.set(setup["preset"])
        controls.set(setup["controls"])
        publish(session.reset(setup["preset"], setup["controls"], setup["shocks"]))

    solara.HTML(tag="h4", unsafe_innerHTML=_("1. Choose a theory and its settings"))
    solara.Select(_("Theory"), values=[title(k, _) for k in table], value=title(preset.value, _),
                  on_value=choose_preset, classes=["migsim-preset"])
    for key in CONTROLS:
        Slider(key, controls.value[key], set_control(key), lang)
    with solara.Row():
        solara.Button(_("Reset"), on_click=act(reset), color="primary", classes=["migsim-reset"])
        solara.Button(_("Restore preset defaults"), on_click=lambda: controls.set(default_controls()),
                      text=True, classes=["migsim-defaults"])
    # Below the buttons, so that its appearing does not move them under the pointer. Always in
    # the panel, hidden when not needed: see `shown`.
    solara.HTML(tag="div", classes=["migsim-pending"] if pending else [],
                unsafe_innerHTML=_("Changes pending: press Reset to start a run with them."), style=shown(pending))

    solara.HTML(tag="h4", unsafe_innerHTML=_("2. Run"))
    with solara.Row():
        solara.Button(_("Step 1 month"), on_click=act(step), classes=["migsim-step"], disabled=finished)
        # One button that is Play or Pause, not two that take turns (see `shown`).
        solara.Button(_("Pause") if playing.value else _("Play"), on_click=play_or_pause,
                      color="warning" if playing.value else "success",
                      classes=["migsim-pause" if playing.value else "migsim-play"],
                      disabled=finished and not playing.value)
    with solara.Row(style={"align-items": "center"}):
        solara.HTML(tag="span", unsafe_innerHTML=_("Months a second:"))
        solara.ToggleButtonsSingle(value=speed, values=speeds, classes=["migsim-speed"])
    with solara.Row(style={"align-items": "center"}):
        solara.InputText(_("Run to the end of (YYYY-MM)"), value=run_to, classes=["migsim-run-to"],
                         style={"max-width": "200px"}, continuous_update=True)
        solara.Button(_("Go"), on_click=run_to_month, classes=["migsim-go"], disabled=finished)
    solara.HTML(tag="div", unsafe_innerHTML=_("The run has reached December 2030: press Reset for a new one."),
                style=shown(finished))

    solara.HTML(tag="h4", unsafe_innerHTML=_("3. Shocks (from the coming month)"))
    for key, shock in SHOCKS.items():
        with solara.Tooltip(shock_text(key, _) + (f" ({sanctions_summary()})" if key == "sanctions" and lang == "en"
                                                  else "")):
            solara.Button(_(shock.label), on_click=act(lambda key=key: session.shock(key)), color="error",
                          outlined=True, small=True, classes=[f"migsim-shock-{key}"], disabled=finished,
                          style={"margin": "2px"})
    solara.HTML(tag="div", classes=["migsim-shock-list"] if shocks else [], style=shown(bool(shocks)),
                unsafe_innerHTML=_("In this run: ") + "; ".join(
                    f"{_(SHOCKS[k].label)} ({format_month(d, lang)})" for k, d in shocks))

    solara.HTML(tag="h4", unsafe_innerHTML=_("4. Compare runs"))
    solara.Checkbox(label=_("Run the same world without the shocks alongside (dashed)"), value=counterfactual,
                    on_value=lambda v: setattr(session, "counterfactual", v))
    solara.HTML(tag="div", unsafe_innerHTML=_("Earlier runs stay as grey lines after Reset: {n} kept.").format(
        n=ghosts))
    solara.Button(_("Clear earlier runs"), on_click=act(session.clear), text=True, classes=["migsim-clear"])

    solara.HTML(tag="h4", unsafe_innerHTML=_("5. Save or load this setup"))
    solara.FileDownload(lambda: session_json(session), filename="migsim-setup.json", label=_("Save setup"),
                        mime_type="application/json")
    solara.FileDrop(label=_("Drop a saved setup here to load it"), on_file=load, lazy=False)
    # The settings in the panel (and the running run's shocks, unless the panel's settings wait
    # for Reset) as the page's address: opening it starts that run, in this language.
    query = setup_query(preset.value, controls.value, lang, () if pending else shocks)
    solara.HTML(tag="div", classes=["migsim-share"], unsafe_innerHTML=(
        f"<a class='migsim-link' href='./{html.escape(query, quote=True)}'>{html.escape(_('Link to this setup'))}</a>"
        f" <span style='color:#555'>{html.escape(_('(theory, sliders, shocks and language: copy it to share)'))}"
        "</span>"))


def session_json(session) -> str:
    return json.dumps(session.setup(), indent=1)

"""A setup as a link: the page's address holds the theory, the sliders, the shocks and the language.

A teacher who prepared a run sends the class one link instead of a list of settings:
`http://localhost:8765/?preset=networks&network_strength=0&lang=ru` opens the page with the
networks preset, Networks at 0 and the page in Russian. Only what differs from the
defaults is written, so a link stays short. The link is read as a saved setup is
(`session.check_setup`): every key and value is checked, and a wrong one is named with
what is allowed, never half applied. No web framework here.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from ..errors import ScenarioError
from ..i18n import LANGUAGES
from .presets import BASELINE, CONTROLS, default_controls
from .session import check_setup

KEYS = ("preset", *CONTROLS, "shock", "lang")  # what a link may hold, in the order it is written


def setup_query(preset: str, controls: dict, lang: str = "en", shocks=()) -> str:
    """The query string ('?preset=...&...') of a setup; '' for the defaults in English."""
    items: list[tuple[str, str]] = []
    if preset != BASELINE:
        items.append(("preset", preset))
    defaults = default_controls()
    items += [(k, f"{controls[k]:g}") for k in CONTROLS if controls.get(k, defaults[k]) != defaults[k]]
    items += [("shock", f"{kind}:{date}") for kind, date in shocks]
    if lang != "en":
        items.append(("lang", lang))
    return "?" + urlencode(items) if items else ""


def read_query(search: str | None) -> dict | None:
    """The setup a query string holds: {preset, controls, shocks, lang}, or None if it holds none.

    Raises ScenarioError naming the first wrong key or value and what is allowed.
    """
    text = (search or "").lstrip("?")
    if not text:
        return None
    name = "the link"
    doc: dict = {"migsim_teaching_setup": 1, "controls": {}, "shocks": []}
    lang = "en"
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key not in KEYS:
            raise ScenarioError(f"{name}: unknown setting '{key}'; a link may hold {', '.join(KEYS)}.")
        if key == "preset":
            doc["preset"] = value
        elif key == "lang":
            if value not in LANGUAGES:
                raise ScenarioError(f"{name}: lang={value} is not allowed; choose one of {', '.join(LANGUAGES)}.")
            lang = value
        elif key == "shock":
            kind, _, date = value.partition(":")
            doc["shocks"].append([kind, date])
        else:
            try:
                doc["controls"][key] = float(value)
            except ValueError:
                c = CONTROLS[key]
                raise ScenarioError(f"{name}: {key}={value} is not a number; give one from {c.low:g} to "
                                    f"{c.high:g}.") from None
    return {**check_setup(json.dumps(doc), name), "lang": lang}

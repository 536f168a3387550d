"""The Info panel of each preset: what the theory claims, how the model expresses it, what to watch,
things to try. The three classroom exercises live here (docs/teaching.md points to them).

Every claim about what the class will see was measured on the page's own model (3,000 workers,
the default seed, every run starting with everyone at home in January 2015), and
tests/test_app_browser.py runs each exercise in a browser and checks it against the numbers
the page shows. The texts are literal `_("...")` calls so that the Russian and Kazakh
catalogues (locale/*/app.po) are checked to hold every one.
"""

from __future__ import annotations

import solara

from ..i18n import translator
from .presets import presets


def title(key: str, _) -> str:
    """A preset's name as the page lists it (the theory, not the file name)."""
    names = {
        "baseline": _("All mechanisms together (baseline)"),
        "neoclassical": _("Neoclassical: wage gaps and expected income"),
        "push_pull": _("Push-pull and intervening obstacles"),
        "nelm": _("New economics of labour migration (households)"),
        "dual_labour_market": _("Dual labour market (demand for migrants)"),
        "networks": _("Migration networks and cumulative causation"),
        "migration_systems": _("Migration systems"),
    }
    return names.get(key, key)


def info(key: str, _) -> dict:
    """{claim, model, watch, try: [...]} for a preset, in the page's language."""
    texts = {
        "baseline": {
            "claim": _("No single theory: every mechanism of the model at once, as calibrated to Kazakhstan."),
            "model": _("Expected income, household needs, contacts abroad, costs and legal status all enter "
                       "each worker's monthly decision."),
            "watch": _("Use it as the yardstick: run a theory, then this preset, and compare the grey line "
                       "of the earlier run with the new one."),
            "try": [_("Press Play, then Sanctions on Russia, and open Remittances: the dashed lines show the "
                      "same run without the shock.")],
        },
        "neoclassical": {
            "claim": _("People move where they expect to earn more: the wage abroad times the chance of a job "
                       "(Todaro 1969; Harris and Todaro 1970)."),
            "model": _("Only expected income, unemployment and the cost of moving count; households and "
                       "contacts play no part, and anyone can find work by searching."),
            "watch": _("The Concentration tab and the map: do migrants spread over every destination that pays?"),
            "try": [_("Exercise 1, do wages alone explain where migrants go? Choose Run to 2019-12 and Go; "
                      "note the concentration (about 0.35: migrants spread over several destinations)."),
                    _("Then choose Migration networks and cumulative causation, Reset, run to 2019-12: about "
                      "0.95, most migrants of each country in one place."),
                    _("Then set Networks to 0, Reset and run again: concentration falls back to 0.3-0.4, as "
                      "with wages alone, and only about a twentieth as many people work abroad. In that preset jobs are found through "
                      "contacts, so without them migration hardly starts: networks both channel and sustain it."),
                    _("The Concentration tab keeps the earlier runs as grey lines.")],
        },
        "push_pull": {
            "claim": _("Push at home (unemployment), pull abroad (wages) and the obstacles between them "
                       "(distance, travel, documents) decide who moves and where (Lee 1966)."),
            "model": _("Unemployment at home pushes harder and costs weigh twice as much as in the baseline."),
            "watch": _("Where migrants work (tab) and the map: Russia, far and costly, against Kazakhstan, near."),
            "try": [_("Exercise 2, push, pull and obstacles: run to 2019-12 as it is, then with Wage gap 1.5, "
                      "then with Cost 2.5 (Reset before each run; earlier runs stay as grey lines)."),
                    _("Higher wages abroad send more people everywhere, Kazakhstan included."),
                    _("Higher costs keep many at home: about half as many work abroad, Russia loses more "
                      "than half of its migrants, while Kazakhstan, the nearest and cheapest destination, gains "
                      "foreign workers. Obstacles change where people go, not only how many.")],
        },
        "nelm": {
            "claim": _("Households, not individuals, decide: a family sends a member abroad to spread its risks, "
                       "and the migrant remits as part of that contract (Stark and Bloom 1985)."),
            "model": _("Main providers and workers with dependants weigh the gain from migrating more and "
                       "remit much more often."),
            "watch": _("Remittances: the money households in each origin country receive."),
            "try": [_("Run to 2019-12, then choose the neoclassical preset, Reset and run again: compare the "
                      "remittance lines with the grey ones of this run.")],
        },
        "dual_labour_market": {
            "claim": _("Demand at the destination drives migration: employers recruit migrants for insecure jobs "
                       "that local workers avoid (Piore 1979)."),
            "model": _("Demand for migrants is concentrated in construction, agriculture and services, and "
                       "Kazakhstan has twice the jobs for them."),
            "watch": _("Foreign workers in Kazakhstan and Formal and informal work."),
            "try": [_("Press the Tenge falls 30% shock: does demand keep migrants coming when wages are worth "
                      "less at home?")],
        },
        "networks": {
            "claim": _("Each migrant lowers the cost and risk of migrating for her contacts, so migration "
                       "perpetuates itself and concentrates where earlier migrants went (Massey 1990)."),
            "model": _("Contacts abroad pull strongly and most jobs are found through them."),
            "watch": _("The Concentration tab and the thick arrows on the map."),
            "try": [_("Exercise 1 (see the neoclassical preset): set Networks to 0, Reset and run to 2019-12.")],
        },
        "migration_systems": {
            "claim": _("Countries form one system linked by flows of people, money and information; a country "
                       "can receive and send at once (Mabogunje 1970; Kritz, Lim and Zlotnik 1992)."),
            "model": _("Kazakhstan receives workers from Central Asia while its own citizens work in Russia, "
                       "Korea and Turkey; contacts carry the flows along each link."),
            "watch": _("The map (arrows both ways), Remittances, and the dashed run without the shock."),
            "try": [_("Exercise 3, a shock to the system: leave 'Run the same world without the shocks "
                      "alongside' ticked, run to 2016-12, press Sanctions on Russia, then run to 2019-12."),
                    _("Remittances: households in Uzbekistan and Tajikistan receive a third to a half of what "
                      "they would without the shock (dashed), although the shock hit Russia, not them."),
                    _("Foreign workers: more in Kazakhstan than without the shock (the dashed total), as "
                      "Uzbeks turn from Russia to Kazakhstan and Russians relocate: the system redirects flows "
                      "towards Kazakhstan.")],
        },
    }
    return texts.get(key, {"claim": "", "model": "", "watch": "", "try": []})


@solara.component
def InfoPanel(key: str, lang: str):
    _ = translator(lang)
    text = info(key, _)
    source = presets()[key].source
    items = "".join(f"<li>{t}</li>" for t in text["try"])
    solara.HTML(tag="div", classes=["migsim-info"], unsafe_innerHTML=(
        f"<h2>{title(key, _)}</h2>"
        f"<h3>{_('What the theory claims')}</h3><p>{text['claim']}</p>"
        f"<h3>{_('How the model expresses it')}</h3><p>{text['model']}</p>"
        f"<h3>{_('What to watch')}</h3><p>{text['watch']}</p>"
        f"<h3>{_('Things to try')}</h3><ul>{items}</ul>"
        f"<p style='font-size:16px;color:#555'>{_('Source')}: {source}. "
        f"{_('Every run starts from the same world: everyone at home in January 2015.')}</p>"))

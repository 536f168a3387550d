"""The languages migsim speaks to people: English, Russian and Kazakh.

Kazakhstan's Language Act asks for official technical documents in Kazakh and Russian, so every
string a person reads in a report, a figure, a policy brief or the teaching page is looked up
here. The strings live in gettext catalogues, not in code: `simulation/locale/<lang>/LC_MESSAGES/`
holds one `.po` file per part of the tool (`common.po`: the glossary and country names shared by
everything; `reports.po`: reports, briefs and figures; `app.po`: the teaching page). English is
the source language: its text is the message id itself.

Use it as gettext is used:

    from simulation.i18n import translator
    _ = translator("ru")
    _("Foreign workers in Kazakhstan")      # "Иностранные работники в Казахстане"

A message missing from a catalogue falls back to English at run time, and
`tests/test_i18n.py` fails on it, so a missing translation is found before a user sees it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from .errors import ScenarioError

LANGUAGES: tuple[str, ...] = ("en", "ru", "kk")
# Babel locales used for numbers and dates: thousands separators, decimal marks, month names.
LOCALES = {"en": "en_GB", "ru": "ru_RU", "kk": "kk_KZ"}
LOCALE_DIR = Path(__file__).parent / "locale"

# English names of the countries and regions the model knows; translated in common.po.
COUNTRY_NAMES = {
    "UZB": "Uzbekistan",
    "TJK": "Tajikistan",
    "KGZ": "Kyrgyzstan",
    "RUS": "Russia",
    "CHN": "China",
    "AZE": "Azerbaijan",
    "KAZ": "Kazakhstan",
    "KOR": "South Korea",
    "TUR": "Türkiye",
    "ARE": "United Arab Emirates",
    "EU": "European Union",
}


def check_language(lang: str) -> str:
    """Return `lang` if migsim speaks it, else stop with a message listing the languages."""
    if lang not in LANGUAGES:
        raise ScenarioError(f"language {lang!r} is not available; choose one of {', '.join(LANGUAGES)}")
    return lang


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Every translated message of a language, from all its `.po` files (empty for English)."""
    check_language(lang)
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")) if lang != "en" else []:
        with path.open("rb") as f:
            for message in read_po(f, locale=LOCALES[lang]):
                if message.id and message.string and not message.fuzzy:
                    messages[message.id] = message.string
    return messages


def translator(lang: str) -> Callable[[str], str]:
    """A gettext-style function for one language: English text in, the language's text out."""
    messages = catalogue(lang)

    def translate(message: str) -> str:
        return messages.get(message, message)

    return translate


def country_name(code: str, lang: str = "en") -> str:
    """A country's (or group's) name in the chosen language, from its ISO3 code."""
    return translator(lang)(COUNTRY_NAMES.get(code, code))


def format_number(value: float, lang: str = "en", digits: int = 0) -> str:
    """A number as the language writes it (1,234,567 / 1 234 567), rounded to `digits`."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(value, digits), format=pattern, locale=LOCALES[check_language(lang)])


def format_month(date: str, lang: str = "en") -> str:
    """A model month, 'YYYY-MM', as the language writes it ('December 2022', 'декабрь 2022 г.')."""
    year, month = (int(x) for x in date[:7].split("-"))
    return format_date(datetime.date(year, month, 1), format="LLLL y", locale=LOCALES[check_language(lang)])

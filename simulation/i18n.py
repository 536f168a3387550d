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

import argparse
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


LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "kk": "Kazakh"}
# What people type for a language instead of its code: a country code, a name, a locale.
_LANGUAGE_ALIASES = {"kz": "kk", "kaz": "kk", "qaz": "kk", "kazakh": "kk", "qazaq": "kk", "kk-kz": "kk", "kk_kz": "kk",
                     "rus": "ru", "russian": "ru", "ru-ru": "ru", "ru_ru": "ru",
                     "eng": "en", "english": "en", "en-gb": "en", "en_gb": "en", "en-us": "en", "en_us": "en"}


def language_option(*extra: tuple[str, str]) -> Callable[[str], str]:
    """The `type` of a --lang option: a language code, or one of `extra` ((value, meaning) pairs such
    as ("all", "every language")); anything else is refused naming the choices and, for a country code,
    a language's name or another case, the code meant ("kz": did you mean kk (Kazakh)?)."""
    meanings = {**LANGUAGE_NAMES, **dict(extra)}

    def parse(text: str) -> str:
        if text in meanings:
            return text
        key = text.strip().lower()
        guess = key if key in meanings else _LANGUAGE_ALIASES.get(key)
        hint = f"; did you mean {guess} ({meanings[guess]})?" if guess else "."
        *first, last = [f"{code} ({name})" for code, name in meanings.items()]
        raise argparse.ArgumentTypeError(f"{text!r} is not one of migsim's languages{hint} The choices are "
                                         f"{', '.join(first)} and {last}")

    parse.__name__ = "language"  # argparse names the type in some of its messages
    return parse


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


def quoted(name: str, lang: str = "en") -> str:
    """A name (a scenario's) in the language's quotation marks: 'quota_halved', «quota_halved»."""
    return f"'{name}'" if lang == "en" else f"«{name}»"


def format_number(value: float, lang: str = "en", digits: int = 0) -> str:
    """A number as the language writes it (1,234,567 / 1 234 567), rounded to `digits`."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(value, digits), format=pattern, locale=LOCALES[check_language(lang)])


# A month inside a sentence takes the case its preposition (Russian) or postposition (Kazakh)
# governs: "с января 2026 г.", "по декабрь 2030 г.", "в декабре 2030 г.", "до декабря 2030 г.";
# "2026 жылғы қаңтардан бастап", "2030 жылғы желтоқсанға дейін", "2030 жылғы желтоқсанда".
# Roles: "from" (since), "until" (up to, not included), "through" (up to, included), "in".
_RU_IN = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре",
          "ноябре", "декабре")  # prepositional: after "в"
_KK_MONTHS = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
              "қараша", "желтоқсан")
# Kazakh case endings follow the stem's last sound and vowels (vowel harmony), written out per month:
_KK_CASES = {
    "from": ("қаңтардан", "ақпаннан", "наурыздан", "сәуірден", "мамырдан", "маусымнан", "шілдеден", "тамыздан",
             "қыркүйектен", "қазаннан", "қарашадан", "желтоқсаннан"),  # ablative, before "бастап"
    "until": ("қаңтарға", "ақпанға", "наурызға", "сәуірге", "мамырға", "маусымға", "шілдеге", "тамызға",
              "қыркүйекке", "қазанға", "қарашаға", "желтоқсанға"),  # dative, before "дейін"
    "in": ("қаңтарда", "ақпанда", "наурызда", "сәуірде", "мамырда", "маусымда", "шілдеде", "тамызда",
           "қыркүйекте", "қазанда", "қарашада", "желтоқсанда"),  # locative
}
_KK_CASES["through"] = _KK_CASES["until"]
ROLES = ("from", "until", "through", "in")


def format_month(date: str, lang: str = "en", role: str | None = None) -> str:
    """A model month, 'YYYY-MM', as the language writes it: alone ('December 2022', 'декабрь 2022 г.',
    '2022 жылғы желтоқсан'), or in the case a sentence needs (`role`, see ROLES)."""
    year, month = (int(x) for x in date[:7].split("-"))
    lang = check_language(lang)
    if role is not None and role not in ROLES:
        raise ValueError(f"role {role!r}: one of {ROLES}")
    if lang == "kk":
        name = _KK_CASES[role][month - 1] if role else _KK_MONTHS[month - 1]
        return f"{year} жылғы {name}"
    if lang == "ru" and role:
        if role == "in":
            return f"{_RU_IN[month - 1]} {year} г."
        pattern = "MMMM y 'г.'" if role in ("from", "until") else "LLLL y 'г.'"  # genitive; accusative (= nominative)
        return format_date(datetime.date(year, month, 1), format=pattern, locale=LOCALES[lang])
    pattern = "LLLL y 'г.'" if lang == "ru" else "LLLL y"
    return format_date(datetime.date(year, month, 1), format=pattern, locale=LOCALES[lang])

"""Every string migsim shows a person exists in the Russian and Kazakh catalogues.

The check reads the source: any call `_("...")` (the gettext convention used with
`simulation.i18n.translator`) in `simulation/` or `calibration/` must have a translation in
every language, and the glossary and country names must be there too.
"""

import ast
from pathlib import Path

import pytest

from simulation import i18n

ROOT = Path(__file__).resolve().parents[1]


def _messages_in_code() -> set[str]:
    found = set()
    for folder in ("simulation", "calibration"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_every_user_facing_string_has_a_translation(lang):
    needed = _messages_in_code() | set(i18n.COUNTRY_NAMES.values())
    missing = sorted(needed - set(i18n.catalogue(lang)))
    assert not missing, f"missing from simulation/locale/{lang}: {missing}"


def test_country_names_and_glossary_in_each_language():
    assert i18n.country_name("UZB", "ru") == "Узбекистан"
    assert i18n.country_name("KOR", "kk") == "Корея Республикасы"
    assert i18n.country_name("ARE", "en") == "United Arab Emirates"
    assert i18n.translator("ru")("EAEU") == "ЕАЭС"


def test_numbers_and_months_follow_the_locale():
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.format_number(1234567, "ru").replace("\xa0", " ") == "1 234 567"
    assert i18n.format_month("2022-12", "en") == "December 2022"
    assert i18n.format_month("2022-12", "ru").startswith("декабрь 2022")


@pytest.mark.parametrize("lang, role, expected", [
    ("ru", "from", "января 2026 г."), ("ru", "until", "января 2026 г."), ("ru", "through", "январь 2026 г."),
    ("ru", "in", "январе 2026 г."), ("kk", None, "2026 жылғы қаңтар"), ("kk", "from", "2026 жылғы қаңтардан"),
    ("kk", "until", "2026 жылғы қаңтарға"), ("kk", "in", "2026 жылғы қаңтарда"), ("en", "from", "January 2026"),
])
def test_a_month_in_a_sentence_takes_the_case_its_preposition_needs(lang, role, expected):
    """'с января', 'по январь', 'в январе'; '-дан бастап', '-ға дейін', '-да' (was 'до январь', 'Қаңтар 2026 бастап')."""
    assert i18n.format_month("2026-01", lang, role) == expected


def test_kazakh_month_endings_follow_vowel_harmony():
    assert [i18n.format_month(f"2026-{m:02d}", "kk", "from").split()[-1] for m in (4, 6, 9)] == \
        ["сәуірден", "маусымнан", "қыркүйектен"]
    assert [i18n.format_month(f"2026-{m:02d}", "kk", "until").split()[-1] for m in (7, 9, 11)] == \
        ["шілдеге", "қыркүйекке", "қарашаға"]


def test_an_unknown_language_is_refused_with_the_choices():
    with pytest.raises(Exception, match="en, ru, kk"):
        i18n.translator("de")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_units_sources_and_meanings_a_brief_shows_are_translated(lang):
    """Every unit of the parameter registry and of event settings, and the meaning and source of the
    parameters every brief may show, read in the language (they were English: 'persons', 'assumption')."""
    from simulation.brief import ALWAYS, DRIVERS, PARAM_UNITS, source_text, unit_text
    from simulation.events import KINDS
    from simulation.parameters import PARAMETERS

    units = {p.unit for p in PARAMETERS.values()} | {s.unit for k in KINDS.values() for s in k.settings.values()}
    assert units - {"-", "percent"} <= set(PARAM_UNITS)
    assert unit_text("persons", lang) == {"ru": "чел.", "kk": "адам"}[lang] and unit_text("persons") == "persons"
    shown = {k for keys in DRIVERS.values() for k in keys} | set(ALWAYS)
    messages = i18n.catalogue(lang)
    missing = sorted(PARAMETERS[k].doc for k in shown if PARAMETERS[k].doc not in messages)
    assert not missing, f"parameter meanings missing from simulation/locale/{lang}: {missing}"
    for key in shown:
        text = source_text(PARAMETERS[key].source, lang).replace("calibrated.toml", "")
        assert not any(word in text for word in ("assumption", "calibrated", "set by hand", "deported")), text
    assert source_text("calibrated (simulation/data/calibrated.toml); set by hand before: 0.9, assumption (Massey)",
                       "ru") == "калибровка (simulation/data/calibrated.toml); до калибровки задано вручную: 0,9 — " \
                                "допущение (Мэсси)"


@pytest.mark.parametrize("lang, unit, allowed", [("ru", "чел.", "число от 0 до 100 000 000 (виды событий: quota)"),
                                                 ("kk", "адам", "0 – 100 000 000 аралығындағы сан (оқиға түрлері: quota)")])
def test_the_events_template_says_units_and_allowed_values_in_the_language(tmp_path, lang, unit, allowed):
    from openpyxl import load_workbook

    from simulation.workbook import write_template

    book = load_workbook(write_template(tmp_path / "t.xlsx", lang))
    ws = book["events"]  # keys in row 1 stay: import reads them
    column = [c.value for c in ws[1]].index("total") + 1
    assert ws.cell(1, column).value == "total" and ws.cell(2, column).value == unit
    assert ws.cell(3, column).value.replace("\xa0", " ") == allowed
    kinds = book.worksheets[1]
    assert kinds.title != "kinds" and "unit" not in [c.value for c in kinds[1]]
    assert not any(row[4] in ("persons", "per month", "share") for row in kinds.iter_rows(min_row=2, values_only=True))

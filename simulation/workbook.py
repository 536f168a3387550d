"""Levers from a spreadsheet: a template of dated events, and its import as a scenario file.

An analyst who does not write TOML fills one row per event in the `events` sheet that
`write_template` makes: the kind, the date (or start and end), and the settings of that kind,
one column per setting. The rows above the data say each column's unit and allowed values, and
the cells carry data validation (a list of kinds, names and true/false; numbers within their
range), so most mistakes are caught while typing. `import_workbook` reads the rows back and
validates them with the same code as a scenario file's `[[events]]` (`events.parse_events`), so
the messages are the same, preceded by the sheet, row and column of the cell at fault; the
scenario file is written only when every row is valid.
"""

from __future__ import annotations

# Imports inside functions: openpyxl loads only when a workbook is read or written.
import datetime
import os
import re
import zipfile
from pathlib import Path

import tomli_w

from .errors import ScenarioError, not_a_file
from .events import KINDS, MANY, NAME_LISTS, REQUIRED, parse_events
from .i18n import format_number, translator

SHEET = "events"
COMMON = ("kind", "date", "start", "end", "note")
FIRST_DATA_ROW = 4  # row 1: keys, row 2: units, row 3: allowed values and the kinds that use the column


def _(message: str) -> str:
    """Marks a message for the catalogues (gettext's N_); it is translated where it is shown."""
    return message


# The `kinds` sheet's columns, titled in Russian and Kazakh (the `events` sheet keeps its keys: import reads them).
KIND_COLUMNS = {"kind": _("kind"), "when": _("when"), "key": _("key"), "default": _("default"), "unit": _("unit"),
                "allowed": _("allowed values"), "meaning": _("meaning")}


def setting_columns() -> dict[str, list]:
    """Every setting key of every kind, in the order kinds declare them: key -> [(kind, Setting)]."""
    columns: dict[str, list] = {}
    for kind in KINDS.values():
        for key, setting in kind.settings.items():
            columns.setdefault(key, []).append((kind.name, setting))
    return columns


def _number(x: float, lang: str) -> str:
    if lang == "en":
        return _plain(x)
    digits = 0 if float(x).is_integer() else len(f"{x:g}".partition(".")[2])
    return format_number(x, lang, digits)


def allowed_text(setting, lang: str = "en") -> str:
    """What a setting accepts, in words, in the language (`events.Setting.allowed` in English)."""
    if lang == "en":
        return setting.allowed()
    _ = translator(lang)
    kind = setting.type
    if kind.startswith("choice:"):
        return _("one of {names}").format(names=", ".join(repr(c) for c in kind.split(":", 1)[1].split(",")))
    if kind in NAME_LISTS:
        names = ", ".join(repr(x) for x in NAME_LISTS[kind])
        return (_("a name or a list of names from {names}") if kind in MANY else _("one of {names}")).format(names=names)
    if kind == "bool":
        return _("true or false")
    integer = kind == "integer"
    low, high = setting.low, setting.high
    if low is not None and high is not None:
        text = _("an integer from {low} to {high}") if integer else _("a number from {low} to {high}")
        return text.format(low=_number(low, lang), high=_number(high, lang))
    if low is not None:
        text = _("an integer of at least {low}") if integer else _("a number of at least {low}")
        return text.format(low=_number(low, lang))
    return _("an integer") if integer else _("a number")


def _column_note(uses: list, lang: str = "en") -> tuple[str, str]:
    from .brief import unit_text  # noqa: PLC0415 - the brief's units; pandas loads only when a template is written

    units = list(dict.fromkeys(unit_text(s.unit, lang) for _k, s in uses))
    allowed = list(dict.fromkeys(allowed_text(s, lang) for _k, s in uses))
    kinds = ", ".join(k for k, _s in uses)
    _ = translator(lang)
    return " / ".join(units), _("{allowed} (kinds: {kinds})").format(allowed=" | ".join(allowed), kinds=kinds)


def _plain(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def write_template(path: Path, lang: str = "en") -> Path:
    """Write an empty events workbook with units, allowed values and data validation."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from .brief import unit_text  # noqa: PLC0415 - the brief's units; pandas loads only when a template is written

    _ = translator(lang)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ScenarioError(f"--xlsx {path}: give a file name ending in .xlsx.")
    _writable(path, "--xlsx")
    columns = setting_columns()
    keys = list(COMMON) + list(columns)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    month = unit_text("YYYY-MM", lang)
    notes = {"kind": ("-", _("one of {names}").format(names=", ".join(repr(k) for k in KINDS))),
             "date": (month, _("month it happens, as text YYYY-MM; or give start (and end)")),
             "start": (month, _("first month of a window, as text YYYY-MM")),
             "end": (month, _("last month of the window (included); empty: to the end of the run")),
             "note": ("-", _("free text"))}
    notes.update({key: _column_note(uses, lang) for key, uses in columns.items()})
    grey = PatternFill("solid", fgColor="EEEEEE")
    for c, key in enumerate(keys, start=1):
        unit, allowed = notes[key]
        ws.cell(1, c, key).font = Font(bold=True)
        ws.cell(2, c, unit).fill = grey
        cell = ws.cell(3, c, allowed)
        cell.fill, cell.alignment = grey, Alignment(wrap_text=True, vertical="top")
        if key in columns:
            docs = "; ".join(f"{k}: {s.doc}" for k, s in columns[key])
            ws.cell(1, c).comment = Comment(docs[:1000], "migsim")
        ws.column_dimensions[ws.cell(1, c).column_letter].width = 16 if key != "kind" else 20
    ws.row_dimensions[3].height = 90
    for c in (2, 3, 4):  # months stay text: a spreadsheet would turn 2026-01 into a date
        for r in range(FIRST_DATA_ROW, 201):
            ws.cell(r, c).number_format = "@"
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 2)
    last = 1000
    dv = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True,
                        showErrorMessage=True, error=_("Choose one of the kinds in the list."))
    ws.add_data_validation(dv)
    dv.add(f"A{FIRST_DATA_ROW}:A{last}")
    for c, key in enumerate(keys, start=1):
        if key not in columns:
            continue
        letter = ws.cell(1, c).column_letter
        settings = [s for _k, s in columns[key]]
        types = {s.type for s in settings}
        rule = None
        if types <= {"number", "integer"}:
            lows = [s.low for s in settings]
            highs = [s.high for s in settings]
            low = min(lows) if None not in lows else -1e12
            high = max(highs) if None not in highs else 1e12
            rule = DataValidation(type="whole" if types == {"integer"} else "decimal", operator="between",
                                  formula1=str(low), formula2=str(high), allow_blank=True, showErrorMessage=True,
                                  error=_("A number from {low} to {high}.").format(low=_plain(low), high=_plain(high)))
        elif types == {"bool"}:
            rule = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True, showErrorMessage=True)
        elif len(types) == 1 and (types & set(NAME_LISTS)) and not (types & set(MANY)):
            names = NAME_LISTS[types.pop()]
            rule = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True,
                                  showErrorMessage=True)
        elif len(types) == 1 and next(iter(types)).startswith("choice:"):
            rule = DataValidation(type="list", formula1='"' + next(iter(types)).split(":", 1)[1] + '"',
                                  allow_blank=True, showErrorMessage=True)
        if rule is not None:
            ws.add_data_validation(rule)
            rule.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
    _kinds_sheet(wb, lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(path)
    except OSError as exc:
        raise ScenarioError(f"--xlsx {path}: cannot be written ({exc.strerror}); choose another place.") from None
    return path


def _kinds_sheet(wb, lang: str) -> None:
    """The `kinds` sheet: every kind and its settings, with units, allowed values and meaning.

    In Russian and Kazakh the meaning is the kind's or setting's name in the language (as the brief
    words levers), and the full description follows in English."""
    from openpyxl.styles import Font

    from .brief import KIND_TITLES, SETTING_LABELS, unit_text  # noqa: PLC0415 - the brief's words for levers

    _ = translator(lang)
    english = lang == "en"
    ref = wb.create_sheet("kinds" if english else _("kinds of events")[:31])
    header = ["kind", "when", "key", "default", "unit", "allowed", "meaning"]
    ref.append(header if english else [_(KIND_COLUMNS[h]) for h in header] + [_("description (in English)")])
    for cell in ref[1]:
        cell.font = Font(bold=True)
    when = {"optional": "date, or start (and end)", "required": "start and end", "none": "date"} if english else \
        {"optional": _("date, or start (and end)"), "required": _("start and end"), "none": _("date only")}
    for kind in KINDS.values():
        meaning = [kind.doc] if english else [_(KIND_TITLES.get(kind.name, kind.name)), kind.doc]
        ref.append([kind.name, when[kind.window], "", "", "", "", *meaning])
        for key, s in kind.settings.items():
            default = _("required") if s.default is REQUIRED else "" if s.default is None else \
                ", ".join(s.default) if isinstance(s.default, tuple) else str(s.default)
            meaning = [s.doc] if english else [_(SETTING_LABELS.get(key, key)), s.doc]
            ref.append(["", "", key, default, unit_text(s.unit, lang), allowed_text(s, lang), *meaning])
    if not english:
        for column, width in zip("ABCDEFGH", (20, 18, 22, 12, 16, 40, 40, 60)):
            ref.column_dimensions[column].width = width


def _writable(path: Path, flag: str) -> None:
    """Refuse a file to write that exists, or whose folder cannot be made: one above it is a file. A link
    to a missing file or folder is refused too: writing would follow it elsewhere, or replace the link."""
    if path.exists():
        raise ScenarioError(f"{flag} {path}: exists already; migsim does not overwrite it. Choose another name.")
    ancestor = Path(os.path.abspath(path))
    while not ancestor.exists():
        if ancestor.is_symlink():
            raise ScenarioError(f"{flag} {path}: {ancestor} is a link to {os.readlink(ancestor)}, which does not "
                                "exist; migsim neither writes through it nor replaces it. Choose another name.")
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ScenarioError(f"{flag} {path}: {ancestor} is a file, so no folder can be made under it; "
                            "choose another place.")


def _cell_value(value, key: str, uses: list | None):
    """A cell as the TOML value it stands for: months as text, lists from commas, numbers kept."""
    if isinstance(value, (datetime.datetime, datetime.date)) and key in ("date", "start", "end"):
        return f"{value.year:04d}-{value.month:02d}"  # a spreadsheet turned "2026-01" into a date
    if isinstance(value, str):
        value = value.strip()
        if uses and {s.type for _k, s in uses} <= {"bool"} and value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if uses and any(s.type in MANY for _k, s in uses) and "," in value:
            return [x.strip() for x in value.split(",") if x.strip()]
    if isinstance(value, float) and value.is_integer() and uses and all(s.type == "integer" for _k, s in uses):
        return int(value)
    return value


def _filled(value) -> bool:
    """A cell holds something: not empty, not only spaces."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def read_events(path: Path) -> list[dict]:
    """The filled rows of the `events` sheet as `[[events]]` tables, each with its location."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such workbook. Make one with `migsim template --xlsx {path.name}`.")
    if what := not_a_file(path):
        raise ScenarioError(f"{path}: {what}; give the workbook that `migsim template` writes, saved as .xlsx.")
    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError):  # empty, text, an old .xls, a zip or another file renamed .xlsx
        raise ScenarioError(f"{path}: is not an Excel workbook (.xlsx); give the workbook that "
                            "`migsim template` writes, saved as .xlsx.") from None
    except (InvalidFileException, OSError, ValueError) as exc:
        raise ScenarioError(f"{path}: not a readable .xlsx workbook ({exc}).") from None
    if SHEET not in wb.sheetnames:
        raise ScenarioError(f"{path}: has no sheet '{SHEET}' (sheets: {', '.join(wb.sheetnames)}); "
                            "fill the workbook that `migsim template` writes.")
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    columns = setting_columns()
    seen: dict = {}
    for c, key in enumerate(header, start=1):
        if key is not None and key not in COMMON and key not in columns:
            raise ScenarioError(f"{path}: sheet '{SHEET}', row 1, column {ws.cell(1, c).column_letter}: "
                                f"unknown column {key!r}; columns allowed: " + ", ".join(list(COMMON) + list(columns)))
        if key is not None and key in seen:  # the later column would silently replace the earlier one
            raise ScenarioError(f"{path}: sheet '{SHEET}', row 1, column {ws.cell(1, c).column_letter}: column "
                                f"{key!r} is duplicated (also column {seen[key]}); keep one column per key.")
        seen[key] = ws.cell(1, c).column_letter
    tables = []
    formulas = None  # the sheet with its formulas, read when a filled row has an empty cell
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        for c, key in enumerate(header, start=1):  # a value with no key above it would not be read at all
            if key is None and _filled(ws.cell(r, c).value):
                raise ScenarioError(f"{path}: sheet '{SHEET}', cell {ws.cell(r, c).coordinate}: "
                                    f"{ws.cell(r, c).value!r} is in a column with no key in row 1, so migsim cannot "
                                    "tell what it sets; move it to its column, or delete it. Columns allowed: "
                                    + ", ".join(list(COMMON) + list(columns)))
        cells = {key: ws.cell(r, c).value for c, key in enumerate(header, start=1) if key is not None}
        cells = {k: v for k, v in cells.items() if _filled(v)}
        if not cells:
            continue
        formulas = formulas or load_workbook(path)[SHEET]
        for c, key in enumerate(header, start=1):
            if key is not None and ws.cell(r, c).value is None and formulas.cell(r, c).data_type == "f":
                raise ScenarioError(f"{path}: sheet '{SHEET}', row {r}, column {ws.cell(1, c).column_letter} "
                                    f"({key!r}): holds a formula with no saved value; type the value itself, or open "
                                    "and save the workbook in a spreadsheet program so the value is stored.")
        table = {k: _cell_value(v, k, columns.get(k)) for k, v in cells.items()}
        table["_file"] = f"{path}: sheet '{SHEET}', row {r}"
        table["_columns"] = {key: ws.cell(1, c).column_letter for c, key in enumerate(header, start=1) if key}
        tables.append(table)
    return tables


def _locate(message: str, table: dict) -> str:
    """Add the column of the key a validation message names (the kind when it names none)."""
    found = re.search(r"key '(\w+)'", message)
    key = found.group(1) if found else ("kind" if "kind" in message else None)
    column = table["_columns"].get(key) if key else None
    if column is None:
        return message
    return message.replace(table["_file"], f"{table['_file']}, column {column} ('{key}')", 1)


def workbook_events(path: Path, run=None) -> list[dict]:
    """Read and validate the workbook's events; returns them as `[[events]]` tables.

    `run`: the scenario the events will join; each must then begin within its months (said
    here with the row and column, not later of the scenario file written from them)."""
    tables = read_events(path)
    if not tables:
        raise ScenarioError(f"{path}: sheet '{SHEET}' has no filled row below row {FIRST_DATA_ROW - 1}; "
                            "give one row per event.")
    for table in tables:
        try:
            (event,) = parse_events([{k: v for k, v in table.items() if k != "_columns"}])
        except ScenarioError as exc:
            raise ScenarioError(_locate(str(exc).replace("[[events]] #1", "event"), table)) from None
        if run is not None:
            _within_run(event, table, run)
    return [{k: v for k, v in t.items() if not k.startswith("_")} for t in tables]


def _within_run(event, table: dict, run) -> None:
    from .dates import month_index

    key = "date" if "date" in table else "start"
    first, last = month_index(run["run.start"]), month_index(run["run.end"])
    if first <= event.start <= last:
        return
    side = f"before run.start = {run['run.start']!r}" if event.start < first else f"after run.end = {run['run.end']!r}"
    raise ScenarioError(_locate(
        f"{table['_file']}: event (kind '{event.kind}'): key '{key}' = {table[key]!r} is {side} of the scenario it "
        f"extends ('{run.name}'), so it would never happen; move it, or extend a scenario whose run covers it.", table))


def import_workbook(path: Path, out: Path, *, extends: str = "baseline", name: str | None = None) -> tuple[Path, int]:
    """Write a scenario file (extending `extends`) with the workbook's events, checked as any scenario is."""
    from .scenario import NAME_PATTERN, baseline_path, load_scenario, shipped_names

    path, out = Path(path), Path(out)
    if out.suffix.lower() != ".toml":
        raise ScenarioError(f"--out {out}: give a scenario file name ending in .toml.")
    _writable(out, "--out")
    given = name is not None  # --name '' is refused, not taken as the file name
    name = out.stem if name is None else name
    if not NAME_PATTERN.fullmatch(name):
        raise ScenarioError((f"--name {name!r}" if given else f"--out {out}: the scenario's name {name!r} (the file name)")
                            + " is not allowed; it names the results folder, so it must be 1 to 80 letters, digits, "
                            "'-', '_' or '.', not starting with '.' (e.g. --name quota_2026).")
    target = extends
    bare = not Path(extends).suffix and NAME_PATTERN.fullmatch(extends) is not None
    shipped = baseline_path().parent / f"{extends}.toml"
    if bare and not (out.parent / f"{extends}.toml").exists() and shipped.is_file():  # a scenario shipped with migsim
        target = os.path.relpath(shipped, out.parent.resolve())
    elif Path(extends).exists():
        target = os.path.relpath(Path(extends).resolve(), out.parent.resolve())
    base_file = Path(target) if Path(target).suffix or not Path(target).name else Path(target).with_suffix(".toml")
    try:  # as the written file's `extends` will name it: beside --out, or a path
        base = load_scenario(base_file if base_file.is_absolute() else out.parent / base_file)
    except ScenarioError as exc:
        raise ScenarioError(f"--extends {extends}: {exc}"
                            + (f" Shipped scenarios: {', '.join(shipped_names())}." if bare else "")) from None
    events = workbook_events(path, run=base)
    doc = {"extends": target, "name": name,
           "description": f"Dated events imported from {path.name}.", "events": events}
    text = (f"# Question: what do the levers in {path.name} change against '{Path(extends).stem}'?\n"
            f"# Written by `migsim import {path.name}`; edit the workbook and import it again, or edit here.\n"
            + tomli_w.dumps(doc))
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}.toml")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        try:
            load_scenario(tmp)  # validates every key and event, as for any scenario file
        except ScenarioError as exc:  # named as the file it would have been, not the temporary one
            raise ScenarioError(str(exc).replace(str(tmp.resolve()), str(out)).replace(str(tmp), str(out))) from None
        tmp.replace(out)
    except OSError as exc:
        raise ScenarioError(f"--out {out}: cannot be written ({exc.strerror}); choose another place.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out, len(events)

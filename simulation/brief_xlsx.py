"""The policy brief's workbook: the brief's numbers, one sheet each, for those who recompute.

Sheets: the headline table, one per figure's data (levels and paired differences), the levers,
the assumptions and the provenance. Sheet names are in the brief's language (at most 31
characters, as spreadsheets allow).
"""

from __future__ import annotations

# Imports inside functions: openpyxl loads only when a workbook is written.
from pathlib import Path

import pandas as pd

from .i18n import translator


def _(message: str) -> str:
    """Marks a message for the catalogues (gettext's N_); it is translated where it is shown."""
    return message


# Column titles shown in Russian and Kazakh (English keeps the column keys, which nothing reads back).
# A band column "base_q10" is titled from its part ("base") and its percentile ("10").
COLUMNS = {
    "date": _("date"), "scenario": _("scenario"), "indicator": _("indicator (code)"), "group": _("group"),
    "label": _("indicator"), "how": _("how measured"), "p_lower": _("share of replications in which it is lower"),
    "p_higher": _("share of replications in which it is higher"), "replications": _("replications"),
    "measure": _("measure"), "figure": _("figure"), "key": _("parameter"), "value": _("value"),
    "unit": _("unit"), "role": _("role"), "source": _("source"), "why": _("why it matters"),
    "meaning": _("meaning"),
}
BANDS = {"base": _("baseline, percentile {p}"), "alt": _("policy, percentile {p}"),
         "diff": _("difference, percentile {p}"), "": _("percentile {p}")}
VALUES = {  # values of the columns how, measure and group that are words, not codes or numbers
    "level": _("level at the date"), "year": _("sum over the 12 months to the date"),
    "difference from baseline": _("difference from baseline"), "all": _("all"),
}


def _column(name: str, lang: str) -> str:
    _ = translator(lang)
    if name in COLUMNS:
        return _(COLUMNS[name])
    part, sep, q = name.rpartition("q")
    if sep and q.isdigit() and part.rstrip("_") in BANDS:
        return _(BANDS[part.rstrip("_")]).format(p=q)
    return name


def localise(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A sheet's table as Russian and Kazakh readers see it: titled columns, words for the values in words."""
    if lang == "en":
        return frame
    _ = translator(lang)
    frame = frame.copy()
    for column in ("how", "measure", "group"):
        if column in frame:
            frame[column] = frame[column].map(lambda v: _(VALUES[v]) if v in VALUES else v)
    return frame.rename(columns={c: _column(c, lang) for c in frame.columns})


def sheet_names(brief) -> list[str]:
    """The workbook's sheets in order (a test checks they are all there)."""
    _ = translator(brief.lang)
    figures = [_sheet(f"{_('Figure')} {k + 1}") for k in range(len(brief.figures))]
    return [_sheet(_("Headline")), *figures, _sheet(_("Levers")), _sheet(_("Assumptions")), _sheet(_("Provenance"))]


def _sheet(name: str) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31].strip()


def _write(ws, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font

    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
    for k, column in enumerate(frame.columns, start=1):
        width = max([len(str(column))] + [len(str(v)) for v in frame.iloc[:200, k - 1]]) + 2
        ws.column_dimensions[ws.cell(1, k).column_letter].width = min(width, 60)
    ws.freeze_panes = "A2"


def write_workbook(brief, path: Path) -> None:
    """Write the brief's workbook (openpyxl)."""
    from openpyxl import Workbook

    _ = translator(brief.lang)
    names = sheet_names(brief)
    wb = Workbook()
    wb.remove(wb.active)
    lang = brief.lang
    _write(wb.create_sheet(names[0]), localise(brief.headline, lang))
    for name, (_stem, title, _png, data) in zip(names[1:], brief.figures):
        _write(wb.create_sheet(name), localise(data.assign(figure=title), lang))
    levers = pd.DataFrame([(s, line) for s, lines in brief.levers.items() for line in lines],
                          columns=[_("scenario"), _("what changes")])
    _write(wb.create_sheet(names[-3]), levers)
    _write(wb.create_sheet(names[-2]), localise(brief.assumptions, lang))
    _write(wb.create_sheet(names[-1]), pd.DataFrame(brief.provenance, columns=[_("item"), _("value")]))
    wb.properties.creator = "migsim"
    wb.save(path)

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
    _write(wb.create_sheet(names[0]), brief.headline)
    for name, (_stem, title, _png, data) in zip(names[1:], brief.figures):
        _write(wb.create_sheet(name), data.assign(figure=title))
    levers = pd.DataFrame([(s, line) for s, lines in brief.levers.items() for line in lines],
                          columns=[_("scenario"), _("what changes")])
    _write(wb.create_sheet(names[-3]), levers)
    _write(wb.create_sheet(names[-2]), brief.assumptions)
    _write(wb.create_sheet(names[-1]), pd.DataFrame(brief.provenance, columns=[_("item"), _("value")]))
    wb.properties.creator = "migsim"
    wb.save(path)

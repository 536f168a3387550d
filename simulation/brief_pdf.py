"""The policy brief's pages: A4, three pages, DejaVu Sans embedded.

The font is the DejaVu Sans that matplotlib ships in its package data (it covers Cyrillic and the
Kazakh letters ә, ғ, қ, ң, ө, ұ, ү, һ, і), so the PDF shows Russian and Kazakh on any machine and
nothing is downloaded. Page 1: question, levers, headline table; page 2: the figures; page 3:
assumptions with sources, what the model leaves out, provenance.
"""

from __future__ import annotations

# Imports inside functions: fpdf2 loads only when a PDF is written.
import io
from pathlib import Path

import matplotlib
import pandas as pd

from .experiments import band_columns
from .i18n import format_month, format_number, quoted, translator

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
INK, GREY, RULE = (34, 34, 34), (100, 100, 100), (200, 200, 200)


def _(message: str) -> str:
    """Marks a message for the catalogues (gettext's N_); it is translated where it is shown."""
    return message


def _value(value: float, how: str, indicator: str, lang: str, signed: bool = False, unit: bool = True) -> str:
    _ = translator(lang)
    if pd.isna(value):
        return "–"
    sign = "+" if signed and value > 0 else ""
    if indicator.startswith("share"):
        suffix = ("%" if not signed else " " + _("p.p.")) if unit else ""
        return sign + format_number(100 * value, lang, 1) + suffix
    if how == "year":
        return sign + format_number(value / 1e6, lang, 1) + (" " + _("mln") if unit else "")
    return sign + format_number(value, lang)


def _cell(row, prefix: str, cols, lang: str, signed: bool = False) -> str:
    """The median with its unit, and the band below it as bare numbers."""
    lo, mid, hi = cols
    f = lambda c, unit: _value(row[f"{prefix}_{c}"], row["how"], row["indicator"], lang, signed, unit)  # noqa: E731
    return f"{f(mid, True)}\n{f(lo, False)} … {f(hi, False)}"


class _Pages:
    def __init__(self, lang: str):
        from fpdf import FPDF

        self.lang = lang
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=14)
        self.pdf.set_margins(16, 14, 16)
        self.pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.pdf.set_text_color(*INK)

    def text(self, text: str, size: float = 9.5, bold: bool = False, colour=INK, after: float = 1.5) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)
        self.pdf.multi_cell(0, size * 0.48, text, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(after)
        self.pdf.set_text_color(*INK)

    def heading(self, text: str) -> None:
        self.pdf.ln(1.5)
        self.text(text, 12, bold=True, after=1)
        y = self.pdf.get_y()
        self.pdf.set_draw_color(*RULE)
        self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(2)

    def bullets(self, items: list[str], size: float = 9.0) -> None:
        for item in items:
            self.text("• " + item, size, after=0.8)

    def table(self, rows: list[list[str]], widths: tuple, size: float = 7.6, align=None) -> None:
        from fpdf.fonts import FontFace

        self.pdf.set_font(FONT, "", size)
        self.pdf.set_draw_color(*RULE)
        with self.pdf.table(col_widths=widths, text_align=align or "LEFT", line_height=size * 0.45,
                            headings_style=FontFace(emphasis="BOLD", fill_color=(236, 240, 244)),
                            padding=0.8) as table:
            for row in rows:
                r = table.row()
                for datum in row:
                    r.cell(datum)
        self.pdf.ln(2)


def write_pdf(brief, path: Path) -> None:
    """Lay the brief out on A4 pages and write the PDF."""
    _ = translator(brief.lang)
    lang = brief.lang
    c = brief.comparison
    cols = band_columns(c.band)
    pages = _Pages(lang)
    pdf = pages.pdf
    pdf.set_title(brief.title)
    pdf.set_lang({"en": "en-GB", "ru": "ru-RU", "kk": "kk-KZ"}[lang])
    pdf.set_creator("migsim")

    # --- page 1: question, levers, headline ---
    pdf.add_page()
    pages.text(_("Policy brief"), 9, colour=GREY, after=0.5)
    pages.text(brief.title, 16, bold=True, after=2)
    pages.text(brief.question, 10.5, bold=True, after=2)
    pages.heading(_("What the policy changes"))
    for name, lines in brief.levers.items():
        if len(brief.levers) > 1:
            pages.text(quoted(name, lang), 9.5, bold=True, after=0.5)
        pages.bullets(lines)
    pages.heading(_("Headline results"))
    reps = len(c.base.seeds)
    pages.text(_("Median over {reps} replications, with the {low}–{high}% range below it. The difference is "
                 "taken replication by replication (the same random numbers in both scenarios). The last two "
                 "columns give the share of replications in which the policy lowers or raises the indicator.")
               .format(reps=reps, low=c.band[0], high=c.band[1]), 8, colour=GREY)
    for (date, scenario), at in brief.headline.groupby(["date", "scenario"], sort=False):
        pages.text(_("{month}: '{policy}' against '{baseline}'").format(
            month=format_month(date, lang), policy=scenario, baseline=c.base.scenario.name), 9.5, bold=True, after=1)
        rows = [[_("Indicator"), _("Baseline"), _("Policy"), _("Difference"), _("Lower"), _("Higher")]]
        for _i, row in at.iterrows():
            indent = "    " if row["indicator"].endswith("_by_origin") else ""
            rows.append([indent + row["label"], _cell(row, "base", cols, lang), _cell(row, "alt", cols, lang),
                         _cell(row, "diff", cols, lang, signed=True),
                         format_number(100 * row["p_lower"], lang) + "%",
                         format_number(100 * row["p_higher"], lang) + "%"])
        pages.table(rows, (50, 30, 30, 38, 15, 15), size=7, align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))

    # --- page 2: figures ---
    pdf.add_page()
    pages.heading(_("Over time"))
    pages.text(_("Upper panels: each scenario's median and band; lower panels: the paired difference from the "
                 "baseline. Data: the workbook's figure sheets."), 8, colour=GREY)
    top = pdf.get_y()
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 4) / 2
    height = width * 4.6 / 5.2
    for k, (_stem, _title, png, _data) in enumerate(brief.figures):
        x = pdf.l_margin + (k % 2) * (width + 4)
        y = top + (k // 2) * (height + 3)
        pdf.image(io.BytesIO(png), x=x, y=y, w=width, h=height)

    # --- page 3: assumptions, what is left out, provenance ---
    pdf.add_page()
    pages.heading(_("Assumptions that drive the answer"))
    rows = [[_("Parameter"), _("Value"), _("Why it matters"), _("Source")]]
    for a in brief.assumptions.itertuples(index=False):
        value = a.value
        shown = format_number(value, lang, 0 if float(value).is_integer() else 3) \
            if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        rows.append([a.key, f"{shown} {a.unit if a.unit not in ('-', '') else ''}".strip(), a.why, a.source])
    pages.table(rows, (44, 22, 52, 60) if lang == "en" else (42, 30, 44, 62), size=7)  # units in words are longer
    if lang != "en":  # the citations are kept as the registry writes them: say what their abbreviations mean
        pages.text(_("Sources: IOM2022 and IOM2023 are the IOM surveys of labour migrants in Kazakhstan, KEL2025 is "
                     "Kelinbayeva et al. (2025), WB is the World Bank, STAT is the Bureau of National Statistics of "
                     "Kazakhstan; figures from them are quoted as published."), 7.5, colour=GREY)
    pages.heading(_("What the model leaves out"))
    pages.bullets(brief.leaves_out, 8.5)
    pages.heading(_("Provenance"))
    pages.table([[_("Item"), _("Value")]] + [[k, v] for k, v in brief.provenance], (40, 138), size=7)
    pdf.output(str(path))

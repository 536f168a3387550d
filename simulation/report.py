"""The comparison report: one HTML page a policy modeller can send on, and its data.

`write_comparison` writes, whole or not at all (a temporary folder renamed into
place), `report.html` with every figure embedded as a PNG, one tidy CSV per figure
(`figure_<name>.csv`: scenario, date, indicator, group, measure, q10, q50, q90 with the default band),
`headline.csv`, `differences.csv` (what each alternative changes),
`summary.json` (seeds, replications, agents, timings, versions), and what a policy brief
needs to be made later from the folder alone (`simulation/brief.py`): `replications.parquet`
(every replication's value of the reported indicators, so paired differences and the chance
that a policy lowers an indicator can be recomputed) and `scenarios/<k>.toml` (each scenario
resolved, events included).
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .experiments import FIGURES, HEADLINE, Comparison, scenario_diff  # noqa: E402
from .i18n import country_name, format_month, format_number, quoted, translator  # noqa: E402
from .outputs import atomic_dir, git_commit, versions  # noqa: E402

COLOURS = plt.get_cmap("tab10").colors


def _spreadsheet_ready(table: pd.DataFrame) -> pd.DataFrame:
    """Numbers as a spreadsheet should show them: ten significant digits (six wrote 749,205,312 as
    7.49205e+08), and the rounding residue of a difference of equal numbers (9.1e-13) as 0."""
    table = table.copy()
    numbers = table.select_dtypes("number").columns
    table[numbers] = table[numbers].mask(table[numbers].abs() < 1e-9, 0.0)
    return table


def default_dates(comparison: Comparison) -> list[str]:
    """The last December of the run, and the December five years before it when simulated."""
    dates = sorted(comparison.base.timeseries.date.unique())
    decembers = [d for d in dates if d.endswith("-12")] or [dates[-1]]
    last = decembers[-1]
    earlier = f"{int(last[:4]) - 5}-12"
    return [d for d in (earlier, last) if d in dates] or [dates[-1]]


def _(message: str) -> str:
    """Marks a message for the catalogues (gettext's N_); it is translated where it is shown."""
    return message


# Figure titles and units of experiments.FIGURES and the headline labels, for the catalogues.
MESSAGES = (_("Foreign workers in Kazakhstan"), _("Workers from Uzbekistan in Kazakhstan"),
            _("Employed foreign workers without a written contract"), _("Foreign workers without a right to work"),
            _("Remittances sent from Kazakhstan"), _("Kazakh citizens working abroad"), _("thousand persons"),
            _("percent"), _("million USD per month"),
            _("foreign workers in Kazakhstan (persons)"), _("informal share: employed without a written contract"),
            _("irregular share: without a right to work"),
            _("remittances sent from Kazakhstan (USD, 12 months to date)"),
            _("Kazakh citizens working abroad (persons)"), _("from {country} (persons)"))


def _headline_label(label: str, group: str, lang: str) -> str:
    """A headline row's label in the language; the origin rows name their country."""
    t = translator(lang)
    if label.strip().startswith("from "):
        return "  " + t("from {country} (persons)").format(country=country_name(group, lang))
    return t(label)


def figure(comparison: Comparison, indicator, group, title, scale, unit, *, lang: str = "en",
           size: tuple[float, float] = (9, 7), dpi: int = 100) -> tuple[bytes, pd.DataFrame]:
    """One indicator over time: each scenario's band above, the paired difference below (PNG, data)."""
    _ = translator(lang)
    levels = comparison.bands(indicator, group).assign(measure="level")
    diffs = comparison.differences(indicator, group).assign(measure="difference from baseline")
    data = pd.concat([levels, diffs], ignore_index=True)
    small = size[0] < 7
    fig, (top, bottom) = plt.subplots(2, 1, figsize=size, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    lo, mid, hi = comparison.columns
    for k, r in enumerate(comparison.results):
        b = levels[levels.scenario == r.scenario.name]
        x = pd.to_datetime(b.date)
        colour = COLOURS[k % len(COLOURS)]
        top.plot(x, b[mid] / scale, color=colour, lw=1.6, label=r.scenario.name)
        top.fill_between(x, b[lo] / scale, b[hi] / scale, color=colour, alpha=0.18, lw=0)
        if k == 0:
            continue
        d = diffs[diffs.scenario == r.scenario.name]
        xd = pd.to_datetime(d.date)
        bottom.plot(xd, d[mid] / scale, color=colour, lw=1.6)
        bottom.fill_between(xd, d[lo] / scale, d[hi] / scale, color=colour, alpha=0.18, lw=0)
    bottom.axhline(0, color="0.3", lw=0.8)
    top.set_title(_(title), loc="left", fontsize=10 if small else 12)
    top.set_ylabel(_(unit), fontsize=8 if small else None)
    bottom.set_ylabel(_("difference, percentage points") if unit == "percent"
                      else _("difference, {unit}").format(unit=_(unit)), fontsize=8 if small else None)
    bottom.set_title(_("difference from '{baseline}' (paired by replication)").format(
        baseline=comparison.base.scenario.name), loc="left", fontsize=8 if small else 10)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        if small:
            ax.tick_params(labelsize=7)
    bottom.xaxis.set_major_locator(mdates.YearLocator(3 if small else 2))
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    top.legend(fontsize=7 if small else 8, frameon=False)
    reps = len(comparison.base.seeds)
    fig.text(0.01, 0.005, _("migsim: median and {low}-{high}% band over {reps} replication(s); common random "
                            "numbers").format(low=comparison.band[0], high=comparison.band[1], reps=reps),
             fontsize=6 if small else 7, color="0.4")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue(), data


def _fmt(value: float, label: str, lang: str = "en") -> str:
    if pd.isna(value):
        return "-"
    if "share" in label:
        return format_number(100 * value, lang, 1) + "%"
    if abs(value) >= 1000:  # three significant figures: a model of sampled agents has no more
        return format_number(round(value, 3 - len(str(int(abs(value))))), lang)
    return format_number(value, lang)


def _split(line: pd.DataFrame, column: str, scenario: str, lang: str) -> str:
    """'; band: 80% parameters, 20% chance' when the replications drew from a posterior, else ''."""
    if column not in line or not np.isfinite(line[column].get(scenario, np.nan)):
        return ""
    _ = translator(lang)
    share = float(line[column][scenario])
    return (f"<br>{html.escape(_('band'))}: {share:.0%} {html.escape(_('parameters'))}, "
            f"{1 - share:.0%} {html.escape(_('chance'))}")


FEW_DRAWS = 5  # below this many parameter draws, a band's split into parameters and chance moves a lot by chance


def _split_note(info: dict, lang: str) -> str:
    """How the bands' split into parameters and chance was made, and how far to trust it."""
    if not info.get("draws") or not info.get("seeds_per_draw"):
        return ""
    _ = translator(lang)
    text = _("Each band's split into parameters and chance comes from {draws} draws of the calibrated parameters "
             "with {seeds} seeds each.").format(draws=info["draws"], seeds=info["seeds_per_draw"])
    if info["draws"] < FEW_DRAWS:
        text += " " + _("With so few draws the split is rough: it can move a great deal from one date or indicator "
                        "to the next; give --reps 20 or more for one to rely on.")
    return f"<p><small>{html.escape(text)}</small></p>"


def _headline_html(table: pd.DataFrame, base_name: str, columns: tuple[str, str, str], lang: str = "en") -> str:
    _ = translator(lang)
    if table.empty:
        return f"<p>{html.escape(_('No headline date falls within the run.'))}</p>"
    to = html.escape(_("to"))
    parts = []
    for date, at in table.groupby("date", sort=True):
        scenarios = list(dict.fromkeys(at.scenario))
        head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
        head += "".join(f"<th>{html.escape(s)} − {html.escape(base_name)}</th>" for s in scenarios[1:])
        rows = []
        lo, mid, hi = columns
        for label in dict.fromkeys(at.label):
            line = at[at.label == label].set_index("scenario")
            f = lambda v: _fmt(v, label, lang)  # noqa: E731
            cells = [f"<td>{f(line[mid][s])}<br><small>{f(line[lo][s])} {to} {f(line[hi][s])}"
                     f"{_split(line, 'parameter_share', s, lang)}</small></td>" for s in scenarios]
            for s in scenarios[1:]:
                cells.append(f"<td>{f(line['diff_' + mid][s])}<br><small>{f(line['diff_' + lo][s])} {to} "
                             f"{f(line['diff_' + hi][s])}{_split(line, 'diff_parameter_share', s, lang)}</small></td>")
            group = line["group"].iloc[0]
            rows.append(f"<tr><th>{html.escape(_headline_label(label, group, lang).strip())}</th>{''.join(cells)}</tr>")
        parts.append(f"<h3>{html.escape(format_month(date, lang))} ({date})</h3><table><tr><th></th>{head}</tr>"
                     f"{''.join(rows)}</table>")
    return "\n".join(parts)


REPORTED = sorted({(i, g) for _, i, g, *_ in FIGURES} | {(i, g) for i, g, *_ in HEADLINE})


def write_replications(comparison: Comparison, folder: Path) -> None:
    """Every replication's reported indicators and each resolved scenario, for a brief made later."""
    keep = pd.MultiIndex.from_tuples(REPORTED, names=["indicator", "group"])
    frames = []
    for k, r in enumerate(comparison.results):
        ts = r.timeseries
        sel = ts[pd.MultiIndex.from_frame(ts[["indicator", "group"]]).isin(keep)]
        frames.append(sel.assign(scenario=r.scenario.name, position=k))
        (folder / "scenarios").mkdir(exist_ok=True)
        (folder / "scenarios" / f"{k}.toml").write_text(r.scenario.to_toml(), encoding="utf-8")
    pd.concat(frames, ignore_index=True).to_parquet(folder / "replications.parquet", index=False)


def _changes(base, alt, lang: str = "en") -> list[str]:
    """What an alternative changes, as written in its files (key: before -> after)."""
    return [f"{key}: {a} -> {b}" for key, a, b in scenario_diff(base, alt)]


def write_comparison(comparison: Comparison, out_dir: Path, dates: list[str] | None = None,
                     lang: str = "en", levers=None) -> Path:
    """Write the report folder atomically, in English, Russian or Kazakh; returns its path.

    `levers(base, alternative, lang)` says in words what an alternative changes (`brief.levers`,
    which the caller passes: the brief builds on this report, not the other way round); without
    it the changed keys and events are listed as they are written.
    """
    _ = translator(lang)
    out_dir = Path(out_dir)
    dates = dates or default_dates(comparison)
    with atomic_dir(out_dir, "report") as tmp:
        base = comparison.base
        figures_html = []
        for stem, indicator, group, title, scale, unit in FIGURES:
            png, data = figure(comparison, indicator, group, title, scale, unit, lang=lang)
            data.to_csv(tmp / f"figure_{stem}.csv", index=False, float_format="%.6g")
            (tmp / f"figure_{stem}.png").write_bytes(png)
            caption = html.escape(_("{title}: data in").format(title=_(title)))
            figures_html.append(f'<figure><img alt="{html.escape(_(title))}" src="data:image/png;base64,'
                                f'{base64.b64encode(png).decode()}"><figcaption>{caption} '
                                f'<code>figure_{stem}.csv</code></figcaption></figure>')
        headline = comparison.headline(dates)
        _spreadsheet_ready(headline).to_csv(tmp / "headline.csv", index=False, float_format="%.10g")
        diff_rows = []
        for r in comparison.alternatives:
            for key, a, b in scenario_diff(base.scenario, r.scenario):
                diff_rows.append({"scenario": r.scenario.name, "key": key, "baseline": a, "value": b})
        diffs = pd.DataFrame(diff_rows, columns=["scenario", "key", "baseline", "value"])
        diffs.to_csv(tmp / "differences.csv", index=False)
        reps = len(base.seeds)
        summary = {
            "baseline": base.scenario.name,
            "alternatives": [r.scenario.name for r in comparison.alternatives],
            "scenario_files": [str(r.scenario.path) if r.scenario.path else None for r in comparison.results],
            "replications": reps, "band_percentiles": list(comparison.band), "seeds": base.seeds,
            "agents": base.agents, "persons_per_agent": base.scale, "headline_dates": dates, "language": lang,
            "wall_seconds": {r.scenario.name: round(r.wall_seconds, 2) for r in comparison.results},
            "git_commit": git_commit(), "versions": versions(),
        }
        summary.update(comparison.extra)
        if base.extra.get("posterior"):  # the draws the replications took: a brief --from this folder splits its bands too
            summary["parameters"] = {k: base.extra[k] for k in ("posterior", "draws", "seeds_per_draw", "draw_rows")
                                     if k in base.extra}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        write_replications(comparison, tmp)
        changes = "".join(
            f"<li><b>{html.escape(r.scenario.name)}</b><ul>"
            + "".join(f"<li>{html.escape(line)}</li>" for line in (levers or _changes)(base.scenario, r.scenario, lang))
            + "</ul></li>" for r in comparison.alternatives)
        esc = html.escape
        intro = _("Baseline <b>{base}</b> against {n} alternative(s); {reps} replication(s) each with the same "
                  "seeds (common random numbers), {agents} agents ({scale} persons each), {start} to {end}. "
                  "Lines are medians and shaded bands span percentiles {low} to {high} across replications; "
                  "differences are taken replication by replication, then summarised.").format(
            base=esc(base.scenario.name), n=len(comparison.alternatives), reps=reps,
            agents=format_number(base.agents, lang), scale=format_number(base.scale, lang),
            start=esc(format_month(base.scenario["run.start"], lang, "from")),
            end=esc(format_month(base.scenario["run.end"], lang, "through")), low=comparison.band[0],
            high=comparison.band[1])
        name = (lambda n: n) if lang == "en" else (lambda n: quoted(n, lang))  # noqa: E731 - «...» in ru and kk
        title = _("migsim: {alternatives} against {baseline}").format(
            alternatives=" / ".join(name(a) for a in summary["alternatives"]), baseline=name(base.scenario.name))
        page = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5em}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
th:first-child{{text-align:left}}small{{color:#666}}figure{{margin:1.5em 0}}img{{max-width:100%}}</style></head>
<body>
<h1>{esc(_("Policy comparison"))}</h1>
<p>{intro}</p>
<h2>{esc(_("What the alternatives change"))}</h2><ul>{changes}</ul>
<h2>{esc(_("Headline indicators"))}</h2>
<p>{esc(_("Median, with the {low}-{high}% range below it; the last columns give the difference from the "
           "baseline.").format(low=comparison.band[0], high=comparison.band[1]))}</p>
{_split_note(base.extra, lang)}
{_headline_html(headline, base.scenario.name, comparison.columns, lang)}
<h2>{esc(_("Over time"))}</h2>
{''.join(figures_html)}
<p><small>{esc(_("Data beside this page:"))} <code>headline.csv</code>, <code>figure_*.csv</code>,
<code>differences.csv</code>, <code>summary.json</code>. migsim {esc(summary['versions']['migsim'])},
{esc(_("commit"))} {esc(str(summary['git_commit']))}.</small></p>
</body></html>
"""
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return out_dir

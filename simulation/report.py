"""The comparison report: one HTML page a policy modeller can send on, and its data.

`write_comparison` writes, whole or not at all (a temporary folder renamed into
place), `report.html` with every figure embedded as a PNG, one tidy CSV per figure
(`figure_<name>.csv`: scenario, date, indicator, group, measure, q10, q50, q90 with the default band),
`headline.csv`, `differences.csv` (what each alternative changes) and
`summary.json` (seeds, replications, agents, timings, versions).
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
import pandas as pd  # noqa: E402

from .experiments import FIGURES, Comparison, scenario_diff  # noqa: E402
from .outputs import atomic_dir, git_commit, versions  # noqa: E402

COLOURS = plt.get_cmap("tab10").colors


def default_dates(comparison: Comparison) -> list[str]:
    """The last December of the run, and the December five years before it when simulated."""
    dates = sorted(comparison.base.timeseries.date.unique())
    decembers = [d for d in dates if d.endswith("-12")] or [dates[-1]]
    last = decembers[-1]
    earlier = f"{int(last[:4]) - 5}-12"
    return [d for d in (earlier, last) if d in dates] or [dates[-1]]


def _figure(comparison: Comparison, stem, indicator, group, title, scale, unit) -> tuple[bytes, pd.DataFrame]:
    levels = comparison.bands(indicator, group).assign(measure="level")
    diffs = comparison.differences(indicator, group).assign(measure="difference from baseline")
    data = pd.concat([levels, diffs], ignore_index=True)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
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
    top.set_title(title, loc="left", fontsize=12)
    top.set_ylabel(unit)
    bottom.set_ylabel("difference, percentage points" if unit == "percent" else f"difference, {unit}")
    bottom.set_title(f"difference from '{comparison.base.scenario.name}' (paired by replication)", loc="left",
                     fontsize=10)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    bottom.xaxis.set_major_locator(mdates.YearLocator(2))
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    top.legend(fontsize=8, frameon=False)
    reps = len(comparison.base.seeds)
    band = f"{comparison.band[0]}-{comparison.band[1]}%"
    fig.text(0.01, 0.005, f"migsim: median and {band} band over {reps} replication(s); common random numbers",
             fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue(), data


def _fmt(value: float, label: str) -> str:
    if pd.isna(value):
        return "-"
    if "share" in label:
        return f"{value:.1%}"
    if abs(value) >= 1000:  # three significant figures: a model of sampled agents has no more
        digits = len(str(int(abs(value)))) - 3
        return f"{round(value, -digits):,.0f}"
    return f"{value:,.0f}"


def _headline_html(table: pd.DataFrame, base_name: str, columns: tuple[str, str, str]) -> str:
    if table.empty:
        return "<p>No headline date falls within the run.</p>"
    parts = []
    for date, at in table.groupby("date", sort=True):
        scenarios = list(dict.fromkeys(at.scenario))
        head = "".join(f"<th>{html.escape(s)}</th>" for s in scenarios)
        head += "".join(f"<th>{html.escape(s)} − {html.escape(base_name)}</th>" for s in scenarios[1:])
        rows = []
        lo, mid, hi = columns
        for label in dict.fromkeys(at.label):
            line = at[at.label == label].set_index("scenario")
            cells = [f"<td>{_fmt(line[mid][s], label)}<br><small>{_fmt(line[lo][s], label)} to "
                     f"{_fmt(line[hi][s], label)}</small></td>" for s in scenarios]
            for s in scenarios[1:]:
                cells.append(f"<td>{_fmt(line['diff_' + mid][s], label)}<br><small>"
                             f"{_fmt(line['diff_' + lo][s], label)} to {_fmt(line['diff_' + hi][s], label)}</small></td>")
            rows.append(f"<tr><th>{html.escape(label.strip())}</th>{''.join(cells)}</tr>")
        parts.append(f"<h3>{html.escape(date)}</h3><table><tr><th></th>{head}</tr>{''.join(rows)}</table>")
    return "\n".join(parts)


def write_comparison(comparison: Comparison, out_dir: Path, dates: list[str] | None = None) -> Path:
    """Write the report folder atomically; returns its path."""
    out_dir = Path(out_dir)
    dates = dates or default_dates(comparison)
    with atomic_dir(out_dir, "report") as tmp:
        base = comparison.base
        figures_html = []
        for stem, indicator, group, title, scale, unit in FIGURES:
            png, data = _figure(comparison, stem, indicator, group, title, scale, unit)
            data.to_csv(tmp / f"figure_{stem}.csv", index=False, float_format="%.6g")
            (tmp / f"figure_{stem}.png").write_bytes(png)
            figures_html.append(f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,'
                                f'{base64.b64encode(png).decode()}"><figcaption>{html.escape(title)}: data in '
                                f'<code>figure_{stem}.csv</code></figcaption></figure>')
        headline = comparison.headline(dates)
        headline.to_csv(tmp / "headline.csv", index=False, float_format="%.6g")
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
            "replications": reps, "band_percentiles": list(comparison.band), "seeds": base.seeds, "agents": base.agents, "persons_per_agent": base.scale,
            "headline_dates": dates,
            "wall_seconds": {r.scenario.name: round(r.wall_seconds, 2) for r in comparison.results},
            "git_commit": git_commit(), "versions": versions(),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        changes = "".join(
            f"<li><b>{html.escape(r.scenario.name)}</b>: {html.escape(r.scenario.description or '')}<ul>"
            + "".join(f"<li><code>{html.escape(str(k))}</code>: {html.escape(str(a))} → {html.escape(str(b))}</li>"
                      for _, k, a, b in diffs[diffs.scenario == r.scenario.name].itertuples(index=False))
            + "</ul></li>" for r in comparison.alternatives)
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>migsim: {html.escape(" vs ".join(summary["alternatives"]))}
against {html.escape(base.scenario.name)}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5em}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
th:first-child{{text-align:left}}small{{color:#666}}figure{{margin:1.5em 0}}img{{max-width:100%}}</style></head>
<body>
<h1>Policy comparison</h1>
<p>Baseline <b>{html.escape(base.scenario.name)}</b> ({html.escape(base.scenario.description or '')}) against
{len(comparison.alternatives)} alternative(s); {reps} replication(s) each with the same seeds (common random
numbers), {base.agents:,} agents ({base.scale:,.0f} persons each), {html.escape(base.scenario['run.start'])} to
{html.escape(base.scenario['run.end'])}. Lines are medians and shaded bands span percentiles
{comparison.band[0]} to {comparison.band[1]} across replications; differences are taken replication by
replication, then summarised.</p>
<h2>What the alternatives change</h2><ul>{changes}</ul>
<h2>Headline indicators</h2>
<p>Median, with the {comparison.band[0]}-{comparison.band[1]}% range below it; the last columns give the
difference from the baseline.</p>
{_headline_html(headline, base.scenario.name, comparison.columns)}
<h2>Over time</h2>
{''.join(figures_html)}
<p><small>Data: <code>headline.csv</code>, <code>figure_*.csv</code>, <code>differences.csv</code>,
<code>summary.json</code> beside this page. migsim {html.escape(summary['versions']['migsim'])},
commit {html.escape(str(summary['git_commit']))}.</small></p>
</body></html>
"""
        (tmp / "report.html").write_text(page, encoding="utf-8")
    return out_dir

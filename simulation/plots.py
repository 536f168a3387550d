"""The standard figures of a run, drawn from its tidy time series.

With several replications each line is the median and the shaded band spans the
10th to 90th percentiles (or the run's --band), so uncertainty is visible without reading a table.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .i18n import country_name, translator  # noqa: E402

COLOURS = plt.get_cmap("tab10").colors


def _bands(series: pd.DataFrame, indicator: str, band: tuple[int, int] = (10, 90)) -> pd.DataFrame:
    sel = series[series.indicator == indicator]
    g = sel.groupby(["date", "group"], sort=False)["value"]
    out = pd.DataFrame({"q10": g.quantile(band[0] / 100), "q50": g.median(),
                        "q90": g.quantile(band[1] / 100)}).reset_index()  # q10/q90: the band's low and high
    out["date"] = pd.to_datetime(out["date"])
    return out


def _lines(ax, series: pd.DataFrame, indicator: str, groups=None, scale=1.0, labels=None, band=(10, 90)):
    bands = _bands(series, indicator, band)
    groups = groups or list(dict.fromkeys(bands["group"]))
    for k, group in enumerate(groups):
        b = bands[bands.group == group]
        if b.empty or b.q50.abs().sum() == 0:
            continue
        colour = COLOURS[k % len(COLOURS)]
        ax.plot(b.date, b.q50 / scale, color=colour, lw=1.6, label=(labels or {}).get(group, group))
        if (b.q90 != b.q10).any():
            ax.fill_between(b.date, b.q10 / scale, b.q90 / scale, color=colour, alpha=0.2, lw=0)


def _finish(ax, title: str, ylabel: str, path: Path, note: str) -> None:
    ax.set_title(title, loc="left", fontsize=12)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_major_locator(mdates.YearLocator(2))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, ncol=2, frameon=False)
    ax.figure.text(0.01, 0.01, note, fontsize=7, color="0.4")
    ax.figure.tight_layout(rect=(0, 0.03, 1, 1))
    ax.figure.savefig(path, dpi=110)
    plt.close(ax.figure)


def standard_plots(series: pd.DataFrame, folder: Path, scenario_name: str, reps: int,
                   lang: str = "en", band: tuple[int, int] = (10, 90)) -> list[Path]:
    """Write the run's PNG figures into `folder`, titled in `lang`; returns their paths. `band`: the percentiles shaded."""
    _ = translator(lang)
    note = (_("migsim, scenario '{name}', median and {low}-{high}% band over {reps} replications") if reps > 1
            else _("migsim, scenario '{name}', one replication")).format(name=scenario_name, reps=reps,
                                                                          low=band[0], high=band[1])
    countries = {g: country_name(g, lang) for g in set(series.group)}
    made = []

    def figure(name):
        path = folder / name
        made.append(path)
        return plt.subplots(figsize=(9, 4.8))[1], path

    ax, path = figure("stock_by_origin.png")
    _lines(ax, series, "stock_kaz_by_origin", scale=1e3, labels=countries, band=band)
    _finish(ax, _("Foreign workers in Kazakhstan by citizenship"), _("thousand persons"), path, note)

    ax, path = figure("arrivals_departures.png")
    flows = series[series.indicator.isin(["arrivals_kaz", "departures_kaz"]) & (series.group == "all")]
    flows = flows.assign(group=flows.indicator.map({"arrivals_kaz": "arrivals", "departures_kaz": "departures"}),
                         indicator="flows")
    _lines(ax, flows, "flows", groups=["arrivals", "departures"], scale=1e3,
           labels={"arrivals": _("arrivals"), "departures": _("departures")}, band=band)
    _finish(ax, _("Foreign workers arriving in and leaving Kazakhstan"), _("thousand persons per month"), path, note)

    ax, path = figure("remittances_by_corridor.png")
    corridors = [g for g in dict.fromkeys(series[series.indicator == "remittances_usd"].group) if g.startswith("KAZ->")]
    _lines(ax, series, "remittances_usd", groups=corridors, scale=1e6,
           labels={c: country_name(c.split("->")[0], lang) + " → " + country_name(c.split("->")[1], lang)
                   for c in corridors}, band=band)
    _finish(ax, _("Remittances sent home from Kazakhstan, by corridor"), _("million USD per month"), path, note)

    ax, path = figure("formal_informal.png")
    _lines(ax, series, "employment_kaz", groups=["formal", "informal", "unemployed"], scale=1e3,
           labels={"formal": _("with a written contract"), "informal": _("without a contract"),
                   "unemployed": _("searching")}, band=band)
    _finish(ax, _("Foreign workers in Kazakhstan: formal and informal work"), _("thousand persons"), path, note)

    ax, path = figure("kazakh_emigrants.png")
    dests = [g for g in dict.fromkeys(series[series.indicator == "kazakhs_abroad"].group) if g != "all"]
    _lines(ax, series, "kazakhs_abroad", groups=dests, scale=1e3, labels=countries, band=band)
    _finish(ax, _("Kazakh citizens working abroad, by destination"), _("thousand persons"), path, note)
    return made

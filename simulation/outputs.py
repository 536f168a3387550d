"""Writing a run's results: whole or not at all.

Everything is written into a temporary folder beside the destination, which then
replaces the destination in one atomic step (`outdir.atomic_dir`). An error half-way
leaves the previous results (if any) untouched and no partial folder behind.
"""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from .outdir import atomic_dir  # noqa: F401  (report.py and the calibration commands write through it)
from .plots import standard_plots
from .runner import RunResult

HEADLINE_DATES = ("2022-12", "2023-12")


def git_commit() -> str | None:
    """The project's git commit, if it runs from a checkout."""
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def versions() -> dict[str, str]:
    # Imports inside functions: for the summary's record of versions only; writing CSVs needs none of them.
    import matplotlib
    import mesa
    import networkx
    import numba
    import scipy

    from . import __version__

    return {"migsim": __version__, "python": platform.python_version(), "mesa": mesa.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__,
            "networkx": networkx.__version__, "numba": numba.__version__, "matplotlib": matplotlib.__version__}


DEFAULT_BAND = (10, 90)  # percentiles of the band around the median


def _band(values: pd.Series, band: tuple[int, int] = DEFAULT_BAND) -> dict:
    v = values.dropna()
    if v.empty:
        return {"median": None}
    out = {"median": float(v.median())}
    if len(v) > 1:
        out.update({f"q{band[0]:02d}": float(v.quantile(band[0] / 100)),
                    f"q{band[1]:02d}": float(v.quantile(band[1] / 100))})
    return out


def headline(result: RunResult, band: tuple[int, int] = DEFAULT_BAND) -> dict:
    """Headline figures at the survey dates (and yearly remittance totals), with bands."""
    ts = result.timeseries
    band_of = lambda values: _band(values, band)  # noqa: E731
    out: dict = {}
    for date in HEADLINE_DATES:
        at = ts[ts.date == date]
        if at.empty:
            continue
        pick = lambda ind, grp="all": at[(at.indicator == ind) & (at.group == grp)].set_index("rep")["value"]  # noqa: E731
        stock = pick("stock_kaz")
        figures = {
            "foreign_workers_in_kazakhstan": band_of(stock),
            "share_no_written_contract": band_of(pick("share_no_contract")),
            "share_without_right_to_work": band_of(pick("share_irregular")),
            "share_female": band_of(pick("share_female")),
            "mean_income_usd": band_of(pick("avg_income_usd")),
            "kazakh_citizens_working_abroad": band_of(pick("kazakhs_abroad")),
            "kazakh_citizens_in_russia": band_of(pick("kazakhs_abroad", "RUS")),
        }
        origin = at[at.indicator == "stock_kaz_by_origin"].pivot(index="rep", columns="group", values="value")
        figures["origin_shares"] = {g: band_of(origin[g] / stock) for g in origin.columns}
        sector = at[at.indicator == "stock_kaz_by_sector"].pivot(index="rep", columns="group", values="value")
        figures["sector_shares_of_employed"] = {g: band_of(sector[g] / sector.sum(axis=1)) for g in sector.columns}
        out[date] = figures
    yearly = ts[ts.indicator == "remittances_out_kaz_usd"].assign(year=lambda d: d.date.str[:4])
    totals = yearly.groupby(["year", "rep"])["value"].agg(["sum", "count"])
    totals = totals[totals["count"] == 12]["sum"]
    out["remittances_out_of_kazakhstan_musd_per_year"] = {
        year: band_of(totals.xs(year, level="year") / 1e6) for year in sorted(set(totals.index.get_level_values(0)))}
    return out


def write_results(result: RunResult, out_dir: Path, plots: bool = True,
                  band: tuple[int, int] = DEFAULT_BAND, lang: str = "en") -> Path:
    """Write timeseries.csv, bands, summary.json, scenario.resolved.toml and the plots."""
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, "results") as tmp:
        result.timeseries.to_csv(tmp / "timeseries.csv", index=False, float_format="%.6g")
        reps = len(result.seeds)
        if reps > 1:
            bands = result.quantiles((band[0] / 100, 0.5, band[1] / 100))
            bands.to_csv(tmp / "timeseries_bands.csv", index=False, float_format="%.6g")
        drawn = result.extra.get("posterior")  # replications drew their calibrated parameters (runner.replication_plan)
        resolved = result.scenario.to_toml()
        if drawn:
            resolved = (f"# The replications drew their calibrated parameters from {drawn} (rows in summary.json,\n"
                        "# \"parameters\"); the values below are the scenario's own, which a replication keeps only\n"
                        "# for the keys the scenario sets itself.\n" + resolved)
        (tmp / "scenario.resolved.toml").write_text(resolved, encoding="utf-8")
        summary = {
            "scenario": result.scenario.name,
            "scenario_file": str(result.scenario.path) if result.scenario.path else None,
            "description": result.scenario.description,
            "start": result.scenario["run.start"],
            "end": result.scenario["run.end"],
            "months": result.months,
            "agents": result.agents,
            "persons_per_agent": result.scale,
            "replications": reps,
            "band_percentiles": list(band),
            "seeds": result.seeds,
            "parameters": ({"posterior": drawn, "draw_rows": result.extra.get("draw_rows"),
                            "draws": result.extra.get("draws"), "seeds_per_draw": result.extra.get("seeds_per_draw")}
                           if drawn else "the scenario's values in every replication (no posterior draws)"),
            "wall_seconds": round(result.wall_seconds, 2),
            "git_commit": git_commit(),
            "versions": versions(),
            "headline": headline(result, band),
        }
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if plots:
            standard_plots(result.timeseries, tmp, result.scenario.name, reps, lang, band=band)
    return out_dir

"""Does the calibrated model forecast? Calibrate on the figures up to a date, forecast the rest.

`migsim hindcast --until 2019-12` splits the targets by the last month each figure covers:
those up to the date are matched (history matching and the posterior, fewer waves than a full
calibration), those after are forecast, by running the model at posterior draws through the
later years with the scenario's own dated events (the 2020 closure, the 2022 sanctions and
rouble swings are inputs of the historical replay, as a policy scenario's levers are: the
hindcast asks whether the model turns known shocks into the right numbers, not whether it
foresees the shocks).

Forecast errors are reported next to two baselines:

- **last value carried forward**: for a World Bank series, its last year up to the date; a
  target with no earlier value of the same series has no such baseline (and is left out of
  the comparison of the two);
- **the gravity model** (`gravity.py`, PPML) with each year's GDP and population. It is fitted
  on KNOMAD's 2021 bilateral matrix, the only one there is, so it has seen one of the forecast
  years: a strong benchmark, not a blind one.

The skill score is 1 - MARD(model) / MARD(baseline) over the targets both forecast: above 0
the model beats the baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import ScenarioError
from simulation.scenario import Scenario, month_index

from .gravity import predictions_for_targets
from .history_matching import history_match
from .patterns import FIELDWORK_MONTHS
from .pipeline import CalibrationSettings, observations, run_progress
from .posterior import Posterior, sample_posterior
from .runs import ModelRuns, run_pairs, run_points
from .simulate import Window
from .space import SPACE, Prior
from .survey import SURVEYS
from .targets import Statistic, months_needed, stat_months

FORECAST_SEED = 700_000_000


def last_month(stat: Statistic | None, year: float) -> str:
    """The last month a target's figure covers (its survey's fieldwork, its series' window, its year)."""
    if stat is None:
        return f"{int(year)}-12"
    if stat.kind == "survey":
        return SURVEYS[stat.survey].months[-1]
    if stat.kind == "pattern":
        return FIELDWORK_MONTHS[-1]
    if stat.kind == "gdp_percent":
        return f"{stat.year}-12"
    return stat.end


def split_targets(targets: pd.DataFrame, until: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(targets whose figure ends by `until`, the fitted targets after it), each with `fitted` kept."""
    cut = month_index(until)
    ends = np.array([month_index(last_month(s, y)) for s, y in zip(targets.stat, targets.year)])
    before = targets.assign(fitted=targets.fitted & (ends <= cut))
    after = targets[targets.fitted & (ends > cut)].reset_index(drop=True)
    return before, after


def check_until(targets: pd.DataFrame, until: str, window: Window | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`split_targets`, refusing a date with nothing to match or nothing to forecast (checked before a
    cluster starts: the command says so at once). With the simulated `window`, only the targets it holds
    count: one outside it comes out nan, so a window missing every matched or every forecast target
    would calibrate on nothing or forecast nothing after minutes of runs."""
    before, after = split_targets(targets, until)
    if not before.fitted.any():
        raise ScenarioError(f"--until {until}: no fitted target ends by then; choose a later date.")
    if after.empty:
        raise ScenarioError(f"--until {until}: no fitted target comes after it, so there is nothing to forecast.")
    if window is None:
        return before, after
    given = f"--until {until} --start {window.start} --end {window.end}"
    matched = before[before.fitted]
    if not any(window.holds(stat) for stat in matched.stat):
        first, last = months_needed(matched)
        start = _bound_to_hold_one(matched.stat, window, "start")
        fix = f"a --start of {start} or earlier" if start else "a --start and --end covering some of them"
        raise ScenarioError(f"{given}: no fitted target up to --until falls in the simulated window, so there is "
                            f"nothing to match; those up to {until} need months from {first} to {last}. Give "
                            f"{fix}, or a later --until.")
    if not any(window.holds(stat) for stat in after.stat):
        first, last = months_needed(after)
        end = _bound_to_hold_one(after.stat, window, "end")
        fix = f"an --end of {end} or later" if end else "a --start and --end covering some of them"
        raise ScenarioError(f"{given}: no fitted target after --until falls in the simulated window, so there is "
                            f"nothing to forecast; those after {until} need months from {first} to {last}. Give "
                            f"{fix}, or an earlier --until.")
    return before, after


def _bound_to_hold_one(stats, window: Window, side: str) -> str | None:
    """The latest --start (`side` 'start') or earliest --end ('end') at which the window, its other end
    kept, holds one of `stats` (`Window.holds`); None when none is held whatever that month."""
    found = []
    for stat in stats:
        first, last = stat_months(stat)
        survey = stat.kind in ("survey", "pattern")  # one fieldwork month suffices; a series needs them all
        if side == "start" and month_index(first if survey else last) <= month_index(window.end):
            found.append(min(last, window.end) if survey else first)
        if side == "end" and month_index(window.start) <= month_index(last if survey else first):
            found.append(max(first, window.start) if survey else last)
    if not found:
        return None
    return (max if side == "start" else min)(found, key=month_index)


def carried_forward(targets: pd.DataFrame, after: pd.DataFrame, until: str) -> pd.Series:
    """Last value carried forward for the World Bank series' later years (target id -> value)."""
    cut_year = int(until[:4]) if until[5:] == "12" else int(until[:4]) - 1
    out = {}
    for row in after.itertuples():
        if row.kind != "wdi":
            continue
        same = targets[(targets.origin_id == row.origin_id) & (targets.year <= cut_year)]
        if len(same):
            out[row.id] = float(same.sort_values("year").value.iloc[-1])
    return pd.Series(out, dtype=float)


@dataclass
class Hindcast:
    until: str
    posterior: Posterior
    table: pd.DataFrame  # one row per forecast target: observed, forecast band, baselines, errors
    skill: pd.DataFrame  # per group of targets: MARD of the model and each baseline, skill scores
    runs: int


def _ard(pred: pd.Series, obs: pd.Series) -> np.ndarray:
    """Absolute relative differences where both values are known and the observed one is not 0."""
    pred, obs = np.asarray(pred, float), np.asarray(obs, float)
    ok = np.isfinite(pred) & np.isfinite(obs) & (obs != 0)
    return np.abs(pred[ok] - obs[ok]) / np.abs(obs[ok])


def _mard(pred: pd.Series, obs: pd.Series) -> float:
    ard = _ard(pred, obs)
    return float(ard.mean()) if len(ard) else float("nan")


def _median_ard(pred: pd.Series, obs: pd.Series) -> float:
    ard = _ard(pred, obs)
    return float(np.median(ard)) if len(ard) else float("nan")


def skill_table(table: pd.DataFrame) -> pd.DataFrame:
    """MARD of the model and of each baseline, by group and over the series and counts together."""
    groups = {"World Bank series": table.kind == "wdi", "counts": table.kind.isin(["count", "range"]),
              "series and counts": table.kind.isin(["wdi", "count", "range"]), "all forecast targets": table.kind != ""}
    rows = []
    for name, pick in groups.items():
        t = table[pick]
        row = {"group": name, "targets": int(len(t)), "mard_model": _mard(t.forecast, t.observed)}
        for base in ("carried_forward", "gravity"):
            both = t[np.isfinite(t[base]) & np.isfinite(t.forecast)]
            row[f"n_{base}"] = int(len(both))
            row[f"mard_model_vs_{base}"] = _mard(both.forecast, both.observed)
            row[f"mard_{base}"] = _mard(both[base], both.observed)
            # the medians: one target missed a hundredfold sets a mean (the gravity model's Kazakhstan-Kyrgyzstan)
            row[f"median_model_vs_{base}"] = _median_ard(both.forecast, both.observed)
            row[f"median_{base}"] = _median_ard(both[base], both.observed)
            with np.errstate(invalid="ignore", divide="ignore"):
                row[f"skill_vs_{base}"] = 1 - row[f"mard_model_vs_{base}"] / row[f"mard_{base}"]
        rows.append(row)
    return pd.DataFrame(rows)


def hindcast(scenario: Scenario, targets: pd.DataFrame, until: str, settings: CalibrationSettings,
             history: Path, *, client=None, forecast_runs: int = 30, space: tuple[Prior, ...] = SPACE,
             say: Callable[[str], None] = print) -> Hindcast:
    """Match the targets up to `until`, forecast the later ones (module docstring)."""
    before, after = check_until(targets, until, settings.window)
    obs = observations(before)
    fitted_before = before[before.fitted].reset_index(drop=True)
    runs = ModelRuns(scenario, fitted_before, settings.window, space)
    count = {"runs": 0}

    def simulator(points, seeds):
        count["runs"] += len(points) * len(seeds)
        return run_points(runs, points, seeds, client, run_progress(say))

    say(f"hindcast: matching {len(obs.names)} targets up to {until}, forecasting {len(after)} after it")
    hm = history_match(simulator, space, obs, settings.hm, on_wave=lambda h: h.save(history), progress=say)
    posterior = sample_posterior(hm, settings.posterior)
    idx = np.linspace(0, len(posterior.draws) - 1, min(forecast_runs, len(posterior.draws))).round().astype(int)
    everything = ModelRuns(scenario, after, settings.window, space)
    sims = run_pairs(everything, posterior.draws[idx], [FORECAST_SEED + k for k in range(len(idx))], client,
                     run_progress(say))
    count["runs"] += len(idx)
    say(f"forecast: {len(idx)} runs at posterior draws")
    gravity = predictions_for_targets(after)
    table = pd.DataFrame({"id": after.id, "kind": after.kind, "source": after.source, "year": after.year,
                          "measure": after.measure, "observed": after.value,
                          "forecast": np.nanmedian(sims, axis=0), "low90": np.nanquantile(sims, 0.05, axis=0),
                          "high90": np.nanquantile(sims, 0.95, axis=0)})
    table["carried_forward"] = table.id.map(carried_forward(targets, after, until)).astype(float)
    table["gravity"] = table.id.map(gravity).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["abs_rel_error"] = (table.forecast - table.observed).abs() / table.observed.abs()
    table["inside90"] = (table.observed >= table.low90) & (table.observed <= table.high90)
    return Hindcast(until, posterior, table, skill_table(table), count["runs"])


def write_hindcast(folder: Path, result: Hindcast, title: str) -> None:
    """hindcast.csv, skill.csv and report.html (with a figure of the forecast series)."""
    import html

    from .report import _png, _table

    result.table.to_csv(folder / "hindcast.csv", index=False, float_format="%.6g")
    result.skill.to_csv(folder / "skill.csv", index=False, float_format="%.4g")
    fig = _plot(result.table)
    image = _png(fig, folder, "hindcast.png") if fig is not None else None
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p>Calibrated on the targets up to {result.until}; {len(result.table)} later targets forecast by the "
             f"model at {len(result.posterior.draws)} posterior draws ({result.runs:,} model runs in all). "
             "Skill = 1 - MARD(model) / MARD(baseline) on the targets both forecast; above 0 the model is better. "
             "The gravity baseline is fitted on KNOMAD's 2021 matrix, so it has seen one forecast year.</p>",
             "<h2>Skill</h2>" + _table(result.skill, list(result.skill.columns))]
    if image:
        parts.append(f"<h2>Forecast series</h2><img src='data:image/png;base64,{image}'>")
    parts.append("<h2>Every forecast target</h2>" + _table(result.table, list(result.table.columns)))
    style = ("<style>body{font-family:sans-serif;max-width:1400px;margin:auto}table{border-collapse:collapse;"
             "font-size:11px}td,th{border:1px solid #ccc;padding:2px 4px}img{max-width:100%}</style>")
    (folder / "report.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>"
                                        f"{html.escape(title)}</title>{style}</head><body>{''.join(parts)}</body>"
                                        "</html>", encoding="utf-8")


def _plot(table: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wdi = table[table.kind == "wdi"].copy()
    if wdi.empty:
        return None
    wdi["series"] = wdi.id.str.rsplit("_", n=1).str[0]
    names = list(dict.fromkeys(wdi.series))
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        s = wdi[wdi.series == name].sort_values("year")
        ax.fill_between(s.year, s.low90 / 1e6, s.high90 / 1e6, color="tab:blue", alpha=0.2, label="model, 90%")
        ax.plot(s.year, s.forecast / 1e6, "-", color="tab:blue", label="model")
        ax.plot(s.year, s.observed / 1e6, "k.-", label="World Bank")
        ax.plot(s.year, s.carried_forward / 1e6, ":", color="0.4", label="last value")
        ax.plot(s.year, s.gravity / 1e6, "--", color="tab:orange", label="gravity")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel("million USD", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    return fig

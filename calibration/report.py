"""The fit report: every target against the model, World Bank series over time,
the posterior, the gravity baseline, and one overall error figure.

`evaluate` runs a scenario for a few seeds and tabulates each target with its band,
the simulated median (and the range over seeds), whether the median falls inside the
band, its z-score and relative difference. `summary` condenses that into the figures
that let two calibrations be compared: targets inside their band, and the mean
absolute relative difference (MARD) over the fitted targets.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.outputs import atomic_dir  # noqa: F401  (the calibration commands write through it)
from simulation.scenario import Scenario

from .simulate import Window, annual_series, simulate
from .targets import non_sampling_sd, survey_round_agreement

SERIES_TITLES = {"paid:KAZ": "Remittances paid from Kazakhstan", "received:UZB": "Received by Uzbekistan",
                 "received:TJK": "Received by Tajikistan", "received:KGZ": "Received by Kyrgyzstan",
                 "received:KAZ": "Received by Kazakhstan"}


def _simulate_task(args):
    scenario, targets, window, seed = args
    sim = simulate(scenario, targets, window, seed)
    return sim.values, annual_series(sim.timeseries)


def evaluate(scenario: Scenario, targets: pd.DataFrame, window: Window, seeds: list[int], client=None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each target with observed band and simulated value; and the yearly WB counterparts."""
    tasks = [(scenario, targets, window, s) for s in seeds]
    if client is not None:
        results = client.gather(client.map(_simulate_task, tasks, pure=False))
    else:
        results = [_simulate_task(t) for t in tasks]
    sims = pd.DataFrame([r[0] for r in results])  # rows: seeds, columns: target ids
    fit = targets.drop(columns=["stat"]).rename(columns={"value": "observed"}).copy()
    fit["simulated"] = fit.id.map(sims.median())
    fit["sim_min"] = fit.id.map(sims.min())
    fit["sim_max"] = fit.id.map(sims.max())
    fit["reps"] = len(seeds)
    sim = fit.simulated
    evaluated = fit.modelled & np.isfinite(sim)
    fit["inside"] = pd.Series(pd.NA, index=fit.index, dtype="boolean")
    fit.loc[evaluated, "inside"] = (sim[evaluated] >= fit.low[evaluated]) & (sim[evaluated] <= fit.high[evaluated])
    with np.errstate(invalid="ignore", divide="ignore"):
        fit["z"] = (sim - fit.observed) / fit.sd
        fit["rel_diff"] = (sim - fit.observed) / fit.observed.abs()
    fit.loc[fit.kind == "pattern", ["z", "rel_diff"]] = np.nan  # a pattern holds or not; it has no error size
    fit["status"] = np.select(
        [~fit.modelled, ~np.isfinite(sim), fit.inside.fillna(False).astype(bool)],
        ["not modelled", "outside window", "inside"], "outside band")
    series = pd.concat([r[1].assign(seed=s) for r, s in zip(results, seeds)], ignore_index=True)
    series = series.groupby(["series", "year"]).value.agg(["median", "min", "max"]).reset_index()
    return fit, series


def observed_series(targets: pd.DataFrame) -> pd.DataFrame:
    """The World Bank series targets as (series, year, observed, low, high)."""
    rows = []
    for r in targets[targets.kind == "wdi"].itertuples():
        stat = r.stat
        ind, grp = stat.terms[0] if stat is not None and stat.kind == "series" else (None, None)
        if ind == "remittances_out_kaz_usd":
            name = "paid:KAZ"
        elif ind == "remittances_received_usd":
            name = f"received:{grp}"
        else:
            continue
        rows.append(dict(series=name, year=int(r.year), observed=r.value, low=r.low, high=r.high))
    return pd.DataFrame(rows, columns=["series", "year", "observed", "low", "high"])


def json_text(obj) -> str:
    """Strict JSON: a number that is not finite (NaN, an infinity) is written null, not as bare NaN."""
    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if isinstance(x, (bool, np.bool_)):
            return bool(x)
        if isinstance(x, (int, np.integer)):
            return int(x)
        if isinstance(x, (float, np.floating)):
            return float(x) if np.isfinite(x) else None
        return x
    return json.dumps(clean(obj), indent=2, default=lambda o: clean(float(o)), allow_nan=False)


def summary(fit: pd.DataFrame) -> dict:
    """Overall figures: targets inside their bands and the mean absolute relative difference."""
    ev = fit[fit.status.isin(["inside", "outside band"])]
    fitted = ev[ev.fitted]
    finite = lambda s: s[np.isfinite(s)]  # noqa: E731
    out = {
        "targets": int(len(fit)),
        "modelled": int(fit.modelled.sum()),
        "evaluated": int(len(ev)),
        "inside": int((ev.status == "inside").sum()),
        "fitted_evaluated": int(len(fitted)),
        "fitted_inside": int((fitted.status == "inside").sum()),
        "mard_fitted": float(finite(fitted.rel_diff.abs()).mean()) if len(fitted) else float("nan"),
        "median_ard_fitted": float(finite(fitted.rel_diff.abs()).median()) if len(fitted) else float("nan"),
        "rms_z_fitted": float(np.sqrt(np.nanmean(np.minimum(fitted.z.abs(), 10) ** 2))) if len(fitted) else float("nan"),
        "patterns_evaluated": int((ev.kind == "pattern").sum()),
        "patterns_hold": int(((ev.kind == "pattern") & (ev.status == "inside")).sum()),
    }
    if "gravity" in fit:
        both = ev[np.isfinite(ev.gravity) & ev.fitted]
        out["gravity_compared"] = int(len(both))
        out["abm_closer"] = int((both.rel_diff.abs() < both.gravity_rel_diff.abs()).sum())
        out["mard_abm_on_gravity_targets"] = float(both.rel_diff.abs().mean()) if len(both) else float("nan")
        out["mard_gravity"] = float(both.gravity_rel_diff.abs().mean()) if len(both) else float("nan")
        # medians beside the means: the gravity model misses one corridor by a factor of hundreds, which alone
        # sets its mean (Kazakhstan to Kyrgyzstan in KNOMAD 2021; docs/calibration.md, gravity baseline)
        out["median_ard_abm_on_gravity_targets"] = float(both.rel_diff.abs().median()) if len(both) else float("nan")
        out["median_ard_gravity"] = float(both.gravity_rel_diff.abs().median()) if len(both) else float("nan")
    return out


def add_gravity(fit: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    from .gravity import predictions_for_targets

    pred = predictions_for_targets(targets)
    fit = fit.copy()
    fit["gravity"] = fit.id.map(pred).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        fit["gravity_rel_diff"] = (fit.gravity - fit.observed) / fit.observed.abs()
    fit["closer"] = closer(fit.rel_diff, fit.gravity_rel_diff)
    return fit


def summary_figure(value: float, digits: int = 3) -> str:
    """A summary figure, or "none fitted" where the file has no fitted target to average over."""
    return "none fitted" if value != value else f"{value:.{digits}f}"


def closer(abm_rel_diff: pd.Series, gravity_rel_diff: pd.Series) -> np.ndarray:
    """'migsim' or 'gravity', whichever is nearer the observation; '' where one cannot say."""
    both = np.isfinite(abm_rel_diff) & np.isfinite(gravity_rel_diff)
    return np.where(~both, "", np.where(abm_rel_diff.abs() < gravity_rel_diff.abs(), "migsim", "gravity"))


def gravity_by_kind(fit: pd.DataFrame) -> str:
    """Where the agent model is closer than gravity, and where not, by series or corridor group."""
    compared = fit[fit.closer != ""].copy()
    if compared.empty:
        return ""
    compared["series"] = compared.origin_id.where(compared.kind == "wdi", "bilateral flows and counts")
    parts = []
    for name, g in compared.groupby("series", sort=True):
        parts.append(f"{name}: migsim closer on {(g.closer == 'migsim').sum()} of {len(g)}")
    return "; ".join(parts)


def gravity_series(targets: pd.DataFrame) -> pd.DataFrame:
    """Gravity predictions of the World Bank series: series, year, gravity."""
    from .gravity import predictions_for_targets

    obs = targets[targets.kind == "wdi"]
    pred = predictions_for_targets(obs)
    rows = []
    for r in obs.itertuples():
        if r.id not in pred.index:
            continue
        ind, grp = r.stat.terms[0]
        name = "paid:KAZ" if ind == "remittances_out_kaz_usd" else f"received:{grp}"
        rows.append(dict(series=name, year=int(r.year), gravity=float(pred[r.id])))
    return pd.DataFrame(rows, columns=["series", "year", "gravity"])


# --- writing ------------------------------------------------------------------------------
def _png(fig, folder: Path, name: str) -> str:
    fig.savefig(folder / name, dpi=110, bbox_inches="tight")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def plot_targets(fit: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ev = fit[fit.status.isin(["inside", "outside band"])].copy()
    ev = ev[~ev.kind.isin(["wdi", "pattern"])]
    # Distance from the band's centre with its edges at -2 and 2: the z-score where the band is the observed
    # value +- 2 sd, and the same scale for a published range (a range row at z -1.6 lay below its range but
    # was drawn inside the grey band).
    width = (ev.high - ev.low).where(ev.high > ev.low)
    ev["zc"] = (4 * (ev.simulated - (ev.low + ev.high) / 2) / width).fillna(ev.z).clip(-10, 10)
    fig, ax = plt.subplots(figsize=(8, max(4, 0.16 * len(ev))))
    y = np.arange(len(ev))
    colors = np.where(ev.status == "inside", "tab:green", "tab:red")
    ax.axvspan(-2, 2, color="0.9", label="band (observed +- 2 sd, or the published range)")
    ax.scatter(ev.zc, y, c=colors, s=14, zorder=3)
    ax.set_yticks(y, ev.id, fontsize=6)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel("distance from the band's centre, its edges at -2 and 2 (the z-score for observed +- 2 sd), capped at +-10")
    ax.set_title("Targets other than World Bank series: green inside the band, red outside")
    ax.invert_yaxis()
    return fig


def plot_series(series: pd.DataFrame, observed: pd.DataFrame, grav: pd.DataFrame | None, baseline: pd.DataFrame | None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in SERIES_TITLES if n in set(observed.series)]
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        o = observed[observed.series == name]
        ax.fill_between(o.year, o.low / 1e6, o.high / 1e6, color="0.85", label="World Bank band")
        ax.plot(o.year, o.observed / 1e6, "k.-", label="World Bank")
        s = series[(series.series == name) & series.year.isin(o.year)]
        if not s.empty:
            ax.plot(s.year, s["median"] / 1e6, "-", color="tab:blue", label="migsim")
            ax.fill_between(s.year, s["min"] / 1e6, s["max"] / 1e6, color="tab:blue", alpha=0.2)
        if baseline is not None:
            b = baseline[(baseline.series == name) & baseline.year.isin(o.year)]
            ax.plot(b.year, b["median"] / 1e6, ":", color="tab:gray", label="migsim, defaults")
        if grav is not None:
            g = grav[grav.series == name]
            ax.plot(g.year, g.gravity / 1e6, "--", color="tab:orange", label="gravity (PPML)")
        ax.set_title(SERIES_TITLES[name], fontsize=9)
        ax.set_ylabel("million USD per year", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def plot_posterior(posterior: pd.DataFrame, space):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(space)
    cols = 4
    fig, axes = plt.subplots((n + cols - 1) // cols, cols, figsize=(12, 2.4 * ((n + cols - 1) // cols)), squeeze=False)
    for ax, p in zip(axes.flat, space):
        ax.hist(posterior[p.key], bins=15, range=(p.low, p.high), color="tab:blue",
                alpha=0.7, density=True)
        ax.axhline(1 / p.width, color="k", ls=":", lw=0.8)
        ax.set_title(p.key, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Posterior (bars) against the uniform prior (dotted)", fontsize=9)
    fig.tight_layout()
    return fig


def _table(frame: pd.DataFrame, cols: list[str]) -> str:
    def fmt(v):
        if isinstance(v, float):
            if not np.isfinite(v):
                return ""
            return f"{v:,.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = []
    for r in frame[cols].itertuples(index=False):
        cls = ""
        if "status" in cols:
            cls = {"inside": "in", "outside band": "out"}.get(r[cols.index("status")], "na")
        body.append(f"<tr class='{cls}'>" + "".join(f"<td>{fmt(v)}</td>" for v in r) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def write_report(folder: Path, title: str, fit: pd.DataFrame, series: pd.DataFrame, targets: pd.DataFrame, *,
                 baseline_fit: pd.DataFrame | None = None, baseline_series: pd.DataFrame | None = None,
                 notes: list[str] = (), sections: list[tuple[str, str]] = ()) -> dict:
    """fit_targets.csv, fit_series.csv, summary and report.html (with PNG figures) into `folder`."""
    obs = observed_series(targets)
    try:
        grav = gravity_series(targets)
    except Exception as exc:  # the gravity fit is a comparison, not the product
        grav, notes = None, list(notes) + [f"gravity baseline unavailable: {exc}"]
    fit.to_csv(folder / "fit_targets.csv", index=False, float_format="%.6g")
    tidy = obs.merge(series.rename(columns={"median": "simulated", "min": "sim_min", "max": "sim_max"}),
                     on=["series", "year"], how="left")
    if grav is not None:
        tidy = tidy.merge(grav, on=["series", "year"], how="left")
    tidy.to_csv(folder / "fit_series.csv", index=False, float_format="%.6g")
    s = summary(fit)
    # A figure is drawn only when there is something to draw: a targets file may hold no
    # World Bank series, or nothing but series.
    images = []
    if fit.status.isin(["inside", "outside band"]).any() and (~fit.kind.isin(["wdi", "pattern"])).any():
        images.append(("Targets", _png(plot_targets(fit), folder, "targets.png")))
    if any(n in set(obs.series) for n in SERIES_TITLES):
        images.append(("World Bank series", _png(plot_series(series, obs, grav, baseline_series), folder,
                                                 "series.png")))
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p><b>{s['fitted_inside']} of {s['fitted_evaluated']}</b> fitted targets fall inside their band; "
             f"{s['inside']} of {s['evaluated']} evaluated targets overall ({s['targets']} in the file, "
             f"{s['modelled']} computed by the model). Mean absolute relative difference over the fitted targets "
             f"(MARD): <b>{summary_figure(s['mard_fitted'])}</b>; median {summary_figure(s['median_ard_fitted'])}; "
             f"RMS of capped z-scores {summary_figure(s['rms_z_fitted'], 2)}.</p>"]
    if baseline_fit is not None:
        b = summary(baseline_fit)
        parts.append(f"<p>With the default parameters: {b['fitted_inside']} of {b['fitted_evaluated']} fitted "
                     f"targets inside, MARD {b['mard_fitted']:.3f}.</p>")
    if "gravity_compared" in s and s["gravity_compared"]:
        parts.append(f"<p>Gravity baseline (PPML on KNOMAD 2021 flows, leave-one-out for bilateral flows): on the "
                     f"{s['gravity_compared']} remittance targets both can predict, migsim is closer on "
                     f"{s['abm_closer']}; MARD migsim {s['mard_abm_on_gravity_targets']:.3f} against gravity "
                     f"{s['mard_gravity']:.3f} (medians {s['median_ard_abm_on_gravity_targets']:.3f} and "
                     f"{s['median_ard_gravity']:.3f}: the gravity model's worst corridor alone can set its mean). "
                     f"By series: {html.escape(gravity_by_kind(fit))}.</p>")
    if s["patterns_evaluated"]:
        parts.append(f"<p>Qualitative patterns (gender study, OMA2026): <b>{s['patterns_hold']} of "
                     f"{s['patterns_evaluated']}</b> computed patterns hold (table below).</p>")
    agreement = survey_round_agreement(targets)
    if len(agreement):
        agreement.to_csv(folder / "survey_rounds.csv", index=False, float_format="%.4g")
        s["survey_questions_in_both_rounds"] = int(len(agreement))
        s["survey_rounds_agree"] = int(agreement.agree.sum())
        s["survey_non_sampling_sd"] = round(non_sampling_sd(agreement), 4)
        parts.append(f"<p>The two survey rounds asked {len(agreement)} questions in common; on "
                     f"{s['survey_rounds_agree']} of them their answers agree within the sampling error "
                     f"(|z| &le; 2, table at the end). The bands hold sampling error only; the rounds' disagreement "
                     f"implies a further error of about {s['survey_non_sampling_sd']:.2f} per share and round "
                     f"(coverage, sampling design, wording, or real change), so no model sits inside both rounds' "
                     f"bands on most of these questions.</p>")
    for n in notes:
        parts.append(f"<p>{html.escape(n)}</p>")
    for name, data in images:
        parts.append(f"<h2>{name}</h2><img src='data:image/png;base64,{data}'>")
    for heading, body in sections:  # sections written by the caller, as HTML
        parts.append(f"<h2>{html.escape(heading)}</h2>{body}")
    cols = ["id", "source", "measure", "group", "published", "unanswered", "observed", "low", "high", "simulated",
            "sim_min", "sim_max", "status", "weight"] + (["gravity"] if "gravity" in fit else []) + ["note"]
    patterns = fit[fit.kind == "pattern"].assign(holds=lambda d: d.status.map(
        {"inside": "yes", "outside band": "no"}).fillna(d.status))
    if len(patterns):
        parts.append("<h2>Patterns</h2>" + _table(patterns, ["id", "measure", "condition", "simulated", "sim_min",
                                                             "sim_max", "holds", "status", "note"]))
    parts.append("<h2>Every target</h2>" + _table(fit[~fit.kind.isin(["wdi", "pattern"])], cols))
    parts.append("<h2>World Bank series</h2>" + _table(tidy, list(tidy.columns)))
    if len(agreement):
        parts.append("<h2>Questions both survey rounds asked</h2>" + _table(agreement, list(agreement.columns)))
    style = ("<style>body{font-family:sans-serif;max-width:1400px;margin:auto}table{border-collapse:collapse;"
             "font-size:11px}td,th{border:1px solid #ccc;padding:2px 4px}tr.in{background:#e8f6e8}"
             "tr.out{background:#fbe9e9}tr.na{color:#888}img{max-width:100%}</style>")
    (folder / "report.html").write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
                                        f"</title>{style}</head><body>{''.join(parts)}</body></html>", encoding="utf-8")
    return s

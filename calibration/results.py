"""The files a calibration leaves: what other commands and people read.

Into `fit/` (written whole or not at all):

- `calibrated.toml`: a scenario file with the calibrated point (the posterior median), which
  other scenarios can `extends`; `parameters.toml`: the values alone, what
  `simulation/data/calibrated.toml` holds;
- `posterior.csv`: 200 evenly spaced posterior draws, what `migsim run --posterior` reads
  (`simulation/data/posterior.csv` is the repository's own);
- `posterior_summary.csv`, `waves.csv`, `reach.csv` (each target: reached or not, by name),
  `conflicts.csv` (pairs of targets no point matches together), `band_reach.csv`,
  `band_ceiling.csv` and `band_pairs.csv` (how many targets any point puts inside their
  report bands together: `band_reach.py`), `predictive_check.csv`,
  `recovery.csv`, `fit_targets.csv`, `fit_series.csv`, `report.html`, `summary.json`.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import pandas as pd

from .band_reach import band_reach, round_pairs
from .likelihood import target_variances
from .pipeline import Calibration, discrepancy_note, posterior_table
from .report import _png, _table, json_text, plot_posterior, write_report
from .targets import survey_round_agreement


def _nested(values: dict[str, float]) -> dict:
    """Dotted keys -> nested TOML tables."""
    nested: dict = {}
    for key, value in values.items():
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = round(float(value), 6)
    return nested


POINT_WORDS = "the posterior median after history matching (MCMC on the emulators inside the non-implausible region)"


def calibrated_toml(values: dict[str, float], base, out_folder: Path, description: str) -> str:
    """A scenario file holding the calibrated values, extending the scenario calibrated."""
    import tomli_w

    nested: dict = {}
    if base.path is not None:
        rel = os.path.relpath(Path(base.path).resolve(), Path(out_folder).resolve())
        nested["extends"] = Path(rel).as_posix()
    nested["name"] = "calibrated"
    nested["description"] = description
    nested.update(_nested(values))
    head = ("# Question: how does migsim behave with its uncertain parameters fitted to the IOM surveys and the\n"
            f"# World Bank series? Written by `migsim calibrate` ({POINT_WORDS}).\n"
            "# A scenario uses it with: extends = \"<path to this file>\".\n")
    return head + tomli_w.dumps(nested)


def parameters_toml(values: dict[str, float], description: str) -> str:
    """The calibrated values alone: what `simulation/data/calibrated.toml` holds."""
    import tomli_w

    head = (f"# The uncertain parameters as calibrated by `migsim calibrate`: {POINT_WORDS}.\n"
            f"# {description}\n"
            "# Copied to simulation/data/calibrated.toml, these values become the defaults of their parameters\n"
            "# (simulation/parameters.py), so the baseline and every scenario start from this calibration.\n")
    return head + tomli_w.dumps(_nested(values))


def posterior_csv(cal: Calibration, description: str) -> str:
    """The posterior draws `run --posterior` reads, with where they came from in comment lines."""
    table = posterior_table(cal.posterior)
    head = (f"# Posterior draws of migsim's calibrated parameters ({len(table)} of {len(cal.posterior.draws)}, "
            "evenly spaced in the MCMC chain).\n"
            f"# {description}\n")
    return head + table.to_csv(index=False, float_format="%.6g")


def write_calibration(folder: Path, cal: Calibration, base, out_folder: Path, fit: pd.DataFrame,
                      series: pd.DataFrame, targets: pd.DataFrame, description: str, notes: list[str]) -> dict:
    """Every file of `fit/` into `folder` (a temporary folder the caller renames); returns the summary."""
    (folder / "calibrated.toml").write_text(calibrated_toml(cal.point, base, out_folder, description),
                                            encoding="utf-8")
    (folder / "parameters.toml").write_text(parameters_toml(cal.point, description), encoding="utf-8")
    (folder / "posterior.csv").write_text(posterior_csv(cal, description), encoding="utf-8")
    summary_table = cal.posterior.summary()
    prior = {p.key: (p.low, p.high) for p in cal.posterior.space}
    summary_table.insert(1, "prior", [f"{prior[k][0]:g}..{prior[k][1]:g}" for k in summary_table.parameter])
    summary_table.insert(2, "share_of_prior_90", (summary_table.q95 - summary_table.q05)
                         / [prior[k][1] - prior[k][0] for k in summary_table.parameter])
    summary_table.to_csv(folder / "posterior_summary.csv", index=False, float_format="%.6g")
    waves = cal.hm.summary()
    waves.to_csv(folder / "waves.csv", index=False, float_format="%.6g")
    cal.hm.reach.to_csv(folder / "reach.csv", index=False, float_format="%.4g")
    cal.hm.conflicts.to_csv(folder / "conflicts.csv", index=False)
    bands = band_reach(cal.hm, target_variances(targets), round_pairs(survey_round_agreement(targets)))
    bands.targets.to_csv(folder / "band_reach.csv", index=False, float_format="%.4g")
    bands.ceiling.to_csv(folder / "band_ceiling.csv", index=False, float_format="%.4g")
    bands.pairs.to_csv(folder / "band_pairs.csv", index=False, float_format="%.4g")
    cal.check.to_csv(folder / "predictive_check.csv", index=False, float_format="%.6g")
    if cal.recovery is not None:
        cal.recovery.to_csv(folder / "recovery.csv", index=False, float_format="%.4g")
    unreached = cal.hm.reach[cal.hm.reach.status != "reached"]
    d = cal.posterior.diagnostics()
    sections = [
        ("History matching", f"<p>{len(waves)} wave(s), stopped: {html.escape(cal.hm.stopped)}; the non-implausible "
                             f"region is {cal.hm.fraction:.3g} of the prior box (cut {cal.hm.settings.cut:g} on the "
                             f"{_ordinal(cal.hm.rank)} largest implausibility). {html.escape(discrepancy_note())}</p>"
                             + _table(waves, list(waves.columns))),
        ("Targets no point reaches", "<p>A finding about the model or the data: the least implausibility of "
                                     "these targets stays above the cut over the whole space or over the final "
                                     "region.</p>" + (_table(unreached, list(unreached.columns)) if len(unreached)
                                                      else "<p>None: every target is matched somewhere.</p>")),
        ("Targets never matched together", _table(cal.hm.conflicts.head(40), list(cal.hm.conflicts.columns))
         if len(cal.hm.conflicts) else "<p>No pair of matched targets conflicts.</p>"),
        ("How many targets can be inside their bands together",
         "<p>The count of targets inside their bands (observed ± 2 sampling sd) faces a ceiling set by the "
         "model and the data, not the parameters: the most targets whose emulated expectation lies inside "
         "its band at any point of the prior box (first wave's emulators), of the final region (last "
         "wave's), and of the waves' own runs (mean over seeds).</p>"
         + _table(bands.ceiling, list(bands.ceiling.columns))
         + "<p>Questions both survey rounds asked: the share of the final region's points inside each "
           "round's band, and inside both.</p>" + _table(bands.pairs, list(bands.pairs.columns))),
        ("Posterior", f"<img src='data:image/png;base64,"
                      f"{_png(plot_posterior(cal.posterior.frame(), cal.posterior.space), folder, 'posterior.png')}'>"
                      f"<p>{d['draws']} draws; acceptance {d['acceptance']:.2f}; longest autocorrelation time "
                      f"{d['tau_max']:.0f} steps ({d['steps_per_tau']:.0f} after burn-in).</p>"
                      + _table(summary_table, list(summary_table.columns))),
        ("Posterior predictive check", f"<p>{cal.check.inside.mean():.0%} of the fitted targets lie inside the "
                                       "central 90% of the posterior predictive (the model at posterior draws, "
                                       "with observation error and discrepancy). Outside:</p>"
                                       + _table(cal.check[~cal.check.inside], list(cal.check.columns))),
    ]
    if cal.recovery is not None:
        sections.append(("Recovery study", "<p>Synthetic data made by the model at known points of the region; "
                                           "the share of truths inside the posterior's central 50% and 90% "
                                           "intervals (should be about 0.5 and 0.9).</p>"
                         + _table(cal.recovery, list(cal.recovery.columns))))
    s = write_report(folder, f"migsim calibration of '{base.name}'", fit, series, targets, notes=notes,
                     sections=sections)
    overall = cal.recovery[cal.recovery.parameter == "all"].iloc[0] if cal.recovery is not None else None
    s.update(model_runs=cal.runs, wall_seconds=round(cal.seconds, 1), waves=len(waves),
             non_implausible_share=cal.hm.fraction, stopped=cal.hm.stopped,
             unreached_targets=list(unreached.target), predictive_inside_90=float(cal.check.inside.mean()),
             recovery_cover_50=None if overall is None else float(overall.inside50),
             recovery_cover_90=None if overall is None else float(overall.inside90),
             posterior_acceptance=d["acceptance"], posterior_draws=int(d["draws"]),
             band_ceiling={r.where: int(r.most_inside) for r in bands.ceiling.itertuples()})
    (folder / "summary.json").write_text(json_text(s), encoding="utf-8")
    return s


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")

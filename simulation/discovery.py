"""Which futures break a policy: scenario discovery with PRIM over sweeps.

A sweep runs one scenario over many futures (a grid or a Latin hypercube of uncertain drivers
and levers). To ask "under which futures does halving the quota raise the irregular stock by
more than 10%?", sweep the baseline and the policy over the same design (same `--vary`,
`--samples` and seed: the points and replication seeds are then the same, so each future is
paired), and `discover` compares them point by point: the outcome is the policy's change of the
indicator (relative, in percent, or absolute), averaged over replications, and a future "breaks"
the policy when it passes the threshold. With one sweep the outcome is the indicator itself.

PRIM (Friedman and Fisher 1999, as implemented by EMA Workbench's `prim`) then peels the
space of the varied parameters to a box where such futures are dense: its limits on named
parameters, its coverage (the share of all breaking futures inside the box) and density (the
share of futures inside the box that break). The box reported is the one with the highest
coverage among those with at least `min_density`. `write_discovery` writes the report
(`discovery.html`), the peeling trajectory, the boxes and every future's outcome.
"""

from __future__ import annotations

# Imports inside functions: EMA Workbench loads only when PRIM runs.
import html
import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .outputs import atomic_dir

MEASURES = ("final", "mean_last_12_months")


@dataclass
class Question:
    """What counts as a future in which the policy breaks."""

    indicator: str
    group: str = "all"
    measure: str = "mean_last_12_months"
    above: float | None = None  # the outcome exceeds this
    below: float | None = None  # ... or falls short of it
    relative: bool = True  # with a baseline sweep: change in percent of the baseline's value

    def text(self, paired: bool) -> str:
        what = f"{self.indicator}[{self.group}] ({self.measure.replace('_', ' ')})"
        if paired:
            what = ("the policy's change of " + what + (" in percent of the baseline" if self.relative else ""))
        side = f"above {self.above:g}" if self.above is not None else f"below {self.below:g}"
        return f"{what} is {side}"


@dataclass
class Box:
    limits: pd.DataFrame  # parameter, low, high, full_low, full_high (restricted parameters only)
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame


def _read(folder: Path) -> tuple[pd.DataFrame, dict]:
    folder = Path(folder)
    record = folder / "_sweep.json"
    if not record.exists():
        raise ScenarioError(f"{folder}: not a sweep folder (no _sweep.json); make one with `migsim sweep`.")
    try:
        design = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{record}: unreadable ({exc}); run the sweep again into a new --out.") from None
    if not isinstance(design, dict) or not {"vary", "points"} <= set(design):
        raise ScenarioError(f"{record}: is not the design record `migsim sweep` writes (it needs 'vary' and "
                            "'points'); run the sweep again into a new --out.")
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        raise ScenarioError(f"{folder}: holds no finished run yet; run the sweep first.")
    frames = []
    for part in parts:  # a damaged part is named, not a pyarrow traceback (`migsim sweep` redoes it on resume)
        try:
            frames.append(pd.read_parquet(part))
        except Exception as exc:
            raise ScenarioError(f"{part}: cannot be read ({type(exc).__name__}); run the same sweep again to "
                                "redo it, or remove the file.") from None
    frame = pd.concat(frames, ignore_index=True)
    return frame[frame.status == "ok"], design


def outcomes(question: Question, sweep: str | Path, baseline: str | Path | None = None) -> tuple[pd.DataFrame, list]:
    """Each future (design point): its parameters and the outcome, averaged over replications."""
    if question.measure not in MEASURES:
        raise ScenarioError(f"--measure {question.measure!r}: choose one of {', '.join(MEASURES)}.")
    frame, design = _read(Path(sweep))
    keys = [v["key"] for v in design["vary"]]

    def pick(f, where):
        sel = f[(f.indicator == question.indicator) & (f.group == question.group)]
        if sel.empty:
            known = sorted(set(f.indicator.dropna()))
            raise ScenarioError(f"{where}: no indicator {question.indicator!r} with group {question.group!r}; "
                                f"indicators: {', '.join(known)}.")
        return sel.set_index(["point", "rep"])[question.measure]

    value = pick(frame, sweep)
    if baseline is not None:
        base_frame, base_design = _read(Path(baseline))
        for field in ("vary", "samples", "reps", "agents", "seeds", "points"):
            if base_design.get(field) != design.get(field):
                raise ScenarioError(f"{baseline} and {sweep}: the sweeps differ in {field!r}; pair sweeps made with "
                                    "the same --vary, --samples, --reps, --agents and seed.")
        base = pick(base_frame, baseline)
        paired = pd.concat([value.rename("policy"), base.rename("base")], axis=1, join="inner")
        change = paired.policy - paired.base
        if question.relative:
            change = 100 * change / paired.base.where(paired.base != 0)
        value = change.dropna()
    mean = value.groupby(level="point").mean()
    points = pd.DataFrame(design["points"]).iloc[mean.index]
    points.index = mean.index
    return points.assign(outcome=mean, replications=value.groupby(level="point").size()), keys


def find_box(x: pd.DataFrame, y: np.ndarray, min_density: float = 0.8) -> Box:
    """PRIM's box of highest coverage with at least `min_density` (EMA Workbench)."""
    if y.sum() == 0:
        raise ScenarioError("no future passes the threshold: there is nothing for PRIM to find; lower it.")
    with warnings.catch_warnings():  # EMA Workbench's own deprecation and optional-package notices
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x.reset_index(drop=True), y, peel_alpha=0.05, mass_min=0.05).find_box()
    trajectory = box.peeling_trajectory.copy()
    dense = trajectory[trajectory.density >= min_density]
    chosen = int(dense.coverage.idxmax()) if not dense.empty else int(trajectory.density.idxmax())
    box.select(chosen)
    lims, full = box.box_lims[chosen], box.box_lims[0]
    rows = [{"parameter": k, "low": lims[k][0], "high": lims[k][1], "full_low": full[k][0], "full_high": full[k][1]}
            for k in x.columns if (lims[k][0], lims[k][1]) != (full[k][0], full[k][1])]
    limits = pd.DataFrame(rows, columns=["parameter", "low", "high", "full_low", "full_high"])
    t = trajectory.loc[chosen]
    return Box(limits, float(t.coverage), float(t.density), float(t.mass), trajectory)


def discover(question: Question, sweep: str | Path, baseline: str | Path | None = None,
             min_density: float = 0.8) -> tuple[pd.DataFrame, Box, list]:
    """The futures, the box where the policy breaks, and the varied parameters."""
    if (question.above is None) == (question.below is None):
        raise ScenarioError("give one threshold: --above X or --below X.")
    threshold = question.above if question.above is not None else question.below
    if not np.isfinite(threshold):
        flag = "--above" if question.above is not None else "--below"
        raise ScenarioError(f"{flag} {threshold:g}: the threshold must be a finite number (e.g. {flag} 10).")
    if not 0 < min_density <= 1:  # a density is a share: a box could never reach 7, and PRIM would quietly pick another
        raise ScenarioError(f"--min-density {min_density:g}: a box's density is a share of its futures; give a "
                            "number above 0 and at most 1 (e.g. 0.8).")
    table, keys = outcomes(question, sweep, baseline)
    if len(table) < 10:
        raise ScenarioError(f"{sweep}: {len(table)} future(s) with results; PRIM needs a sweep of at least 10 points.")
    y = (table.outcome > question.above) if question.above is not None else (table.outcome < question.below)
    if not y.any():
        flag, move = ("--above", "lower it") if question.above is not None else ("--below", "raise it")
        raise ScenarioError(f"{flag} {threshold:g}: no future of {sweep} passes it (the outcome runs from "
                            f"{table.outcome.min():,.4g} to {table.outcome.max():,.4g}), so there is nothing for "
                            f"PRIM to find; {move}.")
    table = table.assign(breaks=y)
    return table, find_box(table[keys], y.to_numpy(), min_density), keys


def write_discovery(out: str | Path, question: Question, sweep, baseline, table: pd.DataFrame, box: Box,
                    seconds: float) -> Path:
    """The report folder: discovery.html, box.csv, trajectory.csv, futures.csv, discovery.json."""
    out = Path(out)
    with atomic_dir(out, "discovery") as tmp:
        table.to_csv(tmp / "futures.csv", index_label="point", float_format="%.6g")
        box.limits.to_csv(tmp / "box.csv", index=False, float_format="%.6g")
        box.trajectory.to_csv(tmp / "trajectory.csv", index=False, float_format="%.6g")
        summary = {"question": question.text(baseline is not None), "sweep": str(sweep),
                   "baseline_sweep": str(baseline) if baseline else None, "futures": len(table),
                   "breaking": int(table.breaks.sum()), "coverage": box.coverage, "density": box.density,
                   "mass": box.mass, "box": box.limits.to_dict("records"), "seconds": round(seconds, 2)}
        (tmp / "discovery.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        rows = "".join(f"<tr><td><code>{html.escape(r.parameter)}</code></td><td>{r.low:.4g}</td><td>{r.high:.4g}"
                       f"</td><td>{r.full_low:.4g} to {r.full_high:.4g}</td></tr>" for r in box.limits.itertuples())
        page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>migsim: scenario discovery</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head><body>
<h1>Which futures break the policy</h1>
<p>Question: in which futures is {html.escape(summary['question'])}? {summary['breaking']} of {len(table)} futures
({summary['breaking'] / len(table):.0%}) do so.</p>
<h2>PRIM box</h2>
<p>Coverage {box.coverage:.0%} (share of those futures inside the box), density {box.density:.0%} (share of the
futures inside the box that do so), mass {box.mass:.0%} (share of all futures inside the box).</p>
<table><tr><th>parameter</th><th>from</th><th>to</th><th>range swept</th></tr>{rows or
'<tr><td colspan=4>no restriction: the futures that break it are spread over the whole space</td></tr>'}</table>
<p><small>Data: futures.csv (every future's parameters and outcome), box.csv, trajectory.csv (PRIM's peeling
trajectory: each box's coverage and density), discovery.json. Sweep: {html.escape(str(sweep))}{
', against ' + html.escape(str(baseline)) if baseline else ''}; {seconds:.1f} s.</small></p>
</body></html>"""
        (tmp / "discovery.html").write_text(page, encoding="utf-8")
    return out


def cmd_discover(args) -> int:
    started = time.perf_counter()
    if args.absolute and args.baseline_sweep is None:  # without a baseline the outcome is a level, not a change
        raise ScenarioError("--absolute asks for the policy's change in units, which needs a baseline sweep: give "
                            "--against SWEEP, or leave --absolute out (the outcome is then the indicator's level).")
    question = Question(args.indicator, args.group, args.measure, args.above, args.below, not args.absolute)
    table, box, _keys = discover(question, args.sweep, args.baseline_sweep, args.min_density)
    out = write_discovery(args.out, question, args.sweep, args.baseline_sweep, table, box,
                          time.perf_counter() - started)
    limits = "; ".join(f"{r.parameter} in [{r.low:.4g}, {r.high:.4g}]" for r in box.limits.itertuples()) or "none"
    print(f"{int(table.breaks.sum())} of {len(table)} futures: {question.text(args.baseline_sweep is not None)}. "
          f"PRIM box: {limits}; coverage {box.coverage:.0%}, density {box.density:.0%}. "
          f"Report: {out / 'discovery.html'}")
    return 0


def register(sub) -> None:
    """Add `discover` to the `migsim` command."""
    p = sub.add_parser("discover", help="scenario discovery (PRIM): the futures of a sweep in which a policy breaks")
    p.add_argument("sweep", help="sweep folder of the policy (or of the only scenario)")
    p.add_argument("--against", dest="baseline_sweep", metavar="SWEEP",
                   help="sweep folder of the baseline over the same design: the outcome is the policy's change")
    p.add_argument("--indicator", required=True, help="indicator, e.g. stock_kaz_by_status")
    p.add_argument("--group", default="all", help="its group, e.g. irregular (default all)")
    p.add_argument("--measure", default="mean_last_12_months", choices=MEASURES, help="value of each run used")
    p.add_argument("--above", type=float, help="a future breaks the policy when the outcome exceeds this")
    p.add_argument("--below", type=float, help="... or when it falls short of this")
    p.add_argument("--absolute", action="store_true", help="with --against: the change in units, not percent")
    p.add_argument("--min-density", type=float, default=0.8, help="density the reported box must reach (0.8)")
    p.add_argument("--out", required=True, help="report folder (discovery.html, box.csv, futures.csv)")
    p.add_argument("--force", action="store_true", help="replace an earlier migsim report in the --out folder")
    p.set_defaults(func=cmd_discover)

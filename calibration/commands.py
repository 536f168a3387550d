"""Calibration commands of the CLI (calibrate, sensitivity, validate).

Each parses its arguments and calls the same functions a notebook would (`fit`,
`report`, `sensitivity`); bad input raises a `MigsimError` subclass, which the CLI
turns into a message and a non-zero exit.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path

DEFAULT_OUT = Path("results") / "calibration"


def _window(args, targets=None):
    from simulation.errors import ScenarioError
    from simulation.scenario import month_index

    from .simulate import Window

    start, end = args.start, args.end
    if targets is not None and (start is None or end is None):
        from .targets import months_needed

        first, last = months_needed(targets[targets.modelled])
        start = start or f"{max(int(first[:4]), 2010)}-01"
        end = end or last
    window = Window(start=start or Window.start, end=end or Window.end, agents=args.agents, burn_in=args.burn_in)
    for flag, value in (("--start", window.start), ("--end", window.end)):
        try:
            month_index(value)
        except ValueError:
            raise ScenarioError(f"{flag} {value!r} is not a month written YYYY-MM.") from None
    if month_index(window.end) < month_index(window.start):
        raise ScenarioError(f"--end {window.end} is before --start {window.start}.")
    if window.agents < 100:
        raise ScenarioError(f"--agents {window.agents} is too few; give at least 100.")
    if window.burn_in < 0:
        raise ScenarioError(f"--burn-in {window.burn_in} must be at least 0.")
    return window


HISTORY = "historical_replay.toml"


def _scenario(path, window=None):
    """The scenario given, or the historical replay: the targets' years hold its dated shocks
    (2015 devaluation, 2020 closure, 2022 sanctions, the published quotas). With a window, its
    events are checked against the window's months before any run starts."""
    from simulation.scenario import baseline_path, load_scenario

    scenario = load_scenario(path or baseline_path().with_name(HISTORY))
    if window is not None:
        window.apply(scenario)  # a scenario checks its events against its (the window's) months
    return scenario


def _positive(args, *names):
    from simulation.errors import ScenarioError

    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ScenarioError(f"--{name.replace('_', '-')} {value} must be at least 1.")


def _add_window_args(p, agents: int, start=None, end=None) -> None:
    p.add_argument("--agents", type=int, default=agents, help=f"worker agents per run (default {agents:,})")
    p.add_argument("--start", default=start, help="first simulated month (default: %(default)s)")
    p.add_argument("--end", default=end, help="last simulated month (default: %(default)s)")
    p.add_argument("--burn-in", type=int, default=36, help="burn-in months before --start (default 36)")
    p.add_argument("--seed", type=int, default=20260101, help="seed of the calibration (default %(default)s)")


# --- calibrate -------------------------------------------------------------------------------
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


def _point_words(polished: bool) -> str:
    return ("the best of the ABC-SMC posterior's weighted medians, its closest particle and the values before, "
            "refined by a compass search on the band excess" if polished else "weighted posterior medians")


def calibrated_toml(values: dict[str, float], base, out_folder: Path, description: str, polished: bool = False) -> str:
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
            f"# World Bank series? Written by `migsim calibrate` ({_point_words(polished)}).\n"
            "# A scenario uses it with: extends = \"<path to this file>\".\n")
    return head + tomli_w.dumps(nested)


def parameters_toml(values: dict[str, float], description: str, polished: bool = False) -> str:
    """The calibrated values alone: what `simulation/data/calibrated.toml` holds."""
    import tomli_w

    head = (f"# The uncertain parameters as calibrated by `migsim calibrate`: {_point_words(polished)}.\n"
            f"# {description}\n"
            "# Copied to simulation/data/calibrated.toml, these values become the defaults of their parameters\n"
            "# (simulation/parameters.py), so the baseline and every scenario start from this calibration.\n")
    return head + tomli_w.dumps(_nested(values))


def cmd_calibrate(args) -> int:
    from .fit import FitSettings, check_history, make_client, quiet_pyabc, run_abc
    from .polish import PointExcess, polish
    from .report import atomic_dir, evaluate, write_report
    from .space import SPACE
    from .targets import load_targets

    _positive(args, "particles", "generations", "workers", "report_reps", "polish_reps", "polish_agents")
    from simulation.errors import ScenarioError

    if args.max_minutes <= 0:
        raise ScenarioError(f"--max-minutes {args.max_minutes:g} must be above 0.")
    if args.polish_minutes < 0:
        raise ScenarioError(f"--polish-minutes {args.polish_minutes:g} must be 0 (no polish) or more.")
    targets = load_targets(args.targets)
    window = _window(args)
    base = _scenario(args.scenario, window)
    out = Path(args.out)
    settings = FitSettings(particles=args.particles, generations=args.generations, window=window, seed=args.seed,
                           workers=args.workers, scheduler=args.scheduler, max_minutes=args.max_minutes)
    quiet_pyabc()
    say = (lambda *a: None) if args.quiet else print
    say(f"calibrating {len(SPACE)} parameters against {int(targets.fitted.sum())} fitted targets: "
        f"{args.particles} particles, {args.generations} generations, {window.agents:,} agents, "
        f"{window.start}..{window.end}; history in {out / 'history.db'}")
    started = time.perf_counter()
    check_history(out / "history.db", args.resume)
    client, cluster = make_client(args.workers, args.scheduler)
    try:
        result = run_abc(base, targets, settings, out / "history.db", resume=args.resume, client=client, progress=say)
        say(f"ABC-SMC: {len(result.generations)} generation(s), {result.evaluations} model runs, "
            f"final epsilon {result.generations.epsilon.iloc[-1]:.3f}")
        point, polished = result.calibrated, None
        if args.polish_minutes > 0:
            closest = result.posterior.loc[result.posterior.distance.idxmin(), [p.key for p in SPACE]].to_dict()
            seeds = [args.seed + 2000 + i for i in range(args.polish_reps)]
            polish_window = dataclasses.replace(window, agents=args.polish_agents)
            # the scenario's own values start too: a new calibration does not end worse than the defaults
            current = {p.key: min(max(float(base[p.key]), p.low), p.high) for p in SPACE}
            polished = polish([result.calibrated, closest, current], PointExcess(base, targets, polish_window, seeds, client),
                              args.polish_minutes, say=say)
            point = polished.values
            say(f"polish: band excess {polished.start_excess:.3f} -> {polished.excess:.3f} in {len(polished.trace)} "
                f"move(s), {polished.evaluations} model runs")
        calibrated = base.with_values(**{k.replace(".", "__"): v for k, v in point.items()})
        seeds = [args.seed + 1000 + i for i in range(args.report_reps)]
        fit, series = evaluate(calibrated, targets, window, seeds, client)
        base_fit, base_series = evaluate(base, targets, window, seeds, client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    from .report import add_gravity

    fit = add_gravity(fit, targets)
    base_fit = add_gravity(base_fit, targets)
    with atomic_dir(out / "fit") as tmp:
        result.posterior.to_csv(tmp / "posterior.csv", index=False, float_format="%.6g")
        result.generations.to_csv(tmp / "generations.csv", index=False, float_format="%.6g")
        how = (f"ABC-SMC ({args.particles} particles, {len(result.generations)} generations, {window.agents:,} agents)"
               + (f", then a compass search ({polished.evaluations} runs, band excess {polished.start_excess:.3f} -> "
                  f"{polished.excess:.3f})" if polished is not None else ""))
        (tmp / "calibrated.toml").write_text(calibrated_toml(
            point, base, out / "fit", f"{base.name} with {len(SPACE)} uncertain parameters calibrated by {how}",
            polished=polished is not None), encoding="utf-8")
        (tmp / "parameters.toml").write_text(parameters_toml(
            point, f"Calibration of '{base.name}': {len(SPACE)} parameters, {how}, {window.start}..{window.end}.",
            polished=polished is not None), encoding="utf-8")
        if polished is not None:
            polished.trace.to_csv(tmp / "polish.csv", index=False, float_format="%.6g")
        base_fit.to_csv(tmp / "fit_targets_defaults.csv", index=False, float_format="%.6g")
        s = write_report(tmp, f"migsim calibration of '{base.name}'", fit, series, targets,
                         posterior=result.posterior, space=SPACE, generations=result.generations,
                         baseline_fit=base_fit, baseline_series=base_series, calibrated=point,
                         polish_trace=polished.trace if polished is not None else None,
                         notes=[f"Evaluated with {args.report_reps} seed(s) at {window.agents:,} agents over "
                                f"{window.start}..{window.end}; the simulated value is the median over seeds.",
                                f"Calibrated point: {_point_words(polished is not None)}."])
        s.update(model_runs=result.evaluations + (polished.evaluations if polished is not None else 0),
                 wall_seconds=round(time.perf_counter() - started, 1),
                 particles=args.particles, generations=len(result.generations), agents=window.agents,
                 window=[window.start, window.end])
        (tmp / "summary.json").write_text(json.dumps(s, indent=2), encoding="utf-8")
    say(f"{s['fitted_inside']} of {s['fitted_evaluated']} fitted targets inside their band; MARD "
        f"{s['mard_fitted']:.3f}; {time.perf_counter() - started:.0f} s. Report: {out / 'fit' / 'report.html'}; "
        f"calibrated scenario: {out / 'fit' / 'calibrated.toml'}")
    return 0


# --- validate --------------------------------------------------------------------------------
def cmd_validate(args) -> int:
    from .report import add_gravity, atomic_dir, evaluate, summary, write_report
    from .targets import load_targets

    _positive(args, "reps")
    targets = load_targets(args.targets_file)
    window = _window(args, targets)
    scenario = _scenario(args.params, window)
    seeds = [args.seed + i for i in range(args.reps)]
    fit, series = evaluate(scenario, targets, window, seeds)
    fit = add_gravity(fit, targets)
    shown = fit[fit.modelled]
    print(f"{'id':32} {'observed':>14} {'band':>29} {'simulated':>14} {'rel.diff':>9}  status")
    for r in shown.itertuples():
        band = r.condition if r.kind == "pattern" else f"{r.low:,.3g}..{r.high:,.3g}"
        rel = f"{r.rel_diff:+.2f}" if r.rel_diff == r.rel_diff else ""
        print(f"{r.id[:32]:32} {r.observed:14,.4g} {band:>29} {r.simulated:14,.4g} {rel:>9}  {r.status}")
    s = summary(fit)
    print(f"\n{s['inside']} of {s['evaluated']} evaluated targets inside their band "
          f"({s['fitted_inside']} of {s['fitted_evaluated']} with weight > 0); MARD (weight > 0) "
          f"{s['mard_fitted']:.3f}; {len(fit) - s['modelled']} not modelled; "
          f"{s['patterns_hold']} of {s['patterns_evaluated']} qualitative patterns hold.")
    if args.out:
        with atomic_dir(Path(args.out)) as tmp:
            s = write_report(tmp, f"migsim validation of '{scenario.name}' against {Path(args.targets_file).name}",
                             fit, series, targets)
            (tmp / "summary.json").write_text(json.dumps(s, indent=2), encoding="utf-8")
        print(f"report written to {args.out}/ (fit_targets.csv, fit_series.csv, report.html)")
    return 0


# --- sensitivity -----------------------------------------------------------------------------
def cmd_sensitivity(args) -> int:
    from .report import atomic_dir
    from .sensitivity import plot_indices, run_sensitivity
    from .targets import load_targets

    _positive(args, "samples", "jobs")
    window = _window(args)
    scenario = _scenario(args.scenario, window)
    targets = load_targets(args.targets)
    last = [0]

    def progress(done, total):
        if not args.quiet and (done == total or done - last[0] >= max(1, total // 10)):
            last[0] = done
            print(f"  {done}/{total} runs")

    indices, runs = run_sensitivity(scenario, args.method, args.samples, window, args.seed, args.jobs, targets,
                                    progress=progress)
    out = Path(args.out or Path("results") / f"sensitivity-{args.method}")
    with atomic_dir(out) as tmp:
        indices.to_csv(tmp / "indices.csv", index=False, float_format="%.6g")
        runs.to_csv(tmp / "runs.csv", index=False, float_format="%.6g")
        fig = plot_indices(indices, args.method)
        fig.savefig(tmp / "sensitivity.png", dpi=110, bbox_inches="tight")
    measure = "mu_star" if args.method == "morris" else "ST"
    top = indices.sort_values(measure, ascending=False).groupby("output").head(2)
    for r in top.sort_values(["output", measure], ascending=[True, False]).itertuples():
        print(f"  {r.output:36} {r.parameter:36} {measure} = {getattr(r, measure):.3g}")
    print(f"{len(runs)} runs; table and plot written to {out}/ (indices.csv, runs.csv, sensitivity.png)")
    return 0


def register(subparsers) -> None:
    """Add the calibration commands to the CLI."""
    from .space import SPACE

    p = subparsers.add_parser("calibrate", help="fit the uncertain parameters to the targets (ABC-SMC)")
    p.add_argument("--particles", type=int, default=80, help="particles per generation (default 80)")
    p.add_argument("--generations", type=int, default=8, help="ABC-SMC generations in all (default 8; --max-minutes stops earlier)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="process workers of the local cluster (default 2)")
    p.add_argument("--resume", action="store_true", help="continue the calibration whose history is in --out")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="folder for history.db and fit/ (default %(default)s)")
    p.add_argument("--targets", help="targets file (default: calibration/targets.csv)")
    p.add_argument("--scenario", help="scenario to calibrate (default: scenarios/historical_replay.toml)")
    p.add_argument("--max-minutes", type=float, default=30.0,
                   help="time limit for the ABC-SMC sampling: a generation unfinished by then is dropped and "
                        "the calibration uses the ones before it (default 30; the polish and report follow)")
    p.add_argument("--polish-minutes", type=float, default=20.0,
                   help="time for the compass search that refines the calibrated point after ABC-SMC "
                        "(default 20; 0: the weighted posterior medians as they are)")
    p.add_argument("--polish-reps", type=int, default=2,
                   help="seeds per point in the compass search (default 2)")
    p.add_argument("--polish-agents", type=int, default=30_000,
                   help="worker agents per run in the compass search (default 30,000: less noise than the "
                        "sampling's --agents, so a move is kept for its parameters rather than its draws)")
    p.add_argument("--report-reps", type=int, default=3, help="seeds for the fit report (default 3)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_window_args(p, 10_000, "2010-01", "2024-01")
    p.set_defaults(func=cmd_calibrate)

    p = subparsers.add_parser("validate", help="compare a file of observed values with a model run")
    p.add_argument("targets_file", help="CSV in the format of calibration/targets.csv")
    p.add_argument("--params", help="scenario to run, e.g. results/calibration/fit/calibrated.toml "
                                    "(default: scenarios/historical_replay.toml)")
    p.add_argument("--reps", type=int, default=1, help="seeds; the simulated value is their median (default 1)")
    p.add_argument("--out", help="also write fit_targets.csv, fit_series.csv and report.html here")
    _add_window_args(p, 10_000)
    p.set_defaults(func=cmd_validate)

    p = subparsers.add_parser("sensitivity", help="global sensitivity of headline indicators (SALib)")
    p.add_argument("--method", choices=("sobol", "morris"), default="morris", help="default morris")
    p.add_argument("--samples", type=int, default=4,
                   help=f"Morris trajectories r, r (k + 1) runs, or Sobol base samples N, N (k + 2) runs, for the "
                        f"k = {len(SPACE)} calibrated parameters (default 4: {4 * (len(SPACE) + 1)} Morris runs)")
    p.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    p.add_argument("--out", help="results folder (default results/sensitivity-METHOD)")
    p.add_argument("--targets", help="targets file for the distance output (default: calibration/targets.csv)")
    p.add_argument("--scenario", help="scenario (default: scenarios/historical_replay.toml)")
    p.add_argument("--quiet", action="store_true")
    _add_window_args(p, 5_000, "2015-01", "2023-12")  # from the historical replay's first event
    p.set_defaults(func=cmd_sensitivity)

"""Calibration commands of the CLI (calibrate, sensitivity, validate).

Each parses its arguments and calls the same functions a notebook would (`fit`,
`report`, `sensitivity`); bad input raises a `MigsimError` subclass, which the CLI
turns into a message and a non-zero exit.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from simulation.parameters import PARAMETERS

DEFAULT_OUT = Path("results") / "calibration"


def _enough_points(args) -> None:
    """The first wave's emulators fit a trend in every parameter: they need more points than parameters."""
    from simulation.errors import ScenarioError

    from .space import SPACE

    if args.first_wave is not None and args.first_wave <= len(SPACE):
        raise ScenarioError(f"--first-wave {args.first_wave}: the first wave needs more points than the {len(SPACE)} "
                            f"calibrated parameters (at least {len(SPACE) + 1}; the method asks about 10 per "
                            f"parameter, the default {10 * len(SPACE)}).")


def _window(args, targets=None, scenario=None):
    """The months, agents and burn-in to simulate. Without --start, the targets' first year, but
    never after the scenario's own run.start: its dated events from that month on then all lie
    inside the window (a targets file of 2023 alone would otherwise start after the 2015 events)."""
    from simulation.errors import ScenarioError
    from simulation.scenario import month_index

    from .simulate import Window

    start, end = args.start, args.end
    if targets is not None and (start is None or end is None):
        from .targets import months_needed

        first, last = months_needed(targets[targets.modelled], getattr(args, "targets_file", None))
        start = start or f"{max(int(first[:4]), 2010)}-01"
        if scenario is not None and args.start is None and month_index(scenario["run.start"]) < month_index(start):
            start = scenario["run.start"]
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
    from simulation.errors import ScenarioError
    from simulation.scenario import baseline_path, load_scenario

    scenario = load_scenario(path or baseline_path().with_name(HISTORY))
    if window is not None:
        try:
            window.apply(scenario)  # a scenario checks its events against its (the window's) months
        except ScenarioError as exc:  # a window value out of range: named by its option, not as "(override)"
            text = str(exc)
            flag = next((f for k, f in WINDOW_FLAGS.items() if k in text), "--start/--end/--burn-in/--agents")
            raise ScenarioError(text.replace("(override)", flag)) from None
    return scenario


WINDOW_FLAGS = {"run.start": "--start", "run.end": "--end", "run.burn_in_months": "--burn-in", "run.agents": "--agents"}


# Agents of a fit report (`validate`, `calibrate`'s report). The simulated surveys interview every
# migrant present in the surveyed places; at 100,000 agents that is about 1,500 and 3,200 people
# for IOM 2022 and IOM 2023 (2,000 and 1,129 were interviewed), at 10,000 about 170 and 330, whose
# sampling error alone (about +-0.04 on a share) is wider than a survey share's band. A fit judged
# at 10,000 agents counts the simulation's noise as misfit.
REPORT_AGENTS = 100_000


def _positive(args, *names):
    from simulation.errors import ScenarioError

    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ScenarioError(f"--{name.replace('_', '-')} {value} must be at least 1.")


def _minutes(args) -> None:
    """--max-minutes must be above 0; written so that nan (which float() reads) is refused too."""
    from simulation.errors import ScenarioError

    if not args.max_minutes > 0:
        raise ScenarioError(f"--max-minutes {args.max_minutes:g} must be a number above 0 (e.g. 30).")


def _add_window_args(p, agents: int, start=None, end=None) -> None:
    p.add_argument("--agents", type=int, default=agents, help=f"worker agents per run (default {agents:,})")
    p.add_argument("--start", default=start, help="first simulated month (default: %(default)s)")
    p.add_argument("--end", default=end, help="last simulated month (default: %(default)s)")
    burn_in = PARAMETERS["run.burn_in_months"].default  # as a scenario's run: the stocks near equilibrium
    p.add_argument("--burn-in", type=int, default=burn_in, help=f"burn-in months before --start (default {burn_in})")
    p.add_argument("--seed", type=int, default=20260101, help="seed of the calibration (default %(default)s)")


# --- calibrate -------------------------------------------------------------------------------
def cmd_calibrate(args) -> int:
    from simulation.errors import ScenarioError
    from simulation.outdir import claimed
    from simulation.safety import check_memory
    from simulation.sweep import check_scheduler_address

    from .fit import make_client
    from .pipeline import CalibrationSettings, calibrate, check_resume
    from .posterior import PosteriorSettings
    from .report import add_gravity, atomic_dir, evaluate
    from .results import write_calibration
    from .space import SPACE
    from .targets import DEFAULT_TARGETS, load_targets

    _positive(args, "workers", "report_reps", "report_agents", "reps", "waves", "first_wave", "wave_runs")
    _enough_points(args)
    if args.reps < 2:
        raise ScenarioError(f"--reps {args.reps}: history matching needs at least 2 seeds per point "
                            "(the model's own variance comes from them).")
    _minutes(args)
    for flag in ("check_runs", "recovery"):
        if getattr(args, flag) < 0:
            raise ScenarioError(f"--{flag.replace('_', '-')} {getattr(args, flag)} must be 0 or more.")
    check_scheduler_address(args.scheduler)  # a wrong address is said now, not after the checks and set-up
    targets = load_targets(args.targets)
    window = _window(args)
    _check_window_has_targets(targets, window, args.targets or DEFAULT_TARGETS, fitted=True)
    base = _scenario(args.scenario, window)
    # The fit report runs last, after the whole calibration: its agents are checked now, as --agents are.
    if args.report_agents < 100:
        raise ScenarioError(f"--report-agents {args.report_agents} is too few; give at least 100.")
    try:
        check_memory(args.report_agents, args.workers, flag="--workers")
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("--agents", "--report-agents", 1)) from None
    out = Path(args.out)
    settings = CalibrationSettings(
        window=window,
        hm=dataclasses.replace(CalibrationSettings().hm, first_wave=args.first_wave,
                               wave_runs=args.wave_runs or 5 * len(SPACE),
                               reps=args.reps, max_waves=args.waves, max_minutes=args.max_minutes, seed=args.seed),
        posterior=PosteriorSettings(seed=args.seed), report_reps=args.report_reps, check_runs=args.check_runs,
        recovery_sets=args.recovery)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    _refuse_replacing(out, "fit", args, resumable=True)
    if args.resume:  # before a cluster starts: a wrong folder is said at once
        check_resume(out / "history", settings.identity(base, targets, SPACE), list(targets[targets.fitted].id))
    started = time.perf_counter()
    client, cluster = make_client(args.workers, args.scheduler)
    try:
        with claimed(out, "calibration"):
            cal = calibrate(base, targets, settings, out / "history", client=client, resume=args.resume, say=say)
        calibrated = base.with_values(**{k.replace(".", "__"): v for k, v in cal.point.items()})
        seeds = [args.seed + 1000 + i for i in range(args.report_reps)]
        report_window = dataclasses.replace(window, agents=args.report_agents)
        say(f"report: the calibrated point with {len(seeds)} seeds at {report_window.agents:,} agents")
        fit, series = evaluate(calibrated, targets, report_window, seeds, client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    fit = add_gravity(fit, targets)
    description = (f"{base.name}: {len(SPACE)} parameters, history matching ({len(cal.hm.waves)} waves, "
                   f"{cal.runs:,} model runs at {window.agents:,} agents, {window.start}..{window.end}, seed "
                   f"{args.seed}), then MCMC on the emulators.")
    with atomic_dir(out / "fit") as tmp:
        s = write_calibration(tmp, cal, base, out / "fit", fit, series, targets, description, notes=[
            f"Evaluated with {len(seeds)} seed(s) at {report_window.agents:,} agents over {window.start}..{window.end}; "
            "the simulated value is the median over seeds.", f"Calibrated point: {description}"])
    say(f"{s['fitted_inside']} of {s['fitted_evaluated']} fitted targets inside their band at the calibrated "
        f"point; MARD {s['mard_fitted']:.3f}; {time.perf_counter() - started:.0f} s. Report: "
        f"{out / 'fit' / 'report.html'}; calibrated scenario: {out / 'fit' / 'calibrated.toml'}; posterior "
        f"draws for `migsim run --posterior`: {out / 'fit' / 'posterior.csv'}")
    return 0


def _refuse_replacing(out: Path, finished: str, args, resumable: bool) -> None:
    """A finished calibration or hindcast in --out is replaced only with --force, as every
    command's earlier results are (a second run into the same folder silently replaced it)."""
    from simulation.errors import OutputError

    if (out / finished).exists() and not args.force and not (resumable and args.resume):
        more = "add --resume to continue it with more waves, " if resumable else ""
        raise OutputError(f"--out {out}: holds the results of an earlier `migsim {args.command}` ({out / finished}); "
                          f"{more}--force to replace them, or choose another --out.")


# --- hindcast --------------------------------------------------------------------------------
def cmd_hindcast(args) -> int:
    from simulation.errors import ScenarioError
    from simulation.outdir import claimed
    from simulation.scenario import month_index
    from simulation.sweep import check_scheduler_address

    from .fit import make_client
    from .hindcast import check_until, hindcast, write_hindcast
    from .pipeline import CalibrationSettings
    from .posterior import PosteriorSettings
    from .report import atomic_dir
    from .space import SPACE
    from .targets import load_targets

    _positive(args, "workers", "reps", "waves", "first_wave", "wave_runs", "forecast_runs")
    _enough_points(args)
    _minutes(args)
    check_scheduler_address(args.scheduler)
    try:
        month_index(args.until)
    except ValueError:
        raise ScenarioError(f"--until {args.until!r} is not a month written YYYY-MM (e.g. 2019-12).") from None
    if args.reps < 2:
        raise ScenarioError(f"--reps {args.reps}: history matching needs at least 2 seeds per point.")
    targets = load_targets(args.targets)
    window = _window(args)
    check_until(targets, args.until, window)
    base = _scenario(args.scenario, window)
    out = Path(args.out)
    settings = CalibrationSettings(
        window=window,
        hm=dataclasses.replace(CalibrationSettings().hm, first_wave=args.first_wave,
                               wave_runs=args.wave_runs or 5 * len(SPACE), reps=args.reps, max_waves=args.waves,
                               max_minutes=args.max_minutes, seed=args.seed),
        posterior=PosteriorSettings(seed=args.seed))
    _refuse_replacing(out, "forecast", args, resumable=False)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    started = time.perf_counter()
    client, cluster = make_client(args.workers, args.scheduler)
    try:
        with claimed(out, "hindcast"):
            result = hindcast(base, targets, args.until, settings, out / "history", client=client,
                              forecast_runs=args.forecast_runs, say=say)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    with atomic_dir(out / "forecast") as tmp:
        write_hindcast(tmp, result, f"migsim hindcast of '{base.name}' from {args.until}")

    def against(row, name: str, base: str) -> str:
        if not getattr(row, f"n_{base}"):
            return f"no {name} to compare with"
        return (f"against {name} ({getattr(row, f'n_{base}')}): {getattr(row, f'mard_model_vs_{base}'):.3f} vs "
                f"{getattr(row, f'mard_{base}'):.3f} (medians {getattr(row, f'median_model_vs_{base}'):.3f} vs "
                f"{getattr(row, f'median_{base}'):.3f})")

    for row in result.skill.itertuples():
        say(f"  {row.group}: {row.targets} targets, MARD model {row.mard_model:.3f}; "
            f"{against(row, 'last value', 'carried_forward')}; {against(row, 'gravity', 'gravity')}")
    say(f"{time.perf_counter() - started:.0f} s; report: {out / 'forecast' / 'report.html'}")
    return 0


# --- validate --------------------------------------------------------------------------------
def _check_window_has_targets(targets, window, path, fitted: bool = False) -> None:
    """Refuse a window in which no modelled target can be evaluated: its report would say '0 of 0'
    (`fitted`: no fitted target, which a calibration would have nothing to match).
    A series needs all its months simulated; a survey at least one of its fieldwork months."""
    from simulation.errors import ScenarioError

    from .targets import months_needed

    modelled = targets[targets.fitted if fitted else targets.modelled]
    if modelled.empty:
        raise ScenarioError(f"{path or 'the targets file'}: no target is fitted (a statistic the model computes and a "
                            "weight above 0), so a calibration has nothing to match; give some a weight above 0.")
    if any(window.holds(stat) for stat in modelled.stat):
        return
    first, last = months_needed(modelled)
    raise ScenarioError(f"--start {window.start} --end {window.end}: no {'fitted ' if fitted else ''}target of "
                        f"{path or 'the targets file'} falls in this window; the{' fitted' if fitted else ''} targets "
                        f"need months from {first} to {last}. Give a window covering some of them"
                        + ("." if fitted else ", or leave --start and --end out."))


def cmd_validate(args) -> int:
    from .report import add_gravity, atomic_dir, evaluate, json_text, summary, summary_figure, write_report
    from .targets import load_targets

    _positive(args, "reps")
    targets = load_targets(args.targets_file)
    window = _window(args, targets, _scenario(args.params))
    _check_window_has_targets(targets, window, args.targets_file)
    scenario = _scenario(args.params, window)
    seeds = [args.seed + i for i in range(args.reps)]
    # The window follows the targets file (its first year, from 2010) unless --start/--end say: said here
    # and kept in summary.json, since the same target can come out a little differently in another window.
    run = {"scenario": scenario.name, "start": window.start, "end": window.end, "burn_in_months": window.burn_in,
           "agents": window.agents, "seeds": seeds}
    print(f"validate: '{scenario.name}' from {window.start} to {window.end} after a {window.burn_in}-month spin-up, "
          f"{window.agents:,} agents, seed(s) {', '.join(map(str, seeds))}")
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
          f"{summary_figure(s['mard_fitted'])}; {len(fit) - s['modelled']} not modelled; "
          f"{s['patterns_hold']} of {s['patterns_evaluated']} qualitative patterns hold.")
    if args.out:
        with atomic_dir(Path(args.out)) as tmp:
            s = write_report(tmp, f"migsim validation of '{scenario.name}' against {Path(args.targets_file).name}",
                             fit, series, targets)
            (tmp / "summary.json").write_text(json_text({**s, "run": run}), encoding="utf-8")
        written = sorted(p.name for p in Path(args.out).iterdir() if not p.name.startswith("."))
        print(f"report written to {args.out}/ ({', '.join(written)})")  # the plots only where there is something to plot
    return 0


# --- sensitivity -----------------------------------------------------------------------------
def _sensitivity_runs(args) -> None:
    """Refuse more runs than a sweep takes: a huge --samples would fill the memory with its design."""
    from simulation.errors import ScenarioError
    from simulation.sweep import MAX_RUNS

    from .space import SPACE

    runs = args.samples * (len(SPACE) + (1 if args.method == "morris" else 2))
    if runs > MAX_RUNS:
        raise ScenarioError(f"--samples {args.samples:,}: {args.method} would make {runs:,} model runs, more than "
                            f"migsim takes (at most {MAX_RUNS:,}); give a smaller --samples.")


def cmd_sensitivity(args) -> int:
    import warnings

    from .report import atomic_dir
    from .sensitivity import plot_indices, run_sensitivity
    from .targets import load_targets

    _positive(args, "samples", "jobs")
    _sensitivity_runs(args)
    window = _window(args)
    scenario = _scenario(args.scenario, window)
    targets = load_targets(args.targets)
    last = [0]

    def progress(done, total):
        if not args.quiet and (done == total or done - last[0] >= max(1, total // 10)):
            last[0] = done
            print(f"  {done}/{total} runs")

    with warnings.catch_warnings():  # one trajectory: the spread of its single effect (sigma) is undefined, said below
        if args.method == "morris" and args.samples < 2:
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy's variance of one value
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
    if args.method == "morris" and args.samples < 2:
        print("note: with one trajectory each parameter has one elementary effect: mu* is that effect, and sigma "
              "(their spread) cannot be estimated; give --samples 4 or more.")
    if args.method == "sobol" and "ST_conf" in indices and ((indices.ST > 1.05) | (indices.ST_conf > indices.ST.abs())).any():
        print(f"note: with --samples {args.samples} the Sobol indices have not settled (some total-order indices "
              "above 1, or confidence intervals wider than the index): give more samples (e.g. 256 or more).")
    return 0


def register(subparsers) -> None:
    """Add the calibration commands to the CLI."""
    from .space import SPACE

    p = subparsers.add_parser("calibrate", help="history-match the uncertain parameters to the targets, then "
                                                "sample their posterior (MCMC on emulators)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="process workers of the local cluster (default 2)")
    p.add_argument("--resume", action="store_true",
                   help="continue the calibration whose history is in --out after its last finished wave "
                        "(refused if the scenario, targets, agents, window or space differ)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="folder for history/ and fit/ (default %(default)s)")
    p.add_argument("--targets", help="targets file (default: calibration/targets.csv)")
    p.add_argument("--scenario", help="scenario to calibrate (default: scenarios/historical_replay.toml)")
    p.add_argument("--max-minutes", type=float, default=30.0,
                   help="no new history-matching wave starts after this many minutes (default 30; the posterior, "
                        "checks and report follow)")
    # Six: with three, the third wave still removed 60% of the region; waves four to six each remove
    # about half of what is left (0.079, 0.034, 0.013, 0.006, 0.003, 0.0015 of the space), 15 minutes
    # on two cores. The region shrinking by under 15% in a wave stops them earlier.
    p.add_argument("--waves", type=int, default=6, help="history-matching waves at most (default 6)")
    p.add_argument("--first-wave", type=int, default=None,
                   help=f"model runs (points) in the first wave (default 10 per parameter: {10 * len(SPACE)})")
    p.add_argument("--wave-runs", type=int, default=None,
                   help=f"points in each later wave (default 5 per parameter: {5 * len(SPACE)})")
    p.add_argument("--reps", type=int, default=2, help="seeds per point, for the model's own variance (default 2)")
    p.add_argument("--check-runs", type=int, default=50,
                   help="model runs at posterior draws for the predictive check (default 50)")
    p.add_argument("--recovery", type=int, default=20,
                   help="synthetic data sets of the recovery study (default 20; 0: none)")
    p.add_argument("--force", action="store_true", help="replace a finished calibration in --out (its fit/ and history/)")
    p.add_argument("--report-reps", type=int, default=3, help="seeds for the fit report (default 3)")
    p.add_argument("--report-agents", type=int, default=REPORT_AGENTS,
                   help=f"agents of the fit report's runs (default {REPORT_AGENTS:,}: the simulated surveys then "
                        "interview about as many migrants as the real ones)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_window_args(p, 10_000, "2010-01", "2024-01")
    p.set_defaults(func=cmd_calibrate)

    p = subparsers.add_parser("hindcast", help="calibrate on the targets up to a date, forecast the later ones "
                                               "and score the forecast against two baselines")
    p.add_argument("--until", required=True, help="last month whose figures are matched, e.g. 2019-12")
    p.add_argument("--out", default=str(Path("results") / "hindcast"), help="folder (default %(default)s)")
    p.add_argument("--targets", help="targets file (default: calibration/targets.csv)")
    p.add_argument("--scenario", help="scenario (default: scenarios/historical_replay.toml)")
    p.add_argument("--scheduler", help="address of a Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, default=2, help="process workers of the local cluster (default 2)")
    p.add_argument("--waves", type=int, default=2, help="history-matching waves at most (default 2)")
    p.add_argument("--first-wave", type=int, default=None,
                   help=f"points in the first wave (default 10 per parameter: {10 * len(SPACE)})")
    p.add_argument("--wave-runs", type=int, default=None,
                   help=f"points in each later wave (default 5 per parameter: {5 * len(SPACE)})")
    p.add_argument("--reps", type=int, default=2, help="seeds per point (default 2)")
    p.add_argument("--max-minutes", type=float, default=30.0, help="no new wave starts after this (default 30)")
    p.add_argument("--forecast-runs", type=int, default=30, help="model runs at posterior draws (default 30)")
    p.add_argument("--force", action="store_true", help="replace a finished hindcast in --out")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    _add_window_args(p, 10_000, "2010-01", "2024-01")
    p.set_defaults(func=cmd_hindcast)

    p = subparsers.add_parser("validate", help="compare a file of observed values with a model run")
    p.add_argument("targets_file", help="CSV in the format of calibration/targets.csv")
    p.add_argument("--params", help="scenario to run, e.g. results/calibration/fit/calibrated.toml "
                                    "(default: scenarios/historical_replay.toml)")
    p.add_argument("--reps", type=int, default=1, help="seeds; the simulated value is their median (default 1)")
    p.add_argument("--out", help="also write the report here: report.html, fit_targets.csv, fit_series.csv, "
                        "survey_rounds.csv, targets.png, series.png and summary.json")
    _add_window_args(p, REPORT_AGENTS)
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

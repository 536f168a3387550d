"""The `migsim` command: a thin layer over the Python API.

It parses arguments, calls the same functions a notebook would, and turns every
`MigsimError` into a one-paragraph message and a non-zero exit code, never a
traceback: 2 for bad input (arguments, scenario and targets files, output folders,
all checked before anything runs), 1 for a failure while running.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .errors import DataError, MigsimError, OutputError, ScenarioError, interrupted
from .i18n import language_option
from .outdir import check_apart, check_names, check_out, expand_out, set_command

# Each command imports what it needs when it runs (imports inside functions), so that
# `migsim check` or `migsim params` answer at once, without loading the model's
# compiled kernels, Dask or matplotlib.

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1
EPILOG = """exit status: 0 done; 2 bad input (an argument, a scenario or targets file, an output folder:
refused with a one-line message before anything runs); 1 a failure while running (e.g. a
Dask scheduler out of reach, or runs of a sweep that failed); 130 interrupted.

output folders: a command replaces its --out folder whole, only once it has finished.
migsim marks the folders it writes (a .migsim-results file) and never writes into a
non-empty folder without that mark; it replaces its own earlier results only with --force, and
never a folder holding a file it did not write there, another command's output, or the command's input."""

# Commands that replace one output folder whole: (folder when --out is not given, what it holds).
# The folder is checked before anything runs; `run` checks its own, which depends on the scenario.
OUT_FOLDERS = {
    "compare": (None, "report"),
    "validate": (None, "report"),
    "sensitivity": (lambda args: Path("results") / f"sensitivity-{args.method}", "results"),
    "discover": (None, "report"),
}


def _scenario_with_overrides(path: str, args) -> "Scenario":  # noqa: F821
    from .scenario import load_scenario

    scenario = load_scenario(path)
    overrides = {}
    for flag, key in (("seed", "run__seed"), ("agents", "run__agents"), ("reps", "run__reps")):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[key] = value
    try:
        return scenario.with_values(**overrides) if overrides else scenario
    except ScenarioError as exc:
        raise ScenarioError(str(exc).replace("(override)", "command line")) from None


def cmd_check(args) -> int:
    from .scenario import load_scenario, month_index

    scenario = load_scenario(args.scenario)  # validates every key and event
    events = scenario.events
    chain = " <- ".join(p.name for p in reversed(scenario.chain))
    print(f"{args.scenario}: valid scenario '{scenario.name}' ({chain}); "
          f"{scenario['run.start']} to {scenario['run.end']}, {scenario['run.agents']:,} agents"
          + (f", {len(events)} dated event(s): " + ", ".join(e.kind for e in events) if events else "") + ".")
    end = month_index(scenario["run.end"])
    for ev in events:
        if ev.start > end:
            print(f"  note: {ev.label} (from {Path(ev.source).name}) starts after run.end = "
                  f"{scenario['run.end']}: it does not happen in this run.")
    return 0


def _posterior(args):
    """The posterior the replications draw their calibrated parameters from (None: none)."""
    from .posterior import load_posterior

    return load_posterior(args.posterior)


POSTERIOR_HELP = ("posterior sample the replications draw their calibrated parameters from: 'shipped' (default: "
                  "the repository's calibration, simulation/data/posterior.csv), 'none' (every replication uses "
                  "the scenario's values), or a posterior.csv of your own calibration; replications are then "
                  "draws x seeds, and a single replication uses the calibrated point")


def cmd_run(args) -> int:
    from .outputs import write_results
    from .runner import run
    from .safety import agents_source, check_memory

    scenario = _scenario_with_overrides(args.scenario, args)  # events validated when loaded
    out = check_out(Path("results") / scenario.name if args.out is None else args.out, force=args.force)
    check_apart(out, _inputs(args) + [("the scenario it extends,", p) for p in scenario.chain],
                outputs=[("--save-state", args.save_state[1])] if args.save_state else ())
    check_memory(scenario["run.agents"], min(args.jobs, scenario["run.reps"]), source=agents_source(args, scenario))
    started = time.perf_counter()
    save, restored = _state_options(scenario, args)
    result = run(scenario, jobs=args.jobs, progress=not args.quiet, posterior=_posterior(args), save_state=save,
                 from_state=restored)
    write_results(result, out, plots=not args.no_plots, band=args.band, lang=args.lang)
    if not args.quiet:
        _print_headline(result, out, time.perf_counter() - started)
    return 0


def _state_options(scenario, args):
    """--save-state YYYY-MM FILE and --from-state FILE concern one replication (state.py)."""
    if not (args.save_state or args.from_state):
        return None, None
    if int(scenario["run.reps"]) > 1:
        raise ScenarioError("--save-state and --from-state keep one replication's state: give --reps 1.")
    if args.save_state:
        from .state import check_state_file, check_state_month

        check_state_month(args.save_state[0], scenario)
        check_state_file(args.save_state[1], force=args.force)
    restored = None
    if args.from_state:
        from .state import branch, load_state

        if args.seed is not None or args.agents is not None:
            raise ScenarioError("--from-state: the state fixes the seed and the agents; leave out --seed and --agents.")
        restored = branch(load_state(args.from_state), scenario)
    return (tuple(args.save_state) if args.save_state else None), restored


def _print_headline(result, out: Path, seconds: float) -> None:
    from .outputs import headline

    h = headline(result)
    print(f"\n{result.scenario.name}: {result.agents:,} agents ({result.scale:,.0f} persons each), "
          f"{len(result.seeds)} replication(s), {seconds:.1f} s")

    def med(band, fmt):  # a median that does not exist (e.g. nobody in Kazakhstan) prints as "-"
        value = (band or {}).get("median")
        return "-" if value is None or value != value else format(value, fmt)

    for date in ("2022-12", "2023-12"):
        if date not in h:
            continue
        f = h[date]
        print(f"  {date}: {med(f['foreign_workers_in_kazakhstan'], ',.0f')} foreign workers in Kazakhstan"
              f" ({med(f['origin_shares'].get('UZB'), '.0%')} from Uzbekistan),"
              f" {med(f['share_no_written_contract'], '.0%')} without a contract;"
              f" {med(f['kazakh_citizens_working_abroad'], ',.0f')} Kazakhs working abroad")
    print(f"  results written to {out}/ (timeseries.csv, summary.json, scenario.resolved.toml, *.png)")


def cmd_params(args) -> int:
    from .parameters import PARAMETERS

    rows = [p for p in PARAMETERS.values() if not args.prefix or p.key.startswith(args.prefix)]
    if not rows:
        raise ScenarioError(f"no parameter starts with '{args.prefix}'; tables are "
                            + ", ".join(sorted({k.split('.')[0] for k in PARAMETERS})))
    if args.markdown:
        print(parameters_markdown(rows))
    else:
        for p in rows:
            print(f"{p.key} = {p.default!r}  [{p.unit}; {p.role}; {p.source}]\n    {p.doc}")
    return 0


def parameters_markdown(rows) -> str:
    lines = ["# Parameters", "",
             "Every key a scenario file may set (generated by `migsim params --markdown`). "
             "Roles: *lever* (policy), *uncertainty* (to calibrate), *data* (published or structural), "
             "*run* (settings that do not change the model).", ""]
    table = None
    rows = list(rows)
    first = {}  # each section once, in the order of its first key
    for p in rows:
        first.setdefault(p.key.split(".")[0], len(first))
    for p in sorted(rows, key=lambda p: first[p.key.split(".")[0]]):
        section = p.key.split(".")[0]
        if section != table:
            lines += ["", f"## [{section}]", "", "| key | default | unit | role | source | meaning |",
                      "|---|---|---|---|---|---|"]
            table = section
        allowed = f" ({p.allowed()})"
        lines.append(f"| `{p.key}` | `{p.default!r}` | {p.unit} | {p.role} | {p.source} | {p.doc}{allowed} |")
    return "\n".join(lines) + "\n"


def _load_all(paths: list[str], args) -> list:
    from .scenario import load_with_overrides

    return load_with_overrides(paths, getattr(args, "agents", None))


def cmd_compare(args) -> int:
    from .brief import levers
    from .dates import parse_dates
    from .experiments import check_dates, compare, policy_dates
    from .report import write_comparison
    from .safety import agents_source, check_memory

    base, *alternatives = _load_all([args.base] + args.alternatives, args)
    check_memory(base["run.agents"], min(args.jobs, args.reps), source=agents_source(args, base))
    dates = parse_dates(args.dates)
    check_dates(dates, base)
    started = time.perf_counter()
    comparison = compare(base, alternatives, reps=args.reps, seed=args.seed, jobs=args.jobs,
                         progress=not args.quiet, band=args.band, posterior=_posterior(args),
                         branch=not args.no_branch)
    out = write_comparison(comparison, Path(args.out), dates or policy_dates(comparison), lang=args.lang,
                           levers=levers)
    if not args.quiet:
        print(f"compared {', '.join(s.name for s in alternatives)} with {base.name}: {args.reps} replication(s) each, "
              f"{time.perf_counter() - started:.1f} s; report: {out / 'report.html'}")
    return 0


def cmd_diff(args) -> int:
    from .experiments import scenario_diff
    from .scenario import load_scenario

    a, b = load_scenario(args.a), load_scenario(args.b)
    rows = scenario_diff(a, b)
    if not rows:
        print(f"{args.a} and {args.b} set every parameter and event alike.")
        return 0
    width = max(len(k) for k, _, _ in rows)
    print(f"{'key':<{width}}  {a.name}  ->  {b.name}")
    for key, x, y in rows:
        show = (lambda v: v) if key.startswith("[[events]]") else repr
        print(f"{key:<{width}}  {show(x)}  ->  {show(y)}")
    return 0


def cmd_sweep(args) -> int:
    from .safety import agents_source, check_memory
    from .sweep import check_sweep_folder, parse_vary, sweep

    (scenario,) = _load_all([args.scenario], args)
    out = check_sweep_folder(args.out)
    varies = [parse_vary(v) for v in args.vary or []]
    if args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: give at least 1 worker process.")
    if not varies:
        raise ScenarioError("give at least one --vary KEY=LOW:HIGH:N (e.g. --vary policy.work_permit_quota=10000:60000:6).")
    if args.samples is not None and args.samples < 1:
        raise ScenarioError(f"--samples = {args.samples}: give at least 1 point.")
    if args.reps < 1:
        raise ScenarioError(f"--reps = {args.reps}: give at least 1 replication.")
    if not args.scheduler:
        check_memory(scenario["run.agents"], args.workers, flag="--workers", source=agents_source(args, scenario))

    def progress(done, total, frame):
        if not args.quiet:
            status = frame["status"].iloc[0]
            note = "" if status == "ok" else f" FAILED: {frame['error'].iloc[0]}"
            print(f"  run {done}/{total} (point {frame['point'].iloc[0]}, rep {frame['rep'].iloc[0]}){note}", flush=True)

    summary = sweep(scenario, varies, out, reps=args.reps, samples=args.samples, agents=args.agents,
                    scheduler=args.scheduler, workers=args.workers, progress=progress, posterior=_posterior(args))
    if not args.quiet:
        print(f"sweep of {scenario.name}: {summary.planned} run(s) planned, {summary.skipped} already done, "
              f"{summary.succeeded} succeeded, {summary.failed} failed, {summary.wall_seconds:.1f} s; "
              f"results: {summary.out}/ (read with pandas.read_parquet)")
    return 1 if summary.failed else 0


def cmd_events(args) -> int:
    from .events import KINDS, kinds_markdown

    if args.markdown:
        print(kinds_markdown())
    else:
        for kind in KINDS.values():
            print(f"{kind.name}: {kind.doc}\n    settings: {', '.join(kind.settings)}")
    return 0


def band(text: str) -> tuple[int, int]:
    """--band LOW,HIGH: the percentiles of the band around the median, e.g. 10,90."""
    try:
        low, high = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not two whole percentiles LOW,HIGH (e.g. 10,90)") from None
    if not 0 < low < 50 < high < 100:
        raise argparse.ArgumentTypeError(f"{text!r}: need 0 < LOW < 50 < HIGH < 100 (e.g. 5,95)")
    return low, high


def default_jobs() -> int:
    """Processes for replications: one per four cores, at least one.

    Each replication's compiled kernels already run on every core (numba threads), so on
    2 cores `--jobs 2` is slower than `--jobs 1` (issue measured: two processes fight over
    the same two cores); only a larger machine gains from running replications side by side.
    """
    return max(1, (os.cpu_count() or 1) // 4)


JOBS_HELP = (f"processes for replications (default here {default_jobs()}: one per four cores, since each run's "
             "compiled kernels already use every core; results are the same for any number)")


class _Parser(argparse.ArgumentParser):
    """Argument errors in one line (with where to read the usage), exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="migsim",
        description="Agent-based simulation of labour migration into and out of Kazakhstan.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    lang = language_option()  # --lang: a language code, or a message naming the one meant

    p = sub.add_parser("run", help="run a scenario and write its results")
    p.add_argument("scenario", help="scenario file (TOML), e.g. scenarios/baseline.toml")
    p.add_argument("--seed", type=int, help="seed of the random streams (default: run.seed of the scenario)")
    p.add_argument("--reps", type=int, help="replications; seeds derive from the scenario seed (with a posterior: draws x seeds)")
    p.add_argument("--band", type=band, default=(10, 90), metavar="LOW,HIGH",
                   help="percentiles of the band around the median across replications (default 10,90)")
    p.add_argument("--agents", type=int, help="worker agents representing the population (default: run.agents)")
    p.add_argument("--out", help="results folder (default: results/<scenario name>/)")
    p.add_argument("--force", action="store_true",
                   help="replace earlier migsim results in the --out folder (and an earlier --save-state file)")
    p.add_argument("--jobs", type=int, default=default_jobs(), help=JOBS_HELP)
    p.add_argument("--posterior", default="shipped", metavar="shipped|none|FILE", help=POSTERIOR_HELP)
    p.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--save-state", nargs=2, metavar=("YYYY-MM", "FILE"),
                   help="write the whole model state before that month (one replication)")
    p.add_argument("--lang", type=lang, default="en", metavar="en|ru|kk", help="language of the figures (default en)")
    p.add_argument("--from-state", metavar="FILE",
                   help="continue a saved state under this scenario (its events from the state's month on)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="validate a scenario file without running it")
    p.add_argument("scenario")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("params", help="list every parameter with its unit, role and source")
    p.add_argument("prefix", nargs="?", default="", help="only keys starting with this, e.g. behaviour")
    p.add_argument("--markdown", action="store_true", help="as the Markdown table of docs/parameters.md")
    p.set_defaults(func=cmd_params)

    p = sub.add_parser("compare", help="run a baseline and alternatives with the same seeds; write a report")
    p.add_argument("base", help="baseline scenario file")
    p.add_argument("alternatives", nargs="+", help="alternative scenario files")
    p.add_argument("--reps", type=int, default=10, help="replications per scenario (default 10)")
    p.add_argument("--band", type=band, default=(10, 90), metavar="LOW,HIGH",
                   help="percentiles of the band around the median across replications (default 10,90)")
    p.add_argument("--out", required=True, help="report folder (report.html, headline.csv, figure_*.csv)")
    p.add_argument("--force", action="store_true", help="replace an earlier migsim report in the --out folder")
    p.add_argument("--dates", help="headline dates, e.g. 2026-12,2030-12 (default: the first December a year after "
                                   "the alternatives' first dated change, and the last December)")
    p.add_argument("--seed", type=int, help="seed of the first replication (default: run.seed of the baseline)")
    p.add_argument("--agents", type=int, help="worker agents (default: run.agents)")
    p.add_argument("--jobs", type=int, default=default_jobs(), help=JOBS_HELP)
    p.add_argument("--posterior", default="shipped", metavar="shipped|none|FILE", help=POSTERIOR_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--no-branch", action="store_true",
                   help="simulate each scenario's whole run (default: share the history before the first policy "
                        "event and branch from it; the same numbers)")
    p.add_argument("--lang", type=lang, default="en", metavar="en|ru|kk", help="language of the report (default en)")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("diff", help="list the parameters and events that differ between two scenario files")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("sweep", help="run a grid or Latin hypercube of parameter values on Dask")
    p.add_argument("scenario", help="scenario file the sweep starts from")
    p.add_argument("--vary", action="append", metavar="KEY=LOW:HIGH:N",
                   help="parameter to vary (repeatable); N grid values (N = 1 only if LOW = HIGH), or LOW:HIGH with "
                        "--samples; a whole-number KEY takes whole LOW and HIGH, values between rounded; at most "
                        "10,000 points; not run.seed or run.reps (use --reps), nor run.agents with --agents")
    p.add_argument("--samples", type=int, help="Latin hypercube of this many points instead of the grid")
    p.add_argument("--reps", type=int, default=1, help="replications per point (default 1)")
    p.add_argument("--agents", type=int, help="worker agents (default: run.agents)")
    p.add_argument("--out", required=True, help="Parquet dataset folder; an existing one is resumed")
    p.add_argument("--scheduler", help="address of a running Dask scheduler (default: a local cluster)")
    p.add_argument("--workers", type=int, default=1, help="worker processes of the local cluster (default 1)")
    p.add_argument("--posterior", default="shipped", metavar="shipped|none|FILE", help="posterior sample each run "
                   "draws its calibrated parameters from (default: the shipped one; 'none': the scenario's values)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("events", help="list the kinds of dated events a scenario's [[events]] may use")
    p.add_argument("--markdown", action="store_true", help="as the reference section of docs/policy.md")
    p.set_defaults(func=cmd_events)

    # Commands that live with their own layer register themselves here; the CLI is the
    # only place where `simulation` and `calibration` meet.
    from calibration import commands as calibration_commands

    from .teaching import app

    app.register(sub)
    calibration_commands.register(sub)
    for name in OUT_FOLDERS:
        if name in sub.choices and name not in ("compare",):
            sub.choices[name].add_argument("--force", action="store_true",
                                           help="replace earlier migsim results in the --out folder")

    from . import brief_cli  # brief, template, import

    brief_cli.register(sub, band)
    return parser


# Arguments naming files or folders a command reads: its --out must neither be, hold nor lie inside them.
INPUTS = (("scenario", "the input"), ("base", "the input"), ("alternatives", "the input"), ("scenarios", "the input"),
          ("targets_file", "the input"), ("sweep", "the input"), ("params", "--params"), ("targets", "--targets"),
          ("baseline_sweep", "--against"), ("comparison_folder", "--from"), ("from_state", "--from-state"),
          ("sensitivity", "--sensitivity"), ("posterior", "--posterior"))


def _inputs(args) -> list[tuple[str, str]]:
    found = []
    for attr, label in INPUTS:
        value = getattr(args, attr, None)
        for v in value if isinstance(value, list) else [value]:
            if v and not (attr == "posterior" and v in ("shipped", "none")):
                found.append((label, v))
    return found


PATHS = INPUTS + (("a", "the input"), ("b", "the input"), ("out", "--out"), ("xlsx", "--xlsx"),  # every path given
                  ("workbook", "the workbook"), ("extends", "--extends"), ("save_state", "--save-state"))


def _check_before_running(args) -> None:
    """Checks every command shares, made before anything runs: path names, seeds, output folders, memory."""
    from .safety import check_memory, processes_of

    check_names([(label, getattr(args, attr, None)) for attr, label in PATHS])
    expand_out(args)
    if (seed := getattr(args, "seed", None)) is not None and seed < 0:
        raise ScenarioError(f"--seed {seed}: a seed is a whole number of 0 or more (e.g. --seed 7).")
    if args.command in OUT_FOLDERS:
        default, what = OUT_FOLDERS[args.command]
        out = args.out if args.out is not None or default is None else default(args)
        if out is not None:
            check_out(out, force=getattr(args, "force", False), what=what)
            check_apart(out, _inputs(args))
    if args.command == "brief":
        check_out(args.out, force=args.force, what="brief")
        check_apart(args.out, _inputs(args))
    if args.command in ("calibrate", "hindcast"):  # the history is its own; the report folder replaced at the end
        from .outdir import MARKER

        what, report = ("calibration", "fit") if args.command == "calibrate" else ("hindcast", "forecast")
        check_out(args.out, force=True, what=what, marks=(MARKER, "history.db"))
        check_out(Path(args.out) / report, force=True, what=f"{what} report")
        check_apart(Path(args.out) / report, _inputs(args))
    agents = getattr(args, "agents", None)
    if args.command in ("validate", "sensitivity", "calibrate", "hindcast") and agents is not None:
        check_memory(agents, *processes_of(args))


def _one_line(exc: Exception) -> str:
    """A message on one line, even when it quotes a parser's multi-line text."""
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    if getattr(args, "jobs", 1) is not None and getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be at least 1")
    try:
        set_command(args.command)  # recorded in the marker of the folders it writes
        _check_before_running(args)
        return args.func(args)
    except (ScenarioError, DataError, OutputError) as exc:
        print(f"migsim: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MigsimError as exc:
        print(f"migsim: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except KeyboardInterrupt:
        print(f"migsim: interrupted; {interrupted(args.command, getattr(args, 'out', None))}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. `| head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        set_command(None)


if __name__ == "__main__":
    sys.exit(main())

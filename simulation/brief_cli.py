"""The commands of the brief and spreadsheet layer: `brief`, `template`, `import`.

They register themselves on the `migsim` parser (as the teaching app and calibration do), so
the CLI module only calls `register`. Each parses arguments and calls the Python API.
"""

from __future__ import annotations

# Imports inside functions: each command loads only what it runs, so `migsim --help` stays fast.
import time
from pathlib import Path

from .errors import ScenarioError
from .i18n import LANGUAGES, language_option


def _dates(text: str | None) -> list[str] | None:
    from .dates import parse_dates

    return parse_dates(text)


def cmd_brief(args) -> int:
    from .brief import make_brief, read_sensitivity
    from .experiments import check_dates, load_comparison
    from .outdir import atomic_dir, check_out

    langs = list(LANGUAGES) if args.lang == "all" else [args.lang]
    dates = _dates(args.dates)
    started = time.perf_counter()
    # Like `compare --out`: the folder is written whole at the end; an earlier brief is replaced only
    # with --force, and anyone else's folder (or another command's, or one holding its inputs) never.
    out = check_out(args.out, force=args.force, what="brief")
    if args.sensitivity:  # read now: a bad table found after the comparison ran would leave it half-done
        read_sensitivity(args.sensitivity)
    if args.comparison_folder:
        if args.scenarios:
            raise ScenarioError("give either scenario files (BASE ALT ...) or --from FOLDER, not both.")
        made = [f"--{k} {getattr(args, k)}" for k in ("reps", "seed", "agents") if getattr(args, k) is not None]
        made += [f"--posterior {args.posterior}"] if args.posterior != "shipped" else []
        if made:  # how the runs are made: the folder's runs were made already
            raise ScenarioError(f"{made[0]}: a brief --from a compare folder reads its runs as they were made; give "
                                f"{made[0].split()[0]} to `migsim compare`, or run the scenarios here.")
        comparison = load_comparison(args.comparison_folder)
        check_dates(dates, comparison.base.scenario)
    else:
        if len(args.scenarios) < 2:
            raise ScenarioError("give a baseline and at least one alternative scenario file (e.g. "
                                "scenarios/baseline.toml scenarios/quota_halved.toml), or --from a compare folder.")
        from .experiments import compare
        from .report import write_comparison
        from .scenario import load_with_overrides

        base, *alternatives = load_with_overrides(args.scenarios, getattr(args, "agents", None))
        reps = 10 if args.reps is None else args.reps
        if reps < 1:
            raise ScenarioError(f"--reps = {reps}: give at least 1 replication.")
        from .safety import agents_source, check_memory

        check_memory(base["run.agents"], min(args.jobs, reps), source=agents_source(args, base))
        check_dates(dates, base)
        from .posterior import load_posterior

        comparison = compare(base, alternatives, reps=reps, seed=args.seed, jobs=args.jobs,
                             progress=not args.quiet, band=args.band, posterior=load_posterior(args.posterior))
    written = []
    with atomic_dir(out, "brief") as tmp:
        if not args.comparison_folder:
            from .brief import brief_dates, levers

            write_comparison(comparison, tmp / "comparison", dates or brief_dates(comparison), lang=langs[0],
                             levers=levers)
        for lang in langs:
            written += [out / p.name for p in make_brief(comparison, tmp, lang=lang, dates=dates,
                                                         sensitivity=args.sensitivity)]
    if not args.quiet:
        print(f"brief written in {time.perf_counter() - started:.1f} s: " + ", ".join(str(p) for p in written))
    return 0


def cmd_template(args) -> int:
    from .workbook import write_template

    path = write_template(Path(args.xlsx), lang=args.lang)
    print(f"template written to {path}: fill one row per event, then `migsim import {path} --out FILE.toml`")
    return 0


def cmd_import(args) -> int:
    from .workbook import import_workbook

    path, events = import_workbook(Path(args.workbook), Path(args.out), extends=args.extends, name=args.name)
    print(f"{args.workbook}: {events} event(s) checked; scenario written to {path}")
    return 0


def register(sub, band) -> None:
    """Add `brief`, `template` and `import` to the `migsim` command; `band` parses --band (the CLI's own)."""
    p = sub.add_parser("brief", help="a print-ready policy brief (PDF) and workbook (XLSX) from a comparison")
    p.add_argument("scenarios", nargs="*", help="baseline and alternative scenario files (or use --from)")
    p.add_argument("--from", dest="comparison_folder", metavar="FOLDER",
                   help="a `migsim compare` report folder to make the brief from, without running anything")
    p.add_argument("--out", required=True, help="folder for brief_<lang>.pdf and brief_<lang>.xlsx")
    p.add_argument("--force", action="store_true", help="replace an earlier migsim brief in the --out folder")
    p.add_argument("--lang", type=language_option(("all", "every language")), default="en", metavar="en|ru|kk|all",
                   help="language of the brief (default en)")
    p.add_argument("--dates", help="headline dates, e.g. 2026-12,2030-12 (default: after the policies start)")
    p.add_argument("--reps", type=int, help="replications per scenario when running (default 10)")
    p.add_argument("--band", type=band, default=(10, 90), metavar="LOW,HIGH",
                   help="percentiles of the band across replications (default 10,90)")
    p.add_argument("--seed", type=int, help="seed of the first replication (default: run.seed of the baseline)")
    p.add_argument("--agents", type=int, help="worker agents (default: run.agents)")
    p.add_argument("--jobs", type=int, default=1, help="processes for replications (same results as 1)")
    p.add_argument("--posterior", default="shipped", metavar="shipped|none|FILE",
                   help="when running: the posterior sample the replications draw their calibrated parameters from, "
                        "as `migsim compare --posterior` (default: the shipped one, so the bands hold the parameters' "
                        "uncertainty and the brief gives the same figures as `compare`)")
    p.add_argument("--sensitivity", help="indices.csv of `migsim sensitivity`, to name the most influential parameters")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("template", help="write a spreadsheet of dated policy events to fill in")
    p.add_argument("--xlsx", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--lang", type=language_option(), default="en", metavar="en|ru|kk",
                   help="language of the header notes (default en)")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("import", help="turn a filled events spreadsheet into a validated scenario file")
    p.add_argument("workbook", help="the filled workbook (.xlsx) made by `migsim template`")
    p.add_argument("--out", required=True, help="the scenario file to write (.toml)")
    p.add_argument("--extends", default="baseline",
                   help="scenario it extends: a file, or the name of one shipped with migsim (default baseline)")
    p.add_argument("--name", help="scenario name (default: the file name of --out)")
    p.set_defaults(func=cmd_import)

    from .discovery import register as register_discover

    register_discover(sub)

"""Speed and memory of the core model, and the fast month checked against a per-agent one.

    .venv/bin/python benchmarks/bench_core.py                 # 1M agents + reference comparison
    .venv/bin/python benchmarks/bench_core.py --sizes 1000000 10000000 --skip-reference

Part 1 runs the baseline scenario (2015-01..2030-12 plus its burn-in) at each size in a
fresh process and reports wall time including set-up, and peak memory (maximum resident
set size, as /usr/bin/time -v reports it). Targets: 1M agents in at most 90 s and 1.5 GB.

Part 2 runs the same scenario with the idiomatic per-agent Mesa month (each Worker's
step() calling the same kernels, `model.agents.shuffle_do("step")`) and with the
vectorised month, at the same agent count, and shows that the aggregates agree
statistically: the vectorised month is run with several seeds to measure the
replication spread, and each aggregate of the per-agent run is expressed as a z-score
against it. The per-agent month is slow (that is the point), so by default it covers a
shorter window of the same scenario; `--reference-end 2030-12` runs all of it.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
AGGREGATES = [  # (indicator, group, how to summarise over the window)
    ("stock_kaz", "all", "mean"),
    ("stock_kaz_by_origin", "UZB", "mean"),
    ("stock_kaz_by_origin", "KGZ", "mean"),
    ("share_no_contract", "all", "mean"),
    ("share_female", "all", "mean"),
    ("arrivals_kaz", "all", "sum"),
    ("remittances_out_kaz_usd", "all", "sum"),
    ("kazakhs_abroad", "all", "mean"),
    ("migrants_abroad", "UZB->RUS", "mean"),
]


def _one_run(agents: int, end: str | None, burn_in: int | None, seed: int | None, per_agent: bool) -> dict:
    """Run in this process; return timings, memory and the aggregates."""
    started = time.perf_counter()
    from simulation.model import MigrationModel
    from simulation.scenario import load_scenario

    changes = {}
    if end:
        changes["run__end"] = end
    if burn_in is not None:
        changes["run__burn_in_months"] = burn_in
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_values(**changes)
    model = MigrationModel(scenario, agents=agents, seed=seed, per_agent=per_agent)
    built = time.perf_counter()
    model.run()
    finished = time.perf_counter()
    ts = model.timeseries()
    months = model.n_months + model.burn_in
    out = {
        "agents": model.population.n,
        "months": months,
        "setup_and_burn_in_s": built - started,
        "run_s": finished - built,
        "total_s": finished - started,
        "agent_steps_per_s": model.population.n * model.n_months / (finished - built),
        "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
        "aggregates": {},
    }
    for indicator, group, how in AGGREGATES:
        v = ts[(ts.indicator == indicator) & (ts.group == group)].value
        out["aggregates"][f"{indicator}[{group}]"] = float(getattr(v, how)())
    return out


def run_in_fresh_process(**kwargs) -> dict:
    """A clean process per measurement, so peak memory and import time are its own."""
    code = ("import json,sys; sys.path.insert(0, %r); from benchmarks.bench_core import _one_run; "
            "print('RESULT' + json.dumps(_one_run(**%r)))" % (str(ROOT), kwargs))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")]
    if done.returncode != 0 or not line:
        raise SystemExit(f"benchmark run failed ({kwargs}):\n{done.stderr[-3000:]}")
    return json.loads(line[0][len("RESULT"):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000], help="agent counts for part 1")
    parser.add_argument("--skip-reference", action="store_true", help="skip part 2")
    parser.add_argument("--reference-agents", type=int, default=100_000)
    parser.add_argument("--reference-end", default="2016-12", help="last month of the per-agent comparison")
    parser.add_argument("--reference-burn-in", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=5, help="vectorised replications for the spread")
    parser.add_argument("--json", help="also write all figures to this file")
    args = parser.parse_args()
    report: dict = {"sizes": [], "reference": None}

    print("Part 1: baseline 2015-01..2030-12 (with its 60-month burn-in), one fresh process per size")
    for n in args.sizes:
        r = run_in_fresh_process(agents=n, end=None, burn_in=None, seed=None, per_agent=False)
        report["sizes"].append(r)
        print(f"  {n:>11,} agents: {r['total_s']:6.1f} s total (set-up and burn-in {r['setup_and_burn_in_s']:.1f} s, "
              f"192 months {r['run_s']:.1f} s, {r['agent_steps_per_s'] / 1e6:.2f} M agent-steps/s), "
              f"peak memory {r['peak_rss_gb']:.2f} GB")

    if not args.skip_reference:
        n, end, burn = args.reference_agents, args.reference_end, args.reference_burn_in
        print(f"\nPart 2: {n:,} agents, baseline to {end} with {burn} burn-in months")
        fast = [run_in_fresh_process(agents=n, end=end, burn_in=burn, seed=1000 + k, per_agent=False)
                for k in range(args.seeds)]
        slow = run_in_fresh_process(agents=n, end=end, burn_in=burn, seed=999, per_agent=True)
        rows = []
        for key in fast[0]["aggregates"]:
            values = np.array([f["aggregates"][key] for f in fast])
            mean, sd = values.mean(), values.std(ddof=1)
            ref = slow["aggregates"][key]
            # spread of one run against the mean of k runs: sd * sqrt(1 + 1/k)
            z = (ref - mean) / (sd * np.sqrt(1 + 1 / len(values))) if sd > 0 else float("nan")
            rows.append((key, mean, sd, ref, z))
            print(f"  {key:32s} vectorised {mean:14,.3f} (sd {sd:12,.3f})  per-agent {ref:14,.3f}  z = {z:+.2f}")
        fast_rate = np.median([f["agent_steps_per_s"] for f in fast])
        ratio = fast_rate / slow["agent_steps_per_s"]
        worst = max(abs(r[4]) for r in rows)
        print(f"  largest |z| = {worst:.2f} over {len(rows)} aggregates ({'agree' if worst < 3 else 'DISAGREE'} at |z| < 3)")
        print(f"  speed: vectorised {fast_rate / 1e6:.2f} M agent-steps/s, per-agent "
              f"{slow['agent_steps_per_s'] / 1e3:.1f} k agent-steps/s: ratio {ratio:,.0f}x")
        report["reference"] = {"fast": fast, "per_agent": slow, "z": {r[0]: r[4] for r in rows}, "ratio": ratio}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

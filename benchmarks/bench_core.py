"""Speed and memory of the core model, all in one run, with the machine's load printed.

    .venv/bin/python benchmarks/bench_core.py                  # 100k, 1M, 3M + everything below
    .venv/bin/python benchmarks/bench_core.py --sizes 1000000 --skip-reference --skip-calibration --skip-toy
    .venv/bin/python benchmarks/bench_core.py --with-10m       # adds 10M agents to the scaling curve

1. Scaling: the baseline scenario (2015-01..2030-12 plus its 240-month burn-in) at each
   size in a fresh process: wall time including imports and set-up, peak memory
   (maximum resident set size), bytes per agent, agent-steps per second.
2. Calibration-sized runs per minute on a local cluster of 2 workers
   (`calibration_rate.py`: the historical replay at 10,000 agents, as `migsim calibrate`).
3. The per-agent reference month (`simulation/reference.py`: each worker takes each
   sub-step on its own row, Mesa's staged activation) against the vectorised month:
   several seeds of each, every aggregate as a two-sample z-score (pooled spread).
4. An idiomatic Mesa model of the same month's shape (`mesa_toy.py`): what the month
   costs per agent written the way Mesa's examples write models; the honest anchor for
   the vectorised month's speed-up (the per-agent reference calls the vectorised kernels
   on one row at a time, so it is slower than idiomatic Mesa and overstates the gap).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def pooled_z(fast: np.ndarray, slow: np.ndarray) -> float:
    """Two-sample z of the per-agent runs' mean against the vectorised runs' mean, pooled spread."""
    kf, ks = len(fast), len(slow)
    pooled = ((kf - 1) * fast.var(ddof=1) + (ks - 1) * (slow.var(ddof=1) if ks > 1 else 0.0)) / max(kf + ks - 2, 1)
    se = np.sqrt(pooled * (1 / kf + 1 / ks))
    return float((slow.mean() - fast.mean()) / se) if se > 0 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000, 3_000_000],
                        help="agent counts of the scaling curve")
    parser.add_argument("--with-10m", action="store_true", help="add 10,000,000 agents (about 3 minutes or more)")
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--calibration-runs", type=int, default=24)
    parser.add_argument("--skip-reference", action="store_true", help="skip the per-agent comparison")
    parser.add_argument("--reference-agents", type=int, default=30_000)
    parser.add_argument("--reference-end", default="2016-12", help="last month of the per-agent comparison")
    parser.add_argument("--reference-burn-in", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=5, help="vectorised replications")
    parser.add_argument("--reference-seeds", type=int, default=3, help="per-agent replications")
    parser.add_argument("--skip-toy", action="store_true")
    parser.add_argument("--toy-agents", type=int, default=20_000)
    parser.add_argument("--json", help="also write all figures to this file")
    args = parser.parse_args()
    report: dict = {"load_start": os.getloadavg(), "sizes": [], "calibration": None, "reference": None, "toy": None}
    print(f"Machine: {_load()}")

    sizes = args.sizes + ([10_000_000] if args.with_10m else [])
    print("1. Scaling: baseline 2015-01..2030-12 (with its 240-month burn-in), one fresh process per size")
    for n in sizes:
        r = run_in_fresh_process(agents=n, end=None, burn_in=None, seed=None, per_agent=False)
        report["sizes"].append(r)
        print(f"  {n:>11,} agents: {r['total_s']:6.1f} s total (set-up and burn-in {r['setup_and_burn_in_s']:.1f} s, "
              f"192 months {r['run_s']:.1f} s, {r['agent_steps_per_s'] / 1e6:.2f} M agent-steps/s), "
              f"peak memory {r['peak_rss_gb']:.2f} GB ({r['peak_rss_gb'] * 1e9 / n:,.0f} B/agent)")

    if not args.skip_calibration:
        print("\n2. Calibration-sized runs (historical replay, 10,000 agents) on 2 workers")
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "calibration_rate.py"), "--workers", "2",
                               "--runs", str(args.calibration_runs)], capture_output=True, text=True, cwd=ROOT)
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")]
        if done.returncode != 0 or not line:
            raise SystemExit(f"calibration rate failed:\n{done.stderr[-3000:]}")
        c = report["calibration"] = json.loads(line[0][len("RESULT"):])
        print(f"  {c['runs_per_min']:.0f} runs/min ({c['runs']} runs in {c['wall_s']:.1f} s, {c['seconds_per_run_per_worker']:.2f} s a run per worker, "
              f"kernel threads per worker {c['kernel_threads']})")

    if not args.skip_reference:
        n, end, burn = args.reference_agents, args.reference_end, args.reference_burn_in
        print(f"\n3. Per-agent reference against the vectorised month: {n:,} agents, baseline to {end} with {burn} "
              f"burn-in months, {args.seeds} vectorised and {args.reference_seeds} per-agent seeds")
        fast = [run_in_fresh_process(agents=n, end=end, burn_in=burn, seed=1000 + k, per_agent=False)
                for k in range(args.seeds)]
        slow = [run_in_fresh_process(agents=n, end=end, burn_in=burn, seed=900 + k, per_agent=True)
                for k in range(args.reference_seeds)]
        rows = []
        for key in fast[0]["aggregates"]:
            f = np.array([r["aggregates"][key] for r in fast])
            p = np.array([r["aggregates"][key] for r in slow])
            z = pooled_z(f, p)
            rows.append((key, z))
            print(f"  {key:32s} vectorised {f.mean():14,.3f} (sd {f.std(ddof=1):12,.3f})  "
                  f"per-agent {p.mean():14,.3f} (sd {p.std(ddof=1) if len(p) > 1 else 0:12,.3f})  z = {z:+.2f}")
        fast_rate = float(np.median([r["agent_steps_per_s"] for r in fast]))
        slow_rate = float(np.median([r["agent_steps_per_s"] for r in slow]))
        worst = max(abs(z) for _, z in rows)
        print(f"  largest |z| = {worst:.2f} over {len(rows)} aggregates ({'agree' if worst < 3 else 'DISAGREE'} at |z| < 3)")
        print(f"  speed: vectorised {fast_rate / 1e6:.2f} M agent-steps/s, per-agent reference {slow_rate / 1e3:.1f} k "
              f"({1e6 / slow_rate:.1f} us per agent-step): ratio {fast_rate / slow_rate:,.0f}x")
        report["reference"] = {"fast": fast, "per_agent": slow, "z": dict(rows), "largest_abs_z": worst,
                               "vectorised_rate": fast_rate, "per_agent_rate": slow_rate}

    if not args.skip_toy:
        from benchmarks.mesa_toy import measure

        t = report["toy"] = measure(args.toy_agents, 24)
        print(f"\n4. Idiomatic Mesa toy of the same month's shape: {t['agents']:,} agents x 24 months, "
              f"{t['us_per_agent_step']:.1f} us per agent-step ({t['agent_steps_per_s'] / 1e3:.1f} k agent-steps/s)")
        rates = [("vectorised month at 1M agents", r["agent_steps_per_s"]) for r in report["sizes"]
                 if r["agents"] >= 1_000_000][:1]
        if report["reference"]:
            rates.append((f"vectorised month at {args.reference_agents:,} agents", report["reference"]["vectorised_rate"]))
            print(f"  per-agent reference against the toy: {t['agent_steps_per_s'] / report['reference']['per_agent_rate']:.1f}x slower")
        for name, rate in rates:
            print(f"  {name} against the toy: {rate / t['agent_steps_per_s']:,.0f}x faster")

    report["load_end"] = os.getloadavg()
    print(f"\nMachine at the end: {_load()}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""What the Mesa `Worker` objects cost: build and a few months without them, then asking for them.

    .venv/bin/python benchmarks/bench_agents.py --agents 1000000 --months 6

Builds the baseline scenario (no burn-in, so set-up alone is timed) in this process, runs
`--months` months, prints the time of each part and the peak memory (maximum resident set
size), then asks for `model.agents` (one `Worker` per row, made on first use) and prints
what making them took. Run it in a fresh process per measurement; the machine's load is
printed first and last, since on a shared machine the times mean little without it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6, help="months run after building (1 to 12)")
    parser.add_argument("--no-ask", action="store_true", help="do not ask for the Mesa agents at the end")
    args = parser.parse_args()
    print(f"Machine: {_load()}")
    started = time.perf_counter()
    from simulation.model import MigrationModel
    from simulation.scenario import load_scenario

    end = f"2015-{min(max(args.months, 1), 12):02d}"
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").with_values(run__burn_in_months=0, run__end=end)
    imported = time.perf_counter()
    model = MigrationModel(scenario, agents=args.agents)
    built = time.perf_counter()
    built_peak = _peak_mb()
    model.run()
    ran = time.perf_counter()
    n = model.population.n
    print(f"{n:,} agents: imports {imported - started:.1f} s, build {built - imported:.1f} s "
          f"(peak {built_peak:,.0f} MB), {model.n_months} months {ran - built:.1f} s; "
          f"peak {_peak_mb():,.0f} MB ({_peak_mb() * 1e6 / n:,.0f} B/agent)")
    if not args.no_ask:
        before = _peak_mb()
        asked = time.perf_counter()
        made = len(model.agents)
        print(f"then asked for model.agents: {made:,} Workers made in {time.perf_counter() - asked:.1f} s, "
              f"peak {before:,.0f} -> {_peak_mb():,.0f} MB")
    print(f"Machine: {_load()}")


if __name__ == "__main__":
    main()

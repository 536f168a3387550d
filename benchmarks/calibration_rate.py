"""Calibration-sized runs per minute on a local Dask cluster, as `migsim calibrate` runs them.

    .venv/bin/python benchmarks/calibration_rate.py --workers 2 --runs 24

Each task is one calibration run (`calibration.simulate.simulate`: the historical
replay over the calibration window, 10,000 agents, surveys interviewed, every fitted
target computed), on a cluster made by `calibration.fit.make_client`. The first run
of each worker (imports, compiled-kernel cache) is left out of the rate. Like the
`migsim` command, this script imports numba before the workers start: a spawned
worker re-imports it, which is what made a thread setting in the workers' environment
come too late.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import simulation.model  # noqa: E402,F401  (numba first, as the migsim command imports it)


def _warm() -> int:
    """Import and load the compiled kernels in a worker (one small run)."""
    from calibration.commands import _scenario
    from calibration.simulate import Window, run_window

    run_window(_scenario(None), Window(agents=500, start="2010-01", end="2010-06", burn_in=0), 1)
    import numba

    return numba.get_num_threads()


def _one(seed: int) -> float:
    from calibration.commands import _scenario
    from calibration.simulate import Window, simulate
    from calibration.targets import load_targets

    started = time.perf_counter()
    simulate(_scenario(None), load_targets(None), Window(), seed)
    return time.perf_counter() - started


def measure(workers: int, runs: int) -> dict:
    from calibration.fit import make_client

    client, cluster = make_client(workers, None)
    try:
        threads = client.gather([client.submit(_warm, pure=False) for _ in range(2 * workers)])
        started = time.perf_counter()
        each = client.gather([client.submit(_one, 100 + k, pure=False) for k in range(runs)])
        wall = time.perf_counter() - started
    finally:
        client.close()
        cluster.close()
    return {"workers": workers, "runs": runs, "wall_s": wall, "runs_per_min": 60 * runs / wall,
            "median_run_s": sorted(each)[len(each) // 2], "kernel_threads": sorted(set(threads))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    print("RESULT" + json.dumps(measure(args.workers, args.runs)))


if __name__ == "__main__":
    main()

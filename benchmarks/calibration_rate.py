"""Calibration-sized runs per minute on a local Dask cluster, as `migsim calibrate` runs them.

    .venv/bin/python benchmarks/calibration_rate.py --workers 2 --runs 24

Each task is one calibration run (`calibration.runs.ModelRuns`: the historical replay over
the calibration window at the installed calibration's point, 10,000 agents, surveys
interviewed, every fitted target computed), sent as `migsim calibrate` sends them
(`calibration.runs.run_jobs`, the model scattered to the workers once) on a cluster made by
`calibration.fit.make_client`. The first runs of each worker (imports, compiled-kernel
cache) are left out of the rate. Like the
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


def measure(workers: int, runs: int, burn_in: int | None = None) -> dict:
    """Runs per minute of `calibration.runs.run_jobs`, the calibration's own path: the model
    (scenario and fitted targets) scattered to the workers once, then one task per run."""
    import numpy as np

    from calibration.commands import _scenario
    from calibration.fit import make_client
    from calibration.runs import ModelRuns, run_jobs
    from calibration.simulate import Window
    from calibration.space import SPACE
    from calibration.targets import load_targets

    scenario, targets = _scenario(None), load_targets(None)
    window = Window() if burn_in is None else Window(burn_in=burn_in)
    model = ModelRuns(scenario, targets[targets.fitted].reset_index(drop=True), window, SPACE)
    point = np.array([scenario[p.key] for p in SPACE], float)  # the installed calibration
    client, cluster = make_client(workers, None)
    try:
        threads = client.gather([client.submit(_warm, pure=False) for _ in range(2 * workers)])
        run_jobs(model, [(point, k) for k in range(2 * workers)], client)  # each worker's first runs
        started = time.perf_counter()
        run_jobs(model, [(point, 100 + k) for k in range(runs)], client)
        wall = time.perf_counter() - started
    finally:
        client.close()
        cluster.close()
    return {"workers": workers, "runs": runs, "burn_in": window.burn_in, "wall_s": wall, "runs_per_min": 60 * runs / wall,
            "seconds_per_run_per_worker": wall * workers / runs, "kernel_threads": sorted(set(threads))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--burn-in", type=int, default=None,
                        help="spin-up months (default: the calibration's); 36 gives the runs measured before 240")
    args = parser.parse_args()
    print("RESULT" + json.dumps(measure(args.workers, args.runs, args.burn_in)))


if __name__ == "__main__":
    main()

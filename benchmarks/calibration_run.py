"""One calibration run alone, timed, with a digest of what it computed.

    .venv/bin/python benchmarks/calibration_run.py --runs 10

Runs `calibration.runs.ModelRuns` (10,000 agents, the 240-month spin-up, 2010-01..2024-01,
surveys interviewed, every fitted target computed) at the installed calibration's point with
seeds 100, 101, ... in this process, after one run that is not timed (the compiled kernels'
cache loaded), and prints the fastest and the median run, in wall and processor seconds, and
a digest of every run's target values. `--tree` runs another checkout's code (an older commit
has no copy of this script): two checkouts alternated process by process give paired timings
on a shared machine, and equal digests say the two computed the same values to the bit.

    .venv/bin/python benchmarks/calibration_run.py --tree ../before --runs 10
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose code runs (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    from calibration.commands import _scenario
    from calibration.runs import ModelRuns
    from calibration.simulate import Window
    from calibration.space import SPACE
    from calibration.targets import load_targets

    scenario, targets = _scenario(None), load_targets(None)
    model = ModelRuns(scenario, targets[targets.fitted].reset_index(drop=True), Window(), SPACE)
    point = np.array([scenario[p.key] for p in SPACE], float)  # the installed calibration
    model(point, 99)  # not timed: the kernels' cache loaded
    wall, cpu, digest = [], [], hashlib.sha256()
    for seed in range(100, 100 + args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        values = model(point, seed)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        digest.update(values.tobytes())
    print("RESULT" + json.dumps({"runs": args.runs, "wall_min_s": min(wall), "wall_median_s": float(np.median(wall)),
                                 "cpu_min_s": min(cpu), "cpu_median_s": float(np.median(cpu)),
                                 "digest": digest.hexdigest()[:16]}))


if __name__ == "__main__":
    main()

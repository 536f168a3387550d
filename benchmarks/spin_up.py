"""How long a spin-up must be: the stocks abroad at a run's start after each length of burn-in.

Everyone starts at home, and the burn-in (`run.burn_in_months`, under the start year's
conditions) fills the destinations. Careers last years and networks draw more migrants, so the
stocks keep growing long after the first months; a burn-in too short turns a run's first years
into a fill-up instead of history. This prints, for the historical replay's calibration window
(start 2010-01), the workers abroad in the main corridors at the start after each burn-in, and
each as a share of the longest.

    .venv/bin/python benchmarks/spin_up.py
    .venv/bin/python benchmarks/spin_up.py --months 36 60 120 240 480 --agents 100000 --seed 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simulation.model import MigrationModel
from simulation.scenario import baseline_path, load_scenario
from simulation.world import DEST_COUNTRIES, LOCATION_COUNTRY, ORIGINS

CORRIDORS = (("UZB", "RUS"), ("TJK", "RUS"), ("KGZ", "RUS"), ("UZB", "KAZ"), ("KAZ", "RUS"))


def stocks_at_start(scenario, burn_in: int, seed: int) -> dict[str, float]:
    """Workers abroad per corridor (persons) at run.start after `burn_in` months."""
    model = MigrationModel(scenario.with_values(run__burn_in_months=burn_in), seed=seed, record=False)
    pop = model.population
    country = np.where(pop.location > 0, LOCATION_COUNTRY[pop.location], -1)
    return {f"{o}->{d}": float(((pop.origin == ORIGINS.index(o)) & (country == DEST_COUNTRIES.index(d))).sum()
                               * pop.scale) for o, d in CORRIDORS}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--months", type=int, nargs="+", default=[36, 60, 120, 180, 240, 360, 480])
    p.add_argument("--agents", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    scenario = load_scenario(baseline_path().with_name("historical_replay.toml")).with_values(
        run__start="2010-01", run__end="2024-01", run__agents=args.agents)
    rows = {}
    for months in sorted(args.months):
        t = time.perf_counter()
        rows[months] = stocks_at_start(scenario, months, args.seed)
        print(f"burn-in {months:3d} months: " + "  ".join(f"{k} {v / 1e3:6.0f}k" for k, v in rows[months].items())
              + f"   ({time.perf_counter() - t:.1f} s)", flush=True)
    longest = rows[max(rows)]
    print(f"\nas a share of the {max(rows)}-month spin-up:")
    for months, stocks in rows.items():
        print(f"burn-in {months:3d} months: "
              + "  ".join(f"{k} {v / longest[k]:5.2f}" for k, v in stocks.items() if longest[k] > 0))


if __name__ == "__main__":
    main()

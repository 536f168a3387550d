"""Where a month's time goes, sub-step by sub-step.

    .venv/bin/python benchmarks/month_profile.py --agents 1000000
    .venv/bin/python benchmarks/month_profile.py --agents 10000000 --burn-in 36 --months 12

Builds the baseline scenario (with its spin-up, or `--burn-in` months of it), then times the
next `--months` months with every sub-step of the month and every compiled pass wrapped in a
timer: milliseconds a month and share of the month for each, and how often each is called.
Nested steps are counted in their parents too (`month.arrive` includes `tie_passes.relocate`),
so the shares do not add up to 100%. The first months after the spin-up are the slowest of a
run (most workers abroad), so the figures are a little above a whole run's average.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation import abroad, arrival, kernels, month, selections, tie_passes, work  # noqa: E402
from simulation.model import MigrationModel  # noqa: E402
from simulation.scenario import load_scenario  # noqa: E402

SPENT: dict[str, float] = collections.defaultdict(float)
CALLS: dict[str, int] = collections.defaultdict(int)


def _timed(module, name: str) -> None:
    func = getattr(module, name)
    owner = module.__name__ if hasattr(module, "__name__") else type(module).__name__
    label = f"{owner.rsplit('.', 1)[-1]}.{name}"

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter() - started
            CALLS[label] += 1

    setattr(module, name, wrapper)


def _wrap_everything() -> None:
    """Every compiled pass (numba dispatchers and the Python functions choosing between
    variants), and every function defined in the month's Python modules."""
    for module in (kernels, selections, arrival, tie_passes):
        for name in list(vars(module)):
            obj = getattr(module, name)
            if callable(obj) and (hasattr(obj, "py_func") or getattr(obj, "__module__", "") == module.__name__) \
                    and not isinstance(obj, type) and not name.startswith("__"):
                _timed(module, name)
    for module in (month, abroad, work):
        for name in list(vars(module)):
            obj = getattr(module, name)
            if callable(obj) and getattr(obj, "__module__", "") == module.__name__ and not isinstance(obj, type):
                _timed(module, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=48, help="months timed after the spin-up (default 48)")
    parser.add_argument("--burn-in", type=int, default=None, help="spin-up months (default: the scenario's)")
    parser.add_argument("--top", type=int, default=30, help="lines printed (default 30)")
    args = parser.parse_args()
    if args.agents < 1 or args.months < 1 or (args.burn_in is not None and args.burn_in < 0):
        parser.error("--agents and --months must be at least 1, --burn-in at least 0")
    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml")
    if args.burn_in is not None:
        scenario = scenario.with_values(run__burn_in_months=args.burn_in)
    model = MigrationModel(scenario, agents=args.agents, seed=1)
    _wrap_everything()
    _timed(model.recorder, "record")  # the indicators, recorded at each month's end
    months = min(args.months, model.n_months)
    started = time.perf_counter()
    for _ in range(months):
        model.run_for(1)
    wall = time.perf_counter() - started
    print(f"{model.population.n:,} agents, {months} months after a {model.burn_in}-month spin-up: {wall:.2f} s, "
          f"{1000 * wall / months:.1f} ms a month (timers included)")
    for label, spent in sorted(SPENT.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"  {label:42s} {1000 * spent / months:8.2f} ms a month  {spent / wall:6.1%}  "
              f"{CALLS[label] / months:6.1f} calls a month")


if __name__ == "__main__":
    main()

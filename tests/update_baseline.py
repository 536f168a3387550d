"""The exact regression baseline: summary figures of two fixed runs, and the script that
regenerates them on purpose.

A refactor must leave every figure unchanged; a change of behaviour must come with a new
baseline in its own commit, which says what moved and why (as Starsim's
`tests/baseline.yaml` and Covasim's `test_baselines.py` do). The runs are small (5,000
agents) so the test is quick, but complete: the baseline scenario over its whole horizon
with its burn-in, and the historical replay, whose dated events (quotas, exchange rates,
a border closure, sanctions, relocations) exercise the policy machinery.

Regenerate, after a deliberate change of behaviour only:

    .venv/bin/python -m tests.update_baseline

`compare` reports every figure that differs by more than a relative 1e-9 (float sums
may differ in their last bits across numpy builds; a change of behaviour moves them far
more).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from simulation.runner import run
from simulation.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE_FILE = Path(__file__).resolve().parent / "baseline.json"
SEED = 20260101
AGENTS = 5_000
RELATIVE_TOLERANCE = 1e-9
SCENARIOS = {"baseline": "scenarios/baseline.toml", "historical_replay": "scenarios/historical_replay.toml"}
STOCK_DATES = ("2015-01", "2018-12", "2022-06", "2023-12", "2030-12")
YEARS = ("2016", "2020", "2022", "2023", "2030")
SNAPSHOT = "2023-12"
# indicator -> how it is summed up: the value at each stock date, or the year's total (flows)
AT_DATES = ("stock_kaz", "stock_kaz_by_origin", "kazakhs_abroad", "share_irregular", "share_no_contract",
            "quota_permits_kaz", "avg_income_usd")
YEARLY = ("arrivals_kaz", "departures_kaz", "remittances_out_kaz_usd", "remittances_received_usd",
          "deportations_kaz", "quota_refused_kaz", "relocations")
AT_SNAPSHOT = ("remittances_usd", "stock_kaz_by_region", "stock_kaz_by_sector", "stock_kaz_by_status",
               "employment_kaz", "job_channel", "intentions_kaz", "migrants_abroad")


def scenario(name: str):
    """The scenario of one baseline run, at the baseline's seed and size."""
    return load_scenario(ROOT / SCENARIOS[name]).with_values(run__agents=AGENTS, run__seed=SEED)


def summarise(ts) -> dict[str, float]:
    """Summary figures of one run's tidy time series, named indicator/group/date."""
    out: dict[str, float] = {}
    ts = ts[ts.value.notna()]
    dated = ts[ts.indicator.isin(AT_DATES) & ts.date.isin(STOCK_DATES)]
    for row in dated.itertuples():
        out[f"{row.indicator}/{row.group}/{row.date}"] = float(row.value)
    flows = ts[ts.indicator.isin(YEARLY)].assign(year=lambda d: d.date.str[:4])
    flows = flows[flows.year.isin(YEARS)].groupby(["indicator", "group", "year"], sort=True).value.sum()
    for (indicator, group, year), value in flows.items():
        out[f"{indicator}/{group}/{year}"] = float(value)
    snap = ts[ts.indicator.isin(AT_SNAPSHOT) & (ts.date == SNAPSHOT)]
    for row in snap.itertuples():
        if row.value != 0:  # the many empty corridors add nothing to guard
            out[f"{row.indicator}/{row.group}/{row.date}"] = float(row.value)
    return dict(sorted(out.items()))


def compute(scenario_names=tuple(SCENARIOS), **changes) -> dict[str, dict[str, float]]:
    """Run each baseline scenario (with optional parameter changes) and summarise it."""
    return {name: summarise(run(scenario(name).with_values(**changes)).timeseries) for name in scenario_names}


def compare(expected: dict[str, dict[str, float]], actual: dict[str, dict[str, float]]) -> list[str]:
    """Every difference between two sets of figures, one line each (empty when identical)."""
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name, {}), actual.get(name, {})
        for key in sorted(set(want) | set(got)):
            if key not in got:
                problems.append(f"{name}: {key} missing (baseline {want[key]!r})")
            elif key not in want:
                problems.append(f"{name}: {key} = {got[key]!r} is new (not in the baseline)")
            elif not math.isclose(want[key], got[key], rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12):
                change = (got[key] - want[key]) / want[key] if want[key] else np.inf
                problems.append(f"{name}: {key} = {got[key]!r}, baseline {want[key]!r} ({change:+.3%})")
    return problems


def load() -> dict[str, dict[str, float]]:
    """The checked-in figures."""
    return json.loads(BASELINE_FILE.read_text())["figures"]


def main() -> int:
    figures = compute()
    old = load() if BASELINE_FILE.exists() else {}
    document = {
        "about": "Regression baseline of migsim: summary figures at a fixed seed and size. "
                 "Regenerate on purpose with `python -m tests.update_baseline`.",
        "seed": SEED,
        "agents": AGENTS,
        "scenarios": SCENARIOS,
        "figures": figures,
    }
    BASELINE_FILE.write_text(json.dumps(document, indent=1) + "\n")
    changes = compare(old, figures) if old else []
    print(f"wrote {BASELINE_FILE.relative_to(ROOT)}: "
          + ", ".join(f"{name} {len(f)} figures" for name, f in figures.items()))
    for line in changes[:50]:
        print("  changed:", line)
    if len(changes) > 50:
        print(f"  ... and {len(changes) - 50} more changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

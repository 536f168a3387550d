"""The scenario library runs, and each dated policy or shock acts from its date on, not before.

With common random numbers, a scenario that only adds dated events to the baseline must give
output identical to the baseline's before its first event, and different after it.
"""

from pathlib import Path

import pandas as pd
import pytest

from simulation.runner import run
from simulation.scenario import load_scenario, month_index

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted((ROOT / "scenarios").glob("*.toml")) + sorted((ROOT / "scenarios" / "theories").glob("*.toml"))
# 2,000 agents: each stands for about 7,500 people, so the quota of 30,000 and its half are 4 and 2
# agents' worth of permits (at 800 agents, 2 and 1, and a run could leave both unused)
SMALL = dict(run__agents=2000, run__burn_in_months=6, run__seed=11)


def _run(path) -> pd.DataFrame:
    ts = run(load_scenario(path).with_values(**SMALL), reps=1, progress=False).timeseries
    return ts.sort_values(["date", "indicator", "group"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def baseline():
    return _run(ROOT / "scenarios" / "baseline.toml")


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_library_scenario_runs_and_acts_from_its_first_event(path, baseline):
    scenario = load_scenario(path)
    opening = "# Theory:" if path.parent.name == "theories" else "# Question:"
    assert path.read_text().lstrip().startswith(opening), f"each file opens with '{opening}'"
    ts = _run(path)
    stock = ts[(ts.indicator == "stock_kaz") & (ts.date == "2022-12")].value
    assert len(stock) == 1 and stock.iloc[0] > 0
    events = scenario.events
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    if path.stem == "baseline" or not events or scenario.values != base.values:
        return  # parameter changes act from the start; nothing to split in time
    first = min(ev.start for ev in events)
    before = ts.date.map(month_index) < first
    assert ts[before].equals(baseline[before]), "output changed before the first event"
    assert not ts[~before].value.equals(baseline[~before].value), "the events changed nothing"

"""Same scenario and seed give identical results, in one process or many; another seed differs."""

import numpy as np
import pandas as pd

from simulation.model import MigrationModel
from simulation.runner import replication_seeds, run
from simulation.streams import ABROAD_CHOICE, JOB_SEARCH, Streams

from conftest import toy_scenario


def test_same_seed_identical_other_seed_differs():
    s = toy_scenario(run__agents=2000)
    a = MigrationModel(s, seed=7)
    a.run()
    b = MigrationModel(s, seed=7)
    b.run()
    c = MigrationModel(s, seed=8)
    c.run()
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    assert not a.timeseries().value.equals(c.timeseries().value)


def test_replications_in_parallel_equal_replications_in_sequence():
    s = toy_scenario(run__agents=1500, run__end="2021-12")
    one = run(s, reps=3, jobs=1)
    many = run(s, reps=3, jobs=2)
    pd.testing.assert_frame_equal(one.timeseries, many.timeseries)
    assert one.seeds == replication_seeds(s["run.seed"], 3) and one.seeds[0] == s["run.seed"]
    bands = one.quantiles()
    assert {"q10", "q50", "q90"} <= set(bands.columns)


def test_a_workers_draw_does_not_depend_on_who_else_draws():
    streams = Streams(11)
    everyone = streams.uniform(JOB_SEARCH, 5, np.arange(1000))
    some = streams.uniform(JOB_SEARCH, 5, np.array([3, 500, 999]))
    assert np.array_equal(some, everyone[[3, 500, 999]])
    assert not np.array_equal(everyone, streams.uniform(JOB_SEARCH, 6, np.arange(1000)))
    assert not np.array_equal(everyone, streams.uniform(ABROAD_CHOICE, 5, np.arange(1000)))
    assert 0 <= everyone.min() and everyone.max() < 1


def test_the_progress_bar_counts_the_spin_up_and_changes_nothing(capsys):
    s = toy_scenario(run__agents=1500, run__burn_in_months=12, run__end="2021-12")
    months = []
    quiet = MigrationModel(s, seed=5)
    counted = MigrationModel(s, seed=5, progress=lambda: months.append(1))
    assert len(months) == 12  # every spin-up month reported, before the first simulated one
    quiet.run()
    counted.run()
    pd.testing.assert_frame_equal(quiet.timeseries(), counted.timeseries())

    shown = run(s, reps=2, jobs=1, progress=True)
    bar = capsys.readouterr().err.replace("\r", "\n").splitlines()
    assert any("48/48" in line for line in bar), bar[-3:]  # 2 x (12 spin-up + 12 simulated months)
    pd.testing.assert_frame_equal(shown.timeseries, run(s, reps=2, jobs=1).timeseries)


def test_memory_kept_for_large_populations_changes_no_result():
    """`allocator.py` changes where a large population's memory comes from, never what is
    computed: a run in a process where malloc keeps freed memory (the threshold lowered to the
    toy's size) gives the same indicators as one in a process where it does not."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    code = """
import json, sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {tests!r})
from simulation import allocator
allocator.LARGE_POPULATION = {threshold}
from simulation.model import MigrationModel
from conftest import toy_scenario
m = MigrationModel(toy_scenario(), seed=7)
m.run()
print("KEPT" if allocator.keep_freed_memory_for(m.population.n) else "LEFT")
print(json.dumps(m.timeseries().value.tolist()))
"""
    root = Path(__file__).resolve().parent.parent
    outputs = []
    for threshold in (1, 10**12):
        done = subprocess.run([sys.executable, "-c", code.format(root=str(root), tests=str(root / "tests"),
                                                                  threshold=threshold)],
                              capture_output=True, text=True, check=True)
        kept, values = done.stdout.strip().splitlines()[-2:]
        outputs.append((kept, json.loads(values)))
    if sys.platform.startswith("linux"):
        assert outputs[0][0] == "KEPT" and outputs[1][0] == "LEFT"
    assert outputs[0][1] == outputs[1][1]
    assert len(outputs[0][1]) > 1000

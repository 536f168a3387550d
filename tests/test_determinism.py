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

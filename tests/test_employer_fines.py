"""The worked example of a new lever: fines on employers of workers without a right to work."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from simulation.model import MigrationModel
from simulation.scenario import load_scenario
from simulation.world import KAZ_LOCATIONS, ST_IRREGULAR, ST_VISITOR

from conftest import toy_scenario

INSPECT = dict(kind="enforcement", start="2021-06", inspection_rate=0.1, _file="t.toml")


def _run(events, **changes):
    s = toy_scenario(run__agents=4000, **changes)
    model = MigrationModel(replace(s, events=events))
    model.run()
    return model, model.timeseries()


def _value(ts, indicator, date):
    return ts[(ts.indicator == indicator) & (ts.date == date)].value.iloc[0]


def _irregular_employed(model):
    pop = model.population
    in_kaz = np.isin(pop.location, KAZ_LOCATIONS)
    unauthorised = (pop.status == ST_IRREGULAR) | (pop.status == ST_VISITOR)
    return int((in_kaz & unauthorised & (pop.job_sector >= 0)).sum())


@pytest.fixture(scope="module")
def runs():
    fines = dict(kind="employer_fines", start="2021-06", usd_per_worker=5000, _file="t.toml")
    return _run([INSPECT]), _run([INSPECT, fines])


def test_fines_are_imposed_from_their_date_and_counted(runs):
    (_, plain), (_, fined) = runs
    assert (plain[plain.indicator == "employer_fines_kaz_usd"].value == 0).all()
    before = fined[(fined.indicator == "employer_fines_kaz_usd") & (fined.date < "2021-06")].value
    after = fined[(fined.indicator == "employer_fines_kaz_usd") & (fined.date >= "2021-06")].value
    assert (before == 0).all() and after.sum() > 0
    # each fine is 5,000 USD per person found (an agent stands for `scale` persons)
    found = after.sum() / 5000
    assert found > 0 and found <= fined[(fined.indicator == "inspections_kaz") & (fined.date >= "2021-06")].value.sum()
    early = fined[fined.date < "2021-06"].reset_index(drop=True)
    pd.testing.assert_frame_equal(early, plain[plain.date < "2021-06"].reset_index(drop=True))


def test_fewer_irregular_workers_find_jobs_under_fines(runs):
    (plain_model, _), (fined_model, _) = runs
    assert _irregular_employed(fined_model) < _irregular_employed(plain_model)


def test_a_fine_of_zero_changes_nothing():
    zero = dict(kind="employer_fines", start="2021-06", usd_per_worker=0, _file="t.toml")
    (_, a), (_, b) = _run([INSPECT]), _run([INSPECT, zero])
    pd.testing.assert_frame_equal(a, b)


def test_the_fine_is_a_sweepable_parameter_and_the_window_ends_it():
    s = toy_scenario(run__agents=300, run__burn_in_months=0, policy__employer_fine_usd=750.0)
    assert MigrationModel(s).levers.employer_fine == 750.0
    window = dict(kind="employer_fines", start="2021-03", end="2021-05", usd_per_worker=90, _file="t.toml")
    model = MigrationModel(replace(s, events=[window]))
    model.run_for(3)
    assert model.levers.employer_fine == 90
    model.run()
    assert model.levers.employer_fine == 750.0


def test_the_scenario_file_loads_with_both_events():
    s = load_scenario("scenarios/employer_fines.toml")
    assert [e.kind for e in s.events] == ["enforcement", "employer_fines"]
    assert s.events[1].settings["usd_per_worker"] == 2000

"""The baseline is plausible against the 2022-2023 figures (calibration proper comes later)."""

import pytest

from simulation.runner import run
from simulation.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline():
    s = load_scenario("scenarios/baseline.toml").with_values(run__agents=30_000, run__end="2023-12")
    return run(s).timeseries


def at(ts, indicator, date):
    sel = ts[(ts.indicator == indicator) & (ts.date == date)]
    return dict(zip(sel.group, sel.value))


@pytest.mark.parametrize("date", ["2022-06", "2023-06"])
def test_stock_origin_sector_and_informality(baseline, date):
    stock = at(baseline, "stock_kaz", date)["all"]
    assert 2e5 < stock < 2e6  # IOM 2023: 724,534 assessed; 577,399 Uzbeks (official)
    origins = at(baseline, "stock_kaz_by_origin", date)
    assert max(origins, key=origins.get) == "UZB"
    sectors = at(baseline, "stock_kaz_by_sector", date)
    assert max(sectors, key=sectors.get) == "construction"
    assert at(baseline, "share_no_contract", date)["all"] > 0.5


def test_kazakh_emigrants_mostly_in_russia(baseline):
    abroad = at(baseline, "kazakhs_abroad", "2022-06")
    assert 1e5 < abroad["all"] < 2e6  # KEL2025: 450,000 in 2022
    assert max((k for k in abroad if k != "all"), key=abroad.get) == "RUS"

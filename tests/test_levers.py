"""The typed lever state: events end exactly what they began; the month's counters reset themselves."""

from dataclasses import fields, replace

import numpy as np
import pytest

from simulation.levers import Levers, MonthTotals
from simulation.model import MigrationModel

from conftest import toy_scenario

WINDOWED = {  # every kind that changes levers for a window, with settings that change something
    "quota": {"skilled": 500, "other": 2000},
    "fees": {"patent_monthly_usd": 90, "permit_entry_usd": 10, "processing_months": 3},
    "enforcement": {"deportation_factor": 3, "inspection_rate": 0.2, "reentry_ban_months": 6},
    "minimum_wage": {"usd": 400},
    "entry": {"origins": "UZB", "regime": "eaeu"},
    "recruitment": {"origin": "TJK"},
    "remittance_fee": {"cap_percent": 0.5},
    "remittance_channel": {"country": "RUS"},
    "formalisation": {"contract_factor": 2.0},
    "exchange_rate": {"country": "KGZ", "change_percent": -30},
    "sanctions": {},
    "border_closure": {},
    "sector_demand": {"factor": 0.5},
    "employer_fines": {"usd_per_worker": 500},
}


def _levers_equal(a: Levers, b: Levers) -> list[str]:
    differ = []
    for f in fields(Levers):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x is None or y is None:
            same = x is None and y is None
        else:
            same = np.allclose(x, y, rtol=1e-12, atol=0)
        if not same:
            differ.append(f.name)
    return differ


@pytest.mark.parametrize("kind", sorted(WINDOWED))
def test_an_event_ends_exactly_what_it_began(kind):
    s = toy_scenario(run__agents=600, run__burn_in_months=0, run__start="2021-01", run__end="2021-06")
    event = dict(kind=kind, start="2021-02", end="2021-03", _file="t.toml", **WINDOWED[kind])
    model, plain = MigrationModel(replace(s, events=[event])), MigrationModel(s)
    model.run_for(2)  # the event has begun
    plain.run_for(2)
    assert _levers_equal(model.levers, plain.levers), f"{kind} changed no lever"
    model.run()
    plain.run()
    assert _levers_equal(model.levers, plain.levers) == [], f"{kind} left levers changed after its window"


def test_snapshot_restores_only_what_it_holds():
    levers = MigrationModel(toy_scenario(run__agents=300, run__burn_in_months=0)).levers
    saved = levers.snapshot("quota", "exit_factor")
    levers.quota, levers.patent_fee = 1.0, 99.0
    levers.exit_factor[:] = 0.5
    levers.restore(saved)
    assert levers.quota == toy_scenario()["policy.work_permit_quota"] and levers.patent_fee == 99.0
    assert (levers.exit_factor == 1).all()
    with pytest.raises(AttributeError, match="no such lever"):
        levers.snapshot("quotta")


def test_quota_categories_are_a_parameter_too():
    s = toy_scenario(policy__quota_by_category=True, policy__quota_skilled_share=0.25, policy__work_permit_quota=4000)
    levers = MigrationModel(s.with_values(run__agents=300, run__burn_in_months=0)).levers
    assert list(levers.quota_categories) == [3000.0, 1000.0] and levers.quota == 4000
    assert MigrationModel(toy_scenario(run__agents=300, run__burn_in_months=0)).levers.quota_categories is None


def test_month_totals_reset_every_counter():
    totals = MonthTotals()
    kept = totals.flows
    totals.flows[0, 0, 1] = 3
    totals.remitted += 5.0
    totals.deported = totals.inspected = 2.0
    totals.reset()
    for f in fields(MonthTotals):
        assert not np.any(getattr(totals, f.name)), f"{f.name} not reset"
    assert kept[0, 0, 1] == 3  # a recorded month keeps its own arrays

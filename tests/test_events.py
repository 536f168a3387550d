"""Event tables are validated like scenario keys; events that change nothing change nothing."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.events import KINDS, kinds_markdown, parse_events
from simulation.model import MigrationModel
from simulation.scenario import load_scenario

from conftest import toy_scenario

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path, text, name="alt.toml"):
    (tmp_path / "base.toml").write_text('[run]\nstart = "2021-01"\nend = "2022-12"\nagents = 2000\n'
                                        'burn_in_months = 12\n')
    path = tmp_path / name
    path.write_text('extends = "base"\n' + text)
    return path


def test_a_scenario_identical_to_the_baseline_gives_identical_results(tmp_path):
    """Common random numbers: events that set levers to the values in force change nothing."""
    s = toy_scenario(run__agents=3000)
    same = [dict(kind="quota", date="2021-04", total=s["policy.work_permit_quota"], _file="t"),
            dict(kind="fees", date="2021-05", patent_monthly_usd=s["policy.patent_fee_usd"], _file="t"),
            dict(kind="enforcement", start="2021-06", end="2022-03", deportation_factor=1.0, _file="t"),
            dict(kind="exchange_rate", date="2021-08", country="UZB", change_percent=0, _file="t")]
    a = MigrationModel(s)
    a.run()
    b = MigrationModel(replace(s, events=same))
    b.run()
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())


def test_a_file_that_only_extends_the_baseline_runs_identically(tmp_path):
    path = _write(tmp_path, "")
    a, b = MigrationModel(load_scenario(tmp_path / "base.toml")), MigrationModel(load_scenario(path))
    a.run()
    b.run()
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())


@pytest.mark.parametrize("table, words", [
    ('kind = "quoat"\ndate = "2022-01"\ntotal = 1', ["unknown kind 'quoat'", "quota"]),
    ('kind = "quota"\ndate = "2022-01"\ntotl = 1', ["unknown key 'totl'", "total"]),
    ('kind = "quota"\ndate = "2022-13"\ntotal = 1', ["key 'date'", "YYYY-MM"]),
    ('kind = "quota"\ndate = "2022-01"\ntotal = -5', ["key 'total' = -5", "from 0 to 100,000,000"]),
    ('kind = "quota"\ndate = "2022-01"\ntotal = inf', ["key 'total' = inf", "from 0 to 100,000,000"]),
    ('kind = "amnesty"\nstart = "2022-05"\nend = "2022-01"', ["before the start"]),
    ('kind = "amnesty"\ndate = "2022-05"', ["needs a window"]),
    ('kind = "entry"\ndate = "2022-05"\norigins = "UZB"', ["'regime' is required"]),
    ('kind = "entry"\ndate = "2022-05"\norigins = "XYZ"\nregime = "eaeu"', ["key 'origins' = 'XYZ'"]),
    ('kind = "quota"\ndate = "2019-01"\ntotal = 5', ["before run.start"]),
    ('kind = "remittance_fee"\ndate = "2022-01"', ["exactly one of 'percent'"]),
    ('kind = "recruitment"\ndate = "2022-01"\norigin = "KAZ"\ndestination = "KAZ"', ["'KAZ' cannot be its own"]),
    ('kind = "relocation"\ndate = "2022-01"\norigin = "RUS"\ndestination = "RUS"\nshare = 0.1',
     ["'RUS' cannot be its own destination"]),
    ('kind = "mobilisation"\ndate = "2022-01"\norigin = "KAZ"\ndestination = "almaty_city"',
     ["'KAZ' cannot be its own destination ('almaty_city' is in KAZ)"]),
    ('date = "2022-01"', ["no 'kind'"]),
])
def test_bad_event_tables_are_rejected_with_file_event_and_key(tmp_path, capsys, table, words):
    path = _write(tmp_path, "[[events]]\n" + table + "\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)  # validated at the door, before any model is built
    message = str(err.value)
    assert str(path) in message and "[[events]] #1" in message
    for w in words:
        assert w in message
    assert main(["check", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("tables", [
    # two windows on the quota, the same months: the first to end would undo the second, and the
    # last to end would bring back the first's value for good
    ['kind = "quota"\nstart = "2021-03"\nend = "2021-06"\ntotal = 5',
     'kind = "quota"\nstart = "2021-03"\nend = "2021-06"\ntotal = 50000'],
    # fees whose windows cross, each on another fee: an event saves and puts back every fee
    ['kind = "fees"\nstart = "2021-03"\nend = "2021-05"\npatent_monthly_usd = 10',
     'kind = "fees"\nstart = "2021-05"\nend = "2021-08"\nprocessing_months = 3'],
    # a change for good inside a window: the window's end would undo it
    ['kind = "quota"\nstart = "2021-03"\nend = "2021-12"\ntotal = 5', 'kind = "quota"\ndate = "2021-06"\ntotal = 9000'],
    # two closures of different countries share the exit factors they save and put back
    ['kind = "border_closure"\nstart = "2021-03"\nend = "2021-08"\ndestinations = "RUS"',
     'kind = "border_closure"\nstart = "2021-05"\nend = "2021-10"\ndestinations = "KAZ"'],
])
def test_events_setting_one_lever_at_the_same_time_are_refused(tmp_path, capsys, tables):
    path = _write(tmp_path, "".join("[[events]]\n" + t + "\n" for t in tables))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message and "[[events]] #1" in message and "[[events]] #2" in message
    assert "in force" in message and "Let one end before the other begins, or lie wholly inside" in message
    assert main(["check", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_events_on_one_lever_one_after_another_leave_each_value_in_force_in_turn(tmp_path):
    """Windows that follow each other, a change for good before a window, and events on other
    levers in the same months are allowed, and each window's end brings back what was in force."""
    path = _write(tmp_path, "".join("[[events]]\n" + t + "\n" for t in [
        'kind = "quota"\ndate = "2021-02"\ntotal = 9000',
        'kind = "quota"\nstart = "2021-03"\nend = "2021-04"\ntotal = 5',
        'kind = "fees"\nstart = "2021-03"\nend = "2021-05"\npatent_monthly_usd = 100',
        'kind = "quota"\nstart = "2021-05"\nend = "2021-06"\ntotal = 50000']))
    model = MigrationModel(load_scenario(path))
    scenario_fee = model.levers.patent_fee
    seen = {}
    for _ in range(8):
        date = model.date
        model.step()
        seen[date] = (model.levers.quota, model.levers.patent_fee)
    assert [seen[f"2021-0{m}"][0] for m in range(1, 9)] == [
        model.params["policy.work_permit_quota"], 9000, 5, 5, 50000, 50000, 9000, 9000]
    assert [seen[f"2021-0{m}"][1] for m in range(1, 9)] == [scenario_fee, scenario_fee, 100, 100, 100,
                                                             scenario_fee, scenario_fee, scenario_fee]


def test_an_event_beginning_the_month_another_ends_keeps_its_value_whatever_the_file_order(tmp_path):
    """Listed before the window that ends as it begins, a change used to be undone by that end."""
    path = _write(tmp_path, "".join("[[events]]\n" + t + "\n" for t in [
        'kind = "quota"\nstart = "2021-05"\nend = "2021-06"\ntotal = 50000',
        'kind = "quota"\ndate = "2021-07"\ntotal = 9000',
        'kind = "quota"\nstart = "2021-03"\nend = "2021-04"\ntotal = 5']))
    model = MigrationModel(load_scenario(path))
    quota = []
    for _ in range(8):
        model.step()
        quota.append(model.levers.quota)
    assert quota == [model.params["policy.work_permit_quota"]] * 2 + [5, 5, 50000, 50000, 9000, 9000]


def test_a_window_inside_another_on_the_same_lever_puts_back_the_outer_value(tmp_path):
    path = _write(tmp_path, "".join("[[events]]\n" + t + "\n" for t in [
        'kind = "quota"\nstart = "2021-02"\nend = "2021-07"\ntotal = 20000',
        'kind = "quota"\nstart = "2021-04"\nend = "2021-05"\ntotal = 5',
        'kind = "recruitment"\nstart = "2021-02"\nend = "2021-07"\norigin = "UZB"',
        'kind = "recruitment"\nstart = "2021-02"\nend = "2021-04"\norigin = "TJK"']))
    model = MigrationModel(load_scenario(path))
    quota, agency = [], []
    for _ in range(9):
        model.step()
        quota.append(model.levers.quota)
        agency.append(float(model.levers.agency_factor.max()))
    base = model.params["policy.work_permit_quota"]
    assert quota == [base, 20000, 20000, 5, 5, 20000, 20000, base, base]
    assert agency[0] == agency[-1] < agency[1] == agency[6]  # both agreements on, then none


def test_every_kind_is_documented_in_policy_md():
    text = (ROOT / "docs" / "policy.md").read_text()
    for name, kind in KINDS.items():
        assert f"### `{name}`" in text, f"docs/policy.md lacks the kind {name}"
        for key in kind.settings:
            assert f"`{key}`" in text
    assert kinds_markdown().strip() in text, "docs/policy.md is out of date: regenerate with migsim events --markdown"


def test_every_kind_parses_given_its_required_settings():
    given = {"quota": {"total": 1000}, "fees": {"patent_monthly_usd": 20}, "enforcement": {"deportation_factor": 2},
             "minimum_wage": {"usd": 100}, "entry": {"origins": "UZB", "regime": "eaeu"},
             "recruitment": {"origin": "UZB"}, "remittance_fee": {"percent": 2.0},
             "remittance_channel": {"country": "RUS"}, "exchange_rate": {"country": "KAZ", "change_percent": -10},
             "relocation": {"origin": "RUS", "share": 0.1}, "sector_demand": {"factor": 0.8},
             "employer_fines": {"usd_per_worker": 500}}
    for name, kind in KINDS.items():
        table = {"kind": name, "_file": "t.toml", **given.get(name, {})}
        table.update({"start": "2022-01", "end": "2022-06"} if kind.window != "none" else {"date": "2022-01"})
        (event,) = parse_events([table])
        assert event.kind == name and set(event.settings) == set(kind.settings)


def test_the_scenario_library_loads_and_validates():
    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    assert len(paths) >= 8
    for path in paths:
        assert main(["check", str(path)]) == 0
        if path.name != "baseline.toml":
            first = path.read_text().lstrip().splitlines()[0]
            assert first.startswith("# Question:"), f"{path.name} must open with the question it answers"
            assert 'extends = "baseline"' in path.read_text()


def test_events_also_apply_in_the_per_agent_reference_month():
    s = toy_scenario(run__agents=300, run__burn_in_months=2, run__end="2021-08")
    events = [dict(kind="sanctions", date="2021-02", relocation_share=0.5, relocation_months=2, _file="t"),
              dict(kind="amnesty", start="2021-03", end="2021-05", _file="t"),
              dict(kind="quota", date="2021-02", total=0, _file="t")]
    model = MigrationModel(replace(s, events=events), per_agent=True)
    model.run()
    ts = model.timeseries()
    assert ts[(ts.indicator == "relocations")].value.sum() > 0
    assert model.levers.quota == 0


def test_each_january_the_wages_of_jobs_held_abroad_follow_the_destination_wage_level():
    """Wages abroad are paid in local currency: a job held over New Year changes its USD wage
    by the destination's yearly change (2021 -> 2022: Russia's rose with the rouble)."""
    from simulation.world import HOME, LOCATION_COUNTRY

    model = MigrationModel(toy_scenario())
    while model.date != "2022-01":
        model.step()
    pop = model.population
    before_wage, before_level = pop.wage.copy(), model.economy.dest_wage.copy()
    held = (pop.location != HOME) & (pop.job_sector >= 0)
    job = (pop.location.copy(), pop.job_sector.copy(), pop.status.copy(), pop.contract.copy())
    model.step()
    change = model.economy.dest_wage / before_level
    kept = held & (pop.location == job[0]) & (pop.job_sector == job[1]) & (pop.status == job[2]) & (pop.contract == job[3])
    assert kept.sum() > 200 and abs(change - 1).max() > 0.05
    expected = before_wage[kept] * change[LOCATION_COUNTRY[pop.location[kept]]]
    followed = np.isclose(pop.wage[kept], expected, rtol=1e-5)
    assert followed.mean() > 0.97  # the rest changed jobs in the same sector and place

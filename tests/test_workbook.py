"""Levers from a spreadsheet: the template, its import, and the messages a mistake gets."""

import datetime

import pytest
from openpyxl import load_workbook

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.scenario import load_scenario
from simulation.workbook import FIRST_DATA_ROW, import_workbook, write_template


def _fill(template, rows):
    wb = load_workbook(template)
    ws = wb["events"]
    column = {c.value: c.column for c in ws[1]}
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for key, value in row.items():
            ws.cell(r, column[key], value)
    wb.save(template)
    return {key: ws.cell(1, c).column_letter for key, c in column.items()}


def test_template_then_import_round_trips_to_the_scenario_file(tmp_path):
    template = write_template(tmp_path / "levers.xlsx")
    _fill(template, [{"kind": "quota", "date": "2026-01", "total": 15000},
                     {"kind": "enforcement", "start": datetime.datetime(2027, 3, 1), "end": "2027-12",
                      "deportation_factor": 2.5, "reentry_ban_months": 24.0},
                     {"kind": "amnesty", "start": "2028-01", "end": "2028-06", "origins": "UZB, TJK",
                      "monthly_take_up": 0.1},
                     {"kind": "relocation", "date": "2026-05", "origin": "RUS", "share": 0.01, "men_only": "TRUE"}])
    out, n = import_workbook(template, tmp_path / "levers.toml")
    assert n == 4
    scenario = load_scenario(out)
    assert scenario.values == load_scenario("scenarios/baseline.toml").values
    events = scenario.events  # validated Event objects, as load_scenario returns them
    assert [e.kind for e in events] == ["quota", "enforcement", "amnesty", "relocation"]
    assert events[0].settings["total"] == 15000
    assert events[1].settings["reentry_ban_months"] == 24 and events[1].end == 2027 * 12 + 11
    assert events[2].settings["origins"] == ("UZB", "TJK")
    assert events[3].settings["men_only"] is True
    halved = load_scenario("scenarios/quota_halved.toml").events[0]
    assert (events[0].kind, events[0].start, events[0].settings) == (halved.kind, halved.start, halved.settings)


def test_import_extends_any_shipped_scenario_by_name_from_any_folder(tmp_path):
    """`--extends historical_replay` names the shipped scenario, as `extends` in a scenario file does."""
    template = write_template(tmp_path / "levers.xlsx")
    _fill(template, [{"kind": "quota", "date": "2026-01", "total": 15000}])
    out, n = import_workbook(template, tmp_path / "replay_quota.toml", extends="historical_replay")
    scenario, replay = load_scenario(out), load_scenario("scenarios/historical_replay.toml")
    assert n == 1 and scenario.values == replay.values
    assert [e.kind for e in scenario.events] == [e.kind for e in replay.events] + ["quota"]
    with pytest.raises(ScenarioError, match="Shipped scenarios: .*historical_replay"):
        import_workbook(template, tmp_path / "other.toml", extends="historical_replays")


@pytest.mark.parametrize("row, where, what", [
    ({"kind": "quotas", "date": "2026-01"}, "column A ('kind')", "unknown kind 'quotas'; kinds allowed: quota"),
    ({"kind": "quota", "date": "2026-13", "total": 100}, "column B ('date')", "a month written \"YYYY-MM\""),
    ({"kind": "quota", "date": "2026-01", "total": "fifteen thousand"}, "column F ('total')",
     "key 'total' = 'fifteen thousand' is not allowed; it must be a number from 0 to 100,000,000 (persons)"),
])
def test_a_mistake_names_sheet_row_and_column_and_says_what_is_allowed(tmp_path, row, where, what):
    template = write_template(tmp_path / "levers.xlsx")
    _fill(template, [{"kind": "quota", "date": "2026-01", "total": 20000}, row])
    with pytest.raises(ScenarioError) as err:
        import_workbook(template, tmp_path / "out.toml")
    message = str(err.value)
    assert message.startswith(f"{template}: sheet 'events', row {FIRST_DATA_ROW + 1}, {where}: event")
    assert what in message
    assert not (tmp_path / "out.toml").exists()


def test_the_commands_refuse_to_overwrite_and_report_without_a_traceback(tmp_path, capsys):
    path = tmp_path / "t.xlsx"
    assert main(["template", "--xlsx", str(path)]) == 0
    assert main(["template", "--xlsx", str(path)]) == 2
    assert "exists already" in capsys.readouterr().err
    _fill(path, [{"kind": "fees", "date": "2026-01", "patent_monthly_usd": 60}])
    assert main(["import", str(path), "--out", str(tmp_path / "fees.toml")]) == 0
    assert main(["check", str(tmp_path / "fees.toml")]) == 0
    assert main(["import", str(tmp_path / "missing.xlsx"), "--out", str(tmp_path / "x.toml")]) == 2
    assert "no such workbook" in capsys.readouterr().err

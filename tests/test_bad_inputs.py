"""A corpus of bad inputs: each ends in one line naming what is wrong, exit 2, nothing written.

Every case runs the command in-process (`cli.main`) inside an empty working folder,
with model construction made to fail loudly, so a case also proves that it was
refused before any simulation started. After the call the working folder must hold
exactly what the case put there: no results, no hidden partial folders. A few cases
run as real processes (a named pipe must not block the command: a timeout fails it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import cli

from conftest import folder_listing

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
HISTORY = ROOT / "scenarios" / "historical_replay.toml"
TARGETS_HEAD = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
                "statistic,note\n")
GOOD_TARGET = "t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,series:sum:arrivals_kaz:all:2023-01..2023-03,\n"


def scenario(text: str, name: str = "bad.toml"):
    """A scenario file extending the baseline, with `text` added."""
    def make(d: Path) -> str:
        (d / name).write_text(f'extends = "{BASELINE}"\n' + text, encoding="utf-8")
        return str(d / name)
    return make


def raw(text: str | bytes, name: str = "bad.toml"):
    def make(d: Path) -> str:
        path = d / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return make


def targets(text: str, name: str = "targets.csv"):
    return raw(text, name)


def tiny(d: Path, name: str = "tiny") -> str:
    path = d / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "{name}"\n[run]\nstart = "2022-01"\nend = "2023-12"\n'
                    "agents = 1000\nburn_in_months = 12\n", encoding="utf-8")
    return str(path)


def alternative(text: str):
    """An alternative to `tiny` that changes its [run] table by `text`."""
    def make(d: Path) -> str:
        tiny(d)
        (d / "alt.toml").write_text(f'extends = "tiny.toml"\nname = "alt"\n[run]\n{text}', encoding="utf-8")
        return str(d / "alt.toml")
    return make


def foreign_folder(d: Path) -> str:
    (d / "thesis").mkdir()
    (d / "thesis" / "thesis.txt").write_text("keep")
    return str(d / "thesis")


def migsim_folder(d: Path) -> str:
    (d / "earlier").mkdir()
    (d / "earlier" / ".migsim-results").write_text("x")
    (d / "earlier" / "timeseries.csv").write_text("keep")
    return str(d / "earlier")


def sweep_folder(d: Path, **changes) -> str:
    """An earlier sweep of the tiny scenario over policy.work_permit_quota=10000:60000:3."""
    from simulation.scenario import load_scenario
    from simulation.sweep import scenario_fingerprint

    s = load_scenario(tiny(d))
    folder = d / "sweep"
    folder.mkdir()
    record = {"scenario": "tiny", "scenario_fingerprint": scenario_fingerprint(s), "scenario_file": str(s.path),
              "vary": [{"key": "policy.work_permit_quota", "low": 10000.0, "high": 60000.0, "n": 3}],
              "samples": None, "reps": 1, "agents": None, "seeds": [1], "points": []}
    record.update(changes)
    (folder / "_sweep.json").write_text(json.dumps(record))
    return str(folder)


def damaged_sweep(d: Path, record: str, part: bytes | None = None) -> str:
    """A sweep folder whose _sweep.json holds `record`, with one part file of bytes `part`."""
    folder = d / "damaged"
    folder.mkdir()
    (folder / "_sweep.json").write_text(record)
    if part is not None:
        (folder / "part-1.parquet").write_bytes(part)
    return str(folder)


def events_workbook(d: Path, **row) -> str:
    """A filled events workbook: one quota in 2026-01, or the cells given."""
    from openpyxl import load_workbook

    from simulation.workbook import FIRST_DATA_ROW, write_template

    path = write_template(d / "events.xlsx")
    wb = load_workbook(path)
    ws = wb["events"]
    header = [c.value for c in ws[1]]
    for key, value in (row or {"kind": "quota", "date": "2026-01", "total": 20000}).items():
        ws.cell(FIRST_DATA_ROW, header.index(key) + 1, value)
    wb.save(path)
    return str(path)


def damaged_comparison(d: Path) -> str:
    """A compare report folder whose summary.json was cut short."""
    (d / "cmp" / "scenarios").mkdir(parents=True)
    (d / "cmp" / "summary.json").write_text('{"seeds": [1')
    (d / "cmp" / "replications.parquet").write_bytes(b"")
    return str(d / "cmp")


def calibration_folder(d: Path) -> str:
    """A calibration history whose fit/ folder holds someone's own files."""
    (d / "cal" / "fit").mkdir(parents=True)
    (d / "cal" / "history.db").write_bytes(b"")
    (d / "cal" / "fit" / "my_notes.txt").write_text("keep")
    return str(d / "cal")


def a_file(d: Path) -> str:
    (d / "afile").write_text("not a folder")
    return str(d / "afile")


# (id, argv builder: folder -> argv, words the message must contain)
CASES = [
    # --- scenario files -------------------------------------------------------------------
    ("missing-file", lambda d: ["check", str(d / "nope.toml")], ["nope.toml", "no such scenario file"]),
    ("folder-as-scenario", lambda d: ["check", str(d)], ["is a folder"]),
    ("device-as-scenario", lambda d: ["run", "/dev/null", "--out", str(d / "o")], ["/dev/null", "not a regular file"]),
    ("not-toml", lambda d: ["check", raw("[run\nagents = 1")(d)], ["bad.toml", "not valid TOML"]),
    ("not-utf8", lambda d: ["check", raw(b"name = \"\xff\xfe\"\n")(d)], ["bad.toml", "UTF-8"]),
    ("unknown-key", lambda d: ["check", scenario("[behaviour]\nbeta_netwrok = 1.0\n")(d)],
     ["behaviour.beta_netwrok", "Did you mean"]),
    ("unknown-table", lambda d: ["check", scenario("[nonsense]\nx = 1\n")(d)], ["nonsense.x", "unknown key"]),
    ("string-for-number", lambda d: ["check", scenario('[policy]\nwork_permit_quota = "many"\n')(d)],
     ["policy.work_permit_quota", "'many'"]),
    ("negative-quota", lambda d: ["check", scenario("[policy]\nwork_permit_quota = -1\n")(d)],
     ["policy.work_permit_quota", "-1"]),
    ("bool-for-number", lambda d: ["check", scenario("[policy]\nwork_permit_quota = true\n")(d)],
     ["policy.work_permit_quota", "True"]),
    ("nan", lambda d: ["check", scenario("[behaviour]\nbeta_network = nan\n")(d)], ["behaviour.beta_network", "nan"]),
    ("inf", lambda d: ["check", scenario("[behaviour]\nbeta_network = inf\n")(d)], ["behaviour.beta_network", "inf"]),
    ("month-13", lambda d: ["check", scenario('[run]\nstart = "2030-13"\n')(d)], ["run.start", "'2030-13'", "01 to 12"]),
    ("month-one-digit", lambda d: ["check", scenario('[run]\nstart = "2015-1"\n')(d)], ["run.start", "YYYY-MM"]),
    ("month-as-number", lambda d: ["check", scenario("[run]\nstart = 201501\n")(d)], ["run.start", "201501"]),
    ("end-before-start", lambda d: ["check", scenario('[run]\nstart = "2020-01"\nend = "2019-12"\n')(d)],
     ["run.end", "before run.start"]),
    ("start-1990", lambda d: ["check", scenario('[run]\nstart = "1990-01"\n')(d)], ["run.start", "'1990-01'", "2010-01"]),
    ("start-year-1", lambda d: ["check", scenario('[run]\nstart = "0001-01"\n')(d)], ["run.start", "2010-01"]),
    ("end-2040", lambda d: ["check", scenario('[run]\nend = "2040-12"\n')(d)], ["run.end", "2035-12"]),
    ("extends-missing", lambda d: ["check", raw('extends = "nowhere"\n')(d)], ["extends", "nowhere"]),
    ("extends-itself", lambda d: ["check", raw('extends = "bad"\n')(d)], ["cycle"]),
    ("extends-number", lambda d: ["check", raw("extends = 5\n")(d)], ["extends", "5"]),
    ("name-number", lambda d: ["check", scenario("name = 5\n")(d)], ["name", "must be a string"]),
    ("name-path", lambda d: ["check", scenario('name = "../up"\n')(d)], ["name", "'../up'"]),
    ("name-hidden", lambda d: ["check", scenario('name = ".hidden"\n')(d)], ["name", "'.hidden'"]),
    ("description-number", lambda d: ["check", scenario("description = 3\n")(d)], ["description", "3"]),
    ("events-not-tables", lambda d: ["check", scenario("events = 3\n")(d)], ["events", "list of tables"]),
    ("event-unknown-kind", lambda d: ["check", scenario('[[events]]\nkind = "meteor"\ndate = "2020-01"\n')(d)],
     ["meteor", "kinds allowed"]),
    ("event-no-date", lambda d: ["check", scenario('[[events]]\nkind = "quota"\ntotal = 5\n')(d)],
     ["[[events]] #1", "date"]),
    ("event-bad-month", lambda d: ["check", scenario('[[events]]\nkind = "quota"\ndate = "2020-00"\ntotal = 5\n')(d)],
     ["2020-00"]),
    ("event-after-end", lambda d: ["check", scenario('[run]\nend = "2024-12"\n[[events]]\nkind = "quota"\n'
                                                     'date = "2026-01"\ntotal = 5\n')(d)],
     ["[[events]] #1", "2026-01", "after run.end", "never"]),
    ("event-before-start", lambda d: ["run", scenario('[[events]]\nkind = "quota"\ndate = "2012-01"\ntotal = 5\n')(d),
                                      "--out", str(d / "o")], ["before run.start"]),
    ("event-unknown-setting", lambda d: ["check", scenario('[[events]]\nkind = "quota"\ndate = "2020-01"\ntotall = 5\n')(d)],
     ["totall"]),
    ("shares-not-one", lambda d: ["check", scenario("[mobility.intention]\nreturn = 0.9\n")(d)], ["add up to 1"]),
    ("tie-shares-over-one", lambda d: ["check", scenario("[population]\ntie_village_share = 0.9\n"
                                                         "tie_origin_share = 0.9\n")(d)], ["may not exceed 1"]),
    ("agents-too-few", lambda d: ["check", scenario("[run]\nagents = 50\n")(d)], ["run.agents", "50"]),
    ("reps-zero-in-file", lambda d: ["check", scenario("[run]\nreps = 0\n")(d)], ["run.reps", "0"]),
    ("seed-negative-in-file", lambda d: ["check", scenario("[run]\nseed = -5\n")(d)], ["run.seed", "-5"]),
    # --- command-line arguments -------------------------------------------------------------
    ("run-agents-negative", lambda d: ["run", tiny(d), "--agents", "-5", "--out", str(d / "o")], ["run.agents", "-5"]),
    ("run-agents-above-range", lambda d: ["run", tiny(d), "--agents", "1000000000", "--out", str(d / "o")],
     ["run.agents", "1000000000"]),
    ("run-agents-beyond-memory", lambda d: ["run", tiny(d), "--agents", "90000000", "--out", str(d / "o")],
     ["--agents 90,000,000", "GB", "at most about"]),
    ("run-agents-not-a-number", lambda d: ["run", tiny(d), "--agents", "many"], ["--agents", "'many'"]),
    ("run-reps-zero", lambda d: ["run", tiny(d), "--reps", "0", "--out", str(d / "o")], ["run.reps", "0"]),
    ("run-seed-negative", lambda d: ["run", tiny(d), "--seed", "-1", "--out", str(d / "o")], ["seed", "-1"]),
    ("run-jobs-zero", lambda d: ["run", tiny(d), "--jobs", "0", "--out", str(d / "o")], ["--jobs"]),
    ("run-band-reversed", lambda d: ["run", tiny(d), "--band", "60,40", "--out", str(d / "o")], ["--band", "60,40"]),
    ("run-band-words", lambda d: ["run", tiny(d), "--band", "wide", "--out", str(d / "o")], ["--band", "wide"]),
    ("run-unknown-flag", lambda d: ["run", tiny(d), "--agnets", "5"], ["--agnets"]),
    ("unknown-command", lambda d: ["runn", tiny(d)], ["runn"]),
    ("run-out-empty", lambda d: ["run", tiny(d), "--out", ""], ["--out ''", "no folder named"]),
    ("run-out-dot", lambda d: ["run", tiny(d), "--out", "."], ["--out .", "current folder"]),
    ("run-out-parent", lambda d: ["run", tiny(d), "--out", ".."], ["--out ..", "current folder or one above"]),
    ("run-out-file", lambda d: ["run", tiny(d), "--out", a_file(d)], ["afile", "not a folder"]),
    ("run-out-under-file", lambda d: ["run", tiny(d), "--out", a_file(d) + "/sub"], ["afile", "is a file"]),
    ("run-out-proc", lambda d: ["run", tiny(d), "--out", "/proc/migsim-results"], ["/proc", "system folder"]),
    ("run-out-foreign-folder", lambda d: ["run", tiny(d), "--out", foreign_folder(d)],
     ["thesis", "not written by migsim"]),
    ("run-out-foreign-folder-force", lambda d: ["run", tiny(d), "--out", foreign_folder(d), "--force"],
     ["thesis", "not written by migsim"]),
    ("run-out-earlier-results", lambda d: ["run", tiny(d), "--out", migsim_folder(d)], ["earlier", "--force"]),
    ("run-posterior-missing", lambda d: ["run", tiny(d), "--posterior", "nope.csv", "--out", str(d / "o")],
     ["--posterior nope.csv"]),
    ("run-posterior-other-columns", lambda d: ["run", tiny(d), "--posterior", raw("a,b\n1,2\n", "post.csv")(d),
                                               "--out", str(d / "o")], ["post.csv", "'a'"]),
    ("run-posterior-device", lambda d: ["run", tiny(d), "--posterior", "/dev/null", "--out", str(d / "o")],
     ["--posterior /dev/null", "not a regular file"]),
    ("run-save-state-over-a-file", lambda d: ["run", tiny(d), "--reps", "1", "--save-state", "2022-06", a_file(d),
                                              "--out", str(d / "o")], ["afile", "not a migsim state file"]),
    ("run-save-state-over-a-state", lambda d: ["run", tiny(d), "--reps", "1", "--save-state", "2022-06",
                                               raw(b"migsim-state-1\nold", "old.state")(d), "--out", str(d / "o")],
     ["old.state", "--force"]),
    ("run-save-state-month-13", lambda d: ["run", tiny(d), "--reps", "1", "--save-state", "2022-13", "s.state",
                                           "--out", str(d / "o")], ["--save-state '2022-13'", "YYYY-MM"]),
    ("run-save-state-after-the-run", lambda d: ["run", tiny(d), "--reps", "1", "--save-state", "2030-01", "s.state",
                                                "--out", str(d / "o")], ["--save-state 2030-01", "outside the run"]),
    ("run-save-state-under-a-file", lambda d: ["run", tiny(d), "--reps", "1", "--save-state", "2022-06",
                                               a_file(d) + "/s.state", "--out", str(d / "o")], ["afile", "is a file"]),
    ("brief-out-foreign", lambda d: ["brief", "--from", str(d), "--out", foreign_folder(d)],
     ["thesis", "not written by migsim"]),
    ("brief-out-empty", lambda d: ["brief", "--from", str(d), "--out", ""], ["--out ''"]),
    ("discover-out-earlier", lambda d: ["discover", str(d), "--indicator", "stock_kaz", "--above", "1",
                                        "--out", migsim_folder(d)], ["earlier", "--force"]),
    ("discover-out-empty", lambda d: ["discover", str(d), "--indicator", "stock_kaz", "--above", "1", "--out", ""],
     ["--out ''"]),
    ("discover-sweep-record-damaged", lambda d: ["discover", damaged_sweep(d, "{bad json"), "--indicator", "stock_kaz",
                                                 "--above", "1", "--out", str(d / "o")], ["_sweep.json", "unreadable"]),
    ("discover-sweep-record-other", lambda d: ["discover", damaged_sweep(d, "[1, 2]"), "--indicator", "stock_kaz",
                                               "--above", "1", "--out", str(d / "o")], ["_sweep.json", "'points'"]),
    ("discover-sweep-part-damaged", lambda d: ["discover", damaged_sweep(d, '{"vary": [], "points": []}', b"half"),
                                               "--indicator", "stock_kaz", "--above", "1", "--out", str(d / "o")],
     ["part-1.parquet", "cannot be read"]),
    ("discover-min-density-above-one", lambda d: ["discover", str(d), "--indicator", "stock_kaz", "--above", "1",
                                                  "--min-density", "7", "--out", str(d.parent / "o")],
     ["--min-density 7", "at most 1"]),
    ("discover-threshold-nan", lambda d: ["discover", str(d), "--indicator", "stock_kaz", "--above", "nan",
                                          "--out", str(d.parent / "o")], ["--above nan", "finite"]),
    ("template-under-a-file", lambda d: ["template", "--xlsx", a_file(d) + "/events.xlsx"], ["afile", "is a file"]),
    ("template-in-proc", lambda d: ["template", "--xlsx", "/proc/events.xlsx"], ["/proc/events.xlsx", "cannot be written"]),
    ("import-out-under-a-file", lambda d: ["import", events_workbook(d), "--out", a_file(d) + "/s.toml"],
     ["--out", "afile", "is a file"]),
    ("import-out-in-proc", lambda d: ["import", events_workbook(d), "--out", "/proc/s.toml"],
     ["--out /proc/s.toml", "cannot be written"]),
    ("import-extends-missing", lambda d: ["import", events_workbook(d), "--out", str(d / "s.toml"),
                                          "--extends", "nowhere"], ["--extends nowhere", "no such scenario file"]),
    ("import-name-bad", lambda d: ["import", events_workbook(d), "--out", str(d / "s.toml"), "--name", "../up"],
     ["--name '../up'", "not allowed"]),
    ("import-event-after-the-run", lambda d: ["import", events_workbook(d, kind="quota", date="2040-01", total=5),
                                              "--out", str(d / "s.toml")],
     ["events.xlsx: sheet 'events', row 4, column B ('date')", "after run.end"]),
    ("brief-date-after-the-run", lambda d: ["brief", tiny(d), tiny(d, "b"), "--dates", "2030-12",
                                            "--out", str(d / "o")], ["--dates", "2030-12", "outside the run"]),
    ("brief-sensitivity-missing", lambda d: ["brief", tiny(d), tiny(d, "b"), "--sensitivity", "nope.csv",
                                             "--out", str(d / "o")], ["nope.csv", "sensitivity table"]),
    ("brief-from-damaged-folder", lambda d: ["brief", "--from", damaged_comparison(d), "--out", str(d / "o")],
     ["cmp", "summary.json", "cannot be read"]),
    ("params-unknown", lambda d: ["params", "nonsense"], ["nonsense"]),
    ("compare-seed-negative", lambda d: ["compare", tiny(d), tiny(d, "b"), "--seed", "-1", "--out", str(d / "o")],
     ["--seed -1"]),
    ("compare-reps-zero", lambda d: ["compare", tiny(d), tiny(d, "b"), "--reps", "0", "--out", str(d / "o")],
     ["--reps", "0"]),
    ("compare-same-name", lambda d: ["compare", tiny(d), scenario('name = "tiny"\n[run]\nstart = "2022-01"\n'
                                                                   'end = "2023-12"\nagents = 1000\n'
                                                                   'burn_in_months = 12\n', "other.toml")(d),
                                     "--out", str(d / "o")], ["other.toml", "'tiny'", "own name"]),
    ("compare-bad-date", lambda d: ["compare", tiny(d), tiny(d, "b"), "--dates", "2023-13", "--out", str(d / "o")],
     ["--dates", "2023-13"]),
    ("compare-date-after-the-run", lambda d: ["compare", tiny(d), tiny(d, "b"), "--dates", "2030-12",
                                              "--out", str(d / "o")], ["--dates", "2030-12", "outside the run"]),
    ("compare-other-months", lambda d: ["compare", tiny(d), scenario('name = "long"\n', "long.toml")(d),
                                        "--out", str(d / "o")], ["long.toml", "same months"]),
    ("compare-other-agents", lambda d: ["compare", tiny(d), alternative("agents = 100_000_000\n")(d), "--reps", "1",
                                        "--out", str(d / "o")],
     ["alt.toml: run.agents = 100000000", "tiny.toml) has run.agents = 1000", "--agents N"]),
    ("compare-other-seed", lambda d: ["compare", tiny(d), alternative("seed = 5\n")(d), "--out", str(d / "o")],
     ["alt.toml: run.seed = 5", "set it alike in both files", "--seed N"]),
    ("compare-other-burn-in", lambda d: ["compare", tiny(d), alternative("burn_in_months = 3\n")(d),
                                         "--out", str(d / "o")], ["alt.toml: run.burn_in_months = 3", "= 12"]),
    ("brief-other-agents", lambda d: ["brief", tiny(d), alternative("agents = 2000\n")(d), "--out", str(d / "o")],
     ["alt.toml: run.agents = 2000", "--agents N"]),
    ("compare-out-foreign", lambda d: ["compare", tiny(d), tiny(d, "b"), "--out", foreign_folder(d)],
     ["thesis", "not written by migsim"]),
    ("compare-out-empty", lambda d: ["compare", tiny(d), tiny(d, "b"), "--out", ""], ["--out ''"]),
    ("compare-out-missing", lambda d: ["compare", tiny(d), tiny(d, "b")], ["--out"]),
    ("sensitivity-seed-negative", lambda d: ["sensitivity", "--seed", "-1", "--out", str(d / "o")], ["--seed -1"]),
    ("sensitivity-samples-zero", lambda d: ["sensitivity", "--samples", "0", "--out", str(d / "o")], ["--samples", "0"]),
    ("sensitivity-out-dot", lambda d: ["sensitivity", "--out", "."], ["--out .", "current folder"]),
    ("sensitivity-agents-beyond-memory", lambda d: ["sensitivity", "--agents", "90000000", "--out", str(d / "o")],
     ["90,000,000", "GB"]),
    ("sensitivity-method", lambda d: ["sensitivity", "--method", "fast"], ["--method", "'fast'"]),
    ("calibrate-out-foreign", lambda d: ["calibrate", "--out", foreign_folder(d)], ["thesis", "not written by migsim"]),
    ("calibrate-fit-foreign", lambda d: ["calibrate", "--resume", "--out", calibration_folder(d)],
     ["fit", "not written by migsim"]),
    ("calibrate-out-proc", lambda d: ["calibrate", "--out", "/proc/calibration"], ["/proc", "system folder"]),
    ("hindcast-out-foreign", lambda d: ["hindcast", "--until", "2019-12", "--out", foreign_folder(d)],
     ["thesis", "not written by migsim"]),
    ("hindcast-until-after-every-target", lambda d: ["hindcast", "--until", "2030-12", "--out", str(d / "h")],
     ["--until 2030-12", "nothing to forecast"]),
    ("hindcast-until-before-every-target", lambda d: ["hindcast", "--until", "2009-12", "--out", str(d / "h")],
     ["--until 2009-12", "no fitted target ends by then"]),
    ("hindcast-window-after-every-target-matched", lambda d: ["hindcast", "--until", "2015-12", "--start", "2020-01",
     "--end", "2023-12", "--scenario", str(BASELINE), "--out", str(d / "h")],
     ["--until 2015-12 --start 2020-01 --end 2023-12", "nothing to match", "--start of 2015-01 or earlier"]),
    ("hindcast-window-ending-before-every-forecast", lambda d: ["hindcast", "--until", "2019-12", "--end", "2018-01",
     "--out", str(d / "h")], ["--until 2019-12 --start 2010-01 --end 2018-01", "nothing to forecast", "--end of 2020-12 or later"]),
    ("hindcast-agents-beyond-memory", lambda d: ["hindcast", "--until", "2019-12", "--agents", "90000000",
                                                 "--out", str(d / "h")], ["90,000,000", "GB"]),
    ("calibrate-max-minutes-nan", lambda d: ["calibrate", "--max-minutes", "nan", "--out", str(d / "c")],
     ["--max-minutes nan", "above 0"]),
    ("hindcast-max-minutes-negative", lambda d: ["hindcast", "--until", "2019-12", "--max-minutes", "-1",
                                                 "--out", str(d / "h")], ["--max-minutes -1", "above 0"]),
    ("calibrate-report-agents-too-few", lambda d: ["calibrate", "--report-agents", "5", "--out", str(d / "c")],
     ["--report-agents 5", "at least 100"]),
    ("calibrate-report-agents-beyond-memory", lambda d: ["calibrate", "--report-agents", "90000000",
                                                         "--out", str(d / "c")], ["--report-agents 90,000,000", "GB"]),
    ("calibrate-out-file", lambda d: ["calibrate", "--out", a_file(d)], ["afile", "not a folder"]),
    ("calibrate-seed-negative", lambda d: ["calibrate", "--seed", "-3", "--out", str(d / "c")], ["--seed -3"]),
    ("validate-out-empty", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET)(d), "--out", ""], ["--out ''"]),
    ("sensitivity-out-earlier", lambda d: ["sensitivity", "--out", migsim_folder(d)], ["earlier", "--force"]),
    # --- targets files (validate) -------------------------------------------------------------
    ("validate-seed-negative", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET)(d), "--seed", "-1"],
     ["--seed -1"]),
    ("validate-reps-zero", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET)(d), "--reps", "0"], ["--reps", "0"]),
    ("validate-out-foreign", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET)(d), "--out", foreign_folder(d)],
     ["thesis", "not written by migsim"]),
    ("validate-out-proc", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET)(d), "--out", "/proc/x"],
     ["/proc"]),
    ("targets-missing", lambda d: ["validate", str(d / "none.csv")], ["none.csv", "no such targets file"]),
    ("targets-folder", lambda d: ["validate", str(d)], ["is a folder"]),
    ("targets-device", lambda d: ["validate", "/dev/null"], ["/dev/null", "not a regular file"]),
    ("targets-empty", lambda d: ["validate", targets("")(d)], ["targets.csv"]),
    ("targets-binary", lambda d: ["validate", targets(b"\xff\xfe\x00\x01".decode("latin-1") + "\n\xff")(d)],
     ["targets.csv"]),
    ("targets-missing-columns", lambda d: ["validate", targets("id,kind\nx,share\n")(d)], ["missing column"]),
    ("targets-unknown-column", lambda d: ["validate", targets(TARGETS_HEAD.strip() + ",extra\n"
                                                              + GOOD_TARGET.strip() + ",1\n")(d)], ["extra"]),
    ("targets-duplicate-id", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET * 2)(d)], ["duplicate", "t1"]),
    ("targets-header-only", lambda d: ["validate", targets(TARGETS_HEAD)(d)], ["holds no targets"]),
    ("targets-bad-kind", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace(",count,", ",guess,"))(d)],
     ["line 2", "guess"]),
    ("targets-bad-weight", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace(",0.3,1,", ",0.3,heavy,"))(d)],
     ["weight", "heavy"]),
    ("targets-bad-statistic", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace("series:sum:arrivals_kaz",
                                                                                                "series:sum:nothing"))(d)],
     ["nothing"]),
    ("targets-bad-year", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace(",2023,", ",soon,"))(d)],
     ["year", "soon"]),
    ("targets-statistic-month-13", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace("2023-03,",
                                                                                                     "2023-13,"))(d)],
     ["targets.csv, line 2", "'2023-13'", "01 to 12"]),
    ("targets-statistic-month-00", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace("2023-01..",
                                                                                                     "2023-00.."))(d)],
     ["targets.csv, line 2", "'2023-00'"]),
    ("targets-statistic-before-the-model", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace(
        "2023-01..2023-03", "1990-01..1990-03"))(d)], ["targets.csv, line 2", "1990", "2010 to 2035"]),
    ("targets-gdp-percent-after-the-model", lambda d: ["validate", targets(TARGETS_HEAD + GOOD_TARGET.replace(
        "series:sum:arrivals_kaz:all:2023-01..2023-03", "gdp_percent:UZB:2040"))(d)],
     ["targets.csv, line 2", "2040", "2010 to 2035"]),
    # --- sweeps ---------------------------------------------------------------------------------
    ("sweep-workers-zero", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=10000:60000:3",
                                      "--workers", "0", "--out", str(d / "s")], ["--workers", "0"]),
    ("sweep-no-vary", lambda d: ["sweep", tiny(d), "--out", str(d / "s")], ["--vary"]),
    ("sweep-vary-no-equals", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota", "--out", str(d / "s")],
     ["KEY=LOW:HIGH:N"]),
    ("sweep-vary-unknown-key", lambda d: ["sweep", tiny(d), "--vary", "policy.quotaa=1:2:2", "--out", str(d / "s")],
     ["policy.quotaa"]),
    ("sweep-vary-text-key", lambda d: ["sweep", tiny(d), "--vary", "run.start=1:2:2", "--out", str(d / "s")],
     ["run.start", "numeric"]),
    ("sweep-vary-reversed", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=9:1:2", "--out", str(d / "s")],
     ["below LOW"]),
    ("sweep-vary-out-of-range", lambda d: ["sweep", tiny(d), "--vary", "behaviour.beta_network=-5:1:2",
                                           "--out", str(d / "s")], ["behaviour.beta_network", "outside"]),
    ("sweep-vary-nan", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=nan:2000:2",
                                  "--out", str(d / "s")], ["nan:2000:2", "finite"]),
    ("sweep-vary-twice", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1000:2000:2", "--vary",
                                    "policy.work_permit_quota=3000:4000:2", "--out", str(d / "s")],
     ["policy.work_permit_quota", "more than once"]),
    ("sweep-vary-n-zero", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:0", "--out", str(d / "s")],
     ["N = 0"]),
    ("sweep-integer-grid-duplicates", lambda d: ["sweep", tiny(d), "--vary", "run.burn_in_months=1:3:5",
                                                 "--out", str(d / "s")], ["run.burn_in_months", "only 3 distinct"]),
    ("sweep-samples-zero", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2", "--samples", "0",
                                      "--out", str(d / "s")], ["--samples"]),
    ("sweep-reps-zero", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:2", "--reps", "0",
                                   "--out", str(d / "s")], ["--reps"]),
    ("sweep-out-foreign", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:2",
                                     "--out", foreign_folder(d)], ["thesis", "not written by migsim"]),
    ("sweep-out-run-results", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:2",
                                         "--out", migsim_folder(d)], ["earlier", "not a sweep"]),
    ("sweep-out-empty", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:2", "--out", ""],
     ["--out ''"]),
    ("sweep-out-file", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=1:2:2", "--out", a_file(d)],
     ["afile", "not a folder"]),
    ("sweep-other-design", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=10000:60000:4",
                                      "--out", sweep_folder(d)], ["another design", "vary"]),
    ("sweep-other-reps", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=10000:60000:3", "--reps", "2",
                                    "--out", sweep_folder(d)], ["another design", "reps"]),
    ("sweep-other-scenario", lambda d: ["sweep", tiny(d), "--vary", "policy.work_permit_quota=10000:60000:3",
                                        "--out", sweep_folder(d, scenario_fingerprint="0" * 16)],
     ["other parameters"]),
]




@pytest.fixture
def no_simulation(monkeypatch):
    """Any model built or Dask cluster started (calibrate, hindcast) during a bad-input case fails
    the case: refusals come before running."""
    from calibration import fit
    from simulation import model

    def refuse(*args, **kwargs):
        raise AssertionError("a simulation started although the input was bad")

    monkeypatch.setattr(model.MigrationModel, "__init__", refuse)
    monkeypatch.setattr(fit, "make_client", refuse)


@pytest.mark.parametrize("case_id, argv, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_in_one_line(case_id, argv, words, tmp_path, monkeypatch, capsys, no_simulation):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    args = argv(work)
    before = folder_listing(work)
    try:
        code = cli.main(args)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT, (code, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0], err
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert folder_listing(work) == before, "a refused command wrote or removed something"


def test_corpus_is_large_enough():
    assert len(CASES) + len(SUBPROCESS_CASES) >= 60


# --- as real processes ----------------------------------------------------------------------
def _fifo(d: Path, name: str) -> str:
    path = d / name
    os.mkfifo(path)
    return str(path)


SUBPROCESS_CASES = [
    ("fifo-scenario", lambda d: ["run", _fifo(d, "pipe.toml"), "--out", str(d / "o")], ["pipe.toml", "not a regular file"]),
    ("fifo-targets", lambda d: ["validate", _fifo(d, "pipe.csv")], ["pipe.csv", "not a regular file"]),
    ("run-out-dot-installed", lambda d: ["run", tiny(d), "--out", "."], ["current folder"]),
    ("bad-targets-exit-code", lambda d: ["validate", targets("id,kind\nx,share\n")(d)], ["missing column"]),
]


@pytest.mark.parametrize("case_id, argv, words", SUBPROCESS_CASES, ids=[c[0] for c in SUBPROCESS_CASES])
def test_bad_input_as_a_process(case_id, argv, words, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    args = argv(work)
    before = _listing_names(work)
    done = subprocess.run([sys.executable, "-m", "simulation.cli", *args], capture_output=True, text=True,
                          cwd=work, timeout=240, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert _listing_names(work) == before


def _listing_names(folder: Path) -> set[str]:
    return {os.path.relpath(os.path.join(r, n), folder) for r, ds, fs in os.walk(folder) for n in ds + fs}

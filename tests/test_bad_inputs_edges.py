"""Bad inputs at the edges: each refused in one line with exit status 2, nothing written, no traceback.

Months with a trailing line break or non-ASCII digits, an event kind that is a list, an `extends`
naming the root folder or a name too long for the file system, a workbook that is a named pipe, a
sensitivity table with words for numbers, and the like.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import cli
from simulation.dates import month_index

from conftest import folder_listing, tiny_scenario_file

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def scenario(folder: Path, text: str, name: str = "bad.toml") -> str:
    path = folder / name
    path.write_text(f'extends = "{BASELINE}"\n' + text, encoding="utf-8")
    return str(path)


def refused(folder: Path, argv: list[str], *words: str, capsys) -> str:
    """Run `migsim ARGV` in `folder`; it must exit 2 with one line holding `words`, writing nothing."""
    before = folder_listing(folder)
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == cli.EXIT_BAD_INPUT, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert folder_listing(folder) == before
    return lines[0]


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- months -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["2022-01\n", "2022-01\r\n", "\u0662\u0660\u0662\u0662-\u0660\u0661", " 2022-01"])
def test_a_month_with_a_line_break_or_other_digits_is_not_a_month(text):
    with pytest.raises(ValueError):
        month_index(text)


@pytest.mark.parametrize("where", ['[run]\nstart = "2022-01\\n"\n',
                                   '[[events]]\nkind = "quota"\ndate = "2022-06\\n"\ntotal = 5\n'])
def test_check_refuses_a_month_ending_in_a_line_break(work, capsys, where):
    refused(work, ["check", scenario(work, where)], "bad.toml", "'2022-", "YYYY-MM", capsys=capsys)


# --- events -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, shown", [('["quota"]', "['quota']"), ("{ name = \"quota\" }", "{'name': 'quota'}")])
def test_an_event_kind_that_is_a_list_or_a_table_is_named(work, capsys, kind, shown):
    path = scenario(work, f'[[events]]\nkind = {kind}\ndate = "2022-06"\ntotal = 5\n')
    refused(work, ["check", path], "bad.toml", "[[events]] #1", f"unknown kind {shown}", "kinds allowed", capsys=capsys)


# --- extends ------------------------------------------------------------------------------------
@pytest.mark.parametrize("target, words", [("/", ["is a folder"]), (".", ["is a folder"]),
                                           ("x" * 300, ["key 'extends'", "cannot name a file"])])
def test_extends_naming_a_folder_or_too_long_a_name(work, capsys, target, words):
    (work / "c.toml").write_text(f'extends = "{target}"\n', encoding="utf-8")
    refused(work, ["check", str(work / "c.toml")], *words, capsys=capsys)


def test_import_extends_the_folder_of_its_out(work, capsys):
    from simulation.workbook import write_template

    book = write_template(work / "events.xlsx")
    refused(work, ["import", str(book), "--out", str(work / "s.toml"), "--extends", str(work)],
            "--extends", "is a folder", capsys=capsys)


# --- a workbook that is a named pipe (it would block the import: run as a process with a timeout) -----
def test_import_of_a_named_pipe_does_not_hang(tmp_path):
    import os
    import subprocess
    import sys

    os.mkfifo(tmp_path / "events.xlsx")
    done = subprocess.run([sys.executable, "-m", "simulation.cli", "import", "events.xlsx", "--out", "s.toml"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONPATH": str(BASELINE.parent.parent)})
    assert done.returncode == 2, done.stderr
    assert "events.xlsx" in done.stderr and "not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.xlsx"]


# --- a sensitivity table with words for numbers -------------------------------------------------
def test_brief_sensitivity_table_with_a_word_for_a_number(work, capsys, monkeypatch):
    from simulation import experiments

    monkeypatch.setattr(experiments, "compare", lambda *a, **k: pytest.fail("compared despite a bad table"))
    table = work / "indices.csv"
    table.write_text("output,parameter,mu_star,sigma\nx,behaviour.beta_network,0.5,1\nx,behaviour.beta_cost,abc,1\n")
    base, alt = scenario(work, 'name = "a"\n', "a.toml"), scenario(work, 'name = "b"\n', "b.toml")
    refused(work, ["brief", base, alt, "--sensitivity", str(table), "--out", "o"],
            "indices.csv, line 3", "'mu_star' = 'abc'", "not a number", capsys=capsys)


@pytest.mark.parametrize("value, what", [("nan", "not a finite number"), ("inf", "not a finite number"),
                                         ("-Infinity", "not a finite number"), ("", "is empty")])
def test_brief_sensitivity_table_with_nan_inf_or_nothing_for_an_index(work, capsys, monkeypatch, value, what):
    from simulation import experiments

    monkeypatch.setattr(experiments, "compare", lambda *a, **k: pytest.fail("compared despite a bad table"))
    table = work / "indices.csv"
    table.write_text(f"output,parameter,mu_star\nx,behaviour.beta_network,0.5\nx,behaviour.beta_cost,{value}\n")
    base, alt = scenario(work, 'name = "a"\n', "a.toml"), scenario(work, 'name = "b"\n', "b.toml")
    refused(work, ["brief", base, alt, "--sensitivity", str(table), "--out", "o"],
            "indices.csv, line 3", f"'mu_star' = '{value}'", what, capsys=capsys)


@pytest.mark.parametrize("text", ["output,parameter,mu_star\n", "output,parameter,mu_star\nx,,0.5\n"])
def test_brief_sensitivity_table_without_a_parameter(work, capsys, monkeypatch, text):
    """A table with its header only (or no parameter named) was accepted, and the brief named none."""
    from simulation import experiments

    monkeypatch.setattr(experiments, "compare", lambda *a, **k: pytest.fail("compared despite a bad table"))
    table = work / "indices.csv"
    table.write_text(text)
    base, alt = scenario(work, 'name = "a"\n', "a.toml"), scenario(work, 'name = "b"\n', "b.toml")
    refused(work, ["brief", base, alt, "--sensitivity", str(table), "--out", "o"],
            "indices.csv: the sensitivity table holds no parameter", capsys=capsys)


def test_read_sensitivity_still_reads_numbers(tmp_path):
    from simulation.brief import read_sensitivity

    table = tmp_path / "indices.csv"
    table.write_text("output,parameter,mu_star\nx,a,1\ny,a,3\nx,b,5\n")
    assert read_sensitivity(table).to_dict() == {"b": 5.0, "a": 2.0}


# --- sensitivity: a design too large to hold --------------------------------------------------------
@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sensitivity_refuses_a_huge_number_of_samples(work, capsys, method):
    refused(work, ["sensitivity", "--method", method, "--samples", "100000000", "--out", "o"],
            "--samples 100,000,000", "model runs", "at most 50,000", capsys=capsys)


# --- a window option out of range is named by its option --------------------------------------------
@pytest.mark.parametrize("argv, words", [
    (["validate", "TARGETS", "--start", "1990-01"], ["--start: run.start = '1990-01'", "2010-01"]),
    (["validate", "TARGETS", "--end", "2040-12"], ["--end: run.end = '2040-12'"]),
    (["calibrate", "--burn-in", "100000", "--out", "c"], ["--burn-in: key 'run.burn_in_months' = 100000", "0 to 600"]),
    (["sensitivity", "--burn-in", "700", "--out", "o"], ["--burn-in: key 'run.burn_in_months' = 700"]),
])
def test_a_window_option_out_of_range_names_the_option(work, capsys, argv, words):
    targets = Path(__file__).resolve().parent.parent / "calibration" / "targets.csv"
    line = refused(work, [str(targets) if a == "TARGETS" else a for a in argv], *words, capsys=capsys)
    assert "(override)" not in line


def test_a_targets_file_the_model_computes_nothing_of_is_named(work, capsys):
    head = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
            "statistic,note\n")
    (work / "targets.csv").write_text(head + "t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,,\n")
    refused(work, ["validate", str(work / "targets.csv")], "targets.csv: none of the targets", capsys=capsys)


# --- a file or folder name longer than file systems allow -------------------------------------------
LONG = "x" * 300


@pytest.mark.parametrize("argv, label", [
    (["check", LONG + ".toml"], "the input"),
    (["diff", str(BASELINE), LONG + ".toml"], "the input"),
    (["run", str(BASELINE), "--out", LONG], "--out"),
    (["compare", str(BASELINE), str(BASELINE), "--out", f"res/{LONG}/x"], "--out"),
    (["template", "--xlsx", LONG + ".xlsx"], "--xlsx"),
    (["import", "events.xlsx", "--out", LONG + ".toml"], "--out"),
    (["validate", LONG + ".csv"], "the input"),
])
def test_a_name_too_long_for_the_file_system(work, capsys, argv, label):
    refused(work, argv, label, "longer than the 255 bytes", capsys=capsys)


def test_import_with_an_empty_name_is_refused(work, capsys):
    from simulation.workbook import write_template

    book = write_template(work / "events.xlsx")
    refused(work, ["import", str(book), "--out", str(work / "s.toml"), "--name", ""], "--name ''", "not allowed",
            capsys=capsys)


# --- an --out under the home of a user this machine does not know ---------------------------------
@pytest.mark.parametrize("command", [["run", str(BASELINE)], ["compare", str(BASELINE), "ALT"]])
def test_an_out_under_an_unknown_home_is_refused(work, capsys, command):
    alt = scenario(work, 'name = "alt"\n', "alt.toml")
    refused(work, [alt if a == "ALT" else a for a in command] + ["--out", "~nosuchuser_migsim/x"],
            "--out ~nosuchuser_migsim/x", "no user 'nosuchuser_migsim'", capsys=capsys)


def test_a_quoted_tilde_out_is_written_where_it_was_checked(work, monkeypatch, capsys):
    """`--out '~/cmp'` (the shell did not expand it) goes to the home folder, not to a folder '~'."""
    home = work / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    a = tiny_scenario_file(work)
    b = scenario(work, 'name = "b"\n[run]\nstart = "2022-01"\nend = "2022-12"\nagents = 500\nburn_in_months = 6\n'
                       '[policy]\nwork_permit_quota = 1000\n', "b.toml")
    assert cli.main(["compare", str(a), b, "--reps", "2", "--out", "~/cmp"]) == 0, capsys.readouterr().err
    assert (home / "cmp").is_dir() and any((home / "cmp").iterdir())
    assert not (work / "~").exists()


def events_book(path: Path, row: dict, extra: dict | None = None) -> Path:
    """A template with one event row filled (`row`: key -> value) and `extra` cells (e.g. {"AZ4": 5})."""
    from openpyxl import load_workbook

    from simulation.workbook import FIRST_DATA_ROW, write_template

    book = write_template(path)
    wb = load_workbook(book)
    ws = wb["events"]
    column = {c.value: c.column for c in ws[1]}
    for key, value in row.items():
        ws.cell(FIRST_DATA_ROW, column[key], value)
    for cell, value in (extra or {}).items():
        ws[cell] = value
    wb.save(book)
    return book


# --- a file to write that is a link to a missing file: never written through, never replaced ---------
@pytest.mark.parametrize("link, argv", [("t.xlsx", ["template", "--xlsx", "t.xlsx"]),
                                        ("s.toml", ["import", "events.xlsx", "--out", "s.toml"]),
                                        ("sub", ["template", "--xlsx", "sub/t.xlsx"])])
def test_template_and_import_refuse_a_link_to_a_missing_file(work, capsys, link, argv):
    events_book(work / "events.xlsx", {"kind": "quota", "date": "2026-01", "total": 15000})
    (work / link).symlink_to(work / "elsewhere" / link)
    refused(work, argv, f"{work / link} is a link to", "which does not exist", "neither writes through it",
            capsys=capsys)
    assert (work / link).is_symlink() and not (work / "elsewhere").exists()


# --- a value typed in the events sheet under no column key -------------------------------------------
@pytest.mark.parametrize("extra, cell", [({"AZ4": 5000}, "AZ4"), ({"AZ6": "x"}, "AZ6")])
def test_import_refuses_a_value_in_a_column_without_a_key(work, capsys, extra, cell):
    events_book(work / "events.xlsx", {"kind": "quota", "date": "2026-01", "total": 15000}, extra)
    refused(work, ["import", "events.xlsx", "--out", "s.toml"], "events.xlsx: sheet 'events'", f"cell {cell}",
            f"{next(iter(extra.values()))!r} is in a column with no key in row 1", "Columns allowed: kind, date",
            capsys=capsys)


# --- a sweep's grid size N given with --samples, which makes a Latin hypercube ------------------------
def test_sweep_refuses_grid_values_with_samples(work, capsys):
    refused(work, ["sweep", str(BASELINE), "--vary", "policy.work_permit_quota=10000:60000:6", "--samples", "5",
                   "--out", "s"],
            "--vary policy.work_permit_quota=10000:60000:6 with --samples 5", "N (grid values) applies to the grid only",
            "--vary policy.work_permit_quota=10000:60000 with --samples", "a grid of 6 values", capsys=capsys)


# --- target ids that differ only by spaces around them ----------------------------------------------
@pytest.mark.parametrize("ids, line, shown", [(("t1", " t1"), 3, "' t1'"), (("t1 ", "t2"), 2, "'t1 '")])
def test_a_target_id_with_spaces_around_it_is_refused(work, capsys, ids, line, shown):
    head = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
            "statistic,note\n")
    rows = "".join(f"{i},count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,,\n" for i in ids)
    (work / "targets.csv").write_text(head + rows)
    refused(work, ["validate", str(work / "targets.csv")], f"targets.csv, line {line}: id {shown}",
            "has spaces around it", "'t1'", capsys=capsys)


# --- more processes than memory holds: the message says how many fit, not "about 0 agents" -----------
@pytest.mark.parametrize("argv, advice", [
    (["run", "TINY", "--jobs", "1000", "--reps", "1000", "--agents", "1000", "--out", "o"], "give --jobs 26 or fewer"),
    (["sweep", "TINY", "--vary", "policy.work_permit_quota=1000:2000:2", "--workers", "100", "--agents", "1000",
      "--out", "o"], "give --workers 26 or fewer"),
    (["sensitivity", "--jobs", "20", "--agents", "1000000", "--out", "o"], "about 111,000 agents, or --jobs 6 or fewer"),
])
def test_too_many_processes_for_the_memory_says_how_many_fit(work, capsys, monkeypatch, argv, advice):
    from simulation import safety

    monkeypatch.setattr(safety, "available_bytes", lambda: 8_000_000_000)
    tiny = str(tiny_scenario_file(work))
    line = refused(work, [tiny if a == "TINY" else a for a in argv], "needs about", "8.0 GB free", advice,
                   capsys=capsys)
    assert "about 0 agents" not in line


# --- calibrate: a window without a fitted target, and a --scheduler that is no address ----------------
TARGETS_HEAD = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
                "statistic,note\n")


@pytest.mark.parametrize("argv, words", [
    (["calibrate", "--start", "2015-01", "--end", "2015-12"], ["--start 2015-01 --end 2015-12: no fitted target of",
                                                               "targets.csv", "from 2023-01 to 2023-03"]),
    (["calibrate", "--start", "2015-01", "--end", "2015-12", "--targets", "WEIGHT0"],
     ["w0.csv: no target is fitted", "weight above 0"]),
    (["calibrate", "--scheduler", "nonsense"], ["--scheduler 'nonsense'", "not a Dask scheduler address",
                                                "tcp://HOST:PORT"]),
    (["hindcast", "--until", "2019-12", "--scheduler", "localhost"], ["--scheduler 'localhost'", "tcp://HOST:PORT"]),
])
def test_calibrate_refuses_an_empty_window_or_a_bad_scheduler_before_any_run(work, capsys, monkeypatch, argv, words):
    from calibration import fit

    monkeypatch.setattr(fit, "make_client", lambda *a, **k: pytest.fail("a cluster started despite bad input"))
    statistic = "series:sum:stays_begun_kaz:all:2023-01..2023-03"
    row = "t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,{w},,{s},\n"
    (work / "targets.csv").write_text(TARGETS_HEAD + row.format(w=1, s=statistic))
    (work / "w0.csv").write_text(TARGETS_HEAD + row.format(w=0, s=statistic))
    argv = argv + (["--targets", "targets.csv"] if "--targets" not in argv else []) + ["--out", "c"]
    refused(work, ["w0.csv" if a == "WEIGHT0" else a for a in argv], *words, capsys=capsys)

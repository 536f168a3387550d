"""More bad inputs refused in one line with exit status 2, before anything runs or is written.

Headline dates given twice, blank or empty; a file that is not an Excel workbook; a damaged
calibration history under --resume; a posterior CSV with a row longer than its header or a
column named twice; a workbook with a column named twice or a formula without a saved value.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from openpyxl import load_workbook

from simulation.cli import main
from simulation.dates import parse_dates
from simulation.errors import ScenarioError
from simulation.posterior import SHIPPED, load_posterior
from simulation.workbook import FIRST_DATA_ROW, import_workbook, write_template

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BASELINE = str(SCENARIOS / "baseline.toml")
QUOTA = str(SCENARIOS / "quota_halved.toml")
TINY = ["--quiet", "--agents", "2000", "--reps", "1", "--posterior", "none"]


# --- --dates ------------------------------------------------------------------------------------
def test_parse_dates_returns_the_months_and_none_when_not_given():
    assert parse_dates(None) is None
    assert parse_dates("2026-12, 2030-12") == ["2026-12", "2030-12"]


@pytest.mark.parametrize("text, message", [
    ("2026-12,2026-12", "2026-12 is given twice"),
    ("2026-12, 2026-12", "2026-12 is given twice"),
    ("", "--dates is empty"),
    (" , ", "--dates is empty"),
    ("2026-12,,", "has an empty entry"),
    (",2026-12", "has an empty entry"),
    ("2026-13", "not a month written YYYY-MM"),
])
def test_parse_dates_refuses_duplicates_and_blanks(text, message):
    with pytest.raises(ScenarioError, match=message):
        parse_dates(text)


@pytest.mark.parametrize("dates", ["2026-12,2026-12", "", "2026-12,,"])
def test_compare_refuses_bad_dates_before_running(tmp_path, capsys, dates):
    out = tmp_path / "cd2"
    assert main(["compare", BASELINE, QUOTA, *TINY, "--dates", dates, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--dates" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_brief_refuses_duplicate_dates(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["brief", "--from", str(tmp_path / "cmp"), "--dates", "2026-12,2026-12", "--out", str(out),
                 "--quiet"]) == 2
    assert "given twice" in capsys.readouterr().err
    assert not out.exists()


# --- import of a file that is not a workbook ----------------------------------------------------
@pytest.mark.parametrize("content", [b"garbage", b"", b"PK\x03\x04 broken zip", Path(BASELINE).read_bytes()])
def test_import_of_a_file_that_is_not_a_workbook(tmp_path, capsys, content):
    book = tmp_path / "garbage.xlsx"
    book.write_bytes(content)
    out = tmp_path / "g.toml"
    assert main(["import", str(book), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "garbage.xlsx" in err and "not an Excel workbook (.xlsx)" in err and "Traceback" not in err
    assert not out.exists()


def test_import_of_a_zip_that_is_not_a_workbook(tmp_path):
    import zipfile

    book = tmp_path / "other.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("a.txt", "hello")
    with pytest.raises(ScenarioError, match="not an Excel workbook"):
        import_workbook(book, tmp_path / "g.toml")


# --- workbook cells ----------------------------------------------------------------------------
def _quota_book(tmp_path, fill):
    book = write_template(tmp_path / "levers.xlsx")
    wb = load_workbook(book)
    ws = wb["events"]
    header = [c.value for c in ws[1]]
    ws.cell(FIRST_DATA_ROW, 1, "quota")
    ws.cell(FIRST_DATA_ROW, 2, "2026-01")
    fill(ws, header.index("total") + 1, len(header))
    wb.save(book)
    return book


def test_workbook_with_a_duplicated_column_names_it(tmp_path):
    book = _quota_book(tmp_path, lambda ws, c, n: (ws.cell(FIRST_DATA_ROW, c, 20000), ws.cell(1, n + 1, "total")))
    with pytest.raises(ScenarioError, match=r"row 1, column \w+: column 'total' is duplicated \(also column F\)"):
        import_workbook(book, tmp_path / "g.toml")
    assert not (tmp_path / "g.toml").exists()


def test_workbook_formula_without_a_saved_value_names_the_cell(tmp_path):
    book = _quota_book(tmp_path, lambda ws, c, n: ws.cell(FIRST_DATA_ROW, c, "=1000*20"))
    with pytest.raises(ScenarioError, match=f"row {FIRST_DATA_ROW}, column F \\('total'\\): holds a formula"):
        import_workbook(book, tmp_path / "g.toml")


def test_workbook_with_a_value_still_imports(tmp_path):
    book = _quota_book(tmp_path, lambda ws, c, n: ws.cell(FIRST_DATA_ROW, c, 20000))
    out, n = import_workbook(book, tmp_path / "g.toml")
    assert n == 1 and out.is_file()


# --- calibrate --resume with a damaged history -------------------------------------------------
@pytest.mark.parametrize("content", ["{garb", "[]", "\udcff"])
def test_resume_with_a_damaged_settings_file(tmp_path, content):
    from calibration.pipeline import check_resume

    (tmp_path / "settings.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ScenarioError, match="settings.json is damaged or was not written by `migsim calibrate`"):
        check_resume(tmp_path, {"scenario": "baseline"})


@pytest.mark.parametrize("state", [b"not a pickle", pickle.dumps(["a list"]), b""])
def test_resume_with_a_damaged_history_state(tmp_path, state):
    from calibration.pipeline import check_resume

    identity = {"scenario": "baseline"}
    (tmp_path / "settings.json").write_text(json.dumps(identity), encoding="utf-8")
    assert check_resume(tmp_path, identity) is None  # before the first wave: nothing to continue yet
    (tmp_path / "history_matching.pkl").write_bytes(state)
    with pytest.raises(ScenarioError, match="history_matching.pkl is damaged"):
        check_resume(tmp_path, identity)


@pytest.mark.parametrize("content", ["{garb", "[]"])
def test_calibrate_resume_with_a_damaged_history_exits_2(tmp_path, monkeypatch, capsys, content):
    import calibration.fit

    def no_cluster(*args, **kwargs):  # the check must come first: never start a calibration here
        raise AssertionError("a calibration was started")

    monkeypatch.setattr(calibration.fit, "make_client", no_cluster)
    out = tmp_path / "calr"
    (out / "history").mkdir(parents=True)
    (out / "history" / "settings.json").write_text(content, encoding="utf-8")
    (out / ".migsim-results").touch()
    assert main(["calibrate", "--out", str(out), "--quiet", "--resume", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "settings.json is damaged" in err and "without --resume" in err and "Traceback" not in err


# --- posterior CSV -----------------------------------------------------------------------------
def _posterior_lines():
    return [line for line in SHIPPED.read_text(encoding="utf-8").splitlines() if not line.startswith("#")][:3]


def test_posterior_row_with_more_cells_than_the_header(tmp_path):
    header, first, second = _posterior_lines()
    path = tmp_path / "p.csv"
    path.write_text("\n".join([header, first + ",1.0", second]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"line 2 has \d+ cells, more than the header's \d+ columns"):
        load_posterior(path)


def test_posterior_row_with_fewer_cells_than_the_header(tmp_path):
    header, first, _ = _posterior_lines()
    path = tmp_path / "p.csv"
    path.write_text("\n".join([header, first.rsplit(",", 1)[0]]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="fewer than the header's"):
        load_posterior(path)


def test_posterior_duplicated_column(tmp_path):
    header, first, second = _posterior_lines()
    keys = header.split(",")
    path = tmp_path / "p.csv"
    path.write_text("\n".join([",".join([keys[0]] + keys[:-1]), first, second]) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=f"column '{keys[0]}' is duplicated") as caught:
        load_posterior(path)
    assert f"{keys[0]}.1" not in str(caught.value)


def test_the_shipped_posterior_still_loads():
    assert len(load_posterior("shipped").draws) > 0

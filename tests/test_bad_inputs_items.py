"""One test for each way a user could lose data, wait in vain or be misled (beside the corpus).

Output folders: replaced only when migsim wrote them and --force is given, readable by
others, stale partial folders cleaned; the dashboard of a sweep on localhost; figure
captions that show the band asked for; headline dates after the policies start, with
sensible rounding; the --jobs default; validate's window; the README's commands.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from simulation import cli
from simulation.outdir import _HOST, MARKER, atomic_dir, check_out, clean_stale

from conftest import tiny_scenario_file

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"




def test_results_are_marked_readable_and_replaced_only_with_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = tiny_scenario_file(tmp_path)
    old_mask = os.umask(0o022)
    try:
        assert cli.main(["run", str(scenario), "--quiet", "--no-plots"]) == 0
    finally:
        os.umask(old_mask)
    out = tmp_path / "results" / "tiny"
    assert (out / MARKER).is_file() and (out / "timeseries.csv").is_file()
    assert stat.S_IMODE(out.stat().st_mode) == 0o755  # colleagues can read it (was 0700)
    (out / "note.txt").write_text("mine")
    assert cli.main(["run", str(scenario), "--quiet", "--no-plots"]) == 2  # earlier results: --force needed
    assert "--force" in capsys.readouterr().err and (out / "note.txt").exists()
    assert cli.main(["run", str(scenario), "--quiet", "--no-plots", "--force"]) == 2  # a file migsim did not write
    assert "note.txt" in capsys.readouterr().err and (out / "note.txt").read_text() == "mine"
    (out / "note.txt").unlink()
    assert cli.main(["run", str(scenario), "--quiet", "--no-plots", "--force"]) == 0
    assert (out / MARKER).is_file()
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["tiny"]  # nothing hidden left beside it


def test_a_foreign_folder_is_never_replaced_even_if_it_appears_during_the_run(tmp_path):
    out = tmp_path / "docs_x"
    check_out(out)  # absent: fine
    out.mkdir()
    (out / "thesis.txt").write_text("keep")
    with pytest.raises(Exception, match="not written by migsim"):
        with atomic_dir(out) as tmp:
            (tmp / "timeseries.csv").write_text("new")
    assert (out / "thesis.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs_x"]


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_partial_folders_of_dead_runs_are_cleaned_and_nothing_else(tmp_path):
    out = tmp_path / "res"
    dead = _dead_pid()
    stale = tmp_path / f".res.partial-{_HOST}-{dead}-abc123"
    stale.mkdir()
    (stale / MARKER).write_text("x")
    (stale / "timeseries.csv").write_text("half")
    empty = tmp_path / f".res.partial-{_HOST}-{dead}-def456"
    empty.mkdir()  # killed between creating the folder and marking it
    live = tmp_path / f".res.partial-{_HOST}-{os.getpid()}-ghi789"  # a run still writing
    live.mkdir()
    (live / MARKER).write_text("x")
    unmarked = tmp_path / f".res.partial-{_HOST}-{dead}-jkl012"  # not recognisably ours
    unmarked.mkdir()
    (unmarked / "data.csv").write_text("someone's")
    other = tmp_path / f".other.partial-{_HOST}-{dead}-mno345"  # another destination's
    other.mkdir()
    with atomic_dir(out) as tmp:
        (tmp / "timeseries.csv").write_text("whole")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["res", live.name, unmarked.name, other.name])
    assert (out / "timeseries.csv").read_text() == "whole"


def test_a_kill_between_the_two_renames_gives_the_previous_results_back(tmp_path):
    out = tmp_path / "res"
    old = tmp_path / f".res.old-{_HOST}-{_dead_pid()}-abc"
    old.mkdir()
    (old / MARKER).write_text("x")
    (old / "timeseries.csv").write_text("previous")
    assert clean_stale(out) == [old]
    assert (out / "timeseries.csv").read_text() == "previous"


def test_an_unreadable_scenario_file_is_a_message(tmp_path, monkeypatch, capsys):
    path = tiny_scenario_file(tmp_path)
    real_open = Path.open

    def deny(self, *args, **kwargs):
        if self.name == "tiny.toml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)  # root reads any file, so the refusal is simulated
    assert cli.main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "tiny.toml: cannot be read (Permission denied)" in err and "Traceback" not in err


def test_an_inherited_event_after_the_end_is_noted_by_check(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text(f'extends = "{BASELINE}"\n[[events]]\nkind = "quota"\ndate = "2028-01"\ntotal = 5000\n')
    short = tmp_path / "short.toml"
    short.write_text('extends = "base"\n[run]\nend = "2024-12"\n')
    assert cli.main(["check", str(short)]) == 0
    out = capsys.readouterr().out
    assert "note: [[events]] #1" in out and "does not happen in this run" in out


def test_png_captions_show_the_band_asked_for(tmp_path, monkeypatch):
    from simulation import plots

    notes = []
    monkeypatch.setattr(plots, "_finish", lambda ax, title, ylabel, path, note: notes.append(note))
    dates = [f"2022-{m:02d}" for m in range(1, 13)]
    series = pd.DataFrame([{"date": d, "indicator": i, "group": g, "value": float(r + 1), "rep": r}
                           for d in dates for r in range(3)
                           for i, g in [("stock_kaz_by_origin", "UZB"), ("arrivals_kaz", "all"),
                                        ("departures_kaz", "all"), ("remittances_usd", "KAZ->UZB"),
                                        ("employment_kaz", "formal"), ("kazakhs_abroad", "RUS")]])
    plots.standard_plots(series, tmp_path, "s", reps=3, band=(25, 75))
    assert notes and all("25-75% band" in n for n in notes)


def test_a_sweep_cluster_listens_on_localhost_only(tmp_path, monkeypatch):
    import dask.distributed

    from simulation.scenario import load_scenario
    from simulation.sweep import parse_vary, sweep

    seen = {}

    class Stop(Exception):
        pass

    def fake_cluster(**kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(dask.distributed, "LocalCluster", fake_cluster)
    with pytest.raises(Stop):
        sweep(load_scenario(tiny_scenario_file(tmp_path)), [parse_vary("policy.work_permit_quota=1000:2000:2")], tmp_path / "s")
    assert seen["host"] == "127.0.0.1" and seen["dashboard_address"].startswith("127.0.0.1:")


def _comparison(base_events, alt_events):
    """A comparison of two runs' dates whose scenarios hold these `[[events]]` tables, validated as loaded."""
    from simulation.events import parse_events
    from simulation.experiments import Comparison

    dates = [f"{y}-{m:02d}" for y in range(2015, 2031) for m in range(1, 13)]
    result = lambda events: SimpleNamespace(  # noqa: E731
        timeseries=pd.DataFrame({"date": dates}), scenario=SimpleNamespace(events=parse_events(events)))
    return Comparison(result(base_events), [result(alt_events)])


def test_headline_dates_fall_after_the_policies_start():
    from simulation.experiments import policy_dates

    quota = {"kind": "quota", "date": "2027-01", "total": 10_000, "_file": "alt.toml"}
    assert policy_dates(_comparison([], [quota])) == ["2028-12", "2030-12"]  # not 2025-12: a table of zeros
    early = dict(quota, date="2016-01")
    assert policy_dates(_comparison([], [early])) == ["2025-12", "2030-12"]
    assert policy_dates(_comparison([], [])) == ["2025-12", "2030-12"]  # parameters alone: from the start
    late = dict(quota, date="2030-06")
    assert policy_dates(_comparison([], [late])) == ["2030-12"]


def test_headline_numbers_are_rounded_to_what_the_model_can_say():
    from simulation.report import _fmt

    assert _fmt(764_000_483.0, "remittances (USD)") == "764,000,000"
    assert _fmt(1_234_567.0, "persons") == "1,230,000"
    assert _fmt(-48_763.0, "difference") == "-48,800"
    assert _fmt(512.4, "persons") == "512"
    assert _fmt(0.1234, "informal share") == "12.3%"


def test_jobs_default_is_one_on_a_small_machine_and_help_says_why(monkeypatch, capsys):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert cli.default_jobs() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert cli.default_jobs() == 4
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "compiled kernels already use every core" in text


def test_help_states_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "2 bad input" in text and "1 a failure while running" in text and "--force" in text


def test_validate_window_starts_no_later_than_the_scenario(tmp_path):
    """A targets file of 2023 alone would start the window after the replay's 2015 events."""
    from calibration.commands import _scenario, _window
    from calibration.targets import load_targets

    path = tmp_path / "t.csv"
    path.write_text("id,kind,source,year,measure,group,value,unit,rel_sd,weight,statistic\n"
                    "t1,count,test,2023,arrivals,all,56112,persons,0.3,1,series:sum:arrivals_kaz:all:2023-01..2023-03\n")
    args = SimpleNamespace(start=None, end=None, agents=1000, burn_in=12)
    scenario = _scenario(None)
    window = _window(args, load_targets(path), scenario)
    assert window.start == scenario["run.start"] == "2015-01" and window.end == "2023-03"
    _scenario(None, window)  # the replay's events now lie inside: no "starts before run.start"


def test_readme_commands_name_the_installed_script():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    bare = [line for block in blocks for line in block.splitlines() if re.match(r"\s*migsim\b", line)]
    assert not bare, f"README commands must be written .venv/bin/migsim (set-up installs there): {bare}"


def test_a_resumed_sweep_removes_the_part_files_a_killed_sweep_left(tmp_path):
    from simulation.sweep import clean_unfinished_parts

    dead = _dead_pid()
    stale = tmp_path / f".part-abc.parquet.tmp-{dead}"
    stale.write_bytes(b"half")
    writing = tmp_path / f".part-def.parquet.tmp-{os.getpid()}"
    writing.write_bytes(b"half")
    kept = tmp_path / "part-ghi.parquet"
    kept.write_bytes(b"whole")
    assert clean_unfinished_parts(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([writing.name, kept.name])

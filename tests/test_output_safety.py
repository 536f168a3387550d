"""Output folders never cost a file migsim did not write, nor the command's own input.

Each refusal comes before anything runs (exit 2, one line naming the folder and what is wrong). Results
that cannot be put in place at the end all the same are kept, and the message names where (exit 1).
"""

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import simulation.runner
from simulation.cli import main
from simulation.outdir import MARKER, read_mark

from conftest import folder_listing, tiny_scenario_file


def _run(*args) -> int:
    return main(["run", *map(str, args), "--quiet", "--no-plots", "--posterior", "none"])


@pytest.fixture
def no_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before the bad input was refused")

    monkeypatch.setattr(simulation.runner, "run", refuse)
    return refuse


def _err(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_force_never_replaces_a_folder_holding_files_migsim_did_not_write(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = tiny_scenario_file(tmp_path, start="2021-01")
    assert _run(scenario, "--out", "oin") == 0
    command, files = read_mark(tmp_path / "oin")
    assert command == "run" and "timeseries.csv" in files and MARKER not in files
    shutil.copy(scenario, tmp_path / "oin" / "tiny.toml")
    (tmp_path / "oin" / "mine").mkdir()
    assert _run("oin/tiny.toml", "--out", "oin", "--force") == 2  # the input being run, and the user's folder
    err = _err(capsys)
    assert "--out oin" in err and "tiny.toml" in err and "mine/" in err and "did not write" in err
    assert (tmp_path / "oin" / "tiny.toml").is_file() and (tmp_path / "oin" / "mine").is_dir()
    # an input inside --out is refused even when its name is one migsim wrote there
    (tmp_path / "oin" / "tiny.toml").unlink()
    (tmp_path / "oin" / "mine").rmdir()
    resolved = tmp_path / "oin" / "scenario.resolved.toml"
    assert _run(resolved, "--out", "oin", "--force") == 2
    assert "holds the input" in _err(capsys) and resolved.is_file()
    assert _run(scenario, "--out", "oin", "--force") == 0  # migsim's own files only: replaced
    # a folder marked by an older migsim (no list of files) is refused, not emptied
    old = tmp_path / "old"
    old.mkdir()
    (old / MARKER).write_text("Written by migsim (results).\n")
    (old / "timeseries.csv").write_text("keep")
    assert _run(scenario, "--out", old, "--force") == 2
    assert "lists no files" in _err(capsys) and (old / "timeseries.csv").read_text() == "keep"


def _sweep(folder: Path) -> Path:
    """A sweep folder as `migsim sweep` leaves it (marker without a list, _sweep.json, parts)."""
    keys = ["behaviour.beta_income", "legal.deportation_rate"]
    points = [{keys[0]: i / 20, keys[1]: (i * 7 % 20) / 20} for i in range(20)]
    folder.mkdir()
    (folder / MARKER).write_text("Written by migsim (sweep results).\ncommand: sweep\n")
    (folder / "_sweep.json").write_text(json.dumps({"vary": [{"key": k} for k in keys], "samples": 20, "reps": 1,
                                                    "agents": 1000, "seeds": [1], "points": points}))
    rows = [{"indicator": "stock_kaz_by_status", "group": "irregular", "final": float(i), "mean_last_12_months":
             float(i), "status": "ok", "error": "", "run_id": f"r{i}", "point": i, "rep": 0, "seed": 1,
             "scenario": "s", **p} for i, p in enumerate(points)]
    pd.DataFrame(rows).to_parquet(folder / "part-all.parquet", index=False)
    return folder


def test_discover_and_run_never_replace_a_sweep_nor_write_inside_their_input(tmp_path, monkeypatch, capsys, no_run):
    monkeypatch.chdir(tmp_path)
    sweep = _sweep(tmp_path / "sw")
    before = sorted(p.name for p in sweep.iterdir())
    ask = ["discover", "sw", "--indicator", "stock_kaz_by_status", "--group", "irregular", "--above", "5"]
    assert main([*ask, "--out", "sw", "--force"]) == 2
    assert "sw" in _err(capsys)
    assert main([*ask, "--out", "sw/report"]) == 2
    assert "lies inside" in _err(capsys)
    assert main([*ask, "--out", "disc"]) == 0 and (tmp_path / "disc" / "discovery.html").is_file()
    capsys.readouterr()
    assert main([*ask, "--out", "disc", "--force"]) == 0  # its own earlier report: replaced with --force
    assert read_mark(tmp_path / "disc")[0] == "discover"
    assert _run(tiny_scenario_file(tmp_path, start="2021-01"), "--out", "sw", "--force") == 2
    assert "--out sw" in _err(capsys)
    assert _run(tmp_path / "tiny.toml", "--out", "disc", "--force") == 2  # another command's folder
    assert "migsim discover" in _err(capsys)
    assert sorted(p.name for p in sweep.iterdir()) == before


def test_a_state_file_inside_out_or_in_a_system_folder_is_refused_before_running(tmp_path, monkeypatch, capsys,
                                                                                 no_run):
    monkeypatch.chdir(tmp_path)
    scenario = tiny_scenario_file(tmp_path, start="2021-01")
    for out in ("o3", "o4"):
        assert _run(scenario, "--save-state", "2022-01", f"{out}/st.state", "--out", out, "--force") == 2
        err = _err(capsys)
        assert f"{out}/st.state" in err and "elsewhere" in err and not (tmp_path / out).exists()
    assert _run(scenario, "--save-state", "2022-01", "/proc/x", "--out", "o5") == 2
    assert "/proc" in _err(capsys) and not (tmp_path / "o5").exists()


def test_brief_follows_the_output_policy_of_compare(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    tiny_scenario_file(tmp_path, start="2021-01")
    (tmp_path / "alt.toml").write_text('extends = "tiny.toml"\nname = "alt"\n[[events]]\nkind = "quota"\n'
                                       'date = "2021-06"\ntotal = 15000\n', encoding="utf-8")
    assert main(["compare", "tiny.toml", "alt.toml", "--reps", "1", "--posterior", "none", "--quiet",
                 "--out", "cmp"]) == 0
    shutil.copytree(tmp_path / "cmp", tmp_path / "cmp2")
    assert _run("tiny.toml", "--out", "rundir") == 0
    brief = ["brief", "--from", "cmp", "--quiet"]
    assert main([*brief, "--out", "br"]) == 0
    assert read_mark(tmp_path / "br")[1] == {"brief_en.pdf", "brief_en.xlsx"}
    first = (tmp_path / "br" / "brief_en.pdf").stat().st_mtime_ns
    assert main([*brief, "--out", "br"]) == 2 and "--force" in _err(capsys)
    assert (tmp_path / "br" / "brief_en.pdf").stat().st_mtime_ns == first
    assert main([*brief, "--out", "br", "--force"]) == 0
    for out, says in (("cmp", "--out cmp"), ("cmp/b", "lies inside --from cmp"), ("rundir", "migsim run"),
                      ("cmp2", "migsim compare")):
        kept = sorted(p.name for p in (tmp_path / out.split("/")[0]).iterdir())
        assert main([*brief, "--out", out, "--force"]) == 2, out
        assert says in _err(capsys)
        assert sorted(p.name for p in (tmp_path / out.split("/")[0]).iterdir()) == kept


class _NoClient:
    def close(self):
        pass


@pytest.fixture
def stopped_calibration(monkeypatch):
    """calibrate and hindcast without a cluster: each begins its history as the real ones do, then is
    stopped (exit 130), so a test sees what got past the folder checks and what it left."""
    import calibration.fit
    import calibration.hindcast
    import calibration.pipeline
    from calibration.space import SPACE

    started = []

    def stopped(scenario, targets, *rest, **kwargs):
        settings, history = rest[-2:]
        started.append(kwargs.get("resume"))
        history.mkdir(parents=True, exist_ok=True)
        (history / "settings.json").write_text(json.dumps(settings.identity(scenario, targets, SPACE)))
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration.fit, "make_client", lambda *args: (_NoClient(), None))
    monkeypatch.setattr(calibration.pipeline, "calibrate", stopped)
    monkeypatch.setattr(calibration.hindcast, "hindcast", stopped)
    return started


CALIBRATE = ["calibrate", "--workers", "1", "--quiet"]
HINDCAST = ["hindcast", "--until", "2019-12", "--workers", "1", "--quiet"]


def test_calibrate_and_hindcast_never_write_into_another_commands_folder(tmp_path, monkeypatch, capsys,
                                                                         stopped_calibration):
    monkeypatch.chdir(tmp_path)
    assert _run(tiny_scenario_file(tmp_path, start="2022-10"), "--out", "rundir") == 0
    (tmp_path / "valdir").mkdir()  # a validate report folder, as atomic_dir marks it
    (tmp_path / "valdir" / MARKER).write_text("Written by migsim (results).\ncommand: validate\nfiles:\n  report.html\n")
    (tmp_path / "valdir" / "report.html").write_text("the report")
    assert main([*CALIBRATE, "--out", "cal"]) == 130 and main([*HINDCAST, "--out", "hc"]) == 130
    capsys.readouterr()
    kept = {name: folder_listing(tmp_path / name) for name in ("rundir", "valdir", "cal", "hc")}
    for folder, other in (("rundir", "run"), ("valdir", "validate"), ("hc", "hindcast"), ("cal", "calibrate")):
        for argv, command in ((CALIBRATE, "calibrate"), ([*CALIBRATE, "--force"], "calibrate"),
                              ([*CALIBRATE, "--resume"], "calibrate"), ([*HINDCAST, "--force"], "hindcast")):
            if command == other:
                continue
            assert main([*argv, "--out", folder]) == 2, (folder, argv)
            err = _err(capsys)
            assert f"--out {folder}: holds the output of `migsim {other}`, not of `migsim {command}`" in err
            assert "will not write into it, even with --force" in err
    assert stopped_calibration == [False, None]  # only the two runs that made cal and hc started
    assert {name: folder_listing(tmp_path / name) for name in kept} == kept
    assert read_mark(tmp_path / "rundir")[0] == "run"
    assert _run(tmp_path / "tiny.toml", "--out", "rundir", "--force") == 0  # still the run's own folder


def test_calibrate_and_hindcast_resume_or_start_again_in_their_own_folders_only(tmp_path, monkeypatch, capsys,
                                                                                   stopped_calibration):
    monkeypatch.chdir(tmp_path)
    assert main([*CALIBRATE, "--out", "cal"]) == 130
    assert main([*CALIBRATE, "--resume", "--out", "cal"]) == 130  # the history's settings checked, then resumed
    assert main([*CALIBRATE, "--force", "--out", "cal"]) == 130
    assert main([*HINDCAST, "--out", "hc"]) == 130 and main([*HINDCAST, "--force", "--out", "hc"]) == 130
    assert stopped_calibration == [False, True, False, None, None]
    capsys.readouterr()
    assert main([*CALIBRATE, "--resume", "--out", "hc"]) == 2 and "`migsim hindcast`" in _err(capsys)
    assert main([*HINDCAST, "--force", "--out", "cal"]) == 2 and "`migsim calibrate`" in _err(capsys)
    assert read_mark(tmp_path / "cal")[0] == "calibrate" and read_mark(tmp_path / "hc")[0] == "hindcast"


def _unusable(how: str, folder: Path, monkeypatch) -> None:
    """Make `folder` behave as one migsim cannot finish with (root writes anywhere, so it is simulated)."""
    import errno
    import tempfile

    import simulation.outdir as outdir

    if how == "immutable":
        real_lock = outdir._lock
        monkeypatch.setattr(outdir, "_lock", lambda f: ("immutable", "i") if Path(f).resolve() == folder else real_lock(f))
    elif how == "read-only":
        real_mkdtemp = tempfile.mkdtemp

        def mkdtemp(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve() == folder:
                raise OSError(errno.EROFS, "Read-only file system", str(dir))
            return real_mkdtemp(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    else:  # a mount point
        real_ismount = os.path.ismount
        monkeypatch.setattr(os.path, "ismount", lambda p: Path(p).resolve() == folder or real_ismount(p))


@pytest.mark.parametrize("command, how, says", [("run", "immutable", "marked immutable (chattr +i)"),
                                                ("run", "read-only", "cannot be written into (Read-only file system)"),
                                                ("run", "mount point", "is a mount point"),
                                                ("sweep", "immutable", "marked immutable (chattr +i)"),
                                                ("sweep", "read-only", "cannot be written into (Read-only file system)")])
def test_an_out_folder_migsim_could_not_write_or_replace_is_refused_before_running(command, how, says, tmp_path,
                                                                                     monkeypatch, capsys, no_run):
    import simulation.sweep

    monkeypatch.chdir(tmp_path)
    scenario = tiny_scenario_file(tmp_path)
    (tmp_path / "ro").mkdir()
    _unusable(how, tmp_path / "ro", monkeypatch)
    monkeypatch.setattr(simulation.sweep, "local_cluster", no_run)  # a sweep's cluster fails the test alike
    if command == "run":
        assert _run(scenario, "--out", "ro") == 2
    else:
        assert main(["sweep", str(scenario), "--vary", "legal.deportation_rate=0.01:0.05:2", "--out", "ro"]) == 2
    assert "--out ro: " in (err := _err(capsys)) and says in err
    assert not any((tmp_path / "ro").iterdir()) and sorted(p.name for p in tmp_path.iterdir()) == ["ro", "tiny.toml"]


def test_results_that_cannot_be_put_in_place_are_kept_and_named(tmp_path, monkeypatch, capsys):
    import errno
    import subprocess

    import simulation.outdir as outdir

    monkeypatch.chdir(tmp_path)
    scenario = tiny_scenario_file(tmp_path)
    out = tmp_path / "mnt"
    out.mkdir()
    real_rename = Path.rename

    def rename(self, target):  # as a folder mounted on during the run: it cannot be moved
        if Path(self).resolve() == out:
            raise OSError(errno.EBUSY, "Device or resource busy", str(self))
        return real_rename(self, target)

    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)  # the atomic swap fails alike
    monkeypatch.setattr(Path, "rename", rename)
    assert _run(scenario, "--out", "mnt") == 1
    err = _err(capsys)
    (kept,) = [p for p in tmp_path.iterdir() if p.name.startswith(".mnt.partial-")]
    assert "mnt: the finished results could not be put there (Device or resource busy)" in err
    assert f"kept in {kept}" in err and (kept / "timeseries.csv").is_file() and not any(out.iterdir())
    # a later command into the same folder leaves them alone once this process is gone
    proc = subprocess.Popen(["true"])
    proc.wait()
    gone = real_rename(kept, tmp_path / kept.name.replace(f"-{os.getpid()}-", f"-{proc.pid}-"))
    assert outdir.clean_stale(out) == [] and (gone / "timeseries.csv").is_file()


def test_a_failed_swap_puts_the_previous_results_back(tmp_path, monkeypatch):
    import errno

    import simulation.outdir as outdir
    from simulation.errors import RunError

    out = tmp_path / "res"
    with outdir.atomic_dir(out) as tmp:
        (tmp / "timeseries.csv").write_text("previous")
    real_rename = Path.rename

    def rename(self, target):  # the previous results move aside, the new ones cannot follow
        if Path(target) == out and ".partial-" in Path(self).name:
            raise OSError(errno.EPERM, "Operation not permitted", str(self))
        return real_rename(self, target)

    monkeypatch.setattr(outdir, "_exchange", lambda a, b: False)
    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(RunError, match="Operation not permitted") as refused:
        with outdir.atomic_dir(out) as tmp:
            (tmp / "timeseries.csv").write_text("new")
    assert (out / "timeseries.csv").read_text() == "previous" and (tmp / "timeseries.csv").read_text() == "new"
    assert str(tmp) in str(refused.value) and "previous content" not in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["res", tmp.name])


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("chattr"), reason="chattr +i needs root")
def test_an_immutable_folder_is_seen_as_such(tmp_path):
    import subprocess

    from simulation.errors import OutputError
    from simulation.outdir import check_out

    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("this file system has no immutable attribute")
    try:
        with pytest.raises(OutputError, match=r"marked immutable \(chattr \+i\)"):
            check_out(folder)
        with pytest.raises(OutputError, match="marked immutable"):
            check_out(folder, force=True, marks=(MARKER, "_sweep.json"))  # a sweep's folder, written into
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert not any(folder.iterdir())

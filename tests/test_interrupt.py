"""Ctrl+C as a terminal sends it, to the command's whole process group.

The workers of a sweep (Dask) or of `run --jobs` (a process pool) used to die each with a
KeyboardInterrupt traceback of their own beside the command's one line; and a sweep said
"no results were written" while it kept its finished runs to be resumed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from simulation.errors import interrupted

from conftest import tiny_scenario_file

ROOT = Path(__file__).resolve().parent.parent


def test_the_message_says_what_is_kept(tmp_path):
    sweep, calibration = tmp_path / "sweep", tmp_path / "cal"
    assert interrupted("sweep", str(sweep)) == "no results were written."  # stopped before a run was done
    sweep.mkdir()
    (sweep / "part-0123.parquet").write_bytes(b"")
    assert f"kept in {sweep}; the same command goes on" in interrupted("sweep", str(sweep))
    (calibration / "history").mkdir(parents=True)
    assert f"kept in {calibration / 'history'}; add --resume" in interrupted("calibrate", str(calibration))
    assert interrupted("run", str(sweep)) == "no results were written."


def _ctrl_c_when(args: list[str], started, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `migsim ARGS` in a process group of its own, send SIGINT to the group once `started()`
    holds, and return what it printed and its exit code."""
    process = subprocess.Popen([sys.executable, "-m", "simulation.cli", *args], cwd=tmp_path, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + timeout
    while not started() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the command ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    interrupted_at = time.monotonic()
    out, err = process.communicate(timeout=60)
    done = subprocess.CompletedProcess(args, process.returncode, out, err)
    done.seconds_to_stop = time.monotonic() - interrupted_at
    return done


def test_ctrl_c_stops_a_sweep_and_its_workers_quietly(tmp_path):
    scenario = tiny_scenario_file(tmp_path)
    text = scenario.read_text().replace("agents = 500", "agents = 20000").replace('start = "2022-01"', 'start = "2018-01"')
    scenario.write_text(text)
    out = tmp_path / "sweep"
    done = _ctrl_c_when(["sweep", str(scenario), "--vary", "policy.work_permit_quota=10000:60000:40",
                         "--workers", "2", "--out", str(out), "--quiet"],
                        lambda: any(out.glob("part-*.parquet")), tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert f"kept in {out}" in done.stderr
    assert any(out.glob("part-*.parquet"))  # the finished runs, for the same command to go on from


def test_ctrl_c_stops_replications_on_a_process_pool_quietly(tmp_path):
    scenario = tiny_scenario_file(tmp_path)
    text = scenario.read_text().replace("agents = 500", "agents = 200000").replace('start = "2022-01"', 'start = "2012-01"')
    scenario.write_text(text)
    out = tmp_path / "run"
    started = time.monotonic()
    done = _ctrl_c_when(["run", str(scenario), "--reps", "4", "--jobs", "2", "--out", str(out), "--quiet",
                         "--no-plots"], lambda: time.monotonic() - started > 5, tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "no results were written" in done.stderr and not out.exists()
    assert done.seconds_to_stop < 3  # the workers are stopped, not waited for (a run here takes longer)

"""A run killed (SIGKILL) at a random moment leaves nothing, or whole results: never half.

Each trial starts `migsim run` with a new seed into the same folder and kills it after a
random delay spread over a whole run, writing included. Afterwards the folder must hold
either the previous results, byte for byte, or the complete new ones. The next run must clean any hidden partial
folder a kill left. Ten trials are slow (a process start each); the quick suite runs two.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
FILES = {".migsim-results", "timeseries.csv", "timeseries_bands.csv", "summary.json", "scenario.resolved.toml",
         "stock_by_origin.png", "arrivals_departures.png", "remittances_by_corridor.png", "formal_informal.png",
         "kazakh_emigrants.png"}


def _command(scenario: Path, out: Path, seed: int) -> list[str]:
    return [sys.executable, "-m", "simulation.cli", "run", str(scenario), "--out", str(out), "--seed", str(seed),
            "--reps", "2", "--force", "--quiet"]


def _state(out: Path) -> tuple[int, bytes] | None:
    """(seed, timeseries bytes) of whole results, None if absent; fails on anything partial."""
    if not out.exists():
        return None
    assert {p.name for p in out.iterdir()} == FILES, sorted(p.name for p in out.iterdir())
    seed = json.loads((out / "summary.json").read_text())["seeds"][0]
    return seed, (out / "timeseries.csv").read_bytes()


def _trials(tmp_path: Path, n: int) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(f'extends = "{BASELINE}"\nname = "tiny"\n[run]\nstart = "2022-01"\nend = "2022-12"\n'
                        "agents = 500\nburn_in_months = 6\n")
    out = tmp_path / "res"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run(_command(scenario, out, 1), check=True, env=env, cwd=tmp_path, timeout=300)
    whole = time.perf_counter() - started  # how long one run takes here, writing included
    previous = _state(out)
    rng = random.Random(20261201)
    outcomes = []
    for trial in range(n):
        seed = 100 + trial
        proc = subprocess.Popen(_command(scenario, out, seed), env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.1) * whole)
        proc.kill()
        proc.wait(timeout=60)
        now = _state(out)
        if now is not None and now[0] == seed:
            previous = now  # it finished before the kill: whole new results
            outcomes.append("finished")
        else:
            assert now == previous, f"trial {trial}: the previous results changed"
            outcomes.append("killed, partial left" if any(tmp_path.glob(".res.partial-*")) else "killed")
    print(f"{n} kills after up to {1.1 * whole:.1f} s: {outcomes}")
    from simulation.cli import main  # the next run, in this process: it must clean what the kills left

    assert main(["run", str(scenario), "--out", str(out), "--seed", "7", "--force", "--quiet", "--no-plots"]) == 0
    assert json.loads((out / "summary.json").read_text())["seeds"][0] == 7
    hidden = [p.name for p in tmp_path.iterdir() if p.name.startswith(".res.")]
    assert not hidden, f"stale partial folders left: {hidden}"


def test_killed_runs_leave_nothing_or_whole_results_quick(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _trials(tmp_path, 2)


@pytest.mark.slow
def test_killed_runs_leave_nothing_or_whole_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _trials(tmp_path, 10)

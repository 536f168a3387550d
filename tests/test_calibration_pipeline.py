"""The calibration pipeline end to end on a stand-in for the model with a known answer, the
hindcast's split of the targets by date, and the refusal to mix two calibrations' histories."""

import json

import numpy as np
import pandas as pd
import pytest

from calibration.band_reach import band_reach, round_pairs
from calibration.emulator import EmulatorSettings
from calibration.hindcast import carried_forward, last_month, skill_table, split_targets
from calibration.history_matching import HMSettings
from calibration.likelihood import target_variances
from calibration.pipeline import (
    CalibrationSettings,
    calibrate,
    check_resume,
    observations,
    posterior_table,
    run_progress,
)
from calibration.posterior import PosteriorSettings
from calibration.space import Prior
from calibration.targets import load_targets, survey_round_agreement
from simulation.errors import ScenarioError
from simulation.scenario import default_scenario, month_index

SPACE2 = (Prior("behaviour.asc.KAZ", -7.5, -4.5, "toy"), Prior("behaviour.beta_female", -3.5, -0.6, "toy"))
TRUTH = np.array([-6.0, -2.0])


class LinearWorld:
    """Each fitted target is its observed value plus a known linear response to two parameters,
    plus noise: the data were made at TRUTH, so the calibration must find it."""

    def __init__(self, obs):
        self.ids = list(obs.names)
        rng = np.random.default_rng(0)
        self.scale = np.sqrt(obs.var_obs + obs.var_disc)
        self.slope = rng.normal(0, 2.0, (2, len(self.ids))) * self.scale
        self.value = obs.value

    def __call__(self, point, seed):
        noise = np.random.default_rng(int(seed)).normal(0, 0.3, len(self.ids)) * self.scale
        return self.value + (np.asarray(point) - TRUTH) @ self.slope + noise


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def _settings(**hm):
    return CalibrationSettings(
        hm=HMSettings(first_wave=40, wave_runs=30, reps=2, max_waves=2, seed=5,
                      emulator=EmulatorSettings(method="regression"), **hm),
        posterior=PosteriorSettings(walkers=8, steps=400, seed=5), check_runs=10, recovery_sets=5)


def test_the_pipeline_finds_a_known_answer_and_says_how_sure_it_is(tmp_path, targets):
    world = LinearWorld(observations(targets))
    cal = calibrate(default_scenario(), targets, _settings(), tmp_path / "history", space=SPACE2,
                    say=lambda *a: None, runs=world)
    lo, hi = cal.posterior.interval(0.9)
    assert np.all((lo <= TRUTH) & (TRUTH <= hi)), (lo, hi)
    assert np.all(hi - lo < 0.5 * np.array([p.width for p in SPACE2]))  # it has learnt, not just kept the prior
    assert cal.check.inside.mean() > 0.8  # predictive check on the stand-in
    assert set(cal.recovery.columns) >= {"parameter", "inside50", "inside90"}
    assert cal.runs == 40 * 2 + 30 * 2 + 10 + 5
    bands = band_reach(cal.hm, target_variances(targets), round_pairs(survey_round_agreement(targets)))
    assert set(bands.ceiling["where"]) == {"space", "region", "runs"}
    assert (bands.ceiling["of"] == targets.fitted.sum()).all()
    assert (bands.ceiling.most_inside >= bands.ceiling.median_inside).all()
    assert len(bands.pairs) >= 10 and bands.pairs.target_a.str.startswith("s22_").all()
    assert ((bands.pairs.together <= bands.pairs[["inside_a", "inside_b"]].min(axis=1))).all()
    table = posterior_table(cal.posterior)
    assert list(table.columns) == [p.key for p in SPACE2] and len(table) <= 200
    again = calibrate(default_scenario(), targets, _settings(), tmp_path / "again", space=SPACE2,
                      say=lambda *a: None, runs=world)
    np.testing.assert_array_equal(again.posterior.draws, cal.posterior.draws)  # same seed, same posterior


def test_a_batch_of_runs_says_how_far_it_is():
    """Calibrate and hindcast waves take minutes each: about every tenth of a batch is reported."""
    said = []
    progress = run_progress(said.append)
    for done in range(1, 21):
        progress(done, 20)
    assert [line.split()[0] for line in said] == [f"{k}/20" for k in range(2, 21, 2)]
    assert all("runs/min" in line for line in said)


def test_resume_refuses_a_history_made_with_other_settings(tmp_path, targets):
    scenario = default_scenario()
    identity = _settings().identity(scenario, targets, SPACE2)
    with pytest.raises(ScenarioError, match="no calibration history"):
        check_resume(tmp_path, identity)
    (tmp_path / "settings.json").write_text(json.dumps(identity))
    check_resume(tmp_path, json.loads(json.dumps(identity)))  # the same settings: fine
    other = _settings(cut=2.5).identity(scenario.with_values(run__agents=5000), targets, SPACE2)
    with pytest.raises(ScenarioError, match="scenario_values.*history_matching"):
        check_resume(tmp_path, json.loads(json.dumps(other)))


def test_resume_refuses_the_waves_of_another_calibration(tmp_path, targets):
    """settings.json matching, but history_matching.pkl copied from a calibration of other targets:
    refused before a cluster starts, not half-way through the next wave."""
    world = LinearWorld(observations(targets))
    calibrate(default_scenario(), targets, _settings(), tmp_path, space=SPACE2, say=lambda *a: None, runs=world)
    identity = json.loads(json.dumps(_settings().identity(default_scenario(), targets, SPACE2)))
    fitted = list(targets[targets.fitted].id)
    assert check_resume(tmp_path, identity, fitted).waves  # its own targets: resumed
    with pytest.raises(ScenarioError, match="the waves of another calibration"):
        check_resume(tmp_path, identity, fitted[1:])


def test_a_resumed_calibration_counts_the_runs_of_the_waves_it_continues(tmp_path, targets):
    world = LinearWorld(observations(targets))
    quiet = dict(space=SPACE2, say=lambda *a: None, runs=world)
    whole = calibrate(default_scenario(), targets, _settings(), tmp_path / "whole", **quiet)
    first = _settings()
    first = CalibrationSettings(**{**first.__dict__, "hm": HMSettings(**{**first.hm.__dict__, "max_waves": 1})})
    calibrate(default_scenario(), targets, first, tmp_path / "split", **quiet)
    resumed = calibrate(default_scenario(), targets, _settings(), tmp_path / "split", resume=True, **quiet)
    assert resumed.runs == whole.runs  # the provenance's "model runs" (it counted the second session's alone)
    np.testing.assert_array_equal(resumed.posterior.draws, whole.posterior.draws)


def test_a_history_match_that_rules_out_every_point_ends_in_a_message_not_a_traceback():
    from types import SimpleNamespace

    from calibration.posterior import EmptyRegion, sample_posterior
    from simulation.errors import RunError

    conflicts = pd.DataFrame({"target_a": ["s22_remit"], "target_b": ["m23_remit"]})
    hm = SimpleNamespace(sample=np.empty((0, 2)), obs=None, waves=[1], conflicts=conflicts)
    with pytest.raises(RunError, match="no point of the parameter space is left after 1 wave.*s22_remit and m23_remit"):
        sample_posterior(hm)
    assert issubclass(EmptyRegion, RunError)


def test_the_hindcast_splits_targets_at_the_last_month_each_figure_covers(targets):
    before, after = split_targets(targets, "2019-12")
    ends = {tid: month_index(last_month(s, y)) for tid, s, y in zip(targets.id, targets.stat, targets.year)}
    assert all(ends[t] <= month_index("2019-12") for t in before[before.fitted].id)
    assert all(ends[t] > month_index("2019-12") for t in after.id)
    assert before.fitted.sum() + len(after) == targets.fitted.sum()  # every fitted target on one side
    assert set(after.year) == {2020, 2021, 2022, 2023} and "s22_remit" in set(after.id)
    assert "wdi_bx_uzb_2019" in set(before[before.fitted].id) and "wdi_bx_uzb_2020" in set(after.id)
    # the survey of spring 2023 is after a split at 2022-12, the one of summer 2022 before it
    b22, a22 = split_targets(targets, "2022-12")
    assert "s22_remit" in set(b22[b22.fitted].id) and "m23_female" in set(a22.id)
    last = carried_forward(targets, after, "2019-12")
    assert last["wdi_bx_uzb_2023"] == targets.set_index("id").value["wdi_bx_uzb_2019"]


def test_skill_is_one_minus_the_ratio_of_errors():
    table = pd.DataFrame({"kind": ["wdi", "wdi", "count"], "observed": [100.0, 200.0, 50.0],
                          "forecast": [110.0, 180.0, 60.0], "carried_forward": [80.0, 140.0, np.nan],
                          "gravity": [np.nan, np.nan, np.nan]})
    row = skill_table(table).set_index("group").loc["World Bank series"]
    assert row.mard_model == pytest.approx(0.1) and row.mard_carried_forward == pytest.approx(0.25)
    assert row.skill_vs_carried_forward == pytest.approx(1 - 0.1 / 0.25)
    assert row.median_model_vs_carried_forward == pytest.approx(0.1) and row.median_carried_forward == pytest.approx(0.25)
    assert np.isnan(row.skill_vs_gravity)


def _migsim(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "simulation.cli", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("args, message", [
    (["calibrate", "--reps", "1"], "at least 2 seeds"),
    (["calibrate", "--max-minutes", "0"], "--max-minutes 0 must be a number above 0"),
    (["calibrate", "--recovery", "-1"], "--recovery -1 must be 0 or more"),
    (["calibrate", "--first-wave", "1"], "needs more points than the"),
    (["hindcast", "--until", "2019-12", "--first-wave", "5"], "needs more points than the"),
    (["hindcast", "--until", "2019-13"], "not a month written YYYY-MM"),
    (["hindcast", "--until", "2019-12", "--scheduler", "not-an-address"], "not a Dask scheduler address"),
])
def test_calibration_commands_refuse_bad_arguments_with_a_message(tmp_path, args, message):
    done = _migsim(*args, "--out", str(tmp_path / "out"))
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "fit").exists()


@pytest.mark.parametrize("command, finished, extra", [("calibrate", "fit", []), ("hindcast", "forecast", ["--until", "2019-12"])])
def test_a_finished_calibration_is_replaced_only_with_force(tmp_path, capsys, command, finished, extra):
    from simulation.cli import main
    from simulation.outdir import atomic_dir, mark, set_command

    out = tmp_path / "out"
    set_command(command)
    try:
        out.mkdir()
        mark(out, command)
        with atomic_dir(out / finished, f"{command} report") as tmp:
            (tmp / "report.html").write_text("an earlier result", encoding="utf-8")
    finally:
        set_command(None)
    assert main([command, *extra, "--out", str(out), "--quiet"]) == 2
    assert "--force to replace them" in capsys.readouterr().err
    assert (out / finished / "report.html").read_text(encoding="utf-8") == "an earlier result"


@pytest.mark.parametrize("command, call", [("calibrate", "calibrate"), ("hindcast", "hindcast")])
def test_a_run_stopped_half_way_leaves_a_folder_migsim_will_resume(tmp_path, monkeypatch, command, call):
    """The output folder is marked as migsim's before the history is written in it, so the same
    command can resume (or start again) there: without the marker the folder checks refused it."""
    import calibration.hindcast
    import calibration.pipeline
    from simulation.cli import main
    from simulation.outdir import MARKER, check_out

    def stopped(scenario, targets, *rest, **kwargs):  # the history begun, then the run stops
        history = next(a for a in rest if isinstance(a, type(tmp_path)))
        history.mkdir(parents=True)
        (history / "settings.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration.hindcast if command == "hindcast" else calibration.pipeline, call, stopped)
    out = tmp_path / "out"
    extra = ["--until", "2019-12"] if command == "hindcast" else []
    assert main([command, *extra, "--workers", "1", "--out", str(out)]) == 130
    assert (out / MARKER).is_file() and (out / "history" / "settings.json").is_file()
    check_out(out, force=True, marks=(MARKER, "history.db"))  # what the command checks before it runs again


@pytest.mark.parametrize("command, call", [("calibrate", "calibrate"), ("hindcast", "hindcast")])
def test_a_run_stopped_before_its_history_begins_takes_back_the_folder_it_made(tmp_path, monkeypatch, command, call):
    """Stopped before writing anything, the command removes its marker and the folders it made: a folder
    holding only a marker holds no results, yet every other command refuses it. A folder the user
    made stays, as empty as it was."""
    import calibration.fit
    import calibration.hindcast
    import calibration.pipeline
    from simulation.cli import main

    class NoClient:
        def close(self):
            pass

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibration.fit, "make_client", lambda *args: (NoClient(), None))
    monkeypatch.setattr(calibration.hindcast if command == "hindcast" else calibration.pipeline, call, stopped)
    extra = ["--until", "2019-12"] if command == "hindcast" else []
    assert main([command, *extra, "--quiet", "--out", str(tmp_path / "new" / "out")]) == 130
    assert not (tmp_path / "new").exists()
    (tmp_path / "mine").mkdir()
    assert main([command, *extra, "--quiet", "--out", str(tmp_path / "mine")]) == 130
    assert list((tmp_path / "mine").iterdir()) == []


def test_resume_of_an_empty_folder_is_refused_before_any_run(tmp_path):
    done = _migsim("calibrate", "--resume", "--workers", "1", "--out", str(tmp_path / "none"))
    assert done.returncode != 0 and "no calibration history" in done.stderr and "Traceback" not in done.stderr


def test_model_runs_are_the_same_on_one_worker_or_two(targets):
    from calibration.fit import make_client
    from calibration.runs import ModelRuns, run_points
    from calibration.simulate import Window

    fitted = targets[targets.fitted & (targets.year == 2022) & targets.kind.isin(["count", "share"])]
    runs = ModelRuns(default_scenario(), fitted.reset_index(drop=True),
                     Window(start="2022-01", end="2022-12", agents=400, burn_in=2), SPACE2)
    points = np.array([[-6.0, -2.0], [-5.0, -1.0]])
    out = []
    for workers in (2, 1):
        client, cluster = make_client(workers, None)
        try:
            out.append(run_points(runs, points, [3, 4], client))
            if workers == 2:  # batches back to back with the same model, as waves are
                for _ in range(3):
                    np.testing.assert_array_equal(run_points(runs, points, [3, 4], client), out[0])
        finally:
            client.close()
            cluster.close()
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], run_points(runs, points, [3, 4]))  # and without Dask
    assert not np.array_equal(out[0][0], out[0][1])  # the points differ

"""A small sweep on a local Dask cluster: Parquet results, failures recorded, resume skips finished runs."""

import pandas as pd
import pytest

from simulation.cli import main
from simulation.errors import ScenarioError
from simulation.scenario import default_scenario
from simulation.sweep import design, parse_vary, run_point

SCENARIO = """[run]
start = "2022-01"
end = "2022-12"
agents = 1000
burn_in_months = 6
"""


def test_sweep_runs_on_dask_and_resumes(tmp_path, capsys):
    path = tmp_path / "small.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "sweep"
    args = ["sweep", str(path), "--vary", "legal.deportation_rate=0.01:0.05:2", "--reps", "1", "--out", str(out)]
    assert main(args) == 0
    first = pd.read_parquet(out)
    assert set(first.status) == {"ok"} and first.run_id.nunique() == 2
    assert {"legal.deportation_rate", "seed", "indicator", "group", "final", "mean_last_12_months"} <= set(first.columns)
    kept, lost = sorted(out.glob("part-*.parquet"))
    stamp = kept.stat().st_mtime_ns
    lost.unlink()  # as if the sweep had been stopped before its second run finished
    capsys.readouterr()

    # Resume: the finished run is not redone, the missing one is.
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "2 run(s) planned, 1 already done, 1 succeeded, 0 failed" in printed
    second = pd.read_parquet(out)
    assert second.run_id.nunique() == 2 and kept.stat().st_mtime_ns == stamp
    assert (out / ".migsim-results").is_file()

    # Another design in the same folder would mix two sweeps (point numbers collide, _sweep.json
    # describes only the last): refused before anything runs.
    record = (out / "_sweep.json").read_text()
    assert main(args[:3] + ["legal.deportation_rate=0.01:0.05:3"] + args[4:]) == 2
    assert "another design" in capsys.readouterr().err
    assert (out / "_sweep.json").read_text() == record and len(list(out.glob("part-*"))) == 2

    # Another scenario in the same folder would mix two sweeps: refused before anything runs.
    other = tmp_path / "other.toml"
    other.write_text(SCENARIO + "seed = 99\n")
    assert main(["sweep", str(other)] + args[2:]) == 2
    assert "resumes only with the same scenario" in capsys.readouterr().err


def test_a_failing_run_is_recorded_not_raised():
    s = default_scenario().with_values(run__start="2022-01", run__end="2022-03", run__burn_in_months=0)
    frame = run_point(s, {"run.end": "2021-12"}, seed=1, agents=200, rid="abc", point_index=0, rep=0)
    assert list(frame.status) == ["failed"] and "run.end" in frame.error.iloc[0]


def test_vary_and_design_are_checked():
    assert len(design([parse_vary("policy.work_permit_quota=10000:60000:6"),
                       parse_vary("legal.deportation_rate=0.01:0.03:2")])) == 12
    lhs = design([parse_vary("policy.work_permit_quota=10000:60000")], samples=5)
    assert len(lhs) == 5 and all(10000 <= p["policy.work_permit_quota"] <= 60000 for p in lhs)
    for bad in ("quota.annual=1:2:3", "policy.work_permit_quota=5:1:2", "policy.work_permit_quota=-5:1:2",
                "policy.work_permit_quota", "policy.work_permit_quota=a:b:c", "run.start=1:2:2",
                "policy.work_permit_quota=10:20:1", "run.burn_in_months=0.5:1.5:2", "run.burn_in_months=0.2:0.4"):
        with pytest.raises(ScenarioError):
            parse_vary(bad)


def test_a_whole_number_key_takes_whole_values_within_its_range_only():
    """Rounded grid and sample values stay inside LOW:HIGH; one value is LOW:LOW:1."""
    grid = design([parse_vary("policy.work_permit_quota=10000:60000:7")])
    assert [p["policy.work_permit_quota"] for p in grid][:3] == [10000, 18333, 26667]
    lhs = design([parse_vary("run.burn_in_months=0:2"), parse_vary("behaviour.beta_female=0:1")], samples=50)
    assert {p["run.burn_in_months"] for p in lhs} == {0, 1, 2}
    assert all(isinstance(p["run.burn_in_months"], int) for p in lhs)
    assert design([parse_vary("population.village_size=3:3:1")]) == [{"population.village_size": 3}]
    with pytest.raises(ScenarioError, match="whole numbers between them are 1 to 6"):
        parse_vary("run.burn_in_months=0.5:6.5:6")


def test_each_sweep_run_draws_its_calibrated_parameters_from_the_posterior(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SCENARIO)
    posterior = tmp_path / "posterior.csv"
    # the point's own value of beta_network wins over the draw's
    pd.DataFrame({"behaviour.asc.KAZ": [-5.5, -6.5, -7.0], "behaviour.beta_network": [0.5, 1.0, 1.5]}
                 ).to_csv(posterior, index=False)
    out = tmp_path / "sweep"
    args = ["sweep", str(path), "--vary", "behaviour.beta_network=0.4:0.6", "--samples", "2", "--reps", "1",
            "--out", str(out), "--posterior", str(posterior)]
    assert main(args) == 0
    runs = pd.read_parquet(out)
    assert set(runs.status) == {"ok"} and runs.posterior_draw.nunique() == 2  # each future its own draw
    stock = runs[(runs.indicator == "stock_kaz") & (runs.group == "all")].set_index("point").final
    none = tmp_path / "none"
    assert main(args[:-4] + ["--out", str(none), "--posterior", "none"]) == 0
    plain = pd.read_parquet(none)
    assert "posterior_draw" not in plain or plain.posterior_draw.isna().all()
    assert not stock.equals(plain[(plain.indicator == "stock_kaz") & (plain.group == "all")].set_index("point").final)


def test_on_a_grid_a_replication_keeps_its_draw_at_every_point(tmp_path):
    """Like its seed: the curve along the grid is then the varied key's effect, not a draw's."""
    path = tmp_path / "small.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "grid"
    assert main(["sweep", str(path), "--vary", "legal.deportation_rate=0.01:0.05:3", "--reps", "2", "--out", str(out),
                 "--quiet"]) == 0
    runs = pd.read_parquet(out)
    per_rep = runs.groupby("rep").posterior_draw.nunique()
    assert list(per_rep) == [1, 1] and runs.posterior_draw.nunique() == 2
    single = tmp_path / "single"  # one replication: the calibrated point, as `migsim run` runs it
    assert main(["sweep", str(path), "--vary", "legal.deportation_rate=0.01:0.05:3", "--out", str(single),
                 "--quiet"]) == 0
    assert "posterior_draw" not in pd.read_parquet(single)


def test_a_folder_that_turns_read_only_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    """Found unwritable only once the sweep writes (after the checks): the clean-up of what it wrote
    cannot remove files there either, and must not hide the message under a second traceback."""
    import errno
    from pathlib import Path

    import simulation.outdir
    import simulation.sweep

    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    class Nothing:  # a cluster and client that run nothing: the sweep fails before submitting any run
        def __init__(self, *args, **kwargs):
            pass

        def close(self):
            pass

    path = tmp_path / "small.toml"
    path.write_text(SCENARIO)
    monkeypatch.setattr(simulation.sweep, "local_cluster", Nothing)
    monkeypatch.setattr("dask.distributed.Client", Nothing)
    monkeypatch.setattr(simulation.outdir, "mark", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--vary", "legal.deportation_rate=0.01:0.05:2", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{out}: cannot create the sweep folder (Read-only file system)" in err and not out.exists()

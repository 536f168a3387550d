"""Bad inputs at the limits: sweeps too large to build, a malformed scheduler, a varied key an
option overrides, a scenario with no people, a validation window without targets, and targets
whose band would be empty. Each is refused in one short line, exit 2, before anything runs or is
written (the corpus of `test_bad_inputs.py`, for these cases)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from simulation import cli

from conftest import folder_listing

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
HEAD = ("id,kind,source,year,population,measure,group,value,unit,n,design_effect,rel_sd,weight,data_ref,"
        "statistic,note\n")
SERIES = "series:sum:arrivals_kaz:all:2023-01..2023-03"
WDI_STAT = "series:sum:remittances_out_kaz_usd:all:{year}-01..{year}-12"
RECEIVED = "series:sum:remittances_received_usd:KAZ:2023-01..2023-12"


def tiny(d: Path, text: str = "") -> str:
    path = d / "tiny.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "tiny"\n[run]\nstart = "2022-01"\nend = "2023-12"\n'
                    f"agents = 1000\nburn_in_months = 12\n{text}", encoding="utf-8")
    return str(path)


def no_people(d: Path) -> str:
    path = d / "pool_zero_all.toml"
    pools = "".join(f"{o} = 0\n" for o in ("UZB", "TJK", "KGZ", "RUS", "CHN", "AZE", "KAZ"))
    path.write_text(f'extends = "{BASELINE}"\n[population.pool]\n{pools}', encoding="utf-8")
    return str(path)


def big(d: Path) -> str:
    path = d / "big.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "big"\n[run]\nagents = 90_000_000\n', encoding="utf-8")
    return str(path)


def targets(row: str):
    def make(d: Path) -> str:
        (d / "targets.csv").write_text(HEAD + row + "\n", encoding="utf-8")
        return str(d / "targets.csv")
    return make


def sweep(*extra):
    return lambda d: ["sweep", tiny(d), "--quiet", "--posterior", "none", *extra, "--out", str(d / "sw")]


Q = "policy.work_permit_quota"
CASES = [
    ("sweep-n-huge", sweep("--vary", "behaviour.beta_female=0:1:100000000"), ["N = 100,000,000", "10,000"]),
    ("sweep-int-n-huge", sweep("--vary", f"{Q}=10:100:100000000"), ["N = 100,000,000", "10,000"]),
    ("sweep-grid-product", sweep("--vary", "behaviour.beta_female=0:1:1000", "--vary", "behaviour.beta_age=-1:0:1000",
                                 "--vary", "behaviour.beta_care=0:1:1000"), ["1,000,000,000 points", "10,000"]),
    ("sweep-samples-huge", sweep("--vary", "behaviour.beta_female=0:1", "--samples", "100000000"),
     ["--samples 100,000,000", "10,000"]),
    ("sweep-reps-times-points", sweep("--vary", f"{Q}=10:100:90", "--reps", "1000"), ["90,000 runs", "50,000"]),
    ("sweep-scheduler-malformed", sweep("--vary", f"{Q}=10:100:2", "--scheduler", "notanaddress"),
     ["--scheduler 'notanaddress'", "tcp://HOST:PORT"]),
    ("sweep-scheduler-no-port", sweep("--vary", f"{Q}=10:100:2", "--scheduler", "tcp://10.0.0.5"),
     ["--scheduler", "tcp://HOST:PORT"]),
    # a whole-number key's rounded values once fell outside LOW:HIGH (0.5:1.5 ran 0 and 2, 0.2:0.4 ran 0 three times)
    ("sweep-int-half-range", sweep("--vary", "run.burn_in_months=0.5:1.5:2"),
     ["run.burn_in_months=0.5:1.5:2", "whole numbers", "only 1 lies between"]),
    ("sweep-int-half-village", sweep("--vary", "population.village_size=2.5:3.5:2"), ["only 3 lies between"]),
    ("sweep-int-samples-no-whole", sweep("--vary", "run.burn_in_months=0.2:0.4", "--samples", "3"),
     ["run.burn_in_months=0.2:0.4", "no whole number lies between"]),
    ("sweep-n-one-range", sweep("--vary", f"{Q}=10:20:1"), ["N = 1 would run 10 alone, never 20", f"{Q}=10:10:1"]),
    ("sweep-n-many-one-value", sweep("--vary", "behaviour.beta_female=0.5:0.5:3"), ["both 0.5", "N = 1"]),
    ("sweep-agents-varied-and-set", sweep("--agents", "2000", "--vary", "run.agents=100:200:2"),
     ["run.agents", "--agents 2000"]),
    ("sweep-seed-varied", sweep("--vary", "run.seed=1:5:2"), ["run.seed", "--reps"]),
    ("sweep-reps-varied", sweep("--vary", "run.reps=1:5:2"), ["run.reps", "--reps"]),
    # the agent count a file sets is named as the file's, not as an --agents the user never gave
    ("run-file-agents-beyond-memory", lambda d: ["run", big(d), "--out", str(d / "o")],
     ["big.toml: run.agents = 90,000,000", "GB"]),
    ("compare-file-agents-beyond-memory", lambda d: ["compare", big(d), big(d), "--out", str(d / "o")],
     ["big.toml: run.agents = 90,000,000", "GB"]),
    ("brief-file-agents-beyond-memory", lambda d: ["brief", big(d), big(d), "--out", str(d / "o")],
     ["big.toml: run.agents = 90,000,000", "GB"]),
    # a brief --from a compare folder once took --reps 0 (or any run option) and ignored it
    ("brief-from-with-reps", lambda d: ["brief", "--from", str(d / "cmp"), "--reps", "0", "--out", str(d / "o")],
     ["--reps 0: a brief --from a compare folder reads its runs as they were made", "`migsim compare`"]),
    ("check-no-people", lambda d: ["check", no_people(d)], ["pool_zero_all.toml", "every pool is zero"]),
    ("run-no-people", lambda d: ["run", no_people(d), "--out", str(d / "o")], ["pool_zero_all.toml", "every pool"]),
    ("validate-window-without-targets",
     lambda d: ["validate", targets(f"t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,{SERIES},")(d),
                "--agents", "2000", "--burn-in", "0", "--start", "2030-01", "--end", "2030-01", "--out", str(d / "v")],
     ["no target", "2023-01 to 2023-03"]),
    ("targets-count-zero", lambda d: ["validate", targets(f"t1,count,test,2023,,arrivals,all,0,persons,,,0.3,1,,{SERIES},")(d)],
     ["line 2", "'count'", "above 0"]),
    ("targets-design-effect-zero", lambda d: ["validate", targets("s1,share,test,2023,,x,all,0.5,share,400,0,,1,,,")(d)],
     ["design_effect", "at least 1"]),
    ("targets-design-effect-half", lambda d: ["validate", targets("s1,share,test,2023,,x,all,0.5,share,400,0.5,,1,,,")(d)],
     ["design_effect", "at least 1"]),
    ("targets-count-data-ref-typo", lambda d: ["validate", targets(
        f"w1,count,KEL2025,2023,,received,KAZ,304000000,USD,,,0.15,0,BX.TRF.PWKR.CD.DT:KZ,{RECEIVED},")(d)],
     ["targets.csv, line 2 (id 'w1')", "column 'data_ref'", "BX.TRF.PWKR.CD.DT:ISO3"]),
    ("targets-share-data-ref", lambda d: ["validate", targets("s1,share,test,2023,,x,all,0.5,share,400,,,1,"
                                                             "remittance:RUS:UZB:2021,,")(d)],
     ["id 's1'", "column 'data_ref'", "not used by kind 'share'"]),
    # a note with commas and one quote: its words were read as the next columns, and the message spoke of duplicates
    ("targets-quote-missing", lambda d: ["validate", targets(
        f"t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,{SERIES},a note, with commas\"")(d)],
     ["targets.csv, line 2: 17 fields where the header has 16", "without a quote"]),
    ("targets-comma-too-many", lambda d: ["validate", targets(
        f"t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,1,,{SERIES},,")(d)],
     ["line 2: 17 fields where the header has 16", "a comma too many"]),
    ("targets-wdi-with-value", lambda d: ["validate", targets(
        f"w1,wdi,WB,2015-2016,,paid,KAZ,123,USD,,,0.15,0,BM.TRF.PWKR.CD.DT:KAZ,{WDI_STAT},")(d)],
     ["'value'", "empty", "wdi"]),
]


@pytest.fixture
def no_simulation(monkeypatch):
    from calibration import fit
    from simulation import model, threads

    def refuse(*args, **kwargs):
        raise AssertionError("a simulation or cluster started although the input was bad")

    monkeypatch.setattr(model.MigrationModel, "__init__", refuse)
    monkeypatch.setattr(fit, "make_client", refuse)
    monkeypatch.setattr(threads, "local_cluster", refuse)
    monkeypatch.setattr("simulation.sweep.local_cluster", refuse)


@pytest.mark.parametrize("case_id, argv, words", CASES, ids=[c[0] for c in CASES])
def test_refused_in_one_short_line(case_id, argv, words, tmp_path, monkeypatch, capsys, no_simulation):
    monkeypatch.chdir(tmp_path)
    args = argv(tmp_path)
    before = folder_listing(tmp_path)
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT, (code, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and len(lines[0]) < 400, err[:2000]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert folder_listing(tmp_path) == before, "a refused command wrote or removed something"


def test_integer_grid_message_is_short(tmp_path, monkeypatch, capsys, no_simulation):
    """A whole-number grid of thousands of values that round alike is refused without listing them."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(sweep("--vary", f"{Q}=10:100:5000")(tmp_path)) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "only 91 distinct" in err and len(err) < 400, err[:2000]


class _FakeClient:
    """Connects, then fails as an interrupted sweep would, before any run is written."""

    def __init__(self, *args, **kwargs):
        self.closed = False

    def scatter(self, *args, **kwargs):
        raise KeyboardInterrupt

    def close(self):
        self.closed = True


class _FakeCluster:
    def close(self):
        pass


@pytest.mark.parametrize("existing", [False, True])
def test_failed_sweep_leaves_no_partial_folder(existing, tmp_path, monkeypatch):
    import dask.distributed

    from simulation import sweep as sweep_module
    from simulation.scenario import load_scenario

    monkeypatch.setattr(dask.distributed, "Client", _FakeClient)
    monkeypatch.setattr(sweep_module, "local_cluster", lambda *a, **k: _FakeCluster())
    out = tmp_path / "sw"
    if existing:
        out.mkdir()  # an empty folder of the user's: kept, and left empty
    scenario = load_scenario(tiny(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        sweep_module.sweep(scenario, [sweep_module.parse_vary(f"{Q}=10:100:2")], out)
    assert (out.is_dir() and not os.listdir(out)) if existing else not out.exists()


def test_unreachable_scheduler_leaves_no_folder(tmp_path, monkeypatch):
    import dask.distributed

    from simulation import sweep as sweep_module
    from simulation.errors import RunError
    from simulation.scenario import load_scenario

    def unreachable(*args, **kwargs):
        raise OSError("Timed out trying to connect")

    monkeypatch.setattr(dask.distributed, "Client", unreachable)
    out = tmp_path / "sw"
    with pytest.raises(RunError, match="cannot reach the Dask scheduler"):
        sweep_module.sweep(load_scenario(tiny(tmp_path)), [sweep_module.parse_vary(f"{Q}=10:100:2")], out,
                           scheduler="tcp://127.0.0.1:1")
    assert not out.exists()


def test_varied_agents_win_without_agents_option():
    """Without --agents, a varied run.agents is what each run uses (no option overrides it)."""
    from simulation.sweep import check_varied_keys, parse_vary

    check_varied_keys([parse_vary("run.agents=1000:2000:2")], agents=None)


def test_json_text_writes_null_for_nan():
    from calibration.report import json_text

    text = json_text({"a": float("nan"), "b": [1.5, float("inf")], "c": 2})
    assert json.loads(text) == {"a": None, "b": [1.5, None], "c": 2}
    assert "NaN" not in text and "Infinity" not in text


def test_validate_summary_is_strict_json(tmp_path, monkeypatch, capsys):
    """No fitted target (weight 0): the MARD is undefined and summary.json says null, not NaN."""
    monkeypatch.chdir(tmp_path)
    path = targets(f"t1,count,test,2023,,arrivals,all,56112,persons,,,0.3,0,,{SERIES},")(tmp_path)
    code = cli.main(["validate", path, "--agents", "2000", "--burn-in", "0", "--params", str(BASELINE),
                     "--start", "2023-01", "--end", "2023-03", "--out", str(tmp_path / "v")])
    assert code == 0, capsys.readouterr().err

    def refuse(constant):
        raise ValueError(f"bare {constant} in summary.json")

    summary = json.loads((tmp_path / "v" / "summary.json").read_text(), parse_constant=refuse)
    assert summary["evaluated"] == 1 and summary["mard_fitted"] is None
    # the window, agents and seeds the figures come from (the window follows the targets file by default)
    assert summary["run"] == {"scenario": "baseline", "start": "2023-01", "end": "2023-03", "burn_in_months": 0,
                              "agents": 2000, "seeds": [20260101]}
    out = capsys.readouterr().out
    assert "validate: 'baseline' from 2023-01 to 2023-03 after a 0-month spin-up" in out
    # neither on screen nor in the report a bare "nan", and only the files written are named
    assert "MARD (weight > 0) none fitted;" in out and "nan" not in out.lower()
    assert "none fitted" in (tmp_path / "v" / "report.html").read_text()
    written = sorted(p.name for p in (tmp_path / "v").iterdir() if not p.name.startswith("."))
    assert f"({', '.join(written)})" in out and "series.png" not in written

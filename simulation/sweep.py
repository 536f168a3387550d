"""Parameter sweeps on Dask: a grid or a Latin hypercube, on one machine or many.

Each run (a point of the design and a replication seed) is one Dask task that
builds, runs and summarises a model, and returns a small table: one row per
indicator and group with its value at the last month and its mean over the last
twelve months, plus the run's parameters and seed. The driver writes each run's
table as its own Parquet file in the output folder (written to a temporary name,
then renamed), so the folder is a Parquet dataset (with the design in `_sweep.json`) that `pandas.read_parquet(folder)`
reads whole, a sweep interrupted at any moment keeps every finished run, and
running the same sweep again skips them (a run's file name is a hash of its
parameters and seed). A run that fails is recorded with its error (status
"failed") and the sweep goes on; failed runs are tried again on resume.
"""

from __future__ import annotations

# Imports inside functions: the output-folder checks load only when a sweep folder is used.
import hashlib
import itertools
import json
import math
import os
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RunError, ScenarioError
from .parameters import PARAMETERS, defaults
from .posterior import SHIPPED, Posterior
from .runner import replication_seeds
from .scenario import Scenario, unknown_key_message
from .threads import local_cluster

# A sweep's size is checked before its design is built: a grid or sample beyond these would only
# fill the memory (a typo such as N = 100000000 once ran on to 7 GB) and never finish.
MAX_POINTS = 10_000  # values of one --vary, points of the grid (product of the Ns), or --samples
MAX_RUNS = 50_000  # points x --reps
# Keys a sweep sets itself, whatever a point says: varying them would record values no run used.
SET_BY_SWEEP = {"run.seed": "each run's seed derives from run.seed and --reps; give --reps for more seeds",
                "run.reps": "a sweep's replications are given by --reps"}


@dataclass(frozen=True)
class Vary:
    key: str
    low: float
    high: float
    n: int | None

    def grid(self) -> list:
        """The N grid values, a whole-number parameter's rounded (inside LOW:HIGH: `parse_vary` makes them
        whole); values that round alike are refused (a grid of 5 storing 3 points would be smaller than asked)."""
        values = np.linspace(self.low, self.high, self.n) if self.n and self.n > 1 else [self.low]
        cast = [_cast(self.key, v) for v in values]
        if len(set(cast)) < len(cast):
            distinct = len(set(cast))
            shown = ", ".join(str(v) for v in cast[:8]) + (", ..." if len(cast) > 8 else "")  # a short message
            raise ScenarioError(
                f"--vary {self.key}={self.low:g}:{self.high:g}:{self.n}: '{self.key}' takes whole numbers, and "
                f"{self.n} values from {self.low:g} to {self.high:g} round to only {distinct} distinct ones "
                f"({shown}); give N of at most {distinct} or a wider range.")
        return cast


def _cast(key: str, value):
    kind = PARAMETERS[key].kind
    return int(round(float(value))) if kind is int else float(value)


def parse_vary(text: str) -> Vary:
    """'policy.work_permit_quota=10000:60000:6' (or lo:hi for a Latin hypercube)."""
    if "=" not in text:
        raise ScenarioError(f"--vary {text!r}: write KEY=LOW:HIGH:N, e.g. policy.work_permit_quota=10000:60000:6.")
    key, spec = text.split("=", 1)
    key = key.strip()
    if key not in PARAMETERS:
        raise ScenarioError(unknown_key_message("--vary", key))
    p = PARAMETERS[key]
    if p.kind not in (int, float):
        raise ScenarioError(f"--vary {key}: only numeric parameters can be swept; '{key}' is {p.allowed()}.")
    parts = spec.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
        n = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise ScenarioError(f"--vary {text!r}: write KEY=LOW:HIGH:N with numbers (N a whole number), "
                            f"e.g. {key}=10000:60000:6.") from None
    if not (np.isfinite(low) and np.isfinite(high)):  # float() reads 'nan' and 'inf' too
        raise ScenarioError(f"--vary {text!r}: LOW and HIGH must be finite numbers, e.g. {key}=10000:60000:6.")
    if n is not None and n < 1:
        raise ScenarioError(f"--vary {text!r}: N = {n} must be at least 1.")
    if n is not None and n > MAX_POINTS:
        raise ScenarioError(f"--vary {text!r}: N = {n:,} grid values is more than a sweep takes "
                            f"(at most {MAX_POINTS:,}); give a smaller N.")
    if high < low:
        raise ScenarioError(f"--vary {text!r}: HIGH ({high:g}) is below LOW ({low:g}).")
    if p.kind is int and not (low.is_integer() and high.is_integer()):
        # rounding 0.5:1.5 gave 0 and 2, outside the range, and 0.2:0.4 gave 0 alone
        first, last = math.ceil(low), math.floor(high)
        inside = ("no whole number lies between them" if first > last else f"only {first} lies between them"
                  if first == last else f"the whole numbers between them are {first} to {last}")
        raise ScenarioError(f"--vary {text!r}: '{key}' takes whole numbers, so LOW and HIGH must be whole numbers "
                            f"({inside}); the values between them are rounded to the nearest whole number.")
    if n == 1 and high != low:  # linspace of 1 is LOW alone: HIGH would be taken and never run
        raise ScenarioError(f"--vary {text!r}: N = 1 would run {parts[0].strip()} alone, never {parts[1].strip()}; give N of at least "
                            f"2 to span the range, or {key}={parts[0].strip()}:{parts[0].strip()}:1 for the one value.")
    if n is not None and n > 1 and high == low:
        raise ScenarioError(f"--vary {text!r}: LOW and HIGH are both {low:g}, so the {n} grid values would be one; "
                            f"give a range, or N = 1.")
    for v in (low, high):
        if (p.low is not None and v < p.low) or (p.high is not None and v > p.high):
            raise ScenarioError(f"--vary {text!r}: {v:g} is outside the range of '{key}': {p.allowed()} ({p.unit}).")
    return Vary(key, low, high, n)


def design(varies: list[Vary], samples: int | None = None, seed: int = 0) -> list[dict]:
    """Points of the sweep: the full grid, or `samples` Latin-hypercube points."""
    if not varies:
        return [{}]
    keys = [v.key for v in varies]
    twice = next((k for k in keys if keys.count(k) > 1), None)
    if twice:  # a point holds one value per key: the second range would overwrite the first, point by point
        raise ScenarioError(f"--vary {twice}: given more than once; give each parameter one range.")
    gridded = next((v for v in varies if v.n is not None), None)
    if samples and gridded:  # a hypercube spans each range; N would be taken and silently not used
        key, low, high = gridded.key, f"{gridded.low:g}", f"{gridded.high:g}"
        raise ScenarioError(f"--vary {key}={low}:{high}:{gridded.n} with --samples {samples}: N (grid values) "
                            f"applies to the grid only; a Latin hypercube of --samples points takes LOW:HIGH: give "
                            f"--vary {key}={low}:{high} with --samples, or leave --samples out for a grid of "
                            f"{gridded.n} values.")
    if samples and samples > MAX_POINTS:
        raise ScenarioError(f"--samples {samples:,}: more points than a sweep takes (at most {MAX_POINTS:,}); "
                            "give fewer samples.")
    if not samples and all(v.n for v in varies):
        size = 1
        for v in varies:
            size *= v.n
        if size > MAX_POINTS:
            raise ScenarioError(
                f"--vary: the grid has {' x '.join(str(v.n) for v in varies)} = {size:,} points, more than a sweep "
                f"takes (at most {MAX_POINTS:,}); give smaller Ns, or --samples N for a Latin hypercube.")
    if samples:
        from scipy.stats import qmc  # only for Latin-hypercube designs

        try:
            sampler = qmc.LatinHypercube(d=len(varies), rng=np.random.default_rng(seed))
        except TypeError:  # scipy < 1.15 names it seed
            sampler = qmc.LatinHypercube(d=len(varies), seed=np.random.default_rng(seed))
        u = sampler.random(samples)
        return [{v.key: _cast(v.key, v.low + (v.high - v.low) * u[i, j]) for j, v in enumerate(varies)}
                for i in range(samples)]
    missing = [v.key for v in varies if v.n is None]
    if missing:
        raise ScenarioError(f"--vary {missing[0]}: give the number of grid values (KEY=LOW:HIGH:N), "
                            "or use --samples N for a Latin hypercube.")
    return [dict(zip([v.key for v in varies], combo)) for combo in itertools.product(*[v.grid() for v in varies])]


def scenario_fingerprint(scenario: Scenario) -> str:
    """Identifies the resolved scenario (every parameter and event), so a sweep folder holds one."""
    return hashlib.sha1(scenario.to_toml().encode()).hexdigest()[:16]


def run_id(point: dict, seed: int, agents: int | None, fingerprint: str = "") -> str:
    text = json.dumps({"point": point, "seed": seed, "agents": agents, "scenario": fingerprint}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def run_point(scenario: Scenario, point: dict, seed: int, agents: int | None, rid: str, point_index: int,
              rep: int, draw: tuple[int, dict] | None = None) -> pd.DataFrame:
    """One run of the sweep (a Dask task): its summary table, or one row recording its failure.

    `draw` is (row, values) of a posterior draw whose calibrated values the run takes, except
    for the keys the point varies and those the scenario sets on purpose.
    """
    started = time.perf_counter()
    meta = {"run_id": rid, "point": point_index, "rep": rep, "seed": seed, "scenario": scenario.name}
    if draw is not None:
        meta["posterior_draw"] = draw[0]
    try:
        from .model import MigrationModel  # in the Dask task: workers import the model themselves

        base = defaults()
        drawn = {} if draw is None else {k.replace(".", "__"): v for k, v in draw[1].items()
                                         if k not in point and scenario[k] == base[k]}
        s = scenario.with_values(**drawn, **{k.replace(".", "__"): v for k, v in point.items()})
        model = MigrationModel(s, seed=seed, agents=agents)
        model.run()
        ts = model.timeseries()
        last_year = ts[ts.date.isin(sorted(ts.date.unique())[-12:])]
        final = ts[ts.date == ts.date.max()].set_index(["indicator", "group"])["value"]
        mean = last_year.groupby(["indicator", "group"], sort=False)["value"].mean()
        out = pd.DataFrame({"final": final, "mean_last_12_months": mean}).reset_index()
        out["status"], out["error"] = "ok", ""
    except Exception as exc:  # recorded, not raised: the sweep goes on
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        out = pd.DataFrame({"indicator": [None], "group": [None], "final": [np.nan],
                            "mean_last_12_months": [np.nan], "status": ["failed"], "error": [detail]})
    for key, value in meta.items():
        out[key] = value
    for key, value in point.items():
        out[key] = value
    out["wall_seconds"] = time.perf_counter() - started
    return out


def _write_part(frame: pd.DataFrame, folder: Path, rid: str) -> None:
    tmp = folder / f".part-{rid}.parquet.tmp-{os.getpid()}"
    frame.to_parquet(tmp, index=False)
    tmp.replace(folder / f"part-{rid}.parquet")


def clean_unfinished_parts(folder: Path) -> list[Path]:
    """Remove the temporary part files a killed sweep left (`.part-<run>.parquet.tmp-<pid>`, its process gone)."""
    removed = []
    for path in Path(folder).glob(".part-*.parquet.tmp-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still writing
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def finished_runs(folder: Path) -> set[str]:
    """Run ids already done successfully (their part file exists and says 'ok')."""
    done = set()
    for path in Path(folder).glob("part-*.parquet"):
        try:
            status = pd.read_parquet(path, columns=["status"])["status"]
        except Exception:  # a damaged part is redone
            continue
        if len(status) and (status == "ok").all():
            done.add(path.stem[len("part-"):])
    return done


def check_sweep_folder(out) -> Path:
    """Refuse a sweep folder before anything runs: it must be new, empty, or an earlier sweep.

    Unlike a run's folder it is never replaced (it is resumed), so only migsim's own sweep
    folders (with `_sweep.json`, or the marker and part files alone) are written into; the
    checks of `check_out` for empty text, the current folder, system folders, files and
    unwritable places apply.
    """
    from .errors import OutputError
    from .outdir import MARKER, check_out

    path = check_out(out, force=True, what="sweep results", marks=(MARKER, "_sweep.json"))
    if path.is_dir():
        names = set(os.listdir(path))
        if "_sweep.json" not in names and any(n != MARKER and not n.startswith(("part-", ".part-")) for n in names):
            raise OutputError(f"--out {out}: holds migsim results that are not a sweep (no _sweep.json); "
                              "choose another --out.")
    return path


def _check_same_scenario(out: Path, scenario: Scenario, fingerprint: str, plan: dict | None = None) -> None:
    """Resuming is only for the same scenario and design: another would mix two sweeps in one dataset."""
    record = out / "_sweep.json"
    if not record.exists():
        if any(out.glob("part-*.parquet")):
            raise ScenarioError(f"{out}: holds sweep results without a _sweep.json record; choose another --out.")
        return
    try:
        before = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{record}: unreadable ({exc}); choose another --out.") from None
    if not isinstance(before, dict):
        raise ScenarioError(f"{record}: not the record a sweep writes; choose another --out.")
    differs = _design_differences(before, plan) if plan is not None else []
    # --agents changes the scenario's run.agents too: then the option is named, not "other parameters"
    if before.get("scenario_fingerprint") != fingerprint and (plan is None or before.get("agents") == plan["agents"]):
        raise ScenarioError(
            f"{out}: holds a sweep of scenario '{before.get('scenario')}' "
            f"({before.get('scenario_file') or 'no file'}) with other parameters than '{scenario.name}'; "
            "a sweep resumes only with the same scenario. Choose another --out.")
    if differs:
        raise ScenarioError(
            f"{out}: holds a sweep with another design: {'; '.join(differs)}. A sweep resumes only with the same "
            "--vary, --samples, --reps, --agents and --posterior: repeat the earlier options, or choose another --out.")


def _vary_text(vary) -> str:
    """A recorded --vary ({"key", "low", "high", "n"}) as it is written on the command line."""
    try:
        return f"{vary['key']}={vary['low']:g}:{vary['high']:g}" + (f":{vary['n']}" if vary["n"] is not None else "")
    except (TypeError, KeyError, ValueError):
        return str(vary)  # a hand-edited record: shown as it is


def _option_text(option: str, value) -> str:
    """A recorded --samples, --reps, --agents or --posterior as the command line gives it."""
    if value is None:
        return {"samples": "no --samples (a grid)", "agents": "no --agents (the scenario's run.agents)",
                "posterior": "--posterior none"}.get(option, f"no --{option}")
    if option == "posterior":
        return "--posterior shipped" if str(value) == str(SHIPPED) else f"--posterior {value}"
    return f"--{option} {value}"


def _design_differences(before: dict, plan: dict) -> list[str]:
    """How this sweep's options differ from the recorded ones, in words, one phrase each."""
    same = lambda k: json.loads(json.dumps(before.get(k))) == json.loads(json.dumps(plan[k]))  # noqa: E731
    differs = []
    if not same("vary"):
        old = before.get("vary") if isinstance(before.get("vary"), list) else []
        old_by_key = {v.get("key"): v for v in old if isinstance(v, dict)}
        new_by_key = {v["key"]: v for v in plan["vary"]}
        for key, v in new_by_key.items():
            if key not in old_by_key:
                differs.append(f"the earlier sweep did not vary {key}, this command gives --vary {_vary_text(v)}")
            elif json.loads(json.dumps(old_by_key[key])) != json.loads(json.dumps(v)):
                differs.append(f"the earlier sweep used --vary {_vary_text(old_by_key[key])}, this command gives "
                               f"--vary {_vary_text(v)}")
        differs += [f"the earlier sweep used --vary {_vary_text(v)}, this command does not vary {key}"
                    for key, v in old_by_key.items() if key not in new_by_key]
        if not differs:  # the same keys and ranges in another order
            differs.append("the earlier sweep gave its --vary options in another order: "
                           + " ".join(f"--vary {_vary_text(v)}" for v in old))
    for option in ("samples", "reps", "agents", "posterior"):
        if option in plan and not same(option):
            differs.append(f"the earlier sweep used {_option_text(option, before.get(option))}, this command gives "
                           f"{_option_text(option, plan[option])}")
    return differs


def check_scheduler_address(scheduler: str | None) -> None:
    """Refuse a --scheduler that is not an address (tcp://HOST:PORT) before anything is written."""
    if scheduler is None:
        return
    from distributed.comm.addressing import get_address_host_port

    try:
        host, port = get_address_host_port(scheduler)
        if not host or not 0 < port < 65536:
            raise ValueError("no host" if not host else f"port {port} is not 1-65535")
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler {scheduler!r}: not a Dask scheduler address ({exc}); write "
                            "tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786), or leave --scheduler out for a "
                            "local cluster.") from None


def check_varied_keys(varies: list[Vary], agents: int | None) -> None:
    """Refuse a --vary of a key the sweep or a command option sets for every run (its values would be
    recorded but never used)."""
    for v in varies:
        if v.key in SET_BY_SWEEP:
            raise ScenarioError(f"--vary {v.key}: cannot be varied in a sweep ({SET_BY_SWEEP[v.key]}).")
        if v.key == "run.agents" and agents is not None:
            raise ScenarioError(f"--vary run.agents with --agents {agents}: --agents sets every run's agents; "
                                "leave --agents out to vary run.agents.")


@dataclass
class SweepSummary:
    planned: int
    skipped: int
    succeeded: int
    failed: int
    out: Path
    wall_seconds: float


def sweep(scenario: Scenario, varies: list[Vary], out: Path, *, reps: int = 1, samples: int | None = None,
          agents: int | None = None, scheduler: str | None = None, workers: int = 1,
          progress=None, posterior: Posterior | None = None) -> SweepSummary:
    """Run every point x replication not already in `out` on Dask; write each run as it finishes.

    With a `posterior`, runs draw their calibrated parameters from a seeded shuffle of its
    sample. In a Latin hypercube (`samples`) every run takes a draw of its own: the futures
    then hold the parameters' uncertainty too, for scenario discovery to find which of them
    break a policy (a second sweep of the same design takes the same draws, run by run). On a
    grid, replication r takes the same draw at every point, as it takes the same seed, so the
    curve along the grid is the varied keys' own effect; a single replication runs the
    calibrated point, as `run` does.
    """
    out = check_sweep_folder(out)
    check_scheduler_address(scheduler)
    check_varied_keys(varies, agents)
    base_seed = int(scenario["run.seed"])
    points = design(varies, samples, seed=base_seed)
    if len(points) * reps > MAX_RUNS:
        raise ScenarioError(f"--reps {reps}: {len(points):,} points x {reps} replications = {len(points) * reps:,} "
                            f"runs, more than a sweep takes (at most {MAX_RUNS:,}); give fewer points or --reps.")
    for point in points:  # every point must be a valid scenario before anything runs
        try:
            scenario.with_values(**{k.replace(".", "__"): v for k, v in point.items()})
        except ScenarioError as exc:
            raise ScenarioError(str(exc).replace("(override)", "--vary")) from None
    varied_agents = [v.high for v in varies if v.key == "run.agents"]
    if varied_agents and not scheduler:  # the largest runs must fit, as --agents must
        from .safety import check_memory

        try:
            check_memory(varied_agents[0], workers, flag="--workers")
        except ScenarioError as exc:
            raise ScenarioError(str(exc).replace("--agents", "--vary run.agents up to", 1)) from None
    fingerprint = scenario_fingerprint(scenario)
    plan = {"vary": [v.__dict__ for v in varies], "samples": samples, "reps": reps, "agents": agents,
            "posterior": posterior.source if posterior is not None else None}
    _check_same_scenario(out, scenario, fingerprint, plan)
    seeds = replication_seeds(base_seed, reps)
    pairs = [(i, r, point, seed) for i, point in enumerate(points) for r, seed in enumerate(seeds)]
    draws: list = [None] * len(pairs)
    if posterior is not None and (samples is not None or reps > 1):
        order = np.random.default_rng(base_seed).permutation(len(posterior.draws))
        which = range(len(pairs)) if samples is not None else [r for _, r, _, _ in pairs]  # run, or replication
        draws = [(int(order[k % len(order)]), posterior.values(int(order[k % len(order)]))) for k in which]
    tasks = [(i, r, point, seed, run_id(point if d is None else {**point, "posterior_draw": d[0]}, seed, agents,
                                        fingerprint), d)
             for (i, r, point, seed), d in zip(pairs, draws)]
    done = finished_runs(out)
    todo = [t for t in tasks if t[4] not in done]
    started = time.perf_counter()
    ok = failed = 0
    client = cluster = None
    if todo:  # the cluster first: a scheduler out of reach leaves no folder behind
        from dask.distributed import Client, as_completed  # only when there is work to do

        try:
            if scheduler:
                client = Client(scheduler, timeout="30s")
            else:
                # the workers, not the kernels' threads, share the cores (simulation.threads); the dashboard
                # and the workers listen on localhost only, not on every interface
                cluster = local_cluster(workers, host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=40)
                client = Client(cluster)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            if cluster is not None:
                cluster.close()
            raise RunError(f"cannot reach the Dask scheduler {scheduler!r} ({exc}); check the address "
                           "(e.g. tcp://10.0.0.5:8786) or leave --scheduler out for a local cluster.") from None
    from .outdir import MARKER, mark

    created = not out.exists()
    wrote = [out / n for n in (MARKER, "_sweep.json") if not (out / n).exists()]
    try:
        try:
            out.mkdir(parents=True, exist_ok=True)
            mark(out, "sweep results, resumed by running the same sweep again")
        except OSError as exc:
            raise RunError(f"{out}: cannot create the sweep folder ({exc.strerror}); choose another --out.") from None
        clean_unfinished_parts(out)
        (out / "_sweep.json").write_text(json.dumps({
            "scenario": scenario.name, "scenario_fingerprint": fingerprint,
            "scenario_file": str(scenario.path) if scenario.path else None,
            **plan, "seeds": seeds, "points": points}, indent=2), encoding="utf-8")
        if client is not None:
            scattered = client.scatter(scenario, broadcast=True)
            futures = [client.submit(run_point, scattered, point, seed, agents, rid, i, r, d, key=f"run-{rid}",
                                     pure=False) for i, r, point, seed, rid, d in todo]
            for future in as_completed(futures):
                try:
                    frame = future.result()
                except Exception as exc:  # the task itself died (e.g. a worker was lost)
                    rid = future.key.split("-", 1)[1]
                    i, r, point, seed, _, _ = next(t for t in todo if t[4] == rid)
                    frame = pd.DataFrame({"indicator": [None], "group": [None], "final": [np.nan],
                                          "mean_last_12_months": [np.nan], "status": ["failed"],
                                          "error": [f"{type(exc).__name__}: {exc}"], "run_id": [rid],
                                          "point": [i], "rep": [r], "seed": [seed], "scenario": [scenario.name],
                                          **{k: [v] for k, v in point.items()}, "wall_seconds": [np.nan]})
                rid = frame["run_id"].iloc[0]
                _write_part(frame, out, rid)
                if (frame["status"] == "ok").all():
                    ok += 1
                else:
                    failed += 1
                if progress is not None:
                    progress(ok + failed, len(todo), frame)
    except BaseException:  # no run kept: remove what this sweep wrote, so no half-written folder remains
        if not any(out.glob("part-*.parquet")):
            for path in wrote:
                with suppress(OSError):  # a folder that turned read-only keeps them; the error in hand says why
                    path.unlink(missing_ok=True)
            if created:
                with suppress(OSError):
                    out.rmdir()
        raise
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return SweepSummary(len(tasks), len(tasks) - len(todo), ok, failed, out, time.perf_counter() - started)

"""Fair comparisons of scenarios: same seeds, paired differences, headline tables.

`compare` runs a baseline and alternatives with the same replication seeds (common
random numbers: each decision draws from its own keyed stream, so replication r of
the alternative differs from replication r of the baseline only because of what the
alternative changes). Differences are taken replication by replication and then
summarised by quantiles, which is far tighter than differencing two independent
bands. `scenario_diff` lists what differs between two scenario files after
`extends` is resolved. Nothing here writes files (see `report.py`).
"""

from __future__ import annotations

# Imports inside functions: event parsing and dates are needed only when events are compared.
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .posterior import Posterior, split_variance
from .runner import RunResult, run
from .scenario import Scenario

DEFAULT_BAND = (10, 90)  # percentiles of the shaded band; the line is the median


def band_columns(band: tuple[int, int] = DEFAULT_BAND) -> tuple[str, str, str]:
    """Column names of a band's low percentile, the median and its high percentile (q10, q50, q90)."""
    return f"q{band[0]:02d}", "q50", f"q{band[1]:02d}"


def _quantiles(grouped, band: tuple[int, int]) -> pd.DataFrame:
    q = grouped.quantile([band[0] / 100, 0.5, band[1] / 100]).unstack()
    q.columns = list(band_columns(band))
    return q

# The headline table: (indicator, group, label, how) with how = "level" (value at the date) or
# "year" (sum over the 12 months ending at the date).
HEADLINE = [
    ("stock_kaz", "all", "foreign workers in Kazakhstan (persons)", "level"),
    *[("stock_kaz_by_origin", o, f"  from {o} (persons)", "level") for o in ("UZB", "TJK", "KGZ", "RUS", "CHN", "AZE")],
    ("share_no_contract", "all", "informal share: employed without a written contract", "level"),
    ("share_irregular", "all", "irregular share: without a right to work", "level"),
    ("remittances_out_kaz_usd", "all", "remittances sent from Kazakhstan (USD, 12 months to date)", "year"),
    ("kazakhs_abroad", "all", "Kazakh citizens working abroad (persons)", "level"),
]

# Figures of the report: (file stem, indicator, group, title, unit scale, unit label)
FIGURES = [
    ("stock_kaz", "stock_kaz", "all", "Foreign workers in Kazakhstan", 1e3, "thousand persons"),
    ("stock_uzb", "stock_kaz_by_origin", "UZB", "Workers from Uzbekistan in Kazakhstan", 1e3, "thousand persons"),
    ("informal_share", "share_no_contract", "all", "Employed foreign workers without a written contract", 0.01,
     "percent"),
    ("irregular_share", "share_irregular", "all", "Foreign workers without a right to work", 0.01, "percent"),
    ("remittances_out", "remittances_out_kaz_usd", "all", "Remittances sent from Kazakhstan", 1e6,
     "million USD per month"),
    ("kazakhs_abroad", "kazakhs_abroad", "all", "Kazakh citizens working abroad", 1e3, "thousand persons"),
]


@dataclass
class Comparison:
    base: RunResult
    alternatives: list[RunResult]
    band: tuple[int, int] = DEFAULT_BAND
    extra: dict = field(default_factory=dict)  # how it was run (e.g. the month branches start)

    @property
    def columns(self) -> tuple[str, str, str]:
        return band_columns(self.band)

    @property
    def results(self) -> list[RunResult]:
        return [self.base] + self.alternatives

    def bands(self, indicator: str, group: str = "all") -> pd.DataFrame:
        """Tidy: scenario, date, indicator, group, and the band (q10, q50, q90) of each scenario's level."""
        frames = []
        for r in self.results:
            sel = _select(r.timeseries, indicator, group)
            q = _quantiles(sel.groupby("date")["value"], self.band)
            frames.append(q.reset_index().assign(scenario=r.scenario.name, indicator=indicator, group=group))
        return pd.concat(frames, ignore_index=True)[["scenario", "date", "indicator", "group", *self.columns]]

    def differences(self, indicator: str, group: str = "all") -> pd.DataFrame:
        """Tidy: scenario, date, ..., the band of (alternative - baseline), paired by replication."""
        base = _select(self.base.timeseries, indicator, group).set_index(["rep", "date"])["value"]
        frames = []
        for r in self.alternatives:
            alt = _select(r.timeseries, indicator, group).set_index(["rep", "date"])["value"]
            d = (alt - base).dropna().rename("value").reset_index()
            q = _quantiles(d.groupby("date")["value"], self.band)
            frames.append(q.reset_index().assign(scenario=r.scenario.name, indicator=indicator, group=group))
        if not frames:
            return pd.DataFrame(columns=["scenario", "date", "indicator", "group", *self.columns])
        return pd.concat(frames, ignore_index=True)[["scenario", "date", "indicator", "group", *self.columns]]

    def parameter_share(self, by_rep: pd.Series) -> float:
        """Share of the replications' variance that the parameters' uncertainty makes (nan without a posterior).

        The rest is chance. Needs replications drawn as a crossed design of posterior draws
        and seeds (`runner.replication_plan`); see `posterior.split_variance`.
        """
        info = self.base.extra
        if "draws" not in info:
            return float("nan")
        values = by_rep.sort_index().to_numpy(float)
        parameters, chance = split_variance(values, info["draws"], info["seeds_per_draw"])
        total = parameters + chance
        return parameters / total if total > 0 else float("nan")

    def headline(self, dates: list[str]) -> pd.DataFrame:
        """Headline indicators at the dates: each scenario's band and its paired difference from the baseline."""
        rows = []
        for date in dates:
            base_vals = None
            for r in self.results:
                for indicator, group, label, how in HEADLINE:
                    vals = headline_values(r.timeseries, indicator, group, date, how)
                    if vals is None:
                        continue
                    row = {"date": date, "indicator": indicator, "group": group, "label": label,
                           "scenario": r.scenario.name, **_q(vals, self.band),
                           "parameter_share": self.parameter_share(vals)}
                    if r is self.base:
                        base_vals = base_vals or {}
                        base_vals[(indicator, group)] = vals
                    elif base_vals and (indicator, group) in base_vals:
                        diff = (vals - base_vals[(indicator, group)]).dropna()
                        row.update({f"diff_{k}": v for k, v in _q(diff, self.band).items()})
                        row["diff_parameter_share"] = self.parameter_share(diff)
                    rows.append(row)
        return pd.DataFrame(rows)


def _select(ts: pd.DataFrame, indicator: str, group: str) -> pd.DataFrame:
    return ts[(ts.indicator == indicator) & (ts.group == group)]


def _q(values: pd.Series, band: tuple[int, int]) -> dict:
    names = band_columns(band)
    if len(values) == 0:
        return dict.fromkeys(names, np.nan)
    return {name: float(values.quantile(p / 100)) for name, p in zip(names, (band[0], 50, band[1]))}


def headline_values(ts: pd.DataFrame, indicator: str, group: str, date: str, how: str) -> pd.Series | None:
    sel = _select(ts, indicator, group)
    if how == "level":
        at = sel[sel.date == date]
        return None if at.empty else at.set_index("rep")["value"]
    dates = sorted(d for d in sel.date.unique() if d <= date)[-12:]
    if len(dates) < 12 or dates[-1] != date:
        return None
    return sel[sel.date.isin(dates)].groupby("rep")["value"].sum()


def compare(base: Scenario, alternatives: list[Scenario], *, reps: int, agents: int | None = None,
            seed: int | None = None, jobs: int = 1, progress: bool = False,
            band: tuple[int, int] = DEFAULT_BAND, posterior: Posterior | None = None,
            branch: bool = True) -> Comparison:
    """Run the baseline and each alternative with the same replication seeds (and draws).

    With `branch` (the default), alternatives that differ from the baseline only by events from
    some month on continue from the baseline's state at that month instead of re-simulating the
    shared history (`state.py`): the same numbers, less work. With a posterior each replication
    has its own draw, the same for every scenario, so they still share their history."""
    if reps < 1:
        raise ScenarioError(f"--reps = {reps}: give at least 1 replication.")
    check_comparable(base, alternatives, seed=seed, agents=agents)
    names = {}
    for s in [base] + alternatives:
        if s.name in names:
            raise ScenarioError(
                f"{s.path or s.name}: has the name '{s.name}', as {names[s.name]} does; names label the report's "
                "columns, so give each compared scenario its own name = \"...\".")
        names[s.name] = s.path or s.name
    seed = int(base["run.seed"] if seed is None else seed)
    from .branching import run_branched  # noqa: PLC0415 - branching imports the runner, as this module does
    from .state import branch_month  # noqa: PLC0415

    month = branch_month(base, alternatives) if branch and alternatives else None
    if month is not None:
        results = run_branched([base] + alternatives, month, seed=seed, reps=reps, agents=agents, jobs=jobs,
                               progress=progress, posterior=posterior)
    else:
        results = [run(s, seed=seed, reps=reps, agents=agents, jobs=jobs, progress=progress, posterior=posterior)
                   for s in [base] + alternatives]
    assert all(r.seeds == results[0].seeds and r.extra.get("draw_rows") == results[0].extra.get("draw_rows")
               for r in results)
    return Comparison(results[0], results[1:], band, {"branched_from": month})


# Run settings compared scenarios share, and the option that sets each for all of them (None: none does).
# Replication r of every scenario is paired with the baseline's: the alternatives used to take their
# own agents and spin-up but the baseline's seed, so a difference mixed the policy with another
# population, and the memory checked for the baseline said nothing of theirs.
SHARED_RUN_SETTINGS = {"run.agents": "--agents N", "run.seed": "--seed N", "run.burn_in_months": None}


def check_comparable(base: Scenario, alternatives: list[Scenario], *, seed: int | None = None,
                     agents: int | None = None) -> None:
    """Refuse, before anything runs, alternatives whose months, agents, seed or spin-up differ from the
    baseline's: paired differences must come from what the alternative changes, nothing else.
    A setting given for every scenario (`seed`, `agents`: --seed, --agents) is not compared."""
    where = base.path or base.name
    for s in alternatives:
        if (s["run.start"], s["run.end"]) != (base["run.start"], base["run.end"]):
            raise ScenarioError(
                f"{s.path or s.name}: runs {s['run.start']} to {s['run.end']} but the baseline runs "
                f"{base['run.start']} to {base['run.end']}; compared scenarios must cover the same months.")
        for key, option in SHARED_RUN_SETTINGS.items():
            given = {"run.seed": seed, "run.agents": agents}.get(key)
            if given is not None or s[key] == base[key]:
                continue
            also = f", or give {option} on the command line, which applies to every scenario" if option else ""
            raise ScenarioError(
                f"{s.path or s.name}: {key} = {s[key]} but the baseline ({where}) has {key} = {base[key]}; "
                f"compared scenarios are paired replication by replication, so they must share {key}: "
                f"set it alike in both files{also}.")


def check_dates(dates: list[str] | None, scenario: Scenario) -> None:
    """Headline dates must be months the scenarios simulate: another would give an empty table."""
    from .dates import month_index

    first, last = month_index(scenario["run.start"]), month_index(scenario["run.end"])
    for d in dates or []:
        if not first <= month_index(d) <= last:
            raise ScenarioError(f"--dates: {d} is outside the run ({scenario['run.start']} to {scenario['run.end']}); "
                                "give months within it (e.g. Decembers).")


def policy_dates(comparison: Comparison) -> list[str]:
    """Headline dates that show what the alternatives change: the last December and one before it.

    As `report.default_dates`, the last December of the run and the December five years
    before, except that a date before the alternatives' first dated change (an event one
    of them adds or drops) would show a table of zeros: the earlier date then becomes the
    first December at least twelve months after that change, a year of its effect.
    """
    from .scenario import month_index

    dates = sorted(comparison.base.timeseries.date.unique())
    decembers = [d for d in dates if d.endswith("-12")]
    last = decembers[-1] if decembers else dates[-1]
    earlier = f"{int(last[:4]) - 5}-12"
    base = _by_text(comparison.base.scenario.events)
    changed = []
    for r in comparison.alternatives:
        alt = _by_text(r.scenario.events)
        changed += [e for t, e in alt.items() if t not in base] + [e for t, e in base.items() if t not in alt]
    if changed:
        begins = min(ev.start for ev in changed)
        if month_index(earlier) < begins + 12:
            earlier = next((d for d in decembers if month_index(d) >= begins + 12), last)
        if month_index(last) < begins:
            last = dates[-1]
    return list(dict.fromkeys(d for d in (earlier, last) if d in dates)) or [dates[-1]]


def _by_text(events: list) -> dict:
    """A scenario's validated events by the text of their `[[events]]` table (the file each came from aside)."""
    return {_event_text({k: v for k, v in e.table.items() if k != "_file"}): e for e in events}


def scenario_diff(a: Scenario, b: Scenario) -> list[tuple[str, object, object]]:
    """(key, value in a, value in b) for every parameter that differs, then the events."""
    rows = [(k, a.values[k], b.values[k]) for k in a.values if a.values[k] != b.values[k]]
    ea, eb = [e.table for e in a.events], [e.table for e in b.events]
    for i in range(max(len(ea), len(eb))):
        x = ea[i] if i < len(ea) else None
        y = eb[i] if i < len(eb) else None
        if x != y:
            rows.append((f"[[events]] #{i + 1}", _event_text(x), _event_text(y)))
    return rows


def _event_text(event: dict | None) -> str:
    if event is None:
        return "(none)"
    return ", ".join(f"{k}={v!r}" for k, v in event.items())


# --- reading a comparison back from a report folder --------------------------------------------
def load_comparison(folder) -> Comparison:
    """A `Comparison` rebuilt from a `compare` report folder (replications.parquet, scenarios/), with
    the posterior draws its replications took (summary.json's "parameters"), so the band's split holds."""
    import json
    from pathlib import Path

    from .scenario import load_scenario, month_index

    folder = Path(folder)
    make = "make one with `migsim compare BASE ALT --out FOLDER`, or give the scenario files."
    if not folder.exists():
        raise ScenarioError(f"{folder}: does not exist; give the folder of a `migsim compare` report, or {make}")
    if not folder.is_dir():
        what = "is a file" if folder.is_file() else "is a pipe, socket or device"
        raise ScenarioError(f"{folder}: {what}, not a folder; give the folder of a `migsim compare` report, "
                            f"or {make}")
    need = [folder / "summary.json", folder / "replications.parquet", folder / "scenarios"]
    missing = [p.name for p in need if not p.exists()]
    if missing:
        raise ScenarioError(f"{folder}: not a compare report folder with replications (missing {', '.join(missing)}); "
                            + make)
    try:  # a damaged or hand-edited folder is named, not a traceback
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        series = pd.read_parquet(folder / "replications.parquet")
    except Exception as exc:
        raise ScenarioError(f"{folder}: its summary.json or replications.parquet cannot be read "
                            f"({type(exc).__name__}); run `migsim compare` again into a new folder.") from None
    if not isinstance(summary, dict) or not {"seeds", "agents", "persons_per_agent"} <= set(summary) \
            or "position" not in series:
        raise ScenarioError(f"{folder}: summary.json or replications.parquet is not what `migsim compare` writes; "
                            "run it again into a new folder.")
    results = []
    for k in sorted(series.position.unique()):
        scenario = load_scenario(folder / "scenarios" / f"{k}.toml")
        ts = series[series.position == k].drop(columns=["scenario", "position"]).reset_index(drop=True)
        months = month_index(scenario["run.end"]) - month_index(scenario["run.start"]) + 1
        wall = summary.get("wall_seconds", {}).get(scenario.name, 0.0)
        drawn = summary.get("parameters")  # how the replications drew their calibrated parameters
        results.append(RunResult(scenario, ts, list(summary["seeds"]), int(summary["agents"]),
                                 float(summary["persons_per_agent"]), float(wall), months,
                                 dict(drawn) if isinstance(drawn, dict) else {}))
    return Comparison(results[0], results[1:], tuple(summary.get("band_percentiles", (10, 90))))

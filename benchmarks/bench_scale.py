"""Does the answer depend on the number of agents? Headline indicators at a small and a large size.

The calibration runs at 10,000 agents, users at 100,000 to 1,000,000: if the model's results
drifted with the number of agents, the calibrated parameters would not mean what they say at a
user's size. For every headline indicator of `summary.json` (the foreign workforce, its origin
and sector shares, informality, irregularity, women, income, Kazakhs abroad, remittances), this
reports the median over seeds at the small size and the 10-90% band at the large size, and
whether the small size's median lies inside the large size's band. Next to it: the relative
drift of the medians and the difference of the means in standard errors (z), which tells a
systematic drift (|z| keeps growing with more seeds) from the chance of a few seeds.

The 300,000-agent band is narrow (a large run varies about sqrt(30) times less than a small one),
so the median of few small runs misses it by chance alone; `p_inside_if_no_drift` says how often
a drift-free indicator would be inside with the seeds given, and more small seeds sharpen the test.
The band's own ends are estimated from the large runs: two sets of 10 put the mean Uzbek share
0.0035 apart (the band of 30 is 0.012 wide), and with 10 of them 4 of 20 indicators fell outside
where 30 put all 20 inside (benchmarks/README.md, 2026-12-04); hence 30 by default.

    .venv/bin/python benchmarks/bench_scale.py                    # 10,000 (40 seeds) vs 300,000 (30 seeds)
    .venv/bin/python benchmarks/bench_scale.py --small-seeds 400 --jobs 2   # a median sharp enough to judge
    .venv/bin/python benchmarks/bench_scale.py --small 10000 --large 100000 --date 2023-12

Exit status 1 if any indicator's small-size median falls outside the large-size band.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from scipy.special import ndtr

from simulation import load_scenario, run
from simulation.outputs import headline
from simulation.scenario import baseline_path


def flat_headline(result, date: str) -> dict[str, np.ndarray]:
    """Each headline indicator at `date` as an array over replications (one run per seed)."""
    out: dict[str, list[float]] = {}
    for rep in sorted(result.timeseries.rep.unique()):
        one = type(result)(result.scenario, result.timeseries[result.timeseries.rep == rep], [result.seeds[rep]],
                           result.agents, result.scale, 0.0, result.months)
        h = headline(one)
        figures = dict(h[date])
        for name in ("origin_shares", "sector_shares_of_employed"):
            for group, band in figures.pop(name).items():
                out.setdefault(f"{name}:{group}", []).append(band.get("median"))
        for name, band in figures.items():
            out.setdefault(name, []).append(band.get("median"))
        year = date[:4]
        out.setdefault(f"remittances_out_musd:{year}", []).append(
            h["remittances_out_of_kazakhstan_musd_per_year"].get(year, {}).get("median"))
    return {k: np.array([np.nan if x is None else x for x in v], float) for k, v in out.items()}


def drift_z(small: np.ndarray, large: np.ndarray) -> float:
    """Difference of the two sizes' means in standard errors (Welch): chance alone keeps it
    mostly within +-2, a systematic drift grows with the number of seeds."""
    small, large = small[np.isfinite(small)], large[np.isfinite(large)]
    if len(small) < 2 or len(large) < 2:
        return float("nan")
    se = np.sqrt(small.var(ddof=1) / len(small) + large.var(ddof=1) / len(large))
    return float((small.mean() - large.mean()) / se) if se > 0 else float("nan")


def chance_inside(small: np.ndarray, low: float, high: float, centre: float) -> float:
    """How often the median of this many small runs would fall inside [low, high] if the small
    size had no drift at all (its median at `centre`): the test's power. The median of n runs
    has a standard error of about 1.2533 sd / sqrt(n) (normal approximation)."""
    small = small[np.isfinite(small)]
    if len(small) < 2 or not np.isfinite(centre):
        return float("nan")
    se = 1.2533 * small.std(ddof=1) / np.sqrt(len(small))
    if se == 0:
        return float(low <= centre <= high)
    return float(ndtr((high - centre) / se) - ndtr((low - centre) / se))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=300_000)
    ap.add_argument("--small-seeds", type=int, default=40)
    ap.add_argument("--large-seeds", type=int, default=30)
    ap.add_argument("--date", default="2022-12", help="headline date (default 2022-12)")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=1, help="processes for the replications")
    args = ap.parse_args(argv)
    scenario = load_scenario(baseline_path()).with_values(run__end=f"{args.date[:4]}-12")
    rows = {}
    for label, agents, seeds in (("small", args.small, args.small_seeds), ("large", args.large, args.large_seeds)):
        started = time.perf_counter()
        result = run(scenario, reps=seeds, seed=args.seed, agents=agents, jobs=args.jobs)
        rows[label] = flat_headline(result, args.date)
        print(f"{agents:,} agents x {seeds} seeds: {time.perf_counter() - started:.0f} s", flush=True)
    table = []
    for name, large in rows["large"].items():
        small = rows["small"].get(name, np.array([np.nan]))
        low, high = np.nanquantile(large, 0.1), np.nanquantile(large, 0.9)
        median = np.nanmedian(small)
        table.append({"indicator": name, f"median_{args.small}": median, f"q10_{args.large}": low,
                      f"q50_{args.large}": np.nanmedian(large), f"q90_{args.large}": high,
                      "inside": bool(low <= median <= high) if np.isfinite(median) else False,
                      "drift": median / np.nanmedian(large) - 1, "z": drift_z(small, large),
                      "p_inside_if_no_drift": chance_inside(small, low, high, np.nanmedian(large))})
    frame = pd.DataFrame(table)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.float_format", "{:,.4g}".format):
        print(frame.to_string(index=False))
    inside = int(frame.inside.sum())
    print(f"\ndrift: the {args.small:,}-agent median over the {args.large:,}-agent one, less 1; z: the difference of "
          "the means in standard errors (|z| > 3: more than chance)")
    print(f"\n{inside} of {len(frame)} headline indicators: the {args.small:,}-agent median lies inside the "
          f"{args.large:,}-agent 10-90% band ({args.date}). Without any drift, the sampling error of a median "
          f"of {args.small_seeds} seeds alone would leave about {len(frame) - frame.p_inside_if_no_drift.sum():.1f} "
          "outside (p_inside_if_no_drift; more --small-seeds make the test sharper).")
    return 0 if inside == len(frame) else 1


if __name__ == "__main__":
    sys.exit(main())

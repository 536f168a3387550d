"""Global sensitivity of the headline indicators to the calibrated parameters (SALib).

Morris elementary effects screen cheaply ((k + 1) runs per trajectory); Sobol indices
(Saltelli sampling without second-order terms, N (k + 2) runs) split the variance into
first-order and total effects. The parameters and ranges are the calibration space (`space.SPACE`), so the
question answered is: within the ranges we calibrate over, which parameters move
which results?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.errors import ScenarioError
from simulation.scenario import Scenario
from simulation.threads import process_pool

from .fit import TargetDistance
from .simulate import SeriesTable, Window, compute_statistic, run_window, simulated_values
from .space import SPACE, Prior
from .targets import parse_statistic

# headline -> statistic (same mini-language as the targets file)
HEADLINES: dict[str, str] = {
    "foreign_workers_kaz_2022": "series:mean:stock_kaz:all:2022-01..2022-12",
    "share_no_contract_IOM2022": "survey:IOM2022:no_contract",
    "share_female_IOM2022": "survey:IOM2022:female",
    "remittances_paid_kaz_2022_usd": "series:sum:remittances_out_kaz_usd:all:2022-01..2022-12",
    "remittances_received_uzb_2022_usd": "series:sum:remittances_received_usd:UZB:2022-01..2022-12",
    "kazakhs_abroad_2022": "series:mean:kazakhs_abroad:all:2022-01..2022-12",
}
METHODS = ("morris", "sobol")


def problem(space: tuple[Prior, ...] = SPACE) -> dict:
    return {"num_vars": len(space), "names": [p.key for p in space], "bounds": [[p.low, p.high] for p in space]}


def sample(method: str, n: int, seed: int, space: tuple[Prior, ...] = SPACE) -> np.ndarray:
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem(space), N=n, num_levels=4, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem(space), N=n, calc_second_order=False, seed=seed)
    raise ScenarioError(f"--method '{method}' is not one of {', '.join(METHODS)}.")


def _evaluate(args) -> list[float]:
    scenario, targets, window, seed, keys, row = args
    sc = scenario.with_values(**{k.replace(".", "__"): float(v) for k, v in zip(keys, row)})
    ts, respondents = run_window(sc, window, seed)
    table = SeriesTable(ts)
    out = [compute_statistic(parse_statistic(s, "sensitivity"), table, respondents) for s in HEADLINES.values()]
    if targets is not None:
        out.append(TargetDistance(targets)(simulated_values(targets[targets.fitted], ts, respondents)))
    return out


def run_sensitivity(scenario: Scenario, method: str, n: int, window: Window, seed: int, jobs: int = 2,
                    targets: pd.DataFrame | None = None, space: tuple[Prior, ...] = SPACE, progress=None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Returns (indices: output, parameter, measure columns; runs: the sample and outputs)."""
    x = sample(method, n, seed, space)
    keys = [p.key for p in space]
    tasks = [(scenario, targets, window, seed, keys, row) for row in x]
    if jobs > 1:
        with process_pool(jobs) as pool:  # the processes, not the kernels' threads, share the cores
            y = []
            for out in pool.map(_evaluate, tasks):
                y.append(out)
                if progress:
                    progress(len(y), len(tasks))
    else:
        y = []
        for t in tasks:
            y.append(_evaluate(t))
            if progress:
                progress(len(y), len(tasks))
    names = list(HEADLINES) + (["distance_to_targets"] if targets is not None else [])
    y = np.array(y, float)
    runs = pd.DataFrame(x, columns=keys).join(pd.DataFrame(y, columns=names))
    rows = []
    for j, name in enumerate(names):
        yj = y[:, j]
        if not np.isfinite(yj).all() or np.ptp(yj) == 0:
            bad = np.where(~np.isfinite(yj), np.nanmean(yj) if np.isfinite(yj).any() else 0.0, yj)
            yj = bad
        if method == "morris":
            from SALib.analyze import morris as ma

            res = ma.analyze(problem(space), x, yj, num_levels=4, seed=seed)
            for i, k in enumerate(keys):
                rows.append(dict(output=name, parameter=k, mu_star=res["mu_star"][i], mu=res["mu"][i],
                                 sigma=res["sigma"][i], mu_star_conf=res["mu_star_conf"][i]))
        elif np.ptp(yj) == 0:  # no parameter moves this output: no variance to apportion
            for k in keys:
                rows.append(dict(output=name, parameter=k, S1=0.0, S1_conf=0.0, ST=0.0, ST_conf=0.0))
        else:
            from SALib.analyze import sobol as sa

            res = sa.analyze(problem(space), yj, calc_second_order=False, seed=seed)
            for i, k in enumerate(keys):
                rows.append(dict(output=name, parameter=k, S1=res["S1"][i], S1_conf=res["S1_conf"][i],
                                 ST=res["ST"][i], ST_conf=res["ST_conf"][i]))
    return pd.DataFrame(rows), runs


def plot_indices(indices: pd.DataFrame, method: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measure = "mu_star" if method == "morris" else "ST"
    table = indices.pivot(index="parameter", columns="output", values=measure)
    if method == "morris":  # outputs have different units: scale each by its largest effect
        table = table / table.max().replace(0, np.nan)
    fig, ax = plt.subplots(figsize=(1.3 * len(table.columns) + 4, 0.35 * len(table) + 2))
    im = ax.imshow(table.to_numpy(float), cmap="viridis", aspect="auto", vmin=0, vmax=1)
    ax.set_xticks(range(len(table.columns)), table.columns, rotation=40, ha="right", fontsize=7)
    ax.set_yticks(range(len(table.index)), table.index, fontsize=7)
    fig.colorbar(im, ax=ax, label="mu* / largest mu* of the output" if method == "morris" else "total Sobol index ST")
    ax.set_title(f"Sensitivity of headline indicators ({method})", fontsize=9)
    fig.tight_layout()
    return fig

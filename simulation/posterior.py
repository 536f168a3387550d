"""Parameter uncertainty in every answer: replications drawn from the calibration's posterior.

A policy answer carries two uncertainties: chance (the draws of one parameter set's runs) and
the parameters themselves (what the data leave open about them). The calibration writes a
sample of its posterior, and the repository ships one (`simulation/data/posterior.csv`, made by
`migsim calibrate`; the command is in the file's first lines). With it, the replications of a
run form a crossed design: D parameter draws, each run with the same S seeds (D x S = reps).
Replication r uses draw r // S and seed r % S, so

- a policy run and its baseline use the same draw and the same seed in every replication:
  paired differences stay paired (common random numbers, and common parameters);
- the band splits into its parameter and chance parts by the law of total variance
  (`split_variance`): the spread of the draws' means against the spread within a draw.

A scenario that sets a calibrated parameter to something other than its default keeps its own
value: the posterior never overrides what a user chose on purpose.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError, not_a_file
from .parameters import PARAMETERS, defaults

SHIPPED = Path(__file__).resolve().parent / "data" / "posterior.csv"
CHOICES_TEXT = "'shipped' (the repository's calibration), 'none', or the path of a posterior.csv"


@dataclass(frozen=True)
class Posterior:
    """A sample of calibrated parameter sets: one row per draw, one column per parameter key."""

    draws: pd.DataFrame
    source: str

    def design(self, reps: int, seed: int) -> list[tuple[int, int]]:
        """(draw row, seed index) of each replication: D draws x S seeds, D x S = reps."""
        n_draws, n_seeds = crossed_shape(reps)
        rows = np.random.default_rng(int(seed)).choice(len(self.draws), size=n_draws,
                                                      replace=n_draws > len(self.draws))
        return [(int(rows[r // n_seeds]), r % n_seeds) for r in range(reps)]

    def values(self, row: int) -> dict[str, float]:
        """One draw as {dotted key: value}."""
        return {k: float(v) for k, v in self.draws.iloc[row].items()}


def crossed_shape(reps: int) -> tuple[int, int]:
    """(draws, seeds) with draws x seeds = reps, as square as reps allows, draws >= seeds.

    20 replications are 5 draws x 4 seeds; a prime number of replications is that many
    draws with one seed each (the band then cannot be split into its two parts).
    """
    seeds = int(np.floor(np.sqrt(reps)))
    while reps % seeds:
        seeds -= 1
    return reps // seeds, seeds


def _check_cells(path: Path, where: str) -> None:
    """Refuse what pandas would read askew: a column named twice (it renames the second 'KEY.1') and a row
    with more cells than the header (it takes the first column as an index, shifting every value)."""
    header = None
    with open(path, encoding="utf-8-sig", newline="") as fh:  # a byte-order mark is no part of the header
        for number, line in enumerate(fh, start=1):
            body = line.split("#", 1)[0].strip()  # as read_csv(comment="#")
            if not body:
                continue
            cells = next(csv.reader([body]))
            if header is None:
                header = cells
                twice = [k for k in dict.fromkeys(cells) if cells.count(k) > 1]
                if twice:
                    raise ScenarioError(f"{where}: line {number}: column '{twice[0]}' is duplicated (given "
                                        f"{cells.count(twice[0])} times); give each parameter key once in the header.")
            elif len(cells) != len(header):
                more = "more" if len(cells) > len(header) else "fewer"
                raise ScenarioError(f"{where}: line {number} has {len(cells)} cells, {more} than the header's "
                                    f"{len(header)} columns; give one value per column in every row.")


def load_posterior(spec: str | Path | None) -> Posterior | None:
    """The posterior named on the command line: 'shipped', 'none' (None) or a CSV file."""
    if spec is None or str(spec) == "none":
        return None
    path = SHIPPED if str(spec) == "shipped" else Path(spec)
    where = str(spec) if str(spec) != "shipped" else f"the shipped posterior ({path})"
    if not path.is_file():
        raise ScenarioError(f"--posterior {spec}: {not_a_file(path) or 'no such file'}; give {CHOICES_TEXT}.")
    try:
        _check_cells(path, where)
        draws = pd.read_csv(path, comment="#", encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError(f"{where}: not a readable CSV of parameter draws ({exc}).") from None
    if draws.empty:
        raise ScenarioError(f"{where}: holds no draws; it needs a header of parameter keys and one row per draw.")
    for key in draws.columns:
        par = PARAMETERS.get(key)
        if par is None or par.role != "uncertainty":
            raise ScenarioError(f"{where}: column '{key}' is not an uncertain parameter of migsim "
                                "(see `migsim params`); a posterior holds only calibrated parameters.")
        values = pd.to_numeric(draws[key], errors="coerce")
        if values.isna().any():
            raise ScenarioError(f"{where}: column '{key}' holds a value that is not a number.")
        low = par.low if par.low is not None else -np.inf
        high = par.high if par.high is not None else np.inf
        if ((values < low) | (values > high)).any():
            raise ScenarioError(f"{where}: column '{key}' leaves the parameter's range ({par.allowed()}).")
        draws[key] = values.astype(float)
    return Posterior(draws.reset_index(drop=True), str(path))


def apply_draw(scenario, posterior: Posterior, row: int):
    """The scenario with one posterior draw, except for keys the scenario sets on purpose."""
    base = defaults()
    changes = {k.replace(".", "__"): v for k, v in posterior.values(row).items()
               if scenario[k] == base[k]}
    return scenario.with_values(**changes) if changes else scenario


def split_variance(values: np.ndarray, n_draws: int, n_seeds: int) -> tuple[float, float]:
    """(parameter, chance) variance of replications laid out draw by draw, seed within draw.

    Law of total variance: chance is the mean variance within a draw; the parameters' part is
    the variance of the draws' means less what chance alone puts there (chance / seeds),
    never below zero. Returns (nan, nan) when the design cannot separate them.
    """
    v = np.asarray(values, dtype=float)
    if n_seeds < 2 or n_draws < 2 or len(v) != n_draws * n_seeds or not np.isfinite(v).all():
        return float("nan"), float("nan")
    grid = v.reshape(n_draws, n_seeds)
    chance = float(grid.var(axis=1, ddof=1).mean())
    parameters = max(float(grid.mean(axis=1).var(ddof=1)) - chance / n_seeds, 0.0)
    return parameters, chance

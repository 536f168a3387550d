"""Qualitative patterns of the 2026 gender study (OMA2026), asked of the simulated population.

Omarova et al. (2026) surveyed 200 economically active people in Kazakhstan and report
patterns rather than shares: men have more prior migration, women fewer future migration
intentions; women cite care more often; a cluster analysis finds three profiles
(Aspirational Youth, Breadwinner Males, remittance-reliant families). A pattern target
holds when the simulated statistic meets the condition in its `value` column (e.g. `>0`).

The simulated respondents are the model's Kazakh citizens aged 18+ at the end of the
fieldwork month. The abstract gives no fieldwork dates; December 2023 (the last month of
the data the model is driven by before publication) is an assumption. Questions about
intentions and care are asked of those at home; the profiles are clustered among those
with migration experience (abroad now, or at least one trip).

"Future migration intention" is the worker's own chance of leaving within 12 months
under the month's conditions, 1 - (1 - p)^12, with p from the same utilities the workers
decide with (`simulation.month.utilities`). "Cites care" is how much the care term
(`behaviour.beta_care`) lowers that chance: it applies to women with dependants by the
model's construction, so that pattern checks the mechanism is active, not an emergent fit.
Workplace discrimination and harassment are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy.cluster.vq import kmeans2

from simulation import decisions, month
from simulation.world import HOME, ORIGINS

FIELDWORK_MONTHS = ("2023-12",)  # assumption: the abstract gives no fieldwork dates
MIN_AGE = 18.0
PROFILE_FEATURES = ("age", "female", "provider", "dependants", "remit_share")
PROFILES = ("aspirational_youth", "breadwinner_males", "remittance_reliant_families")
CLUSTER_SAMPLE = 20_000  # migrants clustered at most (a fixed random subsample beyond that)


@dataclass
class KazakhRespondents:
    """Kazakh citizens aged 18+ in the fieldwork month, with their leaving chances."""

    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.cols.get("female", ()))

    @property
    def at_home(self) -> np.ndarray:
        return self.cols["location"] == HOME

    @property
    def experienced(self) -> np.ndarray:
        return (self.cols["location"] != HOME) | (self.cols["trips"] > 0)


class PatternRecorder:
    """Interviews the model's Kazakh citizens in the fieldwork month (the `OMA2026` survey)."""

    def __init__(self, n_workers: int, months: tuple[str, ...] = FIELDWORK_MONTHS):
        self.months = months
        self.parts: list[dict[str, np.ndarray]] = []
        self.seen = np.zeros(n_workers, bool)

    def observe(self, model, date: str) -> None:
        if date not in self.months:
            return
        pop = model.population
        rows = np.flatnonzero((pop.origin == ORIGINS.index("KAZ")) & (pop.age >= MIN_AGE) & ~self.seen)
        self.seen[rows] = True
        part = {c: getattr(pop, c)[rows].copy() for c in
                ("female", "age", "provider", "dependants", "trips", "location", "remitter", "remit_share")}
        home = rows[pop.location[rows] == HOME]
        p12, p12_without_care = leaving_chances(model, home)
        for name, values in (("p_leave_12m", p12), ("p_leave_12m_without_care", p12_without_care)):
            full = np.full(len(rows), np.nan)
            full[pop.location[rows] == HOME] = values
            part[name] = full
        self.parts.append(part)

    def respondents(self) -> KazakhRespondents:
        if not self.parts:
            return KazakhRespondents({})
        return KazakhRespondents({c: np.concatenate([p[c] for p in self.parts]) for c in self.parts[0]})


def leaving_chances(model, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance of leaving within 12 months, with and without the care term, for workers at home."""
    if len(rows) == 0:
        return np.zeros(0), np.zeros(0)
    u = month.utilities(model, model.conditions, rows)
    pop = model.population
    care = (model.params["behaviour.beta_care"] * pop.female[rows] * (pop.dependants[rows] > 0)).astype(np.float32)
    p = decisions.choice_probabilities(u).sum(axis=1).astype(float)
    p_without = decisions.choice_probabilities(u - care[:, None]).sum(axis=1).astype(float)
    twelve = lambda q: 1.0 - (1.0 - np.clip(q, 0.0, 1.0)) ** 12  # noqa: E731
    return twelve(p), twelve(p_without)


# --- the patterns ----------------------------------------------------------------------------
def _gap(values: np.ndarray, among: np.ndarray, female: np.ndarray) -> float:
    men, women = among & ~female, among & female
    if not men.any() or not women.any():
        return float("nan")
    return float(values[men].mean() - values[women].mean())


def migration_profiles(features: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Cluster migrants into three groups and name the study's profiles among them.

    k-means (k = 3, best of 8 starts) on standardised age, sex, provider, dependants and
    share of income remitted. Returns one row per cluster with its size share, feature
    means, the profile it is matched to (or ''), and whether it meets that profile:
    - aspirational youth: the youngest cluster, mean age under 30, fewest dependants;
    - breadwinner males: of the other two, the one with more men: at least 75% men and
      at least half main providers;
    - remittance-reliant families: the last: the most dependants (1+ on average) and a
      larger remitted share than the youth cluster.
    """
    x = features.loc[:, list(PROFILE_FEATURES)].to_numpy(float)
    if len(x) < 30:
        return pd.DataFrame(columns=["cluster", "share", *PROFILE_FEATURES, "profile", "meets"])
    rng = np.random.default_rng(seed)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    best, best_inertia = None, np.inf
    for _ in range(8):
        centres, labels = kmeans2(z, 3, minit="++", seed=rng)
        inertia = float(((z - centres[labels]) ** 2).sum())
        if inertia < best_inertia and len(np.unique(labels)) == 3:
            best, best_inertia = labels, inertia
    if best is None:
        return pd.DataFrame(columns=["cluster", "share", *PROFILE_FEATURES, "profile", "meets"])
    table = features.assign(cluster=best).groupby("cluster")[list(PROFILE_FEATURES)].mean()
    table.insert(0, "share", np.bincount(best, minlength=3) / len(best))
    table["profile"], table["meets"] = "", False
    youth = table.age.idxmin()
    others = table.drop(index=youth)
    breadwinner = others.female.idxmin()
    families = others.drop(index=breadwinner).index[0]
    table.loc[youth, "profile"] = PROFILES[0]
    table.loc[youth, "meets"] = bool(table.age[youth] < 30 and table.dependants[youth] == table.dependants.min())
    table.loc[breadwinner, "profile"] = PROFILES[1]
    table.loc[breadwinner, "meets"] = bool(1 - table.female[breadwinner] >= 0.75 and table.provider[breadwinner] >= 0.5)
    table.loc[families, "profile"] = PROFILES[2]
    table.loc[families, "meets"] = bool(table.dependants[families] == table.dependants.max()
                                        and table.dependants[families] >= 1
                                        and table.remit_share[families] > table.remit_share[youth])
    return table.reset_index()


def migrant_features(r: KazakhRespondents, seed: int = 0) -> pd.DataFrame:
    """The profile features of respondents with migration experience (a fixed subsample if many)."""
    rows = np.flatnonzero(r.experienced)
    if len(rows) > CLUSTER_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(rows, CLUSTER_SAMPLE, replace=False))
    c = r.cols
    return pd.DataFrame({
        "age": c["age"][rows].astype(float), "female": c["female"][rows].astype(float),
        "provider": c["provider"][rows].astype(float), "dependants": np.minimum(c["dependants"][rows], 6).astype(float),
        "remit_share": np.where(c["remitter"][rows], c["remit_share"][rows], 0.0).astype(float)})


def _profiles_found(r: KazakhRespondents) -> float:
    table = migration_profiles(migrant_features(r))
    return float(table.meets.sum()) if len(table) else float("nan")


PATTERN_STATISTICS: dict[str, tuple[Callable[[KazakhRespondents], float], str]] = {
    "prior_migration_gap": (
        lambda r: _gap(r.cols["trips"] > 0, r.at_home, r.cols["female"]),
        "share with a trip abroad before, men minus women (at home)"),
    "intention_gap": (
        lambda r: _gap(r.cols["p_leave_12m"], r.at_home, r.cols["female"]),
        "chance of leaving within 12 months, men minus women (at home)"),
    "care_gap": (
        lambda r: -_gap(r.cols["p_leave_12m_without_care"] - r.cols["p_leave_12m"], r.at_home, r.cols["female"]),
        "fall in the 12-month chance of leaving due to care, women minus men (at home; by construction)"),
    "profiles_found": (_profiles_found, "of the three profiles, how many the clustering finds (0-3)"),
}


def pattern_statistic(respondents: KazakhRespondents | None, name: str) -> float:
    if respondents is None or len(respondents) == 0:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        return PATTERN_STATISTICS[name][0](respondents)

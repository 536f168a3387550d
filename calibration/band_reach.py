"""How many fitted targets any point of the parameter space can put inside their bands at once.

The fit report counts the targets whose simulated value lies inside the band of the figure's
own sampling error (observed +- 2 sd, or the published range). History matching judges a miss
with every variance (the survey rounds' non-sampling error, the model's discrepancy, the
emulator's and the model's own), so it can call a target matched although no point puts it
inside that narrower band. This module asks the narrower question of the same history match:

- at each point of the prior box (the first wave's emulators, which were trained there) and of
  the final region (the last wave's emulators), which targets' emulated expectations lie inside
  their bands, and how many together;
- the same for the waves' own runs (the mean over seeds at each design point), without any
  emulator in between.

The most targets inside at any point is the ceiling that the fit report's count faces with
this model and these data: the parameters cannot raise the count above it, only a change of
the model or of the data can. A pair of survey questions that no point puts inside together
shows where the two survey rounds cannot both be met (Vernon et al. 2010, section 7: a finding
about the model or the data, named).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .history_matching import HistoryMatch
from .likelihood import TargetVariances

GROUPS = {"share": "survey shares", "count": "counts", "range": "counts", "wdi": "World Bank years",
          "bilateral": "bilateral"}


@dataclass(frozen=True)
class BandReach:
    """Per target: the share of points inside its band; per sample: the most targets inside together."""

    targets: pd.DataFrame  # target, group, inside_space, inside_region, inside_runs (shares of points)
    ceiling: pd.DataFrame  # where, points, most_inside, of, median_inside, and the best point's count by group
    pairs: pd.DataFrame  # question, target_a, target_b, inside_a, inside_b, together (shares of region points)


def inside_bands(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Which values (points in rows, targets in columns) lie inside their band; nan is outside."""
    with np.errstate(invalid="ignore"):
        return (values >= low) & (values <= high)


def _ceiling(where: str, ok: np.ndarray, groups: np.ndarray) -> dict:
    counts = ok.sum(axis=1)
    best = int(np.argmax(counts)) if len(counts) else 0
    row = {"where": where, "points": len(ok), "most_inside": int(counts.max()) if len(counts) else 0,
           "of": ok.shape[1], "median_inside": float(np.median(counts)) if len(counts) else np.nan}
    for g in dict.fromkeys(GROUPS.values()):
        mask = groups == g
        if mask.any():
            row[f"best_point_{g}"] = f"{int(ok[best, mask].sum()) if len(ok) else 0}/{int(mask.sum())}"
            row[f"most_{g}"] = int(ok[:, mask].sum(axis=1).max()) if len(ok) else 0
    return row


def band_reach(hm: HistoryMatch, variances: TargetVariances,
               pairs: list[tuple[str, str, str]] | None = None) -> BandReach:
    """The band reach of a history match; `pairs` are (question, target a, target b) to judge together."""
    names = list(hm.obs.names)
    index = {t: i for i, t in enumerate(variances.ids)}
    missing = [t for t in names if t not in index]
    if missing:
        raise ValueError(f"band_reach: no band for the targets {', '.join(missing)}")
    order = [index[t] for t in names]
    low, high = variances.low[order], variances.high[order]
    groups = np.array([GROUPS.get(variances.kinds[i], variances.kinds[i]) for i in order])
    table = pd.DataFrame({"target": names, "group": groups})
    ceilings = []
    region_ok = np.zeros((0, len(names)), bool)
    if hm.waves:
        samples = {"space": (hm.waves[0].emulator, hm.prior_sample), "region": (hm.waves[-1].emulator, hm.sample)}
        for where, (emulator, points) in samples.items():
            if len(points):
                mean, _ = emulator.predict(points, with_var=False)
                ok = inside_bands(mean, low, high)
            else:
                ok = np.zeros((0, len(names)), bool)
            if where == "region":
                region_ok = ok
            table[f"inside_{where}"] = ok.mean(axis=0) if len(ok) else np.nan
            ceilings.append(_ceiling(where, ok, groups))
        with warnings.catch_warnings():  # a target with no finite run at a point stays nan there
            warnings.simplefilter("ignore", RuntimeWarning)
            runs = np.concatenate([np.nanmean(w.runs, axis=1) for w in hm.waves])
        ok = inside_bands(runs, low, high)
        table["inside_runs"] = ok.mean(axis=0)
        ceilings.append(_ceiling("runs", ok, groups))
    pair_rows = []
    for question, a, b in pairs or []:
        if a in names and b in names and len(region_ok):
            ia, ib = names.index(a), names.index(b)
            pair_rows.append({"question": question, "target_a": a, "target_b": b,
                              "inside_a": region_ok[:, ia].mean(), "inside_b": region_ok[:, ib].mean(),
                              "together": (region_ok[:, ia] & region_ok[:, ib]).mean()})
    pair_table = pd.DataFrame(pair_rows, columns=["question", "target_a", "target_b", "inside_a", "inside_b",
                                                  "together"])
    return BandReach(table, pd.DataFrame(ceilings), pair_table)


def round_pairs(agreement: pd.DataFrame, first: str = "s22_", second: str = "m23_") -> list[tuple[str, str, str]]:
    """The (question, first round's id, second round's id) of `targets.survey_round_agreement`."""
    return [(q, first + q, second + q) for q in agreement.question]

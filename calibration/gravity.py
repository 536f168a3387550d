"""A gravity model of the same remittance flows: the baseline researchers know.

Flows from destination d to origin o (KNOMAD 2021 bilateral remittances, the corridors
migsim models) are fitted by PPML (Poisson pseudo-maximum likelihood, Santos Silva and
Tenreyro 2006; statsmodels GLM Poisson) on log GDP per capita at both ends, log
working-age population of the origin, log travel cost, language and cultural
proximity, and easy entry (EAEU, patent or visa-free). The regressors are the model's
own inputs: World Bank series and the corridor parameters. Year by year predictions
(GDP and population of that year) give the gravity counterpart of the World Bank
series; each bilateral target gets a leave-one-out prediction, so the gravity model
is never scored on a flow it was fitted to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from simulation.parameters import PARAMETERS
from simulation.world import DEST_COUNTRIES, ORIGINS, series_code

from .recording import REMITTANCES_RECEIVED, recorded_factor
from .targets import _embedded

FIT_YEAR = 2021
EASY = ("eaeu", "patent", "visa_free")
REGRESSORS = ("log_gdppc_dest", "log_gdppc_origin", "log_pop_origin", "log_travel_cost", "proximity", "easy_entry")


@lru_cache(maxsize=None)
def _wdi_lookup() -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    wdi = _embedded("wdi.csv").dropna(subset=["value"])
    return {(ind, c): (g.year.to_numpy(), g.value.to_numpy(float))
            for (ind, c), g in wdi.groupby(["indicator", "country_iso3"])}


def _wdi_value(indicator: str, country: str, year: int) -> float:
    """The series' value in `year`, or in the nearest year observed."""
    found = _wdi_lookup().get((indicator, country))
    if found is None:
        return float("nan")
    years, values = found
    return float(values[np.argmin(np.abs(years - year))])


def corridor_frame(year: int) -> pd.DataFrame:
    """Regressors of every modelled corridor (destination -> origin) in one year."""
    return _corridor_frame(int(year)).copy()


@lru_cache(maxsize=64)
def _corridor_frame(year: int) -> pd.DataFrame:
    rows = []
    for d in DEST_COUNTRIES:
        for o in ORIGINS:
            regime = PARAMETERS[f"corridor.{o}.{d}.regime"].default
            if regime == "none" or o == d:
                continue
            rows.append(dict(
                dest=d, origin=o, year=year,
                log_gdppc_dest=np.log(_wdi_value("NY.GDP.PCAP.CD", series_code(d), year)),
                log_gdppc_origin=np.log(_wdi_value("NY.GDP.PCAP.CD", series_code(o), year)),
                log_pop_origin=np.log(_wdi_value("SP.POP.1564.TO", series_code(o), year)),
                log_travel_cost=np.log(max(PARAMETERS[f"corridor.{o}.{d}.travel_cost_usd"].default, 10.0)),
                proximity=PARAMETERS[f"corridor.{o}.{d}.proximity"].default,
                easy_entry=float(regime in EASY)))
    return pd.DataFrame(rows)


def observed_flows() -> pd.DataFrame:
    """KNOMAD 2021 remittances (USD) on the modelled corridors; missing cells are left out."""
    bil = _embedded("bilateral.csv")
    rem = bil[(bil.kind == "remittance") & (bil.year == FIT_YEAR)]
    frame = corridor_frame(FIT_YEAR)
    frame["sender"] = frame.dest.map(series_code)
    merged = frame.merge(rem[["from_iso3", "to_iso3", "value"]], left_on=["sender", "origin"],
                         right_on=["from_iso3", "to_iso3"], how="inner")
    merged = merged[np.isfinite(merged.value)]
    merged["flow_usd"] = merged.value * 1e6
    return merged.drop(columns=["from_iso3", "to_iso3", "value", "sender"]).reset_index(drop=True)


@dataclass
class Gravity:
    params: pd.Series
    data: pd.DataFrame
    deviance_explained: float

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        x = np.column_stack([np.ones(len(frame))] + [frame[c].to_numpy(float) for c in REGRESSORS])
        return np.exp(x @ self.params.to_numpy())


def fit_gravity(data: pd.DataFrame | None = None) -> Gravity:
    """PPML fit of the 2021 flows (USD)."""
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    data = observed_flows() if data is None else data
    x = data[list(REGRESSORS)].astype(float)
    x.insert(0, "const", 1.0)
    y = data.flow_usd.to_numpy() / 1e6  # fit in USD million for numerical comfort
    res = GLM(y, x, family=Poisson()).fit(maxiter=200)
    params = res.params.copy()
    params.iloc[0] += np.log(1e6)
    explained = 1.0 - res.deviance / res.null_deviance if res.null_deviance > 0 else float("nan")
    return Gravity(params, data, float(explained))


def loo_predictions(data: pd.DataFrame | None = None) -> pd.Series:
    """Leave-one-out prediction of every observed 2021 flow, keyed 'DEST->ORIGIN'."""
    data = observed_flows() if data is None else data
    out = {}
    for i in range(len(data)):
        g = fit_gravity(data.drop(index=i).reset_index(drop=True))
        out[f"{data.dest[i]}->{data.origin[i]}"] = float(g.predict(data.iloc[[i]])[0])
    return pd.Series(out)


@lru_cache(maxsize=1)
def _fitted() -> tuple[Gravity, pd.Series]:
    """The PPML fit and its leave-one-out predictions on the embedded 2021 flows (computed once)."""
    gravity = fit_gravity()
    return gravity, loo_predictions(gravity.data)


def predictions_for_targets(targets: pd.DataFrame) -> pd.Series:
    """Gravity predictions (USD) for the targets it can speak to: remittance flows and totals."""
    gravity, loo = _fitted()
    years = sorted({int(y) for y in targets.year})
    by_year = {y: corridor_frame(y).assign(pred=lambda f, y=y: gravity.predict(f)) for y in years}
    out = {}
    for tid, stat in zip(targets.id, targets.stat):
        if stat is None or stat.kind != "series" or stat.agg != "sum":
            continue
        ind, grp = stat.terms[0]
        year = int(stat.start[:4])
        if stat.start[5:] != "01" or stat.end != f"{year}-12":
            continue
        f = by_year.get(year)
        if f is None:
            f = by_year[year] = corridor_frame(year).assign(pred=lambda fr: gravity.predict(fr))
        if ind == "remittances_out_kaz_usd":
            out[tid] = float(f[f.dest == "KAZ"].pred.sum())
        elif ind == "remittances_received_usd":  # as the published series records the flows (`recording.py`)
            out[tid] = float(f[f.origin == grp].pred.sum()) * recorded_factor(f"{REMITTANCES_RECEIVED[0]}:{grp}", year,
                                                                              scopes=("flows",))
        elif ind == "remittances_usd":
            d, o = grp.split("->")
            if year == FIT_YEAR and grp in loo.index:
                out[tid] = float(loo[grp])
            else:
                out[tid] = float(f[(f.dest == d) & (f.origin == o)].pred.sum())
    return pd.Series(out, dtype=float)

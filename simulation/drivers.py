"""Yearly economic drivers built from the embedded World Bank and national series.

The model reads wages, unemployment and exchange rates per country and year from
here. Every value comes from `data/` (sources in `data/SOURCES.md`); where a series
has gaps, the rule that fills them is written in the function that applies it. Years
past the last observation hold the last observed value: the model does not forecast
the economy, scenarios do (through events).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError
from .world import DEST_COUNTRIES, ORIGINS, series_code

DATA_DIR = Path(__file__).resolve().parent / "data"
FIRST_YEAR, LAST_YEAR = 2010, 2035
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)

# Countries whose series the model needs, by ISO3 code of the series.
COUNTRIES: tuple[str, ...] = tuple(dict.fromkeys([series_code(c) for c in ORIGINS + DEST_COUNTRIES]))

# Average monthly wage / monthly GDP per capita where no wage series is embedded
# (Russia, China, Azerbaijan, Korea, Turkey, UAE, EU). Assumption: the CIS ratios
# (1.2 to 2.2) reflect low GDP per capita in remittance economies and overstate wages
# in richer ones; 0.8 gives Russia about 940 USD in 2023 (published: about 860 USD).
DEFAULT_WAGE_TO_GDP_RATIO = 0.8


def _read_csv(name: str) -> pd.DataFrame:
    path = DATA_DIR / name
    if not path.exists():
        raise DataError(f"{path}: embedded data file is missing; reinstall migsim or restore the file from git.")
    return pd.read_csv(path)


def _fill_years(points: dict[int, float], what: str) -> np.ndarray:
    """Linear interpolation between observed years, held flat outside them."""
    if not points:
        raise DataError(f"no observations for {what} in {DATA_DIR}; the model needs at least one year")
    years = np.array(sorted(points))
    values = np.array([points[y] for y in years], dtype=float)
    return np.interp(YEARS, years, values)


@dataclass(frozen=True)
class Drivers:
    """Yearly series per country (rows follow COUNTRIES, columns YEARS)."""

    gdp_per_capita_usd: np.ndarray
    unemployment_rate: np.ndarray  # fraction of the labour force
    exchange_rate: np.ndarray  # local currency per USD
    working_age_population: np.ndarray
    average_wage_usd: np.ndarray  # monthly

    def at(self, series: str, country: str, year: int) -> float:
        row = COUNTRIES.index(series_code(country))
        col = min(max(int(year), FIRST_YEAR), LAST_YEAR) - FIRST_YEAR  # (np.clip cost more than the rest)
        return float(getattr(self, series)[row, col])

    def column(self, series: str, countries: tuple[str, ...], year: int) -> np.ndarray:
        """One series for several countries in one year."""
        return np.array([self.at(series, c, year) for c in countries])


def _wdi_series(wdi: pd.DataFrame, indicator: str, country: str) -> dict[int, float]:
    rows = wdi[(wdi.indicator == indicator) & (wdi.country_iso3 == country)]
    return {int(y): float(v) for y, v in zip(rows.year, rows.value)}


def _kazakh_average_wage_usd(wdi: pd.DataFrame, wages: pd.DataFrame) -> dict[int, float]:
    """Average monthly wage in Kazakhstan, USD.

    Official annual averages (STAT, form 1-T) 2018-2023 and the mean of the four
    2024 quarters, converted at the WB period-average exchange rate. Before 2018 no
    annual average is embedded: 2010-2017 are carried back from 2018 in proportion to
    nominal GDP per capita in tenge (the 2014Q2 average of 124,227 KZT checks this).
    """
    fx = _wdi_series(wdi, "PA.NUS.FCRF", "KAZ")
    gdp_usd = _wdi_series(wdi, "NY.GDP.PCAP.CD", "KAZ")
    annual = wages[wages.series == "avg_monthly_nominal_wage"]
    kzt = {int(p): float(v) for p, v in zip(annual.period, annual.value)}
    quarters = wages[(wages.series == "avg_monthly_nominal_wage_quarterly") & wages.period.str.startswith("2024")]
    if len(quarters) == 4:
        kzt[2024] = float(quarters.value.mean())
    if 2018 not in kzt:
        raise DataError("kaz_wages.csv has no 2018 average wage; it anchors the wage series")
    gdp_kzt = {y: gdp_usd[y] * fx[y] for y in gdp_usd if y in fx}
    for year in range(FIRST_YEAR, 2018):
        if year in gdp_kzt:
            kzt[year] = kzt[2018] * gdp_kzt[year] / gdp_kzt[2018]
    return {y: v / fx[y] for y, v in kzt.items() if y in fx}


def _wage_to_gdp_ratio(wages: pd.DataFrame, wdi: pd.DataFrame) -> dict[str, float]:
    """Average monthly wage / (GDP per capita / 12), September 2024 CIS comparison."""
    cis = wages[wages.series == "avg_monthly_nominal_wage_usd"]
    ratios = {}
    for country, value in zip(cis.country_iso3, cis.value):
        gdp = _wdi_series(wdi, "NY.GDP.PCAP.CD", country).get(2024)
        if gdp:
            ratios[country] = float(value) / (gdp / 12.0)
    if not ratios:
        raise DataError("kaz_wages.csv lacks the 2024 CIS wage comparison that scales wages to GDP")
    return ratios


@lru_cache(maxsize=1)
def load_drivers() -> Drivers:
    """Build the yearly drivers from the embedded data (cached: the files do not change)."""
    wdi = _read_csv("wdi.csv")
    wages = _read_csv("kaz_wages.csv")
    rows = {name: [] for name in ("gdp", "unemp", "fx", "wap", "wage")}
    ratios = _wage_to_gdp_ratio(wages, wdi)
    kaz_wage = _kazakh_average_wage_usd(wdi, wages)
    for country in COUNTRIES:
        gdp = _fill_years(_wdi_series(wdi, "NY.GDP.PCAP.CD", country), f"{country} GDP per capita")
        rows["gdp"].append(gdp)
        rows["unemp"].append(_fill_years(_wdi_series(wdi, "SL.UEM.TOTL.ZS", country), f"{country} unemployment") / 100)
        fx = _wdi_series(wdi, "PA.NUS.FCRF", country)
        rows["fx"].append(_fill_years(fx, f"{country} exchange rate") if fx else np.ones(len(YEARS)))
        rows["wap"].append(_fill_years(_wdi_series(wdi, "SP.POP.1564.TO", country), f"{country} working-age population"))
        if country == "KAZ":
            rows["wage"].append(_fill_years(kaz_wage, "Kazakhstan average wage"))
        else:
            # Average wage = the country's own wage/GDP ratio (CIS comparison, Sep 2024) or
            # the default ratio, times monthly GDP per capita of each year.
            rows["wage"].append(ratios.get(country, DEFAULT_WAGE_TO_GDP_RATIO) * gdp / 12.0)
    return Drivers(
        gdp_per_capita_usd=np.array(rows["gdp"]),
        unemployment_rate=np.array(rows["unemp"]),
        exchange_rate=np.array(rows["fx"]),
        working_age_population=np.array(rows["wap"]),
        average_wage_usd=np.array(rows["wage"]),
    )

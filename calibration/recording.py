"""What a published remittance figure records of what migrants send home.

The model's remittances received are everything its migrants send home, by any channel. A
published series may count only part of that: before 2018, the World Bank's figures for
Uzbekistan followed the money transfers recorded by the Central Bank of Russia (6.6 billion USD
from Russia in 2013, UNDP Uzbekistan 2015, against the World Bank's 6.44), while a large part of
Uzbek migrants' earnings went home as cash carried across the border, at a time when the som's
official rate was far from its market rate. The Central Bank of Uzbekistan first published its
own figures in 2018, counting the foreign cash residents bring in (0.6 of 2.3 billion USD in the
first half of 2018; UzDaily and DNA, 2018), and its chairman put the cash at 30-35% of all
transfers before the pandemic (Tashkent Times, 7 May 2021). The model's counterpart of such a
figure is therefore its own total times the share the figure records: the measurement, stated
here with its source, not a change to the published number or its band.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recording:
    country: str  # ISO3 of the receiving country
    first_year: int
    last_year: int
    share: float  # share of all remittances the published figure records
    source: str


REMITTANCES_RECEIVED = ("BX.TRF.PWKR.CD.DT", "BX.TRF.PWKR.DT.GD.ZS")  # World Bank series this applies to

RECORDINGS: tuple[Recording, ...] = (
    Recording("UZB", 2010, 2017, 0.675,
              "cash carried home not counted before the Central Bank of Uzbekistan's own figures (2018): "
              "30-35% of transfers came as cash (its chairman, Tashkent Times 7 May 2021; midpoint); "
              "the series followed the Central Bank of Russia's money transfers (6.6 bn USD in 2013, UNDP 2015)"),
)


def recording(data_ref: str, year: int) -> Recording | None:
    """How the World Bank figure `data_ref` (INDICATOR:ISO3) of `year` records remittances, if only in part."""
    indicator, _, country = (data_ref or "").partition(":")
    if indicator not in REMITTANCES_RECEIVED:
        return None
    return next((r for r in RECORDINGS if r.country == country and r.first_year <= year <= r.last_year), None)


def recorded_share(data_ref: str, year: int) -> float:
    """Share of all remittances that the figure records (1 where it records them all)."""
    r = recording(data_ref, year)
    return r.share if r is not None else 1.0

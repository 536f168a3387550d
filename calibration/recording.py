"""What a published remittance figure records, against what the model's migrants send home.

The model's remittances received are everything its migrants send home, by any channel. A
published series may count only part of that, or more than the model holds.

Only part: before 2018, the World Bank's figures for Uzbekistan followed the money transfers
recorded by the Central Bank of Russia (6.6 billion USD from Russia in 2013, UNDP Uzbekistan 2015,
against the World Bank's 6.44), while a large part of Uzbek migrants' earnings went home as cash
carried across the border, at a time when the som's official rate was far from its market rate. The Central Bank of Uzbekistan first published its
own figures in 2018, counting the foreign cash residents bring in (0.6 of 2.3 billion USD in the
first half of 2018; UzDaily and DNA, 2018), and its chairman put the cash at 30-35% of all
transfers before the pandemic (Tashkent Times, 7 May 2021). The model's counterpart of such a
figure is therefore its own total times the share the figure records.

More: the World Bank's remittances received by Kazakhstan count what every non-resident sends,
and most of Kazakhstan's emigrants are not labour migrants but a settled diaspora (the ethnic
Germans, Russians and Ukrainians who left in the 1990s: 1.1 million Kazakh-born in Germany in
KNOMAD's 2021 stocks). The model's Kazakhs abroad are labour migrants in Russia, Korea, Turkey,
the UAE and Europe. The KNOMAD bilateral remittance matrices put the senders outside those labour
corridors at 218 of 615 million USD in 2018 (Germany 123, Ukraine 36, Uzbekistan 14, Belarus 11,
...) and 123 of 310 million in 2021 (Germany 87, Ukraine 16, ...): 35% and 40%, counting Europe
as diaspora, since the model's Kazakhs working in Europe send one or two million a year.
The model's counterpart of the World Bank figure is therefore its own total divided by the
share its migrants send, 1 - 0.376 (the two years' mean). KNOMAD's cells are estimates from
migrant stocks and incomes (the Ratha-Shaw method), not recorded flows, which is why one share
is used for every year rather than a series.

Either way this is the measurement, stated here with its sources, not a change to the published
number or its band.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recording:
    country: str  # ISO3 of the receiving country
    first_year: int | None  # the years it applies to (None: no bound)
    last_year: int | None
    factor: float  # the published figure per unit of what the model's migrants send home
    source: str
    # "flows": the figure records part of the flows, so any estimate of them (the gravity baseline's
    # too) is compared times the factor; "model": it counts senders the model does not hold
    scope: str = "flows"


REMITTANCES_RECEIVED = ("BX.TRF.PWKR.CD.DT", "BX.TRF.PWKR.DT.GD.ZS")  # World Bank series this applies to

# Share of Kazakhstan's remittances received sent from outside the model's labour corridors (Russia,
# Korea, Turkey, UAE): KNOMAD bilateral remittance matrices, (615 - 397) / 615 in 2018 and
# (310.2 - 186.9) / 310.2 in 2021 (simulation/data/bilateral.csv), their mean.
KAZ_DIASPORA_SHARE = 0.376

RECORDINGS: tuple[Recording, ...] = (
    Recording("UZB", 2010, 2017, 0.675,
              "cash carried home not counted before the Central Bank of Uzbekistan's own figures (2018): "
              "30-35% of transfers came as cash (its chairman, Tashkent Times 7 May 2021; midpoint); "
              "the series followed the Central Bank of Russia's money transfers (6.6 bn USD in 2013, UNDP 2015)"),
    # every year, forecasts included: the diaspora went on sending after the last published figure
    Recording("KAZ", None, None, 1 / (1 - KAZ_DIASPORA_SHARE),
              "the figure also counts what the settled diaspora sends, which the model's labour migrants do not "
              "hold: senders outside the labour corridors 218 of 615 million USD (KNOMAD matrix 2018) and 123 "
              "of 310 million (2021; Germany 123 and 87), a share of 0.376 (mean)", scope="model"),
)


def recording(data_ref: str, year: int, scopes: tuple[str, ...] = ("flows", "model")) -> Recording | None:
    """How the World Bank figure `data_ref` (INDICATOR:ISO3) of `year` relates to what is modelled,
    if not one to one (among the recordings of the given scopes)."""
    indicator, _, country = (data_ref or "").partition(":")
    if indicator not in REMITTANCES_RECEIVED:
        return None
    return next((r for r in RECORDINGS if r.country == country and (r.first_year or year) <= year <= (r.last_year or year)
                 and r.scope in scopes), None)


def recorded_factor(data_ref: str, year: int, scopes: tuple[str, ...] = ("flows", "model")) -> float:
    """The figure per unit of what the model's migrants send (1 where it records just that); with
    `scopes=("flows",)`, per unit of the flows themselves, as for another estimate of them."""
    r = recording(data_ref, year, scopes)
    return r.factor if r is not None else 1.0

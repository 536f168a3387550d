"""Simulated surveys: the model's migrants sampled the way IOM sampled real ones.

A survey share is only comparable with the model if the model is asked the same way:
in the surveyed cities or regions, in the fieldwork months, with the survey's inclusion
rules and the survey's allocation of interviews between cities. `SurveyDesign` states
those rules; `SurveyRecorder` collects the respondents while the model runs (each
worker present in the frame in any fieldwork month once, at the first month seen);
`SURVEY_STATISTICS` are the questions, each a pure function of the respondents'
columns.

Every eligible simulated migrant is interviewed (the agents are already a sample of
the population); the survey's own sampling error is carried by the target's band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from simulation.world import (
    CH_AGENCY,
    CH_NETWORK_AFTER,
    CH_NETWORK_BEFORE,
    INTENTIONS,
    ORIGINS,
    REGIONS,
    SECTORS,
)


@dataclass(frozen=True)
class SurveyDesign:
    name: str
    months: tuple[str, ...]  # fieldwork months, YYYY-MM
    regions: tuple[str, ...]  # surveyed regions (model region names)
    allocation: dict[str, float] | None  # interviews per region (share); None: proportional to presence
    female_share: float | None  # share of interviews given to women; None: as present
    min_age: float
    min_wage_usd: float  # the minimum wage the survey compares income with
    description: str


SURVEYS: dict[str, SurveyDesign] = {
    "IOM2022": SurveyDesign(
        "IOM2022", ("2022-06", "2022-07"), ("almaty_city", "astana", "shymkent"),
        # IOM 2022 survey: fieldwork 6 June - 6 July 2022; sample stratified by city:
        # Astana 52%, Shymkent 34%, Almaty city 14% of the 2,000 respondents.
        {"astana": 0.52, "shymkent": 0.34, "almaty_city": 0.14},
        # ... and by gender ("A stratified sampling strategy by city and gender was adopted"):
        # 31% of the respondents were women, by design, not as a measure of the population.
        0.31, 18.0,
        125.0,  # IOM 2022 survey: minimum wage 60,000 KZT ~ 125 USD
        "labour migrants aged 18+ in Almaty, Astana and Shymkent, June-July 2022, stratified by city and gender"),
    "IOM2023": SurveyDesign(
        "IOM2023", ("2023-03", "2023-04"),
        # IOM 2023 survey: 12 regions (Mangystau, Almaty, Almaty city, Karaganda, Shymkent,
        # Astana, Kyzylorda, Kostanay, Aktobe, North, East and West Kazakhstan): every model
        # region but Atyrau; sample sized on the baseline mobility assessment (presence).
        tuple(r for r in REGIONS if r != "atyrau"), None, None, 18.0,
        154.0,  # IOM 2023 survey: minimum wage 154 USD (2023)
        "international migrant workers aged 18+ in 12 regions, March-April 2023, snowball sampling"),
}

# Columns copied for each respondent.
COLUMNS = ("origin", "female", "age", "education", "skill_sector", "dependants", "provider", "home_employed",
           "location", "job_sector", "contract", "pension", "paid_leave", "channel", "wage", "intention",
           "remitter", "remit_share", "months_here", "months_on_trip", "worked_kaz")


class SurveyRecorder:
    """Collects a survey's respondents from the population in its fieldwork months."""

    def __init__(self, design: SurveyDesign, n_workers: int):
        self.design = design
        self.region_codes = np.array([1 + REGIONS.index(r) for r in design.regions], np.int8)
        self.seen = np.zeros(n_workers, bool)
        self.parts: list[dict[str, np.ndarray]] = []
        self.month_of_year: list[np.ndarray] = []

    def observe(self, model, date: str) -> None:
        """Interview the eligible workers present at the end of month `date`."""
        if date not in self.design.months:
            return
        pop = model.population
        frame = (np.isin(pop.location, self.region_codes) & (pop.origin != ORIGINS.index("KAZ"))
                 & (pop.age >= self.design.min_age) & ~self.seen)
        rows = np.flatnonzero(frame)
        self.seen[rows] = True
        self.parts.append({c: getattr(pop, c)[rows].copy() for c in COLUMNS})
        self.month_of_year.append(np.full(len(rows), int(date[5:7]), np.int16))

    def respondents(self) -> "Respondents":
        if not self.parts:
            return Respondents(self.design, {c: np.array([]) for c in COLUMNS}, np.array([]), np.array([]))
        cols = {c: np.concatenate([p[c] for p in self.parts]) for c in COLUMNS}
        month = np.concatenate(self.month_of_year)
        return Respondents(self.design, cols, month, design_weights(self.design, cols["location"], cols["female"]))


def design_weights(design: SurveyDesign, location: np.ndarray, female: np.ndarray | None = None) -> np.ndarray:
    """Weights that give each surveyed region, and women, their share of interviews.

    With both a city and a gender allocation, the weights are raked (iterative
    proportional fitting) so that both margins hold, as in a sample stratified by
    city and gender; with neither, every respondent weighs 1 (proportional to presence).
    """
    w = np.ones(len(location))
    if len(location) == 0:
        return w
    margins = []
    if design.allocation is not None:
        margins += [(location == 1 + REGIONS.index(region), share) for region, share in design.allocation.items()]
    if design.female_share is not None and female is not None:
        female = np.asarray(female, bool)
        margins += [(female, design.female_share), (~female, 1 - design.female_share)]
    margins = [(cell, share) for cell, share in margins if cell.any()]
    for _ in range(50 if design.female_share is not None else 1):
        for cell, share in margins:
            w[cell] *= share * w.sum() / w[cell].sum()
    return w


@dataclass
class Respondents:
    design: SurveyDesign
    cols: dict[str, np.ndarray]
    month: np.ndarray  # calendar month (1..12) of the interview
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.weight)

    def share(self, yes: np.ndarray, among: np.ndarray | None = None) -> float:
        """Weighted share of respondents (among a subgroup) for whom `yes` holds."""
        w = self.weight if among is None else self.weight * among
        total = w.sum()
        return float((w * yes).sum() / total) if total > 0 else float("nan")

    def mean(self, values: np.ndarray, among: np.ndarray) -> float:
        w = self.weight * among
        return float((w * values).sum() / w.sum()) if w.sum() > 0 else float("nan")


def _employed(r: Respondents) -> np.ndarray:
    return r.cols["job_sector"] >= 0


def _build_statistics() -> dict[str, tuple[Callable[[Respondents], float], str]]:
    """name -> (function of the respondents, how the model answers the question)."""
    c = lambda r, k: r.cols[k]  # noqa: E731
    stats: dict[str, tuple[Callable[[Respondents], float], str]] = {
        "female": (lambda r: r.share(c(r, "female")), "women among respondents"),
        "age_18_24": (lambda r: r.share(c(r, "age") < 25), "aged 18 to 24"),
        "age_25_34": (lambda r: r.share((c(r, "age") >= 25) & (c(r, "age") < 35)), "aged 25 to 34"),
        "provider": (lambda r: r.share(c(r, "provider")), "sole or main household provider"),
        "has_dependants": (lambda r: r.share(c(r, "dependants") > 0), "one or more dependants (proxy for children)"),
        "educ_upper_secondary": (lambda r: r.share(c(r, "education") == 1),
                                 "upper secondary or vocational education"),
        "away_ge12m": (lambda r: r.share(c(r, "months_here") >= 12), "12 or more months at the current location"),
        "journey_ge12m": (lambda r: r.share(c(r, "months_on_trip") >= 12),
                          "the current trip abroad began 12 or more months ago (home visits and moves on included)"),
        "away_lt6m": (lambda r: r.share(c(r, "months_here") < 6), "under 6 months at the current location"),
        "arrived_this_year": (lambda r: r.share(c(r, "months_here") < r.month),
                              "arrived at the current location in the survey's calendar year"),
        "prev_unemployed": (lambda r: r.share(~c(r, "home_employed")), "had no work at home when leaving"),
        "prev_construction": (lambda r: r.share(c(r, "skill_sector") == SECTORS.index("construction")),
                              "experience in construction"),
        "working": (lambda r: r.share(_employed(r)), "has a job"),
        "unemployed_never_worked_kaz": (lambda r: r.share(~c(r, "worked_kaz"), ~_employed(r)),
                                        "without a job; has never held one in Kazakhstan"),
        "no_contract": (lambda r: r.share(~c(r, "contract"), _employed(r)), "employed without a written contract"),
        "no_pension": (lambda r: r.share(~c(r, "pension"), _employed(r)), "employed without pension contributions"),
        "no_leave": (lambda r: r.share(~c(r, "paid_leave"), _employed(r)), "employed without paid leave"),
        "channel_network_after": (lambda r: r.share(c(r, "channel") == CH_NETWORK_AFTER, _employed(r)),
                                  "employed; job found through contacts after arrival"),
        "channel_network_before": (lambda r: r.share(c(r, "channel") == CH_NETWORK_BEFORE, _employed(r)),
                                   "employed; job lined up through contacts before leaving"),
        "channel_agency": (lambda r: r.share(c(r, "channel") == CH_AGENCY, _employed(r)),
                           "employed; job found through an agency"),
        "above_min_wage": (lambda r: r.share(c(r, "wage") > r.design.min_wage_usd, _employed(r)),
                           "employed; wage above the survey's minimum wage"),
        "income_mean": (lambda r: r.mean(c(r, "wage").astype(float), _employed(r)), "mean wage of the employed, USD"),
        "income_le_200": (lambda r: r.share(c(r, "wage") <= 200, _employed(r)), "employed; wage at most 200 USD"),
        "remit": (lambda r: r.share(c(r, "remitter")), "intends to remit this trip"),
        # IOM 2022's bands are "at least 50 per cent" (its summary), 25 to under 50 and less than 25;
        # IOM 2023's over half, 25-50% and less: exactly half is in 2022's top band and 2023's middle one.
        "remit_ge50": (lambda r: r.share(c(r, "remit_share") >= 0.5, c(r, "remitter")),
                       "remitters sending half or more"),
        "remit_25_under_50": (lambda r: r.share((c(r, "remit_share") >= 0.25) & (c(r, "remit_share") < 0.5),
                                                c(r, "remitter")), "remitters sending 25% to under half"),
        "remit_gt50": (lambda r: r.share(c(r, "remit_share") > 0.5, c(r, "remitter")), "remitters sending over half"),
        "remit_25_50": (lambda r: r.share((c(r, "remit_share") >= 0.25) & (c(r, "remit_share") <= 0.5),
                                          c(r, "remitter")), "remitters sending 25-50%"),
        "remit_lt25": (lambda r: r.share(c(r, "remit_share") < 0.25, c(r, "remitter")), "remitters sending under 25%"),
    }
    for k, o in enumerate(ORIGINS):
        stats[f"origin_{o}"] = ((lambda r, k=k: r.share(c(r, "origin") == k)), f"citizens of {o}")
    for k, s in enumerate(SECTORS):
        stats[f"sector_{s}"] = ((lambda r, k=k: r.share(c(r, "job_sector") == k, _employed(r))),
                                f"employed in {s}")
    for k, i in enumerate(INTENTIONS):
        stats[f"intention_{i}"] = ((lambda r, k=k: r.share(c(r, "intention") == k)), f"intends to {i}")
    return stats


SURVEY_STATISTICS = _build_statistics()


def survey_statistic(respondents: Respondents, name: str) -> float:
    if len(respondents) == 0:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        return SURVEY_STATISTICS[name][0](respondents)


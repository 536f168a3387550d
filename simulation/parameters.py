"""Every tunable of migsim, declared once: type, default, unit, allowed range and source.

A scenario file may set any of these keys (nested TOML tables map onto the dotted
keys) and nothing else. Roles follow EMA Workbench: policy *levers* are what a
government can change; *uncertainties* are behavioural values awaiting calibration;
*data* are structural facts with a published source; *run* settings do not change
the model (seed, size, replications). Sources: IOM2022 and IOM2023 are the IOM surveys of
labour migrants in Kazakhstan, KEL2025 is Kelinbayeva et al. (2025), WB is the World Bank
(WDI / KNOMAD), STAT is Kazakhstan's Bureau of National Statistics; "assumption" marks a
value chosen by the modellers that calibration should revisit.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from .world import DEST_COUNTRIES, ORIGINS, REGIMES, REGIONS, SECTORS, STATUSES


@dataclass(frozen=True)
class Param:
    key: str
    default: Any
    unit: str
    source: str
    role: str  # "run" | "lever" | "uncertainty" | "data"
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    kind = property(lambda self: type(self.default))

    def allowed(self) -> str:  # human-readable description of the allowed values
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}[self.kind]
        sep = "" if self.unit == "year" else ","  # a year is written 2023, not 2,023
        fmt = lambda x: f"{x:{sep}.0f}" if float(x).is_integer() else f"{x:g}"  # noqa: E731
        if self.low is not None and self.high is not None:
            return f"{kind} from {fmt(self.low)} to {fmt(self.high)}"
        if self.low is not None:
            return f"{kind} of at least {fmt(self.low)}"
        if self.high is not None:
            return f"{kind} of at most {fmt(self.high)}"
        return kind


DECLARED: dict[str, Param] = {}  # every parameter as declared below, with the modellers' own values


def _add(key, default, unit, source, role, doc, low=None, high=None, choices=None):
    if key in DECLARED:
        raise RuntimeError(f"parameter {key} declared twice")
    DECLARED[key] = Param(key, default, unit, source, role, doc, low, high, choices)


SHARE = dict(low=0.0, high=1.0)

# --- run settings ------------------------------------------------------------------
_add("run.start", "2015-01", "YYYY-MM", "-", "run", "first simulated month")
_add("run.end", "2030-12", "YYYY-MM", "-", "run", "last simulated month (inclusive)")
_add("run.seed", 20260101, "-", "-", "run", "seed of every random stream of the run", low=0)
_add("run.agents", 100_000, "agents", "-", "run", "worker agents representing the pools of potential migrants; "
     "each stands for pool/agents people", low=100, high=100_000_000)
_add("run.burn_in_months", 240, "months", "measured: stocks abroad at 0.87-1.08 of a 480-month spin-up's", "run",
     "months simulated before run.start under its drivers, so stocks abroad start near equilibrium", low=0, high=600)
_add("run.reps", 1, "replications", "-", "run", "replications; their seeds derive from run.seed", low=1, high=10_000)

# --- population --------------------------------------------------------------------
_POOLS = {  # persons of working age who would consider working abroad; assumption (a scale: real numbers)
    "UZB": 6_000_000.0, "TJK": 2_500_000.0, "KGZ": 1_500_000.0, "RUS": 1_500_000.0,
    "CHN": 300_000.0, "AZE": 600_000.0, "KAZ": 2_500_000.0,
}
for _o, _v in _POOLS.items():
    _add(f"population.pool.{_o}", _v, "persons", "assumption (share of WB working-age population)", "uncertainty",
         f"people in {_o} the agents represent in population.pool_year: working-age, open to work abroad", low=0, high=1e9)
_add("population.pool_year", 2023, "year", "WB SP.POP.1564.TO", "data", "year of the pools' sizes; in other "
     "years each follows its origin's working-age population (simulation/pools.py)", low=2010, high=2024)
_add("population.female_share", 0.5, "share", "WB working-age population", "data", "share of women in the pools", **SHARE)
_add("population.village_size", 60, "agents", "assumption", "uncertainty",
     "agents per village: the group within which most kin and village ties form", low=2, high=100_000)
_add("population.mean_degree", 12.0, "ties", "assumption", "uncertainty",
     "mean number of social ties per worker", low=0, high=100)
_add("population.tie_village_share", 0.7, "share", "assumption", "uncertainty",
     "share of ties within the same village", **SHARE)
_add("population.tie_origin_share", 0.27, "share", "assumption", "uncertainty",
     "share of ties elsewhere in the same origin country (the rest cross origins)", **SHARE)
_add("population.savings_median_months", 1.5, "months of home wage", "assumption", "uncertainty",
     "median savings of a worker at the start", low=0, high=120)
_add("population.savings_sigma", 1.0, "log points", "assumption", "uncertainty",
     "dispersion (lognormal sigma) of initial savings", low=0, high=5)
_add("population.age_min", 18.0, "years", "assumption", "data", "youngest worker", low=14, high=30)
_add("population.age_max", 60.0, "years", "assumption", "data",
     "age at which a worker at home retires and is replaced by a young one", low=40, high=80)
_add("population.provider_share", 0.45, "share", "IOM2022 0.43, IOM2023 0.49", "data",
     "share who are the sole or main household provider", **SHARE)
_add("population.dependants_mean", 1.2, "persons", "assumption (IOM2022: 0.41 have children)", "data",
     "mean number of dependants (Poisson)", low=0, high=20)
_add("population.tertiary_share", 0.10, "share", "IOM2023 0.09", "data", "share with tertiary education", **SHARE)
_add("population.upper_secondary_share", 0.50, "share", "IOM2022 0.40, IOM2023 0.31+0.23", "data",
     "share with upper secondary or vocational education", **SHARE)
_SECTOR_MALE = {"construction": 0.58, "trade": 0.15, "services": 0.10, "industry": 0.08, "agriculture": 0.07, "it": 0.02}
_SECTOR_FEMALE = {"construction": 0.18, "trade": 0.33, "services": 0.33, "industry": 0.05, "agriculture": 0.08, "it": 0.03}
for _s in SECTORS:
    _add(f"population.sector_male.{_s}", _SECTOR_MALE[_s], "share",
         "IOM2022 work before migrating (construction 0.63 of men)", "data",
         f"share of men whose experience is in {_s}", **SHARE)
    _add(f"population.sector_female.{_s}", _SECTOR_FEMALE[_s], "share",
         "IOM2022 work before migrating (construction 0.20 of women)", "data",
         f"share of women whose experience is in {_s}", **SHARE)
_add("population.it_share_russia", 0.20, "share", "IOM2023: 0.21 of Russians in computer/tech", "data",
     "share of Russian workers with IT experience", **SHARE)
_add("population.home_unemployment_multiplier", 2.5, "x national rate",
     "assumption (IOM2022 0.17, IOM2023 0.23 unemployed before leaving)", "uncertainty",
     "unemployment among the pool relative to the national rate (WB)", low=0, high=20)
_add("population.home_job_finding_rate", 0.08, "per month", "assumption", "uncertainty",
     "monthly chance that an unemployed worker at home finds work", **SHARE)

# --- migration decision --------------------------------------------------------------
_ASC_COUNTRY = {"KAZ": -5.9, "RUS": -6.2, "KOR": -8.4, "TUR": -8.6, "ARE": -8.8, "EU": -9.4}
for _d, _v in _ASC_COUNTRY.items():
    _add(f"behaviour.asc.{_d}", _v, "utility", "calibrated", "uncertainty",
         f"base attraction of working in {_d} against staying home (sets the monthly move rate)",
         low=-30, high=30)
_ASC_ORIGIN = {"UZB": 0.0, "TJK": -0.5, "KGZ": 0.0, "RUS": -0.8, "CHN": -1.0, "AZE": -0.6, "KAZ": -1.0}
for _o, _v in _ASC_ORIGIN.items():
    _add(f"behaviour.origin_propensity.{_o}", _v, "utility", "calibrated", "uncertainty",
         f"propensity of workers from {_o} to work abroad at all", low=-30, high=30)
_add("behaviour.beta_income", 1.4, "utility per log point", "assumption (Harris-Todaro)", "uncertainty",
     "weight of the expected-income gain: log(wage x chance of a job abroad) minus log(income at home)",
     low=0, high=20)
_add("behaviour.beta_need", 0.4, "x beta_income", "assumption (NELM)", "uncertainty",
     "extra weight of the income gain for a main provider (and per dependant, a quarter of it)", low=0, high=10)
_add("behaviour.beta_cost", 0.35, "utility per month of home wage", "assumption", "uncertainty",
     "weight of the cost of moving (travel and documents), in months of home wage", low=0, high=20)
_add("behaviour.beta_network", 0.9, "utility per log(1+contacts)", "assumption (Massey)", "uncertainty",
     "pull of contacts already working at the destination", low=0, high=20)
_add("behaviour.beta_proximity", 1.2, "utility", "assumption", "uncertainty",
     "pull of language and cultural proximity (0..1 per corridor)", low=0, high=20)
_add("behaviour.region_affinity", 0.6, "utility", "assumption", "uncertainty",
     "extra pull of the Kazakh regions nearest the origin (south for Central Asia, north for Russia)", low=0, high=20)
_add("behaviour.beta_female", -1.6, "utility", "calibrated (IOM2022 0.31, IOM2023 0.16 women)", "uncertainty",
     "difference in women's propensity to migrate", low=-20, high=20)
_add("behaviour.beta_care", -0.9, "utility", "assumption (OMA2026: women cite care more)", "uncertainty",
     "care obligations: further difference for women with dependants", low=-20, high=20)
_add("behaviour.beta_age", -0.5, "utility per decade over 35", "assumption (IOM2022 0.44 aged 25-34)",
     "uncertainty", "lower propensity with age past 35", low=-20, high=20)
_add("behaviour.beta_youth", 0.0, "utility per decade under 25", "Rogers and Castro 1981 (labour migration peaks "
     "in the mid-twenties); IOM2022 0.18 aged 18-24, 0.44 aged 25-34", "uncertainty",
     "propensity of the youngest relative to those aged 25-35 (negative: lower)", low=-20, high=20)
_add("behaviour.season_amplitude", 0.35, "utility", "assumption (construction season)", "uncertainty",
     "seasonal swing of the pull of Kazakhstan and Russia, peaking in May", low=0, high=5)
_add("behaviour.unemployed_income_ratio", 0.25, "x home wage", "assumption", "uncertainty",
     "income at home while unemployed, relative to the home wage (push of unemployment)", **SHARE)
_add("behaviour.employment_prior_persons", 2980.0, "persons", "assumption", "uncertainty",
     "weight of the destination's unemployment rate in the expected chance of a job (smoothing), in persons "
     "so that it weighs alike at any number of agents (2,980: the 20 agents it was at 100,000 agents)",
     low=0, high=1e8)

# --- entry and legal status ----------------------------------------------------------
_DOC_COST = {"none": 0.0, "eaeu": 10.0, "patent": 40.0, "quota": 250.0, "visa_work": 400.0, "visa_free": 0.0, "visa": 200.0}
for _r in REGIMES:
    _add(f"legal.document_cost.{_r}", _DOC_COST[_r], "USD", "assumption", "lever",
         f"cost of documents to enter under the '{_r}' regime", low=0, high=1e5)
_add("legal.patent_take_up", 0.45, "share", "assumption", "uncertainty",
     "share of arrivals under the patent regime who buy a patent on arrival", **SHARE)
_add("legal.patent_hazard", 0.08, "per month", "assumption", "uncertainty",
     "monthly chance that a visitor or irregular worker under the patent regime obtains a patent", **SHARE)
_add("legal.visitor_months", 3, "months", "law: 90 days visa-free stay", "data",
     "months a visa-free visitor may stay before becoming irregular", low=1, high=24)
_add("legal.visa_regular_share", 0.85, "share", "assumption", "uncertainty",
     "share of arrivals under an employer visa who hold it (the rest work irregularly)", **SHARE)
_add("legal.visa_free_permit_share", 0.15, "share", "assumption", "uncertainty",
     "share of visa-free arrivals (e.g. Kazakhs in Korea) who obtain a work permit", **SHARE)
_add("legal.quota_skilled_take_up", 0.35, "share", "assumption", "uncertainty",
     "share of tertiary-educated arrivals from patent corridors who seek a quota work permit", **SHARE)
_add("legal.deportation_rate", 0.02, "per month", "KEL2025: about 30,000 deported in 2023", "lever",
     "monthly chance that an irregular worker in Kazakhstan is detected and deported", **SHARE)
_add("legal.reentry_ban_months", 60, "months", "law: five-year entry ban", "lever",
     "months a deported worker may not leave home again", low=0, high=600)
_add("policy.work_permit_quota", 30_000, "persons", "KEL2025: 37,900 (2015), 28,300 (2022) under quota",
     "lever", "work permits under the quota that may be held at once in Kazakhstan", low=0, high=1e8)
_add("policy.patent_fee_usd", 15.0, "USD per month", "assumption (about 2 MCI)", "lever",
     "monthly patent fee paid by patent holders in Kazakhstan", low=0, high=1e4)
_add("policy.quota_by_category", False, "-", "law: the quota may be split by qualification", "lever",
     "the quota is split into permits for tertiary-educated workers and for everyone else (the event kind"
     " 'quota' with 'skilled' and 'other' sets the split from a date)")
_add("policy.quota_skilled_share", 0.5, "share", "assumption", "lever",
     "with policy.quota_by_category: share of the quota's permits reserved for tertiary-educated workers",
     **SHARE)
_add("policy.employer_fine_usd", 0.0, "USD per worker", "assumption: no employer fines in the baseline (0 = none)",
     "lever", "fine on an employer in Kazakhstan for each worker without a right to work an inspection finds",
     low=0, high=1e6)
_add("policy.contract_factor_kaz", 1.0, "x", "assumption: 1 (no formalisation drive in the baseline)", "lever",
     "chance that a new job of a foreign worker in Kazakhstan comes with a written contract, relative to the"
     " survey rates (the event kind 'formalisation' multiplies it from a date)", low=0, high=100)

# --- labour market abroad -------------------------------------------------------------
_add("labour.job_network_before", 0.8, "probability", "calibrated (IOM2022 0.26 found job before leaving)",
     "uncertainty", "chance of a job lined up through contacts before leaving, when contacts are plenty", **SHARE)
_add("labour.job_network_after", 3.0, "per month", "calibrated (IOM2022 0.60 through contacts after arrival)",
     "uncertainty", "monthly job-finding intensity through contacts at the destination", low=0, high=20)
_add("labour.job_agency", 0.015, "per month", "calibrated (IOM2022 0.02 through agencies)", "uncertainty",
     "monthly job-finding intensity through recruitment agencies, for those who know of them", low=0, high=20)
_add("labour.agency_awareness", 0.25, "share", "IOM2022: 0.75 did not know agencies existed", "lever",
     "share of migrants who know recruitment agencies exist", **SHARE)
_add("labour.job_direct", 0.025, "per month", "calibrated", "uncertainty",
     "monthly job-finding intensity through own search (employers, markets)", low=0, high=20)
_add("labour.acquaintances", 0.0, "contacts", "assumption (IOM2022: 0.60 found work through connections after "
     "arrival)", "uncertainty", "acquaintances of the same origin (weak ties) who can help find work after arrival: "
     "at a place, this many times the share of the origin's people there", low=0, high=10_000)
_add("labour.network_saturation", 1.0, "contacts", "assumption", "uncertainty",
     "contacts at which the network channel is about two-thirds of its strength", low=0.01, high=1000)
_add("labour.network_reach", 0.3, "x contact", "assumption", "uncertainty",
     "weight of a contact elsewhere in the destination country, relative to one in the same place, "
     "in finding work through contacts (a phone call reaches another city)", **SHARE)
_add("labour.irregular_job_factor", 0.7, "x hazard", "assumption", "uncertainty",
     "job-finding intensity of visitors and irregular workers relative to regular ones", low=0, high=5)
_CAPACITY = {"KAZ": 900_000, "RUS": 4_000_000, "KOR": 400_000, "TUR": 400_000, "ARE": 600_000, "EU": 1_500_000}
for _d, _v in _CAPACITY.items():
    _add(f"labour.capacity.{_d}", _v, "jobs", "assumption", "uncertainty",
         f"jobs for foreign workers in {_d} at which hiring slows to a third (crowding)", low=1, high=1e9)
_add("labour.sector_stickiness", 0.5, "share", "assumption", "uncertainty",
     "chance a new job is in the worker's own sector rather than drawn from demand", **SHARE)
_SECTOR_DEMAND = {"construction": 0.50, "trade": 0.19, "services": 0.15, "industry": 0.08, "agriculture": 0.05, "it": 0.03}
for _s in SECTORS:
    _add(f"labour.sector_demand.{_s}", _SECTOR_DEMAND[_s], "share", "IOM2022 sectors of work (construction 0.50)",
         "data", f"share of demand for foreign workers in {_s}", **SHARE)
_add("labour.oil_region_industry_factor", 4.0, "x", "assumption (oil and gas in Mangystau, Atyrau)", "data",
     "demand for industry workers in Mangystau and Atyrau relative to the national mix", low=0, high=100)
_SECTOR_WAGE = {  # STAT 2022 average wage by occupation / all personnel (mapping is an assumption)
    "construction": 1.106, "trade": 0.653, "services": 0.536, "industry": 1.091, "agriculture": 0.567, "it": 1.128}
for _s in SECTORS:
    _add(f"labour.sector_wage.{_s}", _SECTOR_WAGE[_s], "x", "STAT 2022 wages by occupation", "data",
         f"wage in {_s} relative to the average (normalised over demand in the model)", low=0, high=20)
_REGION_DEMAND = {"almaty_city": 0.27, "astana": 0.15, "shymkent": 0.06, "mangystau": 0.23, "atyrau": 0.05,
                  "almaty_region": 0.13, "karaganda": 0.05, "rest_of_kazakhstan": 0.06}
_REGION_WAGE = {"almaty_city": 1.0, "astana": 1.2, "shymkent": 0.9, "mangystau": 1.3, "atyrau": 1.5,
                "almaty_region": 0.8, "karaganda": 0.9, "rest_of_kazakhstan": 0.85}
for _r in REGIONS:
    _add(f"labour.region_demand.{_r}", _REGION_DEMAND[_r], "share",
         "IOM2023 assessment (Almaty 0.27, Mangystau 0.23, Astana 0.15, Almaty region 0.13, Karaganda 0.05;"
         " the rest split by assumption)", "data", f"share of foreign-worker demand in {_r}", **SHARE)
    _add(f"labour.region_wage.{_r}", _REGION_WAGE[_r], "x", "assumption", "uncertainty",
         f"wage level in {_r} relative to the national average", low=0, high=20)
_add("labour.wage_dispersion", 0.45, "log sd", "assumption (IOM2023: 0.32 earn at most 200 USD)", "uncertainty",
     "dispersion of individual wages (lognormal sigma)", low=0, high=5)
_add("labour.informal_wage_factor", 0.9, "x", "assumption", "uncertainty",
     "wage without a written contract relative to with one", low=0, high=5)
_add("labour.female_wage_ratio", 0.86, "x", "IOM2023: 413 vs 483 USD", "data", "women's wage relative to men's",
     low=0, high=5)
_CONTRACT = {"home": 0.0, "eaeu": 0.75, "patent": 0.35, "quota_permit": 1.0, "work_visa": 0.9,
             "visitor": 0.03, "irregular": 0.0}
for _s in STATUSES[1:]:
    _add(f"labour.contract_prob.{_s}", _CONTRACT[_s], "probability", "calibrated (IOM2022 0.73 no contract)",
         "uncertainty", f"chance that a worker with status '{_s}' gets a written contract", **SHARE)
_CONTRACT_SECTOR = {"construction": 0.7, "trade": 0.9, "services": 0.9, "industry": 1.3, "agriculture": 0.6, "it": 1.4}
for _s in SECTORS:
    _add(f"labour.contract_sector.{_s}", _CONTRACT_SECTOR[_s], "x", "assumption", "uncertainty",
         f"how much more (or less) often jobs in {_s} come with a contract", low=0, high=10)
_add("labour.contract_network_factor", 0.8, "x", "assumption", "uncertainty",
     "jobs found through contacts come with a contract this much as often", low=0, high=10)
_add("labour.pension_with_contract", 0.5, "probability", "calibrated (IOM2022 0.87 no pension)", "uncertainty",
     "chance the employer pays pension contributions when there is a contract", **SHARE)
_add("labour.leave_with_contract", 0.42, "probability", "calibrated (IOM2022 0.89 no paid leave)", "uncertainty",
     "chance of paid leave when there is a contract", **SHARE)
_add("labour.pension_without_contract", 0.02, "probability", "assumption", "uncertainty",
     "chance of pension contributions without a contract", **SHARE)
_add("labour.leave_without_contract", 0.02, "probability", "assumption", "uncertainty",
     "chance of paid leave without a contract", **SHARE)

# --- wages ---------------------------------------------------------------------------
_add("wages.kaz_migrant_ratio", 0.63, "x national average wage", "IOM2023: 473 USD vs 755 USD (Q1 2023)", "data",
     "foreign workers' mean wage in Kazakhstan relative to the national average wage", low=0, high=10)
_MIGRANT_RATIO = {"RUS": 0.75, "KOR": 0.9, "TUR": 0.55, "ARE": 0.3, "EU": 0.45}
for _d, _v in _MIGRANT_RATIO.items():
    _add(f"wages.migrant_ratio.{_d}", _v, "x average wage", "assumption", "uncertainty",
         f"foreign workers' mean wage in {_d} relative to its average wage", low=0, high=10)
_add("wages.home_income_factor", 0.75, "x average wage", "assumption", "uncertainty",
     "earnings at home of people open to migrating, relative to their country's average wage", low=0, high=10)

# --- earning, spending, remitting -----------------------------------------------------
_LIVING = {"KAZ": 160.0, "RUS": 250.0, "KOR": 600.0, "TUR": 300.0, "ARE": 450.0, "EU": 800.0}
for _d, _v in _LIVING.items():
    _add(f"remittances.living_cost.{_d}", _v, "USD per month",
         "assumption (IOM2023: mean rent 105 USD in Kazakhstan)", "uncertainty",
         f"a foreign worker's living costs in {_d}", low=0, high=1e5)
_FEE = {"KAZ": 2.0, "RUS": 1.74, "KOR": 3.55, "TUR": 13.44, "ARE": 3.82, "EU": 3.79}
for _d, _v in _FEE.items():
    _add(f"remittances.fee_percent.{_d}", _v, "percent",
         "WB SI.RMT.COST.OB.ZS 2021 (KAZ: assumption near Russia's)", "lever",
         f"cost of sending money home from {_d}, percent of the amount", low=0, high=100)
_add("remittances.remit_intercept", -0.2, "logit", "calibrated (IOM2022 0.34, IOM2023 0.49 remit)", "uncertainty",
     "propensity to remit of a worker without household duties", low=-20, high=20)
_add("remittances.remit_provider", 1.3, "logit", "assumption (NELM)", "uncertainty",
     "extra propensity to remit of a main provider", low=-20, high=20)
_add("remittances.remit_dependants", 0.35, "logit per dependant", "assumption", "uncertainty",
     "extra propensity to remit per dependant at home", low=-20, high=20)
_add("remittances.remit_female", -1.2, "logit", "IOM2023: 0.53 of men, 0.24 of women remit", "uncertainty",
     "difference in women's propensity to remit", low=-20, high=20)
for _o in ORIGINS:
    _add(f"remittances.remit_origin.{_o}", 0.0, "logit", "assumption", "uncertainty",
         f"difference in the propensity to remit of workers from {_o} (household dependence on remittances, "
         "families abroad with the worker)", low=-20, high=20)
for _d in DEST_COUNTRIES[1:]:
    _add(f"remittances.remit_destination.{_d}", 0.0, "logit", "assumption (the surveys cover Kazakhstan only)",
         "uncertainty", f"difference in the propensity to remit of workers in {_d} relative to those in Kazakhstan "
         "(longer, costlier trips: money goes home by transfer rather than in the pocket)", low=-20, high=20)
_add("remittances.share_over_half", 0.49, "share", "IOM2022: 0.49 of remitters send at least half", "data",
     "share of remitters who send half of their income or more", **SHARE)
_add("remittances.share_quarter_to_half", 0.27, "share", "IOM2022: 0.27 send 25-50%", "data",
     "share of remitters who send a quarter to a half (the rest send less)", **SHARE)
_add("remittances.exactly_half", 0.0, "share", "calibrated (IOM2022 'at least 50 per cent' 0.49; IOM2023 25-50% 0.53)",
     "uncertainty", "share of the remitters sending half or more who send exactly half (a round figure)", **SHARE)
_add("remittances.home_saving_rate", 0.08, "share of income", "assumption", "uncertainty",
     "share of income at home that is saved (towards the cost of migrating)", **SHARE)

# --- staying, circulating, returning, moving on ----------------------------------------
_INTENT = {"circulate": 0.49, "return": 0.29, "stay": 0.17, "move_on": 0.05}
for _i, _v in _INTENT.items():
    _add(f"mobility.intention.{_i}", _v, "share", "IOM2022 intentions (IOM2023: 0.57, 0.13, 0.25, 0.03)", "data",
         f"share of arrivals who intend to {_i.replace('_', ' ')}", **SHARE)
_add("mobility.female_stay_shift", 0.07, "share", "IOM2022: stay 0.22 of women, 0.15 of men", "data",
     "how much more often women intend to stay (taken from circulating)", **SHARE)
_add("mobility.intention_revision", 0.03, "per month", "assumption", "uncertainty",
     "monthly chance that a worker abroad reconsiders their intention (drawn afresh from the shares)", **SHARE)
_add("mobility.visit_hazard", 0.10, "per month", "assumption (IOM2023: 0.76 left home < 6 months ago)",
     "uncertainty", "monthly chance a circulating worker goes home for a visit", **SHARE)
_add("mobility.winter_visit_factor", 1.0, "x hazard",
     "assumption (construction stops for the winter; IOM2023, fielded in March-April: 0.76 left home < 6 months ago)",
     "uncertainty", "visit hazard multiplier in December, January and February", low=0, high=100)
_add("mobility.other_plans_visit_factor", 0.0, "x hazard", "calibrated (IOM2023: 0.76 away < 6 months, 0.57 circulate)",
     "uncertainty", "visit hazard of workers who mean to stay or go home for good, relative to circulators'", **SHARE)
_add("mobility.job_held_over_visit", 0.0, "share", "calibrated (IOM2023: 0.89 of the jobless never worked in KAZ)",
     "uncertainty", "chance a job waits over a home visit: the employer takes the worker back on return", **SHARE)
_add("mobility.visit_end_rate", 0.5, "per month", "assumption", "uncertainty",
     "monthly chance a worker on a home visit goes back to the destination", **SHARE)
_add("mobility.return_hazard", 0.05, "per month", "assumption", "uncertainty",
     "monthly chance a worker intending to return goes home for good", **SHARE)
_add("mobility.base_return_hazard", 0.008, "per month", "assumption", "uncertainty",
     "monthly chance that any worker abroad goes home for good (changed plans)", **SHARE)
_add("mobility.move_on_hazard", 0.05, "per month", "assumption", "uncertainty",
     "monthly chance a worker intending to move on leaves for another destination", **SHARE)
_add("mobility.unemployed_return_factor", 3.0, "x hazard", "assumption", "uncertainty",
     "return hazard multiplier after two or more months without work", low=0, high=100)
_add("mobility.broke_return_factor", 6.0, "x hazard", "assumption", "uncertainty",
     "return hazard multiplier when savings run out", low=0, high=100)
_add("mobility.cooldown_months", 6, "months", "assumption", "uncertainty",
     "months after returning for good before a worker considers leaving again", low=0, high=600)

# --- corridors -----------------------------------------------------------------------
# regime, travel cost (USD, one way, overland or economy flight; assumption), language and
# cultural proximity 0..1 (assumption: Russian as lingua franca, Turkic languages, distance).
_CORRIDORS = {
    ("UZB", "KAZ"): ("patent", 40, 0.85), ("UZB", "RUS"): ("patent", 150, 0.6), ("UZB", "KOR"): ("visa_work", 450, 0.15),
    ("UZB", "TUR"): ("visa_free", 250, 0.55), ("UZB", "ARE"): ("visa_work", 250, 0.2), ("UZB", "EU"): ("visa", 450, 0.05),
    ("TJK", "KAZ"): ("patent", 80, 0.35), ("TJK", "RUS"): ("patent", 200, 0.6), ("TJK", "KOR"): ("visa_work", 500, 0.1),
    ("TJK", "TUR"): ("visa_free", 300, 0.3), ("TJK", "ARE"): ("visa_work", 250, 0.2), ("TJK", "EU"): ("visa", 500, 0.05),
    ("KGZ", "KAZ"): ("eaeu", 30, 0.9), ("KGZ", "RUS"): ("eaeu", 200, 0.75), ("KGZ", "KOR"): ("visa_work", 450, 0.15),
    ("KGZ", "TUR"): ("visa_free", 300, 0.5), ("KGZ", "ARE"): ("visa_work", 300, 0.2), ("KGZ", "EU"): ("visa", 500, 0.05),
    ("RUS", "KAZ"): ("eaeu", 100, 0.9), ("RUS", "RUS"): ("none", 0, 0.0), ("RUS", "KOR"): ("visa_free", 500, 0.1),
    ("RUS", "TUR"): ("visa_free", 250, 0.35), ("RUS", "ARE"): ("visa_free", 300, 0.3), ("RUS", "EU"): ("visa", 400, 0.3),
    ("CHN", "KAZ"): ("quota", 200, 0.3), ("CHN", "RUS"): ("visa", 300, 0.2), ("CHN", "KOR"): ("visa_work", 200, 0.3),
    ("CHN", "TUR"): ("visa", 500, 0.05), ("CHN", "ARE"): ("visa_work", 400, 0.1), ("CHN", "EU"): ("visa", 600, 0.05),
    ("AZE", "KAZ"): ("patent", 150, 0.6), ("AZE", "RUS"): ("patent", 150, 0.65), ("AZE", "KOR"): ("visa", 500, 0.05),
    ("AZE", "TUR"): ("visa_free", 150, 0.9), ("AZE", "ARE"): ("visa_free", 250, 0.25), ("AZE", "EU"): ("visa", 400, 0.1),
    ("KAZ", "KAZ"): ("none", 0, 0.0), ("KAZ", "RUS"): ("eaeu", 150, 0.9), ("KAZ", "KOR"): ("visa_free", 450, 0.25),
    ("KAZ", "TUR"): ("visa_free", 300, 0.55), ("KAZ", "ARE"): ("visa_free", 300, 0.2), ("KAZ", "EU"): ("visa", 450, 0.15),
}
for (_o, _d), (_reg, _cost, _prox) in _CORRIDORS.items():
    _src = "law (EAEU treaty, visa regimes)" if _reg != "none" else "-"
    _add(f"corridor.{_o}.{_d}.regime", _reg, "-", _src, "lever",
         f"entry regime for workers from {_o} in {_d} ('none': not a destination)", choices=REGIMES)
    _add(f"corridor.{_o}.{_d}.travel_cost_usd", float(_cost), "USD", "assumption", "data",
         f"one-way travel cost from {_o} to {_d}", low=0, high=1e5)
    _add(f"corridor.{_o}.{_d}.proximity", float(_prox), "0..1", "assumption", "uncertainty",
         f"language and cultural proximity of {_o} workers to {_d}", **SHARE)
    _add(f"corridor.{_o}.{_d}.preference", 0.0, "utility", "assumption: none beyond the other terms", "uncertainty",
         f"pull of {_d} for workers from {_o} that the other terms leave out (transit, visa practice, "
         "diaspora history); negative pushes the corridor away", low=-10, high=10)

# --- policy levers that scenario events change over time (see docs/policy.md) ------------
_add("policy.minimum_wage_usd", 0.0, "USD per month", "assumption: not modelled in the baseline (0 = no floor)",
     "lever", "monthly minimum wage in Kazakhstan that written contracts must pay", low=0, high=1e5)
_add("labour.minimum_wage_compliance", 0.5, "share", "assumption", "uncertainty",
     "share of employers who pay the minimum wage on a contract job that would pay less (the rest hire"
     " without a contract)", **SHARE)
_add("legal.patent_processing_months", 1.0, "months", "assumption (a patent takes weeks to issue)", "lever",
     "time to obtain a patent; patent take-up on arrival and the monthly chance of obtaining one scale"
     " with 1 / this", low=0.25, high=60)
_add("legal.inspection_rate", 0.0, "per month", "assumption: no workplace inspections in the baseline", "lever",
     "monthly chance that the employer of a foreign worker without a contract in Kazakhstan is inspected",
     **SHARE)
_add("legal.inspection_formalise_share", 0.5, "share", "assumption", "uncertainty",
     "share of inspected informal jobs of workers with a right to work that get a written contract (the"
     " rest, and every inspected job of a worker without a right to work, end)", **SHARE)
_add("legal.quota_refused_irregular", 0.25, "share", "assumption", "uncertainty", "share of workers refused a quota"
     " permit after the wait who come anyway and work without one (the rest choose again or stay home)", **SHARE)
_add("legal.quota_wait_months", 3, "months", "assumption (KEL2025: the quota is distributed over the year against"
     " employers' needs)", "lever", "months a worker refused a quota permit waits at home for one to come free,"
     " asking again each month, before coming anyway or choosing again (0: decide at once)", low=0, high=24)

# --- numbers the code used without a source (now declared here) ------------------------
_add("labour.survey_female_share", 0.16, "share", "IOM2023: 0.16 of the 1,129 whose mean income is 473 USD",
     "data", "share of women among the foreign workers whose mean wage the migrant wage ratios describe", **SHARE)
_add("labour.survey_informal_share", 0.55, "share", "IOM2023: 0.55 of them without a written contract", "data",
     "share without a contract among the foreign workers whose mean wage the migrant wage ratios describe",
     **SHARE)
_add("population.home_unemployment_cap", 0.9, "share", "assumption", "data",
     "ceiling on the unemployment rate of the pool at home (national rate x multiplier)", **SHARE)
_add("population.provider_female_factor", 0.6, "x", "assumption (IOM2022: men are main providers more often)",
     "data", "chance of being the household's main provider, women, relative to population.provider_share",
     low=0, high=2)
_add("population.provider_male_factor", 1.4, "x", "assumption (IOM2022: men are main providers more often)",
     "data", "chance of being the household's main provider, men, relative to population.provider_share",
     low=0, high=2)
_add("population.dependants_min_age", 21.0, "years", "assumption", "data",
     "age from which a worker may have dependants", low=14, high=80)
_add("labour.agency_contract_floor", 0.9, "share", "assumption: agencies place workers with a contract", "data",
     "least chance that a job found through a recruitment agency has a written contract", **SHARE)
_add("remittances.band_over_half_max", 0.8, "share", "assumption (IOM2022 asks only 'over half')", "data",
     "most a worker in the band 'over half' sends of income (shares are drawn evenly from 0.5 to this)",
     low=0.5, high=1.0)
_add("remittances.band_under_quarter_min", 0.05, "share", "assumption (IOM2022 asks only 'under a quarter')",
     "data", "least a worker in the band 'under a quarter' sends of income (drawn evenly from this to 0.25)",
     low=0.0, high=0.25)
_add("mobility.stay_return_factor", 0.5, "x", "assumption", "uncertainty",
     "chance of returning for good of workers who intend to stay, relative to mobility.base_return_hazard", **SHARE)

assert set(_POOLS) == set(ORIGINS) and set(_ASC_COUNTRY) == set(DEST_COUNTRIES)

# --- calibrated values ----------------------------------------------------------------
# Uncertain parameters fitted by `migsim calibrate` take their posterior medians as defaults, so every
# scenario starts from the calibration the file names; to adopt another, copy its fit/parameters.toml over it.
CALIBRATED_FILE = Path(__file__).resolve().parent / "data" / "calibrated.toml"


def with_calibration(declared: Mapping[str, Param], path: Path | None) -> dict[str, Param]:
    """The registry with a calibration's values as the defaults of the parameters it fitted: a pure
    function of the declared registry and the file (None or a missing file: no change), so the
    declared values stay available (`DECLARED`) and the overlay happens in one named place."""
    registry = dict(declared)
    if path is None or not path.exists():
        return registry
    with path.open("rb") as f:
        doc = tomllib.load(f)

    def flat(table, prefix=""):
        for k, v in table.items():
            yield from (flat(v, f"{prefix}{k}.") if isinstance(v, dict) else [(f"{prefix}{k}", v)])

    for key, value in flat(doc):
        par = registry.get(key)
        if par is None or par.role != "uncertainty" or not isinstance(value, (int, float)) \
                or (par.kind is int and value != int(value)) \
                or (par.low is not None and value < par.low) or (par.high is not None and value > par.high):
            raise RuntimeError(f"{path}: '{key}' = {value!r} is not an uncertain parameter's value within its range")
        registry[key] = replace(par, default=type(par.default)(value),
                                source=f"calibrated (simulation/data/calibrated.toml); set by hand before: "
                                       f"{par.default:g}, {par.source}")
    return registry


class _Registry(Mapping):
    """The parameters in force: the declared ones with the adopted calibration, read on first use
    (importing this module reads no file; the first lookup calls `with_calibration` once)."""

    def __init__(self):
        self._params: dict[str, Param] | None = None

    def _load(self) -> dict[str, Param]:
        if self._params is None:
            self._params = with_calibration(DECLARED, CALIBRATED_FILE)
        return self._params

    def __getitem__(self, key: str) -> Param:
        return self._load()[key]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


PARAMETERS: Mapping[str, Param] = _Registry()


def defaults() -> dict[str, Any]:
    """The baseline value of every parameter, by dotted key."""
    return {k: p.default for k, p in PARAMETERS.items()}


def sections() -> list[str]:
    """Top-level tables a scenario file may hold."""
    return sorted({k.split(".")[0] for k in PARAMETERS})

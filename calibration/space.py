"""The calibrated parameter space: which uncertain parameters are fitted, and why.

Each entry is an existing key of `simulation/parameters.py` with role "uncertainty",
a uniform prior range, and the reason it is fitted (the targets that inform it). The
ranges stay inside the parameter's declared range; `check_space` enforces that, so a
renamed parameter stops the calibration with a clear message instead of silently
fitting nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.errors import ScenarioError
from simulation.parameters import PARAMETERS


@dataclass(frozen=True)
class Prior:
    key: str
    low: float
    high: float
    reason: str

    @property
    def name(self) -> str:
        """The key with no dots (a column or keyword name)."""
        return self.key.replace(".", "__")

    @property
    def width(self) -> float:
        return self.high - self.low


SPACE: tuple[Prior, ...] = (
    # how many go where
    Prior("behaviour.asc.KAZ", -7.5, -4.5,
          "sets how many come to Kazakhstan: arrivals (KEL2025, IOM2023 Q1), Uzbeks present, remittances paid"),
    Prior("behaviour.asc.RUS", -7.5, -5.0,
          "the pull of Russia, Kazakhstan's competitor: remittances received by Uzbekistan, Tajikistan, Kyrgyzstan"),
    Prior("behaviour.origin_propensity.UZB", -1.5, 1.0,
          "Uzbek share among migrants (IOM2022 0.69, IOM2023 0.86 of those assessed) and Uzbekistan's remittances"),
    Prior("behaviour.origin_propensity.TJK", -1.5, 0.5, "Tajikistan's remittances (mostly from Russia)"),
    Prior("behaviour.origin_propensity.KGZ", -1.5, 1.0, "Kyrgyz share among migrants (IOM2022: 0.20)"),
    Prior("behaviour.origin_propensity.RUS", -3.0, 0.0, "Russian share among migrants (IOM2022 0.04, IOM2023 0.20)"),
    Prior("behaviour.origin_propensity.KAZ", -3.0, 0.5,
          "how many Kazakhs work abroad (KEL2025: 450,000 in 2022) and remittances received by Kazakhstan"),
    Prior("corridor.TJK.KAZ.preference", -4.0, 0.5,
          "Tajiks go to Russia far more than to Kazakhstan (IOM2022 0.01 of migrants; KEL2025 35,000 arrivals)"),
    Prior("corridor.KGZ.RUS.preference", -1.0, 4.0,
          "Kyrgyz workers go mostly to Russia (EAEU since 2015, the largest diaspora): remittances received by "
          "Kyrgyzstan (WB), against the Kyrgyz share in Kazakhstan (IOM2022: 0.20)"),
    Prior("corridor.CHN.KAZ.preference", -1.0, 6.0,
          "quota permits held (KEL2025: 37,900 in 2015, 28,300 in 2022): China is the modelled origin under the "
          "quota, so it also stands for the quota workers from Turkiye, India and elsewhere"),
    Prior("corridor.KAZ.KOR.preference", -2.0, 5.0, "Kazakhs working in South Korea (KEL2025: 40,000 in 2022)"),
    Prior("corridor.KAZ.TUR.preference", -2.0, 5.0, "Kazakhs working in Turkey (KEL2025: 30,000 in 2022)"),
    Prior("corridor.KAZ.ARE.preference", -2.0, 5.0, "Kazakhs working in the UAE (KEL2025: 20,000 in 2022)"),
    Prior("behaviour.beta_female", -3.5, -0.6,
          "share of women among migrants (IOM2023 0.16; the IOM2022 sample was stratified by gender)"),
    Prior("behaviour.beta_age", -3.5, 0.0,
          "age of migrants (IOM2022: 0.18 aged 18-24, 0.44 aged 25-34, so 0.38 aged 35 or over, against 0.57 of "
          "people aged 18-60 where ages are even; at -1.5, the bound before, the model's 25-34s stayed near 0.30)"),
    Prior("behaviour.beta_network", 0.3, 1.8, "network pull (Massey): concentration of flows in established corridors"),
    Prior("mobility.visit_hazard", 0.03, 0.25, "time since leaving home (IOM2023: 0.76 under six months)"),
    Prior("mobility.winter_visit_factor", 1.0, 8.0,
          "how many go home for the winter: time since leaving home (IOM2023, March-April: 0.76 under six months) "
          "and arrivals this year (IOM2022, June-July: 0.65)"),
    Prior("mobility.job_held_over_visit", 0.0, 1.0,
          "circulators back from a visit home mostly go back to their job: of IOM 2023's respondents out of work "
          "and seeking it, 0.89 had never worked in Kazakhstan before; the share working (IOM2023 0.92)"),
    Prior("mobility.base_return_hazard", 0.004, 0.04,
          "how long circulators keep circulating before they stop for good: journeys begun over a year ago "
          "(IOM2022 0.52) and the age of migrants present (IOM2022 0.44 aged 25-34)"),
    Prior("mobility.return_hazard", 0.005, 0.06,
          "how long those who mean to go home stay: the surveys' intentions are of migrants present, so the "
          "share intending to return (IOM2022 0.29) depends on it"),
    Prior("wages.migrant_ratio.RUS", 0.5, 1.2,
          "what migrants earn in Russia against its average wage: remittances received by Uzbekistan, "
          "Tajikistan and Kyrgyzstan"),
    Prior("wages.home_income_factor", 0.5, 1.1,
          "home earnings of would-be migrants: the wage gap (Harris-Todaro) behind every flow"),
    # finding work
    Prior("labour.job_network_before", 0.1, 0.9, "job found through contacts before leaving (IOM2022 0.26)"),
    Prior("labour.job_network_after", 1.0, 6.0, "job found through contacts after arrival (IOM2022 0.60)"),
    Prior("labour.network_reach", 0.0, 1.0,
          "contacts in other cities help too: jobs through contacts (IOM2022 0.60) and the share working (IOM2023 0.92)"),
    Prior("labour.job_direct", 0.005, 0.15, "own search: the share working (IOM2023 0.92) and the other channels"),
    Prior("population.home_unemployment_multiplier", 1.0, 4.0,
          "who leaves: unemployed before leaving (IOM2022 0.17, IOM2023 0.23)"),
    Prior("labour.wage_dispersion", 0.3, 1.3,
          "the low tail of wages: income above the minimum wage (IOM2022 0.80), at most 200 USD (IOM2023 0.32; "
          "with their mean of 473 USD a lognormal puts sigma near 0.93, above the bound of 0.9 before)"),
    Prior("legal.patent_take_up", 0.02, 0.8,
          "who works without papers: irregular migrants (KEL2025: 200,000-1,000,000 estimated) and deportations "
          "(KEL2025: about 30,000 in 2023)"),
    Prior("labour.contract_prob.patent", 0.1, 0.7, "no written contract (IOM2022 0.73, IOM2023 0.55)"),
    Prior("labour.pension_with_contract", 0.2, 0.9, "no pension contributions (IOM2022 0.87, IOM2023 0.61)"),
    # remitting
    Prior("remittances.remit_intercept", -1.2, 0.8, "share who remit from Kazakhstan (IOM2022 0.34, IOM2023 0.49)"),
    Prior("remittances.exactly_half", 0.0, 0.8,
          "remitters sending 25-50% (IOM2023 0.53) against IOM2022's 0.27, whose top answer is 'at least 50 per "
          "cent': exactly half is in 2022's top band and 2023's middle one"),
    Prior("remittances.remit_destination.RUS", 0.0, 3.0,
          "remitting from Russia: what Uzbekistan, Tajikistan and Kyrgyzstan receive (WB, KNOMAD)"),
    Prior("remittances.remit_origin.KAZ", -5.0, 0.5,
          "Kazakhs abroad remit little (WB: 0.2-0.6 billion USD received a year for 450,000 working abroad)"),
    Prior("remittances.living_cost.RUS", 120.0, 300.0,
          "what is left to send from Russia (remittances received by Uzbekistan, Tajikistan, Kyrgyzstan)"),
)


def check_space(space: tuple[Prior, ...] = SPACE) -> None:
    """Every prior names an uncertainty parameter and stays inside its declared range."""
    seen = set()
    for p in space:
        if p.key in seen:
            raise ScenarioError(f"calibration space: '{p.key}' is listed twice.")
        seen.add(p.key)
        if p.key not in PARAMETERS:
            raise ScenarioError(f"calibration space: '{p.key}' is not a parameter of migsim (see `migsim params`).")
        par = PARAMETERS[p.key]
        if par.role != "uncertainty":
            raise ScenarioError(f"calibration space: '{p.key}' has role '{par.role}'; only 'uncertainty' "
                                "parameters are calibrated.")
        if not p.low < p.high:
            raise ScenarioError(f"calibration space: '{p.key}' prior {p.low}..{p.high} is empty.")
        if (par.low is not None and p.low < par.low) or (par.high is not None and p.high > par.high):
            raise ScenarioError(f"calibration space: '{p.key}' prior {p.low}..{p.high} leaves the parameter's "
                                f"range ({par.allowed()}).")
        if not p.low <= par.default <= p.high:
            raise ScenarioError(f"calibration space: '{p.key}' prior {p.low}..{p.high} excludes its default "
                                f"{par.default}.")


def by_name(space: tuple[Prior, ...] = SPACE) -> dict[str, Prior]:
    return {p.name: p for p in space}


def to_scenario_values(particle: dict[str, float], space: tuple[Prior, ...] = SPACE) -> dict[str, float]:
    """Dot-free parameter names -> `Scenario.with_values` keyword arguments."""
    names = by_name(space)
    out = {}
    for name, value in particle.items():
        if name not in names:
            raise ScenarioError(f"parameter '{name}' is not in the calibration space.")
        out[names[name].key.replace(".", "__")] = float(value)
    return out

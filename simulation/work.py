"""Work abroad: finding a job, its terms (sector, contract, wage), and workplace inspections.

Kernels over sets of worker rows, as in `month.py`, which calls `start_jobs` for jobs
lined up before leaving and runs `find_jobs` for everyone abroad without one; the
inspections of the enforcement step (`abroad.reconsider_abroad`) are here too, since
they act on jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import decisions, kernels
from . import streams as D
from .world import (
    CH_AGENCY,
    CH_DIRECT,
    CH_NETWORK_AFTER,
    CH_NETWORK_BEFORE,
    DEST_COUNTRIES,
    LOCATION_COUNTRY,
    ST_IRREGULAR,
    ST_VISITOR,
)

if TYPE_CHECKING:
    from .model import MigrationModel
    from .month import Conditions
    from .streams import Draws

KAZ = DEST_COUNTRIES.index("KAZ")
# SAME_COUNTRY_ELSEWHERE[l, m]: location m is another place in the country of location l
SAME_COUNTRY_ELSEWHERE = ((LOCATION_COUNTRY[:, None] == LOCATION_COUNTRY[None, :]) & (LOCATION_COUNTRY[:, None] >= 0)
                          & ~np.eye(len(LOCATION_COUNTRY), dtype=bool))


def job_contacts(model: "MigrationModel", rows: np.ndarray, loc: np.ndarray, where: np.ndarray | None = None
                 ) -> np.ndarray:
    """Contacts who can help find work at `loc`: those there, plus those elsewhere in the
    same country at the weight `labour.network_reach`. By default where contacts are now;
    with `where` (every worker's location at some earlier moment), where they were then."""
    pop = model.population
    rows, loc = np.asarray(rows, dtype=np.int64), np.asarray(loc, dtype=np.int64)
    reach = kernels.as_numpy_threshold(model.params["labour.network_reach"], np.float32)
    if where is None:
        return kernels.job_contacts(rows, loc, pop.contacts, SAME_COUNTRY_ELSEWHERE, reach)
    return kernels.job_contacts_by_ties(rows, loc, pop.tie_start, pop.ties, where, SAME_COUNTRY_ELSEWHERE, reach)


def acquaintances_at(model: "MigrationModel", origin_share_at: np.ndarray) -> np.ndarray:
    """(origins, locations) float32: acquaintances who can help find work at each place, from
    the share of each origin's people at each place (fixed once a month, in the conditions).

    Beyond kin and village ties, a worker knows many people of the same origin more
    loosely (Granovetter's weak ties); the compatriots one meets on arrival are how most
    migrants find work (IOM 2022: 60% through personal connections after arrival, against
    26% through contacts before leaving). With `labour.acquaintances` of them spread over
    the origin's people, the expected number at a place is that many times the share of the
    origin's people there, counted like ties: in full at the place, at `labour.network_reach`
    elsewhere in the same country. Shares of people, not counts of agents: the same at any
    number of agents.
    """
    s = model.params
    spread = np.eye(len(SAME_COUNTRY_ELSEWHERE)) + s["labour.network_reach"] * SAME_COUNTRY_ELSEWHERE
    return (s["labour.acquaintances"] * (origin_share_at @ spread)).astype(np.float32)


def find_jobs(model: "MigrationModel", cond: "Conditions", rows: np.ndarray, draws: "Draws") -> None:
    """Workers abroad without a job search through contacts, agencies and on their own."""
    s, pop = model.params, model.population
    rows = kernels.searching_rows(rows, pop.location, pop.job_sector)
    if len(rows) == 0:
        return
    loc = pop.location[rows].astype(np.int64)
    status = pop.status[rows]
    unauthorised = (status == ST_VISITOR) | (status == ST_IRREGULAR)
    market = cond.hiring[loc] * np.where(unauthorised, s["labour.irregular_job_factor"], 1.0)
    levers = model.levers
    if levers.employer_fine > 0:
        # Employers in Kazakhstan weigh a month's expected fine (inspection chance x fine) against the wage.
        expected = levers.inspection_rate * levers.employer_fine
        deterred = 1.0 / (1.0 + expected / np.maximum(model.economy.location_wage[loc], 1.0))
        market = market * np.where(unauthorised & (LOCATION_COUNTRY[loc] == KAZ), deterred, 1.0)
    contacts = job_contacts(model, rows, loc) + cond.acquaintances[pop.origin[rows], loc]
    network = s["labour.job_network_after"] * decisions.network_job_chance(contacts, s["labour.network_saturation"])
    recruit = model.economy.levers.agency_factor[pop.origin[rows], LOCATION_COUNTRY[loc]]
    agency = s["labour.job_agency"] * pop.knows_agencies[rows] * recruit
    direct = np.full(len(rows), s["labour.job_direct"])
    found, channel = decisions.job_search(draws.uniform(D.JOB_SEARCH, rows), network, agency, direct, market)
    codes = np.array([CH_NETWORK_AFTER, CH_AGENCY, CH_DIRECT])[channel]
    start_jobs(model, rows[found], codes[found], draws)


def start_jobs(model: "MigrationModel", rows: np.ndarray, channel: np.ndarray, draws: "Draws") -> None:
    """A new job: its sector, whether it is formal, and its wage."""
    if len(rows) == 0:
        return
    s, pop, eco = model.params, model.population, model.economy
    loc = pop.location[rows].astype(np.int64)
    demand = eco.job_sector_shares()[loc]
    own = pop.skill_sector[rows].astype(np.int64)
    stick = (draws.uniform(D.SECTOR_STICKS, rows) < s["labour.sector_stickiness"]) & (demand[np.arange(len(rows)), own] > 0)
    drawn = decisions.draw_by_shares(draws.uniform(D.JOB_SECTOR, rows), demand)
    sector = np.where(stick, own, drawn)

    via_network = (channel == CH_NETWORK_BEFORE) | (channel == CH_NETWORK_AFTER)
    in_kaz = LOCATION_COUNTRY[loc] == KAZ
    p_contract = decisions.contract_probability(
        eco.contract_prob[pop.status[rows]] * np.where(in_kaz, eco.levers.contract_factor_kaz, 1.0),
        eco.contract_sector[sector], via_network, s["labour.contract_network_factor"], channel == CH_AGENCY,
        s["labour.agency_contract_floor"])
    contract = draws.uniform(D.CONTRACT, rows) < p_contract
    sigma = s["labour.wage_dispersion"]
    offer = (eco.location_wage[loc] * eco.sector_wage[sector]
             * np.exp(sigma * draws.normal(D.WAGE_OFFER, rows) - sigma**2 / 2)
             * np.where(pop.female[rows], s["labour.female_wage_ratio"], 1.0))
    floor = None
    if eco.levers.minimum_wage > 0:
        # A contract job in Kazakhstan must pay the minimum wage: some employers pay it,
        # the others hire without a contract.
        below = contract & in_kaz & (offer < eco.levers.minimum_wage)
        comply = draws.uniform(D.MINIMUM_WAGE_COMPLIANCE, rows) < s["labour.minimum_wage_compliance"]
        contract = contract & ~(below & ~comply)
        floor = np.where(below & comply, eco.levers.minimum_wage, 0.0)
    pension = draws.uniform(D.PENSION, rows) < np.where(
        contract, s["labour.pension_with_contract"], s["labour.pension_without_contract"])
    leave = draws.uniform(D.PAID_LEAVE, rows) < np.where(
        contract, s["labour.leave_with_contract"], s["labour.leave_without_contract"])
    wage = offer * np.where(contract, 1.0, s["labour.informal_wage_factor"])
    if floor is not None:
        wage = np.maximum(wage, floor)

    pop.job_sector[rows] = sector
    pop.contract[rows] = contract
    pop.pension[rows] = pension
    pop.paid_leave[rows] = leave
    pop.channel[rows] = channel
    pop.wage[rows] = wage.astype(np.float32)
    pop.months_unemployed[rows] = 0


def inspect_workplaces(model: "MigrationModel", rows: np.ndarray, draws: "Draws") -> None:
    """Workplace inspections in Kazakhstan: informal jobs get a contract or end; employers of
    workers without a right to work are fined (`Levers.employer_fine` each)."""
    s, pop, eco = model.params, model.population, model.economy
    informal = ((LOCATION_COUNTRY[pop.location[rows]] == KAZ) & (pop.job_sector[rows] >= 0) & ~pop.contract[rows])
    hit = rows[informal & (draws.uniform(D.INSPECTION, rows) < eco.levers.inspection_rate)]
    if len(hit) == 0:
        return
    status = pop.status[hit]
    allowed = (status != ST_VISITOR) & (status != ST_IRREGULAR)
    formalise = allowed & (draws.uniform(D.FORMALISED, hit) < s["legal.inspection_formalise_share"])
    done = hit[formalise]
    pop.contract[done] = True
    pop.wage[done] = (pop.wage[done] / np.float32(max(s["labour.informal_wage_factor"], 1e-6))).astype(np.float32)
    leave_job(pop, hit[~formalise])
    model.totals.inspected += len(hit) * pop.scale
    model.totals.fines += int((~allowed).sum()) * pop.scale * eco.levers.employer_fine


def leave_job(pop, rows: np.ndarray) -> None:
    """Workers lose their job (laid off, inspected, or on leaving the place)."""
    kernels.leave_job(np.asarray(rows, dtype=np.int64), pop.job_sector, pop.contract, pop.pension, pop.paid_leave,
                      pop.channel, pop.wage)

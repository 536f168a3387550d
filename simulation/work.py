"""Work abroad: finding a job, its terms (sector, contract, wage), and workplace inspections.

Kernels over sets of worker rows, as in `month.py`, which calls `start_jobs` for jobs
lined up before leaving and runs `find_jobs` for everyone abroad without one; the
inspections of the enforcement step (`abroad.reconsider_abroad`) are here too, since
they act on jobs.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numba
import numpy as np

from . import decisions, kernels, selections, tie_passes
from . import streams as D
from .world import (
    CH_AGENCY,
    CH_DIRECT,
    CH_NETWORK_AFTER,
    CH_NETWORK_BEFORE,
    DEST_COUNTRIES,
    HOME,
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
    return tie_passes.job_contacts_by_ties(rows, loc, pop.tie_start, pop.ties, where, SAME_COUNTRY_ELSEWHERE, reach)


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
    return (s["labour.acquaintances"] * (origin_share_at @ _spread(s["labour.network_reach"]))).astype(np.float32)


@functools.lru_cache(maxsize=8)  # one reach all run long: made every month otherwise
def _spread(reach: float) -> np.ndarray:
    """(locations, locations): a contact at the place counts in full, one elsewhere in the same country at `reach`."""
    spread = np.eye(len(SAME_COUNTRY_ELSEWHERE)) + reach * SAME_COUNTRY_ELSEWHERE
    spread.flags.writeable = False
    return spread


def find_jobs(model: "MigrationModel", cond: "Conditions", rows: np.ndarray, draws: "Draws") -> None:
    """Workers abroad without a job search through contacts, agencies and on their own.

    The rule is `decisions.job_search` on the channels' intensities (`_search_rates`): competing
    channels, a job with chance 1 - exp(-total intensity), its channel drawn from the same uniform.
    """
    s, pop, levers = model.params, model.population, model.levers
    rows = selections.searching_rows(rows, pop.location, pop.job_sector)
    if len(rows) == 0:
        return
    loc = pop.location[rows].astype(np.int64)
    contacts = job_contacts(model, rows, loc) + cond.acquaintances[pop.origin[rows], loc]
    network = s["labour.job_network_after"] * decisions.network_job_chance(contacts, s["labour.network_saturation"])
    # Employers in Kazakhstan weigh a month's expected fine (inspection chance x fine) against the wage.
    expected_fine = levers.inspection_rate * levers.employer_fine if levers.employer_fine > 0 else 0.0
    rates, total = _search_rates(
        rows, loc, network, pop.status, pop.origin, pop.knows_agencies, cond.hiring, model.economy.location_wage,
        levers.agency_factor, float(s["labour.irregular_job_factor"]), float(expected_fine),
        float(s["labour.job_agency"]), float(s["labour.job_direct"]))
    found, codes = _search_outcome(draws.uniform(D.JOB_SEARCH, rows), 1.0 - np.exp(-total), rates, total)
    start_jobs(model, rows[found], codes[found], draws)


@numba.njit(cache=True)
def _search_rates(rows, loc, network, status, origin, knows_agencies, hiring, location_wage, agency_factor,
                  irregular_factor, expected_fine, job_agency, job_direct):
    """(searchers, 3) monthly intensities of finding work through contacts, agencies and one's
    own search, each times the market (crowding; less for workers without a right to work, and
    in Kazakhstan less still while employers risk a fine), and their total.

    One pass where numpy made some twenty-five calls a month; the same float64 products and
    the same order of the total's sum (numpy's row sum of three adds them in order).
    """
    n = rows.shape[0]
    rates = np.empty((n, 3))
    total = np.empty(n)
    for j in range(n):
        i, here = rows[j], loc[j]
        country = LOCATION_COUNTRY[here]
        unauthorised = status[i] == ST_VISITOR or status[i] == ST_IRREGULAR
        market = hiring[here] * (irregular_factor if unauthorised else 1.0)
        if expected_fine > 0:
            deterred = 1.0 / (1.0 + expected_fine / max(location_wage[here], 1.0))
            market = market * (deterred if unauthorised and country == KAZ else 1.0)
        agency = job_agency * (1.0 if knows_agencies[i] else 0.0) * agency_factor[origin[i], country]
        rates[j, 0] = np.float64(network[j]) * market
        rates[j, 1] = agency * market
        rates[j, 2] = job_direct * market
        total[j] = rates[j, 0] + rates[j, 1] + rates[j, 2]
    return rates, total


@numba.njit(cache=True)
def _search_outcome(u, p_find, rates, total):
    """Who finds work (uniform below `p_find`) and through which channel (the uniform's place
    within `p_find`, scaled to the total intensity, among the cumulative intensities), as
    `decisions.job_search` decides; the channel as its code (network after arrival, agency, direct)."""
    found = np.empty(u.shape[0], np.bool_)
    codes = np.empty(u.shape[0], np.int64)
    for j in range(u.shape[0]):
        found[j] = u[j] < p_find[j]
        position = (u[j] / p_find[j] if p_find[j] > 0 else 0.0) * total[j]
        acc = 0.0
        channel = 0
        for k in range(3):
            acc += rates[j, k]
            if position >= acc:
                channel += 1
        codes[j] = SEARCH_CHANNELS[min(channel, 2)]
    return found, codes


SEARCH_CHANNELS = np.array([CH_NETWORK_AFTER, CH_AGENCY, CH_DIRECT])  # `decisions.job_search`'s channels 0, 1, 2


def start_jobs(model: "MigrationModel", rows: np.ndarray, channel: np.ndarray, draws: "Draws") -> None:
    """A new job: its sector, whether it is formal, and its wage (the rule is `_job_terms`)."""
    if len(rows) == 0:
        return
    s, pop, eco = model.params, model.population, model.economy
    levers = eco.levers
    minimum_wage = levers.minimum_wage > 0  # its compliance is drawn only where there is one
    u = draws.uniforms(_JOB_DRAWS_WITH_MINIMUM_WAGE if minimum_wage else _JOB_DRAWS, rows)
    sigma = s["labour.wage_dispersion"]
    luck = np.exp(sigma * D.standard_normal(u[-1]) - sigma**2 / 2)  # the offer's deviation (last draw), mean 1
    rows = np.asarray(rows, dtype=np.int64)
    as_f32 = lambda x: kernels.as_numpy_threshold(x, np.float32)  # noqa: E731  (thresholds of float32 uniforms)
    _job_terms(
        rows, np.asarray(channel, dtype=np.int64), u, luck,
        pop.location, pop.skill_sector, pop.status, pop.female,
        eco.job_sector_shares(), eco.contract_prob, eco.contract_sector, eco.location_wage, eco.sector_wage,
        as_f32(s["labour.sector_stickiness"]), float(levers.contract_factor_kaz),
        float(s["labour.contract_network_factor"]), float(s["labour.agency_contract_floor"]),
        float(s["labour.female_wage_ratio"]), float(levers.minimum_wage) if minimum_wage else 0.0,
        as_f32(s["labour.minimum_wage_compliance"]),
        float(s["labour.pension_with_contract"]), float(s["labour.pension_without_contract"]),
        float(s["labour.leave_with_contract"]), float(s["labour.leave_without_contract"]),
        float(s["labour.informal_wage_factor"]),
        pop.job_sector, pop.contract, pop.pension, pop.paid_leave, pop.channel, pop.wage, pop.months_unemployed,
        pop.worked_kaz)


# `start_jobs`'s draws, in the order `_job_terms` reads them; the wage offer's last
_JOB_DRAWS = (D.SECTOR_STICKS, D.JOB_SECTOR, D.CONTRACT, D.PENSION, D.PAID_LEAVE, D.WAGE_OFFER)
_JOB_DRAWS_WITH_MINIMUM_WAGE = _JOB_DRAWS[:-1] + (D.MINIMUM_WAGE_COMPLIANCE, D.WAGE_OFFER)


@numba.njit(cache=True)
def _job_terms(rows, channel, u, luck,  # the new jobs: their channels, uniforms (`start_jobs`), wage deviation
               location, skill_sector, status, female,  # worker columns read
               sector_shares, contract_prob, contract_sector, location_wage, sector_wage,  # the economy's arrays
               stickiness, contract_factor_kaz, network_factor, agency_floor, female_wage_ratio,
               minimum_wage, compliance, pension_with, pension_without, leave_with, leave_without,
               informal_factor,
               job_sector, contract, pension, paid_leave, job_channel, wage, months_unemployed,  # columns written
               worked_kaz):
    """Each new job's sector (the worker's own, or drawn by the place's demand), contract (by
    status, sector and channel, an agency's at least `agency_floor`; a contract job in Kazakhstan
    pays the minimum wage or, where the employer does not comply, goes without a contract),
    pension, paid leave and wage (informal jobs pay less); a job in Kazakhstan marks the worker
    as having worked there (IOM 2023 asks those out of work whether they ever have).

    One pass where numpy made some sixty calls per set of new jobs, most of a month's job
    starting with the few dozen workers who start one at 10,000 agents; the arithmetic and
    comparisons are numpy's (float64 shares and chances; float32 thresholds where numpy cast a
    Python float to the uniforms' type), in the same order, so the jobs are the same.
    """
    n_sectors = sector_shares.shape[1]
    for j in range(rows.shape[0]):
        i = rows[j]
        loc = location[i]
        shares = sector_shares[loc]
        own = skill_sector[i]
        if u[0, j] < stickiness and shares[own] > 0:
            sector = np.int64(own)
        else:  # by inverse CDF of the normalised cumulative shares (`decisions.draw_by_shares`)
            total = 0.0
            for k in range(n_sectors):
                total += shares[k]
            sector = 0
            acc = 0.0
            for k in range(n_sectors):
                acc += shares[k]
                if u[1, j] >= acc / total:
                    sector += 1
            sector = min(sector, n_sectors - 1)
        ch = channel[j]
        in_kaz = LOCATION_COUNTRY[loc] == KAZ
        # `decisions.contract_probability`
        p = contract_prob[status[i]] * (contract_factor_kaz if in_kaz else 1.0)
        p = p * contract_sector[sector] * (network_factor if ch == CH_NETWORK_BEFORE or ch == CH_NETWORK_AFTER
                                           else 1.0)
        if ch == CH_AGENCY:
            p = max(p, agency_floor)
        p = min(max(p, 0.0), 1.0)
        formal = u[2, j] < p
        offer = location_wage[loc] * sector_wage[sector] * luck[j] * (female_wage_ratio if female[i] else 1.0)
        floor = 0.0
        if minimum_wage > 0 and formal and in_kaz and offer < minimum_wage:
            if u[5, j] < compliance:
                floor = minimum_wage
            else:
                formal = False
        pay = offer * (1.0 if formal else informal_factor)
        if minimum_wage > 0:
            pay = max(pay, floor)
        job_sector[i] = sector
        contract[i] = formal
        pension[i] = u[3, j] < (pension_with if formal else pension_without)
        paid_leave[i] = u[4, j] < (leave_with if formal else leave_without)
        job_channel[i] = ch
        wage[i] = np.float32(pay)
        months_unemployed[i] = 0
        worked_kaz[i] |= in_kaz


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


def jobs_given_up(model: "MigrationModel", rows: np.ndarray, draws: "Draws") -> np.ndarray:
    """Of workers going home on a visit, those whose job does not wait for them.

    Circulators who have worked in Kazakhstan rarely have to look for work again: of IOM
    2023's respondents out of work and seeking it, 0.89 had never worked there before. With
    chance `mobility.job_held_over_visit` the employer takes the worker back: the job stays
    theirs while at home (it is not counted as held abroad) and resumes on return."""
    p = model.params["mobility.job_held_over_visit"]
    if p <= 0:
        return rows
    return rows[draws.uniform(D.JOB_HELD, rows) >= kernels.as_numpy_threshold(p, np.float32)]


# a job's terms, as `_job_terms` writes them and `kernels.leave_job` clears them
JOB_COLUMNS = ("job_sector", "contract", "pension", "paid_leave", "channel", "wage")


def job_terms(pop, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(getattr(pop, c)[rows] for c in JOB_COLUMNS)


def restore_jobs(pop, rows: np.ndarray, terms: tuple[np.ndarray, ...]) -> None:
    for c, values in zip(JOB_COLUMNS, terms, strict=True):
        getattr(pop, c)[rows] = values


def job_country(pop, rows: np.ndarray) -> np.ndarray:
    """Country of each worker's job: where they are, or for a job held over a visit home,
    where they will go back to."""
    where = pop.location[rows]
    return LOCATION_COUNTRY[np.where(where != HOME, where, pop.visit_dest[rows])]


def leave_job(pop, rows: np.ndarray) -> None:
    """Workers lose their job (laid off, inspected, or on leaving the place)."""
    kernels.leave_job(np.asarray(rows, dtype=np.int64), pop.job_sector, pop.contract, pop.pension, pop.paid_leave,
                      pop.channel, pop.wage)

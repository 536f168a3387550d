"""The sub-steps of one month, each a kernel over a set of worker rows.

The vectorised month calls every kernel once with all rows; the per-agent reference
month calls the same kernels from each Worker's `step()` with its own row. Kernels
select the rows they concern (at home, abroad, searching...) themselves, read the
month's market conditions from `Conditions` (fixed at the start of the month, so
the order in which workers act does not matter) and take their randomness from a
`Draws` object. Every change of location goes through `relocate`, which records the
flow: stocks change only by recorded flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from . import decisions, kernels
from . import streams as D
from .streams import Draw
from .economy import ALT_COUNTRY
from .world import (
    CH_AGENCY,
    CH_DIRECT,
    CH_NETWORK_AFTER,
    CH_NETWORK_BEFORE,
    DEST_COUNTRIES,
    HOME,
    INT_CIRCULATE,
    INT_MOVE_ON,
    INT_RETURN,
    INT_STAY,
    LOCATION_COUNTRY,
    N_LOCATIONS,
    REGIMES,
    ST_EAEU,
    ST_HOME,
    ST_IRREGULAR,
    ST_PATENT,
    ST_QUOTA,
    ST_VISITOR,
    ST_WORK_VISA,
)

if TYPE_CHECKING:
    from .model import MigrationModel

KAZ = DEST_COUNTRIES.index("KAZ")
# SAME_COUNTRY_ELSEWHERE[l, m]: location m is another place in the country of location l
SAME_COUNTRY_ELSEWHERE = ((LOCATION_COUNTRY[:, None] == LOCATION_COUNTRY[None, :]) & (LOCATION_COUNTRY[:, None] >= 0)
                          & ~np.eye(len(LOCATION_COUNTRY), dtype=bool))
NEED_PER_DEPENDANT = 0.25  # by the definition of behaviour.beta_need (kernels.MAX_NEED_LEVEL: quarter steps)
AGE_FROM = 35.0  # years: by the definition of behaviour.beta_age ("per decade over 35")
SKILLED = 2  # education code of tertiary-educated workers: the quota's "skilled" category
WINTER_MONTHS = (11, 0, 1)  # December, January, February: construction stops and workers visit home
R_EAEU, R_PATENT, R_QUOTA, R_VISA_WORK, R_VISA_FREE, R_VISA = (
    REGIMES.index(r) for r in ("eaeu", "patent", "quota", "visa_work", "visa_free", "visa"))


class Draws(Protocol):
    """Where the month's kernels take their randomness: one named draw (`streams.DRAWS`) per decision."""

    def uniform(self, draw: Draw, rows: np.ndarray) -> np.ndarray: ...
    def normal(self, draw: Draw, rows: np.ndarray) -> np.ndarray: ...


class KeyedDraws:
    """Common random numbers: each worker's draw is fixed by (stream, slot, month, worker)."""

    def __init__(self, model: "MigrationModel"):
        self.model = model

    def uniform(self, draw, rows):
        return self.model.streams.uniform(draw, self.model.month_counter, rows)

    def normal(self, draw, rows):
        return self.model.streams.normal(draw, self.model.month_counter, rows)


class SequentialDraws:
    """Ordinary sequential generators per stream, as an idiomatic per-agent model draws."""

    def __init__(self, model: "MigrationModel"):
        self.model = model

    def uniform(self, draw, rows):
        return self.model.streams.generator(draw.stream).random(len(rows), dtype=np.float32)

    def normal(self, draw, rows):
        return self.model.streams.generator(draw.stream).standard_normal(len(rows))


@dataclass
class Conditions:
    """Market conditions of one month, computed before any worker acts."""

    base: np.ndarray  # (origins, alternatives) attraction
    cost: np.ndarray  # (origins, alternatives) USD
    open: np.ndarray  # (origins, alternatives) bool
    log_expected_wage: np.ndarray  # (alternatives,)
    hiring: np.ndarray  # (locations,) crowding factor on job finding
    quota_corridor: np.ndarray  # (origins, alternatives) bool: needs a quota permit
    quota_slots: int  # quota permits (in agents) still free this month
    weights: np.ndarray  # (origins, need levels, alternatives) shared part of exp(utility)
    # Contacts abroad as they were at the start of the month: every worker decides on the
    # same information, whatever order workers act in (synchronous updating).
    contacts: np.ndarray | None = None
    quota_slots_by_category: np.ndarray | None = None  # [other, skilled] when the quota has categories
    redirect_tables: tuple | None = None  # choice tables without quota corridors (made when first needed)


def month_conditions(model: "MigrationModel") -> Conditions:
    """Harris-Todaro expected wages and hiring conditions from the state at month start."""
    s, eco, pop = model.params, model.economy, model.population
    abroad = np.flatnonzero(pop.location != HOME)
    loc = pop.location[abroad]
    stock = np.bincount(loc, minlength=N_LOCATIONS).astype(float)
    employed = np.bincount(loc[pop.job_sector[abroad] >= 0], minlength=N_LOCATIONS).astype(float)
    prior = s["behaviour.employment_prior_persons"] / pop.scale  # in agents: the same weight at any scale
    country = np.maximum(LOCATION_COUNTRY, 0)
    p_job = (employed + prior * (1 - eco.dest_unemployment[country])) / (stock + prior)
    employed_country = np.bincount(country, weights=employed, minlength=len(DEST_COUNTRIES)) * pop.scale
    hiring = np.exp(-employed_country / eco.capacity)[country] * eco.demand_index()
    log_wage = np.log(np.maximum(eco.location_wage * p_job, 1e-6))[1:]
    quota_corridor = eco.levers.regime[:, ALT_COUNTRY] == R_QUOTA
    holders = abroad[pop.status[abroad] == ST_QUOTA]
    # permits in agents, rounded to the nearest: truncating lost up to one agent's worth of permits,
    # a twentieth of the quota at 10,000 agents
    slots = max(int(round(eco.levers.quota / pop.scale)) - len(holders), 0)
    by_category = None
    if eco.levers.quota_categories is not None:
        used = np.bincount((pop.education[holders] == SKILLED).astype(np.int64), minlength=2)
        by_category = np.maximum(np.rint(eco.levers.quota_categories / pop.scale).astype(np.int64) - used, 0)
        slots = int(by_category.sum())
    base, cost = eco.base_utility(model.calendar_month), eco.move_cost()
    weights = kernels.shared_weights(base, log_wage, cost, eco.home_wage, s["behaviour.beta_income"],
                                     s["behaviour.beta_need"], s["behaviour.beta_cost"])
    return Conditions(
        base=base,
        cost=cost,
        open=eco.open_corridor(),
        log_expected_wage=log_wage,
        hiring=hiring,
        quota_corridor=quota_corridor,
        quota_slots=slots,
        weights=weights,
        contacts=pop.contacts.copy() if model.per_agent else pop.contacts,
        quota_slots_by_category=by_category,
    )


# --- moving, with the flow recorded ---------------------------------------------------
def relocate(model: "MigrationModel", rows: np.ndarray, new_location: np.ndarray) -> None:
    """Move workers, record the flow and update their contacts' counts by location."""
    if len(rows) == 0:
        return
    pop = model.population
    old = pop.location[rows].astype(np.int64)
    new = np.asarray(new_location, dtype=np.int64)
    route = (pop.origin[rows].astype(np.int64) * N_LOCATIONS + old) * N_LOCATIONS + new
    model.totals.flows += np.bincount(route, minlength=model.totals.flows.size).reshape(model.totals.flows.shape)
    kernels.move_contacts(np.asarray(rows, dtype=np.int64), old, new, pop.tie_start, pop.ties, pop.contacts)
    pop.location[rows] = new
    pop.months_here[rows] = 0


def leave_job(pop, rows: np.ndarray) -> None:
    """Workers lose their job (laid off, inspected, or on leaving the place)."""
    pop.job_sector[rows] = -1
    pop.contract[rows] = False
    pop.pension[rows] = False
    pop.paid_leave[rows] = False
    pop.channel[rows] = 0
    pop.wage[rows] = 0.0


def go_home(model: "MigrationModel", rows: np.ndarray, cooldown: int, visit: bool) -> None:
    """Workers go home (for good, deported, or on a visit), leaving their job and status."""
    pop = model.population
    if visit:
        pop.visit_dest[rows] = pop.location[rows]
    relocate(model, rows, np.full(len(rows), HOME))
    leave_job(pop, rows)
    pop.status[rows] = ST_HOME
    pop.months_unemployed[rows] = 0
    pop.cooldown[rows] = cooldown


def scale_held_wages(model: "MigrationModel", factor: np.ndarray) -> None:
    """The USD value of wages abroad moves by factor[destination country]: jobs held there are
    paid in local currency."""
    pop = model.population
    held = np.flatnonzero((pop.location != HOME) & (pop.job_sector >= 0))
    pop.wage[held] = (pop.wage[held] * factor[LOCATION_COUNTRY[pop.location[held]]]).astype(np.float32)


# --- 2. at home: work, and the decision to leave ----------------------------------------
def work_at_home(model: "MigrationModel", rows: np.ndarray, draws: Draws) -> None:
    """Workers at home lose or find work (steady state at the pool's unemployment), earn and save."""
    pop, eco, s = model.population, model.economy, model.params
    rows = rows[pop.location[rows] == HOME]
    if len(rows) == 0:
        return
    find = s["population.home_job_finding_rate"]
    lose = find * eco.home_unemployment / np.maximum(1 - eco.home_unemployment, 1e-6)
    kernels.home_month(rows, draws.uniform(D.HOME_JOB_CHANGE, rows), pop.origin, pop.home_employed, pop.savings,
                       lose, find, eco.home_wage, s["behaviour.unemployed_income_ratio"],
                       s["remittances.home_saving_rate"])


def home_income(model: "MigrationModel", rows: np.ndarray) -> np.ndarray:
    pop, eco = model.population, model.economy
    wage = eco.home_wage[pop.origin[rows]]
    ratio = model.params["behaviour.unemployed_income_ratio"]
    return np.where(pop.home_employed[rows], wage, wage * ratio)


def utilities(model: "MigrationModel", cond: Conditions, rows: np.ndarray) -> np.ndarray:
    """(rows, alternatives) utility of each destination against staying at home."""
    s, pop, eco = model.params, model.population, model.economy
    origin = pop.origin[rows]
    # Need and age enter as the parameters define them: a dependant counts a quarter of a main
    # provider (behaviour.beta_need), age weighs per decade over 35 (behaviour.beta_age); the
    # choice kernel (kernels.py) tabulates need in the same quarter steps.
    need = pop.provider[rows] + NEED_PER_DEPENDANT * pop.dependants[rows]
    gain_weight = s["behaviour.beta_income"] * (1 + s["behaviour.beta_need"] * need)
    female = pop.female[rows]
    personal = (female * (s["behaviour.beta_female"] + s["behaviour.beta_care"] * (pop.dependants[rows] > 0))
                + s["behaviour.beta_age"] * np.maximum(pop.age[rows] - AGE_FROM, 0.0) / 10.0)
    cost = cond.cost[origin]
    feasible = cond.open[origin] & (pop.savings[rows, None] >= cost)
    if cond.quota_slots <= 0:
        feasible &= ~cond.quota_corridor[origin]
    contacts = pop.contacts[rows, 1:]
    has_contacts = pop.contacts[rows, HOME] < pop.degree[rows]
    network_pull = None
    if has_contacts.any():
        network_pull = np.zeros(contacts.shape, np.float32)
        network_pull[has_contacts] = s["behaviour.beta_network"] * np.log1p(contacts[has_contacts].astype(np.float32))
    return decisions.destination_utilities(
        base=cond.base[origin],
        gain_weight=gain_weight.astype(np.float32),
        log_expected_wage=cond.log_expected_wage.astype(np.float32),
        log_home_income=np.log(home_income(model, rows)).astype(np.float32),
        cost_months=(cost / eco.home_wage[origin][:, None]).astype(np.float32),
        beta_cost=s["behaviour.beta_cost"],
        personal=personal.astype(np.float32),
        network_pull=network_pull,
        feasible=feasible,
    )


def decide_and_move(model: "MigrationModel", cond: Conditions, rows: np.ndarray, draws: Draws) -> None:
    """Workers at home weigh every destination and staying; movers leave and arrive.

    Workers on a home visit go back to their destination instead; workers in their
    cool-down after returning (or a re-entry ban) do not consider leaving.
    """
    pop = model.population
    at_home = rows[pop.location[rows] == HOME]
    visiting = at_home[pop.visit_dest[at_home] > 0]
    deciders = at_home[(pop.visit_dest[at_home] == 0) & (pop.cooldown[at_home] == 0)]

    # A short quota does not remove the demand for quota corridors: workers still choose
    # them, and those refused a permit come anyway without one, or choose again among the
    # other destinations and staying (by the logit's independence of irrelevant
    # alternatives, the same as choosing with the quota corridors closed).
    s = model.params
    pick = _choose(model, cond, deciders, draws, D.CHOOSE_DESTINATION, tables=_choice_tables(model, cond, cond.open))
    go = pick != decisions.STAY
    movers, targets = deciders[go], pick[go] + 1  # alternative k is location k + 1
    irregular = np.zeros(len(movers), bool)

    needs_quota = cond.quota_corridor[pop.origin[movers], targets - 1]
    if needs_quota.any():
        asked = np.flatnonzero(needs_quota)
        granted = _grant_quota(model, cond, movers[asked], draws)
        refused = asked[~granted]
        model.totals.quota_refused += len(refused) * pop.scale
        anyway = draws.uniform(D.REFUSED_COMES_ANYWAY, movers[refused]) < s["legal.quota_refused_irregular"]
        irregular[refused[anyway]] = True
        again = refused[~anyway]
        if len(again):
            if cond.redirect_tables is None:
                cond.redirect_tables = _choice_tables(model, cond, cond.open & ~cond.quota_corridor)
            second = _choose(model, cond, movers[again], draws, D.CHOOSE_AGAIN, tables=cond.redirect_tables)
            targets[again] = second + 1
            keep = np.ones(len(movers), bool)
            keep[again[second == decisions.STAY]] = False
            movers, targets, irregular = movers[keep], targets[keep], irregular[keep]
    arrive(model, cond, movers, targets, draws, new_trip=True, irregular=irregular)

    # Visitors go back to their destination.
    if len(visiting):
        back = draws.uniform(D.VISIT_END, visiting) < model.params["mobility.visit_end_rate"]
        back_rows = visiting[back]
        dest = pop.visit_dest[back_rows].astype(np.int64)
        affordable = pop.savings[back_rows] >= cond.cost[pop.origin[back_rows], dest - 1]
        affordable &= cond.open[pop.origin[back_rows], dest - 1]  # a closed border keeps them home
        # A quota permit lapses on the visit home: going back needs a free one, or they stay home.
        needs_quota = affordable & cond.quota_corridor[pop.origin[back_rows], dest - 1]
        if needs_quota.any():
            asked = np.flatnonzero(needs_quota)
            affordable[asked[~_grant_quota(model, cond, back_rows[asked], draws)]] = False
        arrive(model, cond, back_rows[affordable], dest[affordable], draws, new_trip=False)


def _choice_tables(model: "MigrationModel", cond: Conditions, allowed: np.ndarray) -> tuple:
    s, eco = model.params, model.economy
    return kernels.prepare_choice(
        cond.weights, cond.cost, allowed, eco.home_wage, s["behaviour.unemployed_income_ratio"],
        s["behaviour.beta_income"], s["behaviour.beta_need"], s["behaviour.beta_network"])


def _choose(model: "MigrationModel", cond: Conditions, rows: np.ndarray, draws: Draws, draw: Draw,
            tables: tuple) -> np.ndarray:
    """Each worker's chosen alternative (or STAY) with the month's choice tables."""
    s, pop = model.params, model.population
    sorted_cost, cum, weights, contact_factor, home_factor = tables
    return kernels.choose_destinations(
        rows, draws.uniform(draw, rows),
        pop.origin, pop.provider, pop.dependants, pop.female, pop.age, pop.savings, pop.home_employed,
        cond.contacts, pop.degree, sorted_cost, cum, weights, cond.cost, contact_factor, home_factor,
        s["behaviour.beta_network"], s["behaviour.beta_female"], s["behaviour.beta_care"], s["behaviour.beta_age"])


def _grant_quota(model: "MigrationModel", cond: Conditions, candidates: np.ndarray, draws: Draws) -> np.ndarray:
    """Free quota permits go to candidates in a random order; returns the granted mask.

    With quota categories, skilled (tertiary-educated) and other candidates draw on
    their own category's permits.
    """
    granted = np.zeros(len(candidates), bool)
    if cond.quota_slots <= 0 or len(candidates) == 0:
        return granted
    order = np.argsort(draws.uniform(D.QUOTA_ORDER, candidates), kind="stable")
    if cond.quota_slots_by_category is None:
        take = order[:cond.quota_slots]
    else:
        category = (model.population.education[candidates] == SKILLED).astype(np.int64)[order]
        parts = []
        for c in (0, 1):
            mine = order[category == c][:max(int(cond.quota_slots_by_category[c]), 0)]
            cond.quota_slots_by_category[c] -= len(mine)
            parts.append(mine)
        take = np.concatenate(parts)
    granted[take] = True
    cond.quota_slots -= len(take)
    return granted


# --- 3. arriving: legal status, intentions, a job lined up --------------------------------
def arrive(model: "MigrationModel", cond: Conditions, rows: np.ndarray, dest: np.ndarray, draws: Draws,
           new_trip: bool, irregular: np.ndarray | None = None) -> None:
    """Pay the move, enter with the status the corridor allows, maybe with a job lined up.

    `irregular` marks arrivals who come without the permit their corridor requires.
    """
    if len(rows) == 0:
        return
    s, pop, eco = model.params, model.population, model.economy
    origin = pop.origin[rows]
    dest = np.asarray(dest, dtype=np.int64)
    pop.savings[rows] -= cond.cost[origin, dest - 1].astype(np.float32)
    relocate(model, rows, dest)
    pop.visit_dest[rows] = 0
    pop.months_unemployed[rows] = 0
    leave_job(pop, rows)

    country = LOCATION_COUNTRY[dest]
    regime = eco.levers.regime[origin, country]
    u = draws.uniform(D.STATUS_ON_ARRIVAL, rows)
    status = np.full(len(rows), ST_VISITOR, np.int8)
    status[regime == R_EAEU] = ST_EAEU
    take_up = eco.levers.patent_take_up[origin, country] / eco.levers.patent_processing
    status[(regime == R_PATENT) & (u < take_up)] = ST_PATENT
    status[regime == R_QUOTA] = ST_QUOTA
    regular_visa = u < s["legal.visa_regular_share"]
    status[(regime == R_VISA_WORK) & regular_visa] = ST_WORK_VISA
    status[(regime == R_VISA_WORK) & ~regular_visa] = ST_IRREGULAR
    status[(regime == R_VISA) & regular_visa] = ST_WORK_VISA
    status[(regime == R_VISA_FREE) & (u < s["legal.visa_free_permit_share"])] = ST_WORK_VISA
    # Skilled workers from patent corridors may take a free quota permit in Kazakhstan.
    skilled = (regime == R_PATENT) & (country == KAZ) & (pop.education[rows] == SKILLED)
    skilled &= draws.uniform(D.SKILLED_QUOTA, rows) < s["legal.quota_skilled_take_up"]
    if skilled.any():
        granted = _grant_quota(model, cond, rows[skilled], draws)
        status[np.flatnonzero(skilled)[granted]] = ST_QUOTA
    if irregular is not None:
        status[irregular] = ST_IRREGULAR
    pop.status[rows] = status

    if new_trip:
        pop.trips[rows] += 1
        female = pop.female[rows]
        pop.intention[rows] = _draw_intentions(s, female, draws.uniform(D.INTENTION_ON_ARRIVAL, rows))
        intercept = (s["remittances.remit_intercept"] + eco.remit_origin_shift[origin]
                     + eco.remit_destination_shift[country])
        p_remit = decisions.remit_probability(
            intercept, pop.provider[rows], pop.dependants[rows], female,
            s["remittances.remit_provider"], s["remittances.remit_dependants"], s["remittances.remit_female"])
        pop.remitter[rows] = draws.uniform(D.REMITTER, rows) < p_remit
        band = decisions.draw_by_shares(
            draws.uniform(D.REMIT_BAND, rows),
            np.array([s["remittances.share_over_half"], s["remittances.share_quarter_to_half"],
                      1 - s["remittances.share_over_half"] - s["remittances.share_quarter_to_half"]]))
        # The survey's bands: over half, a quarter to half, under a quarter of income.
        low = np.array([0.5, 0.25, s["remittances.band_under_quarter_min"]])[band]
        high = np.array([s["remittances.band_over_half_max"], 0.5, 0.25])[band]
        pop.remit_share[rows] = (low + (high - low) * draws.uniform(D.REMIT_SHARE, rows)).astype(np.float32)

    # A job lined up through contacts before leaving.
    chance = s["labour.job_network_before"] * decisions.network_job_chance(
        job_contacts(model, rows, dest), s["labour.network_saturation"])
    lined_up = draws.uniform(D.JOB_LINED_UP, rows) < chance
    start_jobs(model, rows[lined_up], np.full(int(lined_up.sum()), CH_NETWORK_BEFORE), draws)


def _draw_intentions(s, female: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Circulate, return, stay or move on, by the survey shares (women stay more often)."""
    shares = np.array([s[f"mobility.intention.{k}"] for k in ("circulate", "return", "stay", "move_on")])
    shift = s["mobility.female_stay_shift"]
    female_shares = np.clip(shares + np.array([-shift, 0.0, shift, 0.0]), 0, 1)
    return np.where(female, decisions.draw_by_shares(u, female_shares), decisions.draw_by_shares(u, shares))


# --- 3b. finding work ----------------------------------------------------------------------
def job_contacts(model: "MigrationModel", rows: np.ndarray, loc: np.ndarray) -> np.ndarray:
    """Contacts who can help find work at `loc`: those there, plus those elsewhere in the
    same country at the weight `labour.network_reach`."""
    contacts = model.population.contacts[rows]
    here = contacts[np.arange(len(rows)), loc].astype(np.float32)
    elsewhere = (contacts * SAME_COUNTRY_ELSEWHERE[loc]).sum(axis=1, dtype=np.float32)
    return here + model.params["labour.network_reach"] * elsewhere


def find_jobs(model: "MigrationModel", cond: Conditions, rows: np.ndarray, draws: Draws) -> None:
    """Workers abroad without a job search through contacts, agencies and on their own."""
    s, pop = model.params, model.population
    rows = rows[(pop.location[rows] != HOME) & (pop.job_sector[rows] < 0)]
    if len(rows) == 0:
        return
    loc = pop.location[rows].astype(np.int64)
    status = pop.status[rows]
    unauthorised = (status == ST_VISITOR) | (status == ST_IRREGULAR)
    market = cond.hiring[loc] * np.where(unauthorised, s["labour.irregular_job_factor"], 1.0)
    network = s["labour.job_network_after"] * decisions.network_job_chance(
        job_contacts(model, rows, loc), s["labour.network_saturation"])
    recruit = model.economy.levers.agency_factor[pop.origin[rows], LOCATION_COUNTRY[loc]]
    agency = s["labour.job_agency"] * pop.knows_agencies[rows] * recruit
    direct = np.full(len(rows), s["labour.job_direct"])
    found, channel = decisions.job_search(draws.uniform(D.JOB_SEARCH, rows), network, agency, direct, market)
    codes = np.array([CH_NETWORK_AFTER, CH_AGENCY, CH_DIRECT])[channel]
    start_jobs(model, rows[found], codes[found], draws)


def start_jobs(model: "MigrationModel", rows: np.ndarray, channel: np.ndarray, draws: Draws) -> None:
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


# --- 4. earning, spending, saving, remitting -------------------------------------------------
def earn_and_remit(model: "MigrationModel", rows: np.ndarray) -> None:
    """Income abroad pays living costs and fees; remitters send a share home (less the fee).

    (Workers at home earn and save in `work_at_home`.)
    """
    pop, eco = model.population, model.economy
    abroad = rows[pop.location[rows] != HOME]
    if len(abroad) == 0:
        return
    country = LOCATION_COUNTRY[pop.location[abroad]].astype(np.int64)
    share = pop.remit_share
    if (eco.levers.remit_capacity < 1).any():
        # A disrupted channel carries only part of what workers would send; they keep the rest.
        share = share.copy()
        share[abroad] *= eco.levers.remit_capacity[country, pop.origin[abroad]].astype(np.float32)
    kernels.earn_abroad(abroad, country, pop.origin, pop.wage, pop.job_sector, pop.status, pop.remitter,
                        share, pop.savings, eco.living_cost, eco.levers.patent_fee, ST_PATENT, KAZ,
                        model.totals.remitted, model.totals.remitters, pop.scale)


# --- 5. abroad: stay, visit home, return for good, move on --------------------------------------
def reconsider_abroad(model: "MigrationModel", cond: Conditions, rows: np.ndarray, draws: Draws) -> None:
    """Status changes, enforcement, then each worker abroad chooses to stay, visit, return or move on."""
    s, pop = model.params, model.population
    rows = rows[(pop.location[rows] != HOME) & (pop.months_here[rows] >= 1)]
    if len(rows) == 0:
        return
    _update_status(model, rows, draws)

    # Enforcement in Kazakhstan: detected irregular workers are deported and banned.
    in_kaz_irregular = (LOCATION_COUNTRY[pop.location[rows]] == KAZ) & (pop.status[rows] == ST_IRREGULAR)
    eco = model.economy
    caught = in_kaz_irregular & (draws.uniform(D.DEPORTATION, rows) < eco.levers.deportation_rate)
    deported = rows[caught]
    model.totals.deported += len(deported) * pop.scale
    go_home(model, deported, cooldown=eco.levers.reentry_ban, visit=False)
    rows = rows[~caught]
    if eco.levers.inspection_rate > 0:
        _inspect(model, rows, draws)

    # Plans change: some workers draw their intention afresh.
    revise = draws.uniform(D.REVISE_INTENTION, rows) < s["mobility.intention_revision"]
    if revise.any():
        pop.intention[rows[revise]] = _draw_intentions(s, pop.female[rows[revise]],
                                                       draws.uniform(D.REVISED_INTENTION, rows[revise]))
    intention = pop.intention[rows]
    base = s["mobility.base_return_hazard"]
    p_return = np.where(intention == INT_RETURN, base + s["mobility.return_hazard"],
                        np.where(intention == INT_STAY, base * s["mobility.stay_return_factor"], base))
    p_return = p_return * np.where(pop.months_unemployed[rows] >= 2, s["mobility.unemployed_return_factor"], 1.0)
    p_return = p_return * np.where(pop.savings[rows] <= 0, s["mobility.broke_return_factor"], 1.0)
    p_return = np.where(pop.age[rows] >= s["population.age_max"], 1.0, p_return)
    visit_hazard = s["mobility.visit_hazard"] * (s["mobility.winter_visit_factor"]
                                                 if model.calendar_month in WINTER_MONTHS else 1.0)
    p_visit = np.where(intention == INT_CIRCULATE, visit_hazard, 0.0)
    p_move = np.where(intention == INT_MOVE_ON, s["mobility.move_on_hazard"], 0.0)
    if (eco.levers.exit_factor != 1).any():  # closed borders strand workers where they are
        stranded = eco.levers.exit_factor[LOCATION_COUNTRY[pop.location[rows]]]
        p_return, p_visit, p_move = p_return * stranded, p_visit * stranded, p_move * stranded
    choice = decisions.abroad_choice(draws.uniform(D.ABROAD_CHOICE, rows), p_return, p_visit, p_move)

    go_home(model, rows[choice == 1], cooldown=s["mobility.cooldown_months"], visit=False)
    go_home(model, rows[choice == 2], cooldown=0, visit=True)
    _move_on(model, cond, rows[choice == 3], draws)


def _inspect(model: "MigrationModel", rows: np.ndarray, draws: Draws) -> None:
    """Workplace inspections in Kazakhstan: informal jobs get a contract or end."""
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


def _update_status(model: "MigrationModel", rows: np.ndarray, draws: Draws) -> None:
    """Visitors past the visa-free stay become irregular; some regularise with a patent."""
    s, pop, eco = model.params, model.population, model.economy
    status = pop.status[rows]
    overstay = (status == ST_VISITOR) & (pop.months_here[rows] >= s["legal.visitor_months"])
    status = np.where(overstay, ST_IRREGULAR, status)
    regime = eco.levers.regime[pop.origin[rows], LOCATION_COUNTRY[pop.location[rows]]]
    unauthorised = (status == ST_VISITOR) | (status == ST_IRREGULAR)
    hazard = s["legal.patent_hazard"] / eco.levers.patent_processing
    regularise = unauthorised & (regime == R_PATENT) & (draws.uniform(D.REGULARISE, rows) < hazard)
    status = np.where(regularise, ST_PATENT, status)
    pop.status[rows] = status.astype(np.int8)


def _move_on(model: "MigrationModel", cond: Conditions, rows: np.ndarray, draws: Draws) -> None:
    """Leave for another country: a logit choice among the others, with no option to stay.

    Having moved on, a worker's plan is carried out: the intention is drawn afresh in the
    new country, or movers-on would wander from country to country for good.
    """
    if len(rows) == 0:
        return
    pop = model.population
    v = utilities(model, cond, rows)
    here = LOCATION_COUNTRY[pop.location[rows]]
    v[ALT_COUNTRY[None, :] == here[:, None]] = -np.inf
    probs = decisions.choice_probabilities(v, with_stay=False)
    pick = decisions.choose(probs, draws.uniform(D.MOVE_ON_DESTINATION, rows))
    go = pick != decisions.STAY
    moved = rows[go]
    arrive(model, cond, moved, pick[go] + 1, draws, new_trip=False)
    pop.intention[moved] = _draw_intentions(model.params, pop.female[moved],
                                            draws.uniform(D.INTENTION_AFTER_MOVE_ON, moved))


# --- 6. month end: clocks, ageing, retirement --------------------------------------------------
def end_of_month(model: "MigrationModel") -> None:
    """Advance every worker's clocks; retirees at home are replaced by young workers."""
    pop = model.population
    np.minimum(pop.months_here + 1, np.iinfo(np.int16).max, out=pop.months_here)
    searching = (pop.location != HOME) & (pop.job_sector < 0)
    pop.months_unemployed[searching] += 1
    waiting = pop.cooldown > 0
    pop.cooldown[waiting] -= 1
    pop.age += np.float32(1 / 12)
    retire = np.flatnonzero((pop.age >= model.params["population.age_max"]) & (pop.location == HOME))
    if len(retire):
        from .population import draw_attributes

        draw_attributes(pop, retire, model.params, model.economy.home_wage,
                        lambda name: model.streams.uniform(D.DRAWS[f"renewal.{name}"], model.month_counter, retire))
        pop.age[retire] = np.float32(model.params["population.age_min"])
        pop.status[retire] = ST_HOME

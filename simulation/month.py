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
from typing import TYPE_CHECKING

import numpy as np

from . import arrival, decisions, kernels, selections, tie_passes, work
from . import streams as D
from .population import draw_attributes
from .streams import Draw, Draws
from .world import (
    CH_NETWORK_BEFORE,
    DEST_COUNTRIES,
    HOME,
    LOCATION_COUNTRY,
    ORIGINS,
    REGIMES,
    ST_HOME,
)

if TYPE_CHECKING:
    from .model import MigrationModel

KAZ = DEST_COUNTRIES.index("KAZ")
NEED_PER_DEPENDANT = 0.25  # by the definition of behaviour.beta_need (kernels.MAX_NEED_LEVEL: quarter steps)
AGE_FROM = 35.0  # years: by the definition of behaviour.beta_age ("per decade over 35")
YOUTH_UNTIL = 25.0  # years: by the definition of behaviour.beta_youth ("per decade under 25")
SKILLED = 2  # education code of tertiary-educated workers: the quota's "skilled" category
R_PATENT, R_QUOTA = REGIMES.index("patent"), REGIMES.index("quota")


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
    start_location: np.ndarray | None = None  # where every worker was (a job lined up comes through contacts there)
    acquaintances: np.ndarray | None = None  # (origins, locations) weak ties who help find work there
    quota_slots_by_category: np.ndarray | None = None  # [other, skilled] when the quota has categories
    redirect_tables: tuple | None = None  # choice tables without quota corridors (made when first needed)


def month_conditions(model: "MigrationModel") -> Conditions:
    """Harris-Todaro expected wages and hiring conditions from the state at month start."""
    s, eco, pop = model.params, model.economy, model.population
    by_origin, employed, holders = kernels.abroad_counts(pop.location, pop.job_sector, pop.status, pop.education,
                                                         SKILLED, pop.origin, len(ORIGINS))
    prior = s["behaviour.employment_prior_persons"] / pop.scale  # in agents: the same weight at any scale
    wage_term, crowding = kernels.market_terms(by_origin, employed, prior, eco.dest_unemployment, pop.scale,
                                               eco.capacity, eco.location_wage, _COUNTRY_OR_KAZ)
    hiring = np.exp(crowding)[_COUNTRY_OR_KAZ] * eco.demand_index()
    log_wage = np.log(wage_term)[1:]
    quota_corridor = eco.quota_corridor()
    # permits in agents, rounded to the nearest: truncating lost up to one agent's worth of permits,
    # a twentieth of the quota at 10,000 agents
    slots = max(int(round(eco.levers.quota / pop.scale)) - int(holders.sum()), 0)
    by_category = None
    if eco.levers.quota_categories is not None:
        by_category = np.maximum(np.rint(eco.levers.quota_categories / pop.scale).astype(np.int64) - holders, 0)
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
        start_location=pop.location.copy(),
        acquaintances=work.acquaintances_at(model, by_origin / np.maximum(pop.origin_size, 1)[:, None]),
        quota_slots_by_category=by_category,
    )


_COUNTRY_OR_KAZ = np.maximum(LOCATION_COUNTRY, 0)  # each location's country, home counted as Kazakhstan's


# --- moving, with the flow recorded ---------------------------------------------------
def relocate(model: "MigrationModel", rows: np.ndarray, new_location: np.ndarray) -> None:
    """Move workers, record the flow and update their contacts' counts by location."""
    if len(rows) == 0:
        return
    pop = model.population
    tie_passes.relocate(np.asarray(rows, dtype=np.int64), np.asarray(new_location, dtype=np.int64), pop.origin,
                     pop.location, pop.months_here, pop.tie_start, pop.ties, pop.contacts, model.totals.flows)


def go_home(model: "MigrationModel", rows: np.ndarray, cooldown: int, visit: bool, draws: Draws | None = None
            ) -> None:
    """Workers go home (for good, deported, or on a visit), leaving their status and, but for
    the jobs held over a visit (`work.jobs_given_up`, drawn with `draws`), their job."""
    if len(rows) == 0:  # most months, for one or another of the reasons
        return
    pop = model.population
    leaving = rows
    if visit:
        pop.visit_dest[rows] = pop.location[rows]
        leaving = work.jobs_given_up(model, rows, draws)
    relocate(model, rows, np.full(len(rows), HOME))
    work.leave_job(pop, leaving)
    pop.status[rows] = ST_HOME
    pop.months_unemployed[rows] = 0
    pop.cooldown[rows] = cooldown


def scale_held_wages(model: "MigrationModel", factor: np.ndarray) -> None:
    """The USD value of wages abroad moves by factor[destination country]: jobs held there, or
    waiting there over a visit home (`work.job_country`), are paid in local currency."""
    pop = model.population
    held = np.flatnonzero(pop.job_sector >= 0)
    pop.wage[held] = (pop.wage[held] * factor[work.job_country(pop, held)]).astype(np.float32)


# --- 2. at home: work, and the decision to leave ----------------------------------------
def work_at_home(model: "MigrationModel", rows: np.ndarray, draws: Draws) -> None:
    """Workers at home lose or find work (steady state at the pool's unemployment), earn and save."""
    pop, eco, s = model.population, model.economy, model.params
    rows = selections.home_rows(rows, pop.location)
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
    # provider (behaviour.beta_need), age weighs per decade over 35 (behaviour.beta_age) and
    # under 25 (behaviour.beta_youth: migration schedules peak in the mid-twenties); the
    # choice kernel (kernels.py) tabulates need in the same quarter steps.
    need = pop.provider[rows] + NEED_PER_DEPENDANT * pop.dependants[rows]
    gain_weight = s["behaviour.beta_income"] * (1 + s["behaviour.beta_need"] * need)
    female = pop.female[rows]
    personal = (female * (s["behaviour.beta_female"] + s["behaviour.beta_care"] * (pop.dependants[rows] > 0))
                + s["behaviour.beta_age"] * np.maximum(pop.age[rows] - AGE_FROM, 0.0) / 10.0
                + s["behaviour.beta_youth"] * np.maximum(YOUTH_UNTIL - pop.age[rows], 0.0) / 10.0)
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
    cool-down after returning (or a re-entry ban), and those not yet (or no longer) in their
    origin's pool (`pools.py`), do not consider leaving; workers waiting
    for a quota permit ask for one again, in the month's one queue for quota permits.
    """
    pop, s = model.population, model.params
    visiting, waiting, deciders = selections.visitors_and_deciders(
        rows, pop.location, pop.visit_dest, pop.cooldown, pop.permit_wait, pop.origin, pop.pool_rank,
        model.pools.share_of_peak(model.absolute_month))
    waiting, waiting_dest = _still_waiting(model, cond, waiting)

    # A short quota does not remove the demand for quota corridors: workers still choose
    # them, and those refused a permit wait for one (legal.quota_wait_months), then come anyway
    # without one, or choose again among the other destinations and staying (by the logit's
    # independence of irrelevant alternatives, the same as choosing with the quota corridors closed).
    pick = _choose(model, cond, deciders, draws, D.CHOOSE_DESTINATION, tables=_choice_tables(model, cond, cond.open))
    go = np.flatnonzero(pick != decisions.STAY)  # positions, not a mask: most of the deciders stay
    movers, targets = deciders[go], pick[go] + 1  # alternative k is location k + 1
    needs_quota = cond.quota_corridor[pop.origin[movers], targets - 1]
    skilled = _skilled_asking(model, movers, targets, draws)

    # Visitors who go back this month: those whose quota permit lapsed on the visit need a free one.
    back_rows, back_dest, back_needs = _going_back(model, cond, visiting, draws)

    # One queue for the month's free permits: those waiting, new applicants of quota corridors,
    # skilled workers of patent corridors and visitors going back to a quota corridor, in one
    # random order. Any priority among them makes the split depend on the number of agents: the
    # one or two permits freed in a month at 10,000 agents went to whoever came first in the
    # order, and the others had only what was left (with those waiting first, Chinese held 96% of
    # the permits at 10,000 agents and 92% at 100,000; with visitors last, the visitors, all
    # Chinese, took 40% of the month's permits at 10,000 agents and 17% at 300,000).
    asking = np.flatnonzero(needs_quota | skilled)
    visitors_asking = np.flatnonzero(back_needs)
    granted = _grant_quota(model, cond, np.concatenate([waiting, movers[asking], back_rows[visitors_asking]]), draws)
    waiting_granted = granted[:len(waiting)]
    visitors_granted = granted[len(waiting) + len(asking):]
    granted = granted[len(waiting):len(waiting) + len(asking)]
    skilled_granted = np.zeros(len(movers), bool)
    skilled_granted[asking[granted & skilled[asking]]] = True
    if len(waiting):
        _waiting_answered(model, cond, waiting, waiting_dest, waiting_granted, draws)

    irregular = np.zeros(len(movers), bool)
    refused = asking[~granted & needs_quota[asking]]
    if len(refused):
        wait = s["legal.quota_wait_months"]
        if wait > 0:  # they stay home and wait; the others go
            pop.permit_wait[movers[refused]] = targets[refused]
            pop.cooldown[movers[refused]] = wait
            keep = np.ones(len(movers), bool)
            keep[refused] = False
            movers, targets, skilled_granted = movers[keep], targets[keep], skilled_granted[keep]
            irregular = irregular[keep]
        else:
            movers, targets, irregular, skilled_granted = _refused(
                model, cond, movers, targets, irregular, refused, draws, skilled_granted)
    arrive(model, cond, movers, targets, draws, new_trip=True, irregular=irregular, skilled_granted=skilled_granted)

    # Visitors go back to their destination; those refused a permit stay home and ask again.
    goes = np.ones(len(back_rows), bool)
    goes[visitors_asking[~visitors_granted]] = False
    arrive(model, cond, back_rows[goes], back_dest[goes], draws, new_trip=False)


def _going_back(model: "MigrationModel", cond: Conditions, visiting: np.ndarray,
                draws: Draws) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The visitors who go back this month (`mobility.visit_end_rate`, if they can pay the move
    and the border is open), where to, and which of them need a free quota permit (a quota
    permit lapses on the visit home)."""
    pop = model.population
    return selections.going_back(
        visiting, draws.uniform(D.VISIT_END, visiting),
        kernels.as_numpy_threshold(model.params["mobility.visit_end_rate"], np.float32),
        pop.visit_dest, pop.origin, pop.savings, cond.cost, cond.open, cond.quota_corridor)


def _skilled_asking(model: "MigrationModel", rows: np.ndarray, dest: np.ndarray, draws: Draws) -> np.ndarray:
    """Which of the workers arriving at `dest` are skilled workers of a patent corridor into
    Kazakhstan who ask for a free quota permit (`legal.quota_skilled_take_up`)."""
    pop = model.population
    return selections.skilled_asking(
        np.asarray(rows, dtype=np.int64), np.asarray(dest, dtype=np.int64), draws.uniform(D.SKILLED_QUOTA, rows),
        pop.origin, pop.education, model.economy.levers.regime, R_PATENT, KAZ, SKILLED,
        kernels.as_numpy_threshold(model.params["legal.quota_skilled_take_up"], np.float32))


def _still_waiting(model: "MigrationModel", cond: Conditions, waiting: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Those waiting for a quota permit who still want it, and where to; the others give up.

    Why a wait: a permit is an agent's worth of permits (about 1,500 at 10,000 agents), and
    refusing at once whoever found none free made chance mismatches into refusals a country's
    tens of thousands of permits do not see (seven times as many a month at 10,000 agents as
    at 100,000). Waiting lets a chance shortage clear; a quota short of demand still refuses.
    """
    if len(waiting) == 0:  # most months
        return waiting, waiting.astype(np.int64)
    pop = model.population
    dest = pop.permit_wait[waiting].astype(np.int64)
    origin = pop.origin[waiting]
    still_wanted = (pop.savings[waiting] >= cond.cost[origin, dest - 1]) & cond.open[origin, dest - 1]
    pop.permit_wait[waiting[~still_wanted]] = 0  # the move no longer affordable, or the border closed: they give up
    pop.cooldown[waiting[~still_wanted]] = 0
    return waiting[still_wanted], dest[still_wanted]


def _waiting_answered(model: "MigrationModel", cond: Conditions, waiting: np.ndarray, dest: np.ndarray,
                      granted: np.ndarray, draws: Draws) -> None:
    """Those waiting who got a permit go; those who waited the whole time are refused."""
    pop = model.population
    gave_up = ~granted & (pop.cooldown[waiting] == 0)  # waited the whole time
    done = granted | gave_up
    pop.permit_wait[waiting[done]] = 0
    movers, targets = waiting[done], dest[done]
    irregular = np.zeros(len(movers), bool)
    refused = np.flatnonzero(gave_up[done])
    if len(refused):
        movers, targets, irregular = _refused(model, cond, movers, targets, irregular, refused, draws)
    arrive(model, cond, movers, targets, draws, new_trip=True, irregular=irregular)


def _refused(model: "MigrationModel", cond: Conditions, movers: np.ndarray, targets: np.ndarray,
             irregular: np.ndarray, refused: np.ndarray, draws: Draws, *carried: np.ndarray) -> tuple:
    """The movers refused a quota permit (indices into `movers`) come anyway without one, or
    choose again without the quota corridors; returns the movers, targets and irregular mask
    of those who still go, and any `carried` per-mover arrays for them."""
    pop, s = model.population, model.params
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
        carried = tuple(c[keep] for c in carried)
    return (movers, targets, irregular) + tuple(carried)


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
        s["behaviour.beta_network"], s["behaviour.beta_female"], s["behaviour.beta_care"], s["behaviour.beta_age"],
        s["behaviour.beta_youth"])


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
           new_trip: bool, irregular: np.ndarray | None = None, skilled_granted: np.ndarray | None = None) -> None:
    """Pay the move, enter with the status the corridor allows, maybe with a job lined up.

    `irregular` marks arrivals who come without the permit their corridor requires;
    `skilled_granted`, when given, the skilled workers of patent corridors who were granted
    a quota permit in the month's queue (otherwise they ask here, on arrival). The status,
    and on a new trip the intention and remittance habits, follow `arrival.enter`.
    """
    if len(rows) == 0:
        return
    s, pop, eco = model.params, model.population, model.economy
    rows, dest = np.asarray(rows, dtype=np.int64), np.asarray(dest, dtype=np.int64)
    # A job lined up before leaving comes through contacts already at the destination, not
    # through those who leave the same month: counted where they were when the month's
    # conditions were fixed.
    chance = s["labour.job_network_before"] * decisions.network_job_chance(
        work.job_contacts(model, rows, dest, where=cond.start_location), s["labour.network_saturation"])
    u = draws.uniforms(_NEW_TRIP_DRAWS if new_trip else _RETURN_TRIP_DRAWS, rows)

    # Skilled workers from patent corridors may take a free quota permit in Kazakhstan.
    if skilled_granted is not None:
        quota = skilled_granted
    else:
        quota = _skilled_asking(model, rows, dest, draws)
        if quota.any():
            asking = np.flatnonzero(quota)
            quota[asking[~_grant_quota(model, cond, rows[asking], draws)]] = False
    p_remit = _EMPTY if not new_trip else decisions.remit_probability(  # the chance of sending money home
        s["remittances.remit_intercept"] + eco.remit_origin_shift[pop.origin[rows]]
        + eco.remit_destination_shift[LOCATION_COUNTRY[dest]], pop.provider[rows], pop.dependants[rows],
        pop.female[rows], s["remittances.remit_provider"], s["remittances.remit_dependants"],
        s["remittances.remit_female"])
    as_f32 = lambda x: kernels.as_numpy_threshold(x, np.float32)  # noqa: E731  (thresholds of float32 uniforms)
    # Back from a visit home to a job that waited for them (`go_home`): `settle` clears the job
    # of every arrival, so it is put back after, and no other job is lined up.
    held = _EMPTY_ROWS if new_trip else np.flatnonzero((pop.location[rows] == HOME) & (pop.job_sector[rows] >= 0))
    held_jobs = work.job_terms(pop, rows[held]) if len(held) else None
    # Who begins a stay in Kazakhstan, the move, the job left, then the status and
    # on a new trip the intention and remittance habits (`arrival.enter`): one compiled call.
    lined_up = arrival.settle(
        rows, dest, new_trip, model.totals.stays_begun,
        pop.origin, pop.location, pop.months_here, pop.tie_start, pop.ties, pop.contacts, model.totals.flows,
        pop.job_sector, pop.contract, pop.pension, pop.paid_leave, pop.channel, pop.wage,
        u, chance, quota, np.zeros(len(rows), bool) if irregular is None else irregular, new_trip, p_remit,
        cond.cost, eco.levers.regime, eco.levers.patent_take_up, float(eco.levers.patent_processing),
        as_f32(s["legal.visa_regular_share"]), as_f32(s["legal.visa_free_permit_share"]),
        arrival.intention_shares(s), *arrival.remittance_bands(s),
        pop.origin, pop.female, pop.savings, pop.visit_dest, pop.permit_wait, pop.months_unemployed, pop.status,
        pop.trips, pop.months_on_trip, pop.intention, pop.remitter, pop.remit_share)
    if held_jobs is not None:
        work.restore_jobs(pop, rows[held], held_jobs)
        lined_up[held] = False
    work.start_jobs(model, rows[lined_up], np.full(int(lined_up.sum()), CH_NETWORK_BEFORE), draws)


_EMPTY = np.zeros(0)  # no chance of remitting on a return trip (`arrival.enter` reads it on new trips only)
_EMPTY_ROWS = np.zeros(0, np.int64)


# `arrive`'s draws, in this order: legal status, then on a new trip the intention and remittance
# habits, and a job lined up before leaving
_NEW_TRIP_DRAWS = (D.STATUS_ON_ARRIVAL, D.INTENTION_ON_ARRIVAL, D.REMITTER, D.REMIT_BAND, D.REMIT_SHARE,
                   D.JOB_LINED_UP)
_RETURN_TRIP_DRAWS = (D.STATUS_ON_ARRIVAL, D.JOB_LINED_UP)


def draw_intentions(s, female: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Circulate, return, stay or move on, by the survey shares (women stay more often)."""
    return arrival.intentions(np.asarray(female, dtype=np.bool_), u, arrival.intention_shares(s))


# --- 6. month end: clocks, ageing, retirement --------------------------------------------------
RENEWAL_DRAWS = tuple(D.DRAWS[f"renewal.{name}"] for name in D.ATTRIBUTES)


def end_of_month(model: "MigrationModel") -> None:
    """Advance every worker's clocks; retirees at home are replaced by young workers."""
    pop = model.population
    retire = kernels.advance_clocks(pop.months_here, pop.months_on_trip, pop.months_unemployed, pop.cooldown,
                                    pop.age, pop.location, pop.job_sector,
                                    kernels.as_numpy_threshold(model.params["population.age_max"], np.float32))
    if len(retire):
        work.leave_job(pop, retire)  # a job held over a visit home ends with the worker's working life
        draw_attributes(pop, retire, model.params, model.economy.home_wage,
                        model.streams.uniforms(RENEWAL_DRAWS, model.month_counter, retire))
        pop.age[retire] = np.float32(model.params["population.age_min"])
        pop.status[retire] = ST_HOME

"""What dated policy levers and shocks do: begin, act each month of their window, finish.

The schema of each kind (its settings, window and checks) is in `events.py`; here is
its behaviour, as an `Action` per kind: `begin` at the first month of the window,
`monthly` at each month of it (the first included), `finish` after its last month.
Levers live in `model.levers` (`levers.Levers`: quota, fees, enforcement, corridor
regimes and closures, fee caps, wage and demand factors), initialised from the
scenario's parameters, so the month's kernels read what is in force; workers move only through
the month's public steps (`month.arrive`, `month.go_home`, `work.leave_job`), so
stocks still change only by recorded flows.

Random effects of events (who relocates, who is laid off, who hears of a campaign)
draw from a key of the event's own (`Streams.event_uniform`), by month and worker,
so they do not disturb any other stream or event. Overlapping windows on the same
lever: a multiplicative factor (exchange rates, sector demand) combines and unwinds
exactly; a value that is set (quota, fees, rates) is restored at the end to what the
event found when it began, so two windows that set the same lever may nest but not cross
(the scenario is refused: `events._check_no_overlap`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Callable

import numpy as np

from . import decisions, month, work
from .events import KINDS, Event
from .levers import Levers
from .world import (
    DEST_COUNTRIES,
    HOME,
    KAZ_LOCATIONS,
    LOCATION_COUNTRY,
    ORIGINS,
    REGIMES,
    REGIONS,
    SECTORS,
    ST_EAEU,
    ST_IRREGULAR,
    ST_PATENT,
    ST_VISITOR,
)

if TYPE_CHECKING:
    from .model import MigrationModel

KAZ = DEST_COUNTRIES.index("KAZ")
RUS = DEST_COUNTRIES.index("RUS")


@dataclass(frozen=True)
class Action:
    """What an event kind does: at the start of its window, each month of it, and after it."""

    begin: Callable | None = None
    monthly: Callable | None = None
    finish: Callable | None = None


# --- helpers ---------------------------------------------------------------------------
def _idx(names, vocabulary) -> np.ndarray:
    return np.array([vocabulary.index(n) for n in names], dtype=np.int64)


def _locations(places) -> np.ndarray:
    out: list[int] = []
    for p in places:
        if p == "KAZ":
            out.extend(int(x) for x in KAZ_LOCATIONS)
        elif p in REGIONS:
            out.append(1 + REGIONS.index(p))
        else:
            out.append(1 + len(REGIONS) + DEST_COUNTRIES.index(p) - 1)
    return np.array(sorted(set(out)), dtype=np.int64)


def _shock(model: "MigrationModel", ev: Event, rows: np.ndarray, k: int = 0) -> np.ndarray:
    """The event's k-th draw this month: a key of its own per event, so no two events share draws."""
    return model.streams.event_uniform(ev.index, k, model.month_counter, rows)


def _in_kaz(model: "MigrationModel") -> np.ndarray:
    pop = model.population
    return (LOCATION_COUNTRY[pop.location] == KAZ) & (pop.origin != ORIGINS.index("KAZ"))


def _scale_wages(model: "MigrationModel", country: int, factor: float) -> None:
    change = np.ones(len(DEST_COUNTRIES))
    change[country] = factor
    month.scale_held_wages(model, change)


# --- levers ----------------------------------------------------------------------------
def _begin_changing(model, ev):
    """The levers the event's kind replaces (`events.Kind.levers_replaced`), saved so that its
    end restores exactly those; the scenario's check refuses two such windows that cross."""
    names = KINDS[ev.kind].levers_replaced
    if not names:  # `snapshot()` with no names saves every lever, and the end would put them all back
        raise RuntimeError(f"event kind '{ev.kind}' changes levers but names none in events.KINDS (replaces=...)")
    ev.state["levers"] = model.levers.snapshot(*names)
    return model.levers


def _restore_levers(model, ev):
    model.levers.restore(ev.state["levers"])


def _quota_begin(model, ev):
    lev, s = _begin_changing(model, ev), ev.settings
    if s["skilled"] is not None:
        lev.quota_categories = np.array([s["other"], s["skilled"]], dtype=float)
        lev.quota = float(s["other"] + s["skilled"])
    else:
        lev.quota_categories = None
        lev.quota = float(s["total"])


_FEES = {"patent_monthly_usd": "patent_fee", "processing_months": "patent_processing"}
_DOCS = {"patent_entry_usd": REGIMES.index("patent"), "permit_entry_usd": REGIMES.index("quota")}


def _fees_begin(model, ev):
    lev = _begin_changing(model, ev)
    for key, attr in _FEES.items():
        if ev.settings[key] is not None:
            setattr(lev, attr, float(ev.settings[key]))
    for key, regime in _DOCS.items():
        if ev.settings[key] is not None:
            lev.document_cost[regime] = float(ev.settings[key])


def _enforcement_begin(model, ev):
    lev, s = _begin_changing(model, ev), ev.settings
    if s["deportation_rate"] is not None:
        lev.deportation_rate = float(s["deportation_rate"])
    if s["deportation_factor"] is not None:
        lev.deportation_rate = min(lev.deportation_rate * s["deportation_factor"], 1.0)
    if s["inspection_rate"] is not None:
        lev.inspection_rate = float(s["inspection_rate"])
    if s["reentry_ban_months"] is not None:
        lev.reentry_ban = int(s["reentry_ban_months"])


def _amnesty_monthly(model, ev, k):
    pop = model.population
    status = pop.status
    eligible = np.flatnonzero(_in_kaz(model) & ((status == ST_IRREGULAR) | (status == ST_VISITOR))
                              & np.isin(pop.origin, _idx(ev.settings["origins"], ORIGINS)))
    legal = eligible[_shock(model, ev, eligible, 0) < ev.settings["monthly_take_up"]]
    pop.status[legal] = ST_PATENT
    model.totals.amnestied += len(legal) * pop.scale


def _minimum_wage_begin(model, ev):
    lev, pop, s = _begin_changing(model, ev), model.population, model.params
    lev.minimum_wage = float(ev.settings["usd"])
    # Contract jobs already paying less (held over a visit home too): employers raise the wage or drop the contract.
    held = np.flatnonzero((pop.job_sector >= 0) & pop.contract & (pop.wage < lev.minimum_wage)
                          & (pop.origin != ORIGINS.index("KAZ")))
    held = held[work.job_country(pop, held) == KAZ]
    comply = _shock(model, ev, held, 0) < s["labour.minimum_wage_compliance"]
    pop.wage[held[comply]] = np.float32(lev.minimum_wage)
    dropped = held[~comply]
    pop.contract[dropped] = False
    pop.pension[dropped] = False
    pop.paid_leave[dropped] = False
    pop.wage[dropped] = (pop.wage[dropped] * s["labour.informal_wage_factor"]).astype(np.float32)


def _entry_begin(model, ev):
    lev, pop = _begin_changing(model, ev), model.population
    o, c = _idx(ev.settings["origins"], ORIGINS), _idx(ev.settings["destinations"], DEST_COUNTRIES)
    lev.regime[np.ix_(o, c)] = REGIMES.index(ev.settings["regime"])
    if ev.settings["regime"] == "eaeu":  # free movement covers those already there
        there = (pop.location != HOME) & np.isin(pop.origin, o) & np.isin(LOCATION_COUNTRY[pop.location], c)
        pop.status[there] = ST_EAEU


def _recruitment_begin(model, ev):
    lev = _begin_changing(model, ev)
    pop, s = model.population, ev.settings
    o, c = ORIGINS.index(s["origin"]), DEST_COUNTRIES.index(s["destination"])
    lev.agency_factor[o, c] *= s["agency_factor"]
    lev.cost_covered[o, c] = s["cost_covered"]
    lev.patent_take_up[o, c] = max(lev.patent_take_up[o, c], s["legal_share"])
    unaware = np.flatnonzero((pop.origin == o) & ~pop.knows_agencies)
    pop.knows_agencies[unaware[_shock(model, ev, unaware, 0) < s["reach"]]] = True


def _campaign_begin(model, ev):
    pop, s = model.population, ev.settings
    where = {"home": pop.location == HOME, "abroad": pop.location != HOME,
             "all": np.ones(pop.n, bool)}[s["where"]]
    unaware = np.flatnonzero(where & ~pop.knows_agencies & np.isin(pop.origin, _idx(s["origins"], ORIGINS)))
    pop.knows_agencies[unaware[_shock(model, ev, unaware, 0) < s["reach"]]] = True


def _formalisation_begin(model, ev):
    lev, pop, s = _begin_changing(model, ev), model.population, ev.settings
    lev.contract_factor_kaz *= s["contract_factor"]
    status = pop.status
    informal = np.flatnonzero(_in_kaz(model) & (pop.job_sector >= 0) & ~pop.contract
                              & (status != ST_VISITOR) & (status != ST_IRREGULAR))
    done = informal[_shock(model, ev, informal, 0) < s["share"]]
    pop.contract[done] = True
    factor = np.float32(max(model.params["labour.informal_wage_factor"], 1e-6))
    pop.wage[done] = (pop.wage[done] / factor).astype(np.float32)


def _fee_begin(model, ev):
    lev, s = _begin_changing(model, ev), ev.settings
    c, o = DEST_COUNTRIES.index(s["country"]), _idx(s["origins"], ORIGINS)
    if s["percent"] is not None:
        lev.fee_corridor[c, o] = s["percent"] / 100
    else:
        lev.fee_corridor[c, o] = np.minimum(lev.fee_corridor[c, o], s["cap_percent"] / 100)


def _channel_begin(model, ev):
    lev, s = _begin_changing(model, ev), ev.settings
    lev.remit_capacity[DEST_COUNTRIES.index(s["country"]), _idx(s["origins"], ORIGINS)] = s["capacity"]


# --- shocks ----------------------------------------------------------------------------
def _apply_exchange(model, country: str, factor: float) -> None:
    eco = model.economy
    if country in ORIGINS:
        model.levers.wage_factor_home[ORIGINS.index(country)] *= factor
    if country in DEST_COUNTRIES:
        model.levers.wage_factor_dest[DEST_COUNTRIES.index(country)] *= factor
        _scale_wages(model, DEST_COUNTRIES.index(country), factor)
    eco.rescale_wages()


def _exchange_begin(model, ev):
    _apply_exchange(model, ev.settings["country"], 1 + ev.settings["change_percent"] / 100)


def _exchange_finish(model, ev):
    _apply_exchange(model, ev.settings["country"], 1 / (1 + ev.settings["change_percent"] / 100))


def _relocation_begin(model, ev, *, origin=None, share=None, months=None, men_only=None, age_max=None):
    """Pick who relocates (at home, of the origin) and in which month of the wave."""
    pop, s = model.population, ev.settings
    origin = s["origin"] if origin is None else origin
    share = s["share"] if share is None else share
    months = int(s["months"] if months is None else months)
    men_only = s["men_only"] if men_only is None else men_only
    age_max = s["age_max"] if age_max is None else age_max
    eligible = (pop.origin == ORIGINS.index(origin)) & (pop.location == HOME) & (pop.visit_dest == 0)
    eligible &= pop.age <= age_max
    if men_only:
        eligible &= ~pop.female
    rows = np.flatnonzero(eligible)
    chosen = rows[_shock(model, ev, rows, 0) < share]
    ev.state["wave"] = chosen
    ev.state["wave_month"] = np.minimum((_shock(model, ev, chosen, 1) * months).astype(np.int64), months - 1)
    ev.state["moved"] = []


def _relocation_monthly(model, ev, k, destination=None):
    pop = model.population
    wave = ev.state.get("wave")
    if wave is None:
        return
    rows = wave[(ev.state["wave_month"] == k)]
    rows = rows[(pop.location[rows] == HOME)]
    if len(rows) == 0:
        return
    place = ev.settings.get("destination", "KAZ") if destination is None else destination
    locs = _locations([place])
    if len(locs) > 1:  # across Kazakhstan's regions: by demand, nearer regions first
        eco = model.economy
        o = pop.origin[rows]
        affinity = np.exp(model.params["behaviour.region_affinity"] * eco.near_region[o])
        weights = eco.region_demand[None, :] * affinity
        dest = locs[decisions.draw_by_shares(_shock(model, ev, rows, 2), weights)]
    else:
        dest = np.full(len(rows), locs[0])
    cond = month.month_conditions(model)
    month.arrive(model, cond, rows, dest, model.draws, new_trip=True)
    ev.state["moved"].append(rows)
    model.totals.relocated += len(rows) * pop.scale


def _relocation_finish(model, ev, return_share=None):
    pop = model.population
    share = ev.settings.get("return_share", 0.0) if return_share is None else return_share
    if not ev.state.get("moved") or share <= 0:
        return
    moved = np.concatenate(ev.state["moved"])
    still = moved[pop.location[moved] != HOME]
    back = still[_shock(model, ev, still, 3) < share]
    month.go_home(model, back, cooldown=model.params["mobility.cooldown_months"], visit=False)


def _sanctions_begin(model, ev):
    eco, s = model.economy, ev.settings
    rouble = 1 + s["rouble_change_percent"] / 100
    real = 1 + s["real_wage_change_percent"] / 100
    ev.state["factors"] = (rouble, real)
    _apply_exchange(model, "RUS", rouble)
    model.levers.wage_factor_dest[RUS] *= real
    _scale_wages(model, RUS, real)
    eco.rescale_wages()
    lev = _begin_changing(model, ev)
    lev.remit_capacity[RUS, :] = np.minimum(lev.remit_capacity[RUS, :], s["channel_capacity"])
    _relocation_begin(model, ev, origin="RUS", share=s["relocation_share"], months=s["relocation_months"],
                      men_only=False, age_max=model.params["population.age_max"])


def _sanctions_monthly(model, ev, k):
    _relocation_monthly(model, ev, k, destination="KAZ")


def _sanctions_finish(model, ev):
    eco = model.economy
    rouble, real = ev.state["factors"]
    _apply_exchange(model, "RUS", 1 / rouble)
    model.levers.wage_factor_dest[RUS] /= real
    _scale_wages(model, RUS, 1 / real)
    eco.rescale_wages()
    _restore_levers(model, ev)  # the channels
    _relocation_finish(model, ev, return_share=ev.settings["return_share"])


def _closure_begin(model, ev):
    s = ev.settings
    o, c = _idx(s["origins"], ORIGINS), _idx(s["destinations"], DEST_COUNTRIES)
    model.levers.closed[np.ix_(o, c)] += 1
    lev = _begin_changing(model, ev)
    lev.exit_factor[c] = np.minimum(lev.exit_factor[c], s["exit_factor"])


def _closure_finish(model, ev):
    s = ev.settings
    o, c = _idx(s["origins"], ORIGINS), _idx(s["destinations"], DEST_COUNTRIES)
    model.levers.closed[np.ix_(o, c)] -= 1
    _restore_levers(model, ev)  # the exit factors


def _demand_begin(model, ev):
    pop, s = model.population, ev.settings
    locs, sectors = _locations(s["places"]), _idx(s["sectors"], SECTORS)
    model.levers.demand_factor[np.ix_(locs, sectors)] *= s["factor"]
    if s["factor"] < 1 and s["layoffs"]:
        held = np.flatnonzero(np.isin(pop.location, locs) & np.isin(pop.job_sector, sectors))
        lost = held[_shock(model, ev, held, 0) < 1 - s["factor"]]
        work.leave_job(pop, lost)


def _demand_finish(model, ev):
    s = ev.settings
    model.levers.demand_factor[np.ix_(_locations(s["places"]), _idx(s["sectors"], SECTORS))] /= s["factor"]


# --- the catalogue -----------------------------------------------------------------------


ACTIONS: dict[str, Action] = {
    "quota": Action(_quota_begin, finish=_restore_levers),
    "fees": Action(_fees_begin, finish=_restore_levers),
    "enforcement": Action(_enforcement_begin, finish=_restore_levers),
    "amnesty": Action(monthly=_amnesty_monthly),
    "minimum_wage": Action(_minimum_wage_begin, finish=_restore_levers),
    "entry": Action(_entry_begin, finish=_restore_levers),
    "recruitment": Action(_recruitment_begin, finish=_restore_levers),
    "remittance_fee": Action(_fee_begin, finish=_restore_levers),
    "remittance_channel": Action(_channel_begin, finish=_restore_levers),
    "information_campaign": Action(_campaign_begin),
    "formalisation": Action(_formalisation_begin, finish=_restore_levers),
    "exchange_rate": Action(_exchange_begin, finish=_exchange_finish),
    "sanctions": Action(_sanctions_begin, monthly=_sanctions_monthly, finish=_sanctions_finish),
    "relocation": Action(_relocation_begin, monthly=_relocation_monthly, finish=_relocation_finish),
    "mobilisation": Action(_relocation_begin, monthly=_relocation_monthly, finish=_relocation_finish),
    "border_closure": Action(_closure_begin, finish=_closure_finish),
    "sector_demand": Action(_demand_begin, finish=_demand_finish),
}


def _set_levers(model, ev):
    """The common action of kinds that only set levers (`Kind.sets`): set them, to be restored."""
    sets = KINDS[ev.kind].sets
    lev = _begin_changing(model, ev)
    for setting, lever in sets.items():
        if ev.settings[setting] is not None:
            setattr(lev, lever, type(getattr(lev, lever))(ev.settings[setting]))


ACTIONS.update({name: Action(_set_levers, finish=_restore_levers)
                for name, kind in KINDS.items() if kind.sets and name not in ACTIONS})
if set(ACTIONS) != set(KINDS):
    raise RuntimeError(f"event kinds without actions, or actions without a kind: {set(ACTIONS) ^ set(KINDS)}")
_NOT_LEVERS = {f for kind in KINDS.values() for f in kind.levers_replaced} - {f.name for f in fields(Levers)}
if _NOT_LEVERS:
    raise RuntimeError(f"event kinds name levers that `Levers` does not have: {sorted(_NOT_LEVERS)}")

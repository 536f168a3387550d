"""Dated policy levers and shocks: a scenario's `[[events]]` timeline as Mesa events.

Each `[[events]]` table names a `kind`, a `date` (or a `start` and an optional
`end`, both YYYY-MM, the end month included) and that kind's settings. Tables are
validated against `KINDS` (unknown kinds and keys, bad dates, values out of range
stop the load with a `ScenarioError` naming the file, the event and the key), then
turned into `model.schedule_event` calls: an event begins just before the first
month of its window (after that January's drivers), may act every month of the
window, and at its end restores what it changed. Nothing in `step()` looks at the
calendar. Every kind is documented in docs/policy.md (generated from this file by
`migsim events --markdown`).

Levers live in `model.economy` (quota, fees, enforcement, corridor regimes and
closures, fee caps, wage and demand factors), initialised from the scenario's
parameters, so the month's kernels read what is in force. Random effects of events
(who relocates, who is laid off, who hears of a campaign) draw from a key of the
event's own (`Streams.event_uniform`), by month and worker, so they do not disturb any
other stream or event, however many events a scenario has.
Overlapping windows on the same lever: a multiplicative factor (exchange rates,
sector demand) combines and unwinds exactly; a value that is set (quota, fees,
rates) is restored at the end to what the event found when it began.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import decisions
from .errors import ScenarioError
from .scenario import month_index
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

REQUIRED = object()
FOREIGN = tuple(o for o in ORIGINS if o != "KAZ")
PLACES = ("KAZ",) + REGIONS + DEST_COUNTRIES[1:]  # where a sector demand shock or a relocation lands
KAZ = DEST_COUNTRIES.index("KAZ")
RUS = DEST_COUNTRIES.index("RUS")
COMMON_KEYS = ("kind", "date", "start", "end", "note")
NAME_LISTS = {"origin": ORIGINS, "origins": ORIGINS, "country": DEST_COUNTRIES, "countries": DEST_COUNTRIES,
              "place": PLACES, "places": PLACES, "sectors": SECTORS, "regime": REGIMES,
              "place_country": tuple(dict.fromkeys(ORIGINS + DEST_COUNTRIES))}
MANY = ("origins", "countries", "places", "sectors")


@dataclass(frozen=True)
class Setting:
    """One setting of an event kind: its type, default, unit and allowed values."""

    type: str  # number | integer | bool | origin | origins | country | countries | place | places | sectors | regime
    default: Any
    unit: str
    doc: str
    low: float | None = None
    high: float | None = None

    def allowed(self) -> str:
        if self.type.startswith("choice:"):
            return "one of " + ", ".join(repr(c) for c in self.type.split(":", 1)[1].split(","))
        if self.type in NAME_LISTS:
            names = ", ".join(repr(x) for x in NAME_LISTS[self.type])
            return f"a name or a list of names from {names}" if self.type in MANY else f"one of {names}"
        if self.type == "bool":
            return "true or false"
        what = "an integer" if self.type == "integer" else "a number"
        fmt = lambda x: f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"  # noqa: E731
        if self.low is not None and self.high is not None:
            return f"{what} from {fmt(self.low)} to {fmt(self.high)}"
        if self.low is not None:
            return f"{what} of at least {fmt(self.low)}"
        return what


@dataclass(frozen=True)
class Kind:
    """An event kind: what it changes, its settings and how it acts on the model."""

    name: str
    doc: str
    window: str  # "optional": date, or start with an optional end | "required": start and end | "none": date only
    settings: dict[str, Setting]
    begin: Callable
    monthly: Callable | None = None
    finish: Callable | None = None
    check: Callable | None = None  # cross-setting validation: returns an error message or None


@dataclass
class Event:
    """A validated event: its kind, window (months since year 0) and settings."""

    kind: str
    start: int
    end: int | None
    settings: dict[str, Any]
    index: int
    source: str
    state: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"[[events]] #{self.index + 1} (kind '{self.kind}')"



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


def _save(ev: Event, name: str, value) -> None:
    ev.state[name] = value.copy() if isinstance(value, np.ndarray) else value


def _in_kaz(model: "MigrationModel") -> np.ndarray:
    pop = model.population
    return (LOCATION_COUNTRY[pop.location] == KAZ) & (pop.origin != ORIGINS.index("KAZ"))


def scale_held_wages(model: "MigrationModel", factor: np.ndarray) -> None:
    """The USD value of wages abroad moves by factor[destination country]: jobs held there are
    paid in local currency."""
    pop = model.population
    held = np.flatnonzero((pop.location != HOME) & (pop.job_sector >= 0))
    pop.wage[held] = (pop.wage[held] * factor[LOCATION_COUNTRY[pop.location[held]]]).astype(np.float32)


def _scale_wages(model: "MigrationModel", country: int, factor: float) -> None:
    change = np.ones(len(DEST_COUNTRIES))
    change[country] = factor
    scale_held_wages(model, change)


# --- levers ----------------------------------------------------------------------------
def _quota_check(s):
    given = [k for k in ("total", "skilled", "other") if s[k] is not None]
    if not given:
        return "give 'total', or 'skilled' and 'other' (persons)"
    if (s["skilled"] is None) != (s["other"] is None):
        return "give both 'skilled' and 'other', or neither"
    if s["total"] is not None and s["skilled"] is not None and abs(s["total"] - s["skilled"] - s["other"]) > 0.5:
        return f"'total' = {s['total']:g} is not 'skilled' + 'other' = {s['skilled'] + s['other']:g}"
    return None


def _quota_begin(model, ev):
    eco, s = model.economy, ev.settings
    _save(ev, "quota", eco.quota)
    _save(ev, "categories", eco.quota_categories)
    if s["skilled"] is not None:
        eco.quota_categories = np.array([s["other"], s["skilled"]], dtype=float)
        eco.quota = float(s["other"] + s["skilled"])
    else:
        eco.quota_categories = None
        eco.quota = float(s["total"])


def _quota_finish(model, ev):
    model.economy.quota = ev.state["quota"]
    model.economy.quota_categories = ev.state["categories"]


_FEES = {"patent_monthly_usd": "patent_fee", "processing_months": "patent_processing"}
_DOCS = {"patent_entry_usd": REGIMES.index("patent"), "permit_entry_usd": REGIMES.index("quota")}


def _fees_begin(model, ev):
    eco = model.economy
    _save(ev, "document_cost", eco.document_cost)
    for key, attr in _FEES.items():
        _save(ev, attr, getattr(eco, attr))
        if ev.settings[key] is not None:
            setattr(eco, attr, float(ev.settings[key]))
    for key, regime in _DOCS.items():
        if ev.settings[key] is not None:
            eco.document_cost[regime] = float(ev.settings[key])


def _fees_finish(model, ev):
    eco = model.economy
    eco.document_cost = ev.state["document_cost"]
    for attr in _FEES.values():
        setattr(eco, attr, ev.state[attr])


def _any_given(*keys):
    def check(s):
        return None if any(s[k] is not None for k in keys) else "give at least one of " + ", ".join(
            f"'{k}'" for k in keys)
    return check


def _enforcement_check(s):
    if s["deportation_rate"] is not None and s["deportation_factor"] is not None:
        return "give 'deportation_rate' or 'deportation_factor', not both"
    return _any_given("deportation_rate", "deportation_factor", "inspection_rate", "reentry_ban_months")(s)


def _enforcement_begin(model, ev):
    eco, s = model.economy, ev.settings
    for attr in ("deportation_rate", "inspection_rate", "reentry_ban"):
        _save(ev, attr, getattr(eco, attr))
    if s["deportation_rate"] is not None:
        eco.deportation_rate = float(s["deportation_rate"])
    if s["deportation_factor"] is not None:
        eco.deportation_rate = min(eco.deportation_rate * s["deportation_factor"], 1.0)
    if s["inspection_rate"] is not None:
        eco.inspection_rate = float(s["inspection_rate"])
    if s["reentry_ban_months"] is not None:
        eco.reentry_ban = int(s["reentry_ban_months"])


def _enforcement_finish(model, ev):
    for attr in ("deportation_rate", "inspection_rate", "reentry_ban"):
        setattr(model.economy, attr, ev.state[attr])


def _amnesty_monthly(model, ev, k):
    pop = model.population
    status = pop.status
    eligible = np.flatnonzero(_in_kaz(model) & ((status == ST_IRREGULAR) | (status == ST_VISITOR))
                              & np.isin(pop.origin, _idx(ev.settings["origins"], ORIGINS)))
    legal = eligible[_shock(model, ev, eligible, 0) < ev.settings["monthly_take_up"]]
    pop.status[legal] = ST_PATENT
    model.amnestied += len(legal) * pop.scale


def _minimum_wage_begin(model, ev):
    eco, pop, s = model.economy, model.population, model.params
    _save(ev, "minimum_wage", eco.minimum_wage)
    eco.minimum_wage = float(ev.settings["usd"])
    # Contract jobs already paying less: employers raise the wage or drop the contract.
    held = np.flatnonzero(_in_kaz(model) & (pop.job_sector >= 0) & pop.contract & (pop.wage < eco.minimum_wage))
    comply = _shock(model, ev, held, 0) < s["labour.minimum_wage_compliance"]
    pop.wage[held[comply]] = np.float32(eco.minimum_wage)
    dropped = held[~comply]
    pop.contract[dropped] = False
    pop.pension[dropped] = False
    pop.paid_leave[dropped] = False
    pop.wage[dropped] = (pop.wage[dropped] * s["labour.informal_wage_factor"]).astype(np.float32)


def _minimum_wage_finish(model, ev):
    model.economy.minimum_wage = ev.state["minimum_wage"]


def _entry_check(s):
    for o in s["origins"]:
        for c in s["destinations"]:
            if o == c:
                return f"origin '{o}' cannot be its own destination"
    return None


def _entry_begin(model, ev):
    eco, pop = model.economy, model.population
    o, c = _idx(ev.settings["origins"], ORIGINS), _idx(ev.settings["destinations"], DEST_COUNTRIES)
    _save(ev, "regime", eco.regime)
    regime = REGIMES.index(ev.settings["regime"])
    eco.regime[np.ix_(o, c)] = regime
    if ev.settings["regime"] == "eaeu":  # free movement covers those already there
        there = (pop.location != HOME) & np.isin(pop.origin, o) & np.isin(LOCATION_COUNTRY[pop.location], c)
        pop.status[there] = ST_EAEU


def _entry_finish(model, ev):
    model.economy.regime = ev.state["regime"]


def _recruitment_begin(model, ev):
    eco, pop, s = model.economy, model.population, ev.settings
    o, c = ORIGINS.index(s["origin"]), DEST_COUNTRIES.index(s["destination"])
    for attr in ("agency_factor", "cost_covered", "patent_take_up"):
        _save(ev, attr, getattr(eco, attr))
    eco.agency_factor[o, c] *= s["agency_factor"]
    eco.cost_covered[o, c] = s["cost_covered"]
    eco.patent_take_up[o, c] = max(eco.patent_take_up[o, c], s["legal_share"])
    unaware = np.flatnonzero((pop.origin == o) & ~pop.knows_agencies)
    pop.knows_agencies[unaware[_shock(model, ev, unaware, 0) < s["reach"]]] = True


def _recruitment_finish(model, ev):
    for attr in ("agency_factor", "cost_covered", "patent_take_up"):
        setattr(model.economy, attr, ev.state[attr])


def _campaign_begin(model, ev):
    pop, s = model.population, ev.settings
    where = {"home": pop.location == HOME, "abroad": pop.location != HOME,
             "all": np.ones(pop.n, bool)}[s["where"]]
    unaware = np.flatnonzero(where & ~pop.knows_agencies & np.isin(pop.origin, _idx(s["origins"], ORIGINS)))
    pop.knows_agencies[unaware[_shock(model, ev, unaware, 0) < s["reach"]]] = True


def _formalisation_begin(model, ev):
    pop, eco, s = model.population, model.economy, ev.settings
    _save(ev, "contract_factor_kaz", eco.contract_factor_kaz)
    eco.contract_factor_kaz *= s["contract_factor"]
    status = pop.status
    informal = np.flatnonzero(_in_kaz(model) & (pop.job_sector >= 0) & ~pop.contract
                              & (status != ST_VISITOR) & (status != ST_IRREGULAR))
    done = informal[_shock(model, ev, informal, 0) < s["share"]]
    pop.contract[done] = True
    factor = np.float32(max(model.params["labour.informal_wage_factor"], 1e-6))
    pop.wage[done] = (pop.wage[done] / factor).astype(np.float32)


def _formalisation_finish(model, ev):
    model.economy.contract_factor_kaz = ev.state["contract_factor_kaz"]


def _fee_check(s):
    if (s["percent"] is None) == (s["cap_percent"] is None):
        return "give exactly one of 'percent' (the fee) or 'cap_percent' (a ceiling on it)"
    return None


def _fee_begin(model, ev):
    eco, s = model.economy, ev.settings
    c, o = DEST_COUNTRIES.index(s["country"]), _idx(s["origins"], ORIGINS)
    _save(ev, "fee_corridor", eco.fee_corridor)
    if s["percent"] is not None:
        eco.fee_corridor[c, o] = s["percent"] / 100
    else:
        eco.fee_corridor[c, o] = np.minimum(eco.fee_corridor[c, o], s["cap_percent"] / 100)


def _fee_finish(model, ev):
    model.economy.fee_corridor = ev.state["fee_corridor"]


def _channel_begin(model, ev):
    eco, s = model.economy, ev.settings
    _save(ev, "remit_capacity", eco.remit_capacity)
    eco.remit_capacity[DEST_COUNTRIES.index(s["country"]), _idx(s["origins"], ORIGINS)] = s["capacity"]


def _channel_finish(model, ev):
    model.economy.remit_capacity = ev.state["remit_capacity"]


# --- shocks ----------------------------------------------------------------------------
def _apply_exchange(model, country: str, factor: float) -> None:
    eco = model.economy
    if country in ORIGINS:
        eco.wage_factor_home[ORIGINS.index(country)] *= factor
    if country in DEST_COUNTRIES:
        eco.wage_factor_dest[DEST_COUNTRIES.index(country)] *= factor
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
    from . import month

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
    model.relocated += len(rows) * pop.scale


def _relocation_finish(model, ev, return_share=None):
    from . import month

    pop = model.population
    share = ev.settings.get("return_share", 0.0) if return_share is None else return_share
    if not ev.state.get("moved") or share <= 0:
        return
    moved = np.concatenate(ev.state["moved"])
    still = moved[pop.location[moved] != HOME]
    back = still[_shock(model, ev, still, 3) < share]
    month._go_home(model, back, cooldown=model.params["mobility.cooldown_months"], visit=False)


def _sanctions_begin(model, ev):
    eco, s = model.economy, ev.settings
    rouble = 1 + s["rouble_change_percent"] / 100
    real = 1 + s["real_wage_change_percent"] / 100
    ev.state["factors"] = (rouble, real)
    _apply_exchange(model, "RUS", rouble)
    eco.wage_factor_dest[RUS] *= real
    _scale_wages(model, RUS, real)
    eco.rescale_wages()
    _save(ev, "remit_capacity", eco.remit_capacity)
    eco.remit_capacity[RUS, :] = np.minimum(eco.remit_capacity[RUS, :], s["channel_capacity"])
    _relocation_begin(model, ev, origin="RUS", share=s["relocation_share"], months=s["relocation_months"],
                      men_only=False, age_max=model.params["population.age_max"])


def _sanctions_monthly(model, ev, k):
    _relocation_monthly(model, ev, k, destination="KAZ")


def _sanctions_finish(model, ev):
    eco = model.economy
    rouble, real = ev.state["factors"]
    _apply_exchange(model, "RUS", 1 / rouble)
    eco.wage_factor_dest[RUS] /= real
    _scale_wages(model, RUS, 1 / real)
    eco.rescale_wages()
    eco.remit_capacity = ev.state["remit_capacity"]
    _relocation_finish(model, ev, return_share=ev.settings["return_share"])


def _closure_begin(model, ev):
    eco, s = model.economy, ev.settings
    o, c = _idx(s["origins"], ORIGINS), _idx(s["destinations"], DEST_COUNTRIES)
    eco.closed[np.ix_(o, c)] += 1
    _save(ev, "exit_factor", eco.exit_factor)
    eco.exit_factor[c] = np.minimum(eco.exit_factor[c], s["exit_factor"])


def _closure_finish(model, ev):
    eco, s = model.economy, ev.settings
    o, c = _idx(s["origins"], ORIGINS), _idx(s["destinations"], DEST_COUNTRIES)
    eco.closed[np.ix_(o, c)] -= 1
    eco.exit_factor = ev.state["exit_factor"]


def _demand_begin(model, ev):
    eco, pop, s = model.economy, model.population, ev.settings
    locs, sectors = _locations(s["places"]), _idx(s["sectors"], SECTORS)
    eco.demand_factor[np.ix_(locs, sectors)] *= s["factor"]
    if s["factor"] < 1 and s["layoffs"]:
        held = np.flatnonzero(np.isin(pop.location, locs) & np.isin(pop.job_sector, sectors))
        lost = held[_shock(model, ev, held, 0) < 1 - s["factor"]]
        from .month import _leave_job

        _leave_job(pop, lost)


def _demand_finish(model, ev):
    s = ev.settings
    model.economy.demand_factor[np.ix_(_locations(s["places"]), _idx(s["sectors"], SECTORS))] /= s["factor"]


# --- the catalogue -----------------------------------------------------------------------
S = Setting
SHARE = dict(low=0.0, high=1.0)
KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("quota", "Annual quota of work permits for foreign workers in Kazakhstan (permits held at once). "
         "Total, or by category: 'skilled' (tertiary-educated) and 'other'. Workers refused a permit come "
         "anyway without one (legal.quota_refused_irregular) or choose another destination or staying.",
         "optional", {
             "total": S("number", None, "persons", "permits in the quota (KEL2025: 37,900 in 2015, 28,300 in 2022)",
                        low=0, high=1e8),
             "skilled": S("number", None, "persons", "permits for tertiary-educated workers", low=0, high=1e8),
             "other": S("number", None, "persons", "permits for everyone else", low=0, high=1e8)},
         _quota_begin, finish=_quota_finish, check=_quota_check),
    Kind("fees", "Patent and permit fees and the time a patent takes to obtain.", "optional", {
        "patent_monthly_usd": S("number", None, "USD per month", "monthly patent fee in Kazakhstan "
                                "(policy.patent_fee_usd)", low=0, high=1e4),
        "patent_entry_usd": S("number", None, "USD", "documents to enter and work on a patent "
                              "(legal.document_cost.patent)", low=0, high=1e5),
        "permit_entry_usd": S("number", None, "USD", "documents for a quota work permit "
                              "(legal.document_cost.quota)", low=0, high=1e5),
        "processing_months": S("number", None, "months", "time to obtain a patent: patent take-up on arrival "
                               "and the monthly chance of regularising scale with 1 / this "
                               "(legal.patent_processing_months)", low=0.25, high=60)},
        _fees_begin, finish=_fees_finish,
        check=_any_given("patent_monthly_usd", "patent_entry_usd", "permit_entry_usd", "processing_months")),
    Kind("enforcement", "Inspection and deportation intensity in Kazakhstan (a crackdown when given a window). "
         "About 30,000 were deported in 2023 (KEL2025).", "optional", {
             "deportation_rate": S("number", None, "per month", "chance an irregular worker is deported "
                                   "(legal.deportation_rate)", **SHARE),
             "deportation_factor": S("number", None, "x", "multiply the deportation rate in force", low=0, high=100),
             "inspection_rate": S("number", None, "per month", "chance that an informal job is inspected: it "
                                  "gets a contract (legal.inspection_formalise_share) or ends", **SHARE),
             "reentry_ban_months": S("integer", None, "months", "entry ban after deportation", low=0, high=600)},
         _enforcement_begin, finish=_enforcement_finish, check=_enforcement_check),
    Kind("amnesty", "Regularisation window: each month, a share of the workers in Kazakhstan without a right to "
         "work (irregular, or visitors) obtain a patent.", "required", {
             "monthly_take_up": S("number", 0.25, "per month", "chance an eligible worker legalises each month",
                                  **SHARE),
             "origins": S("origins", FOREIGN, "-", "citizenships covered")},
         lambda model, ev: None, monthly=_amnesty_monthly),
    Kind("minimum_wage", "Monthly minimum wage in Kazakhstan. Contract jobs must pay it: a share of employers "
         "(labour.minimum_wage_compliance) do, the others hire without a contract. Applies to new jobs and, at "
         "the date, to contract jobs that pay less.", "optional", {
             "usd": S("number", REQUIRED, "USD per month", "the minimum wage (0 = none)", low=0, high=1e5)},
         _minimum_wage_begin, finish=_minimum_wage_finish),
    Kind("entry", "Entry rules per corridor: set the regime under which workers from some origins enter some "
         "destinations. 'none' is an entry ban; 'eaeu' free movement (e.g. a hypothetical EAEU accession of "
         "Uzbekistan: workers already there become EAEU workers too).", "optional", {
             "origins": S("origins", REQUIRED, "-", "citizenships concerned"),
             "destinations": S("countries", ("KAZ",), "-", "destination countries concerned"),
             "regime": S("regime", REQUIRED, "-", "the entry regime in force")},
         _entry_begin, finish=_entry_finish, check=_entry_check),
    Kind("recruitment", "A bilateral organised-recruitment agreement: agencies place workers from one origin in "
         "one destination with a contract, employers pay part of the move, and recruits enter legally.",
         "optional", {
             "origin": S("origin", REQUIRED, "-", "sending country"),
             "destination": S("country", "KAZ", "-", "receiving country"),
             "agency_factor": S("number", 4.0, "x", "job finding through agencies for that origin there",
                                low=0, high=1000),
             "reach": S("number", 0.3, "share", "share of that origin's workers who learn of the scheme "
                        "(and so of agencies) at the start", **SHARE),
             "cost_covered": S("number", 0.5, "share", "share of travel and documents paid by employers", **SHARE),
             "legal_share": S("number", 1.0, "share", "share of arrivals on a patent corridor who take a patent "
                              "on arrival (at least the scenario's take-up)", **SHARE)},
         _recruitment_begin, finish=_recruitment_finish),
    Kind("remittance_fee", "Fee on money sent home from a country, per corridor: set it or cap it. Fees reduce "
         "what arrives, not what is sent.", "optional", {
             "country": S("country", "KAZ", "-", "sending country"),
             "origins": S("origins", ORIGINS, "-", "receiving countries"),
             "percent": S("number", None, "percent", "the fee", low=0, high=100),
             "cap_percent": S("number", None, "percent", "a ceiling on the fee", low=0, high=100)},
         _fee_begin, finish=_fee_finish, check=_fee_check),
    Kind("remittance_channel", "A remittance channel disrupted or closed: only a share of what workers would "
         "send gets through; they keep the rest as savings.", "optional", {
             "country": S("country", REQUIRED, "-", "sending country"),
             "origins": S("origins", ORIGINS, "-", "receiving countries"),
             "capacity": S("number", 0.0, "share", "share of the money that still goes through (0: closed)",
                           **SHARE)},
         _channel_begin, finish=_channel_finish),
    Kind("information_campaign", "Workers learn that recruitment agencies exist (IOM2022: 75% did not know). "
         "One-off, at the date; people who join the pool later know at the scenario's rate.", "none", {
             "reach": S("number", 0.3, "share", "share of the unaware who learn", **SHARE),
             "origins": S("origins", ORIGINS, "-", "citizenships reached"),
             "where": S("choice:home,abroad,all", "all", "-", "reach workers at home, abroad, or both")},
         _campaign_begin),
    Kind("formalisation", "Employers in Kazakhstan formalise: a share of informal jobs of workers with a right "
         "to work get a written contract at the date, and new jobs come with one more often while it lasts.",
         "optional", {
             "share": S("number", 0.2, "share", "share of those informal jobs formalised at the date", **SHARE),
             "contract_factor": S("number", 1.0, "x", "chance that a new job in Kazakhstan has a contract",
                                  low=0, high=100)},
         _formalisation_begin, finish=_formalisation_finish),
    Kind("exchange_rate", "A currency moves against the US dollar (e.g. the tenge's float of August 2015): the "
         "USD value of wages in that country, at home and for jobs held there, changes by the same percent. "
         "The yearly drivers already hold annual averages: use this for moves within a year or beyond the data.",
         "optional", {
             "country": S("place_country", REQUIRED, "-", "ISO3 code (origin or destination country)"),
             "change_percent": S("number", REQUIRED, "percent", "change of the USD value (negative: depreciation)",
                                 low=-95, high=1000)},
         _exchange_begin, finish=_exchange_finish),
    Kind("sanctions", "Sanctions on Russia, as in 2022: rouble depreciation and lower real wages in Russia, "
         "remittance channels from Russia disrupted, Russian citizens relocating to Kazakhstan (KEL2025: 51% "
         "left because of war and sanctions) and, when it ends, a share of them returning (60% would return).",
         "optional", {
             "rouble_change_percent": S("number", -20.0, "percent", "USD value of Russian wages (rouble)",
                                        low=-95, high=1000),
             "real_wage_change_percent": S("number", -5.0, "percent", "further change of wages in Russia",
                                           low=-95, high=1000),
             "channel_capacity": S("number", 0.7, "share", "share of remittances from Russia that get through",
                                   **SHARE),
             "relocation_share": S("number", 0.04, "share", "share of Russians at home (in the pool) who relocate "
                                   "to Kazakhstan", **SHARE),
             "relocation_months": S("integer", 3, "months", "months over which they leave", low=1, high=120),
             "return_share": S("number", 0.6, "share", "share of relocated still in Kazakhstan who go home at "
                               "the end", **SHARE)},
         _sanctions_begin, monthly=_sanctions_monthly, finish=_sanctions_finish),
    Kind("relocation", "A wave of people leaving one origin for one place (a Kazakh region, all of Kazakhstan or "
         "another country), spread over some months; a share go home when the window ends.", "optional", {
             "origin": S("origin", REQUIRED, "-", "citizenship"),
             "destination": S("place", "KAZ", "-", "where they go"),
             "share": S("number", REQUIRED, "share", "share of eligible people at home who leave", **SHARE),
             "months": S("integer", 1, "months", "months over which they leave", low=1, high=120),
             "men_only": S("bool", False, "-", "only men leave"),
             "age_max": S("number", 60.0, "years", "oldest who leave", low=14, high=80),
             "return_share": S("number", 0.0, "share", "share still there who go home at the end", **SHARE)},
         _relocation_begin, monthly=_relocation_monthly, finish=_relocation_finish),
    Kind("mobilisation", "Mobilisation in an origin (Russia, September 2022): men of fighting age leave for "
         "Kazakhstan within weeks. A relocation with these defaults.", "optional", {
             "origin": S("origin", "RUS", "-", "citizenship"),
             "destination": S("place", "KAZ", "-", "where they go"),
             "share": S("number", 0.03, "share", "share of men at home, up to age_max, who leave", **SHARE),
             "months": S("integer", 2, "months", "months over which they leave", low=1, high=120),
             "men_only": S("bool", True, "-", "only men leave"),
             "age_max": S("number", 50.0, "years", "oldest who leave", low=14, high=80),
             "return_share": S("number", 0.6, "share", "share still there who go home at the end", **SHARE)},
         _relocation_begin, monthly=_relocation_monthly, finish=_relocation_finish),
    Kind("border_closure", "Borders closed (as in 2020): no one enters the closed corridors (home visits cannot "
         "go back) and workers abroad are stranded: their chance of visiting or going home or moving on is "
         "multiplied by exit_factor.", "optional", {
             "origins": S("origins", ORIGINS, "-", "citizenships barred from entering"),
             "destinations": S("countries", DEST_COUNTRIES, "-", "destination countries that close"),
             "exit_factor": S("number", 0.2, "x", "chance of leaving a closed country", **SHARE)},
         _closure_begin, finish=_closure_finish),
    Kind("sector_demand", "Demand for foreign workers in some sectors and places moves (oil price hitting "
         "Mangystau and Atyrau; a construction boom): hiring, the attraction of the place and the sector mix of "
         "new jobs scale with it; a fall lays off that share of the jobs at once.", "optional", {
             "places": S("places", ("KAZ",), "-", "'KAZ' (every region), regions or countries"),
             "sectors": S("sectors", SECTORS, "-", "sectors concerned"),
             "factor": S("number", REQUIRED, "x", "demand relative to before", low=0.01, high=100),
             "layoffs": S("bool", True, "-", "a fall ends that share of the jobs at the date")},
         _demand_begin, finish=_demand_finish),
]}


# --- validation --------------------------------------------------------------------------
def _fail(ev_label: str, source: str, key: str, value, allowed: str) -> ScenarioError:
    return ScenarioError(f"{source}: {ev_label}: key '{key}' = {value!r} is not allowed; it must be {allowed}.")


def _check_setting(label: str, source: str, key: str, setting: Setting, value):
    t = setting.type
    if t.startswith("choice:"):
        choices = t.split(":", 1)[1].split(",")
        if value not in choices:
            raise _fail(label, source, key, value, "one of " + ", ".join(repr(c) for c in choices))
        return value
    if t in NAME_LISTS:
        names = NAME_LISTS[t]
        if t in MANY:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items or not all(isinstance(x, str) and x in names for x in items):
                raise _fail(label, source, key, value, "a name or a list of names from " + ", ".join(map(repr, names)))
            return tuple(dict.fromkeys(items))
        if not isinstance(value, str) or value not in names:
            raise _fail(label, source, key, value, "one of " + ", ".join(map(repr, names)))
        return value
    if t == "bool":
        if not isinstance(value, bool):
            raise _fail(label, source, key, value, "true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(label, source, key, value, setting.allowed() + f" ({setting.unit})")
    if t == "integer":
        if int(value) != value:
            raise _fail(label, source, key, value, setting.allowed() + f" ({setting.unit})")
        value = int(value)
    if (setting.low is not None and value < setting.low) or (setting.high is not None and value > setting.high):
        raise _fail(label, source, key, value, setting.allowed() + f" ({setting.unit})")
    return value


def _month(label: str, source: str, key: str, value) -> int:
    try:
        if not isinstance(value, str):
            raise ValueError
        return month_index(value)
    except ValueError:
        raise _fail(label, source, key, value, "a month written \"YYYY-MM\" (in quotes)") from None


def parse_events(raw: list[dict[str, Any]]) -> list[Event]:
    """Validate a scenario's `[[events]]` tables; the first problem raises ScenarioError."""
    events = []
    for i, table in enumerate(raw):
        source = table.get("_file", "scenario")
        body = {k: v for k, v in table.items() if k != "_file"}
        label = f"[[events]] #{i + 1}"
        kind_name = body.get("kind")
        if kind_name not in KINDS:
            raise ScenarioError(
                f"{source}: {label}: " + ("no 'kind' given" if kind_name is None else f"unknown kind {kind_name!r}")
                + "; kinds allowed: " + ", ".join(KINDS) + ". See docs/policy.md.")
        kind = KINDS[kind_name]
        label = f"{label} (kind '{kind_name}')"
        unknown = [k for k in body if k not in COMMON_KEYS and k not in kind.settings]
        if unknown:
            allowed = ", ".join(list(kind.settings) + ["date", "start", "end", "note"])
            raise ScenarioError(f"{source}: {label}: unknown key '{unknown[0]}'; keys allowed for '{kind_name}': "
                                f"{allowed}. See docs/policy.md.")
        if "date" in body and ("start" in body or "end" in body):
            raise ScenarioError(f"{source}: {label}: give 'date', or 'start' (and 'end'), not both.")
        if "date" not in body and "start" not in body:
            raise ScenarioError(f"{source}: {label}: give the month it happens: date = \"YYYY-MM\" "
                                "(or start = \"YYYY-MM\" with an optional end).")
        start = _month(label, source, "date" if "date" in body else "start", body.get("date", body.get("start")))
        end = _month(label, source, "end", body["end"]) if "end" in body else None
        if kind.window == "none" and "end" in body:
            raise ScenarioError(f"{source}: {label}: '{kind_name}' happens once; give only 'date', no 'end'.")
        if kind.window == "required" and end is None:
            raise ScenarioError(f"{source}: {label}: '{kind_name}' needs a window: give 'start' and 'end'.")
        if end is not None and end < start:
            raise ScenarioError(f"{source}: {label}: end = {body['end']!r} is before the start; "
                                "the end month (included) must not come before the start month.")
        if "note" in body and not isinstance(body["note"], str):
            raise _fail(label, source, "note", body["note"], "a string")
        settings = {}
        for key, setting in kind.settings.items():
            if key in body:
                settings[key] = _check_setting(label, source, key, setting, body[key])
            elif setting.default is REQUIRED:
                raise ScenarioError(f"{source}: {label}: key '{key}' is required: {setting.doc} "
                                    f"({setting.allowed()}, {setting.unit}).")
            else:
                settings[key] = setting.default
        if kind.check is not None:
            problem = kind.check(settings)
            if problem:
                raise ScenarioError(f"{source}: {label}: {problem}.")
        events.append(Event(kind_name, start, end, settings, i, source))
    return events


def validate_scenario_events(scenario) -> list[Event]:
    """Parse a scenario's events and check that none begins before its run does."""
    events = parse_events(scenario.events)
    first = month_index(scenario["run.start"])
    for ev in events:
        if ev.start < first:
            raise ScenarioError(f"{ev.source}: {ev.label}: it starts before run.start = {scenario['run.start']!r}; "
                                "events apply from the first simulated month on. Move it or start the run earlier.")
    return events


# --- scheduling -------------------------------------------------------------------------
def schedule(model: "MigrationModel", events: list[Event]) -> list[Callable]:
    """Turn events into Mesa events: begin, each month of the window, and the end.

    Returns the callables, which the model must keep (Mesa holds them weakly).
    Times: month m (since run.start) steps at time m + 1; the yearly drivers apply at
    m + 0.5 and events at m + 0.75, so they see that year's economy.
    """
    actions: list[Callable] = []
    last = model.n_months - 1
    for ev in events:
        kind = KINDS[ev.kind]
        m0 = ev.start - model.start_index
        if m0 > last:
            continue
        m_end = last if ev.end is None else min(ev.end - model.start_index, last)

        def begin(kind=kind, ev=ev):
            kind.begin(model, ev)
            if kind.monthly is not None:
                kind.monthly(model, ev, 0)

        actions.append(begin)
        model.schedule_event(begin, at=m0 + 0.75)
        if kind.monthly is not None:
            for m in range(m0 + 1, m_end + 1):
                def each(kind=kind, ev=ev, k=m - m0):
                    kind.monthly(model, ev, k)

                actions.append(each)
                model.schedule_event(each, at=m + 0.75)
        if kind.finish is not None and ev.end is not None and ev.end - model.start_index + 1 <= last:
            def finish(kind=kind, ev=ev):
                kind.finish(model, ev)

            actions.append(finish)
            model.schedule_event(finish, at=ev.end - model.start_index + 1 + 0.75)
    return actions


# --- documentation ----------------------------------------------------------------------
def kinds_markdown() -> str:
    """The reference section of docs/policy.md: every kind with its settings."""
    windows = {"optional": "`date`, or `start` with an optional `end` (a window; at its end the change is undone)",
               "required": "`start` and `end` (a window)", "none": "`date` only (happens once)"}
    lines = []
    for kind in KINDS.values():
        lines += [f"### `{kind.name}`", "", kind.doc, "", f"When: {windows[kind.window]}.", "",
                  "| key | default | unit | allowed | meaning |", "|---|---|---|---|---|"]
        for key, s in kind.settings.items():
            if s.default is REQUIRED:
                default = "**required**"
            elif s.default is None:
                default = "(unchanged)"
            elif isinstance(s.default, tuple):
                default = "all" if len(s.default) > 3 else ", ".join(s.default)
            else:
                default = f"`{s.default!r}`".replace("True", "true").replace("False", "false")
            allowed = s.allowed()
            if s.type == "place_country":
                allowed = "an ISO3 code of an origin or destination"
            lines.append(f"| `{key}` | {default} | {s.unit} | {allowed} | {s.doc} |")
        lines.append("")
    return "\n".join(lines)

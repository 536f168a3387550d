"""The schema of dated policy levers and shocks: what a scenario's `[[events]]` may say.

Each `[[events]]` table names a `kind`, a `date` (or a `start` and an optional
`end`, both YYYY-MM, the end month included) and that kind's settings. Tables are
validated against `KINDS` when the scenario is loaded (`scenario.load_scenario`):
unknown kinds and keys, bad dates, values out of range stop the load with a
`ScenarioError` naming the file, the event and the key. So every command that reads
a scenario (run, check, compare, sweep, calibrate, the app) gets the same validated
`Event` objects. Every kind is documented in docs/policy.md (generated from this file
by `migsim events --markdown`).

Policy lives in three rooms, imports going one way: this module says what an event
*is* (settings, windows, checks, docs; it imports nothing of the model), `policy.py`
what it *does* (begin, act each month of its window, finish, on the lever state and
through the month's public steps), and `timeline.py` *when* (Mesa events on the
model's clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from .dates import UNQUOTED_MONTH, month_index, shown, unquoted_date
from .errors import ScenarioError
from .world import DEST_COUNTRIES, ORIGINS, REGIMES, REGIONS, SECTORS

REQUIRED = object()
FOREIGN = tuple(o for o in ORIGINS if o != "KAZ")
PLACES = ("KAZ",) + REGIONS + DEST_COUNTRIES[1:]  # where a sector demand shock or a relocation lands
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
        """What the setting accepts, in words, for messages and docs."""
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
    """An event kind as a scenario writes it: its settings, window and checks (its actions are in `policy.py`)."""

    name: str
    doc: str
    window: str  # "optional": date, or start with an optional end | "required": start and end | "none": date only
    settings: dict[str, Setting]
    check: Callable | None = None  # cross-setting validation: returns an error message or None
    # A kind that only sets levers for its window names them here, setting -> lever
    # (`levers.Levers` field); `policy.py` then gives it the common action: set them at
    # the start, restore them at the end. Kinds that do more have actions of their own.
    sets: dict[str, str] | None = None
    # The `levers.Levers` fields an event of this kind replaces for its window: saved when it
    # begins and put back when it ends (`policy.py`). Two events that replace the same field
    # may not be in force at once (`_check_no_overlap`).
    replaces: tuple[str, ...] = ()

    @property
    def levers_replaced(self) -> tuple[str, ...]:
        return tuple(self.sets.values()) if self.sets else self.replaces


@dataclass
class Event:
    """A validated event: its kind, window (months since year 0) and settings.

    `table` is the `[[events]]` table as written (it goes back into a resolved scenario);
    `state` is what a running event saved when it began: each model schedules its own
    copy (`timeline.schedule`), so one scenario can be run many times.
    """

    kind: str
    start: int
    end: int | None
    settings: dict[str, Any]
    index: int
    source: str
    table: dict[str, Any] = field(default_factory=dict)
    state: dict = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """How messages name the event: its number in the scenario and its kind."""
        return f"[[events]] #{self.index + 1} (kind '{self.kind}')"


# --- cross-setting checks ----------------------------------------------------------------
def _quota_check(s):
    given = [k for k in ("total", "skilled", "other") if s[k] is not None]
    if not given:
        return "give 'total', or 'skilled' and 'other' (persons)"
    if (s["skilled"] is None) != (s["other"] is None):
        return "give both 'skilled' and 'other', or neither"
    if s["total"] is not None and s["skilled"] is not None and abs(s["total"] - s["skilled"] - s["other"]) > 0.5:
        return f"'total' = {s['total']:g} is not 'skilled' + 'other' = {s['skilled'] + s['other']:g}"
    return None


def _any_given(*keys):
    def check(s):
        return None if any(s[k] is not None for k in keys) else "give at least one of " + ", ".join(
            f"'{k}'" for k in keys)
    return check


def _enforcement_check(s):
    if s["deportation_rate"] is not None and s["deportation_factor"] is not None:
        return "give 'deportation_rate' or 'deportation_factor', not both"
    return _any_given("deportation_rate", "deportation_factor", "inspection_rate", "reentry_ban_months")(s)


def _entry_check(s):
    for o in s["origins"]:
        for c in s["destinations"]:
            if o == c:
                return f"origin '{o}' cannot be its own destination"
    return None


def _abroad_check(s):
    """A move from an origin to a place in the same country is no migration (the model has no internal moves)."""
    country = "KAZ" if s["destination"] == "KAZ" or s["destination"] in REGIONS else s["destination"]
    if s["origin"] == country:
        where = "" if s["destination"] == country else f" ('{s['destination']}' is in {country})"
        return f"origin '{s['origin']}' cannot be its own destination{where}"
    return None


def _fee_check(s):
    if (s["percent"] is None) == (s["cap_percent"] is None):
        return "give exactly one of 'percent' (the fee) or 'cap_percent' (a ceiling on it)"
    return None


# --- the catalogue -------------------------------------------------------
S = Setting
SHARE = dict(low=0.0, high=1.0)
KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("quota", "Annual quota of work permits for foreign workers in Kazakhstan (permits held at once). "
         "Total, or by category: 'skilled' (tertiary-educated) and 'other'. Workers refused a permit wait "
         "at home for one to come free (legal.quota_wait_months), then come anyway without one "
         "(legal.quota_refused_irregular) or choose another destination or staying.",
         "optional", {
             "total": S("number", None, "persons", "permits in the quota (KEL2025: 37,900 in 2015, 28,300 in 2022)",
                        low=0, high=1e8),
             "skilled": S("number", None, "persons", "permits for tertiary-educated workers", low=0, high=1e8),
             "other": S("number", None, "persons", "permits for everyone else", low=0, high=1e8)},
         check=_quota_check, replaces=("quota", "quota_categories")),
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
        check=_any_given("patent_monthly_usd", "patent_entry_usd", "permit_entry_usd", "processing_months"),
        replaces=("document_cost", "patent_fee", "patent_processing")),
    Kind("enforcement", "Inspection and deportation intensity in Kazakhstan (a crackdown when given a window). "
         "About 30,000 were deported in 2023 (KEL2025).", "optional", {
             "deportation_rate": S("number", None, "per month", "chance an irregular worker is deported "
                                   "(legal.deportation_rate)", **SHARE),
             "deportation_factor": S("number", None, "x", "multiply the deportation rate in force", low=0, high=100),
             "inspection_rate": S("number", None, "per month", "chance that an informal job is inspected: it "
                                  "gets a contract (legal.inspection_formalise_share) or ends", **SHARE),
             "reentry_ban_months": S("integer", None, "months", "entry ban after deportation", low=0, high=600)},
         check=_enforcement_check, replaces=("deportation_rate", "inspection_rate", "reentry_ban")),
    Kind("employer_fines", "Fines on employers in Kazakhstan for each worker without a right to work that a "
         "workplace inspection finds. Employers weigh the expected fine (inspection rate x fine) against the "
         "wage, so fewer hire irregular workers; fines bite only where inspections happen (see 'enforcement').",
         "optional", {
             "usd_per_worker": S("number", REQUIRED, "USD per worker", "the fine (policy.employer_fine_usd)",
                                 low=0, high=1e6)},
         sets={"usd_per_worker": "employer_fine"}),
    Kind("amnesty", "Regularisation window: each month, a share of the workers in Kazakhstan without a right to "
         "work (irregular, or visitors) obtain a patent.", "required", {
             "monthly_take_up": S("number", 0.25, "per month", "chance an eligible worker legalises each month",
                                  **SHARE),
             "origins": S("origins", FOREIGN, "-", "citizenships covered")}),
    Kind("minimum_wage", "Monthly minimum wage in Kazakhstan. Contract jobs must pay it: a share of employers "
         "(labour.minimum_wage_compliance) do, the others hire without a contract. Applies to new jobs and, at "
         "the date, to contract jobs that pay less.", "optional", {
             "usd": S("number", REQUIRED, "USD per month", "the minimum wage (0 = none)", low=0, high=1e5)},
         replaces=("minimum_wage",)),
    Kind("entry", "Entry rules per corridor: set the regime under which workers from some origins enter some "
         "destinations. 'none' is an entry ban; 'eaeu' free movement (e.g. a hypothetical EAEU accession of "
         "Uzbekistan: workers already there become EAEU workers too).", "optional", {
             "origins": S("origins", REQUIRED, "-", "citizenships concerned"),
             "destinations": S("countries", ("KAZ",), "-", "destination countries concerned"),
             "regime": S("regime", REQUIRED, "-", "the entry regime in force")},
         check=_entry_check, replaces=("regime",)),
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
         check=_abroad_check, replaces=("agency_factor", "cost_covered", "patent_take_up")),
    Kind("remittance_fee", "Fee on money sent home from a country, per corridor: set it or cap it. Fees reduce "
         "what arrives, not what is sent.", "optional", {
             "country": S("country", "KAZ", "-", "sending country"),
             "origins": S("origins", ORIGINS, "-", "receiving countries"),
             "percent": S("number", None, "percent", "the fee", low=0, high=100),
             "cap_percent": S("number", None, "percent", "a ceiling on the fee", low=0, high=100)},
         check=_fee_check, replaces=("fee_corridor",)),
    Kind("remittance_channel", "A remittance channel disrupted or closed: only a share of what workers would "
         "send gets through; they keep the rest as savings.", "optional", {
             "country": S("country", REQUIRED, "-", "sending country"),
             "origins": S("origins", ORIGINS, "-", "receiving countries"),
             "capacity": S("number", 0.0, "share", "share of the money that still goes through (0: closed)",
                           **SHARE)},
         replaces=("remit_capacity",)),
    Kind("information_campaign", "Workers learn that recruitment agencies exist (IOM2022: 75% did not know). "
         "One-off, at the date; people who join the pool later know at the scenario's rate.", "none", {
             "reach": S("number", 0.3, "share", "share of the unaware who learn", **SHARE),
             "origins": S("origins", ORIGINS, "-", "citizenships reached"),
             "where": S("choice:home,abroad,all", "all", "-", "reach workers at home, abroad, or both")}),
    Kind("formalisation", "Employers in Kazakhstan formalise: a share of informal jobs of workers with a right "
         "to work get a written contract at the date, and new jobs come with one more often while it lasts.",
         "optional", {
             "share": S("number", 0.2, "share", "share of those informal jobs formalised at the date", **SHARE),
             "contract_factor": S("number", 1.0, "x", "chance that a new job in Kazakhstan has a contract",
                                  low=0, high=100)},
         replaces=("contract_factor_kaz",)),
    Kind("exchange_rate", "A currency moves against the US dollar (e.g. the tenge's float of August 2015): the "
         "USD value of wages in that country, at home and for jobs held there, changes by the same percent. "
         "The yearly drivers already hold annual averages: use this for moves within a year or beyond the data.",
         "optional", {
             "country": S("place_country", REQUIRED, "-", "ISO3 code (origin or destination country)"),
             "change_percent": S("number", REQUIRED, "percent", "change of the USD value (negative: depreciation)",
                                 low=-95, high=1000)}),
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
         replaces=("remit_capacity",)),
    Kind("relocation", "A wave of people leaving one origin for one place (a Kazakh region, all of Kazakhstan or "
         "another country), spread over some months; a share go home when the window ends.", "optional", {
             "origin": S("origin", REQUIRED, "-", "citizenship"),
             "destination": S("place", "KAZ", "-", "where they go"),
             "share": S("number", REQUIRED, "share", "share of eligible people at home who leave", **SHARE),
             "months": S("integer", 1, "months", "months over which they leave", low=1, high=120),
             "men_only": S("bool", False, "-", "only men leave"),
             "age_max": S("number", 60.0, "years", "oldest who leave", low=14, high=80),
             "return_share": S("number", 0.0, "share", "share still there who go home at the end", **SHARE)},
         check=_abroad_check),
    Kind("mobilisation", "Mobilisation in an origin (Russia, September 2022): men of fighting age leave for "
         "Kazakhstan within weeks. A relocation with these defaults, sized on 2022: a little over 400,000 "
         "Russians entered Kazakhstan from 21 September, 320,000 left and about 100,000 stayed (Kazakhstan's "
         "Minister of Labour, Interfax, 29 November 2022); the model has no transit, so the share is set to move "
         "about 100,000 at the model's Russian pool. Almost half of those who came to Almaty in 2022 had gone "
         "back by August 2023 (Russia's consul general in Almaty, TASS, 23 August 2023).", "optional", {
             "origin": S("origin", "RUS", "-", "citizenship"),
             "destination": S("place", "KAZ", "-", "where they go"),
             "share": S("number", 0.2, "share", "share of men at home, up to age_max, who leave", **SHARE),
             "months": S("integer", 2, "months", "months over which they leave", low=1, high=120),
             "men_only": S("bool", True, "-", "only men leave"),
             "age_max": S("number", 50.0, "years", "oldest who leave", low=14, high=80),
             "return_share": S("number", 0.5, "share", "share still there who go home at the end", **SHARE)},
         check=_abroad_check),
    Kind("border_closure", "Borders closed (as in 2020): no one enters the closed corridors (home visits cannot "
         "go back) and workers abroad are stranded: their chance of visiting or going home or moving on is "
         "multiplied by exit_factor.", "optional", {
             "origins": S("origins", ORIGINS, "-", "citizenships barred from entering"),
             "destinations": S("countries", DEST_COUNTRIES, "-", "destination countries that close"),
             "exit_factor": S("number", 0.2, "x", "chance of leaving a closed country", **SHARE)},
         replaces=("exit_factor",)),
    Kind("sector_demand", "Demand for foreign workers in some sectors and places moves (oil price hitting "
         "Mangystau and Atyrau; a construction boom): hiring, the attraction of the place and the sector mix of "
         "new jobs scale with it; a fall lays off that share of the jobs at once.", "optional", {
             "places": S("places", ("KAZ",), "-", "'KAZ' (every region), regions or countries"),
             "sectors": S("sectors", SECTORS, "-", "sectors concerned"),
             "factor": S("number", REQUIRED, "x", "demand relative to before", low=0.01, high=100),
             "layoffs": S("bool", True, "-", "a fall ends that share of the jobs at the date")}),
]}


# --- validation --------------------------------------------------------------------------
def _fail(ev_label: str, source: str, key: str, value, allowed: str) -> ScenarioError:
    return ScenarioError(f"{source}: {ev_label}: key '{key}' = {shown(value)} is not allowed; it must be {allowed}.")


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
    if unquoted_date(value):
        raise ScenarioError(f"{source}: {label}: key '{key}' = {shown(value)} {UNQUOTED_MONTH}.")
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
        if not isinstance(kind_name, str) or kind_name not in KINDS:  # a list or table cannot be looked up
            raise ScenarioError(
                f"{source}: {label}: " + ("no 'kind' given" if kind_name is None else f"unknown kind {shown(kind_name)}")
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
        events.append(Event(kind_name, start, end, settings, i, source, body))
    _check_no_overlap(events)
    return events


def _check_no_overlap(events: list[Event]) -> None:
    """Refuse two events in force at once that replace the same lever, unless one lies inside the other.

    An event puts back at its end what it found at its start. A window inside another's
    (beginning with or after it, ending before it) puts back the outer one's value, and the
    outer one then its own: that nests. Windows that cross would not: the first to end would
    undo the other while it is still in force, and the last to end would bring back a value
    from before (two quota windows left a quota of 5 for good). A change for good (no end)
    inside a window would be undone at the window's end.
    """
    def month(index: int) -> str:
        year, m = divmod(index, 12)
        return f"{year:04d}-{m + 1:02d}"

    def window(ev: Event) -> str:
        return f"from {month(ev.start)}" + (f" to {month(ev.end)}" if ev.end is not None else " on")

    ordered = sorted(events, key=lambda ev: (ev.start, ev.index))  # the order they begin in
    for k, first in enumerate(ordered):
        if first.end is None:
            continue  # a change for good: what begins after it saves and puts back its value
        for later in ordered[k + 1:]:
            if later.start > first.end:
                break
            if later.end is not None and later.end < first.end:
                continue  # inside the other's window: it puts back the outer one's value
            shared = [f for f in KINDS[first.kind].levers_replaced if f in KINDS[later.kind].levers_replaced]
            if shared:
                where = "" if first.source == later.source else f" ({first.source})"
                raise ScenarioError(
                    f"{later.source}: {later.label}, {window(later)}, begins while {first.label}{where}, "
                    f"{window(first)}, is in force, and both set the levers {', '.join(map(repr, shared))}: each "
                    "puts back at its end what it found at its start, so windows that cross would leave the "
                    "wrong values in force. Let one end before the other begins, or lie wholly inside the "
                    "other's window (ending before it ends).")


def check_event_dates(events: list[Event], run_start: str) -> None:
    """No event may begin before the run does (its months would never be simulated)."""
    first = month_index(run_start)
    for ev in events:
        if ev.start < first:
            raise ScenarioError(f"{ev.source}: {ev.label}: it starts before run.start = {run_start!r}; "
                                "events apply from the first simulated month on. Move it or start the run earlier.")


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

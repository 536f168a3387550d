"""Compiled kernel for the one decision that touches every worker every month.

Choosing where to work is the hot path: each month every worker at home weighs 13
destinations against staying. `decisions.destination_utilities`,
`choice_probabilities` and `choose` state the rule in plain numpy; this kernel
makes exactly the same choice in one compiled pass per worker, and a test holds the
two equal. Profiling showed the numpy version taking 85% of the month at 200,000
workers, which is why it exists.

The utility separates into a part shared by all workers of one origin and one level
of household need, and a part that is the worker's own:

    exp(v_ia) = T[origin, need, a] * (1 + contacts_ia) ** beta_network * exp(q_i)

so the 13 exponentials per worker become one, with T computed once a month.
"""

from __future__ import annotations

import functools
import math
import types

import numba
import numpy as np

from .world import (
    DEST_COUNTRIES,
    HOME,
    INT_CIRCULATE,
    INT_MOVE_ON,
    INT_RETURN,
    INT_STAY,
    INTENTIONS,
    LOCATION_COUNTRY,
    N_LOCATIONS,
    REGIMES,
    ST_IRREGULAR,
    ST_PATENT,
    ST_QUOTA,
    ST_VISITOR,
)

KAZ = DEST_COUNTRIES.index("KAZ")
R_PATENT = REGIMES.index("patent")
MAX_DEPENDANTS = 20  # the need level counts dependants up to this many
# need x 4 = 4 x provider + dependants: 0 to 24 (the tables once went to 84, and the weights' exponentials
# over the 60 levels no worker reaches were most of the month's conditions)
MAX_NEED_LEVEL = 4 + MAX_DEPENDANTS


def shared_weights(base: np.ndarray, log_expected_wage: np.ndarray, cost: np.ndarray, home_wage: np.ndarray,
                   beta_income: float, beta_need: float, beta_cost: float) -> np.ndarray:
    """T[origin, need level, alternative] = exp(base + gain x log wage - cost term).

    The sums in one compiled pass (`_weight_exponents`: numpy made ten calls on arrays of a few
    hundred values, three quarters of this step's time), the exponential numpy's own, in
    place (numba's differs from it in the last bit)."""
    v = _weight_exponents(base, log_expected_wage, cost, home_wage, beta_income, beta_need, beta_cost)
    return np.exp(v, out=v)


@numba.njit(cache=True)
def _weight_exponents(base, log_expected_wage, cost, home_wage, beta_income, beta_need, beta_cost):
    """min(base - beta_cost x cost / home wage + gain x log wage, 700) by origin, need level and
    alternative, gain = beta_income x (1 + beta_need x level / 4): numpy's operations on each
    element, in its order (and its minimum: a nan stays nan)."""
    n_origins, n_alt = base.shape
    v = np.empty((n_origins, MAX_NEED_LEVEL + 1, n_alt))
    for o in range(n_origins):
        for level in range(MAX_NEED_LEVEL + 1):
            gain = beta_income * (1.0 + beta_need * (level / 4.0))
            for a in range(n_alt):
                x = (base[o, a] - beta_cost * cost[o, a] / home_wage[o]) + gain * log_expected_wage[a]
                v[o, level, a] = 700.0 if x > 700.0 else x
    return v


_PREPARED: list = []  # one-entry cache: (key, weights kept alive, tables)


def prepare_choice(weights: np.ndarray, cost: np.ndarray, allowed: np.ndarray, home_wage: np.ndarray,
                   unemployed_income_ratio: float, beta_income: float, beta_need: float, beta_network: float):
    """Month-level tables for `choose_destinations`, computed once per month's conditions.

    (The per-agent reference month asks for them once per worker; the cache makes that free.)
    """
    key = (id(weights), id(cost), allowed.tobytes(), home_wage.tobytes(), unemployed_income_ratio,
           beta_income, beta_need, beta_network)
    if _PREPARED and _PREPARED[0][0] == key and _PREPARED[0][1] is weights:
        return _PREPARED[0][2]
    tables = _prepare_choice(weights, cost, allowed, home_wage, unemployed_income_ratio, beta_income, beta_need,
                             beta_network)
    _PREPARED[:] = [(key, weights, tables)]
    return tables


def _prepare_choice(weights: np.ndarray, cost: np.ndarray, allowed: np.ndarray, home_wage: np.ndarray,
                   unemployed_income_ratio: float, beta_income: float, beta_need: float, beta_network: float):
    """Month-level tables for `choose_destinations`.

    Alternatives are ordered by cost within each origin, so the alternatives a worker
    can afford are a prefix and their total weight is one look-up in a cumulative sum.
    The worker's own factor exp(-gain x log income at home) takes few values: one
    per origin, employment at home and need level.
    """
    sorted_cost, cum, w = _cost_ordered(weights, cost, allowed)
    contact_factor, home_factor = _personal_factors(home_wage.tobytes(), home_wage.dtype.str, unemployed_income_ratio,
                                                    beta_income, beta_need, beta_network)
    return sorted_cost, cum, w, contact_factor, home_factor


@numba.njit(cache=True)
def _cost_ordered(weights, cost, allowed):
    """Each origin's alternatives by cost (a stable sort), the weights of the allowed ones, and
    their cumulative sums in that order from 0: what numpy's argsort, take_along_axis and
    cumsum made in some fifteen calls a month (cumsum adds in order, so the sums are the same)."""
    n_origins, n_levels, n_alt = weights.shape
    sorted_cost = np.empty((n_origins, n_alt))
    w = np.zeros(weights.shape)
    cum = np.zeros((n_origins, n_levels, n_alt + 1))
    for o in range(n_origins):
        order = np.argsort(cost[o], kind="mergesort")
        for k in range(n_alt):
            sorted_cost[o, k] = cost[o, order[k]]
        for level in range(n_levels):
            for a in range(n_alt):
                if allowed[o, a]:
                    w[o, level, a] = weights[o, level, a]
            acc = 0.0
            for k in range(n_alt):
                acc += w[o, level, order[k]]
                cum[o, level, k + 1] = acc
    return sorted_cost, cum, w


@functools.lru_cache(maxsize=4)  # home wages change once a year; the tables were made every month
def _personal_factors(home_wage: bytes, dtype: str, unemployed_income_ratio: float, beta_income: float,
                      beta_need: float, beta_network: float):
    """The pull of 0..255 contacts, (1 + k) ** beta_network, and the factor of income at home,
    exp(-gain x log income), by origin, employment at home and need level."""
    home_wage = np.frombuffer(home_wage, dtype=dtype)
    contact_factor = (1.0 + np.arange(256)) ** beta_network
    gain = beta_income * (1.0 + beta_need * np.arange(MAX_NEED_LEVEL + 1) / 4.0)  # (levels,)
    income = np.stack([home_wage * unemployed_income_ratio, home_wage], axis=1)  # (origins, employed)
    home_factor = np.exp(-gain[None, None, :] * np.log(income)[:, :, None])  # (origins, employed, levels)
    contact_factor.flags.writeable = home_factor.flags.writeable = False
    return contact_factor, home_factor


# Below this many deciders the serial loop (about 20 ns a decider, so under 1.5 ms) costs less
# than waking a thread team can on a shared machine: at 10,000 agents (some 9,000 deciders a
# month) the months took 2.73 and 1.82 s with a threshold of 4,096, 1.50 and 1.35 s with this one.
PARALLEL_DECIDERS = 65_536


def choose_destinations(rows, *args):
    """Chosen alternative per worker, or -1 to stay (see `_choose_destinations`).

    Many workers: the parallel compiled loop; fewer than PARALLEL_DECIDERS (the
    per-agent reference month calls this for one worker at a time), or one thread (a
    worker process of a calibration or sweep): the serial one, without the thread
    team's start-up. Both give the same choices.
    """
    kernel = _choose_parallel if len(rows) >= PARALLEL_DECIDERS and numba.get_num_threads() > 1 else _choose_serial
    return kernel(rows, *args)


def _choose_destinations(
    rows, u,  # workers deciding, and one uniform each
    origin, provider, dependants, female, age, savings, home_employed, contacts, degree,  # worker columns
    sorted_cost, cum_weights, weights, cost, contact_factor, home_factor,  # prepare_choice; cost (origins, alts)
    beta_network, beta_female, beta_care, beta_age, beta_youth,
):
    """Chosen alternative per worker (alternative k is location k + 1), or -1 to stay.

    Same rule as decisions.destination_utilities + choice_probabilities + choose:
    multinomial logit against staying (utility 0), inverse CDF of one uniform.
    """
    n = rows.shape[0]
    n_alt = cost.shape[1]
    choice = np.full(n, -1, np.int64)
    female_factor = math.exp(beta_female)
    female_with_dependants = math.exp(beta_female + beta_care)
    for j in numba.prange(n):
        i = rows[j]
        o = origin[i]
        level = 4 * np.int64(provider[i]) + min(np.int64(dependants[i]), MAX_DEPENDANTS)
        scale = home_factor[o, np.int64(home_employed[i]), level]
        if age[i] > 35.0:
            scale *= math.exp(beta_age * (age[i] - 35.0) / 10.0)
        elif age[i] < 25.0:
            scale *= math.exp(beta_youth * (25.0 - age[i]) / 10.0)
        if female[i]:
            scale *= female_with_dependants if dependants[i] > 0 else female_factor
        cash = savings[i]
        # Total weight of the affordable alternatives, plus the pull of contacts. The costs are
        # in ascending order, so the affordable ones are the first n_afford: counted, not searched
        # for, since a loop that stops at a random place mispredicts (a tenth of the kernel's time).
        n_afford = 0
        for k in range(n_alt):
            n_afford += sorted_cost[o, k] <= cash
        total = cum_weights[o, level, n_afford]
        if contacts[i, 0] < degree[i]:  # some ties are abroad
            for a in range(n_alt):
                k = contacts[i, a + 1]
                if k > 0 and cash >= cost[o, a]:
                    f = contact_factor[k] if k < 256 else math.exp(beta_network * math.log1p(k))
                    total += weights[o, level, a] * (f - 1.0)
        total *= scale
        denom = 1.0 + total
        if u[j] >= total / denom:
            continue  # stays: most workers stop here
        # Movers: walk the cumulative probabilities in the alternatives' own order.
        acc = 0.0
        last = -1
        for a in range(n_alt):
            if cash >= cost[o, a] and weights[o, level, a] > 0.0:
                w = weights[o, level, a]
                k = contacts[i, a + 1]
                if k > 0:
                    w *= contact_factor[k] if k < 256 else math.exp(beta_network * math.log1p(k))
                acc += w * scale / denom
                last = a
                if u[j] < acc:
                    choice[j] = a
                    break
        if choice[j] < 0:  # rounding left u just above the last cumulative value
            choice[j] = last
    return choice


def named_copy(func, name: str):
    """The same Python function under another name.

    numba names a cached kernel's files after the function's qualified name and ignores
    `parallel=` in its cache key, so one function compiled both ways shares one cache
    entry: whichever was compiled first served both (a 1M-agent month ran on one thread,
    or the per-agent month started a thread team per worker). Each variant is its own
    function here, so each has its own cache files.
    """
    code = func.__code__.replace(co_name=name, co_qualname=name)
    copy = types.FunctionType(code, func.__globals__, name, func.__defaults__, func.__closure__)
    copy.__qualname__, copy.__module__, copy.__doc__ = name, func.__module__, func.__doc__
    return copy


_choose_parallel = numba.njit(parallel=True, cache=True, error_model="numpy")(
    named_copy(_choose_destinations, "_choose_destinations_parallel"))
_choose_serial = numba.njit(cache=True, error_model="numpy")(
    named_copy(_choose_destinations, "_choose_destinations_serial"))


@numba.njit(cache=True)
def home_month(rows, u, origin, home_employed, savings, lose_rate, find_rate, home_wage,
               unemployed_income_ratio, saving_rate):
    """Workers at home lose or find work (rates per origin), earn and save part of it.

    Who loses or finds work is a new selection as `employed`, not branches on it: chance
    decides it, and the mispredicted branches were a quarter of the pass's time. One thread:
    on two, a million workers' pass took as long (it streams the columns through memory)."""
    for j in range(rows.shape[0]):
        i = rows[j]
        o = origin[i]
        employed = (home_employed[i] & ~(u[j] < lose_rate[o])) | (~home_employed[i] & (u[j] < find_rate))
        home_employed[i] = employed
        income = home_wage[o] if employed else home_wage[o] * unemployed_income_ratio
        savings[i] += np.float32(saving_rate * income)


@numba.njit(cache=True)
def leave_job(rows, job_sector, contract, pension, paid_leave, channel, wage):
    """The job's columns cleared for `rows` (`work.leave_job`): one pass, where numpy scattered
    into six columns one after another."""
    for j in range(rows.shape[0]):
        i = rows[j]
        job_sector[i] = -1
        contract[i] = False
        pension[i] = False
        paid_leave[i] = False
        channel[i] = 0
        wage[i] = 0.0


@numba.njit(cache=True)
def job_contacts(rows, loc, contacts, same_country_elsewhere, reach):
    """Contacts who can help each worker find work at `loc[j]`: those there, plus `reach`
    times those elsewhere in the same country (`work.job_contacts`). Counts are small
    integers, exact in float32 whatever the order of the sum; then one float32 multiply and
    add, as numpy did them (it gathered a row of counts and a row of the mask per worker)."""
    out = np.empty(rows.shape[0], np.float32)
    for j in range(rows.shape[0]):
        i, here = rows[j], loc[j]
        elsewhere = 0
        for m in range(contacts.shape[1]):
            if same_country_elsewhere[here, m]:
                elsewhere += contacts[i, m]
        out[j] = np.float32(contacts[i, here]) + reach * np.float32(elsewhere)
    return out


@numba.njit(cache=True)
def earn_abroad(rows, location, origin, wage, job_sector, status, remitter, remit_share, savings,
                living_cost, patent_fee, patent_status, kaz, remitted, remitters, scale):
    """Abroad: income pays living costs (and the patent fee in Kazakhstan); remitters
    send their share of income, never more than the cash left. Totals by corridor."""
    for j in range(rows.shape[0]):
        i = rows[j]
        c = LOCATION_COUNTRY[location[i]]
        income = wage[i]
        cash = savings[i] + income - living_cost[c]
        if status[i] == patent_status and c == kaz:
            cash -= patent_fee
        sent = 0.0
        if remitter[i] and job_sector[i] >= 0:
            sent = min(remit_share[i] * income, max(cash, 0.0))
        savings[i] = np.float32(cash - sent)
        if sent > 0.0:
            remitted[c, origin[i]] += sent * scale
            remitters[c, origin[i]] += scale


def as_numpy_threshold(x, dtype):
    """`x` as numpy would take it in an operation with an array of `dtype`: a Python float or
    int is cast to the array's type (NEP 50), a numpy float64 keeps its own. Compiled kernels
    compare or combine with the result, so they give what the numpy expression gave, bit for bit."""
    if type(x) is float or type(x) is int:  # the usual case, without numpy's type resolution (some 5,000 a run)
        return _cast(x, dtype)
    return np.result_type(dtype, x).type(x)


@functools.lru_cache(maxsize=1024, typed=True)  # the same few parameters all run long; a numpy scalar took 0.3 us
def _cast(x, dtype):
    return np.dtype(dtype).type(x)


@numba.njit(cache=True)
def advance_clocks(months_here, months_on_trip, months_unemployed, cooldown, age, location, job_sector, age_max):
    """The month-end clocks of every worker in one pass (numpy took seven passes over the
    population, each with its temporaries): months at the place and on the trip (capped at
    the int16 maximum), months abroad without a job, cool-down, age. Returns the rows that
    reached `age_max` at home (to retire).

    Each clock adds its condition (0 or 1) instead of branching on it: the conditions vary
    from worker to worker at random, and the mispredicted branches were most of the pass's
    time (47 us a month at 10,000 workers; 14 us without them). The few retirees are found
    in a second pass, in the months that have any.
    """
    top = np.iinfo(np.int16).max
    step = np.float32(1 / 12)
    n_retire = 0
    for i in range(age.shape[0]):
        months_here[i] += months_here[i] < top
        months_on_trip[i] += months_on_trip[i] < top
        months_unemployed[i] += (location[i] != HOME) & (job_sector[i] < 0)
        cooldown[i] -= cooldown[i] > 0
        age[i] += step
        n_retire += (age[i] >= age_max) & (location[i] == HOME)
    retire = np.empty(n_retire, np.int64)
    if n_retire:
        k = 0
        for i in range(age.shape[0]):
            if age[i] >= age_max and location[i] == HOME:
                retire[k] = i
                k += 1
    return retire


@numba.njit(cache=True)
def update_status(rows, u_regularise, u_deport, status, months_here, origin, location, regime, visitor_months,
                  patent_hazard, deportation_rate):
    """Workers abroad: visitors past the visa-free stay (`visitor_months`) become irregular;
    unauthorised workers in patent corridors take a patent at `patent_hazard`. Returns who is
    caught: irregular workers in Kazakhstan, each at `deportation_rate`. One pass instead of
    a dozen numpy passes over the workers abroad; thresholds as `as_numpy_threshold` gives them."""
    caught = np.zeros(rows.shape[0], np.bool_)
    for j in range(rows.shape[0]):
        i = rows[j]
        st = status[i]
        if st == ST_VISITOR and months_here[i] >= visitor_months:
            st = ST_IRREGULAR
        country = LOCATION_COUNTRY[location[i]]
        if ((st == ST_VISITOR or st == ST_IRREGULAR) and regime[origin[i], country] == R_PATENT
                and u_regularise[j] < patent_hazard):
            st = ST_PATENT
        status[i] = st
        caught[j] = country == KAZ and st == ST_IRREGULAR and u_deport[j] < deportation_rate
    return caught


@numba.njit(cache=True)
def abroad_choices(rows, u, intention, months_unemployed, savings, age, location, base_return, return_hazard,
                   stay_return_factor, unemployed_return_factor, broke_return_factor, age_max, visit_hazard,
                   other_visit_hazard, move_on_hazard, exit_factor):
    """Per worker abroad: 0 stay, 1 return for good, 2 visit home, 3 move on.

    The hazards by intention (returning more often out of work or broke, always at
    `age_max`; `exit_factor` by country strands workers behind closed borders) and the rule
    of `decisions.abroad_choice` on them, in one compiled pass where numpy made some twenty
    full-length temporaries; the same float64 arithmetic in the same order, so the same choices
    (`tests/test_kernels.py`).
    """
    choice = np.zeros(rows.shape[0], np.int8)
    # The hazards by intention, looked up: a branch on each worker's intention mispredicted
    # (a third of the pass's time).
    return_by_plan = np.full(len(INTENTIONS), base_return)
    return_by_plan[INT_RETURN] = base_return + return_hazard
    return_by_plan[INT_STAY] = base_return * stay_return_factor
    visit_by_plan, move_by_plan = np.zeros(len(INTENTIONS)), np.zeros(len(INTENTIONS))
    visit_by_plan[INT_CIRCULATE] = visit_hazard
    visit_by_plan[INT_RETURN] = visit_by_plan[INT_STAY] = other_visit_hazard
    move_by_plan[INT_MOVE_ON] = move_on_hazard
    for j in range(rows.shape[0]):
        i = rows[j]
        plan = intention[i]
        p_return = return_by_plan[plan]
        if months_unemployed[i] >= 2:
            p_return *= unemployed_return_factor
        if savings[i] <= 0:
            p_return *= broke_return_factor
        if age[i] >= age_max:
            p_return = 1.0
        p_visit = visit_by_plan[plan]
        p_move = move_by_plan[plan]
        stranded = exit_factor[LOCATION_COUNTRY[location[i]]]
        p_return, p_visit, p_move = p_return * stranded, p_visit * stranded, p_move * stranded
        total = p_return + p_visit + p_move
        scale = 1.0 / max(total, 1e-12) if total > 1.0 else 1.0
        c1 = p_return * scale
        c2 = c1 + p_visit * scale
        c3 = c2 + p_move * scale
        if u[j] < c1:
            choice[j] = 1
        elif u[j] < c2:
            choice[j] = 2
        elif u[j] < c3:
            choice[j] = 3
    return choice


@numba.njit(cache=True)
def abroad_counts(location, job_sector, status, education, skilled, origin, n_origins):
    """At the start of the month, for its conditions: workers abroad by origin and location, the employed
    among them by location, and quota permit holders by category [other, skilled (`education` == `skilled`)].
    One pass where numpy selected the workers abroad and made several bincounts."""
    stock = np.zeros((n_origins, N_LOCATIONS), np.int64)
    employed = np.zeros(N_LOCATIONS, np.int64)
    quota_holders = np.zeros(2, np.int64)
    for i in range(location.shape[0]):
        loc = location[i]
        if loc == HOME:
            continue
        stock[origin[i], loc] += 1
        if job_sector[i] >= 0:
            employed[loc] += 1
        if status[i] == ST_QUOTA:
            quota_holders[1 if education[i] == skilled else 0] += 1
    return stock, employed, quota_holders


@numba.njit(cache=True, error_model="numpy")
def market_terms(stock, employed, prior, dest_unemployment, scale, capacity, location_wage, country):
    """Each location's expected wage before its log, wage x chance of a job (the employed share,
    with `prior` persons at the country's employment rate; at least 1e-6), and each country's
    crowding before its exponential, -employed people / capacity (`month.month_conditions`): one
    pass where numpy made fourteen calls, in numpy's float64 operations and order (the employed
    added by country in location order, as its bincount adds them)."""
    n_loc = stock.shape[1]
    wage_term = np.empty(n_loc)
    employed_country = np.zeros(capacity.shape[0])
    for loc in range(n_loc):
        people = 0
        for o in range(stock.shape[0]):
            people += stock[o, loc]
        c = country[loc]
        p_job = (np.float64(employed[loc]) + prior * (1 - dest_unemployment[c])) / (np.float64(people) + prior)
        x = location_wage[loc] * p_job
        wage_term[loc] = 1e-6 if x < 1e-6 else x  # (numpy's maximum: a nan stays nan)
        employed_country[c] += np.float64(employed[loc])
    crowding = np.empty(capacity.shape[0])
    for c in range(capacity.shape[0]):
        crowding[c] = -(employed_country[c] * scale) / capacity[c]
    return wage_term, crowding


@numba.njit(cache=True)
def category_count(v, cum):
    """How many of the cumulative values `v` reaches (numpy's searchsorted, side="right")."""
    k = 0
    for c in cum:
        if v >= c:
            k += 1
    return k


@numba.njit(cache=True)
def category(v, cum):
    """Category of uniform `v` by inverse CDF on normalised cumulative shares `cum`, as
    `decisions.draw_by_shares` draws it: the count reached, at most the last category."""
    return min(category_count(v, cum), cum.shape[0] - 1)

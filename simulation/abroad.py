"""Abroad: earning and remitting, then status, enforcement and the choice to stay, visit,
return or move on (steps 4 and 5 of the month).

Kernels over sets of worker rows, as in `month.py`, whose public steps (`go_home`,
`arrive`, `utilities`, `draw_intentions`) they use to move workers, so stocks still
change only by recorded flows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numba
import numpy as np

from . import decisions, kernels, month, selections, work
from . import streams as D
from .economy import ALT_COUNTRY
from .world import (
    DEST_COUNTRIES,
    LOCATION_COUNTRY,
    ST_PATENT,
)

if TYPE_CHECKING:
    from .model import MigrationModel
    from .month import Conditions
    from .streams import Draws

KAZ = DEST_COUNTRIES.index("KAZ")
WINTER_MONTHS = (11, 0, 1)  # December, January, February: construction stops and workers visit home


# --- 4. earning, spending, saving, remitting -------------------------------------------------
def earn_and_remit(model: "MigrationModel", rows: np.ndarray) -> None:
    """Income abroad pays living costs and fees; remitters send a share home (less the fee).

    (Workers at home earn and save in `work_at_home`.)
    """
    pop, eco = model.population, model.economy
    abroad = selections.abroad_rows(rows, pop.location, pop.months_here, 0)
    if len(abroad) == 0:
        return
    share = pop.remit_share
    if (eco.levers.remit_capacity < 1).any():
        # A disrupted channel carries only part of what workers would send; they keep the rest.
        country = LOCATION_COUNTRY[pop.location[abroad]].astype(np.int64)
        share = share.copy()
        share[abroad] *= eco.levers.remit_capacity[country, pop.origin[abroad]].astype(np.float32)
    kernels.earn_abroad(abroad, pop.location, pop.origin, pop.wage, pop.job_sector, pop.status, pop.remitter,
                        share, pop.savings, eco.living_cost, eco.levers.patent_fee, ST_PATENT, KAZ,
                        model.totals.remitted, model.totals.remitters, pop.scale)


# --- 5. abroad: stay, visit home, return for good, move on --------------------------------------
def reconsider_abroad(model: "MigrationModel", cond: "Conditions", rows: np.ndarray, draws: "Draws") -> None:
    """Status changes, enforcement, then each worker abroad chooses to stay, visit, return or move on."""
    s, pop, eco = model.params, model.population, model.economy
    rows = selections.abroad_rows(rows, pop.location, pop.months_here, 1)
    if len(rows) == 0:
        return
    # Visitors past the visa-free stay become irregular; some regularise with a patent. Then
    # enforcement in Kazakhstan: detected irregular workers are deported and banned.
    u_regularise, u_deport = draws.uniforms((D.REGULARISE, D.DEPORTATION), rows)
    caught = kernels.update_status(
        rows, u_regularise, u_deport,
        pop.status, pop.months_here, pop.origin, pop.location, eco.levers.regime, s["legal.visitor_months"],
        kernels.as_numpy_threshold(s["legal.patent_hazard"] / eco.levers.patent_processing, np.float32),
        kernels.as_numpy_threshold(eco.levers.deportation_rate, np.float32))
    deported = rows[caught]
    model.totals.deported += len(deported) * pop.scale
    month.go_home(model, deported, cooldown=eco.levers.reentry_ban, visit=False)
    rows = rows[~caught]
    if eco.levers.inspection_rate > 0:
        work.inspect_workplaces(model, rows, draws)

    # Plans change: some workers draw their intention afresh.
    u_revise, u_choice = draws.uniforms((D.REVISE_INTENTION, D.ABROAD_CHOICE), rows)
    revise = u_revise < s["mobility.intention_revision"]
    if revise.any():
        pop.intention[rows[revise]] = month.draw_intentions(s, pop.female[rows[revise]],
                                                       draws.uniform(D.REVISED_INTENTION, rows[revise]))
    # Hazards of returning, visiting and moving on by intention (returning more often when
    # out of work or broke, always at the retirement age; closed borders strand workers where
    # they are), then one choice (`decisions.abroad_choice`).
    visit_hazard = s["mobility.visit_hazard"] * (s["mobility.winter_visit_factor"]
                                                 if model.calendar_month in WINTER_MONTHS else 1.0)
    choice = kernels.abroad_choices(
        rows, u_choice, pop.intention, pop.months_unemployed, pop.savings, pop.age,
        pop.location, s["mobility.base_return_hazard"], s["mobility.return_hazard"], s["mobility.stay_return_factor"],
        s["mobility.unemployed_return_factor"], s["mobility.broke_return_factor"],
        kernels.as_numpy_threshold(s["population.age_max"], np.float32), visit_hazard,
        visit_hazard * s["mobility.other_plans_visit_factor"], s["mobility.move_on_hazard"], eco.levers.exit_factor)

    month.go_home(model, rows[choice == 1], cooldown=s["mobility.cooldown_months"], visit=False)
    month.go_home(model, rows[choice == 2], cooldown=0, visit=True, draws=draws)
    _move_on(model, cond, rows[choice == 3], draws)


def _move_on(model: "MigrationModel", cond: "Conditions", rows: np.ndarray, draws: "Draws") -> None:
    """Leave for another country: a logit choice among the others, with no option to stay.

    Having moved on, a worker's plan is carried out: the intention is drawn afresh in the
    new country, or movers-on would wander from country to country for good.
    """
    if len(rows) == 0:
        return
    s, pop = model.params, model.population
    allowed = cond.open if cond.quota_slots > 0 else cond.open & ~cond.quota_corridor
    pick = move_on_choices(rows, draws.uniform(D.MOVE_ON_DESTINATION, rows), pop.origin, pop.location,
                           pop.provider, pop.dependants, pop.savings, pop.contacts, cond.weights, cond.cost, allowed,
                           s["behaviour.beta_network"])
    go = pick != decisions.STAY
    moved = rows[go]
    month.arrive(model, cond, moved, pick[go] + 1, draws, new_trip=False)
    pop.intention[moved] = month.draw_intentions(model.params, pop.female[moved],
                                            draws.uniform(D.INTENTION_AFTER_MOVE_ON, moved))


@numba.njit(cache=True)
def move_on_choices(rows, u, origin, location, provider, dependants, savings, contacts,  # movers-on, worker columns
                    weights, cost, allowed, beta_network):  # the month's conditions
    """Where each worker moving on goes (alternative k is location k + 1), or STAY where no other
    country is open to them and affordable.

    The rule is `month.utilities` with the worker's own country closed, then
    `decisions.choice_probabilities(with_stay=False)` and `decisions.choose`, in one pass per
    worker: without the option to stay, the terms common to every alternative (income at
    home, age, sex and care) cancel, so each alternative weighs the month's shared weight for
    the worker's origin and need (`kernels.shared_weights`) times the pull of contacts there,
    (1 + contacts) ** beta_network. Float64 arithmetic where numpy's was float32: the choices
    differ only where the uniform sits on a boundary (`tests/test_decisions.py`).
    """
    n_alt = cost.shape[1]
    choice = np.full(rows.shape[0], decisions.STAY, np.int64)
    w = np.empty(n_alt)
    for j in range(rows.shape[0]):
        i = rows[j]
        o = origin[i]
        here = LOCATION_COUNTRY[location[i]]
        level = 4 * np.int64(provider[i]) + min(np.int64(dependants[i]), kernels.MAX_DEPENDANTS)
        total = 0.0
        for a in range(n_alt):
            w[a] = 0.0
            if allowed[o, a] and savings[i] >= cost[o, a] and ALT_COUNTRY[a] != here:
                w[a] = weights[o, level, a]
                k = contacts[i, a + 1]
                if k > 0:
                    w[a] *= math.exp(beta_network * math.log1p(k))
                total += w[a]
        if total <= 0.0:
            continue
        acc = 0.0
        for a in range(n_alt):
            if w[a] > 0.0:
                acc += w[a] / total
                choice[j] = a  # the last open alternative, if rounding left u above the sum
                if u[j] < acc:
                    break
    return choice

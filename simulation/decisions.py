"""Decision rules as pure functions over arrays: no model inside, one call for everyone.

Each function takes the attributes of n workers (and the market conditions they
face) as arrays and returns probabilities or choices. The monthly kernels call them
on all the workers concerned at once; the per-agent reference path calls them on
arrays of length one. Uniform draws come in as arguments, so the functions are
deterministic and testable on their own.
"""

from __future__ import annotations

import numpy as np

STAY = -1  # choice code for "stays where they are"


def destination_utilities(
    base: np.ndarray,  # (n, a) attraction of each alternative: ASCs, proximity, region, season
    gain_weight: np.ndarray,  # (n,) weight of the income gain (beta_income x household need)
    log_expected_wage: np.ndarray,  # (a,) log(wage x chance of a job) at each alternative
    log_home_income: np.ndarray,  # (n,) log income if staying
    cost_months: np.ndarray,  # (n, a) moving cost in months of home wage
    beta_cost: float,
    personal: np.ndarray,  # (n,) sex, care and age terms, common to every alternative
    network_pull: np.ndarray | None,  # (n, a) beta_network x log(1 + contacts), or None
    feasible: np.ndarray,  # (n, a) bool: allowed and affordable
) -> np.ndarray:
    """Utility of each alternative against staying (whose utility is 0); -inf if not feasible.

    Random-utility (multinomial logit) migration: expected income as in Harris-Todaro,
    costs as intervening obstacles (Lee), contacts as network pull (Massey), household
    need scaling the income motive (Stark and Taylor).
    """
    v = base + gain_weight[:, None] * (log_expected_wage[None, :] - log_home_income[:, None])
    v -= beta_cost * cost_months
    v += personal[:, None]
    if network_pull is not None:
        v += network_pull
    return np.where(feasible, v, -np.inf).astype(np.float32)


def choice_probabilities(utilities: np.ndarray, with_stay: bool = True) -> np.ndarray:
    """Logit probabilities of each alternative; staying (utility 0) takes the rest.

    With `with_stay=False` the alternatives share all the probability (a forced move);
    rows with no feasible alternative then get zeros.
    """
    # (ndarray methods and ufuncs: numpy's Python wrappers, np.max and np.errstate, cost more
    # than the arithmetic on the few workers who move on in a month)
    top = utilities.max(axis=1, keepdims=True)
    if with_stay:
        top = np.maximum(top, 0.0)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(utilities - top)
    denom = e.sum(axis=1, keepdims=True)
    if with_stay:
        denom = denom + np.exp(-top)
    p = np.divide(e, denom, out=np.zeros_like(e), where=denom > 0)
    return p.astype(np.float32)


def choose(probabilities: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Alternative index for each row by inverse CDF of one uniform; STAY past the last."""
    cum = probabilities.cumsum(axis=1)  # (the method: np.cumsum's wrapper cost more than the sum)
    pick = (u[:, None] >= cum).sum(axis=1)
    return np.where(pick >= probabilities.shape[1], STAY, pick)


def network_job_chance(contacts: np.ndarray, saturation: float) -> np.ndarray:
    """How fully the network channel works with this many contacts (0 with none, to 1)."""
    return 1.0 - np.exp(-np.asarray(contacts, dtype=np.float32) / saturation)


def job_search(
    u: np.ndarray,
    network_rate: np.ndarray,  # (n,) monthly intensity through contacts
    agency_rate: np.ndarray,  # (n,) monthly intensity through agencies
    direct_rate: np.ndarray,  # (n,) monthly intensity through own search
    market_factor: np.ndarray,  # (n,) crowding and status factor on every channel
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each searcher finds work this month and through which channel.

    Competing channels: the chance of a job is 1 - exp(-total intensity); the channel
    is drawn in proportion to the intensities, from the same uniform. Returns
    (found, channel) with channel 0 = network, 1 = agency, 2 = direct.
    """
    rates = np.stack([network_rate, agency_rate, direct_rate], axis=1) * market_factor[:, None]
    total = rates.sum(axis=1)
    p_find = 1.0 - np.exp(-total)
    found = u < p_find
    with np.errstate(invalid="ignore", divide="ignore"):
        position = np.where(p_find > 0, u / p_find, 0.0) * total
    channel = (position[:, None] >= np.cumsum(rates, axis=1)).sum(axis=1).clip(0, 2)
    return found, channel


def contract_probability(status_prob: np.ndarray, sector_factor: np.ndarray, via_network: np.ndarray,
                         network_factor: float, via_agency: np.ndarray, agency_floor: float) -> np.ndarray:
    """Chance of a written contract: status sets the base, sector and channel scale it.

    Agency placements are formal by construction of how agencies operate: at least `agency_floor`.
    """
    p = status_prob * sector_factor * np.where(via_network, network_factor, 1.0)
    p = np.where(via_agency, np.maximum(p, agency_floor), p)
    return np.clip(p, 0.0, 1.0)


def remit_probability(intercept: float, provider: np.ndarray, dependants: np.ndarray, female: np.ndarray,
                      beta_provider: float, beta_dependants: float, beta_female: float) -> np.ndarray:
    """Logit chance that a worker sends money home at all (household need raises it)."""
    z = intercept + beta_provider * provider + beta_dependants * dependants + beta_female * female
    return 1.0 / (1.0 + np.exp(-z))


def abroad_choice(
    u: np.ndarray,
    p_return: np.ndarray,
    p_visit: np.ndarray,
    p_move_on: np.ndarray,
) -> np.ndarray:
    """0 stay, 1 return for good, 2 visit home, 3 move on: one uniform, stacked hazards.

    If the hazards add up to more than one they are scaled down in proportion.
    """
    total = p_return + p_visit + p_move_on
    scale = np.where(total > 1.0, 1.0 / np.maximum(total, 1e-12), 1.0)
    c1 = p_return * scale
    c2 = c1 + p_visit * scale
    c3 = c2 + p_move_on * scale
    return np.select([u < c1, u < c2, u < c3], [1, 2, 3], default=0).astype(np.int8)


def cumulative_shares(shares: np.ndarray) -> np.ndarray:
    """Shares (k,) or (n, k) as the normalised cumulative sums `draw_by_shares` compares with."""
    cum = np.cumsum(np.asarray(shares, dtype=np.float64), axis=-1)
    return cum / cum[..., -1:]


def draw_by_shares(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Category index per row by inverse CDF; shares is (k,) or (n, k)."""
    shares = np.asarray(shares, dtype=np.float64)
    cum = cumulative_shares(shares)
    if cum.ndim == 1:
        return np.minimum(np.searchsorted(cum, u, side="right"), len(shares) - 1)
    return np.minimum((u[:, None] >= cum).sum(axis=1), shares.shape[1] - 1)

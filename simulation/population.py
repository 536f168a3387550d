"""The workers' state as typed numpy columns, and how the population is created.

The Mesa `Worker` agents are thin handles onto rows of these columns, made when first
asked for: the monthly kernels read and write whole columns at once. Workers are laid out contiguously by
origin and, within an origin, by village, so that kin and village ties are index
ranges and the network can be generated without a Python loop.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

import networkx as nx
import numba
import numpy as np
from scipy.special import ndtri

from .errors import ScenarioError
from .kernels import as_numpy_threshold, category
from .scenario import Scenario
from .streams import ATTRIBUTES, DRAWS, POOL_RANK, Streams
from .world import HOME, N_LOCATIONS, ORIGINS, SECTORS, ST_HOME


@dataclass
class Population:
    """One row per worker agent; `scale` real people per agent."""

    scale: float
    origin: np.ndarray  # int8 index into ORIGINS
    female: np.ndarray  # bool
    age: np.ndarray  # float32 years
    education: np.ndarray  # int8 index into EDUCATION
    skill_sector: np.ndarray  # int8 sector of experience
    dependants: np.ndarray  # int8
    provider: np.ndarray  # bool: sole or main household provider
    knows_agencies: np.ndarray  # bool
    savings: np.ndarray  # float32 USD
    home_employed: np.ndarray  # bool: has work at home (meaningful at home)
    location: np.ndarray  # int8 index into LOCATIONS
    status: np.ndarray  # int8 index into STATUSES
    job_sector: np.ndarray  # int8, -1 without a job
    contract: np.ndarray  # bool: written contract
    pension: np.ndarray  # bool: employer pays pension contributions
    paid_leave: np.ndarray  # bool
    channel: np.ndarray  # int8 index into CHANNELS: how the current job was found
    wage: np.ndarray  # float32 USD per month in the current job
    intention: np.ndarray  # int8 index into INTENTIONS
    remitter: np.ndarray  # bool
    remit_share: np.ndarray  # float32 share of income sent home
    months_here: np.ndarray  # int16 months at the current location
    months_unemployed: np.ndarray  # int16 months abroad without a job
    cooldown: np.ndarray  # int16 months before considering leaving home again
    visit_dest: np.ndarray  # int8 location to go back to after a home visit (0: none)
    permit_wait: np.ndarray  # int8 location whose quota permit the worker waits for at home (0: none)
    trips: np.ndarray  # int16 trips abroad so far
    months_on_trip: np.ndarray  # int16 months since the current trip began (home visits and moves on included)
    worked_kaz: np.ndarray  # bool: has held a job in Kazakhstan, on this trip or an earlier one
    pool_rank: np.ndarray  # float32 uniform: in the origin's pool while below the month's share of its peak (`pools.py`)
    # Social ties in compressed sparse row form: the ties of worker i are
    # ties[tie_start[i]:tie_start[i+1]].
    tie_start: np.ndarray  # int64
    ties: np.ndarray  # int32
    # contacts[i, l]: how many of worker i's ties are at location l; kept up to date by
    # every move, so the network pull costs nothing to read.
    contacts: np.ndarray  # uint8 (n, N_LOCATIONS); uint16 if a worker has over 255 ties

    @property
    def n(self) -> int:
        return len(self.origin)

    @property
    def degree(self) -> np.ndarray:
        """Ties per worker (int32), computed once: the ties never change."""
        if not hasattr(self, "_degree"):
            self._degree = np.diff(self.tie_start).astype(np.int32)
        return self._degree

    @property
    def origin_size(self) -> np.ndarray:
        """Agents per origin (int64), computed once: a worker's origin never changes."""
        if not hasattr(self, "_origin_size"):
            self._origin_size = np.bincount(self.origin, minlength=len(ORIGINS)).astype(np.int64)
        return self._origin_size

    def network(self, workers: np.ndarray | None = None) -> nx.Graph:
        """The ties among some workers (all by default) as a networkx graph.

        Nodes carry origin and location; intended for analysis and display of a sample,
        since a graph of millions of ties is far larger than the arrays behind it.
        """
        workers = np.arange(self.n) if workers is None else np.asarray(workers)
        chosen = np.zeros(self.n, dtype=bool)
        chosen[workers] = True
        graph = nx.Graph()
        for w in workers.tolist():
            graph.add_node(w, origin=ORIGINS[self.origin[w]], location=int(self.location[w]))
        for w in workers.tolist():
            nbrs = self.ties[self.tie_start[w]:self.tie_start[w + 1]]
            graph.add_edges_from((w, int(v)) for v in nbrs[chosen[nbrs]])
        return graph


def _count_type(degree: np.ndarray) -> type:
    """The smallest unsigned type that holds any worker's number of ties, and so any count of
    contacts at a place: one byte, unless some worker has over 255 ties (a very dense network).
    The contacts' table is the largest per-worker array (a count per location)."""
    return np.uint8 if degree.max(initial=0) <= np.iinfo(np.uint8).max else np.uint16


def peak_pools(scenario: Scenario, peak: np.ndarray | None = None) -> np.ndarray:
    """Persons per origin at the pools' largest in the run (`peak`: per origin, a multiple of
    the pool-year size, `pools.py`; None: the pool-year sizes)."""
    pools = np.array([scenario[f"population.pool.{o}"] for o in ORIGINS], dtype=float)
    return pools if peak is None else pools * peak


def agents_per_origin(scenario: Scenario, n_agents: int, peak: np.ndarray | None = None) -> np.ndarray:
    """Split the agents over origins in proportion to `peak_pools`, by largest remainder."""
    pools = peak_pools(scenario, peak)
    if pools.sum() <= 0:
        raise ScenarioError("population.pool: every pool is zero; at least one origin needs people.")
    exact = n_agents * pools / pools.sum()
    counts = np.floor(exact).astype(np.int64)
    short = n_agents - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def draw_attributes(pop: Population, rows: np.ndarray, scenario: Scenario, home_wage: np.ndarray,
                    u: np.ndarray) -> None:
    """Fill personal attributes of some rows (at creation, and when a retiree is replaced).

    `u` holds one uniform per row for each attribute, in the order of `streams.ATTRIBUTES`
    (row k for attribute k), from that attribute's named draw; keyed per worker, so a
    worker's attributes do not depend on who else is drawn at the same time. The rule is
    `_attributes`', and the savings' log-normal here.
    """
    s = scenario
    rows = np.asarray(rows, dtype=np.int64)
    as_f32 = lambda x: as_numpy_threshold(x, np.float32)  # noqa: E731  (numpy's cast of a Python float)
    education_cum, male_sector_cum, female_sector_cum, dependants_cdf = _attribute_tables(
        *_ATTRIBUTE_TABLE_KEYS(s.values))
    age_min, age_max = s["population.age_min"], s["population.age_max"]
    _attributes(rows, u, pop.origin, as_f32(s["population.female_share"]), as_f32(age_min), as_f32(age_max - age_min),
                education_cum, male_sector_cum, female_sector_cum, ORIGINS.index("RUS"), SECTORS.index("it"),
                as_f32(s["population.it_share_russia"]), as_f32(s["population.dependants_min_age"]), dependants_cdf,
                float(s["population.provider_share"]), float(s["population.provider_female_factor"]),
                float(s["population.provider_male_factor"]), as_f32(s["labour.agency_awareness"]),
                pop.female, pop.age, pop.education, pop.skill_sector, pop.dependants, pop.provider, pop.knows_agencies)
    z = u[ATTRIBUTES.index("savings")].astype(np.float64)
    z = ndtri(np.minimum(np.maximum(z, 2.0**-25, out=z), 1 - 2.0**-25, out=z))  # clipped (np.clip's wrapper cost more)
    months = s["population.savings_median_months"] * np.exp(s["population.savings_sigma"] * z)
    pop.savings[rows] = (home_wage[pop.origin[rows]] * months).astype(np.float32)
    pop.home_employed[rows] = True
    pop.trips[rows] = 0
    pop.months_on_trip[rows] = 0
    pop.cooldown[rows] = 0
    pop.visit_dest[rows] = 0
    pop.permit_wait[rows] = 0
    pop.worked_kaz[rows] = False


# the tables' parameters, in one call (a generator of look-ups cost more than the tables' cache)
_ATTRIBUTE_TABLE_KEYS = operator.itemgetter("population.tertiary_share", "population.upper_secondary_share",
                                            *(f"population.sector_male.{x}" for x in SECTORS),
                                            *(f"population.sector_female.{x}" for x in SECTORS),
                                            "population.dependants_mean")


@functools.lru_cache(maxsize=8)  # the same parameter values all run long: the retirees are renewed every month
def _attribute_tables(tert, upper, *rest):
    """Education's and the sectors' normalised cumulative shares, and the number of
    dependants' cumulative Poisson probabilities (0 to 20)."""
    n = len(SECTORS)
    male_mix, female_mix, dependants_mean = np.array(rest[:n]), np.array(rest[n:2 * n]), rest[2 * n]
    tables = (_cumulative(np.array([1 - tert - upper, upper, tert])), _cumulative(male_mix), _cumulative(female_mix),
              _poisson_cdf(dependants_mean))
    for table in tables:
        table.flags.writeable = False
    return tables


def _cumulative(shares: np.ndarray) -> np.ndarray:
    cum = np.cumsum(shares)
    return cum / cum[-1]


def _poisson_cdf(mean: float, top: int = 20) -> np.ndarray:
    """Cumulative Poisson probabilities of 0..top: a worker's count is fixed by its own uniform."""
    k = np.arange(top + 1)
    pmf = np.exp(-mean + k * np.log(max(mean, 1e-12)) - np.cumsum(np.log(np.maximum(k, 1))))
    return np.cumsum(pmf)


@numba.njit(cache=True)
def _attributes(rows, u, origin, female_share, age_min, age_span, education_cum, male_sector_cum, female_sector_cum,
                russia, it_sector, it_share_russia, dependants_min_age, dependants_cdf, provider_share,
                provider_female_factor, provider_male_factor, agency_awareness,
                female, age, education, skill_sector, dependants, provider, knows_agencies):
    """Sex, age, education, sector of experience (IT for a share of Russians), dependants
    (adults only), whether the main provider and whether aware of agencies, each by inverse
    CDF of its own uniform (rows of `u` in the order of `streams.ATTRIBUTES`).

    One pass where numpy made some forty calls for the few retirees renewed each month; the
    comparisons and arithmetic are numpy's (float32 thresholds and age where numpy cast a
    Python float to the uniforms' type, float64 shares), so the attributes are the same.
    """
    for j in range(rows.shape[0]):
        i = rows[j]
        woman = u[0, j] < female_share
        female[i] = woman
        age[i] = age_min + age_span * u[1, j]
        education[i] = category(u[2, j], education_cum)
        sector = category(u[3, j], female_sector_cum if woman else male_sector_cum)
        if origin[i] == russia and u[4, j] < it_share_russia:
            sector = it_sector
        skill_sector[i] = sector
        dependants[i] = category(u[5, j], dependants_cdf) if age[i] > dependants_min_age else 0
        provider[i] = u[6, j] < provider_share * (provider_female_factor if woman else provider_male_factor)
        knows_agencies[i] = u[7, j] < agency_awareness


def generate_ties(pop_origin: np.ndarray, scenario: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Kin and village ties, mostly within the village, then the origin, then anywhere.

    Each worker starts mean_degree/2 ties on average (Poisson); ties are undirected,
    without self-loops or duplicates. Returns (tie_start, ties) in CSR form; each
    worker's ties list first those it started or drew with a higher partner (ascending),
    then those with a lower one (ascending).

    Memory: the tie ends are drawn a chunk at a time (the second uniform of every tie
    comes from a copy of the generator advanced past the first ones, so the draws are
    those of drawing all first uniforms, then all second ones), each tie is kept as one
    int64 key, and the CSR is filled by counting, not sorting: about 8 bytes per
    started tie and 4 per tie end, where whole-array temporaries took about 720 bytes
    per worker at the peak.
    """
    s = scenario
    n = len(pop_origin)
    bounds = np.searchsorted(pop_origin, np.arange(len(ORIGINS) + 1)).astype(np.int64)
    stubs = rng.poisson(s["population.mean_degree"] / 2.0, n)
    total = int(stubs.sum())
    second = np.random.Generator(type(rng.bit_generator)())
    second.bit_generator.state = rng.bit_generator.state
    second.bit_generator.advance(total)  # one 64-bit output per uniform double
    p_village = float(s["population.tie_village_share"])
    p_origin = p_village + float(s["population.tie_origin_share"])
    pair = np.empty(total, np.int64)
    kept, agent, left = 0, 0, int(stubs[0]) if n else 0
    for first in range(0, total, _TIE_CHUNK):
        size = min(_TIE_CHUNK, total - first)
        kept, agent, left = _tie_keys(stubs, agent, left, rng.random(size), second.random(size), pop_origin, bounds,
                                      int(s["population.village_size"]), p_village, p_origin, pair, kept)
    rng.bit_generator.state = second.bit_generator.state  # as if both sets of uniforms came from rng
    pair = pair[:kept]
    pair.sort()
    kept = _unique_sorted(pair)
    tie_start, ties = _fill_csr(pair[:kept], n)
    return tie_start, ties


_TIE_CHUNK = 1 << 20


@numba.njit(cache=True)
def _tie_keys(stubs, agent, left, kind, pick, origin, bounds, village, p_village, p_origin, out, kept):
    """Partners for the next len(kind) started ties; keys lo * n + hi, self-ties dropped.

    The arithmetic is the one of the array version it replaced (float64 products
    truncated to int64), so the same uniforms give the same partners.
    """
    n = origin.shape[0]
    for j in range(kind.shape[0]):
        while left == 0:
            agent += 1
            left = stubs[agent]
        i = agent
        left -= 1
        o = origin[i]
        o_start, o_end = bounds[o], bounds[o + 1]
        v_start = o_start + ((i - o_start) // village) * village
        if kind[j] < p_village:
            v_size = min(v_start + village, o_end) - v_start
            dst = v_start + np.int64(pick[j] * v_size)
        elif kind[j] < p_origin:
            dst = o_start + np.int64(pick[j] * (o_end - o_start))
        else:
            dst = np.int64(pick[j] * n)
        dst = min(dst, n - 1)
        if dst != i:
            out[kept] = min(i, dst) * n + max(i, dst)
            kept += 1
    return kept, agent, left


@numba.njit(cache=True)
def _unique_sorted(a):
    """Drop repeats from a sorted array in place; returns how many values are left."""
    if a.shape[0] == 0:
        return 0
    k = 1
    for j in range(1, a.shape[0]):
        if a[j] != a[k - 1]:
            a[k] = a[j]
            k += 1
    return k


@numba.njit(cache=True)
def _fill_csr(pair, n):
    """CSR of the undirected ties by counting: each row's higher partners, then its lower ones."""
    tie_start = np.zeros(n + 1, np.int64)
    for key in pair:
        tie_start[key // n + 1] += 1
        tie_start[key % n + 1] += 1
    for i in range(n):
        tie_start[i + 1] += tie_start[i]
    ties = np.empty(tie_start[n], np.int32)
    pos = tie_start[:n].copy()
    for key in pair:  # a row's higher partners come first, in ascending order
        lo = key // n
        ties[pos[lo]] = key % n
        pos[lo] += 1
    for key in pair:  # then its lower partners, ascending
        hi = key % n
        ties[pos[hi]] = key // n
        pos[hi] += 1
    return tie_start, ties


def create_population(scenario: Scenario, n_agents: int, streams: Streams, home_wage: np.ndarray,
                      peak: np.ndarray) -> Population:
    """Workers from the scenario's pools at their largest in the run (`peak`, per origin: see
    `pools.py`), attributes from the survey distributions, all at home."""
    counts = agents_per_origin(scenario, n_agents, peak)
    scale = float(peak_pools(scenario, peak).sum() / n_agents)
    n = int(counts.sum())
    origin = np.repeat(np.arange(len(ORIGINS), dtype=np.int8), counts)
    tie_start, ties = generate_ties(origin, scenario, streams.generator("network"))
    degree = np.diff(tie_start)
    pop = Population(
        scale=scale,
        origin=origin,
        female=np.zeros(n, bool),
        age=np.zeros(n, np.float32),
        education=np.zeros(n, np.int8),
        skill_sector=np.zeros(n, np.int8),
        dependants=np.zeros(n, np.int8),
        provider=np.zeros(n, bool),
        knows_agencies=np.zeros(n, bool),
        savings=np.zeros(n, np.float32),
        home_employed=np.ones(n, bool),
        location=np.full(n, HOME, np.int8),
        status=np.full(n, ST_HOME, np.int8),
        job_sector=np.full(n, -1, np.int8),
        contract=np.zeros(n, bool),
        pension=np.zeros(n, bool),
        paid_leave=np.zeros(n, bool),
        channel=np.zeros(n, np.int8),
        wage=np.zeros(n, np.float32),
        intention=np.zeros(n, np.int8),
        remitter=np.zeros(n, bool),
        remit_share=np.zeros(n, np.float32),
        months_here=np.zeros(n, np.int16),
        months_unemployed=np.zeros(n, np.int16),
        cooldown=np.zeros(n, np.int16),
        visit_dest=np.zeros(n, np.int8),
        permit_wait=np.zeros(n, np.int8),
        trips=np.zeros(n, np.int16),
        months_on_trip=np.zeros(n, np.int16),
        worked_kaz=np.zeros(n, bool),
        pool_rank=streams.uniform(POOL_RANK, 0, np.arange(n)),
        tie_start=tie_start,
        ties=ties,
        contacts=np.zeros((n, N_LOCATIONS), _count_type(degree)),
    )
    pop.contacts[:, HOME] = np.minimum(degree, np.iinfo(pop.contacts.dtype).max)
    rows = np.arange(n)
    draw_attributes(pop, rows, scenario, home_wage,
                    streams.uniforms(tuple(DRAWS[f"population.{name}"] for name in ATTRIBUTES), 0, rows))
    return pop

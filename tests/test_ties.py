"""The network's ties: the chunked, counting construction gives exactly the ties of the plain rule."""

import numpy as np
import pytest

from simulation.population import agents_per_origin, generate_ties
from simulation.scenario import default_scenario
from simulation.streams import Streams
from simulation.world import ORIGINS


def plain_ties(pop_origin, s, rng):
    """The rule in whole-array numpy (how ties were made before; ~720 bytes per worker at its peak)."""
    n = len(pop_origin)
    village = int(s["population.village_size"])
    bounds = np.searchsorted(pop_origin, np.arange(len(ORIGINS) + 1))
    o_start, o_end = bounds[pop_origin], bounds[pop_origin + 1]
    v_start = o_start + ((np.arange(n) - o_start) // village) * village
    v_size = np.minimum(v_start + village, o_end) - v_start
    stubs = rng.poisson(s["population.mean_degree"] / 2.0, n)
    src = np.repeat(np.arange(n, dtype=np.int64), stubs)
    kind, pick = rng.random(len(src)), rng.random(len(src))
    p_village = s["population.tie_village_share"]
    p_origin = p_village + s["population.tie_origin_share"]
    dst = np.where(kind < p_village, v_start[src] + (pick * v_size[src]).astype(np.int64),
                   np.where(kind < p_origin, o_start[src] + (pick * (o_end[src] - o_start[src])).astype(np.int64),
                            (pick * n).astype(np.int64)))
    dst = np.minimum(dst, n - 1)
    keep = src != dst
    pair = np.unique(np.minimum(src[keep], dst[keep]) * n + np.maximum(src[keep], dst[keep]))
    lo, hi = pair // n, pair % n
    a, b = np.concatenate([lo, hi]), np.concatenate([hi, lo]).astype(np.int32)
    order = np.argsort(a, kind="stable")
    tie_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=tie_start[1:])
    return tie_start, b[order]


@pytest.mark.parametrize("agents,seed", [(1, 3), (700, 1), (25_000, 2)])
def test_ties_are_those_of_the_plain_rule(agents, seed):
    s = default_scenario()
    origin = np.repeat(np.arange(len(ORIGINS), dtype=np.int8), agents_per_origin(s, agents))
    rng_a, rng_b = Streams(seed).generator("network"), Streams(seed).generator("network")
    start, ties = generate_ties(origin, s, rng_a)
    ref_start, ref_ties = plain_ties(origin, s, rng_b)
    assert start.dtype == np.int64 and ties.dtype == np.int32
    np.testing.assert_array_equal(start, ref_start)
    np.testing.assert_array_equal(ties, ref_ties)
    assert rng_a.random() == rng_b.random()  # the generator is left where the plain rule left it


def test_ties_are_undirected_without_self_ties_or_repeats():
    s = default_scenario()
    origin = np.repeat(np.arange(len(ORIGINS), dtype=np.int8), agents_per_origin(s, 5000))
    start, ties = generate_ties(origin, s, Streams(9).generator("network"))
    row = np.repeat(np.arange(len(origin)), np.diff(start))
    assert not np.any(row == ties)
    forward = set(zip(row.tolist(), ties.tolist()))
    assert len(forward) == len(ties)
    assert forward == {(b, a) for a, b in forward}
    assert np.diff(start).mean() == pytest.approx(s["population.mean_degree"], rel=0.1)

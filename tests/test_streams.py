"""Named draws: every decision has its own (stream, slot), and no two events share draws."""

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from simulation import streams
from simulation.model import MigrationModel
from simulation.streams import DRAWS, KINDS, Streams

from conftest import toy_scenario

SIMULATION = Path(__file__).resolve().parent.parent / "simulation"


def test_every_named_draw_is_a_unique_stream_and_slot():
    pairs = list(DRAWS.values())
    assert len(set(pairs)) == len(pairs)
    assert all(d.stream in KINDS and 0 <= d.slot < 64 for d in pairs)
    with pytest.raises(RuntimeError, match="already taken"):
        streams._draw("another_job_search", "job", 0)  # the pair of JOB_SEARCH
    assert "another_job_search" not in DRAWS


def test_the_month_draws_only_named_draws():
    """No bare (stream, slot) integers at the call sites: every draw names its registry entry."""
    for path in SIMULATION.glob("*.py"):
        text = path.read_text()
        assert not re.search(r"\.(uniform|normal)\(\s*\"", text), f"{path.name} draws from a bare stream name"
        assert "slot=" not in text or path.name == "streams.py", f"{path.name} passes a bare slot"


def test_forty_events_never_share_draws():
    """Each event has a key of its own: forty events, four draws each, 160 different sequences."""
    s = Streams(7)
    workers = np.arange(2000)
    seqs = [s.event_uniform(e, k, 3, workers) for e in range(40) for k in range(4)]
    flat = np.stack(seqs)
    for i in range(len(seqs)):
        same = (flat == flat[i]).mean(axis=1)
        same[i] = 0
        assert same.max() < 0.01  # float32 uniforms agree by chance on a few in 2^24
    # and none of them is a draw of the month's streams
    month = np.stack([s.uniform(d, 3, workers) for d in DRAWS.values()])
    assert max((month == x).mean(axis=1).max() for x in flat) < 0.01
    # an event's draws do not depend on how many events come before it
    assert np.array_equal(Streams(7).event_uniform(39, 2, 3, workers), seqs[39 * 4 + 2])


def test_a_scenario_with_forty_events_gives_each_its_own_draws():
    """Forty information campaigns at one date, each reaching 10% of the still unaware: with shared
    draws (as when the seventeenth event reused the first one's slot) the later ones would reach
    almost no one new; with draws of their own each reaches a tenth of those left."""
    s = toy_scenario(run__agents=4000, run__end="2021-03", run__burn_in_months=0)
    events = [dict(kind="information_campaign", date="2021-02", reach=0.1, _file="t.toml") for _ in range(40)]
    model = MigrationModel(replace(s, events=events))
    model.run_for(1)  # 2021-01
    unaware_before = (~model.population.knows_agencies).sum()
    model.run_for(1)  # the campaigns, then 2021-02
    unaware_after = (~model.population.knows_agencies).sum()
    assert unaware_after == pytest.approx(unaware_before * 0.9**40, rel=0.25)  # shared draws: 0.9**16

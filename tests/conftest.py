"""Shared toy worlds: a few thousand workers over two years, so every test is fast."""

import pytest

from simulation.model import MigrationModel
from simulation.scenario import default_scenario


def toy_scenario(**changes):
    values = dict(run__agents=3000, run__burn_in_months=12, run__start="2021-01", run__end="2022-12")
    values.update(changes)
    return default_scenario().with_values(**values)


@pytest.fixture(scope="session")
def toy():
    return toy_scenario()


@pytest.fixture(scope="session")
def toy_run(toy):
    """A finished toy model (session-wide: tests only read it)."""
    model = MigrationModel(toy)
    model.run()
    return model

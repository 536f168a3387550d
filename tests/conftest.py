"""Shared toy worlds: a few thousand workers over two years, so every test is fast."""

import os
from pathlib import Path

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


BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


def tiny_scenario_file(folder: Path, start: str = "2022-01") -> Path:
    """A scenario file of 500 agents to 2022-12, for running the CLI as a user does."""
    path = folder / "tiny.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "tiny"\n[run]\nstart = "{start}"\nend = "2022-12"\n'
                    "agents = 500\nburn_in_months = 6\n", encoding="utf-8")
    return path


def folder_listing(folder: Path) -> dict[str, bytes | str | None]:
    """Every file (its bytes), link (where it points) and folder (None) under `folder`, to show a
    command left it as it was."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            out[os.path.relpath(os.path.join(root, name), folder)] = None
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = os.readlink(path) if os.path.islink(path) else Path(path).read_bytes()
    return out

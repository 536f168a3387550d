"""The Mesa agent: a worker, whose identity lives in Mesa and whose state lives in columns.

A `Worker` is a thin handle on row `index` of the model's `Population`: its properties
read that row, and its `step()` runs the month's kernels on that one row, in the order
the vectorised month runs them over everyone (the per-agent reference path,
`MigrationModel(per_agent=True)`). The model makes one per row the first time its agents
are asked for (`MigrationModel.agents`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from . import reference
from .world import CHANNELS, INTENTIONS, LOCATIONS, ORIGINS, SECTORS, STATUSES

if TYPE_CHECKING:
    from .model import MigrationModel


class Worker(mesa.Agent):
    """A worker: identity in Mesa, state in the model's columns at row `index`."""

    def __init__(self, model: "MigrationModel", index: int):
        super().__init__(model)
        self.index = index

    # Readable views of the worker's state.
    @property
    def origin(self) -> str:
        return ORIGINS[self.model.population.origin[self.index]]

    @property
    def location(self) -> str:
        return LOCATIONS[self.model.population.location[self.index]]

    @property
    def status(self) -> str:
        return STATUSES[self.model.population.status[self.index]]

    @property
    def sector(self) -> str | None:
        s = self.model.population.job_sector[self.index]
        return SECTORS[s] if s >= 0 else None

    @property
    def intention(self) -> str:
        return INTENTIONS[self.model.population.intention[self.index]]

    @property
    def job_channel(self) -> str:
        return CHANNELS[self.model.population.channel[self.index]]

    @property
    def female(self) -> bool:
        return bool(self.model.population.female[self.index])

    @property
    def savings(self) -> float:
        return float(self.model.population.savings[self.index])

    def step(self) -> None:
        """This worker's month alone, stage after stage (the reference month runs each stage
        for every worker before the next: `reference.py`)."""
        for stage in reference.STAGES:
            stage(self)

    def __repr__(self) -> str:
        return f"Worker({self.index}, {self.origin}, at {self.location}, {self.status})"

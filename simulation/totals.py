"""The month's counters: flows and the events of the month, which reset themselves.

Stocks are read from the population; what happened during the month (who moved where,
what was sent home, who was deported, inspected, refused a permit...) is counted
here. The model records the totals at the end of each month and then calls `reset`,
so no counter can turn into a running total by being forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from .world import DEST_COUNTRIES, N_LOCATIONS, ORIGINS


def _zeros(*shape, dtype=float):
    return field(default_factory=lambda: np.zeros(shape, dtype))


@dataclass
class MonthTotals:
    """What happened this month: flows in agents, money in USD, other counts in persons."""

    flows: np.ndarray = _zeros(len(ORIGINS), N_LOCATIONS, N_LOCATIONS, dtype=np.int64)  # origin, from, to
    remitted: np.ndarray = _zeros(len(DEST_COUNTRIES), len(ORIGINS))  # USD sent, by sending country
    remitters: np.ndarray = _zeros(len(DEST_COUNTRIES), len(ORIGINS))  # persons who sent money
    deported: float = 0.0
    quota_refused: float = 0.0  # persons refused a quota permit
    inspected: float = 0.0  # persons whose informal job was inspected
    amnestied: float = 0.0  # persons regularised by an amnesty
    relocated: float = 0.0  # persons moved by a relocation wave

    def reset(self) -> None:
        """Every counter back to zero (fresh arrays: a recorded month keeps its own)."""
        fresh = MonthTotals()
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

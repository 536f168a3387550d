"""The lever state, everything a policy or a shock may change, and the month's counters.

`Levers` starts at the scenario's values (`Levers.from_scenario`) and changes only
through the scenario's dated events (`policy.py`). An event that sets levers takes a
`snapshot` of the fields it is about to change when it begins and `restore`s exactly
those when it ends, so it cannot leave a lever on after its window (as Covasim's
interventions keep the originals they change). Of two such windows on one lever that cross,
the first to end would undo the other, so a scenario may hold them one after the other or one
inside the other, not crossing (`events._check_no_overlap` refuses it). Factors that combine (exchange rates, demand,
the count of border closures) unwind by their inverse instead, so overlapping windows compose.

`MonthTotals` counts what happened during the month (flows, money sent home,
deportations, inspections, permits refused...); the model records it at the end of
each month and then calls `reset`, so no counter can turn into a running total by
being forgotten. A scalar counter declares the indicator it is recorded as, so a new
lever's count needs no other file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

import numpy as np

from .world import DEST_COUNTRIES, N_LOCATIONS, ORIGINS, SECTORS


@dataclass
class Levers:
    """The policy and shock levers in force this month (arrays by origin, country or location)."""

    quota: float  # persons: quota work permits that may be held at once in Kazakhstan
    quota_categories: np.ndarray | None  # persons: [other, skilled], or None for one pool
    patent_fee: float  # USD per month
    patent_processing: float  # months to obtain a patent
    patent_take_up: np.ndarray  # (origins, countries) share taking a patent on arrival
    document_cost: np.ndarray  # (regimes,) USD of documents to enter
    regime: np.ndarray  # (origins, countries) entry regime code
    deportation_rate: float  # per month
    reentry_ban: int  # months
    inspection_rate: float  # per month
    employer_fine: float  # USD per worker without a right to work that an inspection finds
    minimum_wage: float  # USD per month in Kazakhstan (0: none)
    contract_factor_kaz: float  # x chance that a new job in Kazakhstan has a contract
    fee_corridor: np.ndarray  # (countries, origins) remittance fee, fraction
    remit_capacity: np.ndarray  # (countries, origins) share of remittances a channel lets through
    closed: np.ndarray  # (origins, countries) border closures in force
    exit_factor: np.ndarray  # (countries,) x chance of visiting or going home
    agency_factor: np.ndarray  # (origins, countries) x agency job finding (organised recruitment)
    cost_covered: np.ndarray  # (origins, countries) share of the move's cost an employer pays
    wage_factor_home: np.ndarray  # (origins,) exchange-rate and real-wage shocks (USD value)
    wage_factor_dest: np.ndarray  # (countries,)
    demand_factor: np.ndarray  # (locations, sectors) sector demand shocks

    @classmethod
    def from_scenario(cls, s, regime: np.ndarray, document_cost: np.ndarray, fee_rate: np.ndarray) -> "Levers":
        """The levers as the scenario's parameters set them before any event."""
        n_o, n_c = len(ORIGINS), len(DEST_COUNTRIES)
        quota = float(s["policy.work_permit_quota"])
        categories = None
        if s["policy.quota_by_category"]:
            skilled = quota * s["policy.quota_skilled_share"]
            categories = np.array([quota - skilled, skilled], dtype=float)
        return cls(
            quota=quota,
            quota_categories=categories,
            patent_fee=float(s["policy.patent_fee_usd"]),
            patent_processing=float(s["legal.patent_processing_months"]),
            patent_take_up=np.full((n_o, n_c), s["legal.patent_take_up"]),
            document_cost=document_cost,
            regime=regime,
            deportation_rate=float(s["legal.deportation_rate"]),
            reentry_ban=int(s["legal.reentry_ban_months"]),
            inspection_rate=float(s["legal.inspection_rate"]),
            employer_fine=float(s["policy.employer_fine_usd"]),
            minimum_wage=float(s["policy.minimum_wage_usd"]),
            contract_factor_kaz=float(s["policy.contract_factor_kaz"]),
            fee_corridor=np.repeat(fee_rate[:, None], n_o, axis=1),
            remit_capacity=np.ones((n_c, n_o)),
            closed=np.zeros((n_o, n_c), np.int16),
            exit_factor=np.ones(n_c),
            agency_factor=np.ones((n_o, n_c)),
            cost_covered=np.zeros((n_o, n_c)),
            wage_factor_home=np.ones(n_o),
            wage_factor_dest=np.ones(n_c),
            demand_factor=np.ones((N_LOCATIONS, len(SECTORS))),
        )

    def snapshot(self, *names: str) -> dict:
        """Copies of the named levers (every lever if none is named), for `restore`."""
        names = names or tuple(f.name for f in fields(self))
        unknown = set(names) - {f.name for f in fields(self)}
        if unknown:
            raise AttributeError(f"no such lever: {', '.join(sorted(unknown))}")
        return {name: copy.deepcopy(getattr(self, name)) for name in names}

    def restore(self, saved: dict) -> None:
        """Put back the levers of a snapshot, and only those."""
        for name, value in saved.items():
            setattr(self, name, value)


def _zeros(*shape, dtype=float):
    return field(default_factory=lambda: np.zeros(shape, dtype))


def _counter(indicator: str, unit: str, doc: str):
    """A scalar count of the month that is recorded as the indicator named here."""
    return field(default=0.0, metadata={"indicator": indicator, "unit": unit, "doc": doc})


@dataclass
class MonthTotals:
    """What happened this month: flows in agents, money in USD, other counts in persons."""

    flows: np.ndarray = _zeros(len(ORIGINS), N_LOCATIONS, N_LOCATIONS, dtype=np.int64)  # origin, from, to
    remitted: np.ndarray = _zeros(len(DEST_COUNTRIES), len(ORIGINS))  # USD sent, by sending country
    remitters: np.ndarray = _zeros(len(DEST_COUNTRIES), len(ORIGINS))  # persons who sent money
    stays_begun: np.ndarray = _zeros(len(ORIGINS), dtype=np.int64)  # in agents, by origin (`month.arrive`)
    # Counters recorded as indicators of their own (group 'all'): the field declares it.
    deported: float = _counter("deportations_kaz", "persons per month", "irregular workers deported from Kazakhstan")
    quota_refused: float = _counter("quota_refused_kaz", "persons per month",
                                    "workers refused a quota work permit for Kazakhstan after waiting for one "
                                    "(legal.quota_wait_months)")
    inspected: float = _counter("inspections_kaz", "persons per month",
                                "foreign workers whose informal job was inspected")
    amnestied: float = _counter("amnesty_kaz", "persons per month", "foreign workers regularised by an amnesty")
    fines: float = _counter("employer_fines_kaz_usd", "USD per month",
                            "fines on employers of foreign workers without a right to work found by inspections")
    relocated: float = _counter("relocations", "persons per month",
                                "people moved abroad by a relocation or mobilisation wave")

    def reset(self) -> None:
        """Every counter back to zero (fresh arrays: a recorded month keeps its own)."""
        fresh = MonthTotals()
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))


def counters() -> list[tuple[str, str, str, str]]:
    """(field, indicator, unit, description) of every counter recorded as an indicator."""
    return [(f.name, f.metadata["indicator"], f.metadata["unit"], f.metadata["doc"])
            for f in fields(MonthTotals) if "indicator" in f.metadata]

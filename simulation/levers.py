"""The lever state: everything a policy or a shock may change, in one typed place.

`Levers` starts at the scenario's values (`Levers.from_scenario`) and changes only
through the scenario's dated events (`policy.py`). An event that sets levers takes a
`snapshot` of the fields it is about to change when it begins and `restore`s exactly
those when it ends, so it can neither leave a lever on after its window nor undo what
another event changed meanwhile (as Covasim's interventions keep the originals they
change). Factors that combine (exchange rates, demand, border closures) unwind by
their inverse instead, so overlapping windows compose.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields

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

"""Months as the scenario files write them (YYYY-MM) and as the model counts them."""

from __future__ import annotations

import re

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(text: str) -> int:
    """'2015-01' -> months since year 0 (year * 12 + month - 1)."""
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1

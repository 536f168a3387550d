"""Months as the scenario files write them (YYYY-MM) and as the model counts them."""

from __future__ import annotations

import datetime
import re

from .errors import ScenarioError

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only, nothing after (not even a line break)


def month_index(text: str) -> int:
    """'2015-01' -> months since year 0 (year * 12 + month - 1)."""
    m = _MONTH.fullmatch(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def shown(value) -> str:
    """A value read from a scenario file, as it is written there: an unquoted TOML date (2026-01-01)
    as the date, not as Python shows it; other values as before (strings in quotes)."""
    if isinstance(value, (datetime.date, datetime.time)):  # datetime.datetime is a datetime.date
        return value.isoformat().replace("T", " ")
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return repr(value)


def unquoted_date(value) -> bool:
    """Whether TOML read the value as a date or time: a month written without quotes (2026-01-01)."""
    return isinstance(value, (datetime.date, datetime.time))


UNQUOTED_MONTH = "is a date without quotes; write months as \"YYYY-MM\" in quotes (e.g. \"2026-01\")"


def parse_dates(text: str | None) -> list[str] | None:
    """The --dates option ('2026-12,2030-12') as a list of months; None when it is not given.

    Refuses an empty list, an empty entry ('2026-12,,') and a month given twice, each with a
    one-line message (a ScenarioError: exit status 2).
    """
    if text is None:
        return None
    example = "(e.g. --dates 2026-12,2030-12)"
    entries = [d.strip() for d in text.split(",")]
    if not any(entries):
        raise ScenarioError(f"--dates is empty: give one or more months written YYYY-MM, separated by commas {example}.")
    if "" in entries:
        raise ScenarioError(f"--dates {text!r} has an empty entry: give months written YYYY-MM separated by single "
                            f"commas, none left blank {example}.")
    for d in entries:
        try:
            month_index(d)
        except ValueError:
            raise ScenarioError(f"--dates: {d!r} is not a month written YYYY-MM {example}.") from None
    seen = set()
    for d in entries:
        if d in seen:
            raise ScenarioError(f"--dates: {d} is given twice; give each month once {example}.")
        seen.add(d)
    return entries

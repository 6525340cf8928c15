"""The lists of tables an advisory may carry: typed credits and its revision history.

``credits = [{ name = "Jane Doe", type = "finder" }]`` takes the credit types of CVE JSON 5
(OSV and CSAF name the same roles); ``revisions = [{ date = ..., reason = "..." }]`` is
written by ``advisory revise``, oldest first. Each parser returns its entries or the message
of the first problem, naming the entry by its position, never quoting advisory text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from releasekit.support import text as textrule

# CVE JSON 5's credit types, in its order (OSV: the same names upper-case, "_" for " ").
CREDIT_TYPES = (
    "finder",
    "reporter",
    "analyst",
    "coordinator",
    "remediation developer",
    "remediation reviewer",
    "remediation verifier",
    "tool",
    "sponsor",
    "other",
)
MAX_ENTRIES = 100

# Instants an advisory may name: later dates (release + disclosure_days, in any time zone)
# must still be datetimes, and git, e-mail and feeds count time from 1970.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Credit:
    """One person or organisation credited, and for what."""

    name: str
    type: str = "finder"  # one of CREDIT_TYPES


@dataclass(frozen=True, slots=True)
class Revision:
    """One correction of a published advisory: when, and why."""

    date: datetime  # aware, UTC
    reason: str


def _tables(value: Any, keys: tuple[str, ...], example: str) -> list[dict[str, Any]] | str:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return f"must be a list of tables, e.g. {example}"
    if len(value) > MAX_ENTRIES:
        return f"must have at most {MAX_ENTRIES} entries"
    for number, entry in enumerate(value, 1):
        unknown = set(entry) - set(keys)
        if unknown:
            return f"entry {number} has a key other than {' and '.join(keys)}"
    return value


def _text(entry: dict[str, Any], key: str, number: int) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"entry {number} needs {key} (a non-empty string)")
    if bad := textrule.refused(value):
        raise ValueError(f"entry {number}: {key} {bad[1]}")
    return value.strip()


def parse_credits(value: Any) -> tuple[Credit, ...] | str:
    """``credits`` as Credits, or the message of its first problem."""
    tables = _tables(value, ("name", "type"), '[{ name = "Jane Doe", type = "finder" }]')
    if isinstance(tables, str):
        return tables
    credits = []
    try:
        for number, entry in enumerate(tables, 1):
            name = _text(entry, "name", number)
            kind = entry.get("type", "finder")
            if not isinstance(kind, str) or kind.strip().lower() not in CREDIT_TYPES:
                return f"entry {number}: type must be one of {', '.join(CREDIT_TYPES)}"
            credits.append(Credit(name, kind.strip().lower()))
    except ValueError as exc:
        return str(exc)
    return tuple(credits)


def parse_revisions(value: Any) -> tuple[Revision, ...] | str:
    """``revisions`` as Revisions (oldest first), or the message of its first problem."""
    example = '[{ date = 2027-01-10T09:00:00Z, reason = "Corrected the affected range" }]'
    tables = _tables(value, ("date", "reason"), example)
    if isinstance(tables, str):
        return tables
    revisions = []
    try:
        for number, entry in enumerate(tables, 1):
            when = entry.get("date")
            if not isinstance(when, datetime) or when.utcoffset() is None:
                return f"entry {number} needs date (an offset date-time, e.g. 2027-01-10T09:00:00Z)"
            # Compared before converting: 0001-01-01T00:00:00+01:00 has no UTC datetime.
            if not EARLIEST <= when < LATEST:
                return f"entry {number}: date must be from 1970 to 8999"
            revisions.append(Revision(when.astimezone(UTC), _text(entry, "reason", number)))
    except ValueError as exc:
        return str(exc)
    if any(b.date < a.date for a, b in itertools.pairwise(revisions)):
        return "entries must be in order, oldest first"
    return tuple(revisions)


def credit_table(credits: tuple[Credit, ...]) -> list[dict[str, str]]:
    """``credits`` as the front matter writes them."""
    return [{"name": c.name, "type": c.type} for c in credits]


def revision_table(revisions: tuple[Revision, ...]) -> list[dict[str, Any]]:
    """``revisions`` as the front matter writes them."""
    return [{"date": r.date, "reason": r.reason} for r in revisions]

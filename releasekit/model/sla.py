"""Deadlines of an advisory, from when its report arrived (``reported``) and ``[sla]``.

The due date is ``reported`` plus the days of the final severity; the deadline is
``reported`` plus ``disclosure_deadline_days`` (after it, the reporter may disclose). Both are
UTC dates; a day counts as breached once it has passed. Only open (unreleased) advisories
have deadlines to meet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from releasekit.model.advisory import Advisory
from releasekit.model.config import SlaSettings
from releasekit.support.words import counted

SOON_DAYS = 7  # "due in N days" from this close on


@dataclass(frozen=True)
class Deadlines:
    """The due date (None for severity None) and disclosure deadline of one advisory."""

    due: date | None
    deadline: date

    def breached(self, when: datetime) -> bool:
        """Whether ``when`` is after the due date or the deadline (their whole day counts)."""
        day = when.astimezone(UTC).date()
        return day > self.deadline or (self.due is not None and day > self.due)

    def first(self) -> date:
        """The earlier of the two dates."""
        return min(self.deadline, self.due) if self.due is not None else self.deadline


def deadlines(advisory: Advisory, sla: SlaSettings) -> Deadlines | None:
    """The advisory's dates; None when it has no ``reported`` or is released already."""
    if advisory.reported is None or advisory.released is not None:
        return None
    start = advisory.reported.astimezone(UTC).date()
    days = sla.days(advisory.severity)
    due = start + timedelta(days=days) if days is not None else None
    return Deadlines(due, start + timedelta(days=sla.disclosure_deadline_days))


def to_json(advisory: Advisory, sla: SlaSettings, now: datetime) -> dict[str, Any]:
    """``due``, ``deadline`` (ISO dates or null) and ``breached`` for ``advisory list --json``."""
    found = deadlines(advisory, sla)
    if found is None:
        return {"due": None, "deadline": None, "breached": False}
    return {
        "due": found.due.isoformat() if found.due else None,
        "deadline": found.deadline.isoformat(),
        "breached": found.breached(now),
    }


def describe(advisory: Advisory, sla: SlaSettings, now: datetime) -> str:
    """One short phrase for ``advisory list``: the first date, and "breached" or "due in N
    days" when it is past or within SOON_DAYS; "-" without deadlines."""
    found = deadlines(advisory, sla)
    if found is None:
        return "-"
    first = found.first()
    if found.breached(now):
        return f"{first.isoformat()} breached"
    left = (first - now.astimezone(UTC).date()).days
    if left <= SOON_DAYS:
        return f"{first.isoformat()} due in {counted(left, 'day')}"
    return first.isoformat()


def late(advisory: Advisory, sla: SlaSettings, release: datetime) -> str | None:
    """Why a release at ``release`` misses the advisory's due date or deadline, or None."""
    found = deadlines(advisory, sla)
    if found is None:
        return None
    day = release.astimezone(UTC).date()
    missed = []
    if found.due is not None and day > found.due:
        missed.append(f"due date {found.due.isoformat()}")
    if day > found.deadline:
        missed.append(f"disclosure deadline {found.deadline.isoformat()}")
    if not missed:
        return None
    return f"{advisory.id}: its embargo ends after its {' and '.join(missed)}"

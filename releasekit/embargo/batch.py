"""Which advisories go public together: the pending embargoes and the batch of each command.

A batch is the advisories whose embargo ends at one instant (the lift takes everything
already due at once). Its run, and the run's identity, are in :mod:`releasekit.embargo.run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from releasekit.embargo.context import Outside
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release.plan import Plan
from releasekit.release.planner import build_plan
from releasekit.support import timefmt
from releasekit.support.errors import Refused
from releasekit.workspace import files as workspace


def pending(advisories: Sequence[Advisory]) -> list[Advisory]:
    """Advisories with an embargo that are not released yet, soonest first."""
    found = [a for a in advisories if a.embargo is not None and a.released is None]
    return sorted(found, key=lambda a: (a.embargo, a.year, a.number))


def select_batch(
    advisories: Sequence[Advisory], now: datetime, wait: bool
) -> tuple[list[Advisory], datetime | None]:
    """The advisories to lift now (embargo passed), or with ``wait`` the next ones due.

    Returns the batch and the instant it may go public (None when nothing is pending).
    """
    waiting = pending(advisories)
    if not waiting:
        return [], None
    due = [a for a in waiting if a.embargo is not None and a.embargo <= now]
    if due:
        return due, max(a.embargo for a in due if a.embargo)
    if not wait:
        first = waiting[0].embargo
        assert first is not None
        raise Refused(
            f"embargo not over: {waiting[0].id} ends at {timefmt.iso_utc(first)} "
            f"(in {timefmt.duration(first - now)}); use --wait to lift it then"
        )
    earliest = waiting[0].embargo
    return [a for a in waiting if a.embargo == earliest], earliest


@dataclass(frozen=True)
class Upcoming:
    """The next embargo still in the future: its instant, its advisories and their plan."""

    instant: datetime
    batch: list[Advisory]
    plan: Plan

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.batch]


def upcoming(settings: Settings, outside: Outside, now: datetime, what: str) -> Upcoming:
    """The next embargo instant after ``now``, the advisories that end with it, and their
    plan; Refused (``nothing to WHAT``) when no embargo ends in the future."""
    advisories = workspace.load_advisories(settings)
    waiting = [a for a in pending(advisories) if a.embargo is not None and a.embargo > now]
    if not waiting:
        raise Refused(f"nothing to {what}: no embargo ends in the future")
    instant = waiting[0].embargo
    assert instant is not None
    batch = [a for a in waiting if a.embargo == instant]
    repo = outside.open_repo(settings)
    return Upcoming(instant, batch, build_plan(settings, batch, repo, progress=outside.progress))


def still_due(
    settings: Settings, batch: Sequence[Advisory], now: datetime, *, unchanged: bool = True
) -> None:
    """Read the advisories again: none released meanwhile, every embargo still over, and
    (``unchanged``) each front matter as the lift's checks read it.

    An embargo postponed while ``--wait`` counted down stops the lift before anything is
    pushed. So does a front matter edited meanwhile (during the wait, or at the prompt): the
    announcement, the tag messages and the leak lint took the title, summary, severity and
    lines from the file as it was, and a sentence taken out of the summary would have gone to
    the lists all the same. The body is public only from the disclosure date: its edits go.
    """
    current = {a.id: a for a in workspace.load_advisories(settings)}
    for checked in batch:
        ident = checked.id
        advisory = current.get(ident)
        if advisory is None:
            raise Refused(f"{ident}: the advisory file is gone; nothing was pushed")
        if advisory.embargo is None or advisory.embargo > now:
            when = timefmt.iso_utc(advisory.embargo) if advisory.embargo else "unset"
            raise Refused(f"{ident}: the embargo was moved (now {when}); nothing was pushed")
        if unchanged and replace(advisory, body="") != replace(checked, body=""):
            raise Refused(
                f"{ident}: its front matter changed after the lift checked it; nothing was "
                "pushed: run `releasekit embargo lift` again to check it as it is now"
            )

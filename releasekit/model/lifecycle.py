"""The life cycle of an advisory, the one rule of what is public when.

An advisory is a *draft* until it has an embargo, *embargoed* until it is released (public
nowhere), *released* from its ``released`` instant (id, title, summary, severity and versions
public, the details replaced by :func:`placeholder`) and *disclosed* from midnight UTC of its
disclosure date, ``released`` + ``disclosure_days`` (everything public). Every function takes
``now`` as an argument; nothing reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

PLACEHOLDER = (
    "Details on the security update will be posted here on {date}, "
    "as per our Responsible Disclosure Policy."
)


class Stage(StrEnum):
    """Where an advisory is in its life cycle; the values appear in outputs (JSON, CLI)."""

    DRAFT = "draft"  # no embargo set yet
    EMBARGOED = "embargoed"  # embargo set, not released
    RELEASED = "released"  # released; details still private until the disclosure date
    DISCLOSED = "disclosed"  # details public

    @property
    def public(self) -> bool:
        """Whether anything of the advisory may be shown."""
        return self is Stage.RELEASED or self is Stage.DISCLOSED


class Dated(Protocol):
    """What the life cycle needs of an advisory."""

    @property
    def embargo(self) -> datetime | None: ...
    @property
    def released(self) -> datetime | None: ...


def disclosure_date(released: datetime, disclosure_days: int) -> date:
    """The day the details become public: release date + disclosure_days, in UTC."""
    return (released.astimezone(UTC) + timedelta(days=disclosure_days)).date()


def disclosed_at(released: datetime, disclosure_days: int) -> datetime:
    """The instant the details become public: midnight UTC of the disclosure date, or the
    release itself when that is later (``disclosure_days`` 0: records dated by it were dated
    hours before the embargo ended)."""
    day = disclosure_date(released, disclosure_days)
    return max(datetime(day.year, day.month, day.day, tzinfo=UTC), released.astimezone(UTC))


def stage_at(
    released: float | None, disclosed: float | None, now: float, embargoed: bool = True
) -> Stage:
    """The stage at ``now`` of an advisory released at ``released`` and disclosed at
    ``disclosed`` (POSIX timestamps, as the site's build state keeps them); ``embargoed``:
    whether it has an embargo (a draft otherwise)."""
    if released is None or released > now:
        return Stage.EMBARGOED if embargoed else Stage.DRAFT
    assert disclosed is not None  # released implies a disclosure instant
    return Stage.DISCLOSED if now >= disclosed else Stage.RELEASED


def stage(advisory: Dated, now: datetime, disclosure_days: int) -> Stage:
    """The advisory's stage at ``now``."""
    released = advisory.released
    embargoed = advisory.embargo is not None
    if released is None:
        return stage_at(None, None, now.timestamp(), embargoed)
    disclosed = disclosed_at(released, disclosure_days)
    return stage_at(released.timestamp(), disclosed.timestamp(), now.timestamp(), embargoed)


def placeholder(day: date) -> str:
    """The exact sentence the details carry until ``day``, the disclosure date."""
    return PLACEHOLDER.format(date=day.strftime("%Y-%m-%d"))


def first_change(moments: Iterable[float | None], now: float) -> float | None:
    """The first of ``moments`` (release and disclosure instants) after ``now``."""
    return min((m for m in moments if m is not None and m > now), default=None)


def next_change(advisories: Iterable[Dated], now: datetime, days: int) -> datetime | None:
    """The first instant after ``now`` at which any advisory's stage changes."""
    moments: list[float | None] = []
    for advisory in advisories:
        if advisory.released is not None:
            moments.append(advisory.released.timestamp())
            moments.append(disclosed_at(advisory.released, days).timestamp())
    first = first_change(moments, now.timestamp())
    return None if first is None else datetime.fromtimestamp(first, UTC)

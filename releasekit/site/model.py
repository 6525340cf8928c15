"""What of an advisory the public site shows at its stage (see model.lifecycle; pure, no I/O)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage, placeholder


def writes_cve(settings: Settings, advisory: Advisory) -> bool:
    """Whether the site carries a CVE record for the advisory (it has a CVE id, and the
    project a CNA org id)."""
    return bool(advisory.cve and settings.cve.org_id)


def fingerprint(advisory: Advisory) -> str:
    """A digest of everything an advisory says (not where its file is)."""
    parts = (
        advisory.id,
        advisory.title,
        advisory.summary,
        advisory.body,
        advisory.component,
        advisory.cvss,
        advisory.cvss4,
        advisory.severity_override,
        advisory.severity_reason,
        advisory.cve,
        advisory.cwe,
        advisory.introduced,
        advisory.reporter,
        advisory.embargo,
        advisory.released,
        sorted(advisory.fixed.items()),
    )
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


# --- affected and fixed versions -----------------------------------------------------------


@dataclass(frozen=True)
class LineFix:
    """One release line that got the fix."""

    line: str
    fixed: str
    first_affected: str | None  # None: the line had no affected release (e.g. X.0)
    last_affected: str | None


@dataclass(frozen=True)
class Versions:
    """Affected and fixed versions derived from ``fixed`` and ``introduced``."""

    lines: tuple[LineFix, ...]  # newest line first
    earlier_from: str | None  # releases from this version ...
    earlier_before: str | None  # ... before this line's first release are affected, unfixed

    @property
    def fixed_list(self) -> list[str]:
        return [fix.fixed for fix in self.lines]

    @property
    def affected_list(self) -> list[str]:
        ranges = []
        for fix in self.lines:
            if fix.first_affected is None or fix.last_affected is None:
                continue
            if fix.first_affected == fix.last_affected:
                ranges.append(fix.first_affected)
            else:
                ranges.append(f"{fix.first_affected} – {fix.last_affected}")
        if self.earlier_from and self.earlier_before:
            ranges.append(f"{self.earlier_from} – before {self.earlier_before}")
        return ranges


_NUMERIC = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def _triple(text: str) -> tuple[int, int, int] | None:
    """``10.3.2`` -> (10, 3, 2), ``10.4`` -> (10, 4, 0); None for anything but numbers."""
    match = _NUMERIC.fullmatch(text)
    if match is not None:
        major, minor, patch = match.groups()
        return int(major), int(minor or 0), int(patch or 0)
    try:
        release = (*Version(text).release, 0, 0)
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return None
    return release[0], release[1], release[2]


def _text(parts: tuple[int, int, int]) -> str:
    return ".".join(str(p) for p in parts)


@lru_cache(maxsize=4096)
def _versions(fixed: tuple[tuple[str, str], ...], introduced: str | None) -> Versions:
    intro = _triple(introduced) if introduced else None
    fixes: list[tuple[tuple[int, int, int], LineFix]] = []
    for line, version in fixed:
        line_v, fixed_v = _triple(line), _triple(version)
        if line_v is None or fixed_v is None:  # pragma: no cover - validated before
            continue
        major, minor, patch = fixed_v
        first: str | None = None
        last: str | None = None
        start = (major, minor, 0)
        if intro is not None:
            if intro[:2] == (major, minor):
                start = intro
            elif intro[:2] > (major, minor):
                start = fixed_v  # the code came later than this line
        if start < fixed_v:  # then patch > 0, and start is on this line
            first = _text(start)
            last = _text((major, minor, patch - 1))
        fixes.append((line_v, LineFix(line, version, first, last)))
    fixes.sort(key=lambda item: item[0], reverse=True)
    earlier_from = earlier_before = None
    if intro is not None and fixes:
        oldest = fixes[-1][0]
        if intro[:2] < oldest[:2]:
            earlier_from = _text(intro)
            earlier_before = f"{oldest[0]}.{oldest[1]}"
    return Versions(tuple(fix for _, fix in fixes), earlier_from, earlier_before)


def versions(advisory: Advisory) -> Versions:
    """Per fixed line: the first and last affected release (``X.Y.0`` or ``introduced``)."""
    return _versions(tuple(advisory.fixed.items()), advisory.introduced)


def sort_newest_first(advisories: Sequence[Advisory]) -> list[Advisory]:
    """Newest release first; ties by id, highest first."""
    return sorted(
        advisories,
        key=lambda a: (a.released.timestamp() if a.released else 0.0, a.year, a.number),
        reverse=True,
    )


# --- what a feed entry says (computed with the page, kept in the build state) ----------------


class FeedRow(NamedTuple):
    """What an entry of the feeds needs (see :mod:`releasekit.site.feeds`)."""

    id: str
    title: str
    text: str
    published: float  # POSIX timestamps (cheap to keep in the build state)
    updated: float
    severity: str
    order: tuple[int, int]  # (year, number), for ties


def feed_row(settings: Settings, advisory: Advisory, seen: Stage) -> FeedRow:
    days = settings.project.disclosure_days
    assert advisory.released is not None
    updated = advisory.released
    if seen is Stage.DISCLOSED:
        moment = advisory.disclosed_at(days)
        assert moment is not None
        updated = moment
    severity = advisory.severity.title()
    if advisory.score is not None:
        severity += f" ({advisory.score:.1f})"
    parts = [advisory.summary, f"Severity: {severity}."]
    fixed = versions(advisory).fixed_list
    if fixed:
        parts.append(f"Fixed in {', '.join(fixed)}.")
    if seen is Stage.RELEASED:
        day = advisory.disclosure_date(days)
        assert day is not None
        parts.append(placeholder(day))
    return FeedRow(
        advisory.id,
        f"{advisory.id}: {advisory.title}",
        " ".join(parts),
        advisory.released.timestamp(),
        updated.timestamp(),
        advisory.severity,
        (advisory.year, advisory.number),
    )

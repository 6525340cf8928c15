"""Affected and fixed versions of an advisory, derived from ``fixed`` and ``introduced``.

On a line fixed in 10.3.3 the releases 10.3.0-10.3.2 are affected (from ``introduced`` on
when it names a version of that line); a line fixed in X.0 had no affected release. A line
named by its major version alone (``7``: ``[releases] line_parts = 1``) starts at X.0.0:
fixed in 7.3.1, it had 7.0.0-7.3.0 affected. When ``introduced`` is older than the oldest
fixed line, the releases from it up to that line are affected and unfixed. With no fixed
version at all (imported history), the releases from ``introduced`` on are affected:
``earlier_from`` with no ``earlier_before``. Versions compare numerically (9.10 > 9.9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.checks import line_key


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
    open_from: str | None = None  # no fixed version recorded: releases from this one on

    @property
    def fixed_list(self) -> list[str]:
        return [fix.fixed for fix in self.lines]

    @property
    def affected_list(self) -> list[str]:
        ranges = []
        for fix in self.lines:
            if fix.first_affected is None:
                continue
            if fix.last_affected is None:  # (a line of a major version fixed in X.Y.0)
                ranges.append(f"{fix.first_affected} – before {fix.fixed}")
            elif fix.first_affected == fix.last_affected:
                ranges.append(fix.first_affected)
            else:
                ranges.append(f"{fix.first_affected} – {fix.last_affected}")
        if self.earlier_from and self.earlier_before:
            ranges.append(f"{self.earlier_from} – before {self.earlier_before}")
        if self.open_from:
            ranges.append(f"{self.open_from} and later")
        return ranges

    def ranges(self) -> tuple[Range, ...]:
        """The affected releases as ranges, each with the version to upgrade to."""
        found = []
        for fix in self.lines:
            if fix.first_affected is not None:
                found.append(Range(fix.first_affected, fix.fixed, fix.line, fix.fixed, fix.line))
        if self.earlier_from and self.earlier_before and self.lines:
            oldest = self.lines[-1]  # the nearest supported line above the range
            line = line_key(self.earlier_from, _width(oldest.line))  # (named as oldest's)
            below = f"{self.earlier_before}.0"
            found.append(Range(self.earlier_from, below, line, oldest.fixed, oldest.line))
        if self.open_from:
            found.append(Range(self.open_from, None, release_line(self.open_from), None, None))
        return tuple(found)

    def named(self) -> tuple[str, ...]:
        """The versions the ranges name: each affected release of a fixed line (its patch
        releases from the first affected one), each fixed version, the first release of a
        range that starts on an unsupported line. Oldest first."""
        return _named(self)


# Small caches: an advisory asks for its versions and names several times while it renders
# (page, records, rows); a worker renders thousands, whose versions mostly differ, and a
# cache of thousands held a sixth of its memory.
@lru_cache(maxsize=256)
def _named(found: Versions) -> tuple[str, ...]:
    """What :meth:`Versions.named` gives, made once per set of versions."""
    names: set[str] = set()
    for fix in found.lines:
        names.add(fix.fixed)
        if fix.first_affected is not None:
            first = release_key(fix.first_affected)
            last = release_key(fix.last_affected or fix.first_affected)
            if first[:2] != last[:2]:  # a line of a major version: its minors are not known
                names.add(fix.first_affected)
                first = (*last[:2], 0)
            names.update(_text((*first[:2], p)) for p in range(first[2], last[2] + 1))
    for text in (found.earlier_from, found.open_from):
        if text:
            names.add(text)
    return tuple(sorted(names, key=release_key))


@dataclass(frozen=True)
class Range:
    """Releases from ``first`` up to (not including) ``below`` (None: every later one)."""

    first: str
    below: str | None
    line: str  # the release line of ``first``
    upgrade: str | None  # the version to upgrade to; None: no fixed version recorded
    upgrade_line: str | None  # its line: ``line``, else the nearest supported line

    @property
    def supported(self) -> bool:
        """Whether the range's own line got the fix."""
        return self.upgrade_line == self.line

    def __contains__(self, version: str) -> bool:
        below = None if self.below is None else release_key(self.below)
        return contains(release_key(self.first), below, release_key(version))


Key = tuple[int, int, int]


def contains(first: Key, below: Key | None, key: Key) -> bool:
    """Whether the version of ``key`` lies in [first, below) (below None: no upper end)."""
    return first <= key and (below is None or key < below)


@lru_cache(maxsize=8192)
def release_key(text: str) -> Key:
    """How versions compare here: ``10.3.2`` -> (10, 3, 2), ``10.4`` -> (10, 4, 0)."""
    return _triple(text) or (0, 0, 0)


def release_line(text: str) -> str:
    """The release line of a version: ``10.3`` for ``10.3.2``."""
    major, minor, _ = release_key(text)
    return f"{major}.{minor}"


def in_line(version: str, line: str) -> bool:
    """Whether ``version`` is a release of ``line``: 10.3.2 of 10.3, and 7.2.3 of 7 (a line
    named by its major version alone)."""
    width = _width(line)
    return release_key(version)[:width] == release_key(line)[:width]


def first_release(line: str) -> str:
    """The first version of a line: ``10.4.0`` for ``10.4``, ``8.0.0`` for ``8``."""
    return _text(release_key(line))


def _width(line: str) -> int:
    """How many numbers name ``line``: 1 for ``7`` (a major version), else 2 (``10.3``)."""
    return 1 if "." not in line else 2


_NUMERIC = re.compile(r"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?")  # (`\d`: any Unicode digit)


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
    return f"{parts[0]}.{parts[1]}.{parts[2]}"


@lru_cache(maxsize=256)  # (see _named)
def _versions(fixed: tuple[tuple[str, str], ...], introduced: str | None) -> Versions:
    intro = _triple(introduced) if introduced else None
    fixes: list[tuple[tuple[int, int, int], LineFix]] = []
    for line, version in fixed:
        line_v, fixed_v = _triple(line), _triple(version)
        if line_v is None or fixed_v is None:  # pragma: no cover - validated before
            continue
        major, minor, patch = fixed_v
        width = _width(line)  # 1: the line is a major version, 7.0.0 to 7.x.y
        first: str | None = None
        last: str | None = None
        start = (major, minor if width > 1 else 0, 0)
        if intro is not None:
            if intro[:width] == fixed_v[:width]:
                start = intro
            elif intro[:width] > fixed_v[:width]:
                start = fixed_v  # the code came later than this line
        if start < fixed_v and patch > 0:  # start is on this line
            first = _text(start)
            last = _text((major, minor, patch - 1))
        elif start < fixed_v:  # fixed in 7.4.0 on the line 7: the last affected is not known
            first = _text(start)
        fixes.append((line_v, LineFix(line, version, first, last)))
    fixes.sort(key=lambda item: item[0], reverse=True)
    earlier_from = earlier_before = None
    open_from = _text(intro) if intro is not None and not fixes else None
    if intro is not None and fixes:
        oldest = fixes[-1][0]
        if intro[:2] < oldest[:2]:
            earlier_from = _text(intro)
            earlier_before = f"{oldest[0]}.{oldest[1]}"
    return Versions(tuple(fix for _, fix in fixes), earlier_from, earlier_before, open_from)


def versions(advisory: Advisory) -> Versions:
    """Per fixed line: the first and last affected release (``X.Y.0`` or ``introduced``)."""
    return _versions(tuple(advisory.fixed.items()), advisory.introduced)

"""Affected and fixed versions of an advisory, derived from ``fixed`` and ``introduced``.

On a line fixed in 10.3.3 the releases 10.3.0-10.3.2 are affected (from ``introduced`` on
when it names a version of that line); a line fixed in X.0 had no affected release. A line
named by its major version alone (``7``: ``[releases] line_parts = 1``) starts at X.0.0:
fixed in 7.3.1, it had 7.0.0-7.3.0 affected. When ``introduced`` is older than the oldest
fixed line, the releases from it up to that line are affected and unfixed. With no fixed
version at all (imported history), the releases from ``introduced`` on are affected
(``open_from``); with neither, every release is (one range from ``"0"``, as in OSV).
Versions compare numerically (9.10 > 9.9), and a pre-release before its release (PEP 440:
10.3.0.dev1 < 10.3.0a1 < 10.3.0b2 < 10.3.0rc1 < 10.3.0 < 10.3.0.post1; SemVer's
0.104.0-alpha.6 reads as 0.104.0a6): a fix shipped in one (RustSec's rustls-webpki, fixed in
0.104.0-alpha.6) ends a range at it, not at its release. ``introduced`` may be one too, and
then a range starts at it, as spelt (rustls-webpki's 0.104.0-alpha.1: its alpha.1 to alpha.5
are affected); so does a post-release (10.3.1.post1: 10.3.1 is not affected).
A line fixed in a pre-release of its first release (rustls-webpki's 0.104.0-alpha.6), or in
that release when the project publishes pre-releases (``[releases] pre_releases``: CPython's
3.14 in its betas, fixed in 3.14.0), had its earlier pre-releases affected when the code was
there before it (``introduced`` before the line, or without it an affected version
on the next older fixed line, right below it): a range from the lowest pre-release of X.Y.0
(PEP 440's 3.14.0.dev0, SemVer's 3.14.0-0) up to the fix, "3.14.0 pre-releases" on the
pages, as a gap up to a line (10.3.0 before 10.4.0) takes in 10.4.0's pre-releases. With
``pre_releases``, so does the range of a line affected from its first release and fixed
after it, under the same test (CPython's 3.13 fixed in 3.13.1 beside 3.12: from 3.13.0.dev0,
"3.13.0 and its pre-releases", or "3.13.0 pre-releases – 3.13.2" when fixed in 3.13.3);
not one affected from a later version (introduced in 3.13.2), nor one introduced in X.Y.0
itself (``introduced = "3.13.0"``: its pre-releases had no code, as for a line fixed there).
The lines between two fixed ones are affected too (gaps) when one of them was released
without the fix: ``unfixed`` names those the lift knew of; without it, any line that can lie
between them is taken to be there. With it, a line there that it does not name was not
released or already had the fix (the plan's already-fixed line): the gap's ranges cover the
named lines only, one range for each run of them, so that such a line is not affected.
The gaps and those pre-releases: :mod:`releasekit.model.version_gaps`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from releasekit.model.advisory import Advisory
from releasekit.model.checks import line_key
from releasekit.model.version_gaps import Gap, LineFix, chain, early, spelt_as
from releasekit.model.version_keys import EVERY as EVERY
from releasekit.model.version_keys import (
    FINAL,
    KEY_WIDTH,
    POST,
    Key,
    is_lowest_pre_release,
    release_of,
)
from releasekit.model.version_keys import contains as contains
from releasekit.model.version_keys import first_release as first_release
from releasekit.model.version_keys import in_line as in_line
from releasekit.model.version_keys import line_width as _width
from releasekit.model.version_keys import make_key as _key
from releasekit.model.version_keys import numbers_of as _numbers
from releasekit.model.version_keys import release_key as release_key
from releasekit.model.version_keys import release_line as release_line
from releasekit.model.version_keys import spelling as _spelling
from releasekit.model.version_keys import spelt_text as _text


@dataclass(frozen=True)
class Versions:
    """Affected and fixed versions derived from ``fixed`` and ``introduced``."""

    lines: tuple[LineFix, ...]  # newest line first
    earlier_from: str | None  # releases from this version ...
    earlier_before: str | None  # ... before this line's first release are affected, unfixed
    open_from: str | None = None  # no fixed version recorded: releases from this one on
    gaps: tuple[Gap, ...] = ()  # newest first
    # The fix that ends the earlier releases' range when it comes before ``earlier_before``'s
    # first release (a pre-release of it: 10.3.0rc1); None: that release (10.3.0) ends it.
    earlier_below: str | None = None

    @property
    def fixed_list(self) -> list[str]:
        return [fix.fixed for fix in self.lines]

    @property
    def affected_list(self) -> list[str]:
        """The affected releases as the pages say them, newest first."""
        ranges = []
        for fix in self.lines:
            if fix.first_affected is None:
                continue
            if says_prereleases(fix):
                said = prereleases_text(fix)
            elif fix.last_affected is None:  # (a line of a major version fixed in X.Y.0)
                said = f"{fix.first_affected} – before {fix.fixed}"
            elif fix.first_affected == fix.last_affected:
                said = fix.first_affected
            else:
                said = f"{fix.first_affected} – {fix.last_affected}"
            ranges.append((release_key(fix.first_affected), said))
        ranges.extend((release_key(g.first), f"{g.shown} – before {g.ends}") for g in self.gaps)
        if self.earlier_from and self.earlier_before:
            said = f"{self.earlier_from} – before {self.earlier_before}"
            ranges.append((release_key(self.earlier_from), said))
        if self.open_from:
            ranges.append((release_key(self.open_from), f"{self.open_from} and later"))
        return [said for _key, said in sorted(ranges, key=lambda r: r[0], reverse=True)]

    def ranges(self) -> tuple[Range, ...]:
        """The affected releases as ranges, each with the version to upgrade to."""
        found = []
        for fix in self.lines:
            if fix.first_affected is not None:
                found.append(Range(fix.first_affected, fix.fixed, fix.line, fix.fixed, fix.line))
        for gap in self.gaps:  # (the nearest fixed line above: the one to upgrade to)
            line = line_key(gap.first, _width(gap.after))  # (named as its neighbours are)
            found.append(Range(gap.first, gap.below, line, gap.upgrade, gap.before))
        if self.earlier_from and self.earlier_before and self.lines:
            oldest = self.lines[-1]  # the nearest supported line above the range
            line = line_key(self.earlier_from, _width(oldest.line))  # (named as oldest's)
            below = self.earlier_below or f"{self.earlier_before}.0"
            found.append(Range(self.earlier_from, below, line, oldest.fixed, oldest.line))
        if self.open_from:
            found.append(Range(self.open_from, None, release_line(self.open_from), None, None))
        elif not self.lines:  # nothing recorded (imported history): every release, not none
            found.append(Range(EVERY, None, None, None, None))
        return tuple(sorted(found, key=lambda r: release_key(r.first), reverse=True))

    def named(self) -> tuple[str, ...]:
        """The versions the ranges name: each affected release of a fixed line (its patch
        releases from the first affected one), each fixed version, the first release of a
        range that starts on an unsupported line, and of each line between two fixed ones
        that the lift recorded as left without the fix. Oldest first."""
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
            names.update(_releases(fix.first_affected, fix.last_affected, _spelling(fix.fixed)))
        if fix.pre_releases and fix.first_affected is not None:
            # The release of its lowest pre-release (7.0.0 of 7.0.0.dev0, on a line of a
            # major version), unless the fix came before it (0.104.0-alpha.6).
            release = release_of(release_key(fix.first_affected))
            if release < release_key(fix.fixed):
                names.add(_text(release, _spelling(fix.fixed)))
    # A range that starts at a pre-release (10.2.0rc1) names its release too (10.2.0): the
    # page people look for; a line's range names it with the others (_releases).
    starts = [text for text in (found.earlier_from, found.open_from) if text]
    for text in (*starts, *(first for gap in found.gaps for first in gap.named)):
        names.add(text)
        key = release_key(text)
        if key[KEY_WIDTH] < FINAL:
            names.add(_text(release_of(key), _spelling(text)))
    names = {name for name in names if not is_lowest_pre_release(name)}  # (3.14.0.dev0)
    return tuple(sorted(names, key=release_key))


def says_prereleases(fix: LineFix) -> bool:
    """Whether the pages and the announcement name ``fix``'s range by its first release's
    pre-releases ("3.14.0 pre-releases", "3.13.0 and its pre-releases"): a line fixed in its
    first release, or one whose range takes them in; not one from an introduced
    10.4.0.dev0 to 10.4.2, which is shown as it is."""
    first = fix.first_affected
    if first is None or not is_lowest_pre_release(first):
        return False
    return fix.pre_releases or release_key(fix.fixed) <= release_of(release_key(first))


def prereleases_text(fix: LineFix, *, announced: bool = False) -> str:
    """The pre-releases of a line's first release that its range takes in, as the pages
    say them: fixed in that release, "3.14.0 pre-releases", or "3.14.0 pre-releases before
    3.14.0b2" (fixed in one); fixed after it, the whole line affected, "3.13.0 and its
    pre-releases" (fixed in 3.13.1), "3.13.0 pre-releases – 3.13.2", and on a line of a
    major version "7.0.0 pre-releases – before 7.4.0". ``announced``: as the announcement
    says a range, "3.13.0 pre-releases to 3.13.2", "7.0.0 pre-releases and later"."""
    assert fix.first_affected is not None
    release = _text(release_of(release_key(fix.first_affected)), _spelling(fix.fixed))
    fixed, first = release_key(fix.fixed), release_key(release)
    if fixed == first:
        return f"{release} pre-releases"
    if fixed < first:
        return f"{release} pre-releases before {fix.fixed}"
    if fix.last_affected is None:
        return f"{release} pre-releases " + ("and later" if announced else f"– before {fix.fixed}")
    if release_key(fix.last_affected) == first:
        return f"{release} and its pre-releases"
    return f"{release} pre-releases {'to' if announced else '–'} {fix.last_affected}"


def _releases(first_text: str, last_text: str | None, width: int) -> set[str]:
    """The releases from ``first_text`` to ``last_text`` (None: the first alone) that can be
    named: those whose numbers differ from the last's only in the last number of ``width``,
    and those of the last's fourth number (7.1.5.1 before 7.1.5.2). A range that spans
    lines of a major version (7.0.0 to 7.3.0) names its first release and then the last
    line's (their minors and patches are not known)."""
    if last_text is None:
        return {first_text}  # (not the release of a pre-release: 0.104.0-alpha.1's 0.104.0)
    first, last = release_key(first_text), release_key(last_text)
    names = {first_text}
    end = width - 1  # the number counted up
    if first[:end] != last[:end]:
        first = _key(last[:end])
    # (7.2.2 is not after 7.2.2.1, nor 10.3.1 after 10.3.1.post1)
    start = first[end] + 1 if first[3] or first[KEY_WIDTH] == POST else first[end]
    for number in range(start, last[end] + 1):
        names.add(_text((*first[:end], number), width))
    fourth = first[3] if first[:3] == last[:3] else 1
    for number in range(fourth, last[3] + 1):  # a fourth number: 7.1.5.1 (before 7.1.5.2)
        names.add(_text((*last[:3], number), width))
    return names


@dataclass(frozen=True)
class Range:
    """Releases from ``first`` up to (not including) ``below`` (None: every later one)."""

    first: str  # EVERY: from the first release
    below: str | None
    line: str | None  # the release line of ``first`` (None: from EVERY, no line)
    upgrade: str | None  # the version to upgrade to; None: no fixed version recorded
    upgrade_line: str | None  # its line: ``line``, else the nearest supported line

    @property
    def supported(self) -> bool:
        """Whether the range's own line got the fix."""
        return self.line is not None and self.upgrade_line == self.line

    def __contains__(self, version: str) -> bool:
        below = None if self.below is None else release_key(self.below)
        return contains(release_key(self.first), below, release_key(version))


@lru_cache(maxsize=256)  # (see _named)
def _versions(
    fixed: tuple[tuple[str, str], ...],
    introduced: str | None,
    unfixed: tuple[str, ...] | None = None,
    pre_releases: bool = False,
) -> Versions:
    intro = release_key(introduced) if introduced else None
    fixes: list[tuple[Key, LineFix]] = []
    for line, version in fixed:
        if _numbers(line) is None or _numbers(version) is None:  # pragma: no cover - validated
            continue
        line_v, fixed_v = release_key(line), release_key(version)
        width = _width(line)  # 1: the line is a major version, 7.0.0 to 7.x.y
        spelt = _spelling(version)
        first: str | None = None
        last: str | None = None
        start: Key = _key((fixed_v[0], fixed_v[1] if width > 1 else 0))
        if intro is not None:
            if intro[:width] == fixed_v[:width]:
                start = intro
            elif intro[:width] > fixed_v[:width]:
                start = fixed_v  # the code came later than this line
        if start < fixed_v:  # start is on this line
            first = spelt_as(start, spelt, introduced)
            before = _before(fixed_v, width, spelt)
            if before is not None and start <= before:  # (not 7.2.2 after 7.2.2.1)
                last = _text(before, spelt)
        fixes.append((line_v, LineFix(line, version, first, last)))
    fixes.sort(key=lambda item: item[0], reverse=True)
    gaps = chain(fixes, intro, introduced, unfixed, pre_releases)
    earlier_from = earlier_before = earlier_below = None
    open_from = spelt_as(intro, 3, introduced) if intro is not None and not fixes else None
    if intro is not None and fixes:
        oldest, oldest_fix = fixes[-1]
        if intro[:2] < oldest[:2]:
            earlier_from = spelt_as(intro, _spelling(oldest_fix.fixed), introduced)
            earlier_before = f"{oldest[0]}.{oldest[1]}"
            earlier_below = early(oldest_fix.fixed, _key(oldest[:2]))
    found = (tuple(fix for _, fix in fixes), earlier_from, earlier_before, open_from, gaps)
    return Versions(*found, earlier_below)


def _before(fixed: Key, width: int, spelt: int) -> Key | None:
    """The release right before ``fixed`` on its line, when it is known: 10.3.2 before
    10.3.3, 7.1.5.1 before 7.1.5.2, 7.2.2 before 7.2.2.1, 16.2 before 16.3 (PostgreSQL's
    line 16); None before 7.4.0 on the line 7 (7.3's last patch is not known), or before a
    line's first release (10.4.0). Before a pre-release, the release before its own: 10.3.2
    before 10.3.3rc1; before a post-release, its own: 10.3.3 before 10.3.3.post1."""
    if fixed[KEY_WIDTH] == POST:
        return release_of(fixed)
    if fixed[3] > 0:
        return _key((*fixed[:3], fixed[3] - 1))
    end = spelt - 1  # the last number of the spelling
    if end < width or fixed[end] == 0:
        return None
    return _key((*fixed[:end], fixed[end] - 1))


def versions(advisory: Advisory, *, pre_releases: bool = False) -> Versions:
    """Per fixed line: the first and last affected release (``X.Y.0`` or ``introduced``);
    ``pre_releases``: the project publishes pre-releases (``[releases] pre_releases``)."""
    return versions_of(
        advisory.fixed, advisory.introduced, advisory.unfixed, pre_releases=pre_releases
    )


def versions_of(
    fixed: Mapping[str, str],
    introduced: str | None = None,
    unfixed: Sequence[str] | None = None,
    *,
    pre_releases: bool = False,
) -> Versions:
    """What :func:`versions` gives for these ``fixed`` versions (line -> version) and the
    released lines between them that got no fix (``unfixed``; None: not known, guessed)."""
    lines = None if unfixed is None else tuple(unfixed)
    return _versions(tuple(fixed.items()), introduced, lines, pre_releases)

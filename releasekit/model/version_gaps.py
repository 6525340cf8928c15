"""The gaps of an advisory's versions: the lines between two fixed ones that had the code
and no fix, and the pre-releases of a line fixed in its first release (the part of
:mod:`releasekit.model.versions` that looks at two fixed lines at once).

The lines between two fixed ones are affected (gaps) when one of them was released without
the fix: ``unfixed`` names those the lift knew of; without it, any line that can lie between
them is taken to be there. With it, a line there that it does not name was not released or
already had the fix (the plan's already-fixed line): the gap's ranges cover the named lines
only, one range for each run of them, so that such a line is not affected. A line fixed in a
pre-release of its first release, or in that release when the project publishes
pre-releases, had its earlier pre-releases affected when the code was there before it;
so, in that project, had a line affected from its first release and fixed after it
(:func:`chain`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from releasekit.model.version_keys import (
    DEV,
    KEY_WIDTH,
    Key,
    lowest_pre_release,
    release_key,
    release_of,
)
from releasekit.model.version_keys import FINAL_PHASE as _FINAL
from releasekit.model.version_keys import line_width as _width
from releasekit.model.version_keys import make_key as _key
from releasekit.model.version_keys import spelling as _spelling
from releasekit.model.version_keys import spelt_text as _text


@dataclass(frozen=True)
class LineFix:
    """One release line that got the fix."""

    line: str
    fixed: str
    first_affected: str | None  # None: the line had no affected release (e.g. X.0)
    last_affected: str | None
    # Its range takes in the pre-releases of its first release, from the lowest (3.14.0.dev0),
    # because the code was there before the line (:func:`chain`), not as ``introduced`` says.
    pre_releases: bool = False


@dataclass(frozen=True)
class Gap:
    """The releases of lines between two fixed ones (out of support, or left out by the
    policy: a Low fix in 10.4.0 and the ESR 9.11 only): they have the code and no fix."""

    after: str  # the older fixed line (9.11) ...
    first: str  # ... the first version after it (9.12.0), ``introduced`` when later, or the
    # first release of the oldest ``unfixed`` line when recorded (5.0.0 after 4.2)
    shown: str  # how the affected list says it: "after 9.11", or ``first``
    before: str  # the newer fixed line (10.4): the one to upgrade to
    # the range ends before this version: the newer line's first release (10.4.0), or its
    # fix when that is a pre-release of it (10.4.0rc1)
    below: str
    upgrade: str  # the newer line's fixed version
    # The first affected release of each line in it that the lift recorded (``unfixed``):
    # each gets a version page. () when the lines are guessed: none is known to exist.
    named: tuple[str, ...] = ()
    # The line the range ends before when not the newer fixed line (10.6 after 10.5 unfixed,
    # when 10.6 is not: it already had the fix, or was not released); "" when it is.
    until: str = ""

    @property
    def ends(self) -> str:
        """The line the range ends before, as the pages say it ("before 11.0")."""
        return self.until or self.before

    @property
    def fixed_at(self) -> str:
        """The version an OSV range's ``fixed`` event names: the newer line's fix, or where
        the range ends when a line that is not affected lies between (10.6.0)."""
        return self.below if self.until else self.upgrade


def spelt_as(key: Key, width: int, introduced: str | None) -> str:
    """``key`` spelt as a release is (to ``width`` numbers), or as ``introduced`` is when it is
    ``introduced``'s and that is no release (0.104.0-alpha.1, 10.3.1.post1: the numbers
    alone cannot say a pre-release's spelling)."""
    if introduced is not None and key[KEY_WIDTH:] != _FINAL and key == release_key(introduced):
        return introduced
    return _text(key, width)


def early(fixed: str, first: Key) -> str | None:
    """A line's fix when it comes before the line's first release (``first``): a
    pre-release of it (10.4.0rc1), which ends a range that runs up to that release (from
    the fix on, the line is fixed); else None."""
    return fixed if release_key(fixed) < first else None


def chain(
    fixes: list[tuple[Key, LineFix]],
    intro: Key | None,
    introduced: str | None,
    unfixed: tuple[str, ...] | None,
    pre_releases: bool,
) -> tuple[Gap, ...]:
    """The gaps (newest first), each two fixed lines from the oldest up; and (in
    ``fixes``) the pre-releases of each line fixed in its first release that had the code,
    or after it with the whole line affected (:func:`_prereleases`), which can let the next
    gap up have it too."""
    left_out = None if unfixed is None else [release_key(line) for line in unfixed]
    gaps: list[Gap] = []
    had = bool(fixes) and fixes[-1][1].first_affected is not None
    for index in range(len(fixes) - 2, -1, -1):
        (newer_key, newer), (older_key, older) = fixes[index], fixes[index + 1]
        found = list(_gaps(newer_key, newer, older_key, older, had, intro, introduced, left_out))
        reached = any(not gap.until for gap in found)  # (a gap up to it: its pre-releases)
        if not reached:
            flags = (unfixed is None, pre_releases)
            newer = _prereleases(newer_key, newer, older_key, older, had, intro, *flags)
            fixes[index] = (newer_key, newer)
        if not pre_releases and release_key(newer.fixed) == _key(newer_key[: _width(newer.line)]):
            reached = False  # (fixed in X.Y.0, whose pre-releases do not exist: no code)
        had = reached or newer.first_affected is not None
        gaps[:0] = found
    return tuple(gaps)


def _prereleases(
    key: Key,
    fix: LineFix,
    older_key: Key,
    older: LineFix,
    had: bool,
    intro: Key | None,
    guessed: bool,
    pre_releases: bool,
) -> LineFix:
    """``fix`` with its line's pre-releases affected (from the lowest, 3.14.0.dev0) when the
    code was there before the line: ``introduced`` before that lowest pre-release (so not
    in 3.14.0 itself, nor in 3.14.0rc1, where the range starts already), or (without it)
    the next older fixed line had an affected version, as :func:`_gaps` decides; and that
    line is right below it (a gap up to this line holds them; a line between that is in
    none, as ``unfixed`` says, was not released or had the fix: so had these, branched
    after it). So when the line was fixed in a pre-release of its first release
    (rustls-webpki's 0.104.0-alpha.6: up to the fix), and when the project publishes
    pre-releases (``pre_releases``), also in that release (CPython's 3.14 in its betas,
    fixed in 3.14.0) or after it with the whole line affected (3.13 fixed in 3.13.1: its
    range from 3.13.0 then starts at 3.13.0.dev0, as 3.13.0rc1 had what 3.13.0 had)."""
    width = _width(fix.line)
    first = _key(key[:width])  # the line's first release (3.14.0)
    fixed, lowest = release_key(fix.fixed), _key(first[:KEY_WIDTH], (DEV, 0))
    if fix.first_affected is None:
        # (fixed in X.Y.0 by a project that publishes no pre-releases: none of it was affected)
        pre = lowest < fixed < first or (pre_releases and fixed == first)
        if release_of(fixed) != first or not pre:
            return fix
    elif not pre_releases or release_key(fix.first_affected) != first:
        return fix  # (affected from a later version: introduced in 3.13.2, or 3.13.0rc1)
    code = had if intro is None else intro < lowest
    if _width(older.line) == width:  # (else no line lies between them as either names it)
        neighbour = guessed and width == 2 and first[:2] == (older_key[0] + 1, 0)  # (2.0)
        code = code and (_after(older_key, width) == first or neighbour)
    elif intro is None:
        code = False
    if not code:
        return fix
    start = lowest_pre_release(_text(first, _spelling(fix.fixed)))
    return LineFix(fix.line, fix.fixed, start, fix.last_affected, pre_releases=True)


def _gaps(
    newer_key: Key,
    newer: LineFix,
    older_key: Key,
    older: LineFix,
    had: bool,
    intro: Key | None,
    introduced: str | None,
    left_out: list[Key] | None,
) -> Iterator[Gap]:
    """The gaps between two fixed lines (newest first) that had the code: from
    ``introduced`` on, or (without it) when the older line had an affected version
    (``had``). With ``unfixed`` (``left_out``: the lift's record of the released lines
    that got no fix), a gap is there exactly when one of them lies between the two (and not
    before ``introduced``'s line), one for each run of consecutive ones (10.5 and 10.6; 9.12
    and 10.0 are not: a 9.13 may lie between), each up to the line after its newest (to
    its lowest pre-release, 10.6.0.dev0): a line between that it does not name was not
    released or already had the fix (ESR 10.4 and 11.0 fixed, 10.5 unfixed, 10.6 fixed
    before in 10.6.2, or in 10.6.0b2: 10.6 is not affected, nor 10.6.0rc1). Without
    it, when a line can lie between them: a line X.0 after one of X-1 is taken as its
    neighbour (1.26 and 2.0: there was no 1.27)."""
    width = _width(older.line)
    if _width(newer.line) != width:
        return  # (lines named two ways: no line lies between them as either names it)
    after = _after(older_key, width)  # 9.12.0, or 8.0.0
    below = _key(newer_key[:width])  # the newer line's first release
    start = after
    if intro is not None:
        start = _from(after, intro, width)
    elif not had:
        return  # (the older line had no affected version: nothing says the gap had it)
    if release_of(start) >= below:
        return  # adjacent lines: 10.2 and 10.3 (or introduced in a 10.3.0 pre-release)
    spelt = _spelling(newer.fixed)
    if left_out is None:
        if width == 2 and below[:2] == (older_key[0] + 1, 0):
            return  # 1.26 and 2.0: taken as neighbours (there was no 1.27)
        first = spelt_as(start, spelt, introduced)
        shown = f"after {older.line}" if start == after else first
        last = early(newer.fixed, below) or _text(below, spelt)  # (10.4.0rc1, or 10.4.0)
        yield Gap(older.line, first, shown, newer.line, last, newer.fixed)
        return
    lowest = _key(start[:width])  # (a line before introduced's had no code)
    lines = sorted({k for k in (_key(key[:width]) for key in left_out) if lowest <= k < below})
    for run in reversed(_runs(lines, width)):  # (newest first)
        # From the oldest line's first affected release (Django's 5.0.0 after the LTS
        # 4.2: there was no 4.3) up to the line after the newest, or the newer fixed line.
        firsts = [_from(key, start, width) for key in run]
        end = _after(run[-1], width)
        until = "" if end >= below else _text(end, width)
        first = spelt_as(firsts[0], spelt, introduced)
        shown = f"after {older.line}" if firsts[0] == after else first
        # A line it ends before is not affected, its pre-releases neither (10.2.0rc1, where
        # 10.2 had the fix): the range ends at the lowest of them, 10.2.0.dev0.
        last = (
            lowest_pre_release(_text(end, spelt))
            if until
            else (early(newer.fixed, below) or _text(below, spelt))
        )
        yield Gap(
            older.line,
            first,
            shown,
            newer.line,
            last,
            newer.fixed,
            tuple(spelt_as(key, spelt, introduced) for key in firsts),
            until,
        )


def _from(line: Key, start: Key, width: int) -> Key:
    """Where a range over ``line`` (its first release) starts when the code came in
    ``start``: ``start`` when that is a version of that line or a later one (10.3.0rc1 of
    10.3, before its first release), else the line's first release."""
    return start if start[:width] >= line[:width] else line


def _after(line: Key, width: int) -> Key:
    """The first release of the line after ``line``: 10.6.0 after 10.5, 8.0.0 after 7."""
    return _key((*line[: width - 1], line[width - 1] + 1))


def _runs(lines: list[Key], width: int) -> list[list[Key]]:
    """``lines`` (oldest first) in runs of consecutive ones (10.5 and 10.6), oldest first."""
    runs: list[list[Key]] = []
    for line in lines:
        if runs and _after(runs[-1][-1], width) == line:
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs

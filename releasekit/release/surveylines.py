"""``init --repository``: the upcoming line of a clone, and a line in its pre-releases on a
branch of its own beside it (CPython's 3.14 in its betas while main is 3.15; Kubernetes'
release-1.32 at v1.32.0-rc.1 while master carries v1.33.0-alpha.0); and the released lines
whose releases ended (Go's 1.21, none after go1.23.0)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from packaging.version import Version

from releasekit.model.checks import line_key
from releasekit.release.tagfacts import Facts, Tagged


def upcoming_line(
    facts: Facts,
    versions: Sequence[Tagged],
    newest: Tagged,
    named: Mapping[str, Mapping[str, str]],
    development: str | None,
    branch_of: Callable[[str], str | None],
    given: str | None,
) -> tuple[str, str | None, str, bool]:
    """(line, its branch or None, why, whether it is a guess) of the upcoming line."""
    newest_line = Version(newest.line)
    if given is not None:
        name = line_key(given, newest.parts)
        branch = branch_of(name) or development
        return name, branch, f"as given (on {branch or 'no branch yet'})", False
    future = {line for lines in named.values() for line in lines if Version(line) > newest_line}
    if future:
        name = max(future, key=Version)
        return name, branch_of(name), f"its branch {branch_of(name)} has no release tag", False
    major, minor = newest.version.release[:2]
    following, after = (
        (f"{major}.{minor + 1}", "minor") if newest.parts > 1 else (f"{major + 1}", "major")
    )
    if development is None:
        return following, None, f"the {after} after {newest.tag.name}", True
    tip = facts.branches[development]
    previews = [
        t
        for t in versions
        if not t.final and Version(t.line) > newest_line and facts.contains(tip, t.tag.commit)
    ]
    if previews:
        preview = max(previews, key=lambda t: t.version)
        why = f"{development} carries the pre-release {preview.tag.name}"
        return preview.line, development, why, True
    return following, development, f"the {after} after {newest.tag.name}, on {development}", True


def pre_release_on(facts: Facts, versions: Sequence[Tagged], line: str, branch: str) -> str | None:
    """The newest pre-release tag of ``line`` on ``branch`` (None: there is none)."""
    tip = facts.branches[branch]
    found = [
        t for t in versions if not t.final and t.line == line and facts.contains(tip, t.tag.commit)
    ]
    return max(found, key=lambda t: t.version).tag.name if found else None


def newer_preview(
    facts: Facts, versions: Sequence[Tagged], line: str, development: str
) -> Tagged | None:
    """The newest pre-release on ``development`` of a line after ``line`` (None: none)."""
    tip = facts.branches[development]
    previews = [
        t
        for t in versions
        if not t.final and Version(t.line) > Version(line) and facts.contains(tip, t.tag.commit)
    ]
    return max(previews, key=lambda t: t.version) if previews else None


def after_prerelease(facts: Facts, versions: Sequence[Tagged], line: str, development: str) -> str:
    """The line of the development branch when ``line`` is in pre-release on its own
    branch: that of a newer pre-release on it (v3.15.0a1), else the line after ``line``."""
    preview = newer_preview(facts, versions, line, development)
    if preview is not None:
        return preview.line
    numbers = [int(number) for number in line.split(".")]
    return ".".join(map(str, [*numbers[:-1], numbers[-1] + 1]))


def beside_prerelease(
    facts: Facts, versions: Sequence[Tagged], line: str, branch: str, development: str
) -> Tagged | None:
    """The development branch's pre-release of a newer line when ``line`` is in
    its pre-releases on ``branch`` and the development branch carries one of a newer line
    (Kubernetes' master at v1.33.0-alpha.0 beside release-1.32 at v1.32.0-rc.1): then the
    development branch is that line's, and ``line`` a ``prerelease`` line. None otherwise
    (CPython's main, with no tag of 3.15: a check says what to set)."""
    if branch == development:
        return None
    own = pre_release_on(facts, versions, line, branch)
    ahead = newer_preview(facts, versions, line, development)
    return ahead if own is not None else None


def ended(by_line: Mapping[str, Sequence[Tagged]], window: Sequence[str]) -> list[str]:
    """The oldest lines of ``window`` (the newest released lines, newest first) that got no
    release after the newest line's first, when one between got one: Go's 1.21, whose
    go1.21.13 came the week before go1.23.0, while 1.22 got five since. None when no older
    line got one (the newest line's first release is too recent to tell)."""
    if not window:
        return []
    first = min(t.tag.time for t in by_line[window[0]])
    since = [any(t.tag.time > first for t in by_line[name]) for name in window[1:]]
    if True not in since:
        return []
    kept = len(since) - since[::-1].index(True)  # up to the oldest line that got one
    return list(window[1 + kept :])


def first_pre_release(versions: Sequence[Tagged]) -> Tagged | None:
    """The newest tag of a pre-release of a line's first release (CPython's v3.14.0a1,
    Kubernetes' v1.31.0-rc.1, Go's go1.23rc1, PostgreSQL's REL_17_BETA2), or None: the
    project publishes such pre-releases (``[releases] pre_releases``)."""
    found = [
        t for t in versions if t.version.pre is not None and not any(t.version.release[t.parts :])
    ]
    return max(found, key=lambda t: (t.version, t.tag.time), default=None)

"""Release lines and their versions, from the product repository's tags.

A tag that any spelling of ``[releases]`` reads (``tag``, then ``read_tags``: e.g.
``{version}`` and ``v{version}``) names a version; a final release version (``10.3.2``; no
pre-, dev- or local versions) is a release of the line ``MAJOR.MINOR``, or ``MAJOR`` when
``[releases] line_parts`` is 1 (undici's v7.x holds 7.0.0 to 7.3.0). Pre-releases
(``7.4-rc2``, ``2.0.0a1``) are versions, never a line's newest release. Versions compare as
versions (9.10 > 9.9).

With the repository's history (:class:`History`), a line's releases are its release tags
whose commits are on its branch. A released line's next version is its newest release with
its last number raised (7.2.3 -> 7.2.4, also on a line of a major version; PostgreSQL's 16.2,
its lines major versions, -> 16.3, but Firefox's 133.0 -> 133.0.1, as its dot releases are
spelt; Rails' security release 7.2.3.2 -> 7.2.3.3); the upcoming line's is its first
version (``10.4.0``, ``8.0.0``; PostgreSQL's ``18.0`` and Firefox's ``134.0``: as many
numbers as the newest line's first release has) and it gets no tag, unless the project
releases it from its branch already (``[releases] upcoming_released``: undici's 8 on
main), and then it is a released line too. The ``prerelease`` lines, branched off before
their first release (CPython's 3.14 in its betas while main is 3.15), are upcoming lines
too, never tagged. A
line has problems (the plan is not ready for it) when the version it would tag exists
anywhere under any spelling, or when a tag that no spelling reads but that names a version
of the line sits on its branch after its newest release: a release releasekit would not see.

The supported lines are the upcoming and pre-release ones, the ESR lines and the newest
``last`` released lines other than upcoming; each belongs to one or more of the groups
``upcoming``, ``esr`` and ``last``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from packaging.version import Version

from releasekit.model.config import Settings, line_key
from releasekit.model.versions import first_release
from releasekit.support import tomlpos
from releasekit.support.errors import ConfigError

SPELLINGS = "releases.tag, releases.esr_tag, releases.read_tags"


@dataclass(frozen=True)
class ReleaseLine:
    name: str  # "10.3"
    latest: str | None  # latest released version, None for an unreleased upcoming line
    next_version: str  # "10.3.3", or "10.4.0" for an unreleased upcoming line
    groups: tuple[str, ...]  # of "upcoming", "esr", "last"; () when not supported
    branch: str  # public branch, e.g. release-10.3
    tag: str | None  # tag of the next version; None for an unreleased upcoming line
    latest_tag: str | None = None  # the tag of ``latest``, as written
    problems: tuple[str, ...] = ()  # why a release of this line cannot be made now
    prerelease: bool = False  # a [releases] prerelease line: fixed as upcoming, never tagged

    @property
    def upcoming(self) -> bool:
        return "upcoming" in self.groups

    @property
    def supported(self) -> bool:
        return bool(self.groups)

    @property
    def key(self) -> Version:
        return Version(self.name)


@dataclass(frozen=True)
class Lines:
    """Every line the repository knows (``known``) and the supported ones, newest first."""

    known: Mapping[str, ReleaseLine]
    supported: tuple[ReleaseLine, ...]
    parts: int = 2  # [releases] line_parts: how many numbers of a version name its line

    def get(self, name: str) -> ReleaseLine | None:
        return self.known.get(line_key(name, self.parts))

    def group(self, group: str) -> tuple[ReleaseLine, ...]:
        return tuple(line for line in self.supported if group in line.groups)


@dataclass(frozen=True)
class VersionTag:
    """A tag that a spelling reads: its name as written, its version, its commit."""

    name: str
    version: Version
    commit: str | None  # None when only the names of the tags are known

    @property
    def final(self) -> bool:
        """A release (not a pre-, dev-, local or epoch version)."""
        v = self.version
        return not (v.is_prerelease or v.is_devrelease or v.local or v.epoch)

    def line(self, parts: int) -> str:
        """The line of the version, named by its first ``parts`` numbers."""
        return line_key(str(self.version), parts)


class History(Protocol):
    """What the lines need of the repository's history."""

    def tip(self, branch: str) -> str | None:
        """The public tip of ``branch`` (None: no such branch)."""

    def contains(self, tip: str, commit: str) -> bool:
        """Whether ``commit`` is ``tip`` or one of its ancestors."""

    def on_no_branch(self, commit: str) -> bool:
        """Whether no branch of the remote holds ``commit`` (PHP's release commits)."""


def _tag_regex(pattern: str) -> tuple[re.Pattern[str], str]:
    """The tag names ``pattern`` gives ("{{" and "}}" are one brace), and what it writes a
    version's dots as ("." or the separator of {version:_}: REL_16_2 is 16.2)."""
    parts, dot = [], "."
    for literal, name, spec, _ in string.Formatter().parse(pattern):  # checked in config
        parts.append(re.escape(literal))
        if name is not None:
            dot = spec or "."
            chars = "0-9A-Za-z+!" + re.escape(dot) + ("-" if dot != "-" else "")
            parts.append(f"(?P<version>[0-9][{chars}]*)")
    return re.compile("".join(parts)), dot


def version_tags(patterns: Sequence[str], tags: Mapping[str, str | None]) -> list[VersionTag]:
    """Every tag that one of ``patterns`` reads as a version (pre-releases included)."""
    regexes = [_tag_regex(pattern) for pattern in patterns]
    found = []
    for name, commit in tags.items():
        for regex, dot in regexes:
            match = regex.fullmatch(name)
            if not match:
                continue
            try:
                version = Version(match["version"].replace(dot, "."))
            except ValueError:  # InvalidVersion, or a number of over 4300 digits
                continue
            found.append(VersionTag(name, version, commit))
            break
    return found


# A version in a tag name that no spelling reads: release-7.2.6, urllib3-2.0.6, v.2.0.6rc1.
# (Digits 0-9: a version has no others, and `\d` matched "١.٢" before a version after it.)
# A wildcard after it names a line, not a release: 3.0.x (Pallets archive branches so).
# A milestone (Redis's 8.0-m01, Spring's 6.2.0-M1) is no version: it releases nothing.
_VERSION_LIKE = re.compile(
    r"(?<![0-9A-Za-z.])(?:[vV]\.?)?([0-9]+(?:\.[0-9]+)+(?:[-_.]?(?i:a|b|c|rc|alpha|beta|pre|preview|"
    r"dev|post|milestone|m(?=[0-9]))[-_.]?[0-9]*)?)(?![0-9]|\.[xX*](?![0-9A-Za-z]))"
)


def named_version(tag: str) -> Version | None:
    """The version a tag name seems to name, read or not (None: it names none)."""
    match = _VERSION_LIKE.search(tag)
    if match is None:
        return None
    try:
        return Version(match.group(1))
    except ValueError:
        return None


def released_versions(
    pattern: str, tags: Iterable[str], parts: int = 2
) -> dict[str, list[Version]]:
    """Final release versions by line, from the tag names that match ``pattern``."""
    by_line: dict[str, list[Version]] = {}
    for tag in version_tags([pattern], dict.fromkeys(tags)):
        if tag.final:
            by_line.setdefault(tag.line(parts), []).append(tag.version)
    return by_line


def line_names(settings: Settings, tags: Iterable[str]) -> list[str]:
    """Every line name the configuration and the tags know of, newest first (no checks)."""
    releases = settings.releases
    read = version_tags(settings.tag_patterns, dict.fromkeys(tags))
    names = {tag.line(releases.line_parts) for tag in read if tag.final}
    names |= {settings.line_name(n) for n in (releases.upcoming, *releases.esr)}
    names |= {settings.line_name(n) for n in releases.prerelease}
    return sorted(names, key=Version, reverse=True)


def next_patch(version: Version, parts: int, dotted: bool = False) -> str:
    """``version`` (at most four of its numbers) with its last number raised: 7.2.3 ->
    7.2.4, Rails' security release 7.2.3.2 -> 7.2.3.3, and PostgreSQL's 16.2, on a line of a
    major version, -> 16.3; a release that writes no more numbers than its line (10.3, 7) is
    its .0: 10.3.1. ``dotted``: the project's dot releases add a number to a major's two
    (Firefox's 133.0 -> 133.0.1), as :func:`_dot_adds_number` tells."""
    numbers = list(version.release[:4])
    if len(numbers) <= parts or (dotted and len(numbers) == 2):
        numbers = [*numbers, 0, 0][:3]
    numbers[-1] += 1
    return ".".join(map(str, numbers))


def read_lines(
    settings: Settings,
    tags: Iterable[str] | Mapping[str, str],
    *,
    upcoming_exists: bool,
    history: History | None = None,
) -> Lines:
    """The release lines from the repository's tags: their names, or names and commits
    with the ``history`` to tell which are on each line's branch (without it, every
    release tag counts). releasekit.toml is read only to name the line of an error.

    ``upcoming_exists``: whether the upcoming line's branch exists on the remote. A
    configured upcoming or ESR line the repository lacks is a ConfigError (exit 2).
    """
    targets: Mapping[str, str | None] = (
        dict(tags) if isinstance(tags, Mapping) else dict.fromkeys(tags)
    )
    releases = settings.releases
    parts = releases.line_parts
    read = version_tags(settings.tag_patterns, targets)
    finals: dict[str, list[VersionTag]] = {}
    for tag in read:
        if tag.final:
            finals.setdefault(tag.line(parts), []).append(tag)
    upcoming = settings.line_name(releases.upcoming)
    esr = [settings.line_name(name) for name in releases.esr]
    _check_configured(settings, finals, upcoming, esr, upcoming_exists)
    pre = [settings.line_name(name) for name in releases.prerelease]
    _check_prerelease(settings, finals, pre, history)
    released = sorted(finals, key=Version, reverse=True)
    last = [name for name in released if name != upcoming][: releases.last]
    groups: dict[str, list[str]] = {name: ["upcoming"] for name in (upcoming, *pre)}
    for name in esr:
        groups.setdefault(name, []).append("esr")
    for name in last:
        groups.setdefault(name, []).append("last")
    unread = dict(targets) if history is not None else {}
    for tag in read:
        unread.pop(tag.name, None)
    known: dict[str, ReleaseLine] = {}
    for name in sorted({*released, upcoming, *pre}, key=Version, reverse=True):
        line_groups = tuple(groups.get(name, ()))
        branch = settings.branch_name(name)
        tip = history.tip(branch) if history is not None and line_groups else None
        if name in pre:
            first = _first_version(name, finals, parts)
            known[name] = ReleaseLine(name, None, first, line_groups, branch, None, prerelease=True)
            continue
        if name == upcoming and name not in finals:
            after = _unread_after(unread, (name, parts), history, tip, None)
            problems = tuple(
                f"line {name}: tag {t} on {branch} names a version of {name}, "
                f"but no spelling reads it ({SPELLINGS})"
                for t in after
            )
            if unread and not finals and releases.last > 0:  # a spelling gone wrong, likely
                like = sorted(unread, key=lambda t: (named_version(t) is None, t))[0]
                problems += (
                    f"no release line: not one of the repository's {len(unread)} tags "
                    f"(like {like}) is a release in {SPELLINGS}; give their spelling, "
                    "or set releases.last = 0 until a line is released",
                )
            first = _first_version(name, finals, parts)
            known[name] = ReleaseLine(
                name, None, first, line_groups, branch, None, problems=problems
            )
            continue
        known[name] = _released_line(
            settings, name, line_groups, (finals[name], read, unread), history, tip
        )
    supported = tuple(line for line in known.values() if line.supported)
    _check_shared(settings, supported)
    return Lines(known=known, supported=supported, parts=parts)


def _check_shared(settings: Settings, supported: Sequence[ReleaseLine]) -> None:
    """No two supported lines on one branch (``branches`` naming the branch the pattern
    gives another line): the lift would push both lines' fixes to it, one over the other."""
    seen: dict[str, str] = {}
    for line in supported:
        other = seen.setdefault(line.branch, line.name)
        if other != line.name:
            raise ConfigError.one(
                settings.config_path,
                tomlpos.key_line(config_text(settings), "releases", "branches"),
                "releases.branches",
                f"lines {other} and {line.name} cannot share the branch {line.branch!r}",
            )


def _first_version(name: str, finals: Mapping[str, list[VersionTag]], parts: int) -> str:
    """The first version of the line ``name``: 10.4.0, 8.0.0; with as many numbers as the
    newest line's first release has, though, when its lines are major versions:
    PostgreSQL's 18.0 after 17.0 and 17.1, Firefox's 134.0 after 133.0 and 133.0.3."""
    first = first_release(name)
    if not finals:
        return first
    newest_line = max(finals, key=Version)
    newest = min(t.version for t in finals[newest_line])
    width = min(max(len(newest.release), parts + 1), 3)
    return ".".join(first.split(".")[:width])


def _dot_adds_number(read: Sequence[VersionTag], parts: int) -> bool:
    """Whether the project's releases after a major's first add a number to its two: the
    newest line of major versions with two releases or more shows it (Firefox's 132.0 ->
    132.0.1; PostgreSQL's 17.0 -> 17.1 does not)."""
    by_line: dict[str, list[Version]] = {}
    for tag in read:
        if tag.final and parts == 1:
            by_line.setdefault(tag.line(parts), []).append(tag.version)
    for name in sorted(by_line, key=Version, reverse=True):
        found = sorted(set(by_line[name]))
        if len(found) > 1:
            return len(found[0].release) == 2 and len(found[1].release) > 2
    return False


def _released_line(
    settings: Settings,
    name: str,
    groups: tuple[str, ...],
    tags: tuple[list[VersionTag], list[VersionTag], Mapping[str, str | None]],
    history: History | None,
    tip: str | None,
) -> ReleaseLine:
    """A released line: its newest release on its branch, the next version and problems.
    ``tags``: the line's release tags, every tag a spelling reads, the tags none reads."""
    finals, read, unread = tags
    branch = settings.branch_name(name)
    problems: list[str] = []
    # Newest first; of one version's spellings, the one the lift writes, then the first read.
    ordered = sorted(
        finals, key=lambda t: (t.version, _spelling_rank(settings, t.name)), reverse=True
    )
    newest = ordered[0]
    if history is not None and tip is not None:
        # The first on the branch (each check walks history: usually one is enough); with
        # releases.tags_off_branch, or on no branch at all (PHP's local release branches).
        off = settings.releases.tags_off_branch
        on_branch = (
            t
            for t in ordered
            if t.commit
            and (history.contains(tip, t.commit) or (off and history.on_no_branch(t.commit)))
        )
        found = next(on_branch, None)
        if found is None:
            problems.append(f"line {name}: no release tag of {name} is on {branch}")
        else:
            newest = found
    parts = settings.releases.line_parts
    next_version = next_patch(newest.version, parts, _dot_adds_number(read, parts))
    taken = sorted(t.name for t in read if t.version == Version(next_version))
    if taken:
        problems.append(f"line {name}: {next_version} is already tagged ({', '.join(taken)})")
    if history is not None and tip is not None:
        line = (name, settings.releases.line_parts)
        for unread_tag in _unread_after(unread, line, history, tip, newest.commit):
            problems.append(
                f"line {name}: tag {unread_tag} on {branch} after {newest.name} names a version of "
                f"{name}, but no spelling reads it ({SPELLINGS})"
            )
    return ReleaseLine(
        name=name,
        latest=str(newest.version),
        next_version=next_version,
        groups=groups,
        branch=branch,
        tag=settings.tag_name(next_version, name),
        latest_tag=newest.name,
        problems=tuple(problems),
    )


def _spelling_rank(settings: Settings, tag: str) -> int:
    """Higher for the spelling the lift writes: it names the newest release first."""
    patterns = settings.tag_patterns
    for rank, pattern in enumerate(patterns):
        if _tag_regex(pattern)[0].fullmatch(tag):
            return len(patterns) - rank
    return 0


def _unread_after(
    unread: Mapping[str, str | None],
    line: tuple[str, int],
    history: History | None,
    tip: str | None,
    release: str | None,
) -> list[str]:
    """The tags no spelling reads that name a version of ``line`` (its name, and how many
    numbers of a version name it) and sit on its branch (``tip`` or an ancestor) after
    ``release`` (its newest release's commit, if any)."""
    if history is None or tip is None:
        return []
    name_of_line, parts = line
    found = []
    for name, commit in sorted(unread.items()):
        version = named_version(name)
        if version is None or commit is None or line_key(str(version), parts) != name_of_line:
            continue
        if not history.contains(tip, commit):
            continue
        if release is not None and history.contains(release, commit):
            continue
        found.append(name)
    return found


def _check_configured(
    settings: Settings,
    finals: Mapping[str, list[VersionTag]],
    upcoming: str,
    esr: Sequence[str],
    upcoming_exists: bool,
) -> None:
    """The upcoming line has its branch and is released exactly when the configuration
    says so (``upcoming_released``); every ESR line has a release."""
    config = settings.config_path
    text = config_text(settings)
    released = settings.releases.upcoming_released
    if upcoming in finals and not released:
        latest = max(finals[upcoming], key=lambda t: t.version)
        raise ConfigError.one(
            config,
            tomlpos.key_line(text, "releases", "upcoming"),
            "releases.upcoming",
            f"{upcoming} is already released ({latest.name}); set the next line (or "
            "releases.upcoming_released = true, when releases of it go out from its branch)",
        )
    if released and upcoming not in finals:
        raise ConfigError.one(
            config,
            tomlpos.key_line(text, "releases", "upcoming_released"),
            "releases.upcoming_released",
            f"{upcoming} has no release tag (like {settings.tag_name(first_release(upcoming))}):"
            " an upcoming line not yet released gets no tag; set it false",
        )
    if not upcoming_exists:
        if settings.line_name(upcoming) in settings.releases.branches:
            way = "fetch the clone, or correct releases.branches"
        else:
            way = (
                "create it, or name the branch it lives on in releases.branches "
                f'(e.g. {{ "{upcoming}" = "main" }})'
            )
        raise ConfigError.one(
            config,
            tomlpos.key_line(text, "releases", "upcoming"),
            "releases.upcoming",
            f"{upcoming}: the remote has no branch {settings.branch_name(upcoming)}; {way}",
        )
    for name in esr:
        if name not in finals:
            first = _first_version(name, finals, settings.releases.line_parts)
            like = settings.tag_name(first, name)
            raise ConfigError.one(
                config,
                tomlpos.key_line(text, "releases", "esr"),
                "releases.esr",
                f"{name}: the repository has no release tag of this line (like {like})",
            )


def _check_prerelease(
    settings: Settings,
    finals: Mapping[str, list[VersionTag]],
    pre: Sequence[str],
    history: History | None,
) -> None:
    """Every pre-release line has its branch on the remote and no release yet."""
    text = config_text(settings)
    for name in pre:
        branch = settings.branch_name(name)
        if name in finals:
            latest = max(finals[name], key=lambda t: t.version).name
            why = f"{name} is released ({latest}): remove it (last or esr names it now)"
        elif history is not None and history.tip(branch) is None:
            why = f"{name}: the remote has no branch {branch}; name it in releases.branches"
        else:
            continue
        line = tomlpos.key_line(text, "releases", "prerelease")
        raise ConfigError.one(settings.config_path, line, "releases.prerelease", why)


def config_text(settings: Settings) -> str:
    """The text of releasekit.toml, to name a key's line in an error ("" if unreadable)."""
    try:
        return settings.config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""

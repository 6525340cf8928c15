"""Release lines and their versions, from the product repository's tags.

A tag that matches ``[releases] tag`` (e.g. ``v{version}``) and holds a final release
version (``10.3.2``; no pre-, dev- or local versions) belongs to the line ``MAJOR.MINOR``.
Versions compare as versions (9.10 > 9.9). A released line's next version is its latest
plus one patch level; the upcoming line's is ``LINE.0`` and it gets no tag. The supported
lines are the upcoming one, the ESR lines and the newest ``last`` released lines other than
upcoming; each belongs to one or more of the groups ``upcoming``, ``esr`` and ``last``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.version import Version

from releasekit.model.config import Settings
from releasekit.support import tomlpos
from releasekit.support.errors import ConfigError


@dataclass(frozen=True)
class ReleaseLine:
    name: str  # "10.3"
    latest: str | None  # latest released version, None for the upcoming line
    next_version: str  # "10.3.3", or "10.4.0" for upcoming
    groups: tuple[str, ...]  # of "upcoming", "esr", "last"; () when not supported
    branch: str  # public branch, e.g. release-10.3
    tag: str | None  # tag of the next version; None for the upcoming line

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

    def get(self, name: str) -> ReleaseLine | None:
        return self.known.get(line_name(name) or name)

    def group(self, group: str) -> tuple[ReleaseLine, ...]:
        return tuple(line for line in self.supported if group in line.groups)


def line_name(text: str) -> str | None:
    """``10.3`` for ``10.3``, ``10.03`` or ``10.3.2``; None for anything else."""
    try:
        version = Version(text)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return None
    release = (*version.release, 0)
    return f"{release[0]}.{release[1]}"


def _tag_regex(pattern: str) -> re.Pattern[str]:
    """The tag names ``pattern.format(version=...)`` gives ("{{" and "}}" are one brace)."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(pattern):  # checked in config
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(r"(?P<version>[0-9][0-9A-Za-z.+!-]*)")
    return re.compile("".join(parts))


def released_versions(pattern: str, tags: Iterable[str]) -> dict[str, list[Version]]:
    """Final release versions by line, from the tag names that match ``pattern``."""
    regex = _tag_regex(pattern)
    by_line: dict[str, list[Version]] = {}
    for tag in tags:
        match = regex.fullmatch(tag)
        if not match:
            continue
        try:
            version = Version(match["version"])
        except ValueError:  # InvalidVersion, or a number of over 4300 digits
            continue
        if version.is_prerelease or version.is_devrelease or version.local or version.epoch:
            continue
        name = line_name(str(version))
        assert name is not None
        by_line.setdefault(name, []).append(version)
    return by_line


def line_names(settings: Settings, tags: Iterable[str]) -> list[str]:
    """Every line name the configuration and the tags know of, newest first (no checks)."""
    releases = settings.releases
    names = set(released_versions(releases.tag, tags))
    names |= {line_name(n) or n for n in (releases.upcoming, *releases.esr)}
    return sorted(names, key=Version, reverse=True)


def _next_patch(version: Version) -> str:
    major, minor, micro = (*version.release, 0, 0)[:3]
    return f"{major}.{minor}.{micro + 1}"


def read_lines(settings: Settings, tags: Iterable[str], *, upcoming_exists: bool) -> Lines:
    """The release lines from the repository's tag names (releasekit.toml is read only to
    name the line of a configuration error).

    ``upcoming_exists``: whether the upcoming line's branch exists on the remote. A
    configured upcoming or ESR line the repository lacks is a ConfigError (exit 2).
    """
    releases = settings.releases
    config = settings.config_path
    text = _config_text(settings)
    by_line = released_versions(releases.tag, tags)
    upcoming = line_name(releases.upcoming) or releases.upcoming
    if upcoming in by_line:
        latest = max(by_line[upcoming])
        raise ConfigError.one(
            config,
            tomlpos.key_line(text, "releases", "upcoming"),
            "releases.upcoming",
            f"{upcoming} is already released ({settings.tag_name(str(latest))}); set the next line",
        )
    if not upcoming_exists:
        raise ConfigError.one(
            config,
            tomlpos.key_line(text, "releases", "upcoming"),
            "releases.upcoming",
            f"{upcoming}: the remote has no branch {settings.branch_name(upcoming)}",
        )
    esr = [line_name(name) or name for name in releases.esr]
    for name in esr:
        if name not in by_line:
            raise ConfigError.one(
                config,
                tomlpos.key_line(text, "releases", "esr"),
                "releases.esr",
                f"{name}: the repository has no release tag of this line "
                f"(like {settings.tag_name(name + '.0')})",
            )
    released = sorted(by_line, key=Version, reverse=True)
    last = [name for name in released if name != upcoming][: releases.last]
    groups: dict[str, list[str]] = {upcoming: ["upcoming"]}
    for name in esr:
        groups.setdefault(name, []).append("esr")
    for name in last:
        groups.setdefault(name, []).append("last")
    known: dict[str, ReleaseLine] = {}
    for name in sorted({*released, upcoming}, key=Version, reverse=True):
        if name == upcoming:
            line = ReleaseLine(
                name=name,
                latest=None,
                next_version=f"{name}.0",
                groups=("upcoming",),
                branch=settings.branch_name(name),
                tag=None,
            )
        else:
            latest = max(by_line[name])
            next_version = _next_patch(latest)
            line = ReleaseLine(
                name=name,
                latest=str(latest),
                next_version=next_version,
                groups=tuple(groups.get(name, ())),
                branch=settings.branch_name(name),
                tag=settings.tag_name(next_version),
            )
        known[name] = line
    supported = tuple(line for line in known.values() if line.supported)
    return Lines(known=known, supported=supported)


def _config_text(settings: Settings) -> str:
    try:
        return settings.config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""

"""What the two records share: the fields they show, where the site publishes them (and
the advisory's page they refer to), and their bytes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import orjson
from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.model.public import Public, public_fields
from releasekit.model.versions import Versions


def disclosed(settings: Settings, advisory: Advisory, shown: Public | None = None) -> Public:
    """What the records show: the advisory as disclosed (they exist only from then on).

    ``shown``: those fields, when the caller has them already (a page of the advisory).
    """
    if shown is not None and shown.stage is Stage.DISCLOSED and shown.id == advisory.id:
        return shown
    shown = public_fields(settings, advisory, Stage.DISCLOSED)
    assert shown is not None  # a record is made of a released advisory
    return shown


def page_path(ident: str) -> str:
    """The advisory's page, relative to the site."""
    return f"advisories/{ident}.html"


def page_url(settings: Settings, ident: str) -> str:
    return f"{settings.project.site_url.rstrip('/')}/{page_path(ident)}"


def release_url(settings: Settings, version: str | None) -> str | None:
    """The page of the release ``version`` (``[project] release_url``), None when unset."""
    pattern = settings.project.release_url
    if not pattern or version is None:
        return None
    return pattern.replace("{version}", version)


def cve_url(cve: str) -> str:
    """The CVE id's record at cve.org."""
    return f"https://www.cve.org/CVERecord?id={cve}"


def osv_path(ident: str) -> str:
    return f"osv/{ident}.json"


def cve_path(cve: str) -> str:
    return f"cve/{cve}.json"


def writes_cve(settings: Settings, cve: str | None) -> bool:
    """Whether a CVE record is made for an advisory with this CVE id (the project needs a
    CNA org id)."""
    return bool(cve and settings.cve.org_id)


SEMVER_PRE = {"a": "alpha", "b": "beta", "rc": "rc"}  # (SemVer orders them as PEP 440 does)
# The conventions of a CVE range (versions.md of CVEProject/cve-schema), whatever its type:
# "0" before every version, "*" after every one.
_ENDS = ("0", "*")


@lru_cache(maxsize=4096)  # a site names a few hundred versions, each 20-30 times
def semver(version: str) -> str | None:
    """``version`` as SemVer 2.0.0 spells it, when it is one: three numbers (10.3.3 as it
    is), or a pre-release of them (10.3.1rc1 as 10.3.1-rc.1, 10.3.3b2 as 10.3.3-beta.2,
    0.104.0-alpha.6 as it is; PEP 440's lowest pre-release, 3.14.0.dev0, as SemVer's,
    3.14.0-0). None for what SemVer has no version of: two numbers (PostgreSQL's 16.3),
    four (Rails' 7.1.5.2), a post- or (another) development release."""
    if version in _ENDS:
        return version
    try:
        parsed = Version(version)
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return None
    if len(parsed.release) != 3 or parsed.epoch or parsed.post is not None:
        return None
    if parsed.dev == 0 and parsed.pre is None and parsed.local is None:
        return f"{parsed.base_version}-0"  # (3.14.0.dev0: the lowest pre-release, 3.14.0-0)
    if parsed.dev is not None or parsed.local is not None:
        return None
    if parsed.pre is None:
        return version
    phase, number = parsed.pre
    return f"{parsed.base_version}-{SEMVER_PRE[phase]}.{number}"


# [releases] version_scheme -> a CVE range's versionType and a CSAF range's vers scheme
_PROJECT_SCHEMES = {"semver": ("semver", "semver"), "pep440": ("python", "pypi")}


def misfit(project: str, version: str) -> str | None:
    """Why the project's version scheme (``[releases] version_scheme``) cannot say
    ``version``, or None when it can (or none is set): PEP 440 says every version an
    advisory may hold, SemVer only those :func:`semver` spells."""
    if project != "semver" or semver(version) is not None:
        return None
    return (
        f"{version} is no SemVer version (three numbers, or a pre-release of them), "
        'which [releases] version_scheme = "semver" needs'
    )


def version_scheme(versions: Iterable[str], project: str = "") -> str:
    """How a record's ranges compare ``versions``: the project's scheme when it has one
    (``project``: ``[releases] version_scheme``, the same for every record); else ``semver``
    when SemVer spells each one (:func:`semver`), else ``python`` (PEP 440's order,
    releasekit's own: 16.3 < 16.10, 7.1.5 < 7.1.5.1 < 7.1.6, 16.0rc1 < 16.0), the versions
    then as the advisory spells them."""
    if project:
        return _PROJECT_SCHEMES[project][0]
    return "semver" if all(semver(v) is not None for v in versions) else "python"


_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)*")  # (`\d`: any Unicode digit)


def vers_scheme(versions: Iterable[str], project: str = "") -> str:
    """The ``vers`` scheme of a CSAF document's ranges of ``versions``: the project's
    (``project``, as :func:`version_scheme` says); else ``generic`` when each is plain
    numbers (10.3.3, 16.3, 7.1.5.2: compared number by number), else ``semver`` when SemVer
    spells each one (:func:`semver`), else ``pypi`` (PEP 440's order). A generic comparison
    is no ordering of pre-releases (it would put 10.3.0rc1 after 10.3.0)."""
    if project:
        return _PROJECT_SCHEMES[project][1]
    given = list(versions)
    if all(_PLAIN.fullmatch(v) for v in given):
        return "generic"
    return "semver" if version_scheme(given) == "semver" else "pypi"


def bounds(found: Versions) -> list[str]:
    """Every version that a record's ranges of ``found`` name (the releases before the
    oldest fixed line end at its first, 10.3.0, unless a pre-release of it ends them)."""
    named = [v for fix in found.lines for v in (fix.first_affected, fix.fixed) if v]
    named += [v for gap in found.gaps for v in (gap.first, gap.below)]
    if found.earlier_from and found.earlier_before:
        below = found.earlier_below or f"{found.earlier_before}.0"
        named += [found.earlier_from, below]
    named += [found.open_from] if found.open_from else []
    return named


def dumps(record: dict[str, Any]) -> bytes:
    """The bytes written for a record: stable key order, two-space indent, final newline."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

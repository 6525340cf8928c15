"""What a scanner concludes from an OSV record, by the OSV spec's "Evaluation" section.

``affected_version``: IsVulnerable for a version (the ``versions`` list, and ECOSYSTEM and
SEMVER ranges in version order, "0" before every version). A SEMVER range holds SemVer
2.0.0 versions only (the spec's definition: AssertionError for any other event, 7.1.5.1 or
10.3.3.post1), and a version SemVer cannot spell (16.3, 7.1.5.1, 10.3.1.post1) lies in none:
a scanner's SemVer library cannot place it. ``affected_commit``: the same for a commit and the GIT
ranges, where ``u < v`` means that ``u`` is an ancestor of ``v``: a commit is affected when an
``introduced`` event is an ancestor of it (or is "0") and no ``fixed`` event of that range is
(the spec's reason for listing every branch's fix commits in one range).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from packaging.version import Version

from tests.helpers.repos import git

SEMVER = re.compile(  # semver.org's own expression for a SemVer 2.0.0 version
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_SEMVER_PRE = {"a": "alpha", "b": "beta", "rc": "rc"}


def as_semver(version: str) -> str | None:
    """``version`` as a product numbered in SemVer spells it (what its scanner holds):
    10.3.1rc1 as 10.3.1-rc.1; None when SemVer has no such version (16.3, 7.1.5.2, a
    development or post-release)."""
    parsed = Version(version)
    if len(parsed.release) != 3 or parsed.post is not None or parsed.dev is not None:
        return None
    if parsed.pre is None:
        return parsed.base_version
    return f"{parsed.base_version}-{_SEMVER_PRE[parsed.pre[0]]}.{parsed.pre[1]}"


def _semver_range(version: str, events: list[dict[str, str]]) -> bool:
    """A SEMVER range: its events SemVer versions ("0": before all), the version asked
    placed in it only when SemVer spells it."""
    for event in events:
        for value in event.values():
            assert value == "0" or SEMVER.match(value), f"SEMVER event {value!r} is no SemVer"
    asked = as_semver(version)
    return asked is not None and _in_range(asked, events, _semver_key)


# SemVer's lowest pre-release of a version, X.Y.Z-0 (Go's vulndb, releasekit's range of a
# line fixed in its first release): PEP 440 would read it as a post-release, after X.Y.Z.
_LOWEST = re.compile(r"[0-9]+(?:\.[0-9]+)*-0")


def _key(text: str) -> tuple[int, Version]:
    if text == "0":
        return (0, Version("0"))
    if _LOWEST.fullmatch(text):
        return (1, Version(text.removesuffix("-0") + ".dev0"))  # (as SemVer orders it)
    return (1, Version(text))


def _semver_key(text: str) -> Any:
    """SemVer 2.0.0's precedence (semver.org, item 11): 7.2.3-0 before 7.2.3 (PEP 440 would
    read it as 7.2.3.post0), numeric identifiers before alphanumeric ones."""
    if text == "0":
        return (0,)
    match = SEMVER.match(text)
    assert match is not None, f"{text!r} is no SemVer"
    numbers = tuple(int(match[n]) for n in (1, 2, 3))
    if match[4] is None:
        return (1, numbers, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in match[4].split("."))
    return (1, numbers, 0, parts)


def _in_range(version: str, events: list[dict[str, str]], key: Callable[[str], Any] = _key) -> bool:
    """The spec's loop over the events sorted by version."""
    limits = [e["limit"] for e in events if "limit" in e]
    if limits and not any(limit == "*" or key(version) < key(limit) for limit in limits):
        return False
    vulnerable = False
    for event in sorted(events, key=lambda e: key(next(iter(e.values())))):
        if "introduced" in event and key(version) >= key(event["introduced"]):
            vulnerable = True
        elif "fixed" in event and key(version) >= key(event["fixed"]):  # noqa: SIM114 - as the spec
            vulnerable = False
        elif "last_affected" in event and key(version) > key(event["last_affected"]):
            vulnerable = False
    return vulnerable


def affected_version(
    record: dict[str, Any], version: str, package: dict[str, str] | None = None
) -> bool:
    """IsVulnerable(pkg, v, osv) for the version ranges (``package``: None matches entries
    without one, as a product with no ecosystem has)."""
    for affected in record["affected"]:
        if affected.get("package") != package:
            continue
        if version in affected.get("versions", []):
            return True
        for r in affected.get("ranges", []):
            if r["type"] == "ECOSYSTEM" and _in_range(version, r["events"]):
                return True
            if r["type"] == "SEMVER" and _semver_range(version, r["events"]):
                return True
    return False


def affected_commit(
    record: dict[str, Any], commit: str, is_ancestor: Callable[[str, str], bool]
) -> bool:
    """IsVulnerable for a commit by the GIT ranges; ``is_ancestor(a, b)``: a is b or one of
    b's ancestors."""
    for affected in record["affected"]:
        for r in affected.get("ranges", []):
            if r["type"] != "GIT":
                continue
            events = r["events"]
            introduced = [e["introduced"] for e in events if "introduced" in e]
            fixed = [e["fixed"] for e in events if "fixed" in e]
            if any(i == "0" or is_ancestor(i, commit) for i in introduced) and not any(
                is_ancestor(f, commit) for f in fixed
            ):
                return True
    return False


def git_ranges(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for a in record["affected"] for r in a.get("ranges", []) if r["type"] == "GIT"]


def ancestry(repository: Any) -> Callable[[str, str], bool]:
    """``is_ancestor`` by the git CLI in ``repository`` (a Path to a clone or bare repo)."""

    def is_ancestor(older: str, newer: str) -> bool:
        try:
            git(repository, "merge-base", "--is-ancestor", older, newer)
        except RuntimeError:
            return False
        return True

    return is_ancestor

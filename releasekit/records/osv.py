"""The OSV record of a disclosed advisory, made for scanners to match.

Each fixed line is one ``affected`` entry whose range runs from its first affected release
to its fix (``database_specific.line`` names the line): an ``ECOSYSTEM`` range of the
``[osv]`` package when the product is published in an ecosystem (a line's lowest pre-release
spelt as that ecosystem orders versions: :mod:`releasekit.records.osv_lowest`), else a
``SEMVER`` range when SemVer spells every version the ranges name with three numbers
(PostgreSQL's 16.3 as 16.3.0, the same release; 10.4.0rc1 as 10.4.0-rc.1), and then, when
one is spelt so only there or the project's versions are PEP 440's
(``[releases] version_scheme``), the releases it affects that the advisory names listed in
``versions`` too, as the project spells them. Else no range can order them (Rails' 7.1.5.1,
a post-release: the OSV spec's SEMVER needs SemVer versions, its ECOSYSTEM an ecosystem):
each entry enumerates those releases in ``versions`` (the spec's "must include the
enumerated versions list"), its range kept in ``database_specific`` for an import, beside a
SEMVER range of SemVer's least versions at or after its ends (7.2.2.1 as 7.2.3-0) for the
SemVer releases it does not name. With ``[project] repository_url`` and the fix commits the
lift recorded, the newest line's entry also carries one ``GIT`` range holding every line's
fix commit: the OSV evaluation takes a commit as affected when no ``fixed`` commit of its
range is among its ancestors, so the fixes of all lines must share one range (a range per
line would find each line's fixed releases affected by the other lines' ranges). That range
starts at ``"0"`` (no introducing commit is recorded), so it is given only when
``introduced`` is not: it would claim the releases before ``introduced`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.model.version_keys import is_lowest_pre_release
from releasekit.model.versions import contains, release_key
from releasekit.records.common import (
    SEMVER_PRE,
    disclosed,
    osv_path,
    page_url,
    release_url,
    semver,
)
from releasekit.records.osv_lowest import SEMVER_ORDERED, lowest_in
from releasekit.records.schemas import validate
from releasekit.support import timefmt

OSV_SCHEMA_VERSION = "1.7.0"
OSV_ID_PREFIX = "x_"  # a database not registered with OSV (the schema's allowed form)


def osv_id(settings: Settings, ident: str) -> str:
    """The record's id: the advisory's with its prefix replaced by ``[osv] prefix`` (one
    registered with OSV), else the ``x_`` form of an unregistered database."""
    prefix = settings.osv.prefix
    if prefix:
        return prefix + ident[len(settings.project.advisory_prefix) :]
    return OSV_ID_PREFIX + ident


def commit_url(repository_url: str, commit: str) -> str:
    """The web page of ``commit`` in the repository (GitHub, GitLab, Gitea, cgit's style)."""
    base = repository_url.rstrip("/").removesuffix(".git")
    return f"{base}/commit/{commit}"


def _affected(settings: Settings, advisory: Advisory, shown: Public) -> list[dict[str, Any]]:
    osv = settings.osv
    package = {"ecosystem": osv.ecosystem, "name": osv.package} if osv.package else None
    found = shown.versions
    extra = {"vendor": settings.project.vendor, "product": settings.project.name}
    spans: list[tuple[list[dict[str, str]], dict[str, Any]]] = []  # (events, specific)

    def affected(first: str, fixed_at: str, specific: dict[str, Any]) -> None:
        spans.append(([{"introduced": first}, {"fixed": fixed_at}], specific))

    for index, fix in enumerate(found.lines):
        first = fix.first_affected
        if index == len(found.lines) - 1 and found.earlier_from:
            first = found.earlier_from  # the older lines are affected too, unfixed
        if first is None:
            continue
        specific = {**extra, "line": fix.line}
        if fix.line in shown.fix_commits:  # (a reader gets each line's commit back from here)
            specific["fix_commit"] = shown.fix_commits[fix.line]
        affected(first, fix.fixed, specific)
    for gap in found.gaps:  # lines between two fixed ones: the newer line's fix ends it (or
        # the line after them, when that one is not affected)
        affected(gap.first, gap.fixed_at, {**extra, "between": [gap.after, gap.before]})
    if not found.lines:  # no fixed version recorded (imported history): never a fake fix
        spans.append(([{"introduced": found.open_from or "0"}], extra))  # (10.4 as 10.4.0)
    named = [v for events, _ in spans for e in events for v in e.values()]
    if package is not None:  # (an ecosystem's versions are as spelt)
        entries = _ecosystem(osv.ecosystem, spans, found.named)
    elif all(_semver(v) is not None for v in named):
        entries = [_range("SEMVER", _spelt(events), specific) for events, specific in spans]
        project = settings.releases.version_scheme
        if project == "pep440" or any(_semver(v) != v for v in named):
            # The releases as the project spells them too (16.3, 10.3.3b2, Rails' 7.1.5
            # beside a 7.1.4.1 SemVer cannot place), for a scanner that compares strings.
            for entry, listed in zip(entries, _listed(spans, found.named()), strict=True):
                entry["versions"] = listed
    else:
        entries = _enumerated(spans, found.named())
    repository = settings.project.repository_url
    commits = _newest_first(shown)
    if entries and repository and commits and advisory.introduced is None:
        fixed = list(dict.fromkeys(commits.values()))
        entries[0].setdefault("ranges", []).append(
            {
                "type": "GIT",
                "repo": repository,
                "events": [{"introduced": "0"}, *({"fixed": commit} for commit in fixed)],
                "database_specific": {"lines": commits},
            }
        )
    if package is not None:
        for entry in entries:
            entry["package"] = package
    return entries


def _range(kind: str, events: list[dict[str, str]], specific: dict[str, Any]) -> dict[str, Any]:
    return {"ranges": [{"type": kind, "events": events}], "database_specific": specific}


def _ecosystem(
    ecosystem: str,
    spans: list[tuple[list[dict[str, str]], dict[str, Any]]],
    named: Callable[[], tuple[str, ...]],
) -> list[dict[str, Any]]:
    """The entries of ECOSYSTEM ranges. A range from a line's lowest pre-release (3.14.0.dev0:
    a line fixed in its first release) starts at the ecosystem's spelling of it
    (:func:`lowest_in`: 3.14.0-0 in npm, 3.14.0-alpha in Maven), its range as PEP 440 spells
    it kept in ``database_specific.range`` for an import (not for PyPI or SemVer's -0, which
    an import reads as it is). An ecosystem whose order of pre-releases is not known gets no
    spelling that could make the range empty or wrong: its range starts at the release
    (3.14.0) when it is fixed after it, else the entry has no range; the pre-releases the
    advisory names (named, :func:`_listed`) are in its ``versions``. A range that ends at a
    lowest pre-release (a gap's, before 10.6.0.dev0) ends at the ecosystem's spelling of it,
    or at its release when its order is not known."""
    entries: list[dict[str, Any]] = []
    listed: list[list[str]] | None = None
    for index, (events, specific) in enumerate(spans):
        start = events[0]["introduced"]
        spelt = lowest_in(ecosystem, start) if is_lowest_pre_release(start) else start
        ends = [_end_in(ecosystem, event) for event in events[1:]]
        if (spelt == start and ends == events[1:]) or ecosystem in SEMVER_ORDERED:
            entries.append(_range("ECOSYSTEM", [{"introduced": spelt or start}, *ends], specific))
            continue
        kept = {**specific, "range": {"type": "python", "events": events}}
        if spelt is not None:
            entries.append(_range("ECOSYSTEM", [{"introduced": spelt}, *ends], kept))
            continue
        listed = _listed(spans, named()) if listed is None else listed
        release = release_key(Version(start).base_version)
        entry: dict[str, Any] = {"versions": [v for v in listed[index] if release_key(v) < release]}
        if len(events) > 1 and release < release_key(events[1]["fixed"]):
            first = {"introduced": Version(start).base_version}
            entry["ranges"] = [{"type": "ECOSYSTEM", "events": [first, *ends]}]
        entry["database_specific"] = kept
        entries.append(entry)
    return entries


def _end_in(ecosystem: str, event: dict[str, str]) -> dict[str, str]:
    """``event``, a range's end at a lowest pre-release (10.6.0.dev0) spelt as ``ecosystem``
    orders it (10.6.0-0, 10.6.0~), or its release (10.6.0) when that order is not known:
    its pre-releases may fall in the range, but not the release, which had the fix."""
    value = event.get("fixed")
    if value is None or not is_lowest_pre_release(value):
        return event
    return {"fixed": lowest_in(ecosystem, value) or Version(value).base_version}


def _spelt(events: list[dict[str, str]]) -> list[dict[str, str]]:
    """The events as SemVer spells their versions (16.3 as 16.3.0, 10.4.0rc1 as
    10.4.0-rc.1)."""
    return [{kind: _semver(value) or value for kind, value in e.items()} for e in events]


@lru_cache(maxsize=4096)  # (a site names a few hundred versions, each many times)
def _semver(version: str) -> str | None:
    """``version`` as a SEMVER event says it: SemVer's spelling (:func:`semver`) of the
    version with three numbers, ``16.3`` as ``16.3.0`` and ``16.3b2`` as ``16.3.0-beta.2``
    (the same release: a range's bound needs three numbers); None when SemVer has none
    (Rails' 7.1.5.1, a post- or development release)."""
    if version == "0":
        return version
    try:
        parsed = Version(version)
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return None
    release = parsed.release
    if len(release) < 3:
        padded = ".".join(str(part) for part in (*release, 0, 0)[:3])
        version = padded + str(parsed).removeprefix(parsed.base_version)
    return semver(version)


def _enumerated(
    spans: list[tuple[list[dict[str, str]], dict[str, Any]]], named: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The entries of a record whose versions SemVer cannot spell (Rails' 7.1.5.1, a
    post-release; PostgreSQL's 16.3 is its 16.3.0, see :func:`_semver`): no range orders
    them (a SEMVER range needs SemVer versions, an ECOSYSTEM one an ecosystem), so each
    entry lists the releases it affects that the advisory names (each has a version page),
    oldest first, in ``versions``; its range, as the advisory spells it and in PEP 440's
    order, is in its ``database_specific.range`` (what an import reads back). Beside the
    list, a SEMVER range from and to SemVer's least version at or after each end
    (:func:`_at_least`) holds the SemVer releases the advisory does not name (Rails' 7.1.3
    from 7.0.0 to 7.2.2.1)."""
    entries = []
    for inside, (events, specific) in zip(_listed(spans, named), spans, strict=True):
        entry: dict[str, Any] = {"versions": inside}
        semver_events = [{kind: _at_least(value) for kind, value in e.items()} for e in events]
        if len({value for e in semver_events for value in e.values()}) == len(semver_events):
            entry["ranges"] = [{"type": "SEMVER", "events": semver_events}]  # (not empty)
        entry["database_specific"] = {**specific, "range": {"type": "python", "events": events}}
        entries.append(entry)
    return entries


def _at_least(version: str) -> str:
    """The least SemVer version at or after ``version`` in PEP 440's order, as a SEMVER
    event says it: its own spelling when SemVer has one (:func:`_semver`); 7.1.5.1 and
    10.3.3.post1 as 7.1.6-0 and 10.3.4-0 (SemVer's least version after 7.1.5 and 10.3.3),
    10.3.3.dev1 as 10.3.3-0, 10.3.0rc1.dev1 as 10.3.0-rc.1."""
    spelt = _semver(version)
    if spelt is not None:
        return spelt
    parsed = Version(version)
    major, minor, patch = (*parsed.release, 0, 0)[:3]
    if any(parsed.release[3:]) or (parsed.post is not None and parsed.pre is None):
        return f"{major}.{minor}.{patch + 1}-0"
    if parsed.pre is None:  # (a development release; 7.1.5.0 is 7.1.5)
        return f"{major}.{minor}.{patch}" + ("-0" if parsed.dev is not None else "")
    phase, number = parsed.pre  # (rc1.post1 is after -rc.1 and before -rc.2: -rc.1.0)
    after = ".0" if parsed.post is not None else ""
    return f"{major}.{minor}.{patch}-{SEMVER_PRE[phase]}.{number}{after}"


def _listed(
    spans: list[tuple[list[dict[str, str]], dict[str, Any]]], named: tuple[str, ...]
) -> list[list[str]]:
    """For each span, the releases of ``named`` it affects (each listed once), oldest first."""
    keys = [(version, release_key(version)) for version in named]
    listed: set[str] = set()
    found = []
    for events, _specific in spans:
        first = release_key(events[0]["introduced"])
        below = release_key(events[1]["fixed"]) if len(events) > 1 else None
        inside = [v for v, key in keys if v not in listed and contains(first, below, key)]
        listed.update(inside)
        found.append(inside)
    return found


def _newest_first(shown: Public) -> dict[str, str]:
    """The fix commits by line, the newest line first (the GIT range and the references)."""
    return dict(sorted(shown.fix_commits.items(), key=lambda i: Version(i[0]), reverse=True))


def _references(settings: Settings, shown: Public) -> list[dict[str, str]]:
    references = [{"type": "ADVISORY", "url": page_url(settings, shown.id)}]
    repository = settings.project.repository_url
    if repository:
        for commit in dict.fromkeys(_newest_first(shown).values()):
            references.append({"type": "FIX", "url": commit_url(repository, commit)})
    for version in shown.versions.fixed_list:
        url = release_url(settings, version)
        if url is not None:
            references.append({"type": "WEB", "url": url})
    return references


def osv_record(
    settings: Settings, advisory: Advisory, shown: Public | None = None
) -> dict[str, Any]:
    """The OSV record, validated against the bundled OSV schema (``shown``: the advisory's
    disclosed fields, when the caller has them)."""
    shown = disclosed(settings, advisory, shown)
    details = shown.summary
    body = (shown.details or "").strip()
    if body:
        details += "\n\n" + body + "\n"
    specific: dict[str, Any] = {"advisory": shown.id}
    if shown.scored:
        specific["severity"] = shown.severity.upper()
    specific["cwe_ids"] = [shown.cwe] if shown.cwe else []
    if shown.component:  # (also in the CVE record; an advisory without a CVE id has none)
        specific["component"] = shown.component
    if shown.versions.lines:
        # Each line's fixed version as spelt (10.3.3b2, not SEMVER's 10.3.3-beta.2), also of
        # a line that had no affected release and so no range (10.4.0): what an import gives
        # back.
        specific["fixed"] = {fix.line: fix.fixed for fix in shown.versions.lines}
    if shown.unfixed is not None:  # (each has a version page; a range names only the first)
        specific["unfixed"] = list(shown.unfixed)
    introduced = advisory.introduced
    if introduced is not None and Version(introduced).public != Version(introduced).base_version:
        # A pre-release as spelt (10.3.0rc1; its range says 10.3.0-rc.1): what an import
        # gives back. (A release is spelt as the range says it, 9.8 as 9.8.0.)
        specific["introduced"] = introduced
    record: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": osv_id(settings, shown.id),
        # The record appears at the disclosure: a mirror that syncs by `modified` must not
        # take it for older than its last sync; a later revision moves it on.
        "modified": timefmt.iso_utc(shown.modified),
        "published": timefmt.iso_utc(shown.released),
        "aliases": [shown.cve] if shown.cve else [],
        "summary": shown.title,
        "details": details,
        "affected": _affected(settings, advisory, shown),
        "references": _references(settings, shown),
        "database_specific": specific,
    }
    severity: list[dict[str, str]] = []
    for cvss in (shown.cvss, shown.cvss4):
        if cvss is not None:
            kind = "CVSS_V4" if cvss.version == "4.0" else "CVSS_V3"
            if all(s["type"] != kind for s in severity):
                severity.append({"type": kind, "score": cvss.vector})
    if severity:
        record["severity"] = severity
    if shown.credits:
        record["credits"] = [
            {"name": c.name, "type": c.type.upper().replace(" ", "_")} for c in shown.credits
        ]
    validate("osv", record, osv_path(shown.id))
    return record

"""The OSV record of a disclosed advisory, made for scanners to match.

Each fixed line is one ``affected`` entry whose range runs from its first affected release to
its fix (``database_specific.line`` names the line): an ``ECOSYSTEM`` range of the ``[osv]``
package when the product is published in an ecosystem, else a ``SEMVER`` range. With
``[project] repository_url`` and the fix commits the lift recorded, the newest line's entry
also carries one ``GIT`` range holding every line's fix commit: the OSV evaluation takes a
commit as affected when no ``fixed`` commit of its range is among its ancestors, so the fixes
of all lines must share one range (a range per line would find each line's fixed releases
affected by the other lines' ranges). That range starts at ``"0"`` (no introducing commit is
recorded), so it is given only when ``introduced`` is not: it would claim the releases before
``introduced`` too.
"""

from __future__ import annotations

from typing import Any

from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.records.common import SEMVER_PRE, disclosed, osv_path, page_url, release_url
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


def _full(version: str) -> str:
    """``9.8`` as ``9.8.0``: range events name whole versions (SEMVER needs three parts);
    a pre-release as SemVer spells it, ``10.4.0rc1`` as ``10.4.0-rc.1`` and ``16.3b2`` as
    ``16.3.0-beta.2`` (SemVer orders ``rc1`` after ``rc10``, and ``10.4.0rc1`` is no SemVer
    version), one spelt so already (``0.104.0-alpha.6``) as it is."""
    try:
        parsed = Version(version)
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return version
    release = parsed.release
    if parsed.pre is None:
        if len(release) >= 3:
            return version
        whole = ".".join(str(part) for part in (*release, 0, 0)[:3])
        return whole + str(parsed).removeprefix(parsed.base_version)  # (16.3.post1: 16.3.0.post1)
    if len(release) >= 3 and "-" in version:
        return version
    phase, number = parsed.pre
    return ".".join(str(part) for part in (*release, 0, 0)[: max(3, len(release))]) + (
        f"-{SEMVER_PRE[phase]}.{number}"
    )


def _affected(settings: Settings, advisory: Advisory, shown: Public) -> list[dict[str, Any]]:
    osv = settings.osv
    package = {"ecosystem": osv.ecosystem, "name": osv.package} if osv.package else None
    kind = "ECOSYSTEM" if package else "SEMVER"
    found = shown.versions
    extra = {"vendor": settings.project.vendor, "product": settings.project.name}
    entries: list[dict[str, Any]] = []

    def affected(first: str, fixed_at: str, specific: dict[str, Any]) -> None:
        if kind == "SEMVER":  # 16.3 as 16.3.0 (an ecosystem's versions are as spelt)
            first, fixed_at = _full(first), _full(fixed_at)
        events = [{"introduced": first}, {"fixed": fixed_at}]
        entries.append(
            {"ranges": [{"type": kind, "events": events}], "database_specific": specific}
        )

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
        start = _full(advisory.introduced) if advisory.introduced else "0"
        entries.append(
            {
                "ranges": [{"type": kind, "events": [{"introduced": start}]}],
                "database_specific": extra,
            }
        )
    repository = settings.project.repository_url
    commits = _newest_first(shown)
    if entries and repository and commits and advisory.introduced is None:
        fixed = list(dict.fromkeys(commits.values()))
        entries[0]["ranges"].append(
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
        # Each line's fixed version as spelt (16.3, not SEMVER's 16.3.0), also of a line that
        # had no affected release and so no range (10.4.0): what an import gives back.
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

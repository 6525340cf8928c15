"""The CVE JSON 5.1 record of a disclosed advisory, and its CNA container."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.cvss import Cvss
from releasekit.model.public import Public
from releasekit.model.versions import EVERY, Versions
from releasekit.records.common import cve_path, disclosed, page_url
from releasekit.records.schemas import validate
from releasekit.support import timefmt

CVE_DATA_VERSION = "5.1"
# The vendor's own rating, in the form CNAs give theirs beside (or instead of) a CVSS metric:
# an `other` metric of this type, with the rating as `content.text` (Apache's records).
SEVERITY_TYPE = "Textual description of severity"


def _metric(cvss: Cvss) -> dict[str, Any]:
    key = "cvssV" + cvss.version.replace(".", "_")  # cvssV3_0, cvssV3_1, cvssV4_0
    return {
        "format": "CVSS",
        "scenarios": [{"lang": "en", "value": "GENERAL"}],
        key: {
            "version": cvss.version,
            "vectorString": cvss.vector,
            "baseScore": cvss.score,
            "baseSeverity": cvss.severity.upper(),
        },
    }


def _rating(severity: str) -> dict[str, Any]:
    """The project's final severity (its override, else its CVSS band) as a metric."""
    return {"other": {"type": SEVERITY_TYPE, "content": {"text": severity}}}


def _cve_versions(found: Versions) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for fix in found.lines:
        if fix.first_affected is not None:
            entries.append(
                {
                    "version": fix.first_affected,
                    "lessThan": fix.fixed,
                    "status": "affected",
                    "versionType": "semver",
                }
            )
        else:
            entries.append({"version": fix.fixed, "status": "unaffected", "versionType": "semver"})
    for gap in found.gaps:  # lines between two fixed ones
        entries.append(
            {
                "version": gap.first,
                "lessThan": gap.below,
                "status": "affected",
                "versionType": "semver",
            }
        )
    if found.earlier_from and found.earlier_before:
        entries.append(
            {
                "version": found.earlier_from,
                "lessThan": found.earlier_below or f"{found.earlier_before}.0",
                "status": "affected",
                "versionType": "semver",
            }
        )
    elif found.open_from or not found.lines:  # no fixed version: from introduced, or any
        entries.append(
            {
                "version": found.open_from or EVERY,
                "lessThan": "*",
                "status": "affected",
                "versionType": "semver",
            }
        )
    return entries


def cna_container(
    settings: Settings, advisory: Advisory, sharing: Sequence[Advisory] = ()
) -> dict[str, Any]:
    """The CNA container of the CVE record: what CVE Services accepts for this CVE
    (``sharing``: the other advisories, of other components, with the same CVE id)."""
    return _cna_container(settings, _shown(settings, advisory, sharing, None))


def _shown(
    settings: Settings, advisory: Advisory, sharing: Sequence[Advisory], shown: Public | None
) -> list[Public]:
    """The advisories of one CVE id, as disclosed, in id order (``shown``: ``advisory``'s)."""
    every = sorted((advisory, *sharing), key=lambda a: (a.year, a.number))
    return [disclosed(settings, a, shown if a is advisory else None) for a in every]


def _affected(settings: Settings, shown: Public) -> dict[str, Any]:
    affected: dict[str, Any] = {
        "vendor": settings.project.vendor,
        "product": settings.project.name,
        "defaultStatus": "unknown",
        "versions": _cve_versions(shown.versions),
    }
    if shown.component:
        affected["modules"] = [shown.component]
    if not affected["versions"]:
        del affected["versions"]
    return affected


def _description(every: list[Public]) -> str:
    """One summary; the advisories of several components each say theirs, named."""
    summaries = list(dict.fromkeys(shown.summary for shown in every))
    if len(summaries) == 1:
        return summaries[0]
    return "\n\n".join(f"{shown.component}: {shown.summary}" for shown in every)


def _cna_container(settings: Settings, every: list[Public]) -> dict[str, Any]:
    first = every[0]
    provider: dict[str, Any] = {"orgId": settings.cve.org_id}
    if settings.cve.short_name:
        provider["shortName"] = settings.cve.short_name
    source: dict[str, Any] = {"advisory": first.id, "discovery": "EXTERNAL"}
    if len(every) > 1:
        source["advisories"] = [shown.id for shown in every]
    cna: dict[str, Any] = {
        "providerMetadata": provider,
        "title": first.title,
        "descriptions": [{"lang": "en", "value": _description(every)}],
        "affected": [_affected(settings, shown) for shown in every],
        "references": [
            {"url": page_url(settings, shown.id), "name": shown.id, "tags": ["vendor-advisory"]}
            for shown in every
        ],
        "datePublic": timefmt.iso_utc(min(shown.released for shown in every)),
        "source": source,
    }
    cwes = list(dict.fromkeys(shown.cwe for shown in every if shown.cwe))
    if cwes:
        cna["problemTypes"] = [
            {
                "descriptions": [
                    {"lang": "en", "type": "CWE", "cweId": cwe, "description": cwe} for cwe in cwes
                ]
            }
        ]
    vectors = {c.vector: c for s in every for c in (s.cvss, s.cvss4) if c is not None}
    metrics = [_metric(c) for c in vectors.values()]
    # The rating the project's pages, feeds, OSV and CSAF records give, also when it is the
    # vectors' band (a reader need not work out which applies): an override's is not theirs.
    ratings = dict.fromkeys(shown.severity for shown in every if shown.scored)
    metrics += [_rating(severity) for severity in ratings]
    if metrics:
        cna["metrics"] = metrics
    credits = list(dict.fromkeys(c for shown in every for c in shown.credits))
    if credits:
        cna["credits"] = [{"lang": "en", "value": c.name, "type": c.type} for c in credits]
    return cna


def cve_record(
    settings: Settings,
    advisory: Advisory,
    sharing: Sequence[Advisory] = (),
    shown: Public | None = None,
) -> dict[str, Any]:
    """The full CVE JSON 5.1 record (``dataType`` CVE_RECORD), validated: one record for a
    CVE id, whose ``affected`` lists the component of each advisory ``sharing`` it too
    (``shown``: the advisory's disclosed fields, when the caller has them)."""
    every = _shown(settings, advisory, sharing, shown)
    cve = every[0].cve
    assert cve is not None
    assert all(one.cve == cve for one in every)
    # Published when the first of them was disclosed (the others join it when they are)
    moment = timefmt.iso_utc(min(one.disclosed_at for one in every))
    metadata: dict[str, Any] = {
        "cveId": cve,
        "assignerOrgId": settings.cve.org_id,
        "state": "PUBLISHED",
        "datePublished": moment,
        # A revision of any of them after that moves it on.
        "dateUpdated": timefmt.iso_utc(max(shown.modified for shown in every)),
    }
    if settings.cve.short_name:
        metadata["assignerShortName"] = settings.cve.short_name
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": _cna_container(settings, every)},
    }
    validate("cve", record, cve_path(cve))
    return record

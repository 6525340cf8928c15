"""The CVE JSON 5.1 record of a disclosed advisory, and its CNA container."""

from __future__ import annotations

from typing import Any

from releasekit.model.advisory import Advisory, Cvss
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.model.versions import Versions
from releasekit.records.common import cve_path, disclosed, page_url
from releasekit.records.schemas import validate
from releasekit.support import timefmt

CVE_DATA_VERSION = "5.1"


def _metric(cvss: Cvss) -> dict[str, Any]:
    key = "cvssV3_1" if cvss.version == "3.1" else "cvssV4_0"
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
    if found.earlier_from and found.earlier_before:
        entries.append(
            {
                "version": found.earlier_from,
                "lessThan": f"{found.earlier_before}.0",
                "status": "affected",
                "versionType": "semver",
            }
        )
    return entries


def cna_container(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The CNA container of the CVE record: what CVE Services accepts for this CVE."""
    return _cna_container(settings, disclosed(settings, advisory))


def _cna_container(settings: Settings, shown: Public) -> dict[str, Any]:
    provider: dict[str, Any] = {"orgId": settings.cve.org_id}
    if settings.cve.short_name:
        provider["shortName"] = settings.cve.short_name
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
    cna: dict[str, Any] = {
        "providerMetadata": provider,
        "title": shown.title,
        "descriptions": [{"lang": "en", "value": shown.summary}],
        "affected": [affected],
        "references": [
            {"url": page_url(settings, shown.id), "name": shown.id, "tags": ["vendor-advisory"]}
        ],
        "datePublic": timefmt.iso_utc(shown.released),
        "source": {"advisory": shown.id, "discovery": "EXTERNAL"},
    }
    if shown.cwe:
        cna["problemTypes"] = [
            {
                "descriptions": [
                    {
                        "lang": "en",
                        "type": "CWE",
                        "cweId": shown.cwe,
                        "description": shown.cwe,
                    }
                ]
            }
        ]
    metrics = [_metric(c) for c in (shown.cvss, shown.cvss4) if c is not None]
    if metrics:
        cna["metrics"] = metrics
    if shown.reporter:
        cna["credits"] = [{"lang": "en", "value": shown.reporter, "type": "finder"}]
    return cna


def cve_record(
    settings: Settings, advisory: Advisory, shown: Public | None = None
) -> dict[str, Any]:
    """The full CVE JSON 5.1 record (``dataType`` CVE_RECORD), validated (``shown``: the
    advisory's disclosed fields, when the caller has them)."""
    shown = disclosed(settings, advisory, shown)
    assert shown.cve is not None
    moment = timefmt.iso_utc(shown.disclosed_at)
    metadata: dict[str, Any] = {
        "cveId": shown.cve,
        "assignerOrgId": settings.cve.org_id,
        "state": "PUBLISHED",
        "datePublished": moment,
        "dateUpdated": moment,
    }
    if settings.cve.short_name:
        metadata["assignerShortName"] = settings.cve.short_name
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": _cna_container(settings, shown)},
    }
    validate("cve", record, cve_path(shown.cve))
    return record

"""The OSV record of a disclosed advisory."""

from __future__ import annotations

from typing import Any

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.records.common import disclosed, osv_path, page_url
from releasekit.records.schemas import validate
from releasekit.support import timefmt

OSV_SCHEMA_VERSION = "1.7.0"
OSV_ID_PREFIX = "x_"  # a database not registered with OSV (the schema's allowed form)


def osv_id(ident: str) -> str:
    return OSV_ID_PREFIX + ident


def osv_record(
    settings: Settings, advisory: Advisory, shown: Public | None = None
) -> dict[str, Any]:
    """The OSV record, validated against the bundled OSV schema (``shown``: the advisory's
    disclosed fields, when the caller has them)."""
    shown = disclosed(settings, advisory, shown)
    affected = []
    for fix in shown.versions.lines:
        if fix.first_affected is None:
            continue
        affected.append(
            {
                "ranges": [
                    {
                        "type": "SEMVER",
                        "events": [{"introduced": fix.first_affected}, {"fixed": fix.fixed}],
                    }
                ],
                "database_specific": {
                    "vendor": settings.project.vendor,
                    "product": settings.project.name,
                    "line": fix.line,
                },
            }
        )
    details = shown.summary
    body = (shown.details or "").strip()
    if body:
        details += "\n\n" + body + "\n"
    record: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": osv_id(shown.id),
        "modified": timefmt.iso_utc(shown.disclosed_at),
        "published": timefmt.iso_utc(shown.released),
        "aliases": [shown.cve] if shown.cve else [],
        "summary": shown.title,
        "details": details,
        "affected": affected,
        "references": [{"type": "ADVISORY", "url": page_url(settings, shown.id)}],
        "database_specific": {
            "advisory": shown.id,
            "severity": shown.severity.upper(),
            "cwe_ids": [shown.cwe] if shown.cwe else [],
        },
    }
    severity: list[dict[str, str]] = []
    for cvss in (shown.cvss, shown.cvss4):
        if cvss is not None:
            kind = "CVSS_V3" if cvss.version == "3.1" else "CVSS_V4"
            if all(s["type"] != kind for s in severity):
                severity.append({"type": kind, "score": cvss.vector})
    if severity:
        record["severity"] = severity
    if shown.reporter:
        record["credits"] = [{"name": shown.reporter, "type": "FINDER"}]
    validate("osv", record, osv_path(shown.id))
    return record

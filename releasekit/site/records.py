"""Machine-readable records of a disclosed advisory: CVE JSON 5.1 and OSV (pure, no I/O).

Both are built from the advisory alone and validated against their official schema before
anyone writes them: the CVE record against the bundled CVE JSON 5 schema that ``cvelib``
ships (its ``containers.cna`` is the CNA container CVE Services accepts), the OSV record
against ``releasekit/schemas/osv-schema.json``. Every timestamp comes from the advisory's
release and disclosure times. Validation errors name the record and the JSON path, never the
value (advisory text).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from .. import timefmt
from ..advisory import Advisory, Cvss
from ..config import Settings
from ..errors import PublishError
from . import model

CVE_DATA_VERSION = "5.1"
OSV_SCHEMA_VERSION = "1.7.0"
OSV_ID_PREFIX = "x_"  # a database not registered with OSV (the schema's allowed form)


def cve_schema_path() -> Path:
    """The full CVE JSON 5 record schema bundled with cvelib."""
    from cvelib.cve_api import CveRecord

    return Path(str(CveRecord.Schemas.V5_SCHEMA))


def osv_schema_path() -> Path:
    return Path(str(resources.files("releasekit") / "schemas" / "osv-schema.json"))


def cna_schema_path() -> Path:
    """The CNA published-container schema: what cvelib checks before it sends one."""
    from cvelib.cve_api import CveRecord

    return Path(str(CveRecord.Schemas.CNA_PUBLISHED))


@lru_cache(maxsize=3)
def _validator(kind: str) -> Any:
    paths = {"cve": cve_schema_path, "cna": cna_schema_path, "osv": osv_schema_path}
    schema = json.loads(paths[kind]().read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def _first_error(kind: str, instance: dict[str, Any], prefix: str = "") -> str | None:
    validator = _validator(kind)
    if validator.is_valid(instance):  # the common case, without building error objects
        return None
    for error in validator.iter_errors(instance):
        where = prefix + "/" + "/".join(str(part) for part in error.instance_path)
        keyword = error.schema_path[-1] if error.schema_path else "schema"
        return f"{where.rstrip('/') or '/'}: not valid {{schema}} ({keyword})"
    return None


def validate(kind: str, record: dict[str, Any], name: str) -> None:
    """Raise PublishError naming ``name``, the failing JSON path and schema keyword.

    Never the value: it may be advisory text.
    """
    problem = _first_error(kind, record)
    if problem is None:
        return
    if kind == "cve":
        # The full schema's top level is a oneOf; the CNA container schema says where.
        cna = record.get("containers", {}).get("cna", {})
        problem = _first_error("cna", cna, "/containers/cna") or problem
    schema = "CVE JSON 5" if kind == "cve" else "OSV"
    raise PublishError(f"{name}: {problem.format(schema=schema)}")


def page_url(settings: Settings, advisory: Advisory) -> str:
    return f"{settings.project.site_url.rstrip('/')}/advisories/{advisory.id}.html"


def osv_id(advisory: Advisory) -> str:
    return OSV_ID_PREFIX + advisory.id


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


def _cve_versions(advisory: Advisory) -> list[dict[str, Any]]:
    found = model.versions(advisory)
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
    disclosed = advisory.disclosed_at(settings.project.disclosure_days)
    assert advisory.released is not None
    assert disclosed is not None
    provider: dict[str, Any] = {"orgId": settings.cve.org_id}
    if settings.cve.short_name:
        provider["shortName"] = settings.cve.short_name
    affected: dict[str, Any] = {
        "vendor": settings.project.vendor,
        "product": settings.project.name,
        "defaultStatus": "unknown",
        "versions": _cve_versions(advisory),
    }
    if advisory.component:
        affected["modules"] = [advisory.component]
    if not affected["versions"]:
        del affected["versions"]
    cna: dict[str, Any] = {
        "providerMetadata": provider,
        "title": advisory.title,
        "descriptions": [{"lang": "en", "value": advisory.summary}],
        "affected": [affected],
        "references": [
            {"url": page_url(settings, advisory), "name": advisory.id, "tags": ["vendor-advisory"]}
        ],
        "datePublic": timefmt.iso_utc(advisory.released),
        "source": {"advisory": advisory.id, "discovery": "EXTERNAL"},
    }
    if advisory.cwe:
        cna["problemTypes"] = [
            {
                "descriptions": [
                    {
                        "lang": "en",
                        "type": "CWE",
                        "cweId": advisory.cwe,
                        "description": advisory.cwe,
                    }
                ]
            }
        ]
    metrics = [_metric(c) for c in (advisory.cvss, advisory.cvss4) if c is not None]
    if metrics:
        cna["metrics"] = metrics
    if advisory.reporter:
        cna["credits"] = [{"lang": "en", "value": advisory.reporter, "type": "finder"}]
    return cna


def cve_record(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The full CVE JSON 5.1 record (``dataType`` CVE_RECORD), validated."""
    assert advisory.cve is not None
    disclosed = advisory.disclosed_at(settings.project.disclosure_days)
    assert disclosed is not None
    metadata: dict[str, Any] = {
        "cveId": advisory.cve,
        "assignerOrgId": settings.cve.org_id,
        "state": "PUBLISHED",
        "datePublished": timefmt.iso_utc(disclosed),
        "dateUpdated": timefmt.iso_utc(disclosed),
    }
    if settings.cve.short_name:
        metadata["assignerShortName"] = settings.cve.short_name
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna_container(settings, advisory)},
    }
    validate("cve", record, f"cve/{advisory.cve}.json")
    return record


def osv_record(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The OSV record, validated against the bundled OSV schema."""
    disclosed = advisory.disclosed_at(settings.project.disclosure_days)
    assert advisory.released is not None
    assert disclosed is not None
    found = model.versions(advisory)
    affected = []
    for fix in found.lines:
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
    details = advisory.summary
    if advisory.body.strip():
        details += "\n\n" + advisory.body.strip() + "\n"
    record: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": osv_id(advisory),
        "modified": timefmt.iso_utc(disclosed),
        "published": timefmt.iso_utc(advisory.released),
        "aliases": [advisory.cve] if advisory.cve else [],
        "summary": advisory.title,
        "details": details,
        "affected": affected,
        "references": [{"type": "ADVISORY", "url": page_url(settings, advisory)}],
        "database_specific": {
            "advisory": advisory.id,
            "severity": advisory.severity.upper(),
            "cwe_ids": [advisory.cwe] if advisory.cwe else [],
        },
    }
    severity: list[dict[str, str]] = []
    for cvss in (advisory.cvss, advisory.cvss4):
        if cvss is not None:
            kind = "CVSS_V3" if cvss.version == "3.1" else "CVSS_V4"
            if all(s["type"] != kind for s in severity):
                severity.append({"type": kind, "score": cvss.vector})
    if severity:
        record["severity"] = severity
    if advisory.reporter:
        record["credits"] = [{"name": advisory.reporter, "type": "FINDER"}]
    validate("osv", record, f"osv/{advisory.id}.json")
    return record


def dumps(record: dict[str, Any]) -> bytes:
    """The bytes written for a record: stable key order, two-space indent, final newline."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

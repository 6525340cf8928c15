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
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from releasekit.model.advisory import Advisory, Cvss
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.model.public import Public, public_fields
from releasekit.model.versions import Versions
from releasekit.support import timefmt
from releasekit.support.errors import PublishError, RecordError

CVE_DATA_VERSION = "5.1"
OSV_SCHEMA_VERSION = "1.7.0"
OSV_ID_PREFIX = "x_"  # a database not registered with OSV (the schema's allowed form)


def _cvelib_schema(pattern: str) -> Path:
    """A schema that cvelib ships, found as ``cvelib.cve_api.CveRecord.Schemas`` finds it.

    Without importing cvelib's client (requests, jsonschema): publish needs only the file.
    """
    spec = find_spec("cvelib")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise PublishError("cvelib is not installed: no CVE JSON 5 schema")
    folder = Path(next(iter(spec.submodule_search_locations))) / "schemas"
    return next(folder.glob(pattern))


def cve_schema_path() -> Path:
    """The full CVE JSON 5 record schema bundled with cvelib."""
    return _cvelib_schema("CVE_JSON_bundled_*.json")


def osv_schema_path() -> Path:
    return Path(str(resources.files("releasekit") / "schemas" / "osv-schema.json"))


def cna_schema_path() -> Path:
    """The CNA published-container schema: what cvelib checks before it sends one."""
    return _cvelib_schema("CVE_JSON_cnaPublishedContainer_*.json")


@lru_cache(maxsize=1)
def _schemas() -> dict[str, dict[str, Any]]:
    full = json.loads(cve_schema_path().read_text(encoding="utf-8"))
    schemas = {
        "cve": full,
        "cna": json.loads(cna_schema_path().read_text(encoding="utf-8")),
        "osv": json.loads(osv_schema_path().read_text(encoding="utf-8")),
    }
    if _metrics_apart(full):
        schemas["metrics"] = {
            "$schema": full.get("$schema", "http://json-schema.org/draft-07/schema#"),
            "definitions": full["definitions"],
            "$ref": "#/definitions/metrics",
        }
    return schemas


@lru_cache(maxsize=4)
def _validator(kind: str) -> Any:
    return jsonschema_rs.validator_for(_schemas()[kind], validate_formats=True)


def warm() -> None:
    """Compile the validators every record needs now (before the renderer forks workers)."""
    for kind in _schemas():
        if kind != "cna":  # only to locate an error
            _validator(kind)


# Validating a CVE record's `metrics` costs a hundred times more than the rest of it (the
# CVSS scores are enums of 101 numbers, slow in jsonschema-rs), and the same metrics come back
# with every advisory of the same vector. The full schema constrains `containers.cna.metrics`
# only through `#/definitions/metrics`, so a record is valid exactly when the record without
# its metrics is valid and the metrics are valid against that definition; the latter is
# remembered per distinct metrics. `_metrics_apart` checks that the schema has that shape
# (else every record is validated whole), and a failure is always reported from the whole.
_OBJECT_ONLY = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "description",
    "title",
    "$comment",
}


def _metrics_apart(full: dict[str, Any]) -> bool:
    """True when a published record's metrics can be validated apart from the rest."""
    try:
        definitions = full["definitions"]
        published, rejected = full["oneOf"]
        cna = definitions["cnaPublishedContainer"]
        rejected_meta = definitions["cveMetadataRejected"]
        return (
            set(full) <= {"$schema", "$id", "title", "description", "definitions", "oneOf"}
            and set(published) <= _OBJECT_ONLY
            and published["properties"]["cveMetadata"]
            == {"$ref": "#/definitions/cveMetadataPublished"}
            and set(published["properties"]["containers"]) <= _OBJECT_ONLY
            and published["properties"]["containers"]["properties"]["cna"]
            == {"$ref": "#/definitions/cnaPublishedContainer"}
            and set(cna) <= _OBJECT_ONLY
            and cna["properties"]["metrics"] == {"$ref": "#/definitions/metrics"}
            and "metrics" not in cna.get("required", ())
            and not any(_matches(p, "metrics") for p in cna.get("patternProperties", {}))
            and rejected["properties"]["cveMetadata"]
            == {"$ref": "#/definitions/cveMetadataRejected"}
            and "state" in rejected_meta["required"]
            and rejected_meta["properties"]["state"].get("enum") == ["REJECTED"]
            and "metrics" in definitions
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


@lru_cache(maxsize=4096)
def _metrics_valid(metrics: bytes) -> bool:
    return bool(_validator("metrics").is_valid(orjson.loads(metrics)))


def _is_valid(kind: str, instance: dict[str, Any]) -> bool:
    if kind == "cve" and "metrics" in _schemas():
        cna = instance.get("containers", {}).get("cna")
        metadata = instance.get("cveMetadata")
        if (
            isinstance(cna, dict)
            and "metrics" in cna
            and isinstance(metadata, dict)
            and metadata.get("state") == "PUBLISHED"  # so the Rejected branch fails either way
        ):
            rest = {k: v for k, v in cna.items() if k != "metrics"}
            stripped = {**instance, "containers": {**instance["containers"], "cna": rest}}
            key = orjson.dumps(cna["metrics"], option=orjson.OPT_SORT_KEYS)
            return bool(_validator("cve").is_valid(stripped)) and _metrics_valid(key)
    return bool(_validator(kind).is_valid(instance))


def _first_error(kind: str, instance: dict[str, Any], prefix: str = "") -> tuple[str, str] | None:
    """The first failing JSON path and schema keyword, or None when ``instance`` is valid."""
    validator = _validator(kind)
    if _is_valid(kind, instance):  # the common case, without building error objects
        return None
    for error in validator.iter_errors(instance):
        where = prefix + "/" + "/".join(str(part) for part in error.instance_path)
        keyword = error.schema_path[-1] if error.schema_path else "schema"
        return where.rstrip("/") or "/", str(keyword)
    return None


def validate(kind: str, record: dict[str, Any], name: str) -> None:
    """Raise RecordError naming ``name``, the failing JSON path and schema keyword.

    Never the value: it may be advisory text.
    """
    problem = _first_error(kind, record)
    if problem is None:
        return
    if kind == "cve":
        # The full schema's top level is a oneOf; the CNA container schema says where.
        cna = record.get("containers", {}).get("cna", {})
        problem = _first_error("cna", cna, "/containers/cna") or problem
    pointer, keyword = problem
    schema = "CVE JSON 5" if kind == "cve" else "OSV"
    raise RecordError(
        name, f"{pointer}: not valid {schema} ({keyword})", pointer=pointer, keyword=keyword
    )


# The advisory field behind each part of its records: a record refused there is that field's
# to fix (by the first JSON path segments that name it).
_FIELDS = (
    ("/containers/cna/title", "title"),
    ("/containers/cna/descriptions", "summary"),
    ("/containers/cna/credits", "reporter"),
    ("/containers/cna/problemTypes", "cwe"),
    ("/containers/cna/metrics", "cvss"),
    ("/containers/cna/affected/0/modules", "component"),
    ("/summary", "title"),
    ("/credits", "reporter"),
    ("/database_specific/cwe_ids", "cwe"),
    ("/severity", "cvss"),
)


def check(settings: Settings, advisory: Advisory) -> tuple[str | None, RecordError] | None:
    """Whether the advisory's records will be valid on its disclosure date: None, or the
    advisory field at fault (None when it is not one field) and the error.

    Checked long before that date, when the text can still be fixed: a record refused on the
    day stops the whole daily build. An advisory not released yet is taken as released at
    its embargo (its versions are not known yet; nothing in the schemas depends on them).
    """
    if advisory.released is None:
        if advisory.embargo is None:
            return None
        advisory = replace(advisory, released=advisory.embargo)
    try:
        if advisory.cve and settings.cve.org_id:  # the site carries a CVE record
            cve_record(settings, advisory)
        osv_record(settings, advisory)
    except RecordError as exc:
        field = next((f for path, f in _FIELDS if _under(exc.pointer, path)), None)
        return field, exc
    return None


def _under(pointer: str, path: str) -> bool:
    return pointer == path or pointer.startswith(path + "/")


def page_url(settings: Settings, ident: str) -> str:
    return f"{settings.project.site_url.rstrip('/')}/advisories/{ident}.html"


def osv_id(ident: str) -> str:
    return OSV_ID_PREFIX + ident


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


def _disclosed(settings: Settings, advisory: Advisory) -> Public:
    """What the records show: the advisory as disclosed (they exist only from then on)."""
    shown = public_fields(settings, advisory, Stage.DISCLOSED)
    assert shown is not None  # a record is made of a released advisory
    return shown


def cna_container(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The CNA container of the CVE record: what CVE Services accepts for this CVE."""
    return _cna_container(settings, _disclosed(settings, advisory))


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


def cve_record(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The full CVE JSON 5.1 record (``dataType`` CVE_RECORD), validated."""
    shown = _disclosed(settings, advisory)
    assert shown.cve is not None
    disclosed = timefmt.iso_utc(shown.disclosed_at)
    metadata: dict[str, Any] = {
        "cveId": shown.cve,
        "assignerOrgId": settings.cve.org_id,
        "state": "PUBLISHED",
        "datePublished": disclosed,
        "dateUpdated": disclosed,
    }
    if settings.cve.short_name:
        metadata["assignerShortName"] = settings.cve.short_name
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": _cna_container(settings, shown)},
    }
    validate("cve", record, f"cve/{shown.cve}.json")
    return record


def osv_record(settings: Settings, advisory: Advisory) -> dict[str, Any]:
    """The OSV record, validated against the bundled OSV schema."""
    shown = _disclosed(settings, advisory)
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
    validate("osv", record, f"osv/{shown.id}.json")
    return record


def dumps(record: dict[str, Any]) -> bytes:
    """The bytes written for a record: stable key order, two-space indent, final newline."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

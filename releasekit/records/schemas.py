"""The schemas the records are validated against, and the validation.

The CVE record is validated against the bundled CVE JSON 5 schema that ``cvelib`` ships (the
CNA container schema and the branches of its top-level oneOf only locate an error), the OSV
record against ``releasekit/schemas/osv-schema.json``. Errors name the record, the JSON path
(a missing field's own) and the schema keyword, never the value: it may be advisory text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import orjson

from releasekit.support.errors import PublishError, RecordError


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
    """The OSV schema releasekit ships (beside its modules: read as a file)."""
    return Path(__file__).parents[1] / "schemas" / "osv-schema.json"


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
    for state, branch in _branches(full).items():
        schemas[f"cve:{state}"] = branch
    if metrics_apart(full):
        schemas["metrics"] = {
            "$schema": full.get("$schema", "http://json-schema.org/draft-07/schema#"),
            "definitions": full["definitions"],
            "$ref": "#/definitions/metrics",
        }
    return schemas


def _branches(full: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The branches of the full schema's top-level oneOf, each a schema of its own, by the
    ``cveMetadata.state`` it takes ("PUBLISHED", "REJECTED"); {} for another shape.

    A record that fails both branches fails the oneOf at "/", which names nothing: the
    branch its state claims says which field is wrong (only to locate an error).
    """
    found: dict[str, dict[str, Any]] = {}
    try:
        for branch in full["oneOf"]:
            ref = branch["properties"]["cveMetadata"]["$ref"]
            metadata = full["definitions"][ref.removeprefix("#/definitions/")]
            for state in metadata["properties"]["state"]["enum"]:
                found[state] = {
                    "$schema": full.get("$schema", "http://json-schema.org/draft-07/schema#"),
                    "definitions": full["definitions"],
                    **branch,
                }
    except (KeyError, TypeError, AttributeError):
        return {}
    return found


@lru_cache(maxsize=8)
def _validator(kind: str) -> Any:
    # Imported here, not with the module: every command loads the records (workspace checks
    # them), and only those that validate one need the validator library.
    import jsonschema_rs

    return jsonschema_rs.validator_for(_schemas()[kind], validate_formats=True)


def warm() -> None:
    """Compile the validators every record needs now (before the renderer forks workers)."""
    for kind in _schemas():
        if kind != "cna" and not kind.startswith("cve:"):  # only to locate an error
            _validator(kind)


# Validating a CVE record's `metrics` costs a hundred times more than the rest of it (the
# CVSS scores are enums of 101 numbers, slow in jsonschema-rs), and the same metrics come back
# with every advisory of the same vector. The full schema constrains `containers.cna.metrics`
# only through `#/definitions/metrics`, so a record is valid exactly when the record without
# its metrics is valid and the metrics are valid against that definition; the latter is
# remembered per distinct metrics. `metrics_apart` checks that the schema has that shape
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


def metrics_apart(full: dict[str, Any]) -> bool:
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


def is_valid(kind: str, instance: dict[str, Any]) -> bool:
    """Whether ``instance`` is valid against the schema of ``kind`` ("cve", "cna", "osv")."""
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
    if is_valid(kind, instance):  # the common case, without building error objects
        return None
    for error in validator.iter_errors(instance):
        where = prefix + "/" + "/".join(str(part) for part in error.instance_path)
        keyword = str(error.schema_path[-1] if error.schema_path else "schema")
        missing = getattr(error.kind, "property", None) if keyword == "required" else None
        if isinstance(missing, str):  # the missing field, as the schema names it (not data)
            where = where.rstrip("/") + "/" + _escaped(missing)
        return where.rstrip("/") or "/", keyword
    return None


def _escaped(name: str) -> str:
    """A property name as one JSON pointer segment (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


def _claimed(record: dict[str, Any]) -> str | None:
    """The branch of the CVE schema's oneOf to locate a record's error in: the rejected one
    for a record whose state says so, else the published one (a missing or unknown state is
    then that branch's error); None when the schema has no such branch."""
    metadata = record.get("cveMetadata")
    state = metadata.get("state") if isinstance(metadata, dict) else None
    kind = f"cve:{state if state == 'REJECTED' else 'PUBLISHED'}"
    return kind if kind in _schemas() else None


def reason(keyword: str, schema: str) -> str:
    """What a schema error says after its JSON path (``schema``: "CVE JSON 5" or "OSV")."""
    if keyword == "required":
        return f"is missing (required by {schema})"
    return f"not valid {schema} ({keyword})"


def validate(kind: str, record: dict[str, Any], name: str) -> None:
    """Raise RecordError naming ``name``, the failing JSON path and schema keyword.

    Never the value: it may be advisory text.
    """
    problem = _first_error(kind, record)
    if problem is None:
        return
    if kind == "cve":
        # The full schema's top level is a oneOf, which fails at "/": the CNA container
        # schema says where (a published record's), else the branch the record claims.
        claimed = _claimed(record)
        containers = record.get("containers")
        cna = containers.get("cna") if isinstance(containers, dict) else None
        if claimed != "cve:REJECTED" and isinstance(cna, dict):
            problem = _first_error("cna", cna, "/containers/cna") or problem
        if problem[0] == "/" and claimed is not None:
            problem = _first_error(claimed, record) or problem
    pointer, keyword = problem
    schema = "CVE JSON 5" if kind == "cve" else "OSV"
    raise RecordError(
        name, f"{pointer}: {reason(keyword, schema)}", pointer=pointer, keyword=keyword
    )

"""Machine-readable records of a disclosed advisory: CVE JSON 5.1 and OSV (pure, no I/O).

Both are built from what the advisory shows once disclosed (model.public) and validated
against their official schema before anyone writes them: the CVE record against the bundled
CVE JSON 5 schema that ``cvelib`` ships (its ``containers.cna`` is the CNA container CVE
Services accepts), the OSV record against ``releasekit/schemas/osv-schema.json``. Every
timestamp comes from the advisory's release and disclosure times. Validation errors name the
record and the JSON path, never the value (advisory text).

The functions named here are the room's interface; each lives in its own module.
"""

from __future__ import annotations

from releasekit.records.checks import check
from releasekit.records.common import cve_path, dumps, osv_path, page_path, page_url, writes_cve
from releasekit.records.cve import cna_container, cve_record
from releasekit.records.osv import osv_record
from releasekit.records.schemas import (
    cna_schema_path,
    cve_schema_path,
    osv_schema_path,
    validate,
    warm,
)

__all__ = [
    "check",
    "cna_container",
    "cna_schema_path",
    "cve_path",
    "cve_record",
    "cve_schema_path",
    "dumps",
    "osv_path",
    "osv_record",
    "osv_schema_path",
    "page_path",
    "page_url",
    "validate",
    "warm",
    "writes_cve",
]

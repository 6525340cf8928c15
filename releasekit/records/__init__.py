"""Machine-readable records of a disclosed advisory: CVE JSON 5.1, OSV and CSAF 2.0 (pure,
no I/O).

All are built from what the advisory shows once disclosed (model.public). The CVE and OSV
records are validated against their official schema before anyone writes them: the CVE
record against the bundled CVE JSON 5 schema that ``cvelib`` ships (its ``containers.cna``
is the CNA container CVE Services accepts), the OSV record against
``releasekit/schemas/osv-schema.json``; validation errors name the record and the JSON path,
never the value (advisory text). The CSAF document is checked by the reference validator in
the tests (tests/node: the official schema and the standard's mandatory tests). Every
timestamp comes from the advisory's release, revision and disclosure times.

The functions named here are the room's interface; each lives in its own module.
"""

from __future__ import annotations

from releasekit.records.checks import check, scheme_problem
from releasekit.records.common import (
    cve_path,
    cve_url,
    dumps,
    osv_path,
    page_path,
    page_url,
    release_url,
    writes_cve,
)
from releasekit.records.csaf import csaf_document, csaf_path, csaf_url
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
    "csaf_document",
    "csaf_path",
    "csaf_url",
    "cve_path",
    "cve_record",
    "cve_schema_path",
    "cve_url",
    "dumps",
    "osv_path",
    "osv_record",
    "osv_schema_path",
    "page_path",
    "page_url",
    "release_url",
    "scheme_problem",
    "validate",
    "warm",
    "writes_cve",
]

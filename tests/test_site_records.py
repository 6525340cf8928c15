"""CVE JSON 5 and OSV records: valid against the official schemas, only once disclosed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from cvelib.cve_api import CveRecord

from releasekit import workspace
from releasekit.errors import PublishError
from releasekit.site import build, records

from .conftest import Workspace
from .helpers.sites import CONFIG, ORG_UUID, marked, markers

SHARED_OSV = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "osv-schema.json"
LATER = datetime(2027, 2, 1, tzinfo=UTC)


@pytest.fixture
def site_ws(ws: Workspace) -> Workspace:
    ws.write("releasekit.toml", CONFIG)
    return ws


def test_the_packaged_osv_schema_is_the_official_copy() -> None:
    packaged = records.osv_schema_path()
    assert packaged.is_file()
    if SHARED_OSV.is_file():  # beside the repository in development and CI
        assert packaged.read_bytes() == SHARED_OSV.read_bytes()
    readme = (packaged.parent / "README.md").read_text()
    assert "osv-schema" in readme and "sha256" in readme


def test_records_are_valid_against_the_official_schemas(site_ws: Workspace) -> None:
    marked(site_ws, 1, cvss4='"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"')
    build.publish_workspace(workspace.open_workspace(site_ws.root), LATER)
    m = markers(1)
    cve = json.loads((site_ws.root / "site" / "cve" / f"{m['cve']}.json").read_text())
    full = json.loads(Path(CveRecord.Schemas.V5_SCHEMA).read_text())
    jsonschema.Draft7Validator(full).validate(cve)  # the reference validator, independently
    CveRecord.validate(cve["containers"]["cna"])  # cvelib's own check of a CNA container
    assert cve["dataVersion"] == "5.1"
    assert cve["cveMetadata"] == {
        "cveId": m["cve"],
        "assignerOrgId": ORG_UUID,
        "assignerShortName": "acme",
        "state": "PUBLISHED",
        "datePublished": "2026-11-12T00:00:00Z",
        "dateUpdated": "2026-11-12T00:00:00Z",
    }
    cna = cve["containers"]["cna"]
    assert cna["title"] == m["title"] and cna["descriptions"][0]["value"] == m["summary"]
    assert cna["datePublic"] == "2026-10-13T14:00:07Z"
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == m["cwe"]
    assert cna["credits"] == [{"lang": "en", "type": "finder", "value": m["reporter"]}]
    assert [next(iter(metric)) for metric in cna["metrics"]] == ["cvssV3_1", "cvssV4_0"]
    assert cna["affected"][0]["versions"] == [
        {"status": "unaffected", "version": "10.4.0", "versionType": "semver"},
        {"lessThan": "10.3.3", "status": "affected", "version": "10.3.0", "versionType": "semver"},
        {"lessThan": "9.11.9", "status": "affected", "version": "9.11.0", "versionType": "semver"},
        {"lessThan": "9.11.0", "status": "affected", "version": "9.8.0", "versionType": "semver"},
    ]
    osv_schema = json.loads(
        (SHARED_OSV if SHARED_OSV.is_file() else records.osv_schema_path()).read_text()
    )
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    jsonschema.Draft202012Validator(osv_schema).validate(osv)
    assert osv["id"] == "x_ACSA-2026-0001" and osv["aliases"] == [m["cve"]]
    assert osv["published"] == "2026-10-13T14:00:07Z"
    assert osv["modified"] == "2026-11-12T00:00:00Z"
    assert m["body"] in osv["details"]
    assert osv["affected"][0]["ranges"][0]["events"] == [
        {"introduced": "10.3.0"},
        {"fixed": "10.3.3"},
    ]
    assert {s["type"] for s in osv["severity"]} == {"CVSS_V3", "CVSS_V4"}


def test_no_records_before_the_disclosure_date(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    build.publish_workspace(
        workspace.open_workspace(site_ws.root), datetime(2026, 11, 11, 23, tzinfo=UTC)
    )
    assert not (site_ws.root / "site" / "cve").exists()
    assert not (site_ws.root / "site" / "osv").exists()


def test_an_invalid_record_names_the_path_never_the_value(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    settings = workspace.open_workspace(site_ws.root)
    (advisory,) = workspace.load_advisories(settings)
    record = records.cve_record(settings, advisory)
    record["containers"]["cna"]["descriptions"][0]["value"] = "SECRET " * 1000
    with pytest.raises(PublishError) as caught:
        records.validate("cve", record, "cve/X.json")
    assert str(caught.value) == (
        "cve/X.json: /containers/cna/descriptions/0/value: not valid CVE JSON 5 (maxLength)"
    )
    osv = records.osv_record(settings, advisory)
    osv["modified"] = "yesterday SECRET"
    with pytest.raises(PublishError, match=r"^osv/Y.json: /modified: not valid OSV \(pattern\)$"):
        records.validate("osv", osv, "osv/Y.json")

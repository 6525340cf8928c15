"""CVE JSON 5 and OSV records: valid against the official schemas, only once disclosed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cvelib.cve_api import CveRecord

from releasekit import records
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from releasekit.records import schemas
from releasekit.records.csaf import csaf_document
from releasekit.site import build
from releasekit.support.errors import PublishError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace, advisory_text
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, ORG_UUID, marked, markers

SHARED_OSV = REPO_ROOT.parent / "shared" / "schemas" / "osv-schema.json"
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
    assert [next(iter(metric)) for metric in cna["metrics"]] == ["cvssV3_1", "cvssV4_0", "other"]
    assert cna["affected"][0]["versions"] == [
        {"status": "unaffected", "version": "10.4.0", "versionType": "semver"},
        {"lessThan": "10.3.3", "status": "affected", "version": "10.3.0", "versionType": "semver"},
        {"lessThan": "9.11.9", "status": "affected", "version": "9.11.0", "versionType": "semver"},
        {"lessThan": "10.3.0", "status": "affected", "version": "9.12.0", "versionType": "semver"},
        {"lessThan": "9.11.0", "status": "affected", "version": "9.8.0", "versionType": "semver"},
    ]  # (9.12.0 to 10.2.x: the lines between 9.11 and 10.3 have the code and no fix)
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


def test_the_cve_record_carries_the_project_s_own_rating(site_ws: Workspace) -> None:
    # The vector scores 6.5, MEDIUM; the project rates it High (severity, with its reason).
    # Pages, feeds, OSV and CSAF said High; the CVE record said MEDIUM alone.
    marked(site_ws, 1)
    marked(site_ws, 2, severity='"low"')
    marked(site_ws, 3)  # with no override (below): its band
    advisory = site_ws.root / "advisories" / "ACSA-2026-0003.md"
    advisory.write_text(
        "\n".join(
            line
            for line in advisory.read_text().splitlines()
            if not line.startswith(("severity = ", "severity_reason = "))
        )
        + "\n"
    )
    build.publish_workspace(workspace.open_workspace(site_ws.root), LATER)
    full = jsonschema.Draft7Validator(json.loads(Path(CveRecord.Schemas.V5_SCHEMA).read_text()))
    rated = {}
    for n in (1, 2, 3):
        cve = json.loads((site_ws.root / "site" / "cve" / f"{markers(n)['cve']}.json").read_text())
        full.validate(cve)
        CveRecord.validate(cve["containers"]["cna"])
        cvss, other = cve["containers"]["cna"]["metrics"]
        assert cvss["cvssV3_1"]["baseScore"] == 6.5  # the vector's own, as the schema wants
        assert cvss["cvssV3_1"]["baseSeverity"] == "MEDIUM"
        assert other["other"]["type"] == "Textual description of severity"
        rated[n] = other["other"]["content"]
    assert rated == {1: {"text": "high"}, 2: {"text": "low"}, 3: {"text": "medium"}}
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["database_specific"]["severity"] == "HIGH"  # what the CVE record now agrees with


def test_no_records_before_the_disclosure_date(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    build.publish_workspace(
        workspace.open_workspace(site_ws.root), datetime(2026, 11, 11, 23, tzinfo=UTC)
    )
    assert not (site_ws.root / "site" / "cve").exists()
    assert not (site_ws.root / "site" / "osv").exists()


def test_records_with_no_disclosure_days_are_not_dated_before_the_release(
    site_ws: Workspace,
) -> None:
    # disclosure_days = 0: the CVE record said datePublished 2026-10-13T00:00:00Z, midnight of
    # the release day, fourteen hours before the embargo ended (and before its datePublic).
    marked(site_ws, 1)
    config = site_ws.root / "releasekit.toml"
    config.write_text(config.read_text().replace("[releases]", "disclosure_days = 0\n\n[releases]"))
    released = datetime(2026, 10, 13, 14, 0, 7, tzinfo=UTC)
    build.publish_workspace(workspace.open_workspace(site_ws.root), released)
    cve = json.loads((site_ws.root / "site" / "cve" / f"{markers(1)['cve']}.json").read_text())
    assert cve["cveMetadata"]["datePublished"] == "2026-10-13T14:00:07Z"
    assert cve["containers"]["cna"]["datePublic"] == "2026-10-13T14:00:07Z"
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["published"] == osv["modified"] == "2026-10-13T14:00:07Z"


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


def test_an_invalid_rejected_record_names_the_field_of_its_own_branch() -> None:
    # (neither branch of the schema's oneOf takes it: the rejected one, which the record
    # claims by its state, says which field is wrong)
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"assignerOrgId": ORG_UUID, "state": "REJECTED"},
        "containers": {
            "cna": {
                "providerMetadata": {"orgId": ORG_UUID},
                "rejectedReasons": [{"lang": "en", "value": "A duplicate."}],
            }
        },
    }
    with pytest.raises(PublishError) as caught:
        records.validate("cve", record, "cve/X.json")
    assert str(caught.value) == (
        "cve/X.json: /cveMetadata/cveId: is missing (required by CVE JSON 5)"
    )
    record["cveMetadata"]["cveId"] = "CVE-2026-0001"
    records.validate("cve", record, "cve/X.json")


def test_the_schemas_are_the_ones_cvelib_uses() -> None:
    assert records.cve_schema_path() == Path(CveRecord.Schemas.V5_SCHEMA)
    assert records.cna_schema_path() == Path(CveRecord.Schemas.CNA_PUBLISHED)


def _metric_variants(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record with its metrics (and the rest) broken in ways the schema must catch."""
    variants = []

    def variant(change: Callable[[dict[str, Any]], None]) -> None:
        copy = json.loads(json.dumps(record))
        change(copy)
        variants.append(copy)

    def cna(r: dict[str, Any]) -> dict[str, Any]:
        value: dict[str, Any] = r["containers"]["cna"]
        return value

    def v31(r: dict[str, Any]) -> dict[str, Any]:
        value: dict[str, Any] = cna(r)["metrics"][0]["cvssV3_1"]
        return value

    variant(lambda r: None)
    variant(lambda r: v31(r).update(baseScore=6.55))  # not in the enum
    variant(lambda r: v31(r).update(baseScore=6.5, baseSeverity="CRITICAL"))  # wrong band
    variant(lambda r: v31(r).update(baseScore=9.8, baseSeverity="CRITICAL"))  # right band
    variant(lambda r: v31(r).update(baseScore=0, baseSeverity="NONE"))
    variant(lambda r: v31(r).update(vectorString="CVSS:3.1/AV:Q"))
    variant(lambda r: v31(r).pop("version"))
    variant(lambda r: cna(r)["metrics"][0].update(extra=1))
    variant(lambda r: cna(r)["metrics"][0].pop("cvssV3_1"))
    variant(lambda r: cna(r).update(metrics=[]))
    variant(lambda r: cna(r).update(metrics=cna(r)["metrics"] * 2))  # uniqueItems
    variant(lambda r: cna(r).update(metrics="high"))
    variant(lambda r: cna(r).pop("metrics"))
    variant(lambda r: cna(r).update(title="x" * 300))  # the rest still counts
    variant(lambda r: cna(r).update(x_extra=1))
    variant(lambda r: cna(r).update(unknown=1))
    variant(lambda r: r["cveMetadata"].update(state="REJECTED"))
    variant(lambda r: r["containers"].update(adp=[]))
    return variants


def test_metrics_validated_apart_agree_with_the_whole_schema(site_ws: Workspace) -> None:
    marked(site_ws, 1, cvss4='"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"')
    settings = workspace.open_workspace(site_ws.root)
    (advisory,) = workspace.load_advisories(settings)
    record = records.cve_record(settings, advisory)
    assert schemas.metrics_apart(json.loads(records.cve_schema_path().read_text()))  # fast path
    whole = jsonschema.Draft7Validator(json.loads(records.cve_schema_path().read_text()))
    verdicts = []
    for instance in _metric_variants(record) * 2:  # twice: remembered metrics give the same
        verdicts.append(schemas.is_valid("cve", instance))
        assert verdicts[-1] == whole.is_valid(instance), instance
    assert True in verdicts and False in verdicts


def test_a_schema_of_another_shape_is_validated_whole() -> None:
    full = json.loads(records.cve_schema_path().read_text())
    assert schemas.metrics_apart(full)
    changed = json.loads(json.dumps(full))
    changed["definitions"]["cnaPublishedContainer"]["required"].append("metrics")
    assert not schemas.metrics_apart(changed)
    changed = json.loads(json.dumps(full))
    changed["definitions"]["cnaPublishedContainer"]["minProperties"] = 5
    assert not schemas.metrics_apart(changed)
    assert not schemas.metrics_apart({"oneOf": []})


def test_records_from_the_page_s_fields_are_the_records_of_the_advisory(
    site_ws: Workspace,
) -> None:
    # A page passes the fields it computed; only the disclosed fields of that very
    # advisory are taken, anything else is computed again (the privacy rule's stage).
    from releasekit.model.lifecycle import Stage
    from releasekit.model.public import public_fields

    marked(site_ws, 1)
    marked(site_ws, 2)
    settings = workspace.open_workspace(site_ws.root)
    first, second = workspace.load_advisories(settings)
    disclosed = public_fields(settings, first, Stage.DISCLOSED)
    released = public_fields(settings, first, Stage.RELEASED)
    other = public_fields(settings, second, Stage.DISCLOSED)
    for make in (records.osv_record, records.cve_record):
        alone = records.dumps(make(settings, first))
        for shown in (disclosed, released, other):
            assert records.dumps(make(settings, first, shown=shown)) == alone
    assert released is not None and released.details is None
    assert first.body.strip() in records.osv_record(settings, first, released)["details"]


def test_a_csaf_document_without_a_fixed_version_is_affected_from_introduced_on() -> None:
    # `fixed = {}` with `introduced`: OSV, CVE and advisories.json say the releases from
    # 10.4.0 on; the CSAF document said every version (vers:generic/*), 9.x included.
    settings = parse_config(CONFIG, Path("/ws"))

    def status(**fields: str) -> tuple[dict[str, Any], list[str]]:
        text = advisory_text(released="2026-12-01T14:00:07Z", fixed="{}", **fields)
        made = csaf_document(settings, parse_advisory(text, Path("ACSA-2026-0001.md"), "ACSA"))
        tree = made["product_tree"]["branches"][0]["branches"][0]["branches"]
        return made["vulnerabilities"][0]["product_status"], [b["name"] for b in tree]

    assert status(introduced='"10.4"') == (
        {"known_affected": ["affected-from-10.4.0"]},
        ["vers:generic/>=10.4.0"],
    )
    assert status() == ({"known_affected": ["affected-all"]}, ["vers:generic/*"])

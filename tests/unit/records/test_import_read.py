"""Reading OSV and CVE JSON 5 records back: the shapes releasekit writes and others do."""

from __future__ import annotations

import json
from typing import Any

import pytest

from releasekit.records.cve_read import read_cve
from releasekit.records.imported import ImportRefused, lines_of, released_lines
from releasekit.records.osv_read import read_osv
from tests.helpers.paths import REPO_ROOT

A, B = "a" * 40, "b" * 40


def _entry(line: str, introduced: str, fixed: str, commit: str) -> dict[str, Any]:
    return {
        "package": {"ecosystem": "PyPI", "name": "acme-server"},
        "ranges": [
            {"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]},
            {
                "type": "GIT",
                "repo": "https://git.acme.example/acme/server",
                "events": [{"introduced": "0"}, {"fixed": commit}],
            },
        ],
        "database_specific": {"line": line},
    }


def test_releasekits_osv_with_packages_and_git_ranges_gives_lines_and_fix_commits() -> None:
    record = {
        "id": "ACSA-2026-0001",  # ([osv] prefix)
        "modified": "2026-10-13T14:00:07Z",
        "published": "2026-10-13T14:00:07Z",
        "summary": "Title",
        "details": "Summary.\n\nBody.\n",
        "affected": [
            _entry("10.3", "10.3.0", "10.3.3", A),
            _entry("9.11", "9.11.0", "9.11.9", B),
        ],
        "database_specific": {"advisory": "ACSA-2026-0001"},
    }
    (item,) = read_osv(record, "r.json")
    assert item.advisory == "ACSA-2026-0001" and item.package == "acme-server"
    assert item.fix_commits == {"10.3": A, "9.11": B}
    assert (item.summary, item.body) == ("Summary.", "Body.")
    assert lines_of(item) == ({"10.3": "10.3.3", "9.11": "9.11.9"}, None)


def test_a_cve_record_without_ranges_of_its_own_spelling() -> None:
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {
            "cveId": "CVE-2024-0001",
            "state": "PUBLISHED",
            "assignerOrgId": "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36",
        },
        "containers": {
            "cna": {
                "providerMetadata": {"orgId": "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"},
                "references": [{"url": "https://example.org/a"}],
                "datePublic": "2024-01-01T00:00:00",  # (no zone: UTC)
                "descriptions": [{"lang": "de", "value": "Nein."}, {"lang": "en", "value": "Yes."}],
                "affected": [
                    {
                        "vendor": "Acme",
                        "product": "acme",
                        "versions": [
                            {"version": ">= 1.2.0, < 1.2.5", "status": "affected"},
                            {
                                "version": "2.0.0",
                                "lessThan": "2.0.2",
                                "status": "affected",
                                "versionType": "semver",
                            },
                            {"version": "3.0.0", "status": "unaffected"},  # (another's)
                        ],
                    }
                ],
                "metrics": [
                    {
                        "cvssV3_0": {
                            "version": "3.0",
                            "vectorString": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                        }
                    }
                ],
            }
        },
    }
    (item,) = read_cve(record, "c.json", "https://acme.example/security")
    assert item.advisory is None and item.summary == "Yes." and item.title == "CVE-2024-0001"
    assert item.cvss is not None and item.cvss.startswith("CVSS:3.0/")
    assert item.published.isoformat() == "2024-01-01T00:00:00+00:00"
    assert lines_of(item) == ({"1.2": "1.2.5", "2.0": "2.0.2"}, None)  # (each from X.Y.0)


def _cve_record(cve: str, affected: list[dict[str, Any]]) -> dict[str, Any]:
    """Another database's CVE JSON 5 record of ``affected`` products."""
    org = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {
            "cveId": cve,
            "state": "PUBLISHED",
            "assignerOrgId": org,
            "datePublished": "2021-04-14T20:04:52Z",
        },
        "containers": {
            "cna": {
                "providerMetadata": {"orgId": org},
                "references": [{"url": "https://example.org/a"}],
                "descriptions": [{"lang": "en", "value": "Crafted messages cause panics."}],
                "affected": affected,
            }
        },
    }


def test_a_cve_product_affected_by_default_without_versions_is_affected_from_the_start() -> None:
    # (the shape of the Go vulnerability database's CVE records of a module never fixed)
    record = _cve_record(
        "CVE-2020-36562",
        [
            {"vendor": "Acme", "product": "acme", "defaultStatus": "affected"},
            {"vendor": "Acme", "product": "other", "defaultStatus": "unaffected"},
        ],
    )
    every, unsaid = read_cve(record, "c.json", "https://acme.example/security")
    assert lines_of(every) == ({}, "0")  # every version, as the record says: no fix recorded
    assert lines_of(unsaid) == ({}, None)


def test_a_cve_product_affected_but_for_unaffected_versions_is_refused() -> None:
    # (GitHub's CVE records: versions before 1.7.3 unaffected, every other one affected)
    unaffected = {"version": "0", "lessThan": "1.7.3", "status": "unaffected", "versionType": "go"}
    product = {"vendor": "Acme", "product": "acme", "defaultStatus": "affected"}
    record = _cve_record("CVE-2025-0002", [{**product, "versions": [unaffected]}])
    with pytest.raises(ImportRefused, match="/containers/cna/affected/0/defaultStatus: affected"):
        read_cve(record, "c.json", "https://acme.example/security")


def test_releasekits_cve_record_of_several_advisories_gives_each_its_entry() -> None:
    path = REPO_ROOT / "tests/fixtures/import/CVE-2024-35197.json"
    record = json.loads(path.read_text())
    cna = record["containers"]["cna"]
    cna["references"] = [
        {"url": f"https://acme.example/security/advisories/ACSA-2026-000{n}.html"} for n in (1, 2)
    ]
    with pytest.raises(ImportRefused, match="/containers/cna/references: names several"):
        read_cve(record, "c.json", "https://acme.example/security")  # (not an entry each)
    cna["affected"] = [
        {**cna["affected"][0], "modules": ["api"]},
        {**cna["affected"][0], "modules": ["web"]},
    ]
    first, second = read_cve(record, "c.json", "https://acme.example/security")
    assert [(i.advisory, i.component, i.shared) for i in (first, second)] == [
        ("ACSA-2026-0001", "api", True),
        ("ACSA-2026-0002", "web", True),
    ]
    cna["affected"].pop()
    cna["references"].pop()
    (item,) = read_cve(record, "c.json", "https://acme.example/security")
    assert item.advisory == "ACSA-2026-0001"


@pytest.mark.parametrize(
    ("change", "pointer", "why"),
    [
        ({"cveId": None}, "/cveMetadata/cveId", "is missing (required by CVE JSON 5)"),
        ({"cveId": 2021}, "/cveMetadata/cveId", "not valid CVE JSON 5 (type)"),
        ({"cveId": "CVE-21-1"}, "/cveMetadata/cveId", "not valid CVE JSON 5 (pattern)"),
        ({"state": None}, "/cveMetadata/state", "is missing (required by CVE JSON 5)"),
        ({"state": 1}, "/cveMetadata/state", "not valid CVE JSON 5 (type)"),
        ({"state": "RESERVED"}, "/cveMetadata/state", "is not PUBLISHED: only a published"),
        ({"state": "REJECTED"}, "/cveMetadata/state", "a rejected record cannot be imported"),
        ({"assignerOrgId": None}, "/cveMetadata/assignerOrgId", "is missing (required"),
        ({"datePublished": "soon"}, "/cveMetadata/datePublished", "not valid CVE JSON 5 (pattern)"),
    ],
)
def test_a_bad_cve_metadata_field_is_named(change: dict[str, Any], pointer: str, why: str) -> None:
    # The schema's top level is a oneOf of a published and a rejected record: failing both
    # said only "/"; the branch the record's state claims names the field.
    product = {"vendor": "Acme", "product": "acme", "defaultStatus": "affected"}
    record = _cve_record("CVE-2021-0001", [product])
    metadata = record["cveMetadata"]
    for key, value in change.items():
        if value is None:
            del metadata[key]
        else:
            metadata[key] = value
    with pytest.raises(ImportRefused) as refused:
        read_cve(record, "c.json", "https://acme.example/security")
    assert str(refused.value).startswith(f"c.json: {pointer}: {why}")


def test_a_cve_product_listed_twice_is_refused_at_its_second_entry() -> None:
    first = {"vendor": "Acme", "product": "acme", "defaultStatus": "affected"}
    again = {
        "vendor": "Acme",
        "product": "acme",
        "versions": [
            {"version": "2.0.0", "lessThan": "2.0.2", "status": "affected", "versionType": "semver"}
        ],
    }
    other = {"vendor": "Acme", "product": "acme-cli", "defaultStatus": "affected"}
    record = _cve_record("CVE-2021-0002", [first, other, again])
    with pytest.raises(ImportRefused) as refused:
        read_cve(record, "c.json", "https://acme.example/security")
    assert str(refused.value) == (
        'c.json: /containers/cna/affected/2: lists product "acme" a second time'
        " (first at /containers/cna/affected/0): give all its versions in one entry"
    )


def test_a_cve_package_without_a_product_is_named_by_its_package_name() -> None:
    url = "https://pypi.org/simple"
    record = _cve_record(
        "CVE-2021-0003",
        [
            {"collectionURL": url, "packageName": "acme-a", "defaultStatus": "affected"},
            {"collectionURL": url, "packageName": "acme-b", "defaultStatus": "affected"},
        ],
    )
    read = read_cve(record, "c.json", "https://acme.example/security")
    assert [item.package for item in read] == ["acme-a", "acme-b"]


def test_an_osv_package_listed_once_per_range_is_one_advisory() -> None:
    # (GitHub's OSV records list a package once per affected range: merging them is what
    # the record means, unlike a CVE product listed twice)
    def entry(introduced: str, fixed: str) -> dict[str, Any]:
        events = [{"introduced": introduced}, {"fixed": fixed}]
        return {
            "package": {"ecosystem": "PyPI", "name": "acme"},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
        }

    record = {
        "id": "GHSA-aaaa-bbbb-cccc",
        "modified": "2024-01-02T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "affected": [entry("1.0.0", "1.0.4"), entry("2.0.0", "2.0.1")],
    }
    (item,) = read_osv(record, "o.json")
    assert lines_of(item) == ({"1.0": "1.0.4", "2.0": "2.0.1"}, None)


def test_releasekits_fixed_versions_as_spelt_and_a_wrong_map_refused() -> None:
    record = {
        "id": "x_ACSA-2026-0001",
        "modified": "2026-10-13T14:00:07Z",
        "published": "2026-10-13T14:00:07Z",
        "affected": [_entry("16", "16.0.0", "16.3.0", A)],
        "database_specific": {"advisory": "ACSA-2026-0001", "fixed": {"16": "16.3", "17": "17.0"}},
    }
    (item,) = read_osv(record, "r.json")
    assert lines_of(item, 1) == ({"16": "16.3", "17": "17.0"}, None)  # (17: no range)
    record["database_specific"]["fixed"] = {"16": "sixteen"}
    with pytest.raises(ImportRefused, match="/database_specific/fixed/16: is not a version"):
        read_osv(record, "r.json")


def test_a_gap_left_out_is_taken_as_none_only_from_a_record_that_says_gaps() -> None:
    # releasekit's records say the lines between fixed ones that are affected since they
    # carry database_specific.fixed; an earlier one left them all out, as other databases
    # do: the lines between 9.11 and 10.3 stay affected (the guess), never "not affected".
    record = {
        "id": "x_ACSA-2026-0001",
        "modified": "2026-10-13T14:00:07Z",
        "published": "2026-10-13T14:00:07Z",
        "affected": [
            _entry("10.3", "10.3.0", "10.3.3", A),
            _entry("9.11", "9.11.0", "9.11.9", B),
        ],
        "database_specific": {"advisory": "ACSA-2026-0001"},
    }
    (earlier,) = read_osv(record, "r.json")
    assert released_lines(earlier)[2] is None  # (guessed: 9.12 - 10.2 affected)
    record["database_specific"]["fixed"] = {"10.3": "10.3.3", "9.11": "9.11.9"}
    (now,) = read_osv(record, "r.json")
    assert released_lines(now)[2] == ()  # (said: no line between them left without it)


@pytest.mark.parametrize("fixed", ["1!16.3.0", "16.3.0+build1"])
def test_a_version_with_an_epoch_or_a_local_part_is_refused_saying_so(fixed: str) -> None:
    # An advisory file refuses them (no release is spelt so); the import refused them too,
    # but only at the end, as ranges that "cannot be recorded", without saying why.
    record = {
        "id": "GHSA-xxxx-xxxx-xxxx",
        "modified": "2026-10-13T14:00:07Z",
        "published": "2026-10-13T14:00:07Z",
        "affected": [_entry("16", "16.0.0", fixed, A)],
    }
    with pytest.raises(ImportRefused, match=r"fixed: has an epoch \(1!\) or a local part"):
        read_osv(record, "r.json")

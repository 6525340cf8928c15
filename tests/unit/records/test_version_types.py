"""The version types of the CVE record's ranges and the ``vers`` schemes of the CSAF
document's: each names its versions as its type spells and orders them.

A CVE range of ``"versionType": "semver"`` said 10.3.1rc1, 10.3.3b2 and PostgreSQL's 16.3,
which no SemVer library reads (node-semver rejects them): a scanner that compares with one
rejected the record or misordered the versions. Now a record is ``semver`` when SemVer
spells each of its versions (pre-releases as SemVer does: 10.3.1-rc.1), else ``python``
(PEP 440's order, the advisory's spelling: 16.3, Rails' 7.1.5.2); CSAF ranges say
``vers:generic`` for plain numbers, else ``vers:semver`` or ``vers:pypi`` by the same rule.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cvelib.cve_api import CveRecord

from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from releasekit.model.versions import versions_of
from releasekit.records.csaf import csaf_document
from releasekit.records.cve import cve_record
from releasekit.records.cve_read import read_cve
from releasekit.records.imported import ImportRefused, lines_of, released_lines
from releasekit.records.osv import osv_record
from releasekit.records.osv_read import read_osv
from releasekit.site.keys import records_key
from releasekit.support.errors import ConfigError
from tests.conftest import advisory_text
from tests.helpers import csaf
from tests.helpers.semver import NodeSemver
from tests.helpers.sites import CONFIG

PATH = Path("advisories/ACSA-2026-0001.md")
MAJOR = CONFIG.replace('upcoming = "10.4"', 'upcoming = "18"\nline_parts = 1')


def _records(config: str, **fields: str) -> tuple[dict[str, Any], dict[str, Any]]:
    settings = parse_config(config, Path("/ws"))
    text = advisory_text(released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', **fields)
    advisory = parse_advisory(text, PATH, "ACSA")
    record = cve_record(settings, advisory)
    jsonschema.Draft7Validator(json.loads(Path(CveRecord.Schemas.V5_SCHEMA).read_text())).validate(
        record
    )
    return record, csaf_document(settings, advisory)


def _versions(record: dict[str, Any]) -> list[dict[str, Any]]:
    versions: list[dict[str, Any]] = record["containers"]["cna"]["affected"][0]["versions"]
    return versions


def _ranges(document: dict[str, Any]) -> list[str]:
    product = document["product_tree"]["branches"][0]["branches"][0]
    return [b["name"] for b in product["branches"] if b["category"] == "product_version_range"]


def test_pre_releases_are_spelt_in_semver_and_read_back_as_the_advisory_spells_them() -> None:
    record, document = _records(CONFIG, fixed='{ "10.3" = "10.3.3b2" }', introduced='"10.3.1rc1"')
    assert _versions(record) == [
        {
            "version": "10.3.1-rc.1",
            "lessThan": "10.3.3-beta.2",
            "status": "affected",
            "versionType": "semver",
        }
    ]
    with NodeSemver() as semver:  # (a SemVer library reads them, in this order)
        assert semver.compare("10.3.1-rc.1", "10.3.3-beta.2") == -1
        assert semver.compare("10.3.3-beta.2", "10.3.3-beta.10") == -1  # (b10 after b2)
    assert record["containers"]["cna"]["source"]["spellings"] == {
        "10.3.1-rc.1": "10.3.1rc1",
        "10.3.3-beta.2": "10.3.3b2",
    }
    (imported,) = read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")
    assert [(p.introduced, p.fixed) for p in imported.pairs] == [("10.3.1rc1", "10.3.3b2")]
    assert _ranges(document) == ["vers:semver/>=10.3.1-rc.1|<10.3.3-beta.2"]


@pytest.mark.parametrize(
    ("config", "fixed", "introduced", "ranges"),
    [
        # PostgreSQL's two numbers (SemVer has no 16.3: 16.3.0 was never released)
        (
            MAJOR,
            '{ "16" = "16.3", "15" = "15.7" }',
            None,
            ["vers:generic/>=16.0|<16.3", "vers:generic/>=15.0|<15.7"],
        ),
        (
            MAJOR,
            '{ "16" = "16.0rc1", "14" = "14.3" }',
            '"13.2"',
            ["vers:pypi/>=14.0|<14.3", "vers:pypi/>=15.0|<16.0rc1", "vers:pypi/>=13.2|<14.0"],
        ),
        # Rails' four numbers
        (CONFIG, '{ "7.1" = "7.1.5.2" }', None, ["vers:generic/>=7.1.0|<7.1.5.2"]),
    ],
)
def test_versions_semver_has_none_of_are_python_ones_as_spelt(
    config: str, fixed: str, introduced: str | None, ranges: list[str]
) -> None:
    record, document = _records(config, fixed=fixed, introduced=introduced)  # type: ignore[arg-type]
    versions = _versions(record)
    assert {v["versionType"] for v in versions} == {"python"}
    named = {v[k] for v in versions for k in ("version", "lessThan") if k in v}
    for spelt in (f.split('"')[3] for f in fixed.strip("{} ").split(", ")):
        assert spelt in named  # (as the advisory spells it)
    assert "spellings" not in record["containers"]["cna"]["source"]
    assert _ranges(document) == ranges


def test_plain_three_number_versions_are_as_they_were() -> None:
    record, document = _records(CONFIG, fixed='{ "10.3" = "10.3.3", "9.11" = "9.11.9" }')
    assert _versions(record) == [
        {"lessThan": "10.3.3", "status": "affected", "version": "10.3.0", "versionType": "semver"},
        {"lessThan": "9.11.9", "status": "affected", "version": "9.11.0", "versionType": "semver"},
        {"lessThan": "10.3.0", "status": "affected", "version": "9.12.0", "versionType": "semver"},
    ]
    assert "spellings" not in record["containers"]["cna"]["source"]
    assert _ranges(document) == [
        "vers:generic/>=10.3.0|<10.3.3",
        "vers:generic/>=9.11.0|<9.11.9",
        "vers:generic/>=9.12.0|<10.3.0",
    ]


def test_a_spelling_of_another_version_is_refused() -> None:
    record, _ = _records(CONFIG, fixed='{ "10.3" = "10.3.3b2" }')
    record["containers"]["cna"]["source"]["spellings"]["10.3.3-beta.2"] = "10.3.3b3"
    with pytest.raises(ImportRefused, match=r"spellings/10.3.3-beta.2: is not the same version"):
        read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")


def test_the_csaf_documents_of_each_scheme_pass_the_reference_validator(tmp_path: Path) -> None:
    shapes = [
        (CONFIG, {"fixed": '{ "10.3" = "10.3.3b2" }', "introduced": '"10.3.1rc1"'}),  # semver
        (MAJOR, {"fixed": '{ "16" = "16.0rc1", "14" = "14.3" }', "introduced": '"13.2"'}),  # pypi
        (CONFIG, {"fixed": '{ "7.1" = "7.1.5.2" }'}),  # generic
    ]
    paths = []
    for number, (config, fields) in enumerate(shapes):
        _, document = _records(config, **fields)
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(json.dumps(document))
    csaf.validate(paths)


PYPI = CONFIG + '\n[osv]\necosystem = "PyPI"\npackage = "acme-server"\n'


def _pre(config: str) -> str:
    """``config`` of a project that publishes pre-releases (``[releases] pre_releases``)."""
    return config.replace("[releases]\n", "[releases]\npre_releases = true\n")


TWO = '{ "17" = "17.0", "16" = "16.3" }'  # (PostgreSQL's: 17.0 no SemVer version)
THREE = '{ "10.4" = "10.4.0", "10.3" = "10.3.3" }'


@pytest.mark.parametrize(
    ("config", "fixed", "start", "versions", "vers"),
    [
        # SemVer's lowest pre-release of 10.4.0 (OSV's SEMVER, CVE's semver, vers:semver)
        (_pre(CONFIG), THREE, "10.4.0-0", ("10.4.0-0", "semver"), "vers:semver/>=10.4.0-0|<10.4.0"),
        # PyPI's: PEP 440's lowest, 10.4.0.dev0 (the CVE record and CSAF as SemVer still)
        (
            _pre(PYPI),
            THREE,
            "10.4.0.dev0",
            ("10.4.0-0", "semver"),
            "vers:semver/>=10.4.0-0|<10.4.0",
        ),
        # two numbers: no SemVer version, so python and pypi, as spelt (OSV: SEMVER's 17.0.0)
        (_pre(MAJOR), TWO, "17.0.0-0", ("17.0.dev0", "python"), "vers:pypi/>=17.0.dev0|<17.0"),
    ],
)
def test_a_line_fixed_in_its_first_release_has_a_range_from_its_lowest_pre_release(
    config: str, fixed: str, start: str, versions: tuple[str, str], vers: str
) -> None:
    # CPython's 3.14 in its betas, fixed in 3.14.0 beside 3.13.3: every record said its
    # pre-releases (3.14.0a1 to 3.14.0rc3) were not affected (no range; the CVE record
    # listed 3.14.0 alone, unaffected). So for a project that publishes pre-releases; one
    # that does not ([releases] pre_releases off) has none, and no range for them.
    plain, _ = _records(config.replace("pre_releases = true\n", ""), fixed=fixed)
    assert not any(v.get("lessThan") == fixed.split('"')[3] for v in _versions(plain))
    record, document = _records(config, fixed=fixed)
    first = _versions(record)[0]
    assert (first["version"], first["versionType"], first["status"]) == (*versions, "affected")
    release = fixed.split('"')[3]
    assert first["lessThan"] == release
    assert _ranges(document)[0] == vers
    csaf.validate([_write_json(document)])
    settings = parse_config(config, Path("/ws"))
    text = advisory_text(released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', fixed=fixed)
    advisory = parse_advisory(text, PATH, "ACSA")
    osv = osv_record(settings, advisory)
    events = osv["affected"][0]["ranges"][0]["events"]
    assert events == [
        {"introduced": start},
        {"fixed": start.removesuffix(".dev0").removesuffix("-0")},
    ]
    # An import gives back the same fixed versions, from either record.
    parts = 1 if fixed == TWO else 2
    (item,) = read_osv(osv, "osv/ACSA-2026-0001.json")
    assert lines_of(item, parts) == (advisory.fixed, None)
    (item,) = read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")
    assert lines_of(item, parts) == (advisory.fixed, None)


def test_a_record_without_the_pre_releases_range_is_still_imported() -> None:
    # An OSV record of releasekit before it showed them (or another database's) leaves the
    # pre-releases of 10.4.0 out: taken, and they read as affected (never a "not affected").
    record = {
        "id": "x_ACSA-2026-0001",
        "modified": "2026-10-13T14:00:07Z",
        "published": "2026-10-13T14:00:07Z",
        "affected": [
            {
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "10.3.0"}, {"fixed": "10.3.3"}]}
                ]
            }
        ],
        "database_specific": {
            "advisory": "ACSA-2026-0001",
            "fixed": {"10.4": "10.4.0", "10.3": "10.3.3"},
        },
    }
    (item,) = read_osv(record, "r.json")
    assert lines_of(item) == ({"10.4": "10.4.0", "10.3": "10.3.3"}, None)


def _write_json(document: dict[str, Any]) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / "document.json"
    path.write_text(json.dumps(document))
    return path


def test_pre_releases_changes_the_records_key_only_when_set() -> None:
    """``[releases] pre_releases`` changes every record of a line fixed in X.Y.0, so it is
    in the records key (and the site's global key built on it); unset or false, the key is
    as before the setting, so that no site built then is made again."""
    keys = {
        text: records_key(parse_config(text, Path("/ws")))
        for text in (CONFIG, _pre(CONFIG), _pre(CONFIG).replace("= true", "= false"))
    }
    assert keys[CONFIG] == keys[_pre(CONFIG).replace("= true", "= false")]
    assert keys[CONFIG] != keys[_pre(CONFIG)]
    with pytest.raises(ConfigError, match=r"releasekit.toml:\d+: releases.pre_releases"):
        parse_config(_pre(CONFIG).replace("= true", '= "yes"'), Path("/ws/releasekit.toml"))


@pytest.mark.parametrize(
    ("fixed", "unfixed"),
    [
        ('{ "11.0" = "11.0.0", "10.6" = "10.6.2" }', "[]"),
        ('{ "11.0" = "11.0.0", "10.6" = "10.6.2", "10.4" = "10.4.9" }', '["10.5"]'),
    ],
)
def test_a_cve_record_of_a_pre_release_project_reads_back_as_it_says(
    fixed: str, unfixed: str
) -> None:
    # 11.0 fixed in 11.0.0 above 10.6, with no released line between them recorded
    # (`unfixed`): 11.0's pre-releases had no code from 10.6 (not its neighbour), so the
    # record names none of them. The CVE record does not carry `unfixed`: read back without
    # it, the guess took 10.6 and 11.0 for neighbours and a project that publishes
    # pre-releases then called 11.0.0rc1 affected, which the record says it was not.
    settings = parse_config(_pre(CONFIG), Path("/ws"))
    text = advisory_text(
        released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', fixed=fixed, unfixed=unfixed
    )
    advisory = parse_advisory(text, PATH, "ACSA")
    shown = versions_of(advisory.fixed, None, advisory.unfixed, pre_releases=True)
    assert not any("pre-releases" in said for said in shown.affected_list)
    record = cve_record(settings, advisory)
    (item,) = read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")
    found, introduced, lines = released_lines(item)
    assert found == advisory.fixed
    read = versions_of(found, introduced, lines, pre_releases=True)
    assert read.affected_list == shown.affected_list


CPYTHON = '{ "3.13" = "3.13.1", "3.12" = "3.12.8" }'  # (3.13 affected from 3.13.0 on)


@pytest.mark.parametrize(
    ("config", "introduced", "start", "cve", "vers"),
    [
        (_pre(CONFIG), None, "3.13.0-0", "3.13.0-0", "vers:semver/>=3.13.0-0|<3.13.1"),
        (_pre(CONFIG), '"3.12.2"', "3.13.0-0", "3.13.0-0", "vers:semver/>=3.13.0-0|<3.13.1"),
        # PyPI's: PEP 440's lowest, 3.13.0.dev0 (the CVE record and CSAF as SemVer still)
        (_pre(PYPI), None, "3.13.0.dev0", "3.13.0-0", "vers:semver/>=3.13.0-0|<3.13.1"),
        # Without the setting, or introduced in 3.13.0 itself: from 3.13.0, as before.
        (CONFIG, None, "3.13.0", "3.13.0", "vers:generic/>=3.13.0|<3.13.1"),
        (_pre(CONFIG), '"3.13.0"', "3.13.0", "3.13.0", "vers:generic/>=3.13.0|<3.13.1"),
    ],
)
def test_a_whole_line_fixed_after_its_first_release_has_its_pre_releases_in_the_records(
    config: str, introduced: str | None, start: str, cve: str, vers: str
) -> None:
    # CPython's 3.13 fixed in 3.13.1 beside 3.12 fixed in 3.12.8, for a project that
    # publishes pre-releases: 3.13.0a1 to 3.13.0rc3 had the code as 3.13.0 did, but every
    # record started line 3.13 at 3.13.0, so a scanner found 3.13.0rc1 not affected (while
    # a line fixed in 3.13.0 itself had them affected).
    settings = parse_config(config, Path("/ws"))
    given = {} if introduced is None else {"introduced": introduced}
    text = advisory_text(
        released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', fixed=CPYTHON, **given
    )
    advisory = parse_advisory(text, PATH, "ACSA")
    osv = osv_record(settings, advisory)
    entry = osv["affected"][0]
    assert entry["database_specific"]["line"] == "3.13"
    assert entry["ranges"][0]["events"] == [{"introduced": start}, {"fixed": "3.13.1"}]
    if "versions" in entry:  # (SEMVER beside a pre-release spelt otherwise: the releases)
        assert entry["versions"] == ["3.13.0"]
    record = cve_record(settings, advisory)
    jsonschema.Draft7Validator(json.loads(Path(CveRecord.Schemas.V5_SCHEMA).read_text())).validate(
        record
    )
    first = _versions(record)[0]
    assert (first["version"], first["lessThan"], first["status"]) == (cve, "3.13.1", "affected")
    document = csaf_document(settings, advisory)
    assert _ranges(document)[0] == vers
    csaf.validate([_write_json(document)])
    # An import gives back the same advisory, from either record.
    said = None if introduced is None else introduced.strip('"')
    (item,) = read_osv(osv, "osv/ACSA-2026-0001.json")
    assert lines_of(item) == (advisory.fixed, said)
    (item,) = read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")
    assert lines_of(item) == (advisory.fixed, said)
    pre = "pre_releases = true" in config
    shown = versions_of(advisory.fixed, said, None, pre_releases=pre)
    found, back, lines = released_lines(item)
    assert versions_of(found, back, lines, pre_releases=pre).ranges() == shown.ranges()


def test_a_record_of_a_whole_line_from_its_first_release_still_imports_as_it_did() -> None:
    # A record releasekit made before a line fixed after its first release took in its
    # pre-releases (or another database's: Go's vulndb starts such a line at 1.23.0-0, with
    # its candidates) reads back as it did: the same fixed versions, whatever its start.
    for start in ("3.13.0", "3.13.0-0"):
        record = {
            "id": "x_ACSA-2026-0001",
            "modified": "2026-10-13T14:00:07Z",
            "published": "2026-10-13T14:00:07Z",
            "affected": [
                {
                    "ranges": [
                        {
                            "type": "SEMVER",
                            "events": [{"introduced": start}, {"fixed": "3.13.1"}],
                        }
                    ],
                    "database_specific": {"line": "3.13"},
                },
                {
                    "ranges": [
                        {
                            "type": "SEMVER",
                            "events": [{"introduced": "3.12.0"}, {"fixed": "3.12.8"}],
                        }
                    ],
                    "database_specific": {"line": "3.12"},
                },
            ],
            "database_specific": {
                "advisory": "ACSA-2026-0001",
                "fixed": {"3.13": "3.13.1", "3.12": "3.12.8"},
            },
        }
        (item,) = read_osv(record, "r.json")
        assert lines_of(item) == ({"3.13": "3.13.1", "3.12": "3.12.8"}, None), start
        del record["database_specific"]  # (another database's: no fixed versions said)
        (item,) = read_osv(record, "r.json")
        assert lines_of(item) == ({"3.13": "3.13.1", "3.12": "3.12.8"}, None), start


def test_code_before_a_whole_line_with_none_below_it_reads_back() -> None:
    # `introduced = "10.4.1"`, 10.4's own fix: no release of 10.4 had the code, 10.5.0's
    # pre-releases did (a project that publishes them). No range starts at 10.4.1: read
    # back as the record says, from 10.5.0's lowest pre-release, the same versions (before,
    # 10.5 started at 10.5.0, as the record did not say).
    settings = parse_config(_pre(CONFIG), Path("/ws"))
    fixed = '{ "10.5" = "10.5.2", "10.4" = "10.4.1" }'
    text = advisory_text(
        released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', fixed=fixed, introduced='"10.4.1"'
    )
    advisory = parse_advisory(text, PATH, "ACSA")
    osv = osv_record(settings, advisory)
    events = [entry["ranges"][0]["events"] for entry in osv["affected"]]
    assert events == [[{"introduced": "10.5.0-0"}, {"fixed": "10.5.2"}]]
    cve = cve_record(settings, advisory)
    for item in (
        read_osv(osv, "osv/ACSA-2026-0001.json")[0],
        read_cve(cve, "cve/CVE-2026-40001.json", "https://acme.example/security")[0],
    ):
        found, introduced, lines = released_lines(item)
        assert (found, introduced) == (advisory.fixed, "10.5.0.dev0")
        back = versions_of(found, introduced, lines, pre_releases=True)
        assert back.ranges() == versions_of(advisory.fixed, "10.4.1", pre_releases=True).ranges()


def test_a_record_without_the_pre_releases_of_a_whole_line_reads_as_it_did() -> None:
    # 11.0 fixed in 11.0.2 above 10.6: the guess takes them for neighbours, so a project
    # that publishes pre-releases now has 11.0.0's affected. A record without them (made
    # before, or of a project that publishes none) reads as it did: the guess, no `unfixed`.
    settings = parse_config(CONFIG, Path("/ws"))
    fixed = '{ "11.0" = "11.0.2", "10.6" = "10.6.2" }'
    text = advisory_text(released="2026-12-01T14:00:07Z", cve='"CVE-2026-40001"', fixed=fixed)
    advisory = parse_advisory(text, PATH, "ACSA")
    cve = cve_record(settings, advisory)
    assert _versions(cve)[0]["version"] == "11.0.0"
    (item,) = read_cve(cve, "cve/CVE-2026-40001.json", "https://acme.example/security")
    assert released_lines(item) == (advisory.fixed, None, None)
    # Made now for a project that publishes them, it says them, and reads back so.
    record = cve_record(parse_config(_pre(CONFIG), Path("/ws")), advisory)
    assert _versions(record)[0]["version"] == "11.0.0-0"
    (item,) = read_cve(record, "cve/CVE-2026-40001.json", "https://acme.example/security")
    assert released_lines(item) == (advisory.fixed, None, None)

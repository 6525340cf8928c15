"""Shapes of real advisories: typed credits, revisions, CVSS 3.0, a 4.0 vector alone,
unscored history; and the [project]/[osv] keys the records and pages use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from releasekit.model.entries import Credit, Revision
from releasekit.model.frontmatter import update_front_matter
from releasekit.records.cve import cve_record
from releasekit.records.osv import osv_record
from releasekit.support.errors import AdvisoryError, ConfigError
from tests.conftest import advisory_text

PATH = Path("advisories/ACSA-2026-0001.md")
RELEASED = {
    "released": "2026-12-01T14:00:07Z",
    "fixed": '{ "10.3" = "10.3.3" }',
    "cve": '"CVE-2026-40001"',
}
ORG = '\n[cve]\norg_id = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"\n'
TWO = '[{ name = "Jane Doe", type = "finder" }, { name = "Acme PSIRT", type = "%s" }]'
CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
{extra}
[releases]
upcoming = "10.4"
"""


def parse(**fields: str | None) -> object:
    return parse_advisory(advisory_text(**fields), PATH, "ACSA")  # type: ignore[arg-type]


def problems(**fields: str | None) -> list[str]:
    with pytest.raises(AdvisoryError) as caught:
        parse(**fields)
    return [str(p) for p in caught.value.problems]


def settings(extra: str = "") -> object:
    return parse_config(CONFIG.format(extra=extra), Path("/ws"))


def test_typed_credits_are_read_in_order() -> None:
    advisory = parse(credits=TWO % "Remediation developer")
    assert advisory.credits == (  # type: ignore[attr-defined]
        Credit("Jane Doe", "finder"),
        Credit("Acme PSIRT", "remediation developer"),
    )
    assert advisory.reporter == "Jane Doe, Acme PSIRT"  # type: ignore[attr-defined]


def test_reporter_is_still_one_finder() -> None:
    advisory = parse(reporter='"Jane Doe"')
    assert advisory.credits == (Credit("Jane Doe", "finder"),)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("credits", "expected"),
    [
        ('"Jane"', "credits: must be a list of tables"),
        ('[{ name = "Jane", type = "hacker" }]', "credits: entry 1: type must be one of finder"),
        ('[{ type = "finder" }]', "credits: entry 1 needs name"),
        ('[{ name = "Jane", role = "finder" }]', "credits: entry 1 has a key other than name"),
        ('[{ name = "Ja\\u0007ne" }]', "credits: entry 1: name contains a control character"),
    ],
)
def test_bad_credits_name_the_entry(credits: str, expected: str) -> None:
    found = problems(credits=credits)
    assert any(expected in message for message in found), found


def test_reporter_and_credits_together_are_refused() -> None:
    found = problems(reporter='"Jane"', credits='[{ name = "Jane" }]')
    assert any("reporter: give either reporter or credits" in m for m in found), found


def test_revisions_are_read_oldest_first_and_out_of_order_refused() -> None:
    revisions = (
        '[{ date = 2027-01-10T09:00:00Z, reason = "Corrected the affected range" },'
        ' { date = 2027-01-12T10:00:00+01:00, reason = "Added a CWE" }]'
    )
    advisory = parse(revisions=revisions, **RELEASED)
    assert advisory.revisions == (  # type: ignore[attr-defined]
        Revision(datetime(2027, 1, 10, 9, tzinfo=UTC), "Corrected the affected range"),
        Revision(datetime(2027, 1, 12, 9, tzinfo=UTC), "Added a CWE"),
    )
    assert advisory.modified == datetime(2027, 1, 12, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    backwards = (
        '[{ date = 2027-01-12T09:00:00Z, reason = "b" },'
        ' { date = 2027-01-10T09:00:00Z, reason = "a" }]'
    )
    assert any("oldest first" in m for m in problems(revisions=backwards))
    assert any("needs date" in m for m in problems(revisions='[{ reason = "a" }]'))
    for when in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00", "1969-12-31T23:59:59Z"):
        found = problems(revisions=f'[{{ date = {when}, reason = "a" }}]')
        assert any("entry 1: date must be from 1970 to 8999" in m for m in found), found


def test_cvss_3_0_is_scored_and_recorded_as_3_0() -> None:
    advisory = parse(cvss='"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"', **RELEASED)
    assert advisory.cvss.version == "3.0"  # type: ignore[attr-defined]
    assert advisory.severity == "critical"  # type: ignore[attr-defined]
    record = cve_record(settings(ORG), advisory)  # type: ignore[arg-type]
    metric = record["containers"]["cna"]["metrics"][0]
    assert metric["cvssV3_0"]["version"] == "3.0"


def test_a_cvss4_vector_alone_sets_the_severity() -> None:
    vector = '"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"'
    advisory = parse(cvss=None, cvss4=vector)
    assert advisory.cvss is None and advisory.scored  # type: ignore[attr-defined]
    assert advisory.severity == "critical"  # type: ignore[attr-defined]
    assert advisory.score == 9.3  # type: ignore[attr-defined]


def test_released_history_may_be_unscored_but_an_embargo_needs_a_score() -> None:
    advisory = parse(cvss=None, **RELEASED)
    assert not advisory.scored  # type: ignore[attr-defined]
    assert advisory.to_json(datetime(2027, 1, 1, tzinfo=UTC), 30)["severity"] is None  # type: ignore[attr-defined]
    assert any("cvss: required once an embargo is set" in m for m in problems(cvss=None))


def test_credits_reach_both_records_with_their_types() -> None:
    advisory = parse(credits=TWO % "remediation developer", **RELEASED)
    config = settings(ORG)
    cve = cve_record(config, advisory)  # type: ignore[arg-type]
    assert [(c["value"], c["type"]) for c in cve["containers"]["cna"]["credits"]] == [
        ("Jane Doe", "finder"),
        ("Acme PSIRT", "remediation developer"),
    ]
    osv = osv_record(config, advisory)  # type: ignore[arg-type]
    assert osv["credits"] == [
        {"name": "Jane Doe", "type": "FINDER"},
        {"name": "Acme PSIRT", "type": "REMEDIATION_DEVELOPER"},
    ]


def test_credits_and_revisions_are_written_back_as_one_line_each() -> None:
    text = advisory_text(**RELEASED)
    updated = update_front_matter(
        text,
        {
            "credits": [{"name": "Jane Doe", "type": "finder"}],
            "revisions": [{"date": datetime(2027, 1, 10, 9, tzinfo=UTC), "reason": 'Said "x"'}],
        },
    )
    assert 'credits = [{ name = "Jane Doe", type = "finder" }]' in updated
    assert 'revisions = [{ date = 2027-01-10T09:00:00Z, reason = "Said \\"x\\"" }]' in updated
    again = parse_advisory(updated, PATH, "ACSA")
    assert again.revisions[0].reason == 'Said "x"'


def test_project_links_and_osv_table_are_read() -> None:
    config = settings(
        'repository_url = "https://git.acme.example/acme/server"\n'
        'policy_url = "https://acme.example/policy"\n'
        'release_url = "https://acme.example/releases/{version}"\n'
        '\n[osv]\necosystem = "PyPI"\npackage = "acme-server"\nprefix = "PYSEC"\n'
    )
    assert config.project.release_url.format(version="10.3.3").endswith("/10.3.3")  # type: ignore[attr-defined]
    assert config.osv.ecosystem == "PyPI"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            'release_url = "https://acme.example/releases"',
            "project.release_url: must contain {version}",
        ),
        (
            'policy_url = "ftp://acme.example/p"',
            "project.policy_url: 'ftp://acme.example/p' is not an http(s) URL",
        ),
        (
            '\n[osv]\necosystem = "pypi"\npackage = "x"',
            "osv.ecosystem: 'pypi' is not an OSV ecosystem (did you mean 'PyPI'?)",
        ),
        ('\n[osv]\necosystem = "PyPI"', "osv.package: required with osv.ecosystem"),
        ('\n[osv]\nprefix = "acsa"', "osv.prefix:"),
        ('\n[osv]\nprefix = "ACSA"', "osv.prefix: 'ACSA' is not an id prefix registered with OSV"),
    ],
)
def test_bad_links_and_osv_keys_name_the_key(extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(extra)
    assert expected in str(caught.value), str(caught.value)

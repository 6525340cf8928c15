"""``[releases] version_scheme``: one version scheme for every record of a project.

Each CVE record chose its ``versionType`` (and each CSAF document its ``vers`` scheme) from
the versions it names: in Rails, whose releases have four numbers now and then (7.1.5.1), an
advisory fixed in 7.1.6 got ``semver`` ranges, and a scanner that compares with a SemVer
library cannot place 7.1.5.1 against them. With the key set, every record says the
project's scheme (``pep440``: CVE ``python``, CSAF ``vers:pypi``; ``semver``: both
``semver``), and a version that the scheme cannot say is bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from packaging.version import Version

from releasekit.model.advisory import parse_advisory
from releasekit.model.config import Settings, parse_config
from releasekit.records import check
from releasekit.site.keys import records_key
from releasekit.support.errors import AdvisoryError, ConfigError
from releasekit.workspace.files import load_advisories
from tests.conftest import Workspace, advisory_text
from tests.helpers import csaf
from tests.helpers.semver import NodeSemver
from tests.helpers.sites import CONFIG
from tests.unit.records.test_version_types import _ranges, _versions
from tests.unit.records.test_version_types import _records as records_of

PATH = Path("advisories/ACSA-2026-0001.md")


def _config(scheme: str | None) -> str:
    if scheme is None:
        return CONFIG
    return CONFIG.replace('esr = ["9.11"]\n', f'esr = ["9.11"]\nversion_scheme = "{scheme}"\n')


def _settings(scheme: str | None) -> Settings:
    return parse_config(_config(scheme), Path("/ws"))


def _records(scheme: str | None, **fields: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The CVE record (schema-checked) and the CSAF document of an advisory under ``scheme``."""
    return records_of(_config(scheme), **fields)


RAILS = '{ "7.2" = "7.2.3", "7.1" = "7.1.6" }'  # (three numbers, in a four-number project)


def test_a_four_number_project_s_record_of_three_number_versions_is_pep440() -> None:
    record, document = _records("pep440", fixed=RAILS)
    assert _versions(record) == [
        {"lessThan": "7.2.3", "status": "affected", "version": "7.2.0", "versionType": "python"},
        {"lessThan": "7.1.6", "status": "affected", "version": "7.1.0", "versionType": "python"},
    ]
    assert _ranges(document) == ["vers:pypi/>=7.2.0|<7.2.3", "vers:pypi/>=7.1.0|<7.1.6"]
    # A scanner places Rails' 7.1.5.1 by PEP 440: affected (7.1.0 <= 7.1.5.1 < 7.1.6) ...
    assert Version("7.1.0") <= Version("7.1.5.1") < Version("7.1.6")
    # ... where the record of the advisory's own choice, semver, gave it no place.
    plain, _ = _records(None, fixed=RAILS)
    assert {v["versionType"] for v in _versions(plain)} == {"semver"}
    with NodeSemver() as semver:
        assert semver.compare("7.1.5.1", "7.1.6") is None  # (no SemVer version)


def test_a_semver_project_s_plain_versions_are_semver_in_csaf_too() -> None:
    fixed = '{ "10.3" = "10.3.3", "9.11" = "9.11.9" }'
    record, document = _records("semver", fixed=fixed)
    assert {v["versionType"] for v in _versions(record)} == {"semver"}
    assert _ranges(document) == [
        "vers:semver/>=10.3.0|<10.3.3",
        "vers:semver/>=9.11.0|<9.11.9",
        "vers:semver/>=9.12.0|<10.3.0",
    ]
    _, plain = _records(None, fixed=fixed)  # (the document's own choice: generic)
    assert _ranges(plain)[0] == "vers:generic/>=10.3.0|<10.3.3"


def test_pre_releases_keep_their_spelling_per_scheme() -> None:
    fields = {"fixed": '{ "10.3" = "10.3.3b2" }', "introduced": '"10.3.1rc1"'}
    record, document = _records("semver", **fields)
    assert _versions(record)[0]["version"] == "10.3.1-rc.1"
    assert record["containers"]["cna"]["source"]["spellings"]["10.3.3-beta.2"] == "10.3.3b2"
    assert _ranges(document) == ["vers:semver/>=10.3.1-rc.1|<10.3.3-beta.2"]
    record, document = _records("pep440", **fields)
    (entry,) = _versions(record)
    assert (entry["version"], entry["lessThan"], entry["versionType"]) == (
        "10.3.1rc1",
        "10.3.3b2",
        "python",
    )
    assert "spellings" not in record["containers"]["cna"]["source"]
    assert _ranges(document) == ["vers:pypi/>=10.3.1rc1|<10.3.3b2"]


def test_every_version_is_said_in_the_project_s_scheme() -> None:
    _, document = _records("pep440")  # (no fixed version, no introduced: every release)
    assert _ranges(document) == ["vers:pypi/*"]
    _, document = _records(None)
    assert _ranges(document) == ["vers:generic/*"]


def test_the_documents_pass_the_reference_validator(tmp_path: Path) -> None:
    shapes = [
        ("pep440", {"fixed": RAILS}),
        ("pep440", {"fixed": '{ "7.1" = "7.1.5.2" }', "introduced": '"7.0.8.1"'}),
        ("pep440", {}),
        ("semver", {"fixed": '{ "10.3" = "10.3.3b2" }', "introduced": '"10.3.1rc1"'}),
        ("semver", {"fixed": '{ "10.4" = "10.4.0", "10.3" = "10.3.3" }', "introduced": '"9.8"'}),
    ]
    paths = []
    for number, (scheme, fields) in enumerate(shapes):
        _, document = _records(scheme, **fields)
        paths.append(tmp_path / f"{number}.json")
        paths[-1].write_text(json.dumps(document))
    csaf.validate(paths)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"fixed": '{ "7.1" = "7.1.5.2" }'}, "fixed"),  # Rails' four numbers
        ({"fixed": '{ "10.3" = "10.3.3.post1" }'}, "fixed"),
        ({"fixed": '{ "10.3" = "10.3.3" }', "introduced": '"10.3.1.1"'}, "introduced"),
        ({"introduced": '"10.4.0.1"'}, "introduced"),  # (no fixed version recorded)
    ],
)
def test_a_version_semver_cannot_say_is_bad_input(
    ws: Workspace, run: Any, fields: dict[str, str], field: str
) -> None:
    ws.write("releasekit.toml", _config("semver"))
    ws.advisory(released="2026-12-01T14:00:07Z", **fields)
    with pytest.raises(AdvisoryError) as info:
        load_advisories(parse_config(_config("semver"), ws.root))
    (problem,) = info.value.problems
    assert problem.field == field
    line = ws.root.joinpath("advisories/ACSA-2026-0001.md").read_text().splitlines()
    assert problem.line is not None and line[problem.line - 1].startswith(f"{field} = ")
    assert "no SemVer version" in problem.message and "version_scheme" in problem.message
    result: Result = run("publish")
    assert result.exit_code == 2, result.output
    (said,) = result.stderr.strip().splitlines()
    assert said.startswith(
        f"releasekit: error: advisories/ACSA-2026-0001.md:{problem.line}: {field}: "
    )
    assert not (ws.root / "site").exists()  # (nothing published)
    result = run("advisory", "check")
    assert result.exit_code == 2
    assert f"ACSA-2026-0001.md:{problem.line}: {field}: " in result.stderr
    # The same under pep440, which says every version an advisory may hold.
    ws.write("releasekit.toml", _config("pep440"))
    assert run("advisory", "check").exit_code == 0


def test_the_lift_s_record_check_names_the_field() -> None:
    """The lift's preflight asks records.check of each advisory as it will be recorded:
    a next version the scheme cannot say stops it before anything is pushed."""
    settings = _settings("semver")
    text = advisory_text(released="2026-12-01T14:00:07Z", fixed='{ "7.1" = "7.1.5.2" }')
    found = check(settings, parse_advisory(text, PATH, "ACSA"))
    assert found is not None
    field, error = found
    assert field == "fixed" and str(error).startswith("ACSA-2026-0001: fixed: 7.1.5.2 is no")
    assert check(_settings("pep440"), parse_advisory(text, PATH, "ACSA")) is None


def test_the_key_is_checked_and_changes_the_records_key_only_when_set() -> None:
    with pytest.raises(ConfigError, match=r"releasekit.toml:\d+: releases.version_scheme: must"):
        parse_config(_config("generic"), Path("/ws"))
    assert _settings(None).releases.version_scheme == ""
    keys = {scheme: records_key(_settings(scheme)) for scheme in (None, "", "semver", "pep440")}
    assert keys[None] == keys[""]  # (an empty key is no key: the sites built stay as built)
    assert len({keys[None], keys["semver"], keys["pep440"]}) == 3


def test_an_import_that_the_scheme_cannot_say_is_refused(
    ws: Workspace, run: Any, tmp_path: Path
) -> None:
    """``advisory import`` of Rails' 7.1.5.2 into a SemVer project: refused in one line
    naming the record and its field, nothing written (the next command would stop there)."""
    ws.write("releasekit.toml", _config("semver"))
    record = {
        "schema_version": "1.7.0",
        "id": "GHSA-aaaa-bbbb-cccc",
        "modified": "2024-01-02T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "summary": "A title",
        "details": "One sentence.",
        "affected": [
            {
                "package": {"ecosystem": "RubyGems", "name": "acme"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "7.1.0"}, {"fixed": "7.1.5.2"}]}
                ],
            }
        ],
    }
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record))
    result = run("advisory", "import", str(path))
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"releasekit: error: {path}: ") and "fixed: 7.1.5.2 is no SemVer" in line
    assert list((ws.root / "advisories").iterdir()) == []
    ws.write("releasekit.toml", _config("pep440"))
    assert run("advisory", "import", str(path)).exit_code == 0

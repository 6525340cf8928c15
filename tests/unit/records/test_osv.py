"""OSV records that scanners match: the ranges, evaluated as the OSV spec says a scanner
must, the id, `modified`, references and the shapes of imported history."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from packaging.version import Version

from releasekit import records
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from releasekit.records.osv import osv_record
from releasekit.records.osv_read import read_osv
from tests.conftest import advisory_text
from tests.helpers.osv_eval import SEMVER, affected_commit, affected_version, git_ranges

PATH = Path("advisories/ACSA-2026-0001.md")
CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
{project}
[releases]
upcoming = "10.4"
{extra}"""
REPO = "https://git.acme.example/acme/server.git"
PYPI = '\n[osv]\necosystem = "PyPI"\npackage = "acme-server"\n'
PACKAGE = {"ecosystem": "PyPI", "name": "acme-server"}
# Every release of the test product's lines, oldest first.
RELEASES = [f"10.{minor}.{patch}" for minor in (1, 2, 3) for patch in range(7)] + ["10.4.0"]
C103, C102, C104 = "a" * 40, "b" * 40, "c" * 40


def record(project: str = "", extra: str = "", **fields: str | None) -> dict[str, Any]:
    values: dict[str, str | None] = {
        "released": "2026-12-01T14:00:07Z",
        "fixed": '{ "10.3" = "10.3.3", "10.2" = "10.2.5" }',
    }
    values.update(fields)
    advisory = parse_advisory(advisory_text(**values), PATH, "ACSA")  # type: ignore[arg-type]
    settings = parse_config(CONFIG.format(project=project, extra=extra), Path("/ws"))
    made = osv_record(settings, advisory)
    schema = orjson.loads(records.osv_schema_path().read_bytes())
    jsonschema.Draft202012Validator(schema).validate(made)  # independently of the product
    return made


def affected(made: dict[str, Any], package: dict[str, str] | None = None) -> list[str]:
    return [v for v in RELEASES if affected_version(made, v, package)]


def test_each_line_is_affected_up_to_its_fix_and_not_from_it() -> None:
    made = record()
    expected = [f"10.2.{p}" for p in range(5)] + [f"10.3.{p}" for p in range(3)]
    assert affected(made) == expected
    assert [a["database_specific"]["line"] for a in made["affected"]] == ["10.3", "10.2"]
    assert {r["type"] for a in made["affected"] for r in a["ranges"]} == {"SEMVER"}
    assert made["id"] == "x_ACSA-2026-0001"
    assert git_ranges(made) == []  # no repository_url: no GIT range, no FIX reference
    assert [r["type"] for r in made["references"]] == ["ADVISORY"]


def test_an_ecosystem_package_gets_ecosystem_ranges_matched_by_that_package_only() -> None:
    made = record(extra=PYPI, introduced='"10.2.2"')
    assert all(a["package"] == PACKAGE for a in made["affected"])
    assert {r["type"] for a in made["affected"] for r in a["ranges"]} == {"ECOSYSTEM"}
    # From introduced on its own line; a later line from its first release.
    assert affected(made, PACKAGE) == ["10.2.2", "10.2.3", "10.2.4", "10.3.0", "10.3.1", "10.3.2"]
    assert affected(made, None) == []  # another package (or none) is not matched
    assert affected(made, {"ecosystem": "npm", "name": "acme-server"}) == []


def test_lines_older_than_the_fixed_ones_from_introduced_on_are_affected_and_unfixed() -> None:
    made = record(extra=PYPI, introduced='"10.1"')
    expected = [f"10.1.{p}" for p in range(7)]
    expected += [f"10.2.{p}" for p in range(5)] + [f"10.3.{p}" for p in range(3)]
    assert affected(made, PACKAGE) == expected
    events = [e for a in made["affected"] for r in a["ranges"] for e in r["events"]]
    assert {"fixed": "10.2.0"} not in events  # never a fix that did not happen


def test_a_registered_prefix_names_the_record() -> None:
    assert record(extra=PYPI + 'prefix = "PYSEC"\n')["id"] == "PYSEC-2026-0001"


def test_fix_commits_make_one_git_range_with_every_line_and_fix_references() -> None:
    commits = f'{{ "10.4" = "{C104}", "10.3" = "{C103}", "10.2" = "{C102}" }}'
    made = record(
        project=f'repository_url = "{REPO}"\nrelease_url = "https://acme.example/r/{{version}}"',
        fix_commits=commits,
    )
    (git,) = git_ranges(made)
    assert git["repo"] == REPO
    assert git["events"] == [{"introduced": "0"}, *({"fixed": c} for c in (C104, C103, C102))]
    assert git["database_specific"] == {"lines": {"10.4": C104, "10.3": C103, "10.2": C102}}
    assert made["affected"][0]["ranges"][-1] == git  # on the newest line's entry
    refs = [(r["type"], r["url"]) for r in made["references"]]
    base = REPO.removesuffix(".git")
    assert refs[1:] == [
        ("FIX", f"{base}/commit/{C104}"),
        ("FIX", f"{base}/commit/{C103}"),
        ("FIX", f"{base}/commit/{C102}"),
        ("WEB", "https://acme.example/r/10.3.3"),
        ("WEB", "https://acme.example/r/10.2.5"),
    ]


def test_a_git_range_is_evaluated_by_ancestry_with_every_branch_fix() -> None:
    # A small graph: root - r0 (10.2.0) - f2 (fix) - r5 (10.2.5) on one branch, root - s0
    # (10.3.0) - f3 - t3 (10.3.3) on the other. One range for both: each branch's fix
    # clears only its own descendants.
    parents = {"r0": "root", "f2": "r0", "r5": "f2", "s0": "root", "f3": "s0", "t3": "f3"}
    ids = {name: name[0] * 38 + f"{i:02d}" for i, name in enumerate([*parents, "root"])}

    def is_ancestor(older: str, newer: str) -> bool:
        names = {v: k for k, v in ids.items()}
        node: str | None = names[newer]
        while node is not None:
            if ids[node] == older:
                return True
            node = parents.get(node)
        return False

    commits = f'{{ "10.3" = "{ids["f3"]}", "10.2" = "{ids["f2"]}" }}'
    made = record(project=f'repository_url = "{REPO}"', fix_commits=commits)
    judged = {name: affected_commit(made, ids[name], is_ancestor) for name in ids}
    assert judged == {
        "r0": True, "f2": False, "r5": False, "s0": True, "f3": False, "t3": False, "root": True
    }  # fmt: skip


def test_no_git_range_when_introduced_names_a_version() -> None:
    # "0" would claim the releases before `introduced`, and no introducing commit is known.
    made = record(project=f'repository_url = "{REPO}"', fix_commits=f'{{ "10.3" = "{C103}" }}',
                  introduced='"10.3.1"')  # fmt: skip
    assert git_ranges(made) == []
    assert ("FIX", f"{REPO.removesuffix('.git')}/commit/{C103}") in [
        (r["type"], r["url"]) for r in made["references"]
    ]


@pytest.mark.parametrize(
    ("introduced", "first"), [(None, "0"), ('"10.2"', "10.2.0"), ('"10.2.4"', "10.2.4")]
)
def test_no_fixed_version_is_introduced_only(introduced: str | None, first: str) -> None:
    made = record(extra=PYPI, fixed=None, introduced=introduced)
    (entry,) = made["affected"]
    assert entry["ranges"] == [{"type": "ECOSYSTEM", "events": [{"introduced": first}]}]
    assert affected(made, PACKAGE) == [
        v for v in RELEASES if first == "0" or Version(v) >= Version(first)
    ]


def test_unscored_history_has_no_severity() -> None:
    made = record(cvss=None)
    assert "severity" not in made and "severity" not in made["database_specific"]
    assert record()["database_specific"]["severity"] == "MEDIUM"


def test_modified_is_the_disclosure_then_each_revision() -> None:
    assert record()["modified"] == "2026-12-31T00:00:00Z"  # the record appears at disclosure
    revised = record(revisions='[{ date = 2027-01-10T09:00:00Z, reason = "Corrected" }]')
    assert revised["modified"] == "2027-01-10T09:00:00Z"
    assert revised["published"] == "2026-12-01T14:00:07Z"


def _settings(upcoming: str, parts: int | None = None) -> Any:
    releases = f'upcoming = "{upcoming}"' + (f"\nline_parts = {parts}" if parts else "")
    config = CONFIG.replace('upcoming = "10.4"', releases).format(project="", extra="")
    return parse_config(config, Path("/ws"))


# Projects whose versions SemVer cannot spell: Rails' four numbers (7.1.5.1 after 7.1.5),
# PEP 440's post-releases (10.3.3.post1): (settings, fixed,
# introduced, the versions each entry enumerates, releases asked -> affected).
NOT_SEMVER = {
    # CVE-2024-54133 (tests/fixtures/rails-csp): fixed in 8.0.0.1, 7.2.2.1 and 7.1.5.1
    "rails": (
        ("8.1", None),
        '{ "8.0" = "8.0.0.1", "7.2" = "7.2.2.1", "7.1" = "7.1.5.1" }',
        None,
        [["8.0.0"], ["7.2.0", "7.2.1", "7.2.2"], [f"7.1.{p}" for p in range(6)]],
        {"7.1.5": True, "7.1.5.1": False, "7.2.2.1": False, "8.0.0": True, "8.0.0.1": False},
    ),
    "rails, a second fix on a patch release": (
        ("8.0", None),
        '{ "7.2" = "7.2.2.1", "7.1" = "7.1.5.2" }',
        None,
        [["7.2.0", "7.2.1", "7.2.2"], [*(f"7.1.{p}" for p in range(6)), "7.1.5.1"]],
        {"7.1.5": True, "7.1.5.1": True, "7.1.5.2": False, "7.2.2": True, "7.2.2.1": False},
    ),
    "rails, introduced in a four-number release": (
        ("8.0", None),
        '{ "7.1" = "7.1.5.2" }',
        "7.1.5.1",
        [["7.1.5.1"]],
        {"7.1.5": False, "7.1.5.1": True, "7.1.5.2": False},
    ),
    "a post-release fix": (
        ("10.4", None),
        '{ "10.3" = "10.3.3.post1", "10.2" = "10.2.5" }',
        None,
        [["10.3.0", "10.3.1", "10.3.2", "10.3.3"], [f"10.2.{p}" for p in range(5)]],
        {"10.3.3": True, "10.3.3.post1": False, "10.2.4": True, "10.2.5": False},
    ),
    "introduced in a post-release": (
        ("10.4", None),
        '{ "10.3" = "10.3.3", "10.2" = "10.2.5" }',
        "10.3.1.post1",
        [["10.3.1.post1", "10.3.2"]],  # (10.2 came before it: no entry)
        {"10.3.1": False, "10.3.1.post1": True, "10.3.2": True, "10.3.3": False},
    ),
}


@pytest.mark.parametrize("shape", NOT_SEMVER, ids=list(NOT_SEMVER))
def test_versions_semver_cannot_spell_are_enumerated_not_put_in_a_semver_range(
    shape: str,
) -> None:
    # A SEMVER range said 7.2.2.1 or 10.3.3.post1: no
    # SemVer version, which a scanner following the spec cannot order. The OSV spec: a
    # product whose versions no range type orders must enumerate them in `versions`.
    (upcoming, parts), fixed, introduced, listed, asked = NOT_SEMVER[shape]
    text = advisory_text(
        released="2026-12-01T14:00:07Z",
        fixed=fixed,
        introduced=None if introduced is None else f'"{introduced}"',
    )
    made = osv_record(_settings(upcoming, parts), parse_advisory(text, PATH, "ACSA"))
    schema = orjson.loads(records.osv_schema_path().read_bytes())
    jsonschema.Draft202012Validator(schema).validate(made)
    # Beside the list, a SEMVER range of SemVer's least versions at or after its ends
    # (7.2.2.1 -> 7.2.3-0), none when those meet (7.1.5.1 to 7.1.5.2: both 7.1.6-0).
    kinds = [[r["type"] for r in a.get("ranges", [])] for a in made["affected"]]
    assert {tuple(k) for k in kinds} <= {("SEMVER",), ()}
    assert all(SEMVER.match(v) for a in made["affected"] for r in a.get("ranges", [])
               for e in r["events"] for v in e.values())  # fmt: skip
    assert [a["versions"] for a in made["affected"]] == listed
    assert {v: affected_version(made, v) for v in asked} == asked
    # The range itself, as the advisory spells it, for an import (no scanner reads it).
    ranges = [a["database_specific"]["range"] for a in made["affected"]]
    assert {r["type"] for r in ranges} == {"python"}
    fixes = [r["events"][1]["fixed"] for r in ranges]
    assert set(fixes) <= {*made["database_specific"]["fixed"].values(), "10.3.3"}


def test_versions_semver_spells_with_three_numbers_get_ranges_and_a_list() -> None:
    # PostgreSQL's 16.3 is SemVer's 16.3.0, the same release: SEMVER ranges say it so
    # (they also cover the releases the advisory does not name), and the releases as the
    # project spells them are listed too, for a scanner that compares strings.
    text = advisory_text(released="2026-12-01T14:00:07Z", fixed='{ "16" = "16.3", "17" = "17.1" }')
    made = osv_record(_settings("18", 1), parse_advisory(text, PATH, "ACSA"))
    schema = orjson.loads(records.osv_schema_path().read_bytes())
    jsonschema.Draft202012Validator(schema).validate(made)
    events = [a["ranges"][0]["events"] for a in made["affected"]]
    assert events == [
        [{"introduced": "17.0.0"}, {"fixed": "17.1.0"}],
        [{"introduced": "16.0.0"}, {"fixed": "16.3.0"}],
    ]
    assert [a["versions"] for a in made["affected"]] == [["17.0"], ["16.0", "16.1", "16.2"]]
    assert all("range" not in a["database_specific"] for a in made["affected"])
    asked = {"16.0": True, "16.2": True, "16.3": False, "17.0": True, "17.1": False}
    assert {v: affected_version(made, v) for v in asked} == asked
    assert affected_version(made, "16.2.0") and not affected_version(made, "16.3.0")


def test_a_project_of_pep440_versions_lists_them_beside_semver_ranges() -> None:
    # Rails names only three-number versions here, but 7.1.4.1 exists: SemVer cannot
    # place it against the ranges, so the record lists the releases it names too.
    text = advisory_text(released="2026-12-01T14:00:07Z", fixed='{ "7.1" = "7.1.5" }')
    settings = _settings("8.0", None)
    plain = osv_record(settings, parse_advisory(text, PATH, "ACSA"))
    assert all("versions" not in a for a in plain["affected"])
    releases = dataclasses.replace(settings.releases, version_scheme="pep440")
    pep440 = dataclasses.replace(settings, releases=releases)
    made = osv_record(pep440, parse_advisory(text, PATH, "ACSA"))
    assert made["affected"][0]["ranges"] == plain["affected"][0]["ranges"]
    assert made["affected"][0]["versions"] == [f"7.1.{p}" for p in range(5)]


def test_a_git_range_goes_beside_the_enumerated_versions() -> None:
    # GIT ranges do not replace the versions list (the spec), nor the other way round.
    text = advisory_text(
        released="2026-12-01T14:00:07Z",
        fixed='{ "7.2" = "7.2.2.1", "7.1" = "7.1.5.2" }',
        fix_commits=f'{{ "7.2" = "{C103}", "7.1" = "{C102}" }}',
    )
    settings = parse_config(
        CONFIG.replace('upcoming = "10.4"', 'upcoming = "8.0"').format(
            project=f'repository_url = "{REPO}"', extra=""
        ),
        Path("/ws"),
    )
    made = osv_record(settings, parse_advisory(text, PATH, "ACSA"))
    assert [r["type"] for r in made["affected"][0]["ranges"]] == ["SEMVER", "GIT"]
    assert [r["type"] for r in made["affected"][1]["ranges"]] == ["SEMVER"]
    assert made["affected"][0]["versions"] == ["7.2.0", "7.2.1", "7.2.2"]


def test_lines_between_two_fixed_lines_are_affected_up_to_the_newer_fix() -> None:
    # A Low fix in the upcoming 10.4.0 and the ESR 9.11 alone: 10.1 to 10.3 have the code
    # and no fix. A scanner read them as not affected.
    made = record(fixed='{ "10.4" = "10.4.0", "9.11" = "9.11.9" }', introduced='"9.8"')
    assert affected(made) == [v for v in RELEASES if v != "10.4.0"]
    gap = made["affected"][1]
    assert gap["ranges"][0]["events"] == [{"introduced": "9.12.0"}, {"fixed": "10.4.0"}]
    assert gap["database_specific"]["between"] == ["9.11", "10.4"]
    # Without introduced, only when the older line had the code: 10.2 between 10.1 and 10.3.
    made = record(fixed='{ "10.3" = "10.3.3", "10.1" = "10.1.4" }', introduced=None)
    assert "10.2.6" in affected(made) and "10.3.3" not in affected(made)
    adjacent = record(fixed='{ "10.3" = "10.3.3", "10.2" = "10.2.5" }', introduced=None)
    assert len(adjacent["affected"]) == 2  # (no line between them)


def test_semver_events_spell_a_pre_release_fix_as_semver_does() -> None:
    # 16.0rc1 was cut to 16.0.0 (a scanner read 16.0rc1 as affected), and 10.4.0rc1 is no
    # SemVer version (SemVer orders rc10 before rc2: the number goes after a dot).
    fixed = '{ "16" = "16.0.0rc1", "14" = "14.3.0" }'
    text = advisory_text(released="2026-12-01T14:00:07Z", fixed=fixed, introduced='"13.2.0"')
    made = osv_record(_settings("18", 1), parse_advisory(text, PATH, "ACSA"))
    events = [e for a in made["affected"] for r in a["ranges"] for e in r["events"]]
    assert {"fixed": "16.0.0-rc.1"} in events
    assert all(SEMVER.match(v) for e in events for v in e.values())
    versions = ["15.2.0", "16.0.0b1", "16.0.0rc1", "16.0.0rc2", "16.0.0"]
    assert [v for v in versions if affected_version(made, v)] == ["15.2.0", "16.0.0b1"]
    assert made["database_specific"]["fixed"]["16"] == "16.0.0rc1"  # (as the advisory spells it)
    made = record(fixed='{ "10.3" = "10.3.3b2", "10.2" = "10.2.5" }')
    assert made["affected"][0]["ranges"][0]["events"][1] == {"fixed": "10.3.3-beta.2"}
    rustls = record(fixed='{ "10.4" = "10.4.0-alpha.6", "10.3" = "10.3.12" }')
    assert rustls["database_specific"]["fixed"]["10.4"] == "10.4.0-alpha.6"


@pytest.mark.parametrize(
    ("fixed", "introduced", "asked"),
    [
        # From Rails' 7.0.0 to 7.2.2.1: the advisory names only 7.0.0 and 7.2's releases.
        (
            '{ "7.2" = "7.2.2.1" }',
            '"7.0.0"',
            {"7.0.4": True, "7.1.3": True, "7.2.2": True, "7.2.2.1": False, "7.2.3": False},
        ),
        # Between two fixed lines (7.1 has no release the advisory names).
        (
            '{ "7.2" = "7.2.2.1", "7.0" = "7.0.8.1" }',
            '"7.0.0"',
            {"7.0.8": True, "7.1.0": True, "7.1.3": True, "7.0.9": False, "7.2.3": False},
        ),
        # From a four-number release on, with no fix.
        (None, '"7.1.5.1"', {"7.1.5": False, "7.1.6": True, "7.2.0": True, "8.0.0": True}),
        # A post-release fix: the releases after it are not affected.
        ('{ "10.3" = "10.3.3.post1" }', None, {"10.3.1": True, "10.3.3": True, "10.3.4": False}),
    ],
)
def test_enumerated_entries_keep_a_semver_range_of_the_releases_they_do_not_name(
    fixed: str | None, introduced: str | None, asked: dict[str, bool]
) -> None:
    # The releases an enumerated entry lists are the ones the advisory names: 7.1.3, an
    # affected release it never names, was not affected to a scanner. A SEMVER range whose
    # ends are SemVer's least version at or after each end (7.2.2.1 -> 7.2.3-0) holds every
    # SemVer release between them, and an import reads the range as spelt back.
    upcoming = "10.4" if fixed and "10.3" in fixed else "8.0"
    text = advisory_text(
        released="2026-12-01T14:00:07Z",
        fixed=fixed,
        introduced=introduced,
    )
    advisory = parse_advisory(text, PATH, "ACSA")
    made = osv_record(_settings(upcoming), advisory)
    schema = orjson.loads(records.osv_schema_path().read_bytes())
    jsonschema.Draft202012Validator(schema).validate(made)
    assert {v: affected_version(made, v) for v in asked} == asked
    (item,) = read_osv(made, "r.json")
    spelt = [a["database_specific"]["range"]["events"] for a in made["affected"]]
    assert [(p.introduced, p.fixed) for p in item.pairs] == [
        (e[0]["introduced"], e[1]["fixed"] if len(e) > 1 else None) for e in spelt
    ]

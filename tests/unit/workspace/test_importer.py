"""advisory import: OSV and CVE JSON 5 records -> released advisories; the round trip."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from releasekit.model.advisory import read_advisory
from releasekit.model.versions import versions
from releasekit.records.imported import ImportRefused
from releasekit.site import build
from releasekit.workspace import files as workspace
from releasekit.workspace.importer import import_files
from tests.conftest import Workspace
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG

Run = Callable[..., Result]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "import"
LATER = datetime.fromisoformat("2027-03-01T12:00:00+00:00")
# With what OSV records carry for scanners: GIT ranges (repository_url, fix_commits) and
# ECOSYSTEM ranges ([osv]); the round trip must bring them back too.
ROUND_CONFIG = (
    CONFIG.replace(
        'site_url = "https://acme.example/security"\n',
        'site_url = "https://acme.example/security"\n'
        'repository_url = "https://git.acme.example/acme/server"\n',
    )
    + '\n[osv]\necosystem = "PyPI"\npackage = "acme-server"\n'
)
COMMITS = '{ "10.3" = "' + "a" * 40 + '", "9.11" = "' + "b" * 40 + '" }'

ADVISORIES = {
    # scored 3.1, CVE, CWE, component, typed credits, `introduced` before the oldest line,
    # a line fixed in its X.0 (no affected release on it)
    "ACSA-2026-0001": """\
id = "ACSA-2026-0001"
title = "Export ignores read permissions"
summary = "Users could export channels they cannot read."
component = "export"
cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
cve = "CVE-2026-10001"
cwe = "CWE-862"
introduced = "9.8"
credits = [{ name = "Jane Doe", type = "finder" }, { name = "Ops", type = "remediation developer" }]
embargo = 2026-10-13T14:00:00Z
released = 2026-10-13T14:00:07Z
fixed = { "10.4" = "10.4.0", "10.3" = "10.3.3", "9.11" = "9.11.9" }
fix_commits = COMMITS""".replace("COMMITS", COMMITS),
    # a CVSS 4.0 vector alone, the older `reporter`, `introduced` on a line
    "ACSA-2026-0002": """\
id = "ACSA-2026-0002"
title = "Webhook tokens logged"
summary = "Webhook tokens were written to the debug log."
cvss4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"
cve = "CVE-2026-10002"
introduced = "10.3.1"
reporter = "Sam Smith"
embargo = 2026-11-02T14:00:00Z
released = 2026-11-02T14:00:00Z
fixed = { "10.3" = "10.3.4" }""",
    # unscored history without a CVE id: only its OSV record
    "ACSA-2025-0007": """\
id = "ACSA-2025-0007"
title = "Old session fixation"
summary = "Sessions survived a password change."
embargo = 2025-03-01T10:00:00Z
released = 2025-03-01T10:00:00Z
fixed = { "9.11" = "9.11.2" }""",
}


def _write(ws: Workspace) -> None:
    for ident, front in ADVISORIES.items():
        body = "## Impact\n\nA paragraph of details.\n\n- a list item\n"
        ws.write(f"advisories/{ident}.md", f"+++\n{front}\n+++\n\n{body}")


def _records(root: Path) -> dict[str, bytes]:
    site = root / "site"
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for folder in ("osv", "cve")
        for p in sorted((site / folder).glob("*.json"))
    }


def _publish(root: Path) -> dict[str, bytes]:
    build.publish_workspace(workspace.open_workspace(root), LATER)
    return _records(root)


def _import(root: Path, paths: list[Path]) -> list[Path]:
    settings = workspace.open_workspace(root)
    return import_files(settings, paths, [p.name for p in paths])


def test_the_records_releasekit_published_come_back_byte_for_byte(
    site_ws: Workspace, tmp_path: Path
) -> None:
    site_ws.write("releasekit.toml", ROUND_CONFIG)
    _write(site_ws)
    first = _publish(site_ws.root)
    assert set(first) == {
        "osv/ACSA-2025-0007.json",
        "osv/ACSA-2026-0001.json",
        "osv/ACSA-2026-0002.json",
        "cve/CVE-2026-10001.json",
        "cve/CVE-2026-10002.json",
    }
    fresh = tmp_path / "fresh"
    (fresh / "advisories").mkdir(parents=True)
    (fresh / "releasekit.toml").write_text(ROUND_CONFIG)
    written = _import(fresh, [site_ws.root / "site" / name for name in first])
    assert sorted(p.name for p in written) == sorted(f"{i}.md" for i in ADVISORIES)
    again = _publish(fresh)
    assert again == first
    settings = workspace.open_workspace(fresh)
    one = read_advisory(fresh / "advisories/ACSA-2026-0001.md", "ACSA")
    assert one.component == "export"  # (from its CVE record's module)
    assert [(c.name, c.type) for c in one.credits] == [
        ("Jane Doe", "finder"),
        ("Ops", "remediation developer"),
    ]
    assert one.embargo == one.released
    assert one.fixed == {"10.4": "10.4.0", "10.3": "10.3.3", "9.11": "9.11.9"}
    assert one.revisions == ()
    assert workspace.load_advisories(settings)  # the workspace checks


def test_an_advisory_without_a_fixed_version_comes_back_from_its_osv_and_cve_records(
    site_ws: Workspace, tmp_path: Path
) -> None:
    # Both records say the one open range (CVE: `lessThan: "*"`): together they are one
    # range, not an open range beside another.
    site_ws.write("releasekit.toml", ROUND_CONFIG)
    front = """\
id = "ACSA-2024-0003"
title = "Old token reuse"
summary = "Tokens could be reused."
cve = "CVE-2024-10003"
introduced = "9.8"
embargo = 2024-03-01T10:00:00Z
released = 2024-03-01T10:00:00Z
fixed = {}"""
    site_ws.write("advisories/ACSA-2024-0003.md", f"+++\n{front}\n+++\n\nDetails.\n")
    first = _publish(site_ws.root)
    assert set(first) == {"osv/ACSA-2024-0003.json", "cve/CVE-2024-10003.json"}
    fresh = tmp_path / "fresh"
    (fresh / "advisories").mkdir(parents=True)
    (fresh / "releasekit.toml").write_text(ROUND_CONFIG)
    (path,) = _import(fresh, [site_ws.root / "site" / name for name in first])
    advisory = read_advisory(path, "ACSA")
    assert (advisory.fixed, advisory.introduced) == ({}, "9.8.0")
    assert _publish(fresh) == first


def test_rustsec_and_cve_org_records_become_released_advisories(ws: Workspace) -> None:
    names = [
        "RUSTSEC-2023-0052.json",  # CVSS 3.0
        "RUSTSEC-2022-0082.json",  # no score
        "RUSTSEC-2026-0211.json",  # a CVSS 4.0 vector alone, no fixed version
        "RUSTSEC-2020-0019.json",  # two fixed lines, a CVE id among the aliases
        "CVE-2024-35197.json",  # GitHub's "< 0.36.0", a CWE
    ]
    written = _import(ws.root, [FIXTURES / n for n in names])
    got = {p.stem: read_advisory(p, "ACSA") for p in written}
    assert sorted(got) == [
        "ACSA-2020-0001",
        "ACSA-2022-0001",
        "ACSA-2023-0001",
        "ACSA-2024-0001",
        "ACSA-2026-0001",
    ]
    webpki = got["ACSA-2023-0001"]
    assert webpki.cvss is not None and webpki.cvss.version == "3.0"
    assert webpki.severity == "high" and webpki.component == "webpki"
    assert webpki.fixed == {"0.22": "0.22.2"} and webpki.introduced == "0"
    assert versions(webpki).affected_list == ["0.22.0 – 0.22.1", "0.0.0 – before 0.22"]
    assert "Imported from RUSTSEC-2023-0052 (also GHSA-8qv2-5vq6-g2g7)." in webpki.body
    warp = got["ACSA-2022-0001"]
    assert not warp.scored and warp.cve is None
    aes = got["ACSA-2026-0001"]
    assert aes.cvss is None and aes.cvss4 is not None and aes.severity == "medium"
    assert aes.fixed == {} and versions(aes).affected_list == ["0.0.0 and later"]
    assert versions(aes).fixed_list == []  # (pages: "No fixed version recorded")
    tokio = got["ACSA-2020-0001"]
    assert tokio.cve == "CVE-2020-35875" and tokio.introduced is None
    assert tokio.fixed == {"0.12": "0.12.3", "0.13": "0.13.1"}
    assert tokio.released == tokio.embargo == datetime.fromisoformat("2020-05-19T12:00:00+00:00")
    gix = got["ACSA-2024-0001"]
    assert (gix.cve, gix.cwe, gix.component) == ("CVE-2024-35197", "CWE-67", "gitoxide")
    assert gix.fixed == {"0.36": "0.36.0"} and gix.introduced == "0"
    assert gix.summary.startswith("gitoxide is a pure Rust implementation of Git.")
    # the records these advisories make are valid (publish validates every record)
    build.publish_workspace(workspace.open_workspace(ws.root), LATER)
    assert (ws.root / "site/osv/ACSA-2020-0001.json").is_file()


def test_a_range_from_a_pre_release_keeps_its_start(ws: Workspace) -> None:
    # RustSec's rkyv (unaffected "< 0.8.0-rc.1", patched ">= 0.8.17"): the range starts at
    # 0.8.0-rc.1, as `introduced`; the records of the imported advisory say it again.
    (path,) = _import(ws.root, [FIXTURES / "RUSTSEC-2026-0233.json"])
    rkyv = read_advisory(path, "ACSA")
    assert (rkyv.fixed, rkyv.introduced) == ({"0.8": "0.8.17"}, "0.8.0-rc.1")
    assert versions(rkyv).affected_list == ["0.8.0-rc.1 – 0.8.16"]
    build.publish_workspace(workspace.open_workspace(ws.root), LATER)
    osv = json.loads((ws.root / "site/osv/ACSA-2026-0001.json").read_text())
    (entry,) = osv["affected"]
    assert entry["ranges"][0]["events"] == [{"introduced": "0.8.0-rc.1"}, {"fixed": "0.8.17"}]


@pytest.mark.parametrize(
    ("names", "components"),
    [
        (
            ["RUSTSEC-2024-0352.json", "RUSTSEC-2024-0353.json"],
            {"gix-index", "gix-worktree"},
        ),
        (
            ["GHSA-49jc-r788-3fc9.json"],
            {"gitoxide", "gitoxide-core", "gix", "gix-index", "gix-ref", "gix-worktree",
             "gix-worktree-state"},
        ),
    ],
)  # fmt: skip
def test_one_cve_id_across_components_makes_one_advisory_each(
    ws: Workspace, names: list[str], components: set[str]
) -> None:
    written = _import(ws.root, [FIXTURES / n for n in names])
    got = [read_advisory(p, "ACSA") for p in written]
    assert {a.component for a in got} == components
    assert {a.cve for a in got} == {"CVE-2024-35197"}


def _osv(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "schema_version": "1.7.0",
        "id": "GHSA-aaaa-bbbb-cccc",
        "modified": "2024-01-02T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "summary": "A title",
        "details": "One sentence.\n\nMore.",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "acme"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.4"}]}
                ],
            }
        ],
    }
    record.update(fields)
    return record


def _file(tmp_path: Path, record: dict[str, Any], name: str = "r.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return path


def test_typed_credits_of_both_formats(ws: Workspace, tmp_path: Path) -> None:
    osv = _osv(
        credits=[
            {"name": "Ana", "type": "REMEDIATION_REVIEWER"},
            {"name": "Bo"},  # OSV's type is optional: "other"
        ],
        database_specific={"cwe_ids": ["CWE-79", "CWE-80"]},
        aliases=["CVE-2024-0001"],
    )
    cve = json.loads((FIXTURES / "CVE-2024-35197.json").read_text())
    cve["containers"]["cna"]["credits"] = [
        {"lang": "en", "value": "Cy", "type": "tool"},
        {"lang": "en", "value": "Di"},  # CVE JSON 5's default: finder
    ]
    paths = [_file(tmp_path, osv, "a.json"), _file(tmp_path, cve, "b.json")]
    written = _import(ws.root, paths)
    got = [read_advisory(p, "ACSA") for p in written]
    assert [(c.name, c.type) for a in got for c in a.credits] == [
        ("Ana", "remediation reviewer"),
        ("Bo", "other"),
        ("Cy", "tool"),
        ("Di", "finder"),
    ]
    assert (got[0].cve, got[0].cwe, got[0].title, got[0].summary) == (
        "CVE-2024-0001",
        "CWE-79",
        "A title",
        "One sentence.",
    )


@pytest.mark.parametrize(
    ("change", "pointer", "why"),
    [
        ({"published": None}, "/published", "is missing"),
        ({"withdrawn": "2024-02-01T00:00:00Z"}, "/withdrawn", "withdrawn"),
        (
            {
                "affected": [
                    {
                        "ranges": [
                            {
                                "type": "SEMVER",
                                "events": [{"introduced": "1.0.0"}, {"last_affected": "1.2.0"}],
                            }
                        ]
                    }
                ]
            },
            "/affected/0/ranges/0/events/1",
            "last_affected",
        ),
        (
            {
                "affected": [
                    {
                        "ranges": [
                            {
                                "type": "ECOSYSTEM",
                                "events": [
                                    {"introduced": "0"},
                                    {"fixed": "1.0.3"},
                                    {"introduced": "1.0.5"},
                                    {"fixed": "1.0.7"},
                                ],
                            }
                        ]
                    }
                ]
            },
            "/affected/0/ranges/0/events/1",
            "cannot be recorded as one fixed version per line",
        ),
        (
            {
                "affected": [
                    {
                        "ranges": [
                            {
                                "type": "ECOSYSTEM",
                                "events": [
                                    {"introduced": "0"},
                                    {"fixed": "1.0.3"},
                                    {"introduced": "2.0.0"},
                                ],
                            }
                        ]
                    }
                ]
            },
            "/affected/0/ranges/0/events",
            "no fixed version beside",
        ),
        (
            {
                "affected": [
                    {"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "v1 beta"}]}]}
                ]
            },
            "/affected/0/ranges/0/events/0/introduced",
            "not a version",
        ),
        (
            {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"}]},
            "/severity/0/score",
            "not valid OSV (pattern)",
        ),
        ({"affected": {"package": "acme"}}, "/affected", "not valid OSV (type)"),
        (  # (the Go vulnerability database's repository holds its records with zero times)
            {"published": "0001-01-01T00:00:00Z", "modified": "0001-01-01T00:00:00Z"},
            "/published",
            "embargo: must be from 1970",
        ),
        ({"summary": "x" * 1001}, "/summary", "title"),
        (  # (the front matter that would hold them is too long, which named no field)
            {"credits": [{"name": f"Marker Person {n}"} for n in range(1500)]},
            "/credits",
            "lists 1,500 credits: an advisory records at most 100",
        ),
        (
            {"credits": [{"name": "Marker Person " * 60 + str(n)} for n in range(99)]},
            "/credits",
            "credits: too long for the front matter (at most 65,536 characters in all)",
        ),
        (
            {"details": "A marker sentence. " * 4000},
            "/details",
            "summary: too long for the front matter",
        ),
        (  # each release 1.0.0 up to it would get a page of the site
            {
                "affected": [
                    {
                        "ranges": [
                            {
                                "type": "ECOSYSTEM",
                                "events": [
                                    {"introduced": "0"},
                                    {"fixed": "1.0.99999999999999999999999999"},
                                ],
                            }
                        ]
                    }
                ]
            },
            "/affected",
            "fixed: names over 10,000 releases in all",
        ),
    ],
)
def test_what_cannot_be_mapped_is_refused_in_one_line_and_nothing_is_written(
    ws: Workspace, run: Run, tmp_path: Path, change: dict[str, Any], pointer: str, why: str
) -> None:
    record = _osv(**change)
    if change.get("published", 1) is None:
        del record["published"]
    good = _file(tmp_path, _osv(id="GHSA-good-good-good"), "good.json")
    bad = _file(tmp_path, record, "bad.json")
    result = run("advisory", "import", str(good), str(bad))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"releasekit: error: {bad}: {pointer}: ")
    assert why in lines[0]
    assert list((ws.root / "advisories").iterdir()) == []


def test_a_cve_product_listed_twice_is_not_taken_for_an_import_before(
    ws: Workspace, run: Run, tmp_path: Path
) -> None:
    # (it said "imported already", as if the advisory existed)
    record = json.loads((FIXTURES / "CVE-2024-35197.json").read_text())
    products = record["containers"]["cna"]["affected"]
    products.append({**products[0], "versions": [{"version": "< 0.30.0", "status": "affected"}]})
    result = run("advisory", "import", str(_file(tmp_path, record)))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"releasekit: error: {tmp_path / 'r.json'}: /containers/cna/affected/1: "
    )
    assert 'lists product "gitoxide" a second time' in line and "already" not in line
    assert list((ws.root / "advisories").iterdir()) == []


def test_the_cli_writes_and_names_each_file(ws: Workspace, run: Run) -> None:
    result = run("advisory", "import", str(FIXTURES / "RUSTSEC-2020-0019.json"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "advisories/ACSA-2020-0001.md"
    assert "Imported 1 advisory" in result.stderr
    again = run("advisory", "import", str(FIXTURES / "CVEv5_basic-example.json"))
    assert again.exit_code == 2
    assert "/containers/cna/datePublic: is missing" in again.stderr
    assert run("advisory", "check").exit_code == 0


def test_an_advisory_id_already_in_the_workspace_is_refused(
    site_ws: Workspace, tmp_path: Path
) -> None:
    _write(site_ws)
    first = _publish(site_ws.root)
    with pytest.raises(Exception, match="ACSA-2026-0001 exists already"):
        _import(site_ws.root, [site_ws.root / "site" / "osv/ACSA-2026-0001.json"])
    assert _records(site_ws.root) == first


def test_no_fixed_version_is_a_range_from_introduced_in_the_cve_record(
    site_ws: Workspace, tmp_path: Path
) -> None:
    record = _osv(
        aliases=["CVE-2024-0002"],
        affected=[{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.1.0"}]}]}],
    )
    (path,) = _import(site_ws.root, [_file(tmp_path, record)])
    advisory = read_advisory(path, "ACSA")
    assert (advisory.fixed, advisory.introduced) == ({}, "1.1.0")
    build.publish_workspace(workspace.open_workspace(site_ws.root), LATER)
    cve = json.loads((site_ws.root / "site/cve/CVE-2024-0002.json").read_text())
    assert cve["containers"]["cna"]["affected"][0]["versions"] == [
        {"version": "1.1.0", "lessThan": "*", "status": "affected", "versionType": "semver"}
    ]


def test_a_project_of_major_version_lines_imports_fixed_versions_by_major(
    ws: Workspace, tmp_path: Path
) -> None:
    config = ws.root / "releasekit.toml"  # lines are major versions, as undici's v7.x
    config.write_text(
        config.read_text().replace(
            'upcoming = "10.4"\nesr = ["9.11"]', 'upcoming = "8"\nline_parts = 1'
        )
    )
    events = [{"introduced": "7.0.0"}, {"fixed": "7.3.1"}]
    record = _osv(
        affected=[
            {
                "package": {"ecosystem": "npm", "name": "acme"},
                "ranges": [{"type": "SEMVER", "events": events}],
            }
        ]
    )
    (path,) = _import(ws.root, [_file(tmp_path, record)])
    advisory = read_advisory(path, "ACSA")
    assert (advisory.fixed, advisory.introduced) == ({"7": "7.3.1"}, None)  # not "7.3"


def test_another_projects_releasekit_record_is_history_like_any_other(
    ws: Workspace, tmp_path: Path
) -> None:
    record = _osv(id="x_OTHER-2024-0003", database_specific={"advisory": "OTHER-2024-0003"})
    (path,) = _import(ws.root, [_file(tmp_path, record)])
    assert path.name == "ACSA-2024-0001.md"
    assert "Imported from x_OTHER-2024-0003." in path.read_text()


def test_a_record_of_two_packages_makes_one_advisory_each(ws: Workspace, tmp_path: Path) -> None:
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.1.3"}]}]
    record = _osv(
        affected=[
            {"package": {"ecosystem": "PyPI", "name": "acme-a"}, "ranges": ranges},
            {"package": {"ecosystem": "PyPI", "name": "acme-b"}, "ranges": ranges},
        ]
    )
    written = _import(ws.root, [_file(tmp_path, record)])
    got = [read_advisory(p, "ACSA") for p in written]
    assert [(a.id, a.component, dict(a.fixed)) for a in got] == [
        ("ACSA-2024-0001", "acme-a", {"2.1": "2.1.3"}),
        ("ACSA-2024-0002", "acme-b", {"2.1": "2.1.3"}),
    ]


def test_history_imported_before_is_not_imported_again(ws: Workspace, run: Run) -> None:
    first = run("advisory", "import", str(FIXTURES / "RUSTSEC-2022-0082.json"))
    assert first.exit_code == 0, first.stderr
    again = run("advisory", "import", str(FIXTURES / "RUSTSEC-2022-0082.json"))
    assert again.exit_code == 2
    assert again.stderr.strip().endswith(
        "/id: RUSTSEC-2022-0082 is imported already (as ACSA-2022-0001)"
    )
    twice = [str(FIXTURES / "RUSTSEC-2023-0052.json")] * 2
    assert run("advisory", "import", *twice).exit_code == 2
    assert sorted(p.name for p in (ws.root / "advisories").iterdir()) == ["ACSA-2022-0001.md"]


def test_parallel_imports_of_one_record_make_one_advisory(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check for history imported before runs under the lock that issues the ids: six
    # imports at once of one record made three advisories of it when it ran before. Here
    # each check, having read the workspace, waits for the others to have read it too:
    # without the lock all six do before any writes, with it the first waits three seconds
    # in vain and the others find its advisory.
    from releasekit.workspace import importer

    inside = threading.Barrier(6, timeout=3)

    def meeting_check(settings: Any) -> Any:
        found = workspace.check_advisories(settings)
        with contextlib.suppress(threading.BrokenBarrierError):
            inside.wait()
        return found

    record = FIXTURES / "RUSTSEC-2022-0082.json"
    importer.read_record(record.read_bytes(), record.name, "")  # (its schema compiled once)
    monkeypatch.setattr(importer, "check_advisories", meeting_check)

    def one(_: int) -> str:
        try:
            return _import(ws.root, [record])[0].name
        except ImportRefused as refused:
            return str(refused)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(one, range(6)))
    assert sorted(p.name for p in (ws.root / "advisories").iterdir()) == ["ACSA-2022-0001.md"]
    refused = "/id: RUSTSEC-2022-0082 is imported already (as ACSA-2022-0001)"
    assert sorted(results) == ["ACSA-2022-0001.md"] + [f"{record.name}: {refused}"] * 5


def test_githubs_record_of_seven_crates_reads_as_seven_advisories() -> None:
    from releasekit.records.imported import lines_of
    from releasekit.records.osv_read import read_osv

    record = json.loads((FIXTURES / "GHSA-49jc-r788-3fc9.json").read_text())
    items = read_osv(record, "GHSA-49jc-r788-3fc9.json")
    assert len(items) == 7
    gix = next(i for i in items if i.package == "gix")
    assert (gix.cve, gix.cwe, gix.aliases) == ("CVE-2024-35197", "CWE-67", ())
    assert gix.summary is not None and gix.summary.startswith("On Windows, fetching refs")
    assert gix.body.startswith("### Details")
    assert lines_of(gix) == ({"0.63": "0.63.0"}, "0")


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at] if at else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*at, index))
    return found


def test_no_record_shape_makes_a_traceback(ws: Workspace) -> None:
    """Values of every type in every place of the fixtures: refused in one line or imported,
    never an exception other than releasekit's own."""
    import copy
    import random

    from releasekit.support.errors import ReleasekitError
    from releasekit.workspace.importer import plan_import

    settings = workspace.open_workspace(ws.root)
    seeds = [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))]
    values: list[Any] = [None, 0, -1, 1.5, True, "", "0", "*", "< 1", [], {}, [None], [{}]]
    values += ["CVE-2024-0001", "2024-01-01T00:00:00Z", "\x00", "9" * 5000]
    rng = random.Random(17)
    refused = 0
    for _ in range(1500):
        record = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice(_paths(record))
            holder = record
            for key in parents:
                holder = holder[key]
            holder[last] = copy.deepcopy(rng.choice(values))
        try:
            plan_import(settings, [("f.json", json.dumps(record).encode())])
        except ReleasekitError:
            refused += 1
    assert 500 < refused < 1500  # (most mutations are refused, not all)


def test_a_refused_import_makes_no_advisories_folder(
    ws: Workspace, run: Run, tmp_path: Path
) -> None:
    # An empty folder made where the advisories were lost would let publish empty the site.
    (ws.root / "advisories").rmdir()
    bad = _file(tmp_path, _osv(published=None), "bad.json")
    assert run("advisory", "import", str(bad)).exit_code == 2
    assert not (ws.root / "advisories").exists()
    assert run("advisory", "new", "--title", "T", "--summary", "S", "--cvss", "x").exit_code == 2
    assert not (ws.root / "advisories").exists()
    good = run("advisory", "import", str(FIXTURES / "RUSTSEC-2020-0019.json"))
    assert good.exit_code == 0, good.stderr
    assert (ws.root / "advisories" / "ACSA-2020-0001.md").is_file()


def test_a_go_record_starts_a_line_at_its_lowest_pre_release(ws: Workspace) -> None:
    # Go's vulndb writes "introduced": "1.23.0-0" (1.23.0 with its candidates), which
    # PEP 440 reads as a post-release after 1.23.0: the import refused the real record,
    # "these ranges cannot be recorded as one fixed version per line and `introduced`".
    (path,) = _import(ws.root, [FIXTURES / "GO-2024-3107.json"])
    advisory = read_advisory(path, "ACSA")
    assert (advisory.fixed, advisory.introduced) == ({"1.22": "1.22.7", "1.23": "1.23.1"}, "0")
    assert (advisory.cve, advisory.component) == ("CVE-2024-34158", "stdlib")


def test_a_kubernetes_record_ends_each_range_at_its_last_affected_patch(
    ws: Workspace, tmp_path: Path
) -> None:
    # Kubernetes' CNA writes "lessThanOrEqual": "1.28.11" and lists 1.28.12 as unaffected;
    # the import refused every such record ("a last affected version cannot be recorded").
    (path,) = _import(ws.root, [FIXTURES / "CVE-2024-10220.json"])
    advisory = read_advisory(path, "ACSA")
    assert advisory.fixed == {"1.28": "1.28.12", "1.29": "1.29.7", "1.30": "1.30.3"}
    assert (advisory.introduced, advisory.component) == ("0", "kubelet")
    # Without the next patch listed as unaffected, no fixed version is said: refused.
    record = json.loads((FIXTURES / "CVE-2024-10220.json").read_text())
    versions = record["containers"]["cna"]["affected"][0]["versions"]
    versions[:] = [v for v in versions if v["version"] != "1.28.12"]
    bad = tmp_path / "CVE-2024-10220.json"
    bad.write_text(json.dumps(record))
    with pytest.raises(ImportRefused, match="versions/0/lessThanOrEqual: a last affected"):
        _import(ws.root, [bad])

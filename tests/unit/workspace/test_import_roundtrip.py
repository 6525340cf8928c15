"""advisory import of releasekit's own records: publish -> import -> publish, shape by shape.

A mirror (or a project moving its history into releasekit) imports the records a releasekit
site published: the second site must say the same affected and fixed versions, ranges and
ratings as the first. Only what the records do not carry may differ (ids and times).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from releasekit.cli import cli
from releasekit.model.advisory import read_advisory
from releasekit.records.imported import ImportRefused
from releasekit.site import build
from releasekit.workspace import files as workspace
from releasekit.workspace.importer import import_files
from tests.helpers.sites import CONFIG

LATER = datetime.fromisoformat("2027-03-01T12:00:00+00:00")
RELEASED = "embargo = 2026-10-13T14:00:00Z\nreleased = 2026-10-13T14:00:07Z"
SCORE = 'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"'  # (medium)


def _config(upcoming: str = "10.4", esr: str = '["9.11"]', parts: int | None = None) -> str:
    releases = f'upcoming = "{upcoming}"\nesr = {esr}'
    if parts is not None:
        releases += f"\nline_parts = {parts}"
    return CONFIG.replace('upcoming = "10.4"\nesr = ["9.11"]', releases)


def _pre(config: str) -> str:
    """``config`` of a project that publishes pre-releases (``[releases] pre_releases``)."""
    return config.replace("[releases]\n", "[releases]\npre_releases = true\n")


def _advisory(number: int, front: str, *, cve: bool = True, vector: bool = True) -> tuple[str, str]:
    ident = f"ACSA-2026-{number:04d}"
    lines = [f'id = "{ident}"', f'title = "Title {number}"', f'summary = "Summary {number}."']
    given = {line.split(" = ")[0] for line in front.splitlines()}
    lines += [SCORE] if vector and not {"cvss", "cvss4"} & given else []
    lines += [f'cve = "CVE-2026-{40000 + number}"'] if cve and "cve" not in given else []
    text = "\n".join([*lines, RELEASED, front])
    return ident, f"+++\n{text}\n+++\n\n## Impact\n\nDetails of it.\n"


_FACTS = ("id", "severity", "scored", "affected", "fixed", "ranges", "cve", "component")


def _facts(root: Path) -> dict[str, Any]:
    """What a reader of the site learns of each advisory's versions and rating: its entry
    in advisories.json, versions.json, and what its OSV and CVE records say of them."""
    site = root / "site"
    entries = json.loads((site / "advisories.json").read_text())["advisories"]
    found: dict[str, Any] = {
        "advisories.json": [{k: e[k] for k in _FACTS} for e in entries],
        "versions.json": json.loads((site / "versions.json").read_text())["versions"],
    }
    for path in sorted((site / "osv").glob("*.json")):
        record = json.loads(path.read_text())
        found[f"osv/{path.name}"] = [record["affected"], record["database_specific"]]
    for path in sorted((site / "cve").glob("*.json")):
        cna = json.loads(path.read_text())["containers"]["cna"]
        found[f"cve/{path.name}"] = [cna["affected"], cna.get("metrics")]
    return found


def _records(root: Path, folders: tuple[str, ...] = ("osv", "cve")) -> list[Path]:
    return [p for f in folders for p in sorted((root / "site" / f).glob("*.json"))]


def round_trip(
    tmp_path: Path,
    config: str,
    advisories: list[tuple[str, str]],
    folders: tuple[str, ...],
    mirror: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], list[Path]]:
    """The facts of the first site and of the one imported from its records (``folders``:
    which of them; ``mirror``: its releasekit.toml, else ``config``), and the imported
    advisory files."""
    first, second = tmp_path / "first", tmp_path / "second"
    for root, text in ((first, config), (second, mirror or config)):
        (root / "advisories").mkdir(parents=True)
        (root / "releasekit.toml").write_text(text)
    for ident, text in advisories:
        (first / "advisories" / f"{ident}.md").write_text(text)
    build.publish_workspace(workspace.open_workspace(first), LATER)
    paths = _records(first, folders)
    written = import_files(workspace.open_workspace(second), paths, [p.name for p in paths])
    build.publish_workspace(workspace.open_workspace(second), LATER)
    return _facts(first), _facts(second), written


SHARED = [
    _advisory(
        1,
        'component = "api"\ncve = "CVE-2026-49999"\ncwe = "CWE-79"\nseverity = "high"\n'
        'severity_reason = "Exploited."\ncredits = [{ name = "Jane", type = "finder" }]\n'
        'fixed = { "10.3" = "10.3.3" }',
    ),
    _advisory(
        2,
        'component = "web"\ncve = "CVE-2026-49999"\ncwe = "CWE-89"\n'
        'cvss = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"\n'
        'credits = [{ name = "Bob", type = "reporter" }]\nintroduced = "9.8"\n'
        'fixed = { "10.3" = "10.3.4", "9.11" = "9.11.9" }',
    ),
    _advisory(
        3,
        'component = "cli"\ncve = "CVE-2026-49999"\n'
        'fixed = { "10.4" = "10.4.0", "10.3" = "10.3.4" }',
    ),
]
SHAPES = {
    # one CVE record for three advisories: each its own title, rating, credits and CWE
    "a cve id shared by three components": (_config(), SHARED),
    # "Affected versions: Not recorded": the OSV record's range from "0" is for scanners
    "no fixed version and no introduced": (_config(), [_advisory(1, "fixed = {}")]),
    "a component without a cve id": (
        _config(),
        [_advisory(1, 'component = "export"\nfixed = { "10.3" = "10.3.3" }', cve=False)],
    ),
    # a severity override: the records give the final rating, not that it overrides
    "a severity override above the band": (
        _config(),
        [
            _advisory(
                1,
                'severity = "high"\nseverity_reason = "Exploited."\nfixed = { "10.3" = "10.3.3" }',
            )
        ],
    ),
    "a severity override below the band, without a cve id": (
        _config(),
        [
            _advisory(
                1,
                'severity = "low"\nseverity_reason = "Admins only."\nfixed = { "10.3" = "10.3.3" }',
                cve=False,
            )
        ],
    ),
    "a severity without a vector": (
        _config(),
        [
            _advisory(
                1,
                'severity = "critical"\nseverity_reason = "Worm."\nfixed = { "10.3" = "10.3.3" }',
                vector=False,
            )
        ],
    ),
    # PostgreSQL's spelling: 16.3 on line 16 (the OSV record enumerates the versions)
    "two-number versions": (
        _config("17", "[]", parts=1),
        [_advisory(1, 'introduced = "14.2"\nfixed = { "16" = "16.3", "15" = "15.7" }')],
    ),
    "two-number versions without a cve id": (
        _config("17", "[]", parts=1),
        [_advisory(1, 'fixed = { "16" = "16.3", "15" = "15.7" }', cve=False)],
    ),
    # a line fixed in its X.0 has no affected release, and so no OSV range
    "a line fixed in its first release, without a cve id": (
        _config(),
        [
            _advisory(
                1, 'introduced = "9.8"\nfixed = { "10.4" = "10.4.0", "9.11" = "9.11.9" }', cve=False
            )
        ],
    ),
    "only a line fixed in its first release": (
        _config(),
        [_advisory(1, 'introduced = "10.4"\nfixed = { "10.4" = "10.4.0" }', cve=False)],
    ),
    # 10.4 -> 11.0: a gap the guess cannot see (it takes 10.x and 11.0 for neighbours)
    "unfixed lines the guess cannot see": (
        _config("11.1", '["10.4"]'),
        [_advisory(1, 'fixed = { "11.0" = "11.0.2", "10.4" = "10.4.5" }\nunfixed = ["10.5"]')],
    ),
    "unfixed lines and introduced in the gap": (
        _config("11.1", '["10.4"]'),
        [
            _advisory(
                1,
                'introduced = "10.5.2"\nfixed = { "11.0" = "11.0.2", "10.4" = "10.4.5" }\n'
                'unfixed = ["10.5"]',
            )
        ],
    ),
    # each of them has a version page ("Am I affected?" for 129.x), a range names only 129.0.0
    "several unfixed lines": (
        _config("134", '["128"]', parts=1),
        [
            _advisory(
                1,
                'fixed = { "133" = "133.0.4", "128" = "128.5.1" }\n'
                'unfixed = ["132", "131", "130", "129"]',
            )
        ],
    ),
    # fixes shipped in pre-releases (RustSec's rustls-webpki: 0.104.0-alpha.6 beside
    # 0.103.12): a range up to one ends there (SEMVER spells it 10.3.0-rc.1)
    "a line fixed in a pre-release of its first release": (
        _config(),
        [_advisory(1, 'fixed = { "10.4" = "10.4.0-alpha.6", "10.3" = "10.3.12" }')],
    ),
    "lines between up to a pre-release fix": (
        _config(),
        [_advisory(1, 'fixed = { "10.3" = "10.3.0rc1", "10.1" = "10.1.2" }')],
    ),
    "earlier releases up to a pre-release fix": (
        _config(),
        [_advisory(1, 'introduced = "10.1.3"\nfixed = { "10.3" = "10.3.0rc1" }')],
    ),
    "a patch release fixed in a candidate": (
        _config(),
        [_advisory(1, 'fixed = { "10.3" = "10.3.3b2", "10.2" = "10.2.4" }')],
    ),
    # introduced in a pre-release (RustSec's rustls-webpki: from 0.104.0-alpha.1 to its fix
    # in 0.104.0-alpha.6): the ranges start there
    "introduced in a pre-release of an upcoming line": (
        _config(),
        [_advisory(1, 'introduced = "10.4.0-alpha.1"\nfixed = { "10.4" = "10.4.0-alpha.6" }')],
    ),
    "introduced in a candidate of a line fixed later": (
        _config(),
        [_advisory(1, 'introduced = "10.3.1rc1"\nfixed = { "10.3" = "10.3.3" }')],
    ),
    "introduced in a pre-release between two fixed lines": (
        _config(),
        [_advisory(1, 'introduced = "10.2.0b1"\nfixed = { "10.3" = "10.3.3", "10.1" = "10.1.2" }')],
    ),
    # a project that publishes pre-releases ([releases] pre_releases): a line affected from
    # its first release (CPython's 3.13 fixed in 3.13.1 beside 3.12) had its pre-releases
    # affected too, as one fixed in that release: the records start it at 10.4.0-0
    "pre-releases of a whole line fixed after its first release": (
        _pre(_config()),
        [_advisory(1, 'fixed = { "10.4" = "10.4.1", "10.3" = "10.3.3" }')],
    ),
    "pre-releases of a whole line, introduced before it": (
        _pre(_config()),
        [_advisory(1, 'introduced = "10.2.2"\nfixed = { "10.4" = "10.4.2", "10.3" = "10.3.3" }')],
    ),
    "pre-releases of a whole line above one fixed in its first release": (
        _pre(_config("10.6")),
        [_advisory(1, 'fixed = { "10.5" = "10.5.0", "10.4" = "10.4.1", "10.3" = "10.3.3" }')],
    ),
    # 11.0 after 10.6: taken for neighbours when no line between is recorded (then its
    # pre-releases had the code), not when `unfixed` says none was released
    "pre-releases of a whole line above a guessed neighbour": (
        _pre(_config("11.1", "[]")),
        [_advisory(1, 'fixed = { "11.0" = "11.0.2", "10.6" = "10.6.2" }')],
    ),
    "no pre-releases of a whole line above a line that is no neighbour": (
        _pre(_config("11.1", "[]")),
        [_advisory(1, 'fixed = { "11.0" = "11.0.2", "10.6" = "10.6.2" }\nunfixed = []')],
    ),
    # versions SemVer cannot spell: the OSV record enumerates the affected ones, its ranges
    # (as the advisory spells them) in each entry's database_specific
    "four-number versions": (
        _config("8.0", "[]"),
        [_advisory(1, 'introduced = "7.0.3"\nfixed = { "7.2" = "7.2.2.1", "7.1" = "7.1.5.2" }')],
    ),
    "four-number versions and an unfixed line": (
        _config("8.1", "[]"),
        [_advisory(1, 'fixed = { "8.0" = "8.0.1.1", "7.1" = "7.1.5.2" }\nunfixed = ["7.2"]')],
    ),
    "no fixed version, from a four-number release": (
        _config("8.0", "[]"),
        [_advisory(1, 'introduced = "7.1.5.1"\nfixed = {}', cve=False)],
    ),
    "a post-release fix": (
        _config(),
        [_advisory(1, 'fixed = { "10.3" = "10.3.3.post1", "10.2" = "10.2.5" }')],
    ),
    "introduced in a post-release": (
        _config(),
        [_advisory(1, 'introduced = "10.3.1.post1"\nfixed = { "10.3" = "10.3.3" }')],
    ),
    # 9.11 -> 10.3 with no line between them left without the fix: no gap
    "no unfixed line where the guess sees one": (
        _config(),
        [_advisory(1, 'fixed = { "10.3" = "10.3.3", "9.11" = "9.11.9" }\nunfixed = []')],
    ),
}


# Each record alone too: a site without [cve] org_id (or an advisory without a CVE id)
# publishes only the OSV record; a mirror may take only the CVE records.
FOLDERS = [("osv", "cve"), ("osv",), ("cve",)]
CASES = [
    (shape, folders)
    for shape in sorted(SHAPES)
    for folders in FOLDERS
    if folders != ("cve",) or all("\ncve = " in text for _, text in SHAPES[shape][1])
    # (the CVE record cannot say the lines left without the fix, each with a version page;
    # nor whose its title and scores are when advisories share it; nor that no line lies
    # between 10.6 and 11.0, which a record made before the pre-releases of a whole line
    # were shown, or of a project that publishes none, reads as the guess, as it did)
    if shape
    not in (
        "a cve id shared by three components",
        "several unfixed lines",
        "no pre-releases of a whole line above a line that is no neighbour",
    )
    or folders != ("cve",)
]


@pytest.mark.parametrize(("shape", "folders"), CASES, ids=[f"{s}-{'+'.join(f)}" for s, f in CASES])
def test_the_lines_and_ranges_come_back(
    tmp_path: Path, shape: str, folders: tuple[str, ...]
) -> None:
    config, advisories = SHAPES[shape]
    first, second, _ = round_trip(tmp_path, config, advisories, folders)
    assert second == first


def test_a_kept_rating_gets_a_reason_that_says_so_and_a_note_on_stderr(tmp_path: Path) -> None:
    config, advisories = SHAPES["a severity override above the band"]
    *_, (path,) = round_trip(tmp_path, config, advisories, ("osv", "cve"))
    advisory = read_advisory(path, "ACSA")
    assert (advisory.severity_override, advisory.score) == ("high", 6.5)
    assert advisory.severity_reason == (
        "Imported: the rating given by x_ACSA-2026-0001; the records do not carry the reason"
        " for it."
    )
    again = tmp_path / "again"
    (again / "advisories").mkdir(parents=True)
    (again / "releasekit.toml").write_text(config)
    records = [str(p) for p in _records(tmp_path / "first")]
    result = CliRunner().invoke(cli, ["-C", str(again), "advisory", "import", *records])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "advisories/ACSA-2026-0001.md: severity high kept from the records, which give no"
        " reason for it: replace the severity_reason the import wrote",
        "Imported 1 advisory",
    ]


def test_a_shared_cve_record_alone_is_refused_for_the_osv_records(tmp_path: Path) -> None:
    # Its title, scores and credits are all of its advisories': the OSV record of each says
    # its own.
    with pytest.raises(ImportRefused, match="import ACSA-2026-0001's OSV record with it"):
        round_trip(tmp_path, _config(), SHARED, ("cve",))


def test_another_sites_records_of_one_advisory_make_one_advisory(tmp_path: Path) -> None:
    # Another project's releasekit (its own prefix and site): history, under this site's
    # next free ids, but its OSV and CVE records of one advisory are still one advisory.
    other = _config().replace('"ACSA"', '"OTHR"').replace("acme.example", "other.example")
    first, second, written = round_trip(tmp_path, _config(), SHARED, ("osv", "cve"), other)
    assert sorted(p.name for p in written) == [f"OTHR-2026-000{n}.md" for n in (1, 2, 3)]
    assert [{**e, "id": None} for e in second["advisories.json"]] == [
        {**e, "id": None} for e in first["advisories.json"]
    ]
    text = (tmp_path / "second/advisories/OTHR-2026-0001.md").read_text()
    assert "Imported from x_ACSA-2026-0001." in text


def test_a_gap_that_ends_at_the_next_lines_release_is_read_as_before(tmp_path: Path) -> None:
    # releasekit ended a run of unfixed lines at the next line's first release (10.6.0)
    # until it ended it at that release's lowest pre-release (10.6.0-0): a mirror of a site
    # published before, or another database's record that says the gap so, was refused
    # ("these ranges cannot be recorded as one fixed version per line").
    config, advisories = SHAPES["unfixed lines the guess cannot see"]
    first = tmp_path / "first"
    (first / "advisories").mkdir(parents=True)
    (first / "releasekit.toml").write_text(config)
    for ident, text in advisories:
        (first / "advisories" / f"{ident}.md").write_text(text)
    build.publish_workspace(workspace.open_workspace(first), LATER)
    for folders in (("osv",), ("cve",)):
        (path,) = _records(first, folders)
        record = json.loads(path.read_text())
        if folders == ("osv",):
            (gap,) = [e for e in record["affected"] if "between" in e["database_specific"]]
            assert gap["ranges"][0]["events"][1] == {"fixed": "10.6.0-0"}
            gap["ranges"][0]["events"][1] = {"fixed": "10.6.0"}  # (as written before)
        else:
            cna = record["containers"]["cna"]
            (gap,) = [v for v in cna["affected"][0]["versions"] if v["lessThan"] == "10.6.0-0"]
            gap["lessThan"] = "10.6.0"
            del cna["source"]["spellings"]
        old = tmp_path / "old" / folders[0] / path.name
        old.parent.mkdir(parents=True)
        old.write_text(json.dumps(record))
        second = tmp_path / f"second-{folders[0]}"
        (second / "advisories").mkdir(parents=True)
        (second / "releasekit.toml").write_text(config)
        (written,) = import_files(workspace.open_workspace(second), [old], [old.name])
        advisory = read_advisory(written, "ACSA")
        assert (advisory.fixed, advisory.unfixed) == (
            {"11.0": "11.0.2", "10.4": "10.4.5"},
            ("10.5",),
        ), folders

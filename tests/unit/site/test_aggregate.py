"""The version pages, their index, versions.json and the hall of fame: what they list, the
views they are made of, and which of them a change makes again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from releasekit.model.advisory import parse_advisory
from releasekit.model.config import Settings, load_config
from releasekit.model.lifecycle import Stage
from releasekit.model.public import Public, public_fields
from releasekit.model.versions import _versions, in_line, release_key
from releasekit.site import aggregate, pages, views
from releasekit.site.state import Item
from releasekit.workspace import files as workspace
from tests.conftest import MINIMAL_CONFIG, Workspace, advisory_text
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, marked, site_files
from tests.unit.site.test_build import publish_at

NOW = "2026-12-01T12:00:00Z"  # 1 and 2 disclosed (released 2026-10-13), 3 released only


def test_ranges_name_versions_and_say_what_to_upgrade_to() -> None:
    found = _versions((("10.3", "10.3.3"), ("10.1", "10.1.2")), "9.8")
    ranges = found.ranges()
    assert [(r.first, r.below, r.upgrade, r.upgrade_line, r.supported) for r in ranges] == [
        ("10.3.0", "10.3.3", "10.3.3", "10.3", True),
        ("10.2.0", "10.3.0", "10.3.3", "10.3", False),  # 10.2, between two fixed lines
        ("10.1.0", "10.1.2", "10.1.2", "10.1", True),
        ("9.8.0", "10.1.0", "10.1.2", "10.1", False),  # the nearest supported line
    ]
    assert "10.2.5" in ranges[1] and "10.3.0" not in ranges[1] and "10.1.9" not in ranges[1]
    assert found.affected_list[1] == "after 10.1 – before 10.3"
    assert "10.0.7" in ranges[3] and "10.1.0" not in ranges[3] and "9.7.9" not in ranges[3]
    mixed = _versions((("10.3", "10.3.3"), ("7", "7.3.1")), None)  # lines named two ways
    assert mixed.gaps == () and len(mixed.ranges()) == 2
    assert found.named() == ("9.8.0", "10.1.0", "10.1.1", "10.1.2", "10.3.0", "10.3.1",
                             "10.3.2", "10.3.3")  # fmt: skip
    unfixed = _versions((), "10.4")
    assert unfixed.affected_list == ["10.4.0 and later"]
    assert [(r.first, r.below, r.upgrade) for r in unfixed.ranges()] == [("10.4.0", None, None)]
    assert _versions((("10.4", "10.4.0"),), None).ranges() == ()  # X.0: nothing affected


def test_a_line_of_a_major_version_is_affected_from_its_first_release() -> None:
    # undici's lines (line_parts = 1): the line 7 holds 7.0.0 to 7.3.0, fixed in 7.3.1.
    found = _versions((("8", "8.0.0"), ("7", "7.3.1"), ("6", "6.21.3")), None)
    assert found.affected_list == ["7.0.0 – 7.3.0", "6.0.0 – 6.21.2"]
    ranges = found.ranges()
    assert [(r.first, r.below, r.upgrade_line, r.supported) for r in ranges] == [
        ("7.0.0", "7.3.1", "7", True),
        ("6.0.0", "6.21.3", "6", True),
    ]
    assert "7.2.3" in ranges[0] and "7.3.1" not in ranges[0]
    # Of the minors before the last one, only the line's first release is known.
    assert found.named() == ("6.0.0", "6.21.0", "6.21.1", "6.21.2", "6.21.3", "7.0.0", "7.3.0",
                             "7.3.1", "8.0.0")  # fmt: skip
    introduced = _versions((("7", "7.3.1"), ("6", "6.21.3")), "7.1")
    assert introduced.affected_list == ["7.1.0 – 7.3.0"]
    earlier = _versions((("7", "7.3.1"), ("6", "6.21.3")), "5.2").ranges()[-1]
    assert (earlier.first, earlier.line, earlier.upgrade_line) == ("5.2.0", "5", "6")
    assert _versions((("7", "7.4.0"),), None).affected_list == ["7.0.0 – before 7.4.0"]
    assert in_line("7.2.3", "7") and in_line("7.2.3", "7.2")
    assert not in_line("7.2.3", "7.3") and not in_line("8.0.0", "7")


def test_versions_of_four_numbers_compare_and_name_every_number() -> None:
    # Rails' security releases add a fourth number: 7.2.2.1 fixed what 7.2.2 had.
    found = _versions((("7.2", "7.2.2.1"), ("7.1", "7.1.5.2")), None)
    assert found.affected_list == ["7.2.0 – 7.2.2", "7.1.0 – 7.1.5.1"]
    first, second = found.ranges()
    assert "7.2.2" in first and "7.2.2.1" not in first and "7.2.3" not in first
    assert "7.1.5.1" in second and "7.1.5.2" not in second
    assert found.named() == ("7.1.0", "7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.1.5", "7.1.5.1",
                             "7.1.5.2", "7.2.0", "7.2.1", "7.2.2", "7.2.2.1")  # fmt: skip
    assert release_key("7.1.5.2") > release_key("7.1.5") == release_key("7.1.5.0")
    since = _versions((("7.2", "7.2.3"),), "7.2.2.1")  # 7.2.2 came before the code
    assert since.affected_list == ["7.2.2.1 – before 7.2.3"]
    assert since.named() == ("7.2.2.1", "7.2.3") and "7.2.2" not in since.ranges()[0]


def test_versions_of_two_numbers_are_spelt_with_two() -> None:
    # PostgreSQL's line 16 (line_parts = 1) fixed in 16.3: 16.0 to 16.2 had it.
    found = _versions((("16", "16.3"), ("15", "15.7")), "14.2")
    assert found.affected_list == ["16.0 – 16.2", "15.0 – 15.6", "14.2 – before 15.0"]
    assert found.named()[:3] == ("14.2", "15.0", "15.1") and found.named()[-1] == "16.3"
    assert "16.2" in found.ranges()[0] and "16.3" not in found.ranges()[0]


def _settings(tmp_path: Path) -> Settings:
    (tmp_path / "releasekit.toml").write_text(
        MINIMAL_CONFIG.replace(
            'site_url = "https://acme.example/security"\n',
            'site_url = "https://acme.example/security"\n'
            'policy_url = "https://acme.example/policy"\n'
            'release_url = "https://acme.example/r/{version}"\n',
        )
    )
    return load_config(tmp_path)


def _shown(settings: Settings, stage: Stage = Stage.DISCLOSED, **fields: str | None) -> Public:
    fields.setdefault("released", "2026-10-13T14:00:07Z")
    fields.setdefault("embargo", "2026-10-13T14:00:00Z")
    text = advisory_text(**fields)  # type: ignore[arg-type]
    advisory = parse_advisory(text, Path("advisories/ACSA-2026-0001.md"), "ACSA")
    shown = public_fields(settings, advisory, stage)
    assert shown is not None
    return shown


def test_views_of_unscored_cvss4_credits_and_links(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    unscored = _shown(settings, cvss=None, fixed='{ "10.3" = "10.3.3" }')
    assert views.severity_title(views.severity_name(unscored)) == "Not scored"
    assert views.severity_name(unscored) == "unscored"
    assert "(" not in views.feed_row(unscored).text.split("Severity: ")[1].split(".")[0]
    assert views.feed_row(unscored).text.count("Not scored") == 1
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"
    alone = _shown(settings, cvss=None, cvss4=f'"{v4}"')
    view = views.page_view(settings, alone)
    assert view["severity"]["vector"] == v4 and view["severity"]["score"] == "6.9"
    assert view["severity"]["cvss4_vector"] is None  # not shown twice
    credited = _shown(
        settings,
        cve='"CVE-2026-40001"',
        cwe='"CWE-79"',
        fixed='{ "10.3" = "10.3.3" }',
        credits='[{ name = "Jane Doe", type = "finder" }, { name = "Bo", type = "analyst" },'
        ' { name = "Jane Doe", type = "coordinator" }]',
    )
    view = views.page_view(settings, credited)
    assert view["credits"] == [
        {"name": "Jane Doe", "types": "finder, coordinator"},
        {"name": "Bo", "types": "analyst"},
    ]
    assert view["cve_url"] == "https://www.cve.org/CVERecord?id=CVE-2026-40001"
    assert view["cwe_url"] == "https://cwe.mitre.org/data/definitions/79.html"
    assert view["fixed_links"] == [
        {"line": "10.3", "version": "10.3.3", "url": "https://acme.example/r/10.3.3"}
    ]
    row = views.json_row(settings, credited)
    assert row["scored"] is True and row["severity"] == "medium"
    assert row["credits"][1] == {"name": "Bo", "type": "analyst"}
    assert row["ranges"] == [
        {"from": "10.3.0", "below": "10.3.3", "line": "10.3", "upgrade": "10.3.3",
         "upgrade_line": "10.3"}
    ]  # fmt: skip
    released = _shown(settings, Stage.RELEASED)
    parts = views.page_view(settings, released)["placeholder_parts"]
    assert parts[1] == "Responsible Disclosure Policy" and "".join(parts) == released.placeholder


def _versions_written(written: tuple[str, ...]) -> set[str]:
    return {rel for rel in written if rel.startswith("versions/") and rel != "versions/index.html"}


def test_a_change_makes_again_only_the_version_pages_it_names(ws: Workspace) -> None:
    marked(ws, 1, fixed='{ "10.3" = "10.3.3" }')  # 9.8.0 – before 10.3, 10.3.0 – 10.3.2
    marked(ws, 2, fixed='{ "10.1" = "10.1.2" }', introduced='"10.1"')
    marked(
        ws, 3, fixed='{ "9.11" = "9.11.2" }', introduced='"9.11"', released="2026-11-20T00:00:00Z"
    )
    first = publish_at(ws, NOW)
    site = ws.root / "site"
    pages = _versions_written(first.written)
    assert pages == {f"versions/{v}.html" for v in (
        "9.8.0", "9.11.0", "9.11.1", "9.11.2", "10.1.0", "10.1.1", "10.1.2",
        "10.3.0", "10.3.1", "10.3.2", "10.3.3")}  # fmt: skip
    page = (site / "versions/10.1.1.html").read_text()
    assert "ACSA-2026-0001" in page and "ACSA-2026-0002" in page  # 1's range below 10.3 too
    assert "ACSA-2026-0003" not in page
    # 2's severity changes: the pages of the versions its range includes, and no other.
    path = ws.root / "advisories/ACSA-2026-0002.md"
    path.write_text(path.read_text().replace('severity = "high"', 'severity = "low"'))
    second = publish_at(ws, NOW)
    assert _versions_written(second.written) == {"versions/10.1.0.html", "versions/10.1.1.html"}
    # A title changes: no version page shows it.
    path.write_text(path.read_text().replace("MARKER-TITLE-0002", "Another title"))
    third = publish_at(ws, NOW)
    assert _versions_written(third.written) == set()
    assert "versions.json" not in third.written and "credits.html" not in third.written
    # 3 is withdrawn (its release moved later): its pages go, the others stay.
    path = ws.root / "advisories/ACSA-2026-0003.md"
    path.write_text(path.read_text().replace("2026-11-20T00:00:00Z", "2027-01-01T00:00:00Z"))
    fourth = publish_at(ws, NOW)
    # Only 3 named 9.11.0 (1's range includes it, but names only its first release, 9.8.0)
    removed = {rel for rel in fourth.removed if rel.startswith("versions/")}
    assert removed == {f"versions/9.11.{n}.html" for n in range(3)}
    assert "versions/9.8.0.html" in fourth.unchanged and "versions/10.1.1.html" in fourth.unchanged
    data = json.loads((site / "versions.json").read_text())  # no 3 anywhere
    assert "ACSA-2026-0003" not in json.dumps(data)
    assert data["versions"][0]["version"] == "10.3.3"
    assert data["versions"][-1] == {
        "version": "9.8.0",
        "url": "https://acme.example/security/versions/9.8.0.html",
        "advisories": [{"id": "ACSA-2026-0001", "upgrade": "10.3.3", "upgrade_line": "10.3",
                        "line_supported": False}],
    }  # fmt: skip


def test_the_versions_index_groups_by_the_lines_the_project_names(ws: Workspace) -> None:
    config = ws.root / "releasekit.toml"
    config.write_text(
        config.read_text().replace(
            'upcoming = "10.4"\nesr = ["9.11"]', 'upcoming = "8"\nline_parts = 1'
        )
    )
    marked(ws, 1, fixed='{ "7" = "7.2.1" }')
    marked(ws, 2, fixed='{ "6" = "6.21.1" }', introduced='"6"')
    publish_at(ws, NOW)
    index = (ws.root / "site/versions/index.html").read_text()
    headings = re.findall(r"<h2[^>]*>Release line ([^<]*)</h2>", index)
    assert headings == ["7", "6"]  # (not 7.2, 6.21 and 6.0: each minor apart)


def test_a_release_of_four_numbers_has_its_page_and_the_one_before_it_too(
    ws: Workspace,
) -> None:
    # Rails: 7.2.2.1 fixed what 7.2.2 had; a user of 7.2.2 must find it on 7.2.2's page.
    config = ws.root / "releasekit.toml"
    config.write_text(
        config.read_text().replace('upcoming = "10.4"\nesr = ["9.11"]', 'upcoming = "8.1"')
    )
    marked(ws, 1, fixed='{ "7.2" = "7.2.2.1" }', introduced='"7.2"')
    publish_at(ws, NOW)
    site = ws.root / "site"
    assert "ACSA-2026-0001" in (site / "versions/7.2.2.html").read_text()
    assert "ACSA-2026-0001" not in (site / "versions/7.2.2.1.html").read_text()
    data = json.loads((site / "versions.json").read_text())
    assert [v["version"] for v in data["versions"]] == ["7.2.2.1", "7.2.2", "7.2.1", "7.2.0"]
    page = (site / "advisories/ACSA-2026-0001.html").read_text()
    assert "<li>7.2.0 – 7.2.2</li>" in page


def test_the_hall_of_fame_lists_disclosed_credits_once_per_advisory(ws: Workspace) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + '\n[disclosure]\nat_release = ["credits"]\n')
    credits = '[{ name = "Jane Doe", type = "finder" }, { name = "Jane Doe", type = "analyst" }]'
    marked(ws, 1, credits=credits)
    marked(ws, 2, credits=credits, released="2026-11-20T00:00:00Z")  # released, not disclosed
    for n in (1, 2):
        path = ws.root / f"advisories/ACSA-2026-{n:04d}.md"
        path.write_text(path.read_text().replace('reporter = "MARKER-REPORTER-000', "# was "))
    publish_at(ws, NOW)
    files = site_files(ws.root / "site")
    page = files["credits.html"].decode()
    assert page.count("Jane Doe") == 1 and "ACSA-2026-0001</a> (finder, analyst)" in page
    assert "ACSA-2026-0002" not in page  # at_release shows it on its page, not here
    second = files["advisories/ACSA-2026-0002.html"].decode()
    assert "<bdi>Jane Doe</bdi> (finder, analyst)" in second
    assert '<h2 id="year-2026">2026</h2>' in page


def test_a_version_row_is_escaped_and_says_the_nearest_supported_line() -> None:
    view = {
        "page": "advisories/A&B.html",
        "id": "A<B>",
        "cve": "CVE-2026-1",
        "cve_url": "https://www.cve.org/CVERecord?id=CVE-2026-1",
        "severity": {"name": "unscored", "label": "Not scored", "score": None},
    }
    ranges = [
        {"line": "9.8", "upgrade": "9.11.9", "upgrade_url": "https://r/9.11.9?a=1&b=2",
         "upgrade_line": "9.11", "supported": False},
        {"line": "10.4", "upgrade": None, "upgrade_url": None, "upgrade_line": None,
         "supported": False},
    ]  # fmt: skip
    head, *cells = views.version_rows(view, ranges)
    older, unfixed = (head + cell for cell in cells)
    assert older.startswith("<tr>") and older.endswith("</tr>\n") and "<tr>" not in cells[0]
    assert views.version_rows(view, []) == ()
    assert '<a href="../advisories/A&amp;B.html">A&lt;B&gt;</a>' in older
    assert '<span class="badge sev-unscored">Not scored</span></td>' in older
    assert (
        '<a href="https://r/9.11.9?a=1&amp;b=2">9.11.9</a> <span class="note">on 9.11, the '
        in older
    )
    assert "No fixed version recorded" in unfixed and "nearest" not in unfixed


def test_only_their_own_templates_make_the_version_pages_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked(ws, 1)
    marked(ws, 2, fixed='{ "10.1" = "10.1.2" }', introduced='"10.1"')
    publish_at(ws, NOW)
    made: list[str] = []
    real_page, real_credits = aggregate._version_page, aggregate._credits_page
    monkeypatch.setattr(
        aggregate,
        "_version_page",
        lambda renderer, version, *rest: (
            made.append(version) or real_page(renderer, version, *rest)
        ),
    )
    monkeypatch.setattr(
        aggregate,
        "_credits_page",
        lambda renderer, items: made.append("credits") or real_credits(renderer, items),
    )
    builtin = REPO_ROOT / "templates"
    page = (builtin / "advisory.html.j2").read_text()
    ws.write("templates/advisory.html.j2", page.replace('class="advisory"', 'class="advisory x"'))
    report = publish_at(ws, NOW)
    assert "advisories/ACSA-2026-0001.html" in report.written
    assert made == []  # the advisory page's template is not theirs
    assert "versions/10.1.1.html" in report.unchanged
    base = (builtin / "base.html.j2").read_text()
    ws.write("templates/base.html.j2", base.replace("</body>", "<!-- restyled --></body>"))
    report = publish_at(ws, NOW)
    assert "10.1.1" in made and "credits" in made
    assert "versions/10.1.1.html" in report.written
    assert "<!-- restyled -->" in (ws.root / "site/versions/10.1.1.html").read_text()


def test_a_computed_template_name_ties_a_part_to_every_template(ws: Workspace) -> None:
    ws.write("templates/version.html.j2", '{% include "v-" ~ version ~ ".j2" %}\n')
    settings = workspace.open_workspace(ws.root)
    renderer = pages.Renderer(settings, "the-global-key")
    assert renderer.closure(["version.html.j2"]) == "the-global-key"
    fixed = renderer.closure(["versions.html.j2"])
    assert fixed != "the-global-key"
    assert fixed == pages.Renderer(settings, "another").closure(["versions.html.j2"])
    # An include that may be missing is no error; one that does not parse ties it to all.
    ws.write("templates/credits.html.j2", '{% include "extra.j2" ignore missing %}\n')
    missing = renderer.closure(["credits.html.j2"])
    assert missing not in ("the-global-key", fixed)
    ws.write("templates/extra.j2", "{% if %}\n")
    assert renderer.closure(["credits.html.j2"]) == "the-global-key"


def _item(ident: str, released: float, *ranges: tuple[str, str | None]) -> Item:
    year, number = int(ident[5:9]), int(ident[10:])
    keyed = tuple(
        (release_key(first), None if below is None else release_key(below), None, "")
        for first, below in ranges
    )
    blank = Item(*[None] * len(Item._fields))
    return blank._replace(id=ident, year=year, number=number, released=released, ranges=keyed)


def test_each_version_lists_its_advisories_newest_first_each_once_by_its_first_range() -> None:
    items = {
        "ACSA-2026-0001": _item("ACSA-2026-0001", 100.0, ("10.1.0", "10.1.3"), ("9.8.0", None)),
        "ACSA-2026-0003": _item("ACSA-2026-0003", 100.0, ("10.1.2", "10.2.0")),  # same instant
        "ACSA-2026-0002": _item("ACSA-2026-0002", 300.0, ("10.1.1", "10.1.2")),
        "ACSA-2026-0004": _item("ACSA-2026-0004", 50.0),  # no range
    }
    versions = ["9.8.0", "10.1.0", "10.1.1", "10.1.2", "10.1.3"]
    assert aggregate.affecting(items, versions) == {
        "9.8.0": [("ACSA-2026-0001", 1)],
        "10.1.0": [("ACSA-2026-0001", 0)],  # in both its ranges: the first
        "10.1.1": [("ACSA-2026-0002", 0), ("ACSA-2026-0001", 0)],
        "10.1.2": [("ACSA-2026-0003", 0), ("ACSA-2026-0001", 0)],  # same instant: by number
        "10.1.3": [("ACSA-2026-0003", 0), ("ACSA-2026-0001", 1)],  # 1: in its open range
    }


def test_an_advisory_with_no_version_recorded_affects_every_release_everywhere(
    ws: Workspace,
) -> None:
    # Imported history with `fixed = {}` and no `introduced` ("Not recorded"): its OSV
    # record says every version from "0"; advisories.json, the CVE record and the version
    # pages must say so too, or a script asking through `ranges` would read "not affected".
    (ws.root / "releasekit.toml").write_text(CONFIG)
    marked(ws, 1, fixed='{ "10.3" = "10.3.3" }', introduced='"10.3"')
    marked(ws, 2, fixed="{}")
    path = ws.root / "advisories/ACSA-2026-0002.md"
    path.write_text(path.read_text().replace('introduced = "9.8"\n', ""))
    publish_at(ws, NOW)
    site = ws.root / "site"
    entries = json.loads((site / "advisories.json").read_text())["advisories"]
    entry = next(e for e in entries if e["id"] == "ACSA-2026-0002")
    assert entry["affected"] == []  # (the page says "Not recorded")
    assert entry["ranges"] == [
        {"from": "0", "below": None, "line": None, "upgrade": None, "upgrade_line": None}
    ]
    osv = json.loads((site / "osv/ACSA-2026-0002.json").read_text())
    assert osv["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}]
    cve = json.loads((site / "cve/CVE-2099-90002.json").read_text())
    assert cve["containers"]["cna"]["affected"][0]["versions"] == [
        {"version": "0", "lessThan": "*", "status": "affected", "versionType": "semver"}
    ]
    said = json.loads((site / "versions.json").read_text())
    # Named once, not in each version's list: RustSec's 464 such advisories would repeat on
    # each of its 1,274 version pages.
    assert said["unrecorded"] == ["ACSA-2026-0002"]
    versions = said["versions"]
    assert [v["version"] for v in versions] == ["10.3.3", "10.3.2", "10.3.1", "10.3.0"]
    for version in versions:  # (no page of its own: it names no version)
        assert "ACSA-2026-0002" not in {a["id"] for a in version["advisories"]}
        page = (site / f"versions/{version['version']}.html").read_text()
        assert "ACSA-2026-0002" not in page
        assert "1 advisory records no affected version: it affects every release, " in page
        assert '<a href="index.html#unrecorded">See it</a>' in page
    index = (site / "versions/index.html").read_text()
    assert '<li><a href="../advisories/ACSA-2026-0002.html">ACSA-2026-0002</a></li>' in index
    assert "ACSA-2026-0001" not in index

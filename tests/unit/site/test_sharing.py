"""One CVE id shared by advisories of different components: accepted, and one CVE record
whose `affected` lists each component, there once all of them are disclosed, kept right by
every incremental build (the same bytes as a build from nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releasekit.model.advisory import parse_advisory
from releasekit.site import build
from releasekit.support.errors import AdvisoryError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace, advisory_text
from tests.helpers.sites import marked, markers, site_files
from tests.unit.site.test_build import at, publish_at
from tests.unit.site.test_listing import edit, fresh

SHARED = f'"{markers(1)["cve"]}"'
RECORD = f"cve/{markers(1)['cve']}.json"
LATE = "2027-01-20T10:00:00Z"  # released then: details from 2027-02-19
BEFORE, AFTER = "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"


def modules(ws: Workspace) -> list[list[str]]:
    record = json.loads((ws.root / "site" / RECORD).read_text())
    return [a.get("modules", []) for a in record["containers"]["cna"]["affected"]]


def test_a_shared_cve_id_needs_a_different_component_on_every_advisory(ws: Workspace) -> None:
    settings = workspace.open_workspace(ws.root)

    def problems(*components: str | None) -> list[str]:
        found = []
        for n, component in enumerate(components, 1):
            text = advisory_text(f"ACSA-2026-000{n}", cve=SHARED, component=component)
            found.append(parse_advisory(text, Path(f"ACSA-2026-000{n}.md"), "ACSA"))
        return [str(p) for p in workspace.cross_check(settings, found)]

    assert problems('"server"', '"client"', '"proxy"') == []
    for refused in [('"server"', '"server"'), ('"server"', None), (None, None)]:
        (message,) = problems(*refused)
        assert message.startswith("ACSA-2026-0002.md")
        assert "cve: another advisory has the same CVE id" in message
        assert markers(1)["cve"] not in message  # no id named (the log may be public)


def test_one_record_names_each_component_once_it_is_disclosed(site_ws: Workspace) -> None:
    marked(site_ws, 1)  # disclosed on 2026-11-12
    marked(site_ws, 2, released=LATE, cve=SHARED)
    site = site_ws.root / "site"
    publish_at(site_ws, BEFORE)  # 2 is released only: the record names 1 alone
    assert sorted(p.name for p in (site / "cve").iterdir()) == [f"{markers(1)['cve']}.json"]
    assert modules(site_ws) == [[markers(1)["component"]]]
    assert markers(2)["component"] not in (site / RECORD).read_text()
    page = (site / "advisories/ACSA-2026-0001.html").read_text()
    assert f'href="../{RECORD}"' in page  # the page links a record that is there
    report = publish_at(site_ws, AFTER)
    assert RECORD in report.written
    assert modules(site_ws) == [[markers(1)["component"]], [markers(2)["component"]]]
    record = json.loads((site / RECORD).read_text())
    assert record["cveMetadata"]["datePublished"] == "2026-11-12T00:00:00Z"  # the first one
    assert record["cveMetadata"]["dateUpdated"] == "2027-02-19T00:00:00Z"  # the other joined
    assert not publish_at(site_ws, AFTER).changed


def test_an_embargoed_advisory_with_a_disclosed_ones_cve_id_changes_nothing(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, AFTER)
    site = site_ws.root / "site"
    before = {rel: (site / rel).read_bytes() for rel in site_files(site)}
    marked(site_ws, 2, released=None, cve=SHARED)  # under embargo: nothing of it is public
    report = publish_at(site_ws, AFTER)
    assert not report.changed
    assert {rel: (site / rel).read_bytes() for rel in site_files(site)} == before


def test_incremental_builds_keep_the_shared_record_right(
    site_ws: Workspace, tmp_path: Path
) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2)
    marked(site_ws, 3)
    publish_at(site_ws, AFTER)
    assert (site_ws.root / "site" / f"cve/{markers(2)['cve']}.json").is_file()
    steps = [
        (2, markers(2)["cve"], markers(1)["cve"]),  # 2 now shares 1's id (2's record goes)
        (3, "MARKER-TITLE-0003", "Another title"),  # an unrelated edit keeps the record
        (2, "MARKER-SUMMARY-0002", "Corrected."),  # a sharer's edit updates it
        (1, markers(1)["cve"], markers(3)["cve"]),  # 1 moves to 3's id: 2 keeps 1's alone
    ]
    for n, old, new in steps:
        edit(site_ws, n, old, new)
        publish_at(site_ws, AFTER)
        assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path, AFTER), (n, old)
    assert modules(site_ws) == [[markers(2)["component"]]]
    record = json.loads((site_ws.root / "site" / f"cve/{markers(3)['cve']}.json").read_text())
    assert len(record["containers"]["cna"]["affected"]) == 2


def test_publish_with_given_advisories_writes_the_shared_record(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2, cve=SHARED)
    settings = workspace.open_workspace(site_ws.root)
    advisories = workspace.load_advisories(settings)
    build.publish(settings, advisories, at(AFTER))
    assert modules(site_ws) == [[markers(1)["component"]], [markers(2)["component"]]]
    edit(site_ws, 2, markers(2)["component"], markers(1)["component"])
    with pytest.raises(AdvisoryError, match="another advisory has the same CVE id"):
        build.publish(settings, workspace.check_advisories(settings)[0], at(AFTER))

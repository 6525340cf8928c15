"""A revised advisory: its page's revision history, the feeds' updated time, the records'
modified date; nothing of a later stage early."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import feedparser

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.sites import marked, markers

REVISED = '[{ date = 2026-11-07T10:00:00Z, reason = "MARKER-REVISION-0001 corrected" }]'
TWICE = REVISED[:-1] + ', { date = 2026-12-10T08:00:00Z, reason = "MARKER-REVISION-0002" }]'


def publish(ws: Workspace, moment: datetime) -> None:
    build.publish_workspace(workspace.open_workspace(ws.root), moment)


def atom_entry(ws: Workspace) -> feedparser.FeedParserDict:
    feed = feedparser.parse((ws.root / "site" / "atom.xml").read_bytes())
    assert not feed.bozo
    (entry,) = feed.entries
    return entry


def page(ws: Workspace) -> str:
    return (ws.root / "site" / "advisories" / "ACSA-2026-0001.html").read_text()


def test_a_revision_of_a_released_advisory_shows_its_date_and_reason_only(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1, released="2026-11-05T09:30:00Z", revisions=REVISED)
    publish(site_ws, datetime(2026, 11, 8, tzinfo=UTC))  # released; details on 2026-12-05
    html = page(site_ws)
    assert "Revision history" in html
    assert '<time datetime="2026-11-07T10:00:00Z">2026-11-07</time>' in html
    assert "MARKER-REVISION-0001 corrected" in html
    for hidden in ("body", "reporter", "cve", "cwe", "component", "severity_reason"):
        assert markers(1)[hidden] not in html, hidden
    assert atom_entry(site_ws).updated == "2026-11-07T10:00:00+00:00"
    (row,) = json.loads((site_ws.root / "site" / "advisories.json").read_text())["advisories"]
    assert row["modified"] == "2026-11-07T10:00:00Z"
    assert not (site_ws.root / "site" / "osv").exists()


def test_records_and_feeds_follow_the_latest_revision(site_ws: Workspace) -> None:
    path = marked(site_ws, 1, released="2026-11-05T09:30:00Z", revisions=REVISED)
    publish(site_ws, datetime(2026, 12, 5, 1, tzinfo=UTC))  # disclosed, after the revision
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["modified"] == "2026-12-05T00:00:00Z"
    assert atom_entry(site_ws).updated == "2026-12-05T00:00:00+00:00"
    path.write_text(path.read_text().replace(REVISED, TWICE))
    publish(site_ws, datetime(2026, 12, 11, tzinfo=UTC))
    feeds = {n: (site_ws.root / "site" / n).read_bytes() for n in ("feed.xml", "atom.xml")}
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["modified"] == "2026-12-10T08:00:00Z"
    assert osv["published"] == "2026-11-05T09:30:00Z"
    cve = json.loads((site_ws.root / "site" / "cve" / f"{markers(1)['cve']}.json").read_text())
    assert cve["cveMetadata"]["dateUpdated"] == "2026-12-10T08:00:00Z"
    assert cve["cveMetadata"]["datePublished"] == "2026-12-05T00:00:00Z"
    entry = atom_entry(site_ws)
    assert entry.updated == "2026-12-10T08:00:00+00:00"
    assert entry.published == "2026-11-05T09:30:00+00:00"
    html = page(site_ws)
    assert html.index("MARKER-REVISION-0001") < html.index("MARKER-REVISION-0002")
    assert markers(1)["body"] in html
    # The same advisories give the same feeds on another day: nothing from the build clock.
    (site_ws.root / "site" / "feed.xml").unlink()
    publish(site_ws, datetime(2026, 12, 20, tzinfo=UTC))
    assert {n: (site_ws.root / "site" / n).read_bytes() for n in feeds} == feeds


def test_an_advisory_never_revised_has_no_history(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish(site_ws, datetime(2026, 12, 1, tzinfo=UTC))
    assert "Revision history" not in page(site_ws)
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["modified"] == "2026-11-12T00:00:00Z"


def changed_since(ws: Workspace, moment: str) -> list[str]:
    """What a CSAF reader that polls changes.csv fetches: the rows newer than its last poll."""
    text = (ws.root / "site" / "csaf" / "changes.csv").read_text()
    rows = [line.replace('"', "").split(",") for line in text.splitlines()]
    return [path for path, date in rows if date > moment]


def test_a_csaf_document_is_dated_from_its_disclosure(site_ws: Workspace) -> None:
    # Its current_release_date (and so changes.csv, the ROLIE feed, the provider metadata)
    # was the advisory's release, 30 days before the document existed: a reader that polls
    # changes.csv for what changed since its last poll never fetched it.
    marked(site_ws, 1)  # released 2026-10-13, details (and the document) on 2026-11-12
    marked(site_ws, 2, released="2026-09-01T10:00:00Z")  # details on 2026-10-01
    publish(site_ws, datetime(2026, 11, 11, 12, tzinfo=UTC))
    assert changed_since(site_ws, "2026-11-11T12:00:00Z") == []
    publish(site_ws, datetime(2026, 11, 12, 0, 5, tzinfo=UTC))
    assert changed_since(site_ws, "2026-11-11T12:00:00Z") == ["2026/acsa-2026-0001.json"]
    site = site_ws.root / "site"
    doc = json.loads((site / "csaf" / "2026" / "acsa-2026-0001.json").read_text())
    tracking = doc["document"]["tracking"]
    assert tracking["initial_release_date"] == "2026-10-13T14:00:07Z"  # the release
    assert tracking["current_release_date"] == "2026-11-12T00:00:00Z"
    osv = json.loads((site / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["modified"] == tracking["current_release_date"]  # the records agree
    rolie = json.loads((site / "csaf" / "feed-tlp-white.json").read_text())["feed"]
    assert [(e["id"], e["updated"]) for e in rolie["entry"]] == [
        ("ACSA-2026-0001", "2026-11-12T00:00:00Z"),
        ("ACSA-2026-0002", "2026-10-01T00:00:00Z"),
    ]
    metadata = json.loads((site / ".well-known" / "csaf" / "provider-metadata.json").read_text())
    assert metadata["last_updated"] == "2026-11-12T00:00:00Z"
    # A revision after the disclosure dates the document from then on.
    marked(site_ws, 1, revisions='[{ date = 2026-11-20T10:00:00Z, reason = "R" }]')
    publish(site_ws, datetime(2026, 11, 21, tzinfo=UTC))
    assert changed_since(site_ws, "2026-11-12T00:05:00Z") == ["2026/acsa-2026-0001.json"]


def index(ws: Workspace) -> dict[str, dict[str, str]]:
    data = json.loads((ws.root / "site" / "advisories.json").read_text())
    return {row["id"]: row for row in data["advisories"]}


def test_advisories_json_modified_moves_at_the_disclosure(site_ws: Workspace) -> None:
    # At the disclosure an entry gains its details' fields (cve, osv, cve_record, ...), but
    # its `modified` stayed the release: a script that syncs advisories.json by `modified`
    # (what changed since its last run) never saw the disclosure. Built before and after it,
    # with the rows kept between the builds.
    marked(site_ws, 1)  # released 2026-10-13T14:00:07Z, disclosed 2026-11-12
    marked(site_ws, 2, released="2026-11-05T09:30:00Z", revisions=REVISED)  # 2026-12-05
    publish(site_ws, datetime(2026, 11, 11, 12, tzinfo=UTC))
    before = index(site_ws)
    first = before["ACSA-2026-0001"]
    assert not first["disclosed"] and first["cve_record"] is None
    assert first["modified"] == "2026-10-13T14:00:07Z"  # nothing of the disclosure instant yet
    assert before["ACSA-2026-0002"]["modified"] == "2026-11-07T10:00:00Z"  # its revision
    report = build.publish_workspace(
        workspace.open_workspace(site_ws.root), datetime(2026, 11, 12, 0, 5, tzinfo=UTC)
    )
    assert "advisories.json" in report.written
    assert "advisories/ACSA-2026-0002.html" not in report.written  # (kept: no full rebuild)
    after = index(site_ws)
    first = after["ACSA-2026-0001"]
    assert first["disclosed"] and first["cve_record"] is not None
    assert first["modified"] == "2026-11-12T00:00:00Z"  # the disclosure instant
    assert after["ACSA-2026-0002"] == before["ACSA-2026-0002"]  # (not disclosed yet)
    synced = [i for i, row in after.items() if row["modified"] > "2026-11-11T12:00:00Z"]
    assert synced == ["ACSA-2026-0001"]
    # The entry agrees with the feeds and the records.
    assert atom_entries(site_ws)["ACSA-2026-0001"] == "2026-11-12T00:00:00+00:00"
    osv = json.loads((site_ws.root / "site" / "osv" / "ACSA-2026-0001.json").read_text())
    assert osv["modified"] == first["modified"]
    # A revision before the disclosure gives way to it; one after it moves it on.
    publish(site_ws, datetime(2026, 12, 5, 0, 5, tzinfo=UTC))
    assert index(site_ws)["ACSA-2026-0002"]["modified"] == "2026-12-05T00:00:00Z"
    marked(site_ws, 2, released="2026-11-05T09:30:00Z", revisions=TWICE)
    publish(site_ws, datetime(2026, 12, 11, tzinfo=UTC))
    assert index(site_ws)["ACSA-2026-0002"]["modified"] == "2026-12-10T08:00:00Z"


def atom_entries(ws: Workspace) -> dict[str, str]:
    feed = feedparser.parse((ws.root / "site" / "atom.xml").read_bytes())
    return {e.link.rsplit("/", 1)[-1].removesuffix(".html"): e.updated for e in feed.entries}

"""RSS and Atom: valid (feedparser), stable ids, times from the advisories, never the clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser

import feedparser

from releasekit.site import build, feeds
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.sites import PLACEHOLDER, marked, markers


def publish(ws: Workspace, moment: datetime) -> None:
    build.publish_workspace(workspace.open_workspace(ws.root), moment)


def parsed(ws: Workspace, name: str) -> feedparser.FeedParserDict:
    result = feedparser.parse((ws.root / "site" / name).read_bytes())
    assert not result.bozo, result.get("bozo_exception")
    return result


def test_feeds_parse_and_follow_the_disclosure(site_ws: Workspace) -> None:
    marked(site_ws, 1)  # released 2026-10-13, details on 2026-11-12
    marked(site_ws, 2, released="2026-11-05T09:30:00Z")
    marked(site_ws, 3, released=None)  # embargoed
    publish(site_ws, datetime(2026, 11, 6, 12, tzinfo=UTC))
    url = "https://acme.example/security/advisories/ACSA-2026-{:04d}.html"
    for name, version in (("feed.xml", "rss20"), ("atom.xml", "atom10")):
        feed = parsed(site_ws, name)
        assert feed.version == version
        assert [e.id for e in feed.entries] == [url.format(2), url.format(1)]
        assert feed.entries[0].title == f"ACSA-2026-0002: {markers(2)['title']}"
        assert PLACEHOLDER.format("2026-12-05") in feed.entries[0].summary
        assert markers(1)["body"] not in str(feed)
        assert "ACSA-2026-0003" not in str(feed)
    atom = parsed(site_ws, "atom.xml")
    assert atom.feed.updated == "2026-11-05T09:30:00+00:00"
    assert atom.entries[1].updated == "2026-10-13T14:00:07+00:00"
    publish(site_ws, datetime(2026, 11, 12, 0, 5, tzinfo=UTC))  # ACSA-2026-0001's details
    atom = parsed(site_ws, "atom.xml")
    assert [e.id for e in atom.entries] == [url.format(1), url.format(2)]  # updated first
    assert atom.entries[0].updated == "2026-11-12T00:00:00+00:00"
    assert atom.entries[0].published == "2026-10-13T14:00:07+00:00"
    assert atom.feed.updated == "2026-11-12T00:00:00+00:00"
    assert "Placeholder" not in atom.entries[0].summary
    rss = parsed(site_ws, "feed.xml")
    assert rss.entries[0].guid == url.format(1)
    assert rss.feed.updated == "Thu, 12 Nov 2026 00:00:00 +0000"


def test_rss_items_say_when_they_changed(site_ws: Workspace) -> None:
    # RSS 2.0 has only pubDate (the release): a reader of feed.xml saw an entry's updated
    # time stay the release through its disclosure and every revision.
    path = marked(site_ws, 1)  # released 2026-10-13, details on 2026-11-12
    publish(site_ws, datetime(2026, 11, 6, 12, tzinfo=UTC))
    (entry,) = parsed(site_ws, "feed.xml").entries
    assert entry.updated == "2026-10-13T14:00:07+00:00"
    publish(site_ws, datetime(2026, 11, 12, 0, 5, tzinfo=UTC))
    (entry,) = parsed(site_ws, "feed.xml").entries
    assert entry.updated == "2026-11-12T00:00:00+00:00"
    assert entry.published == "Tue, 13 Oct 2026 14:00:07 +0000"
    revised = '[{ date = 2026-11-20T10:00:00Z, reason = "Corrected the affected range" }]'
    path.write_text(path.read_text().replace("+++\n\n", f"revisions = {revised}\n+++\n\n"))
    publish(site_ws, datetime(2026, 11, 21, tzinfo=UTC))
    (entry,) = parsed(site_ws, "feed.xml").entries
    assert entry.updated == "2026-11-20T10:00:00+00:00"


def test_feeds_give_the_instants_the_pages_and_records_give(site_ws: Workspace) -> None:
    # A release written to the microsecond: the feeds said 14:00:07.123456, the page, the
    # JSON and the records (to the second, as every output writes instants) 14:00:07.
    marked(site_ws, 1, released="2026-10-13T14:00:07.123456Z")
    publish(site_ws, datetime(2026, 11, 6, 12, tzinfo=UTC))
    (row,) = json.loads((site_ws.root / "site" / "advisories.json").read_text())["advisories"]
    assert row["released"] == "2026-10-13T14:00:07Z"
    page = (site_ws.root / "site" / "advisories" / "ACSA-2026-0001.html").read_text()
    assert '<time datetime="2026-10-13T14:00:07Z">' in page
    for name in ("feed.xml", "atom.xml"):
        (entry,) = parsed(site_ws, name).entries
        assert entry.published_parsed[:6] == (2026, 10, 13, 14, 0, 7)
        assert entry.updated == "2026-10-13T14:00:07+00:00"
    assert parsed(site_ws, "atom.xml").feed.updated == "2026-10-13T14:00:07+00:00"


def test_feeds_do_not_depend_on_the_build_clock(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish(site_ws, datetime(2026, 10, 20, 1, tzinfo=UTC))
    first = {n: (site_ws.root / "site" / n).read_bytes() for n in ("feed.xml", "atom.xml")}
    (site_ws.root / "site" / "feed.xml").unlink()  # forces a rebuild of the shared files
    publish(site_ws, datetime(2026, 11, 3, 23, tzinfo=UTC))
    again = {n: (site_ws.root / "site" / n).read_bytes() for n in ("feed.xml", "atom.xml")}
    assert again == first


def test_an_empty_site_has_valid_feeds(site_ws: Workspace) -> None:
    publish(site_ws, datetime(2026, 10, 20, tzinfo=UTC))
    for name in ("feed.xml", "atom.xml"):
        feed = parsed(site_ws, name)
        assert feed.entries == []
    assert parsed(site_ws, "atom.xml").feed.updated == "1970-01-01T00:00:00+00:00"


def test_feeds_keep_the_newest_entries(site_ws: Workspace) -> None:
    count = feeds.FEED_LIMIT + 5
    for n in range(1, count + 1):
        day = datetime(2026, 1, 1, tzinfo=UTC).toordinal() + n
        stamp = datetime.fromordinal(day).strftime("%Y-%m-%dT10:00:00Z")
        marked(site_ws, n, released=stamp)
    publish(site_ws, datetime(2026, 12, 31, tzinfo=UTC))
    feed = parsed(site_ws, "atom.xml")
    assert len(feed.entries) == feeds.FEED_LIMIT
    assert feed.entries[0].id.endswith(f"ACSA-2026-{count:04d}.html")
    index = (site_ws.root / "site" / "index.html").read_text()
    assert index.count('<tr id="ACSA-2026-') == count  # the index lists them all


def test_a_revision_of_an_old_advisory_comes_first(site_ws: Workspace) -> None:
    # The feeds took their 100 entries by release or disclosure alone: a revision of an
    # advisory released before the newest 100 never reached a reader.
    for n in range(1, feeds.FEED_LIMIT + 6):
        day = datetime(2026, 1, 1, tzinfo=UTC).toordinal() + n
        marked(site_ws, n, released=datetime.fromordinal(day).strftime("%Y-%m-%dT10:00:00Z"))
    publish(site_ws, datetime(2026, 12, 31, tzinfo=UTC))
    revised = '[{ date = 2027-01-05T10:00:00Z, reason = "Corrected the affected range" }]'
    marked(site_ws, 1, released="2026-01-02T10:00:00Z", revisions=revised)
    publish(site_ws, datetime(2027, 1, 6, tzinfo=UTC))
    for name in ("feed.xml", "atom.xml"):
        feed = parsed(site_ws, name)
        assert len(feed.entries) == feeds.FEED_LIMIT
        assert feed.entries[0].id.endswith("ACSA-2026-0001.html")
    assert parsed(site_ws, "atom.xml").entries[0].updated == "2027-01-05T10:00:00+00:00"


class _Reader(HTMLParser):
    """What a reader shows of an HTML value: its text, and any element it would make."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.elements: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.elements.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.elements.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shown(detail: feedparser.FeedParserDict) -> str:
    """The text a reader shows of a feed value (feedparser says whether it is HTML)."""
    if detail.type == "text/plain":
        return str(detail.value)
    assert detail.type in ("text/html", "application/xhtml+xml"), detail.type
    reader = _Reader()
    reader.feed(detail.value)
    reader.close()
    assert reader.elements == [], detail.value  # no live element reaches the reader
    return "".join(reader.text)


def test_every_feed_text_reaches_a_reader_as_written(site_ws: Workspace) -> None:
    # RSS readers take a description (and a title) as HTML: "S <img src=x>" reached them as
    # an element, and "Ref<B, T>" lost its "<B, T>".
    title = "Ref<B, T> & <b>bold</b> AT&amp;T"
    summary = "S <img src=x> and &lt; stay text."
    site_ws.write(
        "releasekit.toml",
        (site_ws.root / "releasekit.toml").read_text().replace("Acme Server", "Acme <i>S</i> &"),
    )
    marked(site_ws, 1, title=f'"{title}"', summary=f'"{summary}"')
    publish(site_ws, datetime(2026, 11, 6, 12, tzinfo=UTC))
    for name in ("feed.xml", "atom.xml"):
        feed = parsed(site_ws, name)
        assert shown(feed.feed.title_detail) == "Acme <i>S</i> & security updates"
        assert shown(feed.feed.subtitle_detail) == "Security advisories of Acme <i>S</i> &"
        (entry,) = feed.entries
        assert shown(entry.title_detail) == f"ACSA-2026-0001: {title}"
        text = entry.content[0] if name == "atom.xml" else entry.summary_detail
        assert shown(text).startswith(f"{summary} Severity: High (6.5).")

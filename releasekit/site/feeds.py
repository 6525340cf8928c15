"""RSS 2.0 (``feed.xml``) and Atom 1.0 (``atom.xml``) with feedgen (pure, no I/O).

One entry per released advisory, newest change first (at most :data:`FEED_LIMIT`). An entry's
id is its page URL and never changes; its ``updated`` time is the release, then the moment its
details became public, or its latest revision (``advisory revise``) when that is later (an
RSS item's ``atom:updated``: RSS has only ``pubDate``, the release). The
feed's own timestamps are the newest entry's: nothing comes from the build clock, so the same
advisories on the same day give the same bytes. Every text
reaches a reader as written: HTML-escaped in RSS (whose readers take a title or description
as HTML), ``type="text"`` in Atom.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from releasekit import records
from releasekit.model.config import Settings
from releasekit.site.views import FeedRow, severity_title

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

__all__ = ["FEED_LIMIT", "FeedRow", "atom", "rss", "select"]

FEED_LIMIT = 100  # feed readers poll often; the index and advisories.json list everything
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the feeds' time when nothing is public yet
ATOM = "http://www.w3.org/2005/Atom"  # (RSS declares it for its atom:link already)


def _utc(stamp: float) -> datetime:
    """To the second, as every other output writes an instant (timefmt.iso_utc)."""
    return datetime.fromtimestamp(stamp, UTC).replace(microsecond=0)


def select(rows: Iterable[FeedRow]) -> list[FeedRow]:
    """The entries of the feeds: newest change first, ties by id, at most FEED_LIMIT."""
    return heapq.nlargest(FEED_LIMIT, rows, key=lambda r: (r.updated, r.order))


def _rss_text(text: str) -> str:
    """Text as RSS carries it: readers take an RSS title or description as HTML (entity-
    escaped in the XML), so the text is HTML-escaped first: ``S <img src=x>`` reaches them
    as those characters, never as an element, and ``Ref<B, T>`` keeps its ``<B, T>``."""
    return html.escape(text, quote=False)


def _atom_text(text: str) -> str:
    """Text as Atom carries it: its elements say type="text" (the default), so readers show
    the characters as they are."""
    return text


class _Nothing:
    """The feed's part of the RSS extension below (it adds nothing to the channel)."""

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _Changed(_Nothing):
    """An RSS item's ``atom:updated``: RSS 2.0 has only ``pubDate`` (the release), so
    without it a reader saw no change at the disclosure or a revision."""

    at: datetime | None = None

    def extend_rss(self, feed: Any) -> Any:
        if self.at is not None:
            from feedgen.util import xml_elem  # (only when the feeds are made)

            updated = xml_elem(f"{{{ATOM}}}updated", feed)
            updated.text = self.at.isoformat()
        return feed


def _generator(
    settings: Settings, chosen: Sequence[FeedRow], self_url: str, atom: bool
) -> FeedGenerator:
    from feedgen.feed import FeedGenerator  # with lxml: only when the feeds are made

    text = _atom_text if atom else _rss_text
    base = settings.project.site_url.rstrip("/")
    newest = _utc(chosen[0].updated) if chosen else EPOCH
    fg = FeedGenerator()
    fg.id(base + "/")
    fg.title(text(f"{settings.project.name} security updates"))
    fg.subtitle(text(f"Security advisories of {settings.project.name}"))
    fg.description(text(f"Security advisories of {settings.project.name}"))
    # feedgen makes RSS's channel <link> of the last link given: the page, never the feed.
    fg.link(href=self_url, rel="self")
    fg.link(href=base + "/", rel="alternate")
    fg.language("en")
    fg.author({"name": text(settings.project.vendor)})
    fg.generator("releasekit")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    if not atom:
        fg.register_extension("changed", _Nothing, _Changed, atom=False, rss=True)
    for item in chosen:
        url = records.page_url(settings, item.id)
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(text(item.title))
        entry.link(href=url, rel="alternate")
        if atom:
            entry.content(item.text, type="text")
        else:
            entry.description(text(item.text))
        entry.published(_utc(item.published))
        entry.updated(_utc(item.updated))
        if not atom:
            entry.changed.at = _utc(item.updated)
        label = severity_title(item.severity)
        entry.category(term=item.severity, label=label)
    return fg


def rss(settings: Settings, chosen: Sequence[FeedRow]) -> bytes:
    """RSS 2.0 of the rows that :func:`select` chose."""
    url = settings.project.site_url.rstrip("/") + "/feed.xml"
    data: bytes = _generator(settings, chosen, url, atom=False).rss_str(pretty=True)
    return data


def atom(settings: Settings, chosen: Sequence[FeedRow]) -> bytes:
    """Atom 1.0 of the rows that :func:`select` chose."""
    url = settings.project.site_url.rstrip("/") + "/atom.xml"
    data: bytes = _generator(settings, chosen, url, atom=True).atom_str(pretty=True)
    return data

"""RSS 2.0 (``feed.xml``) and Atom 1.0 (``atom.xml``) with feedgen (pure, no I/O).

One entry per released advisory, newest change first (at most :data:`FEED_LIMIT`). An entry's
id is its page URL and never changes; its ``updated`` time is the release, then the moment its
details became public. The feed's own timestamps are the newest entry's: nothing comes from
the build clock, so the same advisories on the same day give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from ..advisory import Advisory
from ..config import Settings
from . import model

FEED_LIMIT = 100  # feed readers poll often; the index and advisories.json list everything
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the feeds' time when nothing is public yet


@dataclass(frozen=True)
class FeedItem:
    advisory: Advisory
    visibility: model.Visibility

    def updated(self, disclosure_days: int) -> datetime:
        if self.visibility is model.Visibility.DISCLOSED:
            moment = self.advisory.disclosed_at(disclosure_days)
        else:
            moment = self.advisory.released
        assert moment is not None
        return moment


def _text(settings: Settings, item: FeedItem) -> str:
    advisory = item.advisory
    severity = advisory.severity.title()
    if advisory.score is not None:
        severity += f" ({advisory.score:.1f})"
    parts = [advisory.summary, f"Severity: {severity}."]
    fixed = model.versions(advisory).fixed_list
    if fixed:
        parts.append(f"Fixed in {', '.join(fixed)}.")
    if item.visibility is model.Visibility.RELEASED:
        day = advisory.disclosure_date(settings.project.disclosure_days)
        assert day is not None
        parts.append(model.placeholder(day))
    return " ".join(parts)


def select(items: Sequence[FeedItem], disclosure_days: int) -> list[FeedItem]:
    """The entries of the feeds: newest change first, ties by id, at most FEED_LIMIT."""
    ordered = sorted(
        items,
        key=lambda i: (i.updated(disclosure_days), i.advisory.year, i.advisory.number),
        reverse=True,
    )
    return ordered[:FEED_LIMIT]


def _generator(settings: Settings, items: Sequence[FeedItem], self_url: str) -> FeedGenerator:
    base = settings.project.site_url.rstrip("/")
    days = settings.project.disclosure_days
    chosen = select(items, days)
    newest = chosen[0].updated(days) if chosen else EPOCH
    fg = FeedGenerator()
    fg.id(base + "/")
    fg.title(f"{settings.project.name} security updates")
    fg.subtitle(f"Security advisories of {settings.project.name}")
    fg.description(f"Security advisories of {settings.project.name}")
    fg.link(href=base + "/", rel="alternate")
    fg.link(href=self_url, rel="self")
    fg.language("en")
    fg.author({"name": settings.project.vendor})
    fg.generator("releasekit")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for item in chosen:
        advisory = item.advisory
        url = f"{base}/advisories/{advisory.id}.html"
        entry = fg.add_entry(order="append")
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(f"{advisory.id}: {advisory.title}")
        entry.link(href=url, rel="alternate")
        entry.description(_text(settings, item))
        entry.published(advisory.released)
        entry.updated(item.updated(days))
        entry.category(term=advisory.severity, label=advisory.severity.title())
    return fg


def rss(settings: Settings, items: Sequence[FeedItem]) -> bytes:
    url = settings.project.site_url.rstrip("/") + "/feed.xml"
    data: bytes = _generator(settings, items, url).rss_str(pretty=True)
    return data


def atom(settings: Settings, items: Sequence[FeedItem]) -> bytes:
    url = settings.project.site_url.rstrip("/") + "/atom.xml"
    data: bytes = _generator(settings, items, url).atom_str(pretty=True)
    return data

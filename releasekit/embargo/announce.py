"""``embargo announce``: the public pre-announcement of the next embargo.

The date, the versions and the highest severity, days before the release, so that users can
plan to upgrade; never an advisory id, title, CVE or detail. Signed like the announcement.
What it says is journalled before it is sent, and the site is published once it is: its
upcoming.ics and upcoming.json show it until the release (see site.upcoming).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from packaging.version import Version

from releasekit.adapters.journal import Journal
from releasekit.adapters.signing import Signer
from releasekit.embargo import texts
from releasekit.embargo.batch import upcoming
from releasekit.embargo.context import Outside, require_mail
from releasekit.embargo.run import run_id
from releasekit.embargo.sending import Ahead, Asked, ahead_of, send_ahead, signed
from releasekit.model import public
from releasekit.model.config import Settings
from releasekit.site import build
from releasekit.site import upcoming as calendar
from releasekit.support import fsutil
from releasekit.support.errors import NotDone, ReleasekitError


@dataclass
class PreAnnouncement(Ahead):
    """The public pre-announcement of the next embargo (what was, or would be, sent)."""

    instant: datetime
    count: int  # shown to the release manager only: the message does not count the issues
    highest: str
    lines: list[tuple[str, str]]  # (line, version to be released)
    recipients: list[str]


def pre_announce(
    settings: Settings,
    outside: Outside,
    now: datetime,
    **asked: Unpack[Asked[PreAnnouncement]],
) -> PreAnnouncement:
    """Announce the date, versions and highest severity of the next embargo; no details.

    Covers the advisories whose embargo is the next instant. Signed like the announcement,
    one message per list, each sent once (journalled under that instant: a moved embargo
    may be announced again).
    """
    mail_settings = require_mail(settings)
    ahead = upcoming(settings, outside, now, "pre-announce")
    needed = {c.line for c in ahead.plan.cells if c.required}
    lines = [line for line in ahead.plan.lines if line.name in needed]
    lines.sort(key=lambda line: Version(line.name), reverse=True)
    item = PreAnnouncement(
        ahead.instant,
        len(ahead.batch),
        public.ahead(ahead.batch).highest,
        [(line.name, line.next_version) for line in lines],
        list(mail_settings.to),
    )
    item.subject, item.body = texts.pre_announcement(settings, ahead.instant, lines, ahead.batch)
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    message = signed(lambda: (item.subject, item.body), mail_settings, now, signer)
    mailing = ahead_of(ahead, ("announce", "pre-announcement"), mail_settings.to, message)
    said = [(line.name, line.next_version, line.tag is None) for line in lines]  # as texts does

    def record(book: Journal) -> None:
        run = run_id(ahead.ids)
        calendar.record(book, run, ahead.instant, said, item.highest, ahead.ids, now)

    done = send_ahead(settings, outside, now, item, mailing, signer, before=record, **asked)
    if not asked.get("dry_run"):
        _publish(settings, now, mail_settings.to)  # its upcoming.* show it from now on
    return done


def _publish(settings: Settings, now: datetime, addresses: Sequence[str]) -> None:
    """Publish the site once every list has the pre-announcement. What stops it (the daily
    publish running meanwhile, a full disk) says that the messages went out: the command
    stops with exit 1 before it can say to whom it sent them, and a bare "another releasekit
    publish is running" read as if nothing had happened."""
    try:
        build.publish_workspace(settings, now)
    except (ReleasekitError, OSError) as exc:
        why = fsutil.describe(exc, settings.root) if isinstance(exc, OSError) else str(exc)
        raise NotDone(
            f"{why}. The pre-announcement is sent (to {', '.join(addresses)}), but the site "
            "does not show it yet: re-run `releasekit embargo announce` to publish it "
            "(nothing is sent again)."
        ) from exc

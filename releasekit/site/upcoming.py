"""The upcoming security releases: ``site/upcoming.ics`` (iCalendar) and ``upcoming.json``.

They show exactly what ``embargo announce`` made public (the release instant, each line with
the version it will get, the highest severity: :func:`releasekit.model.public.ahead`) from
the moment the first pre-announcement message was accepted until the release, and nothing of
any advisory: not an id, not a count.

The pre-announcement records what it says in the journal (:func:`record`, under
``upcoming/RUN/INSTANT``) before it sends; an entry is shown once a message of that mailing
is done (``announce/RUN/INSTANT/ADDRESS``), dated by the first such message. An entry goes
when an advisory of its batch is released (the lift), or when a later pre-announcement names
one of its advisories (a moved embargo, a batch that grew). Every time in the files comes
from the journal: the same journal and advisories give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from releasekit.adapters import journal
from releasekit.model.config import Settings
from releasekit.support import timefmt

ICS, JSON = "upcoming.ics", "upcoming.json"
FILES = (ICS, JSON)
_RECORD = "upcoming/"  # the journal key of what a pre-announcement says: + RUN/INSTANT
_MAILS = "announce/"  # its messages (sending.ahead_of): + RUN/INSTANT/ADDRESS


@dataclass(frozen=True)
class Line:
    """A line of a pre-announcement and the version it will get."""

    line: str
    version: str
    upcoming: bool  # the line's first release


@dataclass(frozen=True)
class Announced:
    """What one pre-announcement made public, and when."""

    release: datetime
    announced: datetime  # when its first message was accepted
    highest: str
    lines: tuple[Line, ...]
    ids: tuple[str, ...]  # its advisories: private, to know when it ends (never shown)


def record(
    book: journal.Journal,
    run: str,
    release: datetime,
    lines: Sequence[tuple[str, str, bool]],
    highest: str,
    ids: Sequence[str],
    now: datetime,
) -> None:
    """Journal what the pre-announcement of ``run`` at ``release`` says (before it is sent)."""
    detail = {
        "release": timefmt.iso_utc(release),
        "highest": highest,
        "lines": [list(line) for line in lines],
        "ids": sorted(ids),
    }
    key = f"{_RECORD}{run}/{timefmt.iso_utc(release)}"
    book.finish(key, now, detail)


def announced(state_dir: Path) -> list[Announced]:
    """Every pre-announcement of which a message was accepted, oldest first."""
    book = journal.Journal.reading(state_dir)
    if book is None:
        return []
    found: list[Announced] = []
    with book:
        records, mails = book.steps(_RECORD), book.steps(_MAILS)  # (each one query)
        done = [m for m in mails if m.status == "done"]
        for step in records:
            prefix = f"{_MAILS}{step.key[len(_RECORD) :]}/"
            sent = [m for m in done if m.key.startswith(prefix)]
            if not sent:
                continue
            try:
                found.append(_read(step.detail, [m.updated for m in sent]))
            except _NotAsWritten as exc:  # not as record() writes it: damage
                raise book.damaged(step, "an announcement", f"detail.{exc.field}") from None
    found.sort(key=lambda a: (a.announced, a.release))
    return found


class _NotAsWritten(Exception):
    """A journalled pre-announcement whose ``field`` is missing or of another type."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _read(detail: dict[str, Any], sent: Sequence[str]) -> Announced:
    """A pre-announcement as :func:`record` journalled it, and the times its messages were
    accepted (instants, as the journal checks); _NotAsWritten when it is not that."""
    field = "release"
    try:
        release = _instant(detail["release"])
        field = "highest"
        highest = str(detail["highest"])
        field = "lines"
        lines = tuple(Line(str(a), str(b), bool(c)) for a, b, c in detail["lines"])
        field = "ids"
        ids = tuple(str(ident) for ident in detail["ids"])
    except (KeyError, TypeError, ValueError):
        raise _NotAsWritten(field) from None
    return Announced(release, min(_instant(updated) for updated in sent), highest, lines, ids)


def key(entries: Sequence[Announced]) -> str:
    """What the files are made of, as far as the journal goes (the build state keeps it)."""
    return hashlib.blake2b(repr(list(entries)).encode(), digest_size=16).hexdigest()


def current(
    entries: Sequence[Announced], released: Mapping[str, float | None], now: datetime
) -> list[Announced]:
    """The entries still to come at ``now``: announced by then, none of their advisories
    released or announced again later, and at least one of them still there (``released``:
    by id, the release instant or None). By release instant."""
    kept: list[Announced] = []
    for i, entry in enumerate(entries):
        if entry.announced > now:
            continue
        later = {ident for other in entries[i + 1 :] for ident in other.ids}
        if later.intersection(entry.ids):
            continue
        known = [ident for ident in entry.ids if ident in released]
        if known and all(released[ident] is None for ident in known):
            kept.append(entry)
    kept.sort(key=lambda a: a.release)
    return kept


def files(settings: Settings, entries: Sequence[Announced]) -> dict[str, bytes]:
    """upcoming.ics and upcoming.json for the ``entries`` still to come (see current)."""
    return {ICS: _calendar(settings, entries), JSON: _json(settings, entries)}


def _json(settings: Settings, entries: Sequence[Announced]) -> bytes:
    project = settings.project
    document: dict[str, Any] = {
        "format": "releasekit-upcoming",
        "version": 1,
        "project": {"name": project.name, "site_url": project.site_url.rstrip("/")},
        "upcoming": [
            {
                "release": timefmt.iso_utc(entry.release),
                "announced": timefmt.iso_utc(entry.announced),
                "highest_severity": entry.highest,
                "releases": [
                    {"line": line.line, "version": line.version, "upcoming": line.upcoming}
                    for line in entry.lines
                ],
            }
            for entry in entries
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _calendar(settings: Settings, entries: Sequence[Announced]) -> bytes:
    project = settings.project
    site = project.site_url.rstrip("/")
    host = urlsplit(site).hostname or "releasekit.invalid"
    import icalendar  # (24 ms to import: only a build that writes the files needs it)

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//releasekit//{project.name} security releases//EN")
    calendar.add("version", "2.0")
    # (A property icalendar does not know it writes as given; as RFC 5545 3.8.8.2 says, an
    # X- property's value is TEXT, whose commas, semicolons and backslashes are escaped.)
    calendar.add("x-wr-calname", icalendar.vText(f"{project.name} security releases"))
    for entry in entries:
        versions = ", ".join(line.version for line in entry.lines)
        event = icalendar.Event()
        # The instant names the event: the batch's run id derives from advisory ids.
        event.add("uid", f"security-release-{entry.release:%Y%m%dT%H%M%SZ}@{host}")
        event.add("dtstamp", entry.announced)
        event.add("dtstart", entry.release)
        event.add(
            "summary",
            f"{project.name} security release {versions} "
            f"(highest severity: {entry.highest.title()})",
        )
        event.add("description", _description(settings, entry))
        event.add("url", f"{site}/index.html")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _description(settings: Settings, entry: Announced) -> str:
    name = settings.project.name
    lines = [
        f"The {name} project will release security updates at "
        f"{timefmt.instant(entry.release, settings.zone)}.",
        f"Of the issues fixed, the highest severity is {entry.highest.title()}.",
        "Releases:",
        *(
            f"  {line.version}{' (upcoming release)' if line.upcoming else ''}"
            for line in entry.lines
        ),
        "Details on the issues will be posted after the release, as per our Responsible "
        "Disclosure Policy.",
    ]
    return "\n".join(lines)


def _instant(text: str) -> datetime:
    found = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if found.tzinfo is None:  # (every instant journalled has its zone)
        raise ValueError(f"no time zone: {text}")
    return found

"""site/upcoming.ics and upcoming.json: what a pre-announcement made public, until the release."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from releasekit.adapters.journal import Journal
from releasekit.site import upcoming
from releasekit.support.errors import EXIT_BAD_INPUT, JournalDamaged
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.sites import marked
from tests.unit.site.test_build import publish_at

RELEASE = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
SAID = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
LINES = [("10.4", "10.4.0", True), ("10.3", "10.3.4", False)]
IDS = ["ACSA-2026-0007", "ACSA-2026-0008"]


def announce(
    state: Path,
    *,
    run: str = "run-1",
    release: datetime = RELEASE,
    said: datetime = SAID,
    ids: list[str] = IDS,
    sent: bool = True,
) -> None:
    """What `embargo announce` journals: the record, then one message done (or only started)."""
    stamp = release.strftime("%Y-%m-%dT%H:%M:%SZ")
    with Journal.open(state) as book:
        upcoming.record(book, run, release, LINES, "high", ids, said - timedelta(seconds=1))
        key = f"announce/{run}/{stamp}/announce@lists.acme.example"
        book.start(key, said)
        if sent:
            book.finish(key, said, {"message_id": "<m@acme.example>"})


def test_an_announcement_shows_once_a_message_is_accepted(tmp_path: Path) -> None:
    assert upcoming.announced(tmp_path) == []  # no journal: none, and nothing created
    assert not (tmp_path / "journal.sqlite3").exists()
    announce(tmp_path, sent=False)
    assert upcoming.announced(tmp_path) == []  # recorded, but not sent yet
    announce(tmp_path)
    [entry] = upcoming.announced(tmp_path)
    assert entry.release == RELEASE and entry.announced == SAID and entry.highest == "high"
    assert [(line.line, line.version, line.upcoming) for line in entry.lines] == LINES
    assert entry.ids == tuple(IDS)


def test_an_entry_ends_with_the_release_or_a_later_announcement(tmp_path: Path) -> None:
    announce(tmp_path)
    entries = upcoming.announced(tmp_path)
    pending = {ident: None for ident in IDS}
    now = SAID + timedelta(hours=1)
    assert upcoming.current(entries, pending, now) == entries
    assert upcoming.current(entries, pending, SAID - timedelta(seconds=1)) == []  # not yet
    released = {**pending, IDS[0]: RELEASE.timestamp()}
    assert upcoming.current(entries, released, now) == []
    assert upcoming.current(entries, {}, now) == []  # its advisories are gone
    moved = RELEASE + timedelta(days=2)  # the embargo moved, announced again
    announce(tmp_path, run="run-2", release=moved, said=SAID + timedelta(hours=2))
    entries = upcoming.announced(tmp_path)
    [shown] = upcoming.current(entries, pending, now + timedelta(hours=2))
    assert shown.release == moved


def test_the_files_show_what_was_said_and_nothing_of_an_advisory(
    ws: Workspace, tmp_path: Path
) -> None:
    announce(tmp_path)
    entries = upcoming.announced(tmp_path)
    settings = workspace.open_workspace(ws.root)
    files = upcoming.files(settings, entries)
    assert files == upcoming.files(settings, upcoming.announced(tmp_path))  # same bytes
    document = json.loads(files[upcoming.JSON])
    assert document["upcoming"] == [
        {
            "release": "2026-12-01T14:00:00Z",
            "announced": "2026-11-28T09:30:00Z",
            "highest_severity": "high",
            "releases": [
                {"line": "10.4", "version": "10.4.0", "upcoming": True},
                {"line": "10.3", "version": "10.3.4", "upcoming": False},
            ],
        }
    ]
    calendar = icalendar.Calendar.from_ical(files[upcoming.ICS])
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == RELEASE
    assert event.decoded("dtstamp") == SAID  # from the announcement, not the build clock
    assert str(event["uid"]) == "security-release-20261201T140000Z@acme.example"
    summary = str(event["summary"])
    assert summary == "Acme Server security release 10.4.0, 10.3.4 (highest severity: High)"
    assert "10.4.0 (upcoming release)" in str(event["description"])
    for data in files.values():  # no id, no run (it derives from the ids), no count
        for secret in (*IDS, "run-1", "2026-0007", "ACSA", "issues fixed: 2"):
            assert secret.encode() not in data
    empty = upcoming.files(settings, [])
    assert json.loads(empty[upcoming.JSON])["upcoming"] == []
    assert icalendar.Calendar.from_ical(empty[upcoming.ICS]).walk("VEVENT") == []


def text_value(escaped: str) -> str:
    """A TEXT value as RFC 5545 3.3.11 reads it (an unescaped comma separates values)."""
    assert re.search(r"(?<!\\)(?:\\\\)*[,;]", escaped) is None, escaped
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], escaped)


def test_the_project_name_is_text_in_the_calendar(ws: Workspace, tmp_path: Path) -> None:
    # X-WR-CALNAME was written as given: a comma or a semicolon of the name unescaped in a
    # TEXT value, and a backslash that a reader took for the start of an escape.
    from dataclasses import replace

    announce(tmp_path)
    settings = workspace.open_workspace(ws.root)
    name = "Acme, Inc.; MARKER\\n \\, Server"
    settings = replace(settings, project=replace(settings.project, name=name))
    ics = upcoming.files(settings, upcoming.announced(tmp_path))[upcoming.ICS].decode()
    unfolded = ics.replace("\r\n ", "")
    for prop in ("X-WR-CALNAME", "PRODID", "SUMMARY"):
        [value] = [
            line.split(":", 1)[1] for line in unfolded.split("\r\n") if line.startswith(prop)
        ]
        assert name in text_value(value), prop


def test_publish_writes_them_and_notices_an_announcement_with_nothing_else_changed(
    ws: Workspace,
) -> None:
    marked(ws, 7, released=None, embargo="2026-12-01T14:00:00Z")
    first = publish_at(ws, "2026-11-28T09:00:00Z")
    assert {"upcoming.ics", "upcoming.json"} <= set(first.written)
    site = ws.root / "site"
    assert json.loads((site / "upcoming.json").read_bytes())["upcoming"] == []
    announce(ws.root / ".releasekit", ids=["ACSA-2026-0007"])
    second = publish_at(ws, "2026-11-28T10:00:00Z")  # the daily run: no advisory changed
    assert sorted(second.written) == ["upcoming.ics", "upcoming.json"]
    [entry] = json.loads((site / "upcoming.json").read_bytes())["upcoming"]
    assert entry["release"] == "2026-12-01T14:00:00Z"
    assert publish_at(ws, "2026-11-29T10:00:00Z").written == ()  # the same bytes a day later


def test_an_announcement_after_the_last_build_s_clock_shows_when_its_time_comes(
    ws: Workspace,
) -> None:
    marked(ws, 7, released=None, embargo="2026-12-01T14:00:00Z")
    announce(ws.root / ".releasekit", ids=["ACSA-2026-0007"])  # said at 09:30
    # A build whose clock is before the announcement (one that read the journal as the
    # pre-announcement went out, or a clock set back): nothing to show yet.
    publish_at(ws, "2026-11-28T09:00:00Z")
    site = ws.root / "site"
    assert json.loads((site / "upcoming.json").read_bytes())["upcoming"] == []
    later = publish_at(ws, "2026-11-28T10:00:00Z")  # the journal as it was, the time come
    assert sorted(later.written) == ["upcoming.ics", "upcoming.json"]
    [entry] = json.loads((site / "upcoming.json").read_bytes())["upcoming"]
    assert entry["announced"] == "2026-11-28T09:30:00Z"


NOT_AS_WRITTEN = "is not as an announcement writes it"


@pytest.mark.parametrize(
    ("prefix", "column", "value", "field", "said"),
    [
        ("upcoming/", "detail", "{not json", "detail", "is not a JSON object"),
        ("upcoming/", "detail", "null", "detail", "is not a JSON object"),
        ("upcoming/", "detail", "{}", "detail.release", NOT_AS_WRITTEN),
        (
            "upcoming/",
            "detail",
            '{"release": "soon", "highest": "high", "lines": [], "ids": []}',
            "detail.release",
            NOT_AS_WRITTEN,
        ),
        (
            "upcoming/",
            "detail",
            '{"release": "2026-12-01T14:00:00Z", "highest": "high", "lines": [1], "ids": []}',
            "detail.lines",
            NOT_AS_WRITTEN,
        ),
        ("announce/", "detail", "[1, 2]", "detail", "is not a JSON object"),
        ("announce/", "updated", "2026-11-28T09:30:00", "updated", "has no time"),  # no zone
    ],
)
def test_a_damaged_announcement_in_the_journal_is_bad_input_naming_its_row(
    ws: Workspace, prefix: str, column: str, value: str, field: str, said: str
) -> None:
    marked(ws, 7, released=None, embargo="2026-12-01T14:00:00Z")
    state = ws.root / ".releasekit"
    announce(state, ids=["ACSA-2026-0007"])
    path = state / "journal.sqlite3"
    update = {  # (the damage: a column's value, as a damaged file might read)
        "detail": "UPDATE steps SET detail = ? WHERE key LIKE ?",
        "updated": "UPDATE steps SET updated = ? WHERE key LIKE ?",
    }[column]
    with sqlite3.connect(path) as db:
        db.execute(update, (value, f"{prefix}%"))
        [row] = db.execute("SELECT rowid, key FROM steps WHERE key LIKE ?", (f"{prefix}%",))
    db.close()
    with pytest.raises(JournalDamaged) as caught:
        publish_at(ws, "2026-11-28T10:00:00Z")
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value) == (
        f"{path}:{row[0]}: {field}: step {row[1]} {said} (the journal was edited or damaged)"
    )
    assert not (ws.root / "site").exists()

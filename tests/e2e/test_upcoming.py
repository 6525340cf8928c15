"""The upcoming security releases end to end: `embargo announce` (real gpg, SMTP on 127.0.0.1)
writes site/upcoming.ics and upcoming.json, the daily `publish` keeps them as they are, and
the lift takes the release off them."""

from __future__ import annotations

import json
from datetime import timedelta

import icalendar
import time_machine

from releasekit.adapters.journal import exclusive
from tests.e2e.test_embargo import DETAIL_MARKER, EMBARGO, LISTS, NEXT, Release

SECRETS = ("ACSA-2026-0001", "CVE-2026-40002", "Link previews", "Sam Rivera", DETAIL_MARKER)


def upcoming_files(release: Release) -> dict[str, bytes]:
    site = release.root / "site"
    return {name: (site / name).read_bytes() for name in ("upcoming.ics", "upcoming.json")}


def test_announce_then_publish_then_lift(release: Release) -> None:
    said = EMBARGO - timedelta(days=3)
    with time_machine.travel(said, tick=False):
        dry = release.run("embargo", "announce", "--dry-run")
        assert dry.exit_code == 0, dry.output + dry.stderr
        assert not (release.root / "site").exists()  # a dry run writes nothing
        sent = release.run("embargo", "announce", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
    files = upcoming_files(release)
    [entry] = json.loads(files["upcoming.json"])["upcoming"]
    assert entry == {
        "release": "2026-12-01T14:00:00Z",
        "announced": "2026-11-28T14:00:00Z",
        "highest_severity": "high",
        "releases": [
            {"line": line, "version": NEXT[line], "upcoming": line == "10.4"}
            for line in ("10.4", "10.3", "10.2", "10.1", "9.11")
        ],
    }
    [event] = icalendar.Calendar.from_ical(files["upcoming.ics"]).walk("VEVENT")
    assert event.decoded("dtstart") == EMBARGO and event.decoded("dtstamp") == said
    assert "highest severity: High" in str(event["summary"])
    for data in files.values():
        for secret in SECRETS:
            assert secret.encode() not in data
    # The daily publish, a day later: the same bytes (no build clock in them).
    with time_machine.travel(said + timedelta(days=1), tick=False):
        daily = release.run("publish")
        assert daily.exit_code == 0, daily.output + daily.stderr
        assert "0 files written" in daily.output
    assert upcoming_files(release) == files
    # The lift: the release is out, so it is no longer upcoming.
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = release.run("embargo", "lift", "--yes")
        assert lifted.exit_code == 0, lifted.output + lifted.stderr
    after = upcoming_files(release)
    assert json.loads(after["upcoming.json"])["upcoming"] == []
    assert icalendar.Calendar.from_ical(after["upcoming.ics"]).walk("VEVENT") == []


def test_an_announce_whose_site_cannot_be_published_says_it_was_sent(release: Release) -> None:
    # The cron's publish holds the site while the pre-announcement goes out: the messages
    # were sent, and the one line said only "another releasekit publish is running", as if
    # nothing had happened (nor did it say to whom it went).
    said = EMBARGO - timedelta(days=3)
    with time_machine.travel(said, tick=False):
        with exclusive(release.root / ".releasekit", "publish"):
            sent = release.run("embargo", "announce", "--yes")
        assert sent.exit_code == 1
        assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
        assert sent.stderr.splitlines()[-1] == (
            "releasekit: error: another releasekit publish is running in this workspace. "
            f"The pre-announcement is sent (to {', '.join(LISTS)}), but the site does not "
            "show it yet: re-run `releasekit embargo announce` to publish it (nothing is "
            "sent again)."
        )
        again = release.run("embargo", "announce", "--yes")
        assert again.exit_code == 0, again.output + again.stderr
    assert len(release.smtp.messages) == len(LISTS)
    assert json.loads(upcoming_files(release)["upcoming.json"])["upcoming"]

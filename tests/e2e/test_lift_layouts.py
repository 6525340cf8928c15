"""The lift on advisory files written the way people write them (Windows line ends, an
editor's byte order mark, times to a fraction of a second): it records the release without
changing anything else of the file, and nothing about the layout stops it after the push."""

from __future__ import annotations

import shutil
from datetime import timedelta

import time_machine

from tests.e2e.test_embargo import EMBARGO, LISTS, Release, after_embargo


def test_the_lift_keeps_the_crlf_line_ends_and_byte_order_mark(release: Release) -> None:
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    before = "\ufeff" + path.read_text().replace("\n", "\r\n")
    path.write_bytes(before.encode())
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output
    after = path.read_bytes().decode()
    assert after.startswith("\ufeff+++\r\n")
    assert "\n" not in after.replace("\r\n", "")  # every line, old and new, ends in CRLF
    kept = [line for line in after.splitlines(True) if line.split(" ", 1)[0] not in _RECORDED]
    assert kept == before.splitlines(True)
    added = [line.split(" ", 1)[0] for line in after.splitlines(True) if line not in kept]
    assert added == list(_RECORDED)  # (their values: checked in test_embargo)


def test_an_embargo_at_a_fraction_of_a_second_is_lifted_and_recorded(release: Release) -> None:
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = path.read_text().replace(
        "embargo = 2026-12-01T14:00:00Z", "embargo = 2026-12-01T14:00:00.5Z"
    )
    path.write_text(text)
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        dry = release.run("embargo", "lift", "--dry-run")
    assert dry.exit_code == 0, dry.output
    # Pushed within the second of the embargo: released is that second's end, not its start.
    with time_machine.travel(EMBARGO + timedelta(seconds=0.7), tick=False):
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output
    assert "released = 2026-12-01T14:00:01Z\n" in path.read_text()
    assert release.run("advisory", "check").exit_code == 0


_RECORDED = ("released", "fixed", "unfixed", "fix_commits")


def test_a_site_path_that_is_a_file_stops_the_lift_before_the_push(release: Release) -> None:
    (release.root / "site").write_text("not a folder")
    before = release.remote_refs()
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1, result.output
    assert "site: is not a directory (the site is built in it)" in result.output
    assert release.remote_refs() == before and release.smtp.messages == []


def test_a_step_after_the_push_stopped_by_its_input_says_it_is_pushed(past: Release) -> None:
    assert past.subprocess("embargo", "lift", "--yes", crash_after=f"mail/{LISTS[-1]}") == -9
    site = past.root / "site"
    shutil.rmtree(site, ignore_errors=True)
    site.write_text("not a folder")  # (since the preflight)
    stopped = past.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1, stopped.output
    assert stopped.stderr.splitlines()[-1] == (
        "releasekit: error: site: is not a directory (the site is built in it). The release "
        "is pushed; re-run `releasekit embargo lift` to finish (record, announce, publish)."
    )
    site.unlink()
    assert past.run("embargo", "lift", "--yes").exit_code == 0
    assert (site / "index.html").is_file() and len(past.smtp.messages) == len(LISTS)


def test_a_broken_template_after_the_push_says_the_release_is_pushed(past: Release) -> None:
    assert past.subprocess("embargo", "lift", "--yes", crash_after="record") == -9
    templates = past.root / "templates"
    templates.mkdir()
    (templates / "announcement.txt.j2").write_text("{{ project }\n")  # (since the preflight)
    stopped = past.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1, stopped.output
    assert stopped.stderr.splitlines()[-1] == (
        "releasekit: error: templates/announcement.txt.j2:1: template: unexpected '}'. The "
        "release is pushed; re-run `releasekit embargo lift` to finish (record, announce, "
        "publish)."
    )
    assert past.smtp.messages == []
    shutil.rmtree(templates)
    assert past.run("embargo", "lift", "--yes").exit_code == 0
    assert len(past.smtp.messages) == len(LISTS)


def test_a_resumed_lift_stopped_by_a_bad_advisory_file_says_its_push_started(past: Release) -> None:
    assert past.subprocess("embargo", "lift", "--yes", crash_after="push") == -9
    broken = past.root / "advisories" / "ACSA-2026-0009.md"
    broken.write_text("+++\nid = \n+++\n")
    stopped = past.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1, stopped.output
    last = stopped.stderr.splitlines()[-1]
    assert last.startswith("releasekit: error: advisories/ACSA-2026-0009.md:2: invalid TOML")
    assert "The push of lift run-" in last and "re-run `releasekit embargo lift`" in last
    broken.unlink()
    assert past.run("embargo", "lift", "--yes").exit_code == 0
    assert len(past.smtp.messages) == len(LISTS)

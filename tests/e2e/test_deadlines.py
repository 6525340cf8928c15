"""Deadlines in the lift: a release after a due date or the disclosure deadline is a warning
in `embargo status` and the preflight, and a failed gate with `[sla] enforce = true`."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine

from tests.e2e.test_embargo import EMBARGO, Release, after_embargo

# High (7.6): due 30 days after the report, the deadline 90 days after it.
LATE = "reported = 2026-10-01T09:00:00Z\n"


def _report(release: Release, reported: str) -> None:
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace("embargo =", f"{reported}embargo =", 1))


def test_status_warns_when_the_embargo_ends_after_the_due_date(release: Release) -> None:
    _report(release, LATE)
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
        shown = release.run("embargo", "status")
    assert result.exit_code == 0, result.output
    checks = {c["name"]: c for c in json.loads(result.stdout)["batches"][0]["checks"]}
    deadline = checks["deadlines"]
    assert deadline["ok"] is True and deadline["warning"] is True
    assert deadline["detail"] == ("ACSA-2026-0001: its embargo ends after its due date 2026-10-31")
    assert "WARN" in shown.stdout
    listed = json.loads(release.run("advisory", "list", "--json").stdout)
    assert listed[0]["due"] == "2026-10-31" and listed[0]["deadline"] == "2026-12-30"


def test_no_warning_within_the_due_date(release: Release) -> None:
    _report(release, "reported = 2026-11-20T09:00:00Z\n")
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
    checks = {c["name"]: c for c in json.loads(result.stdout)["batches"][0]["checks"]}
    assert checks["deadlines"] == {"name": "deadlines", "ok": True, "detail": "OK"}


def test_enforce_makes_the_lift_refuse_past_a_due_date(release: Release) -> None:
    _report(release, LATE)
    config = release.root / "releasekit.toml"
    config.write_text(config.read_text() + "\n[sla]\nenforce = true\n")
    before = release.remote_refs()
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1, result.output
    assert "deadlines: ACSA-2026-0001: its embargo ends after its due date" in result.stderr
    assert release.remote_refs() == before
    assert release.smtp.messages == []

"""The commands that write no step (plan, embargo status, a dry run, publish) leave the
journal as it was: a journal made before its identity keeps its bytes and its mtime, none is
made where there was none, and a lift writing in another terminal holds none of them up."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from releasekit.adapters.journal import JOURNAL_NAME
from tests.e2e.test_embargo import EMBARGO, Release
from tests.helpers.repos import git
from tests.unit.adapters.test_journal import header
from tests.unit.adapters.test_journal import old_journal as made_before
from tests.unit.adapters.test_journal_reading import writer_holding

READERS = {
    "plan": ("plan", "--json"),
    "status": ("embargo", "status", "--json"),
    "dry run": ("embargo", "lift", "--dry-run"),
    "publish": ("publish",),
}
RUN = {"run": "run-1", "ids": ["ACSA-2026-0001"], "instant": "2026-12-01T14:00:00+00:00"}


def old_journal(release: Release, steps: list[tuple[str, str, dict[str, object]]]) -> Path:
    """A journal as releasekit made it before it wrote its identity, holding ``steps``."""
    rows = tuple((k, status, json.dumps(d), "2026-11-28T10:00:00+00:00") for k, status, d in steps)
    return made_before(release.root / ".releasekit", rows)


def journal_files(release: Release) -> dict[str, tuple[bytes, int]]:
    """The journal and the files SQLite keeps beside it: bytes and mtime (ns)."""
    state = release.root / ".releasekit"
    found = state.glob(f"{JOURNAL_NAME}*") if state.is_dir() else []
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(found)}


@pytest.mark.parametrize("command", READERS.values(), ids=list(READERS))
def test_a_command_that_reads_leaves_an_old_journal_as_it_was(
    release: Release, command: tuple[str, ...]
) -> None:
    # Opening the journal wrote its identity into one made before it: `plan` and
    # `embargo status` changed the journal (bytes and mtime) though they write no step.
    path = old_journal(release, [("announce/run-0/x/a@b.example", "done", {})])
    before = journal_files(release)
    assert list(before) == [JOURNAL_NAME]
    time.sleep(0.01)  # (a write now would move the mtime)
    with time_machine.travel(EMBARGO + timedelta(minutes=1), tick=False):
        result = release.run(*command)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.stderr
    assert journal_files(release) == before
    assert header(path) == (0, 0)


@pytest.mark.parametrize("command", READERS.values(), ids=list(READERS))
def test_a_command_that_reads_makes_no_journal(release: Release, command: tuple[str, ...]) -> None:
    with time_machine.travel(EMBARGO + timedelta(minutes=1), tick=False):
        result = release.run(*command)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.stderr
    assert journal_files(release) == {}


def test_plan_and_status_read_the_journal_while_a_lift_writes(release: Release) -> None:
    # A lift in another terminal in the middle of writing a step: the old journal's
    # identity waited for its lock, 30 s, then `embargo status` failed ("database is
    # locked", exit 1) and `plan` took the lift's own tag for one in the way.
    clone = release.product.clone
    git(clone, "tag", "-a", "-m", "Release 10.3.2", "v10.3.2", "origin/release-10.3")
    tag = git(clone, "rev-parse", "refs/tags/v10.3.2")
    update = ["refs/tags/v10.3.2", "0" * 40, tag, "10.3"]
    old_journal(
        release,
        [
            ("lift/run-1/run", "started", RUN),
            ("lift/run-1/push", "started", {"updates": [update], "fixed": {}}),
        ],
    )
    with writer_holding(release.root / ".releasekit"):
        start = time.monotonic()
        with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
            plan = release.run("plan", "--json")
            status = release.run("embargo", "status", "--json")
        took = time.monotonic() - start
    assert plan.exception is None or isinstance(plan.exception, SystemExit), plan.exception
    lines = {line["line"]: line for line in json.loads(plan.stdout)["lines"]}
    assert [(t["tag"], t["lift"]) for t in lines["10.3"]["local_tags"]] == [("v10.3.2", True)]
    assert status.exit_code == 1, status.stderr  # (not ready: a lift is half done)
    assert "journal" not in status.stderr
    unfinished = json.loads(status.stdout)["unfinished_lift"]
    assert unfinished["advisories"] == ["ACSA-2026-0001"]
    assert took < 25  # (each waited 30 s)


@pytest.mark.parametrize("command", [("plan",), ("plan", "--json")])
def test_plan_stops_at_a_damaged_journal(release: Release, command: tuple[str, ...]) -> None:
    # The plan read a damaged journal as none: a lift's own tag, made in the clone and not
    # pushed yet, was then taken for a stray one. It is bad input, as for every command
    # that reads the journal (README): one line naming the file, exit 2, nothing changed.
    state = release.root / ".releasekit"
    state.mkdir(mode=0o700, exist_ok=True)
    path = state / JOURNAL_NAME
    path.write_bytes(b"")  # (cut to nothing: never a journal releasekit left)
    with time_machine.travel(EMBARGO + timedelta(minutes=1), tick=False):
        result = release.run(*command)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output + result.stderr
    (said,) = result.stderr.splitlines()
    assert said.startswith(f"releasekit: error: {path}") and "empty" in said, said
    assert path.read_bytes() == b""

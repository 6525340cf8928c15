"""A journal cut to nothing between runs (truncated to 0 bytes): the record of what was sent
and pushed is lost, and SQLite would read the empty file as a new journal. Every command
that reads it says so in one line naming it, exit 2, changes nothing and sends nothing;
a journal whose making was killed halfway leaves no such file, and the next run works."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from releasekit.adapters.journal import Journal
from tests.e2e.test_embargo import EMBARGO, LISTS, Release, after_embargo, files_of

EMPTY = ": the journal is damaged: the file is empty (cut short; a journal never is)"


def unlocked(root: Path) -> dict[str, tuple[bytes, int]]:
    """The workspace's files but the lock files (a command takes its locks first, and so
    changes the time of the directory that holds them)."""
    return {
        k: v for k, v in files_of(root).items() if not k.endswith(".lock") and (root / k).is_file()
    }


@pytest.mark.parametrize(
    "command",
    [
        ("embargo", "lift", "--yes"),
        ("embargo", "lift", "--dry-run"),
        ("embargo", "status"),
        ("publish",),
    ],
)
def test_a_journal_cut_to_nothing_after_a_lift_that_sent_mail_is_bad_input(
    release: Release, command: tuple[str, ...]
) -> None:
    # The lift pushed, sent to the first list and stopped at the second (451). The journal
    # cut to 0 bytes was a new one: the lift said "Nothing to lift", exit 0 (the second
    # list never told), and status and publish went on as if nothing had been sent.
    release.smtp.recorder.refuse[LISTS[1]] = "451 4.3.0 Try again later"
    with after_embargo():
        first = release.run("embargo", "lift", "--yes")
    assert first.exit_code == 1, first.output + first.stderr
    assert [m.rcpt_tos for m in release.smtp.messages] == [(LISTS[0],)]
    del release.smtp.recorder.refuse[LISTS[1]]
    journal = release.root / ".releasekit" / "journal.sqlite3"
    journal.write_bytes(b"")
    before = unlocked(release.root)
    with after_embargo():
        result = release.run(*command)
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.splitlines() == [f"releasekit: error: {journal}{EMPTY}"]
    assert unlocked(release.root) == before
    assert [m.rcpt_tos for m in release.smtp.messages] == [(LISTS[0],)]


def test_a_pre_announcement_is_not_sent_again_after_its_journal_is_cut(
    release: Release,
) -> None:
    # It was sent to every list a second time: the empty file read as a new journal.
    journal = release.root / ".releasekit" / "journal.sqlite3"
    with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
        sent = release.run("embargo", "announce", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
        assert len(release.smtp.messages) == len(LISTS)
        journal.write_bytes(b"")
        again = release.run("embargo", "announce", "--yes")
    assert len(release.smtp.messages) == len(LISTS)
    assert again.exit_code == 2, again.output + again.stderr
    # (the lines before it: the plan's progress, as it works out the versions)
    assert again.stderr.splitlines()[-1] == f"releasekit: error: {journal}{EMPTY}"
    assert again.stderr.count("error") == 1


def test_a_lift_after_a_journal_killed_while_it_was_made_sends_once(release: Release) -> None:
    # A command killed between the journal's write under its temporary name and the rename
    # (SIGKILL at the rename) leaves no journal, only its temporary files: the next lift
    # makes the journal, removes them, and lifts as usual, one message per list.
    state = release.root / ".releasekit"
    code = (
        "import os, sys\nfrom pathlib import Path\n"
        "from releasekit.adapters import journal\n"
        "journal.os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
        "journal.Journal.open(Path(sys.argv[1]))\n"
    )
    killed = subprocess.run([sys.executable, "-c", code, str(state)], check=False)
    assert killed.returncode == -9
    left = sorted(p.name for p in state.iterdir())
    assert "journal.sqlite3" not in left
    assert [n for n in left if n.startswith(".journal.sqlite3.") and n.endswith(".tmp")]
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 0, result.output + result.stderr
        again = release.run("embargo", "lift", "--yes")
    assert again.exit_code == 0 and "Nothing to lift" in again.stdout
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
    assert not [p for p in state.iterdir() if p.name.startswith(".journal.sqlite3.")]
    with Journal.open(state) as book:
        assert all(s.status == "done" for s in book.steps("lift/"))

"""Whether the journal can be written, asked before a lift waits for its instant (a lift
that found out at its first step stopped at the instant itself): nothing is created."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.adapters import journal


def test_a_state_directory_that_can_take_the_journal_is_writable(tmp_path: Path) -> None:
    assert journal.unwritable(tmp_path / "ws" / ".releasekit") is None
    with journal.Journal.open(tmp_path / ".releasekit"):
        pass
    assert journal.unwritable(tmp_path / ".releasekit") is None
    assert not (tmp_path / "ws").exists()  # (nothing made)


def test_a_file_in_the_way_of_the_state_directory_is_named(tmp_path: Path) -> None:
    (tmp_path / "ws").write_text("a file where the workspace's folder should be\n")
    said = journal.unwritable(tmp_path / "ws" / ".releasekit")
    assert said == (
        f"{tmp_path / 'ws'} is no directory: the lift journals every step it takes in "
        f"{tmp_path / 'ws' / '.releasekit'}"
    )


@pytest.mark.parametrize("name", ["journal.sqlite3", "journal.sqlite3-wal", ".releasekit"])
def test_a_journal_or_folder_that_cannot_be_written_is_named(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / ".releasekit"
    with journal.Journal.open(state) as book:
        book.start("x", datetime.now(UTC))
        (state / "journal.sqlite3-wal").touch()
        # (root writes whatever the mode says: a read-only mount or file, as access() says it)
        blocked = tmp_path / name if name == ".releasekit" else state / name
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: Path(p) != blocked and real(p, m))
        said = journal.unwritable(state)
    assert said == f"{blocked} cannot be written: the lift journals every step it takes there"


@pytest.mark.parametrize("name", ["journal.sqlite3", "journal.sqlite3-wal"])
def test_a_folder_where_the_journal_should_be_is_named(tmp_path: Path, name: str) -> None:
    # A folder takes writes (access() says so), but no journal opens there: the lift
    # passed the preflight and stopped at its first step, at the instant itself.
    state = tmp_path / ".releasekit"
    (state / name).mkdir(parents=True)
    with pytest.raises(journal.JournalError):
        journal.Journal.open(state)
    said = journal.unwritable(state)
    assert said == f"{state / name} is no file: the lift journals every step it takes there"

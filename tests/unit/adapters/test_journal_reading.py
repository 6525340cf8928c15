"""The journal opened only to read (plan, status, a dry run, publish): nothing created or
written, not even an old journal's identity, and no wait for a lift writing meanwhile."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from releasekit.adapters.journal import APPLICATION_ID, FORMAT, JOURNAL_NAME, Journal
from releasekit.support.errors import EXIT_BAD_INPUT, JournalDamaged, JournalError
from tests.unit.adapters.test_journal import NOW, header, old_journal


def files(state: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the state directory: its bytes and its mtime (ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(state.iterdir())}


def test_reading_an_old_journal_leaves_it_as_it_was(tmp_path: Path) -> None:
    # Opening wrote the identity into a journal made before it, for a command that only
    # reads (plan, embargo status): the file changed, and the read waited for the lock.
    path = old_journal(tmp_path)
    before = files(tmp_path)
    time.sleep(0.01)  # (a write now would move the mtime)
    for _ in range(2):
        book = Journal.reading(tmp_path)
        assert book is not None
        with book:
            assert book.is_done("mail/a")
            assert [s.key for s in book.steps("mail/")] == ["mail/a"]
    assert files(tmp_path) == before  # byte for byte, mtime too; no -wal or -shm left
    assert header(path) == (0, 0)
    with Journal.open(tmp_path) as book:  # a command that writes steps gives it its identity
        book.start("mail/b", NOW)
    assert header(path) == (APPLICATION_ID, FORMAT)


def test_reading_makes_no_journal(tmp_path: Path) -> None:
    state = tmp_path / ".releasekit"
    assert Journal.reading(state) is None
    assert not state.exists()  # (not even its directory)
    state.mkdir()
    assert Journal.reading(state) is None
    assert list(state.iterdir()) == []


def test_a_journal_opened_to_read_is_never_written(tmp_path: Path) -> None:
    old_journal(tmp_path)
    before = files(tmp_path)
    book = Journal.reading(tmp_path)
    assert book is not None
    with book:
        with pytest.raises(JournalError, match="opened only to read"):
            book.start("mail/b", NOW)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            book._db.execute("PRAGMA application_id = 1")  # (SQLite refuses it too)
    assert files(tmp_path) == before


@contextmanager
def writer_holding(state: Path) -> Iterator[None]:
    """Another process (a lift in another terminal) in the middle of writing a step: its
    write transaction open, a step written and not committed yet."""
    code = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "db.execute(\"INSERT INTO steps VALUES ('mail/held', 'started', '{}', 1, "
        "'2026-12-01T14:00:00Z')\")\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
        "db.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(state / JOURNAL_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.communicate("", timeout=30)  # (stdin closed: it rolls back and ends)


@pytest.mark.parametrize("old", [True, False], ids=["old journal", "journal"])
def test_reading_does_not_wait_for_a_writer(tmp_path: Path, old: bool) -> None:
    # An old journal was given its identity under a write lock: with a lift writing in
    # another terminal, `plan` or `embargo status` waited 30 s for it, then failed.
    if old:
        old_journal(tmp_path)
    else:
        with Journal.open(tmp_path) as book:
            book.finish("mail/a", NOW)
    with writer_holding(tmp_path):
        start = time.monotonic()
        book = Journal.reading(tmp_path)
        assert book is not None
        with book:  # what the writer committed, not what it is writing
            assert [s.key for s in book.steps("mail/")] == ["mail/a"]
        assert time.monotonic() - start < 5
    assert header(tmp_path / JOURNAL_NAME) == ((0, 0) if old else (APPLICATION_ID, FORMAT))


def read_lifts(state: Path) -> None:
    book = Journal.reading(state)
    assert book is not None
    with book:
        book.steps("lift/")


@pytest.mark.parametrize("cut", [None, 4096, 0])
def test_a_damaged_journal_read_is_bad_input_and_left_as_it_is(
    tmp_path: Path, cut: int | None
) -> None:
    path = tmp_path / JOURNAL_NAME
    if cut is None:
        path.write_bytes(b"not a database, whatever it was " * 200)
    else:
        with Journal.open(tmp_path) as journal:
            for n in range(50):
                journal.start(f"lift/run-{n}/run", NOW, {"run": f"run-{n}", "pad": "x" * 200})
        path.write_bytes(path.read_bytes()[:cut])
    before = files(tmp_path)
    with pytest.raises(JournalDamaged) as caught:
        read_lifts(tmp_path)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert str(caught.value).startswith(f"{path}:")
    assert files(tmp_path) == before
    fds = Path("/proc/self/fd")
    assert not [fd for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve())]


@pytest.mark.parametrize("old", [True, False], ids=["old journal", "journal"])
def test_reading_leaves_a_killed_writers_log_to_the_next_writer(tmp_path: Path, old: bool) -> None:
    # A lift killed after it committed a step leaves it in the write-ahead log: a read
    # checked the log into the journal as it closed (SQLite's last connection does),
    # writing the file. The shared index beside it (-shm) is rebuilt; it holds no step.
    if old:
        old_journal(tmp_path)
    code = (
        "import os, sys\nfrom datetime import UTC, datetime\nfrom pathlib import Path\n"
        "from releasekit.adapters.journal import Journal\n"
        "book = Journal.open(Path(sys.argv[1]))\n"
        "book.start('lift/run-1/run', datetime(2026, 12, 1, tzinfo=UTC), {'run': 'run-1'})\n"
        "os._exit(0)\n"  # (killed: the connection is never closed)
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    kept = (JOURNAL_NAME, f"{JOURNAL_NAME}-wal")
    before = {k: v for k, v in files(tmp_path).items() if k in kept}
    assert list(before) == list(kept)
    time.sleep(0.01)  # (a write now would move the mtime)
    for _ in range(2):
        book = Journal.reading(tmp_path)
        assert book is not None
        with book:
            assert book.get("lift/run-1/run") is not None
    assert {k: v for k, v in files(tmp_path).items() if k in kept} == before
    with Journal.open(tmp_path) as book:  # the next writer takes it over
        book.finish("lift/run-1/run", NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]
    book = Journal.reading(tmp_path)
    assert book is not None
    with book:
        assert book.is_done("lift/run-1/run")

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.adapters.journal import APPLICATION_ID, FORMAT, JOURNAL_NAME, Journal, exclusive
from releasekit.support.errors import EXIT_BAD_INPUT, JournalDamaged, JournalError, Refused

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_steps_are_durable_and_private(tmp_path: Path) -> None:
    state = tmp_path / ".releasekit"
    with Journal.open(state) as journal:
        journal.start("lift/push", NOW, {"refs": ["refs/heads/release-10.3"]})
        assert not journal.is_done("lift/push")
        journal.finish("lift/push", NOW, {"verified": True})
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "journal.sqlite3").stat().st_mode) == 0o600
    with Journal.open(state) as again:
        step = again.get("lift/push")
        assert step is not None
        assert step.status == "done"
        assert step.detail == {"refs": ["refs/heads/release-10.3"], "verified": True}
        assert step.updated == "2026-12-01T14:00:00Z"
        with pytest.raises(Refused, match="already done"):
            again.start("lift/push", NOW)


def test_an_abandoned_step_is_marked_until_started_again(tmp_path: Path) -> None:
    with Journal.open(tmp_path) as journal:
        journal.start("lift/run-1/run", NOW, {"run": "run-1"})
        journal.abandon("lift/run-1/run", NOW, "stopped before the push")
        step = journal.get("lift/run-1/run")
        assert step is not None and step.status == "failed"
        assert step.detail == {
            "run": "run-1",
            "abandoned": True,
            "error": "stopped before the push",
        }
        journal.start("lift/run-1/run", NOW, {"run": "run-1"})
        again = journal.get("lift/run-1/run")
        assert again is not None and again.status == "started"
        assert again.detail == {"run": "run-1"}


def test_failures_keep_attempts_and_reason(tmp_path: Path) -> None:
    with Journal.open(tmp_path) as journal:
        journal.start("mail/a", NOW)
        journal.fail("mail/a", NOW, "SMTP 451")
        step = journal.get("mail/a")
        assert step is not None
        assert (step.status, step.attempts, step.detail["error"]) == ("failed", 1, "SMTP 451")
        journal.start("mail/a", NOW)
        journal.finish("mail/a", NOW, {"message_id": "<x@y>"})
        step = journal.get("mail/a")
        assert step is not None
        assert step.attempts == 2
        assert "error" not in step.detail
        journal.start("mail/b", NOW)
        assert [s.key for s in journal.steps("mail/")] == ["mail/a", "mail/b"]
        assert journal.steps("push/") == []


def test_a_killed_writer_leaves_a_readable_journal(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from releasekit.adapters.journal import Journal\n"
        "j = Journal.open(Path(sys.argv[1]))\n"
        "now = datetime(2026, 1, 1, tzinfo=UTC)\n"
        "j.start('a', now); j.finish('a', now); j.start('b', now)\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    assert proc.returncode == -9
    with Journal.open(tmp_path) as journal:
        assert journal.is_done("a")
        b = journal.get("b")
        assert b is not None
        assert b.status == "started"


def test_exclusive_refuses_a_second_holder(tmp_path: Path) -> None:
    with exclusive(tmp_path, "lift"):
        code = (
            "import sys\nfrom pathlib import Path\n"
            "from releasekit.adapters.journal import exclusive\n"
            "from releasekit.support.errors import Refused\n"
            "try:\n    with exclusive(Path(sys.argv[1]), 'lift'): sys.exit(0)\n"
            "except Refused: sys.exit(3)\n"
        )
        proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
        assert proc.returncode == 3
    assert os.path.exists(tmp_path / "lift.lock")


def test_a_released_lock_is_taken_by_another_and_taken_back_after_it(tmp_path: Path) -> None:
    """A lift lets go of its clone lock while it waits: a dry run takes it meanwhile, and
    the lift takes it back once the dry run is done (waiting for it, not refused)."""
    with exclusive(tmp_path, "clone") as held:
        with (
            pytest.raises(Refused, match=r"^busy now$"),
            exclusive(tmp_path, "clone", busy="busy now"),
        ):
            pass  # (another holder: the same file opened again conflicts, like a process)
        with held.released():
            with exclusive(tmp_path, "clone", create=False):
                pass
            other = exclusive(tmp_path, "clone")
            other.__enter__()
            released = threading.Timer(0.3, other.__exit__, (None, None, None))
            released.start()
            start = time.monotonic()
        assert time.monotonic() - start >= 0.25  # waited for the other holder to end
        released.join()
        with pytest.raises(Refused), exclusive(tmp_path, "clone"):
            pass  # held again


def test_a_lock_file_that_is_a_fifo_still_locks(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "lift.lock")  # (a buffered open would seek it: "not seekable")
    test_exclusive_refuses_a_second_holder(tmp_path)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "lift.lock").st_mode)


@pytest.mark.parametrize("cut", [None, 50, 4096, -100])
def test_a_damaged_journal_is_bad_input_naming_it(tmp_path: Path, cut: int | None) -> None:
    # Overwritten, or cut short (its header, a page): bad input from a file (exit 2), as a
    # JournalError still, unlike a full disk or a lock (exit 1). It was exit 1.
    path = tmp_path / "journal.sqlite3"
    if cut is None:
        path.write_bytes(b"not a database, whatever it was " * 200)
    else:
        with Journal.open(tmp_path) as journal:
            for n in range(50):
                journal.start(f"lift/run-{n}/run", NOW, {"run": f"run-{n}", "pad": "x" * 200})
        path.write_bytes(path.read_bytes()[:cut])
    with pytest.raises(JournalDamaged) as caught, Journal.open(tmp_path) as journal:
        journal.steps("lift/")
    assert isinstance(caught.value, JournalError)
    assert caught.value.exit_code == EXIT_BAD_INPUT
    # (SQLite may find the file damaged, or read a row cut short: either names the file)
    whole, row = (
        ": the journal is damaged: .+",
        r":\d+: \w+: .+ \(the journal was edited or damaged\)",
    )
    assert re.fullmatch(f"{re.escape(str(path))}({whole}|{row})", str(caught.value))
    fds = Path("/proc/self/fd")
    assert not [fd for fd in fds.iterdir() if os.path.realpath(fd) == str(path.resolve())]


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("detail", "{not json", "detail: step lift/run-1/run is not a JSON object"),
        ("detail", "[]", "detail: step lift/run-1/run is not a JSON object"),
        ("detail", "null", "detail: step lift/run-1/run is not a JSON object"),
        ("status", "skipped", "status: step lift/run-1/run has status 'skipped'"),
        ("attempts", "two", "attempts: step lift/run-1/run has no count of attempts"),
        ("updated", "yesterday", "updated: step lift/run-1/run has no time"),
        ("updated", 5, "updated: step lift/run-1/run has no time"),
    ],
)
def test_a_step_damaged_inside_the_database_is_bad_input_naming_its_row(
    tmp_path: Path, column: str, value: object, said: str
) -> None:
    # SQLite finds nothing wrong with the file: one column of one row was damaged (edited by
    # hand; a status past the CHECK with ignore_check_constraints). Reading the detail was a
    # JSONDecodeError (or a list taken for a dict): a traceback; then exit 1, no row named.
    with Journal.open(tmp_path) as journal:
        journal.start("lift/run-0/run", NOW, {"run": "run-0"})
        journal.start("lift/run-1/run", NOW, {"run": "run-1"})
    db = sqlite3.connect(tmp_path / "journal.sqlite3")
    with db:
        db.execute("PRAGMA ignore_check_constraints = ON")
        db.execute(f"UPDATE steps SET {column} = ? WHERE key = 'lift/run-1/run'", (value,))  # noqa: S608
    db.close()
    with Journal.open(tmp_path) as journal:
        for read in (lambda: journal.steps("lift/"), lambda: journal.get("lift/run-1/run")):
            with pytest.raises(JournalDamaged) as caught:
                read()
            assert caught.value.exit_code == EXIT_BAD_INPUT
            assert str(caught.value) == (
                f"{tmp_path / 'journal.sqlite3'}:2: {said} (the journal was edited or damaged)"
            )


def test_a_full_disk_while_recording_is_a_journal_error(tmp_path: Path) -> None:
    # RLIMIT_FSIZE: past it a write fails with EFBIG, as on a full disk; SQLite says "full".
    code = (
        "import resource, signal, sys\n"
        "from datetime import UTC, datetime\n"
        "from pathlib import Path\n"
        "from releasekit.support.errors import JournalError\n"
        "from releasekit.adapters.journal import Journal\n"
        "j = Journal.open(Path(sys.argv[1]))\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (40000, 40000))\n"
        "now = datetime(2026, 1, 1, tzinfo=UTC)\n"
        "try:\n"
        "    for n in range(10000):\n"
        "        j.start(f'step/{n}', now, {'pad': 'x' * 500})\n"
        "except JournalError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.startswith(f"{tmp_path / 'journal.sqlite3'}: the journal cannot be used:")
    with Journal.open(tmp_path) as journal:  # what was recorded before is still there
        assert journal.get("step/0") is not None


OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    key      TEXT PRIMARY KEY,
    status   TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),
    detail   TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    updated  TEXT NOT NULL
);
"""


def old_journal(
    state: Path,
    steps: tuple[tuple[str, str, str, str], ...] = (
        ("mail/a", "done", '{"message_id": "<x@y>"}', "2026-12-01T14:00:00Z"),
    ),
) -> Path:
    """A journal in ``state`` as releasekit made it before it wrote its identity (the file
    created in place, the table added to it), holding ``steps``: (key, status, detail as
    JSON, updated), each tried once."""
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state / JOURNAL_NAME
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA)
    db.executemany("INSERT INTO steps VALUES (?, ?, ?, 1, ?)", steps)
    db.close()
    assert header(path) == (0, 0)
    return path


def header(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        app = db.execute("PRAGMA application_id").fetchone()[0]
        return app, db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        db.close()


def test_a_journal_is_made_whole_with_its_identity(tmp_path: Path) -> None:
    with Journal.open(tmp_path):
        pass
    assert header(tmp_path / JOURNAL_NAME) == (APPLICATION_ID, FORMAT)
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]


@pytest.mark.parametrize(
    ("made", "said"),
    [
        ("empty", "the file is empty (cut short; a journal never is)"),
        ("no table", "it has no table of steps (not a journal releasekit made)"),
        ("another table", "it has no table of steps (not a journal releasekit made)"),
        ("another application", "it is not a journal releasekit made (application id 0x1234)"),
        ("a later format", "its format is 7, this releasekit reads format 1"),
    ],
)
def test_a_journal_that_is_not_whole_is_bad_input_and_left_as_it_is(
    tmp_path: Path, made: str, said: str
) -> None:
    # Read as a new journal, an empty or schema-less file was given a table of steps: what
    # it recorded (mail sent, refs pushed) lost, and sent or pushed again.
    path = tmp_path / JOURNAL_NAME
    path.touch()
    if made != "empty":
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        if made == "no table":
            db.execute("CREATE TABLE other (x TEXT)")
        elif made == "another table":
            db.execute("CREATE TABLE steps (key TEXT PRIMARY KEY)")
        else:
            db.executescript(OLD_SCHEMA)
            ours = "application" not in made  # (a later format: ours, by a later releasekit)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID if ours else 0x1234}")
            db.execute(f"PRAGMA user_version = {7 if ours else 1}")
        db.close()
    before = path.read_bytes()
    for opening in (Journal.open, Journal.reading):
        with pytest.raises(JournalDamaged) as caught:
            opening(tmp_path)
        assert caught.value.exit_code == EXIT_BAD_INPUT
        assert str(caught.value) == f"{path}: the journal is damaged: {said}"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]


def test_a_journal_made_before_its_identity_opens_and_gets_it(tmp_path: Path) -> None:
    path = old_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        assert journal.is_done("mail/a")
        journal.start("mail/b", NOW)
    assert header(path) == (APPLICATION_ID, FORMAT)
    with Journal.open(tmp_path) as journal:
        assert [s.key for s in journal.steps("mail/")] == ["mail/a", "mail/b"]


def test_a_journal_killed_while_it_was_made_is_made_again(tmp_path: Path) -> None:
    # SIGKILL between the write under the temporary name and the rename: no journal at its
    # path (it was an empty file there, the same as one cut to nothing), and the temporary
    # files are removed by the next command that makes it.
    code = (
        "import os, sys\nfrom pathlib import Path\n"
        "from releasekit.adapters import journal\n"
        "journal.os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
        "journal.Journal.open(Path(sys.argv[1]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    assert proc.returncode == -9
    left = [p.name for p in tmp_path.iterdir()]
    assert JOURNAL_NAME not in left
    assert [n for n in left if n.startswith(f".{JOURNAL_NAME}.") and n.endswith(".tmp")]
    assert Journal.reading(tmp_path) is None
    with Journal.open(tmp_path) as journal:
        journal.start("a", NOW)
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]


def test_a_leftover_temporary_journal_is_never_taken_for_the_journal(tmp_path: Path) -> None:
    # A whole journal left under its temporary name (killed at the rename), with a step
    # done, and the files SQLite keeps beside one: none of them is the journal.
    with Journal.open(tmp_path / "elsewhere") as other:
        other.start("mail/a", NOW)
        other.finish("mail/a", NOW)
    leftover = tmp_path / f".{JOURNAL_NAME}.k1ll3d.tmp"
    os.replace(tmp_path / "elsewhere" / JOURNAL_NAME, leftover)
    (tmp_path / f"{leftover.name}-wal").write_bytes(b"x" * 100)
    (tmp_path / f"{leftover.name}-journal").write_bytes(b"")
    assert Journal.reading(tmp_path) is None
    with Journal.open(tmp_path) as journal:
        assert journal.get("mail/a") is None
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["elsewhere", JOURNAL_NAME]


def test_commands_starting_at_once_make_one_journal(tmp_path: Path) -> None:
    # Each creator waits for the directory's lock and looks again: one journal, every step
    # written to it (a second rename would have replaced the first journal, and its step).
    def one(n: int) -> None:
        with Journal.open(tmp_path) as journal:
            journal.start(f"step/{n}", NOW)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Journal.open(tmp_path) as journal:
        assert len(journal.steps("step/")) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == [JOURNAL_NAME]

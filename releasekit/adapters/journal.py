"""The journal: a SQLite (WAL) record of every irreversible step and its outcome.

Irreversible work (a push, an e-mail, a CVE record) is done as a *step* with a stable key.
A step is marked ``done`` only after the outside party confirmed it (the remote refs read
back, the SMTP server's 250, the API's answer), and every mark is committed before the next
step starts. A re-run asks :meth:`Journal.is_done` first, so it resumes where it stopped and
never repeats an e-mail or a push. Only this module opens the journal; a journal that cannot
be read or written (a full disk) is a JournalError naming it, and the command stops there;
one damaged or edited by hand (not a database, a row releasekit does not write) is bad input,
a JournalDamaged naming the file, the row and the field (exit 2).

The journal is made whole under a temporary name and renamed into place, so its own path
never holds a file that is not a complete journal: an empty file there, or one without the
table of steps, was cut short or replaced (its record of what was sent is lost) and is
damage too, never read as a new journal that would send everything again.

The commands that write no step (plan, status, a dry run, publish) open it with
:meth:`Journal.reading`: nothing is created or written, not even the identity of a journal
made before it had one, and a lift writing meanwhile holds none of them up.

Details stored with a step are ids, ref names, object ids, Message-IDs: never secrets and
never advisory text.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from releasekit.support import fsutil, timefmt
from releasekit.support.errors import JournalDamaged, JournalError, Problem, Refused
from releasekit.support.text import visible

JOURNAL_NAME = "journal.sqlite3"
Status = Literal["started", "done", "failed"]
STATUSES = ("started", "done", "failed")
# SQLite's result codes for a file that is no database or a damaged one (a file cut short,
# overwritten): bad input, unlike a full disk or a lock held by another process.
_DAMAGED_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB

# The journal's identity in its SQLite header ("RKJN"), and the format of its tables: a
# journal made before they were written (the same table) gets them when it is opened.
APPLICATION_ID = 0x524B4A4E
FORMAT = 1
_COLUMNS = ("key", "status", "detail", "attempts", "updated")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS steps (
    key      TEXT PRIMARY KEY,
    status   TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),
    detail   TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    updated  TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Step:
    """One journalled step."""

    key: str
    status: Status
    detail: dict[str, Any]
    attempts: int
    updated: str  # ISO 8601 UTC of the last change
    row: int  # its row (SQLite's rowid): the "line" an error about it names


class Journal:
    """The journal in ``state_dir/journal.sqlite3`` (created 0600 in a 0700 directory);
    ``writing=False``: opened only to read (see :meth:`reading`)."""

    def __init__(self, path: Path, *, writing: bool = True) -> None:
        self.path = path
        self.writing = writing
        if writing:
            fsutil.private_dir(path.parent)
            if not path.exists():
                _create(path)
        with self._failing():
            if _empty(path):  # (looked at before SQLite, which would take it for a new one)
                raise self._whole("the file is empty (cut short; a journal never is)")
            self._db = _connect(path, writing)
            try:
                if writing:
                    self._db.execute("PRAGMA synchronous=FULL")
                self._identify()
                if writing:
                    self._db.execute("PRAGMA journal_mode=WAL")
            except BaseException:  # no connection outlives a journal that cannot be used
                self._db.close()
                raise

    def _identify(self) -> None:
        """Check that the file is a journal releasekit made, before anything is written to
        it; one made before the identity was written (its table as this module makes it)
        gets it now, when opened for writing (read, it is left as it is)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(steps)")}
        if columns != set(_COLUMNS):
            raise self._whole("it has no table of steps (not a journal releasekit made)")
        app, version = self._header()
        if (app, version) == (0, 0):  # made before the identity was written
            if not self.writing:
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._header() == (0, 0):
                    self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    self._db.execute(f"PRAGMA user_version = {FORMAT}")
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        elif app != APPLICATION_ID:
            raise self._whole(f"it is not a journal releasekit made (application id {app:#x})")
        elif version != FORMAT:
            raise self._whole(f"its format is {version}, this releasekit reads format {FORMAT}")

    def _header(self) -> tuple[int, int]:
        app = self._db.execute("PRAGMA application_id").fetchone()[0]
        return int(app), int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _whole(self, what: str) -> JournalDamaged:
        return JournalDamaged([Problem(self.path, None, None, f"the journal is damaged: {what}")])

    @contextmanager
    def _failing(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", None) or 0
            if code & 0xFF in _DAMAGED_CODES:  # (an extended code's low byte is its kind)
                raise self._whole(str(exc)) from exc
            raise JournalError(f"{self.path}: the journal cannot be used: {exc}") from exc

    @classmethod
    def open(cls, state_dir: Path) -> Journal:
        return cls(state_dir / JOURNAL_NAME)

    @classmethod
    def reading(cls, state_dir: Path) -> Journal | None:
        """The journal if one was started, opened only to read (for the commands that
        write no step: plan, status, a dry run, publish); None otherwise. Nothing is
        created or written, not even an old journal's identity; a lift writing steps
        meanwhile does not hold it up (it reads what the lift last committed)."""
        path = state_dir / JOURNAL_NAME
        return cls(path, writing=False) if path.exists() else None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, key: str) -> Step | None:
        with self._failing():
            row = self._db.execute(
                "SELECT rowid, key, status, detail, attempts, updated FROM steps WHERE key = ?",
                (key,),
            ).fetchone()
        return self._step(row) if row else None

    def is_done(self, key: str) -> bool:
        step = self.get(key)
        return step is not None and step.status == "done"

    def steps(self, prefix: str = "") -> list[Step]:
        """Every step whose key starts with ``prefix``, in key order."""
        with self._failing():
            rows = self._db.execute(
                "SELECT rowid, key, status, detail, attempts, updated FROM steps "
                "WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        return [self._step(row) for row in rows]

    def _step(self, row: tuple[Any, ...]) -> Step:
        """A row as a Step; a row releasekit does not write (the file edited or damaged by
        hand, where SQLite itself finds nothing wrong) is a JournalDamaged naming the row
        and its column: a detail that is no JSON object, a status it does not know, a count
        of attempts that is no whole number or a time that is no instant."""
        rowid, key, status, detail, attempts, updated = row
        step = str(key)
        try:
            parsed = json.loads(detail)
        except (TypeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict):
            raise self._bad(rowid, "detail", f"step {visible(step)} is not a JSON object")
        if status not in STATUSES:
            found = visible(repr(status))
            raise self._bad(rowid, "status", f"step {visible(step)} has status {found}")
        if not isinstance(attempts, int) or attempts < 0:
            raise self._bad(rowid, "attempts", f"step {visible(step)} has no count of attempts")
        try:
            instant(updated)
        except ValueError:
            raise self._bad(rowid, "updated", f"step {visible(step)} has no time") from None
        return Step(step, status, parsed, attempts, updated, rowid)

    def _bad(self, row: int, field: str, what: str) -> JournalDamaged:
        return JournalDamaged(
            [Problem(self.path, row, field, f"{what} (the journal was edited or damaged)")]
        )

    def damaged(self, step: Step, writer: str, field: str = "detail") -> JournalDamaged:
        """The error for ``step`` when its detail is not as ``writer`` writes it (``field``
        missing or of another type: the file edited or damaged by hand)."""
        return self._bad(step.row, field, f"step {visible(step.key)} is not as {writer} writes it")

    def start(self, key: str, now: datetime, detail: dict[str, Any] | None = None) -> Step:
        """Mark ``key`` started (counting attempts); refuses a step that is already done."""
        if self.is_done(key):
            raise Refused(f"journal: step {key} is already done")
        self._write(key, "started", now, detail, attempt=True)
        step = self.get(key)
        assert step is not None
        return step

    def finish(self, key: str, now: datetime, detail: dict[str, Any] | None = None) -> None:
        """Mark ``key`` done: only after the outside party confirmed it."""
        self._write(key, "done", now, detail)

    def fail(self, key: str, now: datetime, reason: str, *, uncertain: bool = False) -> None:
        """Mark ``key`` failed with a short reason (no secrets, no advisory text).

        ``uncertain``: the outside party may have done it anyway (a message handed over, no
        answer); such a step is not tried again without the operator's word.
        """
        previous = self.get(key)
        detail = dict(previous.detail) if previous else {}
        detail["error"] = reason
        detail.pop("uncertain", None)
        if uncertain:
            detail["uncertain"] = True
        self._write(key, "failed", now, detail)

    def abandon(self, key: str, now: datetime, reason: str) -> None:
        """Mark ``key`` (a run) given up: it stopped before anything irreversible, and is
        not resumed. Starting it again clears the mark."""
        self._write(key, "failed", now, {"error": reason, "abandoned": True})

    def _write(
        self,
        key: str,
        status: Status,
        now: datetime,
        detail: dict[str, Any] | None,
        attempt: bool = False,
    ) -> None:
        previous = self.get(key)
        merged = dict(previous.detail) if previous else {}
        if status != "failed":
            merged.pop("error", None)
            merged.pop("abandoned", None)
        merged.update(detail or {})
        attempts = (previous.attempts if previous else 0) + (1 if attempt else 0)
        if not self.writing:  # (a command that reads it writes no step: a bug, not input)
            raise JournalError(f"{self.path}: the journal was opened only to read")
        with self._failing(), self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO steps (key, status, detail, attempts, updated) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "status = excluded.status, detail = excluded.detail, "
                "attempts = excluded.attempts, updated = excluded.updated",
                (key, status, json.dumps(merged, sort_keys=True), attempts, timefmt.iso_utc(now)),
            )


def _connect(path: Path, writing: bool) -> sqlite3.Connection:
    """A connection to the journal at ``path``, which exists. One to read has
    ``query_only`` (SQLite refuses any write through it) and never creates the file (one
    removed meanwhile is an error). In WAL mode a reader waits for no writer: it reads the
    last commit while a lift writes.

    With a write-ahead log beside the journal (a writer open, or one killed), it opens
    read-only (``mode=ro``): the last connection to close would check the log into the
    journal, writing it; the next writer does. Without one, ``mode=rw``: a read-only
    connection would make the log and its index and leave them behind, where one that may
    write removes them as it closes, the journal untouched (the log holds nothing)."""
    if writing:
        return sqlite3.connect(path, isolation_level=None, timeout=30)
    mode = "ro" if path.with_name(f"{path.name}-wal").exists() else "rw"
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA query_only = ON")
    except BaseException:
        db.close()
        raise
    return db


def unwritable(state_dir: Path) -> str | None:
    """Why the journal in ``state_dir`` could not be written now (a read-only file or mount,
    a directory that takes no new file), or None; nothing is created or written. A lift
    asks before it waits for its instant: found only at its first step, the release would
    stop at the instant itself."""
    path = state_dir / JOURNAL_NAME
    # The journal, its log and index beside it (made as it is written), and the directory
    # that takes them, or the first existing one above it that makes the state directory.
    wanted = [
        p for p in (path, *(path.with_name(f"{JOURNAL_NAME}{s}") for s in _SIDE)) if p.exists()
    ]
    folder = state_dir
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is no directory: the lift journals every step it takes in {state_dir}"
    for each in wanted:  # (a folder there takes writes, but no journal opens in it)
        if not each.is_file():
            return f"{each} is no file: the lift journals every step it takes there"
    for each in (*wanted, folder):
        mode = os.W_OK | (os.X_OK if each.is_dir() else os.R_OK)
        if not os.access(each, mode):
            return f"{each} cannot be written: the lift journals every step it takes there"
    return None


_SIDE = ("-wal", "-shm")


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False  # (SQLite says why it cannot open it)


def _create(path: Path) -> None:
    """Make the journal at ``path``: written whole (its table and identity) under a temporary
    name in the same directory, synced, and renamed into place, the directory synced after.

    Creators take a lock on the directory, so one journal is made however many commands
    start at once, and the temporary files a killed creator left are removed: nothing else
    writes them, and nothing reads them as the journal.
    """
    directory = path.parent
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if path.exists():  # made by another command meanwhile
            return
        _remove_temporaries(directory)
        try:
            _write_new(path)
            os.fsync(fd)
        except (OSError, sqlite3.Error) as exc:
            _remove_temporaries(directory)
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise JournalError(f"{path}: the journal cannot be made: {why}") from exc
        except BaseException:
            _remove_temporaries(directory)
            raise
    finally:
        os.close(fd)  # (the lock goes with it)


def _write_new(path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)  # (made 0600; SQLite's own files for it take its mode)
    db = sqlite3.connect(temporary, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(
            f"BEGIN; {_SCHEMA} PRAGMA application_id = {APPLICATION_ID}; "
            f"PRAGMA user_version = {FORMAT}; COMMIT;"
        )
    finally:
        db.close()  # (the last connection: its write-ahead log goes into the file)
    synced = os.open(temporary, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(synced)
    finally:
        os.close(synced)
    os.replace(temporary, path)


def _remove_temporaries(directory: Path) -> None:
    """Remove the journals a creator did not finish (``.journal.sqlite3.*.tmp``) and the
    files SQLite kept beside them (``-wal``, ``-shm``, ``-journal``)."""
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith(f".{JOURNAL_NAME}.") and ".tmp" in name:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def instant(value: Any) -> datetime:
    """A journalled instant (ISO 8601 with its zone) as an aware datetime; ValueError when
    ``value`` is no such text (every instant releasekit journals has its zone)."""
    if not isinstance(value, str):
        raise ValueError("not an instant")
    found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if found.tzinfo is None:
        raise ValueError(f"no time zone: {value}")
    return found


class Held:
    """A lock :func:`exclusive` holds (or none, where it took none)."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @contextmanager
    def released(self) -> Iterator[None]:
        """Let go of the lock for the block, then take it again, waiting for a holder that
        took it meanwhile to end (a run that writes nothing, like a dry run)."""
        if self._fd is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_EX)


@contextmanager
def exclusive(
    state_dir: Path, name: str, *, create: bool = True, busy: str | None = None
) -> Iterator[Held]:
    """Hold ``state_dir/name.lock`` for the block; a second holder is refused (exit 1), with
    ``busy`` as the reason when given.

    ``create=False`` (a run that writes nothing, like a dry run): hold the lock only if the
    file exists already; where no command ever took it, nothing is created.
    """
    path = state_dir / f"{name}.lock"
    if not create and not path.is_file():
        yield Held(None)
        return
    fsutil.private_dir(state_dir)
    # (Opened, never read or written: a buffered "a+" would seek, and a lock file that is a
    # FIFO would then fail with "not seekable", naming no file.)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            why = busy or f"another releasekit {name} is running in this workspace"
            raise Refused(why) from None
        try:
            yield Held(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

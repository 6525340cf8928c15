"""The site build's SQLite caches in the private state directory (``.releasekit/``).

Two stores keep what earlier builds made: the rendered details (:mod:`.mdcache`) and each
advisory's row of the files that list every advisory (:mod:`.listing`). Both are caches: a
store that does not open, or was filled by other code, is emptied and costs work, never a
wrong site. Deleted entries are overwritten on disk (``secure_delete``) and, once a
:func:`scrub` has run, leave no copy in the log either. WAL, synced at checkpoints only.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from releasekit.support import fsutil


def connect(path: Path, *, durable: bool = True) -> sqlite3.Connection:
    """``durable``: synced to disk at checkpoints, so consistent after a power loss. A store
    that checks every entry it gives (by its digest) can do without: a sync costs up to tens
    of milliseconds here, more than a small build's whole use of the store."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA secure_delete=ON")
    db.execute(f"PRAGMA synchronous={'NORMAL' if durable else 'OFF'}")
    return db


def remove(path: Path) -> None:
    """Remove the store and its log, whatever stands at their paths (a directory too)."""
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        fsutil.clear(path.parent / name)


def prepare(
    path: Path, schema: str, identity: str, tables: tuple[str, ...], *, durable: bool = True
) -> bool:
    """Open (or make) the store at ``path`` with ``schema`` (which has a ``meta`` table); make
    ``tables`` again, empty, when the store was made by another ``identity``. False: it
    cannot be used."""
    for _attempt in range(2):
        try:
            with contextlib.closing(connect(path, durable=durable)) as db:
                os.chmod(path, 0o600)
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(schema)
                found = db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
                if found is None or found[0] != identity:  # the identity last: until it is
                    for table in tables:  # written, the next open does this again
                        db.execute(f"DROP TABLE IF EXISTS {table}")
                    db.executescript(schema)
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('identity', ?)", (identity,))
            return True
        except (sqlite3.Error, OSError):  # damaged: start it again
            remove(path)
    return False


def scrub(db: sqlite3.Connection) -> None:
    """Leave nothing deleted in the log (the deleted pages are overwritten in the file), and
    sync the file: what was deleted must stay deleted after a crash, even in a store that is
    otherwise not synced."""
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

"""Advisory details rendered by earlier builds, kept in the private state directory.

A rebuild of many pages (new or overriding templates, changed settings, a new releasekit, a
site that was deleted) renders every page again, and parsing the Markdown is most of a
page's cost; a changed title renders one page whose text did not change. The details of an
advisory whose text did not change are taken from here instead of being parsed again: one
entry per advisory id, with the digest of the text it was made from, so a changed text is
never served from here. Any change of the Markdown renderer (:func:`identity`: which parser
renders, markdown-it-pyrs or markdown-it-py, their versions, releasekit's markdown modules)
empties the store at once; the identity is part of every page's key too (see keys).

With markdown-it-pyrs too the store pays: 10,000 generated advisories (3 KB of Markdown
each) take 1.5 s of CPU to render and 0.16 s to take from here, against 0.46 s more to keep
them in a first build (6.3 s to render with markdown-it-py).

An SQLite database (WAL): each worker process reads the entries it needs and adds what it
rendered in one short transaction per chunk, so no process holds every entry in memory. It
is a cache, not synced to disk (a sync costs more than a small build's whole use of it):
each entry carries the digest of its HTML, checked when it is read, and any damage empties
the store; either costs only renders, never a wrong page.

Beside its details, each entry keeps the data its page was rendered from (the view, with the
records key it was made under: what the view is made of besides the advisory, its content
and its stage), so that a new page template renders every page without reading a single
advisory file again (see pages.render_page).

Details are rendered only once an advisory is disclosed, so only disclosed advisories' details
(and views) are ever kept. Every build that used the store keeps only the advisories disclosed
in it (``prune``: that covers what a build that failed kept), and a build that did not use it
drops the advisories that stopped being disclosed (``forget``: a disclosure moved later, a file
removed). Deleted entries are overwritten on disk (``secure_delete``) and leave no copy in
the log. The state directory is private (0700).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from releasekit.site import kept, tree

try:  # (markdown-it-pyrs alone: importing it takes a millisecond, markdown-it-py 0.1 s)
    from releasekit.site import markdown_rs
except ImportError:  # no wheel for this platform: markdown-it-py renders every text
    markdown_rs = None  # type: ignore[assignment]

# Which parser renders (see markdown.BACKEND): markdown-it-pyrs when it imports, with its version.
BACKEND = "markdown-it-py" if markdown_rs is None else f"markdown-it-pyrs {markdown_rs.VERSION}"

FILE = "site-markdown.sqlite"
_FORMAT = "4"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS details (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, html TEXT NOT NULL, sealed TEXT NOT NULL,
    vkey TEXT, view BLOB, vsealed TEXT
);
"""
_MARSHAL_VERSION = 4


def _renderer_files() -> list[Path]:
    """markdown-it-py's package file (which holds its version) and releasekit's modules."""
    spec = importlib.util.find_spec("markdown_it")
    assert spec is not None
    assert spec.origin is not None
    here = Path(__file__).parent
    return [
        Path(spec.origin),
        *(here / f"{name}.py" for name in ("markdown", "markdown_rs", "links")),
    ]


@lru_cache(maxsize=1)
def identity() -> str:
    """What the HTML depends on besides the text: which parser, the renderers' code, versions.

    Read from the files: importing markdown-it-py costs more than a whole small build whose
    details are all kept (a changed title, say). (markdown-it-py renders some texts on the
    markdown-it-pyrs path too: both count.)
    """
    return _identity(BACKEND)


def _identity(backend: str) -> str:
    h = hashlib.sha256(f"{_FORMAT}\0{backend}\0".encode())
    for path in _renderer_files():
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def prepare(state_dir: Path) -> Path | None:
    """Open (or make) the store for a build; empty it when another renderer filled it.

    Returns its path, or None when it cannot be used (the build then renders everything).
    """
    path = state_dir / FILE
    _close(path)  # no connection of this process outlives a build, or goes through a fork
    usable = kept.prepare(path, _SCHEMA, identity(), ("details",), durable=False)
    return path if usable else None


def _connect(path: Path) -> sqlite3.Connection:
    return kept.connect(path, durable=False)  # every entry is checked when read


class _Store:
    """This process's connection (made after the fork) and what it rendered, not yet kept."""

    def __init__(self, path: Path) -> None:
        self.path, self.pid = path, os.getpid()
        self.db: sqlite3.Connection | None = _connect(path)
        self.fresh: list[tuple[str, str, str, str]] = []
        self.views: list[tuple[str, bytes, str, str]] = []  # (vkey, view, vsealed, id)

    def get(self, ident: str) -> tuple[str, str, str] | None:
        """The digest of the text, the HTML and the HTML's own digest (see details)."""
        row = self._entry("digest, html, sealed", ident)
        return None if row is None else (row[0], row[1], row[2])

    def page(self, ident: str) -> tuple[str, str, str | None, bytes | None, str | None] | None:
        """The HTML and its digest, the view with its key and digest (see :func:`page`)."""
        row = self._entry("html, sealed, vkey, view, vsealed", ident)
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _entry(self, columns: str, ident: str) -> Any:
        if self.db is None:
            return None
        try:
            return self.db.execute(
                f"SELECT {columns} FROM details WHERE id = ?",  # noqa: S608 - our columns
                (ident,),
            ).fetchone()
        except sqlite3.Error:
            self.db = None  # damaged since the build began: render, keep nothing
            return None

    def flush(self) -> None:
        fresh, self.fresh = self.fresh, []
        views, self.views = self.views, []
        if self.db is None or not (fresh or views):
            return
        try:  # one short write transaction: the other workers wait for it, not for a chunk
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO details (id, digest, html, sealed) VALUES (?, ?, ?, ?)",
                fresh,
            )
            self.db.executemany(
                "UPDATE details SET vkey = ?, view = ?, vsealed = ? WHERE id = ?", views
            )
            self.db.execute("COMMIT")
        except sqlite3.Error:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            self.db = None


_STORES: dict[Path, _Store] = {}
# A connection inherited through fork must never be used or closed by the child (closing
# could checkpoint the parent's log): the child keeps a reference and leaves it alone.
_INHERITED: list[_Store] = []


def _store(path: Path) -> _Store:
    store = _STORES.get(path)
    if store is not None and store.pid != os.getpid():
        _INHERITED.append(store)
        store = None
    if store is None:
        store = _STORES[path] = _Store(path)
    return store


def _close(path: Path) -> None:
    store = _STORES.pop(path, None)
    if store is None:
        return
    if store.pid != os.getpid():
        _INHERITED.append(store)
    elif store.db is not None:
        store.db.close()


def details(path: Path | None, ident: str, text: str) -> tuple[str, str | None]:
    """``text`` as HTML, and the digest it is kept under (None: no store in this build,
    ``path`` None): kept from an earlier build when it is unchanged, else rendered (and
    kept at the next :func:`flush`)."""
    if path is None:
        return _to_html(text), None
    store = _store(path)
    digest = tree.digest(text.encode())
    entry = store.get(ident)
    if entry is not None and entry[0] == digest:
        sealed = tree.digest(entry[1].encode())
        if sealed == entry[2]:  # (its own digest: the store is not synced, a crash may damage it)
            return entry[1], sealed
    html = _to_html(text)
    sealed = tree.digest(html.encode())
    store.fresh.append((ident, digest, html, sealed))
    return html, sealed


def keep_view(path: Path | None, ident: str, vkey: str, view: bytes, sealed: str) -> None:
    """Keep (at the next :func:`flush`) ``view``, the data the page of the disclosed advisory
    ``ident`` is rendered from (marshal: see :func:`dumps`), made under ``vkey``, sealed with
    ``sealed``, the digest :func:`details` gave with its details."""
    if path is None:
        return
    key = _view_key(vkey)
    _store(path).views.append((key, view, _seal(key, sealed, view), ident))


def dumps(view: dict[str, Any]) -> bytes:
    """A view as :func:`keep_view` takes it: made before a template sees the view (an
    overriding template may change the dict it is given)."""
    return marshal.dumps(view, _MARSHAL_VERSION)


def loads(view: bytes) -> dict[str, Any]:
    """A view from what :func:`dumps` made (a new dict each time)."""
    found: dict[str, Any] = marshal.loads(view)  # noqa: S302 - made here, or kept and checked
    return found


def page(path: Path | None, ident: str, vkey: str) -> tuple[dict[str, Any], str] | None:
    """The view kept for ``ident`` under ``vkey``, and its details (HTML), as they were
    kept together; None when they are not (another key, damage, no store)."""
    if path is None:
        return None
    found = _store(path).page(ident)
    if found is None:
        return None
    html, sealed, kept_key, data, vsealed = found
    key = _view_key(vkey)
    if kept_key != key or data is None or vsealed != _seal(key, sealed, data):
        return None
    if tree.digest(html.encode()) != sealed:
        return None
    return loads(data), html  # (private, and checked above)


def _view_key(vkey: str) -> str:
    return tree.digest(f"{vkey}\0{_view_code()}".encode())


def _seal(key: str, sealed: str, data: bytes) -> str:
    return tree.digest(f"{key}\0{sealed}\0".encode() + data)


@lru_cache(maxsize=1)
def _view_code() -> str:
    """A digest of the code that makes a view from an advisory file (the model, the views,
    the records' paths and links, the time formats): changed without a new version (a
    checkout), views kept by the old code are not used. (Which settings and which advisory:
    the records key.)"""
    package = Path(__file__).resolve().parent.parent
    paths = [
        *sorted((package / "model").glob("*.py")),
        package / "site" / "views.py",
        package / "records" / "common.py",
        package / "support" / "timefmt.py",
    ]
    h = hashlib.sha256()
    for path in paths:
        h.update(f"{path.relative_to(package)}\0".encode() + path.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _to_html(text: str) -> str:
    from releasekit.site import markdown  # imported only when some text is rendered (see identity)

    return markdown.to_html(text)


def flush(path: Path | None, close: bool = True) -> None:
    """Keep what this process rendered since the last flush, and close its connection
    (``close`` False: a render worker's, which ends with the build, is kept open for its next
    chunk: opening and closing it took 0.4 ms, a chunk's flush 0.06 ms)."""
    if path is None:
        return
    store = _STORES.get(path)
    if store is not None and store.pid == os.getpid():
        store.flush()
    if close:
        _close(path)


def prune(path: Path, disclosed: Iterable[str]) -> None:
    """Keep only the entries of ``disclosed`` advisories; overwrite the others on disk."""
    keep = set(disclosed)
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(_connect(path)) as db,
    ):
        _delete(db, [i for (i,) in db.execute("SELECT id FROM details") if i not in keep])


def forget(state_dir: Path, ids: Sequence[str]) -> None:
    """Drop the entries of ``ids`` (advisories whose details are no longer public), if kept."""
    path = state_dir / FILE
    if not ids or not path.exists():
        return
    _close(path)
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(_connect(path)) as db,
    ):
        _delete(db, ids)


def _delete(db: sqlite3.Connection, ids: Sequence[str]) -> None:
    if ids:
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM details WHERE id = ?", [(i,) for i in ids])
        db.execute("COMMIT")
        kept.scrub(db)

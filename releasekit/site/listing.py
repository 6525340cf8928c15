"""The files that list every advisory: index.html, advisories.json, feed.xml and atom.xml.

Each advisory's share of them, its :class:`Row` (its row of the index table, its entry of
advisories.json, its feed entry), is rendered with the advisory; :func:`make` puts the rows
together, newest first. A change to one advisory must not cost a read of every other row:
the :class:`Layout` of the last build says where each row lies in the live index.html and
advisories.json, and a row that did not change is copied from there as bytes.

The rows are also kept one by one in an SQLite store, ``.releasekit/site-rows.sqlite`` (see
:mod:`.kept`). The feeds' rows come from there, and so does any row that the live files
cannot give (changed by hand, or an overriding index template that does not show the rows
as given). A row is taken from the live files or the store only when it is the one the build
state expects (:data:`Layout.digests`; a kept row's own digest, so the store needs no sync to
disk: a row that a crash damaged is never taken); otherwise :class:`Damaged`.

Rows hold only what is public at the build: a row is rendered again whenever what may be
shown of its advisory changes, and a row that is no longer shown is deleted from the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import orjson
from markupsafe import Markup

from releasekit.model.severity import SEVERITIES
from releasekit.site import feeds, kept, tree, views

FILE = "site-rows.sqlite"
INDEX, JSON = "index.html", "advisories.json"
_IDENTITY = "releasekit site rows 3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, row BLOB NOT NULL);
"""
_SEPARATOR = b",\n"  # between the entries of advisories.json
_MANY = 256  # to fetch more rows than this, read them all


class Row(NamedTuple):
    """An advisory's share of the files that list every advisory (index, JSON, feeds)."""

    order: tuple[float, int, int]  # release instant, year, number: the index is newest first
    html: str  # its row of the index (_row.html.j2)
    json: bytes  # its entry of advisories.json
    feed: tuple[Any, ...]  # a FeedRow, as a plain tuple
    versions: tuple[str, ...] = ()  # its row of a version page: head, per range (views)

    def digest(self) -> str:
        return row_digest(self)


class Packed(Mapping[str, tuple[Any, ...]]):
    """Rows as the renderers send them (marshal: 35 MB for 10,000 against 58 MB as tuples,
    while the workers are still running), each read when it is asked for."""

    def __init__(self) -> None:
        self.raw: dict[str, bytes] = {}

    def __getitem__(self, ident: str) -> tuple[Any, ...]:
        return marshal.loads(self.raw[ident])  # type: ignore[no-any-return]  # noqa: S302

    def __contains__(self, ident: object) -> bool:
        return ident in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def row_digest(row: tuple[Any, ...]) -> str:
    """What identifies a Row (or the plain tuple of one) in the build state; TypeError or
    ValueError for anything else (a damaged row of the store).

    The HTML, the JSON and the rows of the version pages, the long parts, are hashed as they
    are (their repr, an escaped copy, took most of the time), after the rest and their sizes.
    """
    order, html, data, feed, *versions = row
    if type(html) is not str or type(data) is not bytes or len(versions) > 1:
        raise TypeError("not a row")
    fragments = versions[0] if versions else ()
    if type(fragments) is not tuple or any(type(f) is not str for f in fragments):
        raise TypeError("not a row")
    encoded = html.encode("utf-8", "surrogatepass")
    sizes = (len(encoded), len(data), len(versions), [len(f) for f in fragments])
    return parts_digest((order, feed, sizes), (encoded, data, *fragments))


def parts_digest(head: Any, parts: Iterable[str | bytes]) -> str:
    """A digest of ``head`` (its repr: short values, and the sizes of the parts, so that the
    same bytes split otherwise differ) and then of ``parts`` as they are: long text is hashed
    without the escaped copy a repr of it would make."""
    digest = hashlib.blake2b(repr(head).encode("utf-8", "surrogatepass"), digest_size=16)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class Layout(NamedTuple):
    """Where each advisory's row lies in the index.html and advisories.json of a build."""

    digests: tuple[str, str]  # of the index.html and advisories.json it describes
    ids: tuple[str, ...]  # listed, newest first
    html: tuple[int, ...]  # the first row's offset in index.html, then each row's size
    json: tuple[int, ...]  # the same in advisories.json


class Listed(Protocol):
    """What the listing needs to know of an advisory (a build's Item)."""

    @property
    def year(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def released(self) -> float | None: ...
    @property
    def disclosed_at(self) -> float | None: ...
    @property
    def disclosed(self) -> bool: ...
    @property
    def changed(self) -> float | None: ...  # when its feed entry last changed
    @property
    def row(self) -> str | None: ...  # the digest of its Row; None: not listed
    @property
    def facets(self) -> tuple[str, ...]: ...  # its severity, then its lines (views.facets)


class Damaged(Exception):
    """Rows that the build state expects are not in the store (``ids``: which)."""

    def __init__(self, ids: Iterable[str]) -> None:
        super().__init__()
        self.ids = frozenset(ids)


def listed(items: Mapping[str, Listed]) -> list[str]:
    """The ids of the listed advisories, newest first (by Row.order: release, year, number)."""
    keys = [
        (item.released, item.year, item.number, ident)
        for ident, item in items.items()
        if item.row is not None
    ]
    keys.sort(reverse=True)
    return [key[3] for key in keys]


_LINE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]*")
# Up to this many lines the index shows each as a radio button; more (a database of many
# products: RustSec's has some 160) make one drop-down list, the rows still first on a phone.
LINE_RADIOS = 8
# The filters list the highest first, then advisories with no score (views.severity_name).
SEVERITY_ORDER = (*reversed(SEVERITIES), "unscored")


def filters(items: Mapping[str, Listed], order: Sequence[str]) -> dict[str, Any]:
    """The choices of the index's filters: each severity and each release line that a listed
    advisory has, with how many have it (severities highest first, lines newest first)."""
    severities: dict[str, int] = {}
    lines: dict[str, int] = {}
    for ident in order:
        severity, *fixed = items[ident].facets
        severities[severity] = severities.get(severity, 0) + 1
        for line in fixed:
            lines[line] = lines.get(line, 0) + 1
    # (a line shown is a version: it goes into a CSS selector as it is)
    shown = [line for line in sorted(lines, key=_line_order, reverse=True) if _LINE.fullmatch(line)]
    return {
        "severities": [
            {"name": name, "label": views.severity_title(name), "count": severities[name]}
            for name in SEVERITY_ORDER
            if name in severities
        ],
        "lines": [{"name": line, "count": lines[line]} for line in shown],
        "menu": len(shown) > LINE_RADIOS,
    }


def _line_order(line: str) -> tuple[tuple[int, ...], str]:
    return tuple(int(part) for part in re.findall(r"[0-9]+", line)), line


def chosen(items: Mapping[str, Listed]) -> list[str]:
    """The ids that the feeds show (feeds.select: newest change first, at most FEED_LIMIT)."""
    keys = [  # views.feed_updated: the release, then the disclosure, or a later revision
        (item.changed, item.year, item.number, i)
        for i, item in items.items()
        if item.row is not None
    ]
    keys.sort(reverse=True)  # faster than a heap here: the items come mostly in order
    return [key[3] for key in keys[: feeds.FEED_LIMIT]]


def rows_key(global_key: str, items: Mapping[str, Listed], ids: Sequence[str]) -> str:
    """What a file made of the rows of ``ids`` is made of: those rows and everything global
    (the feeds: the rows :func:`chosen` picks)."""
    h = hashlib.blake2b(global_key.encode(), digest_size=16)
    for ident in ids:
        h.update(f"\0{ident}\0{items[ident].row}".encode())
    return h.hexdigest()


class _Live:
    """The rows of the live index.html and advisories.json, as ``layout`` describes them."""

    def __init__(self, site: Path | None, layout: Layout | None) -> None:
        self.position: dict[str, int] = {}
        self.html = self.json = b""
        if site is None or layout is None or not layout.html:
            return
        try:
            html, json = (site / INDEX).read_bytes(), (site / JSON).read_bytes()
        except OSError:
            return
        if (tree.digest(html), tree.digest(json)) != layout.digests:  # an edit that kept the
            return  # size and the mtime: not the files described
        self.html, self.json = html, json
        self.html_at = list(accumulate(layout.html[1:], initial=layout.html[0]))
        gap = len(_SEPARATOR)
        self.json_at = list(accumulate((n + gap for n in layout.json[1:]), initial=layout.json[0]))
        if self.html_at[-1] > len(self.html) or self.json_at[-1] - gap > len(self.json):
            return  # not what was described (cannot happen while the digests match)
        self.html_sizes, self.json_sizes = layout.html[1:], layout.json[1:]
        self.position = {ident: i for i, ident in enumerate(layout.ids)}

    def run(self, first: int, end: int) -> tuple[memoryview, memoryview]:
        """Rows first..end-1 (consecutive in the live files) in one piece each."""
        last = end - 1
        return (
            memoryview(self.html)[self.html_at[first] : self.html_at[last] + self.html_sizes[last]],
            memoryview(self.json)[self.json_at[first] : self.json_at[last] + self.json_sizes[last]],
        )


def _find(page: bytes, table: bytes) -> int:
    """``page.find(table)``, found by the table's first bytes and then compared: a search
    for the whole 10 MB table took 15-50 ms."""
    head = table[:256]
    at = page.find(head)
    while at >= 0 and not page.startswith(table, at):
        at = page.find(head, at + 1)
    return at


def make(
    settings: Any,
    renderer: Any,
    items: Mapping[str, Listed],
    rendered: Mapping[str, tuple[Any, ...]],
    state_dir: Path,
    site: Path | None,
    layout: Layout | None,
    shown: Sequence[str] | None,
) -> tuple[dict[str, bytes], Layout]:
    """The listing files for ``items``, and where each row lies in them; the feeds too unless
    ``shown`` (the ids that they show, see :func:`chosen`) is None.

    ``rendered``: the rows rendered in this build (as plain tuples), by id. Every other row is
    taken from the live files at ``site`` (None: they are not as ``layout`` describes), else
    from the store. Raises Damaged when a row is in neither.
    """
    order = listed(items)
    picked = shown or ()
    live = _Live(site, layout)
    position = live.position
    wanted = {i for i in order if i not in rendered and i not in position}
    wanted.update(i for i in picked if i not in rendered)
    stored = fetch(state_dir, wanted, items)
    html: list[Any] = []  # pieces: a new row, or a run of rows unchanged in the live files
    json: list[Any] = []
    html_sizes: list[int] = []
    json_sizes: list[int] = []
    first = end = -1  # the run of live rows being gathered
    for ident in order:
        at = position.get(ident, -1) if ident not in rendered else -1
        if at >= 0:
            if at != end:  # not the next row of the run: start another
                if first >= 0:
                    _append(live.run(first, end), html, json)
                first = at
            end = at + 1
            html_sizes.append(live.html_sizes[at])
            json_sizes.append(live.json_sizes[at])
            continue
        if first >= 0:
            _append(live.run(first, end), html, json)
            first = end = -1
        row = rendered.get(ident) or stored[ident]
        piece = row[1].encode()
        html.append(piece)
        json.append(row[2])
        html_sizes.append(len(piece))
        json_sizes.append(len(row[2]))
    if first >= 0:
        _append(live.run(first, end), html, json)
    table = b"".join(html)
    del html  # (a big site's table is many megabytes: held once at a time where it can be)
    page = _index(renderer, table, len(order), filters(items, order))
    start = layout.html[0] if layout is not None and layout.html else 0
    if not page.startswith(table, start):
        start = _find(page, table)  # -1: the template changed the rows (the store gives them)
    head = orjson.dumps(
        {"format": "releasekit-advisories", "version": 1, "project": renderer.context["project"]}
    )
    opening = head[:-1] + b',"advisories":[\n'
    files = {INDEX: page, JSON: opening + _SEPARATOR.join(json) + b"\n]}\n"}
    if shown is not None:
        entries = (rendered.get(ident) or stored[ident] for ident in picked)
        selected = feeds.select(tuple.__new__(views.FeedRow, row[3]) for row in entries)
        files["feed.xml"] = feeds.rss(settings, selected)
        files["atom.xml"] = feeds.atom(settings, selected)
    new = Layout(
        ("", ""),  # the caller sets them once the files are written
        tuple(order),
        (start, *html_sizes) if start >= 0 else (),
        (len(opening), *json_sizes),
    )
    return files, new


def _index(renderer: Any, table: bytes, count: int, choices: dict[str, Any]) -> bytes:
    """index.html with the rows ``table``: put in as bytes where a stand-in for them shows
    when the template shows them only as they are (see Renderer.verbatim), else given to
    the template (with autoescape: decoded once, into a Markup)."""
    context = {"count": count, "filters": choices, **renderer.row_context}
    if not table or not renderer.verbatim("index.html.j2", "rows"):
        rows = Markup(table, "utf-8")
        return renderer.render("index.html.j2", rows=rows, **context).encode()  # type: ignore[no-any-return]
    stand_in = f"releasekit-rows-{os.urandom(16).hex()}"
    text = renderer.render("index.html.j2", rows=Markup(stand_in), **context)  # noqa: S704 - ours
    return table.join(part.encode() for part in text.split(stand_in))


def _append(run: tuple[memoryview, memoryview], html: list[Any], json: list[Any]) -> None:
    html.append(run[0])
    json.append(run[1])


# --- the store ------------------------------------------------------------------------------


def fetch(
    state_dir: Path, wanted: set[str], items: Mapping[str, Listed]
) -> dict[str, tuple[Any, ...]]:
    """The kept rows of ``wanted`` that the listing files need (see :func:`read_rows`)."""
    return read_rows(state_dir, wanted, items)


def fetch_for_pages(
    state_dir: Path, wanted: set[str], items: Mapping[str, Listed]
) -> dict[str, tuple[Any, ...]]:
    """The kept rows of ``wanted`` that the version pages need (see aggregate)."""
    return read_rows(state_dir, wanted, items)


def read_rows(
    state_dir: Path, wanted: set[str], items: Mapping[str, Listed]
) -> dict[str, tuple[Any, ...]]:
    """The kept rows of ``wanted``, each checked against its item's row digest."""
    if not wanted:
        return {}
    path = state_dir / FILE
    found: dict[str, tuple[Any, ...]] = {}
    try:
        if not path.is_file():
            raise Damaged(wanted)
        with contextlib.closing(kept.connect(path, durable=False)) as db:
            if len(wanted) > _MANY:
                cursor: Iterable[tuple[str, bytes]] = db.execute("SELECT id, row FROM rows")
            else:
                marks = ",".join("?" * len(wanted))
                cursor = db.execute(
                    f"SELECT id, row FROM rows WHERE id IN ({marks})",  # noqa: S608
                    sorted(wanted),
                )
            for ident, raw in cursor:
                if ident in wanted:
                    row = marshal.loads(raw)  # noqa: S302 - private, and checked:
                    if row_digest(row) == items[ident].row:
                        found[ident] = row
    except (sqlite3.Error, ValueError, EOFError, TypeError):
        raise Damaged(wanted) from None
    if len(found) != len(wanted):
        raise Damaged(wanted - found.keys())
    return found


def keep(
    state_dir: Path,
    put: Sequence[tuple[str, bytes]],
    drop: Sequence[str],
    everything: bool,
) -> None:
    """Store the rows ``put`` (id, the row as marshal writes it) and delete those of
    ``drop``; ``everything``: ``put`` is every row (the others are deleted). A store that
    cannot be written is removed: the next build that needs it renders every row again."""
    path = state_dir / FILE
    if not (put or drop or everything):
        return
    if not kept.prepare(path, _SCHEMA, _IDENTITY, ("rows",), durable=False):
        return
    try:
        with contextlib.closing(kept.connect(path, durable=False)) as db:
            db.execute("BEGIN IMMEDIATE")
            deleted = 0
            if everything:
                deleted += db.execute("DELETE FROM rows").rowcount
            for ident in drop:
                deleted += db.execute("DELETE FROM rows WHERE id = ?", (ident,)).rowcount
            db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?)", put)
            db.execute("COMMIT")
            if deleted:
                kept.scrub(db)
    except sqlite3.Error:
        kept.remove(path)

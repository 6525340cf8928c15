"""The plan of a build: which advisories keep their files as they are, which are rendered.

An advisory is rendered again when its content, its stage or anything global changed since
the last build, or when one of its files on the site is not as the state says.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from releasekit import records
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.site import keys, listing, tree
from releasekit.site.pages import Again, Context, KeptRow, Records
from releasekit.site.state import Item, State
from releasekit.site.workers import Done, Task
from releasekit.support.errors import AdvisoryError, Problem

Sources = dict[str, tuple[int, ...]]  # advisory file name -> its stat (size, times, inode)


@dataclass(slots=True)
class Entry:
    """An advisory of the build, as the caller gave it or as its file is known."""

    id: str
    given: Advisory | None = None  # the caller's advisory (publish)
    folder: Path | None = None  # ... or its file, folder/ID.md (publish_workspace)
    fingerprint: str | None = None  # None: parse the file first
    released: float | None = None
    disclosed_at: float | None = None

    @property
    def source(self) -> Advisory | Path:
        if self.given is not None:
            return self.given
        assert self.folder is not None
        return self.folder / f"{self.id}.md"


@dataclass
class Plan:
    """One build: what is there, what to render, and the new tree as it is made."""

    entries: list[Entry]
    sources: Sources | None  # the advisory files (publish_workspace)
    parse: bool  # some advisory files must be parsed
    present: dict[str, tree.Signature]  # the live site on disk
    good: set[str]  # its files that are as the state says
    items: dict[str, Item] = field(default_factory=dict)  # kept, then rendered too
    tasks: list[Task] = field(default_factory=list)
    standby: Path = Path()
    kept_signatures: dict[str, tree.Signature] = field(default_factory=dict)  # in the standby
    kept_digests: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, tree.Signature] = field(default_factory=dict)  # the new tree
    digests: dict[str, str] = field(default_factory=dict)
    new: dict[str, tree.FileInfo] = field(default_factory=dict)  # rendered, written
    written: list[str] = field(default_factory=list)  # of those, the ones that differ
    rows: listing.Packed = field(default_factory=listing.Packed)  # rendered
    layout: listing.Layout | None = None  # of the listing files of the new tree
    feeds_key: str = ""  # what its feeds are made of
    shared_key: str = ""
    markdown: Path | None = None  # the details kept between builds (None: not in this one)
    live: tree.Live | None = None  # what of the live site the new tree may keep
    context: Context | None = None  # what the renderers of this build get
    linker: tree.Linker | None = None  # the links of the kept files into the standby
    adopted: dict[str, str] = field(default_factory=dict)  # live files kept, unvouched: digests
    upcoming_key: str = ""  # what its upcoming.* are made of, of the journal
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()  # CSAF distribution, upcoming.*
    parts: tuple[str, ...] = ()  # (see Builder.parts)

    def take(self, results: Iterable[Done]) -> int:
        """What the renderers made: items, rows and files; AdvisoryError with every problem
        of the files. Returns how many of them are public (have a row)."""
        problems: list[Problem] = []
        items, new, rows = self.items, self.new, self.rows.raw
        public = 0
        for done in results:
            problems.extend(done.problems)
            if done.item is not None:
                item = _shared(tuple.__new__(Item, done.item))
                items[item.id] = item
                if done.row is not None:  # (none for a row kept from the last build)
                    rows[item.id] = done.row
                if item.row is not None:
                    public += 1
                for rel, info in done.written.items():
                    new[rel] = tuple.__new__(tree.FileInfo, info)
        if problems:
            raise AdvisoryError(problems)
        return public


_SAME: dict[Any, Any] = {}  # equal values of many items (a version's key, its ranges), once


def _shared(item: Item) -> Item:
    """``item`` with what many advisories have alike made one object: its ranges (and each
    version's key and text in them), the versions they name, its facets. In memory and in
    the build state (marshal writes an object it has written before as a reference) that is
    one copy for all, rather than one per advisory: a smaller state, read and written faster.
    """
    same = _SAME.setdefault
    if not item.named:
        return item._replace(facets=same(item.facets, item.facets))
    intern = sys.intern
    ranges = tuple(
        (
            same(first, first),
            below and same(below, below),
            upgrade and intern(upgrade),
            line and intern(line),
        )
        for first, below, upgrade, line in item.ranges
    )
    named = tuple(intern(v) for v in item.named)
    return item._replace(
        named=same(named, named), ranges=same(ranges, ranges), facets=same(item.facets, item.facets)
    )


def make_plan(
    state: State,
    key: str,
    now: float,
    folder: Path,
    entries: list[Entry],
    sources: Sources | None,
    present: dict[str, tree.Signature],
    records_key: str = "",
    rows_key: str = "",
) -> Plan:
    """The advisories whose files stay as they are, and what to render.

    ``key``: the build's global key; ``folder``: the advisory files (of ``sources``);
    ``present``: the live site as it is on disk; ``records_key``: what the records are
    made of besides the advisory (keys.records_key); ``rows_key``: the rows' (pages).
    """
    if present == state.signatures:
        good = set(present)
    else:
        good = {rel for rel, sig in state.signatures.items() if present.get(rel) == sig}
    plan = Plan(list(entries), sources, False, present, good)  # (run may retry)
    if sources is not None:
        _source_entries(plan, state, key, now, folder, sources)
    steady = state.steady(key, now)  # then every unchanged advisory keeps its render key
    for entry in plan.entries:
        old = state.items.get(entry.id)
        if entry.fingerprint is None or old is None or old.fingerprint != entry.fingerprint:
            plan.tasks.append(Task(entry.id, entry.source))
            continue
        if not steady:
            seen = lifecycle.stage_at(entry.released, entry.disclosed_at, now)
            wanted = keys.render_key(key, entry.fingerprint, seen) if seen.public else None
            if old.key != wanted:
                kept = _records(plan, old, keys.render_key(records_key, entry.fingerprint, seen))
                row = _row(old, keys.render_key(rows_key, entry.fingerprint, seen))
                again = None  # only the page, from what was kept (see pages.render_page)
                if kept is not None and row is not None and wanted is not None and plan.sources:
                    source = plan.sources.get(f"{entry.id}.md")
                    again = None if source is None else Again(old, wanted, source)
                plan.tasks.append(Task(entry.id, entry.source, kept, row, again))
                continue
        if plan.good.issuperset(old.files):
            plan.items[entry.id] = old
        else:
            plan.tasks.append(Task(entry.id, entry.source))
    return plan


def _records(plan: Plan, old: Item, rkey: str) -> Records | None:
    """The records of an advisory rendered again with the same content and stage, when they
    are made of what they would be now (only a template changed, or the Markdown renderer)
    and are on the site as the state says: its page is rendered, they are kept."""
    if old.rkey != rkey:
        return None
    files = tuple(rel for rel in old.files if rel != records.page_path(old.id))
    if not plan.good.issuperset(files):
        return None
    return Records(rkey, files, old.csaf)


def _row(old: Item, lkey: str) -> KeptRow | None:
    """The row of an advisory rendered again with the same content and stage, when it is
    made of what it would be now (its template did not change): kept, not made again."""
    if old.lkey != lkey or old.row is None:
        return None
    return KeptRow(lkey, old.row, old.facets, old.ranges, old.named, old.vdigest, old.credits)


def _source_entries(
    plan: Plan, state: State, global_key: str, now: float, folder: Path, sources: Sources
) -> None:
    """Entries for the advisory files that changed (or may show differently now).

    When no setting, template or stage changed and the live site is as the state
    says (the everyday case), an advisory whose file is unchanged keeps its item, and
    its files, without an entry.
    """
    known_sources, items = state.sources, state.items
    all_good = len(plan.good) == len(state.signatures)
    settled = all_good and state.steady(global_key, now)
    for name in sorted(sources):
        ident = name[:-3]  # an advisory's id is its file name (advisory.py)
        item = items.get(ident)
        if item is not None and known_sources.get(name) == sources[name]:
            if settled:
                plan.items[ident] = item
            else:
                plan.entries.append(
                    Entry(ident, None, folder, item.fingerprint, item.released, item.disclosed_at)
                )
        else:
            plan.entries.append(Entry(ident, None, folder))
            plan.parse = True

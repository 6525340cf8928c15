"""The build state: what the last build knew and made, kept between builds.

Files in the private state directory, in ``marshal`` format: ``site-state`` (what every
run reads: the files of the site, the advisory files, the keys) and ``site-items`` (what each
advisory made, the digests of the files, the standby, where the rows lie in the listing
files; read only when something is rebuilt; the standby's files are in the manifest, as
they differ from the live site's), with ``site-items-delta``: what changed in
those since ``site-items`` was written. A build that changes a few advisories writes only
the delta (ten-odd entries, where the whole is 10 MB for 10,000 advisories); once the
delta is an eighth of the whole, the whole is written again. The state is private and
trusted, a cache of plain data: marshal writes and reads it faster than pickle. A state
that does not load (another Python, damage) or does not go with the site means a full
build, never a wrong site.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from releasekit import __version__
from releasekit.model.config import Settings
from releasekit.site import tree
from releasekit.site.keys import RENDER_VERSION
from releasekit.support import fsutil

if TYPE_CHECKING:  # (loaded with the items: a run that changes nothing reads none)
    from releasekit.site import listing

STATE = "site-state"
ITEMS = "site-items"
DELTA = "site-items-delta"
MARSHAL_VERSION = 4
STATE_FORMAT = "19"  # bump when what save_state writes changes
_GONE = None  # in a delta: the key was removed


def stamp(moment: datetime | None) -> float | None:
    """A POSIX timestamp, as the state keeps instants."""
    return None if moment is None else moment.timestamp()


class Item(NamedTuple):
    """What the last build knew and made of one advisory."""

    id: str
    year: int
    number: int
    cve: str | None
    component: str | None  # (advisories of different components may share a CVE id)
    fingerprint: str
    released: float | None  # POSIX timestamps: cheaper to keep than datetimes
    disclosed_at: float | None
    key: str | None  # render key of its files on the site; None while hidden
    rkey: str | None  # render key of its records (keys.records_key); None while undisclosed
    lkey: str | None  # render key of its row (pages.ROW_TEMPLATES); None while hidden
    files: tuple[str, ...]
    row: str | None  # the digest of its Row (see listing); None while hidden
    disclosed: bool
    unrecorded: bool  # disclosed with a CVE id, but no CVE record (no [cve] org_id)
    csaf: tuple[str, ...] | None  # its CSAF document (a site.csaf.Entry); None while hidden
    facets: tuple[str, ...]  # what the index's filters see of its row (views.facets); () hidden
    # For the pages made of many advisories (see aggregate); empty while hidden:
    ranges: tuple[Any, ...]  # its affected ranges: (first, below | None, upgrade, line) keys
    named: tuple[str, ...]  # the versions they name (each gets a page)
    vdigest: str | None  # what its rows of the version pages are made of
    credits: tuple[tuple[str, str], ...]  # (name, type), once disclosed
    changed: float | None  # when its feed entry last changed (views.feed_updated); None hidden


# Items and rows are kept, and sent back from the workers, as plain tuples: marshal and
# pickle make and read those in C, where a named tuple costs a Python call each way.


@dataclass
class State:
    """What the last build left: the manifest and, once loaded, the items that go with it."""

    tag: tuple[str, ...]
    site: str
    global_key: str = ""
    signatures: dict[str, tree.Signature] = field(default_factory=dict)  # the live site
    sources: dict[str, tuple[int, ...]] = field(default_factory=dict)  # advisory file: stat
    shared_key: str = ""
    built_at: float | None = None  # the build's `now`
    next_change: float | None = None  # the first instant after it when a stage changes
    counts: tuple[int, int, int] = (0, 0, 0)  # public, disclosed, unrecorded
    token: str = ""  # the items file written with this manifest ("": none)
    upcoming_key: str = ""  # what the live upcoming.* were made of, of the journal (upcoming)
    # The CSAF distribution files and upcoming.*: what they were made of, and their paths
    extras: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (key, paths) of each
    parts: tuple[str, ...] = ()  # what the rows, listing, version and credits pages are made of
    delta: str = ""  # the delta file written with this manifest ("": none)
    # The standby's files as they differ from the live site's (most are the same files):
    # (other or added signatures, paths it does not have); see standby_signatures
    standby: tuple[dict[str, tree.Signature], tuple[str, ...]] = ({}, ())
    # From the items file (and its delta), read only when something is rebuilt:
    loaded: bool = False
    items: dict[str, Item] = field(default_factory=dict)  # by advisory id
    digests: dict[str, str] = field(default_factory=dict)  # the live site
    standby_signatures: dict[str, tree.Signature] = field(default_factory=dict)
    standby_digests: dict[str, str] = field(default_factory=dict)
    layout: listing.Layout | None = None  # where the rows lie in the live listing files
    feeds_key: str = ""  # what the live feeds were made of
    # As read (not saved): the four maps above, and the delta they were read with; a save
    # writes what changed since then, into the delta
    read: tuple[dict[str, Any], ...] | None = None
    changes: tuple[dict[str, Any], ...] = ()
    whole: int = 0  # the size of the items file they were read from (bytes)

    def steady(self, global_key: str, now: float) -> bool:
        """No setting or template changed and no advisory's stage since the last build."""
        return (
            self.global_key == global_key
            and self.built_at is not None
            and self.built_at <= now
            and (self.next_change is None or now < self.next_change)
        )


def state_tag(settings: Settings) -> tuple[str, ...]:
    return (STATE_FORMAT, RENDER_VERSION, __version__, settings.project.advisory_prefix)


def load_state(state_dir: Path, settings: Settings, site: Path) -> State:
    """The manifest: all that a run in which nothing changed reads."""
    # The state directory is private and trusted; a state that does not load is rebuilt.
    fresh = State(state_tag(settings), str(site), loaded=True)
    try:
        raw = marshal.loads(fsutil.read_regular(state_dir / STATE))  # noqa: S302 - private, trusted
        tag, site_name, *rest = raw
        if tag != fresh.tag or site_name != fresh.site:
            return fresh
        return State(tag, site_name, *rest)
    except Exception:  # any damage means: trust nothing on disk, render everything
        return fresh


def load_items(state_dir: Path, state: State) -> bool:
    """Read the items, digests and standby that go with the manifest; False if they do not."""
    if state.loaded:
        return True
    from releasekit.site import listing

    try:
        data = fsutil.read_regular(state_dir / ITEMS)
        raw = marshal.loads(data)  # noqa: S302
        token, items, digests, standby_digests, layout, feeds_key = raw
        if token != state.token:
            return False
        maps = (items, digests, standby_digests)
        changes: tuple[dict[str, Any], ...] = ({}, {}, {})
        if state.delta:
            raw = marshal.loads(fsutil.read_regular(state_dir / DELTA))  # noqa: S302
            delta, base, *changes, layout, feeds_key = raw
            if delta != state.delta or base != token or len(changes) != len(maps):
                return False
            for whole, changed in zip(maps, changes, strict=True):
                for key, value in changed.items():
                    if value is _GONE:
                        whole.pop(key, None)
                    else:
                        whole[key] = value
        if digests.keys() != state.signatures.keys():
            return False
        standby_signatures = _beside(state.signatures, state.standby)
        if standby_digests.keys() != standby_signatures.keys():  # (two files: both as saved?)
            return False
        state.items = {ident: tuple.__new__(Item, item) for ident, item in items.items()}
        state.digests = digests
        state.standby_signatures, state.standby_digests = standby_signatures, standby_digests
        state.layout = None if layout is None else listing.Layout(*layout)
        state.feeds_key = feeds_key
        # (copies: what a build changes in place still shows as changed)
        state.read = tuple(map(dict, (state.items, digests, standby_digests)))
        state.whole = len(data)
        state.changes = tuple(changes)
        state.loaded = True
        return True
    except Exception:
        return False


def _changed(before: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """What differs in ``now`` from ``before``: new or other values, and _GONE for keys
    removed. (Mostly the very same objects: told apart by identity first, in C; the keys
    removed are looked for only when some are.)"""
    get = before.get
    found: dict[str, Any] = {}
    added = 0
    for key in compress(now, map(is_not, now.values(), map(get, now))):
        value, old = now[key], get(key, _GONE)
        if old is _GONE:
            added += 1
            found[key] = value
        elif old != value:
            found[key] = value
    if len(now) - added < len(before):
        for key in before.keys() - now.keys():
            found[key] = _GONE
    return found


def _apart(standby: dict[str, Any], live: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``standby`` as it differs from ``live``: (other or added entries, keys it lacks)."""
    found = _changed(live, standby)
    removed = tuple(key for key, value in found.items() if value is _GONE)
    for key in removed:
        del found[key]
    return found, removed


def _beside(live: dict[str, Any], apart: tuple[dict[str, Any], tuple[str, ...]]) -> dict[str, Any]:
    """What :func:`_apart` was given as ``standby``, from ``live`` and what it gave."""
    other, removed = apart
    found = dict(live)
    found.update(other)
    for key in removed:
        found.pop(key, None)
    return found


def _delta(state: State) -> tuple[dict[str, Any], ...] | None:
    """The changes since the whole was written (those it was read with, and this build's),
    when they are small enough to write instead of the whole; else None."""
    if state.read is None or not state.token:
        return None
    now: tuple[dict[str, Any], ...] = (state.items, state.digests, state.standby_digests)
    merged = []
    for before, current, earlier in zip(state.read, now, state.changes, strict=True):
        changed = dict(earlier)
        changed.update(_changed(before, current))
        if current is state.items and len(changed) * 8 > len(current) + 8:
            return None  # (the items are most of the bytes: the whole, without a try)
        merged.append(changed)
    if sum(len(changed) for changed in merged) * 8 > sum(len(whole) for whole in now) + 8:
        return None
    merged[0] = {i: _GONE if item is _GONE else tuple(item) for i, item in merged[0].items()}
    return tuple(merged)


def save_state(state_dir: Path, state: State) -> None:
    """The items, then the manifest: the manifest never names items that are not on disk.

    Not synced to disk: the state is a cache of what is on disk; one that is lost or does
    not go with the site means a full build, never a wrong site.
    """
    # What a build killed while it saved left (only a build, holding the publish lock,
    # writes these): one per kill, each as big as the state.
    fsutil.remove_leftovers(state_dir, STATE, ITEMS, DELTA)
    for name in (STATE, ITEMS, DELTA):  # a directory there would refuse every save
        if (state_dir / name).is_dir():
            fsutil.clear(state_dir / name)
    layout = None if state.layout is None else tuple(state.layout)
    changes = _delta(state)
    raw: tuple[Any, ...]
    data = b""
    if changes is not None:
        delta = os.urandom(8).hex()
        raw = (delta, state.token, *changes, layout, state.feeds_key)
        data = marshal.dumps(raw, MARSHAL_VERSION)
    # A few changed: the delta, the whole stays as it is. Judged by bytes too: a new key on
    # every item (a template changed) is few entries but most of the whole, and every build
    # after would read both.
    if changes is not None and len(data) * 8 <= state.whole:
        token = state.token
        fsutil.atomic_write(state_dir / DELTA, data, 0o600, durable=False)
    else:
        token, delta = os.urandom(8).hex(), ""
        items = {ident: tuple(item) for ident, item in state.items.items()}
        whole: tuple[Any, ...] = (token, items, state.digests, state.standby_digests)
        raw = (*whole, layout, state.feeds_key)
        data = marshal.dumps(raw, MARSHAL_VERSION)
        fsutil.atomic_write(state_dir / ITEMS, data, 0o600, durable=False)
    raw = (
        state.tag,
        state.site,
        state.global_key,
        state.signatures,
        state.sources,
        state.shared_key,
        state.built_at,
        state.next_change,
        state.counts,
        token,
        state.upcoming_key,
        state.extras,
        state.parts,
        delta,
        _apart(state.standby_signatures, state.signatures),
    )
    data = marshal.dumps(raw, MARSHAL_VERSION)
    fsutil.atomic_write(state_dir / STATE, data, 0o600, durable=False)
    state.token, state.delta = token, delta
    state.read, state.changes = None, ()  # (what was read is not what is on disk now)
    with contextlib.suppress(FileNotFoundError):
        (state_dir / "site-state.pickle").unlink()  # what an earlier releasekit wrote

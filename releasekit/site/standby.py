"""The standby tree: cleaned before a build, settled once the new site is in it, swapped
with the live site in one atomic rename, and what is where remembered in the build state.

A top-level ``site/README.md`` that is a regular file is not the build's (:data:`KEEP`): it
is carried into every new tree as it is, never rendered, never removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import filterfalse
from pathlib import Path

from releasekit import records
from releasekit.model import lifecycle
from releasekit.site import child, listing, mdcache, scans, tree
from releasekit.site.plan import Plan
from releasekit.site.state import Item, State, save_state
from releasekit.site.tree import KEEP
from releasekit.support import fsutil

Changes = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # written, unchanged, removed


def clean(plan: Plan, state: State, scan: child.Background | None) -> None:
    """Make the standby hold only files the state vouches for; remember them. ``scan``: a
    scans.scan_beside of the standby started in the background (used, or discarded, here)."""
    standby = plan.standby
    if not standby.is_dir() or standby.is_symlink() or not state.standby_signatures:
        if scan is not None:  # not needed: done with it before removing
            scan.discard()
        tree.reset_tree(standby)  # nothing to keep: a fresh tree is cheaper than a scan
        return
    known = state.standby_signatures
    told = scan.result() if scan is not None else scans.scan_beside(standby, KEEP, state.signatures)
    present = scans.beside_present(standby, told, state.signatures, plan.present)
    if present == known:  # as the last build left it (read only from here on)
        plan.kept_signatures, plan.kept_digests = known, state.standby_digests
        return
    trusted = {rel: sig for rel, sig in present.items() if known.get(rel) == sig}
    for rel in present.keys() - trusted.keys():
        (standby / rel).unlink()
    plan.kept_signatures = trusted
    plan.kept_digests = {rel: state.standby_digests[rel] for rel in trusted}


@contextlib.contextmanager
def set_aside(plan: Plan, state: State, aside_min: int = tree.SET_ASIDE_MIN) -> Iterator[None]:
    """Move out of the standby each top folder whose files the build will mostly replace
    (every page, after a template changed), and remove them in a child process while the
    build renders (and waits for it at the end of the ``with``, unless the build failed).

    Replacing a file removes the old one, and freeing its blocks can cost a disk (with
    online discard) more than writing the new one: one rename takes the folder out of the
    renderers' way. Its files that the build keeps are linked from the live site instead.
    Start it before any thread or worker pool exists (see child.Background).
    """
    standby = plan.standby
    trash = standby.with_name(f"{standby.name}.trash")  # (on the standby's file system)
    if trash.is_symlink() or (trash.exists() and not trash.is_dir()):
        fsutil.clear(trash)  # whatever stands in its place (never what a link points to)
    kept = plan.kept_signatures
    doomed: dict[str, int] = {}  # per top folder, its files the build replaces
    for task in plan.tasks:
        old = state.items.get(task.id)
        if old is None:
            continue
        only_page = task.again is not None or task.records is not None
        for rel in (records.page_path(old.id),) if only_page else old.files:
            if rel in kept:
                top = rel.partition("/")[0]
                doomed[top] = doomed.get(top, 0) + 1
    tops = []
    if any(2 * count >= aside_min for count in doomed.values()):  # (a big build: count all)
        held = Counter(rel.partition("/")[0] for rel in kept)
        tops = [top for top, n in doomed.items() if held[top] >= aside_min and 2 * n >= held[top]]
    if tops:
        here = Path(tempfile.mkdtemp(dir=fsutil.private_dir(trash)))  # (this build's own)
        aside = set()
        for top in tops:
            try:
                os.rename(standby / top, here / top)
            except OSError:  # (gone, or not movable: its files are replaced one by one)
                continue
            aside.add(top)
        # (kept may be the state's own dict: not changed in place)
        plan.kept_signatures = {
            rel: sig for rel, sig in kept.items() if rel.partition("/")[0] not in aside
        }
        plan.kept_digests = {rel: plan.kept_digests[rel] for rel in plan.kept_signatures}
    elif not trash.is_dir():  # (what an interrupted build left is removed by the next)
        yield
        return
    removing = child.Background(_empty, str(trash))
    try:
        yield
    except BaseException:  # (a failed or stopped build says so at once: the next removes it)
        removing.stop()
        raise
    removing.result()


def _empty(folder: str) -> None:
    """Remove what ``folder`` holds, as far as it can: what is left, the next build removes."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                fsutil.clear(entry.path)
        os.rmdir(folder)  # (none there: no build forks a child for it)


def keep_live(plan: Plan, state: State, rels: Iterable[str]) -> list[str]:
    """Files of the live site that the new tree has as they are: the plan gets their
    signatures and digests. Returns those to link into the standby (not there already)."""
    signatures, digests = plan.signatures, plan.digests
    kept_signatures, kept_digests = plan.kept_signatures, plan.kept_digests
    to_link: list[str] = []
    for rel in rels:
        digest = digests[rel] = state.digests[rel]
        if kept_digests.get(rel) == digest:
            signatures[rel] = kept_signatures[rel]
        else:
            signatures[rel] = state.signatures[rel]
            to_link.append(rel)
    return to_link


def settle(plan: Plan, state: State, site: Path) -> None:
    """A rendered file with the bytes of the live one becomes a hard link to it, so that
    an unchanged file keeps its inode and mtime (mirrors and rsync see no change); the
    standby loses what the new site does not have, and gets the kept README."""
    live_signatures, live_digests = state.signatures, state.digests
    standby = plan.standby
    for rel, info in plan.new.items():
        plan.digests[rel] = info.digest
        if rel in plan.good and live_digests[rel] == info.digest:
            if info.signature != live_signatures[rel]:  # not linked by tree.place
                tree.link(site / rel, standby / rel)
            plan.signatures[rel] = live_signatures[rel]
        elif rel not in plan.good and plan.present.get(rel) == info.signature:
            plan.signatures[rel] = info.signature  # the live file (tree._adoptable)
            plan.adopted[rel] = info.digest
        else:
            plan.signatures[rel] = info.signature
            plan.written.append(rel)
    stale = plan.kept_signatures.keys() - plan.signatures.keys()
    for rel in stale:
        with contextlib.suppress(FileNotFoundError):
            (standby / rel).unlink()
    if stale:
        tree.remove_empty_dirs(standby)
    with contextlib.suppress(FileNotFoundError):
        (standby / KEEP).unlink()
    readme = tree.kept_file(site, KEEP)
    if readme is not None:
        tree.link(readme, standby / KEEP)


def swap(plan: Plan, state: State, site: Path, say: Callable[[str], None]) -> Changes:
    """Swap the standby in (when anything differs); the state learns what is where now."""
    standby = plan.standby
    live_signatures, live_digests = state.signatures, state.digests
    signatures, digests, good = plan.signatures, plan.digests, plan.good
    written = tuple(sorted(plan.written))
    removed = tuple(sorted(plan.present.keys() - signatures.keys()))
    # (Sorted from the new tree's order, mostly sorted already: a set's order took a
    # 50,000-file site 15 ms to sort.)
    unchanged = tuple(sorted(filterfalse(set(written).__contains__, signatures)))
    if written or removed or not site.is_dir():
        os.chmod(standby, tree.DIR_MODE)
        if site.is_dir():
            tree.exchange(standby, site)
            if len(good) == len(live_signatures) and not plan.adopted:  # the old site, all
                state.standby_signatures = live_signatures  # as the state said
                state.standby_digests = live_digests
            else:
                state.standby_signatures = {rel: live_signatures[rel] for rel in good}
                state.standby_digests = {rel: live_digests[rel] for rel in good}
            for rel, digest in plan.adopted.items():  # the same inodes as the new site's
                state.standby_signatures[rel] = plan.present[rel]
                state.standby_digests[rel] = digest
        else:
            os.rename(standby, site)
            state.standby_signatures, state.standby_digests = {}, {}
        state.signatures, state.digests = signatures, digests
        say(f"swapped in the new {site.name}/: {len(written)} written, {len(removed)} removed")
    else:  # the same bytes as the live site: keep it, remember what the standby holds
        state.standby_signatures, state.standby_digests = signatures, digests
        state.signatures = {rel: plan.present[rel] for rel in signatures}
        state.digests = dict(digests)
    return written, unchanged, removed


def remember(
    plan: Plan,
    state: State,
    state_dir: Path,
    global_key: str,
    now: datetime,
    announced: Iterable[datetime] = (),
) -> None:
    """Keep what the build made (the state, the rows, the details) for the next one.
    ``announced``: when each pre-announcement was made (upcoming.* show one from then on)."""
    items = plan.items
    _keep_rows(plan, state, state_dir)
    withdrawn = [  # details no longer public (a disclosure moved later, a file removed)
        ident
        for ident, item in state.items.items()
        if item.disclosed and not _disclosed(items.get(ident))
    ]
    state.items = items
    sources = plan.sources
    if sources is not None:
        state.sources = {name: sig for name, sig in sources.items() if name[:-3] in items}
    else:  # advisories given by the caller: trust no file signature next time
        state.sources = {}
    state.shared_key, state.global_key = plan.shared_key, global_key
    moments = [m for item in items.values() for m in (item.released, item.disclosed_at)]
    moments += (moment.timestamp() for moment in announced)
    state.built_at = now.timestamp()
    state.next_change = lifecycle.first_change(moments, state.built_at)
    state.counts = (
        sum(1 for item in items.values() if item.row is not None),
        sum(1 for item in items.values() if item.disclosed),
        sum(1 for item in items.values() if item.unrecorded),
    )
    state.layout, state.feeds_key = plan.layout, plan.feeds_key
    state.upcoming_key = plan.upcoming_key
    state.extras = plan.extras
    state.parts = plan.parts
    save_state(state_dir, state)
    if plan.markdown is not None:  # keep what is disclosed now, only (a failed build may
        # have kept details the state does not know of)
        mdcache.prune(plan.markdown, (i for i, item in items.items() if item.disclosed))
    elif withdrawn:
        mdcache.forget(state_dir, withdrawn)


def _disclosed(item: Item | None) -> bool:
    return item is not None and item.disclosed


def _keep_rows(plan: Plan, state: State, state_dir: Path) -> None:
    """Store the rows rendered in this build that changed; drop those no longer listed."""
    old, items, rows = state.items, plan.items, plan.rows
    everything = not old  # a build from nothing: the store gets every row
    put = list(rows.raw.items())  # every row rendered, changed or not: a store that fell
    # behind the state (a crash between the two) catches up with each build
    drop = [
        ident
        for ident, item in old.items()
        if item.row is not None and (ident not in items or items[ident].row is None)
    ]
    listing.keep(state_dir, put, drop, everything)

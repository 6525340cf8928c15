"""The CVE record of a CVE id that advisories of different components share.

One record, ``cve/CVE-ID.json``, whose ``affected`` lists the component of each disclosed
advisory with that id: made by the build once every advisory has rendered, never by one
advisory's render (two advisories never write the same file). An advisory that is not
disclosed changes nothing in it (were the record to wait for it, or name it, the record would
tell that something embargoed or still undetailed has that id): the record exists from the
first disclosure on and grows as the others are disclosed. It belongs to the first disclosed
one by id (its item lists the file, so that an unchanged build keeps it). A
render knows from :func:`known_shared` which ids not to write alone; an advisory file added
or edited since the last build may make an id shared (or alone again) that the render did not
know of: :func:`settle` makes every such id's record right after the render.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter

from releasekit import records
from releasekit.model.advisory import Advisory, read_advisory
from releasekit.model.config import Settings
from releasekit.site import tree
from releasekit.site.plan import Entry, Plan
from releasekit.site.state import Item
from releasekit.workspace.files import display_path

_CVE = attrgetter("cve")


def groups(items: Mapping[str, Item], cves: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Each of ``cves`` -> the ids of the advisories that have it, in id order."""
    wanted = set(cves)
    found: dict[str, list[Item]] = {cve: [] for cve in wanted}
    for item in items.values():
        if item.cve in wanted:
            found[item.cve].append(item)
    return {
        cve: tuple(i.id for i in sorted(held, key=lambda i: (i.year, i.number)))
        for cve, held in found.items()
        if held
    }


def _shared(cves: Iterable[str | None]) -> set[str]:
    counts = Counter(cves)  # (counted in C: a build may have 100,000 advisories)
    return {cve for cve, count in counts.items() if count > 1 and cve}


def known_shared(old: Mapping[str, Item], entries: Iterable[Entry]) -> frozenset[str]:
    """The CVE ids shared as far as is known before rendering: the last build's, with the
    advisories the caller gave."""
    cves = dict(zip(old, map(_CVE, old.values()), strict=True))
    for entry in entries:
        if entry.given is not None:
            cves[entry.id] = entry.given.cve
    return frozenset(_shared(cves.values()))


@dataclass(frozen=True)
class Sharing:
    """What :func:`settle` needs of the build."""

    settings: Settings
    old: Mapping[str, Item]  # the last build's items
    rendered: frozenset[str]  # the advisories rendered in this build
    load: Callable[[str], Advisory]  # an advisory by id


def touched(plan: Plan, old: Mapping[str, Item]) -> list[str]:
    """The CVE ids shared now or at the last build: their records are the build's."""
    now = _shared(map(_CVE, plan.items.values()))
    before = _shared(map(_CVE, old.values()))
    return sorted(now | before)


def settle(plan: Plan, sharing: Sharing, cves: Iterable[str]) -> None:
    """Make the record of each of ``cves`` (or none) in the standby, the owner's item listing
    it. Runs once every file of the new tree is in the standby (linked or rendered)."""
    items, settings = plan.items, sharing.settings
    cves = list(cves)
    now, before = groups(items, cves), groups(sharing.old, cves)
    for cve in cves:
        ids = now.get(cve, ())
        rel = records.cve_path(cve)
        for ident in ids:  # a render that did not know the id shared may have written it
            item = items[ident]
            if rel in item.files:
                items[ident] = item._replace(files=tuple(f for f in item.files if f != rel))
        shown = tuple(i for i in ids if items[i].disclosed)
        if not (shown and records.writes_cve(settings, cve)):
            _drop(plan, rel)
            continue
        owner = shown[0]
        last = sharing.old.get(owner)
        shown_before = tuple(i for i in before.get(cve, ()) if sharing.old[i].disclosed)
        kept = (
            not sharing.rendered.intersection(shown)
            and shown_before == shown
            and last is not None
            and rel in last.files
            and rel in plan.signatures
        )
        if not kept:
            first, *others = (sharing.load(ident) for ident in shown)
            data = records.dumps(records.cve_record(settings, first, others))
            if rel in plan.new:  # written by a render: a new file, not the live one's inode
                plan.new[rel] = tree.write_new(plan.standby, rel, data)
            else:
                plan.new[rel] = tree.place(plan.standby, rel, data, plan.live)
        item = items[owner]
        items[owner] = item._replace(files=tuple(sorted((*item.files, rel))))


def _drop(plan: Plan, rel: str) -> None:
    """No record at ``rel`` in the new tree (one of its advisories is not disclosed yet)."""
    found = plan.new.pop(rel, None) is not None
    found |= plan.signatures.pop(rel, None) is not None
    plan.digests.pop(rel, None)
    if found:
        with contextlib.suppress(FileNotFoundError):
            (plan.standby / rel).unlink()
        with contextlib.suppress(OSError):  # the last record there: no empty folder either
            (plan.standby / rel).parent.rmdir()


def write(plan: Plan, settings: Settings, old: Mapping[str, Item]) -> None:
    """The records of the CVE ids that advisories share, once every other file of the build
    is in the standby (``old``: the last build's items)."""
    cves = touched(plan, old)
    if not cves:
        return
    assert plan.linker is not None
    plan.linker.wait()
    given = {entry.id: entry.given for entry in plan.entries if entry.given is not None}
    shown = display_path(settings, settings.advisories_dir)

    def load(ident: str) -> Advisory:
        found = given.get(ident)
        if found is not None:
            return found
        path = settings.advisories_dir / f"{ident}.md"
        return read_advisory(path, settings.project.advisory_prefix, shown / path.name)

    rendered = frozenset(task.id for task in plan.tasks)
    settle(plan, Sharing(settings, old, rendered, load), cves)

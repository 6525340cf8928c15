"""``releasekit publish``: the security-updates site from the advisories and the date.

:func:`publish` is the core entry point (the lift calls it after recording ``released``);
:func:`publish_workspace` is what the CLI runs: the same for every advisory file, reading
only the files that changed since the last run.

How a build goes:

1. Each advisory's *render key* (:mod:`.keys`) is a digest of its content, its stage
   (released or disclosed) and everything global (settings, templates, this code). An
   advisory whose key and files on disk match the last build is not rendered again
   (:mod:`.plan`); its row of the index, entry of advisories.json and feed entry stay as
   they are (:mod:`.listing`). Parts are keyed apart where a template does not touch
   them: an advisory's records (OSV, CVE, CSAF) by what they are made of without the
   templates (``keys.records_key``), the version and credits pages by the templates that
   render them; a restyled page renders the pages again and keeps those.
2. Everything else is rendered (:mod:`.pages`; on every core when there is a lot,
   :mod:`.workers`) into the standby tree; unchanged files are hard-linked into it from the
   live site meanwhile.
3. The standby is swapped with the live site in one atomic rename (:mod:`.standby`); nothing
   changes on disk when no output byte would change. See :mod:`releasekit.site.tree`.

Only released advisories produce anything, and only what their stage makes public
(:mod:`.views`). Every timestamp in the output comes from the advisories, never from the
build clock. What the last build made is kept in the private state directory
(:mod:`.state`); the rows themselves are kept by :mod:`.listing`, the details by
:mod:`.mdcache`.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from releasekit.adapters import journal
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.site import (
    aggregate,
    child,
    csaf,
    keys,
    listing,
    mdcache,
    pages,
    sharing,
    standby,
    tree,
    upcoming,
    workers,
)
from releasekit.site.plan import Entry, Plan, Sources, make_plan
from releasekit.site.standby import KEEP
from releasekit.site.state import State, load_items, load_state, stamp
from releasekit.site.workers import Advance, Task
from releasekit.support.errors import AdvisoryError, PublishError
from releasekit.support.progress import Progress
from releasekit.support.words import counted
from releasekit.workspace import files as workspace

SHARED_FILES = ("index.html", "feed.xml", "atom.xml", "advisories.json", "static/style.css")
FEEDS = ("feed.xml", "atom.xml")


@dataclass(frozen=True)
class Tuning:
    """Where a build changes how it works (not what it makes), by how many pages it renders.

    The defaults suit real sites; a test or a benchmark may move them to take the other way
    with a few advisories.
    """

    parallel_min: int = 64  # below this many pages, forking workers costs more than it saves
    markdown_min: int = 1  # from this many pages on, details are kept between builds (mdcache)
    fork_min: int = tree.FORK_MIN  # from this many unchanged files on, children link them


@dataclass(frozen=True)
class PublishReport:
    """What a publish did to ``site/`` (paths relative to it)."""

    site_dir: Path
    written: tuple[str, ...]  # new or changed files
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    public: int  # advisories on the site
    disclosed: int  # of which the details are public
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)

    def summary(self) -> str:
        return (
            f"{counted(self.public, 'advisory', 'advisories')} public "
            f"({self.disclosed} with details): "
            f"{counted(len(self.written), 'file')} written, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )

    def to_json(self) -> dict[str, Any]:
        """The report as ``publish --json`` prints it (the CLI adds ``cve_services``)."""
        return {
            "site": str(self.site_dir),
            "public": self.public,
            "disclosed": self.disclosed,
            "written": list(self.written),
            "removed": list(self.removed),
            "unchanged": len(self.unchanged),
        }


def publish(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
    tuning: Tuning = Tuning(),
    signing: csaf.Signing | None = None,
) -> PublishReport:
    """Build ``site/`` for ``advisories`` as of ``now`` and swap it in; see the module doc.

    ``progress`` gets messages; ``advance``, in a build of many pages, the count rendered;
    ``signing``: the key that signs the CSAF documents (None: they go unsigned).

    Returns what was written, left unchanged and removed. Raises AdvisoryError when the
    advisories contradict each other, PublishError when a record fails its schema; the live
    site is untouched then.
    """
    problems = workspace.cross_check(settings, list(advisories))
    if problems:
        raise AdvisoryError(problems)
    days = settings.project.disclosure_days
    entries = [
        Entry(a.id, a, None, keys.fingerprint(a), stamp(a.released), stamp(a.disclosed_at(days)))
        for a in advisories
    ]
    return _Builder(settings, now, progress, jobs, advance, tuning, signing).run(entries, None)


def publish_workspace(
    settings: Settings,
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
    tuning: Tuning = Tuning(),
    signing: csaf.Signing | None = None,
) -> PublishReport:
    """:func:`publish` for every advisory file of the workspace (what the CLI runs)."""
    sources: Sources = {}
    folder = settings.advisories_dir
    if folder.is_dir():
        with os.scandir(folder) as found:
            for entry in found:
                if entry.name.endswith(".md") and entry.is_file():
                    stat = entry.stat()
                    sources[entry.name] = (
                        stat.st_size,
                        stat.st_mtime_ns,
                        stat.st_ctime_ns,
                        stat.st_ino,
                    )
    return _Builder(settings, now, progress, jobs, advance, tuning, signing).run([], sources)


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    """No cyclic garbage collection in the build's own process.

    The state is hundreds of thousands of small tuples and strings; the collector would walk
    all of them again and again while they are loaded (a sixth of a small build's time) to
    find nothing: the build makes next to no reference cycles. The worker processes, which
    render page after page, collect as usual (see workers). (The collector is the
    process's: a program that runs other threads while it calls publish runs them without.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _site_path(settings: Settings) -> Path:
    site = settings.site_dir
    if site.is_symlink():
        site = site.resolve()
    if site.exists() and not site.is_dir():
        raise PublishError(f"{site}: is not a directory")
    return site


def _put(plan: Plan, files: Mapping[str, bytes]) -> None:
    """Place ``files`` (path in the site -> bytes) in the standby, as this build's."""
    for rel, data in files.items():
        plan.new[rel] = tree.place(plan.standby, rel, data, plan.live)


class _Builder:
    """One build: from the state the last one left to the new site swapped in."""

    def __init__(
        self,
        settings: Settings,
        now: datetime,
        progress: Progress | None,
        jobs: int | None,
        advance: Advance | None,
        tuning: Tuning,
        signing: csaf.Signing | None = None,
    ) -> None:
        self.settings, self.now, self.jobs = settings, now, jobs
        self.signing = signing
        self.say: Progress = progress or (lambda _message: None)
        self.advance, self.tuning = advance, tuning
        self.site = _site_path(settings)
        self.state_dir = workspace.state_dir(settings)
        self.state = State((), "")  # the last build's, read once the publish lock is held
        self.global_key = self.records_key = ""
        self.standby_scan: child.Background | None = None  # tree.scan of the standby
        self.announced: list[upcoming.Announced] = []  # pre-announcements (the journal)

    def run(self, entries: list[Entry], sources: Sources | None) -> PublishReport:
        """Build under the publish lock, without the cyclic collector (see _no_collector)."""
        with journal.exclusive(self.state_dir, "publish"), _no_collector():
            self.state = load_state(self.state_dir, self.settings, self.site)
            fingerprint = None if self.signing is None else self.signing.fingerprint
            self.global_key = keys.global_key(self.settings, fingerprint)
            self.records_key = keys.records_key(self.settings, fingerprint)
            self.announced = upcoming.announced(self.state_dir)
            return self._run(entries, sources)

    def _run(self, entries: list[Entry], sources: Sources | None) -> PublishReport:
        state = self.state
        steady = (
            sources is not None
            and state.steady(self.global_key, self.now.timestamp())
            and state.upcoming_key == upcoming.key(self.announced)
        )
        if not steady or sources != state.sources:  # a build: scan the standby meanwhile
            path = tree.standby_path(self.site, self.state_dir)
            if path.is_dir() and not path.is_symlink() and state.built_at is not None:
                self.standby_scan = child.Background(tree.scan, path, KEEP)
        try:
            present = tree.scan(self.site, KEEP)
            if steady and sources == state.sources and present == state.signatures:
                files = ((), tuple(sorted(present)), ())  # the daily cron run: all unchanged
                return _report(self.settings, self.site, state, self.signing, files)
            if not load_items(self.state_dir, state):  # not the manifest's own: trust nothing
                self.state = State(state.tag, state.site, loaded=True)
            try:
                return self._build(self._plan(entries, sources, present))
            except listing.Damaged:  # the rows do not go with the items: trust nothing
                self.state = State(state.tag, state.site, loaded=True)
                return self._build(self._plan(entries, sources, present))
        finally:
            if self.standby_scan is not None:
                self.standby_scan.discard()

    def _plan(
        self, entries: list[Entry], sources: Sources | None, present: dict[str, tree.Signature]
    ) -> Plan:
        now, folder = self.now.timestamp(), self.settings.advisories_dir
        key, records_key = self.global_key, self.records_key
        return make_plan(self.state, key, now, folder, entries, sources, present, records_key)

    def _build(self, plan: Plan) -> PublishReport:
        state = self.state
        tree.check_umask()
        plan.standby = tree.standby_path(self.site, self.state_dir)
        scan, self.standby_scan = self.standby_scan, None
        standby.clean(plan, state, scan)
        # The files of the advisories that are not rendered again are right in the live site
        # (or already in the standby): they are hard-linked into the standby while the others
        # render, by child processes (see tree.Linker).
        kept = itertools.chain(
            (rel for item in plan.items.values() for rel in item.files),
            (rel for task in plan.tasks if task.records for rel in task.records.files),
        )
        to_link = standby.keep_live(plan, state, kept)
        fork_min = self.tuning.fork_min
        linker = plan.linker = tree.Linker(self.site, plan.standby, to_link, fork_min)
        try:  # (the linker forks before any worker pool exists)
            self._render(plan)
            sharing.write(plan, self.settings, self.state.items)
            standby.settle(plan, state, self.site)
            linker.wait()  # every file is in the standby now
        finally:
            linker.wait()
        written, unchanged, removed = standby.swap(plan, state, self.site, self.say)
        standby.remember(plan, state, self.state_dir, self.global_key, self.now)
        return _report(
            self.settings, self.site, self.state, self.signing, (written, unchanged, removed)
        )

    def _render(self, plan: Plan) -> None:
        """Render what changed into the standby, and the files that list every advisory."""
        settings, state, tuning = self.settings, self.state, self.tuning
        count = len(plan.tasks)
        processes = workers.processes_for(self.jobs, count, tuning.parallel_min)
        shown = workspace.display_path(settings, settings.advisories_dir)
        if count >= tuning.markdown_min:  # the details of unchanged texts are kept
            plan.markdown = mdcache.prepare(self.state_dir)
        unknown = {}  # live files that the state does not vouch for (lost, damaged, by hand)
        if len(plan.good) < len(plan.present):
            unknown = {rel: sig for rel, sig in plan.present.items() if rel not in plan.good}
        live = plan.live = tree.Live(
            self.site, plan.good, state.digests, state.signatures, plan.kept_signatures, unknown
        )
        shared = sharing.known_shared(state.items, plan.entries)
        ctx = plan.context = pages.Context(
            settings,
            self.now,
            plan.standby,
            self.global_key,
            shown,
            plan.markdown,
            live,
            self.signing,
            shared,
            self.records_key,
        )
        advance = self.advance if count >= tuning.parallel_min else None
        # Said after rendering, of the public advisories only: the tasks include changed files
        # of embargoed advisories (nothing is rendered for them), and this log may be public
        # (the daily publish, from cron or CI): their number would tell one was added or edited.
        public = plan.take(workers.run(ctx, plan.tasks, processes, advance))
        if public:
            self.say(f"rendered {counted(public, 'advisory', 'advisories')}")
        items = plan.items
        if plan.parse:
            folder = settings.advisories_dir
            crossed = workspace.cross_check(
                settings, [items[i] for i in sorted(items)], lambda a: folder / f"{a.id}.md"
            )
            if crossed:
                raise AdvisoryError(crossed)
        plan.shared_key = keys.shared_key(self.global_key, items)
        if state.shared_key == plan.shared_key and plan.good.issuperset(SHARED_FILES):
            self._keep_live(plan, SHARED_FILES)
            plan.layout, plan.feeds_key = state.layout, state.feeds_key
        else:  # a row changed (or the templates did): the listing files are made again
            self._listing(plan)
        # The CSAF distribution files, from every document's entry (cheap: made every build)
        documents = (csaf.Entry(*i.csaf) for i in items.values() if i.csaf is not None)
        _put(plan, csaf.listing_files(settings, documents, self.signing))
        released = {ident: item.released for ident, item in items.items()}
        plan.upcoming_key = upcoming.key(self.announced)
        _put(plan, upcoming.files(settings, upcoming.current(self.announced, released, self.now)))
        self._aggregates(plan)

    def _aggregates(self, plan: Plan, again: bool = True) -> None:
        """The version pages, their index, versions.json and credits.html (see aggregate)."""
        state = self.state
        renderer = pages.renderer_for(self.settings, self.global_key)
        # Made again from nothing when a setting or one of their templates changed (not
        # when only another template did: the advisory page's, say)
        plan.aggregate_key = keys.part_key(self.records_key, renderer.closure(aggregate.TEMPLATES))
        full = state.aggregate_key != plan.aggregate_key or not state.items

        def rows(ids: set[str]) -> dict[str, tuple[Any, ...]]:
            found = {i: plan.rows[i] for i in ids if i in plan.rows}
            found.update(listing.fetch_for_pages(self.state_dir, ids - found.keys(), plan.items))
            return found

        try:
            keep = aggregate.make(
                renderer,
                state.items,
                plan.items,
                plan.good,
                state.signatures,
                full,
                rows,
                lambda rel, data: _put(plan, {rel: data}),
            )
        except listing.Damaged as damaged:  # (the files it put are put again)
            if not again:
                raise
            self._render_again(plan, damaged.ids)
            self._aggregates(plan, again=False)
            return
        self._keep_live(plan, keep)

    def _keep_live(self, plan: Plan, rels: Sequence[str]) -> None:
        """Files of the live site that the new tree has as they are: linked into the standby."""
        for rel in standby.keep_live(plan, self.state, rels):
            tree.link(self.site / rel, plan.standby / rel)

    def _render_again(self, plan: Plan, ids: frozenset[str]) -> None:
        """Render advisories kept from the last build whose rows the store lost (see run)."""
        assert plan.context is not None
        assert plan.linker is not None
        plan.linker.wait()  # their files are linked into the standby: done before replacing
        given = {entry.id: entry.source for entry in plan.entries}
        folder = self.settings.advisories_dir
        tasks = [Task(i, given.get(i) or folder / f"{i}.md") for i in sorted(ids)]
        before = {i: plan.items[i].fingerprint for i in ids}
        again = counted(len(tasks), "advisory", "advisories")
        self.say(f"rendering {again} again (their rows were not kept)")
        processes = workers.processes_for(self.jobs, len(tasks), self.tuning.parallel_min)
        plan.take(workers.run(plan.context, tasks, processes))
        changed = [i for i in ids if plan.items[i].fingerprint != before[i]]
        if changed:  # a file edited since the plan (not cross-checked, its old files listed)
            raise listing.Damaged(changed)  # run() starts from nothing

    def _listing(self, plan: Plan, again: bool = True) -> None:
        """index.html, advisories.json and the feeds, into the standby (see listing).

        Rows the store lost (a crash between it and the state, a store removed) are rendered
        again, once; if rows are still missing, run() starts from nothing.
        """
        state, layout = self.state, self.state.layout
        live = (
            layout is not None
            and plan.good.issuperset((listing.INDEX, listing.JSON))
            and (state.digests[listing.INDEX], state.digests[listing.JSON]) == layout.digests
        )
        shown = listing.chosen(plan.items)
        plan.feeds_key = listing.rows_key(self.global_key, plan.items, shown)
        same_feeds = state.feeds_key == plan.feeds_key and plan.good.issuperset(FEEDS)
        renderer = pages.renderer_for(self.settings, self.global_key)
        try:
            files, made = listing.make(
                self.settings,
                renderer,
                plan.items,
                plan.rows,
                self.state_dir,
                self.site if live else None,
                layout,
                None if same_feeds else shown,
            )
        except listing.Damaged as damaged:
            if not again:
                raise
            self._render_again(plan, damaged.ids)
            plan.shared_key = keys.shared_key(self.global_key, plan.items)
            self._listing(plan, again=False)
            return
        if same_feeds:  # no entry of theirs changed
            self._keep_live(plan, FEEDS)
        files["static/style.css"] = pages.static(self.settings, "static/style.css")
        _put(plan, files)
        digests = (plan.new[listing.INDEX].digest, plan.new[listing.JSON].digest)
        plan.layout = made._replace(digests=digests)


def _report(
    settings: Settings,
    site: Path,
    state: State,
    signing: csaf.Signing | None,
    files: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]],
) -> PublishReport:
    """What a build did (files written, unchanged, removed) and what to warn of."""
    public, disclosed, unrecorded = state.counts
    warnings: tuple[str, ...] = ()
    if unrecorded:
        warnings = (
            f"{settings.config_path.name}: cve.org_id is not set: no CVE records "
            f"written ({counted(unrecorded, 'disclosed advisory', 'disclosed advisories')} "
            "with a CVE id)",
        )
    if disclosed and signing is None:
        warnings += (
            f"{settings.config_path.name}: mail.signing_key is not set: the CSAF "
            "documents are published unsigned (no .asc, no key in the provider metadata)",
        )
    return PublishReport(site, *files, public, disclosed, warnings)

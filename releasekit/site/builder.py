"""A build of the site, once a publish has found that something changed (see build): the
plan, the advisories rendered into the standby, the files that list every advisory, the swap
and the state kept for the next build.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.site import (
    aggregate,
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
from releasekit.site.build import Job, PublishReport, report
from releasekit.site.plan import Entry, Plan, Sources, make_plan
from releasekit.site.state import State, load_items, stamp
from releasekit.site.workers import Task
from releasekit.support.errors import AdvisoryError
from releasekit.support.words import counted
from releasekit.workspace import files as workspace

SHARED_FILES = ("index.html", "feed.xml", "atom.xml", "advisories.json")
FEEDS = ("feed.xml", "atom.xml")
LISTING_TEMPLATES = ("index.html.j2", *pages.ROW_TEMPLATES)  # what renders the shared files


def _made_or_kept(
    plan: Plan,
    key: str,
    make: Callable[[], dict[str, bytes]],
    last: tuple[str, tuple[str, ...]],
    keep_live: Callable[[Plan, Sequence[str]], None],
) -> tuple[str, tuple[str, ...]]:
    """Files made of ``key``: the live ones when the last build's were made of it too and
    are as the state says (``last``: its key and paths), else ``make()`` into the standby.
    Returns the key and paths of this build's."""
    if last[0] == key and plan.good.issuperset(last[1]):
        keep_live(plan, last[1])
        return last
    files = make()
    _put(plan, files)
    return key, tuple(sorted(files))


def _put(plan: Plan, files: Mapping[str, bytes]) -> None:
    """Place ``files`` (path in the site -> bytes) in the standby, as this build's."""
    for rel, data in files.items():
        plan.new[rel] = tree.place(plan.standby, rel, data, plan.live)


def given_entries(settings: Settings, advisories: Sequence[Advisory]) -> list[Entry]:
    """The entries of the advisories a caller gives (publish), once checked against each
    other: AdvisoryError with every problem."""
    problems = workspace.cross_check(settings, list(advisories))
    if problems:
        raise AdvisoryError(problems)
    days = settings.project.disclosure_days
    return [
        Entry(a.id, a, None, keys.fingerprint(a), stamp(a.released), stamp(a.disclosed_at(days)))
        for a in advisories
    ]


def _parts(job: Job) -> tuple[str, ...]:
    """What the rows, the files that list them and the version and credits pages are made
    of besides the advisories: the settings and the templates that render each (a restyled
    advisory page leaves them as they are). The last build's when no setting or template
    changed since (reading the templates' references takes a parse)."""
    state = job.state
    if state.global_key == job.global_key and len(state.parts) == 3:
        return state.parts
    renderer = pages.renderer_for(job.settings, job.global_key)
    return tuple(
        keys.part_key(job.records_key, renderer.closure(names))
        for names in (pages.ROW_TEMPLATES, LISTING_TEMPLATES, aggregate.TEMPLATES)
    )


class Builder:
    """One build: from the state the last one left to the new site swapped in."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.settings, self.now, self.jobs, self.signing = (
            job.settings,
            job.now,
            job.jobs,
            job.signing,
        )
        self.say, self.advance, self.tuning = job.say, job.advance, job.tuning
        self.site, self.state_dir, self.state = job.site, job.state_dir, job.state
        self.global_key, self.records_key = job.global_key, job.records_key
        self.announced = job.announced
        self.parts = _parts(job)
        self.rows_key, self.listing_key, self.aggregate_key = self.parts

    def load(self) -> None:
        """Read what the last build kept of each advisory (see state)."""
        state = self.state
        if not load_items(self.state_dir, state):  # not the manifest's own: trust nothing
            self.state = State(state.tag, state.site, loaded=True)

    def build(
        self, entries: list[Entry], sources: Sources | None, present: dict[str, tree.Signature]
    ) -> PublishReport:
        """Plan and build (see :meth:`load`); from nothing when what the state keeps does not
        hold together."""
        state = self.state
        try:
            return self._build(self._plan(entries, sources, present))
        except listing.Damaged:  # the rows do not go with the items: trust nothing
            self.state = State(state.tag, state.site, loaded=True)
            return self._build(self._plan(entries, sources, present))

    def _plan(
        self, entries: list[Entry], sources: Sources | None, present: dict[str, tree.Signature]
    ) -> Plan:
        now, folder = self.now.timestamp(), self.settings.advisories_dir
        key, records_key, rows_key = self.global_key, self.records_key, self.rows_key
        state = self.state
        return make_plan(state, key, now, folder, entries, sources, present, records_key, rows_key)

    def _build(self, plan: Plan) -> PublishReport:
        state = self.state
        tree.check_umask()
        plan.standby = tree.standby_path(self.site, self.state_dir)
        scan, self.job.standby_scan = self.job.standby_scan, None
        standby.clean(plan, state, scan)
        with standby.set_aside(plan, state, self.tuning.aside_min):  # (before any fork)
            # The files of the advisories that are not rendered again are right in the live site
            # (or already in the standby): they are hard-linked into the standby while the others
            # render, by child processes (see tree.Linker).
            kept = (rel for item in plan.items.values() for rel in item.files)
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
            announced = (entry.announced for entry in self.announced)
            standby.remember(plan, state, self.state_dir, self.global_key, self.now, announced)
            return report(
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
            self.rows_key,
        )
        advance = self.advance if count >= tuning.parallel_min else None
        # Said after rendering, of the public advisories only: the tasks include changed files
        # of embargoed advisories (nothing is rendered for them), and this log may be public
        # (the daily publish, from cron or CI): their number would tell one was added or edited.
        with contextlib.closing(workers.run(ctx, plan.tasks, processes, advance)) as results:
            public = plan.take(results)
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
        _put(plan, {"static/style.css": pages.static(settings, "static/style.css")})
        plan.shared_key = keys.shared_key(self.listing_key, items)
        if state.shared_key == plan.shared_key and plan.good.issuperset(SHARED_FILES):
            self._keep_live(plan, SHARED_FILES)
            plan.layout, plan.feeds_key = state.layout, state.feeds_key
        else:  # a row changed (or the templates did): the listing files are made again
            self._listing(plan)
        plan.upcoming_key, plan.parts = upcoming.key(self.announced), self.parts
        self._extras(plan)
        self._aggregates(plan)

    def _extras(self, plan: Plan) -> None:
        """The CSAF distribution files, from every document's entry, and upcoming.*: each
        made again only when what it is made of changed (a document's entry, the signing
        key as exported now: a new expiry keeps its fingerprint; an announcement)."""
        settings, items, signing = self.settings, plan.items, self.signing
        documents = sorted(i.csaf for i in items.values() if i.csaf is not None)
        public_key = None
        if signing is not None and documents:
            public_key = csaf.signer(signing).export_public()
        released = {ident: item.released for ident, item in items.items()}
        coming = upcoming.current(self.announced, released, self.now)
        parts = (
            (
                keys.extras_key(self.records_key, documents, public_key),
                lambda: csaf.listing_files(
                    settings, (csaf.Entry(*d) for d in documents), signing, public_key
                ),
            ),
            (keys.extras_key(self.records_key, coming), lambda: upcoming.files(settings, coming)),
        )
        last = self.state.extras
        plan.extras = tuple(
            _made_or_kept(plan, key, make, last[n] if n < len(last) else ("", ()), self._keep_live)
            for n, (key, make) in enumerate(parts)
        )

    def _aggregates(self, plan: Plan, again: bool = True) -> None:
        """The version pages, their index, versions.json and credits.html (see aggregate)."""
        state = self.state
        renderer = pages.renderer_for(self.settings, self.global_key)
        # Made again from nothing when a setting or one of their templates changed (not
        # when only another template did: the advisory page's, say)
        full = state.parts[2:] != (self.aggregate_key,) or not state.items

        def parts(ids: set[str]) -> dict[str, tuple[str, ...]]:  # (of rows read one by one)
            found = {i: plan.rows[i][4] for i in ids if i in plan.rows}
            kept = listing.fetch_for_pages(self.state_dir, ids - found.keys(), plan.items)
            found.update((i, row[4]) for i, row in kept.items())
            return found

        try:
            keep = aggregate.make(
                renderer,
                state.items,
                plan.items,
                plan.good,
                state.signatures,
                full,
                parts,
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
        with contextlib.closing(workers.run(plan.context, tasks, processes)) as results:
            plan.take(results)
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
        plan.feeds_key = listing.rows_key(self.listing_key, plan.items, shown)
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
            plan.shared_key = keys.shared_key(self.listing_key, plan.items)
            self._listing(plan, again=False)
            return
        if same_feeds:  # no entry of theirs changed
            self._keep_live(plan, FEEDS)
        _put(plan, files)
        digests = (plan.new[listing.INDEX].digest, plan.new[listing.JSON].digest)
        plan.layout = made._replace(digests=digests)

"""``releasekit publish``: the security-updates site from the advisories and the date.

:func:`publish` is the core entry point (the lift calls it after recording ``released``);
:func:`publish_workspace` is what the CLI runs: the same for every advisory file, reading
only the files that changed since the last run.

How a build goes:

1. Each advisory's *render key* is a digest of its content, what of it is visible now
   (hidden, released or disclosed) and everything global (settings, templates, this code).
   An advisory whose key and files on disk match the last build is not rendered again; its
   row of the index, entry of advisories.json and feed entry stay as they are (listing).
2. Everything else is rendered (on every core when there is a lot) into the standby tree;
   unchanged files are hard-linked into it from the live site meanwhile.
3. The standby is swapped with the live site in one atomic rename; nothing changes on disk
   when no output byte would change. See :mod:`releasekit.site.tree`.

Only released advisories produce anything; before the disclosure date their details are
replaced by the placeholder sentence, and no body, CWE, CVE id, credit or record is rendered.
Every timestamp in the output comes from the advisories, never from the build clock. The
build state lives in the private state directory: ``.releasekit/site-state`` (what every
run reads: the files of the site, the advisory files, the keys) and ``site-items`` (what each
advisory made, where the rows lie in the listing files; read only when something is
rebuilt); the rows themselves are kept by :mod:`.listing`, the details by :mod:`.mdcache`.

A top-level ``site/README.md`` that is a regular file is not the build's: it is carried into
every new tree as it is, never rendered, never removed (the repository that doubles as an
example workspace commits one).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from markupsafe import Markup

from releasekit import __version__, records, workspace
from releasekit.adapters import journal
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory, read_advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.model.public import public_fields
from releasekit.site import listing, model, tree, views
from releasekit.support import fsutil, render
from releasekit.support.errors import AdvisoryError, Problem, PublishError

RENDER_VERSION = "2"  # bump when the output for the same input changes
SHARED_FILES = ("index.html", "feed.xml", "atom.xml", "advisories.json", "static/style.css")
FEEDS = ("feed.xml", "atom.xml")
TEMPLATES = ("advisory.html.j2", "_row.html.j2", "index.html.j2")
PARALLEL_MIN = 64  # below this many pages, forking workers costs more than it saves
MARKDOWN_MIN = 1  # from this many pages on, details are kept between builds (see mdcache)
# The state is private and trusted, a cache of plain data: marshal writes and reads it faster
# than pickle. A state that does not load (another Python, damage) is built again.
STATE = "site-state"
ITEMS = "site-items"
MARSHAL_VERSION = 4
STATE_FORMAT = "6"  # bump when what _save_state writes changes
KEEP = "README.md"  # a top-level file of site/ that is not the build's: kept as it is

Progress = Callable[[str], None]
Advance = Callable[[int, int], None]  # pages rendered so far, of how many (big builds only)


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
            f"{_counted(self.public, 'advisory', 'advisories')} public "
            f"({self.disclosed} with details): "
            f"{_counted(len(self.written), 'file', 'files')} written, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


# --- what is kept between builds --------------------------------------------------------------


class Item(NamedTuple):
    """What the last build knew and made of one advisory."""

    id: str
    year: int
    number: int
    cve: str | None
    fingerprint: str
    released: float | None  # POSIX timestamps: cheaper to keep than datetimes
    disclosed_at: float | None
    key: str | None  # render key of its files on the site; None while hidden
    files: tuple[str, ...]
    row: str | None  # the digest of its Row (see listing); None while hidden
    disclosed: bool
    unrecorded: bool  # disclosed with a CVE id, but no CVE record (no [cve] org_id)


# Items and rows are kept, and sent back from the workers, as plain tuples: marshal and
# pickle make and read those in C, where a named tuple costs a Python call each way.


@dataclass
class _State:
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
    # From the items file, read only when something is rebuilt:
    loaded: bool = False
    items: dict[str, Item] = field(default_factory=dict)  # by advisory id
    digests: dict[str, str] = field(default_factory=dict)  # the live site
    standby_signatures: dict[str, tree.Signature] = field(default_factory=dict)
    standby_digests: dict[str, str] = field(default_factory=dict)
    layout: listing.Layout | None = None  # where the rows lie in the live listing files
    feeds_key: str = ""  # what the live feeds were made of

    def steady(self, global_key: str, now: float) -> bool:
        """No setting or template changed and no advisory's stage since the last build."""
        return (
            self.global_key == global_key
            and self.built_at is not None
            and self.built_at <= now
            and (self.next_change is None or now < self.next_change)
        )


def _tag(settings: Settings) -> tuple[str, ...]:
    return (STATE_FORMAT, RENDER_VERSION, __version__, settings.project.advisory_prefix)


def _load_state(state_dir: Path, settings: Settings, site: Path) -> _State:
    """The manifest: all that a run in which nothing changed reads."""
    # The state directory is private and trusted; a state that does not load is rebuilt.
    fresh = _State(_tag(settings), str(site), loaded=True)
    try:
        raw = marshal.loads((state_dir / STATE).read_bytes())  # noqa: S302 - private, trusted
        tag, site_name, *rest = raw
        if tag != fresh.tag or site_name != fresh.site:
            return fresh
        return _State(tag, site_name, *rest)
    except Exception:  # any damage means: trust nothing on disk, render everything
        return fresh


def _load_items(state_dir: Path, state: _State) -> bool:
    """Read the items, digests and standby that go with the manifest; False if they do not."""
    if state.loaded:
        return True
    try:
        raw = marshal.loads((state_dir / ITEMS).read_bytes())  # noqa: S302
        token, items, digests, standby_signatures, standby_digests, layout, feeds_key = raw
        if token != state.token or digests.keys() != state.signatures.keys():
            return False
        state.items = {ident: tuple.__new__(Item, item) for ident, item in items.items()}
        state.digests = digests
        state.standby_signatures, state.standby_digests = standby_signatures, standby_digests
        state.layout = None if layout is None else listing.Layout(*layout)
        state.feeds_key = feeds_key
        state.loaded = True
        return True
    except Exception:
        return False


def _save_state(state_dir: Path, state: _State) -> None:
    """The items, then the manifest: the manifest never names items that are not on disk.

    Not synced to disk: the state is a cache of what is on disk; one that is lost or does
    not go with the site means a full build, never a wrong site.
    """
    # What a build killed while it saved left (only a build, holding the publish lock,
    # writes these): one per kill, each as big as the state.
    fsutil.remove_leftovers(state_dir, STATE, ITEMS)
    token = os.urandom(8).hex()
    items = {ident: tuple(item) for ident, item in state.items.items()}
    raw: tuple[Any, ...] = (
        token,
        items,
        state.digests,
        state.standby_signatures,
        state.standby_digests,
        None if state.layout is None else tuple(state.layout),
        state.feeds_key,
    )
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
    )
    data = marshal.dumps(raw, MARSHAL_VERSION)
    fsutil.atomic_write(state_dir / STATE, data, 0o600, durable=False)
    state.token = token
    with contextlib.suppress(FileNotFoundError):
        (state_dir / "site-state.pickle").unlink()  # what an earlier releasekit wrote


# --- what a renderer needs (picklable: it goes to the worker processes) -------------------


@dataclass(frozen=True)
class _Context:
    settings: Settings
    now: datetime
    out: Path  # the standby tree being filled
    global_key: str
    shown: Path | None = None  # advisories/ as messages show it
    markdown: Path | None = None  # the details kept from earlier builds (None: not used)
    live: tree.Live | None = None  # the live site's files that are as the state says


@dataclass(frozen=True)
class _Task:
    id: str
    source: Advisory | Path  # a Path is parsed first


class _Done(NamedTuple):
    item: tuple[Any, ...] | None  # an Item; None when the file did not parse
    row: tuple[Any, ...] | None  # its Row
    problems: tuple[Problem, ...]
    written: dict[str, tuple[Any, ...]]  # a FileInfo for each file rendered into the standby


class _Renderer:
    """What rendering needs, made once per process and set of templates."""

    def __init__(self, settings: Settings, global_key: str) -> None:
        from releasekit.site import mdcache

        self.key = (settings.templates_dir, global_key)
        env = render.environment(settings.templates_dir)
        env.auto_reload = False  # the global key changes when any template does
        # Compiled templates are kept (by name and source checksum) in the private state
        # directory: the next run that renders anything need not compile them again.
        cache = fsutil.private_dir(settings.state_dir / "template-cache")
        env.bytecode_cache = render.bytecode_cache(cache)
        self.env = env
        self.templates = {name: _compiled(env, name) for name in TEMPLATES}
        self.context = views.site_context(settings)
        self.page_context = {**self.context, "root": "../"}
        self.row_context = {**self.context, "root": ""}
        self.details = mdcache.details
        records.warm()

    def render(self, name: str, **context: Any) -> str:
        return _rendered(self.templates[name], name, context)


_RENDERER: list[_Renderer] = []


def _renderer(settings: Settings, global_key: str) -> _Renderer:
    """The process's renderer, built on first use (and before the workers fork)."""
    key = (settings.templates_dir, global_key)
    if not _RENDERER or _RENDERER[0].key != key:
        _RENDERER[:] = [_Renderer(settings, global_key)]
    return _RENDERER[0]


def _global_key(settings: Settings) -> str:
    """Everything that is not an advisory but changes the output."""
    h = hashlib.blake2b(digest_size=16)
    project, cve = settings.project, settings.cve
    for part in (
        RENDER_VERSION,
        __version__,
        project.name,
        project.vendor,
        project.site_url,
        project.disclosure_days,
        project.time_zone,
        cve.org_id,
        cve.short_name,
    ):
        h.update(repr(part).encode() + b"\0")
    for root in (settings.templates_dir, render.builtin_templates_dir()):
        h.update(b"root\0")
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                h.update(path.relative_to(root).as_posix().encode() + b"\0")
                h.update(tree.digest(path.read_bytes()).encode())
    return h.hexdigest()


def _template_errors(name: str) -> contextlib.AbstractContextManager[None]:
    """A broken (overriding) template is a TemplateError naming it (render.template_errors)."""
    return render.template_errors(name)


def _compiled(env: Any, name: str) -> Any:
    with _template_errors(name):
        return env.get_template(name)


def _rendered(template: Any, name: str, context: dict[str, Any]) -> str:
    with _template_errors(name):
        text: str = template.render(context)
        return text


def _key(global_key: str, fingerprint: str, stage: Stage) -> str:
    text = f"{global_key}\0{fingerprint}\0{stage.value}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _disclosed(item: Item | None) -> bool:
    return item is not None and item.disclosed


def _stamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


# --- rendering one advisory (in a worker or in-process) ------------------------------------


def _render(
    ctx: _Context, advisory: Advisory
) -> tuple[Item, listing.Row | None, dict[str, tree.FileInfo]]:
    """Render an advisory's page, records and row; write the files into the standby."""
    settings = ctx.settings
    days = settings.project.disclosure_days
    seen = lifecycle.stage(advisory, ctx.now, days)
    fingerprint = model.fingerprint(advisory)
    written: dict[str, tree.FileInfo] = {}
    row = None
    key = None
    disclosed = unrecorded = False
    shown = public_fields(settings, advisory, seen)
    if shown is not None:
        key = _key(ctx.global_key, fingerprint, seen)
        renderer = _renderer(settings, ctx.global_key)
        view = views.page_view(settings, shown)
        disclosed = shown.disclosed
        details = None
        if shown.details is not None:
            html = renderer.details(ctx.markdown, shown.id, shown.details)
            # markdown.to_html escapes every raw tag and drops unsafe links: safe markup.
            details = Markup(html)  # noqa: S704
        page = renderer.render(
            "advisory.html.j2", advisory=view, details_html=details, **renderer.page_context
        )
        files = {view["page"]: page.encode()}
        if disclosed:
            files[view["osv"]] = records.dumps(records.osv_record(settings, advisory))
            if view["cve_record"]:
                files[view["cve_record"]] = records.dumps(records.cve_record(settings, advisory))
        for rel, data in files.items():
            written[rel] = tree.place(ctx.out, rel, data, ctx.live)
        row = listing.Row(
            (shown.released.timestamp(), shown.year, shown.number),
            renderer.render("_row.html.j2", a=view, **renderer.row_context),
            orjson.dumps(views.json_row(settings, shown)),
            tuple(views.feed_row(shown)),
        )
        unrecorded = bool(shown.cve and not view["cve_record"])
    item = Item(
        advisory.id,
        advisory.year,
        advisory.number,
        advisory.cve,
        fingerprint,
        _stamp(advisory.released),
        _stamp(advisory.disclosed_at(days)),
        key,
        tuple(sorted(written)),
        None if row is None else row.digest(),
        disclosed,
        unrecorded,
    )
    return item, row, written


def _render_task(ctx: _Context, task: _Task) -> _Done:
    if isinstance(task.source, Path):
        settings = ctx.settings
        shown = ctx.shown / task.source.name if ctx.shown is not None else task.source
        try:
            advisory = read_advisory(task.source, settings.project.advisory_prefix, shown)
        except AdvisoryError as exc:
            return _Done(None, None, tuple(exc.problems), {})
    else:
        advisory = task.source
    item, row, written = _render(ctx, advisory)
    plain_row = None if row is None else tuple(row)
    return _Done(tuple(item), plain_row, (), {rel: tuple(info) for rel, info in written.items()})


_WORKER: _Context | None = None


def _init_worker(ctx: _Context, parent: int) -> None:
    global _WORKER
    tree.die_with_parent(parent)  # a killed build leaves no worker waiting for work
    _WORKER = ctx
    gc.enable()  # the parent collects nothing (_no_collector); a worker renders many pages


def _render_chunk(tasks: list[_Task]) -> list[_Done]:
    assert _WORKER is not None
    done = [_render_task(_WORKER, task) for task in tasks]
    _keep_details(_WORKER)
    return done


def _keep_details(ctx: _Context) -> None:
    """Keep the details this process rendered (see mdcache)."""
    if ctx.markdown is not None:
        from releasekit.site import mdcache

        mdcache.flush(ctx.markdown)


def _jobs(requested: int | None, count: int) -> int:
    if requested is not None:
        return max(1, min(requested, count))
    if count < PARALLEL_MIN:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def _run(
    ctx: _Context, tasks: list[_Task], jobs: int, advance: Advance | None = None
) -> list[_Done]:
    """Render the tasks, in ``jobs`` processes; ``advance`` is told as chunks finish."""
    tell = advance or (lambda _done, _total: None)
    if jobs <= 1:
        done = []
        for task in tasks:
            done.append(_render_task(ctx, task))
            if len(done) % 100 == 0 or len(done) == len(tasks):
                tell(len(done), len(tasks))
        _keep_details(ctx)
        return done
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    # Everything a worker needs is made here once (templates compiled, schemas and the
    # Markdown parser built) and inherited through fork; frozen, the objects are not
    # touched by the workers' garbage collector, so their memory stays shared.
    _renderer(ctx.settings, ctx.global_key)
    from releasekit.site import markdown

    markdown.warm()
    size = max(8, len(tasks) // (jobs * 100))  # small chunks: the workers end together
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            jobs,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(ctx, os.getpid()),
        ) as pool:
            results: list[_Done] = []
            for chunk in pool.map(_render_chunk, chunks):
                results.extend(chunk)
                tell(len(results), len(tasks))
            return results
    except BrokenProcessPool:  # a worker killed from outside (the OOM killer, a signal)
        raise PublishError(
            "a render worker process ended before its pages were done (killed?); "
            "the site was not changed: run publish again"
        ) from None
    finally:
        gc.unfreeze()


# --- the files that list every advisory ----------------------------------------------------


def _static(settings: Settings, rel: str) -> bytes:
    for root in (settings.templates_dir, render.builtin_templates_dir()):
        path = root / rel
        if path.is_file():
            return path.read_bytes()
    raise PublishError(f"templates/{rel}: not found")  # pragma: no cover - shipped


# --- the build -----------------------------------------------------------------------------


def _site_path(settings: Settings) -> Path:
    site = settings.site_dir
    if site.is_symlink():
        site = site.resolve()
    if site.exists() and not site.is_dir():
        raise PublishError(f"{site}: is not a directory")
    return site


@dataclass(slots=True)
class _Entry:
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
class _Plan:
    """One build: what is there, what to render, and the new tree as it is made."""

    entries: list[_Entry]
    sources: dict[str, tuple[int, ...]] | None  # the advisory files (publish_workspace)
    parse: bool  # some advisory files must be parsed
    present: dict[str, tree.Signature]  # the live site on disk
    good: set[str]  # its files that are as the state says
    items: dict[str, Item] = field(default_factory=dict)  # kept, then rendered too
    tasks: list[_Task] = field(default_factory=list)
    standby: Path = Path()
    kept_signatures: dict[str, tree.Signature] = field(default_factory=dict)  # in the standby
    kept_digests: dict[str, str] = field(default_factory=dict)
    signatures: dict[str, tree.Signature] = field(default_factory=dict)  # the new tree
    digests: dict[str, str] = field(default_factory=dict)
    new: dict[str, tree.FileInfo] = field(default_factory=dict)  # rendered, written
    written: list[str] = field(default_factory=list)  # of those, the ones that differ
    rows: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # rendered; then all
    layout: listing.Layout | None = None  # of the listing files of the new tree
    feeds_key: str = ""  # what its feeds are made of
    shared_key: str = ""
    markdown: Path | None = None  # the details kept between builds (None: not in this one)
    live: tree.Live | None = None  # what of the live site the new tree may keep
    context: _Context | None = None  # what the renderers of this build get
    linker: tree.Linker | None = None  # the links of the kept files into the standby
    adopted: dict[str, str] = field(default_factory=dict)  # live files kept, unvouched: digests


def publish(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
) -> PublishReport:
    """Build ``site/`` for ``advisories`` as of ``now`` and swap it in; see the module doc.

    ``progress`` gets messages; ``advance``, in a build of many pages, the count rendered.

    Returns what was written, left unchanged and removed. Raises AdvisoryError when the
    advisories contradict each other, PublishError when a record fails its schema; the live
    site is untouched then.
    """
    problems = workspace.cross_check(settings, list(advisories))
    if problems:
        raise AdvisoryError(problems)
    days = settings.project.disclosure_days
    entries = [
        _Entry(
            a.id, a, None, model.fingerprint(a), _stamp(a.released), _stamp(a.disclosed_at(days))
        )
        for a in advisories
    ]
    return _publish(settings, entries, now, progress, jobs, None, advance)


def publish_workspace(
    settings: Settings,
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
    advance: Advance | None = None,
) -> PublishReport:
    """:func:`publish` for every advisory file of the workspace (what the CLI runs)."""
    sources: dict[str, tuple[int, ...]] = {}
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
    return _publish(settings, [], now, progress, jobs, sources, advance)


def _publish(
    settings: Settings,
    entries: list[_Entry],
    now: datetime,
    progress: Progress | None,
    jobs: int | None,
    sources: dict[str, tuple[int, ...]] | None,
    advance: Advance | None = None,
) -> PublishReport:
    say = progress or (lambda _message: None)
    site = _site_path(settings)
    state_dir = workspace.state_dir(settings)
    with journal.exclusive(state_dir, "publish"), _no_collector():
        state = _load_state(state_dir, settings, site)
        builder = _Builder(settings, now, say, jobs, site, state_dir, state)
        builder.advance = advance
        return builder.run(entries, sources)


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    """No cyclic garbage collection in the build's own process.

    The state is hundreds of thousands of small tuples and strings; the collector would walk
    all of them again and again while they are loaded (a sixth of a small build's time) to
    find nothing: the build makes next to no reference cycles. The worker processes, which
    render page after page, collect as usual (_init_worker). (The collector is the
    process's: a program that runs other threads while it calls publish runs them without.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Builder:
    def __init__(
        self,
        settings: Settings,
        now: datetime,
        say: Progress,
        jobs: int | None,
        site: Path,
        state_dir: Path,
        state: _State,
    ) -> None:
        self.settings, self.now, self.say, self.jobs = settings, now, say, jobs
        self.site, self.state_dir, self.state = site, state_dir, state
        self.global_key = _global_key(settings)
        self.standby_scan: tree.Background | None = None  # tree.scan of the standby
        self.advance: Advance | None = None

    def _source_entries(self, plan: _Plan, sources: dict[str, tuple[int, ...]]) -> None:
        """Entries for the advisory files that changed (or may show differently now).

        When no setting, template or stage changed and the live site is as the state
        says (the everyday case), an advisory whose file is unchanged keeps its item, and
        its files, without an entry.
        """
        state, folder = self.state, self.settings.advisories_dir
        known_sources, items = state.sources, state.items
        all_good = len(plan.good) == len(state.signatures)
        settled = all_good and state.steady(self.global_key, self.now.timestamp())
        for name in sorted(sources):
            ident = name[:-3]  # an advisory's id is its file name (advisory.py)
            item = items.get(ident)
            if item is not None and known_sources.get(name) == sources[name]:
                if settled:
                    plan.items[ident] = item
                else:
                    plan.entries.append(
                        _Entry(
                            ident, None, folder, item.fingerprint, item.released, item.disclosed_at
                        )
                    )
            else:
                plan.entries.append(_Entry(ident, None, folder))
                plan.parse = True

    def run(
        self, entries: list[_Entry], sources: dict[str, tuple[int, ...]] | None
    ) -> PublishReport:
        state = self.state
        steady = sources is not None and state.steady(self.global_key, self.now.timestamp())
        if not steady or sources != state.sources:  # a build: scan the standby meanwhile
            standby = tree.standby_path(self.site, self.state_dir)
            if standby.is_dir() and not standby.is_symlink() and state.built_at is not None:
                self.standby_scan = tree.Background(tree.scan, standby, KEEP)
        try:
            present = tree.scan(self.site, KEEP)
            if steady and sources == state.sources and present == state.signatures:
                return self._report((), tuple(sorted(present)), ())  # the daily cron run
            if not _load_items(self.state_dir, state):  # not the manifest's own: trust nothing
                self.state = _State(state.tag, state.site, loaded=True)
            try:
                return self._build(self._plan(entries, sources, present))
            except listing.Damaged:  # the rows do not go with the items: trust nothing
                self.state = _State(state.tag, state.site, loaded=True)
                return self._build(self._plan(entries, sources, present))
        finally:
            if self.standby_scan is not None:
                self.standby_scan.discard()

    def _plan(
        self,
        entries: list[_Entry],
        sources: dict[str, tuple[int, ...]] | None,
        present: dict[str, tree.Signature],
    ) -> _Plan:
        """The advisories whose files stay as they are, and what to render."""
        state, key, now = self.state, self.global_key, self.now.timestamp()
        if present == state.signatures:
            good = set(present)
        else:
            good = {rel for rel, sig in state.signatures.items() if present.get(rel) == sig}
        plan = _Plan(list(entries), sources, False, present, good)  # (run may retry)
        if sources is not None:
            self._source_entries(plan, sources)
        steady = state.steady(key, now)  # then every unchanged advisory keeps its render key
        for entry in plan.entries:
            old = state.items.get(entry.id)
            if entry.fingerprint is None or old is None or old.fingerprint != entry.fingerprint:
                plan.tasks.append(_Task(entry.id, entry.source))
                continue
            if not steady:
                seen = lifecycle.stage_at(entry.released, entry.disclosed_at, now)
                wanted = _key(key, entry.fingerprint, seen) if seen.public else None
                if old.key != wanted:
                    plan.tasks.append(_Task(entry.id, entry.source))
                    continue
            if plan.good.issuperset(old.files):
                plan.items[entry.id] = old
            else:
                plan.tasks.append(_Task(entry.id, entry.source))
        return plan

    def _build(self, plan: _Plan) -> PublishReport:
        state = self.state
        tree.check_umask()
        plan.standby = tree.standby_path(self.site, self.state_dir)
        self._clean_standby(plan)
        # The files of the advisories that are not rendered again are right in the live site
        # (or already in the standby): they are hard-linked into the standby while the others
        # render, by child processes (see tree.Linker).
        live_signatures, live_digests = state.signatures, state.digests
        signatures, digests = plan.signatures, plan.digests
        kept_signatures, kept_digests = plan.kept_signatures, plan.kept_digests
        to_link: list[str] = []
        for item in plan.items.values():
            for rel in item.files:
                digest = digests[rel] = live_digests[rel]
                if kept_digests.get(rel) == digest:
                    signatures[rel] = kept_signatures[rel]
                else:
                    signatures[rel] = live_signatures[rel]
                    to_link.append(rel)
        linker = plan.linker = tree.Linker(self.site, plan.standby, to_link)  # before any pool
        try:
            self._render(plan)
            self._settle(plan)
            linker.wait()  # every file is in the standby now
        finally:
            linker.wait()
        return self._swap(plan)

    def _render(self, plan: _Plan) -> None:
        """Render what changed into the standby, and the files that list every advisory."""
        settings, state, key = self.settings, self.state, self.global_key
        workers = _jobs(self.jobs, len(plan.tasks))
        shown = workspace.display_path(settings, settings.advisories_dir)
        if len(plan.tasks) >= MARKDOWN_MIN:  # the details of unchanged texts are kept
            from releasekit.site import mdcache

            plan.markdown = mdcache.prepare(self.state_dir)
        unknown = {}  # live files that the state does not vouch for (lost, damaged, by hand)
        if len(plan.good) < len(plan.present):
            unknown = {rel: sig for rel, sig in plan.present.items() if rel not in plan.good}
        live = plan.live = tree.Live(
            self.site,
            plan.good,
            state.digests,
            state.signatures,
            plan.kept_signatures,
            unknown,
        )
        ctx = plan.context = _Context(
            settings, self.now, plan.standby, key, shown, plan.markdown, live
        )
        advance = self.advance if len(plan.tasks) >= PARALLEL_MIN else None
        # Said after rendering, of the public advisories only: the tasks include changed files
        # of embargoed advisories (nothing is rendered for them), and this log may be public
        # (the daily publish, from cron or CI): their number would tell one was added or edited.
        public = self._take(plan, _run(ctx, plan.tasks, workers, advance))
        if public:
            self.say(f"rendered {_counted(public, 'advisory', 'advisories')}")
        items = plan.items
        if plan.parse:
            folder = settings.advisories_dir
            crossed = workspace.cross_check(
                settings, [items[i] for i in sorted(items)], lambda a: folder / f"{a.id}.md"
            )
            if crossed:
                raise AdvisoryError(crossed)
        plan.shared_key = self._shared_key(items)
        if state.shared_key == plan.shared_key and plan.good.issuperset(SHARED_FILES):
            self._keep_live(plan, SHARED_FILES)
            plan.layout, plan.feeds_key = state.layout, state.feeds_key
        else:  # a row changed (or the templates did): the listing files are made again
            self._listing(plan)

    def _keep_live(self, plan: _Plan, rels: Sequence[str]) -> None:
        """Files of the live site that the new tree has as they are: linked into the standby."""
        state = self.state
        for rel in rels:
            digest = plan.digests[rel] = state.digests[rel]
            if plan.kept_digests.get(rel) == digest:
                plan.signatures[rel] = plan.kept_signatures[rel]
            else:
                plan.signatures[rel] = state.signatures[rel]
                tree.link(self.site / rel, plan.standby / rel)

    def _take(self, plan: _Plan, results: Iterable[_Done]) -> int:
        """What the renderers made: items, rows and files; every problem of the files. Returns
        how many of them are public (have a row)."""
        problems: list[Problem] = []
        items, new, rows = plan.items, plan.new, plan.rows
        public = 0
        for done in results:
            problems.extend(done.problems)
            if done.item is not None:
                item = tuple.__new__(Item, done.item)
                items[item.id] = item
                if done.row is not None:
                    rows[item.id] = done.row
                    public += 1
                for rel, info in done.written.items():
                    new[rel] = tuple.__new__(tree.FileInfo, info)
        if problems:
            raise AdvisoryError(problems)
        return public

    def _render_again(self, plan: _Plan, ids: frozenset[str]) -> None:
        """Render advisories kept from the last build whose rows the store lost (see run)."""
        assert plan.context is not None
        assert plan.linker is not None
        plan.linker.wait()  # their files are linked into the standby: done before replacing
        given = {entry.id: entry.source for entry in plan.entries}
        folder = self.settings.advisories_dir
        tasks = [_Task(i, given.get(i) or folder / f"{i}.md") for i in sorted(ids)]
        before = {i: plan.items[i].fingerprint for i in ids}
        self.say(f"rendering {len(tasks)} advisories again (their rows were not kept)")
        self._take(plan, _run(plan.context, tasks, _jobs(self.jobs, len(tasks))))
        changed = [i for i in ids if plan.items[i].fingerprint != before[i]]
        if changed:  # a file edited since the plan (not cross-checked, its old files listed)
            raise listing.Damaged(changed)  # run() starts from nothing

    def _listing(self, plan: _Plan, again: bool = True) -> None:
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
        plan.feeds_key = listing.feeds_key(self.global_key, plan.items, shown)
        same_feeds = state.feeds_key == plan.feeds_key and plan.good.issuperset(FEEDS)
        renderer = _renderer(self.settings, self.global_key)

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
            plan.shared_key = self._shared_key(plan.items)
            self._listing(plan, again=False)
            return
        if same_feeds:  # no entry of theirs changed
            self._keep_live(plan, FEEDS)
        files["static/style.css"] = _static(self.settings, "static/style.css")
        for rel, data in files.items():
            plan.new[rel] = tree.place(plan.standby, rel, data, plan.live)
        digests = (plan.new[listing.INDEX].digest, plan.new[listing.JSON].digest)
        plan.layout = made._replace(digests=digests)

    def _settle(self, plan: _Plan) -> None:
        """A rendered file with the bytes of the live one becomes a hard link to it, so that
        an unchanged file keeps its inode and mtime (mirrors and rsync see no change); the
        standby loses what the new site does not have, and gets the kept README."""
        live_signatures, live_digests = self.state.signatures, self.state.digests
        standby = plan.standby
        for rel, info in plan.new.items():
            plan.digests[rel] = info.digest
            if rel in plan.good and live_digests[rel] == info.digest:
                if info.signature != live_signatures[rel]:  # not linked by tree.place
                    tree.link(self.site / rel, standby / rel)
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
        readme = tree.kept_file(self.site, KEEP)
        if readme is not None:
            tree.link(readme, standby / KEEP)

    def _swap(self, plan: _Plan) -> PublishReport:
        """Swap the standby in (when anything differs) and remember what is where."""
        state, standby = self.state, plan.standby
        live_signatures, live_digests = state.signatures, state.digests
        signatures, digests, good, items = plan.signatures, plan.digests, plan.good, plan.items
        written = tuple(sorted(plan.written))
        removed = tuple(sorted(plan.present.keys() - signatures.keys()))
        unchanged = tuple(sorted(signatures.keys() - set(written)))
        if written or removed or not self.site.is_dir():
            os.chmod(standby, tree.DIR_MODE)
            if self.site.is_dir():
                tree.exchange(standby, self.site)
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
                os.rename(standby, self.site)
                state.standby_signatures, state.standby_digests = {}, {}
            state.signatures, state.digests = signatures, digests
            self.say(
                f"swapped in the new {self.site.name}/: "
                f"{len(written)} written, {len(removed)} removed"
            )
        else:  # the same bytes as the live site: keep it, remember what the standby holds
            state.standby_signatures, state.standby_digests = signatures, digests
            state.signatures = {rel: plan.present[rel] for rel in signatures}
            state.digests = dict(digests)
        self._keep_rows(plan)
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
        state.shared_key, state.global_key = plan.shared_key, self.global_key
        state.built_at, state.next_change = self.now.timestamp(), self._next_change(items)
        state.counts = (
            sum(1 for item in items.values() if item.row is not None),
            sum(1 for item in items.values() if item.disclosed),
            sum(1 for item in items.values() if item.unrecorded),
        )
        state.layout, state.feeds_key = plan.layout, plan.feeds_key
        _save_state(self.state_dir, state)
        if plan.markdown is not None:  # keep what is disclosed now, only (a failed build
            from releasekit.site import mdcache  # may have kept details the state does not know of)

            mdcache.prune(plan.markdown, (i for i, item in items.items() if item.disclosed))
        elif withdrawn:
            from releasekit.site import mdcache

            mdcache.forget(self.state_dir, withdrawn)
        return self._report(written, unchanged, removed)

    def _keep_rows(self, plan: _Plan) -> None:
        """Store the rows rendered in this build that changed; drop those no longer listed."""
        old, items, rows = self.state.items, plan.items, plan.rows
        everything = not old  # a build from nothing: the store gets every row
        put = list(rows.items())  # every row rendered, changed or not: a store that fell
        # behind the state (a crash between the two) catches up with each build
        drop = [
            ident
            for ident, item in old.items()
            if item.row is not None and (ident not in items or items[ident].row is None)
        ]
        listing.keep(self.state_dir, put, drop, everything)

    def _shared_key(self, items: dict[str, Item]) -> str:
        """What the files that list every advisory are made of: the rows and the globals."""
        h = hashlib.blake2b(self.global_key.encode(), digest_size=16)
        for ident in sorted(items):
            if items[ident].row is not None:
                h.update(f"\0{ident}\0{items[ident].row}".encode())
        return h.hexdigest()

    def _next_change(self, items: dict[str, Item]) -> float | None:
        """The first instant after now at which an advisory's stage changes."""
        moments = (m for item in items.values() for m in (item.released, item.disclosed_at))
        return lifecycle.first_change(moments, self.now.timestamp())

    def _clean_standby(self, plan: _Plan) -> None:
        """Make the standby hold only files the state vouches for; remember them."""
        state, standby = self.state, plan.standby
        if not standby.is_dir() or standby.is_symlink() or not state.standby_signatures:
            if self.standby_scan is not None:  # not needed: done with it before removing
                self.standby_scan.discard()
                self.standby_scan = None
            tree.reset_tree(standby)  # nothing to keep: a fresh tree is cheaper than a scan
            return
        if self.standby_scan is not None:  # started with the build (run), used once
            present, self.standby_scan = self.standby_scan.result(), None
        else:
            present = tree.scan(standby, KEEP)
        known = state.standby_signatures
        if present == known:  # as the last build left it (read only from here on)
            plan.kept_signatures, plan.kept_digests = known, state.standby_digests
            return
        trusted = {rel: sig for rel, sig in present.items() if known.get(rel) == sig}
        for rel in present.keys() - trusted.keys():
            (standby / rel).unlink()
        plan.kept_signatures = trusted
        plan.kept_digests = {rel: state.standby_digests[rel] for rel in trusted}

    def _report(
        self, written: tuple[str, ...], unchanged: tuple[str, ...], removed: tuple[str, ...]
    ) -> PublishReport:
        public, disclosed, unrecorded = self.state.counts
        warnings: tuple[str, ...] = ()
        if unrecorded:
            warnings = (
                f"{self.settings.config_path.name}: cve.org_id is not set: no CVE records "
                f"written ({unrecorded} disclosed advisories with a CVE id)",
            )
        return PublishReport(self.site, written, unchanged, removed, public, disclosed, warnings)

"""``releasekit publish``: the security-updates site from the advisories and the date.

:func:`publish` is the core entry point (the lift calls it after recording ``released``);
:func:`publish_workspace` is what the CLI runs: the same for every advisory file, reading
only the files that changed since the last run.

How a build goes:

1. Each advisory's *render key* is a digest of its content, what of it is visible now
   (hidden, released or disclosed) and everything global (settings, templates, this code).
   An advisory whose key and files on disk match the last build is not rendered again; its
   row of the index, entry of advisories.json and feed entry come from the build state.
2. Everything else is rendered (on every core when there is a lot) into the standby tree;
   unchanged files are hard-linked into it from the live site.
3. The standby is swapped with the live site in one atomic rename; nothing changes on disk
   when no output byte would change. See :mod:`releasekit.site.tree`.

Only released advisories produce anything; before the disclosure date their details are
replaced by the placeholder sentence, and no body, CWE, CVE id, credit or record is rendered.
Every timestamp in the output comes from the advisories, never from the build clock. The
build state lives in the private state directory (``.releasekit/site-state.pickle``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, NamedTuple

import orjson
from markupsafe import Markup

from .. import __version__, fsutil, journal, render, timefmt, workspace
from ..advisory import Advisory, read_advisory
from ..config import Settings
from ..errors import AdvisoryError, Problem, PublishError
from . import feeds, model, tree
from .model import Visibility

RENDER_VERSION = "2"  # bump when the output for the same input changes
SHARED_FILES = ("index.html", "feed.xml", "atom.xml", "advisories.json", "static/style.css")
PARALLEL_MIN = 64  # below this many pages, forking workers costs more than it saves
STATE = "site-state.pickle"
STATE_FORMAT = "3"  # bump when what _save_state writes changes

Progress = Callable[[str], None]


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
            f"{self.public} advisories public ({self.disclosed} with details): "
            f"{len(self.written)} files written, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed"
        )


# --- what is kept between builds --------------------------------------------------------------


class Row(NamedTuple):
    """An advisory's share of the files that list every advisory."""

    order: tuple[float, int, int]  # release instant, year, number: the index is newest first
    html: str  # its row of the index (_row.html.j2)
    json: bytes  # its entry of advisories.json
    feed: feeds.FeedRow
    disclosed: bool
    unrecorded: bool  # disclosed with a CVE id, but no CVE record (no [cve] org_id)


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
    row: Row | None


@dataclass
class _State:
    tag: tuple[str, ...]
    site: str
    global_key: str = ""
    files: dict[str, tree.FileInfo] = field(default_factory=dict)  # the live site
    standby: dict[str, tree.FileInfo] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)  # by advisory id
    sources: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)  # file: sig, id
    shared_key: str = ""
    next_change: float | None = None


def _tag(settings: Settings) -> tuple[str, ...]:
    return (STATE_FORMAT, RENDER_VERSION, __version__, settings.project.advisory_prefix)


def _load_state(path: Path, settings: Settings, site: Path) -> _State:
    # The state directory is private and trusted; a state that does not load is rebuilt.
    try:
        raw = pickle.loads(path.read_bytes())  # noqa: S301
        tag, site_name, global_key, files, standby, items, sources, shared, nxt = raw
        if tag != _tag(settings) or site_name != str(site):
            return _State(_tag(settings), str(site))
        return _State(
            tag,
            site_name,
            global_key,
            {rel: tuple.__new__(tree.FileInfo, v) for rel, v in files.items()},
            {rel: tuple.__new__(tree.FileInfo, v) for rel, v in standby.items()},
            {ident: _item(v) for ident, v in items.items()},
            sources,
            shared,
            nxt,
        )
    except Exception:  # any damage means: trust nothing on disk, render everything
        return _State(_tag(settings), str(site))


def _item(raw: tuple[Any, ...]) -> Item:
    row = raw[9]
    if row is not None:
        feed = tuple.__new__(feeds.FeedRow, row[3])
        row = tuple.__new__(Row, (*row[:3], feed, *row[4:]))
    return tuple.__new__(Item, (*raw[:9], row))


def _plain_item(item: Item) -> tuple[Any, ...]:
    row = item.row
    plain_row = None if row is None else (*row[:3], tuple(row.feed), *row[4:])
    return (*item[:9], plain_row)


def _save_state(path: Path, state: _State) -> None:
    # Plain tuples only: pickle handles them in C, named tuples cost a Python call each.
    raw = (
        state.tag,
        state.site,
        state.global_key,
        {rel: tuple(v) for rel, v in state.files.items()},
        {rel: tuple(v) for rel, v in state.standby.items()},
        {ident: _plain_item(item) for ident, item in state.items.items()},
        state.sources,
        state.shared_key,
        state.next_change,
    )
    fsutil.atomic_write(path, pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL), 0o600)


# --- what a renderer needs (picklable: it goes to the worker processes) -------------------


@dataclass(frozen=True)
class _Context:
    settings: Settings
    now: datetime
    out: Path  # the standby tree being filled
    global_key: str


@dataclass(frozen=True)
class _Task:
    id: str
    source: Advisory | Path  # a Path is parsed first


class _Done(NamedTuple):
    item: Item | None  # None when the file did not parse
    problems: tuple[Problem, ...]
    written: dict[str, tree.FileInfo]  # the files rendered into the standby


_ENV: dict[tuple[Path, str], Any] = {}


def _env(settings: Settings, global_key: str) -> Any:
    """The Jinja2 environment, compiled once per process and set of templates."""
    key = (settings.templates_dir, global_key)
    env = _ENV.get(key)
    if env is None:
        env = render.environment(settings.templates_dir)
        env.auto_reload = False  # the global key changes when any template does
        _ENV.clear()
        _ENV[key] = env
    return env


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


def _template(env: Any, name: str, **context: Any) -> str:
    """Render a template (a broken one is a TemplateError naming it: render.render)."""
    return render.render(env, name, **context)


def _key(global_key: str, fingerprint: str, visibility: Visibility) -> str:
    text = f"{global_key}\0{fingerprint}\0{visibility.value}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _visibility(released: float | None, disclosed_at: float | None, now: float) -> Visibility:
    if released is None or released > now:
        return Visibility.HIDDEN
    assert disclosed_at is not None
    return Visibility.DISCLOSED if now >= disclosed_at else Visibility.RELEASED


def _stamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


# --- views: only what may be shown, by visibility ------------------------------------------


def _severity(advisory: Advisory) -> dict[str, Any]:
    score = advisory.score
    return {
        "name": advisory.severity,
        "label": advisory.severity.title(),
        "score": f"{score:.1f}" if score is not None else None,
        "vector": advisory.cvss.vector if advisory.cvss else None,
        "cvss4_score": f"{advisory.cvss4.score:.1f}" if advisory.cvss4 else None,
        "cvss4_vector": advisory.cvss4.vector if advisory.cvss4 else None,
    }


def _view(settings: Settings, advisory: Advisory, visibility: Visibility) -> dict[str, Any]:
    """The data a template gets for one advisory: nothing undisclosed before its date."""
    assert visibility is not Visibility.HIDDEN
    assert advisory.released is not None
    days = settings.project.disclosure_days
    day = advisory.disclosure_date(days)
    assert day is not None
    found = model.versions(advisory)
    disclosed = visibility is Visibility.DISCLOSED
    view: dict[str, Any] = {
        "id": advisory.id,
        "title": advisory.title,
        "summary": advisory.summary,
        "released": timefmt.iso_utc(advisory.released),
        "release_date": advisory.released.strftime("%Y-%m-%d"),
        "release_instant": timefmt.instant(advisory.released, settings.zone),
        "disclosure_date": day.strftime("%Y-%m-%d"),
        "disclosed": disclosed,
        "placeholder": None if disclosed else model.placeholder(day),
        "severity": _severity(advisory),
        "affected": found.affected_list,
        "fixed": found.fixed_list,
        "page": f"advisories/{advisory.id}.html",
        # Details: only from the disclosure date on.
        "cve": None,
        "cwe": None,
        "component": None,
        "reporter": None,
        "severity_reason": None,
        "osv": None,
        "cve_record": None,
    }
    if disclosed:
        view.update(
            cve=advisory.cve,
            cwe=advisory.cwe,
            component=advisory.component,
            reporter=advisory.reporter,
            severity_reason=advisory.severity_reason,
            osv=f"osv/{advisory.id}.json",
            cve_record=f"cve/{advisory.cve}.json" if _writes_cve(settings, advisory) else None,
        )
    return view


def _writes_cve(settings: Settings, advisory: Advisory) -> bool:
    return bool(advisory.cve and settings.cve.org_id)


def _site_context(settings: Settings) -> dict[str, Any]:
    base = settings.project.site_url.rstrip("/")
    return {
        "project": {
            "name": settings.project.name,
            "vendor": settings.project.vendor,
            "site_url": base,
            "disclosure_days": settings.project.disclosure_days,
        },
        "feeds": {"rss": "feed.xml", "atom": "atom.xml", "json": "advisories.json"},
    }


# --- rendering one advisory (in a worker or in-process) ------------------------------------


def _render(ctx: _Context, advisory: Advisory) -> tuple[Item, dict[str, tree.FileInfo]]:
    """Render an advisory's page, records and row; write the files into the standby."""
    from . import markdown, records

    settings = ctx.settings
    days = settings.project.disclosure_days
    seen = model.visibility(advisory, ctx.now, days)
    fingerprint = model.fingerprint(advisory)
    written: dict[str, tree.FileInfo] = {}
    row = None
    key = None
    if seen is not Visibility.HIDDEN:
        assert advisory.released is not None
        key = _key(ctx.global_key, fingerprint, seen)
        env = _env(settings, ctx.global_key)
        view = _view(settings, advisory, seen)
        context = _site_context(settings)
        # to_html escapes every raw tag and drops unsafe links: its output is safe markup.
        details = Markup(markdown.to_html(advisory.body)) if view["disclosed"] else None  # noqa: S704
        page = _template(
            env, "advisory.html.j2", advisory=view, details_html=details, root="../", **context
        )
        files = {view["page"]: page.encode()}
        if view["disclosed"]:
            files[view["osv"]] = records.dumps(records.osv_record(settings, advisory))
            if view["cve_record"]:
                files[view["cve_record"]] = records.dumps(records.cve_record(settings, advisory))
        for rel, data in files.items():
            written[rel] = tree.write_new(ctx.out, rel, data)
        row = Row(
            (advisory.released.timestamp(), advisory.year, advisory.number),
            _template(env, "_row.html.j2", a=view, root="", **context),
            orjson.dumps(_json_row(settings, advisory, view)),
            feeds.row(settings, advisory, seen),
            view["disclosed"],
            bool(view["disclosed"] and advisory.cve and not view["cve_record"]),
        )
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
        row,
    )
    return item, written


def _render_task(ctx: _Context, task: _Task) -> _Done:
    if isinstance(task.source, Path):
        settings = ctx.settings
        shown = workspace.display_path(settings, task.source)
        try:
            advisory = read_advisory(task.source, settings.project.advisory_prefix, shown)
        except AdvisoryError as exc:
            return _Done(None, tuple(exc.problems), {})
    else:
        advisory = task.source
    item, written = _render(ctx, advisory)
    return _Done(item, (), written)


_WORKER: _Context | None = None


def _init_worker(ctx: _Context) -> None:
    global _WORKER
    _WORKER = ctx


def _render_chunk(tasks: list[_Task]) -> list[_Done]:
    assert _WORKER is not None
    return [_render_task(_WORKER, task) for task in tasks]


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


def _run(ctx: _Context, tasks: list[_Task], jobs: int) -> list[_Done]:
    if jobs <= 1:
        return [_render_task(ctx, task) for task in tasks]
    size = max(8, len(tasks) // (jobs * 16))
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    # fork: the workers inherit the imported modules and need nothing re-read.
    with ProcessPoolExecutor(
        jobs, mp_context=get_context("fork"), initializer=_init_worker, initargs=(ctx,)
    ) as pool:
        return [done for chunk in pool.map(_render_chunk, chunks) for done in chunk]


# --- the files that list every advisory ----------------------------------------------------


def _shared_files(settings: Settings, rows: Sequence[Row], global_key: str) -> dict[str, bytes]:
    ordered = sorted(rows, key=lambda r: r.order, reverse=True)
    context = _site_context(settings)
    table = Markup("".join(r.html for r in ordered))  # noqa: S704 - rendered with autoescape
    html = _template(
        _env(settings, global_key),
        "index.html.j2",
        rows=table,
        count=len(ordered),
        root="",
        **context,
    )
    head = orjson.dumps(
        {"format": "releasekit-advisories", "version": 1, "project": context["project"]}
    )
    listing = head[:-1] + b',"advisories":[\n' + b",\n".join(r.json for r in ordered) + b"\n]}\n"
    chosen = feeds.select(r.feed for r in ordered)
    return {
        "index.html": html.encode(),
        "feed.xml": feeds.rss(settings, chosen),
        "atom.xml": feeds.atom(settings, chosen),
        "advisories.json": listing,
        "static/style.css": _static(settings, "static/style.css"),
    }


def _json_row(settings: Settings, advisory: Advisory, view: dict[str, Any]) -> dict[str, Any]:
    base = settings.project.site_url.rstrip("/")

    def url(rel: str | None) -> str | None:
        return f"{base}/{rel}" if rel else None

    def cvss(score: Any) -> dict[str, Any] | None:
        if score is None:
            return None
        return {"version": score.version, "vector": score.vector, "score": score.score}

    return {
        "id": view["id"],
        "url": url(view["page"]),
        "title": view["title"],
        "summary": view["summary"],
        "released": view["released"],
        "disclosure_date": view["disclosure_date"],
        "disclosed": view["disclosed"],
        "severity": advisory.severity,
        "cvss": cvss(advisory.cvss),
        "cvss4": cvss(advisory.cvss4),
        "affected": view["affected"],
        "fixed": dict(sorted(advisory.fixed.items())),
        "cve": view["cve"],
        "cwe": view["cwe"],
        "component": view["component"],
        "reporter": view["reporter"],
        "osv": url(view["osv"]),
        "cve_record": url(view["cve_record"]),
    }


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


@dataclass
class _Entry:
    id: str
    given: Advisory | None = None  # the caller's advisory (publish)
    folder: Path | None = None  # ... or its file, folder/ID.md (publish_workspace)
    fingerprint: str | None = None  # None: parse the file first
    released: float | None = None
    disclosed_at: float | None = None
    known: _Known | None = None  # what cross-checks this advisory against the others

    @property
    def source(self) -> Advisory | Path:
        if self.given is not None:
            return self.given
        assert self.folder is not None
        return self.folder / f"{self.id}.md"


class _Known:
    """An unchanged advisory as the cross-check sees it (its path is built only if needed)."""

    __slots__ = ("_folder", "cve", "id", "number", "year")

    def __init__(self, item: Item, folder: Path) -> None:
        self.id, self.year, self.number, self.cve = item.id, item.year, item.number, item.cve
        self._folder = folder

    @property
    def path(self) -> Path:
        return self._folder / f"{self.id}.md"


def publish(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> PublishReport:
    """Build ``site/`` for ``advisories`` as of ``now`` and swap it in; see the module doc.

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
    return _publish(settings, entries, now, progress, jobs, None)


def publish_workspace(
    settings: Settings, now: datetime, *, progress: Progress | None = None, jobs: int | None = None
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
    return _publish(settings, [], now, progress, jobs, sources)


def _publish(
    settings: Settings,
    entries: list[_Entry],
    now: datetime,
    progress: Progress | None,
    jobs: int | None,
    sources: dict[str, tuple[int, ...]] | None,
) -> PublishReport:
    say = progress or (lambda _message: None)
    site = _site_path(settings)
    state_dir = workspace.state_dir(settings)
    with journal.exclusive(state_dir, "publish"):
        state = _load_state(state_dir / STATE, settings, site)
        builder = _Builder(settings, now, say, jobs, site, state_dir, state)
        return builder.run(entries, sources)


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

    def _source_entries(self, sources: dict[str, tuple[int, ...]]) -> tuple[list[_Entry], bool]:
        """Entries for the advisory files; True when any must be parsed."""
        folder = self.settings.advisories_dir
        entries: list[_Entry] = []
        parse = False
        for name in sorted(sources):
            known = self.state.sources.get(name)
            item = self.state.items.get(known[1]) if known else None
            if known is not None and item is not None and known[0] == sources[name]:
                entries.append(
                    _Entry(
                        item.id,
                        None,
                        folder,
                        item.fingerprint,
                        item.released,
                        item.disclosed_at,
                        _Known(item, folder),
                    )
                )
            else:
                entries.append(_Entry(name[:-3], None, folder))
                parse = True
        return entries, parse

    def run(
        self, entries: list[_Entry], sources: dict[str, tuple[int, ...]] | None
    ) -> PublishReport:
        state, now = self.state, self.now
        present = tree.scan(self.site)
        good = tree.verified(state.files, present)
        parse = False
        if sources is not None:
            entries, parse = self._source_entries(sources)
            same_files = sources.keys() == state.sources.keys()
            quiet = state.next_change is None or now.timestamp() < state.next_change
            if (
                not parse
                and same_files
                and quiet
                and state.global_key == self.global_key
                and good == state.files.keys() == present.keys()
            ):
                return self._report((), tuple(sorted(present)), ())
        return self._build(entries, present, good, parse, sources)

    def _build(
        self,
        entries: list[_Entry],
        present: dict[str, os.stat_result],
        good: set[str],
        parse: bool,
        sources: dict[str, tuple[int, ...]] | None,
    ) -> PublishReport:
        settings, state, now, key = self.settings, self.state, self.now, self.global_key
        items: dict[str, Item] = {}
        tasks: list[_Task] = []
        for entry in entries:
            old = state.items.get(entry.id)
            if entry.fingerprint is None or old is None or old.fingerprint != entry.fingerprint:
                tasks.append(_Task(entry.id, entry.source))
                continue
            seen = _visibility(entry.released, entry.disclosed_at, now.timestamp())
            wanted = None if seen is Visibility.HIDDEN else _key(key, entry.fingerprint, seen)
            if old.key == wanted and good.issuperset(old.files):
                items[entry.id] = old
            else:
                tasks.append(_Task(entry.id, entry.source))

        standby = tree.standby_path(self.site, self.state_dir)
        in_standby = self._clean_standby(standby)
        workers = _jobs(self.jobs, len(tasks))
        if tasks:
            cores = f" on {workers} cores" if workers > 1 else ""
            self.say(f"rendering {len(tasks)} advisories{cores}")
        new: dict[str, tree.FileInfo] = {}
        problems: list[Problem] = []
        for done in _run(_Context(settings, now, standby, key), tasks, workers):
            problems.extend(done.problems)
            if done.item is not None:
                items[done.item.id] = done.item
                new.update(done.written)
        if problems:
            raise AdvisoryError(problems)
        if parse:
            known = [
                e.known if e.known is not None else _Known(items[e.id], settings.advisories_dir)
                for e in entries
            ]
            crossed = workspace.cross_check(settings, known)
            if crossed:
                raise AdvisoryError(crossed)

        target: dict[str, tree.FileInfo] = {}
        for item in items.values():
            for rel in item.files:
                target[rel] = new[rel] if rel in new else state.files[rel]
        shared_key = self._shared_key(items)
        if state.shared_key == shared_key and good.issuperset(SHARED_FILES):
            target.update({rel: state.files[rel] for rel in SHARED_FILES})
        else:
            rows = [item.row for item in items.values() if item.row is not None]
            for rel, data in _shared_files(settings, rows, key).items():
                target[rel] = new[rel] = tree.write_new(standby, rel, data)
        self._fill_standby(standby, target, new, good, in_standby)

        written = tuple(
            sorted(
                rel
                for rel, info in target.items()
                if rel not in good or state.files[rel].digest != info.digest
            )
        )
        removed = tuple(sorted(present.keys() - target.keys()))
        unchanged = tuple(sorted(target.keys() - set(written)))
        if written or removed or not self.site.is_dir():
            os.chmod(standby, tree.DIR_MODE)
            if self.site.is_dir():
                tree.exchange(standby, self.site)
                state.standby = {rel: state.files[rel] for rel in good}
            else:
                os.rename(standby, self.site)
                state.standby = {}
            state.files = target
            self.say(
                f"swapped in the new {self.site.name}/: "
                f"{len(written)} written, {len(removed)} removed"
            )
        else:  # the same bytes as the live site: keep it, remember what the standby holds
            state.standby = dict(target)
            state.files = {rel: state.files[rel] for rel in target}
        state.items = items
        if sources is not None:
            state.sources = {
                f"{e.id}.md": (sources[f"{e.id}.md"], e.id)
                for e in entries
                if e.id in items and f"{e.id}.md" in sources
            }
        else:  # advisories given by the caller: trust no file signature next time
            state.sources = {}
        state.shared_key, state.global_key = shared_key, key
        state.next_change = self._next_change(items)
        _save_state(self.state_dir / STATE, state)
        return self._report(written, unchanged, removed)

    def _shared_key(self, items: dict[str, Item]) -> str:
        h = hashlib.blake2b(self.global_key.encode(), digest_size=16)
        for ident in sorted(items):
            if items[ident].key is not None:
                h.update(f"\0{ident}\0{items[ident].key}".encode())
        return h.hexdigest()

    def _next_change(self, items: dict[str, Item]) -> float | None:
        """The first instant after now at which an advisory's visibility changes."""
        now = self.now.timestamp()
        upcoming = [
            moment
            for item in items.values()
            for moment in (item.released, item.disclosed_at)
            if moment is not None and moment > now
        ]
        return min(upcoming, default=None)

    def _clean_standby(self, standby: Path) -> dict[str, tree.FileInfo]:
        """Make the standby hold only files the state vouches for; returns them."""
        if not standby.is_dir() or standby.is_symlink():
            tree.reset_tree(standby)
            return {}
        present = tree.scan(standby)
        trusted = tree.verified(self.state.standby, present)
        for rel in present.keys() - trusted:
            (standby / rel).unlink()
        return {rel: self.state.standby[rel] for rel in trusted}

    def _fill_standby(
        self,
        standby: Path,
        target: dict[str, tree.FileInfo],
        new: dict[str, tree.FileInfo],
        good: set[str],
        in_standby: dict[str, tree.FileInfo],
    ) -> None:
        """Hard links to the live files that are already right, so that an unchanged file
        keeps its inode and mtime (mirrors and rsync see no change)."""
        live_files = self.state.files
        for rel, info in list(target.items()):
            live = live_files[rel] if rel in good else None
            if rel in new:
                if live is None or live.digest != info.digest:
                    continue  # new bytes
            else:
                kept = in_standby.get(rel)
                if kept is not None and kept.digest == info.digest:
                    target[rel] = kept
                    continue
            assert live is not None
            _link(self.site / rel, standby / rel)
            target[rel] = live
        stale = in_standby.keys() - target.keys()
        for rel in stale:
            with contextlib.suppress(FileNotFoundError):
                (standby / rel).unlink()
        if stale:
            tree.remove_empty_dirs(standby)

    def _report(
        self, written: tuple[str, ...], unchanged: tuple[str, ...], removed: tuple[str, ...]
    ) -> PublishReport:
        rows = [item.row for item in self.state.items.values() if item.row is not None]
        unrecorded = sum(1 for row in rows if row.unrecorded)
        warnings: tuple[str, ...] = ()
        if unrecorded:
            warnings = (
                f"{self.settings.config_path.name}: cve.org_id is not set: no CVE records "
                f"written ({unrecorded} disclosed advisories with a CVE id)",
            )
        return PublishReport(
            self.site,
            written,
            unchanged,
            removed,
            len(rows),
            sum(1 for row in rows if row.disclosed),
            warnings,
        )


def _link(source: Path, path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    try:
        os.link(source, path)
    except FileNotFoundError:
        path.parent.mkdir(mode=tree.DIR_MODE, parents=True, exist_ok=True)
        os.link(source, path)

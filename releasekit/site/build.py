"""``releasekit publish``: the security-updates site from the advisories and the date.

:func:`publish` is the core entry point (the lift calls it after recording ``released``);
:func:`publish_workspace` is what the CLI runs: the same, reading the advisory files itself
with a parse cache so that a daily run that changes nothing is quick.

How a build goes:

1. Each advisory's *render key* is a digest of its content, what of it is visible now
   (hidden, released or disclosed) and everything global (settings, templates, this code).
   Pages whose key and files on disk match the manifest are reused as they are.
2. Everything else is rendered (on every core when there is a lot) into the standby tree;
   unchanged files are hard-linked into it from the live site.
3. The standby is swapped with the live site in one atomic rename; nothing changes on disk
   when no output byte would change. See :mod:`releasekit.site.tree`.

Only released advisories produce anything; before the disclosure date their details are
replaced by the placeholder sentence, and no body, CWE, CVE id, credit or record is rendered.
Every timestamp in the output comes from the advisories, never from the build clock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import orjson

from .. import __version__, fsutil, journal, render, timefmt, workspace
from ..advisory import Advisory, read_advisory
from ..config import Settings
from ..errors import AdvisoryError, Problem, PublishError
from . import model, tree
from .model import Visibility

RENDER_VERSION = "1"  # bump when the output for the same input changes
SHARED = "@site"  # the render-key owner of the files that list every advisory
SHARED_FILES = ("index.html", "feed.xml", "atom.xml", "advisories.json", "static/style.css")
PARALLEL_MIN = 64  # below this many pages, forking workers costs more than it saves
MANIFEST = "site-manifest.json"
PARSE_CACHE = "site-parse-cache.pickle"

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


@dataclass(frozen=True)
class _Done:
    id: str
    meta: Advisory | None  # the advisory without its body; None when it did not parse
    fingerprint: str | None
    visibility: Visibility | None
    files: dict[str, tree.FileInfo] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    rendered: bool = False


@dataclass
class _Entry:
    id: str
    source: Advisory | Path
    fingerprint: str | None = None
    meta: Advisory | None = None
    signature: tuple[int, ...] | None = None  # stat of the advisory file (CLI path)


# --- per-process renderer state -----------------------------------------------------------


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


def _key(global_key: str, fingerprint: str, visibility: Visibility) -> str:
    text = f"{global_key}\0{fingerprint}\0{visibility.value}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


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


def _advisory_files(
    settings: Settings, advisory: Advisory, visibility: Visibility, global_key: str
) -> dict[str, bytes]:
    from markupsafe import Markup

    from . import markdown, records

    view = _view(settings, advisory, visibility)
    # to_html escapes every raw tag and drops unsafe links: its output is safe as markup.
    details = Markup(markdown.to_html(advisory.body)) if view["disclosed"] else None  # noqa: S704
    html = render.render(
        _env(settings, global_key),
        "advisory.html.j2",
        advisory=view,
        details_html=details,
        root="../",
        **_site_context(settings),
    )
    files = {f"advisories/{advisory.id}.html": html.encode()}
    if view["disclosed"]:
        files[f"osv/{advisory.id}.json"] = records.dumps(records.osv_record(settings, advisory))
        if view["cve_record"]:
            files[view["cve_record"]] = records.dumps(records.cve_record(settings, advisory))
    return files


def _render_task(ctx: _Context, task: _Task) -> _Done:
    settings = ctx.settings
    if isinstance(task.source, Path):
        shown = workspace.display_path(settings, task.source)
        try:
            advisory = read_advisory(task.source, settings.project.advisory_prefix, shown)
        except AdvisoryError as exc:
            return _Done(task.id, None, None, None, problems=tuple(exc.problems))
    else:
        advisory = task.source
    seen = model.visibility(advisory, ctx.now, settings.project.disclosure_days)
    files: dict[str, tree.FileInfo] = {}
    if seen is not Visibility.HIDDEN:
        for rel, data in _advisory_files(settings, advisory, seen, ctx.global_key).items():
            files[rel] = tree.write_new(ctx.out, rel, data)
    meta = replace(advisory, body="")
    return _Done(advisory.id, meta, model.fingerprint(advisory), seen, files, rendered=True)


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


def _shared_files(
    settings: Settings, shown: Sequence[tuple[Advisory, Visibility]], global_key: str
) -> dict[str, bytes]:
    from . import feeds

    ordered = sorted(shown, key=lambda item: _newest_first(item[0]), reverse=True)
    rows = [_view(settings, advisory, seen) for advisory, seen in ordered]
    context = _site_context(settings)
    html = render.render(
        _env(settings, global_key), "index.html.j2", advisories=rows, root="", **context
    )
    items = [feeds.FeedItem(advisory, seen) for advisory, seen in ordered]
    listing = {
        "format": "releasekit-advisories",
        "version": 1,
        "project": context["project"],
        "advisories": [
            _json_row(settings, advisory, view)
            for (advisory, _), view in zip(ordered, rows, strict=True)
        ],
    }
    style = _static(settings, "static/style.css")
    return {
        "index.html": html.encode(),
        "feed.xml": feeds.rss(settings, items),
        "atom.xml": feeds.atom(settings, items),
        "advisories.json": orjson.dumps(listing, option=orjson.OPT_INDENT_2) + b"\n",
        "static/style.css": style,
    }


def _newest_first(advisory: Advisory) -> tuple[float, int, int]:
    assert advisory.released is not None
    return (advisory.released.timestamp(), advisory.year, advisory.number)


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
    entries = [_Entry(a.id, a, model.fingerprint(a), replace(a, body="")) for a in advisories]
    return _publish(settings, entries, now, progress, jobs, check=True)


def publish_workspace(
    settings: Settings, now: datetime, *, progress: Progress | None = None, jobs: int | None = None
) -> PublishReport:
    """:func:`publish` for every advisory file of the workspace (what the CLI runs)."""
    cache_path = settings.state_dir / PARSE_CACHE
    cache = _load_parse_cache(cache_path, settings)
    entries: list[_Entry] = []
    for path in workspace.advisory_files(settings):
        stat = path.stat()
        signature = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        hit = cache.get(path.name)
        if hit is not None and hit[0] == signature:
            entries.append(_Entry(path.stem, path, hit[1], hit[2], signature))
        else:
            entries.append(_Entry(path.stem, path, signature=signature))
    changed = any(e.meta is None for e in entries) or len(cache) != len(entries)
    report = _publish(settings, entries, now, progress, jobs, check=changed)
    if changed:
        fresh = {
            e.source.name: (e.signature, e.fingerprint, e.meta)
            for e in entries
            if isinstance(e.source, Path) and e.meta is not None
        }
        fsutil.atomic_write(cache_path, pickle.dumps((_cache_tag(settings), fresh)), 0o600)
    return report


def _cache_tag(settings: Settings) -> tuple[str, str, str]:
    return (RENDER_VERSION, __version__, settings.project.advisory_prefix)


def _load_parse_cache(path: Path, settings: Settings) -> dict[str, Any]:
    # The state directory is private and trusted; a cache that does not load is rebuilt.
    try:
        tag, entries = pickle.loads(path.read_bytes())  # noqa: S301
    except Exception:  # any damage means: parse everything again
        return {}
    return entries if tag == _cache_tag(settings) and isinstance(entries, dict) else {}


def _publish(
    settings: Settings,
    entries: list[_Entry],
    now: datetime,
    progress: Progress | None,
    jobs: int | None,
    *,
    check: bool,
) -> PublishReport:
    say = progress or (lambda _message: None)
    site = _site_path(settings)
    state = workspace.state_dir(settings)
    with journal.exclusive(state, "publish"):
        return _build(settings, entries, now, say, jobs, check, site, state)


def _build(
    settings: Settings,
    entries: list[_Entry],
    now: datetime,
    say: Progress,
    jobs: int | None,
    check: bool,
    site: Path,
    state: Path,
) -> PublishReport:
    days = settings.project.disclosure_days
    manifest_path = state / MANIFEST
    manifest = tree.Manifest.load(manifest_path, site)
    global_key = _global_key(settings)
    present = tree.scan(site)
    good = tree.verified(manifest.files, present)

    results: dict[str, _Done] = {}
    tasks: list[_Task] = []
    for entry in entries:
        if entry.meta is None or entry.fingerprint is None:
            tasks.append(_Task(entry.id, entry.source))
            continue
        seen = model.visibility(entry.meta, now, days)
        if seen is Visibility.HIDDEN:
            results[entry.id] = _Done(entry.id, entry.meta, entry.fingerprint, seen)
            continue
        owned = manifest.owners.get(entry.id)
        key = _key(global_key, entry.fingerprint, seen)
        if manifest.keys.get(entry.id) == key and owned is not None and good.issuperset(owned):
            files = {rel: manifest.files[rel] for rel in owned}
            results[entry.id] = _Done(entry.id, entry.meta, entry.fingerprint, seen, files)
        else:
            tasks.append(_Task(entry.id, entry.source))

    if check and not tasks:
        _cross_check(settings, [e.meta for e in entries if e.meta is not None])
    if not tasks:
        quick = _unchanged(settings, manifest, results, present, good, global_key)
        if quick is not None:
            return quick

    standby = tree.standby_path(site, state)
    in_standby = _clean_standby(standby, manifest)
    ctx = _Context(settings, now, standby, global_key)
    workers = _jobs(jobs, len(tasks))
    if tasks:
        say(f"rendering {len(tasks)} advisories" + (f" on {workers} cores" if workers > 1 else ""))
    for done in _run(ctx, tasks, workers):
        results[done.id] = done
    problems = [p for done in results.values() for p in done.problems]
    if problems:
        raise AdvisoryError(problems)
    for entry in entries:
        done = results[entry.id]
        entry.meta, entry.fingerprint = done.meta, done.fingerprint
    if check and tasks:
        _cross_check(settings, [e.meta for e in entries if e.meta is not None])

    shown = [(d.meta, d.visibility) for d in results.values() if d.meta and d.visibility]
    shown = [(m, v) for m, v in shown if v is not Visibility.HIDDEN]
    shared_key = _shared_key(global_key, results)
    target: dict[str, tree.FileInfo] = {}
    written_now: set[str] = set()
    keys: dict[str, str] = {}
    owners: dict[str, list[str]] = {}
    for done in results.values():
        if done.visibility is None or done.visibility is Visibility.HIDDEN:
            continue
        assert done.fingerprint is not None
        keys[done.id] = _key(global_key, done.fingerprint, done.visibility)
        owners[done.id] = sorted(done.files)
        target.update(done.files)
        if done.rendered:
            written_now.update(done.files)
    keys[SHARED] = shared_key
    owners[SHARED] = list(SHARED_FILES)
    if manifest.keys.get(SHARED) == shared_key and good.issuperset(SHARED_FILES):
        target.update({rel: manifest.files[rel] for rel in SHARED_FILES})
    else:
        for rel, data in _shared_files(settings, shown, global_key).items():
            target[rel] = tree.write_new(standby, rel, data)
            written_now.add(rel)

    # Fill the standby: hard links to the live files that are already right, so that an
    # unchanged file keeps its inode and mtime (mirrors and rsync see no change).
    for rel, info in list(target.items()):
        live = manifest.files[rel] if rel in good else None
        if rel in written_now:
            if live is None or live.digest != info.digest:
                continue  # new bytes
        else:
            kept = in_standby.get(rel)
            if kept is not None and kept.digest == info.digest:
                target[rel] = kept
                continue
        assert live is not None
        _link(site / rel, standby / rel)
        target[rel] = live
    stale = in_standby.keys() - target.keys()
    for rel in stale:
        with contextlib.suppress(FileNotFoundError):
            (standby / rel).unlink()
    if stale:
        tree.remove_empty_dirs(standby)

    written = sorted(
        rel
        for rel, info in target.items()
        if rel not in good or manifest.files[rel].digest != info.digest
    )
    removed = sorted(present.keys() - target.keys())
    unchanged = sorted(target.keys() - set(written))
    disclosed = sum(1 for _, seen in shown if seen is Visibility.DISCLOSED)
    if written or removed or not site.is_dir():
        os.chmod(standby, tree.DIR_MODE)
        if site.is_dir():
            tree.exchange(standby, site)
            manifest.standby = {rel: manifest.files[rel] for rel in good}
        else:
            os.rename(standby, site)
            manifest.standby = {}
        manifest.files = target
        say(f"swapped in the new {site.name}/: {len(written)} written, {len(removed)} removed")
    else:
        # Same bytes as the live site: keep it, remember what the standby now holds.
        manifest.standby = {rel: target[rel] for rel in target}
        manifest.files = {rel: manifest.files[rel] for rel in target}
    manifest.keys, manifest.owners = keys, owners
    manifest.save(state / MANIFEST)
    return PublishReport(
        site,
        tuple(written),
        tuple(unchanged),
        tuple(removed),
        len(shown),
        disclosed,
        _warnings(settings, shown),
    )


def _cross_check(settings: Settings, advisories: list[Advisory]) -> None:
    problems = workspace.cross_check(settings, advisories)
    if problems:
        raise AdvisoryError(problems)


def _link(source: Path, path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    try:
        os.link(source, path)
    except FileNotFoundError:
        path.parent.mkdir(mode=tree.DIR_MODE, parents=True, exist_ok=True)
        os.link(source, path)


def _shared_key(global_key: str, results: dict[str, _Done]) -> str:
    h = hashlib.blake2b(global_key.encode(), digest_size=16)
    for ident in sorted(results):
        done = results[ident]
        if done.visibility is not None and done.visibility is not Visibility.HIDDEN:
            h.update(f"\0{ident}\0{done.fingerprint}\0{done.visibility.value}".encode())
    return h.hexdigest()


def _unchanged(
    settings: Settings,
    manifest: tree.Manifest,
    results: dict[str, _Done],
    present: dict[str, os.stat_result],
    good: set[str],
    global_key: str,
) -> PublishReport | None:
    """The report of a run that has nothing to do, or None if something must be built."""
    if manifest.keys.get(SHARED) != _shared_key(global_key, results):
        return None
    expected = set(SHARED_FILES)
    for done in results.values():
        expected.update(done.files)
    if expected != good or present.keys() != expected:
        return None
    shown = [(d.meta, d.visibility) for d in results.values() if d.files and d.meta]
    disclosed = sum(1 for _, seen in shown if seen is Visibility.DISCLOSED)
    pairs = [(m, v) for m, v in shown if v is not None]
    return PublishReport(
        _site_path(settings),
        (),
        tuple(sorted(expected)),
        (),
        len(shown),
        disclosed,
        _warnings(settings, pairs),
    )


def _clean_standby(standby: Path, manifest: tree.Manifest) -> dict[str, tree.FileInfo]:
    """Make the standby hold only files the manifest vouches for; returns them."""
    if not standby.is_dir() or standby.is_symlink():
        tree.reset_tree(standby)
        return {}
    present = tree.scan(standby)
    trusted = tree.verified(manifest.standby, present)
    for rel in present.keys() - trusted:
        (standby / rel).unlink()
    return {rel: manifest.standby[rel] for rel in trusted}


def _warnings(settings: Settings, shown: Iterable[tuple[Advisory, Visibility]]) -> tuple[str, ...]:
    if settings.cve.org_id:
        return ()
    missing = sorted(
        advisory.id
        for advisory, seen in shown
        if seen is Visibility.DISCLOSED and advisory.cve is not None
    )
    if not missing:
        return ()
    return (
        f"{settings.config_path.name}: cve.org_id is not set: no CVE records written "
        f"({len(missing)} disclosed advisories with a CVE id)",
    )

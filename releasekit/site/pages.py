"""Rendering one advisory: its page, its records and its row of the listing files.

Runs in the build's process or in a render worker (see workers); what it needs is made once
per process (:func:`renderer`), before the workers fork.

Rendering is done in steps (:data:`Steps`): a generator that yields between one kind of work
and the next (the view, the details, the page, each record, the files, the row) and returns
what it made. The workers take a chunk of advisories through each step in turn (see
workers.in_step), so that one kind of work runs many times over while its code and data are
still in the processor's caches: 10,000 advisories took a quarter less CPU than one by one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
from markupsafe import Markup

from releasekit import records
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public, public_fields
from releasekit.model.versions import release_key
from releasekit.site import csaf, keys, listing, mdcache, tree, views
from releasekit.site.state import Item, stamp
from releasekit.support import fsutil, render, timefmt
from releasekit.support.errors import PublishError

T = TypeVar("T")
Steps = Generator[None, None, T]  # work in steps: yields between them, returns what it made

ROW_TEMPLATES = ("_row.html.j2",)  # what renders a row (its other parts are made here)
TEMPLATES = (
    "advisory.html.j2",
    "_row.html.j2",
    "index.html.j2",
    "version.html.j2",
    "versions.html.j2",
    "credits.html.j2",
)


@dataclass(frozen=True)
class Context:
    """What a renderer needs (picklable: it goes to the worker processes)."""

    settings: Settings
    now: datetime
    out: Path  # the standby tree being filled
    global_key: str
    shown: Path | None = None  # advisories/ as messages show it
    markdown: Path | None = None  # the details kept from earlier builds (None: not used)
    live: tree.Live | None = None  # the live site's files that are as the state says
    signing: csaf.Signing | None = None  # the key that signs the CSAF documents (None: none)
    shared_cves: frozenset[str] = frozenset()  # their records are the build's (sharing)
    records_key: str = ""  # what the records are made of besides the advisory (keys)
    rows_key: str = ""  # what the rows are made of besides the advisory (ROW_TEMPLATES)


# An advisory's records and row, as the last build made them, are kept when its page is
# rendered again for a reason that does not change them (a template, the Markdown renderer):
# see plan. Each has its own render key.


class Records(NamedTuple):
    """An advisory's records (OSV, CVE, CSAF)."""

    key: str  # their render key (keys.records_key)
    files: tuple[str, ...]  # in the live site, linked into the standby by the build
    csaf: tuple[str, ...] | None  # the CSAF document's entry (a csaf.Entry)


class KeptRow(NamedTuple):
    """An advisory's row (its listing entries and version rows, in the listing store) and
    what its item says of it."""

    key: str  # its render key (rows_key)
    digest: str
    facets: tuple[str, ...]
    ranges: tuple[Any, ...]
    named: tuple[str, ...]
    vdigest: str | None
    credits: tuple[tuple[str, str], ...]


class Again(NamedTuple):
    """An advisory whose page alone is made again (see render_page)."""

    item: Item  # what the last build made of it
    key: str  # its page's render key now
    source: tuple[int, ...]  # its file when the build began (fsutil.stat_key)


class Renderer:
    """What rendering needs, made once per process and set of templates."""

    def __init__(self, settings: Settings, global_key: str) -> None:
        self.key = (settings.templates_dir, global_key)
        env = render.environment(settings.templates_dir)
        env.auto_reload = False  # the global key changes when any template does
        # Compiled templates are kept (by name and source checksum) in the private state
        # directory: the next run that renders anything need not compile them again.
        cache = settings.state_dir / "template-cache"
        if cache.is_symlink() or (cache.exists() and not cache.is_dir()):
            fsutil.clear(cache)  # a cache: whatever stands in its place is made again
        fsutil.private_dir(cache)
        env.bytecode_cache = render.bytecode_cache(cache)
        self.env = env
        self.templates = {name: _compiled(env, name) for name in TEMPLATES}
        self._parsed: dict[str, tuple[str, Any]] = {}  # name -> (source, what _parse gave)
        self.context = views.site_context(settings)
        self.line_parts = settings.releases.line_parts  # how versions are grouped in lines
        self.page_context = {**self.context, "root": "../"}
        self.row_context = {**self.context, "root": ""}
        records.warm()

    def closure(self, names: Sequence[str]) -> str:
        """A digest of the templates ``names`` and of every template they extend, include
        or import, as this renderer loads them (the global key when a name is computed: which
        templates it takes is known only when rendering, or one does not parse). A template
        that is not there counts as missing, not as an error: an include may ignore it."""
        h = hashlib.blake2b(digest_size=16)
        for name, found in self._closure(names):
            if found is None:
                h.update(f"missing:{name}\0".encode("utf-8", "surrogatepass"))
                continue
            if found is _UNKNOWN:
                return self.key[1]
            source = found[0]
            h.update(f"{name}\0{len(source)}\0{source}\0".encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def verbatim(self, name: str, variable: str) -> bool:
        """Whether ``variable`` shows in what template ``name`` renders only as it is: every
        use of it, there and in every template that one extends, includes or imports, is a
        bare ``{{ variable }}`` (no filter, test or assignment; not in a macro, a call, a
        filter block or a block set). Then rendering with a stand-in for its value and
        putting the value where the stand-in shows gives the same bytes: a value of many
        megabytes is put in as bytes, never decoded into the page's text and encoded again.
        """
        if self.env.finalize is not None:  # (it would see each value shown)
            return False
        for _name, found in self._closure([name]):
            if found is _UNKNOWN or (
                found is not None and not (_plain(found[1]) and _bare(found[1], variable, True))
            ):
                return False
        return True

    def _closure(self, names: Sequence[str]) -> Any:
        """(name, (source, parsed)) for ``names`` and each template they reference, in turn;
        (name, None) for one that is not there; (name, _UNKNOWN) and nothing more when a
        name is computed or a template does not parse."""
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen.add(name)
            found = self._parse(name)
            yield name, found
            if found is _UNKNOWN:
                return
            if found is not None:
                todo.extend(found[2])

    def _parse(self, name: str) -> Any:
        """(source, parsed, referenced names) of template ``name`` as it is now (parsed once
        per source); None when it is not there, _UNKNOWN when it does not parse or names a
        template by a computed name."""
        from jinja2 import TemplateNotFound, TemplateSyntaxError, meta

        loader = self.env.loader
        assert loader is not None  # (render.environment gives one)
        try:
            source, _filename, _uptodate = loader.get_source(self.env, name)
        except TemplateNotFound:
            return None
        known = self._parsed.get(name)
        if known is not None and known[0] == source:
            return known[1]
        found: Any
        try:
            parsed = self.env.parse(source)
            referenced = list(meta.find_referenced_templates(parsed))
            found = _UNKNOWN if None in referenced else (source, parsed, referenced)
        except TemplateSyntaxError:  # (said when it renders, if it does)
            found = _UNKNOWN
        self._parsed[name] = (source, found)
        return found

    def render(self, name: str, **context: Any) -> str:
        return _rendered(self.templates[name], name, context)


_UNKNOWN: Any = object()  # (see Renderer._closure)


def _plain(template: Any) -> bool:
    """Whether no output of ``template`` can be taken and changed before it reaches the page:
    no filter block, block set, macro, call or import (whose output, or a block or an
    include inside it, could be), no ``self``, ``super()`` or ``caller()`` (a block's
    output as a value), no recursive loop (``loop()``, the same). Blocks and includes then go
    to the page as they render, in whichever template of the closure they are."""
    from jinja2 import nodes

    captures = (
        nodes.FilterBlock,
        nodes.AssignBlock,
        nodes.Macro,
        nodes.CallBlock,
        nodes.Import,
        nodes.FromImport,
    )
    if any(True for _ in template.find_all(captures)):
        return False
    if any(loop.recursive for loop in template.find_all(nodes.For)):
        return False
    values = {"self", "super", "caller"}  # (loop() needs a recursive loop)
    return not any(name.name in values for name in template.find_all(nodes.Name))


def _bare(node: Any, variable: str, shown: bool) -> bool:
    """Whether ``variable`` is used under ``node`` only as a bare ``{{ variable }}`` whose
    output goes to the page as it is (``shown``: so far, it would)."""
    from jinja2 import nodes

    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Name) and child.name == variable:
            if not (shown and isinstance(node, nodes.Output) and child.ctx == "load"):
                return False
        elif not _bare(child, variable, shown and isinstance(child, _shown_nodes())):
            return False
    return True


@cache
def _shown_nodes() -> tuple[type, ...]:
    """What the output of a node under them goes through to the page unchanged."""
    from jinja2 import nodes

    return (
        nodes.Template,
        nodes.Extends,
        nodes.Block,
        nodes.Output,
        nodes.If,
        nodes.For,
        nodes.With,
        nodes.Scope,
        nodes.EvalContextModifier,
        nodes.ScopedEvalContextModifier,
    )


_RENDERER: list[Renderer] = []


def renderer_for(settings: Settings, global_key: str) -> Renderer:
    """The process's renderer, built on first use (and before the workers fork)."""
    key = (settings.templates_dir, global_key)
    if not _RENDERER or _RENDERER[0].key != key:
        _RENDERER[:] = [Renderer(settings, global_key)]
    return _RENDERER[0]


def _compiled(env: Any, name: str) -> Any:
    with render.template_errors(name):  # a broken (overriding) template: a TemplateError
        return env.get_template(name)


def _rendered(template: Any, name: str, context: dict[str, Any]) -> str:
    with render.template_errors(name):
        text: str = template.render(context)
        return text


def render_advisory(
    ctx: Context,
    advisory: Advisory,
    kept: Records | None = None,
    kept_row: KeptRow | None = None,
) -> Steps[tuple[Item, listing.Row | None, dict[str, tree.FileInfo]]]:
    """Render an advisory's page, records and row; write the files into the standby (in
    steps: see :data:`Steps`).

    ``kept``, ``kept_row``: the last build's records and row, used as they are when made of
    what they would be made of now (the records' files are taken from the live site as they
    are; no Row is returned: the build has it in its store).
    """
    settings = ctx.settings
    days = settings.project.disclosure_days
    seen = lifecycle.stage(advisory, ctx.now, days)
    fingerprint = keys.fingerprint(advisory)
    written: dict[str, tree.FileInfo] = {}
    row = None
    key = rkey = lkey = row_digest = None
    disclosed = unrecorded = False
    entry: csaf.Entry | None = None
    facets: tuple[str, ...] = ()
    ranges: tuple[Any, ...] = ()
    named: tuple[str, ...] = ()
    vdigest = None
    credits: tuple[tuple[str, str], ...] = ()
    changed = None
    shown = public_fields(settings, advisory, seen)
    if shown is not None:
        changed = views.feed_updated(shown).timestamp()
        key = keys.render_key(ctx.global_key, fingerprint, seen)
        renderer = renderer_for(settings, ctx.global_key)
        view = views.page_view(settings, shown)
        # A template may change the dict it is given: the page's gets a copy, the row's (the
        # last to use it) the view itself, and the view is kept (see render_page) as made.
        as_made = mdcache.dumps(view)
        disclosed = shown.disclosed
        html = sealed = None
        yield
        if shown.details is not None:
            html, sealed = mdcache.details(ctx.markdown, shown.id, shown.details)
            yield
        files = {view["page"]: _page(renderer, mdcache.loads(as_made), html)}
        yield
        if disclosed:
            rkey = keys.render_key(ctx.records_key, fingerprint, seen)
            if sealed is not None:  # (details shown, and kept in the store)
                mdcache.keep_view(ctx.markdown, shown.id, rkey, as_made, sealed)
            if kept is not None and kept.key == rkey and ctx.live is not None:
                for rel in kept.files:  # (the plan made sure the live site has them)
                    written[rel] = tree.keep(ctx.out, rel, ctx.live)
                entry = None if kept.csaf is None else csaf.Entry(*kept.csaf)
            else:
                made, entry = yield from _records(ctx, advisory, shown, view)
                files.update(made)
                yield
        for rel, data in files.items():
            written[rel] = tree.place(ctx.out, rel, data, ctx.live)
        yield
        unrecorded = bool(disclosed and shown.cve and not view["cve_record"])
        lkey = keys.render_key(ctx.rows_key, fingerprint, seen)
        if kept_row is not None and kept_row.key == lkey:
            _key, row_digest, facets, ranges, named, vdigest, credits = kept_row
        else:
            ranges, named, fragments = _version_rows(settings, shown, view)
            vdigest = _versions_digest(ranges, named, fragments)
            if disclosed:
                credits = tuple((c.name, c.type) for c in shown.credits)
            yield
            shown_row = renderer.render("_row.html.j2", a=view, **renderer.row_context)
            yield
            row = listing.Row(
                (shown.released.timestamp(), shown.year, shown.number),
                shown_row,
                orjson.dumps(views.json_row(settings, shown)),
                tuple(views.feed_row(shown)),
                fragments,
            )
            row_digest = row.digest()
            facets = views.facets(shown)
    item = Item(
        advisory.id,
        advisory.year,
        advisory.number,
        advisory.cve,
        advisory.component,
        fingerprint,
        stamp(advisory.released),
        stamp(advisory.disclosed_at(days)),
        key,
        rkey,
        lkey,
        tuple(sorted(written)),
        row_digest,
        disclosed,
        unrecorded,
        None if entry is None else tuple(entry),
        facets,
        ranges,
        named,
        vdigest,
        credits,
        changed,
    )
    return item, row, written


def render_page(
    ctx: Context, again: Again, kept: Records, source: Path
) -> Steps[tuple[Item, dict[str, tree.FileInfo]] | None]:
    """What :func:`render_advisory` makes of a disclosed advisory whose content, stage,
    records and row are as the last build made them (only the page's templates changed): the
    page rendered from the view and details kept then (mdcache: the records key names what
    the view is made of besides the advisory), its records kept, its item with the page's
    new key; without reading the advisory's file ``source``, unless it changed since the
    build began. None when they are not kept or it changed: render_advisory then (which
    reads the file as it is now, as for any other). In steps (see :data:`Steps`)."""
    if ctx.live is None:
        return None
    try:
        if fsutil.stat_key(source.stat()) != again.source:
            return None
    except OSError:
        return None
    found = mdcache.page(ctx.markdown, again.item.id, kept.key)
    if found is None:
        return None
    view, html = found
    # The time zone's rules (tzdata) are in no key: its instant as they say now, as a full
    # build would show it.
    released = datetime.fromisoformat(view["released"])
    view["release_instant"] = timefmt.instant(released, ctx.settings.zone)
    rel = view["page"]  # (before the template sees the view)
    yield
    page = _page(renderer_for(ctx.settings, ctx.global_key), view, html)
    yield
    written = {rel: tree.keep(ctx.out, rel, ctx.live) for rel in kept.files}
    written[rel] = tree.place(ctx.out, rel, page, ctx.live)
    return again.item._replace(key=again.key, files=tuple(sorted(written))), written


def _page(renderer: Renderer, view: dict[str, Any], html: str | None) -> bytes:
    """The advisory's page, from its view and its details (None: not shown yet)."""
    # markdown.to_html escapes every raw tag and drops unsafe links: safe markup.
    details = None if html is None else Markup(html)  # noqa: S704
    page = renderer.render(
        "advisory.html.j2", advisory=view, details_html=details, **renderer.page_context
    )
    return page.encode()


def _records(
    ctx: Context, advisory: Advisory, shown: Public, view: dict[str, Any]
) -> Steps[tuple[dict[str, bytes], csaf.Entry]]:
    """A disclosed advisory's OSV record, CVE record (unless the build makes it: a shared
    id) and CSAF document with its hash and signature: path in the site -> bytes."""
    settings = ctx.settings
    files = {view["osv"]: records.dumps(records.osv_record(settings, advisory, shown))}
    yield
    if view["cve_record"] and shown.cve not in ctx.shared_cves:
        cve = records.cve_record(settings, advisory, shown=shown)
        files[view["cve_record"]] = records.dumps(cve)
        yield
    documents, entry = csaf.document_files(settings, advisory, ctx.signing, ctx.live, shown)
    files.update(documents)
    return files, entry


def _version_rows(
    settings: Settings, shown: Public, view: dict[str, Any]
) -> tuple[tuple[Any, ...], tuple[str, ...], tuple[str, ...]]:
    """The advisory's affected ranges (as the state keeps them), the versions they name (each
    gets a page) and its row of a version page for each range (see aggregate)."""
    found = shown.versions.ranges()
    ranges = tuple(
        (
            release_key(r.first),
            None if r.below is None else release_key(r.below),
            r.upgrade,
            r.upgrade_line,
        )
        for r in found
    )
    fragments = views.version_rows(view, [views.range_view(settings, r) for r in found])
    named = tuple(v for v in shown.versions.named() if views.PAGE_VERSION.fullmatch(v))
    return ranges, named, fragments


def _versions_digest(ranges: tuple[Any, ...], named: tuple[str, ...], rows: tuple[str, ...]) -> str:
    """What identifies the advisory's part of the version pages."""
    return listing.parts_digest((ranges, named, [len(row) for row in rows]), rows)


def static(settings: Settings, rel: str) -> bytes:
    """A file of the templates (the workspace's over the built-in one), as it is."""
    for root in (settings.templates_dir, render.builtin_templates_dir()):
        path = root / rel
        if path.is_file():
            return path.read_bytes()
    raise PublishError(f"templates/{rel}: not found")  # pragma: no cover - shipped

"""The pages made of many advisories besides the index: a page per version ("am I
affected?"), their index and ``versions.json``, and the credits page (hall of fame).

Each is made from what the build state keeps of every advisory (its Item: affected ranges,
the versions they name, its credits) and, for the version pages, the rows each advisory
rendered for them (its Row). Only what is public at the build's stage is there: a hidden
advisory has no ranges, no rows and no credits, and credits count once disclosed.

Incremental: a version page is made again only when an advisory whose ranges include that
version changed (its ranges, the versions it names or its rows), or when anything global
did; every other file of these stays as it is on the live site.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from markupsafe import Markup

from releasekit import records
from releasekit.model.checks import line_key
from releasekit.model.versions import EVERY, contains, in_line, release_key
from releasekit.site.pages import Renderer
from releasekit.site.state import Item

TEMPLATES = ("version.html.j2", "versions.html.j2", "credits.html.j2")  # what renders these
VERSIONS_INDEX = "versions/index.html"
VERSIONS_JSON = "versions.json"
CREDITS = "credits.html"


def version_path(version: str) -> str:
    """The page of ``version``, relative to the site."""
    return f"versions/{version}.html"


def _versions_of(item: Item) -> tuple[Any, ...]:
    # (vdigest covers the ranges and the versions they name; released: the order)
    return (item.vdigest, item.released)


def _changed(
    old: Mapping[str, Item], new: Mapping[str, Item], part: Any
) -> list[tuple[Item | None, Item | None]]:
    """The advisories whose ``part`` differs between the last build and this one."""
    found: list[tuple[Item | None, Item | None]] = []
    for ident, item in new.items():
        before = old.get(ident)
        if before is not item and (before is None or part(before) != part(item)):
            found.append((before, item))
    found.extend((old[ident], None) for ident in old.keys() - new.keys())
    return found


def _all_versions(items: Iterable[Item]) -> list[str]:
    """Every version that an advisory's ranges name, oldest first."""
    names: set[str] = set()
    for item in items:
        if item.named:
            names.update(item.named)
    return sorted(names, key=lambda v: (release_key(v), v))


Hits = list[tuple[str, int]]  # (advisory id, the position of its range that includes it)
_EVERY = release_key(EVERY)


def _everywhere(first: Iterable[int], below: Any) -> bool:
    """Whether a range is "every release": an advisory with no affected version recorded."""
    return below is None and tuple(first) == _EVERY


def unrecorded(items: Mapping[str, Item]) -> list[str]:
    """The advisories that record no affected version (every release is affected), newest
    first. The version pages name them once, not in each page's list: 464 of the 1,225
    RustSec advisories would fill each of its 1,274 pages (and 259 MB) with the same rows."""
    found = [i for i, item in items.items() if any(_everywhere(r[0], r[1]) for r in item.ranges)]
    return sorted(found, key=lambda i: _newest(items, i), reverse=True)


def _newest(items: Mapping[str, Item], ident: str) -> tuple[Any, ...]:
    item = items[ident]
    return (item.released or 0.0, item.year, item.number, ident)


def affecting(items: Mapping[str, Item], versions: list[str]) -> dict[str, Hits]:
    """For each of ``versions`` (oldest first), the advisories whose ranges include it,
    newest first (as the index lists them), each once, with the range that includes it."""
    keys = [release_key(v) for v in versions]
    found: list[Hits] = [[] for _ in versions]
    # Newest first, each advisory's ranges in turn: every version's list comes out in order,
    # an advisory's hits side by side (two ranges that include a version: the first counts).
    # Its (id, range) pairs are shared by all the versions they include: 10,000 advisories
    # that each include 42 versions are 420,000 list slots, not as many tuples to sort.
    newest = sorted(items, key=lambda i: _newest(items, i), reverse=True)
    for ident in newest:
        for position, (first, below, *_rest) in enumerate(items[ident].ranges):
            if _everywhere(first, below):
                continue  # (named once on each page: unrecorded)
            hit = (ident, position)
            at = bisect_left(keys, tuple(first))
            end = len(keys) if below is None else bisect_left(keys, tuple(below), at)
            for hits in found[at:end]:  # (the versions of [first, below): keys are sorted)
                if not hits or hits[-1][0] != ident:
                    hits.append(hit)
    return dict(zip(versions, found, strict=True))


def _touched(changed: list[tuple[Item | None, Item | None]], versions: list[str]) -> set[str]:
    """The versions whose pages a change of ``changed`` may alter."""
    touched: set[str] = set()
    keys = [(release_key(v), v) for v in versions]
    for pair in changed:
        for item in pair:
            if item is None:
                continue
            touched.update(item.named)
            for first, below, *_rest in item.ranges:
                low, high = tuple(first), None if below is None else tuple(below)
                touched.update(v for k, v in keys if contains(low, high, k))
    return touched


def make(
    renderer: Renderer,
    old: Mapping[str, Item],
    new: Mapping[str, Item],
    good: set[str],
    live: Iterable[str],
    full: bool,
    parts: Any,
    put: Callable[[str, bytes], None],
) -> list[str]:
    """The version pages, their index, versions.json and the credits page of this build.

    ``old``/``new``: the items of the last build and of this one; ``good``: the live files
    that are as the state says; ``live``: every file of the last build; ``full``: anything
    global changed (everything is made again). ``parts(ids)`` gives the version rows of
    ``ids`` (their Rows' ``versions``).
    Each file made goes to ``put(rel, data)`` at once (a big site's version pages are many
    megabytes: not held together); returns the live files that stay as they are.
    """
    keep: list[str] = []
    listed = sorted(rel for rel in live if rel.startswith("versions/") or rel == VERSIONS_JSON)
    changed = [] if full else _changed(old, new, _versions_of)
    damaged = any(rel not in good for rel in listed) or not listed
    if not full and not changed and not damaged:
        keep.extend(listed)
    else:
        versions = _all_versions(new.values())
        which = affecting(new, versions)
        every = unrecorded(new)
        touched = set(versions) if full or damaged else _touched(changed, versions)
        wanted = {i for v in touched for i, _ in which.get(v, ())}
        got = parts(wanted)
        for version in versions:
            rel = version_path(version)
            if version in touched or rel not in good:
                if version not in touched:
                    got.update(parts({i for i, _ in which[version]} - got.keys()))
                put(rel, _version_page(renderer, version, which[version], got, len(every)))
            else:
                keep.append(rel)
        put(VERSIONS_INDEX, _versions_index(renderer, versions, which, every))
        put(VERSIONS_JSON, _versions_json(renderer, versions, which, new, every))
    credited = [] if full else _changed(old, new, lambda i: (i.credits, i.disclosed_at))
    if full or credited or CREDITS not in good:
        put(CREDITS, _credits_page(renderer, new))
    else:
        keep.append(CREDITS)
    return keep


def _version_page(
    renderer: Renderer,
    version: str,
    hits: Hits,
    rows: Mapping[str, tuple[str, ...]],
    unrecorded: int,
) -> bytes:
    pieces: list[str] = []
    add = pieces.append
    for ident, at in hits:
        parted = rows[ident]  # its head, then each range's part (see views.version_rows)
        add(parted[0])
        add(parted[at + 1])
    table = Markup("".join(pieces))  # noqa: S704 - escaped
    return renderer.render(
        "version.html.j2",
        version=version,
        line=line_key(version, renderer.line_parts),
        rows=table,
        count=len(hits),
        unrecorded=unrecorded,
        **renderer.page_context,
    ).encode()


def _versions_index(
    renderer: Renderer, versions: list[str], which: Mapping[str, Hits], every: list[str]
) -> bytes:
    lines: dict[str, list[dict[str, Any]]] = {}
    for version in reversed(versions):  # newest first
        lines.setdefault(line_key(version, renderer.line_parts), []).append(
            {
                "version": version,
                "page": version_path(version)[len("versions/") :],
                "count": len(which[version]),
            }
        )
    groups = [{"line": line, "versions": entries} for line, entries in lines.items()]
    return renderer.render(
        "versions.html.j2",
        lines=groups,
        count=len(versions),
        unrecorded=every,
        **renderer.page_context,
    ).encode()


def _versions_json(
    renderer: Renderer,
    versions: list[str],
    which: Mapping[str, Hits],
    items: Mapping[str, Item],
    every: list[str],
) -> bytes:
    """versions.json: made a version at a time (each entry's objects dropped once dumped);
    ``unrecorded``: the advisories that affect every version (named once, not per version)."""
    base = renderer.context["project"]["site_url"]
    head = orjson.dumps(
        {
            "format": "releasekit-versions",
            "version": 1,
            "project": renderer.context["project"],
            "unrecorded": every,
        }
    )
    parts = [head[:-1], b',"versions":[']  # (joined once at the end: no copy of copies)
    for version in reversed(versions):
        url = f"{base}/{version_path(version)}"
        start = orjson.dumps({"version": version, "url": url})
        listed = _advisories_json(version, which[version], items)
        parts += (start[:-1], b',"advisories":', listed, b"},")
    if versions:
        parts[-1] = b"}"  # (no comma after the last entry)
    parts.append(b"]}\n")
    return b"".join(parts)


def _advisories_json(version: str, hits: Hits, items: Mapping[str, Item]) -> bytes:
    """The list of the advisories of ``version`` in versions.json."""
    own: dict[str | None, bool] = {}  # whether a range's line holds the version, by line
    advisories = []
    for ident, at in hits:
        _first, _below, upgrade, line = items[ident].ranges[at]
        supported = own.get(line)
        if supported is None:  # (line 7 holds 7.2.3)
            supported = own[line] = line is not None and in_line(version, line)
        advisories.append(
            {"id": ident, "upgrade": upgrade, "upgrade_line": line, "line_supported": supported}
        )
    return orjson.dumps(advisories)


def _credits_page(renderer: Renderer, items: Mapping[str, Item]) -> bytes:
    """The hall of fame: per year of disclosure (newest first), each credited name with the
    advisories it is credited on (each once, with its credit types)."""
    years: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
    for ident, item in items.items():
        if not item.disclosed or not item.credits or item.disclosed_at is None:
            continue
        year = datetime.fromtimestamp(item.disclosed_at, UTC).year
        kinds: dict[str, list[str]] = {}
        for name, kind in item.credits:
            names = kinds.setdefault(name, [])
            if kind not in names:
                names.append(kind)
        people = years.setdefault(year, {})
        for name, types in kinds.items():
            order = (item.year, item.number)
            people.setdefault(name, []).append((order, ident, ", ".join(types)))
    shown = []
    for year in sorted(years, reverse=True):
        people = years[year]
        entries = []
        for name in sorted(people, key=lambda n: (n.casefold(), n)):
            credited = sorted(people[name])
            entries.append(
                {
                    "name": name,
                    "advisories": [
                        {"id": i, "page": records.page_path(i), "types": t} for _o, i, t in credited
                    ],
                }
            )
        shown.append({"year": year, "people": entries})
    return renderer.render("credits.html.j2", years=shown, **renderer.row_context).encode()

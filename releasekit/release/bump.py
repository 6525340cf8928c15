"""The release commit: on top of a released line's fixes, one commit that moves every bump
file (``[[releases.bump]]``) from the current version to the next and inserts a changelog
entry (``[releases.changelog]``) after the marker line; the signed tag points at it.

It is built in memory like the fixes (no working tree) and changes only those files. Its
message (``release-commit.txt.j2``) and the changelog entry (``changelog-entry.txt.j2``)
take their advisory fields from :func:`releasekit.model.public.public_fields` at the
released stage: what the announcement may say, never the details. The entry is written in
the changelog's markup (:func:`changelog_markup`): reStructuredText in a ``.rst`` file,
Markdown in any other.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from packaging.version import Version

from releasekit.adapters.git import Entry, Person, ProductRepo
from releasekit.model import public
from releasekit.model.advisory import Advisory
from releasekit.model.checks import VERSION_NUMBERS
from releasekit.model.config import Settings
from releasekit.release.lines import next_patch
from releasekit.release.plan import PlanLine, ReleaseCommit
from releasekit.support import render

# What may touch a version on either side without being part of it.
_BEFORE = rb"(?<![0-9A-Za-z.])"
_AFTER = rb"(?!\.?[0-9A-Za-z]|\+)"
_NEWLINE = rb"\r?\n"  # a line break of a format of several lines: the file's, LF or CRLF
_MARKER = rb"\+?"  # CPython's "3.12.12+" between releases: 3.12.12 and what came after it


def changelog_markup(path: str) -> str:
    """The markup of the changelog at ``path``, by its suffix: ``rst`` for reStructuredText
    (CHANGES.rst), ``markdown`` for any other (CHANGELOG.md, NEWS)."""
    return "rst" if PurePosixPath(path).suffix.lower() == ".rst" else "markdown"


def makes_release_commit(settings: Settings) -> bool:
    """Whether releases end in a release commit: only when it has something to change."""
    return bool(settings.releases.bump) or settings.releases.changelog is not None


def written(form: str, version: str, released: datetime | None = None) -> str:
    """``form`` with ``version`` in its place: ``{version}`` is the version, ``{major}``,
    ``{minor}`` and ``{micro}`` its numbers (0 when it has fewer: 16.2's micro is 0; a width
    zero-pads one: ``{minor:02}``), and ``{date}`` the release in its strftime format, in
    UTC (``<date>`` without one: any date of a file that says the current version)."""
    when = _ReleaseDate(released) if released is not None else _AnyDate()
    return form.format(**_fields(version), date=when)


class _ReleaseDate:
    """The release instant as a format writes it: its day in ISO 8601 without a strftime
    format; with one, the instant, so that a time of day is the release's (Go's VERSION
    says ``time 2026-10-02T20:28:03Z``), not midnight."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant.astimezone(UTC)

    def __format__(self, spec: str) -> str:
        return self.instant.strftime(spec) if spec else self.instant.date().isoformat()


class _AnyDate:
    """The date of a release that is not this one, as messages show it."""

    def __format__(self, spec: str) -> str:
        return "<date>"


def occurrences(data: bytes, form: str, version: str) -> int:
    """How many times ``data`` holds ``version`` written in ``form``."""
    return len(_found(data, form, version))


def bump_text(
    data: bytes,
    form: str,
    current: str,
    new: str,
    into: str | None = None,
    released: datetime | None = None,
) -> tuple[bytes | None, int, int]:
    """``data`` with the one occurrence of ``current`` written in ``form`` (with
    ``{version}``, or its numbers) replaced by ``new`` written so, and the number of its
    line; (None, how many there are, 0) unless there is exactly one. A version is whole:
    ``2.0.5`` is not found in ``2.0.51`` nor in ``2.0.5+local``. ``{version}`` may say
    ``current`` with the post-release marker, as CPython's ``"3.12.12+"`` does between
    releases: ``new`` is written without it. ``into``: write ``new`` in this format
    instead (Django's "alpha" development state, replaced by the "final" release). A
    format may span lines (OpenSSL's ``PATCH={micro}`` and ``PRE_RELEASE_TAG=``): each
    of its line breaks is the file's, LF or CRLF. ``{date}`` is any date in the file (the
    last release's) and ``released`` in the result (OpenSSL's ``RELEASE_DATE``)."""
    found = _found(data, form, current, marked=True)
    if len(found) != 1:
        return None, len(found), 0
    start, end = found[0].span()
    number = data.count(b"\n", 0, start) + 1
    text = written(into or form, new, released).encode()
    if b"\r\n" in data[start:end]:
        text = text.replace(b"\n", b"\r\n")  # a format of several lines, in CRLF lines
    return data[:start] + text + data[end:], 1, number


def overflow(form: str, version: str) -> str | None:
    """Why ``version`` cannot be written in ``form``: a number wider than its zero-padded
    width (7.4.256 in Redis' ``{micro:02x}``, 8.3.100 in PHP's ``{micro:02}``), which would
    shift the numbers packed beside it; None when it fits."""
    values = _fields(version)
    for _, name, spec, _ in string.Formatter().parse(form):
        width = (spec or "").rstrip("xX")
        if name in VERSION_NUMBERS and width.isdigit():
            shown = format(values[name], spec or "")
            if len(shown) > int(width):
                slot = f"{{{name}:{spec}}}"
                return (
                    f"{version} cannot be written in {form!r}: its {name} number, "
                    f"{values[name]}, takes {len(shown)} digits where {slot} has {int(width)}"
                )
    return None


def _fields(version: str) -> dict[str, object]:
    """The values of a format's placeholders: the numbers as numbers, so that a width
    pads them with zeros (PHP's ``{minor:02}``: 8.3.14's PHP_VERSION_ID 80314)."""
    numbers = (*Version(version).release, 0, 0)
    return {"version": version} | {n: numbers[i] for i, n in enumerate(VERSION_NUMBERS)}


def _found(data: bytes, form: str, version: str, marked: bool = False) -> list[re.Match[bytes]]:
    """Where ``data`` holds ``version`` written in ``form``: each placeholder
    (``{version}`` or a number, checked by :func:`checks.bump_format`) its value, the
    text between them as it is (``marked``: ``{version}`` may be followed by the
    post-release marker ``+``). A placeholder at either end is a whole word there, and so
    is a flag, a format with none (Node's ``#define NODE_VERSION_IS_RELEASE 1``)."""
    values = _fields(version)
    parts = list(string.Formatter().parse(form))
    if all(name is None for _, name, _, _ in parts):  # a flag: whole words at either end
        text = "".join(part[0] for part in parts).split("\n")
        flag = _NEWLINE.join(re.escape(piece.encode()) for piece in text)
        return list(re.finditer(rb"(?<![0-9A-Za-z_])" + flag + rb"(?![0-9A-Za-z_])", data))
    pattern = b""
    for index, (literal, name, spec, _) in enumerate(parts):
        pattern += _NEWLINE.join(re.escape(piece.encode()) for piece in literal.split("\n"))
        if name is None:
            continue
        pattern += b"" if index or literal else _BEFORE
        if name == "date":  # the last release's date, as the file wrote it
            pattern += rb"[^\r\n]*" if index == len(parts) - 1 else rb"[^\r\n]*?"
            continue
        pattern += re.escape(format(values[name], spec or "").encode())
        pattern += _MARKER if marked and name == "version" else b""
        pattern += _AFTER if index == len(parts) - 1 else b""
    return list(re.finditer(pattern, data))


def _changed(old: bytes, new: bytes, number: int, text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` (a format written with the next version) that the release
    commit changes in the file, each with its number: every line of a format of one line;
    of a format of several, those it changes (OpenSSL's ``PRE_RELEASE_TAG=``, not
    ``PATCH=16``)."""
    pieces = text.split("\n")
    if len(pieces) == 1:
        return [(number, pieces[0])]
    before, after = old.splitlines(), new.splitlines()
    return [
        (number + index, piece)
        for index, piece in enumerate(pieces)
        if piece
        and before[number - 1 + index : number + index]
        != after[number - 1 + index : number + index]
    ]


def insert_entry(data: bytes, marker: str, entry: str) -> tuple[bytes, int] | None:
    """``data`` with ``entry`` inserted after the first line that is ``marker`` (spaces
    around it aside), in the file's own line ends; and the number of the entry's first line
    in the result. None: no such line."""
    lines = data.splitlines(keepends=True)
    wanted = marker.strip().encode()
    for number, line in enumerate(lines, 1):
        if line.strip() == wanted:
            crlf = line.endswith(b"\r\n")
            text = entry if entry.endswith("\n") else entry + "\n"
            block = text.replace("\n", "\r\n").encode() if crlf else text.encode()
            ending = b"" if line.endswith((b"\n", b"\r")) else (b"\r\n" if crlf else b"\n")
            head = b"".join(lines[:number]) + ending
            return head + block + b"".join(lines[number:]), number + 1
    return None


def release_context(
    settings: Settings,
    line: PlanLine,
    advisories: Sequence[Advisory],
    fixed: Mapping[str, Mapping[str, str]],
    released: datetime,
) -> dict[str, Any]:
    """What the release commit's templates get: the line, the versions, the release date,
    the changelog's markup, and each advisory's fields public at the released stage."""
    items = []
    for advisory in advisories:
        shown = public.as_released(settings, advisory, released, fixed.get(advisory.id, {}))
        items.append({**public.text_fields(shown), "fixed": dict(shown.fixed)})
    changelog = settings.releases.changelog
    return {
        "project": settings.project.name,
        "line": line.name,
        "version": line.next_version,
        "previous": line.latest,
        "tag": line.tag,
        "released": released,
        "date": released.date(),
        "markup": changelog_markup(changelog.path) if changelog is not None else "markdown",
        "advisories": items,
    }


def release_texts(settings: Settings, context: Mapping[str, Any]) -> tuple[str, str | None]:
    """(commit message, changelog entry or None without a changelog), from the templates."""
    env = render.environment(settings.templates_dir)
    message = render.render(env, "release-commit.txt.j2", **context)
    message = message if message.endswith("\n") else message + "\n"
    entry = None
    if settings.releases.changelog is not None:
        entry = render.render(env, "changelog-entry.txt.j2", **context)
    return message, entry


def release_commit(
    settings: Settings,
    repo: ProductRepo,
    parent: str,
    line: PlanLine,
    context: Mapping[str, Any],
    author: Person,
) -> ReleaseCommit | list[str]:
    """The release commit of ``line`` on ``parent`` (the last fix), written in memory; or
    the problems that prevent it, each naming the file as ``releasekit.toml`` writes it."""
    assert line.latest is not None  # a released line
    message, entry = release_texts(settings, context)
    editor = repo.edit(repo.commit(parent).tree)
    problems: list[str] = []
    added: list[tuple[str, tuple[tuple[int, str], ...]]] = []
    bumped: dict[str, list[tuple[int, str]]] = {}  # per file, its lines written (CPython: 2)
    where = f"line {line.name} ({line.branch})"
    day = context["released"]  # {date}: the release (its day, or in its format), in UTC
    for bump in settings.releases.bump:
        found = editor.get(bump.path)
        if found is None:
            problems.append(f"{where}: releases.bump: {bump.path} is not a file there")
            continue
        wide = overflow(bump.format, line.next_version)
        if wide is not None:
            problems.append(f"{where}: releases.bump: {bump.path}: {wide}")
            continue
        current = repo.read_blob(found.oid)
        data, count, number = bump_text(
            current, bump.format, line.latest, line.next_version, released=day
        )
        wanted = repr(written(bump.format, line.latest))
        if data is None and count == 0 and bump.development:
            # Django's post-release bump: (5, 1, 5, "alpha", 0) becomes (5, 1, 5, "final", 0).
            # Before the nginx case below: OpenSSL's "PATCH=16" + "PRE_RELEASE_TAG=dev" may
            # start with what the format says of the next version.
            upcoming = line.next_version
            developed = bump_text(
                current, bump.development, upcoming, upcoming, into=bump.format, released=day
            )
            if developed[0] is not None or developed[1] > 1:
                data, count, number = developed
            wanted += f" or {written(bump.development, upcoming)!r}"
        ahead = occurrences(current, bump.format, line.next_version) == 1
        if data is None and count == 0 and ahead:
            continue  # nginx bumps it right after a release: it says the next one already
        if data is None:
            problems.append(
                f"{where}: releases.bump: {bump.path} must contain "
                f"{wanted} exactly once (found {count})"
            )
            continue
        if data == current:
            continue  # a number the release keeps (CPython's PY_MINOR_VERSION)
        editor.set(bump.path, Entry(repo.write_blob(data), found.mode))
        changed = _changed(current, data, number, written(bump.format, line.next_version, day))
        bumped.setdefault(bump.path, []).extend(changed)
    added += [(path, tuple(sorted(lines))) for path, lines in bumped.items()]
    changelog = settings.releases.changelog
    if changelog is not None and entry is not None:
        path = changelog.path_of(line.name)
        found = editor.get(path)
        inserted = None
        if found is not None:
            inserted = insert_entry(repo.read_blob(found.oid), changelog.marker, entry)
        if found is None:
            problems.append(f"{where}: releases.changelog: {path} is not a file there")
        elif inserted is None:
            problems.append(
                f"{where}: releases.changelog: {path} has no line {changelog.marker!r} (marker)"
            )
        else:
            data, first = inserted
            editor.set(path, Entry(repo.write_blob(data), found.mode))
            lines = entry.splitlines()
            added.append((path, tuple((first + n, t) for n, t in enumerate(lines))))
    if problems:
        return problems
    oid = repo.create_commit(
        tree=editor.write(), parents=[parent], author=author, committer=author, message=message
    )
    files = tuple(sorted({path for path, _ in added}))
    return ReleaseCommit(line.name, line.next_version, oid, parent, message, files, tuple(added))


def version_after(settings: Settings, version: str) -> str:
    """The version a branch is for after ``version`` is released off it: 8.3.16 after
    8.3.15."""
    return next_patch(Version(version), settings.releases.line_parts)


def development_message(settings: Settings, line: PlanLine, after: str) -> str:
    """The message of the commit that moves the branch of ``line`` on to ``after`` after
    its release (template development-commit.txt.j2), ending in a line break."""
    message = render.render(
        render.environment(settings.templates_dir),
        "development-commit.txt.j2",
        project=settings.project.name,
        version=after,
        released=line.next_version,
        line=line.name,
        branch=line.branch,
        tag=line.tag,
    )
    return message if message.endswith("\n") else message + "\n"


def development_commit(
    settings: Settings, repo: ProductRepo, line: PlanLine, release: ReleaseCommit, author: Person
) -> ReleaseCommit | list[str]:
    """With ``[releases] release_off_branch``: the commit the branch of ``line`` gets after
    ``release`` (whose tag is on no branch), on the last fix: the release commit's tree
    with each bump file moved on to the version after the release, in the bump's
    ``development`` form (its ``format`` without one), as PHP's "PHP-8.3 is now for PHP
    8.3.16-dev" does; or the problems that prevent it."""
    after = version_after(settings, release.version)
    editor = repo.edit(repo.commit(release.commit).tree)
    where = f"line {line.name} ({line.branch})"
    problems: list[str] = []
    bumped: dict[str, list[tuple[int, str]]] = {}
    for bump in settings.releases.bump:
        found = editor.get(bump.path)
        current = repo.read_blob(found.oid) if found is not None else b""
        form = bump.development or bump.format
        data, count, number = bump_text(current, bump.format, release.version, after, form)
        if found is None or data is None:
            problems.append(
                f"{where}: releases.bump: {bump.path} must contain "
                f"{written(bump.format, release.version)!r} exactly once after the release "
                f"commit (found {count})"
            )
            continue
        if data != current:  # a number both versions share (CPython's PY_MINOR_VERSION)
            editor.set(bump.path, Entry(repo.write_blob(data), found.mode))
            changed = _changed(current, data, number, written(form, after))
            bumped.setdefault(bump.path, []).extend(changed)
    if problems:
        return problems
    message = development_message(settings, line, after)
    oid = repo.create_commit(
        tree=editor.write(),
        parents=[release.parent],
        author=author,
        committer=author,
        message=message,
    )
    added = tuple((path, tuple(sorted(lines))) for path, lines in bumped.items())
    return ReleaseCommit(
        line.name, after, oid, release.parent, message, tuple(sorted(bumped)), added
    )

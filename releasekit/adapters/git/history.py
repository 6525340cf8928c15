"""Commits of the clone exported as fixes (``patch add --from``): a range and its diffs."""

from __future__ import annotations

from pathlib import Path

import pygit2
from pygit2.enums import DiffOption, DiffStatsFormat, SortMode

from releasekit.support.errors import PatchError
from releasekit.support.text import visible


def commits_in_range(raw: pygit2.Repository, path: Path, spec: str) -> list[str]:
    """The commits of ``A..B`` (oldest first), or the single commit ``REV``, of the clone at
    ``path``; PatchError unless every one has exactly one parent."""
    shown = visible(spec)  # as given: one line, its controls as escapes
    if "..." in spec:
        raise PatchError(f"--from {shown}: use A..B (not A...B)")
    try:
        if ".." in spec:
            parsed = raw.revparse(spec)
            start = parsed.from_object.peel(pygit2.Commit).id
            end = parsed.to_object.peel(pygit2.Commit).id
            walker = raw.walk(end, SortMode.TOPOLOGICAL | SortMode.REVERSE)
            walker.hide(start)
            found = [str(c.id) for c in walker]
        else:
            found = [str(raw.revparse_single(spec).peel(pygit2.Commit).id)]
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError, AttributeError):
        raise PatchError(f"--from {shown}: does not resolve in {visible(str(path))}") from None
    if not found:
        raise PatchError(f"--from {shown}: selects no commits")
    for oid in found:
        if len(raw[oid].peel(pygit2.Commit).parent_ids) != 1:
            raise PatchError(f"--from {shown}: {oid[:12]} is a merge or root commit")
    return found


def commit_patch(raw: pygit2.Repository, oid: str) -> tuple[str, str]:
    """(diffstat, unified diff with binary data) of a commit against its parent.

    The diff's bytes that are not UTF-8 (a Latin-1 file's lines) are kept as surrogates,
    which the export writes back as the same bytes: ``Diff.patch`` replaced them with
    U+FFFD, a change to other bytes than the commit's."""
    commit = raw[oid].peel(pygit2.Commit)
    diff = raw.diff(commit.parents[0], commit, flags=DiffOption.SHOW_BINARY)
    diff.find_similar()
    stat = diff.stats.format(DiffStatsFormat.FULL | DiffStatsFormat.INCLUDE_SUMMARY, 72)
    parts: list[bytes] = []
    for patch in diff:
        if patch is None:
            continue
        data = patch.data
        if patch.delta.old_file.id == patch.delta.new_file.id:
            # A binary file renamed or copied as it is: libgit2 adds "Binary files ...
            # differ", which git format-patch does not write and no apply can use.
            lines = data.splitlines(keepends=True)
            data = b"".join(line for line in lines if not line.startswith(b"Binary files "))
        parts.append(data)
    return stat, b"".join(parts).decode("utf-8", "surrogateescape")

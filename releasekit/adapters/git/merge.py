"""The three-way merge of the few paths a fix touches, as ``git cherry-pick`` merges them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pygit2

from releasekit.adapters.git.values import Entry


@dataclass(frozen=True)
class MergeOutcome:
    """The three-way merge of a few paths: the new entry (or None: removed) of every path
    that differs from ours, and the paths that conflict."""

    changes: Mapping[str, Entry | None]
    conflicts: tuple[str, ...]


def merge_paths(
    raw: pygit2.Repository,
    base: Mapping[str, Entry | None],
    ours: Mapping[str, Entry | None],
    theirs: Mapping[str, Entry | None],
) -> MergeOutcome:
    """Three-way merge of a few paths, as ``git cherry-pick`` merges them.

    ``base`` is the fix's parent, ``theirs`` the fix, ``ours`` the tip it goes onto; all
    three are restricted to the paths the fix touches (every other path keeps ours).
    libgit2's merge_trees does the work, renames included.
    """
    paths = set(base) | set(ours) | set(theirs)
    if all(ours.get(p) == base.get(p) for p in paths):  # the common, trivial case
        trivial = {p: theirs.get(p) for p in paths if theirs.get(p) != ours.get(p)}
        return MergeOutcome(trivial, ())
    if all(theirs.get(p) == base.get(p) for p in paths):
        return MergeOutcome({}, ())
    # The paths become the names of one flat tree per side: the merge works on entries
    # and contents, so it is the same merge, with one small tree object per side.
    flat = {path: f"{number:06d}" for number, path in enumerate(sorted(paths))}
    back = {name: path for path, name in flat.items()}
    merged = raw.merge_trees(
        _flat_tree(raw, base, flat), _flat_tree(raw, ours, flat), _flat_tree(raw, theirs, flat)
    )
    if merged.conflicts is not None:
        conflicted = {
            back[str(entry.path)]
            for triple in merged.conflicts
            for entry in triple
            if entry is not None
        }
        return MergeOutcome({}, tuple(sorted(conflicted)))
    result = {back[str(e.path)]: Entry(str(e.id), int(e.mode)) for e in merged}
    changes: dict[str, Entry | None] = {}
    for path in paths | set(result):
        new = result.get(path)
        if new != ours.get(path):
            changes[path] = new
    return MergeOutcome(changes, ())


def _flat_tree(
    raw: pygit2.Repository, entries: Mapping[str, Entry | None], names: Mapping[str, str]
) -> pygit2.Oid:
    builder = raw.TreeBuilder()
    for path, entry in entries.items():
        if entry is not None:
            builder.insert(names[path], pygit2.Oid(hex=entry.oid), entry.mode)
    return builder.write()

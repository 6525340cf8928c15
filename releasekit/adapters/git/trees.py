"""Reading a file's entry from a tree, and :class:`TreeEditor`, which writes a changed tree
along the changed paths only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pygit2
from pygit2.enums import FileMode, ObjectType

from releasekit.adapters.git.values import BLOB_MODES, Entry


def entry_at(raw: pygit2.Repository, tree: str, path: str) -> Entry | None:
    """The file at ``path`` in ``tree`` (None: absent, or a directory or submodule)."""
    try:
        found = raw[tree].peel(pygit2.Tree)[path]
    except KeyError:
        return None
    if found.filemode not in BLOB_MODES:
        return None
    return Entry(str(found.id), int(found.filemode))


def files_named(
    raw: pygit2.Repository,
    tree: str,
    names: frozenset[str],
    *,
    depth: int,
    skip: frozenset[str] = frozenset(),
    endings: tuple[str, ...] = (),
) -> list[str]:
    """Paths of the files called one of ``names`` (or whose names end in one of
    ``endings``) in ``tree``, at most ``depth`` directories down, not inside a directory
    called one of ``skip``; shallowest first, then by name."""
    found: list[str] = []
    level: list[tuple[str, pygit2.Tree]] = [("", raw[tree].peel(pygit2.Tree))]
    for down in range(depth + 1):
        deeper: list[tuple[str, pygit2.Tree]] = []
        for prefix, current in level:
            for entry in current:
                name = entry.name or ""
                if entry.filemode in BLOB_MODES and (name in names or name.endswith(endings)):
                    found.append(prefix + name)
                elif entry.filemode == FileMode.TREE and down < depth and name not in skip:
                    deeper.append((f"{prefix}{name}/", raw[entry.id].peel(pygit2.Tree)))
        level = deeper
    return found


class TreeEditor:
    """A tree being edited in memory: changes are collected, then written along their paths
    only (a fix touches a few files of a large tree)."""

    def __init__(self, raw: pygit2.Repository, tree: str) -> None:
        self._raw = raw
        self._pending: dict[str, Entry | None] = {}
        self.tree = tree

    def get(self, path: str) -> Entry | None:
        if path in self._pending:
            return self._pending[path]
        return entry_at(self._raw, self.tree, path)

    def set(self, path: str, entry: Entry | None) -> None:
        self._pending[path] = entry

    def blocked(self, path: str) -> bool:
        """Whether a new file at ``path`` would replace a directory or go below a file
        (of the tree as last written)."""
        tree = self._raw[self.tree].peel(pygit2.Tree)
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            try:
                found = tree["/".join(parts[:depth])]
            except KeyError:
                return False
            is_tree = found.filemode == FileMode.TREE
            if depth < len(parts) and not is_tree:
                return True
            if depth == len(parts):
                return is_tree
        return False  # pragma: no cover - the loop always returns

    def write(self) -> str:
        """Write the changed trees; returns the new root tree's id."""
        nested: dict[str, Any] = {}
        for path, entry in self._pending.items():
            node = nested
            *dirs, name = path.split("/")
            for part in dirs:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[name] = entry
        self._pending.clear()
        root = self._rebuild(pygit2.Oid(hex=self.tree), nested)
        self.tree = str(root if root is not None else self._raw.TreeBuilder().write())
        return self.tree

    def _rebuild(self, tree: pygit2.Oid | None, changes: Mapping[str, Any]) -> pygit2.Oid | None:
        raw = self._raw
        builder = raw.TreeBuilder(tree) if tree is not None else raw.TreeBuilder()
        for name, change in changes.items():
            current = builder.get(name)
            if isinstance(change, dict):
                subtree = (
                    current.id if current is not None and current.type == ObjectType.TREE else None
                )
                new = self._rebuild(subtree, change)
                if new is None:
                    if current is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, new, FileMode.TREE)
            elif change is None:
                if current is not None:
                    builder.remove(name)
            else:
                builder.insert(name, pygit2.Oid(hex=change.oid), change.mode)
        if len(builder) == 0:
            return None
        return builder.write()

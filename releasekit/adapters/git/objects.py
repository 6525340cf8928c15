"""The in-memory object store layered over the clone's, and copying from it into the clone.

Every object releasekit writes goes to :class:`MemoryObjects`, so planning leaves nothing
embargoed in the clone's object database; :func:`persist` copies what a push is about to
publish (it is public from that moment on).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pygit2

# Trees and commits are built only from entries this package has just looked up or written,
# so libgit2's per-entry existence check is pure overhead (it doubles the cost of a fix).
pygit2.settings.enable_strict_object_creation(False)


class MemoryObjects(pygit2.OdbBackend):
    """An object store in memory, layered above the clone's: it receives every write."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[pygit2.Oid, tuple[int, bytes]] = {}
        self._by_prefix: dict[str, list[pygit2.Oid]] = {}

    def read_cb(self, oid: pygit2.Oid) -> tuple[int, bytes]:
        return self.objects[oid]

    def read_header_cb(self, oid: pygit2.Oid) -> tuple[int, int]:
        kind, data = self.objects[oid]
        return kind, len(data)

    def _match(self, prefix: str) -> pygit2.Oid:
        found = [o for o in self._by_prefix.get(prefix[:4], []) if str(o).startswith(prefix)]
        if not found:
            raise KeyError(prefix)
        if len(found) > 1:
            raise ValueError(prefix)
        return found[0]

    def read_prefix_cb(self, prefix: str) -> tuple[int, bytes, pygit2.Oid]:
        oid = self._match(prefix)
        kind, data = self.objects[oid]
        return kind, data, oid

    def exists_cb(self, oid: pygit2.Oid) -> bool:
        return oid in self.objects

    def exists_prefix_cb(self, prefix: str) -> pygit2.Oid:
        return self._match(prefix)

    def write_cb(self, oid: pygit2.Oid, data: bytes, kind: int) -> None:
        if oid not in self.objects:
            self.objects[oid] = (kind, data)
            self._by_prefix.setdefault(str(oid)[:4], []).append(oid)

    def refresh_cb(self) -> None:
        return None

    def __iter__(self) -> Iterator[pygit2.Oid]:
        return iter(list(self.objects))


def persist(raw: pygit2.Repository, memory: MemoryObjects, oids: Iterable[str]) -> int:
    """Copy the in-memory objects reachable from ``oids`` into the clone's object store.

    Called just before a push: the pushed commits become public anyway, and the
    remote-tracking refs the push updates must point at objects git itself can read.
    Returns how many objects were written.
    """
    plain = pygit2.Repository(raw.path).odb  # writes go to the clone's own store
    written = 0
    pending = [pygit2.Oid(hex=oid) for oid in oids]
    seen: set[pygit2.Oid] = set()
    while pending:
        oid = pending.pop()
        if oid in seen or oid not in memory.objects:
            continue
        seen.add(oid)
        kind, data = memory.objects[oid]
        plain.write(kind, data)
        written += 1
        obj = raw[oid]
        if isinstance(obj, pygit2.Commit):
            pending.append(obj.tree_id)
            pending.extend(obj.parent_ids)
        elif isinstance(obj, pygit2.Tree):
            pending.extend(entry.id for entry in obj)
        elif isinstance(obj, pygit2.Tag):
            pending.append(obj.target)
    return written

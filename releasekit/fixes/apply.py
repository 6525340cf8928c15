"""Applying a held commit to a tree in memory, with three-way semantics like
``git cherry-pick``; nothing here writes into the product clone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from releasekit.adapters.git import Entry, ProductRepo, TreeEditor
from releasekit.fixes.binary import apply_delta
from releasekit.fixes.diff import FileChange, Hunk
from releasekit.fixes.mbox import PatchCommit


def _split(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out


def apply_hunks(data: bytes, hunks: Iterable[Hunk], *, search: bool) -> bytes | None:
    """Apply hunks to ``data`` where ``git apply`` puts them; None when one does not fit.

    Exactly at the recorded line numbers when ``search`` is False (the preimage is the very
    blob the patch was made from), else at the nearest place where the hunk's context and
    removed lines match (``git apply`` without fuzz: the recorded line, then one line
    further, one line back, two further...). As in git, a hunk that starts at the top of
    the file (``@@ -1,...`` or ``-0,0``) must match there, a hunk without trailing context
    must match at the end of the file, and no hunk may match lines an earlier one wrote:
    context found elsewhere is not the place the fix was made for.
    """
    image = _split(data)
    patched = [False] * len(image)
    for hunk in hunks:
        old, new = hunk.old, hunk.new
        begin = hunk.old_start <= 1
        end = not _trailing(hunk)
        if begin:
            wanted = 0
        elif end:
            wanted = len(image) - len(old)
        else:
            wanted = hunk.new_start - 1 if hunk.new_start else 0
        wanted = min(max(wanted, 0), len(image))

        def fits(at: int, old: list[bytes] = old, begin: bool = begin, end: bool = end) -> bool:
            stop = at + len(old)
            return (
                not (begin and at)
                and stop <= len(image)
                and not (end and stop != len(image))
                and (not old or image[at] == old[0])  # (most places differ at once: no copy)
                and image[at:stop] == old
                and not any(patched[at:stop])
            )

        position = _find(len(image), wanted, fits, search)
        if position is None:
            return None
        image[position : position + len(old)] = new
        patched[position : position + len(old)] = [True] * len(new)
    return b"".join(image)


def _trailing(hunk: Hunk) -> int:
    """How many context lines follow the hunk's last change."""
    count = 0
    for hunk_line in reversed(hunk.lines):
        if hunk_line.kind != " ":
            break
        count += 1
    return count


def _find(size: int, wanted: int, fits: Callable[[int], bool], search: bool) -> int | None:
    if fits(wanted):
        return wanted
    if not search:
        return None
    for distance in range(1, size + 1):
        for at in (wanted + distance, wanted - distance):  # git tries further first
            if 0 <= at <= size and fits(at):
                return at
    return None


@dataclass(frozen=True)
class Applied:
    """The outcome of applying one held commit: conflicting paths, or whether it changed."""

    conflicts: tuple[str, ...] = ()
    changed: bool = False


def _theirs(change: FileChange, base_data: bytes | None, exact: bool) -> bytes | None:
    if change.binary is not None:
        if change.binary.kind == "literal":
            return change.binary.data
        return apply_delta(base_data or b"", change.binary.data)
    if base_data is None:
        return None
    return apply_hunks(base_data, change.hunks, search=not exact)


def apply_commit(repo: ProductRepo, editor: TreeEditor, commit: PatchCommit) -> Applied:
    """Apply one held commit onto the tree in ``editor``, in memory, like ``git cherry-pick``.

    For every file the fix touches, the fix's own parent (the preimage blob its ``index``
    line records) is the merge base, the fix is "theirs" and the tree is "ours"; libgit2
    merges the three, so a fix made on an older tip still carries over when nothing
    conflicts. When the preimage blob is not in the clone, the hunks are applied to the
    tree's file directly (as ``git apply -3`` does without the blobs). ``editor`` is updated
    only when every file merges cleanly.
    """
    base: dict[str, Entry | None] = {}
    ours: dict[str, Entry | None] = {}
    theirs: dict[str, Entry | None] = {}
    conflicts: list[str] = []
    for change in commit.files:
        old, new = change.old_path, change.new_path
        for path in (old, new):
            if path is not None and path not in ours:
                ours[path] = editor.get(path)
        if new is not None and new != old and ours[new] is None and editor.blocked(new):
            conflicts.append(new)  # a file where the tree has a directory, or below a file
            continue
        if old is None:
            assert new is not None
            post = _theirs(change, b"", exact=True)
            if post is None:
                conflicts.append(new)
                continue
            base.setdefault(new, None)
            theirs[new] = Entry(repo.write_blob(post), int(change.new_mode or 0o100644))
            continue
        base_entry: Entry | None = None
        post = None
        found = repo.find_blob(change.old_id) if change.old_id else None
        if found is not None:
            mode = change.old_mode or _mode_of(ours[old]) or 0o100644
            base_entry = Entry(found, int(mode))
            if new is not None:
                post = _theirs(change, repo.read_blob(found), exact=True)
                if post is None or not _matches(repo, post, change.new_id):
                    base_entry = None  # not the blob the fix was made from after all
        if base_entry is None:
            current = ours[old]
            if current is None:
                if new is not None:
                    conflicts.append(old)
                continue  # a deleted file that is already gone
            base_entry = current
            if new is None and not _deletes(change, repo.read_blob(current.oid)):
                conflicts.append(old)  # other content than the fix removes (as git apply)
                continue
            if new is not None:
                post = _theirs(change, repo.read_blob(current.oid), exact=False)
                if post is None:
                    conflicts.append(old)
                    continue
        assert new is None or post is not None
        mode = change.new_mode or change.old_mode or base_entry.mode
        if change.copy:
            assert new is not None
            assert post is not None
            base.setdefault(new, None)
            theirs[new] = Entry(repo.write_blob(post), int(mode))
            continue
        base[old] = base_entry
        if new is None:
            theirs[old] = None
            continue
        assert post is not None
        theirs[new] = Entry(repo.write_blob(post), int(mode))
        if old != new:
            theirs.setdefault(old, None)
            base.setdefault(new, None)
    if conflicts:
        return Applied(conflicts=tuple(sorted(set(conflicts))))
    outcome = repo.merge_paths(base, ours, theirs)
    if outcome.conflicts:
        return Applied(conflicts=outcome.conflicts)
    for path, entry in sorted(outcome.changes.items()):
        editor.set(path, entry)
    return Applied(changed=bool(outcome.changes))


def _deletes(change: FileChange, data: bytes) -> bool:
    """Whether a fix that deletes a file removes ``data``, the tree's file, whose blob is not
    the fix's preimage: the lines it removes are all of it; a binary file or a deletion
    without its lines (``--irreversible-delete``) is checked by its recorded blob id, which
    the tree's (not the preimage, or it would have been found) cannot match."""
    if change.binary is not None or not change.hunks:
        return not change.old_id or set(change.old_id) == {"0"}
    return apply_hunks(data, change.hunks, search=False) == b""


def _mode_of(entry: Entry | None) -> int | None:
    return entry.mode if entry is not None else None


def _matches(repo: ProductRepo, data: bytes, recorded: str | None) -> bool:
    if not recorded or set(recorded) == {"0"}:
        return True
    return repo.hash_blob(data).startswith(recorded)

"""Writing a tree's files into a directory: the private worktree that ``verify`` tests in.

Files are created new (never through an existing path: ``O_EXCL`` and ``O_NOFOLLOW``),
executables keep their mode, symbolic links stay links, a submodule is an empty directory.
Names git would refuse to check out (``..``, ``.git``, a separator) are refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
from pygit2.enums import FileMode

from releasekit.support.errors import GitError

_REFUSED = frozenset({"", ".", "..", ".git"})


def write_tree(raw: pygit2.Repository, tree: str, directory: Path) -> int:
    """Write every file of ``tree`` under the existing, empty ``directory``; the number of
    files written."""
    written = 0
    stack: list[tuple[pygit2.Tree, Path]] = [(raw[tree].peel(pygit2.Tree), directory)]
    while stack:
        current, into = stack.pop()
        for entry in current:
            name = entry.name or ""
            if name.lower() in _REFUSED or "/" in name or "\x00" in name:
                raise GitError(f"tree {tree[:12]}: a path git would not check out")
            target = into / name
            mode = entry.filemode
            if mode == FileMode.TREE:
                target.mkdir(mode=0o700)
                stack.append((raw[entry.id].peel(pygit2.Tree), target))
            elif mode == FileMode.COMMIT:
                target.mkdir(mode=0o700)  # a submodule: not part of this tree's content
            elif mode == FileMode.LINK:
                os.symlink(raw[entry.id].peel(pygit2.Blob).data, target)
                written += 1
            else:
                executable = mode == FileMode.BLOB_EXECUTABLE
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                fd = os.open(target, flags, 0o700 if executable else 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw[entry.id].peel(pygit2.Blob).data)
                written += 1
    return written

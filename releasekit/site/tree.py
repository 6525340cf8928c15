"""The site's files on disk: what is there, the standby tree, and the atomic swap.

The site is built in a *standby* tree beside it (on the same file system: in the private
state directory when it can be, else a hidden sibling) and then exchanged with the live one
in a single ``renameat2(RENAME_EXCHANGE)``: a reader sees the old site or the new one, never
a mix. The old site becomes the next standby, so the next build only has to change the files
that differ (unchanged files are hard links shared by both trees; a changed file is always a
new inode, never written in place).

What each tree holds is recorded in the build state (in the state directory) as content
digest, size, mtime and inode per file; a tree is trusted only as far as ``stat`` agrees.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .. import fsutil

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
DIR_MODE = 0o755
FILE_MODE = 0o644


class FileInfo(NamedTuple):
    """One written file: content digest and the stat signature it had when written."""

    digest: str
    size: int
    mtime_ns: int
    ino: int

    def matches(self, stat: os.stat_result) -> bool:
        return (
            stat.st_size == self.size
            and stat.st_mtime_ns == self.mtime_ns
            and stat.st_ino == self.ino
        )


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_new(root: Path, rel: str, data: bytes) -> FileInfo:
    """Create ``root/rel`` as a new inode (replacing any file there) and describe it."""
    path = root / rel
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileNotFoundError:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return FileInfo(digest(data), stat.st_size, stat.st_mtime_ns, stat.st_ino)


def scan(root: Path) -> dict[str, os.stat_result]:
    """Every regular file under ``root`` (relative path with / -> stat); {} if absent."""
    found: dict[str, os.stat_result] = {}

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, rel + "/")
                else:
                    found[rel] = entry.stat(follow_symlinks=False)

    if root.is_dir():
        walk(str(root), "")
    return found


def verified(known: Mapping[str, FileInfo], present: Mapping[str, os.stat_result]) -> set[str]:
    """The files that are on disk exactly as the manifest says."""
    return {
        rel
        for rel, info in known.items()
        if (stat := present.get(rel)) is not None and info.matches(stat)
    }


def remove_empty_dirs(root: Path) -> None:
    for directory, _, _ in sorted(os.walk(root, topdown=False), reverse=True):
        if Path(directory) != root:
            with contextlib.suppress(OSError):
                os.rmdir(directory)


def standby_path(site: Path, state_dir: Path) -> Path:
    """Where the standby tree lives: in the state dir if on the site's file system."""
    parent = site.parent
    parent.mkdir(parents=True, exist_ok=True)
    fsutil.private_dir(state_dir)
    if os.stat(parent).st_dev == os.stat(state_dir).st_dev:
        return state_dir / "site-standby"
    return parent / f".{site.name}.standby"


def _libc_renameat2() -> Any:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True)
    function = libc.renameat2
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes += [ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically (Linux renameat2), else by three renames."""
    try:
        renameat2 = _libc_renameat2()
    except (OSError, AttributeError):  # pragma: no cover - not Linux with glibc
        _swap_by_renames(a, b)
        return
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return
    code = ctypes.get_errno()  # pragma: no cover - a file system without RENAME_EXCHANGE
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # pragma: no cover
        _swap_by_renames(a, b)
        return
    raise OSError(code, os.strerror(code), str(a))  # pragma: no cover


def _swap_by_renames(a: Path, b: Path) -> None:  # pragma: no cover - fallback only
    """Swap with a short window in which ``b`` does not exist (never a half tree)."""
    parked = b.with_name(f".{b.name}.swap")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)


def reset_tree(path: Path) -> None:
    """Remove a tree (a standby nobody can vouch for) and recreate it empty."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=DIR_MODE)
    os.chmod(path, DIR_MODE)

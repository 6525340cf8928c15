"""The site's files on disk: writing them, the standby tree, and the atomic swap (what a
tree holds is scanned by :mod:`.scans`).

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
import errno
import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from releasekit.site import child
from releasekit.support import fsutil

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
DIR_MODE = 0o755
FILE_MODE = 0o644
OPEN_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC  # (and see scans)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
_TRIES = 8  # a file that keeps coming back between unlink and create is someone else's race
FORK_MIN = 2000  # from this many links on, child processes make them beside the rendering
SET_ASIDE_MIN = 256  # files of a standby folder: with fewer, those replaced go one by one
KEEP = "README.md"  # a top-level file of site/ that is not the build's: kept as it is

Signature = tuple[int, int, int]  # size, mtime_ns, inode: what stat says of a file


class FileInfo(NamedTuple):
    """One written file: content digest and the stat signature it had when written."""

    digest: str
    size: int
    mtime_ns: int
    ino: int

    @property
    def signature(self) -> Signature:
        return (self.size, self.mtime_ns, self.ino)


def digest(data: bytes) -> str:
    """What identifies a file's bytes: SHA-256 (which CPUs compute in hardware: twice as fast
    as BLAKE2 here on a 10 MB index), the first 128 bits."""
    return hashlib.sha256(data).hexdigest()[:32]


def _umask() -> int:
    with open("/proc/self/status", "rb") as status:  # Linux: no race with other threads
        for line in status:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    raise OSError("no Umask in /proc/self/status")  # pragma: no cover - old kernels


_NEEDS_CHMOD = True


def check_umask() -> None:
    """Look at the umask once per build: chmod each new file only when it takes bits away."""
    global _NEEDS_CHMOD
    try:
        _NEEDS_CHMOD = bool(_umask() & FILE_MODE)
    except OSError:  # pragma: no cover - not Linux
        _NEEDS_CHMOD = True


def write_new(root: Path | str, rel: str, data: bytes, known: str | None = None) -> FileInfo:
    """Create ``root/rel`` as a new inode (replacing any file there) and describe it
    (``known``: the digest of ``data``, when the caller has it already).

    Never written in place, even when no other name links to the file there: the standby's
    own files are the previous site's, and a reader that opened one before the last swap
    (a slow download, a web server's cache of open files, a mirror) must go on reading the
    bytes it opened, never the next build's before their time.
    """
    path = f"{root}/{rel}"
    for _ in range(_TRIES):
        try:
            fd = os.open(path, _CREATE, FILE_MODE)
            break
        except FileExistsError:
            fsutil.clear(path)  # (a directory too: the scans see only files)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), DIR_MODE, exist_ok=True)
    else:  # pragma: no cover - see _TRIES
        fd = os.open(path, _CREATE, FILE_MODE)
    try:
        with fsutil.naming(path):
            if _NEEDS_CHMOD:  # a umask that takes bits of 0644 away
                os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            stat = os.fstat(fd)
    finally:
        os.close(fd)
    return FileInfo(known or digest(data), stat.st_size, stat.st_mtime_ns, stat.st_ino)


class Live(NamedTuple):
    """What :func:`place` may keep or link instead of writing: the live site's files that are
    as the build state says, and the files the standby already holds (checked the same way);
    and the live files that the state does not vouch for (see :func:`_adoptable`)."""

    root: Path
    good: set[str]
    digests: dict[str, str]
    signatures: dict[str, Signature]
    kept: dict[str, Signature]  # the standby's files
    unknown: dict[str, Signature] = {}  # noqa: RUF012 - never changed


def place(root: Path | str, rel: str, data: bytes, live: Live | None) -> FileInfo:
    """Put ``data`` at ``root/rel`` (the standby): when the live file has these very bytes,
    that file (it keeps its inode and mtime, and nothing is written: already there when the
    standby holds it, else hard-linked); else a new file."""
    if live is None:
        return write_new(root, rel, data)
    if rel not in live.good:
        seen = live.unknown.get(rel)
        if seen is not None and seen[0] == len(data) and _adoptable(live.root / rel, data, seen):
            path = f"{root}/{rel}"
            link(live.root / rel, path)
            stat = os.lstat(path)  # linked by name: still the file that was read?
            if (stat.st_size, stat.st_mtime_ns, stat.st_ino) == seen:
                return FileInfo(digest(data), *seen)
        return write_new(root, rel, data)
    found = digest(data)
    if live.digests.get(rel) != found:
        return write_new(root, rel, data, found)
    return keep(root, rel, live)


def keep(root: Path | str, rel: str, live: Live) -> FileInfo:
    """The live file at ``rel`` (one the state vouches for: in ``live.good``) in the
    standby at ``root``, as it is: already there, or hard-linked; described as the state
    knows it."""
    signature = live.signatures[rel]
    if live.kept.get(rel) != signature:  # not the very same file
        link(live.root / rel, f"{root}/{rel}")
    return FileInfo(live.digests[rel], *signature)


def _adoptable(path: Path, data: bytes, seen: Signature) -> bool:
    """Whether the live file at ``path`` (that the build state does not know: it was lost, or
    is from another releasekit) is a regular file with these very bytes, as it was scanned.

    Such a file is kept, as when the state vouches for it: a build that starts again from
    nothing leaves the unchanged files' inodes and mtimes alone (mirrors see no change). Only
    a file of this user with the mode releasekit gives (another's could be rewritten in place
    later; one that the web server cannot read must be written again).
    """
    try:  # (not blocking on a FIFO; not following a link)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        stat = os.fstat(fd)
        if (
            not _regular(stat)
            or (stat.st_size, stat.st_mtime_ns, stat.st_ino) != seen
            or stat.st_uid != os.geteuid()
            or (stat.st_mode & 0o7777) != FILE_MODE
        ):
            return False
        with os.fdopen(os.dup(fd), "rb") as reader:
            return reader.read(len(data) + 1) == data
    finally:
        os.close(fd)


def _regular(stat: os.stat_result) -> bool:
    return (stat.st_mode & 0o170000) == 0o100000


def kept_file(root: Path, name: str) -> Path | None:
    """``root/name`` when it is a regular file (not a link, not a directory)."""
    try:
        stat = os.lstat(root / name)
    except FileNotFoundError:
        return None
    return root / name if _regular(stat) else None


def link(source: Path | str, path: Path | str) -> None:
    """Hard-link ``source`` at ``path``, replacing whatever is there."""
    for _ in range(_TRIES):
        try:
            os.link(source, path, follow_symlinks=False)
            return
        except FileExistsError:
            fsutil.clear(path)  # (a directory too: the scans see only files)
        except FileNotFoundError:
            if not os.path.lexists(source):
                raise
            os.makedirs(os.path.dirname(path), DIR_MODE, exist_ok=True)
    os.link(source, path, follow_symlinks=False)  # pragma: no cover - see _TRIES


def link_all(live: Path, standby: Path, rels: Iterable[str]) -> None:
    """Hard-link each ``live/rel`` at ``standby/rel``, one directory at a time."""
    by_dir: dict[str, list[str]] = {}
    for rel in rels:
        head, _, name = rel.rpartition("/")
        by_dir.setdefault(head, []).append(name)
    for head, names in by_dir.items():
        source_dir = f"{live}/{head}" if head else str(live)
        target_dir = f"{standby}/{head}" if head else str(standby)
        os.makedirs(target_dir, DIR_MODE, exist_ok=True)
        source_fd = os.open(source_dir, OPEN_DIRECTORY)
        target_fd = os.open(target_dir, OPEN_DIRECTORY)
        try:
            for name in names:
                try:
                    os.link(name, name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
                except FileExistsError:
                    link(f"{source_dir}/{name}", f"{target_dir}/{name}")
        finally:
            os.close(source_fd)
            os.close(target_fd)


class Linker:
    """:func:`link_all` started now and finished by :meth:`wait`.

    Many links (``fork_min`` or more) are made by forked child processes while the parent
    renders (the work is nearly all in the kernel, and the machine has more than one core);
    a few, at once.
    ``rels`` come grouped by directory: two children take a half each, so that they work in
    different directories most of the time (a directory takes one new entry at a time).
    Start it before any thread or worker pool exists.
    """

    def __init__(
        self, live: Path, standby: Path, rels: list[str], fork_min: int = FORK_MIN
    ) -> None:
        self._children: list[tuple[int, int]] = []  # pid, pipe
        cores = os.cpu_count() or 1
        if len(rels) < fork_min or cores < 2:
            link_all(live, standby, rels)
            return
        by_dir: dict[str, list[str]] = {}
        for rel in rels:
            by_dir.setdefault(rel.rpartition("/")[0], []).append(rel)
        rels = [rel for group in by_dir.values() for rel in group]
        parts = 2 if len(rels) >= 4 * fork_min else 1
        size = -(-len(rels) // parts)
        for start in range(0, len(rels), size):
            self._children.append(child.fork(link_all, live, standby, rels[start : start + size]))

    @property
    def children(self) -> int:
        """How many child processes are making the links (0: made at once)."""
        return len(self._children)

    def wait(self) -> None:
        """Wait for the links; an OSError when a child could not make them."""
        children, self._children = self._children, []
        failures = []
        for pid, pipe in children:
            ok, message = child.collect(pid, pipe)
            if not ok:
                failures.append(message.decode(errors="replace") or f"child {pid} failed")
        if failures:
            raise OSError(f"linking the unchanged files into the standby: {failures[0]}")


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
    # The C library this process has loaded: find_library("c") ran `ldconfig -p` (a
    # process, 25 ms of a build that changes one advisory).
    function = ctypes.CDLL(None, use_errno=True).renameat2
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
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # pragma: no cover - no EXCHANGE
        _swap_by_renames(a, b)
        return
    # Both named: which of the two (or their folders) refused is not known (EACCES: a folder
    # moved to another parent must be writable itself, for its "..")
    raise OSError(code, os.strerror(code), str(a), None, str(b))


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

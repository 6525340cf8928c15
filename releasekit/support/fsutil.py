"""Small file-system primitives: atomic writes and private directories."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from pathlib import Path


class _Naming:
    __slots__ = ("path",)

    def __init__(self, path: Path | str) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(self.path)


def naming(path: Path | str) -> _Naming:
    """An OSError raised without a path (a write that finds the disk full, say) names
    ``path``: the one line the CLI prints then says which file could not be written.
    (A class, not a generator: the site's build enters one for each of its files.)"""
    return _Naming(path)


def resolved(path: Path) -> Path:
    """``path`` absolute, its symlinks followed as far as they go: a symlink loop is left in
    it (``Path.resolve`` raises RuntimeError there before Python 3.13), so that what opens it
    next names the path and says why."""
    return Path(os.path.realpath(path))


def describe(exc: OSError, root: Path | None = None) -> str:
    """An OSError as one line: the path (or paths) and the system's reason; a path inside
    ``root`` (the workspace) relative to it, as other messages show paths."""

    def shown(name: object) -> str:
        if not isinstance(name, str | bytes):
            return str(name)  # a file descriptor
        text = os.fsdecode(name)
        if root is not None:
            # (a symlink loop: RuntimeError before Python 3.13, OSError after)
            with contextlib.suppress(ValueError, OSError, RuntimeError):
                return str(Path(text).resolve().relative_to(root.resolve()))
        return text

    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    where = shown(exc.filename)
    if exc.filename2 is not None:
        where = f"{where} -> {shown(exc.filename2)}"
    return f"{where}: {reason}"


def atomic_write(path: Path, data: bytes | str, mode: int = 0o644, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half.

    ``durable`` syncs the data to disk before the rename; a cache that is rebuilt when it is
    lost may skip that.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with naming(path), os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_leftovers(directory: Path, *names: str) -> None:
    """Remove the temporary files that :func:`atomic_write` of ``names`` in ``directory``
    left when its process was killed between the write and the rename (``.NAME.*.tmp``).

    Only for a caller that holds the lock serialising every writer of those files: another
    writer's temporary file would go too.
    """
    prefixes = tuple(f".{name}." for name in names)
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(prefixes) and entry.name.endswith(".tmp"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)


def clear(path: Path | str) -> None:
    """Remove whatever is at ``path``: a file, a link (not what it points to) or a directory
    with all it holds; nothing there is fine. For what a build puts a file in place of: the
    private files of a cache, which may be found damaged in any way and are made again, and
    a standby's file (a directory that stood in the live site where a page goes)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:  # EISDIR (Linux; EPERM elsewhere): a directory, never a link
        if not os.path.isdir(path) or os.path.islink(path):
            raise
        shutil.rmtree(path)


def read_regular(path: Path | str) -> bytes:
    """The bytes of the regular file at ``path``; OSError for anything else. Opened without
    blocking: a FIFO there (a private file replaced by hand) is refused, where a plain read
    would wait for a writer for ever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        return handle.read()


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700, tightening it if it already exists."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def create_exclusive(path: Path, data: str, mode: int = 0o644) -> bool:
    """Create ``path`` with ``data`` only if it does not exist yet; False if it did.

    A write that fails (a full disk) removes the file again: never a half-written file that
    would then count as existing.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    try:
        with naming(path), os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
    except BaseException:
        # Ours since O_EXCL: a half-written file (a full disk) would stay behind as a broken
        # advisory or an "already exists" workspace, and the command could not be run again.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return True


def stat_key(stat: os.stat_result) -> tuple[int, int, int, int]:
    """What tells that a file changed, or was replaced, since it was looked at: its size,
    modification and change times, and inode."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)

"""Child processes of a build: forked, killed when the build ends, their value sent back
through a pipe (marshal)."""

from __future__ import annotations

import contextlib
import ctypes
import marshal
import os
import signal
from typing import Any

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a child forked by ``parent``: be killed when ``parent`` ends, however it ends.

    A build's children (its render workers, the linker and the standby scan) must not
    outlive it: killed (SIGKILL, the OOM killer, a lost session), it cannot stop them, and a
    worker would wait for work forever, holding the publish lock (its descriptor is
    inherited), so that no later publish could run; one that was still writing would write
    into the standby of the next build. Linux: the kernel sends SIGKILL (PR_SET_PDEATHSIG);
    elsewhere nothing is done.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)


def _libc_prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


_PRCTL = _libc_prctl()  # looked up here, not in a child forked while other threads ran


def fork(function: Any, *args: Any) -> tuple[int, int]:
    """Run ``function(*args)`` in a forked child; its pid and a pipe that carries its value
    (marshal) when it exits 0, or its error when it exits 1. The child ends with this
    process (see :func:`die_with_parent`)."""
    parent = os.getpid()
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # pragma: no cover - the child (coverage does not see it)
        die_with_parent(parent)
        os.close(read)
        code = 0
        try:
            data = marshal.dumps(function(*args))
        except BaseException as exc:
            data = f"{type(exc).__name__}: {exc}".encode()[:4000]
            code = 1
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(write, view) :]
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def collect(pid: int, pipe: int) -> tuple[bool, bytes]:
    """Wait for a :func:`fork` child: whether it succeeded, and what it wrote."""
    try:
        with os.fdopen(pipe, "rb") as reader:
            data = reader.read()
    finally:  # interrupted too: the child sees its pipe closed, ends, and is reaped
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0, data


class Background:
    """``function(*args)`` started now in a forked child; :meth:`result` waits for its value
    (anything marshal writes). Start it before any thread or worker pool exists."""

    def __init__(self, function: Any, *args: Any) -> None:
        self._function, self._args = function, args
        self._child: tuple[int, int] | None = None
        with contextlib.suppress(OSError):  # no child (process limit...): done in result()
            self._child = fork(function, *args)

    def result(self) -> Any:
        """The child's value; computed here instead when the child failed."""
        child, self._child = self._child, None
        if child is not None:
            ok, data = collect(*child)
            if ok:
                return marshal.loads(data)  # noqa: S302 - our own child's bytes
        return self._function(*self._args)

    def discard(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            collect(*child)

    def stop(self) -> None:
        """End the child now (its work is left undone) and reap it."""
        child, self._child = self._child, None
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child[0], signal.SIGKILL)
            collect(*child)

"""Running the product's own command (``[verify] command``): the one owner of subprocess.

The command runs in its own process group with a minimal environment, its output (stdout and
stderr together) going to a log file; past its timeout the whole group is killed. Where the
platform allows, it runs in a new network namespace with no interface but loopback
(``unshare -rn``, an unprivileged user namespace): the tests of an embargoed fix reach no
network. The command's direct process dies with the thread that started it (Linux's
parent-death signal), so a killed ``verify`` leaves no test running on.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class Finished:
    """How one run ended."""

    returncode: int | None  # None when it was killed at its timeout or could not start
    seconds: float
    timed_out: bool = False
    not_started: str = ""  # why it could not start (no such program, say)


@lru_cache(maxsize=1)
def isolation() -> tuple[str, ...] | None:
    """The prefix that runs a command without network (``unshare -rn``), or None where the
    platform does not allow it (no unshare, user namespaces disabled)."""
    found = shutil.which("unshare", path=_BASE_PATH)
    if found is None:
        return None
    try:
        done = subprocess.run(
            [found, "-rn", "true"], capture_output=True, timeout=10, check=False, env={}
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (found, "-rn", "--") if done.returncode == 0 else None


def minimal_environment(home: Path, path: str = "") -> dict[str, str]:
    """What the command gets: a PATH, a HOME and TMPDIR of its own, a UTF-8 locale; no
    secret (no login, no GnuPG home, no SSH agent) of the operator's environment."""
    return {
        "PATH": path or _BASE_PATH,
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "CI": "true",
    }


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the next run still removes the worktrees


def run(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    log: Path,
) -> Finished:
    """Run ``command`` in ``cwd`` with ``env`` (and no network where :func:`isolation`
    allows), its output into ``log`` (created 0600); kill its process group after
    ``timeout`` seconds."""
    prefix = isolation()
    program = shutil.which(command[0], path=env.get("PATH")) if "/" not in command[0] else None
    argv = [program or command[0], *command[1:]]
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    fd = os.open(log, flags, 0o600)
    started = time.monotonic()
    try:
        try:
            child = subprocess.Popen(
                [*(prefix or ()), *argv],
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        except OSError as exc:
            why = f"cannot run {command[0]!r}: {exc.strerror}"
            os.write(fd, (why + "\n").encode())
            return Finished(None, time.monotonic() - started, not_started=why)
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(child.pid)
            child.wait()
            os.write(fd, f"\nreleasekit: killed after {timeout:g} seconds\n".encode())
            return Finished(None, time.monotonic() - started, timed_out=True)
        except BaseException:
            _kill_group(child.pid)
            child.wait()
            raise
        _kill_group(child.pid)  # anything it left running in the background
        return Finished(code, time.monotonic() - started)
    finally:
        os.close(fd)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)

"""The CLI in a process of its own: for what a process limit, a signal or the process's
environment (the terminal's encoding) must reach."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Terminals whose encoding is ASCII: Python's stdout then refuses any other character. (With
# plain LC_ALL=C, Python switches to UTF-8 itself: only these keep ASCII.)
ASCII_TERMINALS: dict[str, dict[str, str | None]] = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "POSIX locale": {
        "PYTHONIOENCODING": None,
        "LC_ALL": "POSIX",
        "PYTHONCOERCECLOCALE": "0",
        "PYTHONUTF8": "0",
    },
}


def cli_process(
    root: Path,
    *args: str,
    file_size: int | None = None,
    memory: int | None = None,
    stdin: Path | None = None,
    close_stdin: bool = False,
    env: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``releasekit -C root ARGS`` at the real time; ``file_size`` caps each file it may
    write (RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full disk); ``memory``
    caps its address space (RLIMIT_AS: an allocation past it is a MemoryError, as under
    ``ulimit -v``). Its stdin reads the file ``stdin``, or is closed (``<&-``) with
    ``close_stdin``; ``env`` sets (or with None removes) variables of this process's
    environment for it. Its output is read as UTF-8, whatever the environment says."""

    def limit() -> None:
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if close_stdin:
            os.close(0)

    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    command = [sys.executable, "-c", "from releasekit.cli import main; main()"]
    with contextlib.ExitStack() as stack:
        source = stack.enter_context(stdin.open("rb")) if stdin is not None else None
        return subprocess.run(
            [*command, "-C", str(root), *args],
            preexec_fn=limit,  # the child sets only its own limits
            stdin=source,
            env=environ,
            capture_output=True,
            encoding="utf-8",
            check=False,
            timeout=120,
        )

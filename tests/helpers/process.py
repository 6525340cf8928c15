"""The CLI in a process of its own: for what a process limit or a signal must reach."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path


def cli_process(
    root: Path, *args: str, file_size: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``releasekit -C root ARGS`` at the real time; ``file_size`` caps each file it may
    write (RLIMIT_FSIZE: a write past it fails with EFBIG, as on a full disk)."""

    def limit() -> None:
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    command = [sys.executable, "-c", "from releasekit.cli import main; main()"]
    return subprocess.run(
        [*command, "-C", str(root), *args],
        preexec_fn=limit,  # the child sets only its own limit
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

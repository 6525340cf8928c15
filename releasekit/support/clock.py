"""The one place that reads the wall clock.

Core functions take ``now`` as an argument; only the CLI and long-running loops (``--wait``)
call :func:`now`. Tests move time with ``time-machine``, never with a flag.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def monotonic() -> float:
    """A monotonic reading in seconds, for timeouts and countdowns."""
    return time.monotonic()


def sleep(seconds: float) -> None:
    """Sleep (a seam for the countdown of ``embargo lift --wait``)."""
    if seconds > 0:
        time.sleep(seconds)

#!/usr/bin/env python3
"""Benchmark the verify gate (issue 19): the time `[verify] command` adds to a lift.

Two identical workspaces over the lift benchmark's generated product (5,000 files, 20
advisories, 6 lines to push, a throwaway GnuPG key, SMTP on 127.0.0.1): one lifted without
a verify command, one with `command = ["sleep", "1"]` (a 1-second test), which the lift's
preflight runs on each of the 6 trees (written out into private worktrees, in parallel
within the machine's cores). Prints both lifts and the difference. Target: the difference
under 1 s per line run in series (6 s / cores, plus the worktrees). Standalone:

  .venv/bin/python scripts/bench_verify.py
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lift  # the shared lift setup
import bench_plan

TEST_SECONDS = 1


def main() -> int:
    scratch = Path(tempfile.mkdtemp(prefix="releasekit-bench-verify-"))
    inbox = bench_lift.Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    home = scratch / "gnupg"
    try:
        fingerprint = bench_lift.make_key(home)
        env = {**os.environ, "GNUPGHOME": str(home), "COLUMNS": "120"}
        past = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
        _remote, plain = bench_lift.setup(scratch / "a", fingerprint, port, past)
        _remote2, verified = bench_lift.setup(scratch / "b", fingerprint, port, past)
        config = verified / "releasekit.toml"
        config.write_text(
            config.read_text() + f'\n[verify]\ncommand = ["sleep", "{TEST_SECONDS}"]\n'
        )
        lines = len(bench_plan.SUPPORTED)
        cores = os.cpu_count() or 1
        print(f"verify bench: a lift of {lines} lines, a {TEST_SECONDS}-second test command, "
              f"{cores} cores")  # fmt: skip
        without = bench_lift.time_lift(plain, env)
        with_verify = bench_lift.time_lift(verified, env)
        logs = sorted((verified / ".releasekit" / "verify").glob("*.log"))
        added = with_verify - without
        serial = lines * TEST_SECONDS
        target = -(-lines // cores) * TEST_SECONDS + 2.0  # parallel runs, plus the worktrees
        verdict = "ok" if added < target else "SLOW"
        print(f"  lift without verify  {without:6.2f} s")
        print(f"  lift with verify     {with_verify:6.2f} s  ({len(logs)} lines verified)")
        print(f"  verify adds          {added:6.2f} s  ({verdict} < {target:.0f} s; "
              f"{serial} s in series)")  # fmt: skip
        return 0 if added < target and len(logs) == lines else 1
    finally:
        controller.stop()
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

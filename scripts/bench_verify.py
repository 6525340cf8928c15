#!/usr/bin/env python3
"""Benchmark the verify gate (issue 19): the time `[verify] command` adds to a lift.

Two identical workspaces over the lift benchmark's generated product (5,000 files, 20
advisories, 6 lines to push, a throwaway GnuPG key, SMTP on 127.0.0.1): one lifted without
a verify command, one with `command = ["sleep", "1"]` (a 1-second test), which the lift's
preflight runs on each of the 6 trees (written out into private worktrees, in parallel
within the machine's cores). Prints both lifts and the difference, beside what the test
command alone takes in parallel and in series; the issue sets no target. Standalone:

  .venv/bin/python scripts/bench_verify.py
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_lift  # the shared lift setup
import bench_plan

TEST_SECONDS = 1


def main() -> int:
    # Under build/, on the file system a workspace lives on (verify writes its worktrees in
    # the workspace's .releasekit/), not in the temporary directory, which may be slower.
    build = Path(__file__).resolve().parent.parent / "build"
    build.mkdir(exist_ok=True)
    with bench_lift.sandbox("bench-verify-", build) as box:
        scratch, fingerprint, port, env = box.scratch, box.fingerprint, box.port, box.env
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
        rounds = -(-lines // cores) * TEST_SECONDS  # the test runs alone, in parallel
        print(f"  lift without verify  {without:6.2f} s")
        print(f"  lift with verify     {with_verify:6.2f} s  ({len(logs)} lines verified)")
        print(f"  verify adds          {added:6.2f} s  (the tests alone: {rounds} s in parallel, "
              f"{serial} s in series; the rest writes the worktrees)")  # fmt: skip
        return 0 if len(logs) == lines else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark `releasekit embargo lift` (issue 4): 20 advisories x 6 lines to a local remote.

Uses the plan benchmark's generated product (5,000 files, 6 supported lines, every fix made
on an older tip so each needs a three-way merge), with 20 advisories, a throwaway GnuPG key
and an SMTP server on 127.0.0.1. Measures, in one run:

  lift        `releasekit embargo lift --yes` end to end (preflight, fetch, apply, sign the
              tags, one push read back, record, one signed e-mail per list, the site)
  --wait      the delay from the embargo instant to the start of the push

Targets: the lift under 10 s; the --wait delay under 1 s. Standalone:

  .venv/bin/python scripts/bench_lift.py
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_plan  # the shared product generator

ADVISORIES = 20
LIFT_TARGET = 10.0
WAIT_TARGET = 1.0


class Inbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 OK"


def make_key(home: Path) -> str:
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key",
         "Bench Security <security@bench.example>", "ed25519", "sign", "1y"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    out = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--list-secret-keys"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))


def setup(root: Path, fingerprint: str, port: int, embargo: datetime) -> tuple[Path, Path]:
    """The generated product and a workspace ready to lift; returns (remote, workspace)."""
    bench_plan.ADVISORIES = ADVISORIES
    root.mkdir(parents=True)
    remote, _clone, ws = bench_plan.generate(root)
    config = (ws / "releasekit.toml").read_text()
    config += (
        "\n[mail]\n"
        'from = "Bench Security <security@bench.example>"\n'
        'to = ["announce@lists.bench.example", "distros@lists.bench.example"]\n'
        f'smtp = "smtp://127.0.0.1:{port}"\n'
        f'signing_key = "{fingerprint}"\n'
    )
    (ws / "releasekit.toml").write_text(config)
    stamp = embargo.strftime("%Y-%m-%dT%H:%M:%SZ")
    for k, path in enumerate(sorted((ws / "advisories").glob("*.md")), start=1):
        text = path.read_text()
        text = re.sub(r"^embargo = .*$", f'embargo = {stamp}\ncve = "CVE-2026-5{k:04d}"',
                      text, flags=re.M)  # fmt: skip
        path.write_text(text)
    return remote, ws


def releasekit() -> str:
    return bench_plan.releasekit_cli()


def time_lift(ws: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [releasekit(), "-C", str(ws), "embargo", "lift", "--yes"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"lift exited {done.returncode}")
    return elapsed


def time_wait(ws: Path, env: dict[str, str], embargo: datetime) -> float:
    """Seconds from the embargo instant to the lift's 'pushing' line (start of the push)."""
    proc = subprocess.Popen(
        [releasekit(), "-C", str(ws), "embargo", "lift", "--wait", "--yes"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    pushed_at = None
    for line in proc.stderr:
        if line.startswith("pushing") and pushed_at is None:
            pushed_at = time.time()
    proc.wait()
    if proc.returncode != 0 or pushed_at is None:
        raise SystemExit(f"lift --wait exited {proc.returncode}")
    return pushed_at - embargo.timestamp()


@dataclass
class Sandbox:
    """What a lift benchmark runs in: a scratch folder, a throwaway key, an SMTP inbox."""

    scratch: Path
    fingerprint: str
    port: int
    inbox: Inbox
    env: dict[str, str]


@contextlib.contextmanager
def sandbox(prefix: str, parent: Path | None = None) -> Iterator[Sandbox]:
    """A scratch folder (in ``parent``, else the temporary directory) with a GnuPG key and an
    SMTP server on 127.0.0.1; all of it stopped and removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    home = scratch / "gnupg"
    try:
        fingerprint = make_key(home)
        env = {**os.environ, "GNUPGHOME": str(home), "COLUMNS": "120"}
        yield Sandbox(scratch, fingerprint, port, inbox, env)
    finally:
        controller.stop()
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    with sandbox("releasekit-bench-lift-") as box:
        scratch, fingerprint, port, inbox, env = (
            box.scratch, box.fingerprint, box.port, box.inbox, box.env
        )  # fmt: skip
        past = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
        remote, ws = setup(scratch / "a", fingerprint, port, past)
        lines = len(bench_plan.SUPPORTED)
        print(f"lift bench: {ADVISORIES} advisories x {lines} lines, 2 lists, local remote")

        def tags() -> set[str]:
            out = bench_plan.git(remote, "for-each-ref", "--format=%(refname)", "refs/tags")
            return set(out.splitlines())

        before = tags()
        lift = time_lift(ws, env)
        new_tags = sorted(t.rsplit("/", 1)[-1] for t in tags() - before)
        verdict = "ok" if lift < LIFT_TARGET else "SLOW"
        print(f"  lift                 {lift:6.2f} s  ({verdict} < {LIFT_TARGET:.0f} s); "
              f"{inbox.count} e-mails; new tags {', '.join(new_tags)}")  # fmt: skip
        soon = (datetime.now(UTC) + timedelta(seconds=12)).replace(microsecond=0)
        _remote2, ws2 = setup(scratch / "b", fingerprint, port, soon)
        delay = time_wait(ws2, env, soon)
        verdict = "ok" if 0 <= delay < WAIT_TARGET else "FAIL"
        print(
            f"  --wait delay         {delay:6.3f} s  ({verdict}: 0 <= delay < {WAIT_TARGET:.0f} s)"
        )
        return 0 if lift < LIFT_TARGET and 0 <= delay < WAIT_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

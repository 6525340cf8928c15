"""The verify gate end to end: `[verify] command` runs in each patched tip the lift would
push (the real lift fixtures of test_embargo: a product, a bare remote, gpg, SMTP)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from releasekit.adapters import process
from tests.e2e.test_embargo import EMBARGO, HIGH_LINES, Release, after_embargo
from tests.helpers.repos import FILES, replace_line

FIXED = "preview: check each redirect target"  # the held fix's line, in every patched tip


def configure(release: Release, command: list[str], timeout: int = 60) -> None:
    config = release.root / "releasekit.toml"
    text = config.read_text().split("\n[verify]\n")[0]
    config.write_text(text + f"\n[verify]\ncommand = {json.dumps(command)}\ntimeout = {timeout}\n")


def sh(script: str) -> list[str]:
    return ["sh", "-c", script]


def verify_dir(release: Release) -> Path:
    return release.root / ".releasekit" / "verify"


def test_verify_runs_in_exactly_the_tree_the_lift_pushes(release: Release) -> None:
    # The fix is in the tree, the operator's secrets are not in the environment, and the
    # worktree is not the product clone.
    configure(release, sh(f'grep -q "{FIXED}" src/preview.c && env && pwd'))
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        result = release.run("verify", "--json", env={"RELEASEKIT_SMTP_PASSWORD": "s3cret"})
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["advisories"] == ["ACSA-2026-0001"]
    assert sorted(r["line"] for r in data["lines"]) == sorted(HIGH_LINES)
    assert data["network_isolated"] is (process.isolation() is not None)
    folder = verify_dir(release)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for line in data["lines"]:
        log = release.root / line["log"]
        assert log.name == f"{line['line']}-{line['tree']}.log"
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        text = log.read_text()
        assert "s3cret" not in text and "GNUPGHOME" not in text
        assert str(release.product.clone) not in text and "/verify/work/" in text
        assert (folder / f"{line['line']}-{line['tree']}.json").is_file()
    assert list((folder / "work").iterdir()) == []  # no worktree left
    shown = release.run("verify")
    assert "passed" in shown.stdout


@pytest.mark.skipif(process.isolation() is None, reason="no network namespace here")
def test_the_command_has_no_network(release: Release) -> None:
    configure(release, sh("cat /proc/net/dev; test $(grep -c : /proc/net/dev) -le 1"))
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        result = release.run("verify")
    assert result.exit_code == 0, result.output + result.stderr  # loopback only


def test_a_failing_line_stops_the_lift_before_any_push(release: Release) -> None:
    # Only 10.3's tree has this header line: the test fails there alone.
    configure(release, sh('! grep -q "maintained on 10.3" src/export.c'))
    before = release.remote_refs()
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1, result.output
    assert "verify: failed on 10.3 (exit status 1, log .releasekit/verify/10.3-" in result.stderr
    assert "Nothing was pushed" in result.stderr
    for line in ("10.4", "9.11", "10.1", "10.2"):
        assert f"failed on {line} " not in result.stderr
    assert release.remote_refs() == before
    assert release.smtp.messages == []
    assert "released" not in release.advisory()
    verify_cmd = release.run("verify")
    assert verify_cmd.exit_code == 1
    assert "verify failed on 10.3 (exit status 1, log .releasekit/verify/10.3-" in verify_cmd.stderr


def test_a_timeout_fails_the_line(release: Release) -> None:
    configure(release, ["sleep", "20"], timeout=1)
    started = time.monotonic()
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        result = release.run("verify")
    assert time.monotonic() - started < 15
    assert result.exit_code == 1
    assert "timed out" in result.stderr


def test_a_stale_result_is_run_again_not_trusted(release: Release, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    configure(release, sh(f'grep -q "{FIXED}" src/preview.c && echo run >> {runs}'))
    with time_machine.travel(EMBARGO - timedelta(hours=2), tick=True):
        assert release.run("verify").exit_code == 0
    assert runs.read_text().count("run") == len(HIGH_LINES)
    # 10.2's public tip moves after verify: its tree is another one now.
    product = release.product
    moved = replace_line(FILES["src/image.c"], 3, "image: a public change")
    product.commit("release-10.2", {"src/image.c": moved}, "Tidy the image code")
    product.publish("release-10.2")
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        status = json.loads(release.run("embargo", "status", "--json").stdout)
    verified = {v["line"]: v for v in status["batches"][0]["verify"]}
    assert verified["10.2"]["current"] is False and verified["10.2"]["last"]["ok"] is True
    assert verified["10.3"]["current"] is True
    checks = {c["name"]: c for c in status["batches"][0]["checks"]}
    assert checks["verify"]["warning"] is True and "10.2" in checks["verify"]["detail"]
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert runs.read_text().count("run") == len(HIGH_LINES) + 1  # 10.2 alone, again


def test_lines_run_in_parallel_within_the_cores(release: Release, tmp_path: Path) -> None:
    cores = os.cpu_count() or 1
    if cores < 2:
        pytest.skip("one core: nothing runs in parallel")
    spans = tmp_path / "spans"
    configure(release, sh(f"s=$(date +%s.%N); sleep 1; echo $s $(date +%s.%N) >> {spans}"))
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        result = release.run("verify")
    assert result.exit_code == 0, result.stderr
    intervals = sorted(tuple(map(float, row.split())) for row in spans.read_text().splitlines())
    assert len(intervals) == len(HIGH_LINES)
    # From the runs' own clocks, not verify's wall time: that one also holds making five
    # worktrees, which a loaded machine (the suite on two workers) slows past any bound.
    most = max(sum(1 for s, e in intervals if s <= at < e) for at, _ in intervals)
    assert 2 <= most <= cores  # overlapping runs, never more than the cores


def test_nothing_is_left_behind_after_a_kill(release: Release) -> None:
    marker = "31.4159"  # a sleep no one else runs
    configure(release, ["sleep", marker])
    env = {**release.gpg.env, "RELEASEKIT_WORKSPACE": str(release.root), "PATH": os.environ["PATH"]}
    code = "from releasekit.cli import cli; cli(prog_name='releasekit')"
    proc = subprocess.Popen([sys.executable, "-c", code, "verify"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    work = verify_dir(release) / "work"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _running(marker):
        time.sleep(0.1)
    assert _running(marker), "the command never started"
    assert any(work.iterdir())  # the worktrees, while it runs
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(marker):
        time.sleep(0.1)
    assert not _running(marker)  # the test died with verify
    configure(release, ["true"])
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=True):
        assert release.run("verify").exit_code == 0
    assert list(work.iterdir()) == []  # what the killed run left is gone


def _running(marker: str) -> bool:
    found = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, check=False)
    return found.returncode == 0


def test_without_a_command_verify_says_so(release: Release) -> None:
    result = release.run("verify")
    assert result.exit_code == 2
    assert "no [verify] command" in result.stderr

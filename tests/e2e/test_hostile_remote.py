"""The lift's push against a remote that refuses, drops the connection or changes under it:
real bare repositories with hooks, served by ``git daemon`` on 127.0.0.1 where it matters."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from releasekit.adapters.env import Environment
from releasekit.embargo.context import Outside
from releasekit.embargo.lift import LiftReport, lift
from releasekit.model.config import load_config
from releasekit.support.errors import NotReady, Refused
from tests.e2e.test_embargo import DETAIL_MARKER, LISTS, Release, after_embargo
from tests.helpers.repos import git


def test_a_tag_made_by_someone_else_after_the_preflight_stops_before_any_push(
    release: Release,
) -> None:
    # The branches went out, then the tag was refused: the fixes were public, the lift
    # stopped, and nothing said which release they belonged to.
    before = release.remote_refs()

    def make_tag(report: LiftReport) -> bool:
        git(release.product.remote, "tag", "v10.2.1", "refs/heads/release-10.2")
        return True

    settings = load_config(release.root)
    outside = Outside(env=Environment(release.gpg.env))
    with after_embargo(), pytest.raises(Refused, match=r"refs/tags/v10\.2\.1 appeared") as info:
        lift(settings, outside, confirm=make_tag)
    assert "nothing was pushed or sent" in str(info.value)
    after = release.remote_refs()
    assert {k: v for k, v in after.items() if k != "refs/tags/v10.2.1"} == before
    assert release.smtp.messages == []
    assert not any(s.endswith("/push=started") for s in release.journal_steps())


def test_a_remote_that_drops_the_push_says_to_resume_then_the_re_run_finishes(
    release: Release,
) -> None:
    # The receiving git is killed mid-push: the one line said only "could not be reached",
    # not that the push had started (some refs may be public) nor that a re-run finishes it.
    marker = release.product.root / "killed-once"
    release.hook(
        "pre-receive", f"#!/bin/sh\n[ -e {marker} ] && exit 0\ntouch {marker}\nkill -9 $PPID\n"
    )
    with release.served():
        before = release.remote_refs()
        with after_embargo():
            stopped = release.run("embargo", "lift", "--yes")
        assert marker.exists()
        assert stopped.exit_code == 1
        lines = stopped.stderr.strip().splitlines()
        assert lines[-1].startswith("releasekit: error: remote origin")
        assert "The push started and may be partly done; nothing was announced" in lines[-1]
        assert "Re-run `releasekit embargo lift`" in lines[-1]
        assert DETAIL_MARKER not in stopped.stderr
        assert any(s.endswith("/push=failed") for s in release.journal_steps())
        assert release.remote_refs() == before
        assert release.smtp.messages == []
        with after_embargo():
            done = release.run("embargo", "lift", "--yes")
    assert done.exit_code == 0, done.output + done.stderr
    assert "refs/tags/v10.2.1" in release.remote_refs()
    assert len(release.smtp.messages) == 2


def test_a_lift_killed_before_it_read_its_push_back_resumes_without_pushing_twice(
    past: Release,
) -> None:
    # The remote has updated the branches (its reference-transaction hook holds the answer
    # back) when the lift is killed: the re-run reads them back and pushes only the rest.
    marker = past.product.root / "held"
    past.hook(
        "reference-transaction",
        "#!/bin/sh\n"
        f'[ "$1" = committed ] && [ ! -e {marker} ] && grep -q refs/heads/ && '
        f"{{ echo $$ > {marker}; exec sleep 60; }}\nexit 0\n",
    )
    env = {**past.gpg.env, "RELEASEKIT_WORKSPACE": str(past.root)}
    code = "from releasekit.cli import cli; cli(prog_name='releasekit')"
    before = past.remote_refs()
    with past.served():
        lifting = subprocess.Popen(
            [sys.executable, "-c", code, "embargo", "lift", "--yes"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not (marker.exists() and marker.read_text().strip()):
                assert lifting.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            lifting.send_signal(signal.SIGKILL)
            lifting.wait(timeout=10)
        finally:
            if lifting.poll() is None:
                lifting.kill()
                lifting.wait()
            if marker.exists() and marker.read_text().strip():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(marker.read_text()), signal.SIGKILL)
        refs = past.remote_refs()
        arrived = {k for k, v in refs.items() if before.get(k) != v}
        assert arrived and all(k.startswith("refs/heads/") for k in arrived)
        assert past.smtp.messages == []
        assert any(s.endswith("/push=started") for s in past.journal_steps())
        assert past.subprocess("embargo", "lift", "--yes") == 0
    after = past.remote_refs()
    assert {k: after[k] for k in arrived} == {k: refs[k] for k in arrived}  # not pushed again
    assert "refs/tags/v10.2.1" in after
    assert sorted(m.rcpt_tos[0] for m in past.smtp.messages) == sorted(LISTS)
    assert all(s.endswith("=done") for s in past.journal_steps()), past.journal_steps()


def test_a_branch_rewritten_after_the_preflight_stops_every_line_before_any_push(
    release: Release,
) -> None:
    """10.2's branch is rewritten on the remote (its release is no longer on it) between the
    preflight and the push: the fixes cannot be re-applied there, and no other line's
    branch or tag goes public without it (they used to: half a release, unannounced)."""
    settings = load_config(release.root)
    before = release.remote_refs()

    def rewrite(report: LiftReport) -> bool:
        release.product.commit(
            "release-10.2", {"NEWS": "rewritten\n"}, "Rewrite the branch", create_from="main"
        )
        release.product.publish("release-10.2")
        return True

    outside = Outside(env=Environment(release.gpg.env))
    with after_embargo(), pytest.raises(NotReady) as raised:
        lift(settings, outside, confirm=rewrite)
    after = release.remote_refs()
    assert {ref: after[ref] for ref in before if ref != "refs/heads/release-10.2"} == {
        ref: oid for ref, oid in before.items() if ref != "refs/heads/release-10.2"
    }
    assert set(after) == set(before)  # no tag of any line
    assert release.smtp.messages == []
    assert str(raised.value) == (
        "after the branch moved: line 10.2: no release tag of 10.2 is on release-10.2; "
        "nothing was pushed or announced"
    )


def test_a_hook_that_refuses_a_tag_is_quoted_in_the_one_line(release: Release) -> None:
    # The operator saw "hook declined" and nothing of why; the hook's last words now come
    # with it, cut short, and the remote's terminal codes shown as escapes.
    release.hook(
        "pre-receive",
        "#!/bin/sh\n"
        "while read old new ref; do case $ref in refs/tags/*)\n"
        "  printf 'MARKER-HOOK tags need a second review\\033[31m\\n' >&2\n"
        "  head -c 100000 /dev/zero | tr '\\\\0' x >&2; echo >&2; exit 1;;\n"
        "esac; done\n",
    )
    with release.served(), after_embargo():
        stopped = release.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1
    line = stopped.stderr.strip().splitlines()[-1]
    assert "hook declined (the remote said: MARKER-HOOK tags need a second review" in line
    assert "\x1b" not in line and len(line) < 2000
    assert line.count("the remote said") == 1  # once, not for each ref it refused
    assert release.smtp.messages == []


def test_a_journal_locked_once_the_tags_are_pushed_says_the_push_started(
    release: Release,
) -> None:
    # Another process holds the journal's write lock (someone looking into it with sqlite3)
    # from the moment the remote takes the tags: the push is done, but the lift cannot
    # journal it. The one line said only "database is locked", not that refs are public.
    journal = release.root / ".releasekit" / "journal.sqlite3"
    holder = release.product.root / "holder"
    hold = (
        "import os, sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "open(sys.argv[2], 'w').write(str(os.getpid()))\n"
        "time.sleep(90)\n"
    )
    release.hook(
        "reference-transaction",
        "#!/bin/sh\n"
        '[ "$1" = committed ] && grep -q refs/tags/ || exit 0\n'
        f'{sys.executable} -c "{hold}" {journal} {holder} </dev/null >/dev/null 2>&1 &\n'
        f"while [ ! -s {holder} ]; do sleep 0.05; done\n",
    )
    with release.served():
        try:
            with after_embargo():
                stopped = release.run("embargo", "lift", "--yes")
        finally:
            if holder.exists() and holder.read_text().strip():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(holder.read_text()), signal.SIGKILL)
        assert stopped.exit_code == 1
        last = stopped.stderr.strip().splitlines()[-1]
        assert last.startswith(f"releasekit: error: {journal}: the journal cannot be used: ")
        assert last.endswith(
            "The push started and may be partly done; nothing was announced. "
            "Re-run `releasekit embargo lift` to finish it."
        )
        assert "refs/tags/v10.2.1" in release.remote_refs()
        assert release.smtp.messages == []
        (release.product.remote / "hooks" / "reference-transaction").unlink()
        with after_embargo():
            done = release.run("embargo", "lift", "--yes")
    assert done.exit_code == 0, done.output + done.stderr
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)


def test_an_interrupt_during_the_push_says_the_push_started(past: Release) -> None:
    # Ctrl-C while the remote takes the branches (its reference-transaction hook holds the
    # answer back): click said only "Aborted!", as if nothing had happened.
    marker = past.product.root / "held"
    past.hook(
        "reference-transaction",
        "#!/bin/sh\n"
        f'[ "$1" = committed ] && [ ! -e {marker} ] && grep -q refs/heads/ && '
        f"{{ echo $$ > {marker}; sleep 2; }}\nexit 0\n",
    )
    with past.served():
        code, stderr = past.interrupted_lift(marker.exists)
        assert code == 1
        assert stderr.splitlines()[-1] == (
            "releasekit: error: interrupted. The push started and may be partly done; nothing "
            "was announced. Re-run `releasekit embargo lift` to finish it."
        )
        assert past.smtp.messages == []
        assert past.subprocess("embargo", "lift", "--yes") == 0
    assert "refs/tags/v10.2.1" in past.remote_refs()
    assert sorted(m.rcpt_tos[0] for m in past.smtp.messages) == sorted(LISTS)

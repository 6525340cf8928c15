"""The embargo lift end to end: a real product repository and bare remote (and git daemon),
a real gpg key, a real SMTP server on 127.0.0.1. Fault tests: SMTP down then up, the branch
moving between preflight and push, SIGKILL after each step then a resume, a bad key."""

from __future__ import annotations

import contextlib
import email
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
import trustme
from click.testing import CliRunner, Result

from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.cli import cli
from releasekit.embargo.context import CRASH_AFTER, Outside
from releasekit.embargo.gates import Check, resume_checks
from releasekit.embargo.lift import RECHECK_BEFORE, LiftReport, lift
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import Settings, load_config
from releasekit.support.errors import NotDone, NotReady, Refused
from tests.helpers.githttp import GitHttpServer
from tests.helpers.gpg import KEY_CREATED, GpgHome
from tests.helpers.process import ASCII_TERMINALS, cli_process
from tests.helpers.repos import FILES, GitDaemon, Product, git, release_product, replace_line
from tests.helpers.smtp import SmtpServer

EMBARGO = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
PAST_EMBARGO = "2026-01-05T14:00:00Z"  # before the real clock: for subprocess runs
DETAIL_MARKER = "MARKER-DETAIL-7731"
LISTS = ("announce@lists.acme.example", "distros@lists.acme.example")
# The lines a High advisory needs in the standard product: upcoming, ESR, the last three.
HIGH_LINES = ("10.4", "9.11", "10.1", "10.2", "10.3")
NEXT = {"10.4": "10.4.0", "9.11": "9.11.3", "10.1": "10.1.2", "10.2": "10.2.1", "10.3": "10.3.2"}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Release:
    """A workspace with one High advisory whose fixes are held for every line it needs."""

    root: Path
    product: Product
    smtp: SmtpServer
    gpg: GpgHome

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        with_env = {**self.gpg.env, **(env or {})}
        return CliRunner(env=with_env).invoke(cli, ["-C", str(self.root), *args])

    def subprocess(self, *args: str, crash_after: str | None = None) -> int:
        env = {**self.gpg.env, "RELEASEKIT_WORKSPACE": str(self.root)}
        env.pop(CRASH_AFTER, None)
        if crash_after:
            env[CRASH_AFTER] = crash_after
        code = "from releasekit.cli import cli; cli(prog_name='releasekit')"
        proc = subprocess.run(
            [sys.executable, "-c", code, *args], env=env, capture_output=True, check=False
        )
        return proc.returncode

    def interrupted_lift(self, ready: Callable[[], bool]) -> tuple[int, str]:
        """A lift run as a process and sent SIGINT (Ctrl-C) once ``ready()``: its exit code
        and standard error."""
        env = {**self.gpg.env, "RELEASEKIT_WORKSPACE": str(self.root)}
        code = "from releasekit.cli import cli; cli(prog_name='releasekit')"
        lifting = subprocess.Popen(
            [sys.executable, "-c", code, "embargo", "lift", "--yes"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            # Ctrl-C as a terminal delivers it, however the suite was started: a suite run in
            # the background of a shell without job control (`make test &` in a script)
            # ignores SIGINT, and a Python started so keeps ignoring it.
            preexec_fn=_default_sigint,
        )
        try:
            deadline = time.monotonic() + 60
            while not ready():
                assert lifting.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
            lifting.send_signal(signal.SIGINT)
            _, stderr = lifting.communicate(timeout=60)
        finally:
            if lifting.poll() is None:
                lifting.kill()
                lifting.wait()
        return lifting.returncode, stderr

    def remote_refs(self) -> dict[str, str]:
        out = git(self.product.remote, "for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ", 1) for line in out.splitlines())  # type: ignore[misc]

    def advisory(self) -> str:
        return (self.root / "advisories" / "ACSA-2026-0001.md").read_text()

    def journal_steps(self) -> list[str]:
        with Journal.open(self.root / ".releasekit") as book:
            return [f"{s.key}={s.status}" for s in book.steps("lift/")]

    def hook(self, name: str, script: str) -> None:
        """A hook of the remote (it runs when the remote is served: :meth:`served`)."""
        hook = self.product.remote / "hooks" / name
        hook.write_text(script)
        hook.chmod(0o755)

    @contextlib.contextmanager
    def served(self) -> Iterator[GitDaemon]:
        """The remote served by ``git daemon`` (a real git server: its hooks run), and the
        product clone pushing to it."""
        with GitDaemon(self.product.root) as daemon:
            git(self.product.clone, "remote", "set-url", "origin", daemon.url("remote.git"))
            yield daemon


def mail_table(smtp: SmtpServer, key: str) -> str:
    to = ", ".join(f'"{a}"' for a in LISTS)
    return (
        f'\n[mail]\nfrom = "Acme Security <security@acme.example>"\nto = [{to}]\n'
        f'smtp = "{smtp.url}"\nsigning_key = "{key}"\ntimeout = 5\n'
    )


def make_release(
    tmp_path: Path,
    cache: Path,
    smtp: SmtpServer,
    gpg: GpgHome,
    *,
    embargo_at: str = "2026-12-01T14:00:00Z",
    key: str | None = None,
) -> Release:
    from tests.helpers.repos import workspace_config

    product = release_product(cache, tmp_path / "product")
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    config = workspace_config(product.clone, mail_table(smtp, key or gpg.fingerprint))
    config = config.replace(
        "[releases]", '[releases]\ncommitter = "Release Bot <release@example.org>"'
    )
    (root / "releasekit.toml").write_text(config)
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        "+++\n"
        'id = "ACSA-2026-0001"\n'
        'title = "Link previews follow redirects"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N"\n'
        'cve = "CVE-2026-40002"\n'
        'reporter = "Sam Rivera"\n'
        f"embargo = {embargo_at}\n"
        'summary = "Link previews could fetch internal addresses."\n'
        "+++\n\n"
        f"Details: {DETAIL_MARKER}\n"
    )
    release = Release(root, product, smtp, gpg)
    fixed = replace_line(FILES["src/preview.c"], 20, "preview: check each redirect target")
    for line in HIGH_LINES:
        patch = product.fix(f"release-{line}", {"src/preview.c": fixed}, "Check redirect targets")
        path = tmp_path / f"fix-{line}.patch"
        path.write_bytes(patch)
        result = release.run("patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert result.exit_code == 0, result.output
    return release


def after_embargo() -> time_machine.travel:
    return time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True)


def test_lift_refuses_before_the_embargo(release: Release) -> None:
    before_refs = release.remote_refs()
    with time_machine.travel(EMBARGO - timedelta(hours=2), tick=False):
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1
    assert (
        "embargo not over: ACSA-2026-0001 ends at 2026-12-01T14:00:00Z (in 2h 00m" in result.stderr
    )
    assert release.remote_refs() == before_refs
    assert release.smtp.messages == []
    assert "released" not in release.advisory()


def test_lift_without_terminal_or_yes_is_refused(release: Release) -> None:
    before_refs = release.remote_refs()
    with after_embargo():
        result = release.run("embargo", "lift")
    assert result.exit_code == 2
    assert "embargo lift: no terminal to confirm on; pass --yes" in result.stderr
    assert release.remote_refs() == before_refs
    assert release.smtp.messages == []
    assert release.smtp.recorder.transactions == 0  # refused before the preflight's mail check
    assert "released" not in release.advisory()
    # With nothing pending there is nothing to confirm: a cron job without --yes is told so.
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = release.advisory()
    path.write_text("".join(x for x in text.splitlines(True) if not x.startswith("embargo =")))
    with after_embargo():
        idle = release.run("embargo", "lift")
    assert idle.exit_code == 0, idle.stderr
    assert "Nothing to lift" in idle.stdout


@pytest.mark.parametrize("command", ["announce", "notify"])
def test_a_message_without_terminal_or_yes_is_refused(release: Release, command: str) -> None:
    result = release.run("embargo", command)
    assert result.exit_code == 2
    assert f"embargo {command}: no terminal to confirm on; pass --yes" in result.stderr
    assert release.smtp.messages == []


def files_of(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and directory under ``root`` with its bytes and modification time."""
    found: dict[str, tuple[bytes, int]] = {}
    for path in sorted(root.rglob("*")):
        data = path.read_bytes() if path.is_file() else b""
        found[str(path.relative_to(root))] = (data, path.stat().st_mtime_ns)
    return found


def test_dry_run_shows_everything_and_changes_nothing(release: Release) -> None:
    before_refs = release.remote_refs()
    before_files = files_of(release.root)
    with after_embargo():
        result = release.run("embargo", "lift", "--dry-run", "--show-announcement")
    assert result.exit_code == 0, result.output
    for line, version in NEXT.items():
        assert f"refs/heads/release-{line}" in result.stdout
        if line != "10.4":
            assert f"refs/tags/v{version}" in result.stdout
    assert "refs/tags/v10.4.0" not in result.stdout
    assert "Subject:" in result.stdout
    assert DETAIL_MARKER not in result.stdout
    assert "Dry run: nothing was changed." in result.stdout
    assert release.remote_refs() == before_refs
    assert files_of(release.root) == before_files  # no journal, no lock, no page
    assert release.smtp.messages == []


def test_dry_run_before_the_instant_shows_the_lift_at_the_instant(release: Release) -> None:
    # The --help example, two days early: everything the lift would write, exit 0.
    before_refs = release.remote_refs()
    before_files = files_of(release.root)
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        result = release.run("embargo", "lift", "--dry-run")
    assert result.exit_code == 0, result.output + result.stderr
    out = result.stdout
    for line, version in NEXT.items():
        assert f"refs/heads/release-{line}" in out
        assert f"on release-{line}\nCheck redirect targets\n" in out  # the commit message
        if line != "10.4":
            assert f"--- tag v{version}\n" in out  # the tag message, in full
    assert "BEGIN PGP SIGNATURE" not in out
    assert "site/advisories/ACSA-2026-0001.html" in out
    # The whole announcement, as the lift would send it at the instant.
    announcement = out[out.index("--- announcement\n") :]
    assert "Subject: " in announcement and "ACSA-2026-0001" in announcement
    assert "Link previews could fetch internal addresses." in announcement
    assert "10.3.2" in announcement and "2026-12-01" in announcement
    assert DETAIL_MARKER not in out
    assert out.endswith(
        "Dry run: nothing was changed. The lift would go public at 2026-12-01 14:00 UTC"
        " (06:00 PST).\n"
    ), out[-200:]
    assert release.remote_refs() == before_refs
    assert files_of(release.root) == before_files
    assert release.smtp.messages == []


def test_dry_run_before_the_instant_exits_1_when_not_ready(release: Release) -> None:
    release.smtp.stop()
    (release.root / "patches" / "ACSA-2026-0001" / "9.11.patch").unlink()
    before_files = files_of(release.root)
    with time_machine.travel(EMBARGO - timedelta(hours=5), tick=False):
        result = release.run("embargo", "lift", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout and "SMTP server" in result.stdout
    assert "refs/heads/release-10.3" in result.stdout  # what could be built is still shown
    (error,) = [x for x in result.stderr.splitlines() if x.startswith("releasekit: error:")]
    assert error.startswith("releasekit: error: not ready: SMTP server: ")
    assert error.endswith("; fixes held and applying: ACSA-2026-0001 on 9.11: missing")
    assert files_of(release.root) == before_files


def test_the_lift_shows_a_title_as_written(release: Release) -> None:
    # The lift's plan (what --dry-run and the confirmation show) crashed on a closing tag
    # with nothing open and was restyled by [red]; a bidi override reordered the line.
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    hostile = "[/bold] Ref<B, T> [red]red[/] \u202eevil"
    path.write_text(release.advisory().replace("Link previews follow redirects", hostile))
    with after_embargo():
        result = release.run(
            "embargo", "lift", "--dry-run", "--show-announcement", env={"COLUMNS": "300"}
        )
    assert result.exit_code == 0, result.output
    shown = "[/bold] Ref<B, T> [red]red[/] \\u202eevil"
    assert result.stdout.count(shown) == 3  # the plan, the subject and the body
    assert "\u202e" not in result.stdout


@pytest.mark.parametrize("env", ASCII_TERMINALS.values(), ids=list(ASCII_TERMINALS))
def test_the_lift_shows_escapes_on_an_ascii_terminal(
    past: Release,
    env: dict[str, str | None],
) -> None:
    # The lift's plan stopped with a UnicodeEncodeError's traceback on a terminal whose
    # encoding cannot hold the title or the project's name (an ASCII locale).
    config = past.root / "releasekit.toml"
    config.write_text(config.read_text().replace("Acme Server", "Ácme Server"))
    path = past.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(past.advisory().replace("Link previews", "Prévisualisation"))
    result = cli_process(
        past.root,
        "embargo",
        "lift",
        "--dry-run",
        "--show-announcement",
        env={**env, "GNUPGHOME": str(past.gpg.path), "COLUMNS": "300"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = "Pr\\xe9visualisation follow redirects"
    assert result.stdout.count(shown) == 3  # the plan, the subject and the body
    assert "\\xc1cme Server security team" in result.stdout
    assert "Dry run: nothing was changed." in result.stdout
    assert result.stdout.isascii() and result.stderr.isascii()
    assert past.smtp.messages == []


def test_full_lift_pushes_announces_publishes_once(release: Release) -> None:
    # What a lift killed inside the atomic write of the advisory leaves: the lift removes it.
    leftover = release.root / "advisories" / ".ACSA-2026-0001.md.k1ll3d.tmp"
    leftover.write_text("+++\nid = \n")
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 0, result.output + result.stderr
        assert not leftover.exists()
        refs = release.remote_refs()
        for line, version in NEXT.items():
            branch = f"refs/heads/release-{line}"
            content = git(release.product.remote, "show", f"{branch}:src/preview.c")
            assert "check each redirect target" in content
            if line != "10.4":
                assert f"refs/tags/v{version}" in refs
                verify = subprocess.run(
                    ["git", "verify-tag", f"v{version}"],
                    cwd=release.product.remote,
                    env=release.gpg.env,
                    capture_output=True,
                    check=False,
                )
                assert verify.returncode == 0, verify.stderr
        assert "refs/tags/v10.4.0" not in refs
        # Author of the fix kept; nothing embargoed in what was pushed.
        log = git(release.product.remote, "log", "-1", "--format=%an%n%B", "release-10.3")
        assert log.startswith("Dana Developer")
        assert DETAIL_MARKER not in log
        # released and fixed recorded in the advisory file, the rest kept.
        text = release.advisory()
        assert "released = 2026-12-01T14:00:" in text
        recorded = (
            "Recorded released, fixed, unfixed and fix_commits in advisories/ACSA-2026-0001.md"
        )
        assert "unfixed = []" in release.advisory()
        assert recorded + ": commit them." in result.stdout
        assert '"10.3" = "10.3.2"' in text and '"9.11" = "9.11.3"' in text
        assert f"Details: {DETAIL_MARKER}" in text
        # One signed message per list, verified by the real gpg.
        messages = release.smtp.messages
        assert sorted(m.rcpt_tos[0] for m in messages) == sorted(LISTS)
        for message in messages:
            verify_pgp_mime(message.data, release.gpg)
            assert DETAIL_MARKER.encode() not in message.data
        # The placeholder page.
        index = (release.root / "site" / "index.html").read_text()
        assert "Details on the security update will be posted here on 2026-12-31" in index
        assert DETAIL_MARKER not in index
        # A second lift does nothing at all.
        again = release.run("embargo", "lift", "--yes")
        assert again.exit_code == 0, again.output
        assert "Nothing to lift" in again.stdout
        assert release.remote_refs() == refs
        assert len(release.smtp.messages) == 2
        # The daily publish after it finds the site as the lift left it: nothing to render.
        daily = release.run("publish")
        assert daily.exit_code == 0, daily.output
        assert "rendered" not in daily.output + daily.stderr
        assert "0 files written" in daily.output


def test_the_lift_records_the_release_in_front_matter_that_ends_in_tables(
    release: Release,
) -> None:
    # Valid TOML a release manager may write: credits as an array of tables after the keys.
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = path.read_text().replace('reporter = "Sam Rivera"\n', "")
    tables = (
        '\n[[credits]]\nname = "Sam Rivera"  # by the report\ntype = "finder"\n\n'
        '[[credits]]\nname = "Acme PSIRT"\ntype = "coordinator"\n'
    )
    path.write_text(text.replace("\n+++\n\n", "\n" + tables + "+++\n\n", 1))
    assert release.run("advisory", "check").exit_code == 0
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 0, result.output + result.stderr
        check = release.run("advisory", "check")
        assert check.exit_code == 0, check.output + check.stderr
        text = release.advisory()
        front = text.split("+++")[1]
        assert front.index("released = 2026-12-01T14:00:") < front.index("[[credits]]")
        assert 'name = "Sam Rivera"  # by the report' in front
        recorded = parse_advisory(text, path, "ACSA")
        assert recorded.fixed["10.3"] == "10.3.2" and recorded.fix_commits
        assert [c.name for c in recorded.credits] == ["Sam Rivera", "Acme PSIRT"]


def verify_pgp_mime(raw: bytes, gpg: GpgHome) -> None:
    """Check an RFC 3156 message with the real gpg: the signed part, byte for byte."""
    message = email.message_from_bytes(raw)
    assert message.get_content_type() == "multipart/signed"
    assert message.get_param("protocol") == "application/pgp-signature"
    boundary = message.get_boundary()
    assert boundary is not None
    body = raw.split(b"\r\n\r\n", 1)[1]
    parts = body.split(b"--" + boundary.encode())
    signed = parts[1][2:-2]  # between the CRLF after the boundary and the CRLF before the next
    signature = email.message_from_bytes(parts[2].lstrip(b"\r\n")).get_payload()
    gpg.verify(signed, signature.encode() if isinstance(signature, str) else signature)


def test_smtp_down_then_up_sends_exactly_once(release: Release) -> None:
    release.smtp.stop()
    with after_embargo():
        # The preflight checks the server: nothing happens while it is down.
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 1
        assert "SMTP server" in result.stderr
        assert "released" not in release.advisory()
        release.smtp.start()
        release.smtp.recorder.defer_next = 1  # up, but the first message is deferred (451)
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 1, result.output
        assert "not sent" in result.stderr
        assert "released = " in release.advisory()  # pushed and recorded
        pushed = release.remote_refs()
        result = release.run("embargo", "lift", "--yes")
        assert result.exit_code == 0, result.output + result.stderr
        assert release.remote_refs() == pushed
        assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
        status = release.run("embargo", "status")
        assert "half done" not in status.stdout


def test_a_clock_set_back_after_the_push_still_publishes_the_release(release: Release) -> None:
    release.smtp.recorder.defer_next = 1  # pushed and recorded, then the mail step stops
    with after_embargo():
        assert release.run("embargo", "lift", "--yes").exit_code == 1
    assert "released = " in release.advisory()
    # The re-run's clock reads ten minutes before the release instant it journalled.
    with time_machine.travel(EMBARGO - timedelta(minutes=10), tick=True):
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
    # The announcement links to the page: the site shows the release, as after one run.
    assert "ACSA-2026-0001" in (release.root / "site" / "index.html").read_text()
    assert (release.root / "site" / "advisories" / "ACSA-2026-0001.html").is_file()


def test_branch_moved_between_preflight_and_push(release: Release) -> None:
    settings = load_config(release.root)
    moved: list[str] = []

    def move_branch(report: LiftReport) -> bool:
        moved.append(
            release.product.commit(
                "release-10.2", {"NEWS": "10.2 notes\n"}, "Add release notes", create_from=""
            )
        )
        release.product.publish("release-10.2")
        # The push plans again, and signs its tags in another second than the preflight
        # did: the kept lines' tags must still be the preflight's, and pushable (half the
        # runs failed with "no such revision" when the two fell in different seconds).
        time.sleep(1.1)
        return True

    outside = Outside(env=Environment(release.gpg.env))
    with after_embargo():
        report = lift(settings, outside, confirm=move_branch)
    assert report.released is not None
    tip = release.product.tip("release-10.2")
    assert git(release.product.remote, "merge-base", "--is-ancestor", moved[0], tip) == ""
    assert "check each redirect target" in git(
        release.product.remote, "show", "release-10.2:src/preview.c"
    )
    assert git(release.product.remote, "show", "release-10.2:NEWS") == "10.2 notes"
    tag_target = git(release.product.remote, "rev-parse", "v10.2.1^{commit}")
    assert tag_target == tip
    assert len(release.smtp.messages) == 2


@pytest.mark.parametrize(
    "step",
    ["push-started", "push", "record", f"mail/{LISTS[0]}", "site"],
)
def test_killed_after_each_step_then_resumed(
    past: Release,
    step: str,
) -> None:
    assert past.subprocess("embargo", "lift", "--yes", crash_after=step) == -9
    assert past.subprocess("embargo", "lift", "--yes") == 0
    refs = past.remote_refs()
    assert {f"refs/tags/v{v}" for k, v in NEXT.items() if k != "10.4"} <= set(refs)
    assert sorted(m.rcpt_tos[0] for m in past.smtp.messages) == sorted(LISTS)
    assert "released = " in past.advisory()
    assert (past.root / "site" / "index.html").exists()
    assert all(s.endswith("=done") for s in past.journal_steps()), past.journal_steps()
    # And once more: nothing new.
    assert past.subprocess("embargo", "lift", "--yes") == 0
    assert past.remote_refs() == refs
    assert len(past.smtp.messages) == 2


def test_a_lift_resumed_without_an_advisory_file_waits_for_it(past: Release) -> None:
    # Pushed, then the file is gone (moved, a checkout of another branch of the workspace).
    # The resumed run left it out: it announced "0 security issues" to every list, recorded
    # nothing, published a site without it, and called the lift done.
    assert past.subprocess("embargo", "lift", "--yes", crash_after="push") == -9
    path = past.root / "advisories" / "ACSA-2026-0001.md"
    kept = path.read_bytes()
    path.unlink()
    stopped = past.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1
    last = stopped.stderr.splitlines()[-1]
    assert last.startswith("releasekit: error: ACSA-2026-0001: no advisory file has this id")
    assert last.endswith(
        "then re-run `releasekit embargo lift` to finish (record, announce, publish)."
    )
    assert past.smtp.messages == []
    assert not (past.root / "site").exists()
    path.write_bytes(kept)
    assert past.subprocess("embargo", "lift", "--yes") == 0
    assert "released = " in past.advisory()
    assert sorted(m.rcpt_tos[0] for m in past.smtp.messages) == sorted(LISTS)
    assert "ACSA-2026-0001" in (past.root / "site" / "index.html").read_text()


def test_a_record_discarded_after_the_lift_is_written_again(past: Release) -> None:
    path = past.root / "advisories" / "ACSA-2026-0001.md"
    before = path.read_bytes()
    assert past.subprocess("embargo", "lift", "--yes") == 0
    after = past.advisory()
    path.write_bytes(before)  # `git checkout advisories/`: the uncommitted record is lost
    # The lift found its run done and said so: the release stayed unrecorded, and the next
    # publish took it off the site.
    again = past.run("embargo", "lift", "--yes")
    assert again.exit_code == 0, again.output + again.stderr
    assert "Done now: record." in again.stdout
    assert past.advisory() == after
    assert len(past.smtp.messages) == 2  # nothing sent again
    assert past.run("publish").exit_code == 0
    assert "ACSA-2026-0001" in (past.root / "site" / "index.html").read_text()


def test_an_interrupt_after_the_push_says_the_release_is_pushed(past: Release) -> None:
    # Ctrl-C while the first list's message is being sent: click said only "Aborted!", as if
    # nothing had happened; the fix is public by then.
    past.smtp.recorder.stall_next = 1
    past.smtp.recorder.stall_seconds = 8  # the client gives up after 5 s: Ctrl-C first

    def sending() -> bool:
        return any(s.endswith("=started") and "/mail/" in s for s in past.journal_steps())

    code, stderr = past.interrupted_lift(sending)
    assert code == 1
    assert stderr.splitlines()[-1] == (
        "releasekit: error: interrupted. The release is pushed; re-run `releasekit embargo "
        "lift` to finish (record, announce, publish)."
    )


def test_one_record_of_two_discarded_after_the_lift_is_written_again(past: Release) -> None:
    add_advisory(past, "ACSA-2026-0002", PAST_EMBARGO, HIGH_LINES)
    path = past.root / "advisories" / "ACSA-2026-0002.md"
    before = path.read_bytes()
    assert past.subprocess("embargo", "lift", "--yes") == 0
    first, second = past.advisory(), path.read_text()
    refs = past.remote_refs()
    path.write_bytes(before)  # one file checked out from before the lift
    # The one advisory left pending made a batch of its own, with no push in the journal:
    # its release on the remote was taken for another copy's, and the lift refused.
    again = past.run("embargo", "lift", "--yes")
    assert again.exit_code == 0, again.output + again.stderr
    assert "Done now: record." in again.stdout
    assert (past.advisory(), path.read_text()) == (first, second)
    assert past.remote_refs() == refs
    assert len(past.smtp.messages) == len(LISTS)  # nothing sent again
    assert "Nothing to lift" in past.run("embargo", "lift", "--yes").stdout


def test_status_says_a_lift_writes_a_discarded_record_again(past: Release) -> None:
    add_advisory(past, "ACSA-2026-0002", PAST_EMBARGO, HIGH_LINES)
    path = past.root / "advisories" / "ACSA-2026-0002.md"
    before = path.read_bytes()
    assert past.subprocess("embargo", "lift", "--yes") == 0
    path.write_bytes(before)  # one file checked out from before the lift
    # Status preflighted the advisory as pending, took its release on the remote for another
    # copy's and said to copy that copy's .releasekit/ here: the journal is here already.
    shown = past.run("embargo", "status")
    assert shown.exit_code == 1, shown.output + shown.stderr
    assert "another copy" not in shown.stdout
    (line,) = [x for x in shown.stdout.splitlines() if "released by lift" in x]
    assert line.startswith("ACSA-2026-0002 released by lift run-")
    assert "(journalled in this copy's .releasekit/)" in line
    assert line.endswith(
        "the record is missing from advisories/ACSA-2026-0002.md: run `releasekit embargo "
        "lift` to write it again (nothing is pushed or sent again)"
    )
    assert "No pending embargo." in shown.stdout
    report = json.loads(past.run("embargo", "status", "--json").stdout)
    assert (report["ready"], report["pending"], report["batches"]) == (False, [], [])
    (lost,) = report["lost_records"]
    assert lost["advisories"] == ["ACSA-2026-0002"]
    assert lost["files"] == ["advisories/ACSA-2026-0002.md"]
    # What it says to do.
    assert past.run("embargo", "lift", "--yes").exit_code == 0
    assert len(past.smtp.messages) == len(LISTS)
    done = past.run("embargo", "status", "--json")
    assert done.exit_code == 0
    assert json.loads(done.stdout)["lost_records"] == []


def test_a_gpg_agent_stopped_after_the_push_times_out_and_says_the_release_is_pushed(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An agent stopped (a suspended session) once the tags are pushed: signing the
    # announcement waited forever, with the fixes public and nothing said.
    home = fresh_gpg_home
    home.fingerprint = home.generate("Acme Security <security@acme.example>")
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release = make_release(tmp_path, cache, smtp_server, home)
    agent = int(
        subprocess.run(
            ["gpg-connect-agent", "--homedir", str(home.path), "GETINFO pid", "/bye"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split()[1]  # "D 1234\nOK\n"
    )
    # Stopped for good: again until each thread is (the agent's own SIGCONT, as a connection
    # ends, cancels a SIGSTOP no thread has taken yet; see test_signing._stop).
    states = f"cut -d')' -f2 /proc/{agent}/task/*/stat | cut -d' ' -f2 | sort -u"
    stop = (
        f'n=0; while [ $n -lt 1000 ] && kill -STOP {agent} && [ "$({states})" != T ]; '
        "do n=$((n+1)); sleep 0.01; done"
    )
    release.hook("post-receive", f"#!/bin/sh\nif grep -q refs/tags/; then {stop}; fi\nexit 0\n")
    monkeypatch.setattr("releasekit.adapters.signing.DEADLINE", 3)
    try:
        with release.served(), after_embargo():
            stopped = release.run("embargo", "lift", "--yes")
        assert stopped.exit_code == 1, stopped.output + stopped.stderr
        assert stopped.stderr.splitlines()[-1] == (
            "releasekit: error: gpg did not answer within 3 s while signing (is gpg-agent "
            "stopped, or waiting for a passphrase?). The release is pushed; re-run "
            "`releasekit embargo lift` to finish (record, announce, publish)."
        )
        assert "refs/tags/v10.3.2" in release.remote_refs()
        assert release.smtp.messages == []
    finally:
        os.kill(agent, signal.SIGCONT)
    with after_embargo():
        again = release.run("embargo", "lift", "--yes")
    assert again.exit_code == 0, again.output + again.stderr
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)


def test_a_full_disk_after_the_push_says_the_release_is_pushed_and_resumes(
    past: Release,
) -> None:
    path = past.root / "advisories" / "ACSA-2026-0001.md"
    # Larger than any file written before the record step: recording it fails (EFBIG). (In
    # letters of 4 bytes: 294 KB, well within the 262144 characters a body may have.)
    path.write_text(path.read_text() + "Details in 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters.\n" * 6000)
    before = past.remote_refs()

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (250_000, 250_000))

    env = {**past.gpg.env, "RELEASEKIT_WORKSPACE": str(past.root)}
    code = "from releasekit.cli import cli; cli(prog_name='releasekit')"
    failed = subprocess.run(
        [sys.executable, "-c", code, "embargo", "lift", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=full_disk,  # the child sets only its own limit
        check=False,
    )
    assert failed.returncode == 1, failed.stderr
    assert past.remote_refs() != before and past.smtp.messages == []
    assert failed.stderr.splitlines()[-1] == (
        "releasekit: error: advisories/ACSA-2026-0001.md: File too large. The release is pushed; "
        "re-run `releasekit embargo lift` to finish (record, announce, publish)."
    )
    assert past.subprocess("embargo", "lift", "--yes") == 0
    assert "released = " in past.advisory()
    assert sorted(m.rcpt_tos[0] for m in past.smtp.messages) == sorted(LISTS)


@pytest.mark.parametrize("key", ["expired", "not in the GnuPG home"])
def test_a_signing_key_that_cannot_sign_stops_everything(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    gpg_home: GpgHome,
    key: str,
) -> None:
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    absent = "0123456789ABCDEF0123456789ABCDEF01234567"
    fingerprint = gpg_home.expired_fingerprint if key == "expired" else absent
    release = make_release(tmp_path, cache, smtp_server, gpg_home, key=fingerprint)
    before = release.remote_refs()
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1
    assert "signing key" in result.stderr
    assert release.remote_refs() == before
    assert release.smtp.messages == []


def test_lift_over_the_git_protocol(release: Release) -> None:
    with release.served(), after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert "refs/tags/v10.3.2" in release.remote_refs()


def test_lift_over_https_with_a_login_from_the_environment(
    release: Release, tmp_path: Path
) -> None:
    ca = trustme.CA()
    cafile = tmp_path / "git-ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    server = GitHttpServer(release.product.root, "release-bot", "forge-token-123", ca)
    server.start()
    try:
        git(release.product.clone, "remote", "set-url", "origin", server.url("remote.git"))
        env = {
            "RELEASEKIT_GIT_USER": "release-bot",
            "RELEASEKIT_GIT_PASSWORD": "forge-token-123",
            "RELEASEKIT_GIT_CAFILE": str(cafile),
        }
        with after_embargo():
            result = release.run("embargo", "lift", "--yes", env=env)
        assert result.exit_code == 0, result.output + result.stderr
        assert "forge-token-123" not in result.output + result.stderr
    finally:
        server.stop()
    assert "refs/tags/v10.3.2" in release.remote_refs()
    assert len(release.smtp.messages) == 2


@pytest.mark.parametrize(("answer", "again"), [("--sent", 0), ("--resend", 1)])
def test_an_announcement_the_server_may_have_taken_is_not_sent_twice(
    release: Release, answer: str, again: int
) -> None:
    config = release.root / "releasekit.toml"
    config.write_text(config.read_text().replace("timeout = 5", "timeout = 1"))
    release.smtp.recorder.stall_next = 1  # the first list's message: taken, no answer
    with after_embargo():
        first = release.run("embargo", "lift", "--yes")
    assert first.exit_code == 1
    assert f"announcement to {LISTS[0]}: handed over" in first.stderr
    assert f"--resend {LISTS[0]}" in first.stderr
    taken = len(release.smtp.messages)
    assert taken == 2  # the stalled one (the list has it) and the other list's
    with after_embargo():
        plain = release.run("embargo", "lift", "--yes")
    assert plain.exit_code == 1 and "may have been delivered" in plain.stderr
    assert len(release.smtp.messages) == taken  # never again by itself
    assert not (release.root / "site" / "index.html").exists()  # the lift stopped there
    with after_embargo():
        done = release.run("embargo", "lift", "--yes", answer, LISTS[0])
    assert done.exit_code == 0, done.output + done.stderr
    assert len(release.smtp.messages) == taken + again
    assert (release.root / "site" / "index.html").exists()


def test_a_send_cut_short_by_a_kill_is_not_repeated_by_itself(release: Release) -> None:
    release.smtp.recorder.defer_next = 1  # pushed, then the first list's message refused (451)
    with after_embargo():
        assert release.run("embargo", "lift", "--yes").exit_code == 1
    with Journal.open(release.root / ".releasekit") as book:
        key = next(s.key for s in book.steps("lift/") if s.key.endswith(f"/mail/{LISTS[0]}"))
        book.start(key, datetime.now(UTC))  # as a run killed while sending leaves it
    with after_embargo():
        cut = release.run("embargo", "lift", "--yes")
    assert cut.exit_code == 1 and "being sent when releasekit stopped" in cut.stderr
    assert [m.rcpt_tos for m in release.smtp.messages] == [(LISTS[1],)]  # the other list only
    with after_embargo():
        done = release.run("embargo", "lift", "--yes", "--resend", LISTS[0])
    assert done.exit_code == 0, done.output + done.stderr
    assert sorted(m.rcpt_tos for m in release.smtp.messages) == [(LISTS[0],), (LISTS[1],)]


def test_status_shows_time_left_and_the_checklist(release: Release) -> None:
    with time_machine.travel(EMBARGO - timedelta(hours=26, minutes=30), tick=False):
        result = release.run("embargo", "status")
        assert result.exit_code == 0, result.output + result.stderr
        assert "ACSA-2026-0001" in result.stdout
        assert "1d 02h 30m" in result.stdout
        data = json.loads(release.run("embargo", "status", "--json").stdout)
    assert data["ready"] is True
    names = [c["name"] for c in data["batches"][0]["checks"]]
    for expected in (
        "CVE ids",
        "journal",
        "signing key",
        "SMTP server",
        "leak lint",
        "announcement and pages",
    ):
        assert expected in names
    assert data["pending"][0]["seconds_left"] == 95400


def test_status_names_what_is_missing(release: Release) -> None:
    (release.root / "patches" / "ACSA-2026-0001" / "10.2.patch").unlink()
    release.smtp.stop()
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)["batches"][0]["checks"]}
    assert checks["fixes held and applying"]["ok"] is False
    assert "10.2: missing" in checks["fixes held and applying"]["detail"]
    assert checks["SMTP server"]["ok"] is False


def test_status_says_how_to_give_an_advisory_its_cve_id(release: Release) -> None:
    # "no CVE id in ACSA-2026-0001" alone left a first-time user guessing what to do.
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace('cve = "CVE-2026-40002"\n', ""))
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)["batches"][0]["checks"]}
    assert checks["CVE ids"]["ok"] is False
    assert checks["CVE ids"]["detail"] == (
        "no CVE id in ACSA-2026-0001: reserve one with `releasekit cve reserve ID`,"
        " or write an id reserved elsewhere as cve in advisories/ACSA-2026-0001.md"
    )


def test_nothing_embargoed_leaks_anywhere(release: Release) -> None:
    with after_embargo():
        assert release.run("embargo", "lift", "--yes").exit_code == 0
    site = release.root / "site"
    for path in site.rglob("*"):
        if path.is_file():
            assert DETAIL_MARKER.encode() not in path.read_bytes(), path
    log = git(release.product.remote, "log", "--all", "--format=%B%n%an%n%cn")
    assert DETAIL_MARKER not in log
    for message in release.smtp.messages:
        assert DETAIL_MARKER.encode() not in message.data
    with Journal.open(release.root / ".releasekit") as book:
        dump = json.dumps([s.detail for s in book.steps()])
    assert DETAIL_MARKER not in dump


class FakeClock:
    """A clock that sleeping advances: the --wait countdown without real waiting."""

    def __init__(self, start: datetime) -> None:
        self.moment = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.moment += timedelta(seconds=seconds)


def spy_rechecks(
    fake: FakeClock,
) -> tuple[list[timedelta], Callable[[Settings, Outside, datetime], list[Check]]]:
    """The lift's ``checks_again``, recording how long before the embargo instant the gates
    are checked again (--wait)."""
    rechecked: list[timedelta] = []

    def checks(settings: Settings, outside: Outside, now: datetime) -> list[Check]:
        rechecked.append(EMBARGO - fake.now())
        return resume_checks(settings, outside, now)

    return rechecked, checks


def test_wait_pushes_at_the_embargo_instant_never_before(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=30))
    pushed_at: list[datetime] = []
    ticks: list[timedelta] = []

    def progress(text: str) -> None:
        if text.startswith("pushing"):
            pushed_at.append(fake.now())

    outside = Outside(env=Environment(release.gpg.env), progress=progress)
    with time_machine.travel(EMBARGO - timedelta(seconds=30), tick=True):
        report = lift(
            settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=ticks.append
        )
    assert report.released is not None
    start = pushed_at[0]  # the branches; the tags follow once the branches read back
    assert EMBARGO <= start < EMBARGO + timedelta(seconds=1)
    assert ticks[0] == timedelta(seconds=30)
    assert max(fake.sleeps) <= 0.5
    assert "refs/tags/v10.3.2" in release.remote_refs()


def test_wait_refuses_nothing_pending(release: Release) -> None:
    with after_embargo():
        assert release.run("embargo", "lift", "--yes").exit_code == 0
        result = release.run("embargo", "lift", "--wait", "--yes")
    assert result.exit_code == 0
    assert "Nothing to lift" in result.stdout


def test_pre_announcement_names_date_versions_and_severity_only(release: Release) -> None:
    with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
        dry = release.run("embargo", "announce", "--dry-run")
        assert dry.exit_code == 0, dry.output + dry.stderr
        assert "2026-12-01 14:00 UTC (06:00 PST)" in dry.stdout
        assert "highest severity is High" in dry.stdout
        for version in ("10.4.0", "10.3.2", "10.2.1", "10.1.2", "9.11.3"):
            assert version in dry.stdout
        for secret in ("ACSA-2026-0001", "CVE-2026-40002", "Link previews", "Sam Rivera"):
            assert secret not in dry.stdout
        assert DETAIL_MARKER not in dry.stdout
        assert release.smtp.messages == []
        sent = release.run("embargo", "announce", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
        again = release.run("embargo", "announce", "--yes")
        assert "already sent to" in again.stdout
    assert len(release.smtp.messages) == len(LISTS)
    for message in release.smtp.messages:
        verify_pgp_mime(message.data, release.gpg)
        assert b"ACSA-2026-0001" not in message.data


def test_a_pre_announcement_the_server_may_have_taken_waits_for_the_operator(
    release: Release,
) -> None:
    config = release.root / "releasekit.toml"
    config.write_text(config.read_text().replace("timeout = 5", "timeout = 1"))
    release.smtp.recorder.stall_next = 1
    with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
        first = release.run("embargo", "announce", "--yes")
        assert first.exit_code == 1
        assert f"pre-announcement to {LISTS[0]}: handed over" in first.stderr
        assert "releasekit embargo announce` with --resend" in first.stderr
        assert len(release.smtp.messages) == 2
        again = release.run("embargo", "announce", "--yes")
        assert again.exit_code == 1 and len(release.smtp.messages) == 2
        done = release.run("embargo", "announce", "--yes", "--resend", LISTS[0])
        assert done.exit_code == 0, done.output + done.stderr
        assert len(release.smtp.messages) == 3
        assert "already sent to" in release.run("embargo", "announce", "--yes").stdout


def test_pre_announcement_needs_a_future_embargo(release: Release) -> None:
    with after_embargo():
        result = release.run("embargo", "announce", "--yes")
    assert result.exit_code == 1
    assert "no embargo ends in the future" in result.stderr


# --- regressions from the review of the lift ---------------------------------------------------


def add_advisory(release: Release, ident: str, embargo_at: str, lines: tuple[str, ...]) -> None:
    """A second Medium advisory with its own fix (in src/image.c) for ``lines``."""
    (release.root / "advisories" / f"{ident}.md").write_text(
        "+++\n"
        f'id = "{ident}"\n'
        'title = "Image sizes are not bounded"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"\n'
        'cve = "CVE-2026-40003"\n'
        f"embargo = {embargo_at}\n"
        'summary = "Large images could exhaust memory."\n'
        "+++\n\nDetails.\n"
    )
    fixed = replace_line(FILES["src/image.c"], 5, "image: bound the size")
    for line in lines:
        patch = release.product.fix(f"release-{line}", {"src/image.c": fixed}, "Bound sizes")
        path = release.root.parent / f"fix2-{line}.patch"
        path.write_bytes(patch)
        result = release.run("patch", "add", ident, "--line", line, str(path))
        assert result.exit_code == 0, result.output


def test_a_second_embargo_is_lifted_later_on_top_of_the_first(release: Release) -> None:
    add_advisory(release, "ACSA-2026-0002", "2026-12-02T14:00:00Z", HIGH_LINES)
    with after_embargo():
        first = release.run("embargo", "lift", "--yes")
        assert first.exit_code == 0, first.output + first.stderr
    assert "bound the size" not in git(release.product.remote, "show", "release-10.3:src/image.c")
    assert "ACSA-2026-0002" not in (release.root / "site" / "index.html").read_text()
    with time_machine.travel(EMBARGO + timedelta(days=1, seconds=5), tick=True):
        second = release.run("embargo", "lift", "--yes")
        assert second.exit_code == 0, second.output + second.stderr
    refs = release.remote_refs()
    assert {"refs/tags/v10.3.2", "refs/tags/v10.3.3", "refs/tags/v9.11.4"} <= set(refs)
    both = git(release.product.remote, "show", "v10.3.3:src/preview.c") + git(
        release.product.remote, "show", "v10.3.3:src/image.c"
    )
    assert "check each redirect target" in both
    assert "bound the size" in both
    assert len(release.smtp.messages) == 4


def test_a_branch_moving_during_the_push_never_orphans_a_tag(release: Release) -> None:
    """The branch moves between the lift's read of the remote and its push."""
    from releasekit.adapters import git as git_module

    settings = load_config(release.root)
    original = git_module.ProductRepo.push
    moved: list[str] = []

    def push_after_a_colleague(self: git_module.ProductRepo, remote: str, specs: list[str], **kw):  # type: ignore[no-untyped-def]
        if not moved and any(s.endswith("refs/heads/release-10.2") for s in specs):
            moved.append(
                release.product.commit(
                    "release-10.2", {"NEWS": "10.2 notes\n"}, "Add release notes", create_from=""
                )
            )
            release.product.publish("release-10.2")
        return original(self, remote, specs, **kw)

    outside = Outside(env=Environment(release.gpg.env))
    git_module.ProductRepo.push = push_after_a_colleague  # type: ignore[method-assign]
    try:
        with after_embargo():
            report = lift(settings, outside)
    finally:
        git_module.ProductRepo.push = original  # type: ignore[method-assign]
    assert report.fixed["ACSA-2026-0001"]["10.2"] == "10.2.1"
    refs = release.remote_refs()
    assert "refs/tags/v10.2.2" not in refs
    tip = release.product.tip("release-10.2")
    assert git(release.product.remote, "rev-parse", "v10.2.1^{commit}") == tip
    assert git(release.product.remote, "merge-base", "--is-ancestor", moved[0], tip) == ""


def test_a_postponed_embargo_stops_the_wait(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=10))
    path = release.root / "advisories" / "ACSA-2026-0001.md"

    def postpone(left: timedelta) -> None:
        if left < timedelta(seconds=5):
            path.write_text(
                path.read_text().replace("2026-12-01T14:00:00Z", "2026-12-02T14:00:00Z")
            )

    outside = Outside(env=Environment(release.gpg.env))
    before = release.remote_refs()
    with (
        time_machine.travel(EMBARGO - timedelta(seconds=10), tick=True),
        pytest.raises(Refused, match="embargo was moved"),
    ):
        lift(settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=postpone)
    assert release.remote_refs() == before
    assert release.smtp.messages == []


def test_a_front_matter_edited_during_the_wait_stops_the_lift(release: Release) -> None:
    """A sentence taken out of the summary while --wait counted down went to the lists all
    the same: the announcement was made of the file as the preflight read it."""
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=30))
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = path.read_text()
    said = "Link previews could fetch internal addresses."
    assert said in text

    def edit(left: timedelta) -> None:
        if left < timedelta(seconds=10) and said in path.read_text():
            path.write_text(text.replace(said, "Link previews could be misused."))

    outside = Outside(env=Environment(release.gpg.env))
    before = release.remote_refs()
    with (
        time_machine.travel(EMBARGO - timedelta(seconds=30), tick=True),
        pytest.raises(Refused, match="its front matter changed after the lift checked it"),
    ):
        lift(settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=edit)
    assert release.remote_refs() == before
    assert release.smtp.messages == []
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    mails = b"".join(message.data for message in release.smtp.messages)
    assert b"Link previews could be misused." in mails
    assert said.encode() not in mails


def test_a_dry_run_works_while_a_lift_waits_for_its_instant(release: Release) -> None:
    """`--dry-run` works at any time: while `lift --wait` counted down it was refused
    ("another releasekit lift is running"), although the waiting lift touches neither the
    clone nor the journal until its instant. A second real lift is still refused."""
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=30))
    during: list[Result] = []

    def meanwhile(left: timedelta) -> None:
        if left < timedelta(seconds=20) and not during:
            during.append(release.run("embargo", "lift", "--dry-run"))
            during.append(release.run("embargo", "lift", "--yes"))

    outside = Outside(env=Environment(release.gpg.env))
    with time_machine.travel(EMBARGO - timedelta(seconds=30), tick=True):
        report = lift(
            settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=meanwhile
        )
    dry, second = during
    assert dry.exit_code == 0, dry.output + dry.stderr
    assert "refs/heads/release-10.3" in dry.stdout
    assert second.exit_code == 1
    assert "another releasekit lift is running in this workspace" in second.stderr
    assert report.released is not None
    assert "refs/tags/v10.3.2" in release.remote_refs()
    assert len(release.smtp.messages) == len(LISTS)  # each list once


def test_a_body_edited_during_the_wait_does_not_stop_the_lift(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=30))
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = path.read_text()

    def edit(left: timedelta) -> None:
        if left < timedelta(seconds=10):
            path.write_text(text.replace(DETAIL_MARKER, f"{DETAIL_MARKER}, corrected"))

    outside = Outside(env=Environment(release.gpg.env))
    with time_machine.travel(EMBARGO - timedelta(seconds=30), tick=True):
        report = lift(settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=edit)
    assert report.released is not None
    assert f"{DETAIL_MARKER}, corrected" in path.read_text()


def test_a_file_made_invalid_during_the_push_is_one_line_and_a_rerun_records(
    release: Release,
) -> None:
    """An advisory file saved half-edited while the push ran: a tomlkit traceback after the
    release was public, in place of the line that says what to fix and to re-run."""
    settings = load_config(release.root)
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    text = path.read_text()
    broken = text.replace('summary = "', 'summary = "Link', 1).replace('addresses."', "addresses")

    def progress(line: str) -> None:
        if line.startswith("pushing"):
            path.write_text(broken)

    outside = Outside(env=Environment(release.gpg.env), progress=progress)
    with (
        after_embargo(),
        pytest.raises(NotDone, match=r"ACSA-2026-0001.md:8: invalid TOML.*The release is pushed"),
    ):
        lift(settings, outside)
    assert path.read_text() == broken
    assert release.smtp.messages == []
    path.write_text(text)
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert "released = 2026-12-01T14:00:" in path.read_text()


def test_a_postponed_embargo_does_not_block_a_later_lift(release: Release) -> None:
    """Stopped before its push, the postponed run is abandoned: the next lift takes the
    advisory whose embargo passed meanwhile, and the postponed one goes out on its new date."""
    add_advisory(release, "ACSA-2026-0002", "2026-12-01T16:00:00Z", HIGH_LINES)
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(seconds=10))
    path = release.root / "advisories" / "ACSA-2026-0001.md"

    def postpone(left: timedelta) -> None:
        if left < timedelta(seconds=5) and "2026-12-03" not in path.read_text():
            path.write_text(
                path.read_text().replace("2026-12-01T14:00:00Z", "2026-12-03T14:00:00Z")
            )

    outside = Outside(env=Environment(release.gpg.env))
    before = release.remote_refs()
    with (
        time_machine.travel(EMBARGO - timedelta(seconds=10), tick=True),
        pytest.raises(Refused, match="embargo was moved"),
    ):
        lift(settings, outside, wait=True, now=fake.now, sleep=fake.sleep, countdown=postpone)
    assert release.remote_refs() == before
    assert [s for s in release.journal_steps() if s.endswith("/run=failed")]  # abandoned
    with time_machine.travel(EMBARGO + timedelta(hours=2, seconds=5), tick=True):
        status = release.run("embargo", "status")
        assert "half done" not in status.stdout
        other = release.run("embargo", "lift", "--yes")
        assert other.exit_code == 0, other.output + other.stderr
        assert "ACSA-2026-0002" in other.stdout
    assert "bound the size" in git(release.product.remote, "show", "release-10.3:src/image.c")
    preview = git(release.product.remote, "show", "release-10.3:src/preview.c")
    assert "check each redirect target" not in preview
    assert "released = " not in release.advisory()
    assert len(release.smtp.messages) == len(LISTS)
    # The postponed advisory, on its new date: the same run id as the abandoned run.
    with time_machine.travel(datetime(2026, 12, 3, 14, 0, 5, tzinfo=UTC), tick=True):
        late = release.run("embargo", "lift", "--yes")
        assert late.exit_code == 0, late.output + late.stderr
    preview = git(release.product.remote, "show", "release-10.3:src/preview.c")
    assert "check each redirect target" in preview
    assert "released = 2026-12-03T14:00:" in release.advisory()
    assert len(release.smtp.messages) == 2 * len(LISTS)
    assert all(s.endswith("=done") for s in release.journal_steps())


def copy_of(release: Release, committer: str | None = None) -> Release:
    """A second copy of the workspace (as a colleague's checkout of its private repository):
    the same files, its own .releasekit/, the same product remote and mail server;
    ``committer``: its own [releases] committer."""
    root = release.root.parent / "ws-copy"
    shutil.copytree(release.root, root, ignore=shutil.ignore_patterns(".releasekit"))
    if committer is not None:
        config = root / "releasekit.toml"
        mine = "Release Bot <release@example.org>"
        config.write_text(config.read_text().replace(mine, committer))
    return Release(root, release.product, release.smtp, release.gpg)


OWN_COMMITTER = [None, "Kim Colleague <kim@example.org>"]


@pytest.mark.parametrize("committer", OWN_COMMITTER, ids=["same-committer", "own-committer"])
def test_a_second_copy_of_the_workspace_does_not_announce_again(
    release: Release, committer: str | None
) -> None:
    """One copy lifts; the other, whose journal has no push, finds the release on the remote
    and stops before it pushes or sends: one announcement per list."""
    other = copy_of(release, committer)
    with after_embargo():
        first = release.run("embargo", "lift", "--yes")
        assert first.exit_code == 0, first.output + first.stderr
        refs = release.remote_refs()
        second = other.run("embargo", "lift", "--yes")
        assert second.exit_code == 1, second.output
        line = second.stderr.splitlines()[-1]  # (the lines before: the plan's progress)
        assert line.startswith("releasekit: error: preflight failed: ")
        assert "the remote already has the release of ACSA-2026-0001" in line
        assert "another copy of the workspace lifted it" in line
        assert "ACSA-2026-0001 on 10.3, 10.2, 10.1, 9.11)" in line
        status = json.loads(other.run("embargo", "status", "--json").stdout)
        checks = {c["name"]: c for c in status["batches"][0]["checks"]}
        assert checks["not released from another copy"]["ok"] is False
    assert release.remote_refs() == refs
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
    assert "released = " not in (other.root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert not (other.root / ".releasekit" / "journal.sqlite3").exists()
    # What the message says to do: take the advisory files of the copy that lifted it.
    shutil.copy2(release.root / "advisories" / "ACSA-2026-0001.md", other.root / "advisories")
    with after_embargo():
        idle = other.run("embargo", "lift", "--yes")
    assert idle.exit_code == 0 and "Nothing to lift" in idle.stdout
    assert len(release.smtp.messages) == len(LISTS)


def test_a_fix_pushed_by_hand_is_not_taken_for_another_copys_lift(release: Release) -> None:
    """The very commits the fixes were made from (what a lift would commit, here) published
    by hand on the upcoming line and, not released, on 10.3: the lift goes ahead."""
    dev = release.product.dev
    fixes = git(dev, "for-each-ref", "--format=%(objectname)", "refs/heads/fix-*").split()
    for line in ("10.4", "10.3"):
        tip = release.product.tip(f"release-{line}")
        (mine,) = [f for f in fixes if git(dev, "rev-parse", f"{f}^") == tip]
        git(dev, "push", "-q", "origin", f"{mine}:refs/heads/release-{line}")
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    assert "refs/tags/v10.2.1" in release.remote_refs()
    assert len(release.smtp.messages) == len(LISTS)


def test_another_copys_release_under_a_spelling_read_only_here_is_found(
    release: Release,
) -> None:
    """The tags were renamed (release-X before, vX now, the old spelling in read_tags): a
    colleague's copy, still on the old configuration, lifts and tags release-10.3.2 and
    the rest. Those tags, not the ones this copy would write, are the lines' newest
    releases: this copy stops before it pushes or sends."""
    other = copy_of(release)
    mine, theirs = release.root / "releasekit.toml", other.root / "releasekit.toml"
    old = '[releases]\ntag = "release-{version}"\nread_tags = ["v{version}"]'
    theirs.write_text(theirs.read_text().replace("[releases]", old, 1))
    new = '[releases]\nread_tags = ["release-{version}"]'
    mine.write_text(mine.read_text().replace("[releases]", new, 1))
    with after_embargo():
        first = other.run("embargo", "lift", "--yes")
        assert first.exit_code == 0, first.output + first.stderr
        refs = release.remote_refs()
        assert "refs/tags/release-10.3.2" in refs and "refs/tags/v10.3.2" not in refs
        second = release.run("embargo", "lift", "--yes")
    assert second.exit_code == 1, second.output + second.stderr
    line = second.stderr.splitlines()[-1]
    assert "the remote already has the release of ACSA-2026-0001" in line, line
    assert "ACSA-2026-0001 on 10.3, 10.2, 10.1, 9.11)" in line
    assert release.remote_refs() == refs
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)


@pytest.mark.parametrize("committer", OWN_COMMITTER, ids=["same-committer", "own-committer"])
def test_two_copies_lifting_at_once_announce_once(release: Release, committer: str | None) -> None:
    """The other copy pushes between this copy's preflight and its push."""
    other = copy_of(release, committer)
    settings = load_config(release.root)
    outside = Outside(env=Environment(release.gpg.env))

    def meanwhile(report: LiftReport) -> bool:
        done = other.run("embargo", "lift", "--yes")
        assert done.exit_code == 0, done.output + done.stderr
        return True

    with after_embargo():
        with pytest.raises(Refused, match="another copy of the workspace lifted it"):
            lift(settings, outside, confirm=meanwhile)
        refs = release.remote_refs()
        again = release.run("embargo", "lift", "--yes")
        assert again.exit_code == 1
        assert "another copy of the workspace lifted it" in again.stderr
        assert "half done" not in release.run("embargo", "status").stdout
    assert release.remote_refs() == refs
    assert sorted(m.rcpt_tos[0] for m in release.smtp.messages) == sorted(LISTS)
    assert "released = " not in release.advisory()
    # A copy of the journal of the copy that lifted resumes nothing and sends nothing.
    shutil.rmtree(release.root / ".releasekit")
    shutil.copytree(other.root / ".releasekit", release.root / ".releasekit")
    shutil.copy2(other.root / "advisories" / "ACSA-2026-0001.md", release.root / "advisories")
    with after_embargo():
        idle = release.run("embargo", "lift", "--yes")
    assert idle.exit_code == 0 and "Nothing to lift" in idle.stdout
    assert len(release.smtp.messages) == len(LISTS)


def test_a_long_wait_checks_key_and_server_again_before_the_push(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(minutes=30))

    def server_goes_down(left: timedelta) -> None:
        if left < timedelta(minutes=1) and release.smtp.running:
            release.smtp.stop()  # while nobody watches the countdown

    outside = Outside(env=Environment(release.gpg.env))
    rechecked, checks_again = spy_rechecks(fake)
    before = release.remote_refs()
    with (
        time_machine.travel(EMBARGO - timedelta(minutes=30), tick=True),
        pytest.raises(NotReady, match="just before the embargo instant: SMTP server"),
    ):
        lift(
            settings,
            outside,
            wait=True,
            now=fake.now,
            sleep=fake.sleep,
            countdown=server_goes_down,
            checks_again=checks_again,
        )
    assert len(rechecked) == 1 and timedelta(0) < rechecked[0] <= RECHECK_BEFORE
    assert release.remote_refs() == before
    assert release.smtp.messages == []
    assert Journal.reading(release.root / ".releasekit") is None  # no run was started


def test_a_late_confirmation_checks_again_at_once(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(minutes=30))
    outside = Outside(env=Environment(release.gpg.env))
    rechecked, checks_again = spy_rechecks(fake)

    def answer_late(report: LiftReport) -> bool:
        fake.moment = EMBARGO - timedelta(seconds=5)  # the operator came back 30 min later
        return True

    with time_machine.travel(EMBARGO - timedelta(minutes=30), tick=True):
        report = lift(
            settings,
            outside,
            wait=True,
            now=fake.now,
            sleep=fake.sleep,
            confirm=answer_late,
            checks_again=checks_again,
        )
    assert rechecked == [timedelta(seconds=5)]  # right after the answer, before the push
    assert report.released is not None


def test_a_broken_template_is_one_line_and_exit_2(release: Release) -> None:
    (release.root / "templates").mkdir(exist_ok=True)
    (release.root / "templates" / "tag-message.txt.j2").write_text("{{ project }\n")
    with after_embargo():
        result = release.run("plan")
    assert result.exit_code == 2
    assert "templates/tag-message.txt.j2:1: template:" in result.stderr
    assert "Traceback" not in result.output


def test_a_record_the_schema_would_refuse_on_the_disclosure_date_stops_the_lift(
    release: Release,
) -> None:
    # On the day, the daily build would fail on it, and stop for every advisory.
    from tests.helpers.sites import ORG_UUID

    config = release.root / "releasekit.toml"
    config.write_text(config.read_text() + f'\n[cve]\norg_id = "{ORG_UUID}"\n')
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace("Link previews follow redirects", "T" * 300))
    before_refs = release.remote_refs()
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        status = release.run("embargo", "status", "--json")
    checks = {c["name"]: c for c in json.loads(status.stdout)["batches"][0]["checks"]}
    assert checks["announcement and pages"] == {
        "name": "announcement and pages",
        "ok": False,
        "detail": "cve/CVE-2026-40002.json: /containers/cna/title: not valid CVE JSON 5"
        " (maxLength)",
    }
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1
    assert release.remote_refs() == before_refs
    assert release.smtp.messages == []


def test_a_next_version_that_names_too_many_releases_stops_the_lift(release: Release) -> None:
    # The lift records each line's next version in `fixed`: after a tag v10.3.10000 that
    # is one an advisory file may not hold (its releases from 10.3.0 on would each get a
    # page), and the scratch site of the preflight would make those pages first.
    release.product.tag("v10.3.10000", "release-10.3")
    release.product.publish()
    before_refs = release.remote_refs()
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        status = release.run("embargo", "status", "--json")
    checks = {c["name"]: c for c in json.loads(status.stdout)["batches"][0]["checks"]}
    assert checks["announcement and pages"]["detail"] == (
        "ACSA-2026-0001: fixed: names over 10,000 releases in all (each one from X.Y.0 up to "
        "a line's fixed version gets a page)"
    )
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 1
    assert release.remote_refs() == before_refs
    assert release.smtp.messages == []
    assert "fixed =" not in release.advisory()


def test_a_failed_preflight_starts_no_journal(release: Release) -> None:
    release.smtp.stop()
    with after_embargo():
        assert release.run("embargo", "lift", "--yes").exit_code == 1
    assert not (release.root / ".releasekit" / "journal.sqlite3").exists()


def test_status_checks_each_embargo_apart(release: Release) -> None:
    add_advisory(release, "ACSA-2026-0002", "2026-12-05T14:00:00Z", ())
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
    data = json.loads(result.stdout)
    first, second = data["batches"]
    assert (first["advisories"], first["ready"]) == (["ACSA-2026-0001"], True)
    assert (second["advisories"], second["ready"]) == (["ACSA-2026-0002"], False)
    assert result.exit_code == 1


def test_a_tag_the_remote_refuses_once_is_pushed_again(release: Release) -> None:
    marker = release.product.root / "refused-once"
    release.hook(
        "update",
        "#!/bin/sh\n"
        f'if [ "$1" = refs/tags/v10.2.1 ] && [ ! -e {marker} ]; then touch {marker}; '
        'echo "try later" >&2; exit 1; fi\nexit 0\n',
    )
    with release.served(), after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert marker.exists()  # the remote did refuse it once
    assert result.exit_code == 0, result.output + result.stderr
    assert "refs/tags/v10.2.1" in release.remote_refs()
    assert '"10.2" = "10.2.1"' in release.advisory()


def test_a_lock_file_left_on_a_path_remote_is_named_then_the_lift_finishes(
    release: Release,
) -> None:
    # A lift killed while it pushed to a remote on a path (libgit2 updates it in-process)
    # leaves a ref's lock file there, as a killed git does: every re-run was refused with
    # "re-run to try again", which could not help.
    lock = release.product.remote / "refs" / "tags" / "v10.2.1.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.touch()
    with after_embargo():
        stopped = release.run("embargo", "lift", "--yes")
    assert stopped.exit_code == 1
    assert "push incomplete after 3 attempts" in stopped.stderr
    assert f"A lock file on the remote is in the way ({lock})" in stopped.stderr
    assert "refs/tags/v10.2.1" not in release.remote_refs()
    assert release.smtp.messages == []  # nothing announced
    lock.unlink()
    with after_embargo():
        done = release.run("embargo", "lift", "--yes")
    assert done.exit_code == 0, done.output + done.stderr
    assert "refs/tags/v10.2.1" in release.remote_refs()
    assert len(release.smtp.messages) == 2


def test_an_interrupted_wait_leaves_nothing_to_resume(release: Release) -> None:
    settings = load_config(release.root)
    fake = FakeClock(EMBARGO - timedelta(hours=1))

    def interrupt(left: timedelta) -> None:
        raise KeyboardInterrupt

    outside = Outside(env=Environment(release.gpg.env))
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        with pytest.raises(KeyboardInterrupt):
            lift(settings, outside, wait=True, now=fake.now, countdown=interrupt)
        result = release.run("embargo", "lift", "--yes")
        status = release.run("embargo", "status")
    assert result.exit_code == 1
    assert "embargo not over" in result.stderr
    assert "half done" not in status.stdout


def test_lift_over_starttls_with_login_from_the_environment(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_starttls_server: SmtpServer,
    gpg_home: GpgHome,
) -> None:
    from tests.helpers.smtp import TEST_PASSWORD, TEST_USER

    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release = make_release(tmp_path, cache, smtp_starttls_server, gpg_home)
    wrong = smtp_starttls_server.env(TEST_USER, "not the password")
    with after_embargo():
        refused = release.run("embargo", "lift", "--yes", env=wrong)
        assert refused.exit_code == 1
        assert "SMTP server" in refused.stderr
        assert "not the password" not in refused.output + refused.stderr
        right = smtp_starttls_server.env(TEST_USER, TEST_PASSWORD)
        result = release.run("embargo", "lift", "--yes", env=right)
    assert result.exit_code == 0, result.output + result.stderr
    assert TEST_PASSWORD not in result.output + result.stderr
    messages = smtp_starttls_server.messages
    assert len(messages) == len(LISTS)
    assert all(m.tls and m.login == TEST_USER for m in messages)


def test_status_logs_in_with_any_password_and_never_shows_it(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_factory: Callable[..., SmtpServer],
    gpg_home: GpgHome,
) -> None:
    # A non-ASCII password crashed `embargo status` with a traceback that showed one of its
    # characters; bytes that are not UTF-8 reach Python as surrogates.
    user, password = "änna", "pässwörd ✓ 42"
    server = smtp_factory("starttls", users={user: password})
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release = make_release(tmp_path, cache, server, gpg_home)
    with time_machine.travel(EMBARGO - timedelta(hours=2), tick=False):
        good = release.run("embargo", "status", "--json", env=server.env(user, password))
        wide = {"COLUMNS": "300", **server.env(user, "p\udcf6ss")}
        bad = release.run("embargo", "status", env=wide)
    assert good.exception is None or isinstance(good.exception, SystemExit), good.exception
    checks = {c["name"]: c for c in json.loads(good.stdout)["batches"][0]["checks"]}
    assert checks["SMTP server"]["ok"], checks["SMTP server"]
    assert bad.exit_code == 1 and bad.exception is not None
    assert isinstance(bad.exception, SystemExit), bad.exception
    out = bad.stdout + bad.stderr
    assert "RELEASEKIT_SMTP_USER and RELEASEKIT_SMTP_PASSWORD must be UTF-8 text" in out
    assert "Traceback" not in out and "\\udcf6" not in out and "\udcf6" not in out


# --- predisclosure (embargo notify) ---------------------------------------------------------


def notify_release(
    tmp_path: Path, cache: Path, smtp: SmtpServer, home: GpgHome, recipients: tuple[str, ...]
) -> tuple[Release, str]:
    signing = home.generate("Acme Security <security@acme.example>")
    distro = home.generate("Distro Security <security@distro.example>")
    home.gpg(
        *("--pinentry-mode", "loopback", "--passphrase", ""),
        *("--faked-system-time", KEY_CREATED, "--quick-add-key", distro, "cv25519", "encr"),
    )
    release = make_release(tmp_path, cache, smtp, home, key=signing)
    to = ", ".join(f'"{r}"' for r in recipients)
    with (release.root / "releasekit.toml").open("a") as config:
        config.write(f"\n[notify]\nto = [{to}]\n")
    return release, signing


def test_notify_sends_details_and_fixes_encrypted_to_each_recipient(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
) -> None:
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release, signing = notify_release(
        tmp_path, cache, smtp_server, fresh_gpg_home, ("security@distro.example",)
    )
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        dry = release.run("embargo", "notify", "--dry-run")
        assert dry.exit_code == 0, dry.output + dry.stderr
        assert "ACSA-2026-0001-10.3.patch" in dry.stdout
        assert release.smtp.messages == []
        sent = release.run("embargo", "notify", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
        again = release.run("embargo", "notify", "--yes")
        assert "already sent to security@distro.example" in again.stdout
    (message,) = release.smtp.messages
    assert message.rcpt_tos == ("security@distro.example",)
    raw = message.data
    for secret in (DETAIL_MARKER, "ACSA-2026-0001", "Link previews", "CVE-2026-40002"):
        assert secret.encode() not in raw
    outer = email.message_from_bytes(raw)
    assert outer.get_content_type() == "multipart/encrypted"
    armored = outer.get_payload()[1].get_payload()
    done = fresh_gpg_home.gpg("--decrypt", input=armored.encode())
    status = done.stdout.decode()
    assert "GOODSIG" in status
    assert f"VALIDSIG {signing}" in status  # signed by the release key
    inner = email.message_from_bytes(_plaintext(done))
    parts = inner.get_payload()
    text = parts[0].get_payload(decode=True).decode()
    assert DETAIL_MARKER in text
    assert "EMBARGOED" in text
    patches = {p.get_filename(): p.get_payload(decode=True) for p in parts[1:]}
    assert b"Check redirect targets" in patches["ACSA-2026-0001-10.3.patch"]
    assert len(patches) == len(HIGH_LINES)


def _plaintext(done: subprocess.CompletedProcess[bytes]) -> bytes:
    """gpg's decrypted output without the --status-fd lines."""
    lines = done.stdout.split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(b"[GNUPG:] "))


def test_notify_without_a_recipient_key_sends_nothing(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
) -> None:
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release, _signing = notify_release(
        tmp_path,
        cache,
        smtp_server,
        fresh_gpg_home,
        ("security@distro.example", "psirt@other.example"),
    )
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        result = release.run("embargo", "notify", "--yes")
    assert result.exit_code == 1
    assert "no valid encryption key for psirt@other.example" in result.stderr
    assert release.smtp.messages == []


def test_notify_dry_run_shows_the_details_as_text(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
) -> None:
    # The predisclosure shows the details written by an outside reporter: a bidi override
    # reordered the terminal's line, a zero-width space hid in it.
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release, _ = notify_release(
        tmp_path, cache, smtp_server, fresh_gpg_home, ("security@distro.example",)
    )
    path = release.root / "advisories" / "ACSA-2026-0001.md"
    hostile = "Steps: \u202eevil\u200b [red]red[/] [/bold]\n\nSecond paragraph."
    path.write_text(release.advisory().replace(f"Details: {DETAIL_MARKER}", hostile))
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        dry = release.run("embargo", "notify", "--dry-run")
    assert dry.exit_code == 0, dry.output + dry.stderr
    assert "Steps: \\u202eevil\\u200b [red]red[/] [/bold]\n\nSecond paragraph." in dry.stdout
    assert "\u202e" not in dry.stdout and "\u200b" not in dry.stdout

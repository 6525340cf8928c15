#!/usr/bin/env python3
"""`make demo`: a whole security release, end to end, in a sandbox (build/demo/).

Everything is throwaway and local: a product repository with release lines and tags, a bare
"public" remote, a workspace with the example advisories of advisories/, held fixes for the
lines the policy requires, a GnuPG key, and an SMTP server on 127.0.0.1 that writes what it
receives to a maildir. Then it runs what a release manager runs: plan, lint, embargo status,
embargo lift and publish, and ends with a summary: what was pushed, what was sent (its
signature verified with gpg, as a subscriber would), what was published, and where to look.

The demo drives the product repository with the `git` command because it plays the part of
the developers; releasekit itself only ever uses pygit2.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

ROOT = Path(__file__).resolve().parent.parent
SANDBOX = ROOT / "build" / "demo"
PRODUCT = SANDBOX / "acme-server"
REMOTE = SANDBOX / "public.git"
WORKSPACE = SANDBOX / "workspace"
GNUPGHOME = SANDBOX / "gnupg"
MAILDIR = SANDBOX / "maildir"
# The pending embargo ends this long after the start: steps 1 to 5 take some 10 s on an idle
# machine; `embargo announce` needs it still ahead. At a load of 11 on two cores they took
# 67 s: a test there gives more (--embargo-in), a user runs it as it is.
EMBARGO_IN = timedelta(seconds=30)
WIDTH = max(shutil.get_terminal_size((110, 24)).columns, 100)

console = Console(highlight=False, width=WIDTH)

# Release lines of the throwaway product: line -> number of patch releases so far. The last
# release of each fixed the example advisory released 40 days ago (advisories/ACSA-2026-0001.md:
# fixed in 9.11.9, 10.1.4, 10.2.3 and 10.3.3, as its text says).
LINES = {"9.11": 10, "10.1": 5, "10.2": 4, "10.3": 4}
UPCOMING = "10.4"
DEV = {"name": "Pat Developer", "email": "pat@acme.example"}
RELEASE_MANAGER = "Acme Security (demo key) <security@acme.example>"

SOURCE_FILES = {
    "server/export.go": (
        "package server\n\n// ExportChannel writes a channel's messages to an archive.\n"
        "func ExportChannel(ctx *Context, channelID string) error {\n"
        "\tif !ctx.IsTeamMember(channelID) {\n\t\treturn ErrForbidden\n\t}\n"
        "\treturn ctx.Archive(channelID)\n}\n"
    ),
    "server/avatar.go": (
        "package server\n\n// SaveAvatar resizes and stores a profile picture.\n"
        "func SaveAvatar(img Image) error {\n\tsmall := img.Resize(256, 256)\n"
        "\treturn store(small)\n}\n"
    ),
}
PREVIEW_FILE = (
    "server/preview.go",
    "package server\n\n// FetchPreview loads a link to build its preview card.\n"
    "func FetchPreview(url string) (*Preview, error) {\n"
    "\tif denied(url) {\n\t\treturn nil, ErrDenied\n\t}\n"
    "\treturn fetch(url, FollowRedirects)\n}\n",
)
# The held fixes: advisory -> (file, old text, new text, commit subject). Subjects are written
# the way a careful developer does under embargo: nothing that hints at a vulnerability.
FIXES = {
    "ACSA-2026-0002": (
        "server/preview.go",
        "\treturn fetch(url, FollowRedirects)\n",
        "\treturn fetch(url, CheckEachRedirect(denied))\n",
        "Check each redirect target when loading link previews",
    ),
    "ACSA-2026-0003": (
        "server/avatar.go",
        "\treturn store(small)\n",
        "\treturn store(small.WithoutMetadata())\n",
        "Drop image metadata when saving profile pictures",
    ),
}


def step(title: str) -> None:
    console.print()
    console.print(Rule(f"[bold]{title}", align="left"))


def run(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    show: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a program; `show` prints the command and lets its output through."""
    argv = [str(a) for a in args]
    if show:
        shown = Text(f"$ {' '.join(_shown(a) for a in argv)}", style="bold cyan")
        console.print(shown, soft_wrap=True)  # a command to copy: never broken
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        text=True,
        check=False,
        stdout=None if show else subprocess.PIPE,
        stderr=None if show else subprocess.PIPE,
    )
    if check and proc.returncode != 0:
        if not show:
            sys.stderr.write(proc.stdout or "")
            sys.stderr.write(proc.stderr or "")
        raise SystemExit(f"demo: `{' '.join(argv)}` failed with exit {proc.returncode}")
    return proc


def _shown(arg: str) -> str:
    if arg == str(Path(sys.executable).parent / "releasekit"):
        return "releasekit"
    arg = arg.replace(str(SANDBOX) + "/", "")
    return f'"{arg}"' if " " in arg else arg


def git(*args: str, cwd: Path | None = None, when: datetime | None = None) -> str:
    env = dict(os.environ)
    stamp = (when or datetime(2026, 1, 1, tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    env.update(
        {
            "GIT_AUTHOR_NAME": DEV["name"],
            "GIT_AUTHOR_EMAIL": DEV["email"],
            "GIT_COMMITTER_NAME": DEV["name"],
            "GIT_COMMITTER_EMAIL": DEV["email"],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    return run("git", *args, cwd=cwd or PRODUCT, env=env).stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# The product's own test, which `releasekit verify` (and the lift) runs in each patched tip:
# every Go file declares its package, and the version file names a version.
PRODUCT_TEST = """\
#!/bin/sh
set -e
for file in $(find . -name '*.go'); do
    head -n 1 "$file" | grep -q '^package ' || { echo "$file: no package line"; exit 1; }
done
grep -Eq '^[0-9]+\\.[0-9]+' VERSION || { echo "VERSION: no version"; exit 1; }
echo "ok: $(find . -name '*.go' | wc -l) Go files, version $(cat VERSION)"
"""


def make_product(now: datetime) -> dict[str, str]:
    """The product repository and its public remote; returns line -> latest version."""
    PRODUCT.mkdir(parents=True)
    git("init", "-q", "-b", "main")
    for name, text in SOURCE_FILES.items():
        write(PRODUCT / name, text)
    write(PRODUCT / "VERSION", "9.11.0-dev\n")
    write(PRODUCT / "tests/run.sh", PRODUCT_TEST)
    git("add", "-A")
    when = now - timedelta(days=400)
    git("commit", "-q", "-m", "Initial import of Acme Server", when=when)
    latest: dict[str, str] = {}
    for index, (line, releases) in enumerate(LINES.items()):
        if line == "10.1":  # link previews arrive in 10.1: 9.11 never had them
            write(PRODUCT / PREVIEW_FILE[0], PREVIEW_FILE[1])
            git("add", "-A")
            git("commit", "-q", "-m", "Add link previews", when=when)
        git("branch", f"release-{line}", "main")
        git("checkout", "-q", f"release-{line}")
        for patch in range(releases):
            when += timedelta(days=3)
            version = f"{line}.{patch}"
            write(PRODUCT / "VERSION", version + "\n")
            if patch == releases - 1:  # the fix of the advisory released 40 days ago
                export = PRODUCT / "server/export.go"
                export.write_text(
                    export.read_text().replace(
                        "ctx.IsTeamMember(channelID)", "ctx.CanReadChannel(channelID)"
                    )
                )
            git("commit", "-q", "-am", f"Release {version}", when=when)
            git("tag", "-a", f"v{version}", "-m", f"Acme Server {version}", when=when)
            latest[line] = version
        git("checkout", "-q", "main")
        when += timedelta(days=30 + index)
        write(PRODUCT / "VERSION", f"{line}-next-dev\n")
        git("commit", "-q", "-am", f"Start development after {line}", when=when)
    export = PRODUCT / "server/export.go"
    export.write_text(
        export.read_text().replace("ctx.IsTeamMember(channelID)", "ctx.CanReadChannel(channelID)")
    )
    git("commit", "-q", "-am", "Use channel read check for exports", when=when)
    git("branch", f"release-{UPCOMING}", "main")
    run("git", "init", "-q", "--bare", REMOTE)
    git("remote", "add", "origin", str(REMOTE))
    git("push", "-q", "origin", "main", *(f"release-{line}" for line in [*LINES, UPCOMING]))
    git("push", "-q", "origin", "--tags")
    return latest


def make_gnupg_key() -> str:
    GNUPGHOME.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(GNUPGHOME)}
    run(
        "gpg",
        "--batch",
        "--quiet",
        "--passphrase",
        "",
        "--quick-gen-key",
        RELEASE_MANAGER,
        "ed25519",
        "sign",
        "1y",
        env=env,
    )
    listing = run("gpg", "--batch", "--with-colons", "--list-secret-keys", env=env).stdout
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))


class MaildirHandler:
    """Store each message exactly as received (signatures stay verifiable)."""

    def __init__(self, path: Path) -> None:
        self.box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        self.box.add(data)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_workspace(
    now: datetime, fingerprint: str, smtp_port: int, latest: dict[str, str]
) -> datetime:
    """The release manager's workspace; returns the pending embargo instant."""
    WORKSPACE.mkdir()
    config = (ROOT / "releasekit.toml").read_text()
    config = re.sub(r'repository = ".*"', 'repository = "../acme-server"', config)
    config = config.replace(
        'smtp = "smtp://127.0.0.1:8025"', f'smtp = "smtp://127.0.0.1:{smtp_port}"'
    )
    config = config.replace('signing_key = "FINGERPRINT"', f'signing_key = "{fingerprint}"')
    config += "\n[verify]                     # the product's own test, in each patched tip\n"
    config += 'command = ["sh", "tests/run.sh"]\ntimeout = 60\n'
    (WORKSPACE / "releasekit.toml").write_text(config)
    (WORKSPACE / "advisories").mkdir()
    embargo = (now + EMBARGO_IN).replace(microsecond=0)
    released = (now - timedelta(days=40)).replace(microsecond=0)
    for source in sorted((ROOT / "advisories").glob("*.md")):
        text = source.read_text()
        if "released =" in text:  # the one already out: released 40 days ago
            pairs = sorted(latest.items())
            fixed = ", ".join(f'"{line}" = "{version}"' for line, version in pairs)
            text = re.sub(
                r"^embargo = .*$",
                f"embargo = {iso(released - timedelta(seconds=7))}",
                text,
                flags=re.M,
            )
            text = re.sub(r"^released = .*$", f"released = {iso(released)}", text, flags=re.M)
            text = re.sub(r"^fixed = .*$", f"fixed = {{ {fixed} }}", text, flags=re.M)
        else:  # reported 12 days ago: due dates from [sla]
            reported = (now - timedelta(days=12)).replace(microsecond=0)
            text = re.sub(
                r"^embargo = .*$",
                f"reported = {iso(reported)}\nembargo = {iso(embargo)}",
                text,
                flags=re.M,
            )
        (WORKSPACE / "advisories" / source.name).write_text(text)
    return embargo


def releasekit(
    *args: str, check: bool = True, show: bool = True
) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "releasekit"
    return run(exe, "-C", WORKSPACE, *args, check=check, show=show, env=ENV)


ENV = {**os.environ, "COLUMNS": str(WIDTH)}


def hold_fixes() -> None:
    """Make each required fix on its line (privately, never pushed) and hold it."""
    plan = json.loads(releasekit("plan", "--json", check=False, show=False).stdout)
    needed = [
        (advisory["id"], cell["line"])
        for advisory in plan["advisories"]
        for cell in advisory["cells"]
        if cell["required"] and cell["status"] == "missing"
    ]
    for ident, line in needed:
        path, old, new, subject = FIXES[ident]
        work = f"wip-{ident[-4:]}-{line}"
        git("checkout", "-q", "-b", work, f"origin/release-{line}")
        target = PRODUCT / path
        target.write_text(target.read_text().replace(old, new))
        git("commit", "-q", "-am", subject)
        git("checkout", "-q", "main")
        releasekit(
            "patch",
            "add",
            ident,
            "--line",
            line,
            "--from",
            f"origin/release-{line}..{work}",
            show=False,
        )
        git("branch", "-q", "-D", work)
        console.print(f"  held {ident} for {line}: patches/{ident}/{line}.patch", soft_wrap=True)


def set_sandbox(path: Path) -> None:
    global SANDBOX, PRODUCT, REMOTE, WORKSPACE, GNUPGHOME, MAILDIR
    SANDBOX = path.resolve()
    PRODUCT, REMOTE = SANDBOX / "acme-server", SANDBOX / "public.git"
    WORKSPACE, GNUPGHOME, MAILDIR = SANDBOX / "workspace", SANDBOX / "gnupg", SANDBOX / "maildir"


def set_embargo_in(seconds: float) -> None:
    global EMBARGO_IN
    EMBARGO_IN = timedelta(seconds=seconds)


def rel(path: Path) -> str:
    """A path as the reader would type it from the repository root."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=SANDBOX, help="sandbox (default build/demo)")
    parser.add_argument(
        "--embargo-in",
        type=float,
        default=EMBARGO_IN.total_seconds(),
        metavar="SECONDS",
        help="the pending embargo ends this long after the start (default 30; more on a "
        "busy machine, where steps 1 to 5 take longer)",
    )
    options = parser.parse_args()
    if not 0 < options.embargo_in <= 86400:  # (not NaN, not infinite: a time within a day)
        parser.error("--embargo-in: a number of seconds above 0, at most a day (86400)")
    set_sandbox(options.dir)
    set_embargo_in(options.embargo_in)
    started = time.monotonic()
    now = datetime.now(UTC)
    if SANDBOX.exists():
        shutil.rmtree(SANDBOX)
    SANDBOX.mkdir(parents=True)

    step("1. A throwaway product repository and its public remote")
    latest = make_product(now)
    console.print(
        f"  {rel(PRODUCT)}: lines {', '.join(LINES)} (latest "
        f"{', '.join(latest.values())}) and upcoming {UPCOMING}; remote "
        f"{rel(REMOTE)}"
    )

    step("2. A throwaway GnuPG key and an SMTP server on 127.0.0.1")
    fingerprint = make_gnupg_key()
    port = free_port()
    controller = Controller(MaildirHandler(MAILDIR), hostname="127.0.0.1", port=port)
    controller.start()
    ENV.update({"GNUPGHOME": str(GNUPGHOME)})
    ENV.pop("RELEASEKIT_SMTP_USER", None)
    ENV.pop("RELEASEKIT_SMTP_PASSWORD", None)
    where = f"SMTP on 127.0.0.1:{port} -> {rel(MAILDIR)}"
    console.print(f"  key {fingerprint}; {where}", soft_wrap=True)
    try:
        step("3. The release manager's workspace, with the example advisories")
        embargo = make_workspace(now, fingerprint, port, latest)
        releasekit("advisory", "list")

        step("4. Hold the fixes for the lines the backport policy requires")
        hold_fixes()

        step("5. Check: the backport plan, the leak lint, the tests, the embargo checklist")
        releasekit("plan")
        releasekit("lint")
        releasekit("verify")
        releasekit("embargo", "status")
        # The pre-announcement: time, versions, highest severity; the site's calendar of
        # upcoming security releases shows it until the lift.
        releasekit("embargo", "announce", "--yes")
        upcoming = json.loads((WORKSPACE / "site" / "upcoming.json").read_text())
        for entry in upcoming["upcoming"]:
            versions = ", ".join(r["version"] for r in entry["releases"])
            said = f"{entry['release']}: {versions} (highest severity {entry['highest_severity']})"
            console.print(f"  site/upcoming.ics and .json: {said}", soft_wrap=True, markup=False)

        pushed_before = remote_refs()
        step(
            f"6. The lift: waits for the embargo ({embargo:%H:%M:%S} UTC), then pushes, "
            "announces and publishes"
        )
        releasekit("embargo", "lift", "--wait", "--yes")

        step("7. Publish the site (daily, e.g. from cron)")
        releasekit("publish")
        site = WORKSPACE / "site"
        for record in sorted([*site.glob("cve/*.json"), *site.glob("osv/*.json")]):
            copyable("record", rel(record))
        for document in sorted(site.glob("csaf/*/*.json")):
            copyable("CSAF document", rel(document))
        later = publish_later(embargo + timedelta(days=31))
        summary(pushed_before, later)
    finally:
        controller.stop()
        subprocess.run(["gpgconf", "--homedir", str(GNUPGHOME), "--kill", "all"], check=False)
    console.print(f"\n[bold green]Demo finished in {time.monotonic() - started:.0f} s.")


# `publish` as of a later instant: the wall clock moved for this one process only.
LATER_PUBLISH = """
import sys, time_machine
from datetime import datetime
from releasekit.cli import cli
with time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True):
    cli.main(["-C", sys.argv[2], "publish"], prog_name="releasekit")
"""


def publish_later(moment: datetime) -> list[Path]:
    """The lifted advisories' details and records, public from their disclosure date: shown
    in a copy of the workspace published as of ``moment`` (the demo's own is left as it is
    now). Returns the OSV records with GIT ranges (from the fix commits the lift recorded)."""
    step(f"8. A month later ({moment:%Y-%m-%d}): details and records (in a copy)")
    copy = SANDBOX / "a-month-later"
    shutil.copytree(WORKSPACE, copy, symlinks=True)
    run(sys.executable, "-c", LATER_PUBLISH, moment.isoformat(), copy, env=ENV, show=False)
    found = []
    for path in sorted((copy / "site" / "osv").glob("*.json")):
        record = json.loads(path.read_text())
        for affected in record["affected"]:
            for git_range in (r for r in affected["ranges"] if r["type"] == "GIT"):
                lines = ", ".join(git_range["database_specific"]["lines"])
                console.print(
                    f"  {record['id']}: GIT range of {git_range['repo']}, "
                    f"fixed on {lines} by the commits the lift pushed",
                    soft_wrap=True,
                    markup=False,
                )
                found.append(path)
    later_site = copy / "site"
    for record_path in sorted([*later_site.glob("cve/*.json"), *later_site.glob("osv/*.json")]):
        copyable("record", rel(record_path))
    for document in sorted(later_site.glob("csaf/*/*.json")):
        copyable("CSAF document", rel(document))
    return found


def remote_refs() -> dict[str, str]:
    """The public remote's refs: name -> object id."""
    listing = git("ls-remote", "--refs", str(REMOTE)).splitlines()
    return {ref: oid for oid, ref in (line.split("\t") for line in listing)}


def verify_mail(message: Path) -> tuple[bool, str]:
    """Verify the announcement as a subscriber would (scripts/verify_mail.py, the real gpg);
    returns whether the signature is good and gpg's "Good signature" line."""
    done = run(
        sys.executable,
        ROOT / "scripts" / "verify_mail.py",
        message,
        env={**os.environ, "GNUPGHOME": str(GNUPGHOME)},
        check=False,
    )
    good = [line for line in done.stderr.splitlines() if "Good signature" in line]  # gpg's words
    return done.returncode == 0 and bool(good), good[0].removeprefix("gpg: ") if good else ""


def copyable(label: str, text: str) -> None:
    """A line with something to copy (a command, a path): never broken at the width."""
    console.print(f"    {label:<18} ", end="")
    console.print(text, soft_wrap=True, markup=False)


def summary(before: dict[str, str], later: list[Path]) -> None:
    """What the lift and publish did, readable in ten seconds, and where to look."""
    step("Summary")
    after = remote_refs()
    moved = [r for r in after if before.get(r) != after[r]]
    branches = sorted(r.removeprefix("refs/heads/") for r in moved if r.startswith("refs/heads/"))
    tags = sorted(
        (r.removeprefix("refs/tags/") for r in moved if r.startswith("refs/tags/")),
        key=lambda t: [int(n) for n in t.lstrip("v").split(".")],
    )
    indent = " " * 13
    console.print(f"  pushed:    {len(branches)} branches ({', '.join(branches)})")
    console.print(f"{indent}{len(tags)} tags ({', '.join(tags)}), each on its release commit:")
    for tag in tags:
        commit = git("log", "-1", "--format=%h %s", tag, cwd=REMOTE)
        console.print(f"{indent}  {tag}: {commit}", markup=False)
    messages = sorted((MAILDIR / "new").iterdir())
    for message in messages:
        parsed = mailbox.MaildirMessage(message.read_bytes())
        good, verdict = verify_mail(message)
        subject = " ".join(str(parsed["Subject"]).split())  # unfolded
        console.print(f"  sent:      {subject}", markup=False, soft_wrap=True)
        console.print(f"{indent}to {parsed['To']}, PGP/MIME signed", markup=False)
        shown = Text(indent)
        if good:
            signer = verdict.partition('"')[2].rpartition('"')[0] or verdict
            shown.append("signature verified", "bold green").append(f": signed by {signer}")
        else:
            shown.append("signature NOT verified", "bold red")
        console.print(shown, soft_wrap=True)
    site = WORKSPACE / "site"
    pages = sorted(site.glob("advisories/*.html"))
    records = sorted([*site.glob("cve/*.json"), *site.glob("osv/*.json")])
    documents = sorted(site.glob("csaf/*/*.json"))
    versions = [p for p in site.glob("versions/*.html") if p.name != "index.html"]
    console.print(
        f"  published: {len(pages)} advisory pages, {len(versions)} version pages "
        f"(am I affected?), {len(records)} CVE/OSV records, "
        f"{len(documents)} signed CSAF {'document' if len(documents) == 1 else 'documents'}, "
        "the feeds, the hall of fame"
    )
    console.print("  look at:")
    copyable("the site", f"{rel(site)}/index.html")
    copyable("am I affected?", f"{rel(site)}/versions/index.html")
    copyable("serve it", "make serve  (http://127.0.0.1:8000/)")
    if messages:
        mail = rel(messages[0])
        copyable("the signed e-mail", mail)
        console.print("    verify the e-mail:")
        verify = f".venv/bin/python scripts/verify_mail.py {rel(MAILDIR)}"
        console.print(f"      GNUPGHOME={rel(GNUPGHOME)} {verify}", soft_wrap=True, markup=False)
    for document in documents:
        copyable("a CSAF document", rel(document))
        console.print("    verify its signature:")
        verify = f"gpg --verify {rel(document)}.asc {rel(document)}"
        console.print(f"      GNUPGHOME={rel(GNUPGHOME)} {verify}", soft_wrap=True, markup=False)
    copyable("CSAF provider", f"{rel(site)}/.well-known/csaf/provider-metadata.json")
    copyable("pushed refs", f"git -C {rel(REMOTE)} log --oneline --decorate --all")
    for path in later:
        copyable("OSV with GIT range", rel(path))


if __name__ == "__main__":
    main()

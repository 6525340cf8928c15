"""The input contract, through the CLI: bad content in releasekit.toml, an advisory or a held
patch gives exit 2, exactly one error line on stderr naming the file (and line) and the field,
no traceback, nothing changed on disk, and it is rejected quickly (no hang).

Each case here either broke that contract once (crash, traceback, hang) or covers a point the
module tests do not reach through the CLI.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from releasekit.cli import cli
from tests.conftest import MINIMAL_CONFIG, Workspace, advisory_text
from tests.helpers.process import cli_process
from tests.helpers.repos import release_product, workspace_config

ADVISORY = "advisories/ACSA-2026-0001.md"
SECONDS = 10  # a guard against hangs and quadratic work, not a performance target: each
# case is sized so that the code it once broke took several times longer (see each case)


def files(ws: Workspace) -> dict[str, bytes]:
    """The workspace's files, without the private state (``publish`` takes its lock and
    opens its render cache in .releasekit/ before it reads the advisories)."""
    return {name: data for name, data in ws.snapshot().items() if not name.startswith(".")}


def rejected(ws: Workspace, *args: str, many: bool = False) -> str:
    """Run the CLI; assert the contract for bad input; return the (first) error line.

    ``many``: the input has many problems, and each is one line.
    """
    before = files(ws)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["-C", str(ws.root), *args])
    elapsed = time.monotonic() - started
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr
    assert result.exit_code == 2, result.stderr
    lines = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith("publish: ") and not line.endswith(" in advisories/")
    ]
    assert len(lines) == 1 or many, result.stderr
    assert files(ws) == before
    assert elapsed < SECONDS, f"took {elapsed:.1f}s"
    return lines[0]


def with_key(table: str, key: str, value: str) -> str:
    """MINIMAL_CONFIG with ``key = value`` set in ``[table]`` (replaced, or added)."""
    out: list[str] = []
    current = None
    done = False
    for line in MINIMAL_CONFIG.splitlines():
        if line.startswith("["):
            if current == table and not done:
                out.append(f"{key} = {value}")
                done = True
            current = line.strip("[]")
        if current == table and line.split("=")[0].strip() == key:
            out.append(f"{key} = {value}")
            done = True
            continue
        out.append(line)
    if not done:
        if current != table:
            out.append(f"[{table}]")
        out.append(f"{key} = {value}")
    return "\n".join(out) + "\n"


# --- releasekit.toml ---------------------------------------------------------------------

CONFIG_CASES = {
    # Python refuses to convert integers of more than 4300 digits: tomli's ValueError.
    "integer of 5000 digits": (with_key("releases", "last", "1" + "0" * 5000), ":12: invalid"),
    # Finding its line searched every run of digits from each of its digits: 800 integers of
    # 4299 digits (allowed) before the one of 4301 took 20 s.
    "integer of 4301 digits after 800 of 4299": (
        MINIMAL_CONFIG
        + "".join(f"k{i} = {'1' * 4299}\n" for i in range(800))
        + f"big = 1{'0' * 4300}\n",
        f":{MINIMAL_CONFIG.count(chr(10)) + 801}: invalid TOML: a number has too many digits",
    ),
    # The line was that of the first long run of digits anywhere, a string's included; and a
    # float or a hexadecimal integer of that length converts.
    "integer of 5000 digits after strings and numbers of them": (
        MINIMAL_CONFIG
        + f'note = "{"7" * 5000}"\n'
        + f'text = """\n{"8" * 5000}\n"""\n'
        + f"ratio = 1.{'5' * 5000}\nscale = 1e+{'0' * 5000}1\nmask = 0x{'f' + '1' * 5000}\n"
        + f"big = {'6' * 5000}\n",
        f":{MINIMAL_CONFIG.count(chr(10)) + 8}: invalid TOML: a number has too many digits",
    ),
    # Masked to one 0 or x each, a \u escape that a run of digits completes lost its hex
    # digits and two keys of digits became one key twice: an earlier line was named.
    "integer of 5000 digits after an escape and keys of digits": (
        MINIMAL_CONFIG
        + f'note = "\\u0041{"7" * 5000}"\n'
        + f"{'1' * 5000} = 1\n{'2' * 5000} = 2\n"
        + f"big = {'6' * 5000}\n",
        f":{MINIMAL_CONFIG.count(chr(10)) + 4}: invalid TOML: a number has too many digits",
    ),
    # packaging raises a plain ValueError (not InvalidVersion) for a release number of more
    # than 4300 digits.
    "upcoming of 5000 digits": (
        with_key("releases", "upcoming", '"' + "9" * 5000 + '.1"'),
        ":10: releases.upcoming: ",
    ),
    # Name patterns: an attribute raised AttributeError; a width built a gigabyte string; a
    # nested spec or a second {version} was accepted and gave names that never match a tag.
    "branch with an attribute": (
        with_key("releases", "branch", '"release-{line}{line.x}"'),
        ":12: releases.branch: only {line} may appear in braces",
    ),
    "branch with a huge width": (
        with_key("releases", "branch", '"release-{line}{line:>1000000000}"'),
        ":12: releases.branch: only {line} may appear in braces",
    ),
    "branch with a nested spec": (
        with_key("releases", "branch", '"release-{line:{line}}"'),
        ":12: releases.branch: only {line} may appear in braces",
    ),
    "tag with a conversion": (
        with_key("releases", "tag", '"v{version}-{version!r}"'),
        ":12: releases.tag: only {version} may appear in braces",
    ),
    "tag with version twice": (
        with_key("releases", "tag", '"{version}{version}"'),
        ":12: releases.tag: must contain {version} exactly once",
    ),
    # Accepted, then OverflowError where they became a timedelta (advisory list and publish
    # with a released advisory; advisory new --cve) or a socket timeout.
    "disclosure_days beyond a datetime": (
        with_key("project", "disclosure_days", "3000000"),
        ":9: project.disclosure_days: must be at most 3650 days",
    ),
    "embargo_hours beyond a C int": (
        with_key("project", "embargo_hours", "9223372036854775807"),
        ":9: project.embargo_hours: must be at most 8760 hours",
    ),
    # A directory of the time zone database, or a name too long for a file name: OSError.
    "time zone that is a directory": (
        with_key("project", "time_zone", '"America"'),
        ":7: project.time_zone: 'America' is not an IANA time zone",
    ),
    "time zone too long for a file name": (
        with_key("project", "time_zone", '"' + "a" * 300 + '"'),
        ":7: project.time_zone: ",
    ),
    # lxml refused a control character in the feeds' title: a ValueError traceback.
    "a control character in the project name": (
        with_key("project", "name", '"Acme\\u0001"'),
        ":2: project.name: contains a control character (U+0001)",
    ),
    "a C1 control in a list": (
        with_key("releases", "esr", '["9.11", "\\u009b"]'),
        ":11: releases.esr: contains a control character (U+009B)",
    ),
    # The URL, password included, was quoted in the message.
    "a login in the SMTP URL": (
        MINIMAL_CONFIG
        + '[mail]\nfrom = "A <a@b.example>"\nto = ["l@b.example"]\nsigning_key = "F"\n'
        + 'smtp = "smtps://user:MARKER-PASSWORD@smtp.example:465"\n',
        ":16: mail.smtp: must not hold a login (user:password@): set RELEASEKIT_SMTP_USER",
    ),
    "a malformed SMTP URL": (
        MINIMAL_CONFIG
        + '[mail]\nfrom = "A <a@b.example>"\nto = ["l@b.example"]\nsigning_key = "F"\n'
        + 'smtp = "smtps://MARKER-PASSWORD/smtp.example:465"\n',
        ":16: mail.smtp: is not smtp://HOST[:PORT], smtps://HOST[:PORT]",
    ),
    # The e-mail header parser decodes an encoded word in a name: a line break decoded there
    # raised ValueError where the lift built the announcement, after the push.
    "an encoded line break in the sender's name": (
        MINIMAL_CONFIG
        + '[mail]\nfrom = "=?utf-8?q?Acme=0A?= <a@b.example>"\nto = ["l@b.example"]\n'
        + 'signing_key = "F"\nsmtp = "smtp://127.0.0.1:8025"\n',
        ":13: mail.from: '=?utf-8?q?Acme=0A?= <a@b.example>' is not one e-mail address",
    ),
    "an encoded line break in a list's name": (
        MINIMAL_CONFIG
        + '[mail]\nfrom = "A <a@b.example>"\nto = ["=?utf-8?q?L=0D?= <l@b.example>"]\n'
        + 'signing_key = "F"\nsmtp = "smtp://127.0.0.1:8025"\n',
        ":14: mail.to: ",
    ),
    # And wrote other decoded text as it was: this name, "x <marker@other.example>,", made
    # the From header of the announcement name another address before the sender's.
    "an encoded name that reads as another address": (
        MINIMAL_CONFIG
        + '[mail]\nfrom = "=?utf-8?b?eCA8bWFya2VyQG90aGVyLmV4YW1wbGU+LA==?= <a@b.example>"\n'
        + 'to = ["l@b.example"]\nsigning_key = "F"\nsmtp = "smtp://127.0.0.1:8025"\n',
        ":13: mail.from: ",
    ),
    # Each problem's line was found by scanning the whole text again (quadratic): 5000
    # unknown keys took 13 seconds, 3000 unknown tables 9; twice as many, four times that.
    "10000 unknown keys": (
        MINIMAL_CONFIG + "".join(f"k{i} = 1\n" for i in range(10000)),
        ":12: releases.k0: unknown key",
    ),
    "6000 unknown tables": (
        MINIMAL_CONFIG + "".join(f"[t{i}]\n" for i in range(6000)),
        ":12: t0: unknown table",
    ),
}


def cases(
    table: dict[str, tuple[str, str]], commands: list[tuple[str, ...]]
) -> list[pytest.ParameterSet]:
    """Every case with every command, except that a file of thousands of problems (read the
    same way by every command) goes through the first command only."""
    return [
        pytest.param(case, command, id=f"{' '.join(command)}-{name}")
        for name, case in table.items()
        for command in commands
        if case[0].count("\n") <= 1000 or command == commands[0]
    ]


@pytest.mark.parametrize(
    ("config", "command"), cases(CONFIG_CASES, [("advisory", "list"), ("publish",)])
)
def test_bad_config_is_one_line_naming_the_file(
    ws: Workspace, config: tuple[str, str], command: tuple[str, ...]
) -> None:
    text, where = config
    ws.write("releasekit.toml", text)
    line = rejected(ws, *command, many=text.count("\n") > 1000)
    assert line.startswith("releasekit: error: ")
    assert f"releasekit.toml{where}" in line
    assert "MARKER-PASSWORD" not in line


# --- advisory files ------------------------------------------------------------------------

RELEASED = {"released": "2026-12-01T14:00:07Z", "fixed": '{ "10.3" = "10.3.3" }'}
ADVISORY_CASES = {
    "integer of 5000 digits": (advisory_text(title="1" + "0" * 5000), ":3: invalid TOML"),
    "6000 unknown fields": (  # 2500 took 3 s when each line was searched for again
        advisory_text().replace("+++\n\n", "".join(f"k{i} = 1\n" for i in range(6000)) + "+++\n\n"),
        ":7: unknown field",
    ),
    "4000 bad fixed versions": (
        advisory_text().replace(
            "+++\n\n",
            "[fixed]\n" + "".join(f'"x{i}" = "y"\n' for i in range(4000)) + "+++\n\n",
        ),
        ':7: fixed: 4000 entries are not line = version, e.g. "10.3" = "10.3.3"',
    ),
    "fixed version of 5000 digits": (
        advisory_text(fixed='{ "10.3" = "' + "9" * 5000 + '" }'),
        ":7: fixed: ",
    ),
    "introduced of 5000 digits": (
        advisory_text(introduced='"' + "9" * 5000 + '"'),
        ":7: introduced: must be a release line",
    ),
    # Rendering a title of 5 MB in the `advisory list` table took more than 20 seconds (60
    # kB here: a front matter of more than 64 KiB is refused, below).
    "title of 60 kB": (
        advisory_text(title='"' + "x" * 60_000 + '"'),
        ":3: title: must be at most 1000 characters",
    ),
    # The lift and `advisory revise` edit the front matter as TOML: a megabyte of blank
    # lines took them minutes, where `check` had said OK.
    "a front matter of 3 MB of blank lines": (
        advisory_text().replace("+++\n\n", "\n" * 3_000_000 + "+++\n\n"),
        ":1: front matter: must be at most 65536 characters (long text goes in the body)",
    ),
    # A file of gigabytes was read whole before any check (in every command).
    "file of 5 MB": (
        advisory_text(title='"' + "x" * 5_000_000 + '"'),
        ": is larger than 4 MiB",
    ),
    # A line of "[" and 30000 spaces (in a multi-line string) took the table-header regex
    # minutes once every line was indexed.
    "a line of [ and spaces": (
        advisory_text(summary='"""\n[' + " " * 30000 + 'x\n"""', zzz="1"),
        ":9: unknown field",
    ),
    # Instants that have no UTC datetime, or whose release + disclosure_days or local time
    # has none: OverflowError tracebacks in every command, or in list and publish.
    "embargo before year 1 UTC": (
        advisory_text(embargo="0001-01-01T00:00:00+01:00"),
        ":5: embargo: must be from 1970 to 8999",
    ),
    "embargo after year 9999 UTC": (
        advisory_text(embargo="9999-12-31T23:59:59-01:00"),
        ":5: embargo: must be from 1970 to 8999",
    ),
    "embargo in year 1": (
        advisory_text(embargo="0001-01-01T00:00:00Z"),
        ":5: embargo: must be from 1970 to 8999",
    ),
    "released in year 9999": (
        advisory_text(
            embargo="2026-12-01T14:00:00Z",
            released="9999-12-31T00:00:00Z",
            fixed='{ "10.3" = "10.3.3" }',
        ),
        ":7: released: must be from 1970 to 8999",
    ),
    # A typo on the hand-release path published the full details before the embargo.
    "released before its embargo": (
        advisory_text(released="2026-11-30T14:00:00Z", fixed='{ "10.3" = "10.3.3" }'),
        ":7: released: is before embargo",
    ),
    # Control characters passed `check`, then lxml refused them in the feeds: a ValueError
    # traceback in publish (and in status and lift, which build the site too).
    "an escape in the title": (
        advisory_text(title='"Export\\u001b]0;x\\u0007"', **RELEASED),
        ":3: title: contains a control character (U+001B)",
    ),
    "NUL in the summary": (
        advisory_text(summary='"One \\u0000 sentence."', **RELEASED),
        ":6: summary: contains a control character (U+0000)",
    ),
    "a noncharacter in the reporter": (
        advisory_text(reporter='"R\\uFFFE"', **RELEASED),
        ":7: reporter: contains a noncharacter (U+FFFE)",
    ),
    "a line break in the component": (
        advisory_text(component='"""server\nside"""', **RELEASED),
        ":7: component: contains a line break (U+000A)",
    ),
    # Any body renders in time linear in its size: its size bounds the time.
    "a body of 300 000 characters": (
        advisory_text(**RELEASED).replace("Details.", "*" * 300_000),
        ":11: body: must be at most 262144 characters",
    ),
    "a C1 control in the body": (
        advisory_text(**RELEASED).replace("Details.", "Details\u009b31m."),
        ":11: body: contains a control character (U+009B)",
    ),
}


@pytest.mark.parametrize(
    ("advisory", "command"),
    cases(ADVISORY_CASES, [("advisory", "check"), ("advisory", "list"), ("publish",), ("lint",)]),
)
def test_bad_advisory_is_one_line_naming_the_file(
    ws: Workspace, advisory: tuple[str, str], command: tuple[str, ...]
) -> None:
    text, where = advisory
    ws.write(ADVISORY, text)
    line = rejected(ws, *command, many=text.count("\n") > 1000)
    assert f"{ADVISORY}{where}" in line


@pytest.mark.parametrize("command", [("advisory", "check"), ("publish",)])
def test_an_unknown_key_is_named_by_its_line_not_its_text(
    ws: Workspace, command: tuple[str, ...]
) -> None:
    # publish's log is often public: a key typed into an embargoed advisory was echoed.
    key = '"MARKER-KEY CVE-2026-1234 (XSS)"'
    ws.write(ADVISORY, advisory_text().replace("+++\n\n", f"{key} = 1\n+++\n\n"))
    result = CliRunner().invoke(cli, ["-C", str(ws.root), *command])
    assert result.exit_code == 2
    assert f"{ADVISORY}:7: unknown field" in result.stderr
    assert "MARKER-KEY" not in result.output + result.stderr


@pytest.mark.parametrize("command", [("advisory", "check"), ("advisory", "list"), ("publish",)])
def test_crlf_line_ends_and_a_byte_order_mark_are_accepted(
    ws: Workspace, command: tuple[str, ...]
) -> None:
    # A CRLF file was "invalid TOML", and one with a byte order mark did not "start with a
    # +++ line": both are what some editors save.
    bom = "\ufeff"
    ws.write("releasekit.toml", bom + MINIMAL_CONFIG.replace("\n", "\r\n"))
    ws.write(ADVISORY, advisory_text(summary='"""Two\nlines."""', **RELEASED).replace("\n", "\r\n"))
    ws.write("advisories/ACSA-2026-0002.md", bom + advisory_text("ACSA-2026-0002"))
    ws.write(
        "advisories/ACSA-2026-0003.md", bom + advisory_text("ACSA-2026-0003").replace("\n", "\r\n")
    )
    result = CliRunner().invoke(cli, ["-C", str(ws.root), *command])
    assert result.exit_code == 0, result.output
    if command == ("publish",):
        page = (ws.root / "site" / "advisories" / "ACSA-2026-0001.html").read_text()
        assert "Two\nlines." in page


# --- held patches ----------------------------------------------------------------------------

MAIL = (
    b"From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
    b"From: A <a@example.org>\n"
    b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
    b"Subject: [PATCH] Check the channel\n"
    b"\n---\n"
    b"diff --git a/src/x.c b/src/x.c\n"
    b"index 1234567..89abcde 100644\n"
)
HUNK = b"--- a/src/x.c\n+++ b/src/x.c\n@@ -1 +1 @@\n-a\n+b\n"

PATCH_CASES = {
    # int() of a line number or size of thousands of digits: ValueError tracebacks.
    "hunk header of 5000 digits": (
        MAIL + HUNK.replace(b"@@ -1 +1 @@", b"@@ -" + b"1" * 5000 + b" +1 @@"),
        ":11: malformed hunk header",
    ),
    "binary size of 5000 digits": (
        MAIL + b"GIT binary patch\nliteral " + b"9" * 5000 + b"\nzcmV?d00001\n\n",
        ":10: GIT binary patch without literal or delta data",
    ),
    # Sections each within bounds inflated to gigabytes together: every patch is bounded.
    "binary data of 100 MB": (
        MAIL + b"GIT binary patch\nliteral 100000000\nzcmV?d00001\n\n",
        ":10: binary data inflates to more than 64 MiB",
    ),
    # email.utils.parseaddr recurses once per "(": RecursionError.
    "From: of nested comments": (
        MAIL.replace(b"A <a@example.org>", b"(" * 50000 + b" <a@example.org>") + HUNK,
        ":2: From: needs Name <email>",
    ),
}


@pytest.fixture
def pws(ws: Workspace, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Workspace:
    product = release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")
    ws.write("releasekit.toml", workspace_config(product.clone))
    ws.advisory("ACSA-2026-0001")
    return ws


@pytest.mark.parametrize(
    "command", [("plan",), ("embargo", "status"), ("embargo", "lift", "--dry-run")]
)
@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"released": "2026-11-30T14:00:00Z"}, ":8: released: is before embargo"),
        (
            {"released": "2026-12-01T14:00:07Z", "title": '"T\\u0085"'},
            ":3: title: contains a control character (U+0085)",
        ),
    ],
    ids=["released before embargo", "C1 control in the title"],
)
def test_bad_advisories_stop_the_commands_of_the_product(
    pws: Workspace, command: tuple[str, ...], fields: dict[str, str], where: str
) -> None:
    pws.advisory("ACSA-2026-0002", fixed='{ "10.3" = "10.3.3" }', **fields)
    line = rejected(pws, *command)
    assert f"advisories/ACSA-2026-0002.md{where}" in line


@pytest.mark.parametrize("patch", PATCH_CASES.values(), ids=list(PATCH_CASES))
def test_bad_patch_is_one_line_naming_the_file(pws: Workspace, patch: tuple[bytes, str]) -> None:
    data, where = patch
    source = pws.root.parent / "fix.patch"
    source.write_bytes(data)
    line = rejected(pws, "patch", "add", "ACSA-2026-0001", "--line", "10.3", str(source))
    assert where in line
    held = pws.root / "patches" / "ACSA-2026-0001" / "10.3.patch"
    held.parent.mkdir(parents=True)
    held.write_bytes(data)
    line = rejected(pws, "plan")
    assert f"patches/ACSA-2026-0001/10.3.patch{where}" in line


# Read to its end, /dev/zero fills any memory: under this cap, a MemoryError and a traceback.
MEMORY = 1024 * 1024 * 1024


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_an_endless_patch_is_refused_at_the_size_limit(pws: Workspace, how: str) -> None:
    before = files(pws)
    zero = Path("/dev/zero")
    done = cli_process(
        pws.root,
        *("patch", "add", "ACSA-2026-0001", "--line", "10.3", str(zero) if how == "file" else "-"),
        memory=MEMORY,
        stdin=zero if how == "stdin" else None,
    )
    where = str(zero) if how == "file" else "-"
    assert done.stderr.splitlines() == [f"releasekit: error: {where}: larger than 64 MiB"]
    assert done.returncode == 2
    assert files(pws) == before


@pytest.mark.parametrize("kind", ["a device", "a FIFO"])
def test_a_held_patch_that_is_no_file_is_refused(pws: Workspace, kind: str) -> None:
    # /dev/zero never ends (read to the size limit before), a FIFO with no writer never
    # starts (patch list waited for ever): patch add writes regular files only.
    held = pws.root / "patches" / "ACSA-2026-0001" / "10.3.patch"
    held.parent.mkdir(parents=True)
    if kind == "a device":
        held.symlink_to("/dev/zero")
    else:
        os.mkfifo(held)
    done = cli_process(pws.root, "patch", "list", memory=MEMORY)
    shown = "patches/ACSA-2026-0001/10.3.patch"
    assert done.stderr.splitlines() == [f"releasekit: error: {shown}: is not a regular file"]
    assert done.returncode == 2


def test_patch_add_with_stdin_closed_is_one_line(pws: Workspace) -> None:
    before = files(pws)
    args = ("patch", "add", "ACSA-2026-0001", "--line", "10.3", "-")
    done = cli_process(pws.root, *args, close_stdin=True)
    assert done.stderr.splitlines() == ["releasekit: error: -: standard input is closed"]
    assert done.returncode == 2
    assert files(pws) == before


# --- paths that are symlink loops ------------------------------------------------------------


@pytest.mark.parametrize("command", [("plan", "--no-fetch"), ("lint",), ("patch", "list")])
def test_a_product_repository_that_is_a_symlink_loop_is_one_line(
    ws: Workspace, command: tuple[str, ...]
) -> None:
    # Resolving the path of project.repository raised RuntimeError ("Symlink loop", Python
    # before 3.13): a traceback in every command that opens the clone.
    (ws.root / "product").symlink_to("product")
    line = rejected(ws, *command)
    assert line == (
        f"releasekit: error: {ws.root / 'product'}: product repository not found "
        "(project.repository)"
    )


@pytest.mark.parametrize("where", ["DIR", "--repository"])
def test_init_into_or_from_a_symlink_loop_is_one_line(tmp_path: Path, where: str) -> None:
    # The same RuntimeError where `init` resolved the new workspace or the clone it surveys.
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    target = loop if where == "DIR" else tmp_path / "ws"
    args = [str(target)] + (["--repository", str(loop)] if where == "--repository" else [])
    result = CliRunner().invoke(cli, ["init", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert str(loop) in result.stderr or "--repository" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop"]

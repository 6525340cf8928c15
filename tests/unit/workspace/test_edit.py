"""``advisory revise`` and the advisory-file edits of the ``cve`` commands."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from click.testing import Result

from releasekit.model.frontmatter import comment_out
from releasekit.support.errors import EXIT_BAD_INPUT, EXIT_NOT_DONE, BadInput, Refused
from releasekit.workspace import edit
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.sites import marked

NOW = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
REASON = "Corrected the affected range"


def test_revise_appends_a_dated_revision_and_keeps_the_other_lines(site_ws: Workspace) -> None:
    path = marked(site_ws, 1)  # released 2026-10-13
    before = path.read_text()
    settings = workspace.open_workspace(site_ws.root)
    revision = edit.revise(settings, "ACSA-2026-0001", f"  {REASON} ", NOW)
    assert revision.date == NOW.replace(microsecond=0) and revision.reason == REASON
    after = path.read_text()
    changed = [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"
    ]
    assert changed == [f'+ revisions = [{{ date = 2026-11-20T09:30:15Z, reason = "{REASON}" }}]']
    later = datetime(2026, 11, 21, tzinfo=UTC)
    edit.revise(settings, "ACSA-2026-0001", "Added the CWE", later)
    (advisory,) = workspace.load_advisories(settings)
    assert [r.reason for r in advisory.revisions] == [REASON, "Added the CWE"]
    assert advisory.modified == later


def test_revise_keeps_the_crlf_line_ends_of_the_file(site_ws: Workspace) -> None:
    path = marked(site_ws, 1)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # written on Windows
    before = path.read_bytes()
    settings = workspace.open_workspace(site_ws.root)
    edit.revise(settings, "ACSA-2026-0001", REASON, NOW)
    after = path.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")  # every line still ends in CRLF
    added = f'revisions = [{{ date = 2026-11-20T09:30:15Z, reason = "{REASON}" }}]\r\n'
    assert sorted(after.splitlines(True)) == sorted([*before.splitlines(True), added.encode()])


def test_revise_refuses_before_the_release_and_bad_reasons(site_ws: Workspace) -> None:
    embargoed = marked(site_ws, 1, released=None)
    released = marked(site_ws, 2)
    before = {p: p.read_text() for p in (embargoed, released)}
    settings = workspace.open_workspace(site_ws.root)
    with pytest.raises(Refused, match=r"ACSA-2026-0001 is not released yet") as caught:
        edit.revise(settings, "ACSA-2026-0001", REASON, NOW)
    assert caught.value.exit_code == EXIT_NOT_DONE
    # A release in the future is not a release yet either.
    with pytest.raises(Refused):
        edit.revise(settings, "ACSA-2026-0002", REASON, datetime(2026, 10, 13, 14, tzinfo=UTC))
    for bad, why in (
        ("", "--reason: must not be empty"),
        ("   ", "--reason: must not be empty"),
        ("two\nlines", "--reason: contains a line break (U+000A); remove it"),
        ("bell\x07", "--reason: contains a control character (U+0007); remove it"),
        ("x" * 1001, "--reason: must be at most 1000 characters"),
    ):
        with pytest.raises(BadInput) as refused:
            edit.revise(settings, "ACSA-2026-0002", bad, NOW)
        assert str(refused.value) == why and refused.value.exit_code == EXIT_BAD_INPUT
    with pytest.raises(BadInput, match=r"^advisories/ACSA-2026-0009.md: no such advisory$"):
        edit.revise(settings, "ACSA-2026-0009", REASON, NOW)
    assert {p: p.read_text() for p in before} == before


def test_the_cli_says_the_reason_is_public_and_exits_one_line(
    site_ws: Workspace, run: Callable[..., Result]
) -> None:
    marked(site_ws, 1, released=None)
    help_text = run("advisory", "revise", "--help")
    assert "PUBLIC" in help_text.output
    result = run("advisory", "revise", "ACSA-2026-0001", "--reason", REASON)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "releasekit: error: ACSA-2026-0001 is not released yet: revisions record corrections "
        "after publication (edit the file until then)"
    ]
    marked(site_ws, 2)
    done = run("advisory", "revise", "ACSA-2026-0002", "--reason", REASON)
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("ACSA-2026-0002: revision of ")


def test_comment_out_replaces_only_the_key_line() -> None:
    text = '+++\nid = "A"\ncve = "CVE-2099-1"\ncvss = "x"\n+++\n\ncve = "body"\n'
    assert comment_out(text, "cve", "cve CVE-2099-1 rejected") == (
        '+++\nid = "A"\n# cve CVE-2099-1 rejected\ncvss = "x"\n+++\n\ncve = "body"\n'
    )
    assert comment_out(text, "cwe", "none") == text


def test_comment_out_finds_the_key_as_toml_does() -> None:
    # A quoted key, a value over lines before it, CRLF lines, and the same name in a table.
    text = (
        '+++\r\nid = "A"\r\nsummary = """one\r\ncve = "not a key"\r\n"""\r\n'
        '"cve" = "CVE-2099-1"  # reserved\r\n\r\n[fixed]\r\ncve = "1.0"\r\n+++\r\n\r\nBody\r\n'
    )
    assert comment_out(text, "cve", "cve CVE-2099-1 rejected") == text.replace(
        '"cve" = "CVE-2099-1"  # reserved', "# cve CVE-2099-1 rejected"
    )
    only_in_a_table = '+++\nid = "A"\n[fixed]\ncve = "1.0"\n+++\n'
    assert comment_out(only_in_a_table, "cve", "none") == only_in_a_table


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        (lambda text: text.replace('title = "', 'title = "x', 1).replace('"\n', "\n", 1), ":2:"),
        (lambda text: text.replace("+++", "---"), ":1: must start with a +++ line"),
        (lambda text: text.replace("+++", "+++ é", 1), ":1: is not UTF-8 text"),
    ],
    ids=["unterminated string", "no front matter", "latin-1"],
)
def test_a_file_changed_since_it_was_read_is_one_line_and_left_as_it_is(
    site_ws: Workspace, broken: Callable[[str], str], said: str
) -> None:
    # `cve reserve` reads the advisory, asks CVE Services (seconds, minutes with retries),
    # then writes the id: a file saved half-edited meanwhile was a tomlkit traceback.
    path = marked(site_ws, 1, released=None)
    settings = workspace.open_workspace(site_ws.root)
    advisory = edit.find(settings, "ACSA-2026-0001")
    text = broken(path.read_text())
    data = text.encode("latin-1") if "é" in text else text.encode()
    path.write_bytes(data)
    with pytest.raises(BadInput) as caught:
        edit.rewrite(settings, advisory, {"cve": "CVE-2026-40001"})
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert f"ACSA-2026-0001.md{said}" in str(caught.value)
    assert path.read_bytes() == data

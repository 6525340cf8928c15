"""What reaches the terminal: data (advisory text, file names, a server's words) is shown as
text, its control and format characters as visible escapes, and never read as console markup
or emoji codes; and every command prints through cli/show, so that nothing gets around it."""

from __future__ import annotations

import ast
import dataclasses
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.cli import show
from releasekit.embargo.gates import Check
from releasekit.embargo.lift import LiftReport
from releasekit.embargo.prepare import RefUpdate
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from tests.conftest import MINIMAL_CONFIG, advisory_text
from tests.helpers.paths import REPO_ROOT

# An OSC 52 clipboard write, a window title, a screen clear, a bell, a C1 CSI; a bidi
# override and a zero-width space; console markup that crashed (a closing tag with nothing
# open) or restyled the text; an emoji code.
HOSTILE = (
    "A\x1b]52;c;Zm9v\x07B\x1b]0;title\x07C\x1b[2J\x9b31mD\u202eE\u200bF"
    " [/bold] [red]red[/red] :warning: \\"
)
SHOWN = (
    "A\\x1b]52;c;Zm9v\\x07B\\x1b]0;title\\x07C\\x1b[2J\\x9b31mD\\u202eE\\u200bF"
    " [/bold] [red]red[/red] :warning: \\"
)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps at 80 columns without a terminal


def test_echo_and_progress_show_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    show.echo(HOSTILE)
    show.progress("remote: " + HOSTILE + "\nreleasekit: error: forged")
    show.echo("Subject: x\n\n" + HOSTILE + "\r\n", lines=True)
    out, err = capsys.readouterr()
    assert out == f"{SHOWN}\nSubject: x\n\n{SHOWN}\\x0d\n\n"
    assert err == f"remote: {SHOWN}\\x0areleasekit: error: forged\n"


def test_tables_and_lines_show_data_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    report = LiftReport(
        run="run-1",
        advisories=["ACSA-2026-0001"],
        checks=[Check("SMTP server", False, "550 " + HOSTILE), Check("lint", True, "")],
        updates=[RefUpdate("refs/heads/release-" + HOSTILE, None, "a" * 40, "10.3")],
        fixed={"ACSA-2026-0001": {"10.3": "10.3.3", HOSTILE: "1"}},
        subject="[Acme] ACSA-2026-0001 (High): " + HOSTILE,
        recipients=["announce@example.org"],
        pages=["advisories/ACSA-2026-0001.html"],
    )
    show.print_lift_plan(parse_config(MINIMAL_CONFIG, Path("/ws")), report)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "\u202e" not in out and "\u200b" not in out
    assert out.count(SHOWN) == 4, out
    assert "FAIL" in out


def test_the_advisory_table_shows_titles_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    advisory = parse_advisory(advisory_text(), Path("advisories/ACSA-2026-0001.md"), "ACSA")
    title = "[/bold] Ref<B, T> [red]red[/] :warning: \u202eevil\u200b"
    settings = parse_config(MINIMAL_CONFIG.replace("Acme Server", "[bold]Acme[/]"), Path("/ws"))
    show.print_advisories(
        settings, [dataclasses.replace(advisory, title=title)], datetime(2026, 1, 1, tzinfo=UTC)
    )
    out = capsys.readouterr().out
    assert "[bold]Acme[/] advisories" in out
    assert "[/bold] Ref<B, T> [red]red[/] :warning: \\u202eevil\\u200b" in out


def test_every_command_prints_through_show() -> None:
    """Only cli/show.py writes to the terminal: the other command modules call its echo,
    progress and printers (a bare click.echo or console would show data unescaped)."""
    found = []
    for path in sorted((REPO_ROOT / "releasekit" / "cli").glob("*.py")):
        if path.name == "show.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("echo", "secho", "print", "write", "stdout", "stderr"):
                    owner = func.value if isinstance(func, ast.Attribute) else None
                    if not (isinstance(owner, ast.Name) and owner.id == "show"):
                        found.append(f"{path.name}:{node.lineno}: {name}")
    assert found == []


def test_what_an_ascii_terminal_cannot_show_is_an_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's stdout on an ASCII locale refuses "é" (UnicodeEncodeError): data is escaped
    # before a table measures it, and the "…" rich ends a cell cut short with as it goes out.
    screen = io.BytesIO()
    ascii_stdout = io.TextIOWrapper(screen, encoding="ascii", line_buffering=True)
    monkeypatch.setattr(sys, "stdout", ascii_stdout)
    show.echo("Prévisualisation")
    grid = show.table(show_header=False, width=12)
    grid.add_column(no_wrap=True)
    grid.add_row(show.literal("Prévisualisation"))
    show.stdout().print(grid)
    sys.stdout.flush()
    assert screen.getvalue().decode("ascii").splitlines() == [
        "Pr\\xe9visualisation",
        "+----------+",
        "| Pr\\xe9v\\u2026 |",
        "+----------+",
    ]

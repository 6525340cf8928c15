"""How the commands show things on the terminal: the consoles, tables and styles, the printers
of the core's reports (status, lift; the plan's are in :mod:`releasekit.cli.planview`), and
the progress shown while a command waits.

Everything a command prints goes through here, and all of it may hold data (advisory text,
file names, a git server's progress, an SMTP reply, gpg's words): :func:`echo` and the
consoles show every control or format character as a visible escape (support.text) and
never read data as console markup or emoji codes. Styles come only from :func:`literal`
(a rich Text with a style), never from markup in a string. A character the terminal's
encoding cannot hold (an ASCII locale) is shown as an escape too, never an error.

rich is imported on first use, never at start-up: `releasekit --help` and the daily
`publish` from cron print plain lines and should not pay for loading it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

from releasekit.model.frontmatter import version_key
from releasekit.support import timefmt
from releasekit.support.text import encodable, visible

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from releasekit.embargo.gates import Check
    from releasekit.embargo.lift import LiftReport
    from releasekit.embargo.status import StatusReport
    from releasekit.embargo.verify import VerifyReport
    from releasekit.model.advisory import Advisory
    from releasekit.model.config import Settings
    from releasekit.release.plan import Plan

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "green",
    "none": "dim",
}


# A release commit that changes no file (nginx's mainline: nginx.h says the next version
# from right after the last release), where its files are listed.
UNCHANGED = "no file changed: the bump files say it already"


def echo(text: str, *, err: bool = False, lines: bool = False) -> None:
    """Print ``text`` and a newline (stderr with ``err``), its control and format characters
    made visible; with ``lines``, line feeds stay (a message body, JSON), else a line feed in
    the data is shown as ``\\x0a`` and cannot forge a line of output."""
    click.echo(_shown(text, lines=lines), err=err)


def _shown(text: str, *, lines: bool = False) -> str:
    """``text`` as the terminal shows it: control and format characters as visible escapes
    (support.text.visible), and so is each character stdout or stderr cannot encode (on an
    ASCII locale "Prévisualisation" is ``Pr\\xe9visualisation``): before a table measures
    its cells, so that its columns line up, and never a UnicodeEncodeError."""
    text = visible(text, lines=lines)
    for stream in (sys.stdout, sys.stderr):
        text = encodable(text, getattr(stream, "encoding", None))
    return text


class _Encodable:
    """The stream a console writes to, which takes every character: what its encoding
    cannot hold goes as an escape. Data is escaped before (:func:`_shown`); this is for what
    rich adds itself (the "…" of a cell cut short), so that nothing can stop a command."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None)  # rich draws ASCII boxes for ASCII

    def write(self, text: str) -> int:
        return self.stream.write(encodable(text, self.encoding))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def _console(*, err: bool = False, **kwargs: Any) -> Console:
    from rich.console import Console  # on first use: see the module's docstring

    class DataConsole(Console):
        """A console for which every string is data: no markup, no emoji codes, control and
        format characters shown as escapes (tables render their cells through here)."""

        def render_str(self, text: str, **options: Any) -> Text:
            options.update(markup=False, emoji=False, highlight=False)
            return super().render_str(_shown(text, lines=True), **options)

    stream = sys.stderr if err else sys.stdout
    file = None if stream is None else cast("TextIO", _Encodable(stream))  # (None: no stream)
    return DataConsole(highlight=False, markup=False, emoji=False, file=file, stderr=err, **kwargs)


def stdout() -> Console:
    return _console(soft_wrap=False)


def stderr() -> Console:
    return _console(err=True)


def literal(value: str, style: str = "") -> Text:
    """``value`` as data in the given style: one line, shown exactly (escapes made visible)."""
    from rich.text import Text  # on first use: see the module's docstring

    return Text(_shown(value), style=style)


def copyable(*parts: str | Text) -> None:
    """A line meant to be copied (a command, path, id, fingerprint) on stdout, whole: never
    broken at the terminal's width (the terminal may wrap it softly; a copy is one line)."""
    stdout().print(joined(*parts), soft_wrap=True)


def joined(*parts: str | Text) -> Text:
    """One Text of ``parts``: Texts keep their style; strings are plain and may break lines
    (data goes in as a :func:`literal`, which keeps it on one line)."""
    from rich.text import Text  # on first use: see the module's docstring

    return Text.assemble(*(Text(_shown(p, lines=True)) if isinstance(p, str) else p for p in parts))


def table(*args: Any, **kwargs: Any) -> Table:
    from rich.table import Table  # on first use: see the module's docstring

    return Table(*args, **kwargs)


def severity(name: str) -> Text:
    """A severity as a table shows it: capitalized, in its colour."""
    return literal(name.title(), SEVERITY_STYLE.get(name, ""))


def progress(text: str) -> None:
    """A line of progress, on stderr (stdout is for results)."""
    echo(text, err=True)


def countdown() -> Callable[[timedelta], None]:
    """What shows the time left before an embargo ends: a line rewritten in place on a
    terminal; in a log, a line a minute and each of the last ten seconds."""
    err = stderr()
    last = [""]

    def show(left: timedelta) -> None:
        text = timefmt.duration(left)
        if text != last[0]:
            last[0] = text
            if err.is_terminal:
                from rich.control import Control  # on first use: see the module's docstring

                err.control(Control.move_to_column(0))  # the line rewritten in place
                err.print(f"embargo ends in {text}   ", end="")
            elif left.total_seconds() % 60 < 1 or left.total_seconds() < 10:
                err.print(f"embargo ends in {text}")

    return show


@contextlib.contextmanager
def render_bar() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while a big build renders, when stderr is a terminal (rich is
    loaded only then: the everyday small build does not pay for it)."""
    if not sys.stderr.isatty():
        yield None
        return
    bar: Any = None
    task: Any = None

    def advance(done: int, total: int) -> None:
        nonlocal bar, task
        if bar is None:
            from rich import progress  # on first use: see the module's docstring

            bar = progress.Progress(
                progress.TextColumn("publish: rendering"),
                progress.BarColumn(),
                progress.MofNCompleteColumn(),
                progress.TimeRemainingColumn(),
                console=stderr(),
                transient=True,
            )
            bar.start()
            task = bar.add_task("render", total=total)
        bar.update(task, completed=done)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.stop()


# --- advisories ------------------------------------------------------------------------


def print_advisories(settings: Settings, advisories: list[Advisory], now: datetime) -> None:
    """``advisory list``: id, title, score, severity, embargo, state and due date, a row
    each; on a narrow terminal the columns of least use go first (score, state, due date,
    embargo, severity)."""
    from releasekit.cli.fit import Column, fitted
    from releasekit.model import sla

    days = settings.project.disclosure_days
    columns = [
        Column("Id", no_wrap=True, cells=[literal(a.id) for a in advisories]),
        Column("Title", wants=25, cells=[literal(a.title) for a in advisories]),
        Column(
            "Score",
            rank=5,
            no_wrap=True,
            justify="right",
            cells=[f"{a.score:.1f}" if a.score is not None else "-" for a in advisories],
        ),
        Column("Severity", rank=1, no_wrap=True, cells=[severity(a.severity) for a in advisories]),
        Column(
            "Embargo",
            rank=2,
            wants=len("2026-12-01 14:00 UTC"),  # the UTC instant on one line
            cells=[
                literal(timefmt.instant(a.embargo, settings.zone)) if a.embargo else "-"
                for a in advisories
            ],
        ),
        Column("State", rank=4, no_wrap=True, cells=[a.state(now, days).value for a in advisories]),
    ]
    due = [sla.describe(item, settings.sla, now) for item in advisories]
    if any(shown != "-" for shown in due):  # (only a workspace that tracks deadlines)
        columns.append(Column("Due", rank=3, cells=[literal(shown) for shown in due]))
    out = stdout()
    out.print(fitted(literal(f"{settings.project.name} advisories"), columns, out.width))


def print_plan(settings: Settings, result: Plan) -> None:
    """The backport plan (cli.planview): its table, reasons, commits and verdict."""
    from releasekit.cli.planview import parts  # (planview imports this module)

    out = stdout()
    for part, soft_wrap in parts(settings, result, out):
        out.print(part, soft_wrap=soft_wrap)


# --- embargoes --------------------------------------------------------------------------


def print_checks(checks: list[Check]) -> None:
    """A readiness checklist: OK or FAIL with the detail, a line per check (cli.checklist)."""
    from releasekit.cli.checklist import parts  # (checklist imports this module)

    out = stdout()
    for part, soft_wrap in parts(checks, out.width):
        out.print(part, soft_wrap=soft_wrap)


def print_status(settings: Settings, report: StatusReport) -> None:
    """A half-done lift, a lost record, the pending embargoes, and each batch's readiness."""
    out = stdout()
    if report.unfinished_run:
        half = literal(f"A lift of {', '.join(report.unfinished_run)} is half done.", "bold yellow")
        copyable(half, " Run `releasekit embargo lift` to finish it.")
        for step in report.unfinished:
            out.print(literal(f"  {step.key.split('/', 2)[-1]}: {step.status}"), soft_wrap=True)
    for lost in report.lost:
        copyable(literal(lost.advice, "bold yellow"))
    if not report.pending:
        out.print("No pending embargo.")
        return
    from releasekit.cli.fit import Column, fitted

    pending = report.pending
    columns = [
        Column("Id", no_wrap=True, cells=[literal(p.advisory.id) for p in pending]),
        Column(
            "Severity", rank=1, no_wrap=True, cells=[severity(p.advisory.severity) for p in pending]
        ),
        Column(
            "Embargo ends",
            wants=len("2026-12-01 14:00 UTC"),
            cells=[literal(timefmt.instant(p.ends, settings.zone)) for p in pending],
        ),
        Column(
            "Left",
            no_wrap=True,
            justify="right",
            cells=[
                timefmt.duration(p.left) if p.left.total_seconds() > 0 else "over" for p in pending
            ],
        ),
    ]
    grid = fitted("Pending embargoes", columns, out.width)
    out.print(grid)
    for batch in report.batches:
        verdict = literal("ready", "green") if batch.ready else literal("not ready", "bold red")
        when = timefmt.instant(batch.instant, settings.zone)
        out.print(joined(f"Readiness of {', '.join(batch.ids)} ({when}): ", verdict))
        print_checks(batch.checks)
    _print_verified(report)


def print_verify(report: VerifyReport) -> None:
    """``verify``: each line's result, its time and log."""
    out = stdout()
    for result in report.results:
        verdict = literal("passed", "green") if result.ok else literal(result.why, "bold red")
        about = f" in {result.seconds:.1f} s, tree {result.tree[:12]}, log {result.log}"
        copyable(literal(f"{result.line}: "), verdict, literal(about))  # the log's path
    if not report.isolated:
        out.print("Network isolation was not available here: the command could reach the network.")


def _print_verified(report: StatusReport) -> None:
    """The last verify result of each line, and whether it is for the current plan."""
    out = stdout()
    for batch in report.batches:
        for line, result, fresh in batch.verified:
            if result is None:
                out.print(literal(f"verify {line}: never run"))
                continue
            state = "current plan" if fresh else "stale: the tip has moved since"
            out.print(literal(f"verify {line}: {result.why} ({result.finished}, {state})"))


def print_lift_texts(report: LiftReport) -> None:
    """Every commit and tag message a lift would push (and the lines each release commit
    adds), then the whole announcement (plain text: data is never console markup)."""
    for what, text in report.messages:
        echo(f"--- {what}")
        echo(text.rstrip("\n"), lines=True)
    if report.subject:
        echo("--- announcement")
        echo(f"Subject: {report.subject}")
        echo("")
        echo(report.body.rstrip("\n"), lines=True)
    echo("---")


def print_lift_plan(settings: Settings, report: LiftReport) -> None:
    """What a lift will do (or would, with --dry-run): checks, refs, versions, mail, pages."""
    out = stdout()
    out.print(
        joined(literal(f"Lift of {', '.join(report.advisories)}", "bold"), f" ({report.run})")
    )
    if report.checks:
        print_checks(report.checks)
    out.print("Refs to push (never forced):")
    for update in report.updates:
        old = update.old[:12] if update.old else "(new)"
        out.print(literal(f"  {update.ref}  {old} -> {update.new[:12]}"), soft_wrap=True)
    if report.releases:
        out.print(literal("Release commits (the tags point at them):"))
    for release in report.releases:
        out.print(
            literal(
                f"  {release.version}: {release.commit[:12]} {release.subject!r} on "
                f"{release.parent[:12]}, "
                + (f"changing {', '.join(release.files)}" if release.files else UNCHANGED)
            ),
            soft_wrap=True,
        )
    out.print("Fixed versions:")
    for ident, lines in report.fixed.items():
        ordered = sorted(lines.items(), key=lambda item: version_key(item[0]))
        versions = ", ".join(f"{line}: {v}" for line, v in ordered)
        out.print(literal(f"  {ident}: {versions}"), soft_wrap=True)
    out.print(
        literal(f"Announcement to {', '.join(report.recipients)}: {report.subject}"),
        soft_wrap=True,
    )
    out.print("Pages:")
    for page in report.pages:
        out.print(literal(f"  {page}"), soft_wrap=True)

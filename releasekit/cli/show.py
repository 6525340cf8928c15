"""How the commands show things on the terminal: the consoles, tables and styles, the printers
of the core's reports (plan, status, lift), and the progress shown while a command waits.

rich is imported on first use, never at start-up: `releasekit --help` and the daily
`publish` from cron print plain lines and should not pay for loading it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from packaging.version import Version

from releasekit.support import timefmt

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from releasekit.embargo.gates import Check
    from releasekit.embargo.lift import LiftReport
    from releasekit.embargo.status import StatusReport
    from releasekit.model.config import Settings
    from releasekit.release.plan import Plan, PlanLine, PlannedAdvisory

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "green",
    "none": "dim",
}

STATUS_STYLE = {
    "applies": "green",
    "already-fixed": "cyan",
    "not-required": "dim",
    "missing": "bold yellow",
    "conflicts": "bold red",
}


def stdout() -> Console:
    from rich.console import Console  # on first use: see the module's docstring

    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    from rich.console import Console  # on first use: see the module's docstring

    return Console(stderr=True, highlight=False)


def table(*args: Any, **kwargs: Any) -> Table:
    from rich.table import Table  # on first use: see the module's docstring

    return Table(*args, **kwargs)


def severity(name: str) -> str:
    """A severity as a table shows it: capitalized, in its colour."""
    return f"[{SEVERITY_STYLE[name]}]{name.title()}[/]"


def visible(text: str, keep: str = "") -> str:
    """Data as plain output shows it: C0 and C1 control characters (and other unprintable
    ones, but those in ``keep``) as visible escapes, so that no file or commit can move the
    cursor or recolour the terminal."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in keep else c.encode("unicode_escape").decode() for c in text
    )


def visible_text(text: str) -> str:
    """:func:`visible` for a text that keeps its line breaks and tabs."""
    return "\n".join(visible(line.removesuffix("\r"), "\t") for line in text.split("\n"))


def progress(text: str) -> None:
    """A line of progress, on stderr (stdout is for results)."""
    click.echo(text, err=True)


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
                err.print(f"\rembargo ends in {text}   ", end="")
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


# --- the backport plan ------------------------------------------------------------------


def print_plan(settings: Settings, result: Plan) -> None:
    """The plan as a table with a column per release line, or, where that is too wide for
    the terminal, a row per advisory and line; then each cell's reason and the verdict."""
    out = stdout()
    if not result.advisories:
        out.print("No unreleased advisories: nothing to plan.")
    title = f"{settings.project.name} backport plan"
    grid = _plan_by_line(result, title)
    if out.measure(grid, options=out.options.update_width(10_000)).maximum > out.width:
        grid = _plan_by_row(result, title)
    if result.advisories:
        out.print(grid)
        if not all(result.outcomes[line.name].ok for line in result.lines):
            out.print(
                "[red]![/] a line where a required fix is missing or does not apply, or that "
                "cannot be released now (below)"
            )
    for advisory in result.advisories:
        for cell in (c for c in result.cells if c.advisory == advisory.id):
            out.print(f"{advisory.id} {cell.line}: {cell.status}: {cell.reason}", highlight=False)
    for line in result.lines:
        release = result.outcomes[line.name].release
        if release is not None:
            subject = release.message.splitlines()[0] if release.message.strip() else ""
            out.print(
                f"{line.name}: release commit {release.commit[:12]} {subject!r} on the fixes, "
                f"tagged {line.tag}: {', '.join(release.files)}",
                highlight=False,
                markup=False,
            )
    for problem in result.problems():
        out.print(f"! {problem}", highlight=False, markup=False, style="red")
    verdict = "ready" if result.is_ready else "NOT ready"
    out.print(f"Plan: {verdict}.")


def _plan_by_line(result: Plan, title: str) -> Table:
    """A row per advisory, a column per line."""
    grid = table(title=title, title_justify="left")
    grid.add_column("Advisory", no_wrap=True)
    for line in result.lines:
        grid.add_column(_line_label(result, line, "\n"), no_wrap=True)
    grid.add_column("Ready", no_wrap=True)
    for advisory in result.advisories:
        row = [_about(advisory)]
        row += [_status(result, advisory, line, "\n") for line in result.lines]
        grid.add_row(*row, _ready(result, advisory))
    return grid


def _plan_by_row(result: Plan, title: str) -> Table:
    """A row per advisory and line, for a terminal too narrow for a column per line."""
    grid = table(title=title, title_justify="left")
    grid.add_column("Advisory", no_wrap=True)
    grid.add_column("Line")  # words fold here first, never in a status
    grid.add_column("Fix", min_width=len("not-required"), overflow="fold")
    grid.add_column("Ready", no_wrap=True)
    for advisory in result.advisories:
        for n, line in enumerate(result.lines):
            first = n == 0
            grid.add_row(
                _about(advisory) if first else "",
                _line_label(result, line, " "),
                _status(result, advisory, line, " "),
                _ready(result, advisory) if first else "",
                end_section=n == len(result.lines) - 1,
            )
    return grid


def _about(advisory: PlannedAdvisory) -> str:
    return f"{advisory.id}\n[dim]{advisory.severity}, {advisory.state}[/]"


def _status(result: Plan, advisory: PlannedAdvisory, line: PlanLine, sep: str) -> str:
    cell = result.cell(advisory.id, line.name)
    text = f"[{STATUS_STYLE[cell.status]}]{cell.status}[/]"
    return text + "".join(sep + name for name in cell.conflicts)


def _line_label(result: Plan, line: PlanLine, sep: str) -> str:
    mark = "" if result.outcomes[line.name].ok else " [red]![/]"
    return f"{line.name} ({'/'.join(line.groups)}){sep}-> {line.next_version}{mark}"


def _ready(result: Plan, advisory: PlannedAdvisory) -> str:
    return "[green]yes[/]" if result.ready(advisory.id) else "[red]no[/]"


# --- embargoes --------------------------------------------------------------------------


def print_checks(checks: list[Check]) -> None:
    """A readiness checklist: OK or FAIL with the detail, a line per check."""
    grid = table(show_header=False, box=None, padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for check in checks:
        mark = "[green]OK[/]" if check.ok else "[bold red]FAIL[/]"
        grid.add_row(mark, check.name, "" if check.ok else check.detail)
    stdout().print(grid)


def print_status(settings: Settings, report: StatusReport) -> None:
    """A half-done lift, the pending embargoes, and each batch's readiness."""
    out = stdout()
    if report.unfinished_run:
        out.print(
            f"[bold yellow]A lift of {', '.join(report.unfinished_run)} is half done."
            "[/] Run `releasekit embargo lift` to finish it."
        )
        for step in report.unfinished:
            out.print(f"  {step.key.split('/', 2)[-1]}: {step.status}")
    if not report.pending:
        out.print("No pending embargo.")
        return
    grid = table(title="Pending embargoes", title_justify="left")
    grid.add_column("Id", no_wrap=True)
    grid.add_column("Severity", no_wrap=True)
    grid.add_column("Embargo ends", overflow="fold")
    grid.add_column("Left", no_wrap=True, justify="right")
    for item in report.pending:
        grid.add_row(
            item.advisory.id,
            severity(item.advisory.severity),
            timefmt.instant(item.ends, settings.zone),
            timefmt.duration(item.left) if item.left.total_seconds() > 0 else "over",
        )
    out.print(grid)
    for batch in report.batches:
        verdict = "[green]ready[/]" if batch.ready else "[bold red]not ready[/]"
        out.print(
            f"Readiness of {', '.join(batch.ids)} "
            f"({timefmt.instant(batch.instant, settings.zone)}): {verdict}"
        )
        print_checks(batch.checks)


def print_lift_texts(report: LiftReport) -> None:
    """Every commit and tag message a lift would push, then the whole announcement (plain
    text: data is never console markup)."""
    for what, text in report.messages:
        click.echo(f"--- {what}")
        click.echo(visible_text(text).rstrip("\n"))
    if report.subject:
        click.echo("--- announcement")
        click.echo(f"Subject: {visible(report.subject)}")
        click.echo("")
        click.echo(visible_text(report.body).rstrip("\n"))
    click.echo("---")


def print_lift_plan(settings: Settings, report: LiftReport) -> None:
    """What a lift will do (or would, with --dry-run): checks, refs, versions, mail, pages."""
    out = stdout()
    out.print(f"[bold]Lift of {', '.join(report.advisories)}[/] ({report.run})")
    if report.checks:
        print_checks(report.checks)
    out.print("Refs to push (never forced):")
    for update in report.updates:
        old = update.old[:12] if update.old else "(new)"
        out.print(f"  {update.ref}  {old} -> {update.new[:12]}")
    if report.releases:
        out.print("Release commits (the tags point at them):")
    for release in report.releases:
        subject = release.message.splitlines()[0] if release.message.strip() else ""
        out.print(
            f"  {release.version}: {release.commit[:12]} {subject!r} on {release.parent[:12]}, "
            f"changing {', '.join(release.files)}",
            markup=False,
        )
    out.print("Fixed versions:")
    for ident, lines in report.fixed.items():
        ordered = sorted(lines.items(), key=lambda item: Version(item[0]))
        versions = ", ".join(f"{line}: {v}" for line, v in ordered)
        out.print(f"  {ident}: {versions}")
    out.print(f"Announcement to {', '.join(report.recipients)}: {report.subject}")
    out.print("Pages:")
    for page in report.pages:
        out.print(f"  {page}")

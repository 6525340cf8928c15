"""The command line: a thin click layer over the core.

Each command parses its options, builds the settings, calls one core function and prints the
result (results on stdout, progress and diagnostics on stderr). :class:`ReleasekitError` is
turned into one line on stderr and its exit code here, and nowhere else; so is an OSError
that no command expects (a full disk, a read-only place: exit 1).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import click

from releasekit import __version__, workspace
from releasekit.adapters.env import Environment
from releasekit.support import clock, fsutil, timefmt
from releasekit.support.errors import EXIT_BAD_INPUT, EXIT_NOT_DONE, BadInput, ReleasekitError

if TYPE_CHECKING:  # the commands import what they use: `publish` from cron starts fast
    from rich.console import Console
    from rich.table import Table

    from releasekit.embargo import engine as embargo_core
    from releasekit.model.advisory import Advisory
    from releasekit.model.config import Settings

F = TypeVar("F", bound=Callable[..., Any])

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "green",
    "none": "dim",
}


def stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _table(*args: Any, **kwargs: Any) -> Table:
    from rich.table import Table

    return Table(*args, **kwargs)


class ReleasekitGroup(click.Group):
    """A click group that turns ReleasekitError into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReleasekitError as exc:
            _report(ctx, str(exc).splitlines() or [type(exc).__name__])
            ctx.exit(exc.exit_code)
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise  # the reader went away (`| head`): click ends quietly
            # The machine refused (a full disk, a read-only or unreadable place), not the
            # input: one line naming the path, exit 1. What the commands change is written
            # so that a run stopped here can be run again (see each command's help).
            obj = ctx.find_object(Context)
            _report(ctx, [fsutil.describe(exc, obj.root if obj is not None else None)])
            ctx.exit(EXIT_NOT_DONE)


def _report(ctx: click.Context, lines: list[str]) -> None:
    obj = ctx.find_object(Context)
    if obj is not None and obj.verbose:
        traceback.print_exc()
    for line in lines:
        click.echo(f"releasekit: error: {line}", err=True)


class Context:
    """What the group options set up for every command."""

    def __init__(self, root: Path, verbose: bool) -> None:
        self.root = root
        self.verbose = verbose
        # The one read of the process environment: adapters get it from here.
        self.env = Environment(dict(os.environ))
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = workspace.open_workspace(self.root)
        return self._settings


pass_context = click.make_pass_decorator(Context)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


@click.group(cls=ReleasekitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--workspace",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    envvar="RELEASEKIT_WORKSPACE",
    help="The workspace directory (holds releasekit.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(__version__, prog_name="releasekit")
@click.pass_context
def cli(ctx: click.Context, root: Path, verbose: bool) -> None:
    """Ship security fixes under embargo and publish the advisories.

    \b
    Typical release:
      releasekit advisory new --title "..." --summary "..."
      releasekit patch add ACSA-2026-0001 --line 10.3 fix.patch
      releasekit plan
      releasekit embargo lift --wait
      releasekit publish          # daily, e.g. from cron
    """
    ctx.obj = Context(root, verbose)


# --- init -------------------------------------------------------------------------------


_SCAFFOLD = workspace.Scaffold()


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--name", default=_SCAFFOLD.name, show_default=True, help="Product name.")
@click.option("--vendor", default=_SCAFFOLD.vendor, show_default=True, help="CVE vendor name.")
@click.option("--prefix", default=_SCAFFOLD.prefix, show_default=True, help="Advisory id prefix.")
@click.option(
    "--repository",
    default=_SCAFFOLD.repository,
    show_default=True,
    help="The product clone, relative to the workspace.",
)
@click.option(
    "--site-url",
    default=_SCAFFOLD.site_url,
    show_default=True,
    help="Public URL of the security-updates site.",
)
@click.option(
    "--upcoming", default=_SCAFFOLD.upcoming, show_default=True, help="The next release line."
)
@click.option(
    "--time-zone", default=_SCAFFOLD.time_zone, show_default=True, help="IANA time zone for texts."
)
@pass_context
def init(obj: Context, /, directory: Path | None, **values: str) -> None:
    """Scaffold a workspace in DIRECTORY (default: the workspace directory).

    Writes a commented releasekit.toml, advisories/, patches/, templates/ (for overrides),
    site/ and the private .releasekit/ (mode 0700). Never overwrites a workspace.

    \b
    Example:
      releasekit init security --name "Acme Server" --prefix ACSA \\
          --repository ../acme-server --upcoming 10.4 --time-zone America/Los_Angeles
    """
    root = directory if directory is not None else obj.root
    created = workspace.init_workspace(root, workspace.Scaffold(**values))
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"Next: edit {root / 'releasekit.toml'}, then `releasekit advisory new`.")


# --- advisory -----------------------------------------------------------------------------


@cli.group()
def advisory() -> None:
    """Create, list and check advisory files (advisories/ID.md)."""


def _parse_instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--embargo: {value!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise BadInput("--embargo: needs a UTC offset, e.g. 2026-12-01T14:00:00Z")
    return moment


class _Asked(click.Option):
    """An option asked for when it is missing; with no answer to read (stdin at its end: cron,
    a script, `< /dev/null`) it is a missing option, exit 2, not click's "Aborted!" (exit 1)."""

    def prompt_for_value(self, ctx: click.Context) -> Any:
        try:
            return super().prompt_for_value(ctx)
        except click.Abort as exc:
            if isinstance(exc.__context__, EOFError):
                raise click.MissingParameter(ctx=ctx, param=self) from None
            raise


@advisory.command("new")
@click.option("--title", cls=_Asked, prompt=True, help="Short public title.")
@click.option(
    "--summary",
    cls=_Asked,
    prompt=True,
    help="One public sentence, shown from the release on.",
)
@click.option("--component", help="Affected component.")
@click.option("--cvss", help="CVSS 3.1 or 4.0 vector.")
@click.option("--cve", help="CVE id, once reserved.")
@click.option("--reporter", help="Name to credit.")
@click.option(
    "--embargo",
    help="Embargo end, e.g. 2026-12-01T14:00:00Z (default with --cve: embargo_hours ahead).",
)
@pass_context
def advisory_new(
    obj: Context,
    title: str,
    summary: str,
    component: str | None,
    cvss: str | None,
    cve: str | None,
    reporter: str | None,
    embargo: str | None,
) -> None:
    """Create advisories/ID.md with the next free id of this year.

    \b
    Example:
      releasekit advisory new --title "Channel export ignores read permissions" \\
          --summary "Users could export channels they cannot read." \\
          --cvss CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N
    """
    moment = _parse_instant(embargo)
    now = clock.now()
    if moment is None and cve:
        # The embargo usually ends a fixed time after the CVE is reserved: at least that long,
        # on the next full hour (rounding down would shorten the agreed embargo).
        hours = obj.settings.project.embargo_hours
        ahead = now + timedelta(hours=hours)
        moment = ahead.replace(minute=0, second=0, microsecond=0)
        if moment < ahead:
            moment += timedelta(hours=1)
    fields = workspace.NewAdvisory(
        title=title,
        summary=summary,
        component=component,
        cvss=cvss,
        cve=cve,
        reporter=reporter,
        embargo=moment,
    )
    path = workspace.new_advisory(obj.settings, now, fields)
    click.echo(str(workspace.display_path(obj.settings, path)))


def advisory_json(advisory: Advisory, settings: Settings, now: datetime) -> dict[str, Any]:
    days = settings.project.disclosure_days
    return {
        "id": advisory.id,
        "title": advisory.title,
        "score": advisory.score,
        "vector": advisory.cvss.vector if advisory.cvss else None,
        "severity": advisory.severity,
        "cve": advisory.cve,
        "embargo": timefmt.iso_utc(advisory.embargo) if advisory.embargo else None,
        "released": timefmt.iso_utc(advisory.released) if advisory.released else None,
        "disclosure_date": str(advisory.disclosure_date(days) or "") or None,
        "state": advisory.state(now, days).value,
    }


@advisory.command("list")
@json_option
@pass_context
def advisory_list(obj: Context, as_json: bool) -> None:
    """List advisories: id, title, score, severity, embargo, state.

    \b
    Example:
      releasekit advisory list --json | jq '.[] | select(.state == "embargoed")'
    """
    settings = obj.settings
    now = clock.now()
    advisories = workspace.load_advisories(settings)
    if as_json:
        rows = [advisory_json(a, settings, now) for a in advisories]
        click.echo(json.dumps(rows, indent=2))
        return
    table = _table(title=f"{settings.project.name} advisories", title_justify="left")
    table.add_column("Id", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=1)
    table.add_column("Score", no_wrap=True, justify="right")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Embargo", overflow="fold")
    table.add_column("State", no_wrap=True)
    for item in advisories:
        severity = item.severity
        table.add_row(
            item.id,
            item.title,
            f"{item.score:.1f}" if item.score is not None else "-",
            f"[{SEVERITY_STYLE[severity]}]{severity.title()}[/]",
            timefmt.instant(item.embargo, settings.zone) if item.embargo else "-",
            item.state(now, settings.project.disclosure_days).value,
        )
    if not advisories:
        stderr().print("No advisories yet: `releasekit advisory new`.")
        return
    stdout().print(table)


@advisory.command("check")
@pass_context
def advisory_check(obj: Context) -> None:
    """Validate every advisory file; report every problem as FILE:LINE: field: message.

    Also builds each advisory's CVE and OSV records as they will be on its disclosure
    date, and reports a field the schemas would refuse then (a title too long for CVE
    JSON 5, say): on the day, such a record stops the whole site's build.

    Exit 0 when all are valid, 2 otherwise.

    \b
    Example:
      releasekit advisory check
    """
    settings = obj.settings
    advisories, problems = workspace.check_advisories(settings)
    problems += workspace.record_problems(settings, advisories)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in advisories/", err=True)
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
    click.echo(f"{len(advisories)} {'advisory' if len(advisories) == 1 else 'advisories'} OK")


# --- patch, plan, lint (release lines and the backport plan) ------------------------------


STATUS_STYLE = {
    "applies": "green",
    "already-fixed": "cyan",
    "not-required": "dim",
    "missing": "bold yellow",
    "conflicts": "bold red",
}


@cli.group()
def patch() -> None:
    """Hold fixes locally: patches/ID/LINE.patch (git format-patch files, never pushed)."""


@patch.command("add")
@click.argument("advisory_id", metavar="ID")
@click.argument(
    "file",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    required=False,
)
@click.option("--line", "line", required=True, help="Release line the fix is for, e.g. 10.3.")
@click.option(
    "--from",
    "rev_range",
    metavar="REV_RANGE",
    help="Export A..B (or one commit) from the product clone instead of reading FILE.",
)
@click.option("--replace", is_flag=True, help="Replace a fix already held for this line.")
@pass_context
def patch_add(
    obj: Context,
    advisory_id: str,
    file: Path | None,
    line: str,
    rev_range: str | None,
    replace: bool,
) -> None:
    """Check and hold the fix of advisory ID for one release line.

    FILE is `git format-patch` output (one or more commits; `-` reads stdin). With --from,
    the commits are exported from the product clone instead. The fix is stored as
    patches/ID/LINE.patch, readable only by you (0600); nothing is written on bad input.

    \b
    Example:
      git -C ../acme-server format-patch -1 --stdout fix-export > /tmp/fix.patch
      releasekit patch add ACSA-2026-0002 --line 10.3 /tmp/fix.patch
      releasekit patch add ACSA-2026-0002 --line 9.11 --from v9.11.8..fix-export-9.11
    """
    import sys

    from releasekit.adapters import git
    from releasekit.fixes import patches
    from releasekit.release import lines

    if (file is None) == (rev_range is None):
        raise BadInput("give a patch FILE or --from REV_RANGE (one of the two)")
    settings = obj.settings
    data: bytes | None = None
    source = "-"
    if file is not None:
        source = str(file)
        try:
            data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
        except OSError as exc:
            raise BadInput(f"{file}: cannot be read: {exc.strerror}") from None
    repo = git.ProductRepo.open(settings.repository_path, obj.env)
    path = patches.add_patch(
        settings,
        advisory_id,
        line,
        known_lines=lines.line_names(settings, repo.tags()),
        data=data,
        source=source,
        repo=repo,
        rev_range=rev_range,
        replace=replace,
    )
    click.echo(str(workspace.display_path(settings, path)))


def _progress(text: str) -> None:
    click.echo(text, err=True)


@cli.command("plan")
@json_option
@click.option("--no-fetch", is_flag=True, help="Use the remote-tracking refs as they are.")
@pass_context
def plan_command(obj: Context, as_json: bool, no_fetch: bool) -> None:
    """The backport matrix: advisories x release lines on the live public tips.

    For each unreleased advisory and supported line: required or not and why, fix held or
    missing, and whether it applies, conflicts (with the files) or is already there; the
    next version of each line. Fetches the remote first (progress on stderr).
    Exit 0 when every advisory with an embargo is ready, 1 when not, 2 on bad input.

    \b
    Example:
      releasekit plan
      releasekit plan --json | jq '.advisories[] | select(.ready | not) | .id'
    """
    from releasekit.adapters import git
    from releasekit.release import plan
    from releasekit.support.errors import NotReady

    settings = obj.settings
    advisories = workspace.load_advisories(settings)
    result = plan.build_plan(
        settings,
        advisories,
        git.ProductRepo.open(settings.repository_path, obj.env),
        fetch=not no_fetch,
        progress=_progress,
        now=clock.now(),
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_plan(settings, result)
    if not result.is_ready:
        waiting = [a.id for a in result.advisories if a.gating and not result.ready(a.id)]
        raise NotReady(f"not ready: {', '.join(waiting)}")


def _print_plan(settings: Settings, result: Any) -> None:
    out = stdout()
    if not result.advisories:
        out.print("No unreleased advisories: nothing to plan.")
    title = f"{settings.project.name} backport plan"

    def status(advisory: Any, line: Any, sep: str) -> str:
        cell = result.cell(advisory.id, line.name)
        text = f"[{STATUS_STYLE[cell.status]}]{cell.status}[/]"
        return text + "".join(sep + name for name in cell.conflicts)

    def line_label(line: Any, sep: str) -> str:
        mark = "" if result.outcomes[line.name].ok else " [red]![/]"
        return f"{line.name} ({'/'.join(line.groups)}){sep}-> {line.next_version}{mark}"

    def ready(advisory: Any) -> str:
        return "[green]yes[/]" if result.ready(advisory.id) else "[red]no[/]"

    table = _table(title=title, title_justify="left")  # a column per line
    table.add_column("Advisory", no_wrap=True)
    for line in result.lines:
        table.add_column(line_label(line, "\n"), no_wrap=True)
    table.add_column("Ready", no_wrap=True)
    for advisory in result.advisories:
        row = [f"{advisory.id}\n[dim]{advisory.severity}, {advisory.state}[/]"]
        row += [status(advisory, line, "\n") for line in result.lines]
        table.add_row(*row, ready(advisory))
    wide = out.measure(table, options=out.options.update_width(10_000)).maximum
    if wide > out.width:  # too wide here: a row per advisory and line
        table = _table(title=title, title_justify="left")
        table.add_column("Advisory", no_wrap=True)
        table.add_column("Line")  # words fold here first, never in a status
        table.add_column("Fix", min_width=len("not-required"), overflow="fold")
        table.add_column("Ready", no_wrap=True)
        for advisory in result.advisories:
            about = f"{advisory.id}\n[dim]{advisory.severity}, {advisory.state}[/]"
            for n, line in enumerate(result.lines):
                first = n == 0
                table.add_row(
                    about if first else "",
                    line_label(line, " "),
                    status(advisory, line, " "),
                    ready(advisory) if first else "",
                    end_section=n == len(result.lines) - 1,
                )
    if result.advisories:
        out.print(table)
        if not all(result.outcomes[line.name].ok for line in result.lines):
            out.print("[red]![/] a line where a required fix is missing or does not apply")
    for advisory in result.advisories:
        for cell in (c for c in result.cells if c.advisory == advisory.id):
            out.print(f"{advisory.id} {cell.line}: {cell.status}: {cell.reason}", highlight=False)
    verdict = "ready" if result.is_ready else "NOT ready"
    out.print(f"Plan: {verdict}.")


@cli.command("lint")
@pass_context
def lint_command(obj: Context) -> None:
    """Leak check of everything the lift would push, before it is pushed.

    Checks every held fix of the unreleased advisories (commit subjects and bodies, author
    fields, file names and the lines the diffs add, comments included), the branch and tag
    names and tag messages of the supported lines, and the committer. Words: the defaults
    (security, vulnerab*, exploit*, CVE, ...), [lint] words, and every advisory id, CVE id
    and reporter name; [lint] allow passes exact phrases. Each finding is
    FILE:LINE: word: context. Exit 0 when clean, 1 with findings.

    \b
    Example:
      releasekit lint
    """
    from releasekit.adapters import git
    from releasekit.release import plan
    from releasekit.support.errors import LeakFound

    settings = obj.settings
    advisories = workspace.load_advisories(settings)
    findings = plan.lint_workspace(
        settings, advisories, git.ProductRepo.open(settings.repository_path, obj.env)
    )
    for finding in findings:
        click.echo(str(finding))
    if findings:
        count = len(findings)
        raise LeakFound(f"{count} possible leak(s): reword, or allow the phrase in [lint] allow")
    click.echo("lint: clean")


# --- embargo (status, announce, lift) -----------------------------------------------------


@cli.group()
def embargo() -> None:
    """Pending embargoes: readiness, and the lift that makes fixes public."""


def _outside(obj: Context) -> embargo_core.Outside:
    from releasekit.embargo import engine as embargo_core

    err = stderr()
    return embargo_core.Outside(
        env=obj.env,
        progress=lambda text: err.print(f"[dim]{text}[/]"),
    )


def _print_checks(checks: list[embargo_core.Check]) -> None:
    table = _table(show_header=False, box=None, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for check in checks:
        mark = "[green]OK[/]" if check.ok else "[bold red]FAIL[/]"
        table.add_row(mark, check.name, "" if check.ok else check.detail)
    stdout().print(table)


@embargo.command("status")
@json_option
@pass_context
def embargo_status(obj: Context, as_json: bool) -> None:
    """Each pending embargo: when it ends, time left, and the readiness checklist.

    The checklist: fixes held and applying, lint clean, CVE ids, the signing key (present,
    not expired, able to sign), the SMTP server (reachable, login accepted), the remote
    (reachable, every push a fast-forward), the announcement and pages rendering. A half-done
    lift shows which steps are left. Exit 0 when ready (or nothing pending), 1 otherwise.

    \b
    Example:
      releasekit embargo status
    """
    settings = obj.settings
    now = clock.now()
    from releasekit.embargo import engine as embargo_core

    report = embargo_core.status(settings, _outside(obj), now)
    ready = report.ready
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ready": ready,
                    "pending": [
                        {
                            "id": p.advisory.id,
                            "severity": p.advisory.severity,
                            "embargo": timefmt.iso_utc(p.ends),
                            "seconds_left": int(p.left.total_seconds()),
                        }
                        for p in report.pending
                    ],
                    "batches": [
                        {
                            "embargo": timefmt.iso_utc(batch.instant),
                            "advisories": batch.ids,
                            "ready": batch.ready,
                            "checks": [
                                {"name": c.name, "ok": c.ok, "detail": c.detail}
                                for c in batch.checks
                            ],
                        }
                        for batch in report.batches
                    ],
                    "unfinished_lift": {
                        "advisories": report.unfinished_run,
                        "steps": [{"step": s.key, "status": s.status} for s in report.unfinished],
                    },
                },
                indent=2,
            )
        )
    else:
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
        else:
            table = _table(title="Pending embargoes", title_justify="left")
            table.add_column("Id", no_wrap=True)
            table.add_column("Severity", no_wrap=True)
            table.add_column("Embargo ends", overflow="fold")
            table.add_column("Left", no_wrap=True, justify="right")
            for item in report.pending:
                severity = item.advisory.severity
                table.add_row(
                    item.advisory.id,
                    f"[{SEVERITY_STYLE[severity]}]{severity.title()}[/]",
                    timefmt.instant(item.ends, settings.zone),
                    timefmt.duration(item.left) if item.left.total_seconds() > 0 else "over",
                )
            out.print(table)
            for batch in report.batches:
                verdict = "[green]ready[/]" if batch.ready else "[bold red]not ready[/]"
                out.print(
                    f"Readiness of {', '.join(batch.ids)} "
                    f"({timefmt.instant(batch.instant, settings.zone)}): {verdict}"
                )
                _print_checks(batch.checks)
    if not ready:
        raise click.exceptions.Exit(EXIT_NOT_DONE)


def _countdown() -> Callable[[timedelta], None]:
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


def _print_lift_plan(report: embargo_core.LiftReport, settings: Settings) -> None:
    from packaging.version import Version

    out = stdout()
    out.print(f"[bold]Lift of {', '.join(report.advisories)}[/] ({report.run})")
    if report.checks:
        _print_checks(report.checks)
    out.print("Refs to push (never forced):")
    for update in report.updates:
        old = update.old[:12] if update.old else "(new)"
        out.print(f"  {update.ref}  {old} -> {update.new[:12]}")
    out.print("Fixed versions:")
    for ident, lines in report.fixed.items():
        ordered = sorted(lines.items(), key=lambda item: Version(item[0]))
        versions = ", ".join(f"{line}: {v}" for line, v in ordered)
        out.print(f"  {ident}: {versions}")
    out.print(f"Announcement to {', '.join(report.recipients)}: {report.subject}")
    out.print("Pages:")
    for page in report.pages:
        out.print(f"  {page}")


class _Sending(Protocol):
    """What announce and notify report: to whom it went now, and who had it already."""

    sent: list[str]
    skipped: list[str]


T = TypeVar("T", bound=_Sending)


def _send_each(
    command: str,
    send: Callable[..., T],
    obj: Context,
    show: Callable[[T], None],
    what: str,
    dry_run: bool,
    yes: bool,
    resend: tuple[str, ...],
    delivered: tuple[str, ...],
    sent_to: Callable[[T, str], str] = lambda _item, address: f"sent to {address}",
) -> None:
    """Run ``embargo announce`` or ``notify``: confirm (unless --yes) after showing the message,
    or only show it (--dry-run); then say to whom it went (``sent_to``) and who had it."""
    if not dry_run and not yes and not sys.stdin.isatty():
        raise BadInput(f"embargo {command}: no terminal to confirm on; pass --yes (or --dry-run)")

    def confirm(item: T) -> bool:
        if yes:
            return True
        show(item)
        return click.confirm(f"Send this {what} now?", default=False, err=True)

    item = send(
        obj.settings,
        _outside(obj),
        clock.now(),
        dry_run=dry_run,
        confirm=confirm,
        resend=resend,
        delivered=delivered,
    )
    if dry_run:
        show(item)
        click.echo("Dry run: nothing was sent.")
        return
    for address in item.sent:
        click.echo(sent_to(item, address))
    for address in item.skipped:
        click.echo(f"already sent to {address}")


def _answers(command: F) -> F:
    """--resend/--sent ADDRESS: the operator's word on a message handed over to the server
    without an answer (it may have arrived; releasekit never sends it again by itself)."""
    command = click.option(
        "--sent",
        "delivered",
        multiple=True,
        metavar="ADDRESS",
        help="Record as delivered a message the server took without answering.",
    )(command)
    return click.option(
        "--resend",
        "resend",
        multiple=True,
        metavar="ADDRESS",
        help="Send again a message the server may have taken without answering.",
    )(command)


@embargo.command("announce")
@click.option("--dry-run", is_flag=True, help="Show the message; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_answers
@pass_context
def embargo_announce(
    obj: Context, dry_run: bool, yes: bool, resend: tuple[str, ...], delivered: tuple[str, ...]
) -> None:
    """Pre-announce the next release: date and time, versions, highest severity.

    A public, signed message to the lists days before the embargo ends, as projects do so
    that users can plan to upgrade. It names no advisory, CVE or detail. Sent once per list
    for each embargo instant (a moved embargo can be announced again).

    \b
    Example:
      releasekit embargo announce --dry-run
      releasekit embargo announce --yes
    """
    from releasekit.embargo import engine as embargo_core

    def show(item: embargo_core.PreAnnouncement) -> None:
        click.echo(f"To: {', '.join(item.recipients)}")
        click.echo(f"Subject: {item.subject}")
        click.echo("")
        click.echo(item.body)

    _send_each(
        "announce",
        embargo_core.pre_announce,
        obj,
        show,
        "pre-announcement",
        dry_run,
        yes,
        resend,
        delivered,
    )


@embargo.command("notify")
@click.option("--dry-run", is_flag=True, help="Show the message and keys; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_answers
@pass_context
def embargo_notify(
    obj: Context, dry_run: bool, yes: bool, resend: tuple[str, ...], delivered: tuple[str, ...]
) -> None:
    """Predisclose the next embargo to distributors ([notify] to): details and fixes.

    Each recipient gets one message signed with the release key and encrypted to their own
    public key (which must be in the GnuPG home), with the held fixes attached; only the
    headers are readable on the way, and they name no issue. Sent once per recipient for
    each embargo instant.

    \b
    Example:
      releasekit embargo notify --dry-run
      releasekit embargo notify --yes
    """
    from releasekit.embargo import engine as embargo_core

    def show(item: embargo_core.Notification) -> None:
        for address, fingerprint in item.keys.items():
            click.echo(f"To: {address} (encrypted to {fingerprint})")
        click.echo(f"Subject: {item.subject}")
        click.echo(f"Attached: {', '.join(item.attachments) or 'nothing'}")
        click.echo("")
        click.echo(item.body)

    _send_each(
        "notify",
        embargo_core.notify,
        obj,
        show,
        "predisclosure",
        dry_run,
        yes,
        resend,
        delivered,
        lambda item, address: f"sent to {address} (encrypted to {item.keys[address]})",
    )


@embargo.command("lift")
@click.option(
    "--dry-run", is_flag=True, help="Preflight and show what would be done; change nothing."
)
@click.option("--wait", is_flag=True, help="Wait for the next embargo, then lift it at once.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--show-announcement", is_flag=True, help="With --dry-run, print the e-mail text.")
@_answers
@pass_context
def embargo_lift(
    obj: Context,
    dry_run: bool,
    wait: bool,
    yes: bool,
    show_announcement: bool,
    resend: tuple[str, ...],
    delivered: tuple[str, ...],
) -> None:
    """Make the held fixes public: push, announce, publish the placeholder page.

    For the advisories whose embargo has passed and that are not released: preflight every
    gate (any failure: exit 1, nothing changed), push the fixed branches, then the signed
    tags of those that read back (never forced), record `released` and `fixed` in the
    advisory files, send the signed announcement, and build the site. Refuses before the
    embargo time; `--wait` prepares everything, counts down, and pushes within a second
    after it (with `--dry-run`, it shows the next lift before its time).
    Resumable: after any failure, run it again; nothing is pushed or sent twice. An
    announcement handed over without an answer from the server (it may have arrived) is not
    sent again by itself: look in the list's archive, then re-run with `--resend ADDRESS` or
    `--sent ADDRESS`.

    \b
    Example:
      releasekit embargo lift --dry-run
      releasekit embargo lift --wait --yes
    """
    from releasekit.embargo import engine as embargo_core

    settings = obj.settings

    def confirm(report: embargo_core.LiftReport) -> bool:
        if yes:
            return True
        _print_lift_plan(report, settings)
        return click.confirm("Push, announce and publish now?", default=False, err=True)

    report = embargo_core.lift(
        settings,
        _outside(obj),
        dry_run=dry_run,
        wait=wait,
        confirm=confirm,
        countdown=_countdown(),
        resend=resend,
        delivered=delivered,
        # With nothing pending, "Nothing to lift" with or without a terminal; with something,
        # refused before the preflight.
        unconfirmable=None
        if yes or sys.stdin.isatty()
        else "embargo lift: no terminal to confirm on; pass --yes (or --dry-run)",
    )
    if not report.advisories:
        click.echo("Nothing to lift: no embargoed advisory is pending.")
        return
    if dry_run:
        _print_lift_plan(report, settings)
        if show_announcement:
            click.echo("")
            click.echo(f"Subject: {report.subject}")
            click.echo("")
            click.echo(report.body)
        click.echo("Dry run: nothing was changed.")
        return
    released = timefmt.instant(report.released, settings.zone) if report.released else "-"
    click.echo(f"Released {', '.join(report.advisories)} at {released}.")
    if report.skipped:
        click.echo(f"Already done before: {', '.join(report.skipped)}.")
    click.echo(f"Done now: {', '.join(report.done) or 'nothing'}.")


# --- publish (the security-updates site and records) --------------------------------------


@cli.command("publish")
@click.option(
    "--cve-services",
    is_flag=True,
    help="Also publish each disclosed CVE record to CVE Services, once "
    "(CVE_USER, CVE_ORG, CVE_API_KEY from the environment).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes to render with (default: every core for large builds).",
)
@json_option
@pass_context
def publish_command(obj: Context, cve_services: bool, jobs: int | None, as_json: bool) -> None:
    """Build site/ from the advisories and today's date; safe to run daily.

    Released advisories get a row and a page; their details, CVE and OSV records appear
    from the disclosure date on (release + disclosure_days) and a placeholder until then.
    Unreleased advisories appear nowhere. Unchanged pages are not rendered again, and the
    new site replaces the old one in a single atomic swap. Needs no network, except
    --cve-services.

    \b
    Example:
      releasekit publish
      releasekit publish --cve-services   # on and after disclosure dates
      # crontab: 15 0 * * *  releasekit -C /srv/security publish
    """
    from releasekit.site import build

    settings = obj.settings
    now = clock.now()
    if cve_services:
        from releasekit.adapters import cve

        cve.check_credentials(settings, obj.env)
    with _render_bar() as advance:
        report = build.publish_workspace(
            settings,
            now,
            progress=lambda m: click.echo(f"publish: {m}", err=True),
            jobs=jobs,
            advance=advance,
        )
    for warning in report.warnings:
        click.echo(f"releasekit: warning: {warning}", err=True)
    published = None
    if cve_services:
        from releasekit.site import cve_publish

        advisories = workspace.load_advisories(settings)
        published = cve_publish.publish_records(
            settings,
            advisories,
            now,
            env=obj.env,
            progress=lambda m: click.echo(f"cve: {m}", err=True),
        )
    if as_json:
        data: dict[str, Any] = {
            "site": str(report.site_dir),
            "public": report.public,
            "disclosed": report.disclosed,
            "written": list(report.written),
            "removed": list(report.removed),
            "unchanged": len(report.unchanged),
        }
        if published is not None:
            data["cve_services"] = published.as_json()
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(report.summary())
    if len(report.written) + len(report.removed) <= 40:  # a big rebuild: the counts say it
        for rel in report.written:
            click.echo(f"  written  {rel}")
        for rel in report.removed:
            click.echo(f"  removed  {rel}")
    if published is not None:
        click.echo(published.summary())


@contextlib.contextmanager
def _render_bar() -> Iterator[Callable[[int, int], None] | None]:
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
            from rich import progress

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


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="releasekit")

"""The command line: a thin click layer over the core.

Each command parses its options, builds the settings, calls one core function and prints the
result (results on stdout, progress and diagnostics on stderr). :class:`ReleasekitError` is
turned into one line on stderr and its exit code here, and nowhere else.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from . import __version__, clock, timefmt, workspace
from .advisory import Advisory
from .config import Settings
from .errors import EXIT_BAD_INPUT, BadInput, ReleasekitError

F = TypeVar("F", bound=Callable[..., Any])

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "green",
    "none": "dim",
}


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


class ReleasekitGroup(click.Group):
    """A click group that turns ReleasekitError into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReleasekitError as exc:
            obj = ctx.find_object(Context)
            if obj is not None and obj.verbose:
                traceback.print_exc()
            for line in str(exc).splitlines() or [type(exc).__name__]:
                click.echo(f"releasekit: error: {line}", err=True)
            ctx.exit(exc.exit_code)


class Context:
    """What the group options set up for every command."""

    def __init__(self, root: Path, verbose: bool) -> None:
        self.root = root
        self.verbose = verbose
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


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--name", default="Example Product", show_default=True, help="Product name.")
@click.option("--vendor", default="Example", show_default=True, help="CVE vendor name.")
@click.option("--prefix", default="EXSA", show_default=True, help="Advisory id prefix.")
@click.option(
    "--repository",
    default="../product",
    show_default=True,
    help="The product clone, relative to the workspace.",
)
@click.option(
    "--site-url",
    default="https://example.org/security",
    show_default=True,
    help="Public URL of the security-updates site.",
)
@click.option("--upcoming", default="1.0", show_default=True, help="The next release line.")
@click.option("--time-zone", default="UTC", show_default=True, help="IANA time zone for texts.")
@pass_context
def init(
    obj: Context,
    directory: Path | None,
    name: str,
    vendor: str,
    prefix: str,
    repository: str,
    site_url: str,
    upcoming: str,
    time_zone: str,
) -> None:
    """Scaffold a workspace in DIRECTORY (default: the workspace directory).

    Writes a commented releasekit.toml, advisories/, patches/, templates/ (for overrides),
    site/ and the private .releasekit/ (mode 0700). Never overwrites a workspace.

    \b
    Example:
      releasekit init security --name "Acme Server" --prefix ACSA \\
          --repository ../acme-server --upcoming 10.4 --time-zone America/Los_Angeles
    """
    root = directory if directory is not None else obj.root
    created = workspace.init_workspace(
        root,
        name=name,
        vendor=vendor,
        prefix=prefix,
        repository=repository,
        site_url=site_url,
        upcoming=upcoming,
        time_zone=time_zone,
    )
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


@advisory.command("new")
@click.option("--title", prompt=True, help="Short public title.")
@click.option("--summary", prompt=True, help="One public sentence, shown from the release on.")
@click.option("--component", help="Affected component.")
@click.option("--cvss", help="CVSS 3.1 or 4.0 vector.")
@click.option("--cve", help="CVE id, once reserved.")
@click.option("--reporter", help="Name to credit.")
@click.option("--embargo", help="Embargo end, e.g. 2026-12-01T14:00:00Z.")
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
    fields = workspace.NewAdvisory(
        title=title,
        summary=summary,
        component=component,
        cvss=cvss,
        cve=cve,
        reporter=reporter,
        embargo=_parse_instant(embargo),
    )
    path = workspace.new_advisory(obj.settings, clock.now(), fields)
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
    table = Table(title=f"{settings.project.name} advisories", title_justify="left")
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

    Exit 0 when all are valid, 2 otherwise.

    \b
    Example:
      releasekit advisory check
    """
    settings = obj.settings
    advisories, problems = workspace.check_advisories(settings)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in advisories/", err=True)
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
    click.echo(f"{len(advisories)} advisories OK")


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

    from . import git, lines, patches

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
    repo = git.ProductRepo.open(settings.repository_path)
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
    from . import plan
    from .errors import NotReady

    settings = obj.settings
    advisories = workspace.load_advisories(settings)
    result = plan.build_plan(
        settings,
        advisories,
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
    table = Table(title=f"{settings.project.name} backport plan", title_justify="left")
    table.add_column("Advisory", no_wrap=True)
    for line in result.lines:
        outcome = result.outcomes[line.name]
        mark = "" if outcome.ok else " [red]![/]"
        label = f"{line.name} ({'/'.join(line.groups)})\n-> {line.next_version}{mark}"
        table.add_column(label, overflow="fold")
    table.add_column("Ready", no_wrap=True)
    for advisory in result.advisories:
        row = [f"{advisory.id}\n[dim]{advisory.severity}, {advisory.state}[/]"]
        for line in result.lines:
            cell = result.cell(advisory.id, line.name)
            text = f"[{STATUS_STYLE[cell.status]}]{cell.status}[/]"
            if cell.conflicts:
                text += "\n" + "\n".join(cell.conflicts)
            row.append(text)
        ready = result.ready(advisory.id)
        row.append("[green]yes[/]" if ready else "[red]no[/]")
        table.add_row(*row)
    if result.advisories:
        out.print(table)
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
    from . import plan
    from .errors import LeakFound

    settings = obj.settings
    advisories = workspace.load_advisories(settings)
    findings = plan.lint_workspace(settings, advisories)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        count = len(findings)
        raise LeakFound(f"{count} possible leak(s): reword, or allow the phrase in [lint] allow")
    click.echo("lint: clean")


# --- embargo (status, announce, lift) -----------------------------------------------------


# --- publish (the security-updates site and records) --------------------------------------


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="releasekit")

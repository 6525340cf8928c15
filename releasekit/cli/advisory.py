"""``releasekit advisory``: create, list and check advisory files."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support import clock
from releasekit.support.errors import EXIT_BAD_INPUT, BadInput
from releasekit.support.words import counted
from releasekit.workspace.files import (
    check_advisories,
    display_path,
    load_advisories,
    record_problems,
)
from releasekit.workspace.new import NewAdvisory, new_advisory


@click.group()
def advisory() -> None:
    """Create, list and check advisory files (advisories/ID.md)."""


def _parse_instant(value: str | None, option: str = "--embargo") -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option}: {value!r} is not an ISO date-time") from None
    if moment.tzinfo is None:
        raise BadInput(f"{option}: needs a UTC offset, e.g. 2026-12-01T14:00:00Z")
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
@click.option("--cvss", help="CVSS 3.0, 3.1 or 4.0 vector.")
@click.option("--cve", help="CVE id, once reserved.")
@click.option("--reporter", help="Name to credit.")
@click.option(
    "--embargo",
    help="Embargo end, e.g. 2026-12-01T14:00:00Z (default with --cve: embargo_hours ahead).",
)
@click.option(
    "--reported",
    help="When the report arrived, e.g. 2026-11-02T09:00:00Z: due dates count from it ([sla]).",
)
@pass_context
def advisory_new(obj: Context, /, embargo: str | None, reported: str | None, **values: Any) -> None:
    """Create advisories/ID.md with the next free id of this year.

    \b
    Example:
      releasekit advisory new --title "Channel export ignores read permissions" \\
          --summary "Users could export channels they cannot read." \\
          --cvss CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N
    """
    fields = NewAdvisory(
        embargo=_parse_instant(embargo), reported=_parse_instant(reported, "--reported"), **values
    )
    path = new_advisory(obj.settings, clock.now(), fields)
    show.echo(str(display_path(obj.settings, path)))


@advisory.command("list")
@json_option
@pass_context
def advisory_list(obj: Context, as_json: bool) -> None:
    """List advisories: id, title, score, severity, embargo, state, due date.

    The due date of an open advisory comes from its `reported` and [sla]; "breached" once
    past, "due in N days" within a week. --json has `due`, `deadline` and `breached`.

    \b
    Example:
      releasekit advisory list --json | jq '.[] | select(.state == "embargoed")'
    """
    settings = obj.settings
    now = clock.now()
    days = settings.project.disclosure_days
    advisories = load_advisories(settings)
    if as_json:
        from releasekit.model import sla

        rows = [a.to_json(now, days) | sla.to_json(a, settings.sla, now) for a in advisories]
        show.echo(json.dumps(rows, indent=2), lines=True)
        return
    if not advisories:
        show.echo("No advisories yet: `releasekit advisory new`.", err=True)
        return
    show.print_advisories(settings, advisories, now)


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
    advisories, problems = check_advisories(settings)
    problems += record_problems(settings, advisories)
    for problem in problems:
        show.echo(str(problem), err=True)
    if problems:
        show.echo(f"{counted(len(problems), 'problem')} in advisories/", err=True)
        raise click.exceptions.Exit(EXIT_BAD_INPUT)
    show.echo(f"{len(advisories)} {'advisory' if len(advisories) == 1 else 'advisories'} OK")


@advisory.command("revise")
@click.argument("advisory_id", metavar="ID")
@click.option(
    "--reason",
    required=True,
    help="What was corrected, one line. PUBLIC at once: the advisory's page shows it "
    "from the release on, before the details.",
)
@pass_context
def advisory_revise(obj: Context, advisory_id: str, reason: str) -> None:
    """Record a correction of released advisory ID: `revisions` gets {date = now, reason}.

    Edit the advisory file first, then revise it. The page shows the revision history,
    the feeds mark the entry updated, the OSV and CVE records' modified date follows on the
    next `publish`, and the published CVE record is sent again by `cve update ID` or
    `publish --cve-services`, once per revision. Refused (exit 1) before the release: until
    then nothing was published, and the file is simply edited.

    \b
    Example:
      releasekit advisory revise ACSA-2026-0001 --reason "Corrected the affected range"
    """
    from releasekit.workspace import edit

    revision = edit.revise(obj.settings, advisory_id, reason, clock.now())
    show.echo(f"{advisory_id}: revision of {revision.date:%Y-%m-%dT%H:%M:%SZ} recorded")


@advisory.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@pass_context
def advisory_import(obj: Context, files: tuple[str, ...]) -> None:
    """Write released advisories from OSV and CVE JSON 5 records (history).

    Records releasekit published keep their id (its OSV and CVE records of one advisory
    become one file); others get the next free id of the year they were published. A
    record that cannot be mapped stops the import with one line, FILE: /json/path: why
    (exit 2), and nothing is written.

    \b
    Example:
      releasekit advisory import osv/*.json cve/*.json
    """
    from pathlib import Path

    from releasekit.workspace.importer import import_files, kept_ratings

    settings = obj.settings
    paths = [Path(f) for f in files]
    written = import_files(settings, paths, [str(p) for p in paths])
    for path in written:
        show.echo(str(display_path(settings, path)))
    for path, severity in kept_ratings(settings, written):
        shown = display_path(settings, path)
        show.echo(
            f"{shown}: severity {severity} kept from the records, which give no reason for"
            " it: replace the severity_reason the import wrote",
            err=True,
        )
    show.echo(f"Imported {counted(len(written), 'advisory', 'advisories')}", err=True)

"""``releasekit cve``: the CVE life cycle of one advisory through CVE Services."""

from __future__ import annotations

import json
from typing import Any

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support import clock

CREDENTIALS = "CVE_USER, CVE_ORG and CVE_API_KEY come from the environment."
DEFAULT_REASON = "This CVE ID was reserved but will not be used."


@click.group()
def cve() -> None:
    """Reserve, update and reject CVE ids through CVE Services (cvelib).

    Each command takes an advisory id, is journalled in .releasekit/ and is done once:
    repeating it sends nothing new, and a run stopped half-way resumes (a lost answer is
    read back from the service). Publishing the record at disclosure is `publish
    --cve-services`. CVE_USER, CVE_ORG and CVE_API_KEY come from the environment.
    """


def _done(report: Any, as_json: bool) -> None:
    if as_json:
        show.echo(json.dumps(report.as_json(), indent=2), lines=True)
    else:
        show.echo(report.summary())


@cve.command("reserve")
@click.argument("advisory_id", metavar="ID")
@json_option
@pass_context
def cve_reserve(obj: Context, advisory_id: str, as_json: bool) -> None:
    """Reserve a CVE id for advisory ID and write it as `cve` in its file.

    An advisory with no embargo gets one: [project] embargo_hours after the reservation
    (on the next full hour). An advisory that has a `cve` gets nothing new. CVE_USER,
    CVE_ORG and CVE_API_KEY come from the environment.

    \b
    Example:
      releasekit cve reserve ACSA-2026-0001
    """
    from releasekit.site import cve_cycle

    report = cve_cycle.reserve(obj.settings, advisory_id, clock.now(), env=obj.env)
    _done(report, as_json)


@cve.command("update")
@click.argument("advisory_id", metavar="ID")
@json_option
@pass_context
def cve_update(obj: Context, advisory_id: str, as_json: bool) -> None:
    """Send the CVE record of advisory ID again after `advisory revise`.

    Once per revision, and only once the record is published (`publish --cve-services`,
    which also sends the updates of every disclosed advisory). Before the disclosure date
    nothing is sent: the record is published then, as revised. CVE_USER, CVE_ORG and
    CVE_API_KEY come from the environment.

    \b
    Example:
      releasekit advisory revise ACSA-2026-0001 --reason "Corrected the affected range"
      releasekit cve update ACSA-2026-0001
    """
    from releasekit.site import cve_cycle

    report = cve_cycle.update(obj.settings, advisory_id, clock.now(), env=obj.env)
    _done(report, as_json)


@cve.command("reject")
@click.argument("advisory_id", metavar="ID")
@click.option(
    "--reason",
    default=DEFAULT_REASON,
    show_default=True,
    help="Why the id is rejected: PUBLIC, it is the rejected CVE record's text.",
)
@json_option
@pass_context
def cve_reject(obj: Context, advisory_id: str, reason: str, as_json: bool) -> None:
    """Reject the reserved CVE id of advisory ID, which will not be used.

    The id gets a REJECTED record with the reason, and the advisory file's `cve` line
    becomes a comment saying so (no page or record shows the id; `cve reserve` may give
    the advisory a new one). A published record is not rejected. CVE_USER, CVE_ORG and
    CVE_API_KEY come from the environment.

    \b
    Example:
      releasekit cve reject ACSA-2026-0001 --reason "Duplicate of CVE-2026-1234."
    """
    from releasekit.site import cve_cycle

    report = cve_cycle.reject(obj.settings, advisory_id, reason, clock.now(), env=obj.env)
    _done(report, as_json)

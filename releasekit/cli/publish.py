"""``releasekit publish``: build the security-updates site (and, asked, publish CVE records)."""

from __future__ import annotations

import json

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support import clock


@click.command("publish")
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

    Released advisories get a row and a page; their details, CVE, OSV and CSAF records
    appear from the disclosure date on (release + disclosure_days) and a placeholder until
    then. The CSAF documents are signed with [mail] signing_key (GNUPGHOME), unsigned
    without one.
    Unreleased advisories appear nowhere. Unchanged pages are not rendered again, and the
    new site replaces the old one in a single atomic swap. Needs no network, except
    --cve-services.

    \b
    Example:
      releasekit publish
      releasekit publish --cve-services   # on and after disclosure dates
      # crontab: 15 0 * * *  releasekit -C /srv/security publish
    """
    # Imported here, not at start-up: the site's build loads its renderers, which
    # `releasekit --help` and the other commands do not need; the CVE client (requests,
    # cvelib) is loaded only with --cve-services.
    from releasekit.site import build

    settings = obj.settings
    signing = build.signing_for(settings, obj.env.gnupghome)
    now = clock.now()
    if cve_services:
        from releasekit.adapters import cve

        cve.check_credentials(settings, obj.env)
    with show.render_bar() as advance:
        report = build.publish_workspace(
            settings,
            now,
            progress=lambda m: show.echo(f"publish: {m}", err=True),
            jobs=jobs,
            advance=advance,
            signing=signing,
        )
    for warning in report.warnings:
        show.echo(f"releasekit: warning: {warning}", err=True)
    published = None
    if cve_services:
        from releasekit.site import cve_publish
        from releasekit.workspace.files import load_advisories

        published = cve_publish.publish_records(
            settings,
            load_advisories(settings),
            now,
            env=obj.env,
            progress=lambda m: show.echo(f"cve: {m}", err=True),
        )
    if as_json:
        data = report.to_json()
        if published is not None:
            data["cve_services"] = published.as_json()
        show.echo(json.dumps(data, indent=2), lines=True)
        return
    show.echo(report.summary())
    if len(report.written) + len(report.removed) <= 40:  # a big rebuild: the counts say it
        for rel in report.written:
            show.echo(f"  written  {rel}")
        for rel in report.removed:
            show.echo(f"  removed  {rel}")
    if published is not None:
        show.echo(published.summary())

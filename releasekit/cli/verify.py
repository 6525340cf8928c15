"""``releasekit verify``: build and test each tip the lift would push."""

from __future__ import annotations

import json

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support import clock
from releasekit.support.errors import EXIT_NOT_DONE


@click.command("verify")
@json_option
@pass_context
def verify_command(obj: Context, as_json: bool) -> None:
    """Run [verify] command in each patched tip the next lift would push.

    Each line's new tip (its fixes and release commit: exactly the tree the lift pushes) is
    written into a private temporary worktree under .releasekit/verify/work/ and the command
    runs there with a minimal environment, no network where the platform allows, and
    [verify] timeout. Lines run in parallel. Output: .releasekit/verify/LINE-TREE.log (never
    published). The lift runs this itself for trees without a result. Exit 0 when every line
    passes, 1 naming the lines that failed or timed out and their logs.

    \b
    Example:
      releasekit verify
    """
    from releasekit.embargo.context import Outside
    from releasekit.embargo.verify import describe_failures, verify_next

    outside = Outside(env=obj.env, progress=show.progress)
    report = verify_next(obj.settings, outside, clock.now())
    if as_json:
        show.echo(json.dumps(report.to_json(), indent=2), lines=True)
    elif not report.ids:
        show.echo("Nothing to verify: no pending embargo.", err=True)
    else:
        show.print_verify(report)
    if report.failed:
        show.echo(f"releasekit: verify failed on {describe_failures(report.failed)}", err=True)
        raise click.exceptions.Exit(EXIT_NOT_DONE)

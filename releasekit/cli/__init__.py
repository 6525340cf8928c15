"""The command line: a thin click layer over the core.

Each command parses its options, builds the settings, calls one core function and prints the
result (results on stdout, progress and diagnostics on stderr). :class:`ReleasekitError` is
turned into one line on stderr and its exit code here, and nowhere else; so is an OSError
that no command expects (a full disk, a read-only place: exit 1).

This module is the root group and nothing else; each command group lives in its own module
and is added to the root below. The command modules import only ``cli.context`` and
``cli.show``, never this module, so the imports run one way and there is no cycle.
"""

from __future__ import annotations

import errno
import traceback
from pathlib import Path
from typing import Any

import click

from releasekit import __version__
from releasekit.cli import show
from releasekit.cli.advisory import advisory
from releasekit.cli.context import Context
from releasekit.cli.cve import cve
from releasekit.cli.embargo import embargo
from releasekit.cli.init import init
from releasekit.cli.patch import patch
from releasekit.cli.plan import lint_command, plan_command
from releasekit.cli.publish import publish_command
from releasekit.cli.verify import verify_command
from releasekit.support import fsutil
from releasekit.support.errors import EXIT_NOT_DONE, ReleasekitError


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
        show.echo(f"releasekit: error: {line}", err=True)


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


for command in (
    init,
    advisory,
    patch,
    plan_command,
    lint_command,
    verify_command,
    embargo,
    publish_command,
    cve,
):
    cli.add_command(command)


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="releasekit")

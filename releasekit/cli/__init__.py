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
import importlib
from pathlib import Path
from typing import Any

import click

from releasekit import __version__
from releasekit.cli import show
from releasekit.cli.context import Context
from releasekit.support import fsutil
from releasekit.support.errors import EXIT_BAD_INPUT, EXIT_NOT_DONE, ReleasekitError

# Each command: its module and the click command in it, loaded when the command runs (or
# `--help` lists them): a daily `releasekit publish` does not load what `embargo` needs.
COMMANDS = {
    "init": ("init", "init"),
    "advisory": ("advisory", "advisory"),
    "patch": ("patch", "patch"),
    "plan": ("plan", "plan_command"),
    "lint": ("plan", "lint_command"),
    "verify": ("verify", "verify_command"),
    "embargo": ("embargo", "embargo"),
    "publish": ("publish", "publish_command"),
    "cve": ("cve", "cve"),
}


class ReleasekitGroup(click.Group):
    """A click group that turns ReleasekitError into one line on stderr and an exit code,
    and loads each command's module when that command is wanted (see COMMANDS)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.NoSuchCommand as exc:  # "Did you mean": from every command, loaded or not
            raise click.NoSuchCommand(exc.command_name, possibilities=COMMANDS, ctx=ctx) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name = found
        command = getattr(importlib.import_module(f"releasekit.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReleasekitError as exc:
            _report(ctx, str(exc).splitlines() or [type(exc).__name__])
            ctx.exit(exc.exit_code)
        except UnicodeError as exc:  # the terminal's or file system's encoding (an ASCII
            # locale) cannot carry what was typed at a prompt or a path: not a crash
            way = "read" if isinstance(exc, UnicodeDecodeError) else "write"
            encoding = getattr(exc, "encoding", "the locale's encoding")
            _report(
                ctx, [f"{encoding} cannot {way} this text: use a UTF-8 locale (LC_ALL=C.UTF-8)"]
            )
            ctx.exit(EXIT_BAD_INPUT)
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
        import traceback  # (loaded only to show one)

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


def main() -> None:  # pragma: no cover - the console script
    cli(prog_name="releasekit")

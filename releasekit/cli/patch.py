"""``releasekit patch``: hold fixes locally, patches/ID/LINE.patch."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from releasekit.cli import show
from releasekit.cli.context import Context, pass_context
from releasekit.support.errors import BadInput
from releasekit.workspace.files import display_path


@click.group()
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
    # Imported here, not at start-up: they load pygit2, which `releasekit --help` and the
    # other commands do not need.
    from releasekit.adapters import git
    from releasekit.fixes.store import add_patch
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
    path = add_patch(
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
    show.echo(str(display_path(settings, path)))

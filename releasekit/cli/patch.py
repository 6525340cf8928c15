"""``releasekit patch``: hold fixes locally, patches/ID/LINE.patch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support.errors import BadInput, ReleasekitError
from releasekit.support.text import visible
from releasekit.workspace.files import display_path

if TYPE_CHECKING:
    from collections.abc import Iterable

    from releasekit.fixes.store import HeldPatch
    from releasekit.model.config import Settings


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
    from releasekit.fixes.store import add_patch, read_patch
    from releasekit.release import lines

    if (file is None) == (rev_range is None):
        raise BadInput("give a patch FILE or --from REV_RANGE (one of the two)")
    settings = obj.settings
    data = None if file is None else _read_input(file)
    source = "-" if file is None else str(file)
    repo = git.ProductRepo.open(settings.repository_path, obj.env)
    tags = repo.tags()
    path = add_patch(
        settings,
        advisory_id,
        line,
        known_lines=lines.line_names(settings, tags),
        data=data,
        source=source,
        repo=repo,
        rev_range=rev_range,
        replace=replace,
    )
    held = read_patch(settings, path)
    show.echo(f"{display_path(settings, path)}: held {held.describe()}")
    _details(held)
    _unsupported(settings, line, tags)


def _unsupported(settings: Settings, line: str, tags: Iterable[str]) -> None:
    """Warn when ``line`` is a release line the plan does not support: the fix is held, but
    no lift pushes it (the plan shows only the supported lines)."""
    from releasekit.release import lines

    try:
        supported = [
            name.name for name in lines.read_lines(settings, tags, upcoming_exists=True).supported
        ]
    except ReleasekitError:  # a configuration the plan refuses: the plan says why
        return
    if line not in supported:
        show.echo(
            f"releasekit: warning: {line} is not a supported line ({', '.join(supported)}): "
            "no lift pushes this fix; list the line in [releases] esr to support it",
            err=True,
        )


def _read_input(file: Path) -> bytes:
    """The patch FILE, or stdin for ``-``, read up to the most a patch may hold."""
    from releasekit.fixes.store import read_limited

    try:
        if str(file) != "-":
            with file.open("rb") as handle:
                return read_limited(handle, str(file))
        if sys.stdin is None:  # started with stdin closed (`<&-`): Python has no stream
            raise BadInput("-: standard input is closed")
        return read_limited(sys.stdin.buffer, "-")
    except OSError as exc:
        raise BadInput(f"{visible(str(file))}: cannot be read: {exc.strerror}") from None


def _details(held: HeldPatch) -> None:
    """The commits (subject, author) and the files of a held fix, a line each."""
    for commit in held.commits:
        author = f"{commit.author.name} <{commit.author.email}>"
        show.echo(f"  commit: {commit.subject} ({author})")
    for path in held.files:
        show.echo(f"  file: {path}")


@patch.command("list")
@json_option
@click.option("--fetch", is_flag=True, help="Fetch the remote first (else use its refs as is).")
@pass_context
def patch_list(obj: Context, as_json: bool, fetch: bool) -> None:
    """Every held fix: what it holds, and whether it applies now on its line's public tip.

    For each patches/ID/LINE.patch: the commits (subjects, authors), the files it touches,
    the lines it adds and removes, and whether it applies, alone, on the current tip of the
    line's public branch (the remote-tracking branch of the product clone: run with --fetch,
    or `releasekit plan`, to bring it up to date; the tip used is shown). `plan` says how
    the fixes stack. Changes nothing.

    \b
    Example:
      releasekit patch list
      releasekit patch list --json | jq -r '.[] | select(.status != "applies") | .file'
    """
    from releasekit.adapters import git  # see patch_add
    from releasekit.release.held import list_held

    settings = obj.settings
    repo = git.ProductRepo.open(settings.repository_path, obj.env)
    fixes = list_held(settings, repo, fetch=fetch, progress=show.progress)
    if as_json:
        show.echo(json.dumps([fix.to_json() for fix in fixes], indent=2), lines=True)
        return
    if not fixes:
        show.echo("No held fixes.")
        return
    for fix in fixes:
        held = fix.patch
        status = fix.status or "not tried"
        if fix.conflicts:
            status += f" ({', '.join(fix.conflicts)})"
        show.echo(f"{held.advisory} {held.line}: {held.path}: {held.describe()}")
        show.echo(f"  {status} on {fix.on}")
        _details(held)


@patch.command("remove")
@click.argument("advisory_id", metavar="ID")
@click.option("--line", "line", required=True, help="Release line of the fix, e.g. 10.3.")
@pass_context
def patch_remove(obj: Context, advisory_id: str, line: str) -> None:
    """Delete the held fix of advisory ID for one line (patches/ID/LINE.patch).

    The directory patches/ID/ goes too once it holds no other line's fix. Exit 2, naming the
    file, when there is no such held fix.

    \b
    Example:
      releasekit patch remove ACSA-2026-0002 --line 9.11
    """
    from releasekit.fixes.store import remove_patch

    show.echo(f"removed {remove_patch(obj.settings, advisory_id, line)}")

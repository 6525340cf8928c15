"""``releasekit init``: scaffold a workspace, its releases table read from the product clone."""

from __future__ import annotations

from pathlib import Path

import click

from releasekit.cli import show
from releasekit.cli.context import Context, pass_context
from releasekit.support import fsutil
from releasekit.workspace.init import Scaffold, init_workspace, render_config

_SCAFFOLD = Scaffold()


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--name", default=_SCAFFOLD.name, show_default=True, help="Product name.")
@click.option("--vendor", default=_SCAFFOLD.vendor, show_default=True, help="CVE vendor name.")
@click.option("--prefix", default=_SCAFFOLD.prefix, show_default=True, help="Advisory id prefix.")
@click.option(
    "--repository",
    metavar="PATH",
    help="The product clone, relative to the workspace: [releases] is inferred from its "
    f"branches and tags. Without it: {_SCAFFOLD.repository}, not read.",
)
@click.option(
    "--site-url",
    default=_SCAFFOLD.site_url,
    show_default=True,
    help="Public URL of the security-updates site.",
)
@click.option(
    "--upcoming",
    help=f"The next release line (default: inferred from --repository, else {_SCAFFOLD.upcoming}).",
)
@click.option(
    "--time-zone", default=_SCAFFOLD.time_zone, show_default=True, help="IANA time zone for texts."
)
@pass_context
def init(
    obj: Context,
    /,
    directory: Path | None,
    repository: str | None,
    upcoming: str | None,
    **values: str,
) -> None:
    """Scaffold a workspace in DIRECTORY (default: the workspace directory).

    Writes a commented releasekit.toml, advisories/, patches/, templates/ (for overrides),
    site/ and the private .releasekit/ (mode 0700), and makes the workspace a private git
    repository (site/ and .releasekit/ ignored) unless it is inside one already. Never
    overwrites a workspace.

    With --repository, the [releases] table is inferred from the product clone's branches
    and tags as they are (fetch it first; nothing is fetched or written there): the branch
    pattern and the lines on other branches, the tag spelling of the newest releases and
    the earlier ones, the upcoming line, the supported and (guessed) ESR lines, the files
    that carry the version, and the changelog (commented out, with a guess of its marker).
    Each thing inferred and each thing to check is printed, a line each.

    \b
    Example:
      releasekit init security --name "Acme Server" --prefix ACSA \\
          --repository ../acme-server --time-zone America/Los_Angeles
    """
    root = directory if directory is not None else obj.root
    scaffold = Scaffold(
        **values,
        repository=repository or _SCAFFOLD.repository,
        upcoming=upcoming or _SCAFFOLD.upcoming,
    )
    releases = None
    survey = None
    if repository is not None:
        # Imported here, not at start-up: it loads pygit2 (see cli/patch.py).
        from releasekit.release.survey import survey_repository

        clone = fsutil.resolved(root / repository)  # as Settings.repository_path finds it
        survey = survey_repository(clone, repository, obj.env, upcoming=upcoming)
        releases = survey.table
    text = render_config(root, scaffold, releases)
    from releasekit.adapters import git  # (as above)

    inside = git.enclosing_repository(root)
    make = git.make_private_repository if inside is None else None
    created, made = init_workspace(root, text, make)
    for path in created:
        show.echo(f"created {path}")
    if made is not None:
        show.echo(f"created {made} (a private git repository for the workspace)")
    else:
        show.echo(f"the workspace is inside the git repository {inside}: no other made")
    if survey is not None:
        for line in survey.inferred:
            show.echo(f"inferred: {line}")
        for line in survey.checks:
            show.echo(f"check: {line}")
    show.echo(f"Next: edit {root / 'releasekit.toml'}, then `releasekit advisory new`.")

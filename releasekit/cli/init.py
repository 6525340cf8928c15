"""``releasekit init``: scaffold a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from releasekit.cli import show
from releasekit.cli.context import Context, pass_context
from releasekit.workspace.init import Scaffold, init_workspace

_SCAFFOLD = Scaffold()


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option("--name", default=_SCAFFOLD.name, show_default=True, help="Product name.")
@click.option("--vendor", default=_SCAFFOLD.vendor, show_default=True, help="CVE vendor name.")
@click.option("--prefix", default=_SCAFFOLD.prefix, show_default=True, help="Advisory id prefix.")
@click.option(
    "--repository",
    default=_SCAFFOLD.repository,
    show_default=True,
    help="The product clone, relative to the workspace.",
)
@click.option(
    "--site-url",
    default=_SCAFFOLD.site_url,
    show_default=True,
    help="Public URL of the security-updates site.",
)
@click.option(
    "--upcoming", default=_SCAFFOLD.upcoming, show_default=True, help="The next release line."
)
@click.option(
    "--time-zone", default=_SCAFFOLD.time_zone, show_default=True, help="IANA time zone for texts."
)
@pass_context
def init(obj: Context, /, directory: Path | None, **values: str) -> None:
    """Scaffold a workspace in DIRECTORY (default: the workspace directory).

    Writes a commented releasekit.toml, advisories/, patches/, templates/ (for overrides),
    site/ and the private .releasekit/ (mode 0700). Never overwrites a workspace.

    \b
    Example:
      releasekit init security --name "Acme Server" --prefix ACSA \\
          --repository ../acme-server --upcoming 10.4 --time-zone America/Los_Angeles
    """
    root = directory if directory is not None else obj.root
    created = init_workspace(root, Scaffold(**values))
    for path in created:
        show.echo(f"created {path}")
    show.echo(f"Next: edit {root / 'releasekit.toml'}, then `releasekit advisory new`.")

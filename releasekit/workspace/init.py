"""``releasekit init``: scaffold a new workspace, never overwriting one.

:func:`render_config` makes the text of ``releasekit.toml`` (from the options, and from what
was inferred from the product clone: a :class:`ReleasesTable`) and checks it;
:func:`init_workspace` writes the workspace around it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from releasekit.model.config import CONFIG_NAME, parse_config
from releasekit.support import fsutil, render
from releasekit.support.errors import WorkspaceError

GITIGNORE = "# local state and generated output\n.releasekit/\nsite/\n"


@dataclass(frozen=True)
class Scaffold:
    """What `releasekit init` writes into a new releasekit.toml."""

    name: str = "Example Product"
    vendor: str = "Example"
    prefix: str = "EXSA"
    repository: str = "../product"
    site_url: str = "https://example.org/security"
    upcoming: str = "1.0"
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Bump:
    """A file that carries the version: ``[[releases.bump]]``, live or commented out."""

    path: str
    format: str
    live: bool = True


@dataclass(frozen=True)
class ReleasesTable:
    """The ``[releases]`` table (and the remote) as inferred from the product clone."""

    remote: str = "origin"
    branch: str = "release-{line}"
    branches: dict[str, str] = field(default_factory=dict)
    tag: str = "v{version}"
    read_tags: tuple[str, ...] = ()
    upcoming: str = "1.0"
    esr: tuple[str, ...] = ()
    last: int = 3
    bumps: tuple[Bump, ...] = ()


def render_config(root: Path, scaffold: Scaffold, releases: ReleasesTable | None = None) -> str:
    """The text of a new ``root/releasekit.toml``; WorkspaceError when one exists already,
    ConfigError (naming the key) when an option makes it invalid."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    table = releases or ReleasesTable(upcoming=scaffold.upcoming)
    values = {**vars(scaffold), **asdict(table), "upcoming": table.upcoming}
    environment = render.environment()
    text = render.render(environment, "releasekit.toml.j2", **values)
    parse_config(text, root.resolve(), config_path)  # a bad option writes nothing
    return text


def init_workspace(root: Path, text: str) -> list[Path]:
    """Scaffold a workspace at ``root`` around the config ``text``; returns what was created.
    Refuses to overwrite; the config is written last, so that a run stopped halfway (a full
    disk) can be run again."""
    config_path = root / CONFIG_NAME
    created: list[Path] = []
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("advisories", "templates", "site"):
        (root / sub).mkdir(exist_ok=True)
        created.append(root / sub)
    for sub in ("patches", ".releasekit"):  # held fixes and local state: private (0700)
        fsutil.private_dir(root / sub)
        created.append(root / sub)
    gitignore = root / ".gitignore"
    if fsutil.create_exclusive(gitignore, GITIGNORE):
        created.append(gitignore)
    if not fsutil.create_exclusive(config_path, text):
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    created.insert(0, config_path)
    return created

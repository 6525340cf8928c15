"""``releasekit init``: scaffold a new workspace, never overwriting one."""

from __future__ import annotations

from dataclasses import dataclass
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


def init_workspace(root: Path, scaffold: Scaffold) -> list[Path]:
    """Scaffold a workspace at ``root``; returns what was created. Refuses to overwrite."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    text = render.render(render.environment(), "releasekit.toml.j2", **vars(scaffold))
    parse_config(text, root.resolve(), config_path)  # the scaffold must be valid as written
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

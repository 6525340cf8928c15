"""Where things live in a workspace: its settings, how messages show a path, the private
state directory. (Apart from :mod:`.files`, which reads and checks the advisories: a
publish that finds nothing changed needs only this.)"""

from __future__ import annotations

from pathlib import Path

from releasekit.model.config import Settings, load_config
from releasekit.support import fsutil


def open_workspace(root: Path) -> Settings:
    """The settings of the workspace at ``root``."""
    return load_config(root)


def display_path(settings: Settings, path: Path) -> Path:
    """``path`` as messages show it: relative to the workspace when it is inside it, as written
    or once resolved (a path relative to the current directory); as given otherwise."""
    try:
        return path.relative_to(settings.root)
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(settings.root)
    except ValueError:
        return path


def state_dir(settings: Settings) -> Path:
    """The private ``.releasekit/`` directory (created 0700)."""
    return fsutil.private_dir(settings.state_dir)

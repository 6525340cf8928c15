"""Where things live in a workspace: its settings, how messages show a path, the private
state directory, what may stand where the advisory files go. (Apart from :mod:`.files`,
which reads and checks the advisories: a publish that finds nothing changed needs only
this.)"""

from __future__ import annotations

from pathlib import Path

from releasekit.model.config import Settings, load_config
from releasekit.support import fsutil
from releasekit.support.errors import Problem


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
    except (ValueError, OSError, RuntimeError):  # (a symlink loop: RuntimeError before 3.13)
        return path


NO_FOLDER = "is not a directory (the advisory files go in it)"


def unreadable(settings: Settings, path: Path) -> Problem:
    """An advisory file that is no regular file: a dangling symlink, a symlink loop, a
    folder. Never skipped as if it were not there: its advisory would leave the site."""
    return Problem(display_path(settings, path), None, None, "is not a regular file")


def state_dir(settings: Settings) -> Path:
    """The private ``.releasekit/`` directory (created 0700)."""
    return fsutil.private_dir(settings.state_dir)

"""The workspace's own private git repository, made by ``releasekit init``."""

from __future__ import annotations

from pathlib import Path

import pygit2

from releasekit.support import fsutil


def enclosing_repository(path: Path) -> Path | None:
    """The git repository (its work tree, or the bare repository) that ``path`` or its
    nearest existing parent is inside; None when there is none."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    found = pygit2.discover_repository(str(probe))
    if not found:
        return None
    git_dir = Path(found)
    return git_dir.parent if git_dir.name == ".git" else git_dir


def make_private_repository(path: Path) -> Path:
    """Make ``path`` a git repository whose ``.git`` only its owner can read (it will hold
    the advisories and held fixes once committed); returns the ``.git`` directory."""
    repo = pygit2.init_repository(str(path), initial_head="main")
    git_dir = Path(repo.path)
    fsutil.private_dir(git_dir)
    return git_dir

"""The workspace's own private git repository, made by ``releasekit init``."""

from __future__ import annotations

from pathlib import Path

import pygit2

from releasekit.support import fsutil
from releasekit.support.errors import BadInput, GitError
from releasekit.support.text import visible


def enclosing_repository(path: Path) -> Path | None:
    """The git repository (its work tree, or the bare repository) that ``path`` or its
    nearest existing parent is inside; None when there is none."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        found = pygit2.discover_repository(str(probe))
    except pygit2.GitError as exc:
        # A .git on the way that is no repository (a malformed .git file) is the input's;
        # anything else (a permission) is the machine's.
        bad = any((where / ".git").exists() for where in (probe, *probe.parents))
        kind = BadInput if bad else GitError
        raise kind(f"{path}: cannot look for a git repository: {_reason(exc)}") from None
    if not found:
        return None
    git_dir = Path(found)
    return git_dir.parent if git_dir.name == ".git" else git_dir


def make_private_repository(path: Path) -> Path:
    """Make ``path`` a git repository whose ``.git`` only its owner can read (it will hold
    the advisories and held fixes once committed); returns the ``.git`` directory.

    A file where a directory goes is BadInput (exit 2); any other failure of libgit2 is
    GitError (exit 1): one line naming ``path``, never pygit2's exception."""
    try:
        repo = pygit2.init_repository(str(path), initial_head="main")
    except pygit2.AlreadyExistsError as exc:
        raise BadInput(f"{path}: cannot make a git repository: {_reason(exc)}") from None
    except pygit2.GitError as exc:
        raise GitError(f"{path}: cannot make a git repository: {_reason(exc)}") from None
    git_dir = Path(repo.path)
    fsutil.private_dir(git_dir)
    return git_dir


def _reason(exc: Exception) -> str:
    """libgit2's message as one line (it quotes paths, which may hold any character)."""
    return visible(str(exc).strip()) or type(exc).__name__

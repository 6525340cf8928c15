"""``releasekit init``: scaffold a new workspace, never overwriting one.

:func:`render_config` makes the text of ``releasekit.toml`` (from the options, and from what
was inferred from the product clone: a :class:`ReleasesTable`) and checks it;
:func:`init_workspace` writes the workspace around it, after :func:`check_free` found
nothing in its way; a run that fails removes what it made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from releasekit.model.config import CONFIG_NAME, parse_config
from releasekit.support import fsutil, render
from releasekit.support.errors import WorkspaceError

GITIGNORE = "# local state and generated output\n.releasekit/\nsite/\n"
GITKEEP = "# keeps advisories/ in git before the first advisory: publish needs the folder\n"
_DIRS = ("advisories", "templates", "site")
_PRIVATE_DIRS = ("patches", ".releasekit")  # held fixes and local state: 0700


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
    development: str = ""  # the format between releases (Django's "alpha"), if any


@dataclass(frozen=True)
class Changelog:
    """A changelog found in the clone: ``[releases.changelog]``, commented out (its marker,
    a guess or None, is for the release manager to check)."""

    path: str
    marker: str | None = None


@dataclass(frozen=True)
class ReleasesTable:
    """The ``[releases]`` table (and the remote) as inferred from the product clone."""

    remote: str = "origin"
    branch: str = "release-{line}"
    branches: dict[str, str] = field(default_factory=dict)
    tag: str = "v{version}"
    read_tags: tuple[str, ...] = ()
    esr_tag: str = ""  # the esr lines' spelling, when not tag's (Mozilla's)
    upcoming: str = "1.0"
    prerelease: tuple[str, ...] = ()  # lines in their pre-releases, on their own branches
    esr: tuple[str, ...] = ()
    last: int = 3
    line_parts: int = 2  # 1: a line is a major version (branches like v7.x)
    version_scheme: str = ""  # "pep440": releases of four numbers (Rails' 7.1.5.1)
    pre_releases: bool = False  # a line's first release has pre-release tags (v3.14.0a1)
    tags_off_branch: bool = False  # every line's newest release is on no branch (PHP's)
    release_off_branch: bool = False  # and the branches say the next version in development
    bumps: tuple[Bump, ...] = ()
    changelog: Changelog | None = None


def render_config(root: Path, scaffold: Scaffold, releases: ReleasesTable | None = None) -> str:
    """The text of a new ``root/releasekit.toml``; WorkspaceError when one exists already,
    ConfigError (naming the key) when an option makes it invalid."""
    config_path = root / CONFIG_NAME
    if os.path.lexists(config_path):  # (a dangling symlink too: writing would follow it)
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    table = releases or ReleasesTable(upcoming=scaffold.upcoming)
    values = {**vars(scaffold), **asdict(table), "upcoming": table.upcoming}
    environment = render.environment()
    text = render.render(environment, "releasekit.toml.j2", **values)
    parse_config(text, fsutil.resolved(root), config_path)  # a bad option writes nothing
    return text


def check_free(root: Path, *, repository: bool = False) -> None:
    """WorkspaceError naming the first thing in the way of :func:`init_workspace` at
    ``root``: a parent or directory that is not a directory (a file, a dangling symlink),
    an existing ``releasekit.toml``, or (``repository``: one is to be made) ``.git``."""
    for parent in (root, *root.parents):
        if parent.is_dir():
            break
        if os.path.lexists(parent):
            raise WorkspaceError(f"{parent}: not a directory")
    if repository and os.path.lexists(root / ".git"):
        raise WorkspaceError(f"{root / '.git'}: already exists and is not a git repository")
    if os.path.lexists(root / CONFIG_NAME):
        raise WorkspaceError(f"{root / CONFIG_NAME}: already exists; not overwriting a workspace")
    for sub in (*_DIRS, *_PRIVATE_DIRS):
        path = root / sub
        if os.path.lexists(path) and not path.is_dir():
            raise WorkspaceError(f"{path}: already exists and is not a directory")


def init_workspace(
    root: Path, text: str, make_repository: Callable[[Path], Path] | None = None
) -> tuple[list[Path], Path | None]:
    """Scaffold a workspace at ``root`` around the config ``text``, and with
    ``make_repository`` make it a git repository; returns what was created (a directory
    there already is kept and listed too) and the repository's ``.git``.

    Everything is checked first (:func:`check_free`), and a failure halfway (a full disk)
    removes what this run made: a failed init leaves the directory as it was. The config
    is written last."""
    check_free(root, repository=make_repository is not None)
    made: list[Path] = []  # what this run made, in order: removed again if it fails
    modes: dict[Path, int] = {}  # a private directory there already: its mode before
    git_dir = None
    try:
        for parent in reversed((root, *root.parents)):
            if not parent.is_dir():
                parent.mkdir()
                made.append(parent)
        created: list[Path] = []
        for sub in (*_DIRS, *_PRIVATE_DIRS):
            path = root / sub
            if not path.is_dir():
                path.mkdir()
                made.append(path)
            elif sub in _PRIVATE_DIRS:
                modes[path] = path.stat().st_mode & 0o7777
            if sub in _PRIVATE_DIRS:
                fsutil.private_dir(path)
            created.append(path)
        if make_repository is not None:
            made.append(root / ".git")  # (not there before: check_free)
            git_dir = make_repository(root)
        gitignore = root / ".gitignore"
        if fsutil.create_exclusive(gitignore, GITIGNORE):
            made.append(gitignore)
            created.append(gitignore)
        # git keeps no empty folder, and publish refuses a workspace without advisories/
        # (where the files were lost): a checkout made before the first advisory has it too.
        keep = root / "advisories" / ".gitkeep"
        if fsutil.create_exclusive(keep, GITKEEP):
            made.append(keep)
        config_path = root / CONFIG_NAME
        if not fsutil.create_exclusive(config_path, text):
            raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
        created.insert(0, config_path)
    except BaseException:
        _undo(made, modes, root / ".git" if make_repository is not None else None)
        raise
    return created, git_dir


def _undo(made: list[Path], modes: dict[Path, int], git_dir: Path | None) -> None:
    """Remove what a failed init made (newest first: ``git_dir`` with its files) and give
    the private directories that were there their mode again; as far as it goes, for the
    failure itself is what is reported."""
    for path in reversed(made):
        with contextlib.suppress(OSError):
            if path == git_dir:
                shutil.rmtree(path)
            elif path.is_dir() and not path.is_symlink():
                path.rmdir()  # (empty: only what this run made; else it stays)
            else:
                path.unlink()
    for path, mode in modes.items():
        with contextlib.suppress(OSError):
            os.chmod(path, mode)

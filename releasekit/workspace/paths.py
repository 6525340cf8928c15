"""Where things live in a workspace: its settings, how messages show a path, the private
state directory, what may stand where the advisory files go. (Apart from :mod:`.files`,
which reads and checks the advisories: a publish that finds nothing changed needs only
this.)"""

from __future__ import annotations

import os
from pathlib import Path
from stat import S_ISREG

from releasekit.model.config import Settings, load_config
from releasekit.support import fsutil
from releasekit.support.errors import NotDone, Problem


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
NOT_THERE = "is not there (an empty folder publishes no advisory)"


def advisory_entries(
    settings: Settings, *, missing_ok: bool
) -> tuple[dict[str, tuple[int, ...]], list[Problem]]:
    """Each advisory file of ``advisories/`` (a name ``*.md``, not hidden: an editor's lock
    file ``.#ID.md`` is no advisory) -> its fsutil.stat_key (symlinks followed), a problem for
    each such name that is no regular file (a dangling symlink, a loop, a folder) and for
    a folder that is no folder (a file, a dangling symlink, a loop), or is not there unless
    ``missing_ok``. Never skipped as if not there: their advisories would leave the site."""
    folder = settings.advisories_dir
    found: dict[str, tuple[int, ...]] = {}
    problems: list[Problem] = []
    try:
        listed = os.scandir(folder)
    except OSError as exc:
        gone = isinstance(exc, FileNotFoundError) and not folder.is_symlink()
        if gone and missing_ok:
            return found, problems
        shown = display_path(settings, folder)
        return found, [Problem(shown, None, None, NOT_THERE if gone else NO_FOLDER)]
    with listed:
        for entry in listed:
            name = entry.name
            if not name.endswith(".md") or name.startswith("."):
                continue
            try:
                stat = entry.stat()
            except OSError:  # a dangling symlink, a loop
                stat = None
            if stat is None or not S_ISREG(stat.st_mode):
                shown = display_path(settings, folder / name)
                problems.append(Problem(shown, None, None, "is not a regular file"))
            else:
                found[name] = fsutil.stat_key(stat)
    return found, sorted(problems, key=lambda problem: str(problem.path))


STATE_HELD = "is not a directory (releasekit keeps its journal in it)"


def state_dir(settings: Settings) -> Path:
    """The private ``.releasekit/`` directory (created 0700). NotDone (exit 1, as for any
    state that cannot be written; nothing written) when something else stands there: a
    file, a symlink to nowhere (the folder moved away and linked back, the link then lost)
    or a loop, where mkdir said only "File exists", naming a path ``ls`` says is not there."""
    path = settings.state_dir
    try:
        return fsutil.private_dir(path)
    except (FileExistsError, NotADirectoryError):
        shown = display_path(settings, path)
        if path.is_symlink():
            try:
                path.resolve(strict=False)
            except (OSError, RuntimeError):  # a loop (RuntimeError before Python 3.13)
                raise NotDone(f"{shown}: is a symlink loop") from None
        raise NotDone(f"{shown}: {STATE_HELD}") from None

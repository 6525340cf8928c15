"""The held-fix store: ``patches/ID/LINE.patch``, in ``git format-patch`` (mbox) form.

:func:`add_patch` checks and stores a fix (0600, directories 0700), either a file or the
commits of a revision range of the product clone; :func:`held_patches` and
:func:`read_patch` find and parse them (:func:`read_limited`: never more than a patch may
hold); :func:`remove_patch` deletes one.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from packaging.version import Version

from releasekit.adapters.git import ProductRepo
from releasekit.fixes.diff import MAX_PATCH_BYTES, patch_error
from releasekit.fixes.export import format_patch
from releasekit.fixes.mbox import PatchCommit, parse_mbox, too_large
from releasekit.model.advisory import read_advisory
from releasekit.model.config import Settings
from releasekit.support import fsutil
from releasekit.support.errors import AdvisoryError, BadInput
from releasekit.support.text import visible
from releasekit.workspace.files import display_path

_ADVISORY_DIR = re.compile(r"[A-Z][A-Z0-9]{0,15}-[0-9]{4}-[0-9]{4,}")  # (as model.advisory)


@dataclass(frozen=True)
class HeldPatch:
    """``patches/ID/LINE.patch``: the fix of one advisory for one line."""

    advisory: str
    line: str
    path: Path  # as shown in messages: patches/ID/LINE.patch
    commits: tuple[PatchCommit, ...] = field(default=())

    @property
    def subjects(self) -> list[str]:
        return [commit.subject for commit in self.commits]

    @property
    def authors(self) -> list[str]:
        """``Name <email>`` of each author, once each, in commit order."""
        found = (f"{c.author.name} <{c.author.email}>" for c in self.commits)
        return list(dict.fromkeys(found))

    @property
    def files(self) -> list[str]:
        """The paths the fix touches, once each, in patch order (a rename: both paths)."""
        paths: list[str] = []
        for commit in self.commits:
            for change in commit.files:
                paths += [p for p in (change.old_path, change.new_path) if p is not None]
        return list(dict.fromkeys(paths))

    @property
    def added(self) -> int:
        """Text lines the fix adds (binary changes count none)."""
        return self._count("+")

    @property
    def removed(self) -> int:
        return self._count("-")

    def _count(self, kind: str) -> int:
        return sum(
            1
            for commit in self.commits
            for change in commit.files
            for hunk in change.hunks
            for hunk_line in hunk.lines
            if hunk_line.kind == kind
        )

    def describe(self) -> str:
        """``2 commits, 3 files, +10 -4``: what the fix holds, in one phrase."""
        commits, files = len(self.commits), len(self.files)
        return (
            f"{commits} commit{'' if commits == 1 else 's'}, "
            f"{files} file{'' if files == 1 else 's'}, +{self.added} -{self.removed}"
        )


def patch_path(settings: Settings, advisory: str, line: str) -> Path:
    return settings.patches_dir / advisory / f"{line}.patch"


def read_limited(handle: BinaryIO, shown: Path | str) -> bytes:
    """The bytes of a patch from ``handle`` (a file, stdin, a FIFO, a device): at most
    MAX_PATCH_BYTES + 1 are read, so that /dev/zero or an endless pipe is refused, not read
    until memory runs out. PatchError naming ``shown`` when there are more."""
    data = handle.read(MAX_PATCH_BYTES + 1)
    if len(data) > MAX_PATCH_BYTES:
        raise too_large(shown)
    return data


def held_bytes(settings: Settings, path: Path) -> bytes:
    """The bytes of the held fix at ``path`` (at most a patch's bound); PatchError naming
    it when it cannot be read or is larger."""
    shown = display_path(settings, path)
    try:
        with path.open("rb") as handle:
            return read_limited(handle, shown)
    except OSError as exc:
        raise patch_error(shown, None, f"cannot be read: {exc.strerror}") from None


def read_patch(settings: Settings, path: Path) -> HeldPatch:
    """Read and parse one held fix; PatchError names the file and line at fault."""
    shown = display_path(settings, path)
    commits = parse_mbox(held_bytes(settings, path), shown)
    return HeldPatch(path.parent.name, path.stem, shown, tuple(commits))


def held_patches(settings: Settings) -> dict[tuple[str, str], Path]:
    """Every ``patches/ID/LINE.patch``: (advisory id, line) -> path. Misnamed files: BadInput."""
    found: dict[tuple[str, str], Path] = {}
    root = settings.patches_dir
    if not root.is_dir():
        if root.is_symlink() or root.exists():  # a file, a dangling symlink, a loop
            # Not "no fixes held": a plan would find every line without its fix.
            shown = visible(str(display_path(settings, root)))
            raise BadInput(f"{shown}: is not a directory (the held fixes go in it)")
        return found
    for directory in sorted(root.iterdir()):
        if directory.name.startswith("."):
            continue
        if not directory.is_dir() or not _ADVISORY_DIR.fullmatch(directory.name):
            shown = visible(str(display_path(settings, directory)))
            raise BadInput(f"{shown}: expected a directory named after an advisory id")
        for path in sorted(directory.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".patch" or not _is_line(path.stem):
                shown = visible(str(display_path(settings, path)))
                raise BadInput(f"{shown}: expected LINE.patch (like 10.3.patch)")
            if not path.is_file():  # a FIFO waits for ever, a device never ends
                shown = visible(str(display_path(settings, path)))
                raise BadInput(f"{shown}: is not a regular file")
            found[(directory.name, path.stem)] = path
    # Lines in version order: 3.9 before 3.10 (the names sort 3.10 first).
    return dict(sorted(found.items(), key=lambda item: (item[0][0], Version(item[0][1]))))


def _is_line(text: str) -> bool:
    """A line's name: ``10.3``, or ``7`` when lines are major versions (line_parts = 1)."""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        return False
    try:
        Version(text)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return False
    return True


def add_patch(
    settings: Settings,
    advisory_id: str,
    line: str,
    *,
    known_lines: Sequence[str],
    data: bytes | None = None,
    source: str = "-",
    repo: ProductRepo | None = None,
    rev_range: str | None = None,
    replace: bool = False,
) -> Path:
    """Check and store the fix of ``advisory_id`` for ``line``; returns the stored path.

    Exactly one of ``data`` (the bytes of a format-patch file, read from ``source``) and
    ``rev_range`` (commits of ``repo`` to export) is given. ``known_lines`` are the lines the
    product repository has. Bad input raises before anything is written.
    """
    advisory_path = settings.advisories_dir / f"{advisory_id}.md"
    if not _ADVISORY_DIR.fullmatch(advisory_id) or not advisory_path.is_file():
        shown_id = visible(advisory_id)  # as given: one line, its controls as escapes
        raise BadInput(f"{shown_id}: no such advisory (advisories/{shown_id}.md)")
    try:
        advisory = read_advisory(
            advisory_path, settings.project.advisory_prefix, display_path(settings, advisory_path)
        )
    except AdvisoryError:
        raise BadInput(
            f"advisories/{advisory_id}.md: invalid; run `releasekit advisory check`"
        ) from None
    if advisory.released is not None:
        raise BadInput(f"{advisory_id}: already released; its fixes are public")
    if line not in known_lines:
        available = ", ".join(known_lines) or "none"
        raise BadInput(
            f"--line {visible(line)}: no such release line (known: {available}; "
            "`releasekit plan` fetches the tags)"
        )
    target = patch_path(settings, advisory_id, line)
    shown = display_path(settings, target)
    if target.exists() and not replace:
        raise BadInput(f"{shown}: already exists; pass --replace to replace it")
    if rev_range is not None:
        if repo is None:  # pragma: no cover - the caller opens the clone for --from
            raise BadInput("--from needs the product repository")
        data = format_patch(repo, repo.commits_in_range(rev_range))
        source = f"--from {rev_range}"
    if data is None:  # pragma: no cover - the CLI passes one of the two
        raise BadInput("give a patch FILE or --from REV_RANGE")
    parse_mbox(data, source)
    fsutil.private_dir(settings.patches_dir)
    fsutil.private_dir(target.parent)
    fsutil.atomic_write(target, data, 0o600)
    return target


def remove_patch(settings: Settings, advisory_id: str, line: str) -> Path:
    """Delete ``patches/ID/LINE.patch`` (and ``patches/ID/`` once empty); returns the path as
    shown. BadInput naming it when there is no such held fix."""
    if not _ADVISORY_DIR.fullmatch(advisory_id):
        raise BadInput(f"{visible(advisory_id)}: not an advisory id (like ACSA-2026-0001)")
    if not _is_line(line):
        raise BadInput(f"--line {visible(line)}: not a release line (like 10.3)")
    target = patch_path(settings, advisory_id, line)
    shown = display_path(settings, target)
    if not target.is_file():
        raise BadInput(f"{shown}: no such held fix")
    target.unlink()
    with contextlib.suppress(OSError):  # not empty (another line's fix): it stays
        target.parent.rmdir()
    return shown

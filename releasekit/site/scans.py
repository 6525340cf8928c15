"""What a tree of the site holds on disk: scans of the live site and of the standby.

A scan gives each regular file's signature (size, mtime, inode: see :mod:`.tree`), found by
directory descriptor and ``stat`` relative to it. A publish runs them in child processes
while it reads the advisories and the state: the live site in shares (each told what the
state says it holds, so that it sends back only a count when all is as expected), the
standby beside it (told which inodes are the live files', so that it need not ``stat`` them).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from releasekit.site.tree import OPEN_DIRECTORY, Signature

Split = dict[str, int]  # a folder ("a"; "a/b" in a folder split) -> the share that scans it


def split(paths: Iterable[str], shares: int, every: int = 53) -> Split:
    """Which of ``shares`` processes scans which folder of a tree that holds about ``paths``
    (see :func:`scan`), so that each ``stat``-s about as many files: the biggest first,
    each to the share with the fewest so far. A top-level folder with more than half a
    share's part of the files is split: its own files are one part, each subfolder another.
    Counted on every ``every``-th path (50,000 in half a millisecond; a prime, not a
    multiple of the files an advisory has, which lie together): a split is only ever more
    or less even, never wrong.
    """
    tops: dict[str, int] = {}  # files seen under each top-level folder
    subs: dict[str, dict[str, int]] = {}  # and under each of its subfolders ("a/b")
    for rel in itertools.islice(paths, 0, None, every):
        top, _, rest = rel.partition("/")
        if not rest:
            continue  # a top-level file: the first share's
        tops[top] = tops.get(top, 0) + 1
        sub, _, deeper = rest.partition("/")
        if deeper:
            inside = subs.setdefault(top, {})
            inside[f"{top}/{sub}"] = inside.get(f"{top}/{sub}", 0) + 1
    fair = sum(tops.values()) / shares
    units: list[tuple[int, str]] = []
    for top, weight in tops.items():
        inside = subs.get(top, {})
        if weight <= fair / 2 or not inside:
            units.append((weight, top))
        else:
            units += [(n, sub) for sub, n in inside.items()]
            units.append((weight - sum(inside.values()), top))  # its own files
    loads = [0] * shares
    parts: Split = {}
    for weight, unit in sorted(units, key=lambda unit: (-unit[0], unit[1])):
        least = loads.index(min(loads))
        parts[unit] = least
        loads[least] += weight
    return parts


def scan(
    root: Path,
    keep: str | None = None,
    share: tuple[int, int] = (0, 1),
    linked: tuple[dict[str, Signature], set[str]] | None = None,
    parts: Split | None = None,
) -> dict[str, Signature]:
    """Every regular file under ``root`` (relative path with / -> signature); {} if absent.

    ``keep`` names a top-level regular file that is not listed (see :data:`.tree.KEEP`).
    ``share`` (k, n): the k-th of n processes that scan the tree together: the first takes
    the top-level files; each takes the folders that ``parts`` gives it (a folder that
    ``parts`` does not name goes with its parent folder, at the top level to the first), or
    without ``parts`` every n-th top-level folder (by name).
    ``linked`` (signatures, found): a regular file whose directory entry names the inode
    ``signatures`` gives its path is put in ``found``, not ``stat``-ed (see scan_beside).
    Directories are opened by descriptor, their entries ``stat``-ed relative to it.
    """
    found: dict[str, Signature] = {}
    mine, shares = share
    given = parts if parts is not None else {}
    divided = {unit.partition("/")[0] for unit in given if "/" in unit}
    expected, shared = linked if linked is not None else ({}, set())
    get = expected.get

    def walk(
        fd: int, prefix: str, files: bool = True, folders: Callable[[str], bool] | None = None
    ) -> None:
        """The files under ``fd``: all, or only those of the subfolders ``folders`` takes
        (by path: "a/b") and, when ``files``, its own."""
        with os.scandir(fd) as listed:
            for entry in listed:
                name = entry.name
                if entry.is_dir(follow_symlinks=False):
                    if folders is None or folders(prefix + name):
                        into(fd, name, f"{prefix}{name}/")
                    continue
                if not files:
                    continue
                rel = prefix + name
                known = get(rel)
                if (
                    known is not None
                    and entry.inode() == known[2]
                    and entry.is_file(follow_symlinks=False)
                ):
                    shared.add(rel)
                    continue
                stat = entry.stat(follow_symlinks=False)
                found[rel] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def into(
        fd: int,
        name: str,
        prefix: str,
        files: bool = True,
        folders: Callable[[str], bool] | None = None,
    ) -> None:
        try:
            inner = os.open(name, OPEN_DIRECTORY, dir_fd=fd)
        except OSError as exc:  # named by its path, not by its name in its parent
            exc.filename = f"{root}/{prefix[:-1]}"
            raise
        try:
            walk(inner, prefix, files, folders)
        finally:
            os.close(inner)

    def mine_of(unit: str, default: int = 0) -> bool:
        """Whether ``parts`` gives ``unit`` to this share (a share past the last: the
        first's, so that a split made for more shares still loses no folder)."""
        owner = given.get(unit, default)
        return (owner if 0 <= owner < shares else 0) == mine

    def subfolder(rel: str) -> bool:
        """A subfolder of a folder split: this share's, or with its folder's files."""
        return mine_of(rel, given.get(rel.partition("/")[0], 0))

    def top(fd: int) -> None:
        """The top level: its share of the folders, its files (but ``keep``)."""
        with os.scandir(fd) as listed:
            entries = sorted(listed, key=lambda entry: entry.name)
        folders = 0
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                folders += 1
                if name in divided:  # split between the shares (see split)
                    into(fd, name, f"{name}/", mine_of(name), subfolder)
                elif mine_of(name) if parts is not None else folders % shares == mine:
                    into(fd, name, f"{name}/")
            elif not mine and not (name == keep and entry.is_file(follow_symlinks=False)):
                stat = entry.stat(follow_symlinks=False)
                found[name] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    if root.is_dir():
        fd = os.open(root, OPEN_DIRECTORY)
        try:
            top(fd)
        finally:
            os.close(fd)
    return found


Told = tuple[int, "dict[str, Signature] | None"]  # a share's count, and its files unless told


def scan_told(
    root: Path,
    keep: str | None,
    share: tuple[int, int],
    expected: dict[str, Signature],
    parts: Split | None = None,
) -> Told:
    """:func:`scan` of a share of ``root`` (``parts``: see :func:`scan`), told against
    ``expected`` (what the whole tree should hold): how many files, and None when each is as
    expected, else the files. A child that scans sends back next to nothing when nothing
    changed (the usual case)."""
    found = scan(root, keep, share, parts=parts)
    get = expected.get
    for rel, signature in found.items():
        if get(rel) != signature:
            return len(found), found
    return len(found), None


def gathered(
    told: list[Told], expected: dict[str, Signature], rescan: Callable[[int], dict[str, Signature]]
) -> dict[str, Signature]:
    """The whole scan from the shares' answers (see :func:`scan_told`): ``expected`` itself
    when every file is as expected and none is missing; else each share's files (a share
    that was as expected is scanned again: ``rescan(k)``)."""
    if all(found is None for _, found in told) and sum(n for n, _ in told) == len(expected):
        return expected
    present: dict[str, Signature] = {}
    for k, (_count, found) in enumerate(told):
        present.update(rescan(k) if found is None else found)
    return present


Beside = tuple[dict[str, Signature], list[str]]  # (see scan_beside)


def scan_beside(root: Path, keep: str | None, live: dict[str, Signature]) -> Beside:
    """:func:`scan` of the standby, told what the live site should hold (``live``: the
    state's signatures of it). A file whose directory entry names the very inode that the
    live file of its path should have is not ``stat``-ed: it *is* that file (one file
    system, hard links), checked by the scan of the live site. Returns the other files with
    their signatures, and the paths of ``live`` that are not such a file: what it sends back
    is as small as what the last build changed. See :func:`beside_present`.

    The standby holds the site before the last build: on a big site all but what that build
    changed are links to the live files, and a ``stat`` of each was a third of a build that
    changes one advisory."""
    shared: set[str] = set()
    others = scan(root, keep, (0, 1), (live, shared))
    if len(shared) == len(live):
        return others, []
    return others, [rel for rel in live if rel not in shared]


def beside_present(
    root: Path,
    told: Beside,
    live: dict[str, Signature],
    live_present: dict[str, Signature],
) -> dict[str, Signature]:
    """What :func:`scan` of the standby at ``root`` would have found, from the answer of
    :func:`scan_beside`: a file that is the live file's inode has the signature the scan of
    the live site found (``live_present``) when that file was as ``live`` says; else (a live
    file replaced or changed since) it is ``stat``-ed here."""
    others, absent = told
    if live_present == live:  # (the usual case: the live site as the state says, in C)
        present = dict(live)
        for rel in absent:
            del present[rel]
        present.update(others)
        return present
    skip = set(absent)
    skip.update(others)
    present = dict(others)
    for rel, signature in live.items():
        if rel in skip:
            continue
        if live_present.get(rel) == signature:
            present[rel] = signature
            continue
        with contextlib.suppress(FileNotFoundError):
            stat = os.lstat(root / rel)
            present[rel] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return present

"""How versions compare and are spelt: the keys of :mod:`releasekit.model.versions`.

A version compares by up to four numbers and then its place among the versions of those
numbers, in PEP 440's order (10.3.0.dev1 < 10.3.0a1 < 10.3.0rc1 < 10.3.0 < 10.3.0.post1;
SemVer's 0.104.0-alpha.6 reads as 0.104.0a6).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import cast

from packaging.version import InvalidVersion, Version

EVERY = "0"  # the first version of a range of every release (OSV's "0": before all others)
KEY_WIDTH = 4  # numbers a version compares by: Rails' 7.1.5.2 has four
# After the numbers, where the version lies among those of the same numbers (PEP 440's
# order): a development release, a pre-release (alpha, beta, candidate), the release, a
# post-release; then its number (dev, pre-release or post). A development release of a
# pre- or post-release (10.3.0rc1.dev2) compares as the one it leads to (10.3.0rc1).
DEV, ALPHA, BETA, CANDIDATE, FINAL, POST = range(6)
_PHASES = {"a": ALPHA, "b": BETA, "rc": CANDIDATE}
FINAL_PHASE = (FINAL, 0)
Key = tuple[int, int, int, int, int, int]


def contains(first: Key, below: Key | None, key: Key) -> bool:
    """Whether the version of ``key`` lies in [first, below) (below None: no upper end)."""
    return first <= key and (below is None or key < below)


@lru_cache(maxsize=8192)
def release_key(text: str) -> Key:
    """How versions compare here: ``10.3.2`` -> (10, 3, 2, 0, FINAL, 0), ``10.4`` ->
    (10, 4, 0, 0, FINAL, 0), ``7.1.5.2`` -> (7, 1, 5, 2, FINAL, 0), ``10.4.0rc1`` and
    ``10.4.0-rc.1`` -> (10, 4, 0, 0, CANDIDATE, 1)."""
    if _NUMERIC.fullmatch(text) is not None:  # (most versions: no need to parse them)
        return make_key(tuple(int(n) for n in text.split(".")))
    try:
        parsed = Version(text)
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return make_key(())
    if parsed.pre is not None:
        phase = (_PHASES[parsed.pre[0]], parsed.pre[1])
    elif parsed.post is not None:
        phase = (POST, parsed.post)
    elif parsed.dev is not None:
        phase = (DEV, parsed.dev)
    else:
        phase = FINAL_PHASE
    return make_key(parsed.release, phase)


def make_key(numbers: tuple[int, ...], phase: tuple[int, int] = FINAL_PHASE) -> Key:
    """``numbers`` as a :data:`Key`: zeros added, or numbers past the fourth left out; a
    release unless ``phase`` says otherwise."""
    return cast(Key, ((*numbers, 0, 0, 0, 0)[:KEY_WIDTH] + phase))


def release_of(key: Key) -> Key:
    """The release of the version of ``key``: 10.3.0 of 10.3.0rc1 (the same for a release)."""
    return make_key(key[:KEY_WIDTH])


def release_line(text: str) -> str:
    """The release line of a version: ``10.3`` for ``10.3.2``."""
    major, minor, *_ = release_key(text)
    return f"{major}.{minor}"


def in_line(version: str, line: str) -> bool:
    """Whether ``version`` is a release of ``line``: 10.3.2 of 10.3, and 7.2.3 of 7 (a line
    named by its major version alone)."""
    width = line_width(line)
    return release_key(version)[:width] == release_key(line)[:width]


def first_release(line: str) -> str:
    """The first version of a line: ``10.4.0`` for ``10.4``, ``8.0.0`` for ``8``."""
    return spelt_text(release_key(line), 3)


def line_width(line: str) -> int:
    """How many numbers name ``line``: 1 for ``7`` (a major version), else 2 (``10.3``)."""
    return 1 if "." not in line else 2


@lru_cache(maxsize=8192)
def spelling(version: str) -> int:
    """How many numbers the project's releases have, as ``version`` is spelt: 2 for
    PostgreSQL's ``16.3`` (and ``16.3rc1``, ``16.3-rc.1``), else 3 (``10.3.3``, and Rails'
    ``7.1.5.2``, whose fourth number only its patch releases of a patch release have)."""
    return 2 if len(numbers_of(version) or ()) == 2 else 3


_NUMERIC = re.compile(r"[0-9]+(?:\.[0-9]+)*")  # (`\d`: any Unicode digit)


@lru_cache(maxsize=8192)
def numbers_of(text: str) -> tuple[int, ...] | None:
    """``10.3.2`` -> (10, 3, 2), ``7.1.5.2`` -> (7, 1, 5, 2); None for anything but numbers."""
    if _NUMERIC.fullmatch(text) is not None:
        return tuple(int(n) for n in text.split("."))
    try:
        return Version(text).release
    except InvalidVersion:  # pragma: no cover - advisory.py validates versions
        return None


@lru_cache(maxsize=8192)
def spelt_text(parts: tuple[int, ...], width: int) -> str:
    """A version's numbers spelt with ``width`` numbers, and a fourth one that is not 0."""
    shown = width if len(parts) < 4 or parts[3] == 0 else 4
    return ".".join(str(n) for n in (*parts, 0, 0, 0)[:shown])


def lowest_pre_release(release: str) -> str:
    """The lowest pre-release of ``release`` as PEP 440 spells it (3.14.0.dev0: before
    3.14.0a1, 3.14.0rc1 and every other one; SemVer's 3.14.0-0): where a range over every
    pre-release of a line's first release starts."""
    return f"{release}.dev0"


def is_lowest_pre_release(text: str) -> bool:
    """Whether ``text`` is the lowest pre-release of its release (3.14.0.dev0)."""
    key = release_key(text)
    return key[KEY_WIDTH:] == (DEV, 0)

"""The files of a product's tree that carry its version (``init --repository`` proposes
them as ``[[releases.bump]]``): their common names, and the one line of a file that holds a
version, written as a format with ``{version}``."""

from __future__ import annotations

import re

from packaging.version import Version

from releasekit.adapters.git import ProductRepo

VERSION_FILES = frozenset(
    {
        "_version.py",
        "__version__.py",
        "version.py",
        "VERSION",
        "VERSION.txt",
        "version.txt",
        "version.h",
        "package.json",
        "pyproject.toml",
        "Cargo.toml",
        "setup.py",
        "setup.cfg",
        "configure.ac",  # autoconf's AC_INIT([PostgreSQL], [16.3], ...)
        "meson.build",  # meson's project(..., version: '16.3')
    }
)
# Changelogs at the root of a tree, by their common names, the likeliest first.
CHANGELOG_FILES = (
    "CHANGES.rst",
    "CHANGES.md",
    "CHANGELOG.md",
    "CHANGELOG.rst",
    "HISTORY.rst",
    "HISTORY.md",
    "NEWS.md",
    "NEWS.rst",
    "CHANGES",
    "CHANGELOG",
)
_UNDERLINE = re.compile(
    r"([=\-~^\"'`#*+:.])\1+\s*"
)  # a reStructuredText title's over- or underline
# Directories whose version files are other projects' (bundled dependencies) or examples.
NOT_THE_PRODUCT = frozenset(
    {"deps", "vendor", "third_party", "thirdparty", "external", "node_modules", "examples"}
)


def version_format(text: str, version: str) -> str | None:
    """The one line of ``text`` that holds ``version``, stripped, with ``{version}`` in its
    place: e.g. ``__version__ = "{version}"``; None when no line or several lines do, or the
    line is long or has braces of its own."""
    token = re.compile(r"(?<![0-9A-Za-z.])" + re.escape(version) + r"(?![0-9A-Za-z]|\.[0-9])")
    holding = [line for line in text.splitlines() if token.search(line)]
    if len(holding) != 1:
        return None
    line = holding[0].strip()
    if len(token.findall(line)) != 1 or len(line) > 200 or "{" in line or "}" in line:
        return None
    if not line.isprintable():
        return None
    return token.sub("{version}", line)


def text_at(repo: ProductRepo, commit: str, path: str) -> str | None:
    """The file at ``path`` in ``commit`` as text; None when it is missing, not UTF-8 or
    over a megabyte (no version file is)."""
    entry = repo.entry(repo.commit(commit).tree, path)
    if entry is None:
        return None
    data = repo.read_blob(entry.oid)
    if len(data) > 1_000_000:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def holds(repo: ProductRepo, tip: str | None, path: str, form: str, version: Version) -> bool:
    """Whether the file at ``path`` on ``tip`` holds ``version`` in its one line of ``form``."""
    if tip is None:
        return False
    text = text_at(repo, tip, path)
    return text is not None and version_format(text, str(version)) == form


def marker_guess(text: str) -> str | None:
    """A line of a changelog after which each release's entry could go: its first line
    that is not blank, when that line is no title's over- or underline and the next is no
    underline (an entry between a title and its underline would break it); else None."""
    lines = [line.strip() for line in text.splitlines()]
    for number, line in enumerate(lines):
        if not line:
            continue
        after = lines[number + 1] if number + 1 < len(lines) else ""
        if _UNDERLINE.fullmatch(line) or _UNDERLINE.fullmatch(after):
            return None
        return line if len(line) <= 200 else None
    return None

"""The values that cross the git adapter's boundary: ids as 40-digit hex strings, people,
tree entries and commits, so that no other module needs a pygit2 type."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pygit2
from pygit2.enums import FileMode

ZERO = "0" * 40
BLOB_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE, FileMode.LINK)


def is_oid(text: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{40}", text) is not None


def sanitize(text: str) -> str:
    """``text`` with any ``user:password@`` removed from URLs in it."""
    return re.sub(r"(\w+://)[^/@\s]*@", r"\1", text)


@dataclass(frozen=True)
class Person:
    """An author, committer or tagger: name, e-mail and a time (epoch seconds, UTC offset)."""

    name: str
    email: str
    time: int = 0
    offset: int = 0  # minutes east of UTC

    def at(self, when: int, offset: int = 0) -> Person:
        return Person(self.name, self.email, when, offset)

    def header(self) -> str:
        """``Name <email> 1700000000 +0000`` as in commit and tag objects."""
        sign = "-" if self.offset < 0 else "+"
        hours, minutes = divmod(abs(self.offset), 60)
        return f"{self.name} <{self.email}> {self.time} {sign}{hours:02d}{minutes:02d}"


def decoded(raw: bytes, encoding: str | None) -> str:
    """Text of a commit's bytes in its ``encoding`` header; UTF-8 when there is none or
    Python knows no such codec (pygit2 raised LookupError on ``encoding x-bogus``).
    Bytes that do not decode are replaced, as pygit2 does."""
    try:
        return raw.decode(encoding or "utf-8", "replace")
    except LookupError:  # an unknown codec, or one that is not a text encoding (rot13)
        return raw.decode("utf-8", "replace")


def person_of(sig: pygit2.Signature, encoding: str | None = None) -> Person:
    """The person of a commit's author or committer line, in the commit's ``encoding``."""
    name, email = decoded(sig.raw_name, encoding), decoded(sig.raw_email, encoding)
    return Person(name, email, sig.time, sig.offset)


def signature_of(person: Person) -> pygit2.Signature:
    return pygit2.Signature(person.name, person.email, person.time, person.offset)


@dataclass(frozen=True)
class Entry:
    """A file in a tree: its blob id and mode (0o100644, 0o100755 or 0o120000)."""

    oid: str
    mode: int = int(FileMode.BLOB)


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str

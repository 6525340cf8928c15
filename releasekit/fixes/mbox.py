"""Parsing a held fix: :func:`parse_mbox` turns a ``git format-patch`` file into
:class:`PatchCommit` objects (author, message, file changes with their hunks and the line
numbers they came from, for the lint)."""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from dataclasses import dataclass
from pathlib import Path

from releasekit.adapters.git import Person
from releasekit.fixes.diff import (
    MAX_PATCH_BYTES,
    SIGNATURE,
    Cursor,
    FileChange,
    parse_file_diff,
    patch_error,
)
from releasekit.support.errors import PatchError

_FROM_LINE = re.compile(rb"^From \S+ +\w{3} \w{3} [ \d]?\d \d\d:\d\d:\d\d \d{4}\s*$")
# Lines that start a diff (git's or a traditional one): git apply would apply one found after
# the signature, which ends what releasekit reads, so a mail with one there is refused.
_DIFF_START = (b"diff ", b"--- ", b"+++ ", b"@@ ", b"GIT binary patch")
# The longest From: or Subject: read (git's own are a line): 100,000 encoded words took 16 s
# to decode, the 64 MiB a patch may hold hours.
MAX_HEADER = 65536
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|aw|fwd?)\s*:\s*|\[[^\]]*\]\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class PatchCommit:
    """One mail of a format-patch file: a commit to be made."""

    author: Person
    message: str  # the commit message as it will be committed
    message_lines: tuple[tuple[int, str], ...]  # (patch file line, text) of subject and body
    author_line: int
    files: tuple[FileChange, ...]
    line: int

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; the raw text when they cannot be."""
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeError, email.errors.MessageError):
        return value


def _bracketed(raw: str) -> tuple[str, str] | None:
    """``Name <address>`` as git mailinfo reads it: the address is what the last brackets
    hold, the name what comes before them, without its double quotes; None: no such form."""
    text = raw.strip()
    at = text.rfind("<")
    address = text[at + 1 : -1]
    if at < 0 or not text.endswith(">") or "@" not in address[1:-1]:
        return None
    if "<" in address or any(char.isspace() for char in address):
        return None
    name = text[:at].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    return name, address


def _headers(block: list[bytes], path: Path | str, first: int) -> dict[str, tuple[str, int]]:
    # The parts of each header, joined at the end: adding each folded line to the value
    # took time growing with the square of the lines (hours for a 64 MiB header).
    parts: dict[str, tuple[list[str], int]] = {}
    name: str | None = None
    for offset, raw in enumerate(block):
        text = raw.decode("utf-8", "replace").rstrip("\r")
        if text[:1] in (" ", "\t") and name is not None:
            parts[name][0].append(text.strip())
            continue
        key, sep, value = text.partition(":")
        if not sep or not key or " " in key:
            raise patch_error(path, first + offset, "malformed mail header")
        name = key.strip().lower()
        parts[name] = ([value.strip()], first + offset)
    return {key: (" ".join(values), at) for key, (values, at) in parts.items()}


def _plain(text: str) -> bool:
    return bool(text.strip()) and not any(c in "<>\n\r\0" for c in text) and text.isprintable()


def _check_signature(cursor: Cursor, path: Path | str, end: int) -> None:
    """The signature at the cursor ends the mail's diffs: nothing after it may start one."""
    for index in range(cursor.pos + 1, end):
        if cursor.lines[index].startswith(_DIFF_START):
            raise patch_error(path, index + 1, "diff after the signature (-- )")


def _check_targets(files: list[FileChange], path: Path | str) -> None:
    """No two file diffs of one mail write the same path, or a file and a path below it
    (a symlink ``l`` and ``l/x``): git apply refuses them, and the tree would keep only one."""
    written: set[str] = set()
    below: dict[str, str] = {}  # a directory of a written path -> that path
    for change in files:
        new = change.new_path
        if new is None:
            continue
        parts = new.split("/")
        above = ["/".join(parts[:depth]) for depth in range(1, len(parts))]
        if new in written:
            raise patch_error(path, change.line, f"writes {new!r} twice")
        if new in below:
            raise patch_error(path, change.line, f"writes {new!r} and {below[new]!r} below it")
        for directory in above:
            if directory in written:
                raise patch_error(path, change.line, f"writes {new!r} below file {directory!r}")
            below.setdefault(directory, new)
        written.add(new)


def _parse_mail(cursor: Cursor, path: Path | str, end: int, from_line: int | None) -> PatchCommit:
    start = cursor.number if from_line is None else from_line
    block: list[bytes] = []
    first = cursor.number
    while cursor.pos < end and cursor.lines[cursor.pos].strip():
        block.append(cursor.lines[cursor.pos])
        cursor.pos += 1
    cursor.pos += 1  # the blank line after the headers
    headers = _headers(block, path, first)
    for required in ("from", "subject", "date"):
        if required not in headers:
            raise patch_error(path, start, f"mail has no {required.title()}: header")
    for decoded in ("from", "subject"):  # decode_header's time grows with the square of words
        if len(headers[decoded][0]) > MAX_HEADER:
            where = headers[decoded][1]
            raise patch_error(
                path, where, f"{decoded.title()}: longer than {MAX_HEADER} characters"
            )
    encoding = headers.get("content-transfer-encoding", ("8bit", 0))[0].lower()
    if encoding not in ("7bit", "8bit", "binary"):
        raise patch_error(
            path, headers["content-transfer-encoding"][1], f"{encoding} is not supported"
        )
    raw_from, author_line = headers["from"]
    try:
        name, address = email.utils.parseaddr(raw_from)
    except RecursionError:  # the parser recurses into nested "(comments)"
        name, address = "", ""
    else:
        bracketed = _bracketed(raw_from)
        if bracketed and bracketed[1] != address:  # "dependabot[bot]" is no RFC 5322 local part
            name, address = bracketed
    if not address or "@" not in address:
        raise patch_error(path, author_line, "From: needs Name <email>")
    name = _decode_words(name) or address
    raw_date, date_line = headers["date"]
    try:
        moment = email.utils.parsedate_to_datetime(raw_date)
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        when = int(moment.timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        raise patch_error(path, date_line, "Date: is not an RFC 2822 date") from None
    if not (0 <= when < 2**40 and -1440 < minutes < 1440):
        raise patch_error(path, date_line, "Date: is out of range")
    if not _plain(name) or not _plain(address) or " " in address:
        raise patch_error(path, author_line, "From: name and address must be plain text without <>")
    author = Person(name.strip(), address, when, minutes)
    raw_subject, subject_line = headers["subject"]
    subject = _SUBJECT_PREFIX.sub("", _decode_words(raw_subject)).strip()
    if not subject:
        raise patch_error(path, subject_line, "Subject: is empty")
    if any(char in subject for char in "\0\n\r"):
        # Decoded from encoded words (a raw NUL is refused with the file): a NUL would cut
        # the commit message short, a line break move the rest into the body.
        raise patch_error(path, subject_line, "Subject: has a NUL or a line break")

    body: list[tuple[int, str]] = []
    while cursor.pos < end:
        raw = cursor.lines[cursor.pos]
        if raw.rstrip(b"\r") == b"---" or raw.startswith(b"diff --git "):
            break
        body.append((cursor.number, raw.decode("utf-8", "replace").rstrip("\r")))
        cursor.pos += 1
    while body and not body[-1][1].strip():
        body.pop()
    while body and not body[0][1].strip():
        body.pop(0)
    while cursor.pos < end and not cursor.lines[cursor.pos].startswith(b"diff --git "):
        cursor.pos += 1  # the diffstat
    files: list[FileChange] = []
    while cursor.pos < end:
        raw = cursor.lines[cursor.pos]
        if raw.startswith(b"diff --git "):
            at = cursor.number
            try:
                files.append(parse_file_diff(cursor, path, end))
            except UnicodeDecodeError:
                raise patch_error(path, at, "file names must be UTF-8") from None
        elif raw == SIGNATURE:
            _check_signature(cursor, path, end)
            break
        elif not raw.strip():
            cursor.pos += 1
        else:
            raise patch_error(path, cursor.number, "unexpected line between file diffs")
    if not files:
        raise patch_error(path, start, "mail has no diff (diff --git ...)")
    _check_targets(files, path)
    message = subject + "\n"
    if body:
        message += "\n" + "\n".join(text for _, text in body) + "\n"
    return PatchCommit(
        author=author,
        message=message,
        message_lines=((subject_line, subject), *body),
        author_line=author_line,
        files=tuple(files),
        line=start,
    )


def too_large(path: Path | str) -> PatchError:
    """The error of a patch file over MAX_PATCH_BYTES."""
    return patch_error(path, None, f"larger than {MAX_PATCH_BYTES // (1024 * 1024)} MiB")


def parse_mbox(data: bytes, path: Path | str) -> list[PatchCommit]:
    """Parse a ``git format-patch`` file (one or more mails); PatchError names file:line."""
    if len(data) > MAX_PATCH_BYTES:
        raise too_large(path)
    if b"\0" in data:
        raise patch_error(path, None, "is not a text patch (contains NUL bytes)")
    cursor = Cursor(data)
    starts = [i for i, raw in enumerate(cursor.lines) if _FROM_LINE.match(raw)]
    if not starts:
        first = cursor.lines[0] if cursor.lines else b""
        if not first.startswith(b"From: "):
            raise patch_error(
                path, 1, "not a git format-patch mbox (expected 'From <commit> <date>')"
            )
        starts = [-1]
    elif any(raw.strip() for raw in cursor.lines[: starts[0]]):
        raise patch_error(path, 1, "not a git format-patch mbox (text before the first mail)")
    commits = []
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(cursor.lines)
        cursor.pos = begin + 1
        commits.append(_parse_mail(cursor, path, end, begin + 1 if begin >= 0 else None))
    return commits

"""The held-fix store: ``patches/ID/LINE.patch``, in ``git format-patch`` (mbox) form.

Reading: :func:`parse_mbox` turns a file into :class:`PatchCommit` objects (author, message,
file changes with their hunks and the line numbers they came from, for the lint). Writing:
:func:`add_patch` checks and stores a fix (0600, directories 0700), either a file or the
commits of a revision range of the product clone, exported like ``git format-patch``.
Applying: :func:`apply_commit` applies one held commit to a tree in memory with three-way
semantics (see there). Nothing here writes into the product clone.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from packaging.version import Version

from releasekit.adapters.git import Entry, Person, ProductRepo, TreeEditor
from releasekit.model.advisory import read_advisory
from releasekit.model.config import Settings
from releasekit.support import fsutil
from releasekit.support.errors import AdvisoryError, BadInput, PatchError
from releasekit.workspace.files import display_path

MAX_PATCH_BYTES = 64 * 1024 * 1024
_FROM_LINE = re.compile(rb"^From \S+ +\w{3} \w{3} [ \d]?\d \d\d:\d\d:\d\d \d{4}\s*$")
# Line numbers and sizes of at most 9 and 10 digits: int() refuses thousands of digits.
_HUNK = re.compile(rb"^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@")
_INDEX = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})(?: ([0-7]{6}))?$")
_ADVISORY_DIR = re.compile(r"[A-Z][A-Z0-9]{0,15}-\d{4}-\d{4,}")
_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|aw|fwd?)\s*:\s*|\[[^\]]*\]\s*)+", re.IGNORECASE)
_B85 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_B85_VALUE = {c: i for i, c in enumerate(_B85)}


@dataclass(frozen=True)
class HunkLine:
    kind: str  # " ", "-" or "+"
    content: bytes  # with its newline, unless the file ends without one here
    line: int  # where in the patch file


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[HunkLine, ...]
    line: int

    @property
    def old(self) -> list[bytes]:
        return [h.content for h in self.lines if h.kind != "+"]

    @property
    def new(self) -> list[bytes]:
        return [h.content for h in self.lines if h.kind != "-"]


@dataclass(frozen=True)
class Binary:
    """The forward half of a ``GIT binary patch``: a literal file or a delta."""

    kind: str  # "literal" or "delta"
    data: bytes  # inflated


@dataclass(frozen=True)
class FileChange:
    old_path: str | None  # None: the fix creates the file
    new_path: str | None  # None: the fix deletes the file
    old_id: str | None  # blob ids as the patch records them (often abbreviated)
    new_id: str | None
    old_mode: int | None
    new_mode: int | None
    hunks: tuple[Hunk, ...]
    binary: Binary | None
    line: int
    copy: bool = False  # new_path is a copy of old_path, which stays

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    def added_lines(self) -> Iterator[HunkLine]:
        for hunk in self.hunks:
            for hunk_line in hunk.lines:
                if hunk_line.kind == "+":
                    yield hunk_line


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


@dataclass(frozen=True)
class HeldPatch:
    """``patches/ID/LINE.patch``: the fix of one advisory for one line."""

    advisory: str
    line: str
    path: Path  # as shown in messages: patches/ID/LINE.patch
    commits: tuple[PatchCommit, ...] = field(default=())


# --- parsing ----------------------------------------------------------------------------------


def _fail(path: Path | str, line: int | None, message: str) -> PatchError:
    where = f"{path}:{line}" if line else str(path)
    return PatchError(f"{where}: {message}")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; the raw text when they cannot be."""
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeError, email.errors.MessageError):
        return value


def _unquote_path(raw: bytes) -> str:
    """A path as git prints it: plain, or C-quoted ("a/t\\303\\244b") when unusual.
    Only UTF-8 paths are accepted (ValueError otherwise)."""
    if not (len(raw) >= 2 and raw[:1] == b'"' and raw[-1:] == b'"'):
        return raw.decode("utf-8")
    out = bytearray()
    body = raw[1:-1]
    i = 0
    escapes = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b"}
    escapes |= {b"f": b"\f", b"r": b"\r", b"v": b"\v"}
    while i < len(body):
        char = body[i : i + 1]
        if char == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            if nxt in escapes:
                out += escapes[nxt]
                i += 2
                continue
            if re.fullmatch(rb"[0-3][0-7]{2}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
        out += char
        i += 1
    return out.decode("utf-8")


def _safe_path(path: str) -> bool:
    """A relative path of ordinary names: no "", ".", "..", ".git" part, no control bytes."""
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in parts):
        return False
    return all(char.isprintable() or char == " " for char in path)


def _strip_prefix(path: str, prefix: str) -> str:
    return path[len(prefix) :] if path.startswith(prefix) else path


def _git_header_paths(rest: bytes) -> tuple[str | None, str | None]:
    """Paths from ``diff --git a/X b/Y`` (only used when no other header names them)."""
    if rest.startswith(b'"'):
        match = re.match(rb'^("(?:[^"\\]|\\.)*") (.*)$', rest)
        if not match:
            return None, None
        return _strip_prefix(_unquote_path(match[1]), "a/"), _strip_prefix(
            _unquote_path(match[2]), "b/"
        )
    text = rest.decode("utf-8", "replace")
    # "a/X b/X": both halves are the same path, so split in the middle.
    half = (len(text) - 1) // 2
    if len(text) % 2 == 1 and text[half] == " ":
        old, new = text[:half], text[half + 1 :]
        if old.startswith("a/") and new.startswith("b/") and old[2:] == new[2:]:
            return old[2:], new[2:]
    found = re.match(r"^a/(.*?) b/(.*)$", text)
    return (found[1], found[2]) if found else (None, None)


def _b85_decode(lines: list[bytes], path: Path | str, at: int) -> bytes:
    out = bytearray()
    for offset, raw in enumerate(lines):
        if not raw:
            continue
        size_char = raw[0]
        if 65 <= size_char <= 90:
            size = size_char - 64
        elif 97 <= size_char <= 122:
            size = size_char - 96 + 26
        else:
            raise _fail(path, at + offset, "malformed binary patch line")
        encoded = raw[1:]
        if len(encoded) % 5:
            raise _fail(path, at + offset, "malformed binary patch line")
        chunk = bytearray()
        for i in range(0, len(encoded), 5):
            value = 0
            for char in encoded[i : i + 5]:
                digit = _B85_VALUE.get(char)
                if digit is None:
                    raise _fail(path, at + offset, "malformed binary patch line")
                value = value * 85 + digit
            if value > 0xFFFFFFFF:
                raise _fail(path, at + offset, "malformed binary patch line")
            chunk += value.to_bytes(4, "big")
        if size > len(chunk):
            raise _fail(path, at + offset, "malformed binary patch line")
        out += chunk[:size]
    return bytes(out)


def _b85_encode(data: bytes) -> list[str]:
    lines = []
    for start in range(0, len(data), 52):
        chunk = data[start : start + 52]
        size = len(chunk)
        prefix = chr(64 + size) if size <= 26 else chr(96 + size - 26)
        padded = chunk + b"\0" * (-len(chunk) % 4)
        encoded = bytearray()
        for i in range(0, len(padded), 4):
            value = int.from_bytes(padded[i : i + 4], "big")
            digits = []
            for _ in range(5):
                value, digit = divmod(value, 85)
                digits.append(_B85[digit])
            encoded += bytes(reversed(digits))
        lines.append(prefix + encoded.decode("ascii"))
    return lines


def apply_delta(source: bytes, delta: bytes) -> bytes | None:
    """Apply a git binary delta; None when it does not fit ``source``."""

    def varint(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            if pos >= len(delta):
                raise IndexError
            byte = delta[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, pos

    try:
        source_size, pos = varint(0)
        target_size, pos = varint(pos)
        if source_size != len(source):
            return None
        out = bytearray()
        while pos < len(delta):
            op = delta[pos]
            pos += 1
            if op & 0x80:
                offset = size = 0
                for bit, shift in ((0x01, 0), (0x02, 8), (0x04, 16), (0x08, 24)):
                    if op & bit:
                        offset |= delta[pos] << shift
                        pos += 1
                for bit, shift in ((0x10, 0), (0x20, 8), (0x40, 16)):
                    if op & bit:
                        size |= delta[pos] << shift
                        pos += 1
                size = size or 0x10000
                if offset + size > len(source):
                    return None
                out += source[offset : offset + size]
            elif op:
                out += delta[pos : pos + op]
                pos += op
            else:
                return None
        return bytes(out) if len(out) == target_size else None
    except IndexError:
        return None


class _Lines:
    """The patch file's lines (without their newline) and a cursor; line numbers from 1."""

    def __init__(self, data: bytes) -> None:
        self.lines = data.split(b"\n")
        if self.lines and self.lines[-1] == b"":
            self.lines.pop()
        self.pos = 0

    @property
    def number(self) -> int:
        return self.pos + 1


def _parse_mode(raw: bytes, path: Path | str, line: int) -> int:
    """File modes of regular files and symlinks; a submodule or a tree is not a fix."""
    if not re.fullmatch(rb"(100644|100755|120000)", raw.strip()):
        raise _fail(path, line, f"unsupported file mode {raw.decode('ascii', 'replace')!r}")
    return int(raw.strip(), 8)


def _parse_file(cursor: _Lines, path: Path | str, end: int) -> FileChange:
    start = cursor.number
    header = cursor.lines[cursor.pos]
    cursor.pos += 1
    old_path, new_path = _git_header_paths(header[len(b"diff --git ") :])
    old_id = new_id = None
    old_mode = new_mode = None
    created = deleted = False
    rename_from = rename_to = None
    copy = False
    hunks: list[Hunk] = []
    binary: Binary | None = None
    saw_minus = saw_plus = False
    while cursor.pos < end:
        raw = cursor.lines[cursor.pos]
        number = cursor.number
        if raw.startswith((b"diff --git ", b"@@ ", b"GIT binary patch", b"Binary files ")):
            break
        cursor.pos += 1
        if raw.startswith(b"old mode "):
            old_mode = _parse_mode(raw[9:], path, number)
        elif raw.startswith(b"new mode "):
            new_mode = _parse_mode(raw[9:], path, number)
        elif raw.startswith(b"deleted file mode "):
            deleted, old_mode = True, _parse_mode(raw[18:], path, number)
        elif raw.startswith(b"new file mode "):
            created, new_mode = True, _parse_mode(raw[14:], path, number)
        elif raw.startswith((b"rename from ", b"copy from ")):
            copy = raw.startswith(b"copy")
            rename_from = _unquote_path(raw.split(b" ", 2)[2])
        elif raw.startswith((b"rename to ", b"copy to ")):
            rename_to = _unquote_path(raw.split(b" ", 2)[2])
        elif raw.startswith((b"similarity index ", b"dissimilarity index ")):
            pass
        elif match := _INDEX.match(raw):
            old_id, new_id = match[1].decode(), match[2].decode()
            if match[3]:
                mode = _parse_mode(match[3], path, number)
                old_mode, new_mode = old_mode or mode, new_mode or mode
        elif raw.startswith(b"--- "):
            saw_minus = True
            name = raw[4:].split(b"\t")[0]
            if name != b"/dev/null":
                old_path = _strip_prefix(_unquote_path(name), "a/")
        elif raw.startswith(b"+++ "):
            saw_plus = True
            name = raw[4:].split(b"\t")[0]
            if name != b"/dev/null":
                new_path = _strip_prefix(_unquote_path(name), "b/")
        else:
            raise _fail(path, number, "unexpected line in a file header")
    if saw_minus != saw_plus:
        raise _fail(path, start, "file header needs both --- and +++ lines")
    old_path = rename_from or old_path
    new_path = rename_to or new_path
    if not old_path and not new_path:
        raise _fail(path, start, "cannot tell which file this diff changes")
    if created:
        old_path = None
    if deleted:
        new_path = None
    while cursor.pos < end:
        raw = cursor.lines[cursor.pos]
        if raw.startswith(b"@@ "):
            hunks.append(_parse_hunk(cursor, path, end))
        elif raw.startswith(b"GIT binary patch"):
            binary = _parse_binary(cursor, path, end)
        elif raw.startswith(b"Binary files "):
            raise _fail(
                path,
                cursor.number,
                "binary change without its data: export with `git format-patch --binary`",
            )
        else:
            break
    for pth in (old_path, new_path):
        if pth is not None and not _safe_path(pth):
            raise _fail(path, start, f"unsafe path {pth!r}")
    unchanged = old_path == new_path and old_mode == new_mode and not (created or deleted)
    if not hunks and binary is None and unchanged:
        raise _fail(path, start, "file diff has no hunks")
    return FileChange(
        old_path=old_path,
        new_path=new_path,
        old_id=old_id,
        new_id=new_id,
        old_mode=old_mode,
        new_mode=new_mode,
        hunks=tuple(hunks),
        binary=binary,
        line=start,
        copy=copy,
    )


def _parse_hunk(cursor: _Lines, path: Path | str, end: int) -> Hunk:
    number = cursor.number
    match = _HUNK.match(cursor.lines[cursor.pos])
    if not match:
        raise _fail(path, number, "malformed hunk header")
    cursor.pos += 1
    old_start, new_start = int(match[1]), int(match[3])
    old_count = int(match[2]) if match[2] is not None else 1
    new_count = int(match[4]) if match[4] is not None else 1
    old_left, new_left = old_count, new_count
    lines: list[HunkLine] = []
    while cursor.pos < end:
        raw = cursor.lines[cursor.pos]
        if raw.startswith(b"\\"):  # "\\ No newline at end of file": the line before lacks one
            if lines:
                last = lines[-1]
                lines[-1] = HunkLine(last.kind, last.content.removesuffix(b"\n"), last.line)
            cursor.pos += 1
            continue
        if old_left <= 0 and new_left <= 0:
            break
        kind = raw[:1].decode("latin-1") or " "  # an empty line is an empty context line
        if kind not in " -+":
            break
        if kind in " -":
            old_left -= 1
        if kind in " +":
            new_left -= 1
        if old_left < 0 or new_left < 0:
            break
        lines.append(HunkLine(kind, raw[1:] + b"\n", cursor.number))
        cursor.pos += 1
    if old_left != 0 or new_left != 0:
        raise _fail(path, number, "hunk is shorter or longer than its header says")
    return Hunk(old_start, old_count, new_start, new_count, tuple(lines), number)


def _parse_binary(cursor: _Lines, path: Path | str, end: int) -> Binary:
    cursor.pos += 1
    sections: list[Binary] = []
    while cursor.pos < end and len(sections) < 2:
        raw = cursor.lines[cursor.pos]
        match = re.fullmatch(rb"(literal|delta) (\d{1,10})", raw)
        if not match:
            break
        at = cursor.number
        cursor.pos += 1
        body: list[bytes] = []
        while cursor.pos < end and cursor.lines[cursor.pos]:
            body.append(cursor.lines[cursor.pos])
            cursor.pos += 1
        cursor.pos += 1  # the blank line after the section
        size = int(match[2])
        if size > MAX_PATCH_BYTES * 4:
            raise _fail(path, at, "binary patch data is too large")
        try:
            inflater = zlib.decompressobj()
            data = inflater.decompress(_b85_decode(body, path, at + 1), size + 1)
        except zlib.error:
            raise _fail(path, at, "binary patch data does not inflate") from None
        if len(data) != size:
            raise _fail(path, at, "binary patch data has the wrong size")
        sections.append(Binary(match[1].decode(), data))
    if not sections:
        raise _fail(path, cursor.number, "GIT binary patch without literal or delta data")
    return sections[0]


def _headers(block: list[bytes], path: Path | str, first: int) -> dict[str, tuple[str, int]]:
    headers: dict[str, tuple[str, int]] = {}
    name: str | None = None
    for offset, raw in enumerate(block):
        text = raw.decode("utf-8", "replace").rstrip("\r")
        if text[:1] in (" ", "\t") and name is not None:
            value, at = headers[name]
            headers[name] = (value + " " + text.strip(), at)
            continue
        key, sep, value = text.partition(":")
        if not sep or not key or " " in key:
            raise _fail(path, first + offset, "malformed mail header")
        name = key.strip().lower()
        headers[name] = (value.strip(), first + offset)
    return headers


def _plain(text: str) -> bool:
    return bool(text.strip()) and not any(c in "<>\n\r\0" for c in text) and text.isprintable()


def _parse_mail(cursor: _Lines, path: Path | str, end: int, from_line: int | None) -> PatchCommit:
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
            raise _fail(path, start, f"mail has no {required.title()}: header")
    encoding = headers.get("content-transfer-encoding", ("8bit", 0))[0].lower()
    if encoding not in ("7bit", "8bit", "binary"):
        raise _fail(path, headers["content-transfer-encoding"][1], f"{encoding} is not supported")
    raw_from, author_line = headers["from"]
    try:
        name, address = email.utils.parseaddr(raw_from)
    except RecursionError:  # the parser recurses into nested "(comments)"
        name, address = "", ""
    if not address or "@" not in address:
        raise _fail(path, author_line, "From: needs Name <email>")
    name = _decode_words(name) or address
    raw_date, date_line = headers["date"]
    try:
        moment = email.utils.parsedate_to_datetime(raw_date)
        offset = moment.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        when = int(moment.timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        raise _fail(path, date_line, "Date: is not an RFC 2822 date") from None
    if not (0 <= when < 2**40 and -1440 < minutes < 1440):
        raise _fail(path, date_line, "Date: is out of range")
    if not _plain(name) or not _plain(address) or " " in address:
        raise _fail(path, author_line, "From: name and address must be plain text without <>")
    author = Person(name.strip(), address, when, minutes)
    raw_subject, subject_line = headers["subject"]
    subject = _SUBJECT_PREFIX.sub("", _decode_words(raw_subject)).strip()
    if not subject:
        raise _fail(path, subject_line, "Subject: is empty")

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
                files.append(_parse_file(cursor, path, end))
            except UnicodeDecodeError:
                raise _fail(path, at, "file names must be UTF-8") from None
        elif raw == b"-- ":
            break  # the signature
        elif not raw.strip():
            cursor.pos += 1
        else:
            raise _fail(path, cursor.number, "unexpected line between file diffs")
    if not files:
        raise _fail(path, start, "mail has no diff (diff --git ...)")
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


def parse_mbox(data: bytes, path: Path | str) -> list[PatchCommit]:
    """Parse a ``git format-patch`` file (one or more mails); PatchError names file:line."""
    if len(data) > MAX_PATCH_BYTES:
        raise _fail(path, None, "larger than 64 MiB")
    if b"\0" in data:
        raise _fail(path, None, "is not a text patch (contains NUL bytes)")
    cursor = _Lines(data)
    starts = [i for i, raw in enumerate(cursor.lines) if _FROM_LINE.match(raw)]
    if not starts:
        first = cursor.lines[0] if cursor.lines else b""
        if not first.startswith(b"From: "):
            raise _fail(path, 1, "not a git format-patch mbox (expected 'From <commit> <date>')")
        starts = [-1]
    elif any(raw.strip() for raw in cursor.lines[: starts[0]]):
        raise _fail(path, 1, "not a git format-patch mbox (text before the first mail)")
    commits = []
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(cursor.lines)
        cursor.pos = begin + 1
        commits.append(_parse_mail(cursor, path, end, begin + 1 if begin >= 0 else None))
    return commits


# --- applying -------------------------------------------------------------------------------


def _split(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    last = lines.pop()
    out = [line + b"\n" for line in lines]
    if last:
        out.append(last)
    return out


def apply_hunks(data: bytes, hunks: Iterable[Hunk], *, search: bool) -> bytes | None:
    """Apply hunks to ``data``; None when one does not fit.

    Exactly at the recorded line numbers when ``search`` is False (the preimage is the very
    blob the patch was made from), else at the nearest place where the hunk's context and
    removed lines match (``git apply`` without fuzz).
    """
    source = _split(data)
    out: list[bytes] = []
    cursor = 0
    delta = 0
    for hunk in hunks:
        old, new = hunk.old, hunk.new
        wanted = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        wanted = max(wanted, 0)
        if search:
            wanted += delta
        position = _find(source, old, wanted, cursor, search)
        if position is None:
            return None
        if search:
            delta = position - (hunk.old_start - 1 if hunk.old_count else hunk.old_start)
        out.extend(source[cursor:position])
        out.extend(new)
        cursor = position + len(old)
    out.extend(source[cursor:])
    return b"".join(out)


def _find(
    source: list[bytes], old: list[bytes], wanted: int, floor: int, search: bool
) -> int | None:
    def fits(at: int) -> bool:
        return at >= floor and at + len(old) <= len(source) and source[at : at + len(old)] == old

    if fits(wanted):
        return wanted
    if not search:
        return None
    for distance in range(1, len(source) + 1):
        for at in (wanted - distance, wanted + distance):
            if fits(at):
                return at
        if wanted - distance < floor and wanted + distance > len(source):
            break
    return None


@dataclass(frozen=True)
class Applied:
    """The outcome of applying one held commit: conflicting paths, or whether it changed."""

    conflicts: tuple[str, ...] = ()
    changed: bool = False


def _theirs(change: FileChange, base_data: bytes | None, exact: bool) -> bytes | None:
    if change.binary is not None:
        if change.binary.kind == "literal":
            return change.binary.data
        return apply_delta(base_data or b"", change.binary.data)
    if base_data is None:
        return None
    return apply_hunks(base_data, change.hunks, search=not exact)


def apply_commit(repo: ProductRepo, editor: TreeEditor, commit: PatchCommit) -> Applied:
    """Apply one held commit onto the tree in ``editor``, in memory, like ``git cherry-pick``.

    For every file the fix touches, the fix's own parent (the preimage blob its ``index``
    line records) is the merge base, the fix is "theirs" and the tree is "ours"; libgit2
    merges the three, so a fix made on an older tip still carries over when nothing
    conflicts. When the preimage blob is not in the clone, the hunks are applied to the
    tree's file directly (as ``git apply -3`` does without the blobs). ``editor`` is updated
    only when every file merges cleanly.
    """
    base: dict[str, Entry | None] = {}
    ours: dict[str, Entry | None] = {}
    theirs: dict[str, Entry | None] = {}
    conflicts: list[str] = []
    for change in commit.files:
        old, new = change.old_path, change.new_path
        for path in (old, new):
            if path is not None and path not in ours:
                ours[path] = editor.get(path)
        if new is not None and new != old and ours[new] is None and editor.blocked(new):
            conflicts.append(new)  # a file where the tree has a directory, or below a file
            continue
        if old is None:
            assert new is not None
            post = _theirs(change, b"", exact=True)
            if post is None:
                conflicts.append(new)
                continue
            base.setdefault(new, None)
            theirs[new] = Entry(repo.write_blob(post), int(change.new_mode or 0o100644))
            continue
        base_entry: Entry | None = None
        post = None
        found = repo.find_blob(change.old_id) if change.old_id else None
        if found is not None:
            mode = change.old_mode or _mode_of(ours[old]) or 0o100644
            base_entry = Entry(found, int(mode))
            if new is not None:
                post = _theirs(change, repo.read_blob(found), exact=True)
                if post is None or not _matches(repo, post, change.new_id):
                    base_entry = None  # not the blob the fix was made from after all
        if base_entry is None:
            current = ours[old]
            if current is None:
                if new is not None:
                    conflicts.append(old)
                continue  # a deleted file that is already gone
            base_entry = current
            if new is not None:
                post = _theirs(change, repo.read_blob(current.oid), exact=False)
                if post is None:
                    conflicts.append(old)
                    continue
        assert new is None or post is not None
        mode = change.new_mode or change.old_mode or base_entry.mode
        if change.copy:
            assert new is not None
            assert post is not None
            base.setdefault(new, None)
            theirs[new] = Entry(repo.write_blob(post), int(mode))
            continue
        base[old] = base_entry
        if new is None:
            theirs[old] = None
            continue
        assert post is not None
        theirs[new] = Entry(repo.write_blob(post), int(mode))
        if old != new:
            theirs.setdefault(old, None)
            base.setdefault(new, None)
    if conflicts:
        return Applied(conflicts=tuple(sorted(set(conflicts))))
    outcome = repo.merge_paths(base, ours, theirs)
    if outcome.conflicts:
        return Applied(conflicts=outcome.conflicts)
    for path, entry in sorted(outcome.changes.items()):
        editor.set(path, entry)
    return Applied(changed=bool(outcome.changes))


def _mode_of(entry: Entry | None) -> int | None:
    return entry.mode if entry is not None else None


def _matches(repo: ProductRepo, data: bytes, recorded: str | None) -> bool:
    if not recorded or set(recorded) == {"0"}:
        return True
    return repo.hash_blob(data).startswith(recorded)


# --- the store ------------------------------------------------------------------------------


def patch_path(settings: Settings, advisory: str, line: str) -> Path:
    return settings.patches_dir / advisory / f"{line}.patch"


def read_patch(settings: Settings, path: Path) -> HeldPatch:
    """Read and parse one held fix; PatchError names the file and line at fault."""
    shown = display_path(settings, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(shown, None, f"cannot be read: {exc.strerror}") from None
    commits = parse_mbox(data, shown)
    return HeldPatch(path.parent.name, path.stem, shown, tuple(commits))


def held_patches(settings: Settings) -> dict[tuple[str, str], Path]:
    """Every ``patches/ID/LINE.patch``: (advisory id, line) -> path. Misnamed files: BadInput."""
    found: dict[tuple[str, str], Path] = {}
    root = settings.patches_dir
    if not root.is_dir():
        return found
    for directory in sorted(root.iterdir()):
        if directory.name.startswith("."):
            continue
        if not directory.is_dir() or not _ADVISORY_DIR.fullmatch(directory.name):
            shown = display_path(settings, directory)
            raise BadInput(f"{shown}: expected a directory named after an advisory id")
        for path in sorted(directory.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".patch" or not _is_line(path.stem):
                shown = display_path(settings, path)
                raise BadInput(f"{shown}: expected LINE.patch (like 10.3.patch)")
            found[(directory.name, path.stem)] = path
    return found


def _is_line(text: str) -> bool:
    if not re.fullmatch(r"\d+(\.\d+)+", text):
        return False
    try:
        Version(text)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return False
    return True


# --- export (`patch add --from`) -----------------------------------------------------------


def _address(person: Person) -> str:
    name = person.name
    if not name.isascii():
        name = email.header.Header(name, "utf-8").encode()
        return f"{name} <{person.email}>"
    return email.utils.formataddr((name, person.email))


def _date(person: Person) -> str:
    zone = timezone(timedelta(minutes=person.offset))
    return email.utils.format_datetime(datetime.fromtimestamp(person.time, zone))


def format_patch(repo: ProductRepo, commits: list[str]) -> bytes:
    """The ``git format-patch --binary`` mbox of ``commits`` (oldest first)."""
    mails: list[str] = []
    total = len(commits)
    for number, oid in enumerate(commits, 1):
        info = repo.commit(oid)
        paragraphs = info.message.strip("\n").split("\n\n", 1)
        subject = " ".join(part.strip() for part in paragraphs[0].splitlines())
        body = paragraphs[1].strip("\n") + "\n" if len(paragraphs) > 1 else ""
        prefix = "[PATCH]" if total == 1 else f"[PATCH {number}/{total}]"
        subject_header = f"{prefix} {subject}"
        if not subject_header.isascii():
            subject_header = f"{prefix} " + email.header.Header(subject, "utf-8").encode()
        stat, diff = repo.commit_patch(oid)
        headers = [
            f"From {oid} Mon Sep 17 00:00:00 2001",
            f"From: {_address(info.author)}",
            f"Date: {_date(info.author)}",
            f"Subject: {subject_header}",
        ]
        if not (info.message + info.author.name).isascii():
            headers += [
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 8bit",
            ]
        text = "\n".join(headers) + "\n\n" + (body + "\n" if body else "")
        text = text.rstrip("\n") + "\n" if body else text
        text += "---\n" + stat + "\n" + diff + "-- \nreleasekit\n\n"
        mails.append(text)
    return "".join(mails).encode("utf-8", "surrogateescape")


# --- patch add ----------------------------------------------------------------------------


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
        raise BadInput(f"{advisory_id}: no such advisory (advisories/{advisory_id}.md)")
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
            f"--line {line}: no such release line (known: {available}; "
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


def encode_literal(data: bytes) -> list[str]:
    """``literal N`` lines of a GIT binary patch (used by tests and tooling)."""
    return [f"literal {len(data)}", *_b85_encode(zlib.compress(data)), ""]


__all__ = [
    "Applied",
    "FileChange",
    "HeldPatch",
    "Hunk",
    "PatchCommit",
    "add_patch",
    "apply_commit",
    "apply_delta",
    "apply_hunks",
    "format_patch",
    "held_patches",
    "parse_mbox",
    "read_patch",
]

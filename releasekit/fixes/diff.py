"""One file's diff inside a ``git format-patch`` mail: its header (paths, modes, blob ids,
renames and copies), its text hunks and its binary data, with the patch file's line numbers
kept for messages and the lint."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from releasekit.fixes.binary import MalformedLine, b85_decode, delta_size
from releasekit.support.errors import PatchError
from releasekit.support.text import visible

MAX_PATCH_BYTES = 64 * 1024 * 1024
# The line git format-patch puts before its signature (the git version): it ends the mail's
# last file diff, which may be a header only (an empty file, a mode change, a rename).
SIGNATURE = b"-- "
# All the binary data of one patch file, inflated, and the files its deltas make: a patch of
# many binary sections inflated to gigabytes (MemoryError), and every plan did it again.
MAX_INFLATED = 64 * 1024 * 1024
# Line numbers and sizes of at most 9 and 10 digits: int() refuses thousands of digits.
_HUNK = re.compile(rb"^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@")
# What ends a file diff's header besides the signature: the next file diff, a hunk, binary data.
_AFTER_HEADER = (b"diff --git ", b"@@ ", b"GIT binary patch", b"Binary files ")
_INDEX = re.compile(rb"^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})(?: ([0-7]{6}))?$")


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
    """What a fix does to one file: create, delete, rename, copy, change mode or contents."""

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


def patch_error(path: Path | str, line: int | None, message: str) -> PatchError:
    """A PatchError that names ``path:line`` (or only the path); a path given on the command
    line is data too: its line breaks and controls are shown as escapes, on one line."""
    where = visible(str(path))
    where = f"{where}:{line}" if line else where
    return PatchError(f"{where}: {message}")


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


class Cursor:
    """The patch file's lines (without their newline) and a cursor; line numbers from 1."""

    def __init__(self, data: bytes) -> None:
        self.lines = data.split(b"\n")
        if self.lines and self.lines[-1] == b"":
            self.lines.pop()
        self.pos = 0
        self.inflate_left = MAX_INFLATED  # what the binary data may still inflate to

    def inflate(self, size: int, path: Path | str, line: int) -> None:
        """Count ``size`` bytes of inflated binary data against the patch's budget."""
        if size > self.inflate_left:
            limit = MAX_INFLATED // (1024 * 1024)
            raise patch_error(path, line, f"binary data inflates to more than {limit} MiB")
        self.inflate_left -= size

    @property
    def number(self) -> int:
        return self.pos + 1


def _parse_mode(raw: bytes, path: Path | str, line: int) -> int:
    """File modes of regular files and symlinks; a submodule or a tree is not a fix."""
    if not re.fullmatch(rb"(100644|100755|120000)", raw.strip()):
        raise patch_error(path, line, f"unsupported file mode {raw.decode('ascii', 'replace')!r}")
    return int(raw.strip(), 8)


def parse_file_diff(cursor: Cursor, path: Path | str, end: int) -> FileChange:
    """The file diff that starts at the cursor's ``diff --git`` line (and ends before
    ``end``); the cursor moves past it. PatchError names ``path`` and the line at fault."""
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
        if raw == SIGNATURE or raw.startswith(_AFTER_HEADER):
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
            raise patch_error(path, number, "unexpected line in a file header")
    if saw_minus != saw_plus:
        raise patch_error(path, start, "file header needs both --- and +++ lines")
    old_path = rename_from or old_path
    new_path = rename_to or new_path
    if not old_path and not new_path:
        raise patch_error(path, start, "cannot tell which file this diff changes")
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
            raise patch_error(
                path,
                cursor.number,
                "binary change without its data: export with `git format-patch --binary`",
            )
        else:
            break
    for pth in (old_path, new_path):
        if pth is not None and not _safe_path(pth):
            raise patch_error(path, start, f"unsafe path {pth!r}")
    unchanged = old_path == new_path and old_mode == new_mode and not (created or deleted)
    if not hunks and binary is None and unchanged:
        raise patch_error(path, start, "file diff has no hunks")
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


def _parse_hunk(cursor: Cursor, path: Path | str, end: int) -> Hunk:
    number = cursor.number
    match = _HUNK.match(cursor.lines[cursor.pos])
    if not match:
        raise patch_error(path, number, "malformed hunk header")
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
        raise patch_error(path, number, "hunk is shorter or longer than its header says")
    return Hunk(old_start, old_count, new_start, new_count, tuple(lines), number)


def _parse_binary(cursor: Cursor, path: Path | str, end: int) -> Binary:
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
        cursor.inflate(size, path, at)
        try:
            inflater = zlib.decompressobj()
            data = inflater.decompress(b85_decode(body), size + 1)
        except MalformedLine as bad:
            raise patch_error(path, at + 1 + bad.index, "malformed binary patch line") from None
        except zlib.error:
            raise patch_error(path, at, "binary patch data does not inflate") from None
        if len(data) != size:
            raise patch_error(path, at, "binary patch data has the wrong size")
        if match[1] == b"delta":  # the file it makes counts too: a byte may copy 64 KiB
            made = delta_size(data)
            if made is None:
                raise patch_error(path, at, "malformed binary delta")
            cursor.inflate(made, path, at)
        sections.append(Binary(match[1].decode(), data))
    if not sections:
        raise patch_error(path, cursor.number, "GIT binary patch without literal or delta data")
    return sections[0]

"""The data of a ``GIT binary patch``: git's base85 lines, and the binary delta format.

Pure codecs: they know nothing of patch files; the parser turns their errors into messages
that name the file and line.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

_B85 = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_B85_VALUE = {c: i for i, c in enumerate(_B85)}


class MalformedLine(ValueError):
    """A base85 line that does not decode; ``index`` counts the lines given from 0."""

    def __init__(self, index: int) -> None:
        super().__init__(f"malformed binary patch line (line {index + 1} of the data)")
        self.index = index


def b85_decode(lines: list[bytes]) -> bytes:
    """The bytes of git's base85 lines (each led by a letter that gives its length)."""
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
            raise MalformedLine(offset)
        encoded = raw[1:]
        if len(encoded) % 5:
            raise MalformedLine(offset)
        chunk = bytearray()
        for i in range(0, len(encoded), 5):
            value = 0
            for char in encoded[i : i + 5]:
                digit = _B85_VALUE.get(char)
                if digit is None:
                    raise MalformedLine(offset)
                value = value * 85 + digit
            if value > 0xFFFFFFFF:
                raise MalformedLine(offset)
            chunk += value.to_bytes(4, "big")
        if size > len(chunk):
            raise MalformedLine(offset)
        out += chunk[:size]
    return bytes(out)


def b85_encode(data: bytes) -> list[str]:
    """git's base85 lines of ``data``, 52 bytes a line."""
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


def _varint(delta: bytes, pos: int) -> tuple[int, int]:
    """A size of the delta's header and the position after it; IndexError past its end."""
    value = shift = 0
    while True:
        if pos >= len(delta) or shift > 63:
            raise IndexError
        byte = delta[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def delta_size(delta: bytes) -> int | None:
    """The size of the file a git binary delta makes (from its header); None if malformed."""
    try:
        _, pos = _varint(delta, 0)
        return _varint(delta, pos)[0]
    except IndexError:
        return None


@dataclass(frozen=True, slots=True)
class Copy:
    """A delta's copy: ``size`` bytes of the source from ``offset``."""

    offset: int
    size: int


def delta_ops(delta: bytes) -> Iterator[Copy | bytes]:
    """The operations of a git binary delta after its header, in order: a :class:`Copy` or
    the bytes it inserts. Raises ValueError where it is malformed (after the operations
    before that point)."""
    try:
        _, pos = _varint(delta, 0)
        _, pos = _varint(delta, pos)
        while pos < len(delta):
            op = delta[pos]
            pos += 1
            if op & 0x80:  # copy: up to 4 offset and 3 size bytes, one bit each
                offset = size = 0
                for bit, shift in ((0x01, 0), (0x02, 8), (0x04, 16), (0x08, 24)):
                    if op & bit:
                        offset |= delta[pos] << shift
                        pos += 1
                for bit, shift in ((0x10, 0), (0x20, 8), (0x40, 16)):
                    if op & bit:
                        size |= delta[pos] << shift
                        pos += 1
                yield Copy(offset, size or 0x10000)
            elif op:  # insert the next `op` bytes
                if pos + op > len(delta):
                    raise IndexError
                yield delta[pos : pos + op]
                pos += op
            else:
                raise IndexError  # opcode 0 is reserved
    except IndexError:
        raise ValueError("malformed delta") from None


def apply_delta(source: bytes, delta: bytes) -> bytes | None:
    """Apply a git binary delta; None when it does not fit ``source``. It never makes more
    than the size its header names (a copy of 64 KiB per byte would, soon)."""
    try:
        source_size, pos = _varint(delta, 0)
        target_size, _ = _varint(delta, pos)
    except IndexError:
        return None
    if source_size != len(source):
        return None
    out = bytearray()
    try:
        for op in delta_ops(delta):
            if isinstance(op, Copy):
                if op.offset + op.size > len(source):
                    return None
                out += source[op.offset : op.offset + op.size]
            else:
                out += op
            if len(out) > target_size:
                return None
    except ValueError:
        return None
    return bytes(out) if len(out) == target_size else None


def encode_literal(data: bytes) -> list[str]:
    """``literal N`` lines of a GIT binary patch (used by tests and tooling)."""
    return [f"literal {len(data)}", *b85_encode(zlib.compress(data)), ""]

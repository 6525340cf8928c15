"""The text inside a binary file that a push would publish, as ``strings`` shows it (pure).

A binary change pushes its bytes as they are, and any readable run in them is readable to
everyone: the lint checks the runs of at least :data:`MIN_RUN` characters of UTF-8 text
(ASCII included) and of UTF-16LE text at either alignment. A literal is read
whole; of a delta, only the data it inserts (what it copies comes from the file as it was).
"""

from __future__ import annotations

import re

from releasekit.fixes.binary import delta_ops
from releasekit.fixes.diff import Binary

MIN_RUN = 4
# Decoded as UTF-8 with invalid bytes replaced: anything but controls (tab aside),
# line breaks and the replacement character. Invisible characters stay: folding drops them.
_UTF8_RUN = re.compile(rf"[^\x00-\x08\x0a-\x1f\x7f-\x9f\ufffd]{{{MIN_RUN},}}")
# Decoded as UTF-16LE: Latin, Greek, Cyrillic, general punctuation (invisible characters
# included) and fullwidth forms; other code units are noise far more often than text.
_UTF16_RUN = re.compile(
    rf"[\t\x20-\x7e\xa0-\u024f\u0370-\u04ff\u2000-\u206f\uff00-\uffef]{{{MIN_RUN},}}"
)


def binary_strings(binary: Binary) -> list[str]:
    """The runs of text in what a binary change writes, in the order of the data."""
    chunks = [binary.data] if binary.kind == "literal" else delta_inserts(binary.data)
    return [run for chunk in chunks for run in strings(chunk)]


def strings(data: bytes) -> list[str]:
    runs = _UTF8_RUN.findall(data.decode("utf-8", "replace"))
    for start in (0, 1):
        runs.extend(_UTF16_RUN.findall(data[start:].decode("utf-16-le", "replace")))
    return runs


def delta_inserts(delta: bytes) -> list[bytes]:
    """The data a git binary delta inserts, one chunk per stretch between copies; the whole
    delta when it is malformed (so that nothing in it goes unread)."""
    chunks: list[bytes] = []
    current: list[bytes] = []
    try:
        for op in delta_ops(delta):
            if isinstance(op, bytes):
                current.append(op)
            elif current:
                chunks.append(b"".join(current))
                current = []
    except ValueError:
        return [delta]
    if current:
        chunks.append(b"".join(current))
    return chunks

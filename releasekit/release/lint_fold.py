"""The folded form of text that the leak lint matches words in (pure).

Folding makes a look-alike read as the letters it imitates: compatibility forms (fullwidth
and mathematical letters, ligatures) become their plain letters, other scripts' decimal
digits become ASCII digits, combining marks go, invisible characters (zero-width spaces
and joiners, soft hyphens, word joiners, bidi controls, fillers) and control characters
go, other spaces become a space, and a letter that Unicode's confusables data gives an
ASCII look-alike (Cyrillic ``ѕ`` for ``s``), or that Unicode names as a Latin letter in
another guise (small capital ``ᴇ``, squared ``🆇``), becomes that letter in its own case.
ASCII text is its own folded form. A :class:`Folded` keeps the way back from a position
in the folded text to the original, so that a finding names the original line and column.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SPECIAL = re.compile(r"[^\t\n\r\x0b\x0c\x20-\x7e]+")  # what folding may change
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_DROPPED = frozenset({"Cc", "Cf", "Mn", "Me"})  # controls, format characters, combining marks
_SPACES = frozenset({"Zs", "Zl", "Zp"})
# Default-ignorable characters outside those categories: Hangul fillers, and the unassigned
# code points reserved as ignorable (U+2065, U+FFF0..U+FFF8, U+E0000..U+E0FFF).
_FILLERS = frozenset({0x115F, 0x1160, 0x3164, 0xFFA0, 0x2065, *range(0xFFF0, 0xFFF9)})
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
# Unicode's name of a Latin letter that is a plain letter in another guise (small capitals,
# squared letters) and that the confusables data leaves out.
_LATIN_LETTER = re.compile(r"\bLATIN (?:CAPITAL |SMALL )?LETTER (?:SMALL CAPITAL )?([A-Z])$")


@functools.lru_cache(maxsize=65536)
def _prototype(char: str) -> str | None:
    """The ASCII letter or digit that Unicode's confusables data gives as what ``char``
    looks like, if any."""
    # Imported here: its data takes a noticeable time to load, and only non-ASCII text
    # needs it.
    from confusable_homoglyphs import confusables

    for found in confusables.is_confusable(char, greedy=True) or ():
        for homoglyph in found["homoglyphs"]:
            if homoglyph["c"] in _ASCII_ALNUM:
                return str(homoglyph["c"])
    return None


def _look_alike(char: str) -> str:
    """The ASCII letter ``char`` imitates, in ``char``'s case; ``char`` when none."""
    lower = char.lower()
    target = (_prototype(lower) if len(lower) == 1 else None) or _prototype(char)
    if target is None:
        named = _LATIN_LETTER.search(unicodedata.name(char, ""))
        if named is None:
            return char
        target = named[1]
    if char.isupper():
        return target.upper()
    return target.lower() if char.islower() else target


@functools.lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """The folded form of one character (empty when it is invisible)."""
    category = unicodedata.category(char)
    if char in "\t\n\r\x0b\x0c":
        return char
    if category in _DROPPED or ord(char) in _FILLERS or 0xE0000 <= ord(char) <= 0xE0FFF:
        return ""
    if category in _SPACES:
        return " "
    if category == "Nd":
        return str(unicodedata.decimal(char))
    parts = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.category(part) in _DROPPED:
            continue
        parts.append(part if part.isascii() else _look_alike(part))
    return "".join(parts)


def _lower(text: str) -> str:
    """``text`` lowercased without changing its length."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else text.translate(_ASCII_LOWER)


@dataclass(frozen=True)
class Folded:
    """Folded text, its lowercase (of the same length), and the way back to the original.

    The folded text is a sequence of segments, the k-th starting at ``folded_at[k]`` and
    made from ``source`` from ``original_at[k]`` on. An exact segment maps character to
    character. Any other is a cluster of characters that fold to more or fewer than one,
    whose way back is worked out from ``table`` when first asked for.
    """

    text: str
    lower: str
    source: str
    table: Mapping[int, str] = field(default_factory=dict)
    folded_at: tuple[int, ...] = (0,)
    original_at: tuple[int, ...] = (0,)
    exact: tuple[bool, ...] = (True,)
    _ends: dict[int, list[int]] = field(default_factory=dict, compare=False, repr=False)

    def original(self, begin: int, end: int) -> tuple[int, int]:
        """The span of ``source`` that the folded ``text[begin:end]`` came from."""
        return self._source_at(begin), self._source_at(end - 1) + 1

    def _source_at(self, at: int) -> int:
        """Where in ``source`` is the character that folded position ``at`` comes from."""
        segment = bisect.bisect_right(self.folded_at, at) - 1
        start = self.original_at[segment]
        if self.exact[segment]:
            return start + at - self.folded_at[segment]
        ends = self._ends.get(segment)
        if ends is None:  # the folded length up to and with each character of the cluster
            stop = self.original_at[segment + 1]
            lengths = (len(self.table.get(ord(char), char)) for char in self.source[start:stop])
            ends = self._ends[segment] = list(itertools.accumulate(lengths))
        return start + bisect.bisect_right(ends, at - self.folded_at[segment])

    def reversed(self) -> tuple[str, str]:
        return self.text[::-1], self.lower[::-1]


def fold(text: str) -> Folded:
    """The folded form of ``text``, in time linear in its length: characters are folded by
    ``str.translate``, over stretches found by regular expressions."""
    if text.isascii() and not _ASCII_CONTROL.search(text):
        return Folded(text, text.lower(), text)
    runs = _SPECIAL.findall(text)
    table = {}
    for char in set("".join(runs)):
        folded = fold_char(char)
        if folded != char:
            table[ord(char)] = folded
    odd = "".join(re.escape(chr(code)) for code, value in table.items() if len(value) != 1)
    if not odd:
        folded_text = text.translate(table)
        return Folded(folded_text, _lower(folded_text), text, table)
    # Clusters of characters that fold to more or fewer than one, close together; bounded,
    # so that working out the way back through one stays cheap.
    clusters = re.compile(f"[{odd}]{{1,256}}(?:[^{odd}]{{0,16}}[{odd}]{{1,256}}){{0,255}}")
    builder = _Builder(text, table)
    if len(runs) * 20 > len(text):  # dense: one translate is cheaper than one per run
        builder.fold(clusters, 0, len(text))
    else:
        for run in _SPECIAL.finditer(text):
            builder.fold(clusters, *run.span())
    return builder.done()


class _Builder:
    """The folded text, segment by segment."""

    def __init__(self, text: str, table: dict[int, str]) -> None:
        self.text = text
        self.table = table
        self.pieces: list[str] = []
        self.length = self.position = 0
        self.folded_at = [0]
        self.original_at = [0]
        self.exact = [True]

    def _take(self, end: int, *, translate: bool = True) -> None:
        piece = self.text[self.position : end]
        if translate:
            piece = piece.translate(self.table)
        self.pieces.append(piece)
        self.length += len(piece)
        self.position = end

    def _mark(self, exact: bool) -> None:
        self.folded_at.append(self.length)
        self.original_at.append(self.position)
        self.exact.append(exact)

    def fold(self, clusters: re.Pattern[str], begin: int, end: int) -> None:
        """Fold ``text[begin:end]``, after the text before it (which folds to itself)."""
        self._take(begin, translate=False)
        for cluster in clusters.finditer(self.text, begin, end):
            self._take(cluster.start())
            self._mark(False)
            self._take(cluster.end())
            self._mark(True)
        self._take(end)

    def done(self) -> Folded:
        self._take(len(self.text), translate=False)
        folded = "".join(self.pieces)
        return Folded(
            folded,
            _lower(folded),
            self.text,
            self.table,
            tuple(self.folded_at),
            tuple(self.original_at),
            tuple(self.exact),
        )


def fold_word(word: str) -> str:
    return "".join(fold_char(char) for char in word)


def visible(text: str) -> str:
    """``text`` with tabs as spaces, and as escapes every character a terminal would not
    show as itself: controls, and invisible, bidi and combining characters."""
    return "".join(_visible_char(char) for char in text)


def _visible_char(char: str) -> str:
    if char == "\t":
        return " "
    if char.isprintable() and (fold_char(char) or char == " "):
        return char
    code = ord(char)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )

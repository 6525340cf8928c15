"""Which characters a field may hold, and how the terminal shows the rest (support.text)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from releasekit.support.text import encodable, refused, visible


@pytest.mark.parametrize(
    ("char", "kind"),
    [
        ("\x00", "a control character (U+0000)"),
        ("\x1b", "a control character (U+001B)"),
        ("\x7f", "a control character (U+007F)"),
        ("\x85", "a control character (U+0085)"),
        ("\x9b", "a control character (U+009B)"),
        ("\ud800", "a lone surrogate (not UTF-8 text) (U+D800)"),
        ("\ufdd0", "a noncharacter (U+FDD0)"),
        ("\uffff", "a noncharacter (U+FFFF)"),
        ("\U0010fffe", "a noncharacter (U+10FFFE)"),
        ("\n", "a line break (U+000A)"),
        ("\u2028", "a line break (U+2028)"),
        ("\r", "a line break (U+000D)"),
    ],
)
def test_a_one_line_field_refuses(char: str, kind: str) -> None:
    assert refused(f"ab{char}cd") == (2, f"contains {kind}; remove it")


def test_line_breaks_only_where_a_field_spans_lines() -> None:
    assert refused("a\nb\tc\u2028d", lines=True) is None
    assert refused("a\r\nb", lines=True) == (1, "contains a line break (U+000D); remove it")
    assert refused("a\r\nb", lines=True, returns=True) is None
    assert refused("a\x0cb", lines=True, returns=True) is not None


def test_ordinary_text_of_any_script_is_accepted() -> None:
    for text in ("Jörg Müller", "Ошибка", "日本語", "مرحبا\u200c", "\u202eevil", "\t", "😀"):
        assert refused(text) is None, text


def test_every_control_and_format_character_is_escaped_for_the_terminal() -> None:
    for code in range(0x10000):
        char = chr(code)
        shown = visible(f"a{char}b")
        dangerous = unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        if dangerous and char != "\t":
            assert shown == f"a\\{'x' if code < 0x100 else 'u'}{code:0{2 if code < 0x100 else 4}x}b"
        else:
            assert shown == f"a{char}b", hex(code)


def test_visible_keeps_line_feeds_only_in_bodies() -> None:
    assert visible("one\ntwo\r\x1b]52;c;x\x07") == "one\\x0atwo\\x0d\\x1b]52;c;x\\x07"
    assert visible("one\ntwo\r", lines=True) == "one\ntwo\\x0d"
    assert visible("\U000e0001tag") == "\\U000e0001tag"
    assert visible("plain text, [markup] and all") == "plain text, [markup] and all"


def _first_refused(text: str, lines: bool, returns: bool) -> int | None:
    """The offset that refused() must give, tested one character at a time."""
    for offset, char in enumerate(text):
        code = ord(char)
        allowed_breaks = ("\n", "\u2028", "\u2029") if lines else ()
        if char == "\r" and lines and returns:
            continue
        if char in allowed_breaks or char == "\t":
            continue
        if (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or 0xFDD0 <= code <= 0xFDEF
            or code & 0xFFFE == 0xFFFE
            or char in "\n\r\u2028\u2029"
        ):
            return offset
    return None


def test_refused_finds_the_first_refused_character_in_any_text() -> None:
    # Text without characters beyond U+FFFF is searched apart (faster): both ways must
    # find the same first character, whichever characters come before it.
    rng = random.Random(16)
    pool = [*"ab é\t\n\r", "\u2028", "\x00", "\x85", "\ud800", "\ufdd0", "\uffff", "😀"]
    pool += ["\U0001fffe", "\U0010ffff", "\U000e0001", "日"]
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))
        for lines, returns in ((False, False), (True, False), (True, True)):
            found = refused(text, lines=lines, returns=returns)
            expected = _first_refused(text, lines, returns)
            assert (None if found is None else found[0]) == expected, (text, lines, returns)
    assert refused("é" * 50 + "\U0001ffff") == (50, "contains a noncharacter (U+1FFFF); remove it")
    astral = refused("a" * 50 + "😀\U0002fffe")
    assert astral == (51, "contains a noncharacter (U+2FFFE); remove it")


def test_what_the_terminals_encoding_cannot_hold_is_escaped() -> None:
    # An ASCII locale cannot encode "é": it is shown as an escape, never dropped or an error.
    assert encodable("Prévisualisation — 😀", "ascii") == "Pr\\xe9visualisation \\u2014 \\U0001f600"
    assert encodable("Prévisualisation — 😀", "latin-1") == "Prévisualisation \\u2014 \\U0001f600"
    assert encodable("Prévisualisation — 😀", "utf-8") == "Prévisualisation — 😀"
    assert encodable("Prévisualisation", None) == "Prévisualisation"  # a stream of text

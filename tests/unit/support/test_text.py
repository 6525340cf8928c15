"""Which characters a field may hold, and how the terminal shows the rest (support.text)."""

from __future__ import annotations

import unicodedata

import pytest

from releasekit.support.text import refused, visible


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

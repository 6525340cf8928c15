"""Untrusted text: which characters a field may hold, and how a terminal shows the rest.

Advisory text comes from outside reporters; config values, git servers, SMTP servers and gpg
are read too. Three rules, one place:

- :func:`refused` says why a value cannot go into pages, feeds (XML 1.0 refuses most control
  characters outright) and e-mail: C0 controls other than tab (line breaks only where a
  field may span lines), DEL and the C1 controls, lone surrogates and noncharacters.
- :func:`visible` is what a terminal gets: every control or format character (C0, DEL, C1,
  bidi overrides and isolates, zero-width characters, line and paragraph separators) as a
  visible escape such as ``\\x1b`` or ``\\u202e``, so that no data can move the cursor,
  set a window title, write the clipboard or reorder what is shown.
- :func:`encodable` is what a terminal whose encoding cannot hold every character gets (an
  ASCII locale): each character it cannot hold as the same kind of escape (``\\xe9``),
  never an error and never a character dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTERS_BMP = "\ufdd0-\ufdef\ufffe\uffff"
_NONCHARACTERS = _NONCHARACTERS_BMP + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_ALWAYS_BMP = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS_BMP
_ALWAYS = _ALWAYS_BMP + _NONCHARACTERS[len(_NONCHARACTERS_BMP) :]
_BY_FIELD = {  # (lines, returns) -> what is refused besides _ALWAYS
    (False, False): "\n\r\u2028\u2029",
    (True, False): "\r",
    (True, True): "",
}
_REFUSED = {key: re.compile(f"[{_ALWAYS}{more}]") for key, more in _BY_FIELD.items()}
# The same classes less the noncharacters beyond U+FFFF, for text that has no character
# there (nearly all): the 32 of them make each character's test ten times slower (a 3 KB
# Markdown body: 90 µs against 9).
_REFUSED_BMP = {key: re.compile(f"[{_ALWAYS_BMP}{more}]") for key, more in _BY_FIELD.items()}
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_LINE_BREAKS = "\n\r\u2028\u2029"


def refused(value: str, *, lines: bool = False, returns: bool = False) -> tuple[int, str] | None:
    """``(offset, why)`` of the first character ``value`` may not hold, or None.

    ``lines``: line breaks are allowed (a summary, a body); ``returns``: carriage returns
    too (a Markdown body read from a file with CRLF line ends). The message names the code
    point only, never the text around it (an embargoed advisory's words stay out of logs).
    """
    key = (lines, lines and returns)
    astral = not value.isascii() and _ASTRAL.search(value) is not None
    found = (_REFUSED if astral else _REFUSED_BMP)[key].search(value)
    if found is None:
        return None
    char = found.group()
    code = ord(char)
    if char in _LINE_BREAKS:
        kind = "a line break"
    elif 0xD800 <= code <= 0xDFFF:
        kind = "a lone surrogate (not UTF-8 text)"
    elif code >= 0xFDD0 and (code <= 0xFDEF or code & 0xFFFE == 0xFFFE):
        kind = "a noncharacter"
    else:
        kind = "a control character"
    return found.start(), f"contains {kind} (U+{code:04X}); remove it"


@lru_cache(maxsize=256)
def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _shown(char: str, keep: str) -> str:
    if char in keep:
        return char
    if char.isprintable() or char == " ":
        return char
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return _escape(char)
    return char  # unassigned or private use: printable enough, and nothing a terminal obeys


# A fast pass: text with nothing to escape (almost all) is returned as it is.
_PLAIN = re.compile(r"[ -~\u00a0-\u00ac\u00ae-\u05ff]*")


def visible(value: str, *, lines: bool = False) -> str:
    """``value`` as a terminal may show it: control and format characters as visible escapes
    (``\\x1b``, ``\\u202e``). Tabs stay; with ``lines``, line feeds stay too (a message
    body), else they are escaped (a field, an error line)."""
    if _PLAIN.fullmatch(value):
        return value
    keep = "\t\n" if lines else "\t"
    return "".join(_shown(char, keep) for char in value)


def encodable(value: str, encoding: str | None) -> str:
    """``value`` as a stream in ``encoding`` can take it: each character the encoding cannot
    hold as a visible escape, as :func:`visible` shows a control character (on an ASCII
    terminal ``Prévisualisation`` is ``Pr\\xe9visualisation``). None (a stream of text
    that encodes nothing) or an encoding Python does not know takes everything."""
    if encoding is None or value.isascii():
        return value
    try:
        value.encode(encoding)
    except LookupError:
        return value
    except UnicodeEncodeError:
        return "".join(_held(char, encoding) for char in value)
    return value


def _held(char: str, encoding: str) -> str:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return _escape(char)
    return char

"""Line numbers for TOML keys and TOML syntax errors.

``tomli`` (what became the standard library's ``tomllib``, in its compiled build: three times
faster, which publish notices with thousands of advisories) returns plain data without
positions; error messages still have to name the line. These helpers find where a key was
written by scanning the text the data came from.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import tomli

# One greedy class and no neighbouring \s*: a line of "[" and many spaces is linear, not
# quadratic (such a line can sit in a multi-line string).
_TABLE = re.compile(r"^\s*\[([A-Za-z0-9_.\-\"' \t]+)\]\s*(#.*)?$")
_ARRAY_TABLE = re.compile(r"^\s*\[\[([A-Za-z0-9_.\-\"' \t]+)\]\]\s*(#.*)?$")
_KEY = re.compile(r"""^\s*(?:"([^"\\]*)"|'([^']*)'|([^\s=."'#\[]+))\s*[=.]""")
# Only from the start of a run of digits: tried from each digit, runs of 4299 (allowed)
# made the search quadratic (800 such integers, 20 s).
_LONG_NUMBER = re.compile(r"(?<![0-9_])[0-9_]{4300,}")
_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")
# tomli's messages that quote the keys at fault, as said without them: a key can be any text
# typed into the file (an embargoed advisory's), and `publish` (its log often public) reports
# these problems too. The line still names the place.
_QUOTING = tuple(
    (re.compile(f"^{quoting}.*?(?=(?: \\(at the end\\))?$)", re.DOTALL), said)
    for quoting, said in (
        ("Cannot declare ", "Cannot declare a table twice"),
        ("Cannot mutate immutable namespace ", "Cannot extend a table or array written inline"),
        ("Cannot redefine namespace ", "Cannot redefine a table with a dotted key"),
        ("Duplicate inline table key ", "Duplicate key in an inline table"),
    )
)


def key_line(text: str, table: str | None, key: str) -> int | None:
    """The 1-based line where ``key`` is assigned in ``table`` (None: top level), if found.

    The entries of an array of tables (``[[releases.bump]]``) are the tables
    ``releases.bump[0]``, ``releases.bump[1]``, ...
    """
    return _positions(text).get((table, key))


def table_line(text: str, table: str) -> int | None:
    """The 1-based line of the ``[table]`` header, if present."""
    return _positions(text).get((table, ""))


@lru_cache(maxsize=8)
def _positions(text: str) -> dict[tuple[str | None, str], int]:
    """(table, key) -> first line, and (table, "") -> its header line, in one pass.

    One pass for every lookup: a file with thousands of problems is still reported at once
    (scanning the text once per key took seconds).
    """
    found: dict[tuple[str | None, str], int] = {}
    current: str | None = None
    entries: dict[str, int] = {}  # array of tables -> how many entries so far
    # Only LF ends a line in TOML: str.splitlines also splits at U+2028, U+0085 and other
    # characters a comment or a string may hold, and every line after them was miscounted.
    inside = _string_lines(text)
    for number, line in enumerate(text.split("\n"), start=1):
        if number in inside:  # text of a multi-line string, not a key or a header
            continue
        array = _ARRAY_TABLE.match(line)
        if array:
            name = re.sub(r"[\"'\s]", "", array.group(1))
            current = f"{name}[{entries.get(name, 0)}]"
            entries[name] = entries.get(name, 0) + 1
            found.setdefault((name, ""), number)
            found.setdefault((current, ""), number)
            continue
        header = _TABLE.match(line)
        if header and not line.lstrip().startswith("[["):
            current = re.sub(r"[\"'\s]", "", header.group(1))
            found.setdefault((current, ""), number)
            continue
        assigned = _KEY.match(line)
        if assigned:
            key = next(group for group in assigned.groups() if group is not None)
            found.setdefault((current, key), number)
    return found


# What can hold a delimiter of a multi-line string without being one: one-line strings and
# comments (neither goes past its line).
_TOKEN = re.compile(r""""{3}|'{3}|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|#[^\n]*""")
_CLOSE = {'"""': re.compile(r'(?<!\\)(?:\\\\)*"""'), "'''": re.compile("'''")}


def _string_lines(text: str) -> set[int]:
    """The 1-based lines that start inside a multi-line string (a summary's text)."""
    inside: set[int] = set()
    if '"""' not in text and "'''" not in text:
        return inside
    at = counted = 0
    line = 1  # the line of ``counted`` (counted on from there: linear in the text)
    while found := _TOKEN.search(text, at):
        at = found.end()
        if found.group() not in _CLOSE:
            continue
        close = _CLOSE[found.group()].search(text, at)
        end = close.end() if close else len(text)
        first = line + text.count("\n", counted, at) + 1
        line, counted = first - 1 + text.count("\n", at, end), end
        inside.update(range(first, line + 1))
        at = end
    return inside


def loads(text: str) -> tuple[dict[str, Any] | None, int | None, str | None]:
    """Parse TOML: ``(data, None, None)`` or ``(None, line, message)`` on a syntax error.

    Deeply nested input can exceed tomli's nesting limit, and an integer of thousands of
    digits Python's limit on converting them; both are problems of the file too, never a crash.
    """
    try:
        return tomli.loads(text), None, None
    except tomli.TOMLDecodeError as exc:
        message = str(exc)
        found = _AT_LINE.search(message)
        if found:
            line: int | None = int(found.group(1))
        elif "end of document" in message:
            line = max(1, len(text.rstrip("\n").split("\n")))
        else:
            line = None
        message = _AT_LINE.sub("", message).replace("(at end of document)", "(at the end)")
        for quoting, said in _QUOTING:
            message = quoting.sub(said, message.strip())
        message = message.strip() or "invalid TOML"
        return None, line, f"invalid TOML: {message[0].lower()}{message[1:]}"
    except RecursionError:
        return None, None, "invalid TOML: nested too deeply"
    except ValueError:  # an integer of more digits than Python converts (sys.int_info)
        return None, _long_number_line(text), "invalid TOML: a number has too many digits"


def _long_number_line(text: str) -> int | None:
    """The line of the first integer of too many digits, not of a run of digits in a string.

    With every long run of digits made a letter, strings stay valid and such an integer is
    a syntax error at its own line (all before it parsed: tomli raised at the integer); each
    such mask is its own (x and the offset), so that two keys of digits do not become one
    key twice. A run that is part of a float or of a hexadecimal, octal or binary integer
    (which convert at any length), or follows a letter, keeps its first 8 characters
    instead (less a trailing _): the number stays valid, and so does a \\u or \\U escape.
    """

    def mask(found: re.Match[str]) -> str:
        before = text[max(0, found.start() - 2) : found.start()].rstrip("+-")
        after = text[found.end() : found.end() + 1]
        part = before[-1:].isalpha() or before.endswith(".") or after in (".", "e", "E")
        return (found.group()[:8].rstrip("_") or "0") if part else f"x{found.start()}"

    masked = _LONG_NUMBER.sub(mask, text)
    try:
        tomli.loads(masked)
    except tomli.TOMLDecodeError as exc:
        found = _AT_LINE.search(str(exc))
        if found:
            return int(found.group(1))
    except (RecursionError, ValueError):
        pass
    first = _LONG_NUMBER.search(text)
    return text.count("\n", 0, first.start()) + 1 if first else None

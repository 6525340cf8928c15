"""The TOML front matter of advisory files: finding it, locating a key's line, updating keys.

An advisory file is TOML between ``+++`` lines, then a Markdown body. Updates edit the front
matter as TOML (tomlkit, which keeps the text of what it does not change), so a release
manager's keys, tables and comments survive the lift, whatever valid TOML the file holds.
(tomlkit is pure Python: model.advisory bounds the front matter's size.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from packaging.version import Version

from releasekit.support import timefmt, tomlpos

FENCE = "+++"
BOM = "\ufeff"


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or None if there is no +++ block.

    Lines may end in CRLF, and the file may start with a byte order mark (an editor's).
    """
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.removeprefix(BOM).rstrip("\r").strip() != FENCE or first_end < 0:
        return None
    # The closing line contains +++: look only at the lines that do (the body is long).
    at = text.find(FENCE, first_end + 1)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        line = text[start:] if end < 0 else text[start:end]
        if line.rstrip("\r").strip() == FENCE:
            front = text[first_end + 1 : max(first_end + 1, start - 1)]
            front = front.removesuffix("\r")  # (the CR of the line before the fence)
            body = "" if end < 0 else text[end + 1 :]
            return front, body.lstrip("\r\n"), text.count("\n", 0, start) + 2
        at = text.find(FENCE, start if end < 0 else end)
        if end < 0:
            break
    return None


def field_line(front: str, field_name: str) -> int | None:
    """The file line where ``field_name`` (``fixed.10.3``: its table) is set in the front
    matter ``front`` (a key or a [table]; the front matter starts on line 2), if it is."""
    name = field_name.split(".")[0]
    found = tomlpos.key_line(front, None, name) or tomlpos.table_line(front, name)
    return found + 1 if found else None


def _toml_line(key: str, value: Any) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(
            f"{_toml_scalar(k)} = {_toml_scalar(v)}"
            for k, v in sorted(value.items(), key=lambda item: version_key(item[0]))
        )
        return f"{key} = {{ {inner} }}" if inner else f"{key} = {{}}"
    if isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
        # Inline tables on one line (credits, revisions): one line a key, above the tables.
        tables = ", ".join(
            "{ " + ", ".join(f"{k} = {_toml_scalar(v)}" for k, v in item.items()) + " }"
            for item in value
        )
        return f"{key} = [{tables}]"
    if isinstance(value, list):  # on one line too (unfixed: ["10.6", "10.5"])
        return f"{key} = [{', '.join(_toml_scalar(item) for item in value)}]"
    return f"{key} = {_toml_scalar(value)}"


def version_key(text: str) -> tuple[int, Version | str]:
    """Sort release lines as versions (9.11 before 10.1); anything else after, as text."""
    try:
        return (0, Version(text))
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return (1, text)


def _toml_scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return timefmt.toml_utc(value)
    import tomli_w  # loaded only by the commands that write front matter

    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def _parts(text: str) -> tuple[str, str, str]:
    """(the opening fence line, the front matter, the closing fence line and the rest): the
    three join to ``text``. ValueError without front matter."""
    found = split_front_matter(text)
    if found is None:
        raise ValueError("no front matter")
    lines = text.split("\n")
    close = found[2] - 2  # (the index of the closing fence's line)
    head = lines[0] + "\n"
    front = "".join(line + "\n" for line in lines[1:close])
    return head, front, "\n".join(lines[close:])


def _lines(text: str) -> list[str]:
    """The lines of ``text``, each with its line end (only LF ends a line in TOML)."""
    pieces = text.split("\n")
    return [piece + "\n" for piece in pieces[:-1]] + ([pieces[-1]] if pieces[-1] else [])


def update_front_matter(text: str, updates: Mapping[str, Any]) -> str:
    """Set front-matter keys to values, keeping the other keys, tables and comments.

    The front matter is edited as TOML, not as lines: a key set in any form (quoted, dotted,
    a ``[table]`` or ``[[array]]`` of its own, a value over several lines) is replaced,
    keeping its comment when it was one line, and a new key goes after the last key of the
    top level, before any table (a blank line beside a replaced table may go). Datetimes are
    written in UTC with ``Z``; tables, arrays and arrays of tables as inline values on one
    line.
    """
    if not updates:
        return text
    import tomlkit  # (40 ms: loaded only by the commands that write front matter)

    values = tomlkit.parse("".join(_toml_line(key, value) + "\n" for key, value in updates.items()))
    head, front, tail = _parts(text)
    document = tomlkit.parse(front)
    for key in updates:
        document[key] = values[key]
    written = document.as_string()
    if written and not written.endswith("\n"):
        written += "\n"  # (the closing fence starts a line)
    if head.endswith("\r\n") and "\n" not in front.replace("\r\n", ""):
        written = re.sub(r"(?<!\r)\n", "\r\n", written)  # the lines added, as the file's
    return head + written + tail


def comment_out(text: str, key: str, note: str) -> str:
    """Replace the front-matter line that sets ``key`` with the comment ``# note`` (the key
    is gone, the file says why); unchanged when the top level does not set it."""
    import tomlkit
    from tomlkit.items import AoT, Table

    head, front, tail = _parts(text)
    document = tomlkit.parse(front)
    if key not in document or isinstance(document.item(key), Table | AoT):
        return text
    document.remove(key)
    before, after = _lines(front), _lines(document.as_string())
    # Removing a key removes its whole lines: the first line that differs is where it was.
    at = next(
        (i for i, pair in enumerate(zip(before, after, strict=False)) if pair[0] != pair[1]),
        len(after),
    )
    end = "\r\n" if before[at].endswith("\r\n") else "\n"
    return head + "".join([*after[:at], f"# {note}{end}", *after[at:]]) + tail

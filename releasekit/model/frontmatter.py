"""The TOML front matter of advisory files: finding it, locating a key's line, updating keys.

An advisory file is TOML between ``+++`` lines, then a Markdown body. Updates keep every other
line of the file as it was, so a release manager's comments and layout survive the lift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from packaging.version import Version

from releasekit.support import tomlpos

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
        # Inline tables on one line (credits, revisions): the key stays one line to replace.
        tables = ", ".join(
            "{ " + ", ".join(f"{k} = {_toml_scalar(v)}" for k, v in item.items()) + " }"
            for item in value
        )
        return f"{key} = [{tables}]"
    import tomli_w  # loaded only by the commands that write front matter

    return tomli_w.dumps({key: value}).strip()


def version_key(text: str) -> tuple[int, Version | str]:
    """Sort release lines as versions (9.11 before 10.1); anything else after, as text."""
    try:
        return (0, Version(text))
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return (1, text)


def _toml_scalar(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    import tomli_w  # loaded only by the commands that write front matter

    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def _lines(text: str) -> tuple[list[str], int]:
    """The file's lines and the index of the closing ``+++``; ValueError without front
    matter."""
    if split_front_matter(text) is None:
        raise ValueError("no front matter")
    lines = text.split("\n")
    close = next(i for i in range(1, len(lines)) if lines[i].rstrip("\r").strip() == FENCE)
    return lines, close


def _setting(lines: list[str], close: int, key: str) -> int | None:
    """The index of the front-matter line that sets ``key``, None when none does."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    return next((i for i in range(1, close) if pattern.match(lines[i])), None)


def update_front_matter(text: str, updates: Mapping[str, Any]) -> str:
    """Set front-matter keys to values, keeping every other line of the file as it was.

    A key already assigned on one line is replaced in place; a new key goes before the
    closing ``+++``. Datetimes are written in UTC with ``Z``.
    """
    lines, close = _lines(text)
    for key, value in updates.items():
        if isinstance(value, datetime):
            rendered = f"{key} = {value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        else:
            rendered = _toml_line(key, value)
        index = _setting(lines, close, key)
        if index is not None:
            lines[index] = rendered
        else:
            lines.insert(close, rendered)
            close += 1
    return "\n".join(lines)


def comment_out(text: str, key: str, note: str) -> str:
    """Replace the front-matter line that sets ``key`` with the comment ``# note`` (the key
    is gone, the file says why); unchanged when no line sets it."""
    lines, close = _lines(text)
    index = _setting(lines, close, key)
    if index is not None:
        lines[index] = f"# {note}"
    return "\n".join(lines)

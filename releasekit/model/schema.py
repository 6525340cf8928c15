"""Reading data into the declarative schema of :mod:`releasekit.model.config`.

A table of the schema is a frozen dataclass; each field's metadata carries its meaning
(``doc``), a ``check`` of its value and its TOML name. Values are checked against the field
types (strings, integers, booleans, lists of strings, tables of strings, nested tables and
arrays of tables), then by the checks; every problem names the file, line, table and key.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from releasekit.support import text as text_rule
from releasekit.support import tomlpos
from releasekit.support.errors import Problem

Check = Callable[[Any], str | None]


def field_doc(
    doc: str,
    default: Any = dataclasses.MISSING,
    check: Check | None = None,
    toml: str = "",
    lines: bool = False,
) -> Any:
    """A schema field: its meaning, default, check and TOML name (default: its own);
    ``lines``: its text may span lines (a bump format of several lines of a file)."""
    meta = {"doc": doc, "check": check, "toml": toml, "lines": lines}
    if isinstance(default, list | tuple):
        return dataclasses.field(default_factory=lambda: tuple(default), metadata=meta)
    if isinstance(default, dict):
        return dataclasses.field(default_factory=lambda: dict(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def each(check: Check) -> Check:
    """``check`` of every value of a list, naming the value at fault."""

    def checked(values: Sequence[Any]) -> str | None:
        for value in values:
            if problem := check(value):
                return f"{value!r}: {problem}"
        return None

    return checked


def one_line(check: Check | None = None) -> Check:
    """A non-empty string of one line (then ``check``)."""

    def checked(value: str) -> str | None:
        if not value.strip():
            return "must not be empty"
        if "\n" in value or "\r" in value:
            return "must be one line"
        return check(value) if check else None

    return checked


def some_lines(check: Check | None = None) -> Check:
    """A non-empty string of one line or more (then ``check``): line breaks are allowed
    by the field (``field_doc(lines=True)``), carriage returns never."""

    def checked(value: str) -> str | None:
        if not value.strip():
            return "must not be empty"
        return check(value) if check else None

    return checked


def relative_path(value: str) -> str | None:
    """A path inside a repository, with ``/`` between plain names."""
    parts = value.split("/")
    plain = value and "\\" not in value and "\x00" not in value
    if not plain or any(part in ("", ".", "..", ".git") for part in parts):
        return f"{value!r} is not a path relative to the repository root (like src/version.py)"
    return None


def parse_tables(
    tables: Mapping[str, type],
    required: Sequence[str],
    data: Mapping[str, Any],
    text: str,
    path: Path,
    problems: list[Problem],
) -> dict[str, Any]:
    """The top-level tables of ``data`` by name; problems are added to ``problems``."""
    parsed: dict[str, Any] = {}
    suggested: set[str] = set()  # (as in parse_table)
    for name, value in data.items():
        if name not in tables:
            close = difflib.get_close_matches(name, list(tables), n=1, cutoff=0.6)
            hint = f"; did you mean [{close[0]}]?" if close else ""
            suggested.update(close)
            line = tomlpos.table_line(text, name) or tomlpos.key_line(text, None, name)
            problems.append(Problem(path, line, name, f"unknown table{hint}"))
            continue
        if not isinstance(value, dict):
            line = tomlpos.key_line(text, None, name)
            problems.append(Problem(path, line, name, "must be a table ([" + name + "])"))
            continue
        parsed[name] = parse_table(tables[name], name, value, text, path, problems)
    for name in required:
        if name not in data and name not in suggested:
            problems.append(Problem(path, None, name, f"required table [{name}] is missing"))
    return parsed


def toml_name(f: dataclasses.Field[Any]) -> str:
    """A field's key in the TOML file."""
    return str(f.metadata.get("toml") or f.name)


def _type_problem(expected: Any, value: Any) -> tuple[str | None, Any]:
    """Check ``value`` against a field type; returns (problem, converted value)."""
    if expected is str:
        return (None, value) if isinstance(value, str) else ("must be a string", None)
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (None, value) if ok else ("must be an integer", None)
    if expected is bool:
        return (None, value) if isinstance(value, bool) else ("must be true or false", None)
    if typing.get_origin(expected) is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None, tuple(value)
        return "must be a list of strings", None
    if typing.get_origin(expected) is Mapping:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return None, dict(value)
        return 'must be a table of strings, like { "10.4" = "main" }', None
    raise TypeError(expected)  # pragma: no cover - schema error


def _text_problem(value: Any, lines: bool = False) -> str | None:
    """Why a string value (or one of a list) cannot be used: every value is one line that
    may reach pages, feeds, e-mail headers or the terminal (see support.text), unless its
    field says it may span ``lines``."""
    for item in value if isinstance(value, tuple) else (value,):
        if isinstance(item, str) and (bad := text_rule.refused(item, lines=lines)):
            return bad[1]
    return None


def _subtable(expected: Any) -> tuple[type | None, bool]:
    """(the schema class of a nested table or array of tables, whether it is an array)."""
    many = typing.get_origin(expected) is tuple
    options = [a for a in typing.get_args(expected) if a is not type(None) and a is not ...]
    if len(options) == 1 and isinstance(options[0], type):
        return (options[0], many) if dataclasses.is_dataclass(options[0]) else (None, False)
    return None, False


def _parse_nested(
    cls: type,
    many: bool,
    name: str,
    value: Any,
    at: int | None,
    text: str,
    path: Path,
    problems: list[Problem],
) -> tuple[str | None, Any]:
    """A nested table (``[releases.changelog]``) or array of tables (``[[releases.bump]]``),
    parsed like a table; (problem, value). ``at``: the line of its key in its parent."""
    if not many:
        if not isinstance(value, dict):
            return "must be a table", None
        return None, parse_table(cls, name, value, text, path, problems, at=at)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return f"must be an array of tables ([[{name}]])", None
    parsed = [
        parse_table(cls, name, item, text, path, problems, where=f"{name}[{n}]", at=at)
        for n, item in enumerate(value)
    ]
    return None, tuple(parsed)


def parse_table(
    cls: type,
    table: str,
    data: Mapping[str, Any],
    text: str,
    path: Path,
    problems: list[Problem],
    *,
    where: str | None = None,
    at: int | None = None,
) -> Any:
    """One table of the schema. ``where``: its name for line numbers (an entry of an array
    of tables: ``releases.bump[1]``); ``at``: the line for keys not found on a line of
    their own (an inline table)."""
    where = where or table
    hints = typing.get_type_hints(cls)
    fields = {toml_name(f): f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    suggested: set[str] = set()  # a missing key that an unknown one is likely a typo of
    for key, value in data.items():
        line = tomlpos.key_line(text, where, key) or at
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            suggested.update(close)
            known = ", ".join(fields)
            problems.append(
                Problem(path, line, f"{table}.{key}", f"unknown key{hint} (known: {known})")
            )
            continue
        f = fields[key]
        nested, many = _subtable(hints[f.name])
        if nested is not None:
            name = f"{table}.{key}"
            parsed = _parse_nested(nested, many, name, value, line, text, path, problems)
            problem, converted = parsed
        else:
            problem, converted = _type_problem(hints[f.name], value)
        if problem is None:
            problem = _text_problem(converted, f.metadata.get("lines", False))
        if problem is None and f.metadata.get("check"):
            problem = f.metadata["check"](converted)
        if problem:
            problems.append(Problem(path, line, f"{table}.{key}", problem))
            continue
        values[f.name] = converted
    for key, f in fields.items():
        missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if missing and key not in data and key not in suggested:  # a typo is one problem
            line = tomlpos.table_line(text, where) or at
            problems.append(Problem(path, line, f"{table}.{key}", "required key is missing"))
    try:
        return cls(**values)
    except TypeError:
        return None  # missing keys already reported


def reference_rows(table: str, cls: type) -> list[tuple[str, str, str, str]]:
    """(table, key, default, meaning) of each key of ``cls``, then of its nested tables."""
    rows = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.default is None:
            default = "none"
        elif f.default is not dataclasses.MISSING:
            default = repr(f.default) if f.default != "" else '""'
        elif f.default_factory is not dataclasses.MISSING:
            made = f.default_factory()
            default = repr(made) if isinstance(made, dict) else repr(list(made))
        else:
            default = "required"
        rows.append((table, toml_name(f), default, f.metadata["doc"]))
        nested, _ = _subtable(hints[f.name])
        if nested is not None:
            rows += reference_rows(f"{table}.{toml_name(f)}", nested)
    return rows

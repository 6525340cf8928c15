"""The C defines of a version header (``init --repository``'s ``[[releases.bump]]``) that
say a version other than whole, each a format of its own beside the header's whole-version
line: its last number alone (Node's ``#define NODE_PATCH_VERSION 1``, PHP's
``PHP_RELEASE_VERSION``), its numbers packed into one integer, zero-padded (nginx's
``#define nginx_version 1026002``, PHP's ``PHP_VERSION_ID 80315``) or a byte each in hex
(Redis' ``#define REDIS_VERSION_NUM 0x00070401``, curl's ``LIBCURL_VERSION_NUM 0x080b00``),
or its minor and micro
under another major (PHP's Zend Engine, ``#define ZEND_VERSION "4.3.15-dev"``); and the
flags set to 1 that a release may set (Node's ``#define NODE_VERSION_IS_RELEASE 1``, 0
between releases) or a development flag it clears (httpd's ``AP_SERVER_DEVBUILD_BOOLEAN 0``,
1 between releases). Apart from those, the line a header says in defines of its major and minor
numbers (:func:`header_line`: CPython's main, ``PY_MINOR_VERSION 15``), which ``init``
reads on the development branch."""

from __future__ import annotations

import re

from packaging.version import Version

# A C define of a version's last number alone: Ruby's RUBY_VERSION_TEENY, CPython's
# PY_MICRO_VERSION, PHP's PHP_RELEASE_VERSION (not RUBY_PATCHLEVEL, a count of backport
# commits, nor an API version's, Ruby's RUBY_API_VERSION_TEENY, 0 for every release).
MICRO_DEFINE = re.compile(
    r"\s*#\s*define\s+(?![A-Za-z0-9_]*API)"
    r"[A-Za-z0-9_]*_(?:TEENY|MICRO|MICRO_VERSION|PATCH|PATCH_VERSION|RELEASE_VERSION"
    r"|PATCHLEVEL_NUMBER)"  # (httpd's AP_SERVER_PATCHLEVEL_NUMBER)
    r"\s+(?P<number>[0-9]+)\s*"
)
_DEFINE = re.compile(r"\s*#\s*define\s+[A-Za-z_][A-Za-z0-9_]*\s+(?P<value>.+?)\s*")
# A define of a flag set, Node's NODE_VERSION_IS_RELEASE 1: its value last.
# (not a version's number that is 1: Node's NODE_PATCH_VERSION 1, Python's PY_MAJOR_VERSION)
_SET = re.compile(
    r"#\s*define\s+(?![A-Za-z0-9_]*(?:MAJOR|MINOR)(?:_VERSION)?\s)[A-Za-z_][A-Za-z0-9_]{0,99}\s+1"
)
# A define of a development flag cleared, httpd's AP_SERVER_DEVBUILD_BOOLEAN 0: 1 between
# releases ("-dev" builds).
_CLEARED = re.compile(r"#\s*define\s+[A-Za-z0-9_]{0,99}DEV[A-Za-z0-9_]{0,99}\s+0")


def _numbers(version: str) -> tuple[int, int, int] | None:
    parts = version.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    major, minor, micro = Version(version).release
    return major, minor, micro


def micro_format(text: str, version: str) -> str | None:
    """The one define of a last number in ``text``, when it says the third number of
    ``version`` (of three), as a format with ``{micro}``; else None."""
    numbers = _numbers(version)
    defines = [m for m in map(MICRO_DEFINE.fullmatch, text.splitlines()) if m is not None]
    if numbers is None or len(defines) != 1 or int(defines[0]["number"]) != numbers[2]:
        return None
    match = defines[0]
    line = match.string[: match.start("number")] + "{micro}" + match.string[match.end("number") :]
    return line.strip() if len(line) <= 200 else None


def _one_define(text: str, value: re.Pattern[str]) -> tuple[str, re.Match[str]] | None:
    """The one define line of ``text`` whose value ``value`` finds, with that match."""
    found = []
    for line in text.splitlines():
        define = _DEFINE.fullmatch(line)
        match = value.search(define["value"]) if define is not None else None
        if match is not None and len(line) <= 200 and "{" not in line and "}" not in line:
            found.append((line.strip(), match))
    return found[0] if len(found) == 1 else None


def define_formats(text: str, version: str) -> list[str]:
    """The formats of the defines of the header ``text`` that say ``version`` (of three
    numbers) other than whole: its last number alone (one define), its numbers packed into
    one integer with minor and micro zero-padded to two or three digits or a byte each in
    hex, and its minor and micro after another major, in a string; none when the version has
    not three numbers."""
    numbers = _numbers(version)
    if numbers is None:
        return []
    major, minor, micro = numbers
    found = [form] if (form := micro_format(text, version)) is not None else []
    for width in (2, 3):
        if minor >= 10**width or micro >= 10**width:
            continue
        packed = f"{major}{minor:0{width}}{micro:0{width}}"
        one = _one_define(text, re.compile(rf"^{packed}$"))
        if one is not None:
            spec = f"{{major}}{{minor:0{width}}}{{micro:0{width}}}"
            found.append(one[0].replace(packed, spec))
    hexed = _hex_format(text, numbers)
    if hexed is not None:
        found.append(hexed)
    other = re.compile(rf'^"(?P<major>[0-9]+)\.{minor}\.{micro}(?![0-9]|\.[0-9])[^"]*"$')
    one = _one_define(text, other)
    if one is not None and int(one[1]["major"]) != major:
        line, match = one
        old = f'"{match["major"]}.{minor}.{micro}'
        found.append(line.replace(old, f'"{match["major"]}.{{minor}}.{{micro}}', 1))
    return found


def _hex_format(text: str, numbers: tuple[int, int, int]) -> str | None:
    """The format of the one define whose value packs ``numbers`` a byte each in hex, the
    major in what is left (Redis' ``0x00070401`` for 7.4.1 as ``0x{major:04x}{minor:02x}
    {micro:02x}``), in the define's case; else None."""
    major, minor, micro = numbers
    if minor > 0xFF or micro > 0xFF:
        return None
    packed = major << 16 | minor << 8 | micro
    # (13 digits at most: the major's width, the rest less the four of minor and micro, is
    # one digit in a bump format, {major:09x})
    one = _one_define(text, re.compile(r"^0[xX](?P<hex>[0-9a-fA-F]{6,13})$"))
    if one is None or int(one[1]["hex"], 16) != packed:
        return None
    line, match = one
    digits = match["hex"]
    kind = "X" if digits != digits.lower() else "x"
    spec = f"{{major:0{len(digits) - 4}{kind}}}{{minor:02{kind}}}{{micro:02{kind}}}"
    head, _, tail = line.rpartition(digits)  # (the value ends the line)
    return head + spec + tail


def suffix_line(released: str, developing: str, form: str, development: str) -> tuple[str, str]:
    """``form`` and ``development`` with the line before them, when ``development`` adds a
    suffix to the version that the line before it says alone, as the empty string in the
    released file (PHP's ``#define PHP_EXTRA_VERSION "-dev"`` before ``PHP_VERSION
    "8.3.15-dev"``, ``""`` at the release): the release commit must clear it too. Else
    both as they are. ``released``: the file at the release; ``developing``: on a branch."""
    head, placeholder, tail = development.partition("{version}")
    _, _, form_tail = form.partition("{version}")
    if not placeholder or "\n" in form or not tail.endswith(form_tail) or tail == form_tail:
        return form, development
    suffix = tail[: len(tail) - len(form_tail)]
    before = _line_before(developing, head)
    if before is None or f'"{suffix}"' not in before:
        return form, development
    cleared = before.replace(f'"{suffix}"', '""')
    if cleared not in (line.strip() for line in released.splitlines()):
        return form, development
    return cleared + "\n" + form, before + "\n" + development


def _line_before(text: str, head: str) -> str | None:
    """The line before the one line of ``text`` that starts with ``head``, stripped."""
    lines = [line.strip() for line in text.splitlines()]
    at = [n for n, line in enumerate(lines) if line.startswith(head)]
    return lines[at[0] - 1] if len(at) == 1 and at[0] > 0 else None


def set_flags(text: str) -> list[tuple[str, str]]:
    """The defines of ``text`` set to 1, each there once and none a version's number, as
    (that line, the line set to 0), stripped: the flags a release may set (Node's
    ``#define NODE_VERSION_IS_RELEASE 1``, ``0`` between releases); and the development
    flags set to 0, with the line set to 1 (httpd's ``AP_SERVER_DEVBUILD_BOOLEAN 0``, ``1``
    between releases). Whether one is is for the branches to tell."""
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for line in lines:
        if MICRO_DEFINE.fullmatch(line) or lines.count(line) != 1:
            continue
        if _SET.fullmatch(line):
            found.append((line, line[:-1] + "0"))
        elif _CLEARED.fullmatch(line):
            found.append((line, line[:-1] + "1"))
    return found


# The defines of a header that say its line's numbers apart (Node's NODE_MAJOR_VERSION 24,
# CPython's PY_MAJOR_VERSION 3 and PY_MINOR_VERSION 15), and the level of its version
# (CPython's PY_RELEASE_LEVEL PY_RELEASE_LEVEL_ALPHA; GAMMA is a release candidate). A
# number of more digits than a line's is none (Python reads no more than 4,300).
_LINE_DEFINE = re.compile(
    r"\s*#\s*define\s+(?P<prefix>[A-Za-z0-9_]*?)_?(?P<part>MAJOR|MINOR)_VERSION\s+(?P<number>[0-9]{1,9})\s*"
)
_LEVEL_DEFINE = re.compile(
    r"\s*#\s*define\s+[A-Za-z0-9_]*_RELEASE_LEVEL\s+[A-Za-z0-9_]*_(?P<level>ALPHA|BETA|GAMMA|FINAL)\s*"
)
_LEVELS = {"ALPHA": "alpha", "BETA": "beta", "GAMMA": "candidate", "FINAL": "final"}


def header_line(text: str, parts: int) -> tuple[str, str, str | None] | None:
    """The line a version header says in its defines of major and minor numbers (of
    ``parts`` numbers: Node's ``NODE_MAJOR_VERSION 24`` is line 24, CPython's
    ``PY_MAJOR_VERSION 3`` and ``PY_MINOR_VERSION 15`` 3.15), as (line, those defines,
    the level a ``*_RELEASE_LEVEL`` define says: alpha, beta, candidate, final, or None);
    None unless each define is there once, with one prefix."""
    found: dict[str, list[re.Match[str]]] = {"MAJOR": [], "MINOR": []}
    for line in text.splitlines():
        match = _LINE_DEFINE.fullmatch(line)
        if match is not None:
            found[match["part"]].append(match)
    wanted = found["MAJOR"] + (found["MINOR"] if parts == 2 else [])
    if parts not in (1, 2) or len(found["MAJOR"]) != 1 or len(wanted) != parts:
        return None
    if len({match["prefix"] for match in wanted}) != 1:
        return None
    levels = [m["level"] for m in map(_LEVEL_DEFINE.fullmatch, text.splitlines()) if m]
    level = _LEVELS[levels[0]] if len(levels) == 1 else None
    line = ".".join(str(int(match["number"])) for match in wanted)
    said = ", ".join(" ".join(match.string.split()[1:]) for match in wanted)
    return line, said, level

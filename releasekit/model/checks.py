"""The checks of configuration values: each takes a value and returns why it is wrong, or
None (the schema in :mod:`releasekit.model.config` names the key and line)."""

from __future__ import annotations

import datetime
import json
import re
import string
from collections.abc import Mapping
from email.utils import getaddresses
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from packaging.version import Version

from releasekit.model.schema import Check, relative_path

LINE_GROUPS = ("upcoming", "esr", "last")
AT_RELEASE = ("cve", "credits", "cwe", "component")  # what [disclosure] at_release may name
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"


def version(value: str) -> str | None:
    try:
        Version(value)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return f"{value!r} is not a version (like 10.4)"
    if value != value.strip():  # (packaging reads "10.4 " as 10.4; a branch name would not)
        return f"{value!r} has white space around it"
    return None


def versions(values: tuple[str, ...]) -> str | None:
    for value in values:
        if problem := version(value):
            return problem
    return None


@lru_cache(maxsize=8192)  # (each advisory asks for the same few lines)
def line_of(text: str, parts: int = 2) -> str | None:
    """The line a version names: ``10.3`` for ``10.3``, ``10.03`` or ``10.3.2``; with
    ``parts`` 1 (``[releases] line_parts``: lines are major versions) ``10`` for all of them
    and for ``10``. None for text that is not a version."""
    try:
        release = (*Version(text).release, 0)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return None
    return ".".join(str(number) for number in release[:parts])


def line_key(text: str, parts: int = 2) -> str:
    """``10.3`` for a line written ``10.3``, ``10.03`` or ``10.3.0``, ``10`` for ``10`` or
    ``10.0`` with ``parts`` 1 (anything else as is)."""
    return line_of(text, parts) or text


def line_parts(value: int) -> str | None:
    if value not in (1, 2):
        return "must be 1 (a line is a major version, like 7) or 2 (like 10.3)"
    return None


VERSION_SCHEMES = ("semver", "pep440")  # [releases] version_scheme (empty: per record)


def version_scheme(value: str) -> str | None:
    if value and value not in VERSION_SCHEMES:
        return 'must be "semver" or "pep440" (or empty: each record chooses its own)'
    return None


# What git refuses in a branch name (git check-ref-format), checked without git.
_BAD_BRANCH = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$|/\.")


def branches(value: Mapping[str, str]) -> str | None:
    seen: dict[str, str] = {}
    lines: set[str] = set()
    for line, branch in value.items():
        if problem := version(line):
            return problem
        if line_key(line) in lines:
            return f"the line {line_key(line)} is named twice"
        lines.add(line_key(line))
        if not branch or _BAD_BRANCH.search(branch) or branch.startswith("refs/"):
            return f"{branch!r} is not a branch name (like main)"
        if branch in seen:
            return f"lines {seen[branch]} and {line} cannot share the branch {branch!r}"
        seen[branch] = line
    return None


# Files of a time zone database that are not IANA zones (zoneinfo.available_timezones leaves
# them out too): right/ zones count leap seconds, which zoneinfo misreads (right/America/
# New_York shows December's 14:00 UTC as 10:00 EDT, an hour off); posix/ and posixrules are
# copies; localtime is the machine's own zone, another on the next machine.
_NOT_A_ZONE = re.compile(r"(?:right|posix)/.*|posixrules|localtime", re.DOTALL)


def zone(value: str) -> str | None:
    try:
        if _NOT_A_ZONE.fullmatch(value):
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a long name
        return f"{value!r} is not an IANA time zone (like Europe/Berlin)"
    return None


SEPARATORS = "-_"  # what a name pattern may write a version's dots as: {line:-}, {version:_}


def _fields(value: str) -> list[tuple[str, str, str | None]] | None:
    """The replacement fields of a format string (name, spec, conversion); None when its
    braces do not match."""
    try:
        return [
            (name, spec or "", conversion)
            for _, name, spec, conversion in string.Formatter().parse(value)
            if name is not None
        ]
    except ValueError:
        return None


def pattern(placeholder: str, separators: str = "") -> Check:
    """A name pattern: the placeholder exactly once, plain (no conversion, attribute or
    index: "{line.x}" raised, "{line:>999999999}" built a gigabyte string, and a tag
    pattern with {version} twice could never be read back from the tags), or with one of
    ``separators`` as its spec: its dots written so (Rails' {line:-}-stable is 7-1-stable)."""
    wanted = "{" + placeholder + "}"
    allowed = {(placeholder, spec, None) for spec in ("", *separators)}
    spelt = ", ".join(f"{{{placeholder}:{spec}}}" for spec in separators)
    braces = f"only {wanted} may appear in braces{f' (or {spelt})' if spelt else ''}"

    def check(value: str) -> str | None:
        fields = _fields(value)
        if fields is None:
            return braces
        if all(name != placeholder for name, _, _ in fields):
            return f"must contain {wanted}"
        if any(field not in allowed for field in fields):
            return braces
        if len(fields) != 1:
            return f"must contain {wanted} exactly once"
        return None

    return check


def changelog_path(value: str) -> str | None:
    """A changelog's path: relative to the repository root, and with braces only for one
    ``{line}`` (or ``{line:-}``, ``{line:_}``): a changelog per line."""
    if "{" in value or "}" in value:
        problem = pattern("line", "-_")(value)
        if problem is not None:
            return problem
    return relative_path(fill(value, "1.0") if "{" in value else value)


VERSION_NUMBERS = ("major", "minor", "micro")  # a bump format's numbers of the version
# A number's width, zero-padded (PHP_VERSION_ID's {minor:02}), in decimal or in hex, lower or
# upper case (Redis' REDIS_VERSION_NUM 0x00070401: {major:04x}{minor:02x}{micro:02x}).
PADDED = re.compile(r"0[1-9][xX]?")


def bump_format(value: str) -> str | None:
    """A bump file's format: ``{version}``, or its numbers (``{major}``, ``{minor}``,
    ``{micro}``: CPython's ``#define PY_MICRO_VERSION 13``, Django's ``VERSION = ({major},
    {minor}, {micro}, "final", 0)``), each at most once, plain, and text between two, or a
    number zero-padded to a width (PHP's ``PHP_VERSION_ID {major}{minor:02}{micro:02}``,
    80314), in decimal or hex (Redis' ``0x{major:04x}{minor:02x}{micro:02x}``), right after
    another; and
    at most once the release date, ``{date}``, with a strftime format if any (OpenSSL's
    ``RELEASE_DATE="{date:%-d %b %Y}"``, "3 Sep 2024")."""
    names = ("version", *VERSION_NUMBERS)
    braces = (
        "only {version}, {major}, {minor}, {micro} or {date} may appear in braces "
        "(a number zero-padded as {minor:02}, or in hex as {minor:02x})"
    )
    fields = _fields(value)
    if fields is None:
        return braces
    if not fields:
        return None  # a flag (Node's NODE_VERSION_IS_RELEASE 1): bump_flag checks it
    for name, spec, conversion in fields:
        if conversion or (name not in (*names, "date")):
            return braces
        if spec and name != "date" and not (name in VERSION_NUMBERS and PADDED.fullmatch(spec)):
            return braces
        if name == "date" and not date_format(spec):
            return f"{{date:{spec}}} is not a date format (strftime, like %-d %b %Y)"
    if not any(name in names for name, _, _ in fields):
        return "must contain {version} (or {major}, {minor} or {micro})"
    if len({name for name, _, _ in fields}) != len(fields):
        return "must contain each of {version}, {major}, {minor}, {micro} and {date} at most once"
    # A zero-padded number needs no text before it: PHP's 80314 reads only as 8.3.14.
    parsed = list(string.Formatter().parse(value))[1:]
    if any(
        not literal and not (name and spec and name != "date") for literal, name, spec, _ in parsed
    ):
        return "must have text between two of {version}, {major}, {minor}, {micro} and {date}"
    return None


def bump_flag(form: str, development: str) -> str | None:
    """A bump's ``format`` and ``development`` together: a format with no placeholder is a
    flag that says a release (Node's ``#define NODE_VERSION_IS_RELEASE 1``), written in
    place of its development state (``... 0``), which it needs, a flag too and another
    text; a format with a placeholder has a development state with one, or none."""
    flag = not _fields(form)
    if flag and not development:
        return (
            "must contain {version} (or {major}, {minor} or {micro}), or be a flag with development"
        )
    if not development:
        return None
    if flag != (not _fields(development)):
        return "must contain a placeholder when format does, and none when it does not"
    if flag and development.strip() == form.strip():
        return "must differ from format (the flag's state between releases)"
    return None


def date_format(spec: str) -> bool:
    """Whether ``spec`` writes a date on one line of at most 100 characters (a strftime
    format: "%-d %b %Y"; empty: ISO 8601)."""
    try:
        shown = format(datetime.date(2024, 9, 3), spec)
    except ValueError:
        return False
    return 0 < len(shown) <= 100 and "\n" not in shown and "\r" not in shown


def fill(name_pattern: str, value: str) -> str:
    """The name ``name_pattern`` (checked by :func:`pattern`) gives ``value``: its dots
    written as the placeholder's separator says ("REL_{version:_}" names 16.2 REL_16_2)."""
    written = []
    for literal, name, spec, _ in string.Formatter().parse(name_pattern):
        written.append(literal)
        if name is not None:
            written.append(value.replace(".", spec) if spec else value)
    return "".join(written)


def regex(pattern: str, example: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"{value!r} is not valid (like {example})"

    return check


def at_most(check: Check, highest: int, unit: str) -> Check:
    """``check``, and no more than ``highest``: beyond it, dates and timeouts overflow."""

    def bounded(value: int) -> str | None:
        return check(value) or (None if value <= highest else f"must be at most {highest} {unit}")

    return bounded


def positive(value: int) -> str | None:
    return None if value > 0 else "must be greater than 0"


def not_negative(value: int) -> str | None:
    return None if value >= 0 else "must not be negative"


def groups(values: tuple[str, ...]) -> str | None:
    for value in values:
        if value not in LINE_GROUPS:
            return f"{value!r} is not a line group (one of {', '.join(LINE_GROUPS)})"
    return None


def at_release(values: tuple[str, ...]) -> str | None:
    for value in values:
        if value not in AT_RELEASE:
            return f"{value!r} is not a field public at release (one of {', '.join(AT_RELEASE)})"
    return None


# A login in a URL (scheme://user:password@host): refused, and the value never quoted.
_LOGIN_IN_URL = re.compile(r"[^:/]*://[^/?#]*@")


def smtp_url(value: str) -> str | None:
    if _LOGIN_IN_URL.match(value):
        return (
            "must not hold a login (user:password@): set RELEASEKIT_SMTP_USER and "
            "RELEASEKIT_SMTP_PASSWORD in the environment instead"
        )
    if not re.fullmatch(r"(smtp|smtps|smtp\+starttls)://[^/\s:@]+(:[0-9]{1,5})?/?", value):
        return "is not smtp://HOST[:PORT], smtps://HOST[:PORT] or smtp+starttls://HOST[:PORT]"
    return None


def http_url(value: str) -> str | None:
    if _LOGIN_IN_URL.match(value):
        return "must not hold a login (user:password@): credentials come from the environment"
    if not re.fullmatch(r"https?://\S+", value):
        return f"{value!r} is not an http(s) URL"
    return None


def non_empty(value: Any) -> str | None:
    return None if value else "must not be empty"


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# A plain ASCII address: what every SMTP server takes in MAIL FROM and RCPT TO.
ADDRESS = re.compile(rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]+@{_LABEL}(?:\.{_LABEL})*")


def mail_address(value: str) -> str | None:
    """The address of ``value`` (``Name <list@example.org>`` or ``list@example.org``), or
    None when it is not exactly one plain ASCII e-mail address, as the header of a message
    too: its parser decodes an RFC 2047 encoded word in the name (``=?utf-8?q?...?=``),
    refuses a line break decoded there (a ValueError where the message is built), and
    writes other decoded text as it is (``x <other@example.org>,``: another address)."""
    found = getaddresses([value]) if value.strip() else []
    if len(found) != 1 or not ADDRESS.fullmatch(found[0][1]):
        return None
    from email import message_from_string, policy  # (only a command that reads [mail])
    from email.errors import HeaderParseError

    try:
        folded = policy.SMTP.fold("To", policy.SMTP.header_store_parse("To", value)[1])
        read = message_from_string(folded + "\r\n", policy=policy.SMTP)["To"].addresses
    except (ValueError, HeaderParseError):
        return None
    if [address.addr_spec for address in read] != [found[0][1]]:
        return None
    return found[0][1]


def mailbox(value: str) -> str | None:
    if mail_address(value) is None:
        return f"{value!r} is not one e-mail address (like Name <list@example.org>)"
    return None


def mailboxes(values: tuple[str, ...]) -> str | None:
    return next((problem for value in values if (problem := mailbox(value))), None)


def bare_addresses(values: tuple[str, ...]) -> str | None:
    """Addresses alone (``security@distro.example``): a recipient's key is looked up by it."""
    for value in values:
        if mail_address(value) != value:
            return f"{value!r} is not an e-mail address alone (like security@distro.example)"
    return None


def recipient_keys(value: Mapping[str, str]) -> str | None:
    """Addresses and the fingerprints (40 or 64 hex digits) of their keys."""
    for address, fingerprint in value.items():
        if problem := bare_addresses((address,)):
            return problem
        if not re.fullmatch(r"[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}", fingerprint):
            return f"{fingerprint!r} is not a full fingerprint (40 or 64 hex digits)"
    return None


def identity(value: str) -> str | None:
    if value == "":
        return None
    if not re.fullmatch(r"[^<>\n]+ <[^<>@\s]+@[^<>\s]+>", value):
        return f"{value!r} is not Name <email>"
    return None


def optional(check: Check) -> Check:
    """``check``, for a value that may be left empty (the key's default)."""

    def checked(value: str) -> str | None:
        return None if value == "" else check(value)

    return checked


def both(first: Check, second: Check) -> Check:
    """``first``, then ``second``: the first problem found."""

    def checked(value: Any) -> str | None:
        return first(value) or second(value)

    return checked


@lru_cache(maxsize=1)
def _osv_defs() -> dict[str, Any]:
    schema_path = Path(__file__).parents[1] / "schemas" / "osv-schema.json"
    defs: dict[str, Any] = json.loads(schema_path.read_text())["$defs"]
    return defs


def osv_ecosystems() -> tuple[str, ...]:
    """The ecosystems the shipped OSV schema names (``ecosystemName``)."""
    return tuple(_osv_defs()["ecosystemName"]["enum"])


def osv_prefix(value: str) -> str | None:
    """An id prefix registered with OSV: one the shipped schema's id pattern lists (a record
    named with any other is not a valid OSV record)."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,31}", value) or value == "x_":
        return f"{value!r} is not valid (like PYSEC)"
    if re.match(_osv_defs()["prefix"]["pattern"], value + "-") is None:
        return (
            f"{value!r} is not an id prefix registered with OSV (the shipped OSV schema lists "
            "them); leave it empty for the x_ form"
        )
    return None


def osv_ecosystem(value: str) -> str | None:
    if value in osv_ecosystems():
        return None
    close = [name for name in osv_ecosystems() if name.lower() == value.lower()]
    hint = f" (did you mean {close[0]!r}?)" if close else " (as OSV spells it, e.g. PyPI)"
    return f"{value!r} is not an OSV ecosystem{hint}"

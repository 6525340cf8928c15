"""``releasekit.toml`` -> one frozen :class:`Settings`.

The schema is declarative: each table is a frozen dataclass whose fields carry their TOML
type, default and documentation (the README's configuration reference is generated from it by
:func:`reference`). Parsing (:func:`parse_config`) is separate from reading the file
(:func:`load_config`). Unknown keys get a "did you mean" suggestion; wrong types and missing
keys name the table, key and line.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import string
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from packaging.version import Version

from releasekit.support import text as textrule
from releasekit.support import tomlpos
from releasekit.support.errors import ConfigError, Problem

CONFIG_NAME = "releasekit.toml"
LINE_GROUPS = ("upcoming", "esr", "last")

Check = Callable[[Any], str | None]
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}"


def _doc(doc: str, default: Any = dataclasses.MISSING, check: Check | None = None) -> Any:
    meta = {"doc": doc, "check": check}
    if isinstance(default, list | tuple):
        return field(default_factory=lambda: tuple(default), metadata=meta)
    return field(default=default, metadata=meta)


def _version(value: str) -> str | None:
    try:
        Version(value)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return f"{value!r} is not a version (like 10.4)"
    return None


def _versions(values: tuple[str, ...]) -> str | None:
    for value in values:
        if problem := _version(value):
            return problem
    return None


def _zone(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", a long name
        return f"{value!r} is not an IANA time zone (like Europe/Berlin)"
    return None


def _pattern(placeholder: str) -> Check:
    """A name pattern: the placeholder exactly once, plain (no format spec, conversion,
    attribute or index: "{line.x}" raised, "{line:>999999999}" built a gigabyte string, and a
    tag pattern with {version} twice could never be read back from the tags)."""
    wanted = "{" + placeholder + "}"

    def check(value: str) -> str | None:
        if wanted not in value:
            return f"must contain {wanted}"
        try:
            fields = [
                (name, spec, conversion)
                for _, name, spec, conversion in string.Formatter().parse(value)
                if name is not None
            ]
        except ValueError:  # an unmatched brace
            return f"only {wanted} may appear in braces"
        if any(field != (placeholder, "", None) for field in fields):
            return f"only {wanted} may appear in braces"
        if len(fields) != 1:
            return f"must contain {wanted} exactly once"
        return None

    return check


def _regex(pattern: str, example: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"{value!r} is not valid (like {example})"

    return check


def _at_most(check: Check, highest: int, unit: str) -> Check:
    """``check``, and no more than ``highest``: beyond it, dates and timeouts overflow."""

    def bounded(value: int) -> str | None:
        return check(value) or (None if value <= highest else f"must be at most {highest} {unit}")

    return bounded


def _positive(value: int) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _not_negative(value: int) -> str | None:
    return None if value >= 0 else "must not be negative"


def _groups(values: tuple[str, ...]) -> str | None:
    for value in values:
        if value not in LINE_GROUPS:
            return f"{value!r} is not a line group (one of {', '.join(LINE_GROUPS)})"
    return None


# A login in a URL (scheme://user:password@host): refused, and the value never quoted.
_LOGIN_IN_URL = re.compile(r"[^:/]*://[^/?#]*@")


def _smtp_url(value: str) -> str | None:
    if _LOGIN_IN_URL.match(value):
        return (
            "must not hold a login (user:password@): set RELEASEKIT_SMTP_USER and "
            "RELEASEKIT_SMTP_PASSWORD in the environment instead"
        )
    if not re.fullmatch(r"(smtp|smtps|smtp\+starttls)://[^/\s:@]+(:\d{1,5})?/?", value):
        return "is not smtp://HOST[:PORT], smtps://HOST[:PORT] or smtp+starttls://HOST[:PORT]"
    return None


def _http_url(value: str) -> str | None:
    if _LOGIN_IN_URL.match(value):
        return "must not hold a login (user:password@): credentials come from the environment"
    if not re.fullmatch(r"https?://\S+", value):
        return f"{value!r} is not an http(s) URL"
    return None


def _non_empty(value: Any) -> str | None:
    return None if value else "must not be empty"


def _identity(value: str) -> str | None:
    if value == "":
        return None
    if not re.fullmatch(r"[^<>\n]+ <[^<>@\s]+@[^<>\s]+>", value):
        return f"{value!r} is not Name <email>"
    return None


@dataclass(frozen=True)
class ProjectSettings:
    """[project]: the product and where its code lives."""

    name: str = _doc("Product name used in texts.", check=_non_empty)
    vendor: str = _doc("Vendor name in CVE records.", check=_non_empty)
    repository: str = _doc(
        "Local clone of the product, relative to the workspace.", check=_non_empty
    )
    advisory_prefix: str = _doc(
        "Advisory id prefix: PREFIX-YYYY-NNNN.", check=_regex(r"[A-Z][A-Z0-9]{0,15}", "ACSA")
    )
    site_url: str = _doc("Public URL of the security-updates site.", check=_http_url)
    remote: str = _doc("Remote of the clone that the lift pushes to.", "origin", _non_empty)
    disclosure_days: int = _doc(
        "Days between release and full details (at most 3650).",
        30,
        _at_most(_not_negative, 3650, "days"),
    )
    embargo_hours: int = _doc(
        "Default embargo after a CVE is reserved (at most 8760).",
        72,
        _at_most(_positive, 8760, "hours"),
    )
    time_zone: str = _doc("IANA time zone shown beside UTC in texts.", "UTC", _zone)


@dataclass(frozen=True)
class ReleasesSettings:
    """[releases]: how release lines appear in the product repository."""

    upcoming: str = _doc("The next, not yet released line (e.g. 10.4).", check=_version)
    branch: str = _doc(
        "Public branch of a line: `{line}` once.", "release-{line}", _pattern("line")
    )
    tag: str = _doc(
        "Release tag of a version: `{version}` once.", "v{version}", _pattern("version")
    )
    esr: tuple[str, ...] = _doc("Extended support release lines.", (), _versions)
    last: int = _doc("How many of the newest released lines are supported.", 3, _not_negative)
    committer: str = _doc(
        "Committer of the pushed fixes, Name <email> (default: the product clone's "
        "user.name and user.email).",
        "",
        _identity,
    )


@dataclass(frozen=True)
class PolicySettings:
    """[policy]: the line groups that get a fix, by final severity."""

    none: tuple[str, ...] = _doc("Groups for severity None.", (), _groups)
    low: tuple[str, ...] = _doc("Groups for Low.", ("upcoming", "esr"), _groups)
    medium: tuple[str, ...] = _doc("Groups for Medium.", LINE_GROUPS, _groups)
    high: tuple[str, ...] = _doc("Groups for High.", LINE_GROUPS, _groups)
    critical: tuple[str, ...] = _doc("Groups for Critical.", LINE_GROUPS, _groups)

    def groups(self, severity: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, severity)
        return value


@dataclass(frozen=True)
class MailSettings:
    """[mail]: the signed announcement. Credentials come only from the environment."""

    sender: str = _doc("From: header of announcements.", check=_non_empty)
    to: tuple[str, ...] = _doc("Mailing lists that get announcements.", check=_non_empty)
    smtp: str = _doc(
        "smtp://, smtps:// or smtp+starttls:// HOST[:PORT]; no login in it (the login comes "
        "from RELEASEKIT_SMTP_USER and RELEASEKIT_SMTP_PASSWORD).",
        check=_smtp_url,
    )
    signing_key: str = _doc("Fingerprint of the GnuPG signing key.", check=_non_empty)
    timeout: int = _doc(
        "Seconds to wait for the SMTP server (at most 3600).",
        30,
        _at_most(_positive, 3600, "seconds"),
    )


@dataclass(frozen=True)
class NotifySettings:
    """[notify]: predisclosure to distributors, encrypted to each recipient's own key."""

    to: tuple[str, ...] = _doc(
        "Addresses that get details and patches before the embargo ends (their public keys "
        "must be in the GnuPG home).",
        check=_non_empty,
    )


@dataclass(frozen=True)
class LintSettings:
    """[lint]: the leak check of everything the lift would push."""

    words: tuple[str, ...] = _doc("Extra words that signal a leak.", ())
    allow: tuple[str, ...] = _doc("Exact phrases that are allowed.", ())


@dataclass(frozen=True)
class CveSettings:
    """[cve]: CVE records. CVE_USER, CVE_ORG and CVE_API_KEY come from the environment."""

    environment: str = _doc(
        "CVE Services environment: prod, test or dev.",
        "prod",
        lambda v: None if v in ("prod", "test", "dev") else "must be prod, test or dev",
    )
    url: str = _doc(
        "CVE Services API URL (overrides environment).",
        "",
        lambda v: None if not v else _http_url(v),
    )
    org_id: str = _doc(
        "CNA organisation UUID (v4); site/cve/ records are written only when it is set.",
        "",
        lambda v: None if not v else _regex(_UUID, "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36")(v),
    )
    short_name: str = _doc(
        "CNA short name for records (2 to 32 characters).",
        "",
        lambda v: None if not v or 2 <= len(v) <= 32 else "must be 2 to 32 characters",
    )


# Keys whose TOML name differs from the Python name.
_TOML_NAMES = {"sender": "from"}
_TABLES: dict[str, type] = {
    "project": ProjectSettings,
    "releases": ReleasesSettings,
    "policy": PolicySettings,
    "mail": MailSettings,
    "notify": NotifySettings,
    "lint": LintSettings,
    "cve": CveSettings,
}
_REQUIRED_TABLES = ("project", "releases")


@dataclass(frozen=True)
class Settings:
    """Everything a core function needs to know about one workspace."""

    root: Path
    project: ProjectSettings
    releases: ReleasesSettings
    policy: PolicySettings = field(default_factory=PolicySettings)
    mail: MailSettings | None = None
    notify: NotifySettings | None = None
    lint: LintSettings = field(default_factory=LintSettings)
    cve: CveSettings = field(default_factory=CveSettings)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def advisories_dir(self) -> Path:
        return self.root / "advisories"

    @property
    def patches_dir(self) -> Path:
        return self.root / "patches"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def state_dir(self) -> Path:
        return self.root / ".releasekit"

    @property
    def repository_path(self) -> Path:
        return (self.root / self.project.repository).resolve()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.project.time_zone)

    def branch_name(self, line: str) -> str:
        return self.releases.branch.format(line=line)

    def tag_name(self, version: str) -> str:
        return self.releases.tag.format(version=version)


def _toml_name(name: str) -> str:
    return _TOML_NAMES.get(name, name)


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
    raise TypeError(expected)  # pragma: no cover - schema error


def _text_problem(value: Any) -> str | None:
    """Why a string value (or one of a list) cannot be used: every value is one line that
    may reach pages, feeds, e-mail headers or the terminal (see support.text)."""
    for item in value if isinstance(value, tuple) else (value,):
        if isinstance(item, str) and (bad := textrule.refused(item)):
            return bad[1]
    return None


def _parse_table(
    cls: type, table: str, data: Mapping[str, Any], text: str, path: Path, problems: list[Problem]
) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {_toml_name(f.name): f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    suggested: set[str] = set()  # a missing key that an unknown one is likely a typo of
    for key, value in data.items():
        line = tomlpos.key_line(text, table, key)
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
        problem, converted = _type_problem(hints[f.name], value)
        if problem is None:
            problem = _text_problem(converted)
        if problem is None and f.metadata.get("check"):
            problem = f.metadata["check"](converted)
        if problem:
            problems.append(Problem(path, line, f"{table}.{key}", problem))
            continue
        values[f.name] = converted
    for key, f in fields.items():
        missing = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if missing and key not in data and key not in suggested:  # a typo is one problem
            line = tomlpos.table_line(text, table)
            problems.append(Problem(path, line, f"{table}.{key}", "required key is missing"))
    try:
        return cls(**values)
    except TypeError:
        return None  # missing keys already reported


def parse_config(text: str, root: Path, path: Path | None = None) -> Settings:
    """Parse the text of a releasekit.toml for the workspace at ``root``."""
    path = path or root / CONFIG_NAME
    data, line, message = tomlpos.loads(text)
    if data is None:
        raise ConfigError.one(path, line, None, message or "invalid TOML")
    problems: list[Problem] = []
    tables: dict[str, Any] = {}
    suggested: set[str] = set()  # (as in _parse_table)
    for name, value in data.items():
        if name not in _TABLES:
            close = difflib.get_close_matches(name, list(_TABLES), n=1, cutoff=0.6)
            hint = f"; did you mean [{close[0]}]?" if close else ""
            suggested.update(close)
            line = tomlpos.table_line(text, name) or tomlpos.key_line(text, None, name)
            problems.append(Problem(path, line, name, f"unknown table{hint}"))
            continue
        if not isinstance(value, dict):
            line = tomlpos.key_line(text, None, name)
            problems.append(Problem(path, line, name, "must be a table ([" + name + "])"))
            continue
        tables[name] = _parse_table(_TABLES[name], name, value, text, path, problems)
    for name in _REQUIRED_TABLES:
        if name not in data and name not in suggested:
            problems.append(Problem(path, None, name, f"required table [{name}] is missing"))
    if problems:
        raise ConfigError(problems)
    releases: ReleasesSettings = tables["releases"]
    if releases.upcoming in releases.esr:
        line = tomlpos.key_line(text, "releases", "esr")
        raise ConfigError.one(path, line, "releases.esr", "the upcoming line cannot be an ESR")
    return Settings(root=root, **tables)


def load_config(root: Path) -> Settings:
    """Read and parse ``root/releasekit.toml``."""
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")  # (without an editor's byte order mark)
    except FileNotFoundError:
        raise ConfigError.one(
            path, None, None, "not found: run `releasekit init` or pass --workspace DIR"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError.one(path, None, None, "is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError.one(path, None, None, f"cannot be read: {exc.strerror}") from None
    return parse_config(text, root.resolve(), path)


def reference() -> list[tuple[str, str, str, str]]:
    """(table, key, default, meaning) for every key: the configuration reference."""
    rows = []
    for table, cls in _TABLES.items():
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                default = repr(f.default) if f.default != "" else '""'
            elif f.default_factory is not dataclasses.MISSING:
                default = repr(list(f.default_factory()))
            else:
                default = "required"
            rows.append((table, _toml_name(f.name), default, f.metadata["doc"]))
    return rows

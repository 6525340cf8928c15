"""``releasekit.toml`` -> one frozen :class:`Settings`.

The schema is declarative: each table is a frozen dataclass whose fields carry their TOML
type, default and documentation (the README's configuration reference is generated from it by
:func:`reference`); :mod:`releasekit.model.schema` reads data into it. Parsing
(:func:`parse_config`) is separate from reading the file (:func:`load_config`). Unknown keys
get a "did you mean" suggestion; wrong types and missing keys name the table, key and line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from releasekit.model import checks, schema
from releasekit.model.checks import line_key as line_key  # named here for its users
from releasekit.model.schema import field_doc as _doc
from releasekit.model.tables import CveSettings as CveSettings
from releasekit.model.tables import DisclosureSettings as DisclosureSettings
from releasekit.model.tables import LintSettings as LintSettings
from releasekit.model.tables import OsvSettings as OsvSettings
from releasekit.model.tables import SlaSettings as SlaSettings
from releasekit.model.tables import VerifySettings as VerifySettings
from releasekit.support import fsutil, tomlpos
from releasekit.support.errors import ConfigError, Problem

CONFIG_NAME = "releasekit.toml"


@dataclass(frozen=True)
class ProjectSettings:
    """[project]: the product and where its code lives."""

    name: str = _doc("Product name used in texts.", check=checks.non_empty)
    vendor: str = _doc("Vendor name in CVE records.", check=checks.non_empty)
    repository: str = _doc(
        "Local clone of the product, relative to the workspace.", check=checks.non_empty
    )
    advisory_prefix: str = _doc(
        "Advisory id prefix: PREFIX-YYYY-NNNN (four to twelve digits).",
        check=checks.regex(r"[A-Z][A-Z0-9]{0,15}", "ACSA"),
    )
    site_url: str = _doc("Public URL of the security-updates site.", check=checks.http_url)
    remote: str = _doc("Remote of the clone that the lift pushes to.", "origin", checks.non_empty)
    disclosure_days: int = _doc(
        "Days between release and full details (at most 3650).",
        30,
        checks.at_most(checks.not_negative, 3650, "days"),
    )
    embargo_hours: int = _doc(
        "Default embargo after a CVE is reserved (at most 8760).",
        72,
        checks.at_most(checks.positive, 8760, "hours"),
    )
    time_zone: str = _doc("IANA time zone shown beside UTC in texts.", "UTC", checks.zone)
    repository_url: str = _doc(
        "Public URL of the product's repository (OSV GIT ranges, links to fix commits).",
        "",
        checks.optional(checks.http_url),
    )
    policy_url: str = _doc(
        "Page of the disclosure policy, linked from the placeholder sentence.",
        "",
        checks.optional(checks.http_url),
    )
    release_url: str = _doc(
        "Page of a release, linked from each fixed version: a URL with {version}.",
        "",
        checks.optional(checks.both(checks.http_url, checks.pattern("version"))),
    )


@dataclass(frozen=True)
class BumpSettings:
    """[[releases.bump]]: a file of the product that carries the version."""

    path: str = _doc(
        "The file, relative to the repository root (e.g. src/acme/_version.py).",
        check=schema.relative_path,
    )
    format: str = _doc(
        "How the file writes the version, one line with `{version}` once (e.g. "
        '`__version__ = "{version}"`), or its numbers, `{major}`, `{minor}` and `{micro}` '
        "(0 when the version has fewer), each at most once, for a file that writes them "
        "apart (CPython's `#define PY_MICRO_VERSION        {micro}`: one "
        "`[[releases.bump]]` per line of a file; Django's "
        '`VERSION = ({major}, {minor}, {micro}, "final", 0)`), with text between two '
        "unless the second is zero-padded to a width (PHP's `#define PHP_VERSION_ID "
        "{major}{minor:02}{micro:02}`, 80314 for 8.3.14), in decimal or in hex (Redis' "
        "`#define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}`, 0x00070401 for "
        "7.4.1; `X` for upper-case digits): the release commit "
        "replaces the current version by the next, "
        "and the file must contain it written so exactly once (or the next version, as nginx "
        "writes it right after a release: then it is left as it is). `{version}` may say the "
        'current version with a post-release marker, as CPython\'s `"3.12.10+"` does between '
        "releases: the next is written without it. A format may span several lines "
        "of the file in a row, moved together (OpenSSL's `VERSION.dat`: "
        "`PATCH={micro}` then `PRE_RELEASE_TAG=`, as a TOML multi-line string), and say "
        "the release date once, `{date}` (ISO 8601) or with a strftime format "
        '(OpenSSL\'s `RELEASE_DATE="{date:%-d %b %Y}"`, "3 Sep 2024"): the day of the '
        "release in UTC, where the file may say any earlier one; a time of day in the "
        "format is the release's (Go's `time {date:%Y-%m-%dT%H:%M:%SZ}`). A format with no "
        "placeholder is a flag that says a release, written by the release commit in place "
        "of its `development` state (Node's `#define NODE_VERSION_IS_RELEASE 1` for `0`), "
        "and kept where the file says it already.",
        check=schema.some_lines(checks.bump_format),
        lines=True,
    )
    development: str = _doc(
        "How the file writes the *next* version between releases, for a project that "
        "moves it right after each release to a development state (Django's post-release "
        'bump, `VERSION = ({major}, {minor}, {micro}, "alpha", 0)`): a file that says the '
        "next version so gets it written in `format` by the release commit. Same "
        "placeholders and lines as `format` (OpenSSL's `PATCH={micro}` then "
        "`PRE_RELEASE_TAG=dev`); a flag's, with no placeholder either. Empty: none.",
        "",
        checks.optional(schema.some_lines(checks.bump_format)),
        lines=True,
    )


@dataclass(frozen=True)
class ChangelogSettings:
    """[releases.changelog]: the changelog that gets an entry in each release commit."""

    path: str = _doc(
        "The changelog, relative to the repository root (e.g. CHANGES.md); its entries are "
        "reStructuredText when its name ends in .rst, Markdown otherwise. A project that "
        "keeps one per line names it with `{line}` (Kubernetes' "
        "CHANGELOG/CHANGELOG-{line}.md, CHANGELOG-1.31.md on release-1.31).",
        check=checks.changelog_path,
    )
    marker: str = _doc(
        "The line after which the entry (template changelog-entry.txt.j2) goes.",
        check=schema.one_line(),
    )

    def path_of(self, line: str) -> str:
        """The changelog of ``line``: ``path`` with ``{line}`` filled in, when it has one."""
        return checks.fill(self.path, line) if "{" in self.path else self.path


@dataclass(frozen=True)
class ReleasesSettings:
    """[releases]: how release lines appear in the product repository."""

    upcoming: str = _doc("The next, not yet released line (e.g. 10.4).", check=checks.version)
    upcoming_released: bool = _doc(
        "The upcoming line is released already, from its own branch: a project that releases "
        'its newest line from main (`upcoming = "8"`, `branches = { "8" = "main" }`), with no '
        "branch of that line. Its fixes are then tagged with its next patch version, as on "
        "any released line; off, a release of the upcoming line is an error.",
        False,
    )
    tags_off_branch: bool = _doc(
        "Release tags sit on no public branch: the project tags each release on a local "
        "branch that it never pushes (PHP's `php-8.3.14`, made from `PHP-8.3.14`). A line's "
        "releases are then its release tags on its branch or on no branch of the remote; "
        "off, only those on its branch (a tag elsewhere is a problem).",
        False,
    )
    release_off_branch: bool = _doc(
        "The lift tags each release off its branch, as PHP does: the tag points at the "
        "release commit on the last fix, which no branch holds, and the line's branch gets "
        "the fixes and then a commit that moves the version files on to the version after "
        "the release, in each bump's `development` form (`PHP-8.3 is now for PHP "
        "8.3.16-dev`, template development-commit.txt.j2; a bump without one in its "
        "`format`). Off, the branch ends at the release commit. Needs `tags_off_branch` "
        "and `[[releases.bump]]`.",
        False,
    )
    branch: str = _doc(
        "Public branch of a line: `{line}` once, or `{line:-}` or `{line:_}` to write its "
        "dots so (Rails' `{line:-}-stable` names 7.1's branch 7-1-stable).",
        "release-{line}",
        checks.pattern("line", checks.SEPARATORS),
    )
    line_parts: int = _doc(
        "How many numbers of a version name its line: 2 (line 10.3 holds 10.3.x) or 1 (line "
        "7 holds 7.x.y, for a project that branches per major version, like v7.x).",
        2,
        checks.line_parts,
    )
    version_scheme: str = _doc(
        "How the project's versions order, for every CVE and CSAF record: `semver` (SemVer "
        "2.0.0: three numbers, a pre-release as 10.3.1-rc.1) or `pep440` (any number of "
        "numbers, as Rails' 7.1.5.1: CVE `python`, CSAF `vers:pypi`); a version that the "
        "scheme cannot say is an error. Empty: each record's own, from the versions it "
        "names, which a scanner cannot place a four-number release against when a record "
        "names only three-number ones.",
        "",
        checks.version_scheme,
    )
    pre_releases: bool = _doc(
        "The project publishes pre-releases of a line's first release (CPython's 3.14.0b2, "
        "PostgreSQL's 17beta2, Kubernetes' v1.31.0-alpha.1): then a line fixed in its first "
        'release had them affected when the code was there before it ("3.14.0 pre-releases" '
        "on the pages and in the announcement, a range from 3.14.0.dev0 in the records), and "
        "so had a line affected from its first release and fixed later (3.13 fixed in 3.13.1: "
        '"3.13.0 and its pre-releases", from 3.13.0.dev0). Off, '
        "only a line fixed in a pre-release (0.104.0-alpha.6) has its earlier ones affected. "
        "`init --repository` sets it when a tag is such a pre-release.",
        False,
    )
    branches: Mapping[str, str] = _doc(
        'Branches of lines that `branch` does not name, e.g. `{ "10.4" = "main" }` '
        "(the upcoming line may live on the development branch).",
        {},
        checks.branches,
    )
    tag: str = _doc(
        "Release tag of a version: `{version}` once, or `{version:-}` or `{version:_}` to "
        "write its dots so (PostgreSQL's `REL_{version:_}` is REL_16_2); the spelling the "
        "lift writes.",
        "v{version}",
        checks.pattern("version", checks.SEPARATORS),
    )
    esr_tag: str = _doc(
        "Release tag of a version of an `esr` line, when the project spells it otherwise "
        "than `tag` (Firefox's `FIREFOX_{version:_}esr_RELEASE`, FIREFOX_128_5_1esr_RELEASE "
        "for 128.5.1): the spelling the lift writes for those lines, and read like `tag`. "
        "Empty: `tag`.",
        "",
        checks.optional(checks.pattern("version", checks.SEPARATORS)),
    )
    read_tags: tuple[str, ...] = _doc(
        'Earlier spellings of release tags (e.g. `["release-{version}"]`): read, never '
        "written. Releases and next versions come from every spelling.",
        (),
        schema.each(checks.pattern("version", checks.SEPARATORS)),
    )
    esr: tuple[str, ...] = _doc("Extended support release lines.", (), checks.versions)
    prerelease: tuple[str, ...] = _doc(
        "Lines branched off for their first release, not released yet, older than upcoming "
        "(CPython's 3.14 in its betas on branch 3.14 while main is 3.15; Go's "
        "release-branch.go1.23 at go1.23rc1): each gets the upcoming line's fixes on its own "
        "branch, untagged, and is fixed in its first version.",
        (),
        checks.versions,
    )
    last: int = _doc("How many of the newest released lines are supported.", 3, checks.not_negative)
    committer: str = _doc(
        "Committer of the pushed fixes, Name <email> (default: the product clone's "
        "user.name and user.email).",
        "",
        checks.identity,
    )
    bump: tuple[BumpSettings, ...] = _doc(
        "Files that carry the version, as `[[releases.bump]]` tables (path, format). With "
        "bump files or a changelog, each release ends in a release commit (template "
        "release-commit.txt.j2) that the tag points at.",
        (),
    )
    changelog: ChangelogSettings | None = _doc(  # noqa: RUF009 - _doc makes a field()
        "The changelog, as a `[releases.changelog]` table (path, marker); optional.", None
    )


@dataclass(frozen=True)
class PolicySettings:
    """[policy]: the line groups that get a fix, by final severity."""

    none: tuple[str, ...] = _doc("Groups for severity None.", (), checks.groups)
    low: tuple[str, ...] = _doc("Groups for Low.", ("upcoming", "esr"), checks.groups)
    medium: tuple[str, ...] = _doc("Groups for Medium.", checks.LINE_GROUPS, checks.groups)
    high: tuple[str, ...] = _doc("Groups for High.", checks.LINE_GROUPS, checks.groups)
    critical: tuple[str, ...] = _doc("Groups for Critical.", checks.LINE_GROUPS, checks.groups)

    def groups(self, severity: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, severity)
        return value


@dataclass(frozen=True)
class MailSettings:
    """[mail]: the signed announcement. Credentials come only from the environment."""

    sender: str = _doc(
        "From: header of announcements: one address (Name <security@acme.example>).",
        check=checks.both(checks.non_empty, checks.mailbox),
        toml="from",
    )
    to: tuple[str, ...] = _doc(
        "Mailing lists that get announcements, one address each.",
        check=checks.both(checks.non_empty, checks.mailboxes),
    )
    smtp: str = _doc(
        "smtp://, smtps:// or smtp+starttls:// HOST[:PORT]; no login in it (the login comes "
        "from RELEASEKIT_SMTP_USER and RELEASEKIT_SMTP_PASSWORD).",
        check=checks.smtp_url,
    )
    signing_key: str = _doc("Fingerprint of the GnuPG signing key.", check=checks.non_empty)
    timeout: int = _doc(
        "Seconds to wait for the SMTP server (at most 3600).",
        30,
        checks.at_most(checks.positive, 3600, "seconds"),
    )


@dataclass(frozen=True)
class NotifySettings:
    """[notify]: predisclosure to distributors, encrypted to each recipient's own key."""

    to: tuple[str, ...] = _doc(
        "Addresses alone (security@distro.example) that get details and patches before the "
        "embargo ends; each recipient's public key must be in the GnuPG home, found by it.",
        check=checks.both(checks.non_empty, checks.bare_addresses),
    )
    keys: Mapping[str, str] = _doc(
        "The key to encrypt to, by address, for a recipient with more than one valid key in "
        'the GnuPG home: e.g. `{ "security@distro.example" = "FINGERPRINT" }`.',
        {},
        checks.recipient_keys,
    )


_TABLES: dict[str, type] = {
    "project": ProjectSettings,
    "releases": ReleasesSettings,
    "policy": PolicySettings,
    "mail": MailSettings,
    "notify": NotifySettings,
    "lint": LintSettings,
    "cve": CveSettings,
    "disclosure": DisclosureSettings,
    "sla": SlaSettings,
    "verify": VerifySettings,
    "osv": OsvSettings,
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
    disclosure: DisclosureSettings = field(default_factory=DisclosureSettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)
    osv: OsvSettings = field(default_factory=OsvSettings)

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
        return fsutil.resolved(self.root / self.project.repository)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.project.time_zone)

    def line_name(self, text: str) -> str:
        """The line that a version or a line's name names, keyed as ``[releases]
        line_parts`` says: ``10.3`` for ``10.3.2``, or ``10`` when lines are major versions."""
        return line_key(text, self.releases.line_parts)

    def branch_name(self, line: str) -> str:
        """The public branch of ``line``: ``[releases] branches``, else the pattern."""
        named = self.releases.branches.get(self.line_name(line))
        return named if named is not None else checks.fill(self.releases.branch, line)

    @property
    def tag_patterns(self) -> tuple[str, ...]:
        """Every spelling of a release tag: the ones written first (``tag``, ``esr_tag``),
        then the ones read."""
        written = (self.releases.tag, self.releases.esr_tag) if self.releases.esr_tag else ()
        return (*(written or (self.releases.tag,)), *self.releases.read_tags)

    def tag_name(self, version: str, line: str | None = None) -> str:
        """The tag the lift writes for ``version`` (of ``line``: ``esr_tag`` on an ESR)."""
        esr = {self.line_name(name) for name in self.releases.esr}
        if self.releases.esr_tag and line is not None and self.line_name(line) in esr:
            return checks.fill(self.releases.esr_tag, version)
        return checks.fill(self.releases.tag, version)


def parse_config(text: str, root: Path, path: Path | None = None) -> Settings:
    """Parse the text of a releasekit.toml for the workspace at ``root``."""
    path = path or root / CONFIG_NAME
    data, line, message = tomlpos.loads(text)
    if data is None:
        raise ConfigError.one(path, line, None, message or "invalid TOML")
    problems: list[Problem] = []
    tables = schema.parse_tables(_TABLES, _REQUIRED_TABLES, data, text, path, problems)
    if problems:
        raise ConfigError(problems)
    releases: ReleasesSettings = tables["releases"]
    if releases.branches:
        named: dict[str, str] = {}
        for name, branch in releases.branches.items():
            key = line_key(name, releases.line_parts)
            if key in named:  # 7.1 and 7.2, when lines are major versions (checks.branches)
                line = tomlpos.key_line(text, "releases", "branches")
                message = f"the line {key} is named twice (line_parts = {releases.line_parts})"
                raise ConfigError.one(path, line, "releases.branches", message)
            named[key] = branch
        tables["releases"] = releases = dataclasses.replace(releases, branches=named)
    for number, bump in enumerate(releases.bump):
        problem = checks.bump_flag(bump.format, bump.development)
        if problem:  # a flag needs its development state (checks.bump_flag)
            key = "development" if bump.development else "format"
            line = tomlpos.key_line(text, f"releases.bump[{number}]", key)
            raise ConfigError.one(path, line, f"releases.bump.{key}", problem)
    notify = tables.get("notify")
    if isinstance(notify, NotifySettings):
        for address in notify.keys:
            if address not in notify.to:
                line = tomlpos.key_line(text, "notify", "keys")
                message = f"{address!r} is not in notify.to"
                raise ConfigError.one(path, line, "notify.keys", message)
    if releases.upcoming in releases.esr:
        line = tomlpos.key_line(text, "releases", "esr")
        raise ConfigError.one(path, line, "releases.esr", "the upcoming line cannot be an ESR")
    for name in releases.prerelease:
        if name == releases.upcoming or name in releases.esr:
            line = tomlpos.key_line(text, "releases", "prerelease")
            which = "upcoming" if name == releases.upcoming else "an ESR"
            raise ConfigError.one(path, line, "releases.prerelease", f"{name} is {which} line")
    if releases.release_off_branch and not (releases.tags_off_branch and releases.bump):
        line = tomlpos.key_line(text, "releases", "release_off_branch")
        need = "tags_off_branch = true" if releases.bump else "[[releases.bump]]"
        raise ConfigError.one(path, line, "releases.release_off_branch", f"needs {need}")
    osv: OsvSettings = tables.get("osv", OsvSettings())
    if bool(osv.ecosystem) != bool(osv.package):
        given, missing = ("ecosystem", "package") if osv.ecosystem else ("package", "ecosystem")
        line = tomlpos.key_line(text, "osv", given)
        raise ConfigError.one(path, line, f"osv.{missing}", f"required with osv.{given}")
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
    return parse_config(text, fsutil.resolved(root), path)


def reference() -> list[tuple[str, str, str, str]]:
    """(table, key, default, meaning) for every key: the configuration reference. The keys
    of a nested table follow the key that names it (``releases.bump`` then
    ``releases.bump.path``)."""
    rows: list[tuple[str, str, str, str]] = []
    for table, cls in _TABLES.items():
        rows += schema.reference_rows(table, cls)
    return rows

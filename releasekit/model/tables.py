"""The tables of ``releasekit.toml`` about the process and the records: ``[disclosure]``,
``[sla]``, ``[verify]``, ``[lint]``, ``[osv]`` and ``[cve]`` (declared as in
:mod:`releasekit.model.config`, which gathers every table into its ``Settings``)."""

from __future__ import annotations

from dataclasses import dataclass

from releasekit.model import checks
from releasekit.model.schema import field_doc as _doc


@dataclass(frozen=True)
class DisclosureSettings:
    """[disclosure]: what of a released advisory is public before its disclosure date."""

    at_release: tuple[str, ...] = _doc(
        "Fields public from the release rather than the disclosure date (in the "
        "announcement, the tag message, the pages and advisories.json): any of cve, "
        "credits, cwe, component.",
        (),
        checks.at_release,
    )


@dataclass(frozen=True)
class SlaSettings:
    """[sla]: days to a fix by final severity, counted from an advisory's ``reported``
    (defaults from Mattermost's published process; the disclosure deadline from Coder's
    policy of 90 days from the report). Severity None has no due date, only the deadline."""

    critical: int = _doc(
        "Days from the report to the fix of a Critical advisory (at most 3650).",
        7,
        checks.at_most(checks.positive, 3650, "days"),
    )
    high: int = _doc(
        "Days to the fix of a High advisory.", 30, checks.at_most(checks.positive, 3650, "days")
    )
    medium: int = _doc(
        "Days to the fix of a Medium advisory.", 90, checks.at_most(checks.positive, 3650, "days")
    )
    low: int = _doc(
        "Days to the fix of a Low advisory.", 180, checks.at_most(checks.positive, 3650, "days")
    )
    disclosure_deadline_days: int = _doc(
        "Days from the report after which the reporter may disclose it: the latest release.",
        90,
        checks.at_most(checks.positive, 3650, "days"),
    )
    enforce: bool = _doc(
        "true: the lift's preflight refuses a release after a due date or the deadline "
        "(false: a warning).",
        False,
    )

    def days(self, severity: str) -> int | None:
        """Days to the fix of ``severity``; None for severity None."""
        value: int | None = getattr(self, severity, None) if severity != "none" else None
        return value


@dataclass(frozen=True)
class VerifySettings:
    """[verify]: build and test each tip the lift would push, before the lift."""

    command: tuple[str, ...] = _doc(
        'The command as an argument list, e.g. `["make", "test"]`, run in a private '
        "temporary worktree of each patched tip (exactly the tree the lift pushes; the "
        "tagged one with `release_off_branch`) with a "
        "minimal environment and, where the platform allows, no network. Empty: no verify "
        "gate.",
        (),
        lambda v: "must not start with an empty argument" if v and not v[0].strip() else None,
    )
    timeout: int = _doc(
        "Seconds a line's run may take before it is killed and fails (at most 86400).",
        1800,
        checks.at_most(checks.positive, 86400, "seconds"),
    )


@dataclass(frozen=True)
class OsvSettings:
    """[osv]: how OSV records name the product, so that scanners can match them."""

    ecosystem: str = _doc(
        "OSV ecosystem the product is published in (PyPI, npm, crates.io, Go, Maven, ...), "
        "with package: records carry ECOSYSTEM ranges. A line fixed in its first release "
        "has its pre-releases' range start at the lowest pre-release as the ecosystem "
        "orders versions (3.14.0.dev0 in PyPI, 3.14.0-0 in SemVer's, 3.14.0-alpha in Maven, "
        "3.14.0.A in RubyGems, 3.14.0-DEV in Packagist, 3.14.0~ in Debian's and RPM's, "
        "3.14.0_alpha in Alpine's); in another ecosystem that range is left out.",
        "",
        checks.optional(checks.osv_ecosystem),
    )
    package: str = _doc(
        "The product's package name in that ecosystem.", "", checks.optional(checks.non_empty)
    )
    prefix: str = _doc(
        "Id prefix registered with OSV (records are named PREFIX-...); empty: the x_ form "
        "an unregistered database must use.",
        "",
        checks.optional(checks.osv_prefix),
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
        lambda v: None if not v else checks.http_url(v),
    )
    org_id: str = _doc(
        "CNA organisation UUID (v4); site/cve/ records are written only when it is set.",
        "",
        lambda v: (
            None if not v else checks.regex(checks.UUID, "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36")(v)
        ),
    )
    short_name: str = _doc(
        "CNA short name for records (2 to 32 characters).",
        "",
        lambda v: None if not v or 2 <= len(v) <= 32 else "must be 2 to 32 characters",
    )
    timeout: int = _doc(  # one deadline: connecting, status, headers and body
        "Seconds one exchange with CVE Services may take, all of it (at most 3600).",
        30,
        checks.at_most(checks.positive, 3600, "seconds"),
    )

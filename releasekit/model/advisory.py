"""Advisory files: TOML front matter between ``+++`` lines, then a Markdown body.

:func:`parse_advisory` turns one file's text into an :class:`Advisory` or raises
:class:`~releasekit.errors.AdvisoryError` listing *every* problem it found, each as
``advisories/ID.md:LINE: field: message``. Scores come from ``model.cvss``, the front
matter's shape from ``model.frontmatter``, credits and revisions from ``model.entries``.
Messages name fields, never quote advisory text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from releasekit.model import entries, lifecycle, nesting
from releasekit.model.cvss import Cvss, score_vector
from releasekit.model.entries import Credit, Revision
from releasekit.model.frontmatter import field_line, split_front_matter
from releasekit.model.lifecycle import Stage
from releasekit.model.released import MAX_NAMED as MAX_NAMED  # named here for its users
from releasekit.model.released import (
    fixed_problem,
    is_version,
    release_version,
    unfixed_problem,
    version_text,
)
from releasekit.model.severity import SEVERITIES as SEVERITIES  # named here for its users
from releasekit.support import text as textrule
from releasekit.support import timefmt, tomlpos
from releasekit.support.errors import AdvisoryError, Problem

# Digits 0-9 only: ``\d`` matches any Unicode digit (Arabic-Indic, fullwidth), which int()
# reads too; such an id passed here but its records' schemas refused it on the disclosure date.
CVE_RE = re.compile(r"CVE-[0-9]{4}-[0-9]{4,}")
CWE_RE = re.compile(r"CWE-[0-9]{1,5}")
_OID = re.compile(r"[0-9a-f]{40}")
MAX_TITLE = 1000  # a title of megabytes took `advisory list` minutes (CVE JSON 5 allows 256)
# Markdown renders in time linear in its size (site.markdown), up to about 20 µs a character
# for the worst shapes: this bounds any body's rendering to seconds.
MAX_BODY = 256 * 1024
# The front matter is edited as TOML (model.frontmatter, tomlkit) by the lift and `advisory
# revise`: a megabyte of blank lines took minutes there. Real ones are a few kilobytes.
MAX_FRONT = 64 * 1024
# The lift records `released`, `fixed`, `unfixed` and `fix_commits` in each advisory it
# releases: 45 characters, and about 75 a release line (10 a line it left out). An advisory
# not released yet keeps this room (some fifty lines) free, so that a file `check` passes
# is one the lift can record in; the lift's preflight still checks the file as it will
# write it.
RECORD_ROOM = 4 * 1024
MAX_FILE = 4 * 1024 * 1024  # bytes of a file: MAX_BODY characters are 1 MiB of UTF-8 at most
# An id names files of the site (csaf/YYYY/ID.json.sha512): 238 digits made a name too long
# for the file system, and the publish failed where `advisory check` had said OK.
MAX_ID_DIGITS = 12


@dataclass(frozen=True)
class Advisory:
    """One advisory, validated. Times are aware datetimes in UTC."""

    id: str
    title: str
    summary: str
    body: str
    path: Path
    component: str | None = None
    cvss: Cvss | None = None
    cvss4: Cvss | None = None
    severity_override: str | None = None
    severity_reason: str | None = None
    cve: str | None = None
    cwe: str | None = None
    introduced: str | None = None
    credits: tuple[Credit, ...] = ()  # (`reporter = "Name"` in a file: one finder)
    embargo: datetime | None = None
    released: datetime | None = None
    reported: datetime | None = None  # when the report arrived (deadlines, model.sla)
    fixed: Mapping[str, str] = field(default_factory=dict)
    fix_commits: Mapping[str, str] = field(default_factory=dict)  # line -> last fix commit
    # The released lines between the oldest and the newest fixed line that got no fix,
    # newest first, as the lift recorded them; None: not recorded (model.versions guesses)
    unfixed: tuple[str, ...] | None = None
    revisions: tuple[Revision, ...] = ()  # corrections after publication, oldest first

    @property
    def rating(self) -> Cvss | None:
        """The vector that sets the severity: ``cvss`` (3.x), else ``cvss4`` when alone."""
        return self.cvss or self.cvss4

    @property
    def score(self) -> float | None:
        return self.rating.score if self.rating else None

    @property
    def scored(self) -> bool:
        """False for an advisory with no vector and no severity override (imported history):
        pages show it as "Not scored", never as a severity of none."""
        return self.rating is not None or self.severity_override is not None

    @property
    def severity(self) -> str:
        """The final severity: the override when given, else the CVSS band ("none" unscored)."""
        if self.severity_override:
            return self.severity_override
        return self.rating.severity if self.rating else "none"

    @property
    def reporter(self) -> str | None:
        """The credited names, joined, for one-line texts (None without credits)."""
        return ", ".join(c.name for c in self.credits) or None

    @property
    def modified(self) -> datetime | None:
        """The last change of a published advisory: its latest revision, else its release."""
        return self.revisions[-1].date if self.revisions else self.released

    @property
    def year(self) -> int:
        return int(self.id.split("-")[-2])

    @property
    def number(self) -> int:
        return int(self.id.split("-")[-1])

    def disclosure_date(self, disclosure_days: int) -> date | None:
        """The day the details become public (see lifecycle); None until released."""
        if self.released is None:
            return None
        return lifecycle.disclosure_date(self.released, disclosure_days)

    def disclosed_at(self, disclosure_days: int) -> datetime | None:
        """The instant the details become public (see lifecycle); None until released."""
        if self.released is None:
            return None
        return lifecycle.disclosed_at(self.released, disclosure_days)

    def state(self, now: datetime, disclosure_days: int) -> Stage:
        """Its stage at ``now`` (see lifecycle)."""
        return lifecycle.stage(self, now, disclosure_days)

    def to_json(self, now: datetime, disclosure_days: int) -> dict[str, Any]:
        """The advisory as ``advisory list --json`` shows it: its fields and state at ``now``."""
        return {
            "id": self.id,
            "title": self.title,
            "score": self.score,
            "vector": self.rating.vector if self.rating else None,
            "severity": self.severity if self.scored else None,
            "cve": self.cve,
            "embargo": timefmt.iso_utc(self.embargo) if self.embargo else None,
            "released": timefmt.iso_utc(self.released) if self.released else None,
            "disclosure_date": str(self.disclosure_date(disclosure_days) or "") or None,
            "state": self.state(now, disclosure_days).value,
        }


_FIELDS: dict[str, str] = {  # key -> expected TOML type
    "id": "str",
    "title": "str",
    "summary": "str",
    "component": "str",
    "cvss": "str",
    "cvss4": "str",
    "severity": "str",
    "severity_reason": "str",
    "cve": "str",
    "cwe": "str",
    "introduced": "str",
    "reporter": "str",
    "credits": "entries",
    "revisions": "entries",
    "embargo": "datetime",
    "released": "datetime",
    "reported": "datetime",
    "fixed": "table",
    "fix_commits": "table",
    "unfixed": "lines",
}
_REQUIRED = ("id", "title", "summary")
_MULTILINE = ("summary", "severity_reason")  # may span lines; every other field is one line


def _aware_utc(value: Any) -> tuple[datetime | None, str | None]:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return None, "needs a UTC offset, e.g. 2026-12-01T14:00:00Z (no zone-less times)"
        # Compared before converting: 0001-01-01T00:00:00+01:00 has no UTC datetime.
        if not entries.EARLIEST <= value < entries.LATEST:
            return None, "must be from 1970 to 8999"
        return value.astimezone(UTC), None
    if isinstance(value, date):
        return None, "needs a time and a UTC offset, e.g. 2026-12-01T14:00:00Z"
    return None, "must be an offset date-time without quotes, e.g. 2026-12-01T14:00:00Z"


def parse_advisory(text: str, path: Path, prefix: str, *, file: Path | None = None) -> Advisory:
    """Parse and validate one advisory file's text. Raises AdvisoryError with all problems.

    ``path`` is the file as messages name it; ``file``, where it is (default: ``path``).
    """
    problems: list[Problem] = []

    def problem(field_name: str | None, message: str, line: int | None = None) -> None:
        if line is None and field_name:
            line = field_line(front, field_name) or 1
        problems.append(Problem(path, line, field_name, message))

    parts = split_front_matter(text)
    if parts is None:
        raise AdvisoryError(
            [
                Problem(
                    path, 1, None, "must start with a +++ line and close the front matter with +++"
                )
            ]
        )
    front, body, _ = parts
    if len(front) > MAX_FRONT:
        limit = f"must be at most {MAX_FRONT} characters (long text goes in the body)"
        raise AdvisoryError([Problem(path, 1, "front matter", limit)])
    if len(body) > MAX_BODY:
        at = len(text) - len(body)
        line = text.count("\n", 0, at) + 1
        problem("body", f"must be at most {MAX_BODY} characters (link long logs)", line=line)
    elif bad := textrule.refused(body, lines=True, returns=True):
        # (the Markdown body reaches pages, records and the predisclosure mail)
        at = len(text) - len(body) + bad[0]
        problem("body", bad[1], line=text.count("\n", 0, at) + 1)
    elif (deep := nesting.dropped(body)) is not None:
        # (both renderers would leave the rest of the quote or list out of the page)
        at = len(text) - len(body) + deep
        problem("body", nesting.PROBLEM, line=text.count("\n", 0, at) + 1)
    data, syntax_line, message = tomlpos.loads(front)
    if data is None:
        line = syntax_line + 1 if syntax_line else 1
        raise AdvisoryError([Problem(path, line, None, message or "invalid TOML")])

    if "released" not in data and len(front) > MAX_FRONT - RECORD_ROOM:
        problem(
            "front matter",
            f"is {len(front):,} characters, over the {MAX_FRONT - RECORD_ROOM:,} of an "
            "advisory not released yet (the lift adds released, fixed, unfixed and "
            f"fix_commits, up to {MAX_FRONT:,} in all): move long text to the body",
            line=1,
        )
    values: dict[str, Any] = {}
    suggested: set[str] = set()  # a missing field that an unknown one is likely a typo of
    for key, value in data.items():
        kind = _FIELDS.get(key)
        if kind is None:
            close = difflib.get_close_matches(key, list(_FIELDS), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            suggested.update(close)
            # Named by its line, not its text: `publish` (its log often public) reports this
            # of an embargoed advisory too, and a key can be any text typed into the file.
            problem(None, f"unknown field{hint}", line=field_line(front, key) or 1)
        elif kind == "str":
            if not isinstance(value, str):
                problem(key, "must be a string")
            elif not value.strip():
                problem(key, "must not be empty")
            elif key == "title" and len(value.strip()) > MAX_TITLE:
                problem(key, f"must be at most {MAX_TITLE} characters")
            elif bad := textrule.refused(value, lines=key in _MULTILINE):
                problem(key, bad[1])
            else:
                values[key] = value.strip()
        elif kind == "datetime":
            converted, why = _aware_utc(value)
            if why:
                problem(key, why)
            else:
                values[key] = converted
        elif kind == "entries":
            parse = entries.parse_credits if key == "credits" else entries.parse_revisions
            parsed = parse(value)
            if isinstance(parsed, str):
                problem(key, parsed)
            else:
                values[key] = parsed
        elif kind == "table":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                example = '"version", e.g. { "10.3" = "10.3.3" }'
                if key == "fix_commits":
                    example = '"commit" (40 hex digits), written by the lift'
                problem(key, f"must be a table of line = {example}")
            else:
                values[key] = dict(value)
        elif kind == "lines":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem(key, 'must be a list of release lines, e.g. ["10.6", "10.5"]')
            else:
                values[key] = tuple(value)
    for key in _REQUIRED:
        if key not in data and key not in suggested:  # (a typo is one problem, not two)
            problem(key, "required field is missing", line=1)

    expected_stem = path.stem
    if "id" in values:
        ident = values["id"]
        if not re.fullmatch(rf"{re.escape(prefix)}-[0-9]{{4}}-[0-9]{{4,{MAX_ID_DIGITS}}}", ident):
            problem("id", f"must look like {prefix}-YYYY-NNNN (four to twelve digits)")
        elif ident != expected_stem:
            problem("id", f"does not match the file name (expected the file {ident}.md)")

    cvss = cvss4 = None
    if "cvss" in values:
        try:
            cvss = score_vector(values["cvss"])
        except ValueError as exc:
            problem("cvss", f"invalid CVSS vector: {exc}")
    if "cvss4" in values:
        try:
            cvss4 = score_vector(values["cvss4"])
            if cvss4.version != "4.0":
                problem("cvss4", "must be a CVSS:4.0/ vector")
                cvss4 = None
        except ValueError as exc:
            problem("cvss4", f"invalid CVSS vector: {exc}")
    override = values.get("severity")
    if override is not None:
        override = override.lower()
        if override not in SEVERITIES:
            problem("severity", f"must be one of {', '.join(SEVERITIES)}")
            override = None
        elif "severity_reason" not in values:
            problem("severity", "an override needs severity_reason (a written justification)")
    elif "severity_reason" in values:
        problem("severity_reason", "given without a severity override")
    if "cve" in values and not CVE_RE.fullmatch(values["cve"]):
        problem("cve", "must look like CVE-YYYY-NNNN")
    if "cwe" in values and not CWE_RE.fullmatch(values["cwe"]):
        problem("cwe", "must look like CWE-79")
    for key in ("introduced",):
        if key in values and not release_version(values[key]):
            problem(key, "must be a release line such as 9.8")
    fixed = values.get("fixed", {})
    wrong = sum(1 for k, v in fixed.items() if not (version_text(k) and version_text(v)))
    if wrong:  # counted, not quoted: text typed into an embargoed advisory stays out of logs
        counted = "1 entry is" if wrong == 1 else f"{wrong} entries are"
        problem("fixed", f'{counted} not line = version, e.g. "10.3" = "10.3.3"')
    elif why := fixed_problem(fixed):
        problem("fixed", why)
    fixed_read = "fixed" in values or "fixed" not in data  # (else fixed says what is wrong)
    left_out = values.get("unfixed") if fixed_read else None
    if left_out is not None and (why := unfixed_problem(left_out, fixed, wrong > 0)):
        problem("unfixed", why)
    commits = values.get("fix_commits", {})
    wrong = sum(1 for k, v in commits.items() if not (is_version(k) and _OID.fullmatch(v)))
    if wrong:
        counted = "1 entry is" if wrong == 1 else f"{wrong} entries are"
        problem("fix_commits", f"{counted} not line = commit id (40 lowercase hex digits)")
    if "reporter" in values and "credits" in values:
        problem("reporter", "give either reporter or credits (reporter is one finder's credit)")
    missing_cvss = not {"cvss", "cvss4"} & (values.keys() | suggested)
    unscored = cvss is None and cvss4 is None and override is None and missing_cvss
    if "embargo" in values and "released" not in values and unscored:
        # The policy picks lines by severity; released history may be unscored.
        problem("cvss", "required once an embargo is set (or a severity with severity_reason)")
    if "released" in values and "embargo" not in values:
        problem("released", "an advisory released by hand still needs its embargo time")
    elif "released" in values and values["released"] < values["embargo"]:
        # Its details would be public from a release that could not have happened yet.
        problem("released", "is before embargo: nothing is released before its embargo ends")
    # Revisions are corrections after the release: one dated before it (or with no release
    # yet, which the lift would record later) made CSAF documents invalid (their revision
    # history out of date order) and pages list a correction before the release.
    first = values["revisions"][0].date if values.get("revisions") else None
    if first is not None and "released" not in data:
        problem("revisions", "record corrections after the release: set released first")
    elif first is not None and "released" in values and first < values["released"]:
        problem("revisions", "entry 1 is dated before released: a correction follows it")

    if problems:
        raise AdvisoryError(problems)
    return Advisory(
        id=values["id"],
        title=values["title"],
        summary=values["summary"],
        body=body,
        path=file or path,
        component=values.get("component"),
        cvss=cvss,
        cvss4=cvss4,
        severity_override=override,
        severity_reason=values.get("severity_reason"),
        cve=values.get("cve"),
        cwe=values.get("cwe"),
        introduced=values.get("introduced"),
        credits=values.get("credits")
        or ((Credit(values["reporter"]),) if "reporter" in values else ()),
        embargo=values.get("embargo"),
        released=values.get("released"),
        reported=values.get("reported"),
        fixed=values.get("fixed", {}),
        fix_commits=values.get("fix_commits", {}),
        unfixed=values.get("unfixed"),
        revisions=values.get("revisions", ()),
    )


def read_advisory(path: Path, prefix: str, display: Path | None = None) -> Advisory:
    """Read and parse one advisory file; ``display`` is the path shown in messages."""
    shown = display or path
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE + 1)  # (a file of gigabytes is not read whole)
        if len(data) > MAX_FILE:
            message = f"is larger than {MAX_FILE // (1024 * 1024)} MiB"
            raise AdvisoryError([Problem(shown, None, None, message)])
    except OSError as exc:
        raise AdvisoryError(
            [Problem(shown, None, None, f"cannot be read: {exc.strerror}")]
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Named by the line of the first such byte (a Latin-1 paste into a file of months),
        # and UTF-16 (what some Windows editors save) as what it is.
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        line = 1 if utf16 else data.count(b"\n", 0, exc.start) + 1
        message = "is UTF-16 text: save it as UTF-8" if utf16 else "is not UTF-8 text"
        raise AdvisoryError([Problem(shown, line, None, message)]) from None
    return parse_advisory(text, shown, prefix, file=path)

"""What an imported OSV or CVE JSON 5 record says of one advisory, and its versions.

Both readers (``records.osv_read``, ``records.cve_read``) turn a record into
:class:`Imported` values, one per package or product, or raise :class:`ImportRefused`
naming the file, the JSON path and why. Ranges become releasekit's ``fixed`` (line ->
version) and ``introduced`` only when those say exactly the same affected versions
(:func:`lines_of`); anything else is refused rather than recorded wrongly. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packaging.version import InvalidVersion, Version

from releasekit.model.advisory import Advisory
from releasekit.model.checks import line_key
from releasekit.model.entries import CREDIT_TYPES, MAX_ENTRIES, Credit
from releasekit.model.released import MAX_UNFIXED, between
from releasekit.model.severity import SEVERITIES
from releasekit.model.version_keys import is_lowest_pre_release, lowest_pre_release
from releasekit.model.versions import versions
from releasekit.records.schemas import reason, validate
from releasekit.support.errors import BadInput, RecordError

# The "every version from the first" markers of OSV ("0", RustSec's "0.0.0-0") and CVE.
_FROM_START = {"0", "0.0.0-0", "0.0.0"}
# SEMVER's lowest pre-release of a version, X.Y.Z-0: where Go's vulndb starts a line's range
# ("introduced": "1.23.0-0", 1.23.0 with its release candidates), and releasekit's the range
# of a line fixed in its first release. PEP 440 would read it as a post-release, after X.Y.Z;
# it is read as PEP 440's lowest pre-release, X.Y.Z.dev0 (see _at_release).
_LOWEST_PRE_RELEASE = re.compile(r"(?P<version>[0-9]+(?:\.[0-9]+)*)-0")


class ImportRefused(BadInput):
    """A record releasekit cannot map: ``FILE: /json/path: why`` (exit 2)."""

    def __init__(self, source: str, pointer: str, why: str) -> None:
        super().__init__(f"{source}: {pointer or '/'}: {why}")
        self.source = source
        self.pointer = pointer


@dataclass(frozen=True)
class Pair:
    """One affected range of a record: from ``introduced`` (None: from the first release)
    up to ``fixed`` (None: no fixed version recorded), on ``line`` when the record says."""

    introduced: str | None
    fixed: str | None
    line: str | None = None
    pointer: str = ""


@dataclass
class Imported:
    """One advisory as a record describes it (a field left None: the record did not say)."""

    source: str  # the record's file, as messages name it
    kind: str  # "osv" or "cve"
    origin: str  # the record's own id (RUSTSEC-..., GHSA-..., CVE-...)
    published: datetime
    advisory: str | None = None  # releasekit's id, when releasekit published the record
    title: str | None = None
    summary: str | None = None
    body: str = ""
    cve: str | None = None
    cwe: str | None = None
    cvss: str | None = None
    cvss4: str | None = None
    rating: str | None = None  # the final severity releasekit's record gives (lowercase)
    package: str | None = None  # the OSV package name / CVE product
    component: str | None = None  # releasekit's component (its CVE record's module)
    credits: tuple[Credit, ...] = ()
    pairs: list[Pair] = field(default_factory=list)
    # Written by releasekit (its OSV record's database_specific.advisory, its CVE record).
    exact: bool = False
    # Its ranges say exactly the lines between fixed ones that are affected, and no others:
    # releasekit's records since they say so (an OSV record with database_specific.fixed, a
    # CVE record with the project's rating). An earlier one left them out: taken as guessed.
    says_gaps: bool = False
    # A CVE record of a CVE id that advisories of several components share: its entry says
    # the advisory's component and versions; its title, scores and credits are all of theirs.
    shared: bool = False
    unaffected: list[str] = field(default_factory=list)  # lines fixed in their X.Y.0
    # Each line's fixed version as releasekit spelt it (its OSV record's
    # database_specific.fixed), with the lines that had no affected release; None: not said
    lines: dict[str, str] | None = None
    # The released lines between fixed ones left without the fix, as releasekit's record
    # says them (database_specific.unfixed); None: not said
    unfixed: tuple[str, ...] | None = None
    # ``introduced`` as releasekit spelt it when a pre-release (its OSV record's
    # database_specific.introduced: 10.3.0rc1, which its range says 10.3.0-rc.1)
    introduced_as: str | None = None
    fix_commits: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    pointers: dict[str, str] = field(default_factory=dict)  # advisory field -> JSON path


def check_schema(kind: str, record: dict[str, Any], source: str) -> None:
    """Refuse a record its official schema refuses ("osv" or "cve"), naming the JSON path
    and the schema keyword: what the readers take apart has the types the schema says."""
    if kind == "cve":
        containers = record.get("containers")
        if not isinstance(containers, dict) or not isinstance(containers.get("cna"), dict):
            raise ImportRefused(source, "/containers/cna", "is missing")
    if kind == "osv" and isinstance(record.get("id"), str):
        # The schema lists the databases registered today; history may come from a newer one.
        record = {**record, "id": "x_" + record["id"]}
    try:
        validate(kind, record, source)
    except RecordError as exc:
        schema = "CVE JSON 5" if kind == "cve" else "OSV"
        raise ImportRefused(source, exc.pointer, reason(exc.keyword, schema)) from None


def rating(value: Any) -> str | None:
    """A severity releasekit's record gives ("HIGH", "high"), or None for anything else."""
    found = value.strip().lower() if isinstance(value, str) else None
    return found if found in SEVERITIES else None


def instant(value: Any, source: str, pointer: str) -> datetime:
    """An RFC 3339 time of a record, in UTC."""
    if not isinstance(value, str):
        raise ImportRefused(source, pointer, "needs an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ImportRefused(source, pointer, "is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # (CVE JSON 5 allows times without a zone)
    return moment.astimezone(UTC)


def text(value: Any, source: str, pointer: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ImportRefused(source, pointer, "must be a string")
    return value.strip() or None


def credits(
    entries: Any,
    source: str,
    at: str,
    *,
    name: str,
    default: str,
    kinds: str,
    normal: Callable[[str], str] = str,
) -> tuple[Credit, ...]:
    """The credits of a record (``entries`` at pointer ``at``): each an object with a name in
    field ``name`` and a ``type`` (``default`` when absent) that ``normal`` makes one of the
    CVE JSON 5 credit types; ``kinds`` names the record's own list of them in a refusal."""
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        # More than an advisory holds: refused by their count, here, rather than for the
        # size of the front matter that would hold them (which names no field).
        why = f"lists {len(entries):,} credits: an advisory records at most {MAX_ENTRIES}"
        raise ImportRefused(source, at, why)
    found = []
    for number, credit in enumerate(entries or []):
        where = f"{at}/{number}"
        if not isinstance(credit, dict):
            raise ImportRefused(source, where, "must be an object")
        value = text(credit.get(name), source, f"{where}/{name}")
        if value is None:
            raise ImportRefused(source, f"{where}/{name}", "needs a name")
        kind = normal(str(credit.get("type") or default))
        if kind not in CREDIT_TYPES:
            raise ImportRefused(source, f"{where}/type", f"is not {kinds} credit type")
        found.append(Credit(value, kind))
    return tuple(found)


def version(value: Any, source: str, pointer: str) -> str:
    """A version of a range, as written; "0" for "from the first release"."""
    if not isinstance(value, str):
        raise ImportRefused(source, pointer, "must be a version string")
    if value.strip() in _FROM_START:
        return "0"
    lowest = _LOWEST_PRE_RELEASE.fullmatch(value.strip())
    if lowest is not None:
        return lowest_pre_release(lowest["version"])
    try:
        parsed = Version(value)
    except (InvalidVersion, ValueError):
        raise ImportRefused(source, pointer, "is not a version releasekit can order") from None
    if parsed.epoch or parsed.local is not None:  # (an advisory file refuses them too)
        raise ImportRefused(source, pointer, "has an epoch (1!) or a local part (+): no release")
    return value.strip()


def split_details(details: str | None, *, join: bool = False) -> tuple[str | None, str]:
    """The first paragraph (the summary) and the rest (the body) of a description.

    ``join`` (another database's text): the paragraph's lines joined into one, as Markdown
    reads them, and headings before it ("### Summary", GitHub's) left out.
    """
    if not details:
        return None, ""
    head, _, rest = details.strip().partition("\n\n")
    while join and rest and head.lstrip().startswith("#") and "\n" not in head.strip():
        head, _, rest = rest.strip().partition("\n\n")
    if join:
        head = " ".join(part.strip() for part in head.splitlines())
    return head.strip() or None, rest.strip()


def _merged(intervals: list[tuple[Version, Version | None]]) -> list[tuple[Version, Any]]:
    """Intervals [from, to) (to None: no end) sorted and joined where they meet."""
    out: list[tuple[Version, Any]] = []
    for start, end in sorted(intervals, key=lambda i: i[0]):
        if out and (out[-1][1] is None or start <= out[-1][1]):
            last_end = out[-1][1]
            joined = None if end is None or last_end is None else max(last_end, end)
            out[-1] = (out[-1][0], joined)
        else:
            out.append((start, end))
    return [(s, e) for s, e in out if e is None or s < e]


def _says(
    wanted: list[tuple[Version, Any]],
    fixed: dict[str, str],
    introduced: str | None,
    gaps: bool = True,
    unfixed: tuple[str, ...] | None = None,
    whole: bool = False,
) -> bool:
    """Whether ``wanted`` is what releasekit shows for these (:func:`_coverage`), with or
    without the pre-releases of a line fixed in its first release (3.14.0.dev0 to 3.14.0),
    which a record may leave out (another database's, one releasekit wrote before it showed
    them, or for a project that publishes no pre-releases, ``[releases] pre_releases``
    off): read back, they are affected, never a "not affected" the record said. The reading
    does not depend on the project's setting: the fields say the same either way. A line
    affected from its first release starts there, unless ``whole``: then also as releasekit
    shows it for a project that publishes pre-releases, from their lowest (3.13.0.dev0). A
    run of unfixed lines ends before the next line's lowest pre-release (10.6.0.dev0), or
    at its first release (10.6.0), as releasekit wrote it before and another record may."""
    shapes = [(pre, project, False) for pre, project in itertools.product((True, False), repeat=2)]
    return any(
        wanted == _coverage(fixed, introduced, gaps, unfixed, pre, project, full, ends)
        for ends in (True, False)
        for pre, project, full in [*shapes, *([(True, True, True)] if whole else [])]
    )


def _exact(
    wanted: list[tuple[Version, Any]],
    fixed: dict[str, str],
    introduced: str | None,
    unfixed: tuple[str, ...] | None,
) -> bool:
    """Whether ``wanted`` is what releasekit shows for these, pre-releases and all, both for
    a project that publishes pre-releases and for one that does not, a line affected from
    its first release from there (as releasekit showed it before it took in that release's
    pre-releases: a record made then reads as it did)."""
    return all(
        wanted == _coverage(fixed, introduced, True, unfixed, True, project, False)
        for project in (True, False)
    )


def _coverage(
    fixed: dict[str, str],
    introduced: str | None,
    gaps: bool = True,
    unfixed: tuple[str, ...] | None = None,
    pre: bool = True,
    pre_releases: bool = True,
    whole: bool = True,
    ends: bool = True,
) -> list[tuple[Version, Any]]:
    """The affected versions releasekit shows for ``fixed``, ``introduced`` and ``unfixed``
    (``gaps``: with the lines between two fixed ones, which releasekit shows affected and
    another project's record may leave out; ``pre``: with the pre-releases of a line fixed
    in its first release; ``whole``: with those of the first release of a line affected
    from it and fixed later, else from that release, as releasekit showed them before;
    ``pre_releases``: for a project that publishes them; ``ends``: a run of unfixed lines
    up to the next line's lowest pre-release, 10.6.0.dev0, else up to its release, 10.6.0)."""
    probe = Advisory(
        id="X-1970-0001", title="", summary="", body="", path=None,  # type: ignore[arg-type]
        fixed=fixed, introduced=introduced, unfixed=unfixed,
    )  # fmt: skip
    found = versions(probe, pre_releases=pre_releases)
    intervals: list[tuple[Version, Version | None]] = []
    for fix in found.lines:
        first = fix.first_affected
        if first is None:
            continue
        release = Version(first).base_version
        if fix.pre_releases and Version(fix.fixed) > Version(release):
            first = first if whole else release  # (3.13.0.dev0, or 3.13.0, to 3.13.1)
        elif not pre and is_lowest_pre_release(first):
            continue
        intervals.append((Version(first), Version(fix.fixed)))
    if gaps:
        for gap in found.gaps:
            end = Version(gap.fixed_at)
            if not ends and gap.until and is_lowest_pre_release(gap.fixed_at):
                end = Version(end.base_version)  # (10.6.0, not 10.6.0.dev0)
            intervals.append((Version(gap.first), end))
    if found.earlier_from and found.earlier_before:
        below = found.earlier_below or found.earlier_before + ".0"  # (10.3.0rc1, or 10.3.0)
        intervals.append((Version(found.earlier_from), Version(below)))
    if not fixed and introduced is not None:
        intervals.append((Version(introduced), None))
    return _merged(intervals)


def lines_of(item: Imported, parts: int = 2) -> tuple[dict[str, str], str | None]:
    """``fixed`` and ``introduced`` of :func:`released_lines`."""
    fixed, introduced, _unfixed = released_lines(item, parts)
    return fixed, introduced


def _between(pairs: list[Pair], fixed: dict[str, str], parts: int) -> tuple[str, ...]:
    """The lines between two fixed ones that a range covers, newest first: the lines left
    without the fix (``unfixed``) that the record's ranges between fixed lines say. A range
    names the line it starts on, and those after it up to its end's line when they are
    lines of one major version (10.5.0 to 10.7.0: 10.5 and 10.6)."""
    found: list[str] = []
    for p in pairs:
        if p.introduced is None or p.fixed is None:
            continue
        first = Version(line_key(p.introduced, parts)).release
        end = Version(line_key(p.fixed, parts)).release
        found.append(line_key(p.introduced, parts))
        if len(first) == len(end) and first[:-1] == end[:-1]:
            for number in range(first[-1] + 1, min(end[-1], first[-1] + MAX_UNFIXED)):
                found.append(".".join(str(n) for n in (*first[:-1], number)))
    return tuple(between(found, fixed))


def _bound(pair: Pair, parts: int) -> bool:
    """Whether a range of releasekit's own record runs from one line to the first release
    of a later one (a gap, the releases before the oldest fixed line): its end is where the
    range stops, not a fix (each fixed line has its own range, or is an unaffected version)."""
    if pair.introduced is None or pair.fixed is None:
        return False
    line = line_key(pair.fixed, parts)
    numbers, head = Version(pair.fixed).release, Version(line).release
    first_release = numbers[: len(head)] == head and not any(numbers[len(head) :])
    return first_release and line_key(pair.introduced, parts) != line


def _at_release(pair: Pair) -> Pair:
    """``pair`` from its release when it starts at that release's lowest pre-release
    (1.23.0.dev0, Go's 1.23.0-0) and runs past it (fixed in 1.23.1): the range of a line
    affected from its first release as releasekit showed it before it took in that
    release's pre-releases (``[releases] pre_releases``), and as it shows it for a project
    that publishes none; a reading is sought for the record as it is first, then for this
    (:func:`_says`)."""
    if pair.introduced is None or pair.fixed is None:
        return pair
    if not is_lowest_pre_release(pair.introduced):
        return pair
    release = Version(pair.introduced).base_version
    if Version(pair.fixed) <= Version(release):
        return pair
    return dataclasses.replace(pair, introduced=release)


def _spelt(pair: Pair, introduced: str | None) -> Pair:
    """``pair`` starting at ``introduced`` as spelt, when it starts at that version."""
    if introduced is None or pair.introduced is None:
        return pair
    if Version(pair.introduced) != Version(introduced):
        return pair
    return dataclasses.replace(pair, introduced=introduced)


def released_lines(
    item: Imported, parts: int = 2
) -> tuple[dict[str, str], str | None, tuple[str, ...] | None]:
    """``fixed``, ``introduced`` and ``unfixed`` that say exactly the record's affected
    versions (``unfixed`` None: releasekit's guess of the lines between fixed ones says them).

    Each range's fixed version names its line (``database_specific.line`` when releasekit
    wrote the record, else the version's first ``parts`` release numbers, as ``[releases]
    line_parts`` names lines). Refused when releasekit's lines cannot say the same versions:
    two ranges on one line, a range with no fixed version beside fixed ones. A range between
    two fixed lines names a line left without the fix (``unfixed``) when the guess does not
    see it. A record that leaves out the lines between two fixed ones (which releasekit
    shows affected) is taken, unless it says exactly which are affected (``says_gaps``).
    """
    as_said = [_spelt(pair, item.introduced_as) for pair in item.pairs]
    pairs = [_at_release(pair) for pair in as_said]
    where = pairs[0].pointer if pairs else "/"
    open_pairs = [p for p in pairs if p.fixed is None]
    if open_pairs:
        if len(pairs) > 1:
            why = "a range with no fixed version beside other ranges cannot be recorded"
            raise ImportRefused(item.source, open_pairs[0].pointer, why)
        # releasekit's record of an advisory without fixed versions or `introduced` ("Not
        # recorded") says "0", as scanners need; another record's open range is what it says.
        if item.exact and open_pairs[0].introduced is None:
            return {}, None, None
        return {}, open_pairs[0].introduced or "0", None
    fixed: dict[str, str] = dict(item.lines or {})
    for pair in pairs if item.lines is None else ():
        assert pair.fixed is not None
        if item.exact and _bound(pair, parts):
            continue
        line = pair.line or line_key(pair.fixed, parts)
        if line not in fixed or Version(pair.fixed) > Version(fixed[line]):
            fixed[line] = pair.fixed
    for version_text in item.unaffected if item.lines is None else ():
        fixed.setdefault(line_key(version_text, parts), version_text)
    said, wanted = (
        _merged(
            [(Version(p.introduced or "0"), Version(p.fixed)) for p in each if p.fixed is not None]
        )
        for each in (as_said, pairs)
    )
    left_out = _between(pairs, fixed, parts) if fixed else ()
    starts = sorted({p.introduced or "0" for p in pairs}, key=Version)
    passes = [(wanted, False, starts)]
    if said != wanted:
        # Some line starts at the lowest pre-release of a release it runs past: releasekit's
        # record of a project that publishes pre-releases (a line affected from its first
        # release, which had the code before: `introduced` before it, which may be a line's
        # fix, 10.4.1 with 10.5 from 10.5.0-0), or Go's vulndb. First a reading of the record
        # as it says them, then one with such lines from that release, as before.
        own = sorted({p.introduced or "0" for p in as_said}, key=Version)  # (10.4.0.dev0)
        later = sorted(set(fixed.values()) - set(starts), key=Version)
        passes.insert(0, (said, True, list(dict.fromkeys([*own, *starts, *later]))))
    for found, whole, candidates in passes:
        reading = _reading(item, fixed, found, whole, left_out, candidates)
        if reading is not None:
            return reading
    why = "these ranges cannot be recorded as one fixed version per line and `introduced`"
    raise ImportRefused(item.source, where, why)


def _reading(
    item: Imported,
    fixed: dict[str, str],
    wanted: list[tuple[Version, Any]],
    whole: bool,
    left_out: tuple[str, ...],
    starts: list[str],
) -> tuple[dict[str, str], str | None, tuple[str, ...] | None] | None:
    """``fixed``, ``introduced`` and ``unfixed`` for ``wanted`` (see :func:`released_lines`;
    ``whole``: a line affected from its first release may take in its pre-releases, as
    releasekit shows it for a project that publishes them), or None when none say it."""
    # First a reading that says these versions whether or not the project publishes
    # pre-releases: a CVE record does not carry `unfixed`, and the guess in its place may
    # give a line fixed in X.Y.0 pre-releases that the record says were not affected.
    readings = (None, left_out) if left_out or item.says_gaps else (None,)
    for introduced in (None, *starts) if item.unfixed is None else ():
        for lines in readings:
            if _exact(wanted, fixed, introduced, lines):
                return fixed, introduced, lines
    for introduced in (None, *starts):
        if item.unfixed is not None:  # (said: no other reading)
            if _says(wanted, fixed, introduced, True, item.unfixed, whole):
                return fixed, introduced, item.unfixed
            continue
        if _says(wanted, fixed, introduced, whole=whole):
            return fixed, introduced, None
        if not item.says_gaps and _says(wanted, fixed, introduced, False, whole=whole):
            return fixed, introduced, None
        if (left_out or item.says_gaps) and _says(wanted, fixed, introduced, True, left_out, whole):
            return fixed, introduced, left_out
    return None

"""Reading an OSV record (osv.dev, GitHub, RustSec, PyPA, or releasekit's own) for import.

One :class:`~releasekit.records.imported.Imported` per package the record names (a record
without packages: one). Ranges of type SEMVER and ECOSYSTEM give the affected and fixed
versions (in releasekit's own record of versions SemVer cannot spell, the range an entry
gives in its ``database_specific.range`` beside the versions it enumerates, not its SEMVER
range of SemVer's ends, 7.2.3-0 for 7.2.2.1; so too of an ECOSYSTEM range that starts at
the ecosystem's lowest pre-release, Maven's 3.14.0-alpha for 3.14.0.dev0); a GIT range's
fixed commit is kept as the fix commit of a line when the entry names
the line (``database_specific.line``, which releasekit writes). Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from releasekit.model.advisory import CVE_RE, CWE_RE
from releasekit.records.imported import (
    Imported,
    ImportRefused,
    Pair,
    check_schema,
    credits,
    instant,
    rating,
    split_details,
    text,
    version,
)

_OID = "0123456789abcdef"


def _events(events: Any, source: str, at: str, line: str | None) -> list[Pair]:
    """The [introduced, fixed) pairs of one range's events, in their order."""
    if not isinstance(events, list):
        raise ImportRefused(source, at, "must be a list of events")
    pairs: list[Pair] = []
    start: str | None = None
    opened = False
    for number, event in enumerate(events):
        where = f"{at}/{number}"
        if not isinstance(event, dict) or len(event) != 1:
            raise ImportRefused(source, where, "must be one event")
        ((kind, value),) = event.items()
        if kind == "introduced":
            if opened:
                pairs.append(Pair(start, None, line, where))
            start, opened = version(value, source, f"{where}/introduced"), True
            # "0": from the first release, no `introduced` (releasekit's 0.0.0: "0" given)
            start = None if value == "0" else start
        elif kind == "fixed":
            if not opened:
                raise ImportRefused(source, where, "a fixed event needs an introduced one before")
            pairs.append(Pair(start, version(value, source, f"{where}/fixed"), line, where))
            opened = False
        else:  # last_affected, limit
            why = f"a {kind} event cannot be recorded (only introduced and fixed versions)"
            raise ImportRefused(source, where, why)
    if opened:
        pairs.append(Pair(start, None, line, at))
    return pairs


def _git_fixes(events: Any) -> list[str]:
    if not isinstance(events, list):
        return []
    found = [e.get("fixed") for e in events if isinstance(e, dict)]
    return [f for f in found if isinstance(f, str) and _is_oid(f)]


def _is_oid(text: str) -> bool:
    return len(text) == 40 and not set(text) - set(_OID)


def _affected(record: dict[str, Any], source: str, ours: bool) -> dict[str | None, Imported]:
    """The package name of each affected entry -> its pairs and fix commits (on a stub)
    (``ours``: releasekit wrote the record)."""
    found: dict[str | None, Imported] = {}
    entries = record.get("affected") or []
    if not isinstance(entries, list):
        raise ImportRefused(source, "/affected", "must be a list")
    for number, entry in enumerate(entries):
        at = f"/affected/{number}"
        if not isinstance(entry, dict):
            raise ImportRefused(source, at, "must be an object")
        package = entry.get("package") or {}
        name = text(package.get("name"), source, f"{at}/package/name")
        specific = entry.get("database_specific") or {}
        line = specific.get("line") if isinstance(specific, dict) else None
        line = line if isinstance(line, str) else None
        commit = specific.get("fix_commit") if isinstance(specific, dict) else None
        stub = found.setdefault(name, Imported(source, "osv", "", None))  # type: ignore[arg-type]
        if line and isinstance(commit, str) and _is_oid(commit):
            stub.fix_commits[line] = commit  # (releasekit's own record names it)
        ranges = entry.get("ranges") or []
        spelt = specific.get("range") if ours and isinstance(specific, dict) else None
        if spelt is not None:  # (releasekit's enumerated versions: the range they come from)
            stub.pairs += _spelt_range(spelt, source, f"{at}/database_specific/range", line)
        elif not ranges and entry.get("versions"):
            why = "lists versions without ranges: releasekit records ranges"
            raise ImportRefused(source, f"{at}/versions", why)
        for index, kind in enumerate(ranges):
            where = f"{at}/ranges/{index}"
            kind_name = kind.get("type") if isinstance(kind, dict) else None
            if kind_name in ("SEMVER", "ECOSYSTEM"):
                if spelt is None:  # (else the SemVer ends of the range read above)
                    stub.pairs += _events(kind.get("events"), source, f"{where}/events", line)
            elif kind_name == "GIT":
                # releasekit writes one GIT range for all lines, naming each line's commit in
                # its database_specific.lines; a range of one line's entry names one commit.
                commits = _git_fixes(kind.get("events"))
                named = (kind.get("database_specific") or {}).get("lines")
                if isinstance(named, dict):
                    stub.fix_commits.update(
                        (k, v)
                        for k, v in named.items()
                        if isinstance(k, str) and isinstance(v, str) and v in commits
                    )
                elif line and len(commits) == 1:
                    stub.fix_commits[line] = commits[0]
            else:
                raise ImportRefused(source, f"{where}/type", "must be SEMVER, ECOSYSTEM or GIT")
    return found or {None: Imported(source, "osv", "", None)}  # type: ignore[arg-type]


def _spelt_range(given: Any, source: str, at: str, line: str | None) -> list[Pair]:
    """The pairs of the range releasekit's record gives beside the versions it enumerates
    when SemVer cannot spell them (Rails' 7.1.5.1): its events, in PEP 440's order."""
    if not isinstance(given, dict) or given.get("type") != "python":
        raise ImportRefused(source, at, 'must be a range of type "python"')
    return _events(given.get("events"), source, f"{at}/events", line)


def _lines(specific: dict[str, Any], source: str) -> dict[str, str] | None:
    """The fixed version of each line as releasekit's record spells them (None: not said)."""
    given = specific.get("fixed")
    if given is None:
        return None
    at = "/database_specific/fixed"
    if not isinstance(given, dict) or not given:
        raise ImportRefused(source, at, "must map each release line to its fixed version")
    return {
        version(line, source, at): version(fixed, source, f"{at}/{line}")
        for line, fixed in given.items()
    }


def _unfixed(specific: dict[str, Any], source: str) -> tuple[str, ...] | None:
    """The lines left without the fix as releasekit's record names them (None: not said)."""
    given = specific.get("unfixed")
    if given is None:
        return None
    at = "/database_specific/unfixed"
    if not isinstance(given, list):
        raise ImportRefused(source, at, "must list release lines")
    return tuple(version(line, source, f"{at}/{n}") for n, line in enumerate(given))


def _introduced(specific: dict[str, Any], source: str) -> str | None:
    """``introduced`` as releasekit's record spells it, a pre-release (None: not said)."""
    given = specific.get("introduced")
    return None if given is None else version(given, source, "/database_specific/introduced")


def _component(specific: dict[str, Any]) -> str | None:
    """The component releasekit's record names (None: none, or not a name)."""
    name = specific.get("component")
    return name.strip() or None if isinstance(name, str) else None


def read_osv(record: Any, source: str) -> list[Imported]:
    """The advisories an OSV record describes, one per package."""
    if not isinstance(record, dict):
        raise ImportRefused(source, "", "must be a JSON object")
    check_schema("osv", record, source)
    ident = text(record.get("id"), source, "/id")
    if ident is None:
        raise ImportRefused(source, "/id", "is missing")
    if record.get("withdrawn"):
        raise ImportRefused(source, "/withdrawn", "a withdrawn advisory is not imported")
    if "published" not in record:
        raise ImportRefused(source, "/published", "is missing: the release time is needed")
    published = instant(record["published"], source, "/published")
    specific = record.get("database_specific") or {}
    ours = specific.get("advisory") if isinstance(specific, dict) else None
    aliases = tuple(a for a in record.get("aliases") or [] if isinstance(a, str))
    cve = next((a for a in (ident, *aliases) if CVE_RE.fullmatch(a)), None)
    cwes = specific.get("cwe_ids") if isinstance(specific, dict) else None
    cwes = cwes if isinstance(cwes, list) else []  # (database_specific is free-form)
    cwe = next((c for c in cwes if isinstance(c, str) and CWE_RE.fullmatch(c)), None)
    cvss = cvss4 = None
    for number, score in enumerate(record.get("severity") or []):
        kind = score.get("type") if isinstance(score, dict) else None
        vector = text(score.get("score"), source, f"/severity/{number}/score") if kind else None
        if kind == "CVSS_V3" and cvss is None:
            cvss = vector
        elif kind == "CVSS_V4" and cvss4 is None:
            cvss4 = vector
    title = text(record.get("summary"), source, "/summary")
    details = text(record.get("details"), source, "/details")
    summary, body = split_details(details, join=not isinstance(ours, str))
    references = tuple(
        r["url"] for r in record.get("references") or [] if isinstance(r, dict) and "url" in r
    )
    credited = credits(
        record.get("credits"),
        source,
        "/credits",
        name="name",
        default="OTHER",
        kinds="an OSV",
        normal=lambda kind: kind.lower().replace("_", " "),
    )
    out = []
    for package, stub in _affected(record, source, isinstance(ours, str)).items():
        out.append(
            Imported(
                source=source,
                kind="osv",
                origin=ident,
                published=published,
                advisory=ours if isinstance(ours, str) else None,
                title=title or ident,
                summary=summary or title or ident,
                body=body,
                cve=cve,
                cwe=cwe,
                cvss=cvss,
                cvss4=cvss4,
                rating=rating(specific.get("severity")) if isinstance(ours, str) else None,
                package=package,
                component=_component(specific) if isinstance(ours, str) else None,
                credits=credited,
                pairs=stub.pairs,
                exact=isinstance(ours, str),
                says_gaps=isinstance(ours, str) and "fixed" in specific,
                lines=_lines(specific, source) if isinstance(ours, str) else None,
                unfixed=_unfixed(specific, source) if isinstance(ours, str) else None,
                introduced_as=_introduced(specific, source) if isinstance(ours, str) else None,
                fix_commits=stub.fix_commits,
                aliases=tuple(a for a in aliases if a != cve),
                references=references,
                pointers={
                    "title": "/summary",
                    "summary": "/details",
                    "body": "/details",
                    "cvss": "/severity",
                    "cvss4": "/severity",
                    "cwe": "/database_specific/cwe_ids",
                    "embargo": "/published",
                    "released": "/published",
                    "cve": "/aliases",
                    "credits": "/credits",
                    "component": "/affected",
                    "fixed": "/affected",
                    "introduced": "/affected",
                },
            )
        )
    return out

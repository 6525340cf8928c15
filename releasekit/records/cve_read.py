"""Reading a CVE JSON 5 record (CVE.org, cvelistV5, or releasekit's own) for import.

The CNA container says it all: one :class:`~releasekit.records.imported.Imported` per
affected product (its ``product``, else its ``packageName``; a product listed twice is
refused). ``versions`` entries give the ranges: ``affected`` from ``version``
(``0``: from the first release) to ``lessThan`` (``*``: no fixed version recorded), and
GitHub's ``< 1.2.3`` / ``>= 1.0.0, < 1.2.3`` spellings; a product with no ``versions`` whose
``defaultStatus`` is ``affected`` is affected from the first release, with no fixed version;
an ``unaffected`` single version of a record releasekit wrote is a line fixed without an
affected release, and a version it respelt in SemVer (``source.spellings``) comes back as
the advisory spelt it. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import Version

from releasekit.model.advisory import CWE_RE
from releasekit.records.cve import SEVERITY_TYPE
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
)
from releasekit.records.imported import (
    version as read_version,
)
from releasekit.support import text as textrule

_GITHUB = re.compile(r"(?:>=\s*(?P<start>[^,<>=\s]+)\s*,\s*)?<\s*(?P<end>[^,<>=\s]+)")
_METRICS = (("cvssV3_1", "cvss"), ("cvssV3_0", "cvss"), ("cvssV4_0", "cvss4"))


def _listed_unaffected(entry: dict[str, Any]) -> set[str]:
    """The single versions ``entry`` lists as unaffected, as written."""
    return {
        item["version"].strip()
        for item in entry.get("versions") or []
        if isinstance(item, dict)
        and item.get("status") == "unaffected"
        and "lessThan" not in item
        and "lessThanOrEqual" not in item
        and isinstance(item.get("version"), str)
    }


def _fixed_after(last: Any, listed: set[str], source: str, where: str) -> str:
    """The fixed version of a range that ends at ``last`` (``lessThanOrEqual``): the next
    patch release, when the record lists it as unaffected (Kubernetes' records: through
    1.28.11, and 1.28.12 unaffected); refused otherwise, no fixed version being said."""
    end = read_version(last, source, f"{where}/lessThanOrEqual")
    numbers = end.split(".")
    if all(n.isdigit() for n in numbers) and len(numbers) > 1:
        following = ".".join([*numbers[:-1], str(int(numbers[-1]) + 1)])
        if following in listed:
            return following
    why = (
        "a last affected version cannot be recorded (only fixed versions): list the next "
        "release as unaffected, or use lessThan"
    )
    raise ImportRefused(source, f"{where}/lessThanOrEqual", why)


def _pairs(
    entry: dict[str, Any], source: str, at: str, ours: bool, spellings: dict[str, str]
) -> tuple[list[Pair], list[str]]:
    """The ranges and unaffected versions of one product entry (``spellings``: releasekit's
    SemVer spelling of a version -> the advisory's, 10.3.3-beta.2 -> 10.3.3b2)."""

    def version(value: Any, source: str, pointer: str) -> str:
        read = read_version(value, source, pointer)
        if read not in spellings:
            return read
        where = f"/containers/cna/source/spellings/{read}"
        spelt = read_version(spellings[read], source, where)
        if Version(spelt) != Version(read):  # (a wrong map would move the range)
            raise ImportRefused(source, where, "is not the same version")
        return spelt

    pairs: list[Pair] = []
    unaffected: list[str] = []
    listed = _listed_unaffected(entry)
    for number, item in enumerate(entry.get("versions") or []):
        where = f"{at}/versions/{number}"
        if not isinstance(item, dict):
            raise ImportRefused(source, where, "must be an object")
        if item.get("changes"):
            why = "status changes within a range cannot be recorded"
            raise ImportRefused(source, f"{where}/changes", why)
        if "lessThanOrEqual" in item and item.get("status") == "affected":
            start = version(item.get("version"), source, f"{where}/version")
            after = _fixed_after(item["lessThanOrEqual"], listed, source, where)
            pairs.append(Pair(None if start == "0" else start, after, None, where))
            continue
        if "lessThanOrEqual" in item:
            why = "a last affected version cannot be recorded (only fixed versions)"
            raise ImportRefused(source, f"{where}/lessThanOrEqual", why)
        status = item.get("status")
        raw = item.get("version")
        if status == "unaffected":
            if ours and "lessThan" not in item:
                unaffected.append(version(raw, source, f"{where}/version"))
            continue  # (another database's unaffected ranges: what is not affected)
        if status != "affected":
            continue  # unknown
        if "lessThan" in item:
            start = version(raw, source, f"{where}/version")
            end = item["lessThan"]
            fixed = None if end == "*" else version(end, source, f"{where}/lessThan")
            pairs.append(Pair(None if start == "0" else start, fixed, None, where))
            continue
        spelt = _GITHUB.fullmatch(raw.strip()) if isinstance(raw, str) else None
        if spelt is None:
            why = "a single affected version cannot be recorded (a range with lessThan can)"
            raise ImportRefused(source, f"{where}/version", why)
        start = spelt["start"] and version(spelt["start"], source, f"{where}/version")
        fixed = version(spelt["end"], source, f"{where}/version")
        pairs.append(Pair(None if start in (None, "0") else start, fixed, None, where))
    if entry.get("defaultStatus") == "affected":
        if not entry.get("versions"):
            # No versions, affected by default: every version is affected, none fixed.
            pairs.append(Pair(None, None, None, f"{at}/defaultStatus"))
        elif not pairs and not ours:
            # Affected but for the unaffected versions listed (GitHub's records): what is
            # affected is the gaps between them, which no range of affected versions says.
            why = "affected except the versions listed cannot be recorded (list affected ranges)"
            raise ImportRefused(source, f"{at}/defaultStatus", why)
    return pairs, unaffected


def _scores(cna: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for metric in cna.get("metrics") or []:
        for key, field in _METRICS:
            vector = (
                (metric.get(key) or {}).get("vectorString") if isinstance(metric, dict) else None
            )
            if isinstance(vector, str) and field not in found:
                found[field] = vector
    return found


def _ratings(cna: dict[str, Any]) -> list[str | None]:
    """The project's own ratings releasekit gives as ``other`` metrics, as read (None: not
    a rating); several for a CVE id that advisories of different ratings share."""
    found = []
    for metric in cna.get("metrics") or []:
        other = metric.get("other") if isinstance(metric, dict) else None
        if isinstance(other, dict) and other.get("type") == SEVERITY_TYPE:
            content = other.get("content")
            found.append(rating(content.get("text")) if isinstance(content, dict) else None)
    return found


def _rating(ratings: list[str | None]) -> str | None:
    """The one rating of :func:`_ratings` (None: none, or several)."""
    return ratings[0] if len(set(ratings)) == 1 else None


def _cwe(cna: dict[str, Any]) -> str | None:
    for problem in cna.get("problemTypes") or []:
        for item in (problem or {}).get("descriptions") or []:
            if not isinstance(item, dict):
                continue
            cwe = item.get("cweId")
            if isinstance(cwe, str) and CWE_RE.fullmatch(cwe):
                return cwe
            head = CWE_RE.match(str(item.get("description") or ""))
            if head:
                return head.group()
    return None


def _english(values: Any) -> str | None:
    entries = [v for v in values or [] if isinstance(v, dict) and isinstance(v.get("value"), str)]
    chosen = next((v for v in entries if str(v.get("lang", "")).startswith("en")), None)
    chosen = chosen or (entries[0] if entries else None)
    return chosen["value"].strip() if chosen else None


def _spellings(cna: dict[str, Any]) -> dict[str, str]:
    """The versions a releasekit record respells in SemVer, each with the advisory's
    spelling (``source.spellings``: 10.3.3-beta.2 -> 10.3.3b2)."""
    source = cna.get("source")
    given = source.get("spellings") if isinstance(source, dict) else None
    if not isinstance(given, dict):
        return {}
    return {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, str)}


def _written(cna: dict[str, Any]) -> list[str]:
    """The advisory ids a releasekit record names in ``source`` (one, or each sharing it)."""
    source = cna.get("source")
    if not isinstance(source, dict):
        return []
    every = source.get("advisories") or [source.get("advisory")]
    return [i for i in every if isinstance(i, str)] if isinstance(every, list) else []


def _page_of(reference: dict[str, Any], url: str, written: list[str]) -> bool:
    """Whether a reference is releasekit's to the page of an advisory it was written for
    (``name`` the id, tagged vendor-advisory), on another site than this one."""
    name = reference.get("name")
    tags = reference.get("tags")
    return (
        name in written
        and url.endswith(f"/advisories/{name}.html")
        and isinstance(tags, list)
        and "vendor-advisory" in tags
    )


def _shown(product: str | None) -> str:
    """A product name in a one-line message: quoted, its control characters escaped."""
    return "(unnamed)" if product is None else f'"{textrule.visible(product)}"'


def read_cve(record: Any, source: str, site_url: str) -> list[Imported]:
    """The advisories a CVE JSON 5 record describes, one per affected product.

    A record whose references name an advisory page under ``site_url`` is releasekit's own:
    it keeps that advisory's id.
    """
    if not isinstance(record, dict) or record.get("dataType") != "CVE_RECORD":
        raise ImportRefused(source, "/dataType", "is not a CVE JSON 5 record")
    metadata = record.get("cveMetadata")
    state = metadata.get("state") if isinstance(metadata, dict) else None
    if state == "REJECTED":
        why = "a rejected record cannot be imported (its CVE id names no vulnerability)"
        raise ImportRefused(source, "/cveMetadata/state", why)
    if isinstance(state, str) and state != "PUBLISHED":
        why = "is not PUBLISHED: only a published record is imported"
        raise ImportRefused(source, "/cveMetadata/state", why)
    check_schema("cve", record, source)
    metadata = record.get("cveMetadata") or {}
    cve = text(metadata.get("cveId"), source, "/cveMetadata/cveId")
    if cve is None:
        raise ImportRefused(source, "/cveMetadata/cveId", "is missing")
    cna = (record.get("containers") or {}).get("cna")
    if not isinstance(cna, dict):
        raise ImportRefused(source, "/containers/cna", "is missing")
    if "datePublic" in cna:
        when = "/containers/cna/datePublic"
        published = instant(cna["datePublic"], source, when)
    elif "datePublished" in metadata:
        when = "/cveMetadata/datePublished"
        published = instant(metadata["datePublished"], source, when)
    else:
        why = "is missing (and datePublished): the release time is needed"
        raise ImportRefused(source, "/containers/cna/datePublic", why)
    pages = f"{site_url.rstrip('/')}/advisories/"
    written = _written(cna)
    references = []
    pages_named = []
    for reference in cna.get("references") or []:
        url = reference.get("url") if isinstance(reference, dict) else None
        if isinstance(url, str):
            references.append(url)
            if url.startswith(pages) and url.endswith(".html"):
                pages_named.append(url[len(pages) : -len(".html")])
            elif _page_of(reference, url, written):
                pages_named.append(reference["name"])  # (another site's releasekit)
    several = list(dict.fromkeys(pages_named))
    products = cna.get("affected") or [{}]
    if len(several) > 1 and len(several) != len(products):
        # One CVE id across advisories of several components: releasekit lists each one's
        # product entry in the order of their references; any other shape says not whose.
        why = "names several advisories of this site, but not one product entry each"
        raise ImportRefused(source, "/containers/cna/references", why)
    ours = several[0] if several else None
    description = _english(cna.get("descriptions"))
    summary, body = (description, "") if ours else split_details(description, join=True)
    title = text(cna.get("title"), source, "/containers/cna/title")
    scores = _scores(cna)
    ratings = _ratings(cna)
    source_id = (cna.get("source") or {}).get("advisory") if ours is None else None
    credited = credits(
        cna.get("credits"),
        source,
        "/containers/cna/credits",
        name="value",
        default="finder",
        kinds="a CVE JSON 5",
    )
    out = []
    seen: dict[tuple[str | None, str | None], str] = {}
    for number, entry in enumerate(products):
        at = f"/containers/cna/affected/{number}"
        if not isinstance(entry, dict):
            raise ImportRefused(source, at, "must be an object")
        spellings = _spellings(cna) if ours is not None else {}
        pairs, unaffected = _pairs(entry, source, at, ours is not None, spellings)
        modules = entry.get("modules") or []
        product = text(entry.get("product"), source, f"{at}/product") or text(
            entry.get("packageName"), source, f"{at}/packageName"
        )
        component = modules[0] if ours and modules and isinstance(modules[0], str) else None
        if (product, component) in seen:
            # Each product is one advisory: a second entry of it (other platforms, or its
            # versions in another scheme) cannot be told apart from the first, and merging
            # their ranges could record versions neither entry says.
            first = seen[product, component]
            why = f"lists product {_shown(product)} a second time (first at {first})"
            raise ImportRefused(source, at, why + ": give all its versions in one entry")
        seen[product, component] = at
        out.append(
            Imported(
                source=source,
                kind="cve",
                origin=cve,
                published=published,
                advisory=several[number] if len(several) > 1 else ours,
                shared=len(several) > 1,
                title=title or cve,
                summary=summary or title or cve,
                body=body,
                cve=cve,
                cwe=_cwe(cna),
                cvss=scores.get("cvss"),
                cvss4=scores.get("cvss4"),
                rating=_rating(ratings) if ours else None,
                package=product,
                component=component,
                credits=credited,
                pairs=pairs,
                exact=ours is not None,
                says_gaps=ours is not None and bool(ratings),  # (releasekit's, since it says gaps)
                unaffected=unaffected,
                aliases=(source_id,) if isinstance(source_id, str) else (),
                references=tuple(references),
                pointers={
                    "title": "/containers/cna/title",
                    "summary": "/containers/cna/descriptions",
                    "body": "/containers/cna/descriptions",
                    "cvss": "/containers/cna/metrics",
                    "cvss4": "/containers/cna/metrics",
                    "cwe": "/containers/cna/problemTypes",
                    "embargo": when,
                    "released": when,
                    "cve": "/cveMetadata/cveId",
                    "credits": "/containers/cna/credits",
                    "component": at,
                    "fixed": f"{at}/versions",
                    "introduced": f"{at}/versions",
                },
            )
        )
    return out

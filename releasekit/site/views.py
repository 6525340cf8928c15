"""What the site shows of an advisory: its page and row view, advisories.json entry and feed
entry, each made only of the fields its stage makes public (:func:`model.public.public_fields`).

Templates get nothing else, so an overriding template cannot show details early either.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from markupsafe import escape

from releasekit import records
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.model.versions import Range
from releasekit.support import timefmt

PAGE_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,63}")  # a version that may name a file
POLICY = "Responsible Disclosure Policy"  # the words of the placeholder that link the policy


def cwe_url(cwe: str) -> str:
    """The weakness's definition at MITRE (``CWE-79`` -> .../definitions/79.html)."""
    return f"https://cwe.mitre.org/data/definitions/{cwe.partition('-')[2]}.html"


def site_context(settings: Settings) -> dict[str, Any]:
    """What every template gets besides an advisory's view."""
    base = settings.project.site_url.rstrip("/")
    return {
        "project": {
            "name": settings.project.name,
            "vendor": settings.project.vendor,
            "site_url": base,
            "disclosure_days": settings.project.disclosure_days,
            "policy_url": settings.project.policy_url or None,
        },
        "policy_words": POLICY,
        "feeds": {
            "rss": "feed.xml",
            "atom": "atom.xml",
            "json": "advisories.json",
            "calendar": "upcoming.ics",
            "upcoming": "upcoming.json",
        },
    }


def severity_name(shown: Public) -> str:
    """The severity as data says it: "unscored" for no score and no override."""
    return shown.severity if shown.scored else "unscored"


def severity_title(name: str) -> str:
    """A severity name (see severity_name) as a reader sees it: "High", "Not scored"."""
    return "Not scored" if name == "unscored" else name.title()


def _severity(shown: Public) -> dict[str, Any]:
    # The vector that sets the severity first (a CVSS 4.0 vector alone is it); a 4.0 vector
    # beside a 3.x one second.
    rating = shown.rating
    second = shown.cvss4 if shown.cvss is not None else None
    return {
        "name": severity_name(shown),
        "label": severity_title(severity_name(shown)),
        "scored": shown.scored,
        "score": f"{rating.score:.1f}" if rating else None,
        "vector": rating.vector if rating else None,
        "cvss4_score": f"{second.score:.1f}" if second else None,
        "cvss4_vector": second.vector if second else None,
    }


def _credits(shown: Public) -> list[dict[str, str]]:
    """Each credited name once, with its credit types ("Jane Doe", "finder, analyst")."""
    types: dict[str, list[str]] = {}
    for credit in shown.credits:
        kinds = types.setdefault(credit.name, [])
        if credit.type not in kinds:
            kinds.append(credit.type)
    return [{"name": name, "types": ", ".join(kinds)} for name, kinds in types.items()]


def _no_range(shown: Public) -> str:
    """What a page says when no affected range is known."""
    if not shown.fixed:
        return "Not recorded"
    return "No released version"  # fixed in a line's first release (X.Y.0)


def _placeholder(shown: Public) -> tuple[str, str, str] | None:
    """The placeholder sentence split around the words that link the policy."""
    if shown.placeholder is None:
        return None
    before, words, after = shown.placeholder.partition(POLICY)
    return before, words, after


def _links(settings: Settings, shown: Public) -> tuple[str, str | None, str | None]:
    """The advisory's page, OSV record and CVE record (None: none yet), relative to site/."""
    page = records.page_path(shown.id)
    if not shown.disclosed:
        return page, None, None
    cve = (
        records.cve_path(shown.cve)
        if shown.cve and records.writes_cve(settings, shown.cve)
        else None
    )
    return page, records.osv_path(shown.id), cve


def page_view(settings: Settings, shown: Public) -> dict[str, Any]:
    """The data a template gets for one advisory (its page and its row of the index)."""
    page, osv, cve_record = _links(settings, shown)
    return {
        "id": shown.id,
        "title": shown.title,
        "summary": shown.summary,
        "released": timefmt.iso_utc(shown.released),
        "release_date": shown.released.strftime("%Y-%m-%d"),
        "release_instant": timefmt.instant(shown.released, settings.zone),
        "disclosure_date": shown.disclosure_date.strftime("%Y-%m-%d"),
        "disclosed": shown.disclosed,
        "placeholder": shown.placeholder,
        "placeholder_parts": _placeholder(shown),
        "severity": _severity(shown),
        "affected": shown.versions.affected_list,
        "no_range": _no_range(shown),
        "fixed": shown.versions.fixed_list,
        "lines": [fix.line for fix in shown.versions.lines],
        "fixed_links": [
            {
                "line": fix.line,
                "version": fix.fixed,
                "url": records.release_url(settings, fix.fixed),
            }
            for fix in shown.versions.lines
        ],
        "page": page,
        "cve": shown.cve,
        "cve_url": records.cve_url(shown.cve) if shown.cve else None,
        "cwe": shown.cwe,
        "cwe_url": cwe_url(shown.cwe) if shown.cwe else None,
        "component": shown.component,
        "reporter": shown.reporter,
        "credits": _credits(shown),
        "severity_reason": shown.severity_reason,
        "osv": osv,
        # (its initial release is the advisory's release: see records.csaf)
        "csaf": records.csaf_path(shown.id, shown.released.year) if shown.disclosed else None,
        "cve_record": cve_record,
        "revisions": [
            {
                "date": timefmt.iso_utc(r.date),
                "day": r.date.strftime("%Y-%m-%d"),
                "reason": r.reason,
            }
            for r in shown.revisions
        ],
    }


def json_row(settings: Settings, shown: Public) -> dict[str, Any]:
    """The advisory's entry of advisories.json."""
    base = settings.project.site_url.rstrip("/")
    page, osv, cve_record = _links(settings, shown)

    def cvss(score: Any) -> dict[str, Any] | None:
        if score is None:
            return None
        return {"version": score.version, "vector": score.vector, "score": score.score}

    return {
        "id": shown.id,
        "url": f"{base}/{page}",
        "title": shown.title,
        "summary": shown.summary,
        "released": timefmt.iso_utc(shown.released),
        "modified": timefmt.iso_utc(shown.modified),
        "disclosure_date": shown.disclosure_date.strftime("%Y-%m-%d"),
        "disclosed": shown.disclosed,
        "severity": severity_name(shown),
        "scored": shown.scored,
        "cvss": cvss(shown.cvss),
        "cvss4": cvss(shown.cvss4),
        "affected": shown.versions.affected_list,
        "fixed": dict(sorted(shown.fixed.items())),
        "ranges": [range_json(r) for r in shown.versions.ranges()],
        "cve": shown.cve,
        "cwe": shown.cwe,
        "component": shown.component,
        "reporter": shown.reporter,
        "credits": [{"name": c.name, "type": c.type} for c in shown.credits],
        "osv": f"{base}/{osv}" if osv else None,
        "cve_record": f"{base}/{cve_record}" if cve_record else None,
    }


def facets(shown: Public) -> tuple[str, ...]:
    """What the index's filters narrow by: the severity, then the lines that got the fix."""
    return (severity_name(shown), *(fix.line for fix in shown.versions.lines))


class FeedRow(NamedTuple):
    """What an entry of the feeds needs (see :mod:`releasekit.site.feeds`)."""

    id: str
    title: str
    text: str
    published: float  # POSIX timestamps (cheap to keep in the build state)
    updated: float  # the release, then the disclosure, or a later revision
    severity: str
    order: tuple[int, int]  # (year, number), for ties


def range_json(found: Range) -> dict[str, Any]:
    """An affected range as advisories.json gives it: releases from ``from`` up to, not
    including, ``below`` (null: every later one); ``upgrade`` (null: no fixed version
    recorded) on ``upgrade_line`` (the range's own line, else the nearest supported one)."""
    return {
        "from": found.first,
        "below": found.below,
        "line": found.line,
        "upgrade": found.upgrade,
        "upgrade_line": found.upgrade_line,
    }


def range_view(settings: Settings, found: Range) -> dict[str, Any]:
    """An affected range as a version page shows it (see version_rows)."""
    return {
        "line": found.line,
        "upgrade": found.upgrade,
        "upgrade_url": records.release_url(settings, found.upgrade),
        "upgrade_line": found.upgrade_line,
        "supported": found.supported,
    }


def version_rows(view: dict[str, Any], ranges: list[dict[str, Any]]) -> tuple[str, ...]:
    """The advisory's row of a version page, in parts: its head (id, CVE, severity), then
    the rest of the row for each of its affected ranges (the page lists it with the range that
    includes the version: the head and that range's part). Empty without ranges. Made here
    rather than by a template: a build makes one per range of every advisory, and the version
    pages are all rows; the head is kept once, not once per range."""
    page, ident = escape(view["page"]), escape(view["id"])
    head = (
        f'<tr>\n<th scope="row" class="c-id" data-label="Advisory"><a href="../{page}">{ident}</a>'
    )
    if view["cve"]:
        cve = escape(view["cve"])
        head += f'<a class="cve" href="{escape(view["cve_url"])}">{cve}</a>'
    severity = view["severity"]
    head += (
        '</th>\n<td class="c-severity" data-label="Severity">'
        f'<span class="badge sev-{escape(severity["name"])}">{escape(severity["label"])}</span>'
    )
    if severity["score"]:
        head += f' <span class="score">{escape(severity["score"])}</span>'
    head += '</td>\n<td class="c-upgrade" data-label="Upgrade to">'
    rows = []
    for found in ranges:
        if not found["upgrade"]:
            cell = '<span class="none">No fixed version recorded</span>'
        else:
            cell = str(escape(found["upgrade"]))
            if found["upgrade_url"]:
                cell = f'<a href="{escape(found["upgrade_url"])}">{cell}</a>'
            if not found["supported"]:
                cell += (
                    f' <span class="note">on {escape(found["upgrade_line"])}, the nearest '
                    "supported line (its own line has no fix)</span>"
                )
        rows.append(f"{cell}</td>\n</tr>\n")
    return (head, *rows) if rows else ()


def feed_updated(shown: Public) -> datetime:
    """When the advisory's feed entry last changed: its release, then the moment its details
    became public, or its latest revision when that is later."""
    return shown.modified  # (advisories.json's `modified` too)


def feed_row(shown: Public) -> FeedRow:
    """The advisory's entry of the feeds."""
    severity = severity_title(severity_name(shown))
    rating = shown.rating
    if shown.scored and rating is not None:
        severity += f" ({rating.score:.1f})"
    parts = [shown.summary, f"Severity: {severity}."]
    fixed = shown.versions.fixed_list
    if fixed:
        parts.append(f"Fixed in {', '.join(fixed)}.")
    if shown.placeholder is not None:
        parts.append(shown.placeholder)
    updated = feed_updated(shown)
    return FeedRow(
        shown.id,
        f"{shown.id}: {shown.title}",
        " ".join(parts),
        shown.released.timestamp(),
        updated.timestamp(),
        severity_name(shown),
        (shown.year, shown.number),
    )

"""What the site shows of an advisory: its page and row view, advisories.json entry and feed
entry, each made only of the fields its stage makes public (:func:`model.public.public_fields`).

Templates get nothing else, so an overriding template cannot show details early either.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from releasekit import records
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.support import timefmt


def site_context(settings: Settings) -> dict[str, Any]:
    """What every template gets besides an advisory's view."""
    base = settings.project.site_url.rstrip("/")
    return {
        "project": {
            "name": settings.project.name,
            "vendor": settings.project.vendor,
            "site_url": base,
            "disclosure_days": settings.project.disclosure_days,
        },
        "feeds": {
            "rss": "feed.xml",
            "atom": "atom.xml",
            "json": "advisories.json",
            "calendar": "upcoming.ics",
            "upcoming": "upcoming.json",
        },
    }


def _severity(shown: Public) -> dict[str, Any]:
    cvss, cvss4 = shown.cvss, shown.cvss4
    return {
        "name": shown.severity,
        "label": shown.severity.title(),
        "score": f"{cvss.score:.1f}" if cvss else None,
        "vector": cvss.vector if cvss else None,
        "cvss4_score": f"{cvss4.score:.1f}" if cvss4 else None,
        "cvss4_vector": cvss4.vector if cvss4 else None,
    }


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
        "severity": _severity(shown),
        "affected": shown.versions.affected_list,
        "fixed": shown.versions.fixed_list,
        "lines": [fix.line for fix in shown.versions.lines],
        "page": page,
        "cve": shown.cve,
        "cwe": shown.cwe,
        "component": shown.component,
        "reporter": shown.reporter,
        "severity_reason": shown.severity_reason,
        "osv": osv,
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
        "severity": shown.severity,
        "cvss": cvss(shown.cvss),
        "cvss4": cvss(shown.cvss4),
        "affected": shown.versions.affected_list,
        "fixed": dict(sorted(shown.fixed.items())),
        "cve": shown.cve,
        "cwe": shown.cwe,
        "component": shown.component,
        "reporter": shown.reporter,
        "osv": f"{base}/{osv}" if osv else None,
        "cve_record": f"{base}/{cve_record}" if cve_record else None,
    }


def facets(shown: Public) -> tuple[str, ...]:
    """What the index's filters narrow by: the severity, then the lines that got the fix."""
    return (shown.severity, *(fix.line for fix in shown.versions.lines))


class FeedRow(NamedTuple):
    """What an entry of the feeds needs (see :mod:`releasekit.site.feeds`)."""

    id: str
    title: str
    text: str
    published: float  # POSIX timestamps (cheap to keep in the build state)
    updated: float  # the release, then the disclosure, or a later revision
    severity: str
    order: tuple[int, int]  # (year, number), for ties


def feed_row(shown: Public) -> FeedRow:
    """The advisory's entry of the feeds."""
    severity = shown.severity.title()
    if shown.cvss is not None:
        severity += f" ({shown.cvss.score:.1f})"
    parts = [shown.summary, f"Severity: {severity}."]
    fixed = shown.versions.fixed_list
    if fixed:
        parts.append(f"Fixed in {', '.join(fixed)}.")
    if shown.placeholder is not None:
        parts.append(shown.placeholder)
    updated = max(shown.disclosed_at if shown.disclosed else shown.released, shown.modified)
    return FeedRow(
        shown.id,
        f"{shown.id}: {shown.title}",
        " ".join(parts),
        shown.released.timestamp(),
        updated.timestamp(),
        shown.severity,
        (shown.year, shown.number),
    )

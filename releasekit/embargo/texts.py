"""The announcement texts: subject and plain-text body, rendered from the templates.

:func:`announcement_context` and :func:`render_announcement` turn released advisories into a
subject and a plain-text body from the templates ``announcement-subject.txt.j2`` and
``announcement.txt.j2``. Only public fields go in (id, title, severity, score, CVE, versions,
summary, credit, link): never an advisory's Markdown details. Pure: no outside effect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from releasekit.model.advisory import SEVERITIES, Advisory
from releasekit.model.config import Settings
from releasekit.support import render

BODY_TEMPLATE = "announcement.txt.j2"
SUBJECT_TEMPLATE = "announcement-subject.txt.j2"


@dataclass(frozen=True)
class AnnouncedLine:
    """One release line of an advisory in the announcement."""

    line: str  # e.g. "10.3"
    affected: str  # e.g. "10.3.0 to 10.3.2"; empty for a line not released yet
    fixed: str  # e.g. "10.3.3"


def advisory_url(site_url: str, advisory_id: str) -> str:
    return f"{site_url.rstrip('/')}/advisories/{advisory_id}.html"


def announcement_context(
    settings: Settings,
    released: datetime,
    items: Sequence[tuple[Advisory, Sequence[AnnouncedLine]]],
) -> dict[str, Any]:
    """The context :func:`render_announcement` takes, from parsed advisories.

    Copies only the public fields of each advisory; the Markdown body is never read.
    """
    project = settings.project
    advisories = []
    for advisory, lines in items:
        advisories.append(
            {
                "id": advisory.id,
                "title": advisory.title,
                "severity": advisory.severity,
                "score": advisory.score,
                "vector": advisory.cvss.vector if advisory.cvss else None,
                "cve": advisory.cve,
                "summary": advisory.summary,
                "reporter": advisory.reporter,
                "url": advisory_url(project.site_url, advisory.id),
                "lines": [
                    {"line": item.line, "affected": item.affected, "fixed": item.fixed}
                    for item in lines
                ],
            }
        )
    when = released.astimezone(UTC)
    return {
        "project": {
            "name": project.name,
            "site_url": project.site_url,
            "time_zone": project.time_zone,
        },
        "released": when,
        "advisories": advisories,
        "disclosure_date": (when + timedelta(days=project.disclosure_days)).date(),
    }


def render_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the announcement; pure.

    ``context`` (as :func:`announcement_context` makes it):

    - ``project``: ``name``, ``site_url``, ``time_zone`` (IANA name);
    - ``released``: the release instant (aware datetime);
    - ``advisories``: a list of dicts with ``id``, ``title``, ``severity`` (none ... critical),
      ``score`` (float or None), ``vector`` (CVSS or None), ``cve`` (or None), ``summary``,
      ``reporter`` (or None), ``url`` (``site_url/advisories/ID.html``) and ``lines``: a list
      of ``{line, affected, fixed}`` (``affected`` like "10.3.0 to 10.3.2", empty for a line
      not released before; ``fixed`` like "10.3.3");
    - ``disclosure_date``: the day the details are published (a date).

    The templates also get ``zone`` (the ZoneInfo of ``time_zone``) and ``highest`` (the
    highest severity). The subject is one line. Raises BadInput for a broken template.
    """
    zone = ZoneInfo(context["project"]["time_zone"])
    ranks = [SEVERITIES.index(a["severity"]) for a in context["advisories"]]
    highest = SEVERITIES[max(ranks)] if ranks else "none"
    values = {**context, "zone": zone, "highest": highest}
    subject = _render(env, SUBJECT_TEMPLATE, values)
    body = _render(env, BODY_TEMPLATE, values)
    return " ".join(subject.split()), body


def render_pre_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the public pre-announcement; pure.

    ``context``: ``project`` (``name``, ``site_url``, ``time_zone``), ``release`` (the embargo
    instant), ``lines`` (``{line, version, upcoming}`` dicts), ``highest`` (a severity) and
    ``count`` (how many issues). Nothing that names or describes an issue.
    """
    values = {**context, "zone": ZoneInfo(context["project"]["time_zone"])}
    subject = _render(env, "pre-announcement-subject.txt.j2", values)
    body = _render(env, "pre-announcement.txt.j2", values)
    return " ".join(subject.split()), body


def _render(env: jinja2.Environment, template: str, values: Mapping[str, Any]) -> str:
    return render.render(env, template, **values)

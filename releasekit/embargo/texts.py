"""The embargo's texts: the announcement, the pre-announcement and the predisclosure.

Each is a subject and a plain-text body rendered from the templates ``NAME-subject.txt.j2``
and ``NAME.txt.j2``; pure functions of the model, no outside effect. The public texts get
only what :mod:`releasekit.model.public` allows: the announcement the fields of the released
stage (:func:`~releasekit.model.public.as_released`; the disclosed one's when the details
are public from the release on), the pre-announcement the highest
severity (:func:`~releasekit.model.public.ahead`). Only the encrypted predisclosure carries
an advisory's details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from packaging.version import Version

from releasekit.model import lifecycle, public
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.public import Public
from releasekit.model.versions import Versions, prereleases_text, says_prereleases, versions_of
from releasekit.release.plan import Plan, PlanLine
from releasekit.support import render

# --- the announcement ---------------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncedLine:
    """One release line of an advisory in the announcement."""

    line: str  # e.g. "10.3"
    affected: str  # e.g. "10.3.0 to 10.3.2"; empty for a line not released yet
    fixed: str  # e.g. "10.3.3"


def advisory_url(site_url: str, advisory_id: str) -> str:
    return f"{site_url.rstrip('/')}/advisories/{advisory_id}.html"


def announced_lines(
    fixed: Mapping[str, str],
    unfixed: Sequence[str] | None = None,
    *,
    pre_releases: bool = False,
    introduced: str | None = None,
) -> list[AnnouncedLine]:
    """Affected and fixed versions per line of ``fixed`` (see :func:`lines_of`)."""
    return lines_of(versions_of(fixed, introduced, unfixed, pre_releases=pre_releases))


def lines_of(found: Versions) -> list[AnnouncedLine]:
    """Affected and fixed versions per line, as the site shows them (model.versions, from
    ``fixed``, ``introduced`` and ``unfixed``): fixed in 10.3.3 means 10.3.0 to 10.3.2 were
    affected, and on the line 7 (a major version) fixed in 7.3.1, 7.0.0 to 7.3.0, fixed in
    7.4.0, 7.0.0 and later; fixed in 10.4.0 (the upcoming line) means no release was (its
    pre-releases were, when the project publishes them, ``pre_releases``, and the code was
    there before: "3.14.0 pre-releases"); introduced in 3.13.0, 3.12 had none.
    Versions are spelt as the fixed one: PostgreSQL's line 16 fixed in 16.3 had 16.0 to
    16.2, Rails' 7.1 fixed in 7.1.5.2 7.1.0 to 7.1.5.1.
    The lines between two fixed ones come next: "after 9.11: releases before 10.4 affected,
    fixed in 10.4.0", when ``unfixed`` names a released line there that got no fix (None:
    not known; any line that can lie there is taken to); then the lines before the oldest
    fixed one from ``introduced`` on, unfixed: "from 9.8.0: releases before 9.11"."""
    lines = []
    for fix in sorted(found.lines, key=lambda fix: Version(fix.line)):
        first, last = fix.first_affected, fix.last_affected
        if first is None:
            affected = ""
        elif says_prereleases(fix):  # (its first release's pre-releases, and on)
            affected = prereleases_text(fix, announced=True)
        elif last is None:
            affected = f"{first} and later"
        else:
            affected = first if first == last else f"{first} to {last}"
        lines.append(AnnouncedLine(fix.line, affected, fix.fixed))
    for gap in found.gaps:  # lines between two fixed ones, as the site says
        start = f"after {gap.after}" if gap.shown.startswith("after ") else f"from {gap.first}"
        lines.append(AnnouncedLine(start, f"releases before {gap.ends}", gap.upgrade))
    if found.earlier_from and found.earlier_before and found.lines:
        before = f"releases before {found.earlier_before}"
        lines.append(AnnouncedLine(f"from {found.earlier_from}", before, found.lines[-1].fixed))
    return lines


def announcement_context(
    settings: Settings, released: datetime, shown: Sequence[Public]
) -> dict[str, Any]:
    """The context :func:`render_announcement` takes, from what each advisory shows at the
    released stage (:func:`~releasekit.model.public.as_released`): nothing else reaches the
    templates."""
    project = settings.project
    advisories = []
    for item in shown:
        advisories.append(
            {
                **public.text_fields(item),
                "url": advisory_url(project.site_url, item.id),
                "lines": [
                    {"line": line.line, "affected": line.affected, "fixed": line.fixed}
                    for line in lines_of(item.versions)
                ],
            }
        )
    when = released.astimezone(UTC)
    return {
        "project": _project(settings),
        "released": when,
        "advisories": advisories,
        "disclosure_date": lifecycle.disclosure_date(when, project.disclosure_days),
        "disclosed": bool(shown) and all(item.placeholder is None for item in shown),
    }


def render_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the announcement; pure.

    ``context`` (as :func:`announcement_context` makes it):

    - ``project``: ``name``, ``site_url``, ``time_zone`` (IANA name);
    - ``released``: the release instant (aware datetime);
    - ``advisories``: a list of dicts with ``id``, ``title``, ``severity`` (none ... critical),
      ``score`` (float or None), ``vector`` (CVSS or None), ``summary``, ``cve``, ``cwe``,
      ``component``, ``reporter`` (each None unless ``[disclosure] at_release`` names it),
      ``severity_reason`` (None: public from the disclosure date only), ``url``
      (``site_url/advisories/ID.html``) and ``lines``: a list of ``{line, affected, fixed}``
      (``affected`` like "10.3.0 to 10.3.2", empty for a line not released before; ``fixed``
      like "10.3.3");
    - ``disclosure_date``: the day the details are published (a date);
    - ``disclosed``: whether the pages have the details from the release on
      (``disclosure_days`` 0); the fields above are then the disclosed stage's.

    The templates also get ``zone`` (the ZoneInfo of ``time_zone``) and ``highest`` (the
    highest severity). The subject is one line. Raises BadInput for a broken template.
    """
    zone = ZoneInfo(context["project"]["time_zone"])
    top = public.highest(a["severity"] for a in context["advisories"])
    return _render(env, "announcement", {**context, "zone": zone, "highest": top})


def announcement(
    settings: Settings,
    batch: Sequence[Advisory],
    released: datetime,
    fixed: Mapping[str, Mapping[str, str]],
    unfixed: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, str]:
    """(subject, body) of the announcement of ``batch`` released at ``released`` with
    ``fixed`` (advisory id -> line -> version) and ``unfixed`` (advisory id -> the released
    lines between two fixed ones that got no fix; None: not known), with the templates in
    use. It shows what the pages show at the release: the released stage's fields, or
    with ``disclosure_days`` 0 the disclosed stage's (the pages have the details then)."""
    stage = public.stage_of_release(settings, released)
    shown = [
        public.as_released(
            settings,
            a,
            released,
            fixed.get(a.id, {}),
            None if unfixed is None else unfixed.get(a.id),
            stage,
        )
        for a in batch
    ]
    context = announcement_context(settings, released, shown)
    return render_announcement(render.environment(settings.templates_dir), context)


# --- the pre-announcement -----------------------------------------------------------------


def render_pre_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the public pre-announcement; pure.

    ``context``: ``project`` (``name``, ``site_url``, ``time_zone``), ``release`` (the embargo
    instant), ``lines`` (``{line, version, upcoming}`` dicts) and ``highest`` (a severity).
    Nothing that names, counts or describes an issue.
    """
    values = {**context, "zone": ZoneInfo(context["project"]["time_zone"])}
    return _render(env, "pre-announcement", values)


def pre_announcement(
    settings: Settings,
    instant: datetime,
    lines: Sequence[PlanLine],
    batch: Sequence[Advisory],
) -> tuple[str, str]:
    """(subject, body) of the pre-announcement of ``batch``, fixed in ``lines`` at
    ``instant``: of the advisories only what :func:`~releasekit.model.public.ahead` allows."""
    shown = public.ahead(batch)
    context = {
        "project": _project(settings),
        "release": instant,
        "lines": [
            {"line": line.name, "version": line.next_version, "upcoming": line.tag is None}
            for line in lines
        ],
        "highest": shown.highest,
    }
    return render_pre_announcement(render.environment(settings.templates_dir), context)


# --- the predisclosure --------------------------------------------------------------------


def predisclosure(
    settings: Settings,
    instant: datetime,
    batch: Sequence[Advisory],
    the_plan: Plan,
    attached: Mapping[tuple[str, str], str],
) -> tuple[str, str]:
    """(subject, body) of the predisclosure of ``batch``: the details, and per line the
    version and the name of the attached fix (``attached``: (advisory id, line) -> name)."""
    items = []
    for advisory in batch:
        lines = [
            {
                "line": cell.line,
                "version": the_plan.line(cell.line).next_version,
                "patch": attached.get((advisory.id, cell.line)),
            }
            for cell in the_plan.cells
            if cell.advisory == advisory.id and cell.required
        ]
        items.append({**_private(advisory), "details": advisory.body.strip(), "lines": lines})
    readable = {
        "project": {"name": settings.project.name},
        "release": instant,
        "zone": settings.zone,
    }
    env = render.environment(settings.templates_dir)
    # The Subject is the one part every mail server on the way reads (PGP/MIME encrypts the
    # body only): its template gets the project and the instant, never the advisories.
    subject, _ = _render(env, "notify", readable, body=False)
    _, body = _render(env, "notify", {**readable, "advisories": items})
    return subject, body


# --- shared ---------------------------------------------------------------------------------


def _private(advisory: Advisory) -> dict[str, Any]:
    """Every field of an advisory but its details, for the encrypted predisclosure only (the
    one text made for the embargoed stage's recipients)."""
    return {
        "id": advisory.id,
        "title": advisory.title,
        "severity": advisory.severity,
        "score": advisory.score,
        "vector": advisory.cvss.vector if advisory.cvss else None,
        "cve": advisory.cve,
        "cwe": advisory.cwe,
        "component": advisory.component,
        "summary": advisory.summary,
        "reporter": advisory.reporter,
    }


def _project(settings: Settings) -> dict[str, str]:
    project = settings.project
    return {"name": project.name, "site_url": project.site_url, "time_zone": project.time_zone}


def _render(
    env: jinja2.Environment, name: str, values: Mapping[str, Any], body: bool = True
) -> tuple[str, str]:
    """(subject on one line, body) from ``NAME-subject.txt.j2`` and ``NAME.txt.j2`` (the
    body "" when ``body`` is False)."""
    subject = render.render(env, f"{name}-subject.txt.j2", **values)
    text = render.render(env, f"{name}.txt.j2", **values) if body else ""
    return " ".join(subject.split()), text

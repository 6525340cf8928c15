"""What of an advisory may be shown at a stage: the one privacy rule of every output.

Released, an advisory shows its id, title, summary, release and disclosure dates, severity
with score and vector, its affected and fixed versions, and the fields that ``[disclosure]
at_release`` names (any of its CVE id, credit, CWE and component); its details are replaced
by the placeholder sentence. Disclosed, it shows everything: the details, CVE id, CWE,
component, credit and severity justification. Before its release it shows nothing but what
:func:`ahead` allows a pre-announcement. The announcement, the tag message, pages, feed
entries, advisories.json and records take their fields from :func:`public_fields`, so that
none of them can show a field before its stage allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.cvss import Cvss
from releasekit.model.entries import Credit, Revision
from releasekit.model.lifecycle import Stage
from releasekit.model.severity import SEVERITIES
from releasekit.model.versions import Versions, versions


@dataclass(frozen=True, slots=True)
class Public:
    """The fields of an advisory that its stage makes public. Times are aware, in UTC."""

    stage: Stage  # released or disclosed
    id: str
    year: int
    number: int
    title: str
    summary: str
    released: datetime
    disclosure_date: date
    disclosed_at: datetime  # midnight UTC of the disclosure date
    severity: str  # the final severity: the override when given, else the CVSS band
    cvss: Cvss | None
    cvss4: Cvss | None
    scored: bool  # False: no vector and no override ("Not scored", never severity "none")
    versions: Versions  # affected and fixed, per line
    fixed: Mapping[str, str]  # line -> the version that fixed it
    fix_commits: Mapping[str, str]  # line -> the last fix commit pushed (public with the push)
    unfixed: tuple[str, ...] | None  # released lines between fixed ones left without the fix
    placeholder: str | None  # the sentence the details carry until disclosed; None then
    revisions: tuple[Revision, ...]  # corrections since the release (their reasons are public)
    # From the disclosure date on (these four from the release when [disclosure] at_release
    # names them); None before:
    cve: str | None
    cwe: str | None
    component: str | None
    credits: tuple[Credit, ...]  # ("credits" in at_release); empty before
    # From the disclosure date on; None before:
    details: str | None  # the Markdown body
    severity_reason: str | None

    @property
    def disclosed(self) -> bool:
        return self.stage is Stage.DISCLOSED

    @property
    def rating(self) -> Cvss | None:
        """The vector that sets the severity: ``cvss``, else ``cvss4`` when alone."""
        return self.cvss or self.cvss4

    @property
    def modified(self) -> datetime:
        """The last change of what is shown: the release, then the disclosure instant once
        disclosed (the details, the CVE id and the records appear), or the latest revision
        when that is later. Never a later stage's date: before the disclosure it is the
        release or a revision (every output that syncs by it: advisories.json, the feeds,
        OSV's ``modified``, CVE's ``dateUpdated``, CSAF's ``current_release_date``)."""
        shown = self.disclosed_at if self.disclosed else self.released
        return max(shown, self.revisions[-1].date) if self.revisions else shown

    @property
    def reporter(self) -> str | None:
        """The credited names, joined, for one-line texts (None when none is shown)."""
        return ", ".join(c.name for c in self.credits) or None


def public_fields(settings: Settings, advisory: Advisory, stage: Stage) -> Public | None:
    """What of ``advisory`` may be shown at ``stage`` (None: nothing, anywhere)."""
    released = advisory.released
    if not stage.public or released is None:
        return None
    days = settings.project.disclosure_days
    day = lifecycle.disclosure_date(released, days)
    disclosed = stage is Stage.DISCLOSED
    early = settings.disclosure.at_release

    def shown(name: str, value: str | None) -> str | None:
        return value if disclosed or name in early else None

    return Public(
        stage=stage,
        id=advisory.id,
        year=advisory.year,
        number=advisory.number,
        title=advisory.title,
        summary=advisory.summary,
        released=released,
        disclosure_date=day,
        disclosed_at=lifecycle.disclosed_at(released, days),
        severity=advisory.severity,
        cvss=advisory.cvss,
        cvss4=advisory.cvss4,
        scored=advisory.scored,
        versions=versions(advisory, pre_releases=settings.releases.pre_releases),
        fixed=dict(advisory.fixed),
        fix_commits=dict(advisory.fix_commits),
        unfixed=advisory.unfixed,
        placeholder=None if disclosed else lifecycle.placeholder(day),
        revisions=advisory.revisions,
        cve=shown("cve", advisory.cve),
        cwe=shown("cwe", advisory.cwe),
        component=shown("component", advisory.component),
        credits=advisory.credits if disclosed or "credits" in early else (),
        details=advisory.body if disclosed else None,
        severity_reason=advisory.severity_reason if disclosed else None,
    )


def as_released(
    settings: Settings,
    advisory: Advisory,
    released: datetime,
    fixed: Mapping[str, str],
    unfixed: Sequence[str] | None = None,
    stage: Stage = Stage.RELEASED,
) -> Public:
    """What ``advisory`` shows once released at ``released`` with ``fixed`` (line -> version)
    and ``unfixed`` (the released lines between two fixed ones that got no fix; None: not
    known): the fields of the texts made at the lift (announcement, tag message), before the
    advisory file records its release. ``stage``: DISCLOSED for a text made for the release
    instant when that is already disclosed (``disclosure_days`` 0, :func:`stage_of_release`).
    """
    left_out = None if unfixed is None else tuple(unfixed)
    made = replace(advisory, released=released, fixed=dict(fixed), unfixed=left_out)
    shown = public_fields(settings, made, stage)
    assert shown is not None  # released, at the released stage
    return shown


def stage_of_release(settings: Settings, released: datetime) -> Stage:
    """The stage of an advisory at its release instant: DISCLOSED with ``disclosure_days``
    0 (the details are public from midnight UTC of the release day), RELEASED otherwise."""
    disclosed = lifecycle.disclosed_at(released, settings.project.disclosure_days)
    return Stage.DISCLOSED if disclosed <= released else Stage.RELEASED


def text_fields(shown: Public) -> dict[str, Any]:
    """The fields of ``shown`` as the plain-text templates get them (announcement, tag
    message): each None that its stage hides."""
    cvss = shown.rating
    return {
        "id": shown.id,
        "title": shown.title,
        "summary": shown.summary,
        "severity": shown.severity,
        "score": cvss.score if cvss else None,
        "vector": cvss.vector if cvss else None,
        "cve": shown.cve,
        "cwe": shown.cwe,
        "component": shown.component,
        "reporter": shown.reporter,
        "severity_reason": shown.severity_reason,
    }


@dataclass(frozen=True, slots=True)
class Ahead:
    """What a pre-announcement may say of the advisories of an embargo: nothing of any one
    of them, only the highest final severity."""

    highest: str  # none ... critical


def ahead(advisories: Iterable[Advisory]) -> Ahead:
    """What the pre-announcement of ``advisories`` (still embargoed) may show."""
    return Ahead(highest([a.severity for a in advisories]))


def highest(severities: Iterable[str]) -> str:
    """The highest of ``severities`` ("none" when there is none)."""
    ranks = [SEVERITIES.index(severity) for severity in severities]
    return SEVERITIES[max(ranks)] if ranks else "none"

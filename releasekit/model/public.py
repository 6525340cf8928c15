"""What of an advisory may be shown at a stage: the one privacy rule of every output.

Released, an advisory shows its id, title, summary, release and disclosure dates, severity
with score and vector, and its affected and fixed versions; its details are replaced by the
placeholder sentence. Disclosed, it shows everything: the details, CVE id, CWE, component,
credit and severity justification. Before its release it shows nothing. Pages, feed
entries, advisories.json, records and announcements take their fields from
:func:`public_fields`, so that none of them can show a field before its stage allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory, Cvss
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
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
    versions: Versions  # affected and fixed, per line
    fixed: Mapping[str, str]  # line -> the version that fixed it
    placeholder: str | None  # the sentence the details carry until disclosed; None then
    # From the disclosure date on; None before:
    details: str | None  # the Markdown body
    cve: str | None
    cwe: str | None
    component: str | None
    reporter: str | None
    severity_reason: str | None

    @property
    def disclosed(self) -> bool:
        return self.stage is Stage.DISCLOSED


def public_fields(settings: Settings, advisory: Advisory, stage: Stage) -> Public | None:
    """What of ``advisory`` may be shown at ``stage`` (None: nothing, anywhere)."""
    released = advisory.released
    if not stage.public or released is None:
        return None
    days = settings.project.disclosure_days
    day = lifecycle.disclosure_date(released, days)
    disclosed = stage is Stage.DISCLOSED
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
        versions=versions(advisory),
        fixed=dict(advisory.fixed),
        placeholder=None if disclosed else lifecycle.placeholder(day),
        details=advisory.body if disclosed else None,
        cve=advisory.cve if disclosed else None,
        cwe=advisory.cwe if disclosed else None,
        component=advisory.component if disclosed else None,
        reporter=advisory.reporter if disclosed else None,
        severity_reason=advisory.severity_reason if disclosed else None,
    )

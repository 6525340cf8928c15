"""The CVE JSON 5.1 record of a disclosed advisory, and its CNA container."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.cvss import Cvss
from releasekit.model.public import Public
from releasekit.model.versions import EVERY, Versions
from releasekit.records.common import cve_path, disclosed, page_url, semver, version_scheme
from releasekit.records.schemas import validate
from releasekit.support import timefmt

CVE_DATA_VERSION = "5.1"
# The vendor's own rating, in the form CNAs give theirs beside (or instead of) a CVSS metric:
# an `other` metric of this type, with the rating as `content.text` (Apache's records).
SEVERITY_TYPE = "Textual description of severity"


def _metric(cvss: Cvss) -> dict[str, Any]:
    key = "cvssV" + cvss.version.replace(".", "_")  # cvssV3_0, cvssV3_1, cvssV4_0
    return {
        "format": "CVSS",
        "scenarios": [{"lang": "en", "value": "GENERAL"}],
        key: {
            "version": cvss.version,
            "vectorString": cvss.vector,
            "baseScore": cvss.score,
            "baseSeverity": cvss.severity.upper(),
        },
    }


def _rating(severity: str) -> dict[str, Any]:
    """The project's final severity (its override, else its CVSS band) as a metric."""
    return {"other": {"type": SEVERITY_TYPE, "content": {"text": severity}}}


def _range(first: str, below: str) -> dict[str, Any]:
    return {"version": first, "lessThan": below, "status": "affected"}


def _cve_versions(
    found: Versions, project: str = ""
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The ``versions`` entries of one product, and the versions they respell (SemVer's
    spelling -> the advisory's: 10.3.3-beta.2 -> 10.3.3b2).

    Every entry has one ``versionType`` (:func:`version_scheme`): the project's when it has
    one (``project``: ``[releases] version_scheme``, which each version fits, see
    records.checks), else ``semver`` when SemVer
    spells every version named, pre-releases as SemVer spells them (a scanner's SemVer
    library rejects 10.3.3b2, and orders 10.3.3rc10 before 10.3.3rc2); else ``python``,
    whose order (PEP 440's) is releasekit's own, the versions as the advisory spells them
    (PostgreSQL's 16.3 has no SemVer version: 16.3.0 was never released)."""
    entries: list[dict[str, Any]] = []
    for fix in found.lines:
        if fix.first_affected is not None:
            entries.append(_range(fix.first_affected, fix.fixed))
        else:
            entries.append({"version": fix.fixed, "status": "unaffected"})
    for gap in found.gaps:  # lines between two fixed ones
        entries.append(_range(gap.first, gap.below))
    if found.earlier_from and found.earlier_before:
        below = found.earlier_below or f"{found.earlier_before}.0"
        entries.append(_range(found.earlier_from, below))
    elif found.open_from or not found.lines:  # no fixed version: from introduced, or any
        entries.append(_range(found.open_from or EVERY, "*"))
    scheme = version_scheme((e[k] for e in entries for k in _BOUNDS if k in e), project)
    respelt: dict[str, str] = {}
    for entry in entries:
        entry["versionType"] = scheme
        for key in _BOUNDS if scheme == "semver" else ():
            if key in entry:
                spelt = semver(entry[key])
                assert spelt is not None  # (version_scheme said so)
                if spelt != entry[key]:
                    respelt[spelt] = entry[key]
                    entry[key] = spelt
    return entries, respelt


_BOUNDS = ("version", "lessThan")


def cna_container(
    settings: Settings, advisory: Advisory, sharing: Sequence[Advisory] = ()
) -> dict[str, Any]:
    """The CNA container of the CVE record: what CVE Services accepts for this CVE
    (``sharing``: the other advisories, of other components, with the same CVE id)."""
    return _cna_container(settings, _shown(settings, advisory, sharing, None))


def _shown(
    settings: Settings, advisory: Advisory, sharing: Sequence[Advisory], shown: Public | None
) -> list[Public]:
    """The advisories of one CVE id, as disclosed, in id order (``shown``: ``advisory``'s)."""
    every = sorted((advisory, *sharing), key=lambda a: (a.year, a.number))
    return [disclosed(settings, a, shown if a is advisory else None) for a in every]


def _affected(settings: Settings, shown: Public, respelt: dict[str, str]) -> dict[str, Any]:
    """The product entry of one advisory (``respelt``: gets the versions it respells)."""
    versions, spelt = _cve_versions(shown.versions, settings.releases.version_scheme)
    respelt.update(spelt)
    affected: dict[str, Any] = {
        "vendor": settings.project.vendor,
        "product": settings.project.name,
        "defaultStatus": "unknown",
        "versions": versions,
    }
    if shown.component:
        affected["modules"] = [shown.component]
    if not affected["versions"]:
        del affected["versions"]
    return affected


def _description(every: list[Public]) -> str:
    """One summary; the advisories of several components each say theirs, named."""
    summaries = list(dict.fromkeys(shown.summary for shown in every))
    if len(summaries) == 1:
        return summaries[0]
    return "\n\n".join(f"{shown.component}: {shown.summary}" for shown in every)


def _cna_container(settings: Settings, every: list[Public]) -> dict[str, Any]:
    first = every[0]
    provider: dict[str, Any] = {"orgId": settings.cve.org_id}
    if settings.cve.short_name:
        provider["shortName"] = settings.cve.short_name
    source: dict[str, Any] = {"advisory": first.id, "discovery": "EXTERNAL"}
    if len(every) > 1:
        source["advisories"] = [shown.id for shown in every]
    respelt: dict[str, str] = {}
    affected = [_affected(settings, shown, respelt) for shown in every]
    if respelt:  # (an import gives back the advisory's own spelling: 10.3.3b2)
        source["spellings"] = dict(sorted(respelt.items()))
    cna: dict[str, Any] = {
        "providerMetadata": provider,
        "title": first.title,
        "descriptions": [{"lang": "en", "value": _description(every)}],
        "affected": affected,
        "references": [
            {"url": page_url(settings, shown.id), "name": shown.id, "tags": ["vendor-advisory"]}
            for shown in every
        ],
        "datePublic": timefmt.iso_utc(min(shown.released for shown in every)),
        "source": source,
    }
    cwes = list(dict.fromkeys(shown.cwe for shown in every if shown.cwe))
    if cwes:
        cna["problemTypes"] = [
            {
                "descriptions": [
                    {"lang": "en", "type": "CWE", "cweId": cwe, "description": cwe} for cwe in cwes
                ]
            }
        ]
    vectors = {c.vector: c for s in every for c in (s.cvss, s.cvss4) if c is not None}
    metrics = [_metric(c) for c in vectors.values()]
    # The rating the project's pages, feeds, OSV and CSAF records give, also when it is the
    # vectors' band (a reader need not work out which applies): an override's is not theirs.
    ratings = dict.fromkeys(shown.severity for shown in every if shown.scored)
    metrics += [_rating(severity) for severity in ratings]
    if metrics:
        cna["metrics"] = metrics
    credits = list(dict.fromkeys(c for shown in every for c in shown.credits))
    if credits:
        cna["credits"] = [{"lang": "en", "value": c.name, "type": c.type} for c in credits]
    return cna


def cve_record(
    settings: Settings,
    advisory: Advisory,
    sharing: Sequence[Advisory] = (),
    shown: Public | None = None,
) -> dict[str, Any]:
    """The full CVE JSON 5.1 record (``dataType`` CVE_RECORD), validated: one record for a
    CVE id, whose ``affected`` lists the component of each advisory ``sharing`` it too
    (``shown``: the advisory's disclosed fields, when the caller has them)."""
    every = _shown(settings, advisory, sharing, shown)
    cve = every[0].cve
    assert cve is not None
    assert all(one.cve == cve for one in every)
    # Published when the first of them was disclosed (the others join it when they are)
    moment = timefmt.iso_utc(min(one.disclosed_at for one in every))
    metadata: dict[str, Any] = {
        "cveId": cve,
        "assignerOrgId": settings.cve.org_id,
        "state": "PUBLISHED",
        "datePublished": moment,
        # A revision of any of them after that moves it on.
        "dateUpdated": timefmt.iso_utc(max(shown.modified for shown in every)),
    }
    if settings.cve.short_name:
        metadata["assignerShortName"] = settings.cve.short_name
    record = {
        "dataType": "CVE_RECORD",
        "dataVersion": CVE_DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": _cna_container(settings, every)},
    }
    validate("cve", record, cve_path(cve))
    return record

"""Whether an advisory's records will be valid on its disclosure date, and the advisory
field at fault when not."""

from __future__ import annotations

from dataclasses import replace

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.versions import release_key, versions
from releasekit.records.common import bounds, misfit, writes_cve
from releasekit.records.cve import cve_record
from releasekit.records.osv import osv_record
from releasekit.support.errors import RecordError

# The advisory field behind each part of its records: a record refused there is that field's
# to fix (by the first JSON path segments that name it).
_FIELDS = (
    ("/containers/cna/title", "title"),
    ("/containers/cna/descriptions", "summary"),
    ("/containers/cna/credits", "credits"),
    ("/containers/cna/problemTypes", "cwe"),
    ("/containers/cna/metrics", "cvss"),
    ("/containers/cna/affected/0/modules", "component"),
    ("/summary", "title"),
    ("/credits", "credits"),
    ("/database_specific/cwe_ids", "cwe"),
    ("/severity", "cvss"),
)


def check(settings: Settings, advisory: Advisory) -> tuple[str | None, RecordError] | None:
    """Whether the advisory's records will be valid on its disclosure date: None, or the
    advisory field at fault (None when it is not one field) and the error.

    Checked long before that date, when the text can still be fixed: a record refused on the
    day stops the whole daily build. An advisory not released yet is taken as released at
    its embargo (its versions are not known yet; nothing in the schemas depends on them).
    A version that the project's version scheme cannot say is the field's that names it
    (:func:`scheme_problem`).
    """
    if advisory.released is None:
        if advisory.embargo is None:
            return None
        advisory = replace(advisory, released=advisory.embargo)
    if found := scheme_problem(settings, advisory):  # (CVE's and CSAF's ranges)
        at, reason = found
        name = f"{advisory.id}: {at}"
        return at, RecordError(name, reason, pointer="/versions", keyword="versionType")
    try:
        if writes_cve(settings, advisory.cve):
            cve_record(settings, advisory)
        osv_record(settings, advisory)
    except RecordError as exc:
        field = next((f for path, f in _FIELDS if _under(exc.pointer, path)), None)
        return field, exc
    return None


def _under(pointer: str, path: str) -> bool:
    return pointer == path or pointer.startswith(path + "/")


def scheme_problem(settings: Settings, advisory: Advisory) -> tuple[str, str] | None:
    """The advisory field whose version the project's version scheme (``[releases]
    version_scheme``) cannot say in its records, and why; None when each fits (or no scheme
    is set). A version the records derive (a line's first release, 10.3.0) is the field's
    that names the line: ``introduced``, ``unfixed``, else ``fixed``."""
    project = settings.releases.version_scheme
    if not project:
        return None
    for version in bounds(versions(advisory, pre_releases=settings.releases.pre_releases)):
        reason = misfit(project, version)
        if reason is None:
            continue
        key = release_key(version)
        if version in advisory.fixed.values():
            field = "fixed"
        elif advisory.introduced and release_key(advisory.introduced) == key:
            field = "introduced"
        elif any(release_key(line) == key for line in advisory.unfixed or ()):
            field = "unfixed"
        else:
            field = "fixed"
        return field, reason
    return None

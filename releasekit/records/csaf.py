"""The CSAF 2.0 document of a disclosed advisory (OASIS Common Security Advisory Framework).

A ``csaf_security_advisory``: the profile of a vendor's advisory (affected and fixed
versions, the fix to install), not ``csaf_vex``, whose purpose is statements about the
exploitability of products (``known_not_affected`` with justifications) that releasekit does
not record. Made from what the advisory shows once disclosed (model.public), as the OSV and
CVE records: the document exists only from the disclosure date on.

The parts and where they come from:

- product tree: the vendor, the product, and per fixed line the affected range (a
  ``product_version_range`` in ``vers`` form, from ``model.versions``) and the fixed version
  (a ``product_version``); the product status says ``known_affected`` and ``fixed``;
- scores: CVSS 3.0 and 3.1 in ``cvss_v3``. CSAF 2.0 has no place for a CVSS 4.0 vector (its
  ``scores`` allow ``cvss_v2`` and ``cvss_v3`` only): a 4.0 vector is a vulnerability note, and
  the severity it sets is the document's ``aggregate_severity``;
- CWE with its name from the catalogue the reference validator checks names against
  (``releasekit/schemas/cwe-names.json``); an id that the catalogue does not know (a
  category, a view, an id newer than the catalogue) is named in a note instead;
- the revision history: the release, then each revision with its reason; ``tracking``'s
  version and current release date follow the last one;
- TLP: CSAF 2.0 knows the TLP 1.0 labels only: TLP 2.0's CLEAR is TLP 1.0's WHITE.

Every timestamp comes from the advisory; nothing from the build clock.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.cvss import Cvss
from releasekit.model.public import Public
from releasekit.records.common import (
    bounds,
    cve_url,
    disclosed,
    page_url,
    release_url,
    semver,
    vers_scheme,
)
from releasekit.support import timefmt

CSAF_VERSION = "2.0"
CSAF_SCHEMA_URL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
TLP_LABEL = "WHITE"  # TLP 2.0 CLEAR, as CSAF 2.0 (TLP 1.0) names it
TLP_TEXT = "TLP:CLEAR (TLP 1.0: WHITE): may be distributed without restriction."
_NOT_IN_NAME = re.compile(r"[^+\-a-z0-9]+")


def csaf_path(ident: str, initial_year: int) -> str:
    """Where the site publishes the document: ``csaf/YEAR/<id, lowercase>.json`` (the file
    name rule of CSAF 2.0 section 5.1: other characters than ``+-a-z0-9`` become ``_``)."""
    name = _NOT_IN_NAME.sub("_", ident.lower())
    return f"csaf/{initial_year}/{name}.json"


def csaf_url(settings: Settings, rel: str) -> str:
    return f"{settings.project.site_url.rstrip('/')}/{rel}"


@lru_cache(maxsize=1)
def cwe_names() -> dict[str, str]:
    """CWE id -> name, from the catalogue shipped beside the schemas."""
    path = Path(__file__).parents[1] / "schemas" / "cwe-names.json"
    names: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))["names"]
    return names


def csaf_document(
    settings: Settings, advisory: Advisory, shown: Public | None = None
) -> dict[str, Any]:
    """The CSAF 2.0 document of a released advisory, as it is once disclosed (``shown``: its
    disclosed fields, when the caller has them)."""
    shown = disclosed(settings, advisory, shown)
    project = settings.project
    versions = shown.versions
    # The ranges' vers scheme: the project's (every document's the same), else the one that
    # says every version the ranges name (vers_scheme).
    scheme = settings.releases.version_scheme
    products = _Products(project.name, vers_scheme(bounds(versions), scheme), scheme)
    affected: list[str] = []
    fixed: list[str] = []
    remediations: list[dict[str, Any]] = []
    for fix in versions.lines:
        fixed_id = products.version(fix.fixed)
        fixed.append(fixed_id)
        targets = [fixed_id]
        if fix.first_affected is not None:
            targets = [products.range(fix.first_affected, fix.fixed)]
            affected.extend(targets)
        remediations.append(_fix(settings, shown, fix.fixed, targets))
    for gap in versions.gaps:  # lines between two fixed ones: affected, upgrade to the newer
        between = products.range(gap.first, gap.below)
        affected.append(between)
        remediations.append(_fix(settings, shown, gap.upgrade, [between]))
    if versions.earlier_from and versions.earlier_before:  # affected, no fix on those lines
        oldest = versions.lines[-1].fixed
        before = versions.earlier_below or versions.earlier_before  # (10.3.0rc1, or 10.3)
        if products.scheme == "semver" and not versions.earlier_below:
            before += ".0"  # (SemVer has no 10.3: the line's first release, 10.3.0)
        earlier = products.range(versions.earlier_from, before)
        affected.append(earlier)
        remediations.append(_fix(settings, shown, oldest, [earlier]))
    if versions.open_from:  # no fixed version recorded (imported history): from introduced
        affected.append(products.since(versions.open_from))
    elif not versions.lines:  # ... or, without it, every release
        affected.append(products.every())
    status: dict[str, list[str]] = {}
    if affected:
        status["known_affected"] = affected
    if fixed:
        status["fixed"] = fixed
    vulnerability: dict[str, Any] = {"title": shown.title}
    if shown.cve:
        vulnerability["cve"] = shown.cve
    vulnerability["ids"] = [{"system_name": f"{project.vendor} advisory", "text": shown.id}]
    notes = [{"category": "summary", "title": "Summary", "text": shown.summary}]
    details = (shown.details or "").strip()
    if details:
        notes.append({"category": "details", "title": "Details", "text": details})
    if shown.cwe:
        name = cwe_names().get(shown.cwe)
        if name is not None:
            vulnerability["cwe"] = {"id": shown.cwe, "name": name}
        else:
            notes.append({"category": "other", "title": "CWE", "text": shown.cwe})
    if shown.component:
        notes.append({"category": "other", "title": "Component", "text": shown.component})
    if shown.cvss4 is not None:
        notes.append({"category": "other", "title": "CVSS 4.0", "text": _cvss4_text(shown.cvss4)})
    if shown.severity_reason:
        notes.append({"category": "other", "title": "Severity", "text": shown.severity_reason})
    vulnerability["notes"] = notes
    if status:
        vulnerability["product_status"] = status
    if remediations:
        vulnerability["remediations"] = remediations
    if shown.cvss is not None and affected:
        vulnerability["scores"] = [{"cvss_v3": _cvss3(shown.cvss), "products": affected}]
    references = [_reference("self", "The advisory", page_url(settings, shown.id))]
    if shown.cve:
        listed = cve_url(shown.cve)
        references.append(_reference("external", f"{shown.cve} in the CVE List", listed))
    vulnerability["references"] = references
    vulnerability["release_date"] = timefmt.iso_utc(shown.released)
    if shown.credits:
        vulnerability["acknowledgments"] = [
            {"names": [c.name], "summary": c.type} for c in shown.credits
        ]
    document = _document(settings, shown)
    result: dict[str, Any] = {"document": document}
    if products.branches:
        result["product_tree"] = {"branches": [products.tree(project.vendor)]}
    result["vulnerabilities"] = [vulnerability]
    return result


def _document(settings: Settings, shown: Public) -> dict[str, Any]:
    project = settings.project
    history = [
        {
            "date": timefmt.iso_utc(shown.released),
            "number": "1",
            "summary": "Initial release",
        }
    ]
    for number, revision in enumerate(shown.revisions, start=2):
        history.append(
            {
                "date": timefmt.iso_utc(revision.date),
                "number": str(number),
                "summary": revision.reason,
            }
        )
    year = shown.released.year
    self_url = csaf_url(settings, csaf_path(shown.id, year))
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": CSAF_VERSION,
        "distribution": {
            "text": TLP_TEXT,
            "tlp": {"label": TLP_LABEL, "url": "https://www.first.org/tlp/"},
        },
        "lang": "en",
        "notes": [{"category": "summary", "title": "Summary", "text": shown.summary}],
        "publisher": {
            "category": "vendor",
            "name": project.vendor,
            "namespace": project.site_url,
        },
        "references": [
            _reference("self", "This document", self_url),
            _reference("external", "The advisory", page_url(settings, shown.id)),
        ],
        "title": f"{shown.id}: {shown.title}",
        "tracking": {
            # The document exists from the disclosure on: dated from then (as OSV's modified
            # and CVE's dateUpdated are), readers of changes.csv and ROLIE see it as new.
            "current_release_date": timefmt.iso_utc(shown.modified),
            "generator": {"engine": {"name": "releasekit"}},
            "id": shown.id,
            "initial_release_date": history[0]["date"],
            "revision_history": history,
            "status": "final",
            "version": history[-1]["number"],
        },
    }
    if shown.scored and shown.severity != "none":
        document["aggregate_severity"] = {"text": shown.severity.title()}
    return document


def _reference(category: str, summary: str, url: str) -> dict[str, str]:
    return {"category": category, "summary": summary, "url": url}


def _cvss3(cvss: Cvss) -> dict[str, Any]:
    """The ``cvss_v3`` object: what the CVSS JSON schema requires (the vector says the rest)."""
    return {
        "baseScore": cvss.score,
        "baseSeverity": cvss.severity.upper(),
        "vectorString": cvss.vector,
        "version": cvss.version,
    }


def _cvss4_text(cvss: Cvss) -> str:
    return f"{cvss.vector} (base score {cvss.score:.1f}, {cvss.severity})"


def _fix(settings: Settings, shown: Public, version: str, products: list[str]) -> dict[str, Any]:
    """The vendor fix: the version to install, and its release page (else the advisory's)."""
    url = release_url(settings, version) or page_url(settings, shown.id)
    return {
        "category": "vendor_fix",
        "details": f"Upgrade to {version} or later.",
        "product_ids": products,
        "url": url,
    }


class _Products:
    """The product tree's branches below the product name, and their product ids."""

    def __init__(self, name: str, scheme: str, project: str = "") -> None:
        self.name = name
        self.scheme = scheme  # the ranges' vers scheme: generic, semver or pypi
        self.project = project  # [releases] version_scheme: the whole range's scheme too
        self.branches: list[dict[str, Any]] = []
        self.ids: set[str] = set()

    def _add(self, category: str, branch: str, product_id: str, full_name: str) -> str:
        if product_id not in self.ids:
            self.ids.add(product_id)
            product = {"name": full_name, "product_id": product_id}
            self.branches.append({"category": category, "name": branch, "product": product})
        return product_id

    def version(self, version: str) -> str:
        """A released version (a fixed one)."""
        return self._add("product_version", version, f"v{version}", f"{self.name} {version}")

    def _spelt(self, version: str) -> str:
        """``version`` as the scheme spells it: SemVer's 10.3.1-rc.1 for 10.3.1rc1."""
        spelt = semver(version) if self.scheme == "semver" else version
        assert spelt is not None  # (vers_scheme said so)
        return spelt

    def _vers(self, constraints: str) -> tuple[str, str]:
        """The ``vers`` range, and the product's name with its constraints."""
        return f"vers:{self.scheme}/{constraints}", f"{self.name} {constraints}"

    def range(self, first: str, before: str) -> str:
        """The releases from ``first`` on, before ``before`` (``vers`` form)."""
        vers, name = self._vers(f">={self._spelt(first)}|<{self._spelt(before)}")
        product_id = f"affected-{first}-{before}"
        return self._add("product_version_range", vers, product_id, name)

    def since(self, first: str) -> str:
        """The releases from ``first`` on (no fixed version is recorded)."""
        vers, name = self._vers(f">={self._spelt(first)}")
        product_id = f"affected-from-{first}"
        return self._add("product_version_range", vers, product_id, name)

    def every(self) -> str:
        """Every version (no fixed version is recorded): in the project's scheme when it
        has one, else generic (any scheme's ``*``)."""
        vers = f"vers:{self.scheme if self.project else 'generic'}/*"
        return self._add(
            "product_version_range", vers, "affected-all", f"{self.name} (all versions)"
        )

    def tree(self, vendor: str) -> dict[str, Any]:
        product = {"category": "product_name", "name": self.name, "branches": self.branches}
        return {"category": "vendor", "name": vendor, "branches": [product]}

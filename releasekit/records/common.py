"""What the two records share: the fields they show, where the site publishes them (and
the advisory's page they refer to), and their bytes."""

from __future__ import annotations

from typing import Any

import orjson

from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.model.public import Public, public_fields


def disclosed(settings: Settings, advisory: Advisory, shown: Public | None = None) -> Public:
    """What the records show: the advisory as disclosed (they exist only from then on).

    ``shown``: those fields, when the caller has them already (a page of the advisory).
    """
    if shown is not None and shown.stage is Stage.DISCLOSED and shown.id == advisory.id:
        return shown
    shown = public_fields(settings, advisory, Stage.DISCLOSED)
    assert shown is not None  # a record is made of a released advisory
    return shown


def page_path(ident: str) -> str:
    """The advisory's page, relative to the site."""
    return f"advisories/{ident}.html"


def page_url(settings: Settings, ident: str) -> str:
    return f"{settings.project.site_url.rstrip('/')}/{page_path(ident)}"


def release_url(settings: Settings, version: str | None) -> str | None:
    """The page of the release ``version`` (``[project] release_url``), None when unset."""
    pattern = settings.project.release_url
    if not pattern or version is None:
        return None
    return pattern.replace("{version}", version)


def cve_url(cve: str) -> str:
    """The CVE id's record at cve.org."""
    return f"https://www.cve.org/CVERecord?id={cve}"


def osv_path(ident: str) -> str:
    return f"osv/{ident}.json"


def cve_path(cve: str) -> str:
    return f"cve/{cve}.json"


def writes_cve(settings: Settings, cve: str | None) -> bool:
    """Whether a CVE record is made for an advisory with this CVE id (the project needs a
    CNA org id)."""
    return bool(cve and settings.cve.org_id)


def dumps(record: dict[str, Any]) -> bytes:
    """The bytes written for a record: stable key order, two-space indent, final newline."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

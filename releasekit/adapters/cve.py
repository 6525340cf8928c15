"""Publishing CVE records through CVE Services with cvelib's client (``publish --cve-services``).

The only module that talks to CVE Services. From its disclosure date on, each advisory's CNA
container (the same one ``site/cve/CVE-ID.json`` carries, schema-validated) is published once:
the journal step ``cve:CVE-ID`` is marked done only after the service answered with the
published record. A step that was started or failed before is first read back from the
service, so a lost answer never leads to a second publication.

Credentials come only from the environment, under the names cvelib uses: ``CVE_USER``,
``CVE_ORG``, ``CVE_API_KEY``. They never appear in output, messages or the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import requests
from cvelib.cve_api import CveRecordValidationError

from releasekit import workspace
from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.site import records
from releasekit.support.errors import BadInput, PublishError

ENV_NAMES = ("CVE_USER", "CVE_ORG", "CVE_API_KEY")
STEP_PREFIX = "cve:"

Progress = Callable[[str], None]


class CveClient(Protocol):
    """The part of cvelib's ``CveApi`` releasekit uses."""

    def publish(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> Any: ...

    def show_cve_id(self, cve_id: str) -> Any: ...


@dataclass(frozen=True)
class Credentials:
    user: str
    org: str
    api_key: str

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"Credentials(user={self.user!r}, org={self.org!r}, api_key='***')"


@dataclass(frozen=True)
class CvePublishReport:
    published: tuple[str, ...]  # CVE ids published by this run
    confirmed: tuple[str, ...]  # found already published after an earlier, unfinished attempt
    already: tuple[str, ...]  # done by an earlier run (journal)
    waiting: int  # released advisories with a CVE whose disclosure date has not come

    def summary(self) -> str:
        parts = [f"CVE Services: {len(self.published)} published"]
        if self.published:
            parts[0] += f" ({', '.join(self.published)})"
        if self.confirmed:
            parts.append(f"{len(self.confirmed)} confirmed published ({', '.join(self.confirmed)})")
        parts.append(f"{len(self.already)} done before")
        parts.append(f"{self.waiting} waiting for their disclosure date")
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "published": list(self.published),
            "confirmed": list(self.confirmed),
            "already": list(self.already),
            "waiting": self.waiting,
        }


def credentials(env: Environment) -> Credentials:
    """CVE Services credentials from the environment; BadInput naming what is missing."""
    missing = [name for name in ENV_NAMES if not env.get(name)]
    if missing:
        raise BadInput(
            f"environment: {', '.join(missing)} not set "
            "(CVE Services credentials come only from the environment)"
        )
    return Credentials(env.get("CVE_USER"), env.get("CVE_ORG"), env.get("CVE_API_KEY"))


def check_credentials(settings: Settings, env: Environment) -> None:
    """Fail before anything is built when --cve-services cannot work."""
    if not settings.cve.org_id:
        raise BadInput(
            f"{settings.config_path.name}: cve.org_id: required for --cve-services "
            "(the CNA organisation UUID)"
        )
    credentials(env)


def client(settings: Settings, creds: Credentials) -> CveClient:
    """cvelib's client for the configured environment (or URL)."""
    from cvelib.cve_api import CveApi

    api: CveClient = CveApi(
        username=creds.user,
        org=creds.org,
        api_key=creds.api_key,
        env=settings.cve.environment,
        url=settings.cve.url or None,
    )
    return api


def due(advisories: Sequence[Advisory], now: datetime, days: int) -> tuple[list[Advisory], int]:
    """Advisories whose CVE record is public now (sorted by CVE), and how many wait."""
    ready: list[Advisory] = []
    waiting = 0
    for advisory in advisories:
        if not advisory.cve:
            continue
        seen = lifecycle.stage(advisory, now, days)
        if seen is Stage.DISCLOSED:
            ready.append(advisory)
        elif seen is Stage.RELEASED:
            waiting += 1
    return sorted(ready, key=lambda a: a.cve or ""), waiting


def _reason(exc: requests.RequestException) -> str:
    """A short, secret-free reason: the HTTP status and the API's error code."""
    response = exc.response
    if response is None:
        return f"no answer ({type(exc).__name__})"
    code = ""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            code = f" {body['error'][:64]}"
    except ValueError:
        pass
    return f"HTTP {response.status_code}{code}"


def _is_published(api: CveClient, cve_id: str) -> bool:
    answer = api.show_cve_id(cve_id)
    return isinstance(answer, dict) and answer.get("state") == "PUBLISHED"


def _confirmed(answer: Any, cve_id: str) -> bool:
    """Did the service answer with the published record of ``cve_id``?"""
    if not isinstance(answer, dict):
        return False
    created = answer.get("created")
    if not isinstance(created, dict):
        return False
    metadata = created.get("cveMetadata")
    return (
        isinstance(metadata, dict)
        and metadata.get("cveId") == cve_id
        and metadata.get("state") == "PUBLISHED"
    )


def publish_records(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    env: Environment,
    api: CveClient | None = None,
) -> CvePublishReport:
    """Publish every disclosed advisory's CVE record that is not published yet, once each.

    Raises PublishError (exit 1) when a record could not be published; the others are
    published and journalled all the same, and a re-run retries only what is missing.
    """
    say = progress or (lambda _message: None)
    check_credentials(settings, env)
    ready, waiting = due(advisories, now, settings.project.disclosure_days)
    if api is None:
        api = client(settings, credentials(env))
    published: list[str] = []
    confirmed: list[str] = []
    already: list[str] = []
    failed: list[str] = []
    with Journal.open(workspace.state_dir(settings)) as journal:
        for advisory in ready:
            cve_id = advisory.cve
            assert cve_id is not None
            key = STEP_PREFIX + cve_id
            if journal.is_done(key):
                already.append(cve_id)
                continue
            container = records.cve_record(settings, advisory)["containers"]["cna"]
            earlier = journal.get(key)
            journal.start(key, now, {"advisory": advisory.id})
            try:
                if earlier is not None and _is_published(api, cve_id):
                    journal.finish(key, now, {"confirmed": "read back"})
                    confirmed.append(cve_id)
                    say(f"{cve_id} was already published (read back)")
                    continue
                answer = api.publish(cve_id, container)
            except CveRecordValidationError:
                journal.fail(key, now, "record rejected by cvelib's schema check")
                failed.append(f"{cve_id} (record rejected by cvelib's schema check)")
                continue
            except requests.RequestException as exc:
                reason = _reason(exc)
                journal.fail(key, now, reason)
                failed.append(f"{cve_id} ({reason})")
                continue
            if not _confirmed(answer, cve_id):
                journal.fail(key, now, "unexpected answer")
                failed.append(f"{cve_id} (unexpected answer)")
                continue
            journal.finish(key, now, {"state": "PUBLISHED"})
            published.append(cve_id)
            say(f"{cve_id} published ({advisory.id})")
    if failed:
        raise PublishError(
            f"CVE Services: not published: {', '.join(failed)}; "
            f"{len(published)} published; run again to retry"
        )
    return CvePublishReport(tuple(published), tuple(confirmed), tuple(already), waiting)

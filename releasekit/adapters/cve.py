"""CVE Services through cvelib's client: the credentials, the client, and its two calls.

The only module that talks to CVE Services (``publish --cve-services``, see
:mod:`releasekit.site.cve_publish`). A call that fails raises :class:`Refused` with a short
reason: the HTTP status and the API's error code, never a secret.

Credentials come only from the environment, under the names cvelib uses: ``CVE_USER``,
``CVE_ORG``, ``CVE_API_KEY``. They never appear in output, messages or the journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import requests
from cvelib.cve_api import CveApi, CveRecordValidationError

from releasekit.adapters.env import Environment
from releasekit.model.config import Settings
from releasekit.support.errors import BadInput

ENV_NAMES = ("CVE_USER", "CVE_ORG", "CVE_API_KEY")


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


def credentials(env: Environment) -> Credentials:
    """CVE Services credentials from the environment; BadInput naming what is missing."""
    missing = [name for name in ENV_NAMES if not env.get(name)]
    if missing:
        raise BadInput(
            f"environment: {', '.join(missing)} not set "
            "(CVE Services credentials come only from the environment)"
        )
    values = [env.get(name) for name in ENV_NAMES]
    if not all(value.isascii() and value.isprintable() for value in values):
        # They go in HTTP headers; the error of a character that does not would quote it.
        raise BadInput(f"environment: {', '.join(ENV_NAMES)} must be printable ASCII text")
    return Credentials(*values)


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
    api: CveClient = CveApi(
        username=creds.user,
        org=creds.org,
        api_key=creds.api_key,
        env=settings.cve.environment,
        url=settings.cve.url or None,
    )
    return api


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


class Refused(Exception):
    """CVE Services (or cvelib's check before it) did not publish a record: ``reason`` says
    why in a few words, with no secret and no record text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_published(api: CveClient, cve_id: str) -> bool:
    """Whether the service has the record of ``cve_id`` published; Refused when it cannot
    tell."""
    try:
        answer = api.show_cve_id(cve_id)
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    return isinstance(answer, dict) and answer.get("state") == "PUBLISHED"


def publish(api: CveClient, cve_id: str, container: dict[str, Any]) -> None:
    """Publish the CNA container of ``cve_id``; Refused unless the service answered with the
    published record."""
    try:
        answer = api.publish(cve_id, container)
    except CveRecordValidationError:
        raise Refused("record rejected by cvelib's schema check") from None
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    if not _confirmed(answer, cve_id):
        raise Refused("unexpected answer")


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

"""CVE Services through cvelib's client: the credentials, the client, and its calls.

The only module that talks to CVE Services (``publish --cve-services``, see
:mod:`releasekit.site.cve_publish`; ``cve reserve|update|reject``, see
:mod:`releasekit.site.cve_cycle`), over :mod:`releasekit.adapters.cve_http`. A call that
fails raises :class:`Refused` with a short reason: the HTTP status and the API's error
code, never a secret.

Credentials come only from the environment (:mod:`releasekit.adapters.cve_login`, named
here too). They never appear in output, messages or the journal.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
from cvelib.cve_api import CveRecordValidationError

from releasekit.adapters.cve_http import Api, Redirected, TimedOut, TooLarge, Unexpected
from releasekit.adapters.cve_login import ENV_NAMES as ENV_NAMES
from releasekit.adapters.cve_login import Credentials as Credentials
from releasekit.adapters.cve_login import check_credentials as check_credentials
from releasekit.adapters.cve_login import check_org as check_org
from releasekit.adapters.cve_login import credentials as credentials
from releasekit.model.advisory import CVE_RE
from releasekit.model.config import Settings
from releasekit.model.entries import EARLIEST, LATEST


class CveClient(Protocol):
    """The part of cvelib's ``CveApi`` releasekit uses."""

    def publish(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> Any: ...

    def show_cve_id(self, cve_id: str) -> Any: ...

    def show_cve_record(self, cve_id: str) -> Any: ...

    def update_published(
        self, cve_id: str, cve_json: dict[str, Any], validate: bool = True
    ) -> Any: ...

    def reject(self, cve_id: str, cve_json: dict[str, Any], validate: bool = True) -> Any: ...

    def reserve(self, count: int, random: bool, year: str) -> Any: ...

    def list_cves(
        self,
        year: str | None = None,
        state: str | None = None,
        reserved_lt: datetime | None = None,
        reserved_gt: datetime | None = None,
    ) -> Any: ...


def client(settings: Settings, creds: Credentials) -> CveClient:
    """cvelib's client for the configured environment (or URL)."""
    api: CveClient = Api(
        username=creds.user,
        org=creds.org,
        api_key=creds.api_key,
        env=settings.cve.environment,
        url=settings.cve.url or None,
        timeout=settings.cve.timeout,
    )
    return api


def _reason(exc: requests.RequestException) -> str:
    """A short, secret-free reason: the HTTP status and the API's error code."""
    if isinstance(exc, Unexpected):
        return f"unexpected answer ({exc})"
    if isinstance(exc, TimedOut | TooLarge):
        return str(exc)
    if isinstance(exc, requests.JSONDecodeError):
        return "an answer that is not JSON"
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls_reason(exc)
    response = exc.response
    if response is None:
        return f"no answer ({type(exc).__name__})"
    if isinstance(exc, Redirected):
        return f"HTTP {response.status_code}: a redirect, not followed"
    code = ""
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            code = f" {body['error'][:64]}"
    except ValueError:
        pass
    if response.status_code == 429:
        return f"HTTP 429{code}{_retry_after(response.headers.get('Retry-After', ''))}"
    return f"HTTP {response.status_code}{code}"


def _tls_reason(exc: BaseException) -> str:
    """Why there is no TLS connection: the certificate's verification error when it is one,
    found among the exceptions urllib3 and requests wrap it in."""
    todo: list[object] = [exc]
    first: ssl.SSLError | None = None
    for _ in range(32):  # the chain is short; this ends a loop in it
        if not todo:
            break
        found = todo.pop()
        if isinstance(found, ssl.SSLCertVerificationError):
            why = str(found.verify_message or found.reason or "not verified")
            return f"its TLS certificate was not accepted ({why[:100]})"
        if isinstance(found, ssl.SSLError):
            first = first or found
        if isinstance(found, BaseException):
            todo += [
                *found.args,
                found.__cause__,
                found.__context__,
                getattr(found, "reason", None),
            ]
    why = str(first.reason or "SSLError") if first is not None else "SSLError"
    return f"no TLS connection ({why[:100]})"


def _retry_after(value: str) -> str:
    """``Retry-After`` (seconds or an HTTP date) as the message says it; "" when none."""
    value = value.strip()
    if value.isdigit() and value.isascii() and len(value) <= 9:
        return f"; try again in {int(value)} s"
    try:
        when = parsedate_to_datetime(value)
        # (a date at the edge of the calendar, 9999-12-31 at -0100, has no UTC instant)
        utc = when.astimezone(UTC) if when.tzinfo is not None else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""
    if utc is None:
        return ""
    return f"; try again after {utc:%Y-%m-%dT%H:%M:%SZ}"


class Refused(Exception):
    """CVE Services (or cvelib's check before it) did not publish a record: ``reason`` says
    why in a few words, with no secret and no record text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


STATES = ("RESERVED", "PUBLISHED", "REJECTED")  # of an id, as the service names them


def _state_of(answer: Any) -> str:
    """The state an id's answer gives; Refused unless it is one the service has: an answer
    of another shape cannot tell whether an attempt whose answer was lost went through (a
    read-back taking it for "no" would send it again)."""
    found = answer.get("state") if isinstance(answer, dict) else None
    if found not in STATES:
        raise Refused("unexpected answer")
    return str(found)


def is_published(api: CveClient, cve_id: str) -> bool:
    """Whether the service has the record of ``cve_id`` published; Refused when it cannot
    tell."""
    try:
        answer = api.show_cve_id(cve_id)
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    return _state_of(answer) == "PUBLISHED"


def publish(api: CveClient, cve_id: str, container: dict[str, Any]) -> None:
    """Publish the CNA container of ``cve_id``; Refused unless the service answered with the
    published record."""
    try:
        answer = api.publish(cve_id, container)
    except CveRecordValidationError:
        raise Refused("record rejected by cvelib's schema check") from None
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    if not _answered(answer, "created", cve_id, "PUBLISHED"):
        raise Refused("unexpected answer")


@dataclass(frozen=True)
class Reservation:
    """A CVE id reserved for this CNA, and when the service reserved it."""

    cve_id: str
    reserved: datetime  # aware, UTC


def _reservation(entry: Any) -> Reservation | None:
    if not isinstance(entry, dict):
        return None
    cve_id, when = entry.get("cve_id"), entry.get("reserved")
    if not isinstance(cve_id, str) or not isinstance(when, str):
        return None
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        return None
    # The id goes into the advisory file and the time sets its embargo (72 hours on): an
    # id that is not one, or a time out of the years an advisory holds, is no reservation.
    if not CVE_RE.fullmatch(cve_id) or moment.tzinfo is None:
        return None
    if not EARLIEST <= moment < LATEST:  # (compared aware: 0001-01-01 at +01:00 has no UTC)
        return None
    return Reservation(cve_id, moment.astimezone(UTC))


def reserve(api: CveClient, year: int) -> Reservation:
    """Reserve one CVE id of ``year``; Refused unless the service answered with it."""
    try:
        answer = api.reserve(1, False, str(year))
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    ids = answer.get("cve_ids") if isinstance(answer, dict) else None
    found = _reservation(ids[0]) if isinstance(ids, list) and len(ids) == 1 else None
    if found is None:
        raise Refused("unexpected answer")
    return found


def reserved_since(api: CveClient, user: str, since: datetime) -> list[Reservation]:
    """The ids still RESERVED that ``user`` reserved after ``since`` (a reservation whose
    answer was lost is found here); Refused when the service cannot tell."""
    try:
        entries = list(api.list_cves(state="RESERVED", reserved_gt=since))
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    found = []
    for entry in entries:
        by = entry.get("requested_by") if isinstance(entry, dict) else None
        if not isinstance(by, dict) or not isinstance(by.get("user"), str):
            raise Refused("unexpected answer (an entry without its requester)")
        if by["user"] != user:
            continue
        reservation = _reservation(entry)
        if reservation is None:  # ours, but what it reserved cannot be read: cannot tell
            raise Refused("unexpected answer (a reservation without its id or time)")
        found.append(reservation)
    return sorted(found, key=lambda r: (r.reserved, r.cve_id))


def state(api: CveClient, cve_id: str) -> str | None:
    """The id's state (RESERVED, PUBLISHED, REJECTED); None when the service does not know
    it; Refused when it cannot tell."""
    try:
        answer = api.show_cve_id(cve_id)
    except requests.RequestException as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise Refused(_reason(exc)) from None
    return _state_of(answer)


def published_container(api: CveClient, cve_id: str) -> dict[str, Any] | None:
    """The CNA container the service holds for ``cve_id`` (None: no record)."""
    try:
        answer = api.show_cve_record(cve_id)
    except requests.RequestException as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise Refused(_reason(exc)) from None
    try:
        container = answer["containers"]["cna"]
    except (KeyError, TypeError):
        raise Refused("unexpected answer") from None
    if not isinstance(container, dict):  # (not "no record": an update would go again)
        raise Refused("unexpected answer")
    return container


def update(api: CveClient, cve_id: str, container: dict[str, Any]) -> None:
    """Replace the published CNA container of ``cve_id``; Refused unless the service
    answered with the updated record."""
    try:
        answer = api.update_published(cve_id, container)
    except CveRecordValidationError:
        raise Refused("record rejected by cvelib's schema check") from None
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    if not _answered(answer, "updated", cve_id, "PUBLISHED"):
        raise Refused("unexpected answer")


def reject(api: CveClient, cve_id: str, org_id: str, reason: str) -> None:
    """Reject the reserved ``cve_id`` with a public ``reason`` (a REJECTED record);
    Refused unless the service answered with it."""
    container = {
        "providerMetadata": {"orgId": org_id},
        "rejectedReasons": [{"lang": "en", "value": reason}],
    }
    try:
        answer = api.reject(cve_id, container)
    except CveRecordValidationError:
        raise Refused("reason rejected by cvelib's schema check") from None
    except requests.RequestException as exc:
        raise Refused(_reason(exc)) from None
    if not _answered(answer, "created", cve_id, "REJECTED"):
        raise Refused("unexpected answer")


def _answered(answer: Any, key: str, cve_id: str, wanted: str) -> bool:
    """Did the service answer ``{key: record}`` with ``cve_id``'s record in state ``wanted``?"""
    record = answer.get(key) if isinstance(answer, dict) else None
    metadata = record.get("cveMetadata") if isinstance(record, dict) else None
    return (
        isinstance(metadata, dict)
        and metadata.get("cveId") == cve_id
        and metadata.get("state") == wanted
    )


def same_container(held: dict[str, Any], ours: dict[str, Any]) -> bool:
    """Whether the service holds ``ours`` (what the service and cvelib add aside: the
    provider's update time, the generator)."""

    def core(container: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in container.items() if k not in ("providerMetadata", "x_generator")}

    return core(held) == core(ours)

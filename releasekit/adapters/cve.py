"""CVE Services through cvelib's client: the credentials, the client, and its calls.

The only module that talks to CVE Services (``publish --cve-services``, see
:mod:`releasekit.site.cve_publish`; ``cve reserve|update|reject``, see
:mod:`releasekit.site.cve_cycle`). A call that fails raises :class:`Refused` with a short
reason: the HTTP status and the API's error code, never a secret.

Credentials come only from the environment (:mod:`releasekit.adapters.cve_login`, named
here too). They never appear in output, messages or the journal.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urljoin

import requests
from cvelib.cve_api import CveApi, CveRecordValidationError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from releasekit.adapters.cve_login import ENV_NAMES as ENV_NAMES
from releasekit.adapters.cve_login import Credentials as Credentials
from releasekit.adapters.cve_login import check_credentials as check_credentials
from releasekit.adapters.cve_login import check_org as check_org
from releasekit.adapters.cve_login import credentials as credentials
from releasekit.model.config import Settings


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


PAGES = 100  # of a list: more is taken for a server that pages forever


class Redirected(requests.RequestException):
    """The service answered with a redirect, which is not followed."""


class Unexpected(requests.RequestException):
    """The service's answer is not of the shape the API gives."""


class TimedOut(requests.Timeout):
    """The whole exchange (connecting, the status, headers and body) passed its deadline."""


class _Deadline:
    """One deadline for one exchange. Each socket the exchange opens is watched (a
    duplicate of it kept) and shut down when the deadline passes: that ends a read that
    waits or drips, in the status line, the headers or the body, which a timeout of each
    socket read alone never would."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.passed = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._pass)
        self._timer.daemon = True

    def left(self) -> float:
        return max(self.end - time.monotonic(), 0.01)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._watched.append(sock.dup())
            if self.passed:
                self._shut(self._watched[-1])

    def _pass(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._watched:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # closed already
            sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._timer.join()
        for sock in self._watched:
            sock.close()


_EXCHANGE: ContextVar[_Deadline | None] = ContextVar("cve_exchange", default=None)


def _watched(sock: socket.socket) -> socket.socket:
    deadline = _EXCHANGE.get()
    if deadline is not None:
        deadline.watch(sock)
    return sock


class _Connection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _watched(super()._new_conn())


class _TlsConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _watched(super()._new_conn())


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConnection


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections are watched by the exchange's deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}


class _Api(CveApi):  # type: ignore[misc]  # (cvelib has no type hints)
    """cvelib's client, its requests made as to a server that is not trusted: a redirect
    is not followed (the credentials go in headers of cvelib's own, which requests would
    send on to whatever host the redirect names), and each exchange has one deadline of
    ``timeout`` seconds (cvelib's 60 s is for each socket read: a server that drips holds
    it without end)."""

    def __init__(self, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeout = timeout

    def _http_request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "CVE-API-KEY": self.api_key,
            "CVE-API-ORG": self.org,
            "CVE-API-USER": self.username,
        }
        with _Deadline(self.timeout) as deadline, requests.Session() as session:
            session.mount("http://", _Adapter())
            session.mount("https://", _Adapter())
            exchange = _EXCHANGE.set(deadline)
            try:
                response = session.request(
                    method=method,
                    url=urljoin(self.url, path),
                    timeout=(deadline.left(), deadline.left()),
                    headers=headers,
                    allow_redirects=False,
                    stream=True,
                    **kwargs,
                )
                if not 300 <= response.status_code < 400:
                    response._content = _body(response)
            except requests.RequestException:
                if deadline.passed or time.monotonic() >= deadline.end:
                    raise TimedOut(f"no answer within {self.timeout:g} s") from None
                raise
            finally:
                _EXCHANGE.reset(exchange)
            if deadline.passed:  # a body read to its end, as the deadline cut it
                raise TimedOut(f"no answer within {self.timeout:g} s")
        if 300 <= response.status_code < 400:
            response.close()
            raise Redirected(response=response)
        response.raise_for_status()
        return response

    def _get_paged(
        self, path: str, page_data_attr: str, params: dict[str, Any], **kwargs: Any
    ) -> Iterator[Any]:
        """cvelib's paging, ending: a page that is not an object with a list, or more than
        PAGES pages, is Unexpected."""
        for _ in range(PAGES):
            page = self._get(path, params=params, **kwargs).json()
            entries = page.get(page_data_attr) if isinstance(page, dict) else None
            if not isinstance(entries, list):
                raise Unexpected(f"a page without a list of {page_data_attr}")
            yield from entries
            next_page = page.get("nextPage")
            if next_page is None:
                return
            params["page"] = next_page
        raise Unexpected(f"more than {PAGES} pages")


# What is read of an answer, at most. CVE Services answers in kilobytes; its largest answer
# is a whole record (a few hundred KB at most; the CVE JSON 5 schema allows 3,999 affected
# products and long descriptions) or a page of a listing (a few hundred KB). 16 MiB leaves
# a wide margin while a hostile server cannot fill the memory. Counted after decoding, so a
# compressed body cannot pass it either.
MAX_ANSWER = 16 * 1024 * 1024


class TooLarge(requests.RequestException):
    """The answer is larger than MAX_ANSWER: it is not read on."""


def _body(response: requests.Response) -> bytes:
    """The body of ``response``, read in pieces; TooLarge past MAX_ANSWER."""
    too_large = TooLarge(f"an answer of more than {MAX_ANSWER // 1024 // 1024} MiB, not read")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER:
        raise too_large
    pieces, size = [], 0
    for piece in response.iter_content(65536):
        size += len(piece)
        if size > MAX_ANSWER:
            raise too_large
        pieces.append(piece)
    return b"".join(pieces)


def client(settings: Settings, creds: Credentials) -> CveClient:
    """cvelib's client for the configured environment (or URL)."""
    api: CveClient = _Api(
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
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        return ""
    return f"; try again after {when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


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
    if moment.tzinfo is None:
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
        reservation = _reservation(entry)
        if reservation and isinstance(by, dict) and by.get("user") == user:
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
    found = answer.get("state") if isinstance(answer, dict) else None
    return found if isinstance(found, str) else None


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
    return container if isinstance(container, dict) else None


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

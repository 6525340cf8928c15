"""The HTTP exchange with CVE Services, as with a server that is not trusted: cvelib's
client whose every exchange has one deadline, whose answer is read up to a bound and whose
JSON is read only as deep and with numbers as long as a reader can hold (else it is not
JSON), and which follows no redirect. :mod:`releasekit.adapters.cve` makes the calls.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import urljoin

import requests
from cvelib.cve_api import CveApi
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

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


class _Session(requests.Session):
    """requests' session that reads no redirect's target: it is not followed, and requests
    would parse its Location even so (a ValueError for one that is not a URL)."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


class Api(CveApi):  # type: ignore[misc]  # (cvelib has no type hints)
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
        with _Deadline(self.timeout) as deadline, _Session() as session:
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
                    response.__class__ = _Answer
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


class _Answer(requests.Response):
    """A response whose JSON nested deeper than the parser's recursion, or with a number of
    more digits than Python converts, is not JSON (requests' JSONDecodeError, which every
    caller of ``json()`` catches) instead of a RecursionError or ValueError no caller does."""

    def json(self, **kwargs: Any) -> Any:
        try:
            return super().json(**kwargs)
        except requests.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:
            raise requests.JSONDecodeError(type(exc).__name__, "", 0) from None

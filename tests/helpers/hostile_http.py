"""An HTTP server on 127.0.0.1 that answers every request as it is told, to stand for a CVE
Services that is broken or hostile: an error status, HTML, JSON of the wrong shape, a
redirect, an endless body, an answer that drips.

``answer`` is a function of the request handler that writes the whole answer; the server
keeps each request's method, path and headers in ``requests``. Use it as a context manager:
it stops on leaving.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[BaseHTTPRequestHandler], None]


def status(code: int, body: bytes = b"{}", content_type: str = "application/json") -> Answer:
    """An answer of ``code`` with ``body``."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(code)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def retry_after(value: str) -> Answer:
    """429 with ``Retry-After: value`` and the API's error code."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        body = b'{"error": "RATE_LIMITED"}'
        handler.send_response(429)
        handler.send_header("Retry-After", value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: str) -> Answer:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(307)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def drip(body: bytes, every: float) -> Answer:
    """200, then ``body`` one byte every ``every`` seconds (until the client goes)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return answer


def drip_head(every: float) -> Answer:
    """The status line and headers one byte every ``every`` seconds (until the client goes)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: yes\r\n" * 1000 + b"\r\n"
        for byte in head:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)

    return answer


def silent() -> Answer:
    """Nothing at all: the request is taken and no answer comes until the client goes."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.connection.settimeout(30)  # a client that never goes ends it too
        while handler.connection.recv(4096):
            pass

    return answer


def endless(chunk: bytes = b" " * 65536) -> Answer:
    """200 with a JSON body that never ends (until the client goes)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.wfile.write(b'{"cve_ids": [')
        while True:
            handler.wfile.write(chunk)

    return answer


class HostileHttp:
    """The server; ``url`` ends in /api/ as ``[cve] url`` does. With ``tls`` (a server
    context) it speaks HTTPS."""

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.scheme = "https" if tls else "http"
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _handle(self) -> None:
                server.requests.append((self.command, self.path, dict(self.headers)))
                try:
                    server.answer(self)
                except OSError:  # the client went away
                    self.close_connection = True

            do_GET = do_POST = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:  # a handshake the client refuses fails in accept(): ignored
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/api/"

    def __enter__(self) -> HostileHttp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

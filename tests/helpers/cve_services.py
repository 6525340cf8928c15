"""A stateful fake of the parts of the CVE Services API that cvelib's client calls.

Runs an HTTP server on 127.0.0.1 (a free port) in a thread; ``url`` is what the ``[cve] url``
setting takes. It checks the three credential headers, keeps CVE ids in RESERVED or
PUBLISHED state, stores published CNA containers, and answers like the real service:
``POST /api/cve/ID/cna`` -> 200 ``{"created": record}``, or 400 ``CVE_RECORD_EXISTS`` for a
second publication. ``fail_next`` injects failures (a status, or storing the record and then
answering 502, as a lost answer looks to the client). Its own tests are in test_cve.py.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ORG_UUID = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"


@dataclass
class FakeCveServices:
    user: str = "rm@acme.example"
    org: str = "acme"
    api_key: str = "fake-api-key-0123456789"
    reserved: set[str] = field(default_factory=set)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[int, bool]] = field(default_factory=list)  # (status, store first)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def fail_next(self, status: int, *, store_first: bool = False) -> None:
        self.failures.append((status, store_first))

    def state(self, cve_id: str) -> str | None:
        if cve_id in self.published:
            return "PUBLISHED"
        return "RESERVED" if cve_id in self.reserved else None

    def start(self) -> FakeCveServices:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                headers = self.headers
                return (
                    headers.get("CVE-API-USER") == fake.user
                    and headers.get("CVE-API-ORG") == fake.org
                    and headers.get("CVE-API-KEY") == fake.api_key
                )

            def _handle(self, method: str) -> None:
                with fake.lock:
                    fake.requests.append((method, self.path))
                    if not self._authorised():
                        self._send(401, {"error": "UNAUTHORIZED", "message": "bad credentials"})
                        return
                    self._route(method)

            def _route(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                if method == "GET" and path == f"/api/org/{fake.org}":
                    self._send(200, {"UUID": ORG_UUID, "short_name": fake.org})
                    return
                if match := re.fullmatch(r"/api/cve-id/(CVE-\d{4}-\d+)", path):
                    state = fake.state(match.group(1))
                    if method == "GET" and state:
                        self._send(200, {"cve_id": match.group(1), "state": state})
                    else:
                        self._send(404, {"error": "CVE_ID_NOT_FOUND"})
                    return
                if match := re.fullmatch(r"/api/cve/(CVE-\d{4}-\d+)", path):
                    record = fake.published.get(match.group(1))
                    if method == "GET" and record:
                        self._send(200, record)
                    else:
                        self._send(404, {"error": "CVE_RECORD_DNE"})
                    return
                if method == "POST" and (
                    match := re.fullmatch(r"/api/cve/(CVE-\d{4}-\d+)/cna", path)
                ):
                    self._publish(match.group(1))
                    return
                self._send(404, {"error": "NOT_FOUND"})

            def _publish(self, cve_id: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, store_first = fake.failures.pop(0) if fake.failures else (0, False)
                if status and not store_first:
                    self._send(status, {"error": "INJECTED", "message": "injected failure"})
                    return
                state = fake.state(cve_id)
                if state is None:
                    self._send(404, {"error": "CVE_ID_NOT_FOUND"})
                    return
                if state == "PUBLISHED":
                    self._send(400, {"error": "CVE_RECORD_EXISTS"})
                    return
                container = body.get("cnaContainer")
                if not isinstance(container, dict) or "providerMetadata" not in container:
                    self._send(400, {"error": "BAD_INPUT"})
                    return
                record = {
                    "dataType": "CVE_RECORD",
                    "dataVersion": "5.1",
                    "cveMetadata": {
                        "cveId": cve_id,
                        "assignerOrgId": ORG_UUID,
                        "state": "PUBLISHED",
                    },
                    "containers": {"cna": container},
                }
                fake.published[cve_id] = record
                if status:  # stored, but the answer is lost on the way back
                    self._send(status, {"error": "BAD_GATEWAY"})
                    return
                self._send(200, {"created": record, "message": f"{cve_id} record was created"})

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

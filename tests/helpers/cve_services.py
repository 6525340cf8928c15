"""A stateful fake of the parts of the CVE Services API that cvelib's client calls.

Runs an HTTP server on 127.0.0.1 (a free port) in a thread; ``url`` is what the ``[cve] url``
setting takes. It checks the three credential headers, keeps CVE ids in RESERVED, PUBLISHED
or REJECTED state, stores CNA containers, and answers like the real service (CVE Services'
cve-id and cve controllers, as cvelib calls them):

- ``POST /api/cve-id?amount=1&cve_year=Y&short_name=ORG`` reserves the next id of year Y:
  200 ``{"cve_ids": [{cve_id, state, reserved, requested_by, ...}]}``;
  ``GET /api/cve-id?state=&time_reserved.gt=`` lists ids (``{"cve_ids": [...]}``);
  ``GET /api/cve-id/ID`` shows one.
- ``POST /api/cve/ID/cna`` publishes: 200 ``{"created": record}``, or 400
  ``CVE_RECORD_EXISTS`` for a second publication; ``PUT`` updates a published record: 200
  ``{"updated": record}``; ``POST /api/cve/ID/reject`` rejects a reserved id: 200
  ``{"created": record}`` in state REJECTED (400 ``CVE_RECORD_EXISTS`` when published).

``fail_next`` injects failures into the next of those changes (a status, or doing the change
and then answering 502, as a lost answer looks to the client). Its own tests are in
test_cve.py.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ORG_UUID = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
LONG_AGO = "2000-01-01T00:00:00.000Z"  # when the ids given to the fake were reserved


def _stamp(moment: datetime) -> str:
    """A time as the service writes it (MongoDB's ISO form, milliseconds, Z)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class FakeCveServices:
    user: str = "rm@acme.example"
    org: str = "acme"
    api_key: str = "fake-api-key-0123456789"
    reserved: set[str] = field(default_factory=set)
    published: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: dict[str, dict[str, Any]] = field(default_factory=dict)
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> its entry
    next_number: int = 10001  # of ids reserved through the API
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
        if cve_id in self.rejected:
            return "REJECTED"
        return "RESERVED" if cve_id in self.reserved else None

    def entry(self, cve_id: str) -> dict[str, Any]:
        """The id as ``GET /api/cve-id/ID`` shows it to its owner."""
        entry = self.reservations.get(cve_id) or {
            "cve_id": cve_id,
            "cve_year": cve_id.split("-")[1],
            "owning_cna": self.org,
            "requested_by": {"cna": self.org, "user": self.user},
            "reserved": LONG_AGO,
        }
        return {**entry, "state": self.state(cve_id)}

    def _reserve(self, year: str, user: str) -> dict[str, Any]:
        cve_id = f"CVE-{year}-{self.next_number}"
        self.next_number += 1
        stamp = _stamp(datetime.now(UTC))
        self.reserved.add(cve_id)
        self.reservations[cve_id] = {
            "cve_id": cve_id,
            "cve_year": year,
            "owning_cna": self.org,
            "requested_by": {"cna": self.org, "user": user},
            "reserved": stamp,
            "time": {"created": stamp, "modified": stamp},
        }
        return self.entry(cve_id)

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
                if path == "/api/cve-id" and method == "POST":
                    self._reserve_ids()
                    return
                if path == "/api/cve-id" and method == "GET":
                    self._list_ids()
                    return
                if match := re.fullmatch(r"/api/cve-id/(CVE-\d{4}-\d+)", path):
                    state = fake.state(match.group(1))
                    if method == "GET" and state:
                        self._send(200, fake.entry(match.group(1)))
                    else:
                        self._send(404, {"error": "CVE_ID_NOT_FOUND"})
                    return
                if method == "PUT" and (
                    match := re.fullmatch(r"/api/cve/(CVE-\d{4}-\d+)/cna", path)
                ):
                    self._update(match.group(1))
                    return
                if method == "POST" and (
                    match := re.fullmatch(r"/api/cve/(CVE-\d{4}-\d+)/reject", path)
                ):
                    self._reject(match.group(1))
                    return
                if match := re.fullmatch(r"/api/cve/(CVE-\d{4}-\d+)", path):
                    cve_id = match.group(1)
                    record = fake.published.get(cve_id) or fake.rejected.get(cve_id)
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

            def _query(self) -> dict[str, str]:
                query = parse_qs(self.path.partition("?")[2])
                return {key: values[-1] for key, values in query.items()}

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                return body if isinstance(body, dict) else {}

            def _failure(self) -> tuple[int, bool]:
                """The injected failure of this change: (status, do the change first)."""
                status, store_first = fake.failures.pop(0) if fake.failures else (0, False)
                if status and not store_first:
                    self._send(status, {"error": "INJECTED", "message": "injected failure"})
                return status, store_first

            def _reserve_ids(self) -> None:
                query = self._query()
                if query.get("short_name") != fake.org:
                    self._send(403, {"error": "CNA_CANNOT_RESERVE_FOR_OTHER"})
                    return
                if not re.fullmatch(r"[12]\d{3}", query.get("cve_year", "")):
                    self._send(400, {"error": "NO_YEAR"})
                    return
                if query.get("amount") != "1":  # (batches are not faked)
                    self._send(400, {"error": "INVALID_AMOUNT"})
                    return
                status, store_first = self._failure()
                if status and not store_first:
                    return
                entry = fake._reserve(query["cve_year"], self.headers["CVE-API-USER"])
                if status:  # reserved, but the answer is lost on the way back
                    self._send(status, {"error": "BAD_GATEWAY"})
                    return
                self._send(200, {"cve_ids": [entry]})

            def _list_ids(self) -> None:
                query = self._query()
                after = query.get("time_reserved.gt")
                entries = [fake.entry(cve_id) for cve_id in sorted(fake.reserved)]
                if state := query.get("state"):
                    entries = [e for e in entries if e["state"] == state]
                if after:
                    since = datetime.fromisoformat(after)
                    if since.tzinfo is None:  # (the service reads a time with no zone as UTC)
                        since = since.replace(tzinfo=UTC)
                    entries = [e for e in entries if datetime.fromisoformat(e["reserved"]) > since]
                self._send(200, {"cve_ids": entries})

            def _record(self, cve_id: str, state: str, container: Any) -> dict[str, Any]:
                return {
                    "dataType": "CVE_RECORD",
                    "dataVersion": "5.1",
                    "cveMetadata": {"cveId": cve_id, "assignerOrgId": ORG_UUID, "state": state},
                    "containers": {"cna": container},
                }

            def _update(self, cve_id: str) -> None:
                body = self._body()
                status, store_first = self._failure()
                if status and not store_first:
                    return
                if fake.state(cve_id) != "PUBLISHED":
                    self._send(404, {"error": "CVE_RECORD_DNE"})
                    return
                container = body.get("cnaContainer")
                if not isinstance(container, dict) or "providerMetadata" not in container:
                    self._send(400, {"error": "BAD_INPUT"})
                    return
                record = self._record(cve_id, "PUBLISHED", container)
                fake.published[cve_id] = record
                if status:
                    self._send(status, {"error": "BAD_GATEWAY"})
                    return
                self._send(200, {"updated": record, "message": f"{cve_id} record was updated"})

            def _reject(self, cve_id: str) -> None:
                body = self._body()
                status, store_first = self._failure()
                if status and not store_first:
                    return
                state = fake.state(cve_id)
                if state is None:
                    self._send(404, {"error": "CVE_ID_NOT_FOUND"})
                    return
                if state != "RESERVED":
                    self._send(400, {"error": "CVE_RECORD_EXISTS"})
                    return
                container = body.get("cnaContainer")
                reasons = container.get("rejectedReasons") if isinstance(container, dict) else None
                if not reasons or "providerMetadata" not in container:
                    self._send(400, {"error": "BAD_INPUT"})
                    return
                record = self._record(cve_id, "REJECTED", container)
                fake.rejected[cve_id] = record
                if status:
                    self._send(status, {"error": "BAD_GATEWAY"})
                    return
                self._send(200, {"created": record, "message": f"{cve_id} record was rejected"})

            def _publish(self, cve_id: str) -> None:
                body = self._body()
                status, store_first = self._failure()
                if status and not store_first:
                    return
                state = fake.state(cve_id)
                if state is None:
                    self._send(404, {"error": "CVE_ID_NOT_FOUND"})
                    return
                if state != "RESERVED":
                    self._send(400, {"error": "CVE_RECORD_EXISTS"})
                    return
                container = body.get("cnaContainer")
                if not isinstance(container, dict) or "providerMetadata" not in container:
                    self._send(400, {"error": "BAD_INPUT"})
                    return
                record = self._record(cve_id, "PUBLISHED", container)
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

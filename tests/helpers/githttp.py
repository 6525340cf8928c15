"""A git smart-HTTP server on 127.0.0.1 (TLS, or plain) with a Basic login: `git http-backend`.

What a forge's HTTPS remote is to releasekit: it asks for a login (401) until the right one
comes, then serves fetches and takes pushes. Certificates come from a trustme CA. Started and
stopped by the tests; nothing is left running.
"""

from __future__ import annotations

import base64
import os
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import trustme


class GitHttpServer:
    def __init__(self, root: Path, user: str, password: str, ca: trustme.CA | None) -> None:
        self.root, self.user, self.password, self.ca = root, user, password, ca
        self.refusals = 0  # 401s sent
        self.logins: list[str] = []  # the users that got in
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, repository: str) -> str:
        scheme = "http" if self.ca is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}/{repository}"

    def start(self) -> None:
        owner = self
        backend = shutil.which("git")
        assert backend is not None

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._serve(b"")

            def do_POST(self) -> None:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = self._chunked()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._serve(body)

            def _chunked(self) -> bytes:
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()

            def _serve(self, body: bytes) -> None:
                expected = base64.b64encode(f"{owner.user}:{owner.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    owner.refusals += 1
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                owner.logins.append(owner.user)
                parts = urlsplit(self.path)
                env = {
                    "PATH": os.environ.get("PATH", ""),
                    "GIT_PROJECT_ROOT": str(owner.root),
                    "GIT_HTTP_EXPORT_ALL": "1",
                    "REQUEST_METHOD": self.command,
                    "PATH_INFO": parts.path,
                    "QUERY_STRING": parts.query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REMOTE_USER": owner.user,  # receive-pack needs an authenticated user
                    "REMOTE_ADDR": "127.0.0.1",
                    "HOME": str(owner.root),
                }
                out = subprocess.run(
                    [backend, "http-backend"], input=body, env=env, capture_output=True, check=True
                ).stdout
                head, _, payload = out.partition(b"\r\n\r\n")
                status = 200
                headers = []
                for line in head.split(b"\r\n"):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif name:
                        headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.ca is not None:  # else plain http
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it is sent.

Three modes: ``plain`` (smtp://), ``starttls`` (smtp+starttls://, STARTTLS required before
AUTH and MAIL) and ``smtps`` (implicit TLS). TLS uses a throwaway CA made by trustme (valid
2000-3000, so it also works under ``faketime``); clients trust it through
``RELEASEKIT_SMTP_CAFILE`` (see :meth:`SmtpServer.env`). With ``users`` the server offers AUTH
and refuses MAIL without it.

The :class:`Recorder` handler keeps every accepted message with its raw bytes; it can answer
451 to the next N messages, refuse given recipients, and also write each message to a Maildir
(for the demo). :meth:`SmtpServer.stop` and :meth:`SmtpServer.start` simulate "server down,
then up" on the same port.

Run standalone for the demo: ``python -m tests.helpers.smtp --port 8025 --maildir DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import mailbox
import signal
import socket
import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from releasekit.model.config import MailSettings

Mode = Literal["plain", "starttls", "smtps"]
SCHEMES: dict[Mode, str] = {"plain": "smtp", "starttls": "smtp+starttls", "smtps": "smtps"}
HOST = "127.0.0.1"
TEST_USER = "announcer"
TEST_PASSWORD = "correct horse 42 battery"  # with spaces: the redaction must cope


@dataclass(frozen=True)
class Received:
    """One message the server accepted with 250."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # exactly as received after DATA, dot-unstuffed, CRLF line ends
    login: str | None  # the AUTH user, if any
    tls: bool  # whether the session was encrypted


@dataclass
class Recorder:
    """The aiosmtpd handler: records messages; can defer or refuse on request."""

    maildir: Path | None = None
    require_auth: bool = False
    messages: list[Received] = field(default_factory=list)
    deferred: int = 0  # messages answered with 451
    transactions: int = 0  # MAIL FROM commands seen
    defer_next: int = 0
    stall_next: int = 0  # take the next messages, then answer only after stall_seconds
    stall_seconds: float = 3.0
    refuse: dict[str, str] = field(default_factory=dict)  # address -> full reply
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        with self.lock:
            self.transactions += 1
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            if self.defer_next > 0:
                self.defer_next -= 1
                self.deferred += 1
                return "451 4.3.0 Try again later"
            data = envelope.original_content or b""
            transport = server.transport
            tls = transport is not None and transport.get_extra_info("ssl_object") is not None
            auth = session.auth_data
            login = auth.login.decode() if isinstance(auth, LoginPassword) else None
            self.messages.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=tuple(envelope.rcpt_tos),
                    data=data,
                    login=login,
                    tls=tls,
                )
            )
            if self.maildir is not None:
                mailbox.Maildir(self.maildir, create=True).add(data)
            stall = self.stall_next > 0
            if stall:
                self.stall_next -= 1
            reply = f"250 2.0.0 Ok: queued as {len(self.messages)}"
        if stall:  # taken, but the client gives up waiting for the answer
            await asyncio.sleep(self.stall_seconds)
        return reply


@dataclass
class Authenticator:
    """Accepts the given user/password pairs; ``echo`` makes a failed AUTH quote the
    password back, as a lying or careless server might."""

    users: Mapping[str, str]
    echo: bool = False

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode(errors="replace")
            password = auth_data.password.decode(errors="replace")
            if self.users.get(login) == password:
                return AuthResult(success=True, auth_data=auth_data)
            if self.echo:
                message = f"535 5.7.8 Bad login {login} with password {password}"
                return AuthResult(success=False, handled=False, message=message)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Tls:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""

    ca_file: Path
    context: ssl.SSLContext  # the server side


def make_tls(directory: Path) -> Tls:
    ca = trustme.CA()
    cert = ca.issue_cert(HOST, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = directory / "smtp-test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Tls(ca_file, context)


class SmtpServer:
    """One aiosmtpd server on 127.0.0.1 in a thread; stop/start keep the port."""

    def __init__(
        self,
        mode: Mode = "plain",
        *,
        tls: Tls | None = None,
        users: Mapping[str, str] | None = None,
        echo_password: bool = False,
        maildir: Path | None = None,
        port: int | None = None,
        auth_exclude: tuple[str, ...] = (),
    ) -> None:
        if mode != "plain" and tls is None:
            raise ValueError(f"mode {mode} needs tls")
        self.mode = mode
        self.tls = tls
        self.users = dict(users or {})
        self.recorder = Recorder(maildir=maildir, require_auth=bool(self.users))
        self.authenticator = Authenticator(self.users, echo=echo_password) if users else None
        self.port = port or free_port()
        self._port_kept = port is not None  # the caller's port, or one this server had
        self.auth_exclude = auth_exclude  # AUTH mechanisms not offered (PLAIN, LOGIN)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"{SCHEMES[self.mode]}://{HOST}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    @property
    def running(self) -> bool:
        return self._controller is not None

    def env(self, user: str | None = None, password: str | None = None) -> dict[str, str]:
        """The environment releasekit needs to reach this server (CA file, credentials)."""
        env: dict[str, str] = {}
        if self.tls is not None:
            env["RELEASEKIT_SMTP_CAFILE"] = str(self.tls.ca_file)
        if user is not None:
            env["RELEASEKIT_SMTP_USER"] = user
        if password is not None:
            env["RELEASEKIT_SMTP_PASSWORD"] = password
        return env

    def mail_settings(
        self,
        signing_key: str = "0" * 40,
        *,
        to: tuple[str, ...] = ("security-announce@lists.acme.example",),
        sender: str = "Acme Security <security@acme.example>",
        timeout: int = 5,
    ) -> MailSettings:
        return MailSettings(
            sender=sender, to=to, smtp=self.url, signing_key=signing_key, timeout=timeout
        )

    def _make_controller(self) -> Controller:
        kwargs: dict[str, Any] = {
            "hostname": HOST,
            "port": self.port,
            "server_hostname": "smtp.test",
            "ready_timeout": 10,
        }
        if self.authenticator is not None:
            kwargs["authenticator"] = self.authenticator
            kwargs["auth_exclude_mechanism"] = list(self.auth_exclude)
        if self.mode == "starttls":
            assert self.tls is not None
            kwargs.update(tls_context=self.tls.context, require_starttls=True)
        elif self.mode == "smtps":
            assert self.tls is not None
            # aiosmtpd does not count implicit TLS as TLS for AUTH; the socket is encrypted.
            kwargs.update(ssl_context=self.tls.context, auth_require_tls=False)
        elif self.users:
            kwargs["auth_require_tls"] = False  # AUTH in the clear: only tests do this
        return Controller(self.recorder, **kwargs)

    def start(self) -> None:
        if self._controller is None:
            for attempt in range(5):
                controller = self._make_controller()
                try:
                    controller.start()
                    break
                except OSError as error:
                    # A port probed free may be taken before the bind (the suite's workers
                    # start servers side by side): another one, unless the port is kept.
                    if error.errno != errno.EADDRINUSE or self._port_kept or attempt == 4:
                        raise
                    self.port = free_port()
            self._controller = controller
            self._port_kept = True

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def smtp_server(mode: Mode = "plain", **kwargs: Any) -> Iterator[SmtpServer]:
    """A started server, stopped at the end whatever happened."""
    server = SmtpServer(mode, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - the demo's server
    parser = argparse.ArgumentParser(description="A local SMTP server writing to a Maildir.")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with SmtpServer("plain", maildir=args.maildir, port=args.port) as server:
        print(f"listening on {server.url}, writing to {args.maildir}", flush=True)
        stop.wait()


if __name__ == "__main__":  # pragma: no cover
    main()

"""The SMTP adapter: the only code that opens SMTP (:func:`send` and :func:`check_server`).

The environment (passed in, never read from files) supplies:

``RELEASEKIT_SMTP_USER``, ``RELEASEKIT_SMTP_PASSWORD``
    the login, both or neither. Never sent over unencrypted ``smtp://`` except to loopback.
``RELEASEKIT_SMTP_CAFILE``
    a PEM file of CA certificates to trust *instead of* the system's, for a server with a
    private CA (and for the tests' throwaway CA). Certificates and host names are always
    verified.

Every failure is one :class:`~releasekit.support.errors.MailError` line naming the server and the
step; ``transient`` tells a retry-later failure (4xx, refused, closed, timed out) from a
permanent one (5xx, TLS, configuration). No message ever carries the password.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from releasekit.adapters.env import Environment
from releasekit.adapters.mail.mime import Message, envelope_addresses
from releasekit.model.config import MailSettings
from releasekit.support.errors import MailError
from releasekit.support.text import visible

ENV_USER = "RELEASEKIT_SMTP_USER"
ENV_PASSWORD = "RELEASEKIT_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a secret
ENV_CAFILE = "RELEASEKIT_SMTP_CAFILE"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
_REPLY_LIMIT = 200


@dataclass(frozen=True)
class Endpoint:
    """Where ``mail.smtp`` points: scheme, host and port."""

    scheme: str  # smtp, smtps or smtp+starttls
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_endpoint(url: str) -> Endpoint:
    """``smtp+starttls://host:587`` -> Endpoint; the port defaults by scheme."""
    problem = MailError("mail.smtp: not smtp://HOST[:PORT], smtps://... or smtp+starttls://...")
    parts = urlsplit(url)
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise problem
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise problem from None
    return Endpoint(parts.scheme, parts.hostname, port)


@dataclass(frozen=True)
class SendReceipt:
    """What the server said when it took the message (250)."""

    message_id: str
    server: str  # e.g. smtp+starttls://smtp.example.org:587
    recipients: tuple[str, ...]
    reply: str  # the server's 250 text, e.g. "2.0.0 Ok: queued as 4F2A"


@dataclass(frozen=True)
class _Login:
    user: str
    password: str = field(repr=False)

    def secrets(self) -> list[str]:
        """The password and the forms AUTH PLAIN and LOGIN put it on the wire."""
        plain = f"\0{self.user}\0{self.password}".encode()
        forms = [self.password, base64.b64encode(plain).decode()]
        forms.append(base64.b64encode(self.password.encode()).decode())
        return [form for form in forms if form]


def _login(env: Environment) -> _Login | None:
    pair = env.login(ENV_USER, ENV_PASSWORD, MailError)
    return None if pair is None else _Login(*pair)


def _authenticate(smtp: smtplib.SMTP, login: _Login, endpoint: Endpoint) -> None:
    """AUTH with ``login``: smtplib's choice of mechanism for an ASCII login; a non-ASCII one
    goes as UTF-8 through PLAIN (RFC 4616) or LOGIN, which smtplib cannot send (it encodes
    as ASCII, and its error quoted a character of the password)."""
    user, password = login.user.encode(), login.password.encode()
    if user.isascii() and password.isascii():
        smtp.login(login.user, login.password)
        return
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        code, reply = smtp.docmd("AUTH", "PLAIN " + _b64(b"\0" + user + b"\0" + password))
    elif "LOGIN" in offered:
        code, reply = smtp.docmd("AUTH", "LOGIN " + _b64(user))
        if code == 334:
            code, reply = smtp.docmd(_b64(password))
    else:
        raise MailError(
            f"SMTP server {endpoint}: AUTH: offers neither PLAIN nor LOGIN, the mechanisms "
            f"that carry a non-ASCII {ENV_USER} or {ENV_PASSWORD}"
        )
    if code not in (235, 503):  # (503: authenticated already)
        raise smtplib.SMTPAuthenticationError(code, reply)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _tls_context(env: Environment) -> ssl.SSLContext:
    cafile = env.get(ENV_CAFILE) or None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or "unreadable"
        shown = visible(cafile or "")  # (a value with a line break: still one line)
        raise MailError(f"{ENV_CAFILE}={shown}: cannot load CA certificates ({reason})") from None


def _clean(text: bytes | str, secrets: Iterable[str]) -> str:
    """Server text as one short printable line, without any of ``secrets``."""
    value = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text)
    hidden = [s for s in secrets if s]
    for secret in hidden:
        value = value.replace(secret, "***")
    value = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    for secret in hidden:
        value = value.replace(" ".join(secret.split()), "***")
    return value if len(value) <= _REPLY_LIMIT else value[:_REPLY_LIMIT] + "..."


_MAXLINE = 8192  # smtplib's longest reply line (RFC 5321: 512 octets)
_MAXLINES = 1000  # of one reply
_CODE = re.compile(rb"[2-5][0-9][0-9]([ -]|\r?\n)")


class _Garbled(smtplib.SMTPException):
    """What came for a reply is not one: no reply code, or too long. It is no answer (a
    message handed over may have been taken), unlike smtplib's own "500 Line too long"."""


def _read_reply(smtp: smtplib.SMTP, pending: bytearray) -> tuple[int, bytes]:
    """smtplib's ``getreply``, all of whose bytes must come within ``smtp.timeout`` seconds
    (smtplib's timeout holds for each read, so a server that drips a reply, or sends
    continuation lines for ever, held it for as long as it liked). ``pending`` keeps what
    was read past the reply."""
    sock = smtp.sock
    if sock is None:
        raise smtplib.SMTPServerDisconnected("please run connect() first")
    deadline = time.monotonic() + smtp.timeout
    lines: list[bytes] = []
    try:
        while True:
            end = pending.find(b"\n")
            if end < 0 and len(pending) <= _MAXLINE:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no whole reply in time")
                sock.settimeout(left)
                data = sock.recv(4096)
                if not data:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                pending += data
                continue
            line = bytes(pending[: end + 1 if end >= 0 else _MAXLINE + 1])
            del pending[: len(line)]
            if len(line) > _MAXLINE or len(lines) >= _MAXLINES or not _CODE.match(line):
                smtp.close()
                raise _Garbled("a reply that is not SMTP (no reply code, or too long)")
            lines.append(line[4:].strip(b" \t\r\n"))
            code = int(line[:3])
            if line[3:4] != b"-":
                break
    except smtplib.SMTPException:  # (an OSError too)
        smtp.close()
        raise
    except OSError as exc:
        smtp.close()
        raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from exc
    sock.settimeout(smtp.timeout)
    return code, b"\n".join(lines)


class _Replies:
    """What one client read of the server's replies, on the socket it read them from."""

    def __init__(self) -> None:
        self.sock: object = None
        self.pending = bytearray()

    def of(self, sock: object) -> bytearray:
        if sock is not self.sock:  # a new connection, or TLS now: what came before is void
            self.sock, self.pending = sock, bytearray()
        return self.pending


class _Client(smtplib.SMTP):
    replies: _Replies | None = None

    def getreply(self) -> tuple[int, bytes]:
        self.replies = self.replies or _Replies()
        return _read_reply(self, self.replies.of(self.sock))


class _ClientSSL(smtplib.SMTP_SSL):
    replies: _Replies | None = None

    def getreply(self) -> tuple[int, bytes]:
        self.replies = self.replies or _Replies()
        return _read_reply(self, self.replies.of(self.sock))


class _Conversation:
    """One SMTP session with ``endpoint``: turns every failure into a MailError."""

    def __init__(self, mail: MailSettings, env: Environment) -> None:
        self.endpoint = parse_endpoint(mail.smtp)
        self.timeout = mail.timeout
        self.login = _login(env)
        self.secrets = self.login.secrets() if self.login else []
        if self.login and self.endpoint.scheme == "smtp" and not self.endpoint.loopback:
            raise MailError(
                f"SMTP server {self.endpoint}: refusing to send {ENV_USER} and {ENV_PASSWORD} "
                "unencrypted: use smtp+starttls:// or smtps://"
            )
        self.context = _tls_context(env) if self.endpoint.scheme != "smtp" else None
        self.smtp: smtplib.SMTP | None = None

    def error(self, stage: str, exc: BaseException) -> MailError:
        where = f"SMTP server {self.endpoint}: {stage}"
        if isinstance(exc, smtplib.SMTPResponseException):
            return self.reply_error(stage, exc.smtp_code, exc.smtp_error)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            if isinstance(exc.__context__, TimeoutError):  # smtplib wraps a read timeout
                return self.error(stage, exc.__context__)
            return MailError(f"{where}: the server closed the connection", transient=True)
        if isinstance(exc, smtplib.SMTPException):
            return MailError(f"{where}: {_clean(str(exc), self.secrets)}")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MailError(
                f"{where}: TLS certificate not accepted ({exc.verify_message}); "
                f"for a private CA set {ENV_CAFILE}"
            )
        if isinstance(exc, ssl.SSLError):
            return MailError(f"{where}: TLS failed ({exc.reason or exc.__class__.__name__})")
        if isinstance(exc, TimeoutError):
            return MailError(f"{where}: no answer within {self.timeout}s", transient=True)
        if isinstance(exc, ConnectionRefusedError):
            return MailError(f"{where}: connection refused", transient=True)
        if isinstance(exc, socket.gaierror):
            return MailError(f"{where}: cannot resolve the host ({exc.strerror})", transient=True)
        if isinstance(exc, OSError):
            reason = exc.strerror or exc.__class__.__name__
            return MailError(f"{where}: {reason}", transient=True)
        raise exc  # pragma: no cover - only OSError and SMTPException are caught

    def reply_error(self, stage: str, code: int, text: bytes | str) -> MailError:
        reply = _clean(text, self.secrets)
        hint = f" (check {ENV_USER} and {ENV_PASSWORD})" if stage == "AUTH" else ""
        return MailError(
            f"SMTP server {self.endpoint}: {stage}: {code} {reply}{hint}",
            transient=400 <= code < 500,
            code=code,
        )

    def open(self) -> smtplib.SMTP:
        """Connect, EHLO, STARTTLS or TLS as configured, AUTH when a login is set."""
        endpoint = self.endpoint
        stage = "connect"
        try:
            if endpoint.scheme == "smtps":
                smtp: smtplib.SMTP = _ClientSSL(
                    endpoint.host, endpoint.port, timeout=self.timeout, context=self.context
                )
            else:
                smtp = _Client(endpoint.host, endpoint.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise self.error(stage, exc) from None
        self.smtp = smtp
        try:
            stage = "EHLO"
            code, reply = smtp.ehlo()
            if code != 250:
                raise self.reply_error(stage, code, reply)
            if endpoint.scheme == "smtp+starttls":
                stage = "STARTTLS"
                if not smtp.has_extn("starttls"):
                    raise MailError(f"SMTP server {endpoint}: does not offer STARTTLS")
                smtp.starttls(context=self.context)
                stage = "EHLO"
                code, reply = smtp.ehlo()
                if code != 250:
                    raise self.reply_error(stage, code, reply)
            if self.login is not None:
                stage = "AUTH"
                if not smtp.has_extn("auth"):
                    raise MailError(
                        f"SMTP server {endpoint}: does not offer AUTH, but {ENV_USER} is set"
                    )
                _authenticate(smtp, self.login, endpoint)
        except MailError:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise self.error(stage, exc) from None
        return smtp

    def quit(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


def send(message: Message, mail: MailSettings, env: Environment) -> SendReceipt:
    """Send ``message`` through ``mail.smtp``; the receipt once the server answered 250.

    All or nothing: every recipient must be accepted (250/251) before DATA, else the
    transaction is reset and nothing is sent. Raises MailError (``transient`` for 4xx and
    network failures; ``code`` when the server replied).
    """
    conversation = _Conversation(mail, env)
    smtp = conversation.open()
    stage = "DATA"
    try:
        _envelope(conversation, smtp, message.sender, message.recipients)
        code, reply = smtp.data(message.data)
        if code != 250:
            raise conversation.reply_error(stage, code, reply)
    except MailError:
        conversation.quit()
        raise
    except (smtplib.SMTPException, OSError) as exc:
        conversation.close()
        error = conversation.error(stage, exc)
        if not isinstance(exc, smtplib.SMTPResponseException):  # no reply to the message
            error.uncertain = True  # (or to DATA itself: either way, maybe taken)
            error.args = (f"{error}; the server may have taken the message",)
        raise error from None
    conversation.quit()  # the message is taken: a failing QUIT changes nothing
    return SendReceipt(
        message_id=message.message_id,
        server=str(conversation.endpoint),
        recipients=message.recipients,
        reply=_clean(reply, conversation.secrets),
    )


def check_server(mail: MailSettings, env: Environment) -> str | None:
    """The preflight: None when the addresses are usable and the server can be reached, speaks
    TLS as configured (certificate verified), accepts the login, the sender and every list
    address; else the reason. Sends nothing (connect, EHLO, STARTTLS, AUTH, MAIL FROM, RCPT TO
    each list, RSET, QUIT). A recipient refused for now (4xx: greylisting, a busy mailbox) is
    not a failure: sending tries again; one refused for good (5xx) is."""
    try:
        sender, recipients = envelope_addresses(mail)
        conversation = _Conversation(mail, env)
        smtp = conversation.open()
        try:
            _envelope(conversation, smtp, sender, recipients, preflight=True)
        finally:
            conversation.quit()
    except MailError as exc:
        return str(exc)
    return None


def _envelope(
    conversation: _Conversation,
    smtp: smtplib.SMTP,
    sender: str,
    recipients: Sequence[str],
    *,
    preflight: bool = False,
) -> None:
    """MAIL FROM ``sender``, RCPT TO each recipient: MailError naming the command the server
    refused (after RSET). For the ``preflight``, only a refusal for good (5xx) is one, and the
    transaction is reset in the end."""
    stage = "MAIL FROM"
    try:
        code, reply = smtp.mail(sender)
        if code != 250 and (code >= 500 or not preflight):
            raise conversation.reply_error(stage, code, reply)
        taken = code == 250  # (a preflight goes on after a MAIL refused for now)
        for recipient in recipients if taken else ():
            stage = f"RCPT TO <{recipient}>"
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251) and (code >= 500 or not preflight):
                error = conversation.reply_error(stage, code, reply)
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.rset()
                raise error
        if preflight:
            stage = "RSET"
            smtp.rset()
    except (smtplib.SMTPException, OSError) as exc:
        conversation.close()
        raise conversation.error(stage, exc) from None

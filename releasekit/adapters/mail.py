"""The announcement e-mail: its text, its PGP/MIME form, and the SMTP adapter.

Three parts, from pure to effect:

1. :func:`announcement_context` and :func:`render_announcement` turn released advisories into
   a subject and a plain-text body from the templates ``announcement-subject.txt.j2`` and
   ``announcement.txt.j2``. Only public fields go in (id, title, severity, score, CVE,
   versions, summary, credit, link): never an advisory's Markdown details.
2. :func:`build_announcement` makes the message PGP/MIME as RFC 3156 says: a
   ``multipart/signed`` whose first part (the text, canonical CRLF, 7bit or quoted-printable)
   is signed byte for byte with a detached signature in the second part. Never inline
   clear-signed text. The Message-ID comes from the caller, so a resend reuses it.
3. :func:`send` and :func:`check_server` are the only code that opens SMTP.

The environment (passed in as a mapping, never read from files) supplies:

``RELEASEKIT_SMTP_USER``, ``RELEASEKIT_SMTP_PASSWORD``
    the login, both or neither. Never sent over unencrypted ``smtp://`` except to loopback.
``RELEASEKIT_SMTP_CAFILE``
    a PEM file of CA certificates to trust *instead of* the system's, for a server with a
    private CA (and for the tests' throwaway CA). Certificates and host names are always
    verified.

Every failure is one :class:`~releasekit.errors.MailError` line naming the server and the
step; ``transient`` tells a retry-later failure (4xx, refused, closed, timed out) from a
permanent one (5xx, TLS, configuration). No message ever carries the password.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.utils import format_datetime, getaddresses, parseaddr
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from releasekit.adapters.env import Environment
from releasekit.model.advisory import SEVERITIES, Advisory
from releasekit.model.config import MailSettings, Settings
from releasekit.support import render
from releasekit.support.errors import MailError

ENV_USER = "RELEASEKIT_SMTP_USER"
ENV_PASSWORD = "RELEASEKIT_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a secret
ENV_CAFILE = "RELEASEKIT_SMTP_CAFILE"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
BODY_TEMPLATE = "announcement.txt.j2"
SUBJECT_TEMPLATE = "announcement-subject.txt.j2"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDRESS_RE = re.compile(rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]+@{_LABEL}(?:\.{_LABEL})*")
_MESSAGE_ID_RE = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_REPLY_LIMIT = 200


# --- 1. the text ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnouncedLine:
    """One release line of an advisory in the announcement."""

    line: str  # e.g. "10.3"
    affected: str  # e.g. "10.3.0 to 10.3.2"; empty for a line not released yet
    fixed: str  # e.g. "10.3.3"


def advisory_url(site_url: str, advisory_id: str) -> str:
    return f"{site_url.rstrip('/')}/advisories/{advisory_id}.html"


def announcement_context(
    settings: Settings,
    released: datetime,
    items: Sequence[tuple[Advisory, Sequence[AnnouncedLine]]],
) -> dict[str, Any]:
    """The context :func:`render_announcement` takes, from parsed advisories.

    Copies only the public fields of each advisory; the Markdown body is never read.
    """
    project = settings.project
    advisories = []
    for advisory, lines in items:
        advisories.append(
            {
                "id": advisory.id,
                "title": advisory.title,
                "severity": advisory.severity,
                "score": advisory.score,
                "vector": advisory.cvss.vector if advisory.cvss else None,
                "cve": advisory.cve,
                "summary": advisory.summary,
                "reporter": advisory.reporter,
                "url": advisory_url(project.site_url, advisory.id),
                "lines": [
                    {"line": item.line, "affected": item.affected, "fixed": item.fixed}
                    for item in lines
                ],
            }
        )
    when = released.astimezone(UTC)
    return {
        "project": {
            "name": project.name,
            "site_url": project.site_url,
            "time_zone": project.time_zone,
        },
        "released": when,
        "advisories": advisories,
        "disclosure_date": (when + timedelta(days=project.disclosure_days)).date(),
    }


def render_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the announcement; pure.

    ``context`` (as :func:`announcement_context` makes it):

    - ``project``: ``name``, ``site_url``, ``time_zone`` (IANA name);
    - ``released``: the release instant (aware datetime);
    - ``advisories``: a list of dicts with ``id``, ``title``, ``severity`` (none ... critical),
      ``score`` (float or None), ``vector`` (CVSS or None), ``cve`` (or None), ``summary``,
      ``reporter`` (or None), ``url`` (``site_url/advisories/ID.html``) and ``lines``: a list
      of ``{line, affected, fixed}`` (``affected`` like "10.3.0 to 10.3.2", empty for a line
      not released before; ``fixed`` like "10.3.3");
    - ``disclosure_date``: the day the details are published (a date).

    The templates also get ``zone`` (the ZoneInfo of ``time_zone``) and ``highest`` (the
    highest severity). The subject is one line. Raises BadInput for a broken template.
    """
    zone = ZoneInfo(context["project"]["time_zone"])
    ranks = [SEVERITIES.index(a["severity"]) for a in context["advisories"]]
    highest = SEVERITIES[max(ranks)] if ranks else "none"
    values = {**context, "zone": zone, "highest": highest}
    subject = _render(env, SUBJECT_TEMPLATE, values)
    body = _render(env, BODY_TEMPLATE, values)
    return " ".join(subject.split()), body


def render_pre_announcement(env: jinja2.Environment, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of the public pre-announcement; pure.

    ``context``: ``project`` (``name``, ``site_url``, ``time_zone``), ``release`` (the embargo
    instant), ``lines`` (``{line, version, upcoming}`` dicts), ``highest`` (a severity) and
    ``count`` (how many issues). Nothing that names or describes an issue.
    """
    values = {**context, "zone": ZoneInfo(context["project"]["time_zone"])}
    subject = _render(env, "pre-announcement-subject.txt.j2", values)
    body = _render(env, "pre-announcement.txt.j2", values)
    return " ".join(subject.split()), body


def _render(env: jinja2.Environment, template: str, values: Mapping[str, Any]) -> str:
    return render.render(env, template, **values)


# --- 2. the PGP/MIME message ---------------------------------------------------------------


class DetachedSigner(Protocol):
    """What signs the text part: :class:`releasekit.signing.Signer` is one."""

    def detach_sign(self, data: bytes) -> tuple[str, str]: ...


@dataclass(frozen=True)
class Announcement:
    """A signed message ready to send, with its envelope."""

    message_id: str
    sender: str  # envelope MAIL FROM address
    recipients: tuple[str, ...]  # envelope RCPT TO addresses, one per mail.to entry
    subject: str
    data: bytes  # the whole message, CRLF line ends, as it goes after DATA
    signed_part: bytes  # the MIME entity the signature covers, byte for byte
    signature: str  # ASCII-armored detached signature
    micalg: str  # e.g. "pgp-sha512"


def make_message_id(sender: str, *parts: str) -> str:
    """A Message-ID that depends only on ``parts`` (e.g. the workspace and advisory ids), in
    the sender's domain: a resend after a crash carries the same one."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:40]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "releasekit.invalid"
    return f"<releasekit.{digest}@{domain}>"


def envelope_addresses(mail: MailSettings) -> tuple[str, tuple[str, ...]]:
    """(MAIL FROM, RCPT TO addresses) from ``mail.from`` and ``mail.to``; MailError if one
    is not a plain ASCII address (like ``Name <list@example.org>`` or ``list@example.org``)."""
    sender = _address("mail.from", mail.sender)
    recipients = tuple(_address("mail.to", entry) for entry in mail.to)
    if not recipients:
        raise MailError("mail.to: no recipient")
    return sender, recipients


def _address(key: str, value: str) -> str:
    found = getaddresses([value])
    if len(found) != 1 or not _ADDRESS_RE.fullmatch(found[0][1]):
        raise MailError(f"{key}: {value!r} is not one e-mail address")
    return found[0][1]


def _plain_line(line: str) -> bool:
    """Whether a line can go as 7bit and survive every mail hop unchanged."""
    return (
        len(line) <= 76
        and all(" " <= ch <= "~" for ch in line)
        and not line.endswith(" ")
        and not line.startswith("From ")
        and line != "."
    )


def _quoted_printable(line: str) -> list[str]:
    """One text line as quoted-printable output lines (RFC 2045 6.7), each at most 76 long.

    Also protects what transports mangle: tabs, trailing white space, a line starting with
    ``From `` (encoded ``=46``) and a line of a single dot.
    """
    raw = line.encode("utf-8")
    pieces: list[str] = []
    for index, byte in enumerate(raw):
        last = index == len(raw) - 1
        if (33 <= byte <= 126 and byte != ord("=")) or (byte == 32 and not last):
            pieces.append(chr(byte))
        else:
            pieces.append(f"={byte:02X}")
    lines: list[str] = []
    current = ""
    for index, piece in enumerate(pieces):
        if len(current) + len(piece) > 75:
            lines.append(current + "=")  # soft line break
            current = ""
        starts_from = piece == "F" and "".join(pieces[index + 1 : index + 5]) == "rom "
        current += "=46" if starts_from and not current else piece
    lines.append("=2E" if current == "." else current)
    return lines


def text_part(body: str) -> bytes:
    """The text/plain MIME entity of ``body`` in canonical form (CRLF), as it is signed and
    sent: 7bit when every line is short printable ASCII, quoted-printable otherwise."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.removesuffix("\n").split("\n")
    if all(_plain_line(line) for line in lines):
        encoding, encoded = "7bit", lines
    else:
        encoding = "quoted-printable"
        encoded = [out for line in lines for out in _quoted_printable(line)]
    head = f'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n'
    return (head + "\r\n" + "\r\n".join(encoded) + "\r\n").encode("ascii")


def _boundary(*parts: bytes) -> str:
    seed = hashlib.sha256(b"".join(parts)).hexdigest()
    for counter in range(100):  # pragma: no branch - a collision needs a crafted body
        boundary = f"=_releasekit_{counter}_{seed[:32]}"
        if not any(f"--{boundary}".encode() in part for part in parts):
            return boundary
    raise AssertionError("no free MIME boundary")  # pragma: no cover


def _header(name: str, value: str) -> bytes:
    folded: str = policy.SMTP.fold(*policy.SMTP.header_store_parse(name, value))
    return folded.encode("ascii")


def build_announcement(
    *,
    subject: str,
    body: str,
    mail: MailSettings,
    message_id: str,
    date: datetime,
    signer: DetachedSigner,
) -> Announcement:
    """The PGP/MIME (RFC 3156) message of ``body``, signed by ``signer``.

    Raises MailError for an unusable address, SigningError when signing fails, ValueError
    for a malformed ``message_id`` (``<unique@domain>``).
    """
    if not _MESSAGE_ID_RE.fullmatch(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    sender, recipients = envelope_addresses(mail)
    one_line_subject = " ".join(subject.split())
    entity = text_part(body)
    signature, hash_name = signer.detach_sign(entity)
    armored = "\r\n".join(signature.strip().splitlines()).encode("ascii")
    boundary = _boundary(entity, armored)
    micalg = f"pgp-{hash_name}"
    head = b"".join(
        [
            _header("Date", format_datetime(date.astimezone(UTC))),
            _header("From", mail.sender),
            _header("To", ", ".join(mail.to)),
            _header("Subject", one_line_subject),
            _header("Message-ID", message_id),
            b"MIME-Version: 1.0\r\n",
            (
                f"Content-Type: multipart/signed; micalg={micalg};\r\n"
                f' protocol="application/pgp-signature";\r\n'
                f' boundary="{boundary}"\r\n'
            ).encode("ascii"),
        ]
    )
    signature_part = (
        b'Content-Type: application/pgp-signature; name="signature.asc"\r\n'
        b"Content-Description: OpenPGP digital signature\r\n"
        b'Content-Disposition: attachment; filename="signature.asc"\r\n'
        b"\r\n" + armored
    )
    delimiter = f"--{boundary}".encode("ascii")
    data = (
        head
        + b"\r\nThis is an OpenPGP/MIME signed message (RFC 4880 and 3156).\r\n"
        + delimiter
        + b"\r\n"
        + entity
        + b"\r\n"
        + delimiter
        + b"\r\n"
        + signature_part
        + b"\r\n"
        + delimiter
        + b"--\r\n"
    )
    return Announcement(
        message_id=message_id,
        sender=sender,
        recipients=recipients,
        subject=one_line_subject,
        data=data,
        signed_part=entity,
        signature=signature,
        micalg=micalg,
    )


@dataclass(frozen=True)
class Sealed:
    """A signed and encrypted message for one recipient, with its envelope."""

    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    data: bytes


class Outgoing(Protocol):
    """What :func:`send` needs of a message."""

    @property
    def message_id(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def recipients(self) -> tuple[str, ...]: ...
    @property
    def data(self) -> bytes: ...


def mixed_entity(body: str, attachments: Sequence[tuple[str, bytes]]) -> bytes:
    """A multipart/mixed MIME entity: the text, then each (file name, bytes) attached."""
    text = text_part(body)
    parts = [text]
    for name, content in attachments:
        encoded = base64.encodebytes(content).replace(b"\n", b"\r\n")
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        parts.append(
            (
                f'Content-Type: text/x-diff; name="{safe}"\r\n'
                f'Content-Disposition: attachment; filename="{safe}"\r\n'
                "Content-Transfer-Encoding: base64\r\n\r\n"
            ).encode("ascii")
            + encoded
        )
    boundary = _boundary(*parts)
    delimiter = f"--{boundary}".encode("ascii")
    out = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    for part in parts:
        out += delimiter + b"\r\n" + part.rstrip(b"\r\n") + b"\r\n"
    return out + delimiter + b"--\r\n"


def build_sealed(
    *,
    subject: str,
    entity: bytes,
    sender: str,
    to: str,
    message_id: str,
    date: datetime,
    seal: Callable[[bytes], str],
) -> Sealed:
    """The PGP/MIME encrypted message (RFC 3156, multipart/encrypted) of ``entity``.

    ``seal`` signs and encrypts the entity (see Signer.sign_and_encrypt). Only the headers
    are readable on the way: keep the subject free of anything embargoed.
    """
    if not _MESSAGE_ID_RE.fullmatch(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    _address("from", sender)
    _address("to", to)
    armored = "\r\n".join(seal(entity).strip().splitlines()).encode("ascii")
    control = b"Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
    payload = (
        b'Content-Type: application/octet-stream; name="encrypted.asc"\r\n'
        b'Content-Disposition: inline; filename="encrypted.asc"\r\n\r\n' + armored + b"\r\n"
    )
    boundary = _boundary(control, payload)
    delimiter = f"--{boundary}".encode("ascii")
    one_line_subject = " ".join(subject.split())
    head = b"".join(
        [
            _header("Date", format_datetime(date.astimezone(UTC))),
            _header("From", sender),
            _header("To", to),
            _header("Subject", one_line_subject),
            _header("Message-ID", message_id),
            b"MIME-Version: 1.0\r\n",
            (
                'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n'
                f' boundary="{boundary}"\r\n'
            ).encode("ascii"),
        ]
    )
    data = (
        head
        + b"\r\nThis is an OpenPGP/MIME encrypted message (RFC 4880 and 3156).\r\n"
        + delimiter
        + b"\r\n"
        + control
        + delimiter
        + b"\r\n"
        + payload
        + delimiter
        + b"--\r\n"
    )
    return Sealed(message_id, parseaddr(sender)[1], (parseaddr(to)[1],), one_line_subject, data)


# --- 3. SMTP ---------------------------------------------------------------------------------


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
    try:
        pair = env.login(ENV_USER, ENV_PASSWORD)
    except ValueError as exc:
        raise MailError(str(exc)) from None
    return None if pair is None else _Login(*pair)


def _tls_context(env: Environment) -> ssl.SSLContext:
    cafile = env.get(ENV_CAFILE) or None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or "unreadable"
        raise MailError(f"{ENV_CAFILE}={cafile}: cannot load CA certificates ({reason})") from None


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
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    endpoint.host, endpoint.port, timeout=self.timeout, context=self.context
                )
            else:
                smtp = smtplib.SMTP(endpoint.host, endpoint.port, timeout=self.timeout)
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
                smtp.login(self.login.user, self.login.password)
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


def send(message: Outgoing, mail: MailSettings, env: Environment) -> SendReceipt:
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

"""The messages' PGP/MIME form (RFC 3156): pure bytes, no outside effect.

:func:`build_announcement` makes a ``multipart/signed`` message whose first part (the text,
canonical CRLF, 7bit or quoted-printable) is signed byte for byte with a detached signature
in the second part; never inline clear-signed text. :func:`build_sealed` makes a
``multipart/encrypted`` one for a single recipient. The Message-ID comes from the caller, so a
resend reuses it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.utils import format_datetime, parseaddr
from typing import Protocol

from releasekit.model.checks import mail_address
from releasekit.model.config import MailSettings
from releasekit.support.errors import MailError

_MESSAGE_ID_RE = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_LINE = 78  # the longest header line written (RFC 5322 2.1.1), without its CRLF
_PLAIN_WORD_RE = re.compile(rf"[!-~]{{0,{_LINE - 1}}}")  # fits a continuation line as it is


class DetachedSigner(Protocol):
    """What signs the text part: :class:`releasekit.adapters.signing.Signer` is one."""

    def detach_sign(self, data: bytes) -> tuple[str, str]: ...


@dataclass(frozen=True)
class Message:
    """A message ready to send, with its envelope."""

    message_id: str
    sender: str  # envelope MAIL FROM address
    recipients: tuple[str, ...]  # envelope RCPT TO addresses, one per mail.to entry
    subject: str
    data: bytes  # the whole message, CRLF line ends, as it goes after DATA


@dataclass(frozen=True)
class Announcement(Message):
    """A signed message ready to send: what the signature covers, and the signature."""

    signed_part: bytes  # the MIME entity the signature covers, byte for byte
    signature: str  # ASCII-armored detached signature
    micalg: str  # e.g. "pgp-sha512"


def make_message_id(sender: str) -> str:
    """A new random Message-ID in the sender's domain. Never derived from what a message is
    about: the headers of a message sent ahead of an embargo are readable on the way, and a
    hash of its advisory ids is found again by trying the next few ids. The caller journals
    it before sending, so that a resend after a crash carries the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "releasekit.invalid"
    return f"<releasekit.{secrets.token_hex(20)}@{domain}>"


def envelope_addresses(mail: MailSettings) -> tuple[str, tuple[str, ...]]:
    """(MAIL FROM, RCPT TO addresses) from ``mail.from`` and ``mail.to``; MailError if one
    is not a plain ASCII address (like ``Name <list@example.org>`` or ``list@example.org``)."""
    sender = _address("mail.from", mail.sender)
    recipients = tuple(_address("mail.to", entry) for entry in mail.to)
    if not recipients:
        raise MailError("mail.to: no recipient")
    return sender, recipients


def _address(key: str, value: str) -> str:
    found = mail_address(value)  # (checked with the settings: a caller's own are checked here)
    if found is None:
        raise MailError(f"{key}: {value!r} is not one e-mail address")
    return found


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


def _subject(value: str) -> bytes:
    """The Subject header of ``value`` (white space collapsed) that reads as ``value``.

    Short printable ASCII words are folded here, at the spaces. Anything else goes wholly
    as RFC 2047 encoded words, spaces inside them, never through the email package's
    folding, which gets three things wrong: it splits text into encoded words at a space
    that then lies between two of them, where every reader drops it ("naïve résumé" read
    "naïverésumé"); it decodes an encoded word it finds in the text (``=?utf-8?q?...?=``,
    from a title) and puts its decoded text, line breaks included, into the header; and it
    leaves ASCII control characters raw (a NUL that mail servers refuse or strip, an ESC
    that a terminal printing the Subject obeys).
    """
    words = value.split(" ")
    plain = all(_PLAIN_WORD_RE.fullmatch(word) for word in words)
    if plain and "=?" not in value and len(words[0]) <= _LINE - len("Subject: "):
        lines = ["Subject:"]
        for word in words:
            if len(lines[-1]) + 1 + len(word) > _LINE:
                lines.append("")
            lines[-1] += " " + word
        return ("\r\n".join(lines) + "\r\n").encode("ascii")
    encoded = Header(value, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return f"Subject: {encoded}\r\n".encode("ascii")


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
            _subject(one_line_subject),
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
) -> Message:
    """The PGP/MIME encrypted message (RFC 3156, multipart/encrypted) of ``entity``, for
    one recipient.

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
            _subject(one_line_subject),
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
    return Message(message_id, parseaddr(sender)[1], (parseaddr(to)[1],), one_line_subject, data)

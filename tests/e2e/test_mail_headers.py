"""The messages as lists, relays and readers' clients see them (aiosmtpd on 127.0.0.1, the
real gpg): readable headers that name no advisory ahead of the embargo, a Subject that reads
as written, and a signature that survives a list's footer."""

from __future__ import annotations

import email
import email.message
import hashlib
import itertools
from datetime import timedelta
from email import policy
from email.header import Header, decode_header, make_header
from email.mime.text import MIMEText
from email.utils import parseaddr
from pathlib import Path

import pytest
import time_machine

from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.adapters.mail.mime import build_announcement
from releasekit.adapters.mail.smtp import send
from releasekit.adapters.signing import Signer
from releasekit.support import timefmt
from tests.e2e.test_embargo import (
    DETAIL_MARKER,
    EMBARGO,
    LISTS,
    Release,
    after_embargo,
    notify_release,
)
from tests.helpers.gpg import GpgHome
from tests.helpers.smtp import SmtpServer


def guessed_message_ids(sender: str, tag: str, address: str, prefix: str) -> set[str]:
    """What an outsider can compute from a pre-announcement's public parts (its sender, its
    list, its release instant, the advisory id prefix of former advisories) for every batch
    of up to three of the next twenty advisory ids, as a Message-ID derived from them would
    be: sha256 of the parts, the run id itself a sha256 of the sorted ids."""
    stamp = timefmt.iso_utc(EMBARGO)
    domain = parseaddr(sender)[1].rpartition("@")[2]
    ids = [f"{prefix}-2026-{n:04d}" for n in range(1, 21)]
    guesses = set()
    for size in (1, 2, 3):
        for batch in itertools.combinations(ids, size):
            run = "run-" + hashlib.sha256(",".join(sorted(batch)).encode()).hexdigest()[:12]
            parts = "\0".join([tag, run, stamp, address]).encode()
            guesses.add(f"<releasekit.{hashlib.sha256(parts).hexdigest()[:40]}@{domain}>")
    return guesses


def test_a_pre_announcements_message_id_does_not_name_the_advisories(release: Release) -> None:
    with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
        sent = release.run("embargo", "announce", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
    assert len(release.smtp.messages) == len(LISTS)
    for received, address in zip(release.smtp.messages, LISTS, strict=True):
        message = email.message_from_bytes(received.data, policy=policy.default)
        sender = str(message["From"])
        message_id = str(message["Message-ID"])
        assert message_id not in guessed_message_ids(sender, "pre", address, "ACSA")


def test_a_predisclosures_message_id_does_not_name_the_advisories(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
) -> None:
    # Encrypted, but its headers are readable by every server on the way.
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    address = "security@distro.example"
    release, _ = notify_release(tmp_path, cache, smtp_server, fresh_gpg_home, (address,))
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        sent = release.run("embargo", "notify", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
    (received,) = release.smtp.messages
    message = email.message_from_bytes(received.data, policy=policy.default)
    message_id = str(message["Message-ID"])
    assert message_id not in guessed_message_ids(str(message["From"]), "notify", address, "ACSA")


def test_a_message_sent_again_keeps_its_message_id(release: Release) -> None:
    # Deferred (451) once, then sent on a re-run: the list sees one Message-ID for it.
    release.smtp.recorder.defer_next = 1
    with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
        first = release.run("embargo", "announce", "--yes")
        assert first.exit_code == 1
        with Journal.open(release.root / ".releasekit") as book:
            (tried,) = [s for s in book.steps("announce/") if s.status == "failed"]
        again = release.run("embargo", "announce", "--yes")
        assert again.exit_code == 0, again.output + again.stderr
    ids = {}
    for received in release.smtp.messages:
        message = email.message_from_bytes(received.data, policy=policy.default)
        ids[received.rcpt_tos] = str(message["Message-ID"])
    assert ids[(LISTS[0],)] == tried.detail["message_id"]
    assert len(set(ids.values())) == len(LISTS)


def test_control_characters_of_a_title_never_go_raw_into_the_subject(
    smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # Titles come from reporters: a NUL (which mail servers refuse or strip) or an ESC (which
    # a terminal that prints the Subject obeys) goes as an RFC 2047 encoded word.
    mail = smtp_server.mail_settings(gpg_home.fingerprint)
    subject = "[Acme Server] ACSA-2026-0001 (High): A\x00B \x1b[2Jcleared \x07bell \x7fdel"
    announcement = build_announcement(
        subject=subject,
        body="Body.\n",
        mail=mail,
        message_id="<releasekit.0123abcd@acme.example>",
        date=EMBARGO,
        signer=Signer(gpg_home.fingerprint, gpg_home.path),
    )
    send(announcement, mail, Environment({}))
    (received,) = smtp_server.messages
    head = received.data.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n"):
        assert all(32 <= byte <= 126 or byte == 9 for byte in line), line
        assert len(line) <= 78
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert str(message["Subject"]) == subject
    assert message["Subject"].defects == ()


@pytest.mark.parametrize(
    "title",
    [
        "Überprüfung der Berechtigungen — Straße café naïve résumé",
        "Link previews — 漢字プレビュー follow redirects",
        "x" * 70 + " " + "y" * 80,  # two words too long for a line: encoded, too
    ],
)
def test_a_subject_reads_as_the_title_with_every_space(
    smtp_server: SmtpServer, gpg_home: GpgHome, title: str
) -> None:
    # The email package folds long or non-ASCII text into encoded words split at a space,
    # which then lies between two encoded words where RFC 2047 readers drop it.
    mail = smtp_server.mail_settings(gpg_home.fingerprint)
    subject = f"[Acme Server] ACSA-2026-0001 (Medium): {title}"
    announcement = build_announcement(
        subject=subject,
        body="Body.\n",
        mail=mail,
        message_id="<releasekit.0123abcd@acme.example>",
        date=EMBARGO,
        signer=Signer(gpg_home.fingerprint, gpg_home.path),
    )
    send(announcement, mail, Environment({}))
    (received,) = smtp_server.messages
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert str(message["Subject"]) == subject
    head = received.data.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78


def signed_parts(raw: bytes) -> list[tuple[bytes, bytes]]:
    """(signed part, signature) of each multipart/signed entity of a message, at any depth,
    as a reader's client takes them: the first part's bytes as they are on the wire between
    its delimiter lines, line ends made CRLF (RFC 3156 5)."""
    found = []
    for part in email.message_from_bytes(raw, policy=policy.default).walk():
        if part.get_content_type() != "multipart/signed":
            continue
        delimiter = b"\n--" + str(part.get_boundary()).encode()
        text = raw.replace(b"\r\n", b"\n")
        start = text.index(b"\n", text.index(delimiter + b"\n") + 1) + 1
        end = text.index(delimiter, start)
        signature = part.get_payload()[1].get_payload(decode=True)
        found.append((text[start:end].replace(b"\n", b"\r\n"), signature))
    return found


def test_the_signature_survives_a_list_that_adds_a_footer_and_a_subject_prefix(
    smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # What Mailman 3 does to a multipart/signed post (handlers/decorate.py): the message
    # wrapped in a multipart/mixed with the footer after it, the Subject prefixed, the whole
    # written again by the email package. The signed part passes through unchanged.
    mail = smtp_server.mail_settings(gpg_home.fingerprint)
    body = "Credit: Jürgen Dvořák\nTitle — 漢字\ntrailing \nFrom here\n- dash\n" + "u" * 1200 + "\n"
    announcement = build_announcement(
        subject="[Acme Server] ACSA-2026-0001 (High): Straße café naïve résumé",
        body=body,
        mail=mail,
        message_id="<releasekit.0123abcd@acme.example>",
        date=EMBARGO,
        signer=Signer(gpg_home.fingerprint, gpg_home.path),
    )
    send(announcement, mail, Environment({}))
    (received,) = smtp_server.messages
    post = email.message_from_bytes(received.data, policy=policy.compat32)
    inner = email.message.Message()
    for name, value in post.items():
        if name.lower().startswith("content-"):
            inner[name] = value
    inner.set_payload(post.get_payload())
    inner.preamble = post.preamble
    footer = MIMEText("_______________\nAcme-announce — list footer\n", "plain", "utf-8")
    post.set_payload([inner, footer])
    del post["Content-Type"]
    post["Content-Type"] = "multipart/mixed"
    subject = str(make_header(decode_header(post["Subject"])))
    post.replace_header("Subject", Header(f"[Acme-announce] {subject}", "utf-8"))
    delivered = post.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))
    ((signed, signature),) = signed_parts(delivered)
    assert gpg_home.verify(signed, signature).primary_fingerprint == gpg_home.fingerprint
    message = email.message_from_bytes(delivered, policy=policy.default)
    assert str(message["Subject"]).startswith("[Acme-announce] [Acme Server] ACSA-2026-0001")
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert text.get_content().replace("\r\n", "\n") == body


def test_an_announcement_disclosed_at_release_says_what_the_page_shows(release: Release) -> None:
    # disclosure_days = 0: the details are public from the release on (from midnight UTC of
    # its day), and the page shows them with the CVE and the credit. The announcement said
    # they would be posted later, and left out what the page shows.
    config = release.root / "releasekit.toml"
    config.write_text(config.read_text().replace("[project]\n", "[project]\ndisclosure_days = 0\n"))
    with after_embargo():
        lifted = release.run("embargo", "lift", "--yes")
        assert lifted.exit_code == 0, lifted.output + lifted.stderr
    page = (release.root / "site" / "advisories" / "ACSA-2026-0001.html").read_text()
    assert "will be posted here" not in page
    assert "CVE-2026-40002" in page and "Sam Rivera" in page
    for received in release.smtp.messages:
        ((signed, signature),) = signed_parts(received.data)
        release.gpg.verify(signed, signature)
        message = email.message_from_bytes(received.data, policy=policy.default)
        text = message.get_payload()[0].get_content()
        assert "will be posted" not in text
        assert "CVE:      CVE-2026-40002" in text
        assert "Credit:   Sam Rivera" in text
        assert "https://acme.example/security/advisories/ACSA-2026-0001.html" in text
        assert DETAIL_MARKER not in text  # a pointer to the page, never the details


def test_an_announcement_sent_days_after_the_release_is_dated_when_sent(
    release: Release,
) -> None:
    # The lists refused it at the release (451) and the lift was re-run two days later:
    # dated at the release, it would sort two days down in every reader's inbox.
    release.smtp.recorder.defer_next = 1
    with after_embargo():
        first = release.run("embargo", "lift", "--yes")
        assert first.exit_code == 1, first.output
    assert release.smtp.messages == []
    later = EMBARGO + timedelta(days=2)
    with time_machine.travel(later, tick=True):
        again = release.run("embargo", "lift", "--yes")
        assert again.exit_code == 0, again.output + again.stderr
    assert len(release.smtp.messages) == len(LISTS)
    for received in release.smtp.messages:
        message = email.message_from_bytes(received.data, policy=policy.default)
        assert message["Date"].datetime >= later
        text = message.get_payload()[0].get_content()
        assert "Released: 2026-12-01 14:00 UTC" in text


def test_an_overriding_predisclosure_subject_gets_nothing_of_the_issues(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    fresh_gpg_home: GpgHome,
) -> None:
    # The body is encrypted; the Subject is read by every server on the way. A workspace's
    # subject template that prints all it gets must get no advisory (as the tag message's).
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    release, _ = notify_release(
        tmp_path, cache, smtp_server, fresh_gpg_home, ("security@distro.example",)
    )
    (release.root / "templates").mkdir(exist_ok=True)
    (release.root / "templates" / "notify-subject.txt.j2").write_text(
        "[{{ project.name }}] {{ advisories | default('') }} {{ release }}"
    )
    with time_machine.travel(EMBARGO - timedelta(days=2), tick=False):
        sent = release.run("embargo", "notify", "--yes")
        assert sent.exit_code == 0, sent.output + sent.stderr
    (received,) = release.smtp.messages
    subject = str(email.message_from_bytes(received.data, policy=policy.default)["Subject"])
    assert subject == "[Acme Server] 2026-12-01 14:00:00+00:00"  # (advisories: undefined)
    for secret in (DETAIL_MARKER, "ACSA-2026-0001", "Link previews", "CVE-2026-40002"):
        assert secret.encode() not in received.data

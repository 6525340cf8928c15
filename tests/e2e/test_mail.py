"""The announcement: its text, its PGP/MIME form checked by the real gpg, and SMTP against a
real aiosmtpd server on 127.0.0.1 (plain, STARTTLS+AUTH, implicit TLS)."""

from __future__ import annotations

import contextlib
import email
import quopri
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.adapters.env import Environment
from releasekit.adapters.mail.mime import (
    Announcement,
    build_announcement,
    envelope_addresses,
    make_message_id,
    text_part,
)
from releasekit.adapters.mail.smtp import check_server, parse_endpoint, send
from releasekit.adapters.signing import Signer
from releasekit.embargo.texts import (
    AnnouncedLine,
    announced_lines,
    announcement_context,
    render_announcement,
)
from releasekit.model.advisory import read_advisory
from releasekit.model.config import MailSettings, load_config
from releasekit.model.public import as_released
from releasekit.support import render
from releasekit.support.errors import BadInput, MailError
from tests.conftest import Workspace
from tests.helpers import smtp as smtp_helpers
from tests.helpers.gpg import GpgHome
from tests.helpers.smtp import TEST_PASSWORD, TEST_USER, SmtpServer

RELEASED = datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC)
MESSAGE_ID = "<releasekit.0123abcd@acme.example>"
MARKER = "MARKER-DETAIL-7f3a9c"  # a benign string standing for undisclosed details
BODY = (
    "Acme Server security update\n\n"
    "Ümlauts, emoji \N{LOCK} and a trailing space \n"
    "From the start of a line\n"
    ".\n" + "x" * 120 + "\n"
)


def split_pgp_mime(raw: bytes) -> tuple[bytes, bytes, EmailMessage]:
    """(signed entity, armored signature, parsed message), cut from the raw bytes exactly as
    RFC 3156 5 says: the first part is everything between the first delimiter line's CRLF and
    the CRLF that precedes the next delimiter."""
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    boundary = message.get_param("boundary")
    assert isinstance(boundary, str)
    delimiter = b"--" + boundary.encode()
    body = raw.partition(b"\r\n\r\n")[2]
    first = body.index(b"\r\n" + delimiter + b"\r\n") + 2 if not body.startswith(delimiter) else 0
    start = first + len(delimiter) + 2
    end = body.index(b"\r\n" + delimiter + b"\r\n", start)
    signed = body[start:end]
    sig_start = end + 2 + len(delimiter) + 2
    sig_end = body.index(b"\r\n" + delimiter + b"--", sig_start)
    signature = body[sig_start:sig_end].partition(b"\r\n\r\n")[2]
    return signed, signature, message


def assert_verifies(raw: bytes, gpg_home: GpgHome, body: str = BODY) -> EmailMessage:
    """The received message is PGP/MIME, its signature verifies with gpg, its text is body."""
    signed, signature, message = split_pgp_mime(raw)
    verified = gpg_home.verify(signed, signature)
    assert verified.primary_fingerprint == gpg_home.fingerprint
    assert message.get_content_type() == "multipart/signed"
    assert message.get_param("protocol") == "application/pgp-signature"
    assert message.get_param("micalg") == f"pgp-{verified.hash_name}"
    text, sig = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == body
    assert sig.get_content_type() == "application/pgp-signature"
    assert b"-----BEGIN PGP SIGNED MESSAGE-----" not in raw  # never inline clear-signed
    return message


@pytest.fixture
def signer(gpg_home: GpgHome) -> Signer:
    return Signer(gpg_home.fingerprint, gpg_home.path)


Build = Callable[..., Announcement]


@pytest.fixture
def build(signer: Signer, gpg_home: GpgHome) -> Build:
    def make(
        mail: MailSettings, body: str = BODY, subject: str = "Security update"
    ) -> Announcement:
        return build_announcement(
            subject=subject,
            body=body,
            mail=mail,
            message_id=MESSAGE_ID,
            date=RELEASED,
            signer=signer,
        )

    return make


# --- the text ------------------------------------------------------------------------------


def write_advisory(ws: Workspace) -> Path:
    return ws.write(
        "advisories/ACSA-2026-0001.md",
        "+++\n"
        'id = "ACSA-2026-0001"\n'
        'title = "Channel export ignores read permissions"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"\n'
        'cve = "CVE-2026-40001"\n'
        'reporter = "Jane Doe"\n'
        "embargo = 2026-12-01T14:00:00Z\n"
        'summary = "Users could export channels they cannot read."\n'
        "+++\n\n"
        f"The export endpoint skips the check in {MARKER}.\n",
    )


def render_for(ws: Workspace) -> tuple[str, str]:
    settings = load_config(ws.root)
    advisory = read_advisory(write_advisory(ws), "ACSA")
    assert MARKER in advisory.body
    fixed = {"10.4": "10.4.0", "10.3": "10.3.3"}
    context = announcement_context(
        settings, RELEASED, [as_released(settings, advisory, RELEASED, fixed)]
    )
    return render_announcement(render.environment(settings.templates_dir), context)


def test_the_announcement_has_the_public_fields_and_no_details(ws: Workspace) -> None:
    subject, body = render_for(ws)
    assert subject == (
        "[Acme Server] ACSA-2026-0001 (Medium): Channel export ignores read permissions"
    )
    for expected in (
        "Released: 2026-12-01 14:00 UTC (06:00 PST)",
        "ACSA-2026-0001: Channel export ignores read permissions",
        "Severity: Medium (6.5)",
        "CVSS:     CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        "    10.4: fixed in 10.4.0",
        "    10.3: 10.3.0 to 10.3.2 affected, fixed in 10.3.3",
        "Summary:  Users could export channels they cannot read.",
        "Link:     https://acme.example/security/advisories/ACSA-2026-0001.html",
        # One advisory has one link: "the links above" sent the reader looking for more.
        "Details on the security update will be posted at the link above\non 2026-12-31, "
        "as per our Responsible Disclosure Policy.",
    ):
        assert expected in body, expected
    # The CVE id and the credit are public from the disclosure date, as on the site.
    for hidden in (MARKER, "CVE", "Jane Doe", "Credit"):
        assert hidden not in body.replace("CVSS", "")
        assert hidden not in subject


def test_the_announcement_names_pre_releases_of_a_project_that_publishes_them(
    ws: Workspace,
) -> None:
    # [releases] pre_releases: the upcoming 10.4 fixed in 10.4.0, 10.3 had the code, so did
    # 10.4.0's betas; a project that publishes none (the default, as above) has none to name.
    config = ws.root / "releasekit.toml"
    config.write_text(
        config.read_text().replace("[releases]\n", "[releases]\npre_releases = true\n")
    )
    _, body = render_for(ws)
    assert "    10.4: 10.4.0 pre-releases affected, fixed in 10.4.0" in body
    assert "    10.3: 10.3.0 to 10.3.2 affected, fixed in 10.3.3" in body
    fixed = {"10.4": "10.4.0", "10.3": "10.3.3"}
    assert announced_lines(fixed, pre_releases=True)[1] == AnnouncedLine(
        "10.4", "10.4.0 pre-releases", "10.4.0"
    )
    assert announced_lines(fixed)[1] == AnnouncedLine("10.4", "", "10.4.0")


def test_the_announcement_says_what_introduced_says(ws: Workspace) -> None:
    # `introduced = "10.3.1"`: the site says "10.3.1 – 10.3.2"; the mail computed its lines
    # without it and said 10.3.0 to 10.3.2, and named 3.12 affected where introduced
    # in 3.13.0 said it had no code.
    path = write_advisory(ws)
    path.write_text(path.read_text().replace('cve = "', 'introduced = "10.3.1"\ncve = "', 1))
    settings = load_config(ws.root)
    advisory = read_advisory(path, "ACSA")
    shown = as_released(settings, advisory, RELEASED, {"10.4": "10.4.0", "10.3": "10.3.3"})
    context = announcement_context(settings, RELEASED, [shown])
    _, body = render_announcement(render.environment(settings.templates_dir), context)
    assert "    10.3: 10.3.1 to 10.3.2 affected, fixed in 10.3.3" in body
    assert shown.versions.affected_list == ["10.3.1 – 10.3.2"]
    introduced = announced_lines({"3.13": "3.13.1", "3.12": "3.12.8"}, introduced="3.13.0")
    assert introduced[0] == AnnouncedLine("3.12", "", "3.12.8")
    # ... and from an older `introduced`, the lines before the oldest fixed one, unfixed.
    older = announced_lines({"3.13": "3.13.1", "3.12": "3.12.8"}, introduced="3.10.2")
    assert older[-1] == AnnouncedLine("from 3.10.2", "releases before 3.12", "3.12.8")


def test_the_announcement_names_the_pre_releases_of_a_whole_line_fixed_after_them() -> None:
    # [releases] pre_releases: CPython's 3.13 fixed in 3.13.3 beside 3.12, the code there
    # before 3.13: its 3.13.0 betas and candidates had it as 3.13.0 did, as the site says.
    # The mail said "3.13.0 to 3.13.2", and for a fix in 3.13.1 "3.13.0" alone.
    fixed = {"3.13": "3.13.3", "3.12": "3.12.8"}
    assert announced_lines(fixed, pre_releases=True) == [
        AnnouncedLine("3.12", "3.12.0 to 3.12.7", "3.12.8"),
        AnnouncedLine("3.13", "3.13.0 pre-releases to 3.13.2", "3.13.3"),
    ]
    first = announced_lines({"3.13": "3.13.1", "3.12": "3.12.8"}, pre_releases=True)
    assert first[1] == AnnouncedLine("3.13", "3.13.0 and its pre-releases", "3.13.1")
    major = announced_lines({"7": "7.4.0", "6": "6.21.3"}, pre_releases=True)
    assert major[1] == AnnouncedLine("7", "7.0.0 pre-releases and later", "7.4.0")
    assert announced_lines(fixed)[1] == AnnouncedLine("3.13", "3.13.0 to 3.13.2", "3.13.3")


def test_the_announcement_of_lines_of_major_versions(ws: Workspace) -> None:
    # undici's lines (line_parts = 1): on the line 7, every release before 7.3.1 is affected.
    settings = load_config(ws.root)
    advisory = read_advisory(write_advisory(ws), "ACSA")
    fixed = {"8": "8.0.0", "7": "7.3.1", "6": "6.21.3"}
    shown = as_released(settings, advisory, RELEASED, fixed)
    context = announcement_context(settings, RELEASED, [shown])
    _, body = render_announcement(render.environment(settings.templates_dir), context)
    for expected in (
        "    8: fixed in 8.0.0",
        "    7: 7.0.0 to 7.3.0 affected, fixed in 7.3.1",
        "    6: 6.0.0 to 6.21.2 affected, fixed in 6.21.3",
    ):
        assert expected in body, expected


def test_the_announcement_shows_what_disclosure_at_release_names(ws: Workspace) -> None:
    config = ws.root / "releasekit.toml"
    config.write_text(config.read_text() + '\n[disclosure]\nat_release = ["cve", "credits"]\n')
    _, body = render_for(ws)
    assert "CVE:      CVE-2026-40001" in body
    assert "Credit:   Jane Doe" in body
    assert MARKER not in body


def test_the_rendered_mail_never_carries_the_details(
    ws: Workspace, smtp_server: SmtpServer, build: Build, gpg_home: GpgHome
) -> None:
    subject, body = render_for(ws)
    mail = smtp_server.mail_settings()
    send(build(mail, body, subject), mail, Environment())
    (received,) = smtp_server.messages
    assert MARKER.encode() not in received.data
    assert MARKER.encode() not in quopri.decodestring(received.data)
    assert_verifies(received.data, gpg_home, body)


def context_of(*severities: str, title: str = "T") -> dict[str, Any]:
    return {
        "project": {"name": "Acme", "site_url": "https://a.example", "time_zone": "UTC"},
        "released": RELEASED,
        "disclosure_date": date(2026, 12, 31),
        "disclosed": False,
        "advisories": [
            {
                "id": f"ACSA-2026-000{n}",
                "title": title,
                "severity": severity,
                "score": None,
                "vector": None,
                "cve": None,
                "cwe": None,
                "component": None,
                "summary": "S.",
                "reporter": None,
                "severity_reason": None,
                "url": f"https://a.example/advisories/ACSA-2026-000{n}.html",
                "lines": [{"line": "1.0", "affected": "1.0.0", "fixed": "1.0.1"}],
                "body": MARKER,  # even if a caller passed it, no template reads it
            }
            for n, severity in enumerate(severities, 1)
        ],
    }


def test_subjects_for_several_advisories_and_hostile_titles() -> None:
    env = render.environment(None)
    subject, body = render_announcement(env, context_of("low", "critical"))
    assert subject == (
        "[Acme] Security update: ACSA-2026-0001, ACSA-2026-0002 (highest severity: Critical)"
    )
    assert "Released: 2026-12-01 14:00 UTC\n" in body  # UTC projects show no second zone
    assert "Details on the security updates will be posted at the links above\n" in body
    assert "CVE:" not in body  # hidden until disclosure (or never reserved): no line
    assert MARKER not in body
    many, _ = render_announcement(env, context_of("low", "medium", "high", "low"))
    assert many == "[Acme] Security update: 4 issues fixed (highest severity: High)"
    one, _ = render_announcement(env, context_of("high", title="A\r\nBcc: victim@example.org"))
    assert "\n" not in one
    assert "\r" not in one


def test_a_broken_template_override_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "announcement.txt.j2").write_text("{{ advisories[0].nope }}\n")
    with pytest.raises(BadInput, match=r"^templates/announcement.txt.j2: .*nope"):
        render_announcement(render.environment(tmp_path), context_of("low"))
    (tmp_path / "announcement.txt.j2").write_text("line\n{% if %}\n")
    with pytest.raises(BadInput, match=r"^templates/announcement.txt.j2:2: "):
        render_announcement(render.environment(tmp_path), context_of("low"))


# --- the MIME form -------------------------------------------------------------------------


def decoded_lines(entity: bytes) -> tuple[list[bytes], str]:
    message = email.message_from_bytes(entity, policy=policy.default)
    assert isinstance(message, EmailMessage)
    lines = entity.partition(b"\r\n\r\n")[2].split(b"\r\n")
    return lines, message.get_content().replace("\r\n", "\n")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=400))
def test_the_text_part_survives_any_transport(body: str) -> None:
    entity = text_part(body)
    assert b"\r\n" in entity
    assert b"\n" not in entity.replace(b"\r\n", b"")
    assert b"\r" not in entity.replace(b"\r\n", b"")
    lines, decoded = decoded_lines(entity)
    normalized = body.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n") + "\n"
    assert decoded == normalized
    for line in lines:
        assert len(line) <= 76
        assert all(32 <= b <= 126 for b in line)
        assert not line.endswith((b" ", b"\t"))
        assert not line.startswith(b"From ")
        assert line != b"."


def test_plain_text_goes_as_7bit_and_the_rest_as_quoted_printable() -> None:
    assert b"Content-Transfer-Encoding: 7bit\r\n\r\nHello.\r\nBye.\r\n" in text_part("Hello.\nBye.")
    encoded = text_part(BODY)
    assert b"Content-Transfer-Encoding: quoted-printable" in encoded
    assert b"=C3=9Cmlauts" in encoded
    assert b"trailing space=20\r\n" in encoded
    assert b"\r\n=46rom the start" in encoded
    assert b"\r\n=2E\r\n" in encoded


def test_the_message_is_rfc3156_pgp_mime(build: Build, gpg_home: GpgHome) -> None:
    mail = MailSettings(
        sender="Acme Security <security@acme.example>",
        to=("security-announce@lists.acme.example", "Distros <distros@acme.example>"),
        smtp="smtp://127.0.0.1:1",
        signing_key=gpg_home.fingerprint,
    )
    announcement = build(mail, subject="Sécurité\nupdate")
    assert announcement.sender == "security@acme.example"
    assert announcement.recipients == (
        "security-announce@lists.acme.example",
        "distros@acme.example",
    )
    assert announcement.data.count(b"\n") == announcement.data.count(b"\r\n")
    message = assert_verifies(announcement.data, gpg_home)
    assert message["Message-ID"] == MESSAGE_ID
    assert message["Subject"] == "Sécurité update"
    assert message["From"] == "Acme Security <security@acme.example>"
    assert message["Date"] == "Tue, 01 Dec 2026 14:00:07 +0000"
    assert "distros@acme.example" in message["To"]
    assert announcement.signed_part in announcement.data
    assert announcement.micalg == message.get_param("micalg")


def test_an_encoded_word_in_a_subject_stays_literal(build: Build, gpg_home: GpgHome) -> None:
    # A title may hold what reads as an RFC 2047 encoded word: it was decoded into the header
    # as it was, its CRLF included, so that the rest of the title became a header of its own.
    mail = MailSettings("Acme <security@acme.example>", ("list@acme.example",), "smtp://h", "F")
    for subject in ("A =?utf-8?q?MARKER=0D=0AX-Marker:_1?= b", "=?utf-8?q?MARKER?= \u00e9"):
        announcement = build(mail, subject=subject)
        message = assert_verifies(announcement.data, gpg_home)
        assert message["Subject"] == subject
        assert message["X-Marker"] is None
        assert announcement.data.count(b"\n") == announcement.data.count(b"\r\n")
    plain = build(mail, subject="Plain subject").data
    assert b"\r\nSubject: Plain subject\r\n" in plain  # as readable as it was


def test_bad_message_ids_and_addresses_are_refused(build: Build, gpg_home: GpgHome) -> None:
    mail = MailSettings("Acme <security@acme.example>", ("list@acme.example",), "smtp://h", "F")
    with pytest.raises(ValueError, match="Message-ID"):
        build_announcement(
            subject="s",
            body="b",
            mail=mail,
            message_id="no-angle@x",
            date=RELEASED,
            signer=Signer(gpg_home.fingerprint, gpg_home.path),
        )
    bad_to = MailSettings("Acme <security@acme.example>", ("a@b.example, c@d.example",), "x", "F")
    with pytest.raises(MailError, match=r"^mail.to: 'a@b.example, c@d.example' is not one"):
        envelope_addresses(bad_to)
    bad_from = MailSettings("Acme Security", ("list@acme.example",), "smtp://h", "F")
    with pytest.raises(MailError, match=r"^mail.from: "):
        build(bad_from)


def test_message_ids_are_new_each_time_in_the_senders_domain() -> None:
    # Random: one derived from the advisory ids names them (see test_mail_headers.py).
    one = make_message_id("Acme <security@acme.example>")
    assert one != make_message_id("Acme <security@acme.example>")
    assert one.startswith("<releasekit.")
    assert one.endswith("@acme.example>")


def test_endpoints() -> None:
    assert str(parse_endpoint("smtp://mail.example")) == "smtp://mail.example:25"
    assert str(parse_endpoint("smtps://mail.example/")) == "smtps://mail.example:465"
    assert parse_endpoint("smtp+starttls://mail.example").port == 587
    assert parse_endpoint("smtp://127.0.0.1:2525").loopback
    assert parse_endpoint("smtp://localhost").loopback
    assert not parse_endpoint("smtp://mail.example").loopback
    for bad in ("http://x", "smtp://u:p@x", "smtp://x:99999", "smtp://x/path", "smtp://"):
        with pytest.raises(MailError, match=r"^mail.smtp: not smtp://") as caught:
            parse_endpoint(bad)
        assert "u:p" not in str(caught.value)


# --- SMTP ----------------------------------------------------------------------------------


def test_send_over_plain_smtp(smtp_server: SmtpServer, build: Build, gpg_home: GpgHome) -> None:
    mail = smtp_server.mail_settings(gpg_home.fingerprint)
    announcement = build(mail)
    receipt = send(announcement, mail, Environment({}))
    assert receipt.message_id == MESSAGE_ID
    assert receipt.server == smtp_server.url
    assert receipt.recipients == ("security-announce@lists.acme.example",)
    assert receipt.reply == "2.0.0 Ok: queued as 1"
    (received,) = smtp_server.messages
    assert received.data == announcement.data
    assert received.mail_from == "security@acme.example"
    assert received.rcpt_tos == ("security-announce@lists.acme.example",)
    assert not received.tls
    assert_verifies(received.data, gpg_home)


@pytest.mark.parametrize("kind", ["smtp_starttls_server", "smtps_server"])
def test_send_over_tls_with_auth_from_the_environment(
    kind: str, request: pytest.FixtureRequest, build: Build, gpg_home: GpgHome
) -> None:
    server: SmtpServer = request.getfixturevalue(kind)
    mail = server.mail_settings(gpg_home.fingerprint)
    send(build(mail), mail, Environment(server.env(TEST_USER, TEST_PASSWORD)))
    (received,) = server.messages
    assert (received.login, received.tls) == (TEST_USER, True)
    assert_verifies(received.data, gpg_home)


def test_credentials_over_plain_smtp_only_to_loopback(
    smtp_factory: Callable[..., SmtpServer], build: Build
) -> None:
    server = smtp_factory("plain", users={TEST_USER: TEST_PASSWORD})
    mail = server.mail_settings()
    send(build(mail), mail, Environment(server.env(TEST_USER, TEST_PASSWORD)))
    assert server.messages[0].login == TEST_USER
    remote = MailSettings(mail.sender, mail.to, "smtp://mail.example.org", mail.signing_key)
    with pytest.raises(MailError, match="refusing to send RELEASEKIT_SMTP_USER") as caught:
        send(build(remote), remote, Environment(server.env(TEST_USER, TEST_PASSWORD)))
    assert TEST_PASSWORD not in str(caught.value)


def test_tls_certificates_are_verified_by_default(
    smtp_starttls_server: SmtpServer, smtps_server: SmtpServer, build: Build, tmp_path: Path
) -> None:
    for server in (smtp_starttls_server, smtps_server):
        mail = server.mail_settings()
        with pytest.raises(MailError, match="TLS certificate not accepted") as caught:
            send(
                build(mail),
                mail,
                Environment(
                    {"RELEASEKIT_SMTP_USER": TEST_USER, "RELEASEKIT_SMTP_PASSWORD": TEST_PASSWORD}
                ),
            )
        assert "RELEASEKIT_SMTP_CAFILE" in str(caught.value)
        assert not caught.value.transient
        assert server.messages == []
    missing = {"RELEASEKIT_SMTP_CAFILE": str(tmp_path / "none.pem")}
    reason = check_server(smtps_server.mail_settings(), Environment(missing))
    assert reason is not None
    assert reason.startswith(f"RELEASEKIT_SMTP_CAFILE={tmp_path / 'none.pem'}: cannot load")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_non_ascii_login_goes_as_utf8(
    smtp_factory: Callable[..., SmtpServer], build: Build, mechanism: str
) -> None:
    # smtplib encodes a login as ASCII: a UnicodeEncodeError whose traceback showed a
    # character of the password.
    user, password = "änna", "pässwörd ✓ 42"
    others = tuple({"PLAIN", "LOGIN"} - {mechanism})
    server = smtp_factory("starttls", users={user: password}, auth_exclude=others)
    mail = server.mail_settings()
    send(build(mail), mail, Environment(server.env(user, password)))
    assert [m.login for m in server.messages] == [user]
    with pytest.raises(MailError) as caught:
        send(build(mail), mail, Environment(server.env(user, "wröng")))
    assert str(caught.value).startswith(f"SMTP server {server.url}: AUTH: 535 ")
    assert "wr" not in str(caught.value)
    assert len(server.messages) == 1


def test_a_wrong_password_fails_cleanly_without_the_password(
    smtp_factory: Callable[..., SmtpServer], build: Build
) -> None:
    wrong = "wrong horse 42"
    for echo in (False, True):  # a careless server quotes the password back
        server = smtp_factory("starttls", users={TEST_USER: TEST_PASSWORD}, echo_password=echo)
        mail = server.mail_settings()
        with pytest.raises(MailError) as caught:
            send(build(mail), mail, Environment(server.env(TEST_USER, wrong)))
        message = str(caught.value)
        assert message.startswith(f"SMTP server {server.url}: AUTH: 535 ")
        assert message.endswith("(check RELEASEKIT_SMTP_USER and RELEASEKIT_SMTP_PASSWORD)")
        assert (caught.value.code, caught.value.transient) == (535, False)
        assert wrong not in message
        assert "wrong" not in message
        assert ("***" in message) is echo
        assert server.messages == []


def test_auth_is_required_when_the_server_wants_it(
    smtp_starttls_server: SmtpServer, build: Build
) -> None:
    mail = smtp_starttls_server.mail_settings()
    with pytest.raises(MailError, match=r"MAIL FROM: 530 5.7.0 Authentication required"):
        send(build(mail), mail, Environment(smtp_starttls_server.env()))
    with pytest.raises(
        MailError, match=r"^RELEASEKIT_SMTP_USER is set but RELEASEKIT_SMTP_PASSWORD"
    ):
        send(build(mail), mail, Environment(smtp_starttls_server.env(user=TEST_USER)))
    with pytest.raises(
        MailError, match=r"^RELEASEKIT_SMTP_PASSWORD is set but RELEASEKIT_SMTP_USER"
    ):
        send(build(mail), mail, Environment(smtp_starttls_server.env(password=TEST_PASSWORD)))


def test_starttls_and_auth_must_be_offered(smtp_server: SmtpServer, build: Build) -> None:
    plain = smtp_server.mail_settings()
    starttls = MailSettings(
        plain.sender, plain.to, plain.smtp.replace("smtp:", "smtp+starttls:"), "F"
    )
    with pytest.raises(MailError, match=r"does not offer STARTTLS$"):
        send(build(starttls), starttls, Environment({}))
    with pytest.raises(MailError, match="does not offer AUTH, but RELEASEKIT_SMTP_USER is set"):
        send(
            build(plain),
            plain,
            Environment({"RELEASEKIT_SMTP_USER": "u", "RELEASEKIT_SMTP_PASSWORD": "p"}),
        )
    assert smtp_server.messages == []


def test_451_is_transient_and_a_resend_delivers_exactly_once(
    smtp_server: SmtpServer, build: Build
) -> None:
    mail = smtp_server.mail_settings()
    announcement = build(mail)
    smtp_server.recorder.defer_next = 1
    with pytest.raises(MailError, match=r"DATA: 451 4.3.0 Try again later$") as caught:
        send(announcement, mail, Environment({}))
    assert (caught.value.transient, caught.value.code) == (True, 451)
    assert smtp_server.messages == []
    send(announcement, mail, Environment({}))
    assert [m.data for m in smtp_server.messages] == [announcement.data]
    assert smtp_server.recorder.deferred == 1


def test_server_down_is_transient_then_up_delivers_once(
    smtp_server: SmtpServer, build: Build
) -> None:
    mail = smtp_server.mail_settings()
    announcement = build(mail)
    smtp_server.stop()
    with pytest.raises(MailError, match=r": connect: connection refused$") as caught:
        send(announcement, mail, Environment({}))
    assert caught.value.transient
    assert check_server(mail, Environment({})) == str(caught.value)
    smtp_server.start()
    assert smtp_server.url == mail.smtp
    send(announcement, mail, Environment({}))
    assert len(smtp_server.messages) == 1


def test_the_test_server_takes_another_port_when_its_own_was_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between the probe and the bind another process (another worker of the suite) may
    listen on the port: the server starts on another; a port it had or was given is kept."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        ports = iter([busy])
        probe = smtp_helpers.free_port
        monkeypatch.setattr(smtp_helpers, "free_port", lambda: next(ports, None) or probe())
        with SmtpServer("plain") as server:
            assert server.port != busy
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
                assert conn.recv(100).startswith(b"220 ")
        with pytest.raises(OSError, match="address already in use"):
            SmtpServer("plain", port=busy).start()


def test_a_refused_recipient_sends_to_nobody(smtp_server: SmtpServer, build: Build) -> None:
    mail = smtp_server.mail_settings(to=("ok@lists.acme.example", "gone@lists.acme.example"))
    smtp_server.recorder.refuse["gone@lists.acme.example"] = "550 5.1.1 No such list"
    with pytest.raises(MailError) as caught:
        send(build(mail), mail, Environment({}))
    assert str(caught.value) == (
        f"SMTP server {smtp_server.url}: RCPT TO <gone@lists.acme.example>: 550 5.1.1 No such list"
    )
    assert (caught.value.transient, caught.value.code) == (False, 550)
    smtp_server.recorder.refuse["gone@lists.acme.example"] = "450 4.2.1 Mailbox busy"
    with pytest.raises(MailError, match=r"450 4.2.1") as again:
        send(build(mail), mail, Environment({}))
    assert again.value.transient
    assert smtp_server.messages == []


def test_the_preflight_asks_for_every_list_address(smtp_server: SmtpServer) -> None:
    mail = smtp_server.mail_settings(to=("ok@lists.acme.example", "gone@lists.acme.example"))
    assert check_server(mail, Environment({})) is None
    smtp_server.recorder.refuse["gone@lists.acme.example"] = "550 5.1.1 No such list"
    assert check_server(mail, Environment({})) == (
        f"SMTP server {smtp_server.url}: RCPT TO <gone@lists.acme.example>: 550 5.1.1 No such list"
    )
    smtp_server.recorder.refuse["gone@lists.acme.example"] = "450 4.7.1 Greylisted, try later"
    assert check_server(mail, Environment({})) is None  # for now only: sending tries again
    assert smtp_server.messages == []  # asked, never sent


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


def test_a_silent_server_times_out_as_transient(silent_port: int, build: Build) -> None:
    mail = MailSettings(
        "Acme <security@acme.example>",
        ("list@acme.example",),
        f"smtp://127.0.0.1:{silent_port}",
        "F",
        timeout=1,
    )
    started = time.monotonic()
    with pytest.raises(MailError, match=r": connect: no answer within 1s$") as caught:
        send(build(mail), mail, Environment({}))
    assert caught.value.transient
    assert time.monotonic() - started < 5


@pytest.fixture
def hang_up_after_ehlo() -> Iterator[int]:
    """A port whose server greets, answers EHLO, then drops the connection."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(10)

        def serve() -> None:
            with contextlib.suppress(OSError), listener.accept()[0] as conn:
                conn.settimeout(10)
                conn.sendall(b"220 flaky.test ESMTP\r\n")
                conn.recv(1024)
                conn.sendall(b"250 flaky.test\r\n")
                conn.recv(1024)

        thread = threading.Thread(target=serve)
        thread.start()
        yield listener.getsockname()[1]
        thread.join(timeout=15)


def test_a_dropped_connection_is_transient(hang_up_after_ehlo: int, build: Build) -> None:
    mail = MailSettings(
        "Acme <security@acme.example>",
        ("list@acme.example",),
        f"smtp://127.0.0.1:{hang_up_after_ehlo}",
        "F",
    )
    with pytest.raises(MailError, match=r"MAIL FROM: the server closed the connection$") as caught:
        send(build(mail), mail, Environment({}))
    assert (caught.value.transient, caught.value.code) == (True, None)


def test_tls_to_a_plain_server_fails_as_permanent(smtp_server: SmtpServer, build: Build) -> None:
    plain = smtp_server.mail_settings()
    smtps = MailSettings(plain.sender, plain.to, plain.smtp.replace("smtp:", "smtps:"), "F")
    with pytest.raises(MailError, match=r": connect: TLS failed \(") as caught:
        send(build(smtps), smtps, Environment({}))
    assert not caught.value.transient
    assert smtp_server.messages == []


def test_no_recipient_is_an_error() -> None:
    mail = MailSettings("Acme <security@acme.example>", (), "smtp://127.0.0.1", "F")
    with pytest.raises(MailError, match=r"^mail.to: no recipient$"):
        envelope_addresses(mail)


def test_check_server_connects_and_logs_in_without_sending(
    smtp_server: SmtpServer, smtp_starttls_server: SmtpServer, smtps_server: SmtpServer
) -> None:
    assert check_server(smtp_server.mail_settings(), Environment({})) is None
    for server in (smtp_starttls_server, smtps_server):
        env = server.env(TEST_USER, TEST_PASSWORD)
        assert check_server(server.mail_settings(), Environment(env)) is None
        reason = check_server(
            server.mail_settings(), Environment(server.env(TEST_USER, "nope-nope"))
        )
        assert reason is not None
        assert "AUTH: 535" in reason
        assert "nope-nope" not in reason
    for server in (smtp_server, smtp_starttls_server, smtps_server):
        assert server.messages == []  # the envelope is asked for (MAIL, RCPT), never DATA
    assert smtp_server.recorder.transactions == 1  # then reset
    bad = MailSettings("nobody", ("list@acme.example",), smtp_server.url, "F")
    assert check_server(bad, Environment({})) == "mail.from: 'nobody' is not one e-mail address"


def test_no_answer_to_a_message_handed_over_is_uncertain(
    smtp_server: SmtpServer, build: Build
) -> None:
    mail = smtp_server.mail_settings(timeout=1)
    smtp_server.recorder.stall_next = 1
    with pytest.raises(MailError, match="the server may have taken the message") as caught:
        send(build(mail), mail, Environment({}))
    assert (caught.value.uncertain, caught.value.transient) == (True, True)
    assert len(smtp_server.messages) == 1  # it did
    smtp_server.recorder.defer_next = 1  # an answer, even a refusal, is certain
    with pytest.raises(MailError, match="451") as refused:
        send(build(mail), mail, Environment({}))
    assert refused.value.uncertain is False


def test_the_first_affected_release_is_spelt_as_the_fixed_version() -> None:
    # PostgreSQL's lines are major versions whose releases have two numbers: the line 16
    # fixed in 16.3 had 16.0 to 16.2, not "16.0.0 to 16.2".
    fixed = {"16": "16.3", "7": "7.3.1", "10.3": "10.3.3", "10.4": "10.4.0", "17": "17.1"}
    assert announced_lines(fixed) == [
        AnnouncedLine("7", "7.0.0 to 7.3.0", "7.3.1"),
        AnnouncedLine("10.3", "10.3.0 to 10.3.2", "10.3.3"),
        AnnouncedLine("10.4", "", "10.4.0"),
        AnnouncedLine("16", "16.0 to 16.2", "16.3"),
        AnnouncedLine("17", "17.0", "17.1"),
    ]


def test_announced_versions_of_four_numbers_and_an_unknown_last_patch() -> None:
    # Rails' security releases add a fourth number (7.2.2.1 after 7.2.2): 7.2.2 was
    # affected. The line 8 fixed in 8.4.0 had 8.0.0 to some 8.3.x affected, not none.
    fixed = {"7.2": "7.2.2.1", "7.1": "7.1.5.2", "8": "8.4.0"}
    assert announced_lines(fixed) == [
        AnnouncedLine("7.1", "7.1.0 to 7.1.5.1", "7.1.5.2"),
        AnnouncedLine("7.2", "7.2.0 to 7.2.2", "7.2.2.1"),
        AnnouncedLine("8", "8.0.0 and later", "8.4.0"),
    ]


def test_announced_versions_name_the_lines_between_two_fixed_ones() -> None:
    # A Low fix in the upcoming 10.4.0 and the ESR 9.11 alone: a user of 10.3 read nothing
    # of 10.3 in the mail, although the site says it is affected.
    assert announced_lines({"10.4": "10.4.0", "9.11": "9.11.9"}) == [
        AnnouncedLine("9.11", "9.11.0 to 9.11.8", "9.11.9"),
        AnnouncedLine("10.4", "", "10.4.0"),
        AnnouncedLine("after 9.11", "releases before 10.4", "10.4.0"),
    ]

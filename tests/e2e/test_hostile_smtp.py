"""SMTP against a server that is broken or hostile (tests/helpers/hostile_smtp.py): the
[mail] timeout holds for a whole reply, and a reply to a message that is not SMTP leaves the
message uncertain, never sent twice by itself."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine

from releasekit.adapters.env import Environment
from releasekit.adapters.mail.mime import Message
from releasekit.adapters.mail.smtp import check_server, send
from releasekit.model.config import MailSettings
from releasekit.support.errors import MailError
from tests.e2e.test_embargo import EMBARGO, LISTS, Release
from tests.helpers.hostile_smtp import HostileSmtp, Send, drip, say

LIST = "list@acme.example"


def settings(server: HostileSmtp) -> MailSettings:
    return MailSettings("Acme <security@acme.example>", (LIST,), server.url, "F", timeout=1)


def message() -> Message:
    return Message(
        message_id="<releasekit.0123abcd@acme.example>",
        sender="security@acme.example",
        recipients=(LIST,),
        subject="Acme Server update",
        data=b"Subject: Acme Server update\r\n\r\nHello.\r\n",
    )


@pytest.mark.parametrize(
    ("server", "stage"),
    [
        (lambda: HostileSmtp(greeting=drip(b"220 slow.test ESMTP\r\n", 0.3)), "connect"),
        (lambda: HostileSmtp(ehlo=drip(b"250-slow.test\r\n" * 3 + b"250 OK\r\n", 0.1)), "EHLO"),
        (lambda: HostileSmtp(ehlo=drip(b"250-more\r\n" * 100, 0.01)), "EHLO"),
    ],
)
def test_the_timeout_holds_for_a_whole_reply(server: object, stage: str) -> None:
    assert callable(server)
    with server() as hostile:
        started = time.monotonic()
        with pytest.raises(MailError, match=rf": {stage}: no answer within 1s$") as caught:
            send(message(), settings(hostile), Environment({}))
        assert caught.value.transient
        reason = check_server(settings(hostile), Environment({}))
        assert reason is not None and reason.endswith("no answer within 1s")
        assert time.monotonic() - started < 6
        assert hostile.messages == 0


@pytest.mark.parametrize(
    "reply",
    [b"\xff\xfe garbage \x1b[31m\r\n", b"250 " + b"A" * 2_000_000 + b"\r\n"],
    ids=["garbage", "megabytes"],
)
def test_a_reply_to_a_message_that_is_not_smtp_is_no_answer(release: Release, reply: bytes) -> None:
    def after_data(n: int) -> Send:
        return say(reply if n == 1 else b"250 2.0.0 queued\r\n")

    config = release.root / "releasekit.toml"
    with HostileSmtp(after_data=after_data) as hostile:
        config.write_text(config.read_text().replace(release.smtp.url, hostile.url))
        with time_machine.travel(EMBARGO - timedelta(days=3), tick=False):
            first = release.run("embargo", "announce", "--yes")
            again = release.run("embargo", "announce", "--yes")
        assert hostile.messages == len(LISTS)  # the first list's message is not sent again
    for result in (first, again):
        assert result.exit_code == 1
        last = result.stderr.splitlines()[-1]
        assert last.startswith(f"releasekit: error: pre-announcement to {LISTS[0]}: handed over")
        assert f"--resend {LISTS[0]}" in last

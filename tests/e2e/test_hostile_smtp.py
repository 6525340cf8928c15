"""SMTP against a server that is broken or hostile (tests/helpers/hostile_smtp.py): the
[mail] timeout holds for a whole reply, and a reply to a message that is not SMTP leaves the
message uncertain, never sent twice by itself."""

from __future__ import annotations

import time

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.mail.mime import Message
from releasekit.adapters.mail.smtp import check_server, send
from releasekit.model.config import MailSettings
from releasekit.support.errors import MailError
from tests.helpers.hostile_smtp import HostileSmtp, drip

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

"""A CA file named in the environment that cannot be loaded: one error line, whatever the
value holds (a line break, an escape)."""

from __future__ import annotations

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.git.auth import trust_cafile_process_wide
from releasekit.adapters.mail.smtp import check_server
from releasekit.model.config import MailSettings
from releasekit.support.errors import BadInput

ODD = "/nonexistent/ca\n\x1b[31mred.pem"


def test_a_git_cafile_with_a_line_break_is_named_on_one_line() -> None:
    with pytest.raises(BadInput) as caught:
        trust_cafile_process_wide(Environment({"RELEASEKIT_GIT_CAFILE": ODD}))
    assert str(caught.value) == (
        "RELEASEKIT_GIT_CAFILE=/nonexistent/ca\\x0a\\x1b[31mred.pem: no such file"
    )


def test_an_smtp_cafile_with_a_line_break_is_named_on_one_line() -> None:
    mail = MailSettings(
        "Acme <security@acme.example>", ("list@acme.example",), "smtps://127.0.0.1:9", "F"
    )
    reason = check_server(mail, Environment({"RELEASEKIT_SMTP_CAFILE": ODD}))
    assert reason is not None and "\n" not in reason and "\x1b" not in reason
    assert "RELEASEKIT_SMTP_CAFILE=/nonexistent/ca\\x0a\\x1b[31mred.pem" in reason

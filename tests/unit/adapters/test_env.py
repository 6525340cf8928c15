"""The environment's logins: both or neither, and text that can be sent."""

from __future__ import annotations

import pytest

from releasekit.adapters.env import Environment
from releasekit.support.errors import BadInput


def test_a_login_of_bytes_that_are_not_utf8_is_one_error_without_the_password() -> None:
    # Python keeps such bytes of the environment as lone surrogates: encoding them failed
    # later, inside smtplib or pygit2, with a traceback that showed the character.
    env = Environment({"U": "änna", "P": "p\udcf6ss"})
    with pytest.raises(BadInput) as caught:
        env.login("U", "P", BadInput)
    assert str(caught.value) == "U and P must be UTF-8 text"
    assert Environment({"U": "änna", "P": "pässwörd ✓"}).login("U", "P") == ("änna", "pässwörd ✓")

"""The lift's push against a remote that refuses, drops the connection or changes under it:
real bare repositories with hooks, served by ``git daemon`` on 127.0.0.1 where it matters."""

from __future__ import annotations

import pytest

from releasekit.adapters.env import Environment
from releasekit.embargo.context import Outside
from releasekit.embargo.lift import LiftReport, lift
from releasekit.model.config import load_config
from releasekit.support.errors import Refused
from tests.e2e.test_embargo import Release, after_embargo
from tests.helpers.repos import git


def test_a_tag_made_by_someone_else_after_the_preflight_stops_before_any_push(
    release: Release,
) -> None:
    # The branches went out, then the tag was refused: the fixes were public, the lift
    # stopped, and nothing said which release they belonged to.
    before = release.remote_refs()

    def make_tag(report: LiftReport) -> bool:
        git(release.product.remote, "tag", "v10.2.1", "refs/heads/release-10.2")
        return True

    settings = load_config(release.root)
    outside = Outside(env=Environment(release.gpg.env))
    with after_embargo(), pytest.raises(Refused, match=r"refs/tags/v10\.2\.1 appeared") as info:
        lift(settings, outside, confirm=make_tag)
    assert "nothing was pushed or sent" in str(info.value)
    after = release.remote_refs()
    assert {k: v for k, v in after.items() if k != "refs/tags/v10.2.1"} == before
    assert release.smtp.messages == []
    assert not any(s.endswith("/push=started") for s in release.journal_steps())

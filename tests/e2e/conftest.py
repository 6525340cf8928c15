"""Fixtures of the end-to-end tests: a release ready to lift (test_embargo.py,
test_lift_layouts.py, test_upcoming.py), and for the CVE Services tests (test_cve.py,
test_cve_cycle.py) the stand-in, the credentials in the environment, and a workspace that
talks to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Workspace
from tests.e2e.test_embargo import PAST_EMBARGO, Release, make_release
from tests.helpers.cve_services import FakeCveServices
from tests.helpers.gpg import GpgHome
from tests.helpers.sites import CONFIG
from tests.helpers.smtp import SmtpServer


@pytest.fixture
def release(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    gpg_home: GpgHome,
) -> Release:
    """A product with its remote, and a workspace holding the fixes of one advisory whose
    embargo is at test_embargo.EMBARGO (travel there with time_machine)."""
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    return make_release(tmp_path, cache, smtp_server, gpg_home)


@pytest.fixture
def past(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    gpg_home: GpgHome,
) -> Release:
    """The same, its embargo before the real clock: for lifts run as a process."""
    cache = tmp_path_factory.getbasetemp() / "product-cache"
    return make_release(tmp_path, cache, smtp_server, gpg_home, embargo_at=PAST_EMBARGO)


@pytest.fixture
def fake() -> Iterator[FakeCveServices]:
    server = FakeCveServices(reserved={f"CVE-2099-{90000 + n}" for n in range(1, 6)}).start()
    yield server
    server.stop()


@pytest.fixture
def env(fake: FakeCveServices, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"CVE_USER": fake.user, "CVE_ORG": fake.org, "CVE_API_KEY": fake.api_key}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("CVE_GENERATOR", "-")
    return values


@pytest.fixture
def cve_ws(ws: Workspace, fake: FakeCveServices) -> Workspace:
    ws.write("releasekit.toml", CONFIG + f'url = "{fake.url}"\n')
    return ws

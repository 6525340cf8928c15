"""Fixtures of the CVE Services tests (test_cve.py, test_cve_cycle.py): the stand-in, the
credentials in the environment, and a workspace that talks to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Workspace
from tests.helpers.cve_services import FakeCveServices
from tests.helpers.sites import CONFIG


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

"""publish --cve-services against a local fake of CVE Services (and the fake's own tests)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import requests
import time_machine
from click.testing import Result

from releasekit.adapters import cve
from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.model.config import Settings
from releasekit.site import cve_publish
from releasekit.support.errors import BadInput, PublishError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.cve_services import ORG_UUID, FakeCveServices
from tests.helpers.sites import marked, markers

Run = Callable[..., Result]
LATER = datetime(2027, 2, 1, tzinfo=UTC)


# --- the fake itself ------------------------------------------------------------------------


def test_fake_checks_credentials_and_publishes_once(fake: FakeCveServices) -> None:
    headers = {"CVE-API-USER": fake.user, "CVE-API-ORG": fake.org, "CVE-API-KEY": fake.api_key}
    base = fake.url
    denied = requests.get(base + "org/acme", headers={**headers, "CVE-API-KEY": "x"}, timeout=5)
    assert denied.status_code == 401
    assert requests.get(base + "org/acme", headers=headers, timeout=5).json()["UUID"] == ORG_UUID
    state = requests.get(base + "cve-id/CVE-2099-90001", headers=headers, timeout=5).json()
    assert state["state"] == "RESERVED"
    container = {"providerMetadata": {"orgId": ORG_UUID}}
    body = {"cnaContainer": container}
    answer = requests.post(base + "cve/CVE-2099-90001/cna", json=body, headers=headers, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["created"]["cveMetadata"]["state"] == "PUBLISHED"
    again = requests.post(base + "cve/CVE-2099-90001/cna", json=body, headers=headers, timeout=5)
    assert (again.status_code, again.json()["error"]) == (400, "CVE_RECORD_EXISTS")
    unknown = requests.post(base + "cve/CVE-2099-1/cna", json=body, headers=headers, timeout=5)
    assert unknown.status_code == 404
    fake.fail_next(502, store_first=True)
    lost = requests.post(base + "cve/CVE-2099-90002/cna", json=body, headers=headers, timeout=5)
    assert lost.status_code == 502 and fake.state("CVE-2099-90002") == "PUBLISHED"
    record = requests.get(base + "cve/CVE-2099-90002", headers=headers, timeout=5)
    assert record.json()["containers"]["cna"] == container


# --- releasekit's use of it ---------------------------------------------------------------


def test_each_disclosed_record_is_published_once(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str]
) -> None:
    marked(cve_ws, 1)  # disclosed on 2026-11-12
    marked(cve_ws, 2, released="2027-01-20T10:00:00Z")  # released, details on 2027-02-19
    marked(cve_ws, 3, released=None)  # embargoed
    settings = workspace.open_workspace(cve_ws.root)
    advisories = workspace.load_advisories(settings)
    report = cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    assert report.published == ("CVE-2099-90001",) and report.waiting == 1
    stored = fake.published["CVE-2099-90001"]["containers"]["cna"]
    assert stored["providerMetadata"]["orgId"] == ORG_UUID
    assert stored["title"] == markers(1)["title"]
    assert set(fake.published) == {"CVE-2099-90001"}
    again = cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    assert again.published == () and again.already == ("CVE-2099-90001",)
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert len(posts) == 1
    with Journal.open(settings.state_dir) as journal:
        step = journal.get("cve:CVE-2099-90001")
    assert step is not None and step.status == "done"
    assert fake.api_key not in json.dumps(step.detail)
    later = cve_publish.publish_records(
        settings, advisories, datetime(2027, 2, 19, 1, tzinfo=UTC), env=Environment(env)
    )
    assert later.published == ("CVE-2099-90002",)


def test_a_failure_is_journalled_and_retried_and_a_lost_answer_read_back(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str]
) -> None:
    marked(cve_ws, 1)
    marked(cve_ws, 2)
    settings = workspace.open_workspace(cve_ws.root)
    advisories = workspace.load_advisories(settings)
    fake.fail_next(500)
    fake.fail_next(502, store_first=True)
    with pytest.raises(PublishError) as caught:
        cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    message = str(caught.value)
    assert "CVE-2099-90001 (HTTP 500 INJECTED)" in message
    assert "CVE-2099-90002 (HTTP 502 BAD_GATEWAY)" in message
    assert fake.api_key not in message
    with Journal.open(settings.state_dir) as journal:
        assert journal.get("cve:CVE-2099-90001").status == "failed"  # type: ignore[union-attr]
    report = cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    assert report.published == ("CVE-2099-90001",)
    assert report.confirmed == ("CVE-2099-90002",)  # read back, not sent a second time
    posts = [path for method, path in fake.requests if method == "POST"]
    assert posts.count("/api/cve/CVE-2099-90002/cna") == 1


def test_credentials_only_from_the_environment(
    cve_ws: Workspace, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in cve.ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    marked(cve_ws, 1)
    before = cve_ws.snapshot()
    with time_machine.travel(LATER, tick=False):
        result = run("publish", "--cve-services")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "releasekit: error: environment: CVE_USER, CVE_ORG, CVE_API_KEY not set "
        "(CVE Services credentials come only from the environment)"
    )
    assert cve_ws.snapshot() == before
    # A character that HTTP headers cannot carry failed inside requests, quoting it.
    for name, value in {"CVE_USER": "u", "CVE_ORG": "o", "CVE_API_KEY": "sécret✓"}.items():
        monkeypatch.setenv(name, value)
    with time_machine.travel(LATER, tick=False):
        result = run("publish", "--cve-services")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "releasekit: error: environment: CVE_USER, CVE_ORG, CVE_API_KEY must be printable "
        "ASCII text"
    )
    with pytest.raises(BadInput, match=r"cve.org_id: required"):
        cve.check_credentials(_settings_without_org(cve_ws), Environment())
    creds = cve.credentials(
        Environment({"CVE_USER": "u", "CVE_ORG": "o", "CVE_API_KEY": "very-secret"})
    )
    assert "very-secret" not in repr(creds)


def _settings_without_org(ws: Workspace) -> Settings:
    text = (ws.root / "releasekit.toml").read_text().replace("org_id", "# org_id")
    ws.write("releasekit.toml", text)
    return workspace.open_workspace(ws.root)


def test_cli_publishes_the_site_and_the_records(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    marked(cve_ws, 1)
    with time_machine.travel(LATER, tick=False):
        result = run("publish", "--cve-services", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["cve_services"]["published"] == ["CVE-2099-90001"]
    assert "cve/CVE-2099-90001.json" in data["written"]
    assert fake.api_key not in result.output
    site_record = json.loads((cve_ws.root / "site/cve/CVE-2099-90001.json").read_text())
    assert fake.published["CVE-2099-90001"]["containers"]["cna"] == site_record["containers"]["cna"]
    with time_machine.travel(LATER, tick=False):
        again = run("publish", "--cve-services")
    assert again.exit_code == 0, again.output
    assert "CVE Services: 0 published, 1 done before" in again.stdout


def test_a_cve_id_shared_by_two_components_is_published_once_when_both_are_disclosed(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str]
) -> None:
    shared = f'"{markers(1)["cve"]}"'
    marked(cve_ws, 1)  # disclosed on 2026-11-12
    marked(cve_ws, 2, released="2027-01-20T10:00:00Z", cve=shared)  # details on 2027-02-19
    settings = workspace.open_workspace(cve_ws.root)
    advisories = workspace.load_advisories(settings)
    report = cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    assert report.published == () and report.waiting == 1  # one of them is not disclosed
    assert fake.published == {}
    after = datetime(2027, 2, 19, 1, tzinfo=UTC)
    report = cve_publish.publish_records(settings, advisories, after, env=Environment(env))
    assert report.published == ("CVE-2099-90001",)
    cna = fake.published["CVE-2099-90001"]["containers"]["cna"]
    assert [a["modules"] for a in cna["affected"]] == [
        [markers(1)["component"]],
        [markers(2)["component"]],
    ]
    assert cna["source"]["advisories"] == ["ACSA-2026-0001", "ACSA-2026-0002"]
    again = cve_publish.publish_records(settings, advisories, after, env=Environment(env))
    assert again.published == () and again.already == ("CVE-2099-90001",)
    posts = [path for method, path in fake.requests if method == "POST"]
    assert posts == ["/api/cve/CVE-2099-90001/cna"]

"""`cve reserve|update|reject ID` and `advisory revise` against the CVE Services stand-in:
each done once, a failure leaving nothing half-done, a lost answer read back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import time_machine
from click.testing import CliRunner, Result

from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.cli import cli
from releasekit.site import cve_publish
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.cve_services import ORG_UUID, FakeCveServices
from tests.helpers.hostile_http import HostileHttp, status
from tests.helpers.sites import marked, markers

Run = Callable[..., Result]
NOW = datetime(2026, 12, 5, 10, 20, 30, tzinfo=UTC)
LATER = datetime(2027, 2, 1, tzinfo=UTC)
ID = "ACSA-2026-0001"


def at(moment: datetime, run: Run, *args: str) -> Result:
    with time_machine.travel(moment, tick=False):
        return run(*args)


def posts(fake: FakeCveServices, path: str) -> int:
    return sum(1 for method, p in fake.requests if method == "POST" and p.split("?")[0] == path)


def puts(fake: FakeCveServices, path: str) -> int:
    return sum(1 for method, p in fake.requests if method == "PUT" and p == path)


def front(ws: Workspace) -> str:
    return (ws.root / "advisories" / f"{ID}.md").read_text()


# --- the stand-in's own behaviour ----------------------------------------------------------


def test_fake_reserves_lists_updates_and_rejects_as_the_service_does(
    fake: FakeCveServices,
) -> None:
    headers = {"CVE-API-USER": fake.user, "CVE-API-ORG": fake.org, "CVE-API-KEY": fake.api_key}
    base = fake.url
    other = requests.post(
        base + "cve-id",
        params={"amount": 1, "cve_year": 2026, "short_name": "other"},
        headers=headers,
        timeout=5,
    )
    assert (other.status_code, other.json()["error"]) == (403, "CNA_CANNOT_RESERVE_FOR_OTHER")
    params = {"amount": 1, "cve_year": 2026, "short_name": fake.org}
    answer = requests.post(base + "cve-id", params=params, headers=headers, timeout=5).json()
    (entry,) = answer["cve_ids"]
    assert entry["cve_id"] == "CVE-2026-10001" and entry["state"] == "RESERVED"
    assert entry["requested_by"] == {"cna": fake.org, "user": fake.user}
    listed = requests.get(
        base + "cve-id",
        params={"state": "RESERVED", "time_reserved.gt": "2020-01-01T00:00:00+00:00"},
        headers=headers,
        timeout=5,
    ).json()["cve_ids"]
    assert [e["cve_id"] for e in listed] == ["CVE-2026-10001"]  # not the long-reserved ones
    body = {"cnaContainer": {"providerMetadata": {"orgId": "x"}, "title": "t"}}
    update = requests.put(base + "cve/CVE-2099-90001/cna", json=body, headers=headers, timeout=5)
    assert (update.status_code, update.json()["error"]) == (404, "CVE_RECORD_DNE")
    requests.post(base + "cve/CVE-2099-90001/cna", json=body, headers=headers, timeout=5)
    body["cnaContainer"]["title"] = "t2"
    update = requests.put(base + "cve/CVE-2099-90001/cna", json=body, headers=headers, timeout=5)
    assert update.json()["updated"]["containers"]["cna"]["title"] == "t2"
    rejected = {"cnaContainer": {"providerMetadata": {"orgId": "x"}, "rejectedReasons": []}}
    bad = requests.post(
        base + "cve/CVE-2026-10001/reject", json=rejected, headers=headers, timeout=5
    )
    assert bad.status_code == 400
    rejected["cnaContainer"]["rejectedReasons"] = [{"lang": "en", "value": "unused"}]
    done = requests.post(
        base + "cve/CVE-2026-10001/reject", json=rejected, headers=headers, timeout=5
    )
    assert done.json()["created"]["cveMetadata"]["state"] == "REJECTED"
    assert fake.state("CVE-2026-10001") == "REJECTED"
    published = requests.post(
        base + "cve/CVE-2099-90001/reject", json=rejected, headers=headers, timeout=5
    )
    assert (published.status_code, published.json()["error"]) == (400, "CVE_RECORD_EXISTS")


# --- cve reserve -----------------------------------------------------------------------------


def test_reserve_writes_the_id_and_the_embargo_once(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    cve_ws.advisory(ID, embargo=None)  # a draft: no embargo yet
    cve_ws.advisory("ACSA-2026-0002")  # its own embargo, 2026-12-01T14:00:00Z
    result = at(NOW, run, "cve", "reserve", ID)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"{ID}: CVE-2026-10001 reserved, embargo 2026-12-08T11:00:00Z"
    )  # 72 hours after the reservation, on the next full hour
    assert 'cve = "CVE-2026-10001"' in front(cve_ws)
    assert "embargo = 2026-12-08T11:00:00Z" in front(cve_ws)
    again = at(NOW, run, "cve", "reserve", ID, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "cve": "CVE-2026-10001",
        "sent": False,
        "message": f"{ID}: CVE-2026-10001 reserved before: nothing sent",
    }
    other = at(NOW, run, "cve", "reserve", "ACSA-2026-0002")
    assert other.exit_code == 0, other.output
    text = (cve_ws.root / "advisories" / "ACSA-2026-0002.md").read_text()
    assert 'cve = "CVE-2026-10002"' in text and "embargo = 2026-12-01T14:00:00Z" in text
    assert posts(fake, "/api/cve-id") == 2
    assert at(NOW, run, "advisory", "check").exit_code == 0
    assert fake.api_key not in result.output + again.output + other.output


def test_a_lost_reservation_is_read_back_and_a_refused_one_made_again(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    cve_ws.advisory(ID, embargo=None)
    before = front(cve_ws)
    fake.fail_next(502, store_first=True)  # reserved, the answer lost
    lost = at(NOW, run, "cve", "reserve", ID)
    assert lost.exit_code == 1
    assert lost.stderr.splitlines() == [
        f"releasekit: error: CVE Services: no id reserved for {ID}: HTTP 502 BAD_GATEWAY; "
        "run again to retry"
    ]
    assert front(cve_ws) == before  # nothing half-done
    resumed = at(NOW, run, "cve", "reserve", ID)
    assert resumed.exit_code == 0, resumed.output
    assert "CVE-2026-10001 reserved (read back after an unfinished attempt)" in resumed.stdout
    assert posts(fake, "/api/cve-id") == 1 and fake.next_number == 10002
    assert 'cve = "CVE-2026-10001"' in front(cve_ws)
    # A refusal reserved nothing: the re-run reserves (and finds nothing to read back).
    cve_ws.advisory("ACSA-2026-0002", embargo=None)
    fake.fail_next(500)
    assert at(NOW, run, "cve", "reserve", "ACSA-2026-0002").exit_code == 1
    done = at(NOW, run, "cve", "reserve", "ACSA-2026-0002")
    assert done.exit_code == 0, done.output
    assert "CVE-2026-10002 reserved, embargo" in done.stdout
    assert posts(fake, "/api/cve-id") == 3


def test_a_run_stopped_before_the_file_was_written_writes_the_journalled_id(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    path = cve_ws.advisory(ID, embargo=None)
    before = path.read_text()
    assert at(NOW, run, "cve", "reserve", ID).exit_code == 0
    path.write_text(before)  # as if killed between the journal and the file
    result = at(NOW, run, "cve", "reserve", ID)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{ID}: CVE-2026-10001 recorded (reserved before)"
    assert 'cve = "CVE-2026-10001"' in front(cve_ws)
    assert "embargo = 2026-12-08T11:00:00Z" in front(cve_ws)
    assert posts(fake, "/api/cve-id") == 1


def test_bad_input_and_missing_credentials_exit_2_with_one_line(
    cve_ws: Workspace, run: Run, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    cve_ws.advisory(ID)
    before = cve_ws.snapshot()
    unknown = at(NOW, run, "cve", "reserve", "ACSA-2026-0009")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "releasekit: error: advisories/ACSA-2026-0009.md: no such advisory\n",
    )
    no_cve = at(NOW, run, "cve", "update", ID)
    assert (no_cve.exit_code, no_cve.stderr) == (
        2,
        f"releasekit: error: advisories/{ID}.md: cve: not set: no CVE id to update\n",
    )
    assert at(NOW, run, "cve", "reject", ID).exit_code == 2
    bad_reason = at(NOW, run, "cve", "reject", ID, "--reason", "a\x1b[31m")
    assert bad_reason.stderr == (
        "releasekit: error: --reason: contains a control character (U+001B); remove it\n"
    )
    monkeypatch.delenv("CVE_API_KEY")
    for command in ("reserve", "update", "reject"):
        result = at(NOW, run, "cve", command, ID)
        assert result.exit_code == 2
        assert result.stderr == (
            "releasekit: error: environment: CVE_API_KEY not set "
            "(CVE Services credentials come only from the environment)\n"
        )
    assert cve_ws.snapshot() == before


# --- advisory revise + cve update ---------------------------------------------------------


def _published(ws: Workspace, env: dict[str, str]) -> None:
    """ACSA-2026-0001 disclosed and its record published, as `publish --cve-services` does."""
    marked(ws, 1)  # disclosed 2026-11-12, CVE-2099-90001
    settings = workspace.open_workspace(ws.root)
    advisories = workspace.load_advisories(settings)
    cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))


def test_update_sends_the_revised_record_once_per_revision(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    _published(cve_ws, env)
    cve_id = markers(1)["cve"]
    nothing = at(LATER, run, "cve", "update", ID)
    assert nothing.exit_code == 0, nothing.output
    assert nothing.stdout.strip() == (
        f"{cve_id}: no revision since its record was published: nothing sent"
    )
    path = cve_ws.root / "advisories" / f"{ID}.md"
    path.write_text(path.read_text().replace('cwe = "CWE-1901"', 'cwe = "CWE-862"'))
    revised = at(LATER, run, "advisory", "revise", ID, "--reason", "Corrected the CWE")
    assert revised.exit_code == 0, revised.output
    result = at(LATER, run, "cve", "update", ID)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{cve_id}: record updated"
    cna = fake.published[cve_id]["containers"]["cna"]
    assert cna["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-862"
    rating = {"other": {"type": "Textual description of severity", "content": {"text": "high"}}}
    assert rating in cna["metrics"]  # the project's High, beside the vector's MEDIUM
    again = at(LATER, run, "cve", "update", ID)
    assert again.stdout.strip() == f"{cve_id}: updated before: nothing sent"
    assert puts(fake, f"/api/cve/{cve_id}/cna") == 1
    # The next revision goes out with the daily publish, once.
    at(datetime(2027, 2, 2, tzinfo=UTC), run, "advisory", "revise", ID, "--reason", "Typo")
    daily = at(datetime(2027, 2, 2, 1, tzinfo=UTC), run, "publish", "--cve-services", "--json")
    assert daily.exit_code == 0, daily.output
    assert json.loads(daily.stdout)["cve_services"]["updated"] == [cve_id]
    site = json.loads((cve_ws.root / "site" / "cve" / f"{cve_id}.json").read_text())
    assert site["cveMetadata"]["dateUpdated"] == "2027-02-02T00:00:00Z"
    assert fake.published[cve_id]["containers"]["cna"] == site["containers"]["cna"]
    quiet = at(datetime(2027, 2, 2, 2, tzinfo=UTC), run, "publish", "--cve-services")
    assert "CVE Services: 0 published, 1 done before" in quiet.stdout
    after = at(datetime(2027, 2, 2, 2, tzinfo=UTC), run, "cve", "update", ID)
    assert after.stdout.strip() == f"{cve_id}: updated before: nothing sent"
    assert puts(fake, f"/api/cve/{cve_id}/cna") == 2
    assert posts(fake, f"/api/cve/{cve_id}/cna") == 1


def test_a_lost_update_is_read_back_and_a_failed_one_sent_again(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    _published(cve_ws, env)
    cve_id = markers(1)["cve"]
    at(LATER, run, "advisory", "revise", ID, "--reason", "Clarified the summary")
    fake.fail_next(502, store_first=True)
    lost = at(LATER, run, "cve", "update", ID)
    assert lost.exit_code == 1
    assert lost.stderr.splitlines() == [
        f"releasekit: error: CVE Services: {cve_id} not updated: HTTP 502 BAD_GATEWAY; "
        "run again to retry"
    ]
    resumed = at(LATER, run, "cve", "update", ID)
    assert resumed.exit_code == 0, resumed.output
    assert "read back" in resumed.stdout
    assert puts(fake, f"/api/cve/{cve_id}/cna") == 1
    at(datetime(2027, 2, 3, tzinfo=UTC), run, "advisory", "revise", ID, "--reason", "Again")
    fake.fail_next(500)
    assert at(datetime(2027, 2, 3, tzinfo=UTC), run, "cve", "update", ID).exit_code == 1
    path = cve_ws.root / "advisories" / f"{ID}.md"
    path.write_text(path.read_text().replace('cwe = "CWE-1901"', 'cwe = "CWE-863"'))
    sent = at(datetime(2027, 2, 3, tzinfo=UTC), run, "cve", "update", ID)
    assert sent.stdout.strip() == f"{cve_id}: record updated"  # not the same: sent again
    assert puts(fake, f"/api/cve/{cve_id}/cna") == 3


def test_a_lost_update_read_back_from_a_record_of_the_wrong_shape_is_not_sent_again(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    _published(cve_ws, env)
    cve_id = markers(1)["cve"]
    at(LATER, run, "advisory", "revise", ID, "--reason", "Clarified the summary")
    config = cve_ws.root / "releasekit.toml"
    with HostileHttp(status(502, b'{"error": "BAD_GATEWAY"}')) as server:
        config.write_text(config.read_text().replace(fake.url, server.url))
        assert at(LATER, run, "cve", "update", ID).exit_code == 1  # its answer lost
        server.answer = status(200, b'{"containers": {"cna": []}}')  # no record, nor none
        again = at(LATER, run, "cve", "update", ID)
        sent = [path for method, path, _ in server.requests if method == "PUT"]
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        f"releasekit: error: CVE Services: {cve_id} not updated: unexpected answer; "
        "run again to retry"
    ]
    assert sent == [f"/api/cve/{cve_id}/cna"]  # once, by the first run


def test_update_before_disclosure_or_publication_sends_nothing(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    marked(cve_ws, 1, released="2026-11-20T10:00:00Z")  # details on 2026-12-20
    moment = datetime(2026, 11, 25, tzinfo=UTC)
    assert at(moment, run, "advisory", "revise", ID, "--reason", "Fixed range").exit_code == 0
    early = at(moment, run, "cve", "update", ID)
    assert early.exit_code == 0, early.output
    assert early.stdout.strip() == (
        "CVE-2099-90001: nothing sent: its record is published on its disclosure date, "
        "2026-12-20, as revised"
    )
    unpublished = at(LATER, run, "cve", "update", ID)
    assert unpublished.exit_code == 1
    assert unpublished.stderr == (
        "releasekit: error: CVE-2099-90001: its record is not published yet "
        "(`publish --cve-services` publishes it, as revised)\n"
    )
    # Published after the revision: it carries it, and no update follows.
    settings = workspace.open_workspace(cve_ws.root)
    advisories = workspace.load_advisories(settings)
    cve_publish.publish_records(settings, advisories, LATER, env=Environment(env))
    after = at(LATER, run, "cve", "update", ID)
    assert after.stdout.strip() == (
        "CVE-2099-90001: no revision since its record was published: nothing sent"
    )
    assert not [r for r in fake.requests if r[0] == "PUT"]


# --- cve reject ----------------------------------------------------------------------------


def test_reject_sends_the_public_reason_once_and_drops_the_id(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    cve_ws.advisory(ID, cve='"CVE-2099-90003"')
    result = at(NOW, run, "cve", "reject", ID, "--reason", "Duplicate of another CVE.")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"CVE-2099-90003 rejected; `cve` removed from {ID}"
    record = fake.rejected["CVE-2099-90003"]["containers"]["cna"]
    assert record["rejectedReasons"] == [{"lang": "en", "value": "Duplicate of another CVE."}]
    text = front(cve_ws)
    assert 'cve = "' not in text
    assert "# cve CVE-2099-90003 rejected 2026-12-05 (releasekit cve reject)" in text
    assert at(NOW, run, "advisory", "check").exit_code == 0
    again = at(NOW, run, "cve", "reject", ID)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "CVE-2099-90003: rejected before: nothing sent"
    assert posts(fake, "/api/cve/CVE-2099-90003/reject") == 1
    with Journal.open(cve_ws.root / ".releasekit") as journal:
        step = journal.get("cve-reject:CVE-2099-90003")
    assert step is not None and step.status == "done"
    assert "Duplicate" not in json.dumps(step.detail)  # ids only in the journal
    # The advisory may get a new id now.
    reserved = at(NOW, run, "cve", "reserve", ID)
    assert reserved.exit_code == 0, reserved.output
    assert 'cve = "CVE-2026-10001"' in front(cve_ws)


def test_a_lost_rejection_is_read_back_and_a_published_record_is_not_rejected(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    cve_ws.advisory(ID, cve='"CVE-2099-90003"')
    before = front(cve_ws)
    fake.fail_next(502, store_first=True)
    lost = at(NOW, run, "cve", "reject", ID)
    assert lost.exit_code == 1
    assert lost.stderr.splitlines() == [
        "releasekit: error: CVE Services: CVE-2099-90003 not rejected: HTTP 502 BAD_GATEWAY; "
        "run again to retry"
    ]
    assert front(cve_ws) == before
    resumed = at(NOW, run, "cve", "reject", ID)
    assert resumed.exit_code == 0, resumed.output
    assert posts(fake, "/api/cve/CVE-2099-90003/reject") == 1
    assert 'cve = "' not in front(cve_ws)
    _published(cve_ws, env)  # ACSA-2026-0001 again: disclosed, CVE-2099-90001 published
    count = len(fake.requests)
    refused = at(LATER, run, "cve", "reject", ID)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "releasekit: error: CVE-2099-90001: its record is published: `cve reject` rejects a "
        "reserved id that was never used\n"
    )
    assert len(fake.requests) == count


# --- a workspace made by `releasekit init` -------------------------------------------------


def test_a_new_workspace_reserves_its_first_advisorys_id(
    tmp_path: Path, fake: FakeCveServices, env: dict[str, str]
) -> None:
    root = tmp_path / "security"

    def run(*args: str) -> Result:
        with time_machine.travel(NOW, tick=False):
            return CliRunner().invoke(cli, ["-C", str(root), *args])

    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    config = root / "releasekit.toml"
    config.write_text(config.read_text() + f'\n[cve]\norg_id = "{ORG_UUID}"\nurl = "{fake.url}"\n')
    made = run("advisory", "new", "--title", "Export ignores permissions", "--summary", "S.")
    assert made.exit_code == 0, made.output
    unscored = Path(made.stdout.strip()).stem  # (the prefix `init` chose)
    before = (root / made.stdout.strip()).read_text()
    # An embargo needs a score: known before anything is reserved.
    refused = run("cve", "reserve", unscored)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"releasekit: error: advisories/{unscored}.md:1: cvss: required once an embargo is "
        "set (or a severity with severity_reason)\n"
    )
    assert (root / made.stdout.strip()).read_text() == before
    assert not [r for r in fake.requests if r[0] == "POST"]
    (root / made.stdout.strip()).unlink()
    made = run(
        "advisory",
        "new",
        "--title",
        "T",
        "--summary",
        "S.",
        "--cvss",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
    )
    ident = Path(made.stdout.strip()).stem
    reserved = run("cve", "reserve", ident)
    assert reserved.exit_code == 0, reserved.output
    (row,) = json.loads(run("advisory", "list", "--json").stdout)
    assert row["cve"] == "CVE-2026-10001"
    assert row["embargo"] == "2026-12-08T11:00:00Z" and row["state"] == "embargoed"
    assert run("advisory", "check").exit_code == 0
    early = run("advisory", "revise", ident, "--reason", "Too early")
    assert early.exit_code == 1 and "is not released yet" in early.stderr
    assert posts(fake, "/api/cve-id") == 1
    assert (root / ".releasekit" / "journal.sqlite3").stat().st_mode & 0o777 == 0o600


def test_a_service_that_does_not_answer_is_one_line_and_exit_1(
    cve_ws: Workspace, fake: FakeCveServices, env: dict[str, str], run: Run
) -> None:
    cve_ws.advisory(ID, embargo=None)
    before = front(cve_ws)
    fake.stop()
    result = at(NOW, run, "cve", "reserve", ID)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"releasekit: error: CVE Services: no id reserved for {ID}: no answer (ConnectionError); "
        "run again to retry"
    ]
    assert "Traceback" not in result.output and front(cve_ws) == before
    # The re-run cannot read back either: it says so, and still reserves nothing.
    again = at(NOW, run, "cve", "reserve", ID)
    assert again.exit_code == 1
    assert again.stderr.splitlines() == [
        "releasekit: error: CVE Services: an unfinished reservation cannot be read back: "
        "no answer (ConnectionError); run again to retry"
    ]


@pytest.mark.parametrize(
    ("status", "detail", "field"),
    [
        ("done", {"advisory": ID, "cve": "CVE-2026-10001"}, "reserved"),  # no reserved
        (  # no zone
            "done",
            {"advisory": ID, "cve": "CVE-2026-10001", "reserved": "2026-12-05"},
            "reserved",
        ),
        ("started", {"advisory": ID, "asked": 20261205}, "asked"),
    ],
)
def test_a_damaged_reservation_step_is_one_line_naming_it(
    cve_ws: Workspace,
    fake: FakeCveServices,
    env: dict[str, str],
    run: Run,
    status: str,
    detail: dict[str, object],
    field: str,
) -> None:
    # A reservation step edited or damaged between runs: reading its instant was a KeyError,
    # a TypeError (a naive datetime, later) or a ValueError traceback.
    cve_ws.advisory(ID, embargo=None)
    state = cve_ws.root / ".releasekit"
    Journal.open(state).close()
    db = sqlite3.connect(state / "journal.sqlite3")
    with db:
        db.execute(
            "INSERT INTO steps VALUES (?, ?, ?, 1, '2026-12-05T10:20:30+00:00')",
            (f"cve-reserve:{ID}:001", status, json.dumps(detail)),
        )
    db.close()
    before = front(cve_ws)
    result = at(NOW, run, "cve", "reserve", ID)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2  # bad input from a file (it was 1)
    assert result.stderr.splitlines() == [
        f"releasekit: error: {state / 'journal.sqlite3'}:1: detail.{field}: step "
        f"cve-reserve:{ID}:001 is not as a CVE reservation writes it "
        "(the journal was edited or damaged)"
    ]
    assert front(cve_ws) == before
    assert posts(fake, "/api/cve-id") == 0

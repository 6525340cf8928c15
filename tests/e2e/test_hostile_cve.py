"""`cve reserve|reject` against a CVE Services that is broken or hostile: each failure is one
line naming the service and what happened, exit 1, no secret and nothing of the embargoed
advisory in it, and a re-run never reserves twice."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest
import time_machine
import trustme
from click.testing import Result

from tests.conftest import Workspace
from tests.helpers.hostile_http import (
    Answer,
    HostileHttp,
    drip,
    drip_head,
    endless,
    redirect,
    retry_after,
    silent,
    status,
)
from tests.helpers.sites import CONFIG, marked

Run = Callable[..., Result]
NOW = datetime(2026, 11, 5, 10, 20, 30, tzinfo=UTC)
LATER = datetime(2027, 2, 1, tzinfo=UTC)  # after marked advisories' disclosure
ID = "ACSA-2026-0001"
KEY = "MARKER-KEY-0123456789"
TITLE = "MARKER-TITLE-0001"
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("CVE_USER", "rm@acme.example"), ("CVE_ORG", "acme"), ("CVE_API_KEY", KEY)):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("CVE_GENERATOR", "-")


def point_at(ws: Workspace, url: str, timeout: int | None = None) -> None:
    extra = f"timeout = {timeout}\n" if timeout is not None else ""
    ws.write("releasekit.toml", CONFIG + f'url = "{url}"\n' + extra)
    ws.advisory(ID, embargo=None, title=f'"{TITLE}"')


def point_at_only(ws: Workspace, url: str) -> None:
    """The workspace's CVE Services at ``url``, its advisories as they are."""
    ws.write("releasekit.toml", CONFIG + f'url = "{url}"\ntimeout = 5\n')


def reserve(run: Run) -> Result:
    with time_machine.travel(NOW, tick=True):
        return run("cve", "reserve", ID)


def one_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exc_info is None or isinstance(result.exc_info[1], SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert KEY not in result.output and TITLE not in result.output
    return lines[0]


def test_a_redirect_is_not_followed_and_the_key_stays_home(
    ws: Workspace, run: Run, creds: None
) -> None:
    with HostileHttp(redirect("http://127.0.0.1:9/")) as other:
        target = f"http://localhost:{other.port}/api/cve-id"
        with HostileHttp(redirect(target)) as server:
            point_at(ws, server.url)
            line = one_line(reserve(run))
    assert "CVE Services: no id reserved" in line
    assert "HTTP 307: a redirect, not followed" in line
    assert other.requests == []  # the credentials never reached the other host
    assert 'cve = "' not in (ws.root / "advisories" / f"{ID}.md").read_text()


@pytest.mark.parametrize(
    ("listing", "said"),
    [
        (status(200, b"[1, 2, 3]"), "unexpected answer (a page without a list of cve_ids)"),
        (status(200, b'{"cve_ids": [], "nextPage": 2}'), "unexpected answer (more than 100 pages)"),
        # entries that cannot say whether the lost attempt reserved one: not "none was"
        (status(200, b'{"cve_ids": [NaN]}'), "unexpected answer (an entry without its requester)"),
        (
            status(200, b'{"cve_ids": [{"cve_id": "CVE-2026-10001", "reserved": "x"}]}'),
            "unexpected answer (an entry without its requester)",
        ),
        (
            status(
                200,
                b'{"cve_ids": [{"cve_id": "../x", "reserved": "2026-11-05T10:20:31Z", '
                b'"requested_by": {"cna": "acme", "user": "rm@acme.example"}}]}',
            ),
            "unexpected answer (a reservation without its id or time)",
        ),
    ],
    ids=["not-a-page", "endless", "nan", "no-requester", "ours-not-an-id"],
)
def test_a_listing_of_the_wrong_shape_or_endless_is_one_line(
    ws: Workspace, run: Run, creds: None, listing: Answer, said: str
) -> None:
    with HostileHttp(status(500, b'{"error": "INTERNAL"}')) as server:
        point_at(ws, server.url)
        assert "HTTP 500 INTERNAL" in one_line(reserve(run))  # the attempt is journalled
        server.answer = listing  # a re-run reads back what that attempt may have reserved
        line = one_line(reserve(run))
        posts = [path for method, path, _ in server.requests if method == "POST"]
    assert line == (
        "releasekit: error: CVE Services: an unfinished reservation cannot be read back: "
        f"{said}; run again to retry"
    )
    assert len(posts) == 1  # nothing reserved again while it cannot tell


def timed_reserve(ws: Workspace, run: Run, answer: Answer, timeout: int) -> tuple[str, float]:
    """The one line `cve reserve` ends with against ``answer``, and the seconds it took."""
    with HostileHttp(answer) as server:
        point_at(ws, server.url, timeout=timeout)
        started = time.monotonic()
        line = one_line(reserve(run))
        return line, time.monotonic() - started


@pytest.mark.parametrize(
    "answer",
    [silent(), drip_head(0.05), drip(b'{"cve_ids": []}', 0.3)],
    ids=["silent", "drip-head", "drip-body"],
)
def test_one_deadline_holds_the_whole_exchange(
    ws: Workspace, run: Run, creds: None, answer: Answer
) -> None:
    # Each byte comes well within the timeout of one read: only a deadline ends it.
    line, took = timed_reserve(ws, run, answer, timeout=1)
    assert line == (
        f"releasekit: error: CVE Services: no id reserved for {ID}: no answer within 1 s; "
        "run again to retry"
    )
    assert took < 4
    assert 'cve = "' not in (ws.root / "advisories" / f"{ID}.md").read_text()


def huge_declared(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(1 << 30))
    handler.end_headers()
    handler.wfile.write(b'{"cve_ids": [')  # and then nothing, until the client goes
    handler.connection.settimeout(30)
    while handler.connection.recv(4096):
        pass


@pytest.mark.parametrize("answer", [endless(), huge_declared], ids=["endless", "declared"])
def test_an_answer_too_large_is_not_read_whole(
    ws: Workspace, run: Run, creds: None, answer: Answer
) -> None:
    line, took = timed_reserve(ws, run, answer, timeout=20)
    assert line == (
        f"releasekit: error: CVE Services: no id reserved for {ID}: an answer of more than "
        "16 MiB, not read; run again to retry"
    )
    assert took < 10


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (status(200, b"<html>Maintenance</html>", "text/html"), "an answer that is not JSON"),
        (status(429, b'{"error": "RATE_LIMITED"}'), "HTTP 429 RATE_LIMITED"),
        (
            retry_after("120"),
            "HTTP 429 RATE_LIMITED; try again in 120 s",
        ),
        (
            retry_after("Sun, 06 Dec 2026 12:00:00 GMT"),
            "HTTP 429 RATE_LIMITED; try again after 2026-12-06T12:00:00Z",
        ),
        (retry_after("soon\x1b[31m"), "HTTP 429 RATE_LIMITED"),
        # a date with no UTC instant (past year 9999 once moved to UTC): no time said
        (retry_after("Fri, 31 Dec 9999 23:59:59 -0100"), "HTTP 429 RATE_LIMITED"),
        # JSON nested past the parser's recursion, a number past Python's digits: not JSON
        (status(200, DEEP), "an answer that is not JSON"),
        (status(200, b'{"cve_ids": [' + b"9" * 5000 + b"]}"), "an answer that is not JSON"),
        (status(500, DEEP), "HTTP 500"),
        (redirect("http://[::1"), "HTTP 307: a redirect, not followed"),  # not even a URL
    ],
    ids=[
        "html",
        "429",
        "429-seconds",
        "429-date",
        "429-garbage",
        "429-past-9999",
        "deep",
        "long-number",
        "500-deep",
        "redirect-not-a-url",
    ],
)
def test_each_failure_says_what_happened(
    ws: Workspace, run: Run, creds: None, answer: Answer, said: str
) -> None:
    with HostileHttp(answer) as server:
        point_at(ws, server.url, timeout=5)
        line = one_line(reserve(run))
    assert line == (
        f"releasekit: error: CVE Services: no id reserved for {ID}: {said}; run again to retry"
    )


def test_a_certificate_not_trusted_is_said_so(ws: Workspace, run: Run, creds: None) -> None:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(tls)  # a CA nobody trusts
    with HostileHttp(status(200, b'{"cve_ids": []}'), tls=tls) as server:
        point_at(ws, server.url, timeout=5)
        line = one_line(reserve(run))
    assert line.startswith(
        f"releasekit: error: CVE Services: no id reserved for {ID}: "
        "its TLS certificate was not accepted (unable to get local issuer certificate)"
    ), line


@pytest.mark.parametrize(
    "entry",
    [
        '"cve_id": "CVE-2026-10001\\nX", "reserved": "2026-11-05T10:20:30Z"',
        '"cve_id": "../../x", "reserved": "2026-11-05T10:20:30Z"',
        '"cve_id": "CVE-2026-10001", "reserved": "0001-01-01T00:00:00+01:00"',
        '"cve_id": "CVE-2026-10001", "reserved": "9999-12-31T20:00:00Z"',
    ],
    ids=["id-with-line-break", "not-an-id", "no-utc-instant", "embargo-past-9999"],
)
def test_a_reservation_that_is_not_one_is_an_unexpected_answer(
    ws: Workspace, run: Run, creds: None, entry: str
) -> None:
    # The id goes into the file and the time sets the embargo: neither may be taken as it is.
    answer = status(200, b'{"cve_ids": [{' + entry.encode() + b"}]}")
    with HostileHttp(answer) as server:
        point_at(ws, server.url, timeout=5)
        before = (ws.root / "advisories" / f"{ID}.md").read_text()
        line = one_line(reserve(run))
    assert line == (
        f"releasekit: error: CVE Services: no id reserved for {ID}: unexpected answer; "
        "run again to retry"
    )
    assert (ws.root / "advisories" / f"{ID}.md").read_text() == before


ODD_STATES = [
    status(200, b"[]"),
    status(200, b'{"state": ["PUBLISHED"]}'),
    status(200, b'{"state": "\xc3\xbf"}'),
    status(999, b"{}"),
]
ODD_STATE_IDS = ["a-list", "a-state-not-a-string", "an-unknown-state", "status-999"]


@pytest.mark.parametrize("answer", ODD_STATES, ids=ODD_STATE_IDS)
def test_a_rejection_read_back_from_an_answer_of_no_state_is_not_sent_again(
    ws: Workspace, run: Run, creds: None, answer: Answer
) -> None:
    # The first attempt's answer is lost: the re-run asks the id's state before it sends
    # again, and an answer that names none cannot say the rejection did not go through.
    ws.advisory(ID, cve='"CVE-2099-90003"')
    with HostileHttp(status(502, b'{"error": "BAD_GATEWAY"}')) as server:
        point_at_only(ws, server.url)
        with time_machine.travel(NOW, tick=True):
            assert "HTTP 502" in one_line(run("cve", "reject", ID, "--reason", "Duplicate."))
            server.answer = answer
            line = one_line(run("cve", "reject", ID, "--reason", "Duplicate."))
        posts = [path for method, path, _ in server.requests if method == "POST"]
    assert line == (
        "releasekit: error: CVE Services: CVE-2099-90003 not rejected: unexpected answer; "
        "run again to retry"
    )
    assert posts == ["/api/cve/CVE-2099-90003/reject"]  # once, by the first run


@pytest.mark.parametrize("answer", ODD_STATES, ids=ODD_STATE_IDS)
def test_a_record_read_back_from_an_answer_of_no_state_is_not_published_again(
    ws: Workspace, run: Run, creds: None, answer: Answer
) -> None:
    marked(ws, 1)  # disclosed, CVE-2099-90001
    with HostileHttp(status(502, b'{"error": "BAD_GATEWAY"}')) as server:
        point_at_only(ws, server.url)
        with time_machine.travel(LATER, tick=True):
            first = run("publish", "--cve-services")
            server.answer = answer
            again = run("publish", "--cve-services")
        posts = [path for method, path, _ in server.requests if method == "POST"]
    assert "CVE-2099-90001 (HTTP 502 BAD_GATEWAY)" in first.stderr
    assert again.exit_code == 1
    assert again.stderr.splitlines()[-1] == (
        "releasekit: error: CVE Services: not done: CVE-2099-90001 (unexpected answer); "
        "0 published; run again to retry"
    )
    assert posts == ["/api/cve/CVE-2099-90001/cna"]  # once, by the first run

"""The page in headless Chromium: the table rows through the DOM, and screenshots.

Chromium (Debian's ``chromium``) loads the site from a thread HTTP server on 127.0.0.1 that
the test stops afterwards. Screenshots go to test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, PLACEHOLDER, marked, markers, serve

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def served(ws: Workspace) -> Iterator[str]:
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1, body=_long_body())
    marked(ws, 2, released="2026-11-20T16:00:00Z", severity='"critical"')
    marked(ws, 3, released="2026-11-24T16:00:00Z", severity='"low"')
    marked(ws, 4, released=None)  # embargoed: nowhere
    for path in (ws.root / "advisories").glob("*.md"):  # drop the duplicate severity keys
        lines = path.read_text().split("\n")
        severity = [i for i, line in enumerate(lines) if line.startswith("severity =")]
        for index in severity[1:]:
            lines[severity[0]] = lines[index]
            lines[index] = ""
        path.write_text("\n".join(lines))
    build.publish_workspace(workspace.open_workspace(ws.root), datetime(2026, 11, 25, tzinfo=UTC))
    with serve(ws.root / "site") as url:
        yield url


def _long_body() -> str:
    return (
        "## Impact\n\nMARKER-BODY-0001 lets a signed-in user export **private** channels. "
        "See [the permissions guide](https://acme.example/docs/permissions).\n\n"
        "## Fix\n\n- The export checks `read_channel`.\n- The API returns 403.\n\n"
        "```go\nif !a.HasPermissionToChannel(ctx, userID, channelID) {\n"
        '    return model.NewAppError("ExportChannel", "api.permissions", 403)\n}\n```\n'
    )


def chromium(tmp_path: Path, *args: str) -> str:
    profile = tmp_path / "chromium-profile"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


class Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self._cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag == "tr":
            self.rows.append((dict(attrs).get("id") or "", []))
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_table_in_chromium(served: str, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", served + "index.html")
    parser = Rows()
    parser.feed(dom)
    assert parser.scripts == 0
    rows = [(ident, cells) for ident, cells in parser.rows if ident]
    assert [ident for ident, _ in rows] == ["ACSA-2026-0003", "ACSA-2026-0002", "ACSA-2026-0001"]
    newest = rows[0][1]
    assert newest[1] == "2026-11-24"
    assert newest[2].startswith("Low")
    assert newest[5] == PLACEHOLDER.format("2026-12-24")
    assert rows[1][1][2].startswith("Critical")
    oldest = rows[2][1]
    assert oldest[0] == "ACSA-2026-0001 CVE-2099-90001"
    assert oldest[3] == (
        "10.3.0 – 10.3.2 after 9.11 – before 10.3 9.11.0 – 9.11.8 9.8.0 – before 9.11"
    )
    assert oldest[4] == "10.4.0 10.3.3 9.11.9"
    assert oldest[5] == f"{markers(1)['title']} {markers(1)['summary']}"
    assert "ACSA-2026-0004" not in dom and markers(4)["title"] not in dom


def test_screenshots_at_desktop_and_phone_widths(served: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shots = {
        "site-index-desktop.png": ("1280,900", "index.html"),
        "site-index-phone.png": ("390,1400", "index.html"),
        "site-advisory-desktop.png": ("1280,1100", "advisories/ACSA-2026-0001.html"),
        "site-advisory-phone.png": ("390,1500", "advisories/ACSA-2026-0002.html"),
    }
    for name, (size, page) in shots.items():
        target = ARTIFACTS / name
        target.unlink(missing_ok=True)
        chromium(tmp_path, f"--window-size={size}", f"--screenshot={target}", served + page)
        data = target.read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name

"""Every kind of page of the site in headless Chromium, through the DOM: axe-core finds no
violation, nothing runs past the edge at 390 px, the CVSS vector stays whole, code is never
hidden, the index's filters work without a script, and the page prints cleanly.

tests/node/pages.mjs drives Chromium (Debian's ``chromium``, through playwright-core: no
browser download) and runs axe-core in each page; the npm packages are pinned in
tests/node/package-lock.json and installed by ``make pytest`` (``npm ci``). Screenshots (each
page kind at 1280 and 390 px, and printed) and PDFs go to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.paths import ARTIFACTS, REPO_ROOT, keep
from tests.helpers.sites import CONFIG, marked, serve

pytestmark = pytest.mark.browser
NODE_DIR = REPO_ROOT / "tests" / "node"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NODE = shutil.which("node")
WIDTHS = (1280, 390)
CVSS4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
LONG_CODE = "curl --fail --silent https://acme.example/api/v4/" + "very/long/path/" * 12
# The page kinds: the index, an advisory released (placeholder) and one disclosed, the
# versions' index, a version's page ("am I affected?") and the hall of fame.
PAGES = {
    "index": "index.html",
    "released": "advisories/ACSA-2026-0003.html",
    "disclosed": "advisories/ACSA-2026-0001.html",
    "versions": "versions/index.html",
    "version": "versions/10.3.2.html",
    "credits": "credits.html",
}


def _body() -> str:
    return (
        "## Impact\n\nMARKER-BODY-0001 lets a signed-in user export **private** channels. See "
        "[the permissions guide](https://acme.example/docs/permissions/"
        + "a-very-long-segment-" * 6
        + ").\n\n## Reproduce\n\n```sh\n"
        + LONG_CODE
        + "\n```\n\nThe call `"
        + "export_private_channels_with_" * 4
        + "token` succeeds.\n\n## Affected lines\n\n"  # (two tables: each box is a region)
        + "| "
        + " | ".join(f"Line 10.{n}" for n in range(10))
        + " |\n"
        + "|---" * 10
        + "|\n"
        + "| "
        + " | ".join(f"10.{n}.0 to 10.{n}.3" for n in range(10))
        + " |\n"
        + "\n| Line | Fixed |\n|---|---|\n| 10.3 | 10.3.3 |\n"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One site and one browser run for the module's tests, which only read the report: each
    # run of pages.mjs takes about 30 s (every page kind at every width, printed, filtered).
    ws = Workspace(tmp_path_factory.mktemp("a11y"))
    (ws.root / "advisories").mkdir()
    ws.write("releasekit.toml", CONFIG)
    marked(ws, 1, body=_body(), cvss4=f'"{CVSS4}"')
    marked(ws, 2, released="2026-11-20T16:00:00Z", severity='"critical"')
    marked(ws, 3, released="2026-11-24T16:00:00Z", fixed='{ "10.4" = "10.4.1" }', severity='"low"')
    marked(ws, 4, released=None)  # embargoed: nowhere
    build.publish_workspace(workspace.open_workspace(ws.root), datetime(2026, 11, 25, tzinfo=UTC))
    with serve(ws.root / "site") as url:
        yield url


def run_pages(tmp_path: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Run tests/node/pages.mjs on ``spec``; its report."""
    if NODE is None:
        why = "node is not installed: the axe-core and layout checks need Node.js"
        if os.environ.get("CI"):  # CI has Node.js: a missing one is a broken CI, not a skip
            pytest.fail(why)
        pytest.skip(why)
    if not (NODE_DIR / "node_modules" / "axe-core").is_dir():
        pytest.fail("the npm packages are not installed: run `make node-deps` (npm ci there)")
    # Made and checked in the test's own directory, then copied to test-artifacts/: another
    # worker may be writing the same names there.
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    spec = {"chromium": CHROMIUM, "artifacts": str(artifacts), "widths": list(WIDTHS), **spec}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    result = subprocess.run(
        [NODE, str(NODE_DIR / "pages.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=NODE_DIR,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    keep(*sorted(artifacts.iterdir()))
    return report


@pytest.fixture(scope="module")
def report(served: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pages = [{"kind": kind, "url": served + rel} for kind, rel in PAGES.items()]
    clicks = [
        ["f-severity-critical"],
        ["f-severity-low"],
        ["f-line-9.11"],
        ["f-severity-high", "f-line-10.3"],
        ["f-severity-low", "f-severity-all"],
    ]
    spec = {"pages": pages, "filters": {"url": served, "clicks": clicks}}
    return run_pages(tmp_path_factory.mktemp("pages"), spec)


def test_axe_core_finds_no_violation_on_any_page_kind(report: dict[str, Any]) -> None:
    screens = report["screens"]
    assert {(s["kind"], s["width"]) for s in screens} == {(k, w) for k in PAGES for w in WIDTHS}
    found = {f"{s['kind']} at {s['width']} px": s["violations"] for s in screens if s["violations"]}
    assert found == {}
    assert all(s["status"] == 200 and s["layout"]["scripts"] == 0 for s in screens)


def test_nothing_runs_past_the_edge_or_hides_text(report: dict[str, Any]) -> None:
    for screen in report["screens"]:
        layout, where = screen["layout"], f"{screen['kind']} at {screen['width']} px"
        assert layout["width"] == screen["width"], where
        assert layout["overflow"] <= 0 and layout["bodyOverflow"] <= 0, where
        assert layout["hidden"] == [], where
        for pre in layout["pres"]:  # wrapped, or scrolling in its own box within the page
            assert pre["fits"] or pre["scrolls"], where
            assert pre["right"] <= screen["width"], where
    disclosed = [s for s in report["screens"] if s["kind"] == "disclosed"]
    assert all(len(s["layout"]["pres"]) == 1 for s in disclosed)


def test_the_cvss_vectors_are_whole_at_every_width(report: dict[str, Any]) -> None:
    for screen in report["screens"]:
        if screen["kind"] not in ("released", "disclosed"):
            continue  # (the other pages show severities, not vectors)
        vectors = screen["layout"]["vectors"]
        expected = ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"]
        if screen["kind"] == "disclosed":
            expected.append(CVSS4)
        assert [v["text"] for v in vectors] == expected
        for vector in vectors:
            assert vector["broken"] == [], (screen["width"], vector)
            assert vector["right"] <= screen["width"], (screen["width"], vector)


def test_every_page_kind_prints_cleanly(report: dict[str, Any]) -> None:
    assert [p["kind"] for p in report["print"]] == list(PAGES)
    for printed in report["print"]:
        assert printed["shown"] == [], printed["kind"]  # no navigation, filters or crumbs
        layout = printed["layout"]
        assert layout["overflow"] <= 0 and layout["hidden"] == [], printed["kind"]
        assert all(pre["fits"] for pre in layout["pres"]), printed["kind"]  # wrapped on paper
        pdf = Path(printed["pdf"]).read_bytes()
        assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000, printed["kind"]


def test_the_filters_narrow_the_index_without_a_script(report: dict[str, Any]) -> None:
    one, two, three = "ACSA-2026-0001", "ACSA-2026-0002", "ACSA-2026-0003"
    expected = [
        (["f-severity-critical"], [two]),
        (["f-severity-low"], [three]),
        (["f-line-9.11"], [two, one]),  # advisory 3 is fixed on 10.4 only
        (["f-severity-high", "f-line-10.3"], [one]),
        (["f-severity-low", "f-severity-all"], [three, two, one]),
    ]
    for width in WIDTHS:
        shown = report["filters"][str(width)]
        assert [(s["ids"], s["rows"]) for s in shown] == expected, width
        assert shown[3]["checked"] == ["f-severity-high", "f-line-10.3"]


def test_screenshots_of_every_page_kind_are_kept(report: dict[str, Any]) -> None:
    shots = [s["screenshot"] for s in report["screens"] + report["print"]]
    assert len(shots) == len(PAGES) * (len(WIDTHS) + 1)
    for shot in shots:
        # Checked where the run made it (another worker may be rewriting test-artifacts/),
        # and a copy kept there.
        assert not Path(shot).is_relative_to(ARTIFACTS), shot
        data = Path(shot).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, shot
        assert (ARTIFACTS / Path(shot).name).read_bytes() == data, shot

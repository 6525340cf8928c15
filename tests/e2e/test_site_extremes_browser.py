"""Pages of advisories with the content real ones have, at its edges, in headless Chromium.

A title of one 250-character word (a URL, a Java class name), a summary of one long word, a
component and a credited name without a space, a table of many columns in the details: each
page still fits a phone (375 px), a desktop (1280 px) and paper, with nothing past the edge
(the table scrolls in its own box on a screen and breaks its cells on paper). Screenshots go
to test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.browser import Browser
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, marked, serve

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
URL = "https://acme.example/" + "verylongpathsegment" * 16  # no space: one word
CLASS = "org.acme.server.channels." + "PermissionCheckingExportServiceImpl" * 8
PAGES = {
    "index": "index.html",
    "url-title": "advisories/ACSA-2026-0001.html",
    "class-title": "advisories/ACSA-2026-0002.html",
    "credits": "credits.html",
    "wide-table": "advisories/ACSA-2026-0004.html",
}
COLUMNS = 12
WIDE_TABLE = (
    "| "
    + " | ".join(f"Affected line {n}" for n in range(COLUMNS))
    + " |\n"
    + "|---" * COLUMNS
    + "|\n"
    + ("| " + " | ".join(f"10.{n}.0 to 10.{n}.3" for n in range(COLUMNS)) + " |\n") * 3
)
WIDTHS = (375, 1280)
# How far the page runs past the viewport, and the elements with text past its edge.
OVERFLOW = """(() => {
  const width = document.documentElement.clientWidth;
  const past = [...document.body.querySelectorAll("*")].filter((el) => {
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) return false;
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();  // read out to screen readers only (a 1 px box)
      const clips = getComputedStyle(e).overflow !== "visible";
      if ((r.width <= 1 || r.height <= 1) && clips) return false;
    }
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const x = getComputedStyle(e).overflowX;
      if (x === "auto" || x === "scroll") return false;  // in a box of its own that scrolls
    }
    return [...el.getClientRects()].some((r) => r.width > 0 && r.right > width + 1);
  }).map((el) => el.tagName.toLowerCase() + ": " + el.textContent.trim().slice(0, 40));
  return {overflow: document.documentElement.scrollWidth - width, past};
})()"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = Workspace(tmp_path_factory.mktemp("ws"))
    ws.write("releasekit.toml", CONFIG)
    long_word = '"' + "A" * 600 + '"'
    marked(ws, 1, title=f'"{URL[:250]}"', summary=long_word)
    marked(ws, 2, title=f'"{CLASS[:250]}"', component=f'"{CLASS}"', reporter=f'"{"Z" * 120}"')
    # a credited name and a title that override the direction of what follows them (U+202E)
    spoof = '"Eve \\u202eX"'
    marked(ws, 3, title=spoof.replace("Eve", "Title"), reporter=spoof)
    marked(ws, 4, body="## Affected\n\n" + WIDE_TABLE + "\nText after the table.\n")
    build.publish_workspace(workspace.open_workspace(ws.root), NOW)
    return ws.root / "site"


@pytest.fixture(scope="module")
def measured(site: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    """Each page's overflow at each width and on paper (A4 less its margins: 680 px)."""
    ARTIFACTS.mkdir(exist_ok=True)
    found: dict[str, dict[str, object]] = {}
    with serve(site) as url, Browser(tmp_path_factory.mktemp("chromium")) as browser:
        for media, widths in (("screen", WIDTHS), ("print", (680,))):
            browser.call("Emulation.setEmulatedMedia", session=True, media=media)
            for width in widths:
                browser.width(width)
                for kind, rel in PAGES.items():
                    browser.open(url + rel)
                    where = f"{kind} at {width} px" + (" printed" if media == "print" else "")
                    found[where] = {"kind": kind, **browser.evaluate(OVERFLOW)}
                    browser.screenshot(ARTIFACTS / f"extremes-{kind}-{width}-{media}.png")
    return found


def test_long_words_break_rather_than_run_past_the_edge(
    measured: dict[str, dict[str, object]],
) -> None:
    wide = {w: m for w, m in measured.items() if _wide(m)}
    assert wide == {}


def _wide(measure: dict[str, object]) -> bool:
    return measure["overflow"] != 0 or measure["past"] != []


# Whether the characters of ``text`` inside the element ``selector`` are drawn left to right,
# in the order they are written (an override in advisory text before them reverses them).
IN_ORDER = """((selector, text) => {
  const el = document.querySelector(selector);
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const chars = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) chars.push([node, i]);
  }
  const full = chars.map(([node, i]) => node.data[i]).join("");
  const start = full.lastIndexOf(text);
  if (start < 0) return "not found: " + full;
  const xs = chars.slice(start, start + text.length).filter(([n, i]) => n.data[i] !== " ")
    .map(([node, i]) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect().left;
    });
  return xs.every((x, k) => k === 0 || x > xs[k - 1]);
})"""


def test_a_bidi_override_in_advisory_text_does_not_reorder_the_page(
    site: Path, tmp_path: Path
) -> None:
    with serve(site) as url, Browser(tmp_path / "chromium") as browser:
        browser.width(1280)
        browser.open(url + "credits.html")
        li = '.credits li:has(a[href$="ACSA-2026-0003.html"])'
        assert browser.evaluate(f"{IN_ORDER}({li!r}, 'ACSA-2026-0003 (finder)')") is True
        browser.open(url + "advisories/ACSA-2026-0003.html")
        assert browser.evaluate(f"{IN_ORDER}('.credit-list li', '(finder)')") is True
        title = browser.evaluate("document.title")
    # (a tab's title has no markup: the title is isolated by U+2068 ... U+2069)
    assert title == "ACSA-2026-0003: \u2068Title \u202eX\u2069 · Acme Server security updates"


class _Tracker(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_image_of_another_host_is_not_loaded_by_a_reader(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A reporter's text may hold a tracking pixel: each reader's browser fetched it from the
    # page of the advisory, telling its host who read it and when.
    tracker = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    thread = threading.Thread(target=tracker.serve_forever, daemon=True)
    thread.start()
    try:
        there = f"http://127.0.0.1:{tracker.server_address[1]}"
        ws = Workspace(tmp_path / "ws")
        ws.write("releasekit.toml", CONFIG)
        body = f"Inline ![pixel]({there}/inline.png) and ![ref][p].\n\n[p]: {there}/ref.png\n"
        marked(ws, 1, body=body)
        build.publish_workspace(workspace.open_workspace(ws.root), NOW)
        page = (ws.root / "site/advisories/ACSA-2026-0001.html").read_text()
        assert f'src="{there}/inline.png"' in page  # (the Markdown renders the image)
        with serve(ws.root / "site") as url, Browser(tmp_path / "chromium") as browser:
            browser.open(url + "advisories/ACSA-2026-0001.html")
            time.sleep(0.5)  # (an image request goes out as the page loads)
            images = browser.evaluate("document.images.length")
        assert images == 2
        assert _Tracker.seen == []
    finally:
        tracker.shutdown()
        tracker.server_close()
        thread.join(timeout=5)

"""The site built from real advisories (RustSec's, CC0), looked at as a reader would.

tests/fixtures/rustsec-site/ is a workspace of three RustSec advisories as the benchmark's
converter makes them: ids such as RUSTSEC-2023-0125 with a CVE id under each, many affected
lines, details laid out as GitHub's advisories are (``###`` sections). Screenshots go to
test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import itertools
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.e2e.test_site_a11y import run_pages
from tests.helpers.browser import Browser
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import serve

pytestmark = pytest.mark.browser
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "rustsec-site"
ARTIFACTS = REPO_ROOT / "test-artifacts"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
CARDS = {"index": "index.html", "version": "versions/0.2.0.html"}
# WCAG's reflow width (320 CSS px: 1280 px zoomed to 400 %) and a common phone.
PHONES = (320, 375)
# How far the page runs past the viewport, and the text of the cards (the index's rows, a
# version page's) that runs past its cell: into the card's padding or over its border.
CARD_TEXT = """(() => {
  const width = document.documentElement.clientWidth;
  const past = [];
  for (const cell of document.querySelectorAll(".updates tbody td, .updates tbody th")) {
    const edge = cell.getBoundingClientRect().right;
    for (const el of [cell, ...cell.querySelectorAll("*")]) {
      if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      if ([...el.getClientRects()].some((r) => r.width > 0 && r.right > edge + 0.5)) {
        past.push(cell.dataset.label + ": " + el.textContent.trim().slice(0, 40));
      }
    }
  }
  return {overflow: document.documentElement.scrollWidth - width, past};
})()"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rustsec") / "ws"
    shutil.copytree(FIXTURE, root)
    build.publish_workspace(workspace.open_workspace(root), NOW)
    return root / "site"


def test_cards_fit_a_narrow_phone(site: Path, tmp_path: Path) -> None:
    # A card's label sat beside its value in a column of 8.75rem: at 320 px an advisory id
    # (RUSTSEC-2023-0125, which does not break) ran past the card and the page scrolled
    # sideways; at 375 px it ran into the card's padding, to its border.
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    with serve(site) as url, Browser(tmp_path / "chromium") as browser:
        for width in PHONES:
            browser.width(width)
            for kind, rel in CARDS.items():
                browser.open(url + rel)
                found[f"{kind} at {width} px"] = browser.evaluate(CARD_TEXT)
                browser.screenshot(ARTIFACTS / f"rustsec-{kind}-{width}.png")
    assert found == {where: {"overflow": 0, "past": []} for where in found}


# Each heading of the page, in order: its level, its text and its font size (px).
HEADINGS = """[...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) =>
  [Number(h.tagName[1]), h.textContent.trim(), parseFloat(getComputedStyle(h).fontSize)])"""


@pytest.mark.parametrize("ident", ["RUSTSEC-2020-0071", "RUSTSEC-2024-0371"])
def test_the_details_headings_go_right_under_details(
    site: Path, tmp_path: Path, ident: str
) -> None:
    # GitHub's advisory layout has "### Impact", "### Patches", ...: moved one level down
    # they were <h4> right under the page's <h2> "Details", with no <h3> (axe-core's
    # heading-order), and a "####" under them an <h5>, as large as they were.
    with serve(site) as url, Browser(tmp_path / "chromium") as browser:
        browser.open(url + f"advisories/{ident}.html")
        headings = browser.evaluate(HEADINGS)
    levels = [found for found, _, _ in headings]
    assert levels[:3] == [1, 2, 3]  # the title, "Details", the text's first heading
    assert headings[1][1] == "Details"
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), headings
    assert 4 in levels  # a section's subsection: smaller than the section's heading
    sizes = {found: size for found, _, size in headings}
    assert sizes[2] > sizes[3] > sizes[4], sizes


# The index as a phone shows it at first (iPhone SE: 375 x 667 CSS px): where the first
# advisory starts, the release line's control and the rows shown.
FIRST_SCREEN = """(() => {
  const select = document.querySelector("select#f-line");
  return {
    first: document.querySelector(".updates tbody tr").getBoundingClientRect().top,
    screen: window.innerHeight,
    radios: document.querySelectorAll('input[name="line"]').length,
    label: select && select.labels.length === 1 ? select.labels[0].textContent : null,
    options: select ? [...select.options].map((o) => o.textContent) : [],
  };
})()"""
SHOWN = """[document.activeElement.id, document.querySelector("#f-line").value,
  [...document.querySelectorAll(".updates tbody tr")]
    .filter((r) => getComputedStyle(r).display !== "none").map((r) => r.id)]"""


def _key(browser: Browser, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        browser.call(
            "Input.dispatchKeyEvent",
            session=True,
            type=kind,
            key=key,
            code=key if len(key) > 1 else f"Digit{key}" if key.isdigit() else "Period",
            windowsVirtualKeyCode=code,
            **({"text": key} if kind == "keyDown" and len(key) == 1 else {}),
        )


def test_many_release_lines_make_one_list_and_the_rows_come_first(
    site: Path, tmp_path: Path
) -> None:
    # RustSec's database has a line for each version of any crate: 158 of them, one radio
    # button each, filled two phone screens before the first advisory (23 lines here: the
    # first advisory was off the first screen). Past a handful, the lines are one <select>,
    # and its selected option filters the rows as a radio button did, without a script.
    with serve(site) as url, Browser(tmp_path / "chromium") as browser:
        browser.width(375, 667)
        browser.open(url + "index.html")
        seen = browser.evaluate(FIRST_SCREEN)
        browser.screenshot(ARTIFACTS / "rustsec-index-filters-375.png")
        assert seen["first"] < seen["screen"], seen
        assert seen["radios"] == 0
        assert seen["label"] == "Release line"
        assert seen["options"][:3] == ["All 23 lines", "0.55 (1)", "0.54 (1)"]
        assert len(seen["options"]) == 24 and "0.2 (2)" in seen["options"]
        browser.evaluate('document.querySelector("#f-line").focus()')
        _key(browser, "ArrowDown", 40)  # the newest line: 0.55, aws-sigv4's only
        down = browser.evaluate(SHOWN)
        for key in "0.2":  # typed: the line that starts so (time, aws-sigv4)
            _key(browser, key, ord(key) if key.isdigit() else 190)
        typed = browser.evaluate(SHOWN)
    assert down == ["f-line", "0.55", ["RUSTSEC-2023-0125"]]
    assert typed == ["f-line", "0.2", ["RUSTSEC-2023-0125", "RUSTSEC-2020-0071"]]


def test_axe_core_finds_no_violation_in_the_index_with_many_lines(
    site: Path, tmp_path: Path
) -> None:
    # The list of lines has its label, and fits the page at each width.
    with serve(site) as url:
        page = {"kind": "rustsec-index", "url": url + "index.html"}
        report = run_pages(tmp_path, {"pages": [page], "filters": None})
    found = {s["width"]: (s["violations"], s["layout"]["overflow"]) for s in report["screens"]}
    assert found == {1280: ([], 0), 390: ([], 0)}

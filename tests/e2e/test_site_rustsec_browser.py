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

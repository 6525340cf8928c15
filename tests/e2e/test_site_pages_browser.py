"""The version pages ("am I affected?"), the hall of fame and the links, in headless Chromium.

One Chromium (tests/helpers/browser.py) loads the site from a thread HTTP server on
127.0.0.1 and reads each page back through the DOM. The advisories' affected ranges are
written here a second time, as plain data (SPECS), and every version of the test product is
checked against them: a version page lists exactly the advisories whose ranges include its
version, with the version to upgrade to. Screenshots of each new kind of page, at 1280 and
390 px, go to test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.site import build
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.browser import Browser
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import CONFIG, marked, markers, serve

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"
NOW = datetime(2026, 11, 25, tzinfo=UTC)
POLICY = "https://acme.example/security/policy"
RELEASES = "https://acme.example/releases/{version}"


@dataclass(frozen=True)
class Spec:
    """What an advisory of the test says of its versions, and what the pages must show."""

    n: int
    released: str
    fixed: dict[str, str]
    introduced: str | None
    severity: str  # as the version page shows it
    disclosed: bool
    public: bool = True


SPECS = (
    Spec(
        1,
        "2026-10-13T14:00:07Z",
        {"10.4": "10.4.0", "10.3": "10.3.3", "9.11": "9.11.9"},
        "9.8",
        "Medium 6.5",
        True,
    ),
    Spec(
        2,
        "2026-11-20T16:00:00Z",
        {"10.3": "10.3.5", "10.2": "10.2.7"},
        "10.2.3",
        "Critical 10.0",
        False,
    ),
    Spec(3, "2026-09-01T08:00:00Z", {"10.1": "10.1.2"}, "10.0", "Not scored", True),
    Spec(
        4,
        "2026-10-01T08:00:00Z",
        {"10.4": "10.4.1", "10.3": "10.3.4"},
        "10.3.1",
        "Medium 6.9",
        True,
    ),
    Spec(5, "2026-10-02T08:00:00Z", {}, "10.4.0", "Medium 6.5", True),
    Spec(6, "2027-01-01T00:00:00Z", {"11.0": "11.0.1"}, "11.0", "", False, public=False),
)
PRODUCT = [  # every version of the test product
    f"{major}.{minor}.{patch}"
    for major, minors in ((9, range(8, 12)), (10, range(0, 5)), (11, range(0, 1)))
    for minor in minors
    for patch in range(0, 13)
]


def key(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def line_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def affects(spec: Spec, version: str) -> bool:
    """Whether ``spec``'s ranges include ``version`` (written from the contract, not from
    releasekit: on a fixed line, from its X.Y.0 or ``introduced`` up to the fix; on an
    older line, from ``introduced``; on a line between two fixed ones, from ``introduced``,
    or without it when the older one had an affected release, unless the newer is X.0 right
    after a line of X-1; with no fix recorded, from ``introduced`` on)."""
    if not spec.public:
        return False
    v = key(version)
    if spec.introduced and v < key(spec.introduced):
        return False
    line = line_of(version)
    if line in spec.fixed:
        return v < key(spec.fixed[line])
    if not spec.fixed:
        return spec.introduced is not None
    oldest = min(spec.fixed, key=key)
    if key(line) < key(oldest):
        return spec.introduced is not None
    newer = _nearest_above(spec, line)
    if newer is None:
        return False
    older = max((f for f in spec.fixed if key(f) < key(line)), key=key)
    if key(newer)[:2] == (key(older)[0] + 1, 0):
        return False
    return spec.introduced is not None or key(spec.fixed[older])[2] > 0


def _nearest_above(spec: Spec, line: str) -> str | None:
    above = [f for f in spec.fixed if key(f) > key(line)]
    return min(above, key=key) if above else None


def upgrade(spec: Spec, version: str) -> str:
    """The "Upgrade to" cell of ``spec`` on the page of ``version``."""
    line = line_of(version)
    if not spec.fixed:
        return "No fixed version recorded"
    if line in spec.fixed:
        return spec.fixed[line]
    nearest = _nearest_above(spec, line) or min(spec.fixed, key=key)
    return (
        f"{spec.fixed[nearest]} on {nearest}, the nearest supported line (its own line has no fix)"
    )


def named(spec: Spec) -> set[str]:
    """The versions ``spec``'s ranges name (each gets a page)."""
    if not spec.public:
        return set()
    found = {v for v in spec.fixed.values()}
    found |= {v for v in PRODUCT if line_of(v) in spec.fixed and affects(spec, v)}
    if spec.introduced:
        found.add(
            ".".join(spec.introduced.split(".") + ["0"] * (3 - len(spec.introduced.split("."))))
        )
    return found


def order(spec: Spec) -> tuple[str, int]:
    return (spec.released, spec.n)


def _write(ws: Workspace) -> None:
    config = CONFIG.replace(
        'site_url = "https://acme.example/security"\n',
        f'site_url = "https://acme.example/security"\npolicy_url = "{POLICY}"\n'
        f'release_url = "{RELEASES}"\n',
    )
    ws.write("releasekit.toml", config + '\n[disclosure]\nat_release = ["credits"]\n')
    for spec in SPECS:
        fixed = "{ " + ", ".join(f'"{k}" = "{v}"' for k, v in spec.fixed.items()) + " }"
        extra: dict[str, str] = {"introduced": f'"{spec.introduced}"'}
        if spec.n in (1, 2):
            extra["credits"] = (
                f'[{{ name = "{markers(spec.n)["reporter"]}", type = "finder" }}, '
                '{ name = "Jane Doe", type = "analyst" }, { name = "Jane Doe", type = "finder" }]'
            )
        if spec.n == 2:
            extra["cvss"] = '"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:L"'
        if spec.n == 4:
            extra["cvss4"] = '"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"'
        path = marked(ws, spec.n, released=spec.released, fixed=fixed, **extra)
        drop = {"severity", "severity_reason"}
        if spec.n in (3, 4):
            drop.add("cvss")
        if spec.n in (1, 2):
            drop.add("reporter")
        lines = [line for line in path.read_text().split("\n") if line.split(" = ")[0] not in drop]
        path.write_text("\n".join(lines))


@pytest.fixture
def site(ws: Workspace) -> Path:
    """The test's site, published at NOW."""
    _write(ws)
    build.publish_workspace(workspace.open_workspace(ws.root), NOW)
    return ws.root / "site"


@pytest.fixture
def served(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with Browser(tmp_path / "chromium-profile") as opened:
        yield opened


ROWS = """[...document.querySelectorAll('table.affected tbody tr')].map(tr => ({
  id: tr.querySelector('th a').textContent,
  href: tr.querySelector('th a').getAttribute('href'),
  cells: [...tr.querySelectorAll('td')].map(td => td.textContent.replace(/\\s+/g, ' ').trim()),
}))"""
LINKS = "[...document.querySelectorAll('a')].map(a => [a.textContent.trim(), a.href])"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_every_version_page_lists_exactly_the_advisories_that_affect_it(
    served: str, browser: Browser
) -> None:
    browser.width(1280)
    browser.open(served + "versions/index.html")
    pages = browser.evaluate(
        "[...document.querySelectorAll('.version-list a')].map(a => a.getAttribute('href'))"
    )
    have = {page.removesuffix(".html") for page in pages}
    expected = set().union(*(named(spec) for spec in SPECS))
    assert have == expected
    assert not any(v.startswith("11.") for v in have)  # embargoed: no page, anywhere
    checked = 0
    for version in PRODUCT:
        hits = sorted((s for s in SPECS if affects(s, version)), key=order, reverse=True)
        if version not in have:
            continue  # (no range names it: the pages are exactly the named versions, above)
        browser.open(served + f"versions/{version}.html")
        assert browser.evaluate("document.querySelector('h1').textContent") == (
            f"Acme Server {version}"
        )
        rows = browser.evaluate(ROWS)
        assert [row["id"] for row in rows] == [f"ACSA-2026-{s.n:04d}" for s in hits], version
        for row, spec in zip(rows, hits, strict=True):
            assert row["href"] == f"../advisories/ACSA-2026-{spec.n:04d}.html"
            assert row["cells"][0] == spec.severity, (version, spec.n)
            assert row["cells"][1] == upgrade(spec, version), (version, spec.n)
        if not hits:
            assert "No published advisory affects" in browser.evaluate("document.body.innerText")
        checked += 1
    assert checked == len(have) and checked > 20


def test_credits_links_and_unscored_in_chromium(site: Path, served: str, browser: Browser) -> None:
    browser.width(1280)
    browser.open(served + "credits.html")
    people = browser.evaluate(
        "[...document.querySelectorAll('section.year')].map(s => [s.querySelector('h2')"
        ".textContent, [...s.querySelectorAll('li')].map(li => li.textContent)])"
    )
    assert people == [
        [
            "2026",
            [
                "Jane Doe: ACSA-2026-0001 (analyst, finder)",  # once per advisory
                "MARKER-REPORTER-0001: ACSA-2026-0001 (finder)",
                "MARKER-REPORTER-0003: ACSA-2026-0003 (finder)",
                "MARKER-REPORTER-0004: ACSA-2026-0004 (finder)",
                "MARKER-REPORTER-0005: ACSA-2026-0005 (finder)",
            ],
        ]
    ]  # not 2: released with its credits shown (at_release), but not disclosed
    browser.open(served + "index.html")
    links = dict(browser.evaluate(LINKS))
    assert links["Am I affected?"] == served + "versions/index.html"
    assert links["Hall of fame"] == served + "credits.html"
    assert links["CVE-2099-90001"] == "https://www.cve.org/CVERecord?id=CVE-2099-90001"
    assert links["10.3.3"] == "https://acme.example/releases/10.3.3"
    assert links["Responsible Disclosure Policy"] == POLICY
    cells = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('tr[id]')].map(tr => [tr.id, "
        "[...tr.querySelectorAll('td')].map(td => td.textContent.replace(/\\s+/g, ' ').trim())]))"
    )
    assert cells["ACSA-2026-0003"][2] == "Not scored"
    assert cells["ACSA-2026-0004"][2] == "Medium 6.9"  # a 4.0 vector alone scores it
    assert cells["ACSA-2026-0005"][3] == "10.4.0 and later"
    assert cells["ACSA-2026-0005"][4] == "No fixed version recorded"
    assert "None" not in json.dumps(cells)
    assert "ACSA-2026-0006" not in cells
    browser.open(served + "advisories/ACSA-2026-0001.html")
    links = dict(browser.evaluate(LINKS))
    assert links["CVE-2099-90001"] == "https://www.cve.org/CVERecord?id=CVE-2099-90001"
    assert links["CWE-1901"] == "https://cwe.mitre.org/data/definitions/1901.html"
    credits = browser.evaluate(
        "[...document.querySelectorAll('.credit-list li')].map(li => li.textContent)"
    )
    assert credits == ["MARKER-REPORTER-0001 (finder)", "Jane Doe (analyst, finder)"]
    browser.open(served + "advisories/ACSA-2026-0002.html")  # released: the placeholder
    links = dict(browser.evaluate(LINKS))
    assert links["Responsible Disclosure Policy"] == POLICY
    assert links["10.2.7"] == "https://acme.example/releases/10.2.7"
    browser.open(served + "advisories/ACSA-2026-0004.html")
    text = browser.evaluate("document.querySelector('.facts').innerText")
    assert "6.9" in text and "CVSS:4.0/AV:N" in text
    data = json.loads((site / "advisories.json").read_text())
    entries = {entry["id"]: entry for entry in data["advisories"]}
    assert entries["ACSA-2026-0003"]["severity"] == "unscored"
    assert entries["ACSA-2026-0003"]["scored"] is False
    assert entries["ACSA-2026-0005"]["ranges"] == [
        {"from": "10.4.0", "below": None, "line": "10.4", "upgrade": None, "upgrade_line": None}
    ]


def test_new_pages_at_desktop_and_phone_widths(served: str, browser: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    kinds = {
        "versions": "versions/index.html",
        "version": "versions/10.3.2.html",
        "credits": "credits.html",
    }
    for width, label in ((1280, "desktop"), (390, "phone")):
        browser.width(width)
        for kind, page in kinds.items():
            browser.open(served + page)
            assert browser.evaluate(FITS), (page, width)  # nothing wider than the screen
            heads = browser.evaluate(
                "[...document.querySelectorAll('h1, h2, h3')].map(h => +h.tagName[1])"
            )
            assert heads[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(heads)), page
            target = ARTIFACTS / f"site-{kind}-{label}.png"
            target.unlink(missing_ok=True)
            browser.screenshot(target)
            data = target.read_bytes()
            assert data.startswith(b"\x89PNG") and len(data) > 5_000, target


def test_the_rss_channel_links_the_page(site: Path) -> None:
    feed = (site / "feed.xml").read_text()
    channel = feed.split("<item>")[0]
    assert "<link>https://acme.example/security/</link>" in channel
    assert "<link>https://acme.example/security/feed.xml</link>" not in channel

"""Firefox's release process (Mozilla's, the archetype of the backport policy) on a small
repository with its real branch, tag and version file names (:mod:`tests.helpers.mozilla`):
a new major every four weeks on ``release``, the next one on ``beta``, ESR lines on
``esr128`` and ``esr115``; a security release outside the train (a "chemspill", as
Firefox 131.0.2, ESR 128.3.1 and ESR 115.16.1 of MFSA 2024-51) is a dot release of each
line: FIREFOX_133_0_4_RELEASE, FIREFOX_128_5_1esr_RELEASE, FIREFOX_115_18_1esr_RELEASE.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_conventions import plan_lines, workspace
from tests.helpers.mozilla import firefox_like
from tests.helpers.repos import Product

ESR_TAG = '"FIREFOX_{version:_}esr_RELEASE"'
BUMPS = (
    '[[releases.bump]]\npath = "browser/config/version.txt"\nformat = "{version}"\n\n'
    '[[releases.bump]]\npath = "config/milestone.txt"\nformat = "{version}"\n'
)


def firefox_workspace(tmp_path: Path, product: Product, extra: str = "", **more: str) -> Path:
    """The lines as Mozilla names them: 134 on beta (upcoming), 133 on release, the ESRs."""
    releases = {
        "tag": '"FIREFOX_{version:_}_RELEASE"',
        "esr_tag": ESR_TAG,
        "line_parts": "1",
        "branch": '"esr{line}"',
        "branches": '{ "133" = "release", "134" = "beta" }',
        "upcoming": '"134"',
        "esr": '["128", "115"]',
        "last": "1",
        **more,
    }
    root = workspace(tmp_path, product, BUMPS + extra, **releases)
    config = root / "releasekit.toml"
    config.write_text(config.read_text().replace('"ACSA"', '"MFSA"').replace("Acme ", "Firefox "))
    return root


def test_esr_lines_are_tagged_with_their_esr_spelling(tmp_path: Path) -> None:
    # One spelling for every line tagged ESR 128's next release FIREFOX_128_5_1_RELEASE, a
    # name Mozilla never writes; and read_tags could read FIREFOX_128_5_0esr_RELEASE but
    # never write it.
    root = firefox_workspace(tmp_path, firefox_like(tmp_path / "firefox"))
    assert plan_lines(root)[1:] == [
        ("133", "release", "133.0.3", "133.0.4", "FIREFOX_133_0_4_RELEASE"),
        ("128", "esr128", "128.5.0", "128.5.1", "FIREFOX_128_5_1esr_RELEASE"),
        ("115", "esr115", "115.18.0", "115.18.1", "FIREFOX_115_18_1esr_RELEASE"),
    ]

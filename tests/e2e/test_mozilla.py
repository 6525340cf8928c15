"""Firefox's release process (Mozilla's, the archetype of the backport policy) on a small
repository with its real branch, tag and version file names (:mod:`tests.helpers.mozilla`):
a new major every four weeks on ``release``, the next one on ``beta``, ESR lines on
``esr128`` and ``esr115``; a security release outside the train (a "chemspill", as
Firefox 131.0.2, ESR 128.3.1 and ESR 115.16.1 of MFSA 2024-51) is a dot release of each
line: FIREFOX_133_0_4_RELEASE, FIREFOX_128_5_1esr_RELEASE, FIREFOX_115_18_1esr_RELEASE.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner

from releasekit.cli import cli
from tests.e2e.test_conventions import plan_lines, run, workspace
from tests.e2e.test_embargo import EMBARGO, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.gpg import GpgHome
from tests.helpers.mozilla import firefox_like
from tests.helpers.repos import Product, git
from tests.helpers.smtp import SmtpServer

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
        "pre_releases": "true",  # (its betas: FIREFOX_134_0b9_RELEASE)
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


def test_the_next_major_and_a_first_dot_release_are_spelt_as_mozilla_does(
    tmp_path: Path,
) -> None:
    # The upcoming line's first version was 134.0.0 (the newest release, 133.0.3, has
    # three numbers), recorded so in `fixed`: Mozilla calls it 134.0. After 133.0 the next
    # was 133.1, as PostgreSQL's 16.2 -> 16.3: Firefox's dot release is 133.0.1.
    root = firefox_workspace(tmp_path, firefox_like(tmp_path / "firefox", dot=False))
    assert plan_lines(root)[:2] == [
        ("134", "beta", None, "134.0", None),
        ("133", "release", "133.0", "133.0.1", "FIREFOX_133_0_1_RELEASE"),
    ]


def init_firefox(tmp_path: Path, product: Product) -> tuple[str, str]:
    """``init --repository`` on ``product``: what it printed, and the table it wrote."""
    made = CliRunner().invoke(
        cli, ["init", str(tmp_path / "ws"), "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    return made.output, (tmp_path / "ws" / "releasekit.toml").read_text()


def test_init_reads_mozillas_tags_and_esr_branches(tmp_path: Path) -> None:
    # It stopped at "no release tags (like v1.2.3 or 1.2.3) in the clone".
    output, config = init_firefox(tmp_path, firefox_like(tmp_path / "firefox"))
    for setting in (
        "line_parts = 1",
        'branch = "esr{line}"',
        'tag = "FIREFOX_{version:_}_RELEASE"',
        'esr_tag = "FIREFOX_{version:_}esr_RELEASE"',
        'esr = ["128", "115"]',
        'path = "browser/config/version.txt"',
        'path = "config/milestone.txt"',
    ):
        assert "\n" + setting in config
    assert "# read_tags" in config
    assert (
        'inferred: esr = ["128", "115"]: tagged FIREFOX_{version:_}esr_RELEASE, on esr128 and '
        "esr115"
    ) in output
    assert "esr is a guess" not in output
    # Its betas are tagged: a line fixed in its first release had them affected.
    assert "\npre_releases = true" in config
    assert (
        "inferred: pre_releases = true: a line's first release has pre-releases, like "
        "FIREFOX_134_0b9_RELEASE"
    ) in output


def test_init_says_which_lines_release_and_beta_carry(tmp_path: Path) -> None:
    # No name says the line of release (133) or beta (134): init guessed upcoming 134 on
    # main and said "line 133 has no branch: create one", a branch Mozilla never makes.
    output, config = init_firefox(tmp_path, firefox_like(tmp_path / "firefox"))
    assert (
        "check: branches: no name says the line of release, which carries "
        "FIREFOX_133_0_3_RELEASE, nor of beta, which carries the pre-release "
        "FIREFOX_134_0b9_RELEASE: if they carry 133 and 134, set branches = "
        '{ "133" = "release", "134" = "beta" }, upcoming = "134" and last = 1 (133), and '
        "move them on each merge day"
    ) in output
    assert "line 133 has no branch: create one" not in output
    # As the README's table says it, the plan reads it.
    text = config.replace(
        'branches = { "134" = "main" }', 'branches = { "133" = "release", "134" = "beta" }'
    )
    (tmp_path / "ws" / "releasekit.toml").write_text(text.replace("last = 0", "last = 1"))
    assert plan_lines(tmp_path / "ws")[1:] == [
        ("133", "release", "133.0.3", "133.0.4", "FIREFOX_133_0_4_RELEASE"),
        ("128", "esr128", "128.5.0", "128.5.1", "FIREFOX_128_5_1esr_RELEASE"),
        ("115", "esr115", "115.18.0", "115.18.1", "FIREFOX_115_18_1esr_RELEASE"),
    ]


ADVISORY = {
    "id": "MFSA-2026-0001", "title": "Use-after-free in animation timeline",
    "cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "cve": "CVE-2026-40009",
    "embargo": EMBARGO_AT, "summary": "A page could run code in the content process.",
}  # fmt: skip
LINES = {"134": "beta", "133": "release", "128": "esr128", "115": "esr115"}
FIX = ({"dom/animation/Timeline.cpp": "// checked\n"}, "Bug 1923344")


def test_a_chemspill_is_lifted_as_mozilla_names_it(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    product = firefox_like(tmp_path / "firefox")
    extra = mail_table(smtp_server, gpg_home.fingerprint)
    root = firefox_workspace(
        tmp_path, product, extra, committer='"Release Bot <release@example.org>"'
    )
    hold_fixes(root, product, ADVISORY, LINES, FIX)
    dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    for tag in ("FIREFOX_133_0_4_RELEASE", "FIREFOX_128_5_1esr_RELEASE"):
        assert tag in dry.stdout
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    new = set(git(product.remote, "tag", "--list").split()) - set(
        git(product.clone, "tag", "--list").split()
    )
    assert new == {
        "FIREFOX_133_0_4_RELEASE", "FIREFOX_128_5_1esr_RELEASE", "FIREFOX_115_18_1esr_RELEASE",
    }  # fmt: skip
    for tag, branch in (
        ("FIREFOX_128_5_1esr_RELEASE", "esr128"),
        ("FIREFOX_133_0_4_RELEASE", "release"),
    ):
        assert git(product.remote, "rev-parse", f"{tag}^{{commit}}") == product.tip(branch)
    assert git(product.remote, "show", "esr128:browser/config/version.txt") == "128.5.1"
    assert git(product.remote, "log", "-1", "--format=%s", "beta") == "Bug 1923344"
    advisory = (root / "advisories" / "MFSA-2026-0001.md").read_text()
    assert (
        'fixed = { "115" = "115.18.1", "128" = "128.5.1", "133" = "133.0.4", "134" = "134.0" }'
        in advisory
    )
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=True):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    # Scanners compare numbers (Mozilla's own CVE records say "lessThan 128.5.1" under the
    # product Firefox ESR): no "esr" reaches a range.
    record = json.loads((root / "site" / "osv" / "MFSA-2026-0001.json").read_text())
    ranges = {
        (event.get("introduced"), event.get("fixed"))
        for affected in record["affected"]
        for window in affected["ranges"]
        for event in [dict(pair for e in window["events"] for pair in e.items())]
    }
    # Of the lines between the fixed ones the fixture has released 132 alone (the lift
    # records it: `unfixed`): its gap starts there, and none lies between 115 and 128.
    assert 'unfixed = ["132"]' in advisory
    # The beta 134, fixed in 134.0: its earlier betas (134.0b1...) had the bug, as 133 did.
    assert ranges == {
        ("133.0.0", "133.0.4"), ("128.0.0", "128.5.1"), ("115.0.0", "115.18.1"),
        ("132.0.0", "133.0.4"), ("134.0.0-0", "134.0.0"),
    }  # fmt: skip

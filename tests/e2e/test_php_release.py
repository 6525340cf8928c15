"""A PHP security release, on a small repository with php-src's branches, tags and real
version files (tests/helpers/php.py, tests/fixtures/php/).

PHP (php/php-src; its snapshot was too large to fetch) has version branches ``PHP-8.1``
to ``PHP-8.4``, develops on ``master``, spells its tags ``php-8.3.14`` and its pre-releases
``php-8.4.0RC4``, and tags each release on a local branch that is never pushed. Between
releases a version branch says the next version in development: ``PHP_VERSION
"8.3.15-dev"``, ``PHP_EXTRA_VERSION "-dev"``, ``PHP_VERSION_ID 80315`` in
``main/php_version.h`` and ``AC_INIT([PHP],[8.3.15-dev],...)`` in ``configure.ac``; the
release commit drops the ``-dev``. 8.4 and 8.3 are in active support, 8.2 and 8.1 get
security fixes only.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from releasekit.model.advisory import parse_advisory
from tests.e2e.test_embargo import EMBARGO, LISTS, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.gpg import GpgHome
from tests.helpers.php import (
    CONFIGURE,
    HEADER,
    ZEND,
    configure_ac,
    files,
    php_like,
    php_version_h,
    release_candidate,
)
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
URL = "https://github.com/php/php-src"
# The version files as a PHP release manager describes them: the "-dev" dropped from the
# extra version, the version and configure.ac; PHP_VERSION_ID and PHP_RELEASE_VERSION say
# the next version already between releases (left as they are), and are moved when not.
BUMP = """
[[releases.bump]]
path = "main/php_version.h"
format = '''
#define PHP_EXTRA_VERSION ""
#define PHP_VERSION "{version}"'''
development = '''
#define PHP_EXTRA_VERSION "-dev"
#define PHP_VERSION "{version}-dev"'''

[[releases.bump]]
path = "main/php_version.h"
format = "#define PHP_VERSION_ID {major}{minor:02}{micro:02}"

[[releases.bump]]
path = "main/php_version.h"
format = "#define PHP_RELEASE_VERSION {micro}"

[[releases.bump]]
path = "configure.ac"
format = "AC_INIT([PHP],[{version}],"
development = "AC_INIT([PHP],[{version}-dev],"
"""
# Zend/zend.h: the engine's version, 4 then PHP's minor and micro ("4.3.15-dev"), moved
# with PHP's at each release candidate and release.
ZEND_BUMP = """
[[releases.bump]]
path = "Zend/zend.h"
format = '#define ZEND_VERSION "4.{minor}.{micro}"'
development = '#define ZEND_VERSION "4.{minor}.{micro}-dev"'
"""
LINES = {"8.5": "master", "8.4": "PHP-8.4", "8.3": "PHP-8.3", "8.2": "PHP-8.2", "8.1": "PHP-8.1"}
NEXT = {"8.5": "8.5.0", "8.4": "8.4.2", "8.3": "8.3.15", "8.2": "8.2.27", "8.1": "8.1.32"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def workspace(tmp_path: Path, product: Product, extra: str, off: bool = True) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(
        workspace_config(
            product.clone,
            extra,
            branch='"PHP-{line}"',
            branches='{ "8.5" = "master" }',
            tag='"php-{version}"',
            tags_off_branch="true" if off else "false",
            upcoming='"8.5"',
            esr='["8.2", "8.1"]',
            last="2",
            committer='"PHP Release <release@example.org>"',
        ).replace(
            'time_zone = "America/Los_Angeles"', f'time_zone = "UTC"\nrepository_url = "{URL}"'
        )
        + '\n[policy]\nlow = ["upcoming", "last"]\n'  # security-only lines: not for Low
    )
    return root


ADVISORY = {
    "id": ID, "title": "Header parsing reads past the end of a buffer", "cvss": HIGH,
    "cve": "CVE-2026-40041", "embargo": EMBARGO_AT,
    "summary": "Some request headers were read past their end.",
}  # fmt: skip

FIX = (
    {"main/rfc1867.c": "/* stop at the end of the header */\n"},
    "Fix reading a header to its end",
)


php_template, php = copied_product("php", php_like)


def test_init_reads_phps_branches_and_tags(php: Product, tmp_path: Path) -> None:
    # The patch-level branches (PHP-8.3.14) are no lines; 8.4.0RC4 is no release; and each
    # line's newest release is on no branch while the branches say their next version in
    # development: init proposes that the lift tags releases so too.
    ws = tmp_path / "ws"
    made = CliRunner().invoke(
        cli,
        ["init", str(ws), "--name", "PHP", "--vendor", "PHP", "--prefix", "PHPSA",
         "--repository", str(php.clone)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    config = (ws / "releasekit.toml").read_text()
    for setting in (
        'branch = "PHP-{line}"',
        'branches = { "8.5" = "master" }',
        'tag = "php-{version}"',
        'upcoming = "8.5"',
        "tags_off_branch = true",
        "release_off_branch = true",
        'development = "AC_INIT([PHP],[{version}-dev],',
    ):
        assert setting in config
    assert 'inferred: tag = "php-{version}": the newest release is php-8.4.1' in made.output
    said = "inferred: tags_off_branch = true: php-8.4.1, each line's newest, is on no branch"
    assert said in made.output
    assert "inferred: release_off_branch = true: the branches say" in made.output
    assert "nor any branch" not in made.output
    # The version headers, each define a bump, as a release manager describes them (BUMP,
    # ZEND_BUMP): PHP_EXTRA_VERSION is cleared with PHP_VERSION's "-dev".
    for said in (
        'main/php_version.h: #define PHP_EXTRA_VERSION "" / #define PHP_VERSION "{version}"',
        'main/php_version.h: between releases #define PHP_EXTRA_VERSION "-dev" / '
        '#define PHP_VERSION "{version}-dev" (development)',
        "main/php_version.h: #define PHP_VERSION_ID {major}{minor:02}{micro:02} (8.4.1",
        "main/php_version.h: #define PHP_RELEASE_VERSION {micro} (8.4.1",
        'Zend/zend.h: #define ZEND_VERSION "4.{minor}.{micro}" (8.4.1',
        'Zend/zend.h: between releases #define ZEND_VERSION "4.{minor}.{micro}-dev"',
    ):
        assert f"inferred: [[releases.bump]] {said}" in made.output
    assert "check: [[releases.bump]]" not in made.output
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0


@pytest.mark.parametrize("off", [True, False])
def test_the_plan_reads_releases_tagged_off_the_branches(
    php: Product, tmp_path: Path, off: bool
) -> None:
    root = workspace(tmp_path, php, BUMP, off)
    hold_fixes(root, php, ADVISORY, LINES, FIX)
    planned = run(root, "plan", "--json")
    if not off:  # only tags on a line's branch count: php-8.3.14 is on none
        assert planned.exit_code == 1
        assert "line 8.3: no release tag of 8.3 is on PHP-8.3" in planned.output
        return
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == NEXT
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    for name in ("8.4", "8.3", "8.2", "8.1"):
        release = lines[name]["release"]
        assert (lines[name]["problems"], release["files"]) == ([], [CONFIGURE, HEADER])
    assert lines["8.5"]["release"] is None


def test_while_a_release_candidate_is_out(php: Product, tmp_path: Path) -> None:
    # Two weeks before 8.3.15: php-8.3.15RC1 is out, PHP-8.3 says 8.3.16-dev and the
    # patch-level branch PHP-8.3.15 says 8.3.15-dev. The RC is no release (8.3.15 is
    # next), and PHP-8.3 cannot make 8.3.15: the plan names the file, changing nothing.
    release_candidate(php, "8.3.15")
    root = workspace(tmp_path, php, BUMP)
    hold_fixes(root, php, ADVISORY, {"8.3": "origin/PHP-8.3"}, FIX)
    planned = run(root, "plan")
    assert planned.exit_code == 1
    assert "line 8.3 (PHP-8.3): releases.bump: configure.ac must contain" in planned.output
    # The release goes out from the patch-level branch, as PHP makes it.
    config = root / "releasekit.toml"
    config.write_text(
        config.read_text().replace(
            'branches = { "8.5" = "master" }',
            'branches = { "8.5" = "master", "8.3" = "PHP-8.3.15" }',
        )
    )
    assert run(root, "patch", "remove", ID, "--line", "8.3").exit_code == 0
    hold_fixes(root, php, ADVISORY, {"8.3": "origin/PHP-8.3.15"}, FIX)
    planned = run(root, "plan", "--json")
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert (lines["8.3"]["branch"], lines["8.3"]["next_version"]) == ("PHP-8.3.15", "8.3.15")
    assert lines["8.3"]["problems"] == []
    assert lines["8.3"]["release"]["files"] == [CONFIGURE, HEADER]


def test_a_security_release_of_every_supported_line(
    php: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    extra = mail_table(smtp_server, gpg_home.fingerprint) + BUMP
    root = workspace(tmp_path, php, extra)
    hold_fixes(root, php, ADVISORY, LINES, FIX)
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # Each tag says its version with no "-dev", PHP_VERSION_ID as configure computes it.
    for line, version in NEXT.items():
        if line != "8.5":
            assert php.released(f"php-{version}", HEADER, CONFIGURE) == (
                {HEADER: php_version_h(version), CONFIGURE: configure_ac(version)},
                [CONFIGURE, HEADER],
            )
    tags = git(php.remote, "tag", "--list").split()
    assert "php-8.5.0" not in tags
    assert git(php.remote, "show", f"master:{HEADER}") + "\n" == php_version_h("8.5.0", dev=True)
    text = (root / "advisories" / f"{ID}.md").read_text()
    advisory = parse_advisory(text, Path(f"advisories/{ID}.md"), "ACSA")
    assert dict(advisory.fixed) == NEXT
    assert len(smtp_server.messages) == len(LISTS)
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    events = [r["events"] for entry in record["affected"] for r in entry["ranges"]]
    assert [{"introduced": "8.3.0"}, {"fixed": "8.3.15"}] in events
    assert [{"introduced": "8.1.0"}, {"fixed": "8.1.32"}] in events
    assert (root / "site" / "versions" / "8.4.0.html").exists()
    assert "8.4.0RC4" not in (root / "site" / "advisories.json").read_text()
    # The next security release, from the branch the lift left saying 8.3.15 (before the
    # project's "PHP-8.3 is now for PHP 8.3.16-dev"): PHP_VERSION_ID and
    # PHP_RELEASE_VERSION move too.
    git(php.clone, "fetch", "-q", "--tags", "origin")
    second = "ACSA-2026-0002"
    (root / "advisories" / f"{second}.md").write_text(
        f'+++\nid = "{second}"\ntitle = "A second header fix"\ncvss = "{HIGH}"\n'
        'cve = "CVE-2026-40042"\nembargo = 2026-12-15T14:00:00Z\n'
        'summary = "Other headers were read past their end."\n+++\n\nDetails.\n'
    )
    for line, branch in LINES.items():
        patch = root.parent / f"second-{line}.patch"
        files = {"main/SAPI.c": "/* stop at the end */\n"}
        git(php.dev, "fetch", "-q", "origin")
        patch.write_bytes(php.fix(f"origin/{branch}", files, "Fix another header read"))
        held = run(root, "patch", "add", second, "--line", line, str(patch))
        assert held.exit_code == 0, held.output
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    with time_machine.travel(EMBARGO + timedelta(days=14, seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    texts, changed = php.released("php-8.3.16", HEADER, CONFIGURE)
    header, configure = texts[HEADER], texts[CONFIGURE]
    assert (header, configure) == (php_version_h("8.3.16"), configure_ac("8.3.16"))
    assert changed == [CONFIGURE, HEADER]


def test_a_release_tagged_off_its_branch_as_php_makes_it(
    php: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # PHP's version branches always say a "-dev" version; only the release tags say one
    # without it. With release_off_branch the tag points at the release commit on the last
    # fix, on no branch (the release manager's local release branch), and the branch gets
    # the fixes and then "PHP-8.3 is now for PHP 8.3.16-dev" (docs/release-process.md).
    extra = mail_table(smtp_server, gpg_home.fingerprint) + BUMP + ZEND_BUMP
    root = workspace(tmp_path, php, extra)
    config = root / "releasekit.toml"
    config.write_text(
        config.read_text().replace(
            "tags_off_branch = true", "tags_off_branch = true\nrelease_off_branch = true"
        )
    )
    hold_fixes(root, php, ADVISORY, LINES, FIX)
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        shown = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    # The dry run shows the release commit (on no branch) and the branch's next commit.
    assert shown.exit_code == 0, shown.output
    assert "tagged php-8.3.15, on no branch" in shown.output
    assert "PHP-8.3 is now for Acme Server 8.3.16-dev" in shown.output
    assert '+#define ZEND_VERSION "4.3.16-dev"' in shown.output
    assert lifted.exit_code == 0, lifted.output
    for line, version in NEXT.items():
        if line == "8.5":  # master gets the fix only, and stays at 8.5.0-dev
            master = git(php.remote, "show", f"master:{ZEND}") + "\n"
            assert master == files("8.5.0", dev=True)[ZEND]
            continue
        branch, after = LINES[line], _after(version)
        # The tag: "Update versions for PHP 8.3.15", every file without "-dev".
        texts, changed = php.released(f"php-{version}", HEADER, CONFIGURE, ZEND)
        assert texts == files(version)
        assert changed == [ZEND, CONFIGURE, HEADER]
        # The branch: the fix, then the next version in development; the tag on no branch.
        head = git(php.remote, "rev-parse", branch)
        assert {p: git(php.remote, "show", f"{head}:{p}") + "\n" for p in texts} == files(
            after, dev=True
        )
        message = git(php.remote, "log", "-1", "--format=%s", head)
        assert message == f"{branch} is now for Acme Server {after}-dev"
        tagged = git(php.remote, "rev-parse", f"php-{version}^{{commit}}")
        last_fix = git(php.remote, "rev-parse", f"{head}~1")
        assert git(php.remote, "rev-parse", f"{tagged}~1") == last_fix
        assert git(php.remote, "branch", "--contains", tagged) == ""
        assert git(php.remote, "log", "-1", "--format=%s", f"{head}~1") == FIX[1]
    # The next release of 8.3 is 8.3.16, from the branch as the lift left it.
    git(php.clone, "fetch", "-q", "--tags", "origin")
    second = {**ADVISORY, "id": "ACSA-2026-0002", "cve": "CVE-2026-40042"}
    other = ({"main/SAPI.c": "/* stop at the end */\n"}, "Fix another header read")
    hold_fixes(root, php, second, {"8.3": "origin/PHP-8.3"}, other)
    planned = run(root, "plan", "--json")
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert (lines["8.3"]["next_version"], lines["8.3"]["problems"]) == ("8.3.16", [])
    assert lines["8.3"]["release"]["files"] == [ZEND, CONFIGURE, HEADER]


def _after(version: str) -> str:
    """The version after ``version`` on its line: 8.3.16 after 8.3.15."""
    major, minor, micro = version.split(".")
    return f"{major}.{minor}.{int(micro) + 1}"

"""An OpenSSL security release, on a small repository with OpenSSL's branches, tags and
real version file (tests/helpers/openssl.py, tests/fixtures/openssl/).

OpenSSL (openssl/openssl; its snapshot was too large to fetch) releases from branches
``openssl-3.0`` ... ``openssl-3.4``, tags ``openssl-3.0.15``, develops on ``master``, and
writes its version in ``VERSION.dat`` over several lines (``MAJOR=3``, ``MINOR=0``,
``PATCH=15``, ``PRE_RELEASE_TAG=``, ``RELEASE_DATE="3 Sep 2024"``). Right after each
release its branch says the next version in development (``PATCH=16``,
``PRE_RELEASE_TAG=dev``, ``RELEASE_DATE=""``). 3.0 is the LTS line; its policy fixes
Moderate and higher issues in every supported line, Low ones in master only.
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
from tests.helpers.openssl import DAT, openssl_like, version_dat
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
MODERATE = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 5.9: every supported line
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
URL = "https://github.com/openssl/openssl"
# VERSION.dat as a release manager describes it: PATCH, PRE_RELEASE_TAG and RELEASE_DATE
# move together, "dev" and no date between releases; the date as release.sh writes it.
BUMP = """
[[releases.bump]]
path = "VERSION.dat"
format = '''
PATCH={micro}
PRE_RELEASE_TAG=
BUILD_METADATA=
RELEASE_DATE="{date:%-d %b %Y}"
'''
development = '''
PATCH={micro}
PRE_RELEASE_TAG=dev
BUILD_METADATA=
RELEASE_DATE=""
'''
"""
# The same in one-line TOML strings: the format with no line end after PRE_RELEASE_TAG=,
# which "PRE_RELEASE_TAG=dev" starts with.
BUMP_SHORT = """
[[releases.bump]]
path = "VERSION.dat"
format = "PATCH={micro}\\nPRE_RELEASE_TAG="
development = "PATCH={micro}\\nPRE_RELEASE_TAG=dev"
"""
LINES = {
    "3.5": "master",
    "3.4": "openssl-3.4",
    "3.3": "openssl-3.3",
    "3.2": "openssl-3.2",
    "3.1": "openssl-3.1",
    "3.0": "openssl-3.0",
}
NEXT = {"3.5": "3.5.0", "3.4": "3.4.1", "3.3": "3.3.3", "3.2": "3.2.4", "3.1": "3.1.8"}
NEXT |= {"3.0": "3.0.16"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(
        workspace_config(
            product.clone,
            extra,
            branch='"openssl-{line}"',
            branches='{ "3.5" = "master" }',
            tag='"openssl-{version}"',
            upcoming='"3.5"',
            esr='["3.0"]',
            last="4",
            committer='"OpenSSL Release <openssl@example.org>"',
        ).replace(
            'time_zone = "America/Los_Angeles"', f'time_zone = "UTC"\nrepository_url = "{URL}"'
        )
        + '\n[policy]\nlow = ["upcoming"]\n'
    )
    return root


def hold(root: Path, product: Product, cvss: str, lines: dict[str, str], **more: str) -> None:
    advisory = {
        "id": ID, "title": "Handshakes with unauthenticated servers do not abort", "cvss": cvss,
        "cve": "CVE-2026-40031", "embargo": EMBARGO_AT, **more,
        "summary": "Clients could miss a failed server check.",
    }  # fmt: skip
    fix = {"ssl/statem/statem_clnt.c": "/* abort on a failed check */\n"}
    hold_fixes(root, product, advisory, lines, (fix, "Fix the abort of a failed check"))


openssl_template, openssl = copied_product("openssl", openssl_like)


def test_init_reads_openssls_branches_and_tags(openssl: Product, tmp_path: Path) -> None:
    # The 1.1.1 spelling (OpenSSL_1_1_1w, letter releases) is no version: it is left out;
    # the alpha and beta of 3.4.0 are pre-releases, never a line's newest release.
    ws = tmp_path / "ws"
    made = CliRunner().invoke(
        cli,
        ["init", str(ws), "--name", "OpenSSL", "--vendor", "OpenSSL", "--prefix", "OSSL",
         "--repository", str(openssl.clone)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    config = (ws / "releasekit.toml").read_text()
    for setting in (
        'branch = "openssl-{line}"',
        'branches = { "3.5" = "master" }',
        'tag = "openssl-{version}"',
        'upcoming = "3.5"',
    ):
        assert setting in config
    assert 'inferred: tag = "openssl-{version}": the newest release is openssl-3.4.0' in made.output
    assert "OpenSSL_1_1_1" not in config
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0


@pytest.mark.parametrize("bump", [BUMP, BUMP_SHORT])
def test_the_plan_takes_the_dev_state_to_the_release(
    openssl: Product, tmp_path: Path, bump: str
) -> None:
    # A High issue in code new in 3.2: master, 3.4, 3.3 and 3.2. Each branch says the next
    # version's dev state; the release commit clears PRE_RELEASE_TAG, and tags it as the
    # next patch after the newest release (openssl-3.4.0, not its beta). A format of one
    # line could not say it; with no line end after "PRE_RELEASE_TAG=", the file seemed
    # to say the next release already ("PATCH=4" + "PRE_RELEASE_TAG=" of "...=dev") and
    # the tag got the dev state, with nothing in the release commit.
    root = workspace(tmp_path, openssl, bump)
    fixed = {line: LINES[line] for line in ("3.5", "3.4", "3.3", "3.2")}
    hold(root, openssl, HIGH, fixed, introduced="3.2")
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == NEXT
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    for name in ("3.4", "3.3", "3.2"):
        assert (lines[name]["problems"], lines[name]["release"]["files"]) == ([], [DAT])
    assert lines["3.5"]["release"] is None


def test_a_moderate_fix_is_released_in_every_line(
    openssl: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    extra = mail_table(smtp_server, gpg_home.fingerprint) + BUMP
    root = workspace(tmp_path, openssl, extra)
    hold(root, openssl, MODERATE, LINES)
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    # The release commit's lines: PRE_RELEASE_TAG cleared and the date, PATCH=16 as it was.
    assert dry.output.count("+PRE_RELEASE_TAG=\n") == 5 and "+PATCH=" not in dry.output
    assert dry.output.count('+RELEASE_DATE="1 Dec 2026"\n') == 5
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # Each tag's VERSION.dat says the release and its date, as OpenSSL's release commit does, and
    # its commit changes VERSION.dat only; master gets the fix, no tag.
    for line, version in NEXT.items():
        if line != "3.5":
            released = version_dat(version, "1 Dec 2026")  # the day of the embargo, UTC
            assert openssl.released(f"openssl-{version}", DAT) == ({DAT: released}, [DAT])
    tags = git(openssl.remote, "tag", "--list").split()
    assert "openssl-3.5.0" not in tags
    assert git(openssl.remote, "show", f"master:{DAT}") + "\n" == version_dat("3.5.0")
    text = (root / "advisories" / f"{ID}.md").read_text()
    advisory = parse_advisory(text, Path(f"advisories/{ID}.md"), "ACSA")
    assert dict(advisory.fixed) == NEXT
    assert advisory.unfixed == ()
    assert len(smtp_server.messages) == len(LISTS)
    # The OSV record: each line up to its fix, and one GIT range of the fix commits.
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    events = [r["events"] for entry in record["affected"] for r in entry["ranges"]]
    assert [{"introduced": "3.0.0"}, {"fixed": "3.0.16"}] in events
    assert [{"introduced": "3.4.0"}, {"fixed": "3.4.1"}] in events
    git_ranges = [r for e in record["affected"] for r in e["ranges"] if r["type"] == "GIT"]
    assert len(git_ranges) == 1 and git_ranges[0]["repo"] == URL
    assert (root / "site" / "versions" / "3.4.0.html").exists()
    assert "3.4.0-beta1" not in (root / "site" / "advisories.json").read_text()


LOW = "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"  # 2.6: master only


def test_a_low_fix_in_master_only_needs_introduced(
    openssl: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # OpenSSL fixes Low issues in master only. Fixed in 3.5.0 alone, with no `introduced`,
    # the record said nothing was affected (OSV "affected": [], no version page but
    # 3.5.0): a scanner took 3.4.0 and 3.0.15 for safe. The plan now asks for it.
    extra = mail_table(smtp_server, gpg_home.fingerprint) + BUMP
    root = workspace(tmp_path, openssl, extra)
    hold(root, openssl, LOW, {"3.5": "master"})
    planned = run(root, "plan")
    assert planned.exit_code == 1, planned.output
    assert (
        f"advisories/{ID}.md: introduced: not set, and {ID} is fixed only in a first "
        "release (3.5.0): no released version would be recorded affected; set it to the "
        "first line with the affected code"
    ) in planned.stderr
    text = (root / "advisories" / f"{ID}.md").read_text()
    (root / "advisories" / f"{ID}.md").write_text(
        text.replace("summary", 'introduced = "3.2"\nsummary')
    )
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    assert "openssl-3.4.1" not in git(openssl.remote, "tag", "--list").split()
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    events = [r["events"] for entry in record["affected"] for r in entry["ranges"]]
    assert events == [[{"introduced": "3.2.0"}, {"fixed": "3.5.0"}]]

"""A Go security release, on a small repository with Go's branches and tags and its real
``VERSION`` file (tests/helpers/golang.py, tests/fixtures/golang/).

Go (golang/go) releases from ``release-branch.go1.23``-style branches, tags ``go1.23.5``
(a line's first release ``go1.23.0`` since 1.21, ``go1.20`` before; candidates
``go1.24rc3``), and develops the next line on ``master``, which has no ``VERSION`` file. On
a release branch ``VERSION`` says the tag of its newest release and, on a second line,
when it was made (``time 2025-01-31T21:35:26Z``); each minor release is one commit,
"[release-branch.go1.23] go1.23.6", that changes only that file. The two newest lines
are supported; a line in its candidates and master get the fix too.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from releasekit.model.advisory import parse_advisory
from tests.e2e.test_embargo import EMBARGO, LISTS, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.golang import GOVERSION, go_like, goversion, version_file
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
BUMP = """
[[releases.bump]]
path = "VERSION"
format = '''
go{version}
time {date:%Y-%m-%dT%H:%M:%SZ}'''
"""
LINES = {
    "1.25": "master", "1.24": "release-branch.go1.24", "1.23": "release-branch.go1.23",
    "1.22": "release-branch.go1.22",
}  # fmt: skip
ADVISORY = {
    "id": ID, "title": "Unbounded header parsing", "cvss": HIGH, "cve": "CVE-2026-40041",
    "embargo": EMBARGO_AT, "summary": "A crafted header makes the parser run long.",
}  # fmt: skip
FIX = ({"src/net/http/header.go": "// bounded\n"}, "net/http: bound the header parser")


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


go_template, go = copied_product("go", go_like)


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    """A workspace with Go's [releases] table and ``extra``."""
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    config = workspace_config(
        product.clone,
        extra,
        branch='"release-branch.go{line}"',
        branches='{ "1.25" = "master" }',
        tag='"go{version}"',
        upcoming='"1.25"',
        prerelease='["1.24"]',
        esr="[]",
        last="2",
        committer='"Gopher Robot <gobot@example.org>"',
    )
    (root / "releasekit.toml").write_text(config)
    return root


def init_go(tmp_path: Path, product: Product) -> tuple[Path, Result]:
    root = tmp_path / "ws"
    made = CliRunner().invoke(
        cli,
        ["init", str(root), "--name", "Go", "--vendor", "Go", "--prefix", "GOSA",
         "--repository", str(product.clone)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    return root, made


def test_init_reads_gos_branches_tags_and_version_file(go: Product, tmp_path: Path) -> None:
    # init found no version file: VERSION says go1.23.5, the version glued to a word, and
    # the line after it when that release was made. master has no tag: its goversion.go
    # says 25, as each release branch says its line's, so master is 1.25 and 1.24 in its
    # candidates (init said to check and wrote upcoming = "1.24"). 1.21 got no release
    # since go1.23.0 while 1.22 did: last = 2, as Go supports (init wrote 3).
    ws, made = init_go(tmp_path, go)
    config = (ws / "releasekit.toml").read_text()
    for setting in (
        'branch = "release-branch.go{line}"', 'tag = "go{version}"', 'upcoming = "1.25" ',
        'prerelease = ["1.24"] ', 'branches = { "1.25" = "master" } ', "last = 2 ", "esr = [] ",
    ):  # fmt: skip
        assert setting in config, setting
    assert "\n[[releases.bump]]" in config and 'path = "VERSION"' in config
    assert 'format = "go{version}\\ntime {date:%Y-%m-%dT%H:%M:%SZ}"' in config
    said = made.output.splitlines()
    for line in (
        "inferred: [[releases.bump]] VERSION: go{version} / time {date:%Y-%m-%dT%H:%M:%SZ} "
        "(1.23.5 at go1.23.5; / between lines)",
        'inferred: upcoming = "1.25": master\'s src/internal/goversion/goversion.go says 25, '
        "the line after 1.24",
        'inferred: prerelease = ["1.24"]: release-branch.go1.24 carries go1.24rc3 and no '
        "release of 1.24",
        "inferred: last = 2: 1.23, 1.22",
        "check: last = 2 is a guess from release dates: 1.21 got no release after go1.23.0, "
        "1.22 did: if 1.21 is still supported, set last = 3",
    ):
        assert line in said, made.output
    assert not any(each.startswith("check: upcoming") for each in said), made.output
    # The config as init wrote it plans the release of the two supported lines.
    hold_fixes(ws, go, {**ADVISORY, "id": "GOSA-2026-0001"}, LINES, FIX)
    planned = run(ws, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert [name for name, line in lines.items() if line["release"]] == ["1.23", "1.22"]
    assert {name: line["branch"] for name, line in lines.items()} == LINES


def test_a_goversion_that_says_no_line_after_leaves_a_check(go: Product, tmp_path: Path) -> None:
    # master's goversion.go not raised yet (24, release-branch.go1.24's): no line to infer.
    go.commit("master", {GOVERSION: goversion(24)}, "internal/goversion: revert")
    go.publish("master")
    git(go.clone, "fetch", "-q", "origin")
    ws, made = init_go(tmp_path, go)
    config = (ws / "releasekit.toml").read_text()
    assert 'upcoming = "1.24" ' in config and "prerelease =" not in config
    assert any(
        each.startswith("check: upcoming: release-branch.go1.24 carries the pre-release")
        for each in made.output.splitlines()
    ), made.output


def test_a_branch_whose_version_file_lags_is_named_in_one_line(go: Product, tmp_path: Path) -> None:
    # The check showed the format of two lines with an escape: "goVERSION\x0atime ...".
    go.commit("release-branch.go1.22", {"VERSION": version_file("1.22.10")}, "revert VERSION")
    go.publish("release-branch.go1.22")
    git(go.clone, "fetch", "-q", "origin")
    _, made = init_go(tmp_path, go)
    assert (
        "check: [[releases.bump]] VERSION is commented out: it does not say "
        "goVERSION / time {date:%Y-%m-%dT%H:%M:%SZ} on 1.22"
    ) in made.output.splitlines()


def test_the_plan_moves_version_and_its_time(go: Product, tmp_path: Path) -> None:
    root = workspace(tmp_path, go, BUMP)
    hold_fixes(root, go, ADVISORY, LINES, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == {
        "1.25": "1.25.0", "1.24": "1.24.0", "1.23": "1.23.6", "1.22": "1.22.12",
    }  # fmt: skip
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    for name in ("1.23", "1.22"):
        assert (lines[name]["problems"], lines[name]["release"]["files"]) == ([], ["VERSION"])
    assert lines["1.24"]["release"] is None and lines["1.25"]["release"] is None


def test_a_security_release_of_the_two_supported_lines(
    go: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    root = workspace(tmp_path, go, mail_table(smtp_server, gpg_home.fingerprint) + BUMP)
    hold_fixes(root, go, ADVISORY, LINES, FIX)
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # The release commit says the tag and the instant of the release (the embargo), as
    # Go's own "[release-branch.go1.23] go1.23.6" commit does, and changes nothing else.
    for version in ("1.23.6", "1.22.12"):
        texts, changed = go.released(f"go{version}", "VERSION")
        assert (texts["VERSION"], changed) == (
            version_file(version, "2026-12-01T14:00:00Z"),
            ["VERSION"],
        )
    tags = set(git(go.remote, "tag", "--list").split())
    assert not {"go1.24.0", "go1.25.0", "go1.24", "go1.25"} & tags
    assert git(go.remote, "show", "release-branch.go1.24:VERSION").startswith("go1.24rc3\n")
    for branch in LINES.values():
        assert git(go.remote, "show", f"{branch}:src/net/http/header.go") == "// bounded"
    advisory = parse_advisory(
        (root / "advisories" / f"{ID}.md").read_text(), Path(f"advisories/{ID}.md"), "ACSA"
    )
    assert dict(advisory.fixed) == {
        "1.25": "1.25.0", "1.24": "1.24.0", "1.23": "1.23.6", "1.22": "1.22.12",
    }  # fmt: skip
    assert len(smtp_server.messages) == len(LISTS)

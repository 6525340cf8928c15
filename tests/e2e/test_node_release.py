"""A Node.js security release, on a small repository with Node.js's branches, tags and
real version header (tests/helpers/node.py, tests/fixtures/node/).

Node.js (nodejs/node; its snapshot was too large to fetch) releases each major version
from ``v20.x``, ``v22.x``, ``v23.x`` (backports land on ``vN.x-staging`` first) and
develops the next major on ``main``; tags are ``v20.18.1``. Even majors become LTS,
odd ones stay Current. A security release ships every supported line at once
(v18.20.6, v20.18.2, v22.13.1 and v23.6.1 in January 2025). ``src/node_version.h``
writes the version's numbers apart, ``#define NODE_PATCH_VERSION 1``, and
``#define NODE_VERSION_IS_RELEASE 1`` in the release commit only: right after it,
"Working on v20.18.2" sets the next patch and the flag to 0 (a build says
``v20.18.2-pre``). The LTS name sits between the two ("Iron", "Jod").
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
from tests.helpers.gpg import GpgHome
from tests.helpers.node import ARCHIVE, HEADER, changelog_path, node_like, node_version_h
from tests.helpers.repos import Product, copied_product, git
from tests.helpers.smtp import SmtpServer

ID = "NODE-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
# The patch number, which init proposes (it says the next version already between
# releases: left as it is), and the flag that says a release, which it proposes too: the
# release commit sets it to 1 where "Working on" left 0.
PATCH = 'format = "#define NODE_PATCH_VERSION {micro}"'
FLAG = """
[[releases.bump]]                    # a file that carries the version: the lift's release
path = "src/node_version.h"          # commit moves it from the current version to the next
format = "#define NODE_VERSION_IS_RELEASE 1"
development = "#define NODE_VERSION_IS_RELEASE 0"
"""
# Each line's changelog, named by its line; the entry goes after the list of the others.
CHANGELOG = f"""
[releases.changelog]
path = "doc/changelogs/CHANGELOG_V{{line}}.md"
marker = "{ARCHIVE.strip()}"
"""
# Every line gets a security fix: the LTS lines and the Current one.
POLICY = '[policy]\nlow = ["upcoming", "esr", "last"]\n'
LINES = {"24": "main", "23": "v23.x", "22": "v22.x", "20": "v20.x"}
NEXT = {"24": "24.0.0", "23": "23.4.1", "22": "22.12.1", "20": "20.18.2"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


node_template, node = copied_product("node", node_like)


def initialised(
    tmp_path: Path, product: Product, extra: str = "", bump: str = ""
) -> tuple[Path, Result]:
    """A workspace made by `releasekit init --repository`, its bump files as proposed."""
    root = tmp_path / "ws"
    made = CliRunner().invoke(
        cli,
        ["init", str(root), "--name", "Node.js", "--vendor", "OpenJS Foundation",
         "--prefix", "NODE", "--repository", str(product.clone)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    config = (root / "releasekit.toml").read_text()
    assert f"\n{PATCH}\n" in config and FLAG in config  # live, as init proposes them
    head, _, _ = config.partition("[policy]")
    (root / "releasekit.toml").write_text(head + bump + "\n" + POLICY + extra)
    return root, made


def hold(root: Path, product: Product, lines: dict[str, str]) -> None:
    advisory = {
        "id": ID, "title": "Path checks skip drive letters", "cvss": HIGH,
        "cve": "CVE-2026-40051", "embargo": EMBARGO_AT,
        "summary": "A path with a drive letter could pass the permission check.",
    }  # fmt: skip
    fix = {"lib/internal/fs/utils.js": "// check drive letters\n"}
    hold_fixes(root, product, advisory, lines, (fix, "path: check drive letters"))


def test_init_reads_nodes_branches_and_tags(node: Product, tmp_path: Path) -> None:
    # The staging branches (v20.x-staging) are no lines; main develops 24.
    _, made = initialised(tmp_path, node)
    for said in (
        'inferred: branch = "v{line}.x"',
        "inferred: line_parts = 1",
        'inferred: tag = "v{version}"',
        'inferred: upcoming = "24"',
        "inferred: last = 3: 23, 22, 20",
        "inferred: [[releases.bump]] src/node_version.h: #define NODE_PATCH_VERSION {micro}",
        "inferred: [[releases.bump]] src/node_version.h: #define NODE_VERSION_IS_RELEASE 1 "
        "(at v23.4.0), a flag the release commit sets: #define NODE_VERSION_IS_RELEASE 0 "
        "between releases (on v23.x, v22.x, v20.x)",
    ):
        assert said in made.output
    assert "staging" not in (tmp_path / "ws" / "releasekit.toml").read_text()


def test_init_reads_mains_line_from_its_version_header(node: Product, tmp_path: Path) -> None:
    # init guessed upcoming = "24", the major after v23.4.0, and said to check it: main's
    # src/node_version.h says the line (NODE_MAJOR_VERSION 24, "Bump to 24.0.0-pre", as
    # each major release's commit sets it on main), and said 23 at v23.4.0.
    root = tmp_path / "ws"
    made = CliRunner().invoke(cli, ["init", str(root), "--repository", str(node.clone)])
    assert made.exit_code == 0, made.output
    said = 'inferred: upcoming = "24": main\'s src/node_version.h says NODE_MAJOR_VERSION 24'
    assert said in made.output.splitlines()
    checks = [line for line in made.output.splitlines() if line.startswith("check: ")]
    assert checks == [
        "check: esr is a guess from release dates: list the older lines you still support"
    ]
    # The config as init wrote it plans each line on its branch, main as 24.
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = json.loads(planned.stdout)["lines"]
    assert [(n["line"], n["branch"], n["next_version"]) for n in lines] == [
        (line, branch, NEXT[line]) for line, branch in LINES.items()
    ]


def test_a_main_header_of_the_newest_line_leaves_the_guess(node: Product, tmp_path: Path) -> None:
    # Before the major's release commit reaches main, main says 23 as v23.x does: no line
    # after every release, so the major after v23.4.0 stays a guess, and a check says so.
    node.commit("main", {HEADER: node_version_h("23.0.0", False)}, "Back to 23.0.0-pre")
    node.publish("main")
    git(node.clone, "fetch", "-q", "origin")
    made = CliRunner().invoke(cli, ["init", str(tmp_path / "ws"), "--repository", str(node.clone)])
    assert made.exit_code == 0, made.output
    assert 'inferred: upcoming = "24": the major after v23.4.0, on main' in made.output
    assert 'check: upcoming = "24" is a guess: set the line main becomes' in made.output


def test_a_define_older_lines_never_set_is_no_release_flag(node: Product, tmp_path: Path) -> None:
    # A feature 23 has and 22 and 20 lack: 1 at v23.4.1, 0 on v22.x and v20.x and at their
    # releases too. Taken for a flag, the lift would set it on their branches.
    feature = "#define NODE_EXAMPLE_FEATURE {}\n"
    for line, version in (("22", "22.12.1"), ("20", "20.18.2"), ("23", "23.4.1")):
        said = feature.format(int(line == "23"))
        for released in (True, False):
            number = version if released else version[:-1] + str(int(version[-1]) + 1)
            text = node_version_h(number, released) + said
            node.commit(f"v{line}.x", {HEADER: text}, f"Version {number}")
            if released:
                node.tag(f"v{version}", f"v{line}.x")
    node.publish("v23.x", "v22.x", "v20.x")
    git(node.clone, "fetch", "-q", "--tags", "origin")
    root = tmp_path / "ws"
    made = CliRunner().invoke(cli, ["init", str(root), "--repository", str(node.clone)])
    assert made.exit_code == 0, made.output
    config = (root / "releasekit.toml").read_text()
    assert "NODE_EXAMPLE_FEATURE" not in made.output + config
    assert FLAG in config


def test_the_release_commit_sets_the_release_flag(node: Product, tmp_path: Path) -> None:
    # "Working on v20.18.2" left NODE_PATCH_VERSION 2 and NODE_VERSION_IS_RELEASE 0: the
    # release commit must set the flag to 1, or the tag v20.18.2 builds "v20.18.2-pre".
    # A format with no number could not be written (config error, exit 2). init proposes
    # the flag: the config needs no hand edit for it.
    root, _ = initialised(tmp_path, node)
    hold(root, node, LINES)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output + planned.stderr
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == NEXT
    for name in ("23", "22", "20"):
        assert (lines[name]["problems"], lines[name]["release"]["files"]) == ([], [HEADER])
    assert lines["24"]["release"] is None


def test_a_fix_is_released_in_every_line(
    node: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    extra = mail_table(smtp_server, gpg_home.fingerprint)
    root, _ = initialised(tmp_path, node, extra, CHANGELOG)
    hold(root, node, LINES)
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    for line, version in NEXT.items():
        if line != "24":
            # Its own changelog gets the entry; the header is as Node's own release
            # commit writes it: the flag alone changed.
            log = changelog_path(line)
            texts, changed = node.released(f"v{version}", HEADER, log)
            assert texts[HEADER] == node_version_h(version, True)
            assert sorted(changed) == sorted([HEADER, log])
            head, _, entry = texts[log].partition(ARCHIVE + "\n")
            assert f"## {version} (2026-12-01)" in entry.split("<a id=")[0] and head
    tags = set(git(node.remote, "tag", "--list").split())
    assert {"v20.18.2", "v22.12.1", "v23.4.1"} <= tags and "v24.0.0" not in tags
    # main keeps its development state; the staging branches are not pushed.
    assert git(node.remote, "show", f"main:{HEADER}") + "\n" == node_version_h("24.0.0", False)
    assert git(node.remote, "rev-parse", "v20.x-staging") == git(
        node.dev, "rev-parse", "v20.x-staging"
    )
    advisory = parse_advisory(
        (root / "advisories" / f"{ID}.md").read_text(), Path(f"advisories/{ID}.md"), "NODE"
    )
    assert dict(advisory.fixed) == NEXT
    assert len(smtp_server.messages) == len(LISTS)

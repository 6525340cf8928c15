"""A Kubernetes security release, on a small repository with Kubernetes' branches and tags
and the head of its real per-line changelog (tests/helpers/kubernetes.py,
tests/fixtures/kubernetes/).

Kubernetes (kubernetes/kubernetes) releases from ``release-1.31``-style branches, tags
``v1.31.4`` and, on the same commit, the next patch's ``v1.31.5-rc.0`` (krel); its alphas
and betas are tagged on ``master`` (``v1.32.0-alpha.3``, ``v1.32.0-beta.0``), and each
branch is cut at its ``v1.32.0-rc.0``, where master gets the next line's ``v1.33.0-alpha.0``.
No file carries the version (hack/lib/version.sh reads the tags); the release notes go into
``CHANGELOG/CHANGELOG-1.31.md``, a file per line, after its table of contents. The three
newest minor releases are supported, and master and a line in its candidates get the fix.
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
from tests.helpers.kubernetes import MARKER, changelog, changelog_path, kubernetes_like
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"  # 8.1
CHANGELOG = f"""
[releases.changelog]
path = "CHANGELOG/CHANGELOG-{{line}}.md"
marker = "{MARKER}"
"""
LINES = {
    "1.33": "master", "1.32": "release-1.32", "1.31": "release-1.31", "1.30": "release-1.30",
    "1.29": "release-1.29",
}  # fmt: skip
ADVISORY = {
    "id": ID, "title": "Volume paths escape the pod", "cvss": HIGH, "cve": "CVE-2026-40031",
    "embargo": EMBARGO_AT, "summary": "A crafted volume path reaches the node.",
}  # fmt: skip
FIX = ({"pkg/volume/subpath.go": "// checked\n"}, "Check subpaths against the volume root")


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def init(product: Product, root: Path) -> Result:
    return CliRunner().invoke(
        cli,
        ["init", str(root), "--name", "Kubernetes", "--vendor", "Kubernetes", "--prefix",
         "K8SA", "--repository", str(product.clone)],
    )  # fmt: skip


kubernetes_template, kubernetes = copied_product("kubernetes", kubernetes_like)


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    """A workspace with Kubernetes' [releases] table (what init infers) and ``extra``."""
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    config = workspace_config(
        product.clone,
        extra,
        branches='{ "1.33" = "master" }',
        upcoming='"1.33"',
        prerelease='["1.32"]',
        esr="[]",
        last="3",
        committer='"Release Bot <release@example.org>"',
    )
    (root / "releasekit.toml").write_text(config)
    return root


def test_init_takes_master_as_the_line_of_its_alpha(kubernetes: Product, tmp_path: Path) -> None:
    # init took release-1.32 (in its candidates) as the upcoming line, and master, which
    # carries v1.33.0-alpha.0, got no fix but for a check to read.
    made = init(kubernetes, tmp_path / "ws")
    assert made.exit_code == 0, made.output
    config = (tmp_path / "ws" / "releasekit.toml").read_text()
    for setting in (
        'branch = "release-{line}"',
        'branches = { "1.33" = "master" }',
        'tag = "v{version}"',
        'upcoming = "1.33"',
        'prerelease = ["1.32"]',
        "last = 3 ",
    ):
        assert setting in config, setting
    said = made.output.splitlines()
    assert 'inferred: upcoming = "1.33": master carries the pre-release v1.33.0-alpha.0' in said
    assert (
        'inferred: prerelease = ["1.32"]: release-1.32 carries v1.32.0-rc.1 and no release of 1.32'
    ) in said
    assert not [each for each in said if each.startswith("check: upcoming")]
    # The line's changelog, found on the newest release's branch, after the generated
    # table of contents (init found none: no CHANGELOG.md at the root).
    assert (
        "check: [releases.changelog] CHANGELOG/CHANGELOG-{line}.md is commented out: set "
        "marker, the line each release's entry goes after (a guess: "
        '"<!-- END MUNGE: GENERATED_TOC -->"), then uncomment it'
    ) in said
    assert '# path = "CHANGELOG/CHANGELOG-{line}.md"' in config
    assert "inferred: last = 3: 1.31, 1.30, 1.29" in made.output
    assert run(tmp_path / "ws", "advisory", "check").exit_code == 0
    assert run(tmp_path / "ws", "plan").exit_code == 0


def test_the_plan_reads_krels_candidate_tags(kubernetes: Product, tmp_path: Path) -> None:
    # v1.31.5-rc.0 on the commit of v1.31.4 is a candidate of the next version, not a
    # release: the next version is v1.31.5, and the line in its candidates is untagged.
    root = workspace(tmp_path, kubernetes, CHANGELOG)
    hold_fixes(root, kubernetes, ADVISORY, LINES, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == {
        "1.33": "1.33.0", "1.32": "1.32.0", "1.31": "1.31.5", "1.30": "1.30.9",
        "1.29": "1.29.13",
    }  # fmt: skip
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    for name in ("1.31", "1.30", "1.29"):
        assert lines[name]["problems"] == []
        assert lines[name]["release"]["files"] == [changelog_path(name)]
    assert lines["1.33"]["release"] is None and lines["1.32"]["release"] is None


def test_a_security_release_of_the_three_supported_lines(
    kubernetes: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    extra = mail_table(smtp_server, gpg_home.fingerprint) + CHANGELOG
    root = workspace(tmp_path, kubernetes, extra)
    hold_fixes(root, kubernetes, ADVISORY, LINES, FIX)
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    tags = set(git(kubernetes.remote, "tag", "--list").split())
    assert {"v1.31.5", "v1.30.9", "v1.29.13"} <= tags
    assert not {"v1.32.0", "v1.33.0"} & tags
    for line, version in (("1.31", "1.31.5"), ("1.30", "1.30.9"), ("1.29", "1.29.13")):
        # The release commit adds the entry to the line's own changelog, nothing else.
        path = changelog_path(line)
        texts, changed = kubernetes.released(f"v{version}", path)
        assert changed == [path]
        _, _, tail = texts[path].partition(MARKER + "\n")
        assert tail.endswith(changelog(line).partition(MARKER + "\n")[2])
        assert version in tail.removesuffix(changelog(line).partition(MARKER + "\n")[2])
        assert git(kubernetes.remote, "cat-file", "-t", f"v{version}") == "tag"
    for branch in LINES.values():
        assert git(kubernetes.remote, "show", f"{branch}:pkg/volume/subpath.go") == "// checked"
    advisory = parse_advisory(
        (root / "advisories" / f"{ID}.md").read_text(), Path(f"advisories/{ID}.md"), "ACSA"
    )
    assert dict(advisory.fixed) == {
        "1.33": "1.33.0", "1.32": "1.32.0", "1.31": "1.31.5", "1.30": "1.30.9",
        "1.29": "1.29.13",
    }  # fmt: skip
    assert len(smtp_server.messages) == len(LISTS)

"""A Ruby (CRuby) security release, on a small repository with Ruby's branches, tags and
real version files (tests/helpers/ruby.py, tests/fixtures/ruby/).

Ruby releases from ``ruby_3_3``-style branches, tags ``v3_3_6`` (underscores for dots;
previews and candidates ``v3_4_0_preview2``, ``v3_4_0_rc1``, tagged on master), develops
on ``master`` and writes its version's last number alone, ``#define RUBY_VERSION_TEENY 6``
in ``version.h`` (major and minor are the API version's, in include/ruby/version.h, which a
patch release does not touch). A security release raises the teeny of every maintained
line at once (3.3.7, 3.2.7, 3.1.7), those in security maintenance included.

``RUBY_PATCHLEVEL`` is left as the branch says: Ruby raises it by one per backport commit
(tool/merger.rb), a count of commits the release commit cannot know in advance; the held
fixes, made as Ruby's backports are, may carry their own raise of it.
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
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.ruby import PATCHLEVEL, VERSION_H, read_numbers, ruby_like, version_h
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
BUMP = """
[[releases.bump]]
path = "version.h"
format = "#define RUBY_VERSION_TEENY {micro}"
"""
# Ruby's maintainers backport a security fix to every maintained line, normal or
# security maintenance alike, whatever its severity.
POLICY = """
[policy]
low = ["upcoming", "last"]
medium = ["upcoming", "last"]
high = ["upcoming", "last"]
critical = ["upcoming", "last"]
"""
# CRuby is in no OSV ecosystem (RubyGems is the gems'): its records carry SEMVER ranges,
# and a GIT range of the fix commits in its public repository.
REPOSITORY_URL = "https://github.com/ruby/ruby"
LINES = {"3.4": "master", "3.3": "ruby_3_3", "3.2": "ruby_3_2", "3.1": "ruby_3_1"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    config = workspace_config(
        product.clone,
        extra + POLICY,
        branch='"ruby_{line:_}"',
        branches='{ "3.4" = "master" }',
        tag='"v{version:_}"',
        upcoming='"3.4"',
        esr="[]",
        last="3",
        pre_releases="true",  # (its previews and candidates: v3_4_0_preview2)
        committer='"Release Bot <release@example.org>"',
    )
    site = 'site_url = "https://acme.example/security"\n'
    config = config.replace(site, f'{site}repository_url = "{REPOSITORY_URL}"\n')
    (root / "releasekit.toml").write_text(config)
    return root


ADVISORY = {
    "id": ID, "title": "Buffer over-read in a stream reader", "cvss": HIGH, "cve": "CVE-2026-40021",
    "embargo": EMBARGO_AT, "summary": "A crafted stream reads past its buffer.",
}  # fmt: skip

FIX = ({"ext/zlib/zlib.c": "/* bounded */\n"}, "Check the length of the header")


ruby_template, ruby = copied_product("ruby", ruby_like)


def test_init_reads_rubys_branches_and_tags(ruby: Product, tmp_path: Path) -> None:
    # init wrote branch = "release-{line}" and last = 0: ruby_3_3 named no line.
    ws = tmp_path / "ws"
    made = CliRunner().invoke(
        cli,
        ["init", str(ws), "--name", "Ruby", "--vendor", "Ruby", "--prefix", "RSA",
         "--repository", str(ruby.clone)],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    config = (ws / "releasekit.toml").read_text()
    for setting in (
        'branch = "ruby_{line:_}"',
        'branches = { "3.4" = "master" }',
        'tag = "v{version:_}"',
        'upcoming = "3.4"',
        "last = 3 ",
        'path = "version.h"',
        'format = "#define RUBY_VERSION_TEENY {micro}"',
    ):
        assert setting in config
    assert "inferred: last = 3: 3.3, 3.2, 3.1" in made.output
    # version.h holds no "3.3.6", its teeny alone: the bump names that number, {micro}, and
    # is live (each maintained branch says its newest release's teeny).
    assert "\n[[releases.bump]]" in config
    assert (
        "inferred: [[releases.bump]] version.h: #define RUBY_VERSION_TEENY {micro} "
        "(3.3.6 at v3_3_6)"
    ) in made.output
    assert "master carries the pre-release v3_4_0_preview2" in made.output
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0


def test_the_plan_counts_underscore_tags_and_not_the_previews(
    ruby: Product, tmp_path: Path
) -> None:
    root = workspace(tmp_path, ruby, BUMP)
    hold_fixes(root, ruby, ADVISORY, LINES, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == {
        "3.4": "3.4.0", "3.3": "3.3.7", "3.2": "3.2.7", "3.1": "3.1.7"
    }  # fmt: skip
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    for name in ("3.3", "3.2", "3.1"):
        assert (lines[name]["problems"], lines[name]["release"]["files"]) == ([], [VERSION_H])
    assert lines["3.4"]["release"] is None


def test_a_security_release_of_every_maintained_line(
    ruby: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    root = workspace(tmp_path, ruby, mail_table(smtp_server, gpg_home.fingerprint) + BUMP)
    hold_fixes(root, ruby, ADVISORY, LINES, FIX)
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # Each release commit raises the teeny, keeps the branch's patchlevel (one past the
    # last release's: a backport came after it) and changes nothing else.
    for line, patchlevel in (("3.3", 109), ("3.2", 235), ("3.1", 261)):
        tag = f"v{line.replace('.', '_')}_7"
        texts, changed = ruby.released(tag, VERSION_H)
        assert (texts[VERSION_H], changed) == (version_h(7, patchlevel), [VERSION_H])
        assert read_numbers(texts[VERSION_H]) == (7, patchlevel)
    tags = git(ruby.remote, "tag", "--list").split()
    assert not [t for t in tags if t.startswith("v3_4_0") and "_pre" not in t and "_rc" not in t]
    assert git(ruby.remote, "show", "master:ext/zlib/zlib.c") == "/* bounded */"
    assert PATCHLEVEL.format(-1) in git(ruby.remote, "show", "master:version.h") + "\n"
    advisory = parse_advisory(
        (root / "advisories" / f"{ID}.md").read_text(), Path(f"advisories/{ID}.md"), "ACSA"
    )
    assert dict(advisory.fixed) == {"3.4": "3.4.0", "3.3": "3.3.7", "3.2": "3.2.7", "3.1": "3.1.7"}
    assert advisory.unfixed == ()
    assert len(smtp_server.messages) == len(LISTS)
    # On the disclosure date: the OSV record's ranges, per line, and the pages.
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    ranges = sorted(
        tuple(next(iter(event.items())) for event in entry["ranges"][0]["events"])
        for entry in record["affected"]
        if entry["ranges"][0]["type"] == "SEMVER"
    )
    git_ranges = [r for e in record["affected"] for r in e["ranges"] if r["type"] == "GIT"]
    assert [(r["repo"], r["events"][1:]) for r in git_ranges] == [
        (REPOSITORY_URL, [{"fixed": advisory.fix_commits[line]} for line in LINES])
    ]
    assert ranges == [
        (("introduced", "3.1.0"), ("fixed", "3.1.7")),
        # 3.2 and 3.3, affected from their first release: their previews and candidates had
        # the bug, as the line below did (the oldest, 3.1, from 3.1.0: nothing says before)
        (("introduced", "3.2.0-0"), ("fixed", "3.2.7")),
        (("introduced", "3.3.0-0"), ("fixed", "3.3.7")),
        # master's 3.4, fixed in 3.4.0: its previews and candidates had the bug, as 3.3 did
        (("introduced", "3.4.0-0"), ("fixed", "3.4.0")),
    ]
    page = (root / "site" / "advisories" / f"{ID}.html").read_text()
    for version in ("3.3.7", "3.2.7", "3.1.7", "3.4.0"):
        assert version in page
    assert (root / "site" / "versions" / "3.3.6.html").exists()


def test_a_backport_made_with_merger_rb_raises_the_patchlevel_itself(
    ruby: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # tool/merger.rb commits each backport with RUBY_PATCHLEVEL raised by one. A fix held
    # so changes version.h too; the release commit then moves the teeny of that file.
    root = workspace(tmp_path, ruby, mail_table(smtp_server, gpg_home.fingerprint) + BUMP)
    hold_fixes(root, ruby, ADVISORY, {"3.4": "master", "3.2": "ruby_3_2", "3.1": "ruby_3_1"}, FIX)
    patch = root.parent / "3.3.patch"
    files = {"ext/zlib/zlib.c": "/* bounded */\n", VERSION_H: version_h(6, 110)}
    patch.write_bytes(ruby.fix("ruby_3_3", files, "merge revision(s) 1234abcd: [Backport #1]"))
    assert run(root, "patch", "add", ID, "--line", "3.3", str(patch)).exit_code == 0
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    assert ruby.released("v3_3_7", VERSION_H) == ({VERSION_H: version_h(7, 110)}, [VERSION_H])
    assert ruby.released("v3_2_7", VERSION_H) == ({VERSION_H: version_h(7, 235)}, [VERSION_H])
    assert git(ruby.remote, "show", "v3_3_7~1:version.h") + "\n" == version_h(6, 110)

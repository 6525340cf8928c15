"""A PostgreSQL security release, on a small repository with PostgreSQL's branches, tags
and real version files (tests/helpers/postgres.py, tests/fixtures/postgres/).

PostgreSQL (postgres/postgres) keeps a branch per major version (``REL_16_STABLE``; before
10, ``REL9_6_STABLE``), tags its releases with underscores for dots (``REL_16_3`` is 16.3;
``REL9_6_24``), its betas and release candidates ``REL_16_BETA1`` and ``REL_16_RC1`` (no
release), and develops the next major on ``master`` (``17devel``). A release ("Stamp
16.4.") sets the version in configure.ac, meson.build and the generated configure. Five
majors are supported at once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.e2e.test_embargo import EMBARGO, LISTS, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.gpg import GpgHome
from tests.helpers.postgres import postgres_like, release, stamp
from tests.helpers.repos import Product, git
from tests.helpers.smtp import SmtpServer

ID = "PGSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"  # 8.1: every supported line
BUMP = """
[[releases.bump]]
path = "configure.ac"
format = "AC_INIT([PostgreSQL], [{version}]"

[[releases.bump]]
path = "meson.build"
format = "version: '{version}'"

[[releases.bump]]
path = "configure"
format = "for PostgreSQL {version}."

[[releases.bump]]
path = "configure"
format = "PACKAGE_VERSION='{version}'"

[[releases.bump]]
path = "configure"
format = "PACKAGE_STRING='PostgreSQL {version}'"
"""


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def init(product: Product, root: Path) -> Result:
    return CliRunner().invoke(
        cli,
        ["init", str(root), "--name", "PostgreSQL", "--vendor", "PostgreSQL", "--prefix",
         "PGSA", "--repository", str(product.clone)],
    )  # fmt: skip


def test_init_reads_postgresqls_branches_tags_and_version_files(tmp_path: Path) -> None:
    # init wrote branch = "release-{line}", upcoming "16.4" and last = 0 (REL_16_STABLE
    # named no line), and found no version file (configure.ac, meson.build); configure,
    # with the version on several lines, it passed over in silence.
    product = postgres_like(tmp_path / "postgres")
    made = init(product, tmp_path / "ws")
    assert made.exit_code == 0, made.output
    config = (tmp_path / "ws" / "releasekit.toml").read_text()
    for setting in (
        'branch = "REL_{line}_STABLE"',
        "line_parts = 1",
        'branches = { "17" = "master" }',
        'tag = "REL_{version:_}"',
        'read_tags = ["REL{version:_}"]',
        'upcoming = "17"',
        "last = 3",
        'path = "configure.ac"',
        'format = "AC_INIT([PostgreSQL], [{version}], [pgsql-bugs@lists.postgresql.org], '
        '[], [https://www.postgresql.org/])"',
        'path = "meson.build"',
        "format = \"version: '{version}',\"",
    ):
        assert setting in config, setting
    assert "[[releases.bump]] configure.ac:" in made.output
    # The generated configure says 16.3 on three lines of the fixture (nine in the real one).
    assert (
        "check: [[releases.bump]] configure: 16.3 is on 3 lines (3, 10, 11): name each in a "
        "[[releases.bump]] whose format only that line holds"
    ) in " ".join(made.output.split())
    ws = tmp_path / "ws"
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    """releasekit.toml as PostgreSQL's release team would write it: five majors and
    master, the version in configure.ac, meson.build and configure."""
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(
        f"""[project]
name = "PostgreSQL"
vendor = "PostgreSQL Global Development Group"
repository = "{product.clone}"
repository_url = "https://git.postgresql.org/git/postgresql.git"
advisory_prefix = "PGSA"
site_url = "https://pg.example/support/security"
time_zone = "UTC"

[releases]
line_parts = 1
branch = "REL_{{line}}_STABLE"
branches = {{ "17" = "master" }}
tag = "REL_{{version:_}}"
read_tags = ["REL{{version:_}}"]
upcoming = "17"
esr = []
last = 5
pre_releases = true
committer = "Release Bot <release@example.org>"
{extra}"""
    )
    return root


ADVISORY = {
    "id": ID, "title": "Row filters skipped on COPY", "cvss": HIGH, "cve": "CVE-2026-40031",
    "introduced": "13", "embargo": EMBARGO_AT,
    "summary": "COPY could read rows that a row filter hides.",
}  # fmt: skip

FIX = ({"src/backend/commands/copy.c": "/* filtered */\n"}, "Apply row filters in COPY")


def test_a_fix_for_five_majors_and_master(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    product = postgres_like(tmp_path / "postgres")
    root = workspace(tmp_path, product, mail_table(smtp_server, gpg_home.fingerprint) + BUMP)
    lines = {"17": "master", **{m: f"REL_{m}_STABLE" for m in ("16", "15", "14", "13")}}
    hold_fixes(root, product, ADVISORY, lines, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    plan = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    # 12 is supported but predates the affected code; 9.6's REL9_6_24 is read, not supported.
    assert {name: (n["branch"], n["latest"], n["next_version"], n["tag"]) for name, n in
            plan.items()} == {
        "17": ("master", None, "17.0", None),
        "16": ("REL_16_STABLE", "16.3", "16.4", "REL_16_4"),
        "15": ("REL_15_STABLE", "15.3", "15.4", "REL_15_4"),
        "14": ("REL_14_STABLE", "14.2", "14.3", "REL_14_3"),
        "13": ("REL_13_STABLE", "13.2", "13.3", "REL_13_3"),
        "12": ("REL_12_STABLE", "12.2", "12.3", "REL_12_3"),
    }  # fmt: skip
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    tags = set(git(product.remote, "tag", "--list").split())
    assert {"REL_16_4", "REL_15_4", "REL_14_3", "REL_13_3"} <= tags
    assert not {"REL_12_3", "REL_17_0"} & tags
    for tag, version in (("REL_16_4", "16.4"), ("REL_13_3", "13.3")):
        assert product.released(tag, *stamp("0.0")) == (
            stamp(version),
            ["configure", "configure.ac", "meson.build"],
        )
        kind = git(product.remote, "cat-file", "-t", tag)
        assert kind == "tag"
    # master gets the fix only: it still says 17devel.
    assert (
        git(product.remote, "show", "master:meson.build") + "\n" == stamp("17devel")["meson.build"]
    )
    assert git(product.remote, "show", "master:src/backend/commands/copy.c") == "/* filtered */"
    advisory = (root / "advisories" / f"{ID}.md").read_text()
    assert (
        'fixed = { "13" = "13.3", "14" = "14.3", "15" = "15.4", "16" = "16.4", "17" = "17.0" }'
        in advisory
    )
    assert len(smtp_server.messages) == len(LISTS)
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    # On the disclosure date: one SEMVER range per fixed major, from its .0 (the affected
    # code came in 13) to its fix, 16.3 as SemVer's 16.3.0, and from the betas of 14 to 16,
    # which had what 13 had (the project publishes them); and its releases listed as
    # PostgreSQL spells them, for a scanner that compares strings; pages of every version.
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    ranges = {
        entry["database_specific"]["line"]: entry["ranges"][0]["events"]
        for entry in record["affected"]
    }
    majors = (("16", 4), ("15", 4), ("14", 3), ("13", 3))
    assert (
        ranges
        == {
            "13": [{"introduced": "13.0.0"}, {"fixed": "13.3.0"}],  # (introduced = "13")
            **{m: [{"introduced": f"{m}.0.0-0"}, {"fixed": f"{m}.{n}.0"}] for m, n in majors[:3]},
            # master's 17, fixed in 17.0: its betas and candidates had the bug, as 16 did
            "17": [{"introduced": "17.0.0-0"}, {"fixed": "17.0.0"}],
        }
    )
    listed = {entry["database_specific"]["line"]: entry["versions"] for entry in record["affected"]}
    assert listed == {**{m: [f"{m}.{p}" for p in range(n)] for m, n in majors}, "17": []}
    pages = {p.stem for p in (root / "site" / "versions").glob("*.html")} - {"index"}
    assert {"13.0", "13.3", "16.3", "16.4", "17.0"} <= pages
    assert not {v for v in pages if v.startswith(("12.", "9."))}
    page = (root / "site" / "advisories" / f"{ID}.html").read_text()
    assert "16.4" in page and "16.4.0" not in page


def test_in_the_betas_init_says_master_is_the_next_major(tmp_path: Path) -> None:
    # REL_17_STABLE cut at 17beta2, master at 18devel: init took 17 as upcoming on its
    # branch and said nothing, so master would get no fix. REL_17_BETA1 and REL_17_BETA2
    # were no version tags (a major's pre-release has one number).
    product = postgres_like(tmp_path / "postgres")
    release(product, "master", "REL_17_BETA1", "17beta1")
    product.commit("REL_17_STABLE", {}, "Branch 17", create_from="master")
    product.commit("master", stamp("18devel"), "Stamp 18devel.")
    release(product, "REL_17_STABLE", "REL_17_BETA2", "17beta2")
    product.publish("master", "REL_17_STABLE")
    git(product.clone, "fetch", "-q", "--tags", "origin")
    made = init(product, tmp_path / "ws")
    assert made.exit_code == 0, made.output
    assert (
        "check: upcoming: REL_17_STABLE carries the pre-release REL_17_BETA2 and master gets "
        'no fix: if master is the line after it, set upcoming = "18", prerelease = ["17"] and '
        'branches = { "18" = "master" }'
    ) in " ".join(made.output.split())
    config = tmp_path / "ws" / "releasekit.toml"
    text = config.read_text().replace('upcoming = "17"', 'upcoming = "18"\nprerelease = ["17"]')
    config.write_text(
        text.replace("# branches = {", 'branches = { "18" = "master" }\n# branches = {')
    )
    planned = run(tmp_path / "ws", "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = [(n["line"], n["branch"], n["next_version"], n["tag"]) for n in
             json.loads(planned.stdout)["lines"]][:3]  # fmt: skip
    assert lines == [
        ("18", "master", "18.0", None),
        ("17", "REL_17_STABLE", "17.0", None),
        ("16", "REL_16_STABLE", "16.4", "REL_16_4"),
    ]

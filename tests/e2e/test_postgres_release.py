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

from pathlib import Path

from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.helpers.postgres import postgres_like
from tests.helpers.repos import Product

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
    # named no line), and found no version file (configure.ac, meson.build).
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
    ws = tmp_path / "ws"
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0

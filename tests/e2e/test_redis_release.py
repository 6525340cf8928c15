"""A Redis security release, on a small repository with Redis's branches, tags and real
version header (tests/helpers/redis.py, tests/fixtures/redis/).

Redis (redis/redis) develops on ``unstable`` and releases each line from a branch named for
it (``7.4``), tagged with the bare version (``7.4.1``). ``src/version.h`` says the version
twice: ``#define REDIS_VERSION "7.4.1"`` and a byte a number in hex,
``#define REDIS_VERSION_NUM 0x00070401``. A security release moves both on each line at once
(7.4.1 and 7.2.6 for CVE-2024-31227 and CVE-2024-31228, on 2024-10-02).
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
from tests.helpers.initialised import initialised as made_by_init
from tests.helpers.redis import HEADER, redis_like, version_h
from tests.helpers.repos import Product, copied_product, git
from tests.helpers.smtp import SmtpServer

ID = "RSA-2026-0001"
HIGH = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"  # 6.5: medium
# What Redis's release manager sets in the table init writes, as its checks say.
SETTINGS = {
    'branches = { "7.5" = "unstable" }': 'branches = { "8.0" = "unstable" }',
    'upcoming = "7.5"': 'upcoming = "8.0"',
}
# The version twice in src/version.h, as init proposes it: whole, and packed in hex.
BUMPS = (
    """format = '#define REDIS_VERSION "{version}"'""",
    'format = "#define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}"',
)
LINES = {"8.0": "unstable", "7.4": "7.4", "7.2": "7.2"}
NEXT = {"8.0": "8.0.0", "7.4": "7.4.2", "7.2": "7.2.7"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


IDENTITY = ["--name", "Redis", "--vendor", "Redis", "--prefix", "RSA"]

redis_template, redis = copied_product("redis", redis_like)


def initialised(tmp_path: Path, product: Product, extra: str = "") -> tuple[Path, Result]:
    """A workspace made by `releasekit init --repository`, set as its checks say."""
    return made_by_init(tmp_path, product, IDENTITY, SETTINGS, BUMPS, extra)


def hold(root: Path, product: Product) -> None:
    advisory = {
        "id": ID, "title": "Key pattern selector bypass", "cvss": HIGH,
        "cve": "CVE-2026-40051", "embargo": EMBARGO_AT,
        "summary": "A user could read keys that its selectors did not allow.",
    }  # fmt: skip
    fix = {"src/acl.c": "/* check the selector's keys */\n"}
    hold_fixes(root, product, advisory, LINES, (fix, "Fix ACL SETUSER key pattern selector"))


def test_init_reads_the_hex_define(redis: Product, tmp_path: Path) -> None:
    root, made = initialised(tmp_path, redis)
    assert 'inferred: branch = "{line}"' in made.output
    assert 'inferred: tag = "{version}"' in made.output
    said = "src/version.h: #define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}"
    assert f"inferred: [[releases.bump]] {said} (7.4.1 at 7.4.1)" in made.output
    assert run(root, "plan").exit_code == 0


def test_a_fix_moves_both_defines_on_each_line(
    redis: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    root, _ = initialised(tmp_path, redis, mail_table(smtp_server, gpg_home.fingerprint))
    hold(root, redis)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line.get("next_version") for name, line in lines.items()} == NEXT
    assert lines["7.4"]["release"]["files"] == [HEADER]
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # Before hex bumps, REDIS_VERSION_NUM was no bump (its format was refused): 7.4.2 said
    # 0x00070401 in it, the release before.
    for tag in ("7.4.2", "7.2.7"):
        assert redis.released(tag, HEADER) == ({HEADER: version_h(tag)}, [HEADER])
    assert "REDIS_VERSION_NUM 0x00070402\n" in version_h("7.4.2")
    assert {"7.4.2", "7.2.7"} <= set(git(redis.remote, "tag", "--list").split())
    assert len(smtp_server.messages) == len(LISTS)


def test_a_number_too_wide_for_its_hex_byte_stops_the_plan(redis: Product, tmp_path: Path) -> None:
    # 7.4.255's next is 7.4.256, three hex digits where {micro:02x} has two: the release
    # commit wrote 0x000704100, which packs another version. The plan says so, naming the
    # file, rather than write it.
    redis.commit("7.4", {HEADER: version_h("7.4.255")}, "Release Redis 7.4.255")
    redis.tag("7.4.255", "7.4")
    redis.publish("7.4")
    git(redis.clone, "fetch", "-q", "--tags", "origin")
    root, _ = initialised(tmp_path, redis)
    hold(root, redis)
    planned = run(root, "plan")
    assert planned.exit_code == 1, planned.output
    assert (
        "line 7.4 (7.4): releases.bump: src/version.h: 7.4.256 cannot be written in "
        "'#define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}': its micro number, "
        "256, takes 3 digits where {micro:02x} has 2"
    ) in planned.stderr

"""A CPython security release, on a small repository with CPython's real version file.

CPython (python/cpython; its snapshot was too large to fetch) writes its version in
``Include/patchlevel.h``, in several defines: PY_MAJOR_VERSION, PY_MINOR_VERSION,
PY_MICRO_VERSION, PY_RELEASE_LEVEL, PY_RELEASE_SERIAL and PY_VERSION. The fixture
(tests/fixtures/cpython/) holds the file as released in 3.12.1 and in 3.12.10: the two
differ in PY_MICRO_VERSION and PY_VERSION only, the lines each patch release moves. Branch
``3.12``, tags ``v3.12.10``; ``main`` is the next line. main's own file
(``patchlevel-main-3.15.0a2+.h``) says its line in PY_MAJOR_VERSION and PY_MINOR_VERSION,
at PY_RELEASE_LEVEL_ALPHA: ``init`` reads it there.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result
from packaging.version import Version

from releasekit.cli import cli
from tests.e2e.test_embargo import EMBARGO, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.gpg import GpgHome
from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git, workspace_config
from tests.helpers.smtp import SmtpServer

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "cpython"
PATCHLEVEL = "Include/patchlevel.h"
MICRO = "#define PY_MICRO_VERSION        {}\n"
STRING = '#define PY_VERSION              "{}"\n'
BUMPS = f"""
[[releases.bump]]
path = "{PATCHLEVEL}"
format = '{MICRO.strip().format("{micro}")}'

[[releases.bump]]
path = "{PATCHLEVEL}"
format = '{STRING.strip().format("{version}")}'
"""


def patchlevel(version: str) -> str:
    """Include/patchlevel.h as CPython released it in ``version`` (3.12.1 or 3.12.10)."""
    return (FIXTURES / f"patchlevel-{version}.h").read_text()


MAIN = FIXTURES / "patchlevel-main-3.15.0a2+.h"
LEVELS = {"a": "ALPHA", "b": "BETA", "rc": "GAMMA"}


def main_patchlevel(version: str) -> str:
    """main's Include/patchlevel.h (the real one at 3.15.0a2+) saying the pre-release
    ``version`` (3.14.0a0: main right after a line branched, 3.13.0b1: that branch's first
    beta), as CPython's main and its branch in the betas say theirs."""
    parsed = Version(version)
    assert parsed.pre is not None and parsed.release[:2] >= (3, 13)
    text = MAIN.read_text()
    for old, new in (
        ("PY_MINOR_VERSION        15\n", f"PY_MINOR_VERSION        {parsed.minor}\n"),
        ("PY_RELEASE_LEVEL_ALPHA\n", f"PY_RELEASE_LEVEL_{LEVELS[parsed.pre[0]]}\n"),
        ("PY_RELEASE_SERIAL       2\n", f"PY_RELEASE_SERIAL       {parsed.pre[1]}\n"),
        ('"3.15.0a2+"', f'"{version}"'),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def post(version: str) -> dict[str, str]:
    """CPython's commit after a release ("Post 3.12.10"): PY_VERSION "3.12.10+"."""
    text = patchlevel(version).replace(STRING.format(version), STRING.format(f"{version}+"))
    return {PATCHLEVEL: text}


def cpython_312(root: Path, *, marked: bool = False) -> Product:
    """CPython's 3.12 branch with the releases 3.12.1 and 3.12.10 (``marked``: each
    followed by its post-release commit, as CPython does); main is 3.13."""
    product = Product.create(root, {PATCHLEVEL: patchlevel("3.12.1"), "README.rst": "cpython\n"})
    product.commit("3.12", {}, "Branch 3.12", create_from="main")
    for version in ("3.12.1", "3.12.10"):
        product.commit("3.12", {PATCHLEVEL: patchlevel(version)}, f"Python {version}")
        product.tag(f"v{version}", "3.12")
        if marked:
            product.commit("3.12", post(version), f"Post {version}")
    product.publish("main", "3.12")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def cpython_313_in_betas(root: Path) -> Product:
    """CPython in May 2024: 3.12 released from its branch (each release followed by its
    "Post" commit), 3.13 branched from main at its first beta (v3.13.0b1), main then
    3.14.0a0 with no tag of 3.14 yet."""
    product = cpython_312(root, marked=True)
    product.commit("main", {PATCHLEVEL: main_patchlevel("3.13.0b1")}, "Python 3.13.0b1")
    product.tag("v3.13.0b1", "main")
    product.commit("3.13", {}, "Branch 3.13", create_from="main")
    product.commit("main", {PATCHLEVEL: main_patchlevel("3.14.0a0")}, "Python 3.14.0a0")
    product.publish("main", "3.13")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(
        workspace_config(
            product.clone,
            extra,
            branch='"{line}"',
            branches='{ "3.13" = "main" }',
            tag='"v{version}"',
            upcoming='"3.13"',
            esr="[]",
            last="1",
            committer='"Release Bot <release@example.org>"',
        )
    )
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


ADVISORY = {
    "id": "ACSA-2026-0001", "title": "Archives unpacked past their end",
    "cvss": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", "cve": "CVE-2026-40021",
    "embargo": EMBARGO_AT, "summary": "A crafted archive.",
}  # fmt: skip

LINES = {"3.13": "main", "3.12": "3.12"}
FIX = ({"Lib/tarfile.py": "# bounds\n"}, "Check bounds")


def lift(root: Path, gpg_home: GpgHome) -> None:
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output


def test_cpython_releases_move_two_defines_of_patchlevel_h() -> None:
    # What CPython's own release commits change in the file: PY_MICRO_VERSION and
    # PY_VERSION, nothing else (3.12.1 to 3.12.10, real files).
    old, new = patchlevel("3.12.1").splitlines(), patchlevel("3.12.10").splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        (MICRO.format(1).strip(), MICRO.format(10).strip()),
        (STRING.format("3.12.1").strip(), STRING.format("3.12.10").strip()),
    ]


def test_the_release_commit_moves_every_define_of_the_version(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # Only {version} could be written: PY_VERSION moved to "3.12.11" and PY_MICRO_VERSION
    # stayed 10, a file that said two versions. {micro} names the define's number.
    product = cpython_312(tmp_path / "cpython")
    root = workspace(tmp_path, product, mail_table(smtp_server, gpg_home.fingerprint) + BUMPS)
    hold_fixes(root, product, ADVISORY, LINES, FIX)
    lift(root, gpg_home)
    texts, changed = product.released("v3.12.11", PATCHLEVEL)
    text = texts[PATCHLEVEL]
    expected = patchlevel("3.12.10").replace(MICRO.format(10), MICRO.format(11))
    assert text == expected.replace(STRING.format("3.12.10"), STRING.format("3.12.11"))
    assert changed == [PATCHLEVEL]


def test_the_version_with_its_post_release_marker_is_the_current_one(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # Between releases CPython's branch says "3.12.10+". The plan was not ready
    # ("must contain '#define PY_VERSION ... "3.12.10"' exactly once (found 0)"); the
    # release commit writes "3.12.11", as CPython's own does, and adds no "Post" commit.
    product = cpython_312(tmp_path / "cpython", marked=True)
    root = workspace(tmp_path, product, mail_table(smtp_server, gpg_home.fingerprint) + BUMPS)
    hold_fixes(root, product, ADVISORY, LINES, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    line = next(n for n in json.loads(planned.stdout)["lines"] if n["line"] == "3.12")
    assert (line["problems"], line["release"]["files"]) == ([], [PATCHLEVEL])
    lift(root, gpg_home)
    texts, changed = product.released("v3.12.11", PATCHLEVEL)
    text = texts[PATCHLEVEL]
    expected = patchlevel("3.12.10").replace(MICRO.format(10), MICRO.format(11))
    assert text == expected.replace(STRING.format("3.12.10"), STRING.format("3.12.11"))
    assert changed == [PATCHLEVEL]
    assert git(product.remote, "rev-parse", "v3.12.11^{commit}") == product.tip("3.12")


def test_a_bump_format_names_a_known_number(tmp_path: Path) -> None:
    product = cpython_312(tmp_path / "cpython")
    root = workspace(tmp_path, product, BUMPS.replace("{micro}", "{patch}"))
    result = run(root, "plan")
    assert result.exit_code == 2, result.output
    lines = (root / "releasekit.toml").read_text().splitlines()
    at = next(n for n, line in enumerate(lines, 1) if "{patch}" in line)
    assert result.stderr.splitlines() == [
        f"releasekit: error: {root}/releasekit.toml:{at}: releases.bump.format: only "
        "{version}, {major}, {minor}, {micro} or {date} may appear in braces "
        "(a number zero-padded as {minor:02}, or in hex as {minor:02x})"
    ]


def test_init_reads_mains_line_from_its_patchlevel_h(tmp_path: Path) -> None:
    # 3.13 in its betas on branch 3.13, main 3.14 with no tag: init wrote upcoming = "3.13"
    # and a check, and the plan left main, where 3.14 is developed, without the fix until
    # the config was edited by hand. main's patchlevel.h says 3.14 (PY_MINOR_VERSION 14,
    # PY_RELEASE_LEVEL_ALPHA): upcoming = "3.14" there, 3.13 a prerelease line.
    product = cpython_313_in_betas(tmp_path / "cpython")
    root = tmp_path / "ws"
    made = CliRunner().invoke(cli, ["init", str(root), "--repository", str(product.clone)])
    assert made.exit_code == 0, made.output
    for said in (
        'inferred: upcoming = "3.14": main\'s Include/patchlevel.h says PY_MAJOR_VERSION 3, '
        "PY_MINOR_VERSION 14, alpha, the line after 3.13",
        'inferred: prerelease = ["3.13"]: 3.13 carries v3.13.0b1 and no release of 3.13',
        'inferred: branches: "3.14" = "main" (the pattern names no branch of 3.14)',
    ):
        assert said in made.output.splitlines()
    checks = [line for line in made.output.splitlines() if line.startswith("check: ")]
    assert checks == [
        "check: esr is a guess from release dates: list the older lines you still support"
    ]
    # The config as init wrote it plans every line on its branch.
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    assert [
        (n["line"], n["branch"], n["latest"], n["next_version"])
        for n in json.loads(planned.stdout)["lines"]
    ] == [
        ("3.14", "main", None, "3.14.0"),
        ("3.13", "3.13", None, "3.13.0"),
        ("3.12", "3.12", "3.12.10", "3.12.11"),
    ]


def test_init_proposes_py_version_on_a_branch_after_its_post_release_commit(
    tmp_path: Path,
) -> None:
    # "Post 3.12.10" left PY_VERSION "3.12.10+" on branch 3.12, which the plan reads as
    # 3.12.10; init commented the PY_VERSION bump out ("it does not say ... on 3.12"), and
    # the release commit would have moved PY_MICRO_VERSION alone, leaving "3.12.10+".
    product = cpython_313_in_betas(tmp_path / "cpython")
    root = tmp_path / "ws"
    made = CliRunner().invoke(
        cli, ["init", str(root), "--prefix", "ACSA", "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    assert "commented out" not in made.output
    config = (root / "releasekit.toml").read_text()
    for form in (MICRO.strip().format("{micro}"), STRING.strip().format("{version}")):
        assert any(f"\nformat = {quote}{form}{quote}\n" in config for quote in "'\"")
    hold_fixes(root, product, ADVISORY, {"3.14": "main", "3.13": "3.13", "3.12": "3.12"}, FIX)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    line = next(n for n in json.loads(planned.stdout)["lines"] if n["line"] == "3.12")
    assert (line["problems"], line["release"]["files"]) == ([], [PATCHLEVEL])


def test_init_says_mains_alpha_line_is_no_guess_as_its_patchlevel_h_says_it(
    tmp_path: Path,
) -> None:
    # main at v3.15.0a2 and its "Post" commit, whose patchlevel.h is the real one of that
    # time (3.15.0a2+, unchanged): init took 3.15 from the tag and still said
    # 'upcoming = "3.15" is a guess'. The header says 3.15 too: no check.
    product = cpython_312(tmp_path / "cpython", marked=True)
    product.commit("main", {PATCHLEVEL: main_patchlevel("3.15.0a2")}, "Python 3.15.0a2")
    product.tag("v3.15.0a2", "main")
    product.commit("main", {PATCHLEVEL: MAIN.read_text()}, "Post 3.15.0a2")
    product.publish("main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    made = CliRunner().invoke(
        cli, ["init", str(tmp_path / "ws"), "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    said = (
        'inferred: upcoming = "3.15": main carries the pre-release v3.15.0a2, and its '
        "Include/patchlevel.h says PY_MAJOR_VERSION 3, PY_MINOR_VERSION 15, alpha"
    )
    assert said in made.output.splitlines()
    checks = [line for line in made.output.splitlines() if line.startswith("check: ")]
    assert checks == [
        "check: esr is a guess from release dates: list the older lines you still support"
    ]

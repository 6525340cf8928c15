"""Release conventions of more real projects (tests/e2e/test_conventions.py has nginx, Rails
and PostgreSQL), on small repositories that copy a handful of their real branch and tag
names:

- curl (curl/curl, snapshot of 2026-08-22, 5c61e168): everything is released from master,
  no release branch; tags spelt with underscores after a prefix (curl-8_21_0, curl-8_14_1),
  release candidates rc-8_22_0-1 and rc-8_22_0-2 on master.
- CPython (python/cpython; its snapshot was too large to fetch, the names are those of its
  release schedule, peps.python.org/pep-0745: branch 3.14 made at v3.14.0b1, in May 2025,
  main then 3.15): branches named by the line alone (3.13), tags v3.13.4, pre-releases
  v3.14.0a7 on main and v3.14.0b2 on 3.14.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.e2e.test_conventions import on_master, release, workspace
from tests.e2e.test_embargo import EMBARGO, mail_table
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import Product, git
from tests.helpers.smtp import SmtpServer


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def plan_lines(root: Path) -> list[tuple[str, str, str | None, str, str | None]]:
    result = run(root, "plan", "--json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["lines"]
    return [(n["line"], n["branch"], n["latest"], n["next_version"], n["tag"]) for n in lines]


def init(tmp_path: Path, product: Product) -> tuple[Result, Path]:
    root = tmp_path / "ws"
    result = CliRunner().invoke(
        cli, ["init", str(root), "--prefix", "ACSA", "--repository", str(product.clone)]
    )
    return result, root


CURLVER_H = '#define LIBCURL_VERSION "{}"\n'


def curl_like(root: Path, *tags: str) -> Product:
    """curl's master: releases and release candidates, then ``tags`` (more releases)."""

    def version(v: str) -> dict[str, str]:
        return {"include/curl/curlver.h": CURLVER_H.format(v)}

    product = Product.create(root, {**version("8.14.0"), "README": "curl\n"})
    product.commit("master", {}, "Development", create_from="main")
    for tag in ("curl-8_14_0", "curl-8_14_1", "curl-8_20_0", "curl-8_21_0"):
        release(product, "master", tag, version(tag[5:].replace("_", ".")))
    for tag in ("rc-8_22_0-1", "rc-8_22_0-2"):
        release(product, "master", tag, version("8.22.0-DEV"))
    for tag in tags:
        release(product, "master", tag, version(tag[5:].replace("_", ".")))
    return on_master(product)


def test_init_reads_curl_tags_spelt_with_underscores(tmp_path: Path) -> None:
    # init read no tag of curl's ("no release tags (like v1.2.3 or 1.2.3) in the clone;
    # fetch its tags"): a version was read only with its dots, as 8.21.0.
    result, root = init(tmp_path, curl_like(tmp_path / "curl"))
    assert result.exit_code == 0, result.output
    assert 'inferred: tag = "curl-{version:_}": the newest release is curl-8_21_0' in (
        result.stdout
    )
    text = (root / "releasekit.toml").read_text()
    assert (
        'tag = "curl-{version:_}"             # the release tag the lift writes, e.g. '
        + ("curl-10_3_2\n")
        in text
    )
    assert '# read_tags = ["{version}"]' in text  # rc-8_22_0-1 is no release
    assert 'upcoming = "8.22"' in text and 'branches = { "8.22" = "master" }' in text
    assert run(root, "plan").exit_code == 0


PATCHLEVEL_H = '#define PY_VERSION "{}"\n'
CPYTHON_TAGS = {
    "3.11": ("v3.11.12",),
    "3.12": ("v3.12.10",),
    "3.13": ("v3.13.3", "v3.13.4"),
}


def cpython_like(root: Path) -> Product:
    """CPython in June 2025: 3.14 branched at its first beta, main open for 3.15."""

    def version(v: str) -> dict[str, str]:
        return {"Include/patchlevel.h": PATCHLEVEL_H.format(v)}

    product = Product.create(root, {**version("3.11.0"), "README.rst": "cpython\n"})
    for branch, tags in CPYTHON_TAGS.items():
        product.commit(branch, {}, f"Branch {branch}", create_from="main")
        for tag in tags:
            release(product, branch, tag, version(tag[1:]))
    release(product, "main", "v3.14.0a7", version("3.14.0a7"))
    product.commit("3.14", {}, "Branch 3.14", create_from="main")
    for tag in ("v3.14.0b1", "v3.14.0b2"):
        release(product, "3.14", tag, version(tag[1:]))
    product.commit("main", version("3.15.0a0"), "Python 3.15.0a0")
    product.publish("main", "3.14", *CPYTHON_TAGS)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def test_a_cpython_beta_branch_and_main_both_get_the_fix(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # While 3.14 is in its betas on branch 3.14, main is 3.15: with one upcoming line, the
    # configuration could name one of them alone (init named 3.14), and the lift left the
    # other without the fix. `prerelease` names the beta line: fixed, untagged.
    product = cpython_like(tmp_path / "cpython")
    root = workspace(
        tmp_path,
        product,
        mail_table(smtp_server, gpg_home.fingerprint),
        branch='"{line}"',
        branches='{ "3.15" = "main" }',
        upcoming='"3.15"',
        prerelease='["3.14"]',
        esr="[]",
        last="2",
        committer='"Release Bot <release@example.org>"',
    )
    assert plan_lines(root) == [
        ("3.15", "main", None, "3.15.0", None),
        ("3.14", "3.14", None, "3.14.0", None),
        ("3.13", "3.13", "3.13.4", "3.13.5", "v3.13.5"),
        ("3.12", "3.12", "3.12.10", "3.12.11", "v3.12.11"),
    ]
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        '+++\nid = "ACSA-2026-0001"\ntitle = "Archive names escape the target"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"\ncve = "CVE-2026-40012"\n'
        'embargo = 2026-12-01T14:00:00Z\nsummary = "A crafted archive."\n+++\n\nDetails.\n'
    )
    for line, branch in (("3.15", "main"), ("3.14", "3.14"), ("3.13", "3.13"), ("3.12", "3.12")):
        path = tmp_path / f"{line}.patch"
        path.write_bytes(product.fix(branch, {"Lib/tarfile.py": "# checked\n"}, "Check names"))
        held = run(root, "patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert held.exit_code == 0, held.output
    # The plan called 3.14 "(upcoming)" and "the upcoming release", beside 3.15, the one.
    shown = run(root, "plan", env={"COLUMNS": "200"}).stdout
    assert "3.15 (upcoming)" in shown and "3.14 (prerelease)" in shown
    assert "3.14 (upcoming)" not in shown
    reason = "3.14 is in its pre-releases, fixed like the upcoming release"
    assert f"ACSA-2026-0001 3.14: applies: High: policy covers upcoming, esr, last; {reason}" in (
        shown.splitlines()
    )
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    for branch in ("main", "3.14", "3.13", "3.12"):
        assert git(product.remote, "log", "-1", "--format=%s", branch) == "Check names"
    assert git(product.remote, "tag", "--list", "v3.1[45]*").split() == [
        "v3.14.0a7", "v3.14.0b1", "v3.14.0b2",
    ]  # fmt: skip
    advisory = (root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert '"3.14" = "3.14.0"' in advisory and '"3.15" = "3.15.0"' in advisory


def test_a_released_prerelease_line_is_a_config_error(tmp_path: Path) -> None:
    product = cpython_like(tmp_path / "cpython")
    root = workspace(
        tmp_path,
        product,
        branch='"{line}"',
        branches='{ "3.15" = "main" }',
        upcoming='"3.15"',
        prerelease='["3.13"]',
        esr="[]",
    )
    result = run(root, "plan")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].endswith(
        "releases.prerelease: 3.13 is released (v3.13.4): remove it (last or esr names it now)"
    )


def test_init_tells_how_to_fix_main_beside_a_cpython_beta_branch(tmp_path: Path) -> None:
    # init took 3.14 (in its betas on branch 3.14) as the upcoming line and said nothing of
    # main: the lift would have left 3.15 without the fix. The check's advice plans both.
    result, root = init(tmp_path, cpython_like(tmp_path / "cpython"))
    assert result.exit_code == 0, result.output
    advice = (
        "check: upcoming: 3.14 carries the pre-release v3.14.0b2 and main gets no fix: if main "
        'is the line after it, set upcoming = "3.15", prerelease = ["3.14"] and branches = '
        '{ "3.15" = "main" }'
    )
    assert advice in result.stdout.splitlines()
    config = root / "releasekit.toml"
    text = config.read_text().replace('upcoming = "3.14"', 'upcoming = "3.15"')
    text = text.replace('# branches = { "10.4" = "main" }', 'branches = { "3.15" = "main" }')
    config.write_text(text.replace("esr = []", 'prerelease = ["3.14"]\nesr = []'))
    assert [(line, branch, latest) for line, branch, latest, *_ in plan_lines(root)] == [
        ("3.15", "main", None),
        ("3.14", "3.14", None),
        ("3.13", "3.13", "3.13.4"),
        ("3.12", "3.12", "3.12.10"),
        ("3.11", "3.11", "3.11.12"),
    ]

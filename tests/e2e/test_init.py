"""`releasekit init --repository` on real clones of three shapes of product repository, and
the workspace it makes tried with the real commands.

- the standard test product (release-LINE branches, v-tags, upcoming on its own branch);
- urllib3's shape in October 2023: LINE.x branches, the upcoming line on `main`, 2.0.5 tagged
  `v2.0.5` and 2.0.6 tagged `2.0.6`, the version in src/urllib3/_version.py;
- Redis's shape: release-LINE branches, `unstable` the default branch carrying a pre-release
  tag, an old line still released after the newest line's first release, src/version.h;
- undici's shape: a branch per major version (v6.x, v7.x), the next major on `main`, the
  version in package.json.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.conftest import advisory_text
from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git, release_product

Run = Callable[..., Result]


def run_in(cwd: Path) -> Run:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["-C", str(cwd), *args])

    return invoke


def release(product: Product, branch: str, tag: str, files: dict[str, str]) -> None:
    """A release commit on ``branch`` (which exists) tagged ``tag``."""
    product.commit(branch, files, f"Release {tag}")
    product.tag(tag, branch)


def fetched(product: Product, *branches: str) -> Product:
    product.publish(*branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def urllib3_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"src/urllib3/_version.py": f'# Protected via CODEOWNERS\n__version__ = "{v}"\n'}

    product = Product.create(root, {**version("1.26.0"), "README.md": "urllib3\n"})
    product.tag("v1.26.0", "main")
    product.commit("1.26.x", {}, "Branch 1.26.x", create_from="v1.26.0")
    release(product, "1.26.x", "v1.26.16", version("1.26.16"))
    release(product, "main", "v2.0.0", version("2.0.0"))
    product.commit("2.0.x", {}, "Branch 2.0.x", create_from="v2.0.0")
    release(product, "2.0.x", "v2.0.5", version("2.0.5"))
    release(product, "1.26.x", "1.26.17", version("1.26.17"))
    release(product, "2.0.x", "2.0.6", version("2.0.6"))
    product.commit("main", {"CHANGES.rst": "2.1.0 (unreleased)\n"}, "Start 2.1")
    return fetched(product, "main", "1.26.x", "2.0.x")


def redis_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"src/version.h": f'#define REDIS_VERSION "{v}"\n#define REDIS_VERSION_NUM 0\n'}

    product = Product.create(root, {**version("255.255.255"), "README.md": "redis\n"})
    product.commit("unstable", {}, "Unstable", create_from="main")
    for line in ("6.0", "6.2", "7.0", "7.2"):
        product.commit(f"release-{line}", {}, f"Branch {line}", create_from="unstable")
        release(product, f"release-{line}", f"{line}.0", version(f"{line}.0"))
    release(product, "release-6.0", "6.0.20", version("6.0.20"))  # after 7.2.0: an ESR
    release(product, "release-7.2", "7.2.1", version("7.2.1"))
    product.commit("unstable", {"src/t_string.c": "x\n"}, "Work on 7.4")
    product.tag("7.4-rc1", "unstable")
    branches = [f"release-{line}" for line in ("6.0", "6.2", "7.0", "7.2")]
    product.publish("unstable", *branches)
    # `unstable` is the remote's default branch, and main is gone.
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/unstable")
    git(product.dev, "push", "-q", "origin", ":main")
    fetched(product)
    git(product.clone, "remote", "set-head", "origin", "unstable")
    return product


def undici_like(root: Path) -> Product:
    """nodejs/undici's real branch and tag names, tags made in the order undici made them
    (2024-08 to 2025-03): lines of major versions, each on its vN.x branch."""

    def version(v: str) -> dict[str, str]:
        text = f'{{\n  "name": "undici",\n  "version": "{v}",\n  "main": "index.js"\n}}\n'
        return {"package.json": text}

    product = Product.create(root, {**version("6.19.7"), "README.md": "undici\n"})
    product.commit("v6.x", {}, "Branch v6.x", create_from="main")
    for tag in ("v6.19.8", "v6.20.0", "v6.21.0"):
        release(product, "v6.x", tag, version(tag[1:]))
    for tag in ("v7.0.0", "v7.1.0", "v7.2.0", "v7.2.3"):
        release(product, "main", tag, version(tag[1:]))
    release(product, "v6.x", "v6.21.1", version("6.21.1"))
    release(product, "main", "v7.3.0", version("7.3.0"))
    product.commit("v7.x", {}, "Branch v7.x", create_from="v7.3.0")
    release(product, "v6.x", "v6.21.2", version("6.21.2"))
    product.commit("main", {"lib/dispatcher.js": "// 8\n"}, "Start 8")
    return fetched(product, "main", "v6.x", "v7.x")


def werkzeug_like(root: Path) -> Product:
    """pallets/werkzeug's shape in 2026: the newest line on `stable`, an older one on 3.0.x,
    the next on main; tags spelt 3.1.8; the version in pyproject.toml; CHANGES.rst."""

    def version(v: str) -> dict[str, str]:
        changes = f".. currentmodule:: werkzeug\n\nVersion {v}\n-------------\n\n-   Fix.\n"
        return {"pyproject.toml": f'[project]\nversion = "{v}"\n', "CHANGES.rst": changes}

    product = Product.create(root, {**version("3.0.0"), "README.md": "werkzeug\n"})
    product.tag("3.0.0", "main")
    product.commit("3.0.x", {}, "Branch 3.0.x", create_from="3.0.0")
    release(product, "3.0.x", "3.0.6", version("3.0.6"))
    release(product, "main", "3.1.0", version("3.1.0"))
    product.commit("stable", {}, "Branch stable", create_from="3.1.0")
    release(product, "stable", "3.1.8", version("3.1.8"))
    product.commit("main", {"pyproject.toml": '[project]\nversion = "3.2.0.dev"\n'}, "Start 3.2")
    return fetched(product, "main", "3.0.x", "stable")


def acme_like(root: Path) -> Product:
    """The README's example: release-LINE branches, upcoming on main, 9.11 tagged without
    the v at first and still released, the version in server/version.py."""

    def version(v: str) -> dict[str, str]:
        return {"server/version.py": f'"""The version of Acme Server."""\nVERSION = "{v}"\n'}

    product = Product.create(root, {**version("9.11.0"), "README": "Acme\n"})
    for line in ("9.11", "10.1", "10.2", "10.3"):
        product.commit(f"release-{line}", {}, f"Branch {line}", create_from="main")
        release(product, f"release-{line}", ("" if line == "9.11" else "v") + f"{line}.0",
                version(f"{line}.0"))  # fmt: skip
    release(product, "release-9.11", "9.11.1", version("9.11.1"))
    release(product, "release-10.3", "v10.3.1", version("10.3.1"))
    release(product, "release-9.11", "v9.11.2", version("9.11.2"))
    product.commit("main", {"NEWS": "10.4\n"}, "Start 10.4")
    return fetched(product, "main", *(f"release-{n}" for n in ("9.11", "10.1", "10.2", "10.3")))


@pytest.fixture
def standard(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


def init(tmp_path: Path, product: Product, *extra: str) -> tuple[Result, Path]:
    """`releasekit init ws --repository ../product/clone` run from ``tmp_path``."""
    workspace = tmp_path / "ws"
    relative = Path("..") / product.clone.relative_to(tmp_path)
    result = CliRunner().invoke(
        cli, ["init", str(workspace), "--prefix", "ACSA", "--repository", str(relative), *extra]
    )
    return result, workspace


def releases_table(workspace: Path) -> str:
    text = (workspace / "releasekit.toml").read_text()
    return text[text.index("[releases]") : text.index("[policy]")]


def commands_pass(workspace: Path) -> None:
    """advisory check, lint and plan exit 0 on what init wrote, as it wrote it."""
    run = run_in(workspace)
    for command in (("advisory", "check"), ("lint",), ("plan",)):
        result = run(*command)
        assert result.exit_code == 0, (command, result.output, result.stderr)


def test_init_reads_the_standard_product(tmp_path: Path, standard: Product) -> None:
    result, workspace = init(tmp_path, standard)
    assert result.exit_code == 0, result.output + result.stderr
    table = releases_table(workspace)
    assert 'branch = "release-{line}" ' in table
    assert 'tag = "v{version}" ' in table
    assert 'upcoming = "10.4" ' in table
    assert "esr = [] " in table and "last = 3 " in table
    assert "\nbranches =" not in table and "\nread_tags =" not in table  # nothing else fits
    assert "[[releases.bump]]" in table and 'path = "VERSION" ' in table
    assert 'format = "{version}"\n' in table
    config = (workspace / "releasekit.toml").read_text()
    assert 'repository = "../product/clone" ' in config
    out = result.stdout.splitlines()
    assert f"created {workspace / '.git'} (a private git repository for the workspace)" in out
    like = "release-10.2, release-10.3, release-10.4"
    assert f'inferred: branch = "release-{{line}}": 7 branches like {like}' in out
    assert 'inferred: tag = "v{version}": the newest release is v10.3.1' in out
    assert 'inferred: upcoming = "10.4": its branch release-10.4 has no release tag' in out
    assert "inferred: last = 3: 10.3, 10.2, 10.1" in out
    assert "inferred: [[releases.bump]] VERSION: {version} (10.3.1 at v10.3.1)" in out
    assert "check: esr is a guess from release dates: list the older lines you still support" in out
    # The workspace is a private git repository that ignores site/ and .releasekit/.
    assert stat.S_IMODE((workspace / ".git").stat().st_mode) == 0o700
    (workspace / "site" / "index.html").write_text("x")
    (workspace / ".releasekit" / "scratch").write_text("x")  # (no journal: plan reads one)
    status = git(workspace, "status", "--porcelain", "--untracked-files=all")
    # advisories/ goes into git before its first advisory: publish on a checkout needs it.
    assert sorted(status.splitlines()) == [
        "?? .gitignore",
        "?? advisories/.gitkeep",
        "?? releasekit.toml",
    ]
    commands_pass(workspace)


def test_the_standard_product_plans_with_its_release_commit(
    tmp_path: Path, standard: Product
) -> None:
    result, workspace = init(tmp_path, standard)
    assert result.exit_code == 0, result.output
    plan = run_in(workspace)("plan")
    assert plan.exit_code == 0, plan.output + plan.stderr


def test_init_reads_a_urllib3_like_clone(tmp_path: Path) -> None:
    product = urllib3_like(tmp_path / "product")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output + result.stderr
    table = releases_table(workspace)
    assert 'branch = "{line}.x" ' in table
    assert 'branches = { "2.1" = "main" } ' in table
    assert 'tag = "{version}" ' in table
    assert 'read_tags = ["v{version}"] ' in table
    assert 'upcoming = "2.1" ' in table and "last = 3 " in table and "esr = [] " in table
    assert 'path = "src/urllib3/_version.py" ' in table
    assert "format = '__version__ = \"{version}\"'\n" in table
    out = result.stdout.splitlines()
    assert 'inferred: read_tags: "v{version}": 4 tags, the newest v2.0.5' in out
    assert 'inferred: upcoming = "2.1": the minor after 2.0.6, on main' in out
    assert 'inferred: branches: "2.1" = "main" (the pattern names no branch of 2.1)' in out
    assert 'check: upcoming = "2.1" is a guess: set the line main becomes' in out
    commands_pass(workspace)


def test_init_reads_a_redis_like_clone(tmp_path: Path) -> None:
    product = redis_like(tmp_path / "product")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output + result.stderr
    table = releases_table(workspace)
    assert 'branch = "release-{line}" ' in table
    assert 'branches = { "7.4" = "unstable" } ' in table
    assert 'tag = "{version}" ' in table and "\nread_tags" not in table
    assert 'upcoming = "7.4" ' in table and 'esr = ["6.0"] ' in table and "last = 3 " in table
    assert 'path = "src/version.h" ' in table
    assert "format = '#define REDIS_VERSION \"{version}\"'\n" in table
    out = result.stdout.splitlines()
    assert 'inferred: upcoming = "7.4": unstable carries the pre-release 7.4-rc1' in out
    assert 'inferred: esr = ["6.0"]: still got releases after 7.2\'s first' in out
    commands_pass(workspace)


def test_init_reads_an_undici_like_clone(tmp_path: Path) -> None:
    product = undici_like(tmp_path / "product")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output + result.stderr
    table = releases_table(workspace)
    assert "line_parts = 1 " in table and 'branch = "v{line}.x" ' in table
    assert 'branches = { "8" = "main" } ' in table
    assert 'tag = "v{version}" ' in table and "\nread_tags" not in table
    assert 'upcoming = "8" ' in table and "esr = [] " in table and "last = 3 " in table
    assert 'path = "package.json" ' in table
    assert 'format = \'"version": "{version}",\'\n' in table
    out = result.stdout.splitlines()
    assert 'inferred: branch = "v{line}.x": 2 branches like v6.x, v7.x' in out
    assert "inferred: line_parts = 1: a line is a major version (7 holds 7.3.0)" in out
    assert 'inferred: upcoming = "8": the major after v7.3.0, on main' in out
    assert "inferred: last = 3: 7, 6" in out
    commands_pass(workspace)
    plan = run_in(workspace)("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    lines = [
        (n["line"], n["branch"], n["next_version"], n["tag"])
        for n in json.loads(plan.stdout)["lines"]
    ]
    assert lines == [
        ("8", "main", "8.0.0", None),
        ("7", "v7.x", "7.3.1", "v7.3.1"),
        ("6", "v6.x", "6.21.3", "v6.21.3"),
    ]
    # A fix of code that came in 7.1 goes to the lines 8 and 7, held as patches/ID/7.patch;
    # the release commit moves package.json from 7.3.0 to 7.3.1.
    (workspace / "advisories" / "ACSA-2026-0001.md").write_text(advisory_text(introduced='"7.1"'))
    for line, branch in (("8", "main"), ("7", "v7.x")):
        patch = product.fix(branch, {"lib/dispatcher.js": "// checked\n"}, "Check the origin")
        path = tmp_path / f"{line}.patch"
        path.write_bytes(patch)
        held = run_in(workspace)("patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert held.exit_code == 0, held.output + held.stderr
    assert (workspace / "patches" / "ACSA-2026-0001" / "7.patch").is_file()
    plan = run_in(workspace)("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    shown = json.loads(plan.stdout)
    cells = {cell["line"]: cell for cell in shown["advisories"][0]["cells"]}
    assert [line for line, cell in cells.items() if cell["required"]] == ["8", "7"]
    assert cells["6"]["reason"] == "introduced in 7; 6 does not have the affected code"
    release = {line["line"]: line["release"] for line in shown["lines"]}
    assert release["7"]["version"] == "7.3.1" and release["7"]["files"] == ["package.json"]


def test_init_proposes_the_changelog_of_a_werkzeug_like_clone(tmp_path: Path) -> None:
    # CHANGES.rst was passed over in silence: the release commits bumped pyproject.toml and
    # left the changelog alone until one read the configuration reference.
    product = werkzeug_like(tmp_path / "product")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output + result.stderr
    assert (
        "check: [releases.changelog] CHANGES.rst is commented out: set marker, the line each"
        ' release\'s entry goes after (a guess: ".. currentmodule:: werkzeug"), then uncomment it'
    ) in result.stdout.splitlines()
    config = workspace / "releasekit.toml"
    commented = (
        "# [releases.changelog]               # an entry at each release (set marker, the line\n"
        '# path = "CHANGES.rst"               # it goes after, then uncomment these three lines)\n'
        '# marker = ".. currentmodule:: werkzeug"\n'
    )
    assert commented in config.read_text()
    commands_pass(workspace)
    uncommented = "".join(line[2:] + "\n" for line in commented.splitlines())
    config.write_text(config.read_text().replace(commented, uncommented))
    (workspace / "advisories" / "ACSA-2026-0001.md").write_text(advisory_text())
    for line, branch in (("3.2", "main"), ("3.1", "stable"), ("3.0", "3.0.x")):
        patch = product.fix(branch, {"src/werkzeug/http.py": "# checked\n"}, "Check a header")
        path = tmp_path / f"{line}.patch"
        path.write_bytes(patch)
        held = run_in(workspace)("patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert held.exit_code == 0, held.output + held.stderr
    plan = run_in(workspace)("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    release = {line["line"]: line["release"] for line in json.loads(plan.stdout)["lines"]}
    assert release["3.2"] is None
    assert release["3.1"]["version"] == "3.1.9"
    assert release["3.1"]["files"] == release["3.0"]["files"] == ["CHANGES.rst", "pyproject.toml"]


def test_the_example_of_an_earlier_tag_spelling_is_not_the_one_written(tmp_path: Path) -> None:
    # With tag = "{version}" (werkzeug's 3.1.8), the commented example offered the same
    # spelling as an "earlier" one to read.
    result, workspace = init(tmp_path, werkzeug_like(tmp_path / "product"))
    assert result.exit_code == 0, result.output + result.stderr
    table = releases_table(workspace)
    assert 'tag = "{version}" ' in table
    assert '\n# read_tags = ["v{version}"] ' in table


def test_a_version_file_that_does_not_fit_every_line_is_commented_out(tmp_path: Path) -> None:
    product = urllib3_like(tmp_path / "product")
    product.commit("1.26.x", {"src/urllib3/_version.py": "VERSION = (1, 26, 17)\n"}, "Tuple")
    fetched(product, "1.26.x")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output
    table = releases_table(workspace)
    assert '# path = "src/urllib3/_version.py"' in table and "\npath =" not in table
    assert (
        "check: [[releases.bump]] src/urllib3/_version.py is commented out: it does not say"
        ' __version__ = "VERSION" on 1.26'
    ) in result.stdout.splitlines()


def test_given_upcoming_and_a_workspace_inside_a_repository(tmp_path: Path) -> None:
    redis_like(tmp_path / "product")
    git(tmp_path, "init", "-q", "outer")
    workspace = tmp_path / "outer" / "security"
    relative = "../../product/clone"
    result = CliRunner().invoke(
        cli, ["init", str(workspace), "--repository", relative, "--upcoming", "8.0"]
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert 'upcoming = "8.0" ' in releases_table(workspace)
    assert 'branches = { "8.0" = "unstable" } ' in releases_table(workspace)
    assert not (workspace / ".git").exists()
    assert (
        f"the workspace is inside the git repository {tmp_path / 'outer'}: no other made"
        in result.stdout
    )


def test_init_without_a_repository_also_makes_the_git_repository(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ws" / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert "inferred:" not in result.stdout


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "--repository ../nowhere: no such directory (relative to the workspace)"),
        ("plain", "--repository ../plain: not a git repository (the product clone)"),
        (
            "untagged",
            "--repository ../untagged: no release tags (like v1.2.3 or 1.2.3) in the clone",
        ),
    ],
)
def test_bad_repositories_are_one_line_exit_2_and_nothing_is_written(
    tmp_path: Path, setup: str, message: str
) -> None:
    (tmp_path / "plain").mkdir()
    untagged = Product.create(tmp_path / "untagged-product", {"README": "x\n"})
    (tmp_path / "untagged").symlink_to(untagged.clone)
    name = {"missing": "nowhere"}.get(setup, setup)
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ws"), "--repository", f"../{name}"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"releasekit: error: {message}")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "ws").exists()


def test_init_reads_nothing_but_refs_and_changes_nothing_in_the_clone(
    tmp_path: Path, standard: Product
) -> None:
    before = standard.clone_state()
    result, _ = init(tmp_path, standard)
    assert result.exit_code == 0
    assert standard.clone_state() == before
    fsck = subprocess.run(["git", "fsck", "--no-dangling"], cwd=standard.clone, check=False)
    assert fsck.returncode == 0


def test_the_readme_shows_what_init_prints(tmp_path: Path) -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    shown = readme[readme.index("what it inferred and what to check, a line each:") :]
    shown = shown.split("```\n")[1]  # the first block after it
    product = acme_like(tmp_path / "product")
    result, workspace = init(tmp_path, product)
    assert result.exit_code == 0, result.output
    printed = [
        line for line in result.stdout.splitlines() if line.startswith(("inferred: ", "check: "))
    ]
    assert [line for line in printed if not line.startswith("inferred: remote")] == (
        shown.splitlines()
    )
    assert len(printed) == 11
    commands_pass(workspace)

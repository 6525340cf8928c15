"""Real fixes and their real backports, held the way a release manager holds them.

Each fixture (tests/fixtures/rails-csp, rails-vips, rails-sql, pillow-psd; see their README)
holds the files a real security fix touches at the parent of each of its real backports, and
the real `git format-patch` output of each. A product with the project's branch and tag names
is built from it, the fixes are held with `patch add` as files, and `plan`, `patch list` and
`verify` are run: as the lines were, after a real later commit on the same lines, and after
the fix went public. rails-csp: CVE-2024-54133 on main, 8.0, 7.2 and 7.1 (the backports add a
changelog entry main's does not); rails-vips: a fix that creates a file; rails-sql: a backport
that deletes files (CVE-2023-22794); pillow-psd: a fix that adds binary files.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.cli import cli
from releasekit.release.plan import Plan
from releasekit.release.planner import build_plan
from releasekit.workspace import files as workspace
from tests.helpers.repos import Product, git

FIXTURES = Path(__file__).parent.parent / "fixtures"
CSP = FIXTURES / "rails-csp"
VIPS = FIXTURES / "rails-vips"
ID = "ACSA-2026-0001"
LIB = "actionpack/lib/action_dispatch/http/content_security_policy.rb"
CHANGELOG = "actionpack/CHANGELOG.md"
NEW_FILE = "activestorage/lib/active_storage/vips.rb"
# line -> (branch, the tag of the release the backport was made on)
CSP_LINES = {
    "8.1": ("main", None),
    "8.0": ("8-0-stable", "v8.0.0"),
    "7.2": ("7-2-stable", "v7.2.2"),
    "7.1": ("7-1-stable", "v7.1.5"),
}
# line -> the lib file's blob that the real fix commit made there
MADE = {"8.1": "9194765a2e2", "8.0": "9194765a2e2", "7.2": "cd7c262a038", "7.1": "41064745ae9"}
# line -> the created file's blob in the real fix commit
VIPS_MADE = {"8.2": "10b8053ba1c", "8.1": "10b8053ba1c", "8.0": "16b2ddbfbaa", "7.2": "16b2ddbfbaa"}
SQL = FIXTURES / "rails-sql"
SQL_LINES = {
    "7.1": ("main", None),
    "7.0": ("7-0-stable", "v7.0.4"),
    "6.1": ("6-1-stable", "v6.1.7"),
    "6.0": ("6-0-stable", "v6.0.6"),
}
ADAPTERS = [
    f"activerecord/test/cases/adapters/{name}/annotate_test.rb"
    for name in ("mysql2", "postgresql", "sqlite3")
]
SHARED = "activerecord/test/cases/annotate_test.rb"
PSD = FIXTURES / "pillow-psd"
PSD_LINES = {"12.2": ("main", None), "12.1": ("12.1.x", "12.1.0")}
# the images the fix adds, and their blobs
IMAGES = {
    "Tests/images/psd-oob-write-x.psd": "86359f4cb7e826a69a8e69a4b85947498ec18923",
    "Tests/images/psd-oob-write-y.psd": "73498266a7d732ad70be649718229fa5f07997b7",
}
VIPS_LINES = {
    "8.2": ("main", None),
    "8.1": ("8-1-stable", "v8.1.3"),
    "8.0": ("8-0-stable", "v8.0.5"),
    "7.2": ("7-2-stable", "v7.2.3.1"),
}


def tree_of(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def build(root: Path, tips: Path, lines: Mapping[str, tuple[str, str | None]]) -> Product:
    """The project's branches, each holding the fixture's files of its line at the backport's
    parent (and only those), tagged with that release. The upcoming line is main; where
    the fixture has no files of its own for it, the real main had those of the first line."""
    upcoming = next(line for line, (_, tag) in lines.items() if tag is None)
    released = [line for line in lines if line != upcoming]
    first = upcoming if (tips / upcoming).is_dir() else released[0]
    main = tree_of(tips / first)
    product = Product.create(root, main)
    for line in released:
        branch, tag = lines[line]
        assert tag is not None
        files: dict[str, str | None] = {path: None for path in main}
        files.update(tree_of(tips / line))
        product.commit(branch, files, f"Preparing for {tag[1:]} release", create_from="main")
        product.tag(tag, branch)
        product.publish(branch)
    git(product.clone, "fetch", "-q", "--tags", "origin")
    return product


def config(
    clone: Path, lines: Mapping[str, tuple[str, str | None]], branch: str, tag: str, name: str
) -> str:
    upcoming = next(line for line, (_, tag) in lines.items() if tag is None)
    released = [line for line in lines if line != upcoming]
    return f"""[project]
name = "{name}"
vendor = "{name}"
repository = "{clone}"
advisory_prefix = "ACSA"
site_url = "https://rails.example/security"
time_zone = "UTC"

[releases]
branch = "{branch}"
branches = {{ "{upcoming}" = "main" }}
tag = "{tag}"
upcoming = "{upcoming}"
esr = ["{released[-1]}"]
last = {len(released) - 1}
committer = "Release Bot <release@example.org>"
"""


class Project:
    """A workspace over a product built from a fixture, with the fix held for each line."""

    def __init__(
        self,
        root: Path,
        fixture: Path,
        lines: Mapping[str, tuple[str, str | None]],
        branch: str = "{line:-}-stable",
        tag: str = "v{version}",
    ):
        self.fixture = fixture
        self.lines = lines
        self.product = build(root / "product", fixture / "tips", lines)
        self.ws = root / "ws"
        (self.ws / "advisories").mkdir(parents=True)
        (self.ws / "releasekit.toml").write_text(
            config(self.product.clone, lines, branch, tag, fixture.name.split("-")[0].title())
        )
        (self.ws / "advisories" / f"{ID}.md").write_text(
            "+++\n"
            f'id = "{ID}"\n'
            'title = "Policy values are not checked"\n'
            'cvss = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N"\n'
            "embargo = 2030-01-01T00:00:00Z\n"
            'summary = "One public sentence."\n'
            "+++\n\nDetails.\n"
        )
        for line in lines:
            held = self.run(
                "patch", "add", ID, "--line", line, str(fixture / f"patches/{line}.patch")
            )
            assert held.exit_code == 0, held.output + held.stderr

    def copy_to(self, root: Path) -> Project:
        """The same product and held fixes under ``root`` (the workspace's repository
        pointed at the copy's clone)."""
        twin = copy.copy(self)
        twin.product = self.product.copy_to(root / "product")
        twin.ws = root / "ws"
        shutil.copytree(self.ws, twin.ws, symlinks=True)
        config = twin.ws / "releasekit.toml"
        text = config.read_text()
        repository = f'repository = "{self.product.clone}"\n'
        assert repository in text
        config.write_text(text.replace(repository, f'repository = "{twin.product.clone}"\n'))
        return twin

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["-C", str(self.ws), *args])

    def plan(self) -> tuple[Result, dict[str, dict[str, object]]]:
        result = self.run("plan", "--json")
        cells = json.loads(result.stdout)["advisories"][0]["cells"]
        return result, {cell["line"]: cell for cell in cells}

    def configure_verify(self, script: str) -> None:
        config = self.ws / "releasekit.toml"
        command = json.dumps(["sh", "-c", script])
        config.write_text(config.read_text() + f"\n[verify]\ncommand = {command}\ntimeout = 60\n")

    def plan_object(self) -> Plan:
        settings = workspace.open_workspace(self.ws)
        repo = ProductRepo.open(settings.repository_path, Environment())
        return build_plan(settings, workspace.load_advisories(settings), repo, fetch=False)

    def advance(self, line: str, patch: Path) -> str:
        """Move ``line``'s public branch on by a real commit (git am keeps its author,
        date and message), as the project did while the fix was held."""
        branch, _ = self.lines[line]
        dev = self.product.dev
        git(dev, "checkout", "-q", branch)
        if patch.suffix == ".diff":  # a merge's change on its first parent
            git(dev, "apply", "--index", str(patch))
            git(dev, "commit", "-q", "-m", patch.stem)
        else:
            git(dev, "am", "-q", "--committer-date-is-author-date", str(patch))
        self.product.publish(branch)
        git(self.product.clone, "fetch", "-q", "origin")  # what the plan's fetch does
        return self.product.tip(branch)

    def snapshot(self) -> tuple[dict[str, bytes], tuple[str, str, str], str]:
        files = {
            str(p.relative_to(self.ws)): p.read_bytes()
            for p in sorted(self.ws.rglob("*"))
            if p.is_file()
        }
        refs = git(self.product.remote, "for-each-ref", "--format=%(refname) %(objectname)")
        return files, self.product.clone_state(), refs


# Each fixture's product is built and its fixes held once a module (seconds of git), and
# each test gets a copy of its own (a fraction of that), which it may change.
@pytest.fixture(scope="module")
def built_csp(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("csp"), CSP, CSP_LINES)


@pytest.fixture(scope="module")
def built_vips(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("vips"), VIPS, VIPS_LINES)


@pytest.fixture(scope="module")
def built_sql(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(tmp_path_factory.mktemp("sql"), SQL, SQL_LINES)


@pytest.fixture(scope="module")
def built_psd(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(
        tmp_path_factory.mktemp("psd"), PSD, PSD_LINES, branch="{line}.x", tag="{version}"
    )


@pytest.fixture
def csp(built_csp: Project, tmp_path: Path) -> Project:
    return built_csp.copy_to(tmp_path)


@pytest.fixture
def vips(built_vips: Project, tmp_path: Path) -> Project:
    return built_vips.copy_to(tmp_path)


@pytest.fixture
def sql(built_sql: Project, tmp_path: Path) -> Project:
    return built_sql.copy_to(tmp_path)


@pytest.fixture
def psd(built_psd: Project, tmp_path: Path) -> Project:
    return built_psd.copy_to(tmp_path)


def test_the_fixture_has_the_blobs_the_backports_were_made_on(csp: Project) -> None:
    """The lib file is the very blob each patch's index line names (a three-way merge
    needs it); 7.1's changelog is cut (see the README), so its hunk is placed by context."""
    for line, (branch, _) in CSP_LINES.items():
        patch = (CSP / f"patches/{line}.patch").read_text()
        blob = git(csp.product.clone, "rev-parse", f"origin/{branch}:{LIB}")
        assert f"\nindex {blob[:11]}.." in patch, line


def test_every_real_backport_applies_on_its_line(csp: Project) -> None:
    result, cells = csp.plan()
    assert result.exit_code == 0, result.output + result.stderr
    for line in CSP_LINES:
        assert (cells[line]["required"], cells[line]["held"]) == (True, True), line
        assert cells[line]["status"] == "applies", (line, cells[line])
    data = json.loads(result.stdout)
    for entry in data["lines"]:
        assert entry["ok"] and len(entry["commits"]) == 1, entry
    # The commit the lift would push on each line makes the real backport's lib file.
    plan = csp.plan_object()
    for line, blob in MADE.items():
        (commit,) = plan.cell(ID, line).commits
        entry = plan.repo.entry(plan.repo.commit(commit).tree, LIB)
        assert entry is not None and entry.oid.startswith(blob), line
    table = csp.run("plan", "--no-fetch")
    assert table.exit_code == 0 and table.stdout.splitlines()[-1].startswith("Plan: ready")


def test_a_later_real_commit_on_the_same_lines_is_a_conflict_named_clearly(csp: Project) -> None:
    """8-0-stable's "Sync CHANGELOG" (0c1bb3a, 2024-12-09) put an entry at the top of
    actionpack/CHANGELOG.md, where the held 8.0 backport puts its own: the plan names the
    fix, the line and the file; exit 1; nothing changes anywhere."""
    csp.advance("8.0", CSP / "later/8.0-0c1bb3a-sync-changelog.patch")
    before = csp.snapshot()
    result, cells = csp.plan()
    assert result.exit_code == 1, result.output + result.stderr
    assert cells["8.0"]["status"] == "conflicts"
    assert cells["8.0"]["conflicts"] == [CHANGELOG]
    assert CHANGELOG in str(cells["8.0"]["reason"])
    assert [cells[line]["status"] for line in ("8.1", "7.2", "7.1")] == ["applies"] * 3
    assert result.stderr.endswith(f"error: not ready: {ID} on 8.0: conflicts ({CHANGELOG})\n")
    table = csp.run("plan", "--no-fetch")
    assert table.exit_code == 1
    assert f"{ID} 8.0:" in table.stdout and CHANGELOG in table.stdout
    listed = csp.run("patch", "list")
    assert listed.exit_code == 0
    assert f"conflicts ({CHANGELOG})" in listed.stdout
    assert csp.snapshot() == before


def test_a_later_real_commit_elsewhere_in_the_file_still_applies(csp: Project) -> None:
    """main moves on by c0aa9c0 (hash sources: the same file, other lines; git am places
    its hunks 3 lines off): the held fix merges three-way on the blob it was made from,
    and what the plan would push holds both changes."""
    csp.advance("8.1", CSP / "later/8.1-c0aa9c0-hash-source.patch")
    result, cells = csp.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert cells["8.1"]["status"] == "applies"
    plan = csp.plan_object()
    (commit,) = plan.cell(ID, "8.1").commits
    entry = plan.repo.entry(plan.repo.commit(commit).tree, LIB)
    assert entry is not None
    # exactly what main had once both were public (c0aa9c0 made blob 2c21ff9a412)
    assert entry.oid.startswith("2c21ff9a412")


def test_verify_runs_in_each_line_with_its_real_backport(csp: Project) -> None:
    check = f"grep -q InvalidDirectiveError {LIB}"
    csp.configure_verify(check)
    result = csp.run("verify", "--json")
    assert result.exit_code == 0, result.output + result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert sorted(r["line"] for r in data["lines"]) == sorted(CSP_LINES)


def test_verify_refuses_a_line_whose_fix_conflicts(csp: Project) -> None:
    csp.configure_verify(f"grep -q InvalidDirectiveError {LIB}")
    csp.advance("8.0", CSP / "later/8.0-0c1bb3a-sync-changelog.patch")
    before = csp.snapshot()
    result = csp.run("verify")
    assert result.exit_code == 1
    assert f"not ready: {ID} on 8.0: conflicts ({CHANGELOG}); run" in result.stderr
    assert csp.snapshot() == before


def test_a_fix_that_went_public_as_it_is_is_already_fixed(csp: Project) -> None:
    """8-0-stable got the very commit (v8.0.0.1 was merged into it): the held 8.0 fix
    changes nothing there, the line needs nothing, the plan is ready."""
    csp.advance("8.0", CSP / "patches/8.0.patch")
    result, cells = csp.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert (cells["8.0"]["status"], cells["8.0"]["required"]) == ("already-fixed", False)
    assert cells["8.0"]["reason"] == "8-0-stable already contains the fix"
    assert cells["8.0"]["commits"] == []


def test_a_fix_that_went_public_and_was_built_on_is_already_fixed(csp: Project) -> None:
    """main got the fix (4dae857), then a commit on the same file elsewhere (c0aa9c0,
    hash sources): still already fixed."""
    csp.advance("8.1", CSP / "patches/8.1.patch")
    csp.advance("8.1", CSP / "later/8.1-c0aa9c0-hash-source.patch")
    result, cells = csp.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert cells["8.1"]["status"] == "already-fixed"


def test_a_public_fix_changed_since_is_a_conflict_not_already_fixed(csp: Project) -> None:
    """Then a8bb7c1 (2026-03) rewrote two of the lines the fix added: the held fix no
    longer matches what is public. The plan cannot tell "fixed differently" from "not
    fixed", and says conflicts, naming the file: a person decides (what git cherry-pick
    says too)."""
    csp.advance("8.1", CSP / "patches/8.1.patch")
    csp.advance("8.1", CSP / "later/8.1-c0aa9c0-hash-source.patch")
    csp.advance("8.1", CSP / "later/8.1-a8bb7c1-flat-map.patch")
    result, cells = csp.plan()
    assert result.exit_code == 1
    assert (cells["8.1"]["status"], cells["8.1"]["conflicts"]) == ("conflicts", [LIB])


def test_a_fix_public_with_another_changelog_entry_conflicts_on_the_changelog(
    csp: Project,
) -> None:
    """What 8-0-stable really got: "Sync CHANGELOG", then the merge of v8.0.0.1, whose
    changelog has the entry under its own release heading. The code is already the
    fix's; the changelog is not the held fix's, and is the one file named."""
    csp.advance("8.0", CSP / "later/8.0-0c1bb3a-sync-changelog.patch")
    csp.advance("8.0", CSP / "later/8.0-3d17d95-merge-v8.0.0.1.diff")
    result, cells = csp.plan()
    assert result.exit_code == 1
    assert (cells["8.0"]["status"], cells["8.0"]["conflicts"]) == ("conflicts", [CHANGELOG])


def test_holding_the_public_commit_that_made_the_fix_says_already_fixed(csp: Project) -> None:
    """Then what a release manager does (README): hold the public commit that made the fix
    on 8.0 in place of the backport; the line needs nothing more, and the plan is ready."""
    csp.advance("8.0", CSP / "later/8.0-0c1bb3a-sync-changelog.patch")
    csp.advance("8.0", CSP / "later/8.0-3d17d95-merge-v8.0.0.1.diff")
    public = "origin/8-0-stable~1..origin/8-0-stable"
    held = csp.run("patch", "add", ID, "--line", "8.0", "--replace", "--from", public)
    assert held.exit_code == 0, held.output + held.stderr
    result, cells = csp.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert (cells["8.0"]["status"], cells["8.0"]["required"]) == ("already-fixed", False)


def test_a_fix_that_creates_a_file_applies_on_each_line(vips: Project) -> None:
    result, cells = vips.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert [cells[line]["status"] for line in VIPS_LINES] == ["applies"] * 4
    plan = vips.plan_object()
    for line, blob in VIPS_MADE.items():
        (commit,) = plan.cell(ID, line).commits
        entry = plan.repo.entry(plan.repo.commit(commit).tree, NEW_FILE)
        assert entry is not None and entry.oid.startswith(blob), line
        assert entry.mode == 0o100644


def test_a_created_file_already_public_as_it_is(vips: Project) -> None:
    vips.advance("8.0", VIPS / "patches/8.0.patch")
    result, cells = vips.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert cells["8.0"]["status"] == "already-fixed"


def test_a_created_file_that_the_tip_has_with_other_content_conflicts(vips: Project) -> None:
    """8-0-stable gets the 8.1 backport's version of the new file (44 lines, not the 42
    that the 8.0 backport writes): the plan names that file; nothing changes."""
    patch = (VIPS / "patches/8.1.patch").read_text()
    body = patch[patch.index(f"+++ b/{NEW_FILE}") :].split("\n@@ -0,0 +1,44 @@\n", 1)[1]
    text = "".join(
        line[1:] + "\n" for line in body.split("\n-- \n")[0].splitlines() if line[:1] == "+"
    )
    branch, _ = VIPS_LINES["8.0"]
    vips.product.commit(branch, {NEW_FILE: text}, "Add the 8.1 version of the file")
    vips.product.publish(branch)
    git(vips.product.clone, "fetch", "-q", "origin")
    before = vips.snapshot()
    result, cells = vips.plan()
    assert result.exit_code == 1
    assert (cells["8.0"]["status"], cells["8.0"]["conflicts"]) == ("conflicts", [NEW_FILE])
    assert vips.snapshot() == before


@pytest.mark.parametrize("columns", [120, 108])
def test_the_plan_table_never_breaks_a_conflicting_file_name_that_fits(
    csp: Project, columns: int
) -> None:
    """A real path of 62 characters in the row-per-line table: the "Line" column wraps
    its words so the path stays whole (copyable), at any width that can hold it."""
    csp.advance("8.1", CSP / "patches/8.1.patch")
    csp.advance("8.1", CSP / "later/8.1-c0aa9c0-hash-source.patch")
    csp.advance("8.1", CSP / "later/8.1-a8bb7c1-flat-map.patch")
    runner = CliRunner(env={"COLUMNS": str(columns)})
    out = runner.invoke(cli, ["-C", str(csp.ws), "plan", "--no-fetch"]).stdout
    table = out[: out.index(f"\n{ID} 8.1:")]
    assert max(len(line) for line in table.splitlines()) <= columns
    assert f" {LIB} " in table
    for word in ("8.1", "(upcoming)", "8.1.0", "conflicts", "applies", "medium, embargoed"):
        assert word in table


def test_a_fix_that_adds_binary_files_applies_on_each_line(psd: Project) -> None:
    """Pillow's "Fix OOB Write with invalid tile extents" adds two PSD images (GIT binary
    patch literals) and a line to the release notes index, on main and 12.1.x."""
    result, cells = psd.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert [cells[line]["status"] for line in PSD_LINES] == ["applies"] * 2
    plan = psd.plan_object()
    for line in PSD_LINES:
        (commit,) = plan.cell(ID, line).commits
        tree = plan.repo.commit(commit).tree
        for path, blob in IMAGES.items():
            entry = plan.repo.entry(tree, path)
            assert entry is not None and entry.oid == blob, (line, path)
        notes = plan.repo.entry(tree, "docs/releasenotes/index.rst")
        assert notes is not None and notes.oid.startswith("690be2072")


def test_binary_files_already_public_are_already_fixed(psd: Project) -> None:
    psd.advance("12.1", PSD / "patches/12.1.patch")
    # 12.1 needs no release of its own now, so only 12.2.0 (a first release) gets the fix:
    # the plan asks for `introduced`, or no released version would be recorded affected.
    path = psd.ws / "advisories" / f"{ID}.md"
    path.write_text(path.read_text().replace("summary =", 'introduced = "12.1"\nsummary ='))
    result, cells = psd.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert cells["12.1"]["status"] == "already-fixed"


def test_a_binary_file_the_tip_has_with_other_bytes_conflicts(psd: Project) -> None:
    """12.1.x holds another image at one of the paths: the plan names it; nothing changes."""
    dev = psd.product.dev
    git(dev, "checkout", "-q", "12.1.x")
    image = dev / "Tests/images/psd-oob-write-y.psd"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"8BPS\x00\x01" + bytes(64))
    git(dev, "add", "-A")
    git(dev, "commit", "-q", "-m", "Another image")
    psd.product.publish("12.1.x")
    git(psd.product.clone, "fetch", "-q", "origin")
    before = psd.snapshot()
    result, cells = psd.plan()
    assert result.exit_code == 1
    assert cells["12.1"]["conflicts"] == ["Tests/images/psd-oob-write-y.psd"]
    assert result.stderr.endswith(
        f"not ready: {ID} on 12.1: conflicts (Tests/images/psd-oob-write-y.psd)\n"
    )
    assert psd.snapshot() == before


def test_a_backport_that_deletes_files_applies(sql: Project) -> None:
    """Rails' sanitize_as_sql_comment fix (CVE-2023-22794): on 6.0 the backport deletes
    the three adapter tests and creates one shared test; on 6.1, 7.0 and main it changes
    the shared test."""
    result, cells = sql.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert [cells[line]["status"] for line in SQL_LINES] == ["applies"] * 4
    plan = sql.plan_object()
    (commit,) = plan.cell(ID, "6.0").commits
    tree = plan.repo.commit(commit).tree
    assert [plan.repo.entry(tree, path) for path in ADAPTERS] == [None] * 3
    shared = plan.repo.entry(tree, SHARED)
    assert shared is not None and shared.oid.startswith("21b95a97a13")


def test_files_a_public_commit_already_deleted_are_already_fixed(sql: Project) -> None:
    sql.advance("6.0", SQL / "patches/6.0.patch")
    result, cells = sql.plan()
    assert result.exit_code == 0, result.output + result.stderr
    assert cells["6.0"]["status"] == "already-fixed"


def test_a_file_the_fix_deletes_changed_on_the_tip_conflicts(sql: Project) -> None:
    """A public commit changed one of the files the 6.0 backport deletes: deleting it
    would drop that change; the plan names the file, and nothing changes."""
    dev = sql.product.dev
    git(dev, "checkout", "-q", "6-0-stable")
    target = dev / ADAPTERS[1]
    target.write_text(target.read_text().replace("class ", "class  ", 1))
    git(dev, "commit", "-q", "-am", "Reformat")
    sql.product.publish("6-0-stable")
    git(sql.product.clone, "fetch", "-q", "origin")
    before = sql.snapshot()
    result, cells = sql.plan()
    assert result.exit_code == 1
    assert cells["6.0"]["conflicts"] == [ADAPTERS[1]]
    assert sql.snapshot() == before


@pytest.mark.parametrize("columns", [80, 120])
def test_the_readiness_checklist_never_breaks_a_conflicting_file_name(
    csp: Project, columns: int
) -> None:
    """`embargo status` at a usual width: the check's detail names the 62-character path
    whole (a copy of it is the path), whatever room the detail column has."""
    csp.advance("8.1", CSP / "patches/8.1.patch")
    csp.advance("8.1", CSP / "later/8.1-c0aa9c0-hash-source.patch")
    csp.advance("8.1", CSP / "later/8.1-a8bb7c1-flat-map.patch")
    runner = CliRunner(env={"COLUMNS": str(columns)})
    out = runner.invoke(cli, ["-C", str(csp.ws), "embargo", "status"]).stdout
    assert f"{ID} on 8.1: conflicts ({LIB})" in " ".join(out.split())
    assert LIB in out
    checklist = out[out.index("Readiness of") :]
    assert "fixes held and applying" in checklist and "leak lint" in checklist

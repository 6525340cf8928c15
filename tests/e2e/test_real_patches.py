"""Real fixes of public projects, stacked by releasekit's engine and by ``git am -3`` on the
same tip: the verdict and, when both apply, the tree must be the same.

Each case is a directory of tests/fixtures/real-patches/ (its README.md names the source
repository, commit and release branch of each): ``fix.patch`` as ``git format-patch``
made it, ``tip/`` the files of the release branch's tip it goes onto (cut to the lines that
matter). The fix's preimage blobs are not in the repository built here, as with a fix that
came from elsewhere: releasekit applies the hunks to the tip's files, git am tries the
patch directly and has nothing to fall back on.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.git import Person, ProductRepo
from releasekit.fixes.export import format_patch
from releasekit.fixes.mbox import parse_mbox
from releasekit.fixes.store import HeldPatch
from releasekit.release.plan import ALREADY_FIXED, APPLIES, CONFLICTS
from releasekit.release.stack import Chain, apply
from tests.helpers.repos import git, git_env

FIXTURES = Path(__file__).parents[1] / "fixtures" / "real-patches"
CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
# What git am -3 says, written down so that a case keeps its meaning without git.
EXPECTED = {
    "redis-top-of-file": CONFLICTS,
    "redis-end-of-file": CONFLICTS,
    "redis-equal-distance": APPLIES,
    "redis-far-offset": APPLIES,
    "werkzeug-bot-author": APPLIES,
}


@dataclass(frozen=True)
class Outcome:
    status: str
    tree: str | None  # None: conflicts
    authors: tuple[str, ...] = ()  # "Name <email>" of each commit made


def tip_repository(root: Path, case: str) -> tuple[Path, str]:
    """A repository whose one commit holds the case's tip/ files (modes kept)."""
    work = root / "product"
    shutil.copytree(FIXTURES / case / "tip", work)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "tip")
    return work, git(work, "rev-parse", "HEAD")


def by_releasekit(work: Path, tip: str, patch: bytes) -> Outcome:
    repo = ProductRepo.open(work, Environment({}))
    chain = Chain(repo, tip, tip, repo.edit(repo.commit(tip).tree))
    held = HeldPatch("ACSA-2026-0001", "1.0", Path("fix.patch"), tuple(parse_mbox(patch, "p")))
    result = apply(chain, held, Person("R", "r@example.org"), 0)
    if result.status == CONFLICTS:
        return Outcome(CONFLICTS, None)
    authors = tuple(_author(repo.commit(oid).author) for oid in result.commits)
    return Outcome(result.status, repo.commit(chain.head).tree, authors)


def _author(person: Person) -> str:
    return f"{person.name} <{person.email}>"


def by_git_am(work: Path, tip: str, patch_file: Path) -> Outcome:
    done = subprocess.run(
        ["git", "am", "-3", "--keep-cr", str(patch_file)],
        cwd=work,
        capture_output=True,
        env=git_env(),
        check=False,
    )
    if done.returncode != 0:
        return Outcome(CONFLICTS, None)
    head = git(work, "rev-parse", "HEAD")
    tree = git(work, "rev-parse", "HEAD^{tree}")
    authors = git(work, "log", "--reverse", "--format=%an <%ae>", f"{tip}..HEAD")
    return Outcome(APPLIES if head != tip else ALREADY_FIXED, tree, tuple(authors.splitlines()))


@pytest.mark.parametrize("case", CASES)
def test_a_real_fix_lands_where_git_am_puts_it(tmp_path: Path, case: str) -> None:
    patch_file = FIXTURES / case / "fix.patch"
    work, tip = tip_repository(tmp_path, case)
    ours = by_releasekit(work, tip, patch_file.read_bytes())
    theirs = by_git_am(work, tip, patch_file)
    assert ours == theirs
    assert ours.status == EXPECTED[case]


def test_a_fix_exported_from_the_clone_keeps_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    """``patch add --from``: a fix to a Latin-1 file is held byte for byte, as git
    format-patch writes it, and stacking it makes the commit's own tree."""
    work = tmp_path / "product"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "names.txt").write_bytes(b"# Latin-1\none\ntwo\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "names")
    (work / "names.txt").write_bytes(b"# Latin-1\none\nJos\xe9\ntwo\n")
    git(work, "commit", "-q", "-am", "Add a name")
    repo = ProductRepo.open(work, Environment({}))
    fix = repo.resolve("HEAD")
    exported = format_patch(repo, [fix])
    assert b"+Jos\xe9\n" in exported
    ours = by_releasekit(work, repo.resolve("HEAD~1"), exported)
    assert (ours.status, ours.tree) == (APPLIES, repo.commit(fix).tree)


def test_a_fix_that_renames_a_binary_file_is_exported_as_git_does(tmp_path: Path) -> None:
    """``patch add --from`` a commit that renames an image as it is (Pillow's 3b4db882
    renamed Tests/images/bc5_snorm.png to bc5s.png): held and stacked, not refused."""
    work = tmp_path / "product"
    (work / "images").mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    (work / "images" / "old.png").write_bytes(bytes(range(256)) * 4)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "image")
    git(work, "mv", "images/old.png", "images/new.png")
    git(work, "commit", "-q", "-m", "Rename the image")
    repo = ProductRepo.open(work, Environment({}))
    fix = repo.resolve("HEAD")
    exported = format_patch(repo, [fix])
    assert b"Binary files" not in exported
    ours = by_releasekit(work, repo.resolve("HEAD~1"), exported)
    assert (ours.status, ours.tree) == (APPLIES, repo.commit(fix).tree)


@pytest.mark.parametrize("binary", [False, True])
def test_a_fix_that_deletes_a_file_changed_on_the_tip_conflicts(
    tmp_path: Path, binary: bool
) -> None:
    """A fix made elsewhere (its blobs are not in the clone) deletes a file that the tip
    holds with other content: git am -3 refuses it, and so does releasekit, rather than
    delete what the fix never saw."""
    made = tmp_path / "elsewhere"
    made.mkdir()
    git(made, "init", "-q", "-b", "main")
    seen, changed = (b"\x00one\n", b"\x00One\n") if binary else (b"one\ntwo\n", b"one\nTwo\n")
    (made / "old.txt").write_bytes(seen)
    git(made, "add", "-A")
    git(made, "commit", "-q", "-m", "old")
    git(made, "rm", "-q", "old.txt")
    git(made, "commit", "-q", "-m", "Remove the old file")
    patch_file = tmp_path / "fix.patch"
    patch_file.write_text(git(made, "format-patch", "--binary", "--stdout", "HEAD~1") + "\n")
    work = tmp_path / "product"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "old.txt").write_bytes(changed)
    (work / "kept.txt").write_bytes(b"kept\n")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "tip")
    tip = git(work, "rev-parse", "HEAD")
    ours = by_releasekit(work, tip, patch_file.read_bytes())
    assert ours == by_git_am(work, tip, patch_file)
    assert ours.status == CONFLICTS

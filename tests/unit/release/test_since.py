"""The first release of a line that had a fix already, found with a held fix on the line's
release tags (release.since), in a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.fixes.mbox import parse_mbox
from releasekit.fixes.store import HeldPatch
from releasekit.release import since
from tests.helpers.repos import FILES, Product, git, replace_line

FIXED = replace_line(FILES["src/preview.c"], 20, "preview: drop the header")


def held(data: bytes) -> HeldPatch:
    path = Path("patches/ACSA-2026-0001/10.6.patch")
    return HeldPatch("ACSA-2026-0001", "10.6", path, tuple(parse_mbox(data, path)))


@pytest.fixture
def product(tmp_path: Path) -> Product:
    """10.6.0 and 10.6.1 without the fix, 10.6.2 with it, 10.6.3 after."""
    made = Product.create(tmp_path / "product", FILES)
    made.release_line("10.6", ["10.6.0", "10.6.1"])
    return fixed_in_10_6_2(made)


def fixed_in_10_6_2(made: Product) -> Product:
    """``made`` with the fix on release-10.6, released in 10.6.2, then 10.6.3; published."""
    made.commit("release-10.6", {"src/preview.c": FIXED}, "preview: drop a header")
    for version in ("10.6.2", "10.6.3"):
        made.commit("release-10.6", {"VERSION": f"{version}\n"}, f"Release {version}")
        made.tag(f"v{version}", "release-10.6")
    made.publish("release-10.6")
    git(made.clone, "fetch", "-q", "--tags", "origin")
    return made


def releases(product: Product) -> tuple[ProductRepo, list[since.Release]]:
    repo = ProductRepo.open(product.clone, Environment())
    found = since.line_releases(("v{version}",), repo.tags(), 2)
    return repo, found["10.6"]


def test_the_first_release_with_the_fix_is_found(product: Product) -> None:
    fix = held(product.fix("v10.6.0", {"src/preview.c": FIXED}, "Drop the header"))
    repo, tagged = releases(product)
    assert [version for version, _commit in tagged] == ["10.6.0", "10.6.1", "10.6.2", "10.6.3"]
    assert since.first_with_fix(repo, tagged, [fix]) == "10.6.2"
    assert since.first_with_fix(repo, tagged[:2], [fix]) is False  # (it applies: not there)


def test_too_many_releases_to_try_cannot_be_told(
    product: Product, monkeypatch: pytest.MonkeyPatch
) -> None:
    fix = held(product.fix("v10.6.0", {"src/preview.c": FIXED}, "Drop the header"))
    repo, tagged = releases(product)
    monkeypatch.setattr(since, "MAX_TRIED", 3)
    assert since.first_with_fix(repo, tagged, [fix]) is None


def test_a_fix_that_conflicts_with_the_newest_release_cannot_tell(product: Product) -> None:
    other = replace_line(FILES["src/preview.c"], 20, "preview: something else")
    fix = held(product.fix("v10.6.0", {"src/preview.c": other}, "Another change"))
    repo, tagged = releases(product)
    assert since.first_with_fix(repo, tagged, [fix]) is None


def test_a_fix_that_undoes_the_bug_is_not_found_before_the_bug_came(tmp_path: Path) -> None:
    # The bug came in 10.6.1 and the fix takes its change back: 10.6.0's tree has the
    # fixed code too (it never had the bug), but 10.6.1 was affected and 10.6.2 fixed it.
    made = Product.create(tmp_path / "product", FILES)
    made.release_line("10.6", ["10.6.0"])
    buggy = replace_line(FILES["src/preview.c"], 20, "preview: trust the header")
    made.commit("release-10.6", {"src/preview.c": buggy}, "preview: trust a header")
    made.commit("release-10.6", {"VERSION": "10.6.1\n"}, "Release 10.6.1")
    made.tag("v10.6.1", "release-10.6")
    made.commit("release-10.6", {"src/preview.c": FILES["src/preview.c"]}, "Undo it")
    for version in ("10.6.2", "10.6.3"):
        made.commit("release-10.6", {"VERSION": f"{version}\n"}, f"Release {version}")
        made.tag(f"v{version}", "release-10.6")
    made.publish("release-10.6")
    git(made.clone, "fetch", "-q", "--tags", "origin")
    fix = held(made.fix("v10.6.1", {"src/preview.c": FILES["src/preview.c"]}, "Undo it"))
    repo, tagged = releases(made)
    assert [version for version, _commit in tagged] == ["10.6.0", "10.6.1", "10.6.2", "10.6.3"]
    assert since.first_with_fix(repo, tagged, [fix]) == "10.6.2"


def test_a_release_where_the_fix_conflicts_stops_the_search_and_says_so(
    tmp_path: Path,
) -> None:
    # 10.6.1 changed the code around the fix (the fix conflicts there), 10.6.2 took that
    # back and fixed it: 10.6.2 is the first release known to have the fix, and 10.6.1 is
    # named as the release that could not be told.
    made = Product.create(tmp_path / "product", FILES)
    made.release_line("10.6", ["10.6.0"])
    around = replace_line(FILES["src/preview.c"], 21, "preview: other code around")
    made.commit("release-10.6", {"src/preview.c": around}, "preview: change the code near")
    made.commit("release-10.6", {"VERSION": "10.6.1\n"}, "Release 10.6.1")
    made.tag("v10.6.1", "release-10.6")
    fixed_in_10_6_2(made)
    fix = held(made.fix("v10.6.0", {"src/preview.c": FIXED}, "Drop the header"))
    repo, tagged = releases(made)
    assert since.search(repo, tagged, [fix]) == since.Search("10.6.2", "10.6.1")
    assert since.first_with_fix(repo, tagged, [fix]) == "10.6.2"


def test_a_release_without_the_fix_stops_the_search_told(product: Product) -> None:
    fix = held(product.fix("v10.6.0", {"src/preview.c": FIXED}, "Drop the header"))
    repo, tagged = releases(product)
    assert since.search(repo, tagged, [fix]) == since.Search("10.6.2", None)

"""A Django-like product repository (django/django's layout in December 2024), with the
real ``django/__init__.py`` (tests/fixtures/django/).

- branches ``stable/4.2.x`` (the LTS, the last 4.x), ``stable/5.0.x``, ``stable/5.1.x``;
  ``main`` is 5.2 (its stable branch comes at the 5.2 alpha, in January 2025);
- tags spelt as Django spells them: ``4.2``, ``4.2.16``, ``4.2.17``, ``5.0``, ``5.0.9``,
  ``5.0.10``, ``5.1``, ``5.1.3``, ``5.1.4`` (a feature release has two numbers, no "v");
- the version is ``VERSION = (5, 1, 4, "final", 0)`` at 5.1.4; on ``main``
  ``(5, 2, 0, "alpha", 0)``. Django's release checklist then commits "Post-release version
  bump" on the stable branch, ``(5, 1, 5, "alpha", 0)``, and its next release commit
  ("Bumped version for 5.1.5 release.") changes "alpha" to "final" (``post=True``).
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "django"
INIT = "django/__init__.py"
REAL = '(4, 2, 2, "alpha", 0)'  # what the fixture, as stored, says


def version_line(version: str, level: str = "final") -> str:
    numbers = (*Version(version).release, 0)[:3]
    return f'VERSION = ({numbers[0]}, {numbers[1]}, {numbers[2]}, "{level}", 0)'


def init_py(version: str, level: str = "final") -> str:
    """django/__init__.py saying ``version`` at ``level`` (the real file, its VERSION line
    set as Django's release commits set it)."""
    text = (FIXTURES / "__init__.py-4.2.2a0").read_text()
    assert text.count(f"VERSION = {REAL}") == 1
    return text.replace(f"VERSION = {REAL}", version_line(version, level))


def _next(version: str) -> str:
    numbers = (*Version(version).release, 0)[:3]
    return f"{numbers[0]}.{numbers[1]}.{numbers[2] + 1}"


# In the order Django released them.
RELEASES = (
    ("4.2", "4.2"),
    ("5.0", "5.0"),
    ("5.1", "5.1"),
    ("5.0", "5.0.9"),
    ("4.2", "4.2.16"),
    ("5.1", "5.1.3"),
    ("5.1", "5.1.4"),
    ("5.0", "5.0.10"),
    ("4.2", "4.2.17"),
)


def django_like(root: Path, *, post: bool = True, feature: bool = False) -> Product:
    """Django's branches and tags of December 2024 (``post``: each release followed by
    the post-release bump to the next version's alpha, as Django's checklist does;
    ``feature``: and of April 2025, 5.2 released, ``stable/5.2.x`` with the tag ``5.2``
    alone, ``main`` 6.0)."""
    product = Product.create(root, {INIT: init_py("4.2", "alpha"), "README.rst": "Django\n"})
    branches = {}
    for line, version in RELEASES + ((("5.2", "5.2"),) if feature else ()):
        branch = f"stable/{line}.x"
        if branch not in branches:
            branches[branch] = product.commit(branch, {}, f"[{line}.x] Branch", create_from="main")
            after = {"4.2": "5.0", "5.0": "5.1", "5.1": "5.2", "5.2": "6.0"}[line]
            product.commit("main", {INIT: init_py(after, "alpha")}, f"Bumped to {after}.")
        product.commit(
            branch, {INIT: init_py(version)}, f"[{line}.x] Bumped version for {version} release."
        )
        product.tag(version, branch)
        if post:
            product.commit(
                branch,
                {INIT: init_py(_next(version), "alpha")},
                f"[{line}.x] Post-release version bump.",
            )
    product.publish("main", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

"""A Kubernetes-like product repository (kubernetes/kubernetes' layout in late November
2024), with the head of Kubernetes' real ``CHANGELOG/CHANGELOG-1.31.md``
(tests/fixtures/kubernetes/).

- ``master`` is the next line (1.33, ``v1.33.0-alpha.0`` tagged where ``release-1.32``
  was cut), with the alphas and the beta of each line tagged on it before its branch
  (``v1.32.0-alpha.3``, ``v1.32.0-beta.0``);
- release branches ``release-1.28`` to ``release-1.32``, each cut at its ``X.Y.0-rc.0``;
  ``release-1.32`` is in its candidates (``v1.32.0-rc.1``), not released;
- annotated tags as krel makes them: each patch release ``v1.31.4`` and, on the same
  commit, the candidate of the next one, ``v1.31.5-rc.0``;
- no file holds the version (hack/lib/version.sh reads it from the tags); each release
  branch carries its line's changelog alone, ``CHANGELOG/CHANGELOG-1.31.md`` (krel
  prunes the others there), which krel's release notes go into, after the table of
  contents.
"""

from __future__ import annotations

from pathlib import Path

import pygit2

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import COMMITTER, Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "kubernetes"
MARKER = "<!-- END MUNGE: GENERATED_TOC -->"

# Each line's patch releases (after X.Y.0), as they were at the end of November 2024.
RELEASES = {"1.28": 15, "1.29": 12, "1.30": 8, "1.31": 4}


def changelog(line: str) -> str:
    """The real head of CHANGELOG-1.31.md, for ``line``."""
    return (FIXTURES / "CHANGELOG-1.31.md").read_text().replace("1.31", line)


def changelog_path(line: str) -> str:
    return f"CHANGELOG/CHANGELOG-{line}.md"


def _release(product: Product, branch: str, message: str, *tags: str) -> None:
    """krel's empty release commit on ``branch``, with annotated ``tags`` on it (made
    in-process: a line has a dozen releases)."""
    repo = pygit2.Repository(str(product.dev))
    ref = f"refs/heads/{branch}"
    parent = repo.references[ref].peel(pygit2.Commit)
    who = pygit2.Signature(*COMMITTER, product.tick(), 0)
    oid = repo.create_commit(ref, who, who, message + "\n", parent.tree_id, [parent.id])
    for name in tags:
        repo.create_tag(name, oid, pygit2.enums.ObjectType.COMMIT, who, f"Kubernetes {name}\n")


def _cut(product: Product, line: str, next_line: str) -> str:
    """master through ``line``'s alphas and beta, then ``release-LINE`` cut at its rc.0
    with its changelog alone, and master moved to ``next_line``'s alpha.0."""
    for name in ("alpha.1", "alpha.2", "alpha.3", "beta.0"):
        product.commit("master", {f"pkg/{line}.go": f"// {name}\n"}, f"Merge {line} {name}")
        product.tag(f"v{line}.0-{name}", "master")
    branch = f"release-{line}"
    product.commit(
        branch,
        {changelog_path(line): changelog(line)},
        f"Update CHANGELOG/CHANGELOG-{line}.md for v{line}.0-rc.0",
        create_from="master",
    )
    product.tag(f"v{line}.0-rc.0", branch)
    product.commit("master", {"README.md": f"Kubernetes {next_line}\n"}, "Open the next cycle")
    product.tag(f"v{next_line}.0-alpha.0", "master")
    return branch


def kubernetes_like(root: Path) -> Product:
    """kubernetes/kubernetes' branches and tags of late November 2024 (see the module)."""
    files = {"README.md": "Kubernetes\n", "CHANGELOG/README.md": "# CHANGELOGs\n"}
    product = Product.create(root, files, default="master")
    product.tag("v1.28.0-alpha.0", "master")
    branches = []
    for line, patches in RELEASES.items():
        minor = int(line.split(".")[1])
        branch = _cut(product, line, f"1.{minor + 1}")
        branches.append(branch)
        product.commit(branch, {f"pkg/{line}-fix.go": "// cherry pick\n"}, "Cherry pick")
        for patch in range(patches + 1):
            message = f"Release commit for Kubernetes v{line}.{patch}"
            _release(product, branch, message, f"v{line}.{patch}", f"v{line}.{patch + 1}-rc.0")
    branches.append(_cut(product, "1.32", "1.33"))
    product.commit("release-1.32", {"pkg/1.32-fix.go": "// rc.1\n"}, "Cherry pick")
    product.tag("v1.32.0-rc.1", "release-1.32")
    product.publish("master", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

"""A Go-like product repository (golang/go's layout in February 2025), with Go's real
``VERSION`` files (tests/fixtures/golang/).

- ``master`` is the next line (1.25): no tag, no ``VERSION`` file (a build there is a
  devel one), ``src/internal/goversion/goversion.go`` (the real one) says ``const Version
  = 25``; each release branch keeps its line's;
- ``release-branch.go1.20`` to ``release-branch.go1.24``, each made at its first release
  candidate (``go1.24rc1``); ``release-branch.go1.24`` is in its candidates
  (``go1.24rc3``), not released;
- tags spelt as Go spells them: ``go1.23.5``; a line's first release ``go1.21.0`` since
  1.21, ``go1.20`` before; candidates glued to the line, ``go1.24rc3``;
- on each release branch ``VERSION`` says the version of its newest tag, then a ``time``
  line (when it was made): every release (and candidate) is one commit,
  "[release-branch.go1.23] go1.23.5", that changes only that file.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "golang"
GOVERSION = "src/internal/goversion/goversion.go"

# Each line's candidates and releases, oldest first, as they were in February 2025.
LINES = {
    "1.20": ["1.20rc1", "1.20rc3", "1.20", *(f"1.20.{n}" for n in range(1, 15))],
    "1.21": ["1.21rc2", "1.21rc4", *(f"1.21.{n}" for n in range(14))],
    "1.22": ["1.22rc1", "1.22rc2", *(f"1.22.{n}" for n in range(12))],
    "1.23": ["1.23rc1", "1.23rc2", *(f"1.23.{n}" for n in range(6))],
    "1.24": ["1.24rc1", "1.24rc2", "1.24rc3"],
}


def version_file(version: str, time: str = "2025-01-31T21:35:26Z") -> str:
    """The real VERSION of go1.24rc3, saying ``version`` and ``time``."""
    text = (FIXTURES / "VERSION-go1.24rc3").read_text()
    return text.replace("go1.24rc3", "go" + version).replace("2025-01-31T21:35:26Z", time)


def goversion(minor: int) -> str:
    """The real src/internal/goversion/goversion.go, saying ``minor``."""
    text = (FIXTURES / "goversion.go-22").read_text()
    assert text.count("const Version = 22\n") == 1
    return text.replace("const Version = 22\n", f"const Version = {minor}\n")


def go_like(root: Path) -> Product:
    """golang/go's branches and tags of February 2025 (see the module)."""
    files = {"README.md": "The Go Programming Language\n", GOVERSION: goversion(20)}
    product = Product.create(root, files, default="master")
    branches = []
    for line, versions in LINES.items():
        minor = int(line.split(".")[1])
        branch = f"release-branch.go{line}"
        product.commit("master", {f"src/go{line}.go": "package go\n"}, f"all: {line} work")
        product.commit(branch, {}, f"[{branch}] create", create_from="master")
        product.commit("master", {GOVERSION: goversion(minor + 1)}, "internal/goversion: update")
        for version in versions:
            product.commit(branch, {f"src/{line}.go": f"// {version}\n"}, f"[{branch}] fix")
            time = f"2025-01-{1 + len(branches):02}T18:00:00Z"
            product.commit(
                branch, {"VERSION": version_file(version, time)}, f"[{branch}] go{version}"
            )
            product.tag(f"go{version}", branch)
        branches.append(branch)
    product.publish("master", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

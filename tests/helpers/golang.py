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
  "[release-branch.go1.23] go1.23.5", that changes only that file;
- made in the order Go made them: a line's first release every six months (go1.20 in
  February 2023), its minor releases beside the newer line's until the first release of
  the line two after it (go1.21.13 the week before go1.23.0; go1.22.11 with go1.23.5).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def _schedule() -> list[tuple[float, str, str]]:
    """(month from February 2023, line, version or "" for its branch) of each line's
    branch, candidates and releases, in the order they came (see the module)."""
    events: list[tuple[float, str, str]] = []
    for n, (line, versions) in enumerate(LINES.items()):
        first = 6.0 * n  # the line's first release
        last = min(first + 12 - 0.25, 24)  # a week before the line two after it, or now
        candidates = [version for version in versions if "rc" in version]
        finals = versions[len(candidates) :]
        events.append((first - 2, line, ""))
        events += [(first - 1.5 + k / 2, line, v) for k, v in enumerate(candidates)]
        step = (last - first) / max(len(finals) - 1, 1)
        events += [(first + k * step, line, v) for k, v in enumerate(finals)]
    return sorted(events)


def go_like(root: Path) -> Product:
    """golang/go's branches and tags of February 2025 (see the module)."""
    files = {"README.md": "The Go Programming Language\n", GOVERSION: goversion(20)}
    product = Product.create(root, files, default="master")
    branches = []
    for month, line, version in _schedule():
        minor = int(line.split(".")[1])
        branch = f"release-branch.go{line}"
        if not version:
            product.commit("master", {f"src/go{line}.go": "package go\n"}, f"all: {line} work")
            product.commit(branch, {}, f"[{branch}] create", create_from="master")
            product.commit(
                "master", {GOVERSION: goversion(minor + 1)}, "internal/goversion: update"
            )
            branches.append(branch)
            continue
        product.commit(branch, {f"src/{line}.go": f"// {version}\n"}, f"[{branch}] fix")
        day = datetime(2023, 2, 1, 18, tzinfo=UTC) + timedelta(days=round(month * 30.4))
        time = day.strftime("%Y-%m-%dT%H:%M:%SZ")
        product.commit(branch, {"VERSION": version_file(version, time)}, f"[{branch}] go{version}")
        product.tag(f"go{version}", branch)
    product.publish("master", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

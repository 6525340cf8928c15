"""A Node.js-like product repository (nodejs/node's layout in December 2024, after v20.18.1,
v22.12.0 and v23.4.0), with the real ``src/node_version.h`` (tests/fixtures/node/).

- release branches per major version, ``v20.x``, ``v22.x`` (LTS, even majors) and ``v23.x``
  (Current); ``main`` is 24 in development; each has a ``vN.x-staging`` branch where
  backports land before a release (one commit ahead of ``vN.x`` here);
- tags ``v20.18.1`` on ``vN.x``, each on a release commit ("2024-11-20, Version 20.18.1
  'Iron' (LTS)") that sets ``NODE_VERSION_IS_RELEASE 1``; right after it "Working on
  v20.18.2" moves ``NODE_PATCH_VERSION`` to the next patch and the flag back to 0;
- each line's changelog is its own, ``doc/changelogs/CHANGELOG_V20.md``, its entries
  after the list of the other lines' changelogs, which ends with the archive's;
- the LTS lines say ``NODE_VERSION_IS_LTS 1`` and their code name between the version's
  numbers and that flag ("Iron", "Jod"); the Current line ``0`` and ``""``.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "node"
HEADER = "src/node_version.h"
REAL = FIXTURES / "node_version.h-14.17.5"
CODENAMES = {"20": "Iron", "22": "Jod"}  # LTS lines; the others are Current
LTS_FROM = {"20": "20.9.0", "22": "22.11.0"}  # each was Current before its first LTS


def _codename(version: str) -> str:
    line = str(Version(version).major)
    lts = line in LTS_FROM and Version(version) >= Version(LTS_FROM[line])
    return CODENAMES[line] if lts else ""


def node_version_h(version: str, release: bool) -> str:
    """src/node_version.h saying ``version``: released (``release``: the flag at 1), or
    the development state of ``version`` (0), with its line's LTS name, if any."""
    text = REAL.read_text()
    major, minor, patch = Version(version).release
    codename = _codename(version)
    for old, new in (
        ("NODE_MAJOR_VERSION 14\n", f"NODE_MAJOR_VERSION {major}\n"),
        ("NODE_MINOR_VERSION 17\n", f"NODE_MINOR_VERSION {minor}\n"),
        ("NODE_PATCH_VERSION 5\n", f"NODE_PATCH_VERSION {patch}\n"),
        ("NODE_VERSION_IS_LTS 1\n", f"NODE_VERSION_IS_LTS {int(bool(codename))}\n"),
        ('CODENAME "Fermium"\n', f'CODENAME "{codename}"\n'),
        ("NODE_VERSION_IS_RELEASE 1\n", f"NODE_VERSION_IS_RELEASE {int(release)}\n"),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def changelog_path(line: str) -> str:
    """The changelog of a line: each major version has its own."""
    return f"doc/changelogs/CHANGELOG_V{line}.md"


ARCHIVE = "  * [Archive](CHANGELOG_ARCHIVE.md)"  # the last line before the entries


def changelog(line: str, versions: tuple[str, ...]) -> str:
    """A line's changelog as Node's are laid out: a title, the other versions' changelogs
    (the same list in each, ending with the archive), then one entry per release, newest
    first, each after its anchor."""
    head = f"# Node.js {line} ChangeLog\n\n* Other Versions\n  * [io.js](CHANGELOG_IOJS.md)\n"
    entries = "".join(f'\n<a id="{v}"></a>\n\n## {_title(v)}\n' for v in reversed(versions))
    return f"{head}{ARCHIVE}\n{entries}"


def _after(version: str) -> str:
    major, minor, patch = Version(version).release
    return f"{major}.{minor}.{patch + 1}"


# Per line, a few of its releases in order (the first made where the line branched).
RELEASES = {
    "20": ("20.0.0", "20.18.0", "20.18.1"),
    "22": ("22.0.0", "22.11.0", "22.12.0"),
    "23": ("23.0.0", "23.4.0"),
}


def _title(version: str) -> str:
    """The release commit's subject, as Node's release guide writes it."""
    codename = _codename(version)
    return f"2024-11-20, Version {version}{f' {codename!r} (LTS)' if codename else ' (Current)'}"


def node_like(root: Path) -> Product:
    """Node.js's branches and tags of December 2024, each release made as its release
    guide makes it: the release commit tagged ``vX.Y.Z``, then "Working on vX.Y.(Z+1)"."""
    product = Product.create(
        root, {HEADER: node_version_h("20.0.0", False), "README.md": "Node.js\n"}
    )
    for line, versions in RELEASES.items():
        branch = f"v{line}.x"
        product.commit(branch, {}, f"Start {branch}", create_from="main")
        after = f"{int(line) + 1}.0.0"
        product.commit("main", {HEADER: node_version_h(after, False)}, f"Bump to {after}-pre")
        for number, version in enumerate(versions, 1):
            title = _title(version)
            released = {
                HEADER: node_version_h(version, True),
                changelog_path(line): changelog(line, versions[:number]),
            }
            product.commit(branch, released, title)
            product.tag(f"v{version}", branch)
            upcoming = _after(version)
            product.commit(
                branch, {HEADER: node_version_h(upcoming, False)}, f"Working on v{upcoming}"
            )
        # The staging branch: the release branch and a backport for the next release.
        product.commit(
            f"{branch}-staging",
            {"lib/url.js": f"// url for {line}\n"},
            "url: handle empty hosts",
            create_from=branch,
        )
    branches = [f"v{line}.x{staging}" for line in RELEASES for staging in ("", "-staging")]
    product.publish("main", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

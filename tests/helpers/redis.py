"""A Redis-like product repository (redis/redis's layout in October 2024, after 7.4.1 and
7.2.6), with the real ``src/version.h`` (tests/fixtures/redis/).

- ``unstable`` is the development branch, saying ``255.255.255``; each line has a branch
  named for it (``7.2``, ``7.4``), made from ``unstable`` before the line's first
  pre-release;
- tags are the bare version (``7.4.1``), a line's pre-releases ``7.4-rc1``, ``7.4-rc2``;
- ``src/version.h`` says the version twice, ``#define REDIS_VERSION "7.4.1"`` and packed a
  byte a number in hex, ``#define REDIS_VERSION_NUM 0x00070401``. Each release commit
  ("Release Redis 7.4.1") moves both and adds the release's notes to ``00-RELEASENOTES``;
  between releases a branch says its newest release.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

HEADER = "src/version.h"
NOTES = "00-RELEASENOTES"
REAL = REPO_ROOT / "tests" / "fixtures" / "redis" / "version.h-7.4.1"
# A release's version as version.h says it: a pre-release's as its release's, 7.4.0 for
# 7.4-rc2 (Redis' real rcs say 7.3.240 and so on: the same form, another number).
RELEASES = {
    "7.2": ["7.2-rc1", "7.2.0", "7.2.5", "7.2.6"],
    "7.4": ["7.4-rc1", "7.4-rc2", "7.4.0", "7.4.1"],
}


def version_h(version: str) -> str:
    """src/version.h saying ``version``."""
    text = REAL.read_text()
    release = Version(version).release
    major, minor, micro = (*release, 0)[:3]
    for old, new in (
        ('REDIS_VERSION "7.4.1"\n', f'REDIS_VERSION "{version}"\n'),
        (
            "REDIS_VERSION_NUM 0x00070401\n",
            f"REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}\n",
        ),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def redis_like(root: Path) -> Product:
    """Redis's branches and tags of October 2024 (a few releases of each line)."""
    unstable = version_h("255.255.255")
    product = Product.create(root, {HEADER: unstable, NOTES: "Redis\n", "README.md": "Redis\n"})
    git(product.dev, "branch", "-m", "main", "unstable")
    notes = ""
    for line, versions in RELEASES.items():
        product.commit("unstable", {f"src/{line}.c": f"/* {line} */\n"}, f"Work for {line}.")
        product.commit(line, {}, f"Branch {line}.", create_from="unstable")
        for version in versions:
            shown = f"{line}.0" if "rc" in version else version
            product.commit(line, {"src/server.c": f"/* before {version} */\n"}, "Fix a crash.")
            notes = f"Redis {version}\n" + notes
            files = {HEADER: version_h(shown), NOTES: notes}
            product.commit(line, files, f"Release Redis {version}")
            product.tag(version, line)
    product.publish("unstable", *RELEASES)
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/unstable")
    git(product.remote, "branch", "-D", "main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    git(product.clone, "checkout", "-q", "-B", "unstable", "origin/unstable")
    git(product.clone, "branch", "-D", "main")
    git(product.clone, "remote", "set-head", "origin", "unstable")
    return product

"""An OpenSSL-like product repository (openssl/openssl's layout in January 2025), with the
real ``VERSION.dat`` (tests/fixtures/openssl/).

- branches ``openssl-3.0`` (the LTS) to ``openssl-3.4``; ``master`` is 3.5;
- tags spelt as OpenSSL spells them: ``openssl-3.0.15``, ``openssl-3.4.0``, and the
  pre-releases of 3.4, ``openssl-3.4.0-alpha1`` on master and ``openssl-3.4.0-beta1``;
  and OpenSSL 1.1.1's older spelling, ``OpenSSL_1_1_1w`` (letter releases) on
  ``OpenSSL_1_1_1-stable``;
- ``VERSION.dat`` as ``dev/release.sh`` writes it: at a release ``PRE_RELEASE_TAG=`` and
  ``RELEASE_DATE="3 Sep 2024"``; right after it ("Prepare for 3.0.16") the next ``PATCH``,
  ``PRE_RELEASE_TAG=dev`` and ``RELEASE_DATE=""``.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "openssl"
DAT = "VERSION.dat"
REAL = FIXTURES / "VERSION.dat-3.0.11-dev"


def version_dat(version: str, date: str = "") -> str:
    """VERSION.dat saying ``version``: released on ``date`` (as "3 Sep 2024"), or, without a
    date, the development state of ``version`` (``PRE_RELEASE_TAG=dev``)."""
    text = REAL.read_text()
    major, minor, patch = (*Version(version).release, 0, 0)[:3]
    assert "MAJOR=3\nMINOR=0\nPATCH=11\nPRE_RELEASE_TAG=dev\n" in text
    text = text.replace("MAJOR=3\n", f"MAJOR={major}\n").replace("MINOR=0\n", f"MINOR={minor}\n")
    text = text.replace("PATCH=11\n", f"PATCH={patch}\n")
    if date:
        text = text.replace("PRE_RELEASE_TAG=dev\n", "PRE_RELEASE_TAG=\n")
        text = text.replace('RELEASE_DATE=""\n', f'RELEASE_DATE="{date}"\n')
    return text


def _next(version: str) -> str:
    major, minor, patch = (*Version(version).release, 0, 0)[:3]
    return f"{major}.{minor}.{patch + 1}"


# In the order OpenSSL released them (a few of each line), with their dates.
RELEASES = (
    ("3.0", "3.0.0", "7 Sep 2021"),
    ("3.1", "3.1.0", "14 Mar 2023"),
    ("3.2", "3.2.0", "23 Nov 2023"),
    ("3.3", "3.3.0", "9 Apr 2024"),
    ("3.0", "3.0.15", "3 Sep 2024"),
    ("3.1", "3.1.7", "3 Sep 2024"),
    ("3.2", "3.2.3", "3 Sep 2024"),
    ("3.3", "3.3.2", "3 Sep 2024"),
    ("3.4", "3.4.0", "22 Oct 2024"),
)


def openssl_like(root: Path) -> Product:
    """OpenSSL's branches and tags of January 2025: each release made as ``release.sh``
    makes it, a release commit tagged ``openssl-X.Y.Z`` then the next one's dev state."""
    product = Product.create(root, {DAT: version_dat("1.1.1"), "README.md": "OpenSSL\n"})
    product.commit("master", {}, "Development on master", create_from="main")
    # OpenSSL 1.1.1: letter releases, tags of another spelling, on its own -stable branch.
    old = "OpenSSL_1_1_1-stable"
    product.commit(
        old, {"README.md": "OpenSSL 1.1.1\n"}, "Prepare for 1.1.1w", create_from="master"
    )
    product.tag("OpenSSL_1_1_1v", old)
    product.commit(old, {"README.md": "OpenSSL 1.1.1w\n"}, "Prepare for release of 1.1.1w")
    product.tag("OpenSSL_1_1_1w", old)
    product.commit("master", {DAT: version_dat("3.0.0")}, "Switch to 3.0.0-dev")
    product.tag("openssl-3.0.0-alpha1", "master")
    branches = []
    for line, version, date in RELEASES:
        branch = f"openssl-{line}"
        if branch not in branches:
            if line == "3.4":  # its pre-releases: alpha on master, beta on the branch
                product.tag("openssl-3.4.0-alpha1", "master")
                product.commit(
                    branch, {}, "Prepare for release of 3.4.0 beta 1", create_from="master"
                )
                product.tag("openssl-3.4.0-beta1", branch)
            else:
                product.commit(branch, {}, f"Branch {line}", create_from="master")
            branches.append(branch)
            after = f"3.{int(line.split('.')[1]) + 1}.0"
            product.commit("master", {DAT: version_dat(after)}, f"Prepare for {after}")
        product.commit(
            branch, {DAT: version_dat(version, date)}, f"Prepare for release of {version}"
        )
        product.tag(f"openssl-{version}", branch)
        product.commit(branch, {DAT: version_dat(_next(version))}, f"Prepare for {_next(version)}")
    product.publish("master", old, *branches)
    # OpenSSL develops on master: the remote has no main.
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.remote, "branch", "-D", "main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    git(product.clone, "checkout", "-q", "-B", "master", "origin/master")
    git(product.clone, "branch", "-D", "main")
    git(product.clone, "remote", "set-head", "origin", "master")
    return product

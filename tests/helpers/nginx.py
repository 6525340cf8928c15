"""An nginx-like product repository (nginx/nginx's layout in August 2024, after 1.26.2 and
1.27.1), with the real ``src/core/nginx.h`` (tests/fixtures/nginx/).

- ``master`` is the mainline, 1.27, released from that branch (odd minor versions); the
  stable line of the even minor before it has ``stable-1.26``, made from mainline at its
  first release ("Stable branch."); an older, unsupported ``stable-1.24``;
- tags ``release-1.26.2``: the old ones lightweight (made from Mercurial), each on an
  "nginx-1.26.2-RELEASE" commit that adds the release's entry to
  ``docs/xml/nginx/changes.xml``, followed by "release-1.26.2 tag" (``.hgtags``);
- ``src/core/nginx.h`` says the version twice, ``#define nginx_version      1026002``
  (minor and patch zero-padded to three digits) and ``#define NGINX_VERSION "1.26.2"``.
  "Version bump." moves both to the next version: on mainline right after a release, on a
  stable branch when the next release is being prepared, so that between releases
  ``stable-1.26`` says the released 1.26.2 and ``master`` the coming 1.27.2.
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "nginx"
HEADER = "src/core/nginx.h"
CHANGES = "docs/xml/nginx/changes.xml"
REAL = FIXTURES / "nginx.h-1.26.2"


def nginx_h(version: str) -> str:
    """src/core/nginx.h saying ``version``."""
    text = REAL.read_text()
    major, minor, patch = Version(version).release
    for old, new in (
        ("nginx_version      1026002\n", f"nginx_version      {major}{minor:03}{patch:03}\n"),
        ('NGINX_VERSION      "1.26.2"\n', f'NGINX_VERSION      "{version}"\n'),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def changes(versions: list[str]) -> str:
    """changes.xml with an entry of each of ``versions``, newest first."""
    entries = "".join(
        f'<changes ver="{v}" date="2024-08-14">\n\n<change>\n<para lang="en">\n'
        f"Bugfixes of {v}.\n</para>\n</change>\n\n</changes>\n\n\n"
        for v in reversed(versions)
    )
    return (
        '<?xml version="1.0" ?>\n<!DOCTYPE change_log SYSTEM "../../dtd/changes.dtd" >\n\n\n'
        f'<change_log title="nginx">\n\n\n{entries}</change_log>\n'
    )


def _after(version: str) -> str:
    major, minor, patch = Version(version).release
    return f"{major}.{minor}.{patch + 1}"


class _Releaser:
    def __init__(self, product: Product) -> None:
        self.product = product
        self.released: dict[str, list[str]] = {}
        self.hgtags = ""

    def release(self, branch: str, version: str, *, bump_after: bool) -> None:
        """Release ``version`` on ``branch``: its changes entry, the lightweight tag, the
        .hgtags commit; and on mainline ("bump_after") the next version's bump."""
        done = self.released.setdefault(branch, [])
        done.append(version)
        product = self.product
        product.commit(branch, {CHANGES: changes(done)}, f"nginx-{version}-RELEASE")
        git(product.dev, "tag", f"release-{version}", branch)
        self.hgtags += f"{'0' * 40} release-{version}\n"
        product.commit(branch, {".hgtags": self.hgtags}, f"release-{version} tag")
        if bump_after:
            product.commit(branch, {HEADER: nginx_h(_after(version))}, "Version bump.")

    def bump(self, branch: str, version: str) -> None:
        self.product.commit(branch, {HEADER: nginx_h(version)}, "Version bump.")


def nginx_like(root: Path) -> Product:
    """nginx's branches and tags of August 2024 (a few releases of each line)."""
    product = Product.create(root, {HEADER: nginx_h("1.23.0"), "README": "nginx\n"})
    git(product.dev, "branch", "-m", "main", "master")
    releaser = _Releaser(product)
    releaser.release("master", "1.23.0", bump_after=True)
    product.commit("master", {HEADER: nginx_h("1.24.0")}, "Version bump.")
    product.commit("stable-1.24", {}, "Stable branch.", create_from="master")
    releaser.release("stable-1.24", "1.24.0", bump_after=False)
    product.commit("master", {HEADER: nginx_h("1.25.0")}, "Version bump.")
    releaser.release("master", "1.25.0", bump_after=True)
    releaser.bump("master", "1.25.5")
    releaser.release("master", "1.25.5", bump_after=False)
    stable = {HEADER: nginx_h("1.26.0")}
    product.commit("stable-1.26", stable, "Stable branch.", create_from="master")
    releaser.release("stable-1.26", "1.26.0", bump_after=False)
    for version in ("1.26.1", "1.26.2"):
        product.commit("stable-1.26", {"src/http/ngx_http_mp4_module.c": version}, "Mp4: fix.")
        releaser.bump("stable-1.26", version)
        releaser.release("stable-1.26", version, bump_after=False)
    releaser.bump("master", "1.27.0")
    releaser.release("master", "1.27.0", bump_after=True)
    releaser.release("master", "1.27.1", bump_after=True)
    product.publish("master", "stable-1.24", "stable-1.26")
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.remote, "branch", "-D", "main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    git(product.clone, "checkout", "-q", "-B", "master", "origin/master")
    git(product.clone, "branch", "-D", "main")
    git(product.clone, "remote", "set-head", "origin", "master")
    return product

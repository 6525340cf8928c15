"""A PHP-like product repository (php/php-src's layout in November 2024, right after
8.4.1, 8.3.14, 8.2.26 and 8.1.31), with the real ``main/php_version.h`` and the head of
``configure.ac`` and ``Zend/zend.h`` (tests/fixtures/php/).

- version branches ``PHP-8.1`` to ``PHP-8.4``; ``master`` is 8.5 (PHP-8.4 was made at
  8.4.0's first RC); patch-level branches ``PHP-8.3.14`` and so on, made from the version
  branch at each release's RC, take the fixes picked for that release;
- each release as ``docs/release-process.md`` makes it: "Update versions for PHP 8.3.14"
  (``-dev`` dropped) on the release manager's local release branch, never pushed, from the
  patch-level branch; the tag ``php-8.3.14`` points at it, so no branch holds a release
  tag's commit; the version branch says the next version in development, ``8.3.15-dev``
  ("PHP-8.3 is now for PHP 8.3.15-dev");
- pre-releases glued to the version: ``php-8.4.0alpha1`` (from master),
  ``php-8.4.0beta1``, ``php-8.4.0RC4`` (from PHP-8.4).
"""

from __future__ import annotations

from pathlib import Path

from packaging.version import Version

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "php"
HEADER = "main/php_version.h"
CONFIGURE = "configure.ac"
ZEND = "Zend/zend.h"
REAL = "8.2.2-dev"  # what the fixtures, as stored, say


def php_version_h(version: str, dev: bool = False) -> str:
    """main/php_version.h saying ``version`` (``dev``: its ``-dev`` state), as configure
    writes it: the numbers, the extra version, the version and PHP_VERSION_ID."""
    text = (FIXTURES / "php_version.h-8.2.2-dev").read_text()
    major, minor, micro = (*Version(version).release, 0, 0)[:3]
    extra = "-dev" if dev else ""
    for old, new in (
        ("PHP_MAJOR_VERSION 8\n", f"PHP_MAJOR_VERSION {major}\n"),
        ("PHP_MINOR_VERSION 2\n", f"PHP_MINOR_VERSION {minor}\n"),
        ("PHP_RELEASE_VERSION 2\n", f"PHP_RELEASE_VERSION {micro}\n"),
        ('PHP_EXTRA_VERSION "-dev"\n', f'PHP_EXTRA_VERSION "{extra}"\n'),
        (f'PHP_VERSION "{REAL}"\n', f'PHP_VERSION "{version}{extra}"\n'),
        ("PHP_VERSION_ID 80202\n", f"PHP_VERSION_ID {major * 10000 + minor * 100 + micro}\n"),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def configure_ac(version: str, dev: bool = False) -> str:
    """The head of configure.ac with ``AC_INIT`` saying ``version`` (``dev``: ``-dev``)."""
    text = (FIXTURES / "configure.ac-8.2.2-dev").read_text()
    assert text.count(f"[{REAL}]") == 1
    return text.replace(f"[{REAL}]", f"[{version}{'-dev' if dev else ''}]")


def zend_h(version: str, dev: bool = False) -> str:
    """The head of Zend/zend.h with ``ZEND_VERSION`` saying the engine's version of PHP
    ``version``: 4, then PHP's minor and micro (8.3.15: ``"4.3.15"``; ``dev``: ``-dev``)."""
    text = (FIXTURES / "zend.h-8.2.2-dev").read_text()
    major, minor, micro = (*Version(version).release, 0, 0)[:3]
    old = '#define ZEND_VERSION "4.2.2-dev"\n'
    assert major == 8 and text.count(old) == 1
    extra = "-dev" if dev else ""
    return text.replace(old, f'#define ZEND_VERSION "4.{minor}.{micro}{extra}"\n')


def files(version: str, dev: bool = False) -> dict[str, str]:
    return {
        HEADER: php_version_h(version, dev),
        CONFIGURE: configure_ac(version, dev),
        ZEND: zend_h(version, dev),
    }


def _next(version: str) -> str:
    major, minor, micro = (*Version(version).release, 0, 0)[:3]
    return f"{major}.{minor}.{micro + 1}"


# In the order PHP released them (a few of each line).
RELEASES = (
    ("8.1", "8.1.0"),
    ("8.2", "8.2.0"),
    ("8.3", "8.3.0"),
    ("8.4", "8.4.0"),
    ("8.1", "8.1.31"),
    ("8.2", "8.2.26"),
    ("8.3", "8.3.14"),
    ("8.4", "8.4.1"),
)


def _tag_off_branch(product: Product, base: str, version: str) -> None:
    """The release manager's local release branch from ``base``: "Update versions for PHP
    ``version``", tagged ``php-VERSION``; the branch itself is deleted, never pushed."""
    local = f"php-{version}-local-release-branch"
    product.commit(local, files(version), f"Update versions for PHP {version}", create_from=base)
    product.tag(f"php-{version}", local)
    git(product.dev, "checkout", "-q", "--detach")
    git(product.dev, "branch", "-q", "-D", local)


def release_candidate(product: Product, version: str) -> None:
    """Two weeks before ``version`` (8.3.15): its patch-level branch PHP-8.3.15, the
    version branch moved on to the next (8.3.16-dev), the tag php-8.3.15RC1; published."""
    line = ".".join(version.split(".")[:2])
    patch, branch = f"PHP-{version}", f"PHP-{line}"
    git(product.dev, "fetch", "-q", "origin")
    product.commit(patch, {}, f"Branch {patch}", create_from=f"origin/{branch}")
    product.commit(
        branch,
        files(_next(version), dev=True),
        f"{branch} is now for PHP {_next(version)}-dev",
        create_from=f"origin/{branch}",
    )
    _tag_off_branch(product, patch, f"{version}RC1")
    product.publish(branch, patch)
    git(product.clone, "fetch", "-q", "--tags", "origin")


def php_like(root: Path) -> Product:
    """php-src's branches and tags of late November 2024."""
    product = Product.create(root, {**files("8.1.0", dev=True), "README.md": "PHP\n"})
    product.commit("master", {}, "Development on master", create_from="main")
    branches: list[str] = []
    for line, version in RELEASES:
        branch = f"PHP-{line}"
        if branch not in branches:
            if line == "8.4":  # alpha and beta from master, the RCs from PHP-8.4
                _tag_off_branch(product, "master", "8.4.0alpha1")
                _tag_off_branch(product, "master", "8.4.0beta1")
            product.commit(branch, {}, f"Branch {branch}", create_from="master")
            branches.append(branch)
            major, minor = map(int, line.split("."))
            after = f"{major}.{minor + 1}.0"
            product.commit("master", files(after, dev=True), f"Update master for PHP {after}")
            if line == "8.4":
                _tag_off_branch(product, branch, "8.4.0RC4")
        # At the RC: the patch-level branch, and the version branch moves on.
        patch = f"PHP-{version}"
        product.commit(patch, {}, f"Branch {patch}", create_from=branch)
        product.commit(
            branch, files(_next(version), dev=True), f"{branch} is now for PHP {_next(version)}-dev"
        )
        product.commit(patch, {"NEWS": f"PHP {version}\n"}, f"Update NEWS for PHP {version}")
        branches.append(patch)
        _tag_off_branch(product, patch, version)
    product.publish("master", *branches)
    # PHP develops on master: the remote has no main.
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.remote, "branch", "-D", "main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    git(product.clone, "checkout", "-q", "-B", "master", "origin/master")
    git(product.clone, "branch", "-D", "main")
    git(product.clone, "remote", "set-head", "origin", "master")
    return product

"""A PostgreSQL-like product repository (postgres/postgres's layout), with excerpts of the
real version files (tests/fixtures/postgres/).

- ``master`` is the next major, its files saying ``17devel``; each major has its branch
  ``REL_16_STABLE`` (older ones ``REL9_6_STABLE``), cut from master after the first beta;
- tags spelt with underscores for dots: ``REL_16_BETA1`` (on master), ``REL_16_RC1``,
  ``REL_16_0``, ``REL_16_3``; before 10, ``REL9_6_24`` (a major had two numbers);
- every "Stamp" commit sets the version in ``configure.ac`` (``AC_INIT([PostgreSQL],
  [16.3], ...)``), in ``meson.build`` (``version: '16.3'``) and in the generated
  ``configure`` (``PACKAGE_VERSION='16.3'``, ``PACKAGE_STRING='PostgreSQL 16.3'``, the
  header's ``for PostgreSQL 16.3.``).
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "postgres"
VERSION_FILES = ("configure", "configure.ac", "meson.build")
# As each fixture, as stored, says its version.
_STORED = {"configure": "8.5devel", "configure.ac": "15.18", "meson.build": "17devel"}
_FIXTURE = {
    "configure": "configure-8.5devel",
    "configure.ac": "configure.ac-15.18",
    "meson.build": "meson.build-17devel",
}
_SPELT = {
    "configure": ("for PostgreSQL {}.", "PACKAGE_VERSION='{}'", "PACKAGE_STRING='PostgreSQL {}'"),
    "configure.ac": ("AC_INIT([PostgreSQL], [{}]",),
    "meson.build": ("version: '{}'",),
}

# Released majors: their minors (after BETA1, RC1 and .0); 9.6 the last of two numbers.
MAJORS = {"12": 2, "13": 2, "14": 2, "15": 3, "16": 3}


def stamped(path: str, version: str) -> str:
    """The real ``path`` with every place its version is written saying ``version``."""
    text = (FIXTURES / _FIXTURE[path]).read_text()
    for form in _SPELT[path]:
        old = form.format(_STORED[path])
        assert text.count(old) == 1, (path, old)
        text = text.replace(old, form.format(version))
    return text


def stamp(version: str) -> dict[str, str]:
    return {path: stamped(path, version) for path in VERSION_FILES}


def release(product: Product, branch: str, tag: str, version: str) -> None:
    product.commit(branch, stamp(version), f"Stamp {version}.")
    product.tag(tag, branch)


def postgres_like(root: Path) -> Product:
    """9.6 (REL9_6_24 its last), 12 to 16 released, 17 on master; fetched into the clone."""
    product = Product.create(root, {**stamp("9.6devel"), "README": "PostgreSQL\n"})
    product.commit("master", {}, "Development", create_from="main")
    product.commit("REL9_6_STABLE", {}, "Branch 9.6", create_from="master")
    for version in ("9.6.0", "9.6.23", "9.6.24"):
        release(product, "REL9_6_STABLE", "REL" + version.replace(".", "_"), version)
    for major, minors in MAJORS.items():
        release(product, "master", f"REL_{major}_BETA1", f"{major}beta1")
        product.commit(f"REL_{major}_STABLE", {}, f"Branch {major}", create_from="master")
        product.commit("master", stamp(f"{int(major) + 1}devel"), f"Stamp {int(major) + 1}devel.")
        release(product, f"REL_{major}_STABLE", f"REL_{major}_RC1", f"{major}rc1")
        for minor in range(minors + 1):
            release(product, f"REL_{major}_STABLE", f"REL_{major}_{minor}", f"{major}.{minor}")
    branches = ["REL9_6_STABLE", *(f"REL_{major}_STABLE" for major in MAJORS)]
    product.publish("master", *branches)
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.dev, "push", "-q", "origin", ":main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

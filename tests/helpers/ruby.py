"""A Ruby-like product repository (ruby/ruby's layout in November 2024), with Ruby's real
``version.h`` and ``include/ruby/version.h`` (tests/fixtures/ruby/).

- ``master`` is the next line (3.4: ``RUBY_PATCHLEVEL -1``), with its previews tagged on it
  (``v3_4_0_preview1``, ``v3_4_0_preview2``), as each line's were before its branch;
- maintenance branches ``ruby_3_1``, ``ruby_3_2``, ``ruby_3_3`` (and the end-of-life
  ``ruby_2_7`` and ``ruby_2_0_0``), made at each line's X.Y.0;
- lightweight tags (tool/merger.rb's ``git tag``) spelt as Ruby spells them: ``v3_3_6``
  (``v2_0_0_648`` before 2.1: with the patchlevel); ``v3_3_0_preview1`` and
  ``v3_3_0_rc1`` before each X.Y.0;
- ``version.h`` says ``RUBY_VERSION_TEENY 6`` and ``RUBY_PATCHLEVEL 108`` at 3.3.6; every
  backport after it raises the patchlevel by one (tool/merger.rb), so a branch's tip says
  the released teeny with a higher patchlevel. ``include/ruby/version.h`` holds the API
  version, MAJOR.MINOR.0 for every release of a line.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "ruby"
VERSION_H = "version.h"
API_H = "include/ruby/version.h"
TEENY = "#define RUBY_VERSION_TEENY {}\n"
PATCHLEVEL = "#define RUBY_PATCHLEVEL {}\n"

# Each line's releases after its X.Y.0, with their patchlevels (3.3.6 was p108).
RELEASES = {
    "3.1": ((5, 253), (6, 260)),
    "3.2": ((5, 208), (6, 234)),
    "3.3": ((5, 100), (6, 108)),
}


def version_h(teeny: int, patchlevel: int) -> str:
    """The real version.h (ruby_3_3 at teeny 1, patchlevel 59) saying these numbers."""
    text = (FIXTURES / "version.h").read_text()
    text = text.replace(TEENY.format(1), TEENY.format(teeny))
    return text.replace(PATCHLEVEL.format(59), PATCHLEVEL.format(patchlevel))


def api_h(line: str) -> str:
    """include/ruby/version.h (real, API 3.1.0) saying the API version of ``line``."""
    major, minor = line.split(".")
    text = (FIXTURES / "include-ruby-version.h").read_text()
    for name, old, new in (("MAJOR", "3", major), ("MINOR", "1", minor)):
        define = "#define RUBY_API_VERSION_" + name + " {}\n"
        text = text.replace(define.format(old), define.format(new))
    return text


def read_numbers(text: str) -> tuple[int, int]:
    """(teeny, patchlevel) as a version.h says them."""
    teeny = re.search(r"^#define RUBY_VERSION_TEENY (-?\d+)$", text, re.M)
    level = re.search(r"^#define RUBY_PATCHLEVEL (-?\d+)$", text, re.M)
    assert teeny is not None and level is not None
    return int(teeny[1]), int(level[1])


def _tag(product: Product, name: str, rev: str) -> None:
    """A lightweight tag, as tool/merger.rb makes them (``git tag v3_3_6``)."""
    git(product.dev, "tag", name, rev)


def _open_line(product: Product, line: str) -> str:
    """master at ``line``'s development, its preview and candidate tagged, then the line's
    branch at X.Y.0 (patchlevel 0); returns the branch."""
    tag = "v" + line.replace(".", "_")
    files = {API_H: api_h(line), VERSION_H: version_h(0, -1)}
    product.commit("master", files, f"Development of {line}.0 started.")
    _tag(product, f"{tag}_0_preview1", "master")
    product.commit("master", {f"NEWS-{line}.md": f"{line} news\n"}, "Update NEWS")
    _tag(product, f"{tag}_0_rc1", "master")
    branch = "ruby_" + line.replace(".", "_")
    product.commit(branch, {VERSION_H: version_h(0, 0)}, f"v{line}.0", create_from="master")
    _tag(product, f"{tag}_0", branch)
    return branch


def ruby_like(root: Path) -> Product:
    """ruby/ruby's branches and tags of November 2024 (see the module)."""
    files = {VERSION_H: version_h(0, -1), API_H: api_h("2.0"), "README.md": "ruby\n"}
    product = Product.create(root, files, default="master")
    # End-of-life lines: 2.0.0 (tags with the patchlevel) and 2.7.
    product.commit("ruby_2_0_0", {VERSION_H: version_h(0, 648)}, "bump", create_from="master")
    _tag(product, "v2_0_0_648", "ruby_2_0_0")
    product.commit("master", {API_H: api_h("2.7")}, "Development of 2.7.0 started.")
    product.commit("ruby_2_7", {VERSION_H: version_h(8, 225)}, "bump teeny", create_from="master")
    _tag(product, "v2_7_8", "ruby_2_7")
    branches = ["ruby_2_0_0", "ruby_2_7"]
    for line, releases in RELEASES.items():
        branch = _open_line(product, line)
        branches.append(branch)
        for teeny, level in releases:
            product.commit(branch, {VERSION_H: version_h(teeny, level - 1)}, "merge revision(s)")
            product.commit(branch, {VERSION_H: version_h(teeny, level)}, "bump teeny")
            _tag(product, f"v{line.replace('.', '_')}_{teeny}", branch)
        # A backport since the last release: the patchlevel moved on, the teeny did not.
        product.commit(
            branch, {VERSION_H: version_h(teeny, level + 1)}, "merge revision(s) abc1234"
        )
    files = {API_H: api_h("3.4"), VERSION_H: version_h(0, -1)}
    product.commit("master", files, "Development of 3.4.0 started.")
    _tag(product, "v3_4_0_preview1", "master")
    product.commit("master", {"NEWS.md": "3.4 news\n"}, "Update NEWS")
    _tag(product, "v3_4_0_preview2", "master")
    product.publish("master", *branches)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product

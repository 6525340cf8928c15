"""`releasekit init --repository` finds a C version header by the ending of its name,
``*_version.h``, beside the names it knows (tests/fixtures/c-ares/).

c-ares (c-ares/c-ares) writes its version in ``include/ares_version.h``, whole in
``ARES_VERSION_STR`` and its numbers apart, and tags its releases ``cares-1_22_1``; no
name of a project's header (``node_version.h``, ``nginx.h``) said it.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from releasekit.cli import cli
from tests.helpers.paths import REPO_ROOT
from tests.helpers.repos import Product, git

HEADER = "include/ares_version.h"
REAL = REPO_ROOT / "tests" / "fixtures" / "c-ares" / "ares_version.h-1.22.1"


def ares_version_h(patch: int) -> str:
    """The real header of c-ares 1.22.1, saying 1.22.``patch``."""
    text = REAL.read_text()
    for old in ("#define ARES_VERSION_PATCH 1\n", '#define ARES_VERSION_STR "1.22.1"\n'):
        assert text.count(old) == 1
        text = text.replace(old, old.replace("1\n", f"{patch}\n").replace('1"', f'{patch}"'))
    return text


def test_a_header_named_for_its_project_is_found(tmp_path: Path) -> None:
    files = {HEADER: ares_version_h(0), "README.md": "c-ares\n"}
    # A bundled library's header that happens to say the same version is not the product's.
    files["deps/other/other_version.h"] = '#define OTHER_VERSION "1.22.1"\n'
    product = Product.create(tmp_path / "product", files)
    product.tag("cares-1_22_0", "main")
    product.commit("main", {HEADER: ares_version_h(1)}, "1.22.1")
    product.tag("cares-1_22_1", "main")
    product.publish("main")
    git(product.clone, "fetch", "-q", "--tags", "origin")
    made = CliRunner().invoke(
        cli, ["init", str(tmp_path / "ws"), "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    config = (tmp_path / "ws" / "releasekit.toml").read_text()
    assert 'tag = "cares-{version:_}"' in config
    assert f'path = "{HEADER}"' in config
    for form in (
        """'#define ARES_VERSION_STR "{version}"'""",
        '"#define ARES_VERSION_PATCH {micro}"',
    ):
        assert f"format = {form}" in config, config
    assert "deps/other" not in made.output + config
    assert "no version file holds" not in made.output

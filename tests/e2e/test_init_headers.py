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


HTTPD = REPO_ROOT / "tests" / "fixtures" / "httpd" / "ap_release.h-2.4.62"
AP_RELEASE = "include/ap_release.h"


def ap_release_h(patch: int, dev: bool) -> str:
    """httpd's real header of 2.4.62, saying 2.4.``patch``, a "-dev" build or not."""
    text = HTTPD.read_text()
    for old, new in (
        ("PATCHLEVEL_NUMBER   62\n", f"PATCHLEVEL_NUMBER   {patch}\n"),
        ("DEVBUILD_BOOLEAN    0\n", f"DEVBUILD_BOOLEAN    {int(dev)}\n"),
    ):
        assert text.count(old) == 1
        text = text.replace(old, new)
    return text


def test_httpds_release_header_and_its_development_flag(tmp_path: Path) -> None:
    # httpd (apache/httpd): each release sets AP_SERVER_DEVBUILD_BOOLEAN to 0 and "bump to
    # 2.4.63-dev" sets it back to 1 with the next patch level; init found no version file
    # (ap_release.h is named neither version.h nor *_version.h) and the lift's release
    # commit would have left the branch saying 2.4.63-dev.
    product = Product.create(
        tmp_path / "product", {AP_RELEASE: ap_release_h(0, True), "README": "httpd\n"}
    )
    git(product.dev, "branch", "-m", "main", "trunk")
    product.commit("2.4.x", {}, "Branch 2.4.x.", create_from="trunk")
    for patch in (61, 62):
        product.commit("2.4.x", {AP_RELEASE: ap_release_h(patch, False)}, f"Release {patch}")
        product.tag(f"2.4.{patch}", "2.4.x")
        product.commit("2.4.x", {AP_RELEASE: ap_release_h(patch + 1, True)}, "Bump to -dev")
    product.publish("trunk", "2.4.x")
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/trunk")
    git(product.clone, "fetch", "-q", "--tags", "origin")
    made = CliRunner().invoke(
        cli, ["init", str(tmp_path / "ws"), "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    config = (tmp_path / "ws" / "releasekit.toml").read_text()
    assert f'path = "{AP_RELEASE}"' in config
    for line in (
        'format = "#define AP_SERVER_PATCHLEVEL_NUMBER   {micro}"',
        'format = "#define AP_SERVER_DEVBUILD_BOOLEAN    0"',
        'development = "#define AP_SERVER_DEVBUILD_BOOLEAN    1"',
    ):
        assert f"\n{line}" in config, config  # (live)
    assert "is commented out" not in made.output, made.output

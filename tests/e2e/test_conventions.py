"""Release conventions of real projects whose branch and tag names do not spell a version
with dots, on small repositories that copy a handful of their real branch and tag names:

- nginx (nginx/nginx, snapshot of 2026-08-21, 3f6f7824): stable-1.26 and stable-1.28 hold
  the stable lines (release-1.28.1), the odd mainline (release-1.29.2) is released from
  master.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.helpers.repos import Product, git, workspace_config


def release(product: Product, branch: str, tag: str, files: dict[str, str]) -> None:
    """A release commit on ``branch`` (which exists) tagged ``tag``."""
    product.commit(branch, files, f"Release {tag}")
    product.tag(tag, branch)


def on_master(product: Product, *branches: str) -> Product:
    """Publish ``branches``; master (not main) is the remote's default branch; fetch."""
    product.publish("master", *branches)
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.dev, "push", "-q", "origin", ":main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def nginx_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"src/core/nginx.h": f'#define NGINX_VERSION      "{v}"\n'}

    product = Product.create(root, {**version("1.25.5"), "README": "nginx\n"})
    product.commit("master", {}, "Mainline", create_from="main")
    product.commit("stable-1.26", {}, "Stable 1.26", create_from="master")
    for tag in ("release-1.26.0", "release-1.26.3"):
        release(product, "stable-1.26", tag, version(tag.removeprefix("release-")))
    release(product, "master", "release-1.27.4", version("1.27.4"))
    product.commit("stable-1.28", {}, "Stable 1.28", create_from="master")
    for tag in ("release-1.28.0", "release-1.28.1"):
        release(product, "stable-1.28", tag, version(tag.removeprefix("release-")))
    release(product, "master", "release-1.29.2", version("1.29.2"))
    return on_master(product, "stable-1.26", "stable-1.28")


def workspace(tmp_path: Path, product: Product, **releases: str) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(workspace_config(product.clone, **releases))
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def test_two_lines_on_one_branch_are_a_config_error(tmp_path: Path) -> None:
    # nginx has no branch for its next line: naming the stable branch for it put the
    # upcoming line's fixes and 1.28's release on stable-1.28, and the plan was ready.
    product = nginx_like(tmp_path / "nginx")
    root = workspace(
        tmp_path,
        product,
        branch='"stable-{line}"',
        branches='{ "1.30" = "stable-1.28" }',
        tag='"release-{version}"',
        upcoming='"1.30"',
        esr='["1.28"]',
        last="0",
    )
    result = run(root, "plan")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"releasekit: error: {root}/releasekit.toml:14: releases.branches: lines 1.30 and "
        "1.28 cannot share the branch 'stable-1.28'"
    )

"""Release conventions of more real projects (tests/e2e/test_conventions.py has nginx, Rails
and PostgreSQL), on small repositories that copy a handful of their real branch and tag
names:

- curl (curl/curl, snapshot of 2026-08-22, 5c61e168): everything is released from master,
  no release branch; tags spelt with underscores after a prefix (curl-8_21_0, curl-8_14_1),
  release candidates rc-8_22_0-1 and rc-8_22_0-2 on master.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.e2e.test_conventions import on_master, release
from tests.helpers.repos import Product


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def plan_lines(root: Path) -> list[tuple[str, str, str | None, str, str | None]]:
    result = run(root, "plan", "--json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["lines"]
    return [(n["line"], n["branch"], n["latest"], n["next_version"], n["tag"]) for n in lines]


def init(tmp_path: Path, product: Product) -> tuple[Result, Path]:
    root = tmp_path / "ws"
    result = CliRunner().invoke(
        cli, ["init", str(root), "--prefix", "ACSA", "--repository", str(product.clone)]
    )
    return result, root


CURLVER_H = '#define LIBCURL_VERSION "{}"\n'


def curl_like(root: Path, *tags: str) -> Product:
    """curl's master: releases and release candidates, then ``tags`` (more releases)."""

    def version(v: str) -> dict[str, str]:
        return {"include/curl/curlver.h": CURLVER_H.format(v)}

    product = Product.create(root, {**version("8.14.0"), "README": "curl\n"})
    product.commit("master", {}, "Development", create_from="main")
    for tag in ("curl-8_14_0", "curl-8_14_1", "curl-8_20_0", "curl-8_21_0"):
        release(product, "master", tag, version(tag[5:].replace("_", ".")))
    for tag in ("rc-8_22_0-1", "rc-8_22_0-2"):
        release(product, "master", tag, version("8.22.0-DEV"))
    for tag in tags:
        release(product, "master", tag, version(tag[5:].replace("_", ".")))
    return on_master(product)


def test_init_reads_curl_tags_spelt_with_underscores(tmp_path: Path) -> None:
    # init read no tag of curl's ("no release tags (like v1.2.3 or 1.2.3) in the clone;
    # fetch its tags"): a version was read only with its dots, as 8.21.0.
    result, root = init(tmp_path, curl_like(tmp_path / "curl"))
    assert result.exit_code == 0, result.output
    assert 'inferred: tag = "curl-{version:_}": the newest release is curl-8_21_0' in (
        result.stdout
    )
    text = (root / "releasekit.toml").read_text()
    assert (
        'tag = "curl-{version:_}"             # the release tag the lift writes, e.g. '
        + ("curl-10_3_2\n")
        in text
    )
    assert '# read_tags = ["{version}"]' in text  # rc-8_22_0-1 is no release
    assert 'upcoming = "8.22"' in text and 'branches = { "8.22" = "master" }' in text
    assert run(root, "plan").exit_code == 0

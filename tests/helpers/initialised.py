"""A workspace made by `releasekit init --repository` from a real project's repository, set
as its checks say (the e2e tests of nginx and Redis)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.helpers.repos import Product


def initialised(
    tmp_path: Path,
    product: Product,
    identity: Sequence[str],
    settings: Mapping[str, str],
    bumps: Sequence[str],
    extra: str = "",
) -> tuple[Path, Result]:
    """``init`` with ``identity`` (--name, --vendor, --prefix) on ``product``'s clone; then
    each key of ``settings`` replaced by its value in the table it wrote, each of ``bumps``
    checked to be there live, and ``extra`` appended."""
    root = tmp_path / "ws"
    made = CliRunner().invoke(
        cli, ["init", str(root), *identity, "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    config = (root / "releasekit.toml").read_text()
    for old, new in settings.items():
        assert old in config, old
        config = config.replace(old, new)
    for bump in bumps:
        assert f"\n{bump}\n" in config, bump  # live
    assert "check: [[releases.bump]]" not in made.output
    (root / "releasekit.toml").write_text(config + extra)
    return root, made

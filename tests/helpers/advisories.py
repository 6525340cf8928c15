"""An advisory held under embargo with its fixes: how the real-project release tests start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner

from releasekit.cli import cli
from tests.helpers.repos import Product

EMBARGO_AT = "2026-12-01T14:00:00Z"  # tests.e2e.test_embargo.EMBARGO, as a TOML date


def advisory_text(fields: Mapping[str, str]) -> str:
    """An advisory file with ``fields`` in its front matter, in their order: strings, but
    ``embargo``, a TOML date."""
    lines = (f"{k} = {v}" if k == "embargo" else f'{k} = "{v}"' for k, v in fields.items())
    return "+++\n" + "\n".join(lines) + "\n+++\n\nDetails.\n"


def hold_fixes(
    root: Path,
    product: Product,
    advisory: Mapping[str, str],
    lines: Mapping[str, str],
    fix: tuple[Mapping[str, str], str],
) -> None:
    """Write ``advisory`` (see :func:`advisory_text`) into the workspace ``root``, then for
    each line of ``lines`` (line -> branch) commit the fix on the branch (``fix``: its
    files and message) and hold it for the line with ``releasekit patch add``."""
    files, message = fix
    ident = advisory["id"]
    (root / "advisories" / f"{ident}.md").write_text(advisory_text(advisory))
    for line, branch in lines.items():
        patch = root.parent / f"{line}.patch"
        patch.write_bytes(product.fix(branch, files, message))
        held = CliRunner().invoke(
            cli, ["-C", str(root), "patch", "add", ident, "--line", line, str(patch)]
        )
        assert held.exit_code == 0, held.output

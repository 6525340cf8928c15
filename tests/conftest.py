"""Shared fixtures: real workspaces in temporary directories and a CLI runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from releasekit.cli import cli

MINIMAL_CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
time_zone = "America/Los_Angeles"

[releases]
upcoming = "10.4"
esr = ["9.11"]
"""


def advisory_text(ident: str = "ACSA-2026-0001", **fields: str) -> str:
    """An advisory file's text; keyword values are raw TOML (quote strings yourself)."""
    values = {
        "id": f'"{ident}"',
        "title": '"Export ignores permissions"',
        "cvss": '"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"',
        "embargo": "2026-12-01T14:00:00Z",
        "summary": '"One public sentence."',
    }
    values.update(fields)
    front = "\n".join(f"{k} = {v}" for k, v in values.items() if v is not None)
    return f"+++\n{front}\n+++\n\nDetails.\n"


@dataclass
class Workspace:
    root: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
        return path

    def advisory(self, ident: str = "ACSA-2026-0001", **fields: str) -> Path:
        return self.write(f"advisories/{ident}.md", advisory_text(ident, **fields))

    def snapshot(self) -> dict[str, bytes]:
        """Every file's bytes, to show that a failing command changed nothing."""
        return {
            str(p.relative_to(self.root)): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "releasekit.toml").write_text(MINIMAL_CONFIG)
    (root / "advisories").mkdir()
    return Workspace(root)


@pytest.fixture
def run(ws: Workspace) -> Callable[..., Result]:
    """Run the CLI in the workspace; stdout and stderr are kept apart."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["-C", str(ws.root), *args], input=input)

    return invoke

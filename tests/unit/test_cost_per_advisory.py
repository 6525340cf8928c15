"""The yardsticks docs/site.md quotes run on generated advisories: scripts/cost_per_advisory.py
times every step it names, scripts/publish_floor.py writes every file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.scripts import load_script


def test_every_step_is_timed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_script("gen_advisories").generate(tmp_path, 5)
    assert load_script("cost_per_advisory").main([str(tmp_path), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"5 advisories of {tmp_path}")
    for step in ("parse: TOML and field checks", "page template", "CVE record", "total"):
        assert f"  {step} " in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("cost-")]  # (its scratch)


def test_the_floor_writes_the_five_files_of_each_advisory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """scripts/publish_floor.py, the yardstick docs/site.md quotes."""
    workspace, out = tmp_path / "workspace", tmp_path / "out"
    load_script("gen_advisories").generate(workspace, 4)
    assert load_script("publish_floor").main([str(workspace), str(out)]) == 0
    assert capsys.readouterr().out.startswith("4 advisories in ")
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert len(written) == 20 and "osv/ACSA-2025-00004.json" in written
    assert "csaf/acsa-2025-00004.json.sha512" in written

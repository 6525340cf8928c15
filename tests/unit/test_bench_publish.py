"""scripts/bench_publish.py says what file system its figures were taken on."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))  # (it imports its sibling scripts)
    try:
        path = REPO_ROOT / "scripts" / "bench_publish.py"
        spec = importlib.util.spec_from_file_location("bench_publish", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPO_ROOT / "scripts"))


def test_the_mount_that_holds_a_folder_is_named(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    deep = tmp_path / "a b" / "c"
    deep.mkdir(parents=True)
    mounts.write_text(
        "/dev/root / btrfs rw 0 0\n"
        f"store {str(tmp_path / 'a b').replace(' ', chr(92) + '040')} xfs rw 0 0\n"
        f"other {tmp_path}/a tmpfs rw 0 0\n"
        "broken\n"
    )
    bench = _bench()
    said = bench.file_system(deep / "not" / "made" / "yet", mounts)
    assert said == f"xfs on store (mounted at {tmp_path / 'a b'})"
    assert bench.file_system(Path("/"), mounts) == "btrfs on /dev/root (mounted at /)"
    assert bench.file_system(deep, tmp_path / "none") == "?"

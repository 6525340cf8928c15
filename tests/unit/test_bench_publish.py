"""scripts/bench_publish.py says what file system its figures were taken on."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.scripts import load_script


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
    bench = load_script("bench_publish")
    said = bench.file_system(deep / "not" / "made" / "yet", mounts)
    assert said == f"xfs on store (mounted at {tmp_path / 'a b'})"
    assert bench.file_system(Path("/"), mounts) == "btrfs on /dev/root (mounted at /)"
    assert bench.file_system(deep, tmp_path / "none") == "?"


def test_an_ext4_journal_is_looked_up_by_the_kernels_device_name(tmp_path: Path) -> None:
    """/proc/fs/jbd2 names journals by the kernel's device name ("vda-8", "dm-0-8"), which
    the mount's device path (/dev/root, /dev/mapper/...) need not show."""
    bench = load_script("bench_publish")
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/root {tmp_path} ext4 rw 0 0\n")
    name = bench.block_device(tmp_path)
    journals = tmp_path / "jbd2"
    said = f"ext4 on /dev/root (mounted at {tmp_path})"
    assert bench.file_system(tmp_path, mounts, journals) == f"{said}, journal unknown"
    journals.mkdir()
    assert bench.file_system(tmp_path, mounts, journals).startswith(f"{said}, no journal: ")
    (journals / f"{name}-8").mkdir()
    assert bench.file_system(tmp_path, mounts, journals) == f"{said}, with a journal"

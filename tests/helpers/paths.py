"""Where the repository is, for tests that read its shipped files, and test-artifacts/."""

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"  # screenshots and PDFs to look at (ignored by git)


def write_whole(target: Path, data: bytes) -> None:
    """Write ``target`` so that a reader sees the old file or the new one, never part of one
    (workers running side by side write the same test-artifacts/ names)."""
    staged = target.with_name(f".{target.name}.{os.getpid()}")
    staged.write_bytes(data)
    os.replace(staged, target)


def keep(*files: Path) -> None:
    """Copy ``files`` (a test's own, checked where it made them) into test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    for file in files:
        staged = ARTIFACTS / f".{file.name}.{os.getpid()}"
        shutil.copyfile(file, staged)
        os.replace(staged, ARTIFACTS / file.name)

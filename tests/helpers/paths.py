"""Where the repository is, for tests that read its shipped files."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

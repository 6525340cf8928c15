"""The releasekit.toml that init writes: from the options, or from what the clone showed."""

from __future__ import annotations

import os
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from releasekit.model.config import parse_config
from releasekit.site.build import publish_workspace
from releasekit.support.errors import ConfigError, WorkspaceError
from releasekit.workspace.files import load_advisories, open_workspace
from releasekit.workspace.init import (
    Bump,
    ReleasesTable,
    Scaffold,
    init_workspace,
    render_config,
)

URLLIB3_LIKE = ReleasesTable(
    remote="upstream",
    branch="{line}.x",
    branches={"2.1": "main"},
    tag="{version}",
    read_tags=("v{version}",),
    upcoming="2.1",
    esr=("1.25",),
    last=2,
    bumps=(
        Bump("src/urllib3/_version.py", '__version__ = "{version}"'),
        Bump("VERSION", "{version}", live=False),
    ),
)


def test_the_inferred_table_is_written_as_the_contract_spells_it(tmp_path: Path) -> None:
    text = render_config(tmp_path, Scaffold(prefix="ACSA"), URLLIB3_LIKE)
    data = tomllib.loads(text)
    assert data["project"]["remote"] == "upstream"
    releases = data["releases"]
    assert releases == {
        "branch": "{line}.x",
        "branches": {"2.1": "main"},
        "tag": "{version}",
        "read_tags": ["v{version}"],
        "upcoming": "2.1",
        "esr": ["1.25"],
        "last": 2,
        "bump": [{"path": "src/urllib3/_version.py", "format": '__version__ = "{version}"'}],
    }
    lines = text.splitlines()
    assert lines[lines.index("[releases]") + 2].startswith('branches = { "2.1" = "main" }  ')
    # The key for an upcoming line released already names the branch it is on.
    master = render_config(tmp_path, Scaffold(), ReleasesTable(branches={"1.0": "master"}))
    assert "# it is released already, from its branch (master)\n" in master
    assert "format = '__version__ = \"{version}\"'" in lines
    # The version file that did not fit every line is there, commented out.
    assert '# path = "VERSION"                   # uncomment these three lines)' in lines
    assert '# format = "{version}"' in lines
    parse_config(text, tmp_path)  # valid as written


def test_without_a_clone_the_scaffold_is_as_before(tmp_path: Path) -> None:
    text = render_config(tmp_path, Scaffold(upcoming="10.4"))
    releases = tomllib.loads(text)["releases"]
    assert releases == {"branch": "release-{line}", "tag": "v{version}", "upcoming": "10.4",
                        "esr": [], "last": 3}  # fmt: skip
    # The keys for real repositories are shown, commented out.
    assert (
        '# branches = { "10.4" = "main" }     # a line on a branch the pattern does not name'
        in text
    )
    assert "# [[releases.bump]]" in text
    settings = parse_config(text, tmp_path)
    assert settings.releases.upcoming == "10.4"


def test_a_bad_option_names_the_key_and_an_existing_workspace_is_kept(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"project\.time_zone"):
        render_config(tmp_path, Scaffold(time_zone="Mars/Base"))
    (tmp_path / "releasekit.toml").write_text("")
    with pytest.raises(WorkspaceError, match="already exists"):
        render_config(tmp_path, Scaffold())


def _tree(root: Path) -> list[tuple[str, int]]:
    """Every entry under ``root`` (symlinks not followed) and its mode."""
    return sorted((str(p.relative_to(root)), p.lstat().st_mode) for p in [root, *root.rglob("*")])


@pytest.mark.parametrize(
    ("setup", "target", "message"),
    [
        (lambda r: os.symlink("/nonexistent-marker", r / "releasekit.toml"), ".",
         "releasekit.toml: already exists; not overwriting"),
        (lambda r: (r / "advisories").write_text("marker\n"), ".",
         "advisories: already exists and is not a directory"),
        (lambda r: os.symlink("/nonexistent-marker", r / "site"), ".",
         "site: already exists and is not a directory"),
        (lambda r: (r / ".releasekit").write_text("marker\n"), ".",
         ".releasekit: already exists and is not a directory"),
        (lambda r: (r / ".git").mkdir(), ".", ".git: already exists and is not a git repository"),
        (lambda r: (r / "plain-file").write_text("marker\n"), "plain-file/sub",
         "plain-file: not a directory"),
        (lambda r: os.symlink("/nonexistent-marker", r / "link"), "link/sub",
         "link: not a directory"),
    ],
)  # fmt: skip
def test_anything_in_the_way_is_found_before_anything_is_made(
    tmp_path: Path, setup: Any, target: str, message: str
) -> None:
    setup(tmp_path)
    before = _tree(tmp_path)
    made: list[Path] = []

    def make_repository(root: Path) -> Path:
        made.append(root)
        (root / ".git").mkdir()
        return root / ".git"

    with pytest.raises(WorkspaceError, match=message):
        init_workspace(tmp_path / target, "[project]\n", make_repository)
    assert made == [] and _tree(tmp_path) == before


def test_a_failure_halfway_removes_what_the_run_made(tmp_path: Path) -> None:
    root = tmp_path / "parent" / "ws"
    (tmp_path / "parent").mkdir()
    (tmp_path / "parent" / "kept-marker").write_text("marker\n")
    before = _tree(tmp_path)

    def make_repository(root: Path) -> Path:
        (root / ".git" / "objects").mkdir(parents=True)
        raise OSError(28, "No space left on device", str(root / ".git" / "HEAD"))

    with pytest.raises(OSError, match="No space left"):
        init_workspace(root, "[project]\n", make_repository)
    assert _tree(tmp_path) == before


def test_a_workspace_directory_there_already_is_kept_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "advisories").mkdir()
    (tmp_path / "advisories" / "kept-marker.md").write_text("marker\n")
    (tmp_path / "patches").mkdir(mode=0o755)
    (tmp_path / "patches").chmod(0o755)
    (tmp_path / ".gitignore").write_text("marker\n")
    before = _tree(tmp_path)

    def make_repository(root: Path) -> Path:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        init_workspace(tmp_path, "[project]\n", make_repository)
    assert _tree(tmp_path) == before  # patches/ is 0755 again, nothing else is left
    created, git_dir = init_workspace(tmp_path, "[project]\n")
    assert git_dir is None and created[0] == tmp_path / "releasekit.toml"
    assert (tmp_path / "patches").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / ".gitignore").read_text() == "marker\n"


def test_a_checkout_of_a_new_workspace_publishes(tmp_path: Path) -> None:
    # git keeps no empty folder, and publish refuses a workspace without advisories/: the
    # daily publish on a fresh checkout (docs/publish-workflow.yml) needs it from the start.
    init_workspace(tmp_path, render_config(tmp_path, Scaffold(), None))
    assert [p.name for p in (tmp_path / "advisories").iterdir()] == [".gitkeep"]
    settings = open_workspace(tmp_path)
    assert load_advisories(settings) == []  # (a hidden file: no advisory)
    report = publish_workspace(settings, datetime(2026, 12, 6, tzinfo=UTC))
    assert report.public == 0 and "index.html" in report.written


def test_a_four_number_project_s_version_scheme_is_written(tmp_path: Path) -> None:
    text = render_config(tmp_path, Scaffold(), ReleasesTable(version_scheme="pep440"))
    assert tomllib.loads(text)["releases"]["version_scheme"] == "pep440"
    assert parse_config(text, tmp_path).releases.version_scheme == "pep440"
    assert "version_scheme" not in render_config(tmp_path, Scaffold(), ReleasesTable())


def test_a_project_that_tags_pre_releases_has_pre_releases_written(tmp_path: Path) -> None:
    text = render_config(tmp_path, Scaffold(), ReleasesTable(pre_releases=True))
    assert tomllib.loads(text)["releases"]["pre_releases"] is True
    assert parse_config(text, tmp_path).releases.pre_releases is True
    assert "pre_releases" not in render_config(tmp_path, Scaffold(), ReleasesTable())

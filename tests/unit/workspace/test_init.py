"""The releasekit.toml that init writes: from the options, or from what the clone showed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from releasekit.model.config import parse_config
from releasekit.support.errors import ConfigError, WorkspaceError
from releasekit.workspace.init import Bump, ReleasesTable, Scaffold, render_config

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

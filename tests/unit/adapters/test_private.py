"""The workspace's own git repository: what libgit2 refuses is one line, not pygit2's
exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.adapters.git import enclosing_repository, make_private_repository
from releasekit.support.errors import BadInput, GitError


def test_a_file_where_a_directory_goes_is_bad_input_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("marker\n")
    target = tmp_path / "plain-file" / "sub"
    with pytest.raises(BadInput) as caught:
        make_private_repository(target)
    assert str(caught.value).startswith(f"{target}: cannot make a git repository: ")
    assert "\n" not in str(caught.value)


def test_any_other_failure_of_libgit2_is_a_git_error(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 300)  # a name longer than the file system takes
    with pytest.raises(GitError, match="cannot make a git repository"):
        make_private_repository(target)


def test_a_malformed_git_file_on_the_way_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("not a gitfile\n")
    inside = tmp_path / "workspace"
    inside.mkdir()
    with pytest.raises(BadInput, match=r"cannot look for a git repository: .*malformed"):
        enclosing_repository(inside)

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.model.checks import line_of
from releasekit.model.config import Settings, parse_config
from releasekit.release.lines import line_names, read_lines, released_versions
from releasekit.release.planner import release_lines
from releasekit.support.errors import ConfigError
from tests.helpers.repos import release_product, workspace_config


def settings_for(tmp_path: Path, **releases: str) -> Settings:
    text = workspace_config(tmp_path / "clone", **releases)
    (tmp_path / "releasekit.toml").write_text(text)
    return parse_config(text, tmp_path)


TAGS = [
    "v9.9.0",
    "v9.9.1",
    "v9.10.0",
    "v9.10.1",
    "v9.11.0",
    "v10.1.0",
    "v10.1.9",
    "v10.1.10",
    "v10.1.2",
    "v10.3.0",
    "v10.4.0rc1",  # a pre-release of the upcoming line is not a release
    "v10.2.0.dev1",
    "v10.2.0+local",
    "latest",
    "vnext",
    "v10",
]


def test_versions_compare_as_versions_not_strings(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr="[]", last="4")
    lines = read_lines(settings, TAGS, upcoming_exists=True)
    assert [line.name for line in lines.supported] == ["10.4", "10.3", "10.1", "10.0", "9.11"]
    assert lines.get("10.1").latest == "10.1.10"  # type: ignore[union-attr]
    assert lines.get("10.1").next_version == "10.1.11"  # type: ignore[union-attr]
    assert list(lines.known) == ["10.4", "10.3", "10.1", "10.0", "9.11", "9.10", "9.9"]
    nine_ten = lines.get("9.10")
    assert nine_ten is not None and nine_ten.latest == "9.10.1" and not nine_ten.supported
    assert "10.2" not in lines.known  # only a dev release and a local version


def test_a_two_part_tag_is_the_dot_zero_release(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr="[]", last="1")
    lines = read_lines(settings, ["v10.3"], upcoming_exists=True)
    line = lines.get("10.3")
    assert line is not None and (line.latest, line.next_version, line.tag) == (
        "10.3",
        "10.3.1",
        "v10.3.1",
    )


def test_upcoming_gets_line_dot_zero_and_no_tag(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    lines = read_lines(settings, ["v9.11.4", "v10.3.2"], upcoming_exists=True)
    upcoming = lines.get("10.4")
    assert upcoming is not None
    assert (upcoming.next_version, upcoming.tag, upcoming.latest) == ("10.4.0", None, None)
    assert upcoming.groups == ("upcoming",) and upcoming.branch == "release-10.4"
    released = lines.get("10.3")
    assert released is not None and (released.next_version, released.tag) == ("10.3.3", "v10.3.3")


def test_groups_last_excludes_upcoming_and_may_overlap_esr(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr='["10.2"]', last="2")
    tags = ["v10.1.0", "v10.2.0", "v10.3.0", "v10.5.0"]
    lines = read_lines(settings, tags, upcoming_exists=True)
    groups = {line.name: line.groups for line in lines.supported}
    assert groups == {"10.5": ("last",), "10.4": ("upcoming",), "10.3": ("last",), "10.2": ("esr",)}
    settings = settings_for(tmp_path, esr='["10.3"]', last="2")
    groups = {
        line.name: line.groups
        for line in read_lines(settings, tags, upcoming_exists=True).supported
    }
    assert groups["10.3"] == ("esr", "last")
    assert [line.name for line in lines.group("last")] == ["10.5", "10.3"]


def test_a_custom_tag_pattern(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, tag='"release/{version}-final"', esr="[]")
    tags = ["release/10.3.1-final", "release/10.3.2-final", "v10.3.9", "release/10.2.0"]
    assert released_versions(settings.releases.tag, tags).keys() == {"10.3"}
    lines = read_lines(settings, tags, upcoming_exists=True)
    line = lines.get("10.3")
    assert line is not None and line.tag == "release/10.3.3-final"


@pytest.mark.parametrize("pattern", ["r{{x}}-{version}", "{{version}}-{version}"])
def test_a_tag_pattern_with_a_literal_brace_reads_back_the_tags_it_names(
    tmp_path: Path, pattern: str
) -> None:
    settings = settings_for(tmp_path, tag=repr(pattern), esr="[]")  # accepted by the config
    tag = settings.tag_name("10.3.2")
    assert released_versions(settings.releases.tag, [tag]).keys() == {"10.3"}


def test_an_esr_line_the_repository_lacks_is_a_config_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr='["9.11"]')
    with pytest.raises(ConfigError) as caught:
        read_lines(settings, ["v10.3.0"], upcoming_exists=True)
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"{tmp_path}/releasekit.toml:11: releases.esr: 9.11: the repository has no release "
        "tag of this line (like v9.11.0)"
    )


def test_an_upcoming_line_without_its_branch_is_a_config_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr="[]")
    with pytest.raises(ConfigError) as caught:
        read_lines(settings, ["v10.3.0"], upcoming_exists=False)
    # The way out is named: nginx's mainline lives on master, which the pattern never names.
    assert str(caught.value) == (
        f"{tmp_path}/releasekit.toml:10: releases.upcoming: 10.4: the remote has no branch "
        "release-10.4; create it, or name the branch it lives on in releases.branches (e.g. "
        '{ "10.4" = "main" })'
    )
    named = settings_for(tmp_path, esr="[]", branches='{ "10.4" = "main" }')
    with pytest.raises(ConfigError, match=r"no branch main; fetch the clone, or correct"):
        read_lines(named, ["v10.3.0"], upcoming_exists=False)


def test_an_upcoming_line_already_released_is_a_config_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, esr="[]")
    with pytest.raises(ConfigError, match=r"10.4 is already released \(v10.4.0\)"):
        read_lines(settings, ["v10.4.0"], upcoming_exists=True)


def test_line_names() -> None:
    assert line_of("10.3.2") == "10.3"
    assert line_of("10.03") == "10.3"
    assert line_of("10") == "10.0"
    assert line_of("ten") is None
    assert line_of("10.3.2", 1) == line_of("10", 1) == "10"  # lines of major versions


def test_line_names_without_checks(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert line_names(settings, ["v10.1.0", "v9.9.9"]) == ["10.4", "10.1", "9.11", "9.9"]


def test_lines_from_a_real_repository(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    product = release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")
    settings = settings_for(tmp_path)
    repo = ProductRepo.open(product.clone, Environment())
    lines = release_lines(settings, repo)
    assert [(line.name, line.latest, line.next_version) for line in lines.supported] == [
        ("10.4", None, "10.4.0"),
        ("10.3", "10.3.1", "10.3.2"),
        ("10.2", "10.2.0", "10.2.1"),
        ("10.1", "10.1.1", "10.1.2"),
        ("9.11", "9.11.2", "9.11.3"),
    ]
    assert lines.get("9.10") is not None and lines.get("9.9") is not None


class Graph:
    """A history of named commits: each branch a chain of commits, newest last."""

    def __init__(self, **branches: list[str]) -> None:
        self.branches = branches
        self.parents: dict[str, set[str]] = {}
        for chain in branches.values():
            for older, newer in itertools.pairwise(chain):
                self.parents.setdefault(newer, set()).add(older)

    def tip(self, branch: str) -> str | None:
        chain = self.branches.get(branch)
        return chain[-1] if chain else None

    def contains(self, tip: str, commit: str) -> bool:
        todo, seen = [tip], set()
        while todo:
            here = todo.pop()
            if here == commit:
                return True
            seen.add(here)
            todo += [p for p in self.parents.get(here, ()) if p not in seen]
        return False

    def on_no_branch(self, commit: str) -> bool:
        return not any(self.contains(chain[-1], commit) for chain in self.branches.values())


def urllib3_like(tmp_path: Path, read_tags: str = '["v{version}"]') -> Settings:
    return settings_for(
        tmp_path,
        upcoming='"2.1"',
        esr='["1.26"]',
        last="1",
        branch='"{line}.x"',
        branches='{ "2.1" = "main" }',
        tag='"{version}"',
        read_tags=read_tags,
    )


# main: a1 (2.0.0a1) - r0 (2.0.0) - r4 (2.0.4) - r5 (v2.0.5) - m1; 2.0.x: r5 - x1.
HISTORY = Graph(
    main=["a1", "r0", "r4", "r5", "m1"],
    **{"2.0.x": ["a1", "r0", "r4", "r5", "x1"], "1.26.x": ["o1", "o2"]},
)
URLLIB3_TAGS = {
    "2.0.0a1": "a1",
    "2.0.0": "r0",
    "2.0.4": "r4",
    "v2.0.5": "r5",
    "1.26.16": "o1",
    "2.1.0rc1": "m1",  # a pre-release of the upcoming line: a version, never a release
}


def test_every_spelling_gives_the_releases_and_the_next_version(tmp_path: Path) -> None:
    settings = urllib3_like(tmp_path)
    lines = read_lines(settings, URLLIB3_TAGS, upcoming_exists=True, history=HISTORY)
    two = lines.get("2.0")
    assert two is not None
    assert (two.latest, two.latest_tag, two.next_version, two.tag, two.branch) == (
        "2.0.5",
        "v2.0.5",
        "2.0.6",  # not 2.0.5 again (the v spelling is read) nor 2.0.0a2
        "2.0.6",  # written in the first spelling
        "2.0.x",
    )
    assert two.problems == ()
    upcoming = lines.get("2.1")
    assert upcoming is not None and upcoming.branch == "main" and upcoming.problems == ()
    assert [line.name for line in lines.supported] == ["2.1", "2.0", "1.26"]


def test_a_spelling_not_read_makes_the_line_not_ready(tmp_path: Path) -> None:
    settings = urllib3_like(tmp_path, read_tags="[]")
    lines = read_lines(settings, URLLIB3_TAGS, upcoming_exists=True, history=HISTORY)
    two = lines.get("2.0")
    assert two is not None and (two.latest, two.next_version) == ("2.0.4", "2.0.5")
    assert two.problems == (
        "line 2.0: tag v2.0.5 on 2.0.x after 2.0.4 names a version of 2.0, but no spelling "
        "reads it (releases.tag, releases.esr_tag, releases.read_tags)",
    )
    # Without the history the tags alone cannot tell: nothing is claimed.
    assert read_lines(settings, URLLIB3_TAGS, upcoming_exists=True).get("2.0").problems == ()  # type: ignore[union-attr]


def test_the_next_version_tagged_anywhere_under_any_spelling(tmp_path: Path) -> None:
    settings = urllib3_like(tmp_path)
    for name in ("v2.0.6", "2.0.6"):
        tags = {**URLLIB3_TAGS, name: "m1"}  # on main, not on 2.0.x
        two = read_lines(settings, tags, upcoming_exists=True, history=HISTORY).get("2.0")
        assert two is not None and two.next_version == "2.0.6"
        assert two.problems == (f"line 2.0: 2.0.6 is already tagged ({name})",)
    # Tagged on the branch, it is the newest release: the next one is 2.0.7.
    tags = {**URLLIB3_TAGS, "v2.0.6": "x1"}
    two = read_lines(settings, tags, upcoming_exists=True, history=HISTORY).get("2.0")
    assert two is not None and (two.latest, two.next_version, two.problems) == (
        "2.0.6",
        "2.0.7",
        (),
    )


def test_releases_are_the_tags_on_the_line_branch(tmp_path: Path) -> None:
    settings = urllib3_like(tmp_path)
    history = Graph(main=["a1", "r0", "r4", "r5", "m1"], **{"2.0.x": ["a1", "r0", "r4", "x1"]})
    two = read_lines(settings, URLLIB3_TAGS, upcoming_exists=True, history=history).get("2.0")
    assert two is not None and (two.latest, two.next_version) == ("2.0.4", "2.0.5")
    assert two.problems == ("line 2.0: 2.0.5 is already tagged (v2.0.5)",)
    elsewhere = Graph(main=["a1", "r0", "r4", "r5"], **{"2.0.x": ["y1"], "1.26.x": ["o1"]})
    two = read_lines(settings, URLLIB3_TAGS, upcoming_exists=True, history=elsewhere).get("2.0")
    assert two is not None
    assert two.problems[0] == "line 2.0: no release tag of 2.0 is on 2.0.x"


def test_pre_releases_are_never_the_newest_release(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, tag='"{version}"', upcoming='"7.4"', esr="[]")
    tags = ["7.2.5", "7.2.6-rc1", "7.4-rc2", "7.4.0a1", "7.2.6.dev3"]
    lines = read_lines(settings, tags, upcoming_exists=True)
    assert lines.get("7.2").latest == "7.2.5"  # type: ignore[union-attr]
    assert lines.get("7.2").next_version == "7.2.6"  # type: ignore[union-attr]
    assert lines.get("7.4").latest is None  # type: ignore[union-attr]


def test_an_unread_tag_of_the_upcoming_line_on_its_branch(tmp_path: Path) -> None:
    settings = urllib3_like(tmp_path)
    tags = {**URLLIB3_TAGS, "release-2.1.0": "m1", "docs-build": "m1", "release-1.9.0": "m1"}
    upcoming = read_lines(settings, tags, upcoming_exists=True, history=HISTORY).get("2.1")
    assert upcoming is not None
    assert upcoming.problems == (
        "line 2.1: tag release-2.1.0 on main names a version of 2.1, but no spelling reads it "
        "(releases.tag, releases.esr_tag, releases.read_tags)",
    )


def test_a_tag_that_names_a_line_is_no_unread_release(tmp_path: Path) -> None:
    # Pallets archive a line's branch as a tag of its name (werkzeug's 3.0.x, 2.3.x):
    # a branch made again from it has the tag at its tip, and "2.0.x" names no version.
    settings = urllib3_like(tmp_path)
    tags = {**URLLIB3_TAGS, "2.0.x": "x1", "v2.0.X": "x1", "2.1.x": "m1"}
    lines = read_lines(settings, tags, upcoming_exists=True, history=HISTORY)
    assert lines.get("2.0").problems == ()  # type: ignore[union-attr]
    assert lines.get("2.1").problems == ()  # type: ignore[union-attr]


def test_a_milestone_tag_of_the_upcoming_line_is_no_unread_release(tmp_path: Path) -> None:
    # Redis tagged 8.0's milestones 8.0-m01, 8.0-m02 on its branch: no spelling can read
    # them (no version has an "m01"), and they release nothing.
    settings = urllib3_like(tmp_path)
    tags = {**URLLIB3_TAGS, "2.1-m01": "m1", "2.0.6-M2": "x1", "2.1.0.milestone3": "m1"}
    lines = read_lines(settings, tags, upcoming_exists=True, history=HISTORY)
    assert lines.get("2.1").problems == ()  # type: ignore[union-attr]
    assert lines.get("2.0").problems == ()  # type: ignore[union-attr]


def test_version_like_tag_names() -> None:
    from releasekit.release.lines import named_version

    assert str(named_version("release-7.2.6")) == "7.2.6"
    assert str(named_version("urllib3-2.0.6rc1")) == "2.0.6rc1"
    assert str(named_version("v.2.0.6")) == "2.0.6"
    assert named_version("build-42") is None
    assert named_version("x7.2.6") is None  # a version does not start inside a word
    assert named_version("3.0.x") is None  # a line, not its release 3.0
    assert named_version("8.0-m01") is None  # a milestone, not the release 8.0
    assert str(named_version("release-1.2-macos")) == "1.2"
    # Digits 0-9: Arabic-Indic ones are no version, and they hid the one after them.
    assert str(named_version("release-١.٢-7.2.6")) == "7.2.6"


# undici's shape: a branch per major version (v6.x, v7.x), the next major on main. On v7.x:
# v7.0.0 - v7.2.3 - v7.3.0 - t1; on v6.x: v6.21.0 - v6.21.2.
UNDICI_HISTORY = Graph(
    main=["s0", "s1", "s3", "s4"], **{"v7.x": ["s0", "s1", "s3", "t1"], "v6.x": ["o0", "o2"]}
)
UNDICI_TAGS = {"v7.0.0": "s0", "v7.2.3": "s1", "v7.3.0": "s3", "v6.21.0": "o0", "v6.21.2": "o2"}


def undici_like(tmp_path: Path, **releases: str) -> Settings:
    values = {"upcoming": '"8"', "esr": "[]", "branch": '"v{line}.x"'}
    values |= {"line_parts": "1", "branches": '{ "8" = "main" }', **releases}
    return settings_for(tmp_path, **values)


def test_lines_of_major_versions(tmp_path: Path) -> None:
    settings = undici_like(tmp_path)
    lines = read_lines(settings, UNDICI_TAGS, upcoming_exists=True, history=UNDICI_HISTORY)
    assert [
        (line.name, line.latest, line.next_version, line.tag, line.branch, line.groups)
        for line in lines.supported
    ] == [
        ("8", None, "8.0.0", None, "main", ("upcoming",)),
        ("7", "7.3.0", "7.3.1", "v7.3.1", "v7.x", ("last",)),
        ("6", "6.21.2", "6.21.3", "v6.21.3", "v6.x", ("last",)),
    ]
    assert lines.get("7.0") is lines.get("7") and lines.get("6.21.2") is lines.get("6")
    assert all(line.problems == () for line in lines.supported)
    assert line_names(settings, UNDICI_TAGS) == ["8", "7", "6"]
    # The next version is the newest release on the line's branch plus one patch level.
    before = {name: commit for name, commit in UNDICI_TAGS.items() if name != "v7.3.0"}
    seven = read_lines(settings, before, upcoming_exists=True).get("7")
    assert seven is not None and (seven.latest, seven.next_version) == ("7.2.3", "7.2.4")
    assert released_versions("v{version}", UNDICI_TAGS, 1).keys() == {"7", "6"}


def test_a_line_of_a_major_version_has_the_problems_of_any_line(tmp_path: Path) -> None:
    settings = undici_like(tmp_path)
    tags = {**UNDICI_TAGS, "v7.3.1": "s4", "undici-7.4.0": "t1"}
    seven = read_lines(settings, tags, upcoming_exists=True, history=UNDICI_HISTORY).get("7")
    assert seven is not None and seven.problems == (
        "line 7: 7.3.1 is already tagged (v7.3.1)",
        "line 7: tag undici-7.4.0 on v7.x after v7.3.0 names a version of 7, but no spelling "
        "reads it (releases.tag, releases.esr_tag, releases.read_tags)",
    )
    with pytest.raises(ConfigError, match=r"releases.esr: 5: .* \(like v5.0.0\)$"):
        read_lines(undici_like(tmp_path, esr='["5"]'), UNDICI_TAGS, upcoming_exists=True)
    with pytest.raises(ConfigError, match=r"releases.upcoming: 7 is already released \(v7.3.0\)"):
        read_lines(undici_like(tmp_path, upcoming='"7.4"'), UNDICI_TAGS, upcoming_exists=True)


def test_an_upcoming_line_released_from_its_branch(tmp_path: Path) -> None:
    # undici releases its newest major from main, with no branch of its own: the upcoming
    # line is released, and its fixes get the next patch version's tag like any release.
    settings = settings_for(tmp_path, esr="[]", last="2", upcoming_released="true")
    tags = ["v10.4.0", "v10.4.1", "v10.3.0", "v10.2.0", "v10.1.0"]
    lines = read_lines(settings, tags, upcoming_exists=True)
    assert [(line.name, line.groups) for line in lines.supported] == [
        ("10.4", ("upcoming",)),
        ("10.3", ("last",)),
        ("10.2", ("last",)),
    ]
    upcoming = lines.get("10.4")
    assert upcoming is not None
    assert (upcoming.latest, upcoming.next_version, upcoming.tag) == ("10.4.1", "10.4.2", "v10.4.2")
    # Said, not guessed: a stale upcoming is still an error, and so is the key without releases.
    (tmp_path / "stale").mkdir()
    stale = settings_for(tmp_path / "stale", esr="[]")
    with pytest.raises(ConfigError, match=r"releases.upcoming_released = true, when releases"):
        read_lines(stale, tags, upcoming_exists=True)
    with pytest.raises(
        ConfigError,
        match=r"releasekit.toml:13: releases.upcoming_released: 10.4 has no release tag "
        r"\(like v10.4.0\): an upcoming line not yet released gets no tag; set it false$",
    ):
        read_lines(settings, ["v10.3.0"], upcoming_exists=True)


# PHP: each release tagged on the release manager's local branch, from the patch-level
# branch PHP-8.3.14 (never pushed: t14 is on no branch); PHP-8.3 says 8.3.15-dev (d15).
PHP_HISTORY = Graph(
    master=["b0", "m1"],
    **{"PHP-8.3": ["b0", "d14", "d15"], "PHP-8.3.14": ["b0", "d14", "n14"], "PHP-8.2": ["o1"]},
)
PHP_TAGS = {"php-8.3.13": "t13", "php-8.3.14": "t14", "php-8.4.0RC4": "m1", "php-8.2.26": "b0"}


def test_release_tags_off_every_branch(tmp_path: Path) -> None:
    releases = {
        "branch": '"PHP-{line}"',
        "branches": '{ "8.4" = "master" }',
        "tag": '"php-{version}"',
        "upcoming": '"8.4"',
        "esr": "[]",
        "last": "2",
    }
    settings = settings_for(tmp_path, **releases)
    lines = read_lines(settings, PHP_TAGS, upcoming_exists=True, history=PHP_HISTORY)
    assert lines.get("8.3").problems == ("line 8.3: no release tag of 8.3 is on PHP-8.3",)  # type: ignore[union-attr]
    settings = settings_for(tmp_path, **releases, tags_off_branch="true")
    lines = read_lines(settings, PHP_TAGS, upcoming_exists=True, history=PHP_HISTORY)
    php83 = lines.get("8.3")
    assert php83 is not None and php83.problems == ()
    assert (php83.latest, php83.next_version, php83.tag) == ("8.3.14", "8.3.15", "php-8.3.15")
    # A tag on another line's branch is still no release of this one; 8.4.0RC4 no release.
    php82 = lines.get("8.2")
    assert php82 is not None
    assert php82.problems == ("line 8.2: no release tag of 8.2 is on PHP-8.2",)
    assert lines.get("8.4").latest is None  # type: ignore[union-attr]

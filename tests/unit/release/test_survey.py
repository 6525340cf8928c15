"""What `init --repository` infers from a clone's branches and tags (facts made up here;
tests/e2e/test_init.py reads real clones)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from releasekit.release.survey import branch_line, infer
from releasekit.release.tagfacts import Facts, TagFact, tagged
from releasekit.release.versionfiles import glued_word, marker_guess, version_format
from releasekit.support.errors import BadInput
from tests.helpers.paths import REPO_ROOT


def facts(
    branches: Mapping[str, Sequence[str]],
    tags: Sequence[tuple[str, str]],
    *,
    default: str | None = "main",
    remote: str | None = "origin",
) -> Facts:
    """Branches as the tags they contain, in order: a tag's commit is the tag's name, its
    time its place in ``tags`` (the order they were made)."""
    order = {name: n for n, (name, _) in enumerate(tags)}
    on = {name: set(contained) for name, contained in branches.items()}
    return Facts(
        remote=remote,
        branches={name: name for name in branches},
        default_branch=default,
        tags=[TagFact(name, name, 1_000 + order[name]) for name, _ in tags],
        contains=lambda tip, commit: commit in on[tip],
    )


@pytest.mark.parametrize(
    ("name", "spelling", "version"),
    [
        ("v2.0.5", "v{version}", "2.0.5"),
        ("2.0.6", "{version}", "2.0.6"),
        ("release-7.2.4", "release-{version}", "7.2.4"),
        ("7.4-rc2", "{version}", "7.4rc2"),
        ("redis/7.2", "redis/{version}", "7.2"),
        ("2.0.0a1", "{version}", "2.0.0a1"),
        ("curl-8_6_0", "curl-{version:_}", "8.6.0"),  # curl
        ("curl-7_6_1-pre1", "curl-{version:_}", "7.6.1rc1"),
        ("REL_16_2", "REL_{version:_}", "16.2"),  # PostgreSQL
        ("REL9_6_24", "REL{version:_}", "9.6.24"),
        ("REL_17_RC1", "REL_{version:_}", "17rc1"),  # a pre-release of a major
        ("REL_17_BETA2", "REL_{version:_}", "17b2"),
        # Mozilla: a word after the version, and an ESR's glued to it; a beta's b9.
        ("FIREFOX_133_0_3_RELEASE", "FIREFOX_{version:_}_RELEASE", "133.0.3"),
        ("FIREFOX_133_0_RELEASE", "FIREFOX_{version:_}_RELEASE", "133.0"),
        ("FIREFOX_128_5_0esr_RELEASE", "FIREFOX_{version:_}esr_RELEASE", "128.5.0"),
        ("FIREFOX_134_0b9_RELEASE", "FIREFOX_{version:_}_RELEASE", "134.0b9"),
    ],
)
def test_a_version_tag_is_a_spelling_and_a_version(name: str, spelling: str, version: str) -> None:
    found = tagged(TagFact(name, "c", 0))
    assert found is not None
    assert (found.spelling, str(found.version)) == (spelling, version)


@pytest.mark.parametrize(
    "name",
    [
        "latest",
        "v2",
        "2.0.6+local",
        "with-deprecated-2",
        "1.0-x-y",
        "rc-8_22_0-1",
        "rc-1.2.0",
        "before_urldata_rename",
        "7_2.1",
        "REL_16",
        "REL_17_STABLE",
        "v8rc1",  # a major alone, dots written as no underscore: no spelling reads it
        "FIREFOX_133_0_3_BUILD1",  # a candidate build of 133.0.3, not its release
        "FIREFOX_RELEASE_133_BASE",  # Mozilla's merge-day markers
        "FIREFOX_NIGHTLY_134_END",
        "FIREFOX_133_0_3_RELEASE_2",
    ],
)
def test_other_tags_are_not_versions(name: str) -> None:
    assert tagged(TagFact(name, "c", 0)) is None


@pytest.mark.parametrize(
    ("branch", "expected"),
    [
        ("1.26.x", ("{line}.x", "1.26")),
        ("release-10.3", ("release-{line}", "10.3")),
        ("7.2", ("{line}", "7.2")),
        ("stable/2.1", ("stable/{line}", "2.1")),
        ("main", None),
        ("2.0.5-hotfix", None),  # a version, not a line
        ("10.03", None),  # would not come back from the pattern
        ("1.2-to-1.3", None),
        ("v7.x", ("v{line}.x", "7")),  # a line of a major version (undici)
        ("4.x", ("{line}.x", "4")),
        ("backport-5474-to-v7.x", ("backport-5474-to-v{line}.x", "7")),
        ("v7", None),  # no wildcard: pull request branches are numbers too ("4667")
        ("v7.xyz", None),
        ("2.0.x-and-3.x", None),  # two lines
        ("7-1-stable", ("{line:-}-stable", "7.1")),  # Rails
        ("alexc-backport-20126-4-1-stable", None),  # numbers in a row, no line of them
        ("7-1-3-fix", None),  # a version, not a line
        ("7-1-stable-7-2", None),  # two lines
        ("REL_16_STABLE", ("REL_{line}_STABLE", "16")),  # PostgreSQL since 10
        ("REL9_6_STABLE", ("REL{line:_}_STABLE", "9.6")),  # PostgreSQL before
        ("REL_16_3_fix", None),  # a version, not a line
        ("dev_4667", None),  # a number at the end: a pull request's, likely
        ("ruby_3_3", ("ruby_{line:_}", "3.3")),  # Ruby's, the line at the end
        ("ruby_2_0_0", None),  # Ruby's before 2.1: a version, not a line
        ("ruby_3_3_fix", None),  # a version, not a line
        ("esr128", ("esr{line}", "128")),  # Mozilla's ESR branches
        ("esr128-fix", None),
    ],
)
def test_a_branch_names_a_line(branch: str, expected: tuple[str, str] | None) -> None:
    assert branch_line(branch) == expected


def test_the_standard_shape() -> None:
    survey = infer(
        facts(
            {
                "main": [],
                "release-9.11": ["v9.11.0"],
                "release-10.3": ["v10.3.0", "v10.3.1"],
                "release-10.4": [],
            },
            [("v9.11.0", ""), ("v10.3.0", ""), ("v10.3.1", "")],
        ),
        "clone",
    )
    table = survey.table
    assert (table.branch, table.tag, table.upcoming, table.last) == (
        "release-{line}",
        "v{version}",
        "10.4",
        3,
    )
    assert (table.branches, table.read_tags, table.esr) == ({}, (), ())
    assert 'upcoming = "10.4": its branch release-10.4 has no release tag' in survey.inferred


def test_a_lone_odd_spelling_of_the_newest_release_is_read_not_written() -> None:
    # urllib3 on 2023-09-30: 2.0.0 to 2.0.4 without a v, then v2.0.5.
    names = ["2.0.0", "2.0.1", "2.0.2", "2.0.3", "2.0.4", "v2.0.5"]
    survey = infer(facts({"2.0.x": names, "main": names}, [(n, "") for n in names]), "clone")
    assert (survey.table.tag, survey.table.read_tags) == ("{version}", ("v{version}",))
    assert 'tag = "{version}": 4 of the 5 newest releases' in survey.inferred
    assert any("mix spellings" in line for line in survey.checks)


def test_upcoming_on_the_development_branch_and_mixed_spellings() -> None:
    # urllib3 in October 2023: 2.0.5 tagged v2.0.5, 2.0.6 without the v; main is 2.1.
    survey = infer(
        facts(
            {
                "main": ["v1.26.0", "v2.0.0"],
                "1.26.x": ["v1.26.0", "v1.26.16", "1.26.17"],
                "2.0.x": ["v2.0.0", "v2.0.5", "2.0.6"],
            },
            [(n, "") for n in ("v1.26.0", "v1.26.16", "v2.0.0", "v2.0.5", "1.26.17", "2.0.6")],
        ),
        "clone",
    )
    table = survey.table
    assert (table.branch, table.tag, table.read_tags) == ("{line}.x", "{version}", ("v{version}",))
    assert (table.upcoming, table.branches, table.last, table.esr) == (
        "2.1",
        {"2.1": "main"},
        3,
        (),
    )
    assert 'upcoming = "2.1": the minor after 2.0.6, on main' in survey.inferred
    assert 'upcoming = "2.1" is a guess: set the line main becomes' in survey.checks


def test_a_pre_release_on_the_development_branch_names_upcoming_and_old_lines_are_esr() -> None:
    # Redis-like: release-X.Y branches, `unstable` the default, 6.0 still released after 7.2.0.
    made = ["6.0.0", "6.2.0", "7.0.0", "7.2.0", "6.0.20", "7.2.1", "7.4-rc1"]
    survey = infer(
        facts(
            {
                "unstable": ["6.0.0", "6.2.0", "7.0.0", "7.2.0", "7.4-rc1"],
                "release-6.0": ["6.0.0", "6.0.20"],
                "release-6.2": ["6.2.0"],
                "release-7.0": ["7.0.0"],
                "release-7.2": ["7.2.0", "7.2.1"],
            },
            [(n, "") for n in made],
            default="unstable",
        ),
        "clone",
    )
    table = survey.table
    assert (table.branch, table.tag, table.read_tags) == ("release-{line}", "{version}", ())
    assert (table.upcoming, table.branches) == ("7.4", {"7.4": "unstable"})
    assert (table.last, table.esr) == (3, ("6.0",))
    assert 'upcoming = "7.4": unstable carries the pre-release 7.4-rc1' in survey.inferred


def test_an_alpha_of_the_next_line_on_master_makes_the_candidate_branch_a_prerelease() -> None:
    # Kubernetes: release-1.32 in its candidates, master at v1.33.0-alpha.0. init took 1.32
    # as upcoming, and master (1.33) got no fix but for a check.
    made = [
        "v1.31.0-rc.0", "v1.31.0", "v1.31.1-rc.0", "v1.32.0-alpha.0", "v1.32.0-beta.0",
        "v1.32.0-rc.0", "v1.33.0-alpha.0", "v1.32.0-rc.1",
    ]  # fmt: skip
    branches = {
        "master": ["v1.32.0-alpha.0", "v1.32.0-beta.0", "v1.33.0-alpha.0"],
        "release-1.31": ["v1.31.0-rc.0", "v1.31.0", "v1.31.1-rc.0"],
        "release-1.32": ["v1.32.0-alpha.0", "v1.32.0-beta.0", "v1.32.0-rc.0", "v1.32.0-rc.1"],
    }
    survey = infer(facts(branches, [(n, "") for n in made], default="master"), "clone")
    table = survey.table
    assert (table.upcoming, table.prerelease, table.branches) == (
        "1.33",
        ("1.32",),
        {"1.33": "master"},
    )
    assert survey.line_branches["1.32"] == "release-1.32"
    assert 'upcoming = "1.33": master carries the pre-release v1.33.0-alpha.0' in survey.inferred
    assert not [each for each in survey.checks if each.startswith("upcoming")]
    # Without a tag of the next line on master (CPython's main): a check, as before.
    branches["master"].remove("v1.33.0-alpha.0")
    survey = infer(facts(branches, [(n, "") for n in made], default="master"), "clone")
    assert (survey.table.upcoming, survey.table.prerelease) == ("1.32", ())
    assert [each for each in survey.checks if each.startswith("upcoming: release-1.32 carries")]


def test_a_line_without_a_branch_ends_last() -> None:
    survey = infer(
        facts(
            {"main": ["v1.0.0", "v1.1.0", "v1.2.0"], "release-1.0": ["v1.0.0"]},
            [("v1.0.0", ""), ("v1.1.0", ""), ("v1.2.0", "")],
        ),
        "clone",
    )
    # 1.2 has no branch of its own (its release is on main, which upcoming takes).
    assert (survey.table.upcoming, survey.table.last) == ("1.3", 0)
    assert "last = 0: line 1.2 has no branch: create one to support it" in survey.checks
    assert survey.table.branch == "release-{line}"
    # Its releases may still go out from main: the way to say so is named.
    assert (
        "upcoming: v1.2.0 is on main and no branch names line 1.2: if 1.2 is still released "
        'from there, set upcoming = "1.2", upcoming_released = true, branches = '
        '{ "1.2" = "main" } and last = 0'
    ) in survey.checks


def test_a_line_released_from_master_is_told_with_every_key_it_needs() -> None:
    # nginx: stable-1.26 and stable-1.28, the mainline 1.29 released from master. Setting
    # only upcoming and upcoming_released (as init once said) left master unnamed (plan:
    # "the remote has no branch stable-1.29") and last = 0, which drops 1.28.
    made = ["release-1.26.0", "release-1.26.3", "release-1.27.4"]
    made += ["release-1.28.0", "release-1.28.1", "release-1.29.2"]
    survey = infer(
        facts(
            {
                "master": ["release-1.27.4", "release-1.29.2"],
                "stable-1.26": ["release-1.26.0", "release-1.26.3"],
                "stable-1.28": ["release-1.27.4", "release-1.28.0", "release-1.28.1"],
            },
            [(n, "") for n in made],
            default="master",
        ),
        "clone",
    )
    assert (survey.table.upcoming, survey.table.branches) == ("1.30", {"1.30": "master"})
    assert (
        "upcoming: release-1.29.2 is on master and no branch names line 1.29: if 1.29 is still "
        'released from there, set upcoming = "1.29", upcoming_released = true, branches = '
        '{ "1.29" = "master" } and last = 1 (1.28)'
    ) in survey.checks
    # 1.28 and 1.26 have branches: what stops last is 1.29 (it said "no released line
    # with a branch").
    assert "last = 0: 1.29, the newest line, has no branch" in survey.inferred


def test_no_line_branch_at_all_keeps_the_default_pattern_and_says_so() -> None:
    survey = infer(facts({"master": ["1.0.0"]}, [("1.0.0", "")], default=None), "clone")
    assert (survey.table.branch, survey.table.branches) == ("release-{line}", {"1.1": "master"})
    assert any(
        c.startswith('branch = "release-{line}": no branch names a line') for c in survey.checks
    )


def test_a_stable_branch_holding_the_newest_release_is_its_line_branch() -> None:
    # Pallets (werkzeug, flask): the released line on `stable`, the next one on main, the
    # older lines archived as tags.
    survey = infer(
        facts(
            {
                "main": ["3.0.0", "3.0.6", "3.1.0", "3.1.8"],
                "stable": ["3.0.0", "3.0.6", "3.1.0", "3.1.8"],
                "feature": ["3.0.0"],
            },
            [("3.0.0", ""), ("3.0.6", ""), ("3.1.0", ""), ("3.1.8", "")],
        ),
        "clone",
    )
    table = survey.table
    assert (table.upcoming, table.last, table.esr) == ("3.2", 1, ())
    assert table.branches == {"3.1": "stable", "3.2": "main"}
    assert survey.line_branches == {"3.1": "stable", "3.2": "main"}
    assert 'branches: "3.1" = "stable" (the pattern names no branch of 3.1)' in survey.inferred
    assert "last = 1: line 3.0 has no branch: create one to support it" in survey.checks
    assert any(c.endswith("other released lines get no fixes") for c in survey.checks)
    # A stable branch behind the newest release is not its line's branch.
    behind = infer(
        facts(
            {"main": ["3.0.0", "3.1.0"], "stable": ["3.0.0"]},
            [("3.0.0", ""), ("3.1.0", "")],
        ),
        "clone",
    )
    assert (behind.table.last, behind.table.branches) == (0, {"3.2": "main"})


def test_the_same_version_under_two_spellings_takes_the_newer_tag() -> None:
    survey = infer(
        facts({"main": [], "1.0.x": ["v1.0.1", "1.0.1"]}, [("v1.0.1", ""), ("1.0.1", "")]),
        "clone",
    )
    assert (survey.table.tag, survey.table.read_tags) == ("{version}", ("v{version}",))


def test_another_products_tags_and_branches_are_left_out() -> None:
    # curl's clone holds wolfSSL's tiny-curl: tiny-curl-8_4_0 is "tiny-curl: patch set
    # applied on 8.4.0", on branch tiny-curl-8_4 (and curl-tiny-7.72 holds
    # tiny-curl-7_72_0). init took them for an earlier spelling of curl's tags and its
    # release branches: branch = "tiny-curl-{line:_}", read_tags "tiny-curl-{version:_}".
    curl = ["curl-7_72_0", "curl-7_79_0", "curl-8_2_0", "curl-8_3_0", "curl-8_4_0"]
    tags = [(name, "") for name in (*curl, "tiny-curl-7_72_0", "tiny-curl-8_4_0", "curl-8_5_0")]
    survey = infer(
        facts(
            {
                "master": [*curl, "curl-8_5_0"],
                "tiny-curl-8_4": ["curl-8_4_0", "tiny-curl-8_4_0"],
                "tiny-curl-8_2": ["curl-8_2_0"],
                "curl-tiny-7.72": ["curl-7_72_0", "tiny-curl-7_72_0"],
            },
            tags,
            default="master",
        ),
        "clone",
    )
    table = survey.table
    assert (table.tag, table.read_tags, table.branch) == ("curl-{version:_}", (), "release-{line}")
    assert table.branches == {"8.6": "master"}
    for said in (
        'read_tags: "tiny-curl-{version:_}" left out: tiny-curl-7_72_0 names 7.72.0 like '
        "curl-7_72_0, another commit (another product's tags?)",
        "branch: 3 branches left out, another product's: curl-tiny-7.72, tiny-curl-8_2, "
        "tiny-curl-8_4",
    ):
        assert said in survey.checks, survey.checks


def test_a_librarys_import_tags_and_snapshot_tags_are_no_releases() -> None:
    # httpd's clone (apache/httpd) holds tags of libraries imported into it, PCRE_3_9 and
    # MOD_SSL_2_8_3 (2001-2002), and a snapshot's, APACHE_2_0_2001_02_09. init took PCRE's
    # 3.9 for httpd's newest release: upcoming = "3.10", last = 0, and the snapshot's
    # four numbers made version_scheme = "pep440".
    httpd = ["2.2.33", "2.2.34", "2.4.0", "2.4.61", "2.4.62"]
    old = ["APACHE_2_0_2001_02_09", "APACHE_2_0_47", "MOD_SSL_2_8_3", "PCRE_3_9"]
    tags = [(name, "") for name in (*old, *httpd)]
    branches = {
        "trunk": [*old, "2.4.0"],
        "2.2.x": ["2.2.33", "2.2.34"],
        "2.4.x": ["2.4.0", "2.4.61", "2.4.62"],
    }
    survey = infer(facts(branches, tags, default="trunk"), "clone")
    table = survey.table
    assert (table.tag, table.read_tags) == ("{version}", ("APACHE_{version:_}",))
    assert (table.upcoming, table.last, table.version_scheme) == ("2.5", 2, "")
    for said in (
        '"MOD_SSL_{version:_}" left out: MOD_SSL_2_8_3 names 2.8.3, after 2.4.62',
        '"PCRE_{version:_}" left out: PCRE_3_9 names 3.9, after 2.4.62, in no line of it',
    ):
        assert any(said in check for check in survey.checks), survey.checks


def test_a_new_spelling_of_the_newest_release_is_the_projects_own() -> None:
    # A project that tags 2.0.0 to 2.0.4 and then v2.1.0 (urllib3's lone v2.0.5, on a new
    # line): v2.1.0 is its newest release, made after the others, not an imported library's
    # (httpd's PCRE_3_9, made long before its newest release). It was left out: upcoming
    # "2.1", a line already released, where 2.2 is.
    tags = ["2.0.0", "2.0.1", "2.0.2", "2.0.3", "2.0.4", "v2.1.0"]
    survey = infer(facts({"main": tags}, [(t, "") for t in tags]), "clone")
    assert (survey.table.tag, survey.table.read_tags) == ("{version}", ("v{version}",))
    assert survey.table.upcoming == "2.2"
    assert not any("left out" in check for check in survey.checks), survey.checks


def test_a_library_developed_in_the_tree_leaves_the_branches_that_carry_it() -> None:
    # Samba (samba-team/samba) tags the libraries it develops in its tree on master and on
    # its branches: ldb-2.0.10 names 2.0.10 like Samba's own samba-2.0.10 (1999), so its
    # tags are another product's; but v4-21-stable carries ldb's tags as master does, and
    # stays Samba's branch (each of its 55 line branches was left out).
    samba = ["samba-2.0.10", "samba-4.20.0", "samba-4.21.0", "samba-4.21.1"]
    ldb = ["ldb-2.0.10", "ldb-2.9.1"]
    tags = [(name, "") for name in (*samba[:1], ldb[0], *samba[1:], ldb[1])]
    branches = {
        "master": [*samba[:3], *ldb],
        "v4-20-stable": ["samba-2.0.10", "ldb-2.0.10", "samba-4.20.0"],
        "v4-21-stable": [*samba, *ldb],
    }
    survey = infer(facts(branches, tags, default="master"), "clone")
    table = survey.table
    assert (table.branch, table.read_tags, table.last) == ("v{line:-}-stable", (), 2)
    assert not any(check.startswith("branch:") for check in survey.checks)


def test_four_numbers_in_a_librarys_tags_make_no_scheme() -> None:
    # Jenkins (jenkinsci/jenkins) imported prototype.js, tagged prototype-1.5.1.1: its four
    # numbers made version_scheme = "pep440" for jenkins-2.578's records.
    tags = [("prototype-1.5.1.1", ""), ("jenkins-2.577", ""), ("jenkins-2.578", "")]
    survey = infer(facts({"master": [t for t, _ in tags]}, tags, default="master"), "clone")
    assert survey.table.version_scheme == ""


@pytest.mark.parametrize(
    ("name", "release"),
    [
        ("APACHE_2_0_2001_02_09", False),  # a snapshot of 9 February 2001
        ("2024.8.30", True),  # certifi's CalVer: the year is the major
        ("v1.2.2019", True),  # no month and day after it
        ("1.2.2019.13.1", True),  # no month 13
    ],
)
def test_a_date_after_the_major_is_a_snapshot(name: str, release: bool) -> None:
    assert (tagged(TagFact(name, name, 0)) is not None) is release


def test_given_upcoming_wins_over_the_guess() -> None:
    survey = infer(
        facts({"unstable": [], "7.2": ["7.2.0"]}, [("7.2.0", "")], default="unstable"),
        "clone",
        upcoming="8.0",
    )
    assert (survey.table.upcoming, survey.table.branches) == ("8.0", {"8.0": "unstable"})
    assert not any("guess: set the line" in c for c in survey.checks)


def test_a_clone_without_release_tags_is_bad_input() -> None:
    with pytest.raises(BadInput, match=r"^--repository x: no release tags \(like v1.2.3"):
        infer(facts({"main": ["nightly"]}, [("nightly", ""), ("7.4-rc1", "")]), "--repository x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"""Version."""\n__version__ = "2.0.6"\n', '__version__ = "{version}"'),
        ("2.0.6\n", "{version}"),
        (
            '#define REDIS_VERSION "2.0.6"\n#define REDIS_VERSION_NUM 0x00020006\n',
            '#define REDIS_VERSION "{version}"',
        ),
        ('  "version": "2.0.6",\n  "x": "12.0.61"\n', '"version": "{version}",'),
        ("v2.0.6\n", None),  # not alone
        ("a = 2.0.6\nb = 2.0.6\n", None),  # two lines hold it
        ("2.0.6 and 2.0.6\n", None),  # twice on the line
        ('{"version": "2.0.6"}\n', None),  # braces of its own
        ("2.0.65\n2.0.6.1\n", None),
    ],
)
def test_the_version_line_of_a_file(text: str, expected: str | None) -> None:
    assert version_format(text, "2.0.6") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Ruby's version.h: the teeny alone (major and minor are the API version's).
        (
            "#define RUBY_VERSION_TEENY 6\n#define RUBY_PATCHLEVEL 6\n",
            "#define RUBY_VERSION_TEENY {micro}",
        ),
        ("#  define PY_MICRO_VERSION        6\n", "#  define PY_MICRO_VERSION        {micro}"),
        ("#define X_VERSION_PATCH 6\n", "#define X_VERSION_PATCH {micro}"),
        ("#define RUBY_API_VERSION_TEENY 0\n", None),  # another number
        ("#define RUBY_API_VERSION_TEENY 6\n", None),  # the API's, 0 in every release
        ("#define RUBY_PATCHLEVEL 6\n", None),  # a count of commits, not the version's
        ("#define A_TEENY 6\n#define B_MICRO 6\n", None),  # which one?
        ("#define RUBY_VERSION_TEENY 6 /* was 5 */\n", None),  # more on the line
        ('#define V "2.0.6"\n#define V_MICRO 6\n', '#define V "{version}"'),  # the whole wins
    ],
)
def test_a_define_of_the_last_number_alone(text: str, expected: str | None) -> None:
    assert version_format(text, "2.0.6") == expected


def test_of_two_patterns_as_good_the_one_of_the_newer_lines_wins() -> None:
    # urllib3 today: 1.24-series and 1.25-series, then 1.26.x and 2.0.x.
    tags = [("1.24.0", ""), ("1.25.0", ""), ("1.26.0", ""), ("2.0.0", "")]
    survey = infer(
        facts(
            {
                "main": [],
                "1.24-series": ["1.24.0"],
                "1.25-series": ["1.25.0"],
                "1.26.x": ["1.26.0"],
                "2.0.x": ["2.0.0"],
            },
            tags,
        ),
        "clone",
    )
    assert survey.table.branch == "{line}.x"
    assert survey.table.branches == {"2.1": "main", "1.25": "1.25-series"}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("7.2", r"^--upcoming 7\.2: already released \(7\.2\.0\); give the next line$"),
        ("next", r"^--upcoming next: not a version \(like 10\.4\)$"),
    ],
)
def test_a_given_upcoming_must_be_a_line_to_come(given: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        infer(facts({"7.2": ["7.2.0"]}, [("7.2.0", "")]), "clone", upcoming=given)


# undici (nodejs/undici) in spring 2025: a branch per major version, tags v{version}, the
# next major on main. Real names, in the order they were made.
UNDICI_TAGS = [
    ("v6.19.8", "v6.x"),
    ("v6.20.0", "v6.x"),
    ("v6.21.0", "v6.x"),
    ("v7.0.0", "v7.x"),
    ("v7.1.0", "v7.x"),
    ("v7.2.0", "v7.x"),
    ("v7.2.3", "v7.x"),
    ("v6.21.1", "v6.x"),
    ("v7.3.0", "v7.x"),
    ("v6.21.2", "v6.x"),
]


def test_branches_of_major_versions_make_lines_of_major_versions() -> None:
    on = {
        branch: [tag for tag, line in UNDICI_TAGS if line == branch] for branch in ("v6.x", "v7.x")
    }
    main = [tag for tag, _ in UNDICI_TAGS if tag.startswith("v7")]
    survey = infer(facts({"main": main, **on}, UNDICI_TAGS), "clone")
    table = survey.table
    assert (table.line_parts, table.branch, table.tag, table.read_tags) == (
        1,
        "v{line}.x",
        "v{version}",
        (),
    )
    assert (table.upcoming, table.branches, table.last, table.esr) == ("8", {"8": "main"}, 3, ())
    assert survey.line_branches == {"7": "v7.x", "6": "v6.x", "8": "main"}
    assert {line: str(v) for line, v in survey.latest.items()} == {"7": "7.3.0", "6": "6.21.2"}
    assert 'branch = "v{line}.x": 2 branches like v6.x, v7.x' in survey.inferred
    assert "line_parts = 1: a line is a major version (7 holds 7.3.0)" in survey.inferred
    assert 'upcoming = "8": the major after v7.3.0, on main' in survey.inferred
    assert "last = 3: 7, 6" in survey.inferred
    assert survey.checks == [
        'upcoming = "8" is a guess: set the line main becomes',
        "esr is a guess from release dates: list the older lines you still support",
    ]
    given = infer(facts({"main": main, **on}, UNDICI_TAGS), "clone", upcoming="8.0")
    assert given.table.upcoming == "8"
    with pytest.raises(BadInput, match=r"^--upcoming 7\.4: already released \(v7\.3\.0\)"):
        infer(facts({"main": main, **on}, UNDICI_TAGS), "clone", upcoming="7.4")


def test_of_two_patterns_of_the_same_lines_the_plainer_names_the_release_branch() -> None:
    # Node's branches: v7.x is released, v7.x-staging holds backports waiting for it.
    on = {
        branch: [tag for tag, line in UNDICI_TAGS if branch.startswith(line)]
        for branch in ("v6.x", "v7.x", "v6.x-staging", "v7.x-staging")
    }
    survey = infer(facts({"main": [], **on}, UNDICI_TAGS), "clone")
    assert (survey.table.branch, survey.table.branches) == ("v{line}.x", {"8": "main"})


def test_a_stray_branch_of_a_major_version_does_not_outweigh_minor_lines() -> None:
    tags = [("1.26.0", ""), ("2.0.0", ""), ("2.0.1", "")]
    survey = infer(
        facts({"main": [], "1.26.x": ["1.26.0"], "2.0.x": ["2.0.0", "2.0.1"], "2.x": []}, tags),
        "clone",
    )
    assert (survey.table.line_parts, survey.table.branch, survey.table.last) == (2, "{line}.x", 3)
    assert not any(line.startswith("line_parts") for line in survey.inferred)


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        (
            ".. currentmodule:: werkzeug\n\nVersion 3.1.8\n-------------\n",
            ".. currentmodule:: werkzeug",
        ),
        ("\n# Changelog\n\n## 2.0.6 (2023-10-02)\n", "# Changelog"),
        ("<!-- new releases below -->\n## 1.0.1\n", "<!-- new releases below -->"),
        # An entry between a title and its underline, or after an overline, breaks the title.
        ("Changes\n=======\n\n2.0.6\n-----\n", None),
        ("=========\nChangelog\n=========\n", None),
        ("\n\n", None),
        ("x" * 201 + "\n", None),
    ],
)
def test_a_changelog_marker_is_guessed_only_where_an_entry_can_go(
    text: str, guess: str | None
) -> None:
    assert marker_guess(text) == guess


def test_mozillas_esr_branches_and_tags() -> None:
    # release carries 133, esr128 and esr115 the ESRs, tagged with "esr" glued on.
    tags = [
        ("FIREFOX_132_0_RELEASE", ""), ("FIREFOX_128_4_0esr_RELEASE", ""),
        ("FIREFOX_115_17_0esr_RELEASE", ""), ("FIREFOX_133_0_RELEASE", ""),
        ("FIREFOX_128_5_0esr_RELEASE", ""), ("FIREFOX_115_18_0esr_RELEASE", ""),
        ("FIREFOX_133_0_3_RELEASE", ""),
    ]  # fmt: skip
    esr = {
        "esr128": [n for n, _ in tags if "_128_" in n],
        "esr115": [n for n, _ in tags if "_115_" in n],
    }
    release = [n for n, _ in tags if "esr" not in n]
    survey = infer(facts({"main": [], "release": release, **esr}, tags), "x")
    table = survey.table
    assert (table.line_parts, table.branch, table.tag, table.esr_tag, table.read_tags) == (
        1, "esr{line}", "FIREFOX_{version:_}_RELEASE", "FIREFOX_{version:_}esr_RELEASE", ()
    )  # fmt: skip
    assert table.esr == ("128", "115")
    assert (
        'esr_tag = "FIREFOX_{version:_}esr_RELEASE": 4 tags, the newest FIREFOX_128_5_0esr_RELEASE'
    ) in survey.inferred
    assert (
        'esr = ["128", "115"]: tagged FIREFOX_{version:_}esr_RELEASE, on esr128 and esr115'
        in survey.inferred
    )


def test_mozillas_esr_and_release_of_one_version_are_both_its_own() -> None:
    # Firefox 128.0 and ESR 128.0esr came out together, built from different commits (the
    # ESR's version_display.txt says 128.0esr): FIREFOX_128_0esr_RELEASE names 128.0 like
    # FIREFOX_128_0_RELEASE at another commit. With fewer ESR tags than release tags (as
    # in Firefox's history), the ESR spelling was taken for another product's: left out
    # with esr128 and esr115, line_parts = 2, upcoming = "133.1".
    tags = [
        ("FIREFOX_115_0_RELEASE", ""), ("FIREFOX_115_0esr_RELEASE", ""),
        ("FIREFOX_128_0_RELEASE", ""), ("FIREFOX_128_0esr_RELEASE", ""),
        ("FIREFOX_130_0_RELEASE", ""), ("FIREFOX_131_0_RELEASE", ""),
        ("FIREFOX_132_0_RELEASE", ""), ("FIREFOX_128_4_0esr_RELEASE", ""),
        ("FIREFOX_115_17_0esr_RELEASE", ""), ("FIREFOX_133_0_RELEASE", ""),
        ("FIREFOX_128_5_0esr_RELEASE", ""), ("FIREFOX_115_18_0esr_RELEASE", ""),
        ("FIREFOX_133_0_3_RELEASE", ""),
    ]  # fmt: skip
    esr = {
        f"esr{major}": [n for n, _ in tags if f"_{major}_" in n and "esr" in n]
        for major in (128, 115)
    }
    release = [n for n, _ in tags if "esr" not in n]
    main = ["FIREFOX_115_0_RELEASE", "FIREFOX_128_0_RELEASE"]
    survey = infer(facts({"main": main, "release": release, **esr}, tags), "x")
    table = survey.table
    assert (table.line_parts, table.branch, table.esr_tag, table.esr, table.upcoming) == (
        1, "esr{line}", "FIREFOX_{version:_}esr_RELEASE", ("128", "115"), "134"
    )  # fmt: skip
    assert not any("left out" in check for check in survey.checks), survey.checks


@pytest.mark.parametrize(
    ("branch", "said"),
    [
        (
            "release",
            "branches: no name says the line of release, which carries v2.1.0: if it carries "
            '2.1, set branches = { "2.1" = "release" } and last = 2 (2.1, 2.0), and move it as '
            "the branch moves on",
        ),
        ("feature-x", None),  # made after v2.1.0, it carries it too: no line of its own
    ],
)
def test_a_release_branch_that_names_no_line(branch: str, said: str | None) -> None:
    tags = [("v2.0.0", ""), ("v2.1.0", "")]
    survey = infer(facts({"main": [], "release-2.0": ["v2.0.0"], branch: ["v2.1.0"]}, tags), "x")
    unnamed = [check for check in survey.checks if check.startswith("branches: no name")]
    assert unnamed == ([said] if said else [])
    assert any("line 2.1 has no branch: create one" in c for c in survey.checks) == (not said)


@pytest.mark.parametrize("on_a_branch", [None, "v10.3.1", "v9.11.0"])
def test_releases_on_no_branch_are_read_so_only_when_every_lines_are(
    on_a_branch: str | None,
) -> None:
    # PHP tags every release on a local branch it never pushes: init sets tags_off_branch.
    # One line's newest release on its branch (or none's) leaves it to a check per line.
    tags = [("v9.11.0", ""), ("v10.3.0", ""), ("v10.3.1", "")]
    on_branch = ["v10.3.0", *([on_a_branch] if on_a_branch else [])]
    branches = {"main": [], "release-9.11": on_branch, "release-10.3": on_branch}
    survey = infer(facts(branches, tags), "clone", upcoming="10.4")
    assert survey.table.tags_off_branch is (on_a_branch is None)
    said = [s for s in survey.checks if "nor any branch" in s]
    if on_a_branch is None:
        assert said == []
        assert "tags_off_branch = true: v10.3.1, each line's newest, is on no branch" in (
            survey.inferred
        )
    else:
        assert len(said) == 1
        assert said[0].endswith("if releases are tagged so, set tags_off_branch = true")


def test_a_version_glued_to_the_tags_word_and_the_time_after_it() -> None:
    # Go's VERSION says go1.27.2 as its tag does, then when it was made: init proposed no
    # version file ("no version file holds 1.27.2").
    real = (REPO_ROOT / "tests" / "fixtures" / "golang" / "VERSION-go1.27.2").read_text()
    assert version_format(real, "1.27.2") is None
    assert version_format(real, "1.27.2", glued_word("go{version}")) == (
        "go{version}\ntime {date:%Y-%m-%dT%H:%M:%SZ}"
    )
    assert version_format('VERSION = "v1.2.3"\n', "1.2.3", "v") == 'VERSION = "v{version}"'
    assert version_format("VERSION = 1.2.3\nX = 1\n", "1.2.3", "v") == "VERSION = {version}"
    tags = ("go{version}", "v{version}", "{version}", "REL_{version:_}")
    assert [glued_word(t) for t in tags] == ["go", "v", "", ""]


def test_the_marker_guess_of_a_changelog_after_its_generated_table_of_contents() -> None:
    # Kubernetes' CHANGELOG-1.31.md begins with a generated table of contents: the first
    # line was the guess, and an entry there would go inside the table.
    real = (REPO_ROOT / "tests" / "fixtures" / "kubernetes" / "CHANGELOG-1.31.md").read_text()
    assert marker_guess(real) == "<!-- END MUNGE: GENERATED_TOC -->"
    assert marker_guess("<!-- BEGIN X -->\n# 1.0\n") == "<!-- BEGIN X -->"  # no end: as before


@pytest.mark.parametrize(
    ("order", "last"),
    [
        # Go's: go1.21.13 the week before go1.23.0, then go1.23.1 with go1.22.7: 1.21 ended.
        (["go1.21.0", "go1.22.0", "go1.21.13", "go1.22.6", "go1.23.0", "go1.23.1", "go1.22.7"], 2),
        # Right after go1.23.0 no older line got a release since: too soon to tell.
        (["go1.21.0", "go1.22.0", "go1.21.13", "go1.22.6", "go1.23.0"], 3),
        # 1.21 got one after go1.23.0 too: all three go on.
        (["go1.21.0", "go1.22.0", "go1.23.0", "go1.21.14", "go1.22.7"], 3),
    ],
)
def test_the_oldest_lines_without_a_release_since_the_newest_lines_first_end_last(
    order: list[str], last: int
) -> None:
    lines = ("1.21", "1.22", "1.23")
    branches = {
        f"release-branch.go{line}": [tag for tag in order if tag.startswith(f"go{line}.")]
        for line in lines
    }
    survey = infer(facts({**branches, "master": []}, [(tag, "") for tag in order]), "clone")
    assert survey.table.last == last
    said = (
        "last = 2 is a guess from release dates: 1.21 got no release after go1.23.0, 1.22 "
        "did: if 1.21 is still supported, set last = 3"
    )
    assert (said in survey.checks) == (last == 2)
    assert survey.table.esr == ()


def test_releases_of_four_numbers_make_the_project_s_version_scheme_pep440() -> None:
    """Rails tags 7.1.5.1 between 7.1.5 and 7.1.6: records that name three-number versions
    alone would say semver, which has no place for it ([releases] version_scheme)."""
    tags = [("v7.1.5", ""), ("v7.1.5.1", ""), ("v7.1.6", ""), ("v7.2.2", ""), ("v7.2.2.1", "")]
    branches = {
        "main": [],
        "7-1-stable": ["v7.1.5", "v7.1.5.1", "v7.1.6"],
        "7-2-stable": ["v7.2.2", "v7.2.2.1"],
    }
    survey = infer(facts(branches, tags), "clone")
    assert survey.table.version_scheme == "pep440"
    assert 'version_scheme = "pep440": releases of four numbers, like v7.2.2.1' in survey.inferred
    plain = infer(facts(branches, [t for t in tags if t[0].count(".") == 2]), "clone")
    assert plain.table.version_scheme == ""
    assert not [said for said in plain.inferred if "version_scheme" in said]


@pytest.mark.parametrize(
    ("tags", "shown"),
    [
        # CPython's alphas of 3.14 on main, Kubernetes' candidate, Go's, PostgreSQL's beta.
        (["v3.13.0", "v3.13.1", "v3.14.0a1"], "v3.14.0a1"),
        (["v1.30.0", "v1.31.0-rc.1", "v1.30.1"], "v1.31.0-rc.1"),
        (["go1.22.0", "go1.23rc1", "go1.22.1"], "go1.23rc1"),
        (["REL_16_0", "REL_16_1", "REL_17_BETA2"], "REL_17_BETA2"),
    ],
)
def test_pre_release_tags_of_a_line_make_the_project_publish_pre_releases(
    tags: list[str], shown: str
) -> None:
    """A project that tags pre-releases of a line's first release publishes them: its lines
    fixed in X.Y.0 had them affected ([releases] pre_releases); one without has none."""
    survey = infer(facts({"main": tags}, [(tag, "") for tag in tags]), "clone")
    assert survey.table.pre_releases is True
    said = f"pre_releases = true: a line's first release has pre-releases, like {shown}"
    assert said in survey.inferred
    finals = [tag for tag in tags if tag != shown]
    plain = infer(facts({"main": finals}, [(tag, "") for tag in finals]), "clone")
    assert plain.table.pre_releases is False
    assert not [said for said in plain.inferred if "pre_releases" in said]

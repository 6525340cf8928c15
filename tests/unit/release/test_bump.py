"""The release commit's edits: a version moved in a bump file, a changelog entry inserted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from releasekit.release.bump import bump_text, insert_entry, overflow, written
from tests.helpers.paths import REPO_ROOT

VERSION_PY = b"# This file is protected via CODEOWNERS\nfrom __future__ import annotations\n\n"
VERSION_PY += b'__version__ = "2.0.5"\n'


def test_the_one_version_in_its_format_is_replaced() -> None:
    data, count, line = bump_text(VERSION_PY, '__version__ = "{version}"', "2.0.5", "2.0.6")
    assert (count, line) == (1, 4)
    assert data == VERSION_PY.replace(b'"2.0.5"', b'"2.0.6"')


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (b'__version__ = "2.0.4"\n', 0),  # not the current version
        (b'__version__ = "2.0.5"\n__version__ = "2.0.5"\n', 2),  # twice: which one?
        (b"__version__ = '2.0.5'\n", 0),  # another format
    ],
)
def test_not_exactly_once_changes_nothing(text: bytes, count: int) -> None:
    assert bump_text(text, '__version__ = "{version}"', "2.0.5", "2.0.6") == (None, count, 0)


def test_a_version_is_whole() -> None:
    # Formats with nothing around the version: 2.0.5 is not in 2.0.51, 12.0.5 or 2.0.5.1.
    text = b"VERSION 2.0.51\nOTHER 12.0.5\nTHIRD 2.0.5.1\nVERSION 2.0.5\n"
    data, count, line = bump_text(text, "VERSION {version}", "2.0.5", "2.0.6")
    assert (count, line) == (1, 4) and data is not None and data.endswith(b"VERSION 2.0.6\n")
    data, count, _ = bump_text(b"7.2.5\n", "{version}", "7.2.5", "7.2.6")
    assert (data, count) == (b"7.2.6\n", 1)
    assert bump_text(b"7.2.55\n", "{version}", "7.2.5", "7.2.6")[1] == 0


PATCHLEVEL_H = b"""#define PY_MAJOR_VERSION        3
#define PY_MINOR_VERSION        12
#define PY_MICRO_VERSION        12
#define PY_VERSION              "3.12.12"
"""


@pytest.mark.parametrize(
    ("form", "line", "written"),
    [
        ("#define PY_MAJOR_VERSION        {major}", 1, b"#define PY_MAJOR_VERSION        3\n"),
        ("#define PY_MINOR_VERSION        {minor}", 2, b"#define PY_MINOR_VERSION        12\n"),
        ("#define PY_MICRO_VERSION        {micro}", 3, b"#define PY_MICRO_VERSION        13\n"),
    ],
)
def test_a_number_of_the_version_is_replaced_on_its_own(
    form: str, line: int, written: bytes
) -> None:
    # CPython writes each number in a define of its own: 3.12.12 to 3.12.13 moves the micro.
    data, count, number = bump_text(PATCHLEVEL_H, form, "3.12.12", "3.12.13")
    assert (count, number) == (1, line) and data is not None
    assert data.splitlines(keepends=True)[line - 1] == written
    assert data.count(b"\n") == PATCHLEVEL_H.count(b"\n")


def test_a_number_the_version_lacks_is_0() -> None:
    assert bump_text(b"MICRO 0\n", "MICRO {micro}", "16.2", "16.3") == (b"MICRO 0\n", 1, 1)
    assert bump_text(b"MINOR 2\n", "MINOR {minor}", "16.2", "16.3") == (b"MINOR 3\n", 1, 1)


@pytest.mark.parametrize(
    ("form", "text", "written"),
    [
        ('#define PY_VERSION "{version}"', b'#define PY_VERSION "3.12.12+"\n', b'"3.12.13"\n'),
        ("VERSION {version}", b"VERSION 3.12.12+\n", b"VERSION 3.12.13\n"),
        ("{version}", b"3.12.12+\n", b"3.12.13\n"),
    ],
)
def test_the_post_release_marker_is_the_current_version(
    form: str, text: bytes, written: bytes
) -> None:
    # CPython says "3.12.12+" between releases ("Post 3.12.12"); its release commit writes
    # "3.12.13". The plan stopped: the file had no "3.12.12" written so.
    data, count, line = bump_text(text, form, "3.12.12", "3.12.13")
    assert (count, line) == (1, 1) and data is not None and data.endswith(written)


@pytest.mark.parametrize(
    ("form", "text", "count"),
    [
        ("VERSION {version}", b"VERSION 3.12.12+local\n", 0),  # another version
        ("VERSION {version}", b"VERSION 3.12.12++\n", 0),
        ("VERSION {version}", b"VERSION 3.12.12+\nVERSION 3.12.12\n", 2),  # which one?
        ("MICRO {micro}", b"MICRO 12+\n", 0),  # a marker is the version's alone
    ],
)
def test_a_plus_that_is_no_post_release_marker(form: str, text: bytes, count: int) -> None:
    assert bump_text(text, form, "3.12.12", "3.12.13") == (None, count, 0)


def test_a_format_with_literal_braces() -> None:
    text = b'{"version": "1.2.3"}\n'
    data, count, _ = bump_text(text, '{{"version": "{version}"}}', "1.2.3", "1.2.4")
    assert (data, count) == (b'{"version": "1.2.4"}\n', 1)


DJANGO = 'VERSION = ({major}, {minor}, {micro}, "final", 0)'


def test_a_format_with_several_numbers_moves_them_together() -> None:
    # Django's django/__init__.py (the real file, tests/fixtures/django/) writes its
    # version as a tuple: one format says all of it, on every stable branch.
    real = (REPO_ROOT / "tests" / "fixtures" / "django" / "__init__.py-4.2.2a0").read_bytes()
    text = real.replace(b'(4, 2, 2, "alpha", 0)', b'(5, 1, 4, "final", 0)')
    data, count, line = bump_text(text, DJANGO, "5.1.4", "5.1.5")
    assert (count, line) == (1, 3)
    assert data == text.replace(b'(5, 1, 4, "final", 0)', b'(5, 1, 5, "final", 0)')
    data, _, _ = bump_text(data or b"", DJANGO, "5.1.5", "5.2.0")
    assert data == text.replace(b'(5, 1, 4, "final", 0)', b'(5, 2, 0, "final", 0)')
    # Another line's version, or this one not final, is not the current one.
    assert bump_text(text, DJANGO, "4.2.17", "4.2.18") == (None, 0, 0)
    assert bump_text(real, DJANGO, "4.2.2", "4.2.3") == (None, 0, 0)


OPENSSL = "PATCH={micro}\nPRE_RELEASE_TAG=\n"
OPENSSL_DEV = "PATCH={micro}\nPRE_RELEASE_TAG=dev\n"


@pytest.mark.parametrize("end", [b"\n", b"\r\n"])
def test_a_format_of_several_lines_takes_the_files_line_ends(end: bytes) -> None:
    # OpenSSL's VERSION.dat (the real file, tests/fixtures/openssl/) between releases says
    # PATCH=11 with PRE_RELEASE_TAG=dev: the release of 3.0.11 clears the tag.
    real = (REPO_ROOT / "tests" / "fixtures" / "openssl" / "VERSION.dat-3.0.11-dev").read_bytes()
    text = real.replace(b"\n", end)
    data, count, line = bump_text(text, OPENSSL_DEV, "3.0.11", "3.0.11", into=OPENSSL)
    assert (count, line) == (1, 3)
    assert data == text.replace(b"PRE_RELEASE_TAG=dev" + end, b"PRE_RELEASE_TAG=" + end)
    data, _, _ = bump_text(data or b"", OPENSSL, "3.0.11", "3.0.12")
    assert data == text.replace(
        b"PATCH=11" + end + b"PRE_RELEASE_TAG=dev", b"PATCH=12" + end + b"PRE_RELEASE_TAG="
    )


OPENSSL_DATED = (
    'PATCH={micro}\nPRE_RELEASE_TAG=\nBUILD_METADATA=\nRELEASE_DATE="{date:%-d %b %Y}"\n'
)
OPENSSL_DATED_DEV = 'PATCH={micro}\nPRE_RELEASE_TAG=dev\nBUILD_METADATA=\nRELEASE_DATE=""\n'


def test_the_release_date_is_written_and_any_earlier_one_found() -> None:
    # OpenSSL's release sets RELEASE_DATE="3 Sep 2024" (C locale, day not padded); the
    # next one finds that date, whatever it is, and writes its own.
    real = (REPO_ROOT / "tests" / "fixtures" / "openssl" / "VERSION.dat-3.0.11-dev").read_bytes()
    day = datetime(2024, 9, 3, 14, tzinfo=UTC)
    data, count, _ = bump_text(
        real, OPENSSL_DATED_DEV, "3.0.11", "3.0.11", into=OPENSSL_DATED, released=day
    )
    assert count == 1
    released = real.replace(b"=dev\n", b"=\n").replace(b'DATE=""', b'DATE="3 Sep 2024"')
    assert data == released
    data, count, _ = bump_text(
        released, OPENSSL_DATED, "3.0.11", "3.0.12", released=datetime(2025, 2, 11, tzinfo=UTC)
    )
    assert data == released.replace(b"PATCH=11", b"PATCH=12").replace(b"3 Sep 2024", b"11 Feb 2025")
    assert written(OPENSSL_DATED, "3.0.11").endswith('RELEASE_DATE="<date>"\n')
    assert bump_text(released, OPENSSL_DATED, "3.0.10", "3.0.11", released=day) == (None, 0, 0)


GO_VERSION = "go{version}\ntime {date:%Y-%m-%dT%H:%M:%SZ}"


def test_a_time_of_day_in_the_format_is_the_release_instant() -> None:
    # Go's VERSION says when the release was made, to the second: the release commit of
    # an embargo at 14:00 UTC wrote "time 2026-12-01T00:00:00Z", midnight.
    real = (REPO_ROOT / "tests" / "fixtures" / "golang" / "VERSION-go1.27.2").read_bytes()
    when = datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC)
    data, count, line = bump_text(real, GO_VERSION, "1.27.2", "1.27.3", released=when)
    assert (data, count, line) == (b"go1.27.3\ntime 2026-12-01T14:00:07Z\n", 1, 1)
    assert written("{date}", "1.27.3", when) == "2026-12-01"  # no format: the day
    assert written("{date:%H:%M}", "1.0", when.astimezone(timezone(timedelta(hours=-8)))) == (
        "14:00"  # in UTC, whatever the zone it came in
    )


def test_the_entry_goes_after_the_marker_line() -> None:
    text = b"# Changes\n\n<!-- new releases below -->\n\n## 2.0.5\n\n- older\n"
    entry = "\n## 2.0.6 (2023-10-02)\n\n- Cookie header\n"
    data, first = insert_entry(text, "<!-- new releases below -->", entry) or (b"", 0)
    assert data == (
        b"# Changes\n\n<!-- new releases below -->\n\n## 2.0.6 (2023-10-02)\n\n- Cookie header\n"
        b"\n## 2.0.5\n\n- older\n"
    )
    assert first == 4  # the entry's first line (its blank line) in the new file


def test_the_entry_keeps_the_file_line_ends_and_a_last_marker_line() -> None:
    crlf = b"Changes\r\n  .. releases  \r\nold\r\n"
    data, _ = insert_entry(crlf, ".. releases", "new\n") or (b"", 0)
    assert data == b"Changes\r\n  .. releases  \r\nnew\r\nold\r\n"
    data, _ = insert_entry(b"Changes\n.. releases", ".. releases", "new") or (b"", 0)
    assert data == b"Changes\n.. releases\nnew\n"


def test_no_marker_line() -> None:
    assert insert_entry(b"Changes\nnot .. releases here\n", ".. releases", "new\n") is None


def test_the_context_holds_only_what_is_public_at_release() -> None:
    from datetime import UTC, datetime

    from releasekit.model.advisory import parse_advisory
    from releasekit.model.config import parse_config
    from releasekit.release.bump import release_context, release_texts
    from releasekit.release.plan import PlanLine
    from tests.conftest import MINIMAL_CONFIG, advisory_text

    settings = parse_config(MINIMAL_CONFIG, Path("/ws"), Path("releasekit.toml"))
    text = advisory_text(cve='"CVE-2026-40001"', reporter='"Jane Doe"', cwe='"CWE-862"')
    advisory = parse_advisory(
        text.replace("Details.", "MARKER-7"), Path("ACSA-2026-0001.md"), "ACSA"
    )
    line = PlanLine("10.3", ("last",), "10.3.2", "10.3.3", "release-10.3", "v10.3.3", None, "")
    released = datetime(2026, 12, 1, 14, tzinfo=UTC)
    fixed = {advisory.id: {"10.3": "10.3.3", "10.4": "10.4.0"}}
    context = release_context(settings, line, [advisory], fixed, released)
    (shown,) = context["advisories"]
    given = {key for key, value in shown.items() if value is not None}
    assert given == {"id", "title", "summary", "severity", "score", "vector", "fixed"}
    assert (shown["cve"], shown["reporter"], shown["cwe"]) == (None, None, None)
    assert shown["fixed"] == {"10.3": "10.3.3", "10.4": "10.4.0"}
    assert (context["version"], context["previous"], context["tag"]) == (
        "10.3.3",
        "10.3.2",
        "v10.3.3",
    )
    assert str(context["date"]) == "2026-12-01"
    message, entry = release_texts(settings, context)
    assert (message, entry) == ("Release 10.3.3\n", None)  # no [releases.changelog]
    assert "MARKER-7" not in repr(context) and "CVE-2026" not in repr(context)
    assert "Jane Doe" not in repr(context) and "CWE-862" not in repr(context)


@pytest.mark.parametrize(
    ("path", "markup"),
    [
        ("CHANGES.rst", "rst"),
        ("docs/changes.RST", "rst"),
        ("CHANGELOG.md", "markdown"),
        ("CHANGES.markdown", "markdown"),
        ("NEWS", "markdown"),
        ("rst/CHANGES.txt", "markdown"),
    ],
)
def test_the_changelog_markup_is_its_suffix(path: str, markup: str) -> None:
    from releasekit.release.bump import changelog_markup

    assert changelog_markup(path) == markup


def entry_for(changelog: str, *titles: str) -> str:
    """The changelog entry of 10.3.3 for advisories of ``titles``, with [releases.changelog]
    at ``changelog``."""
    from datetime import UTC, datetime

    from releasekit.model.advisory import parse_advisory
    from releasekit.model.config import parse_config
    from releasekit.release.bump import release_context, release_texts
    from releasekit.release.plan import PlanLine
    from tests.conftest import MINIMAL_CONFIG, advisory_text

    config = MINIMAL_CONFIG + f'\n[releases.changelog]\npath = "{changelog}"\nmarker = "--"\n'
    settings = parse_config(config, Path("/ws"), Path("releasekit.toml"))
    advisories = [
        parse_advisory(
            advisory_text(f"ACSA-2026-000{n}", title=repr(title), cve='"CVE-2026-40001"'),
            Path(f"ACSA-2026-000{n}.md"),
            "ACSA",
        )
        for n, title in enumerate(titles, 1)
    ]
    line = PlanLine("10.3", ("last",), "10.3.2", "10.3.3", "release-10.3", "v10.3.3", None, "")
    released = datetime(2026, 12, 1, 14, tzinfo=UTC)
    fixed = {a.id: {"10.3": "10.3.3"} for a in advisories}
    context = release_context(settings, line, advisories, fixed, released)
    _, entry = release_texts(settings, context)
    assert entry is not None
    return entry


def test_a_markdown_changelog_gets_a_markdown_entry() -> None:
    expected = "\n## 10.3.3 (2026-12-01)\n\n- Export ignores permissions\n- A \\*b\\*\n"
    assert entry_for("CHANGELOG.md", "Export ignores permissions", "A *b*") == expected
    assert entry_for("NEWS", "Export ignores permissions", "A *b*") == expected


def test_a_restructuredtext_changelog_gets_a_restructuredtext_entry() -> None:
    entry = entry_for("CHANGES.rst", "Export ignores permissions", "1. Preview `x <javascript:y>`_")
    assert entry == (
        "\n10.3.3 (2026-12-01)\n-------------------\n\n"
        "- Export ignores permissions\n"
        "- \\ 1. Preview \\`x <javascript\\:y>\\`\\_\n\n"
    )
    title, rule = entry.splitlines()[1:3]
    assert set(rule) == {"-"} and len(rule) == len(title)  # an underline as long as the title
    assert "CVE-2026" not in entry  # public fields only, as in a Markdown entry


PHP_ID = "#define PHP_VERSION_ID {major}{minor:02}{micro:02}"


def test_a_number_zero_padded_to_its_width() -> None:
    # PHP's main/php_version.h (the real file, tests/fixtures/php/) says 8.2.2 as
    # PHP_VERSION_ID 80202: minor and micro zero-padded to two digits, nothing between.
    real = (REPO_ROOT / "tests" / "fixtures" / "php" / "php_version.h-8.2.2-dev").read_bytes()
    data, count, line = bump_text(real, PHP_ID, "8.2.2", "8.2.3")
    assert (count, line) == (1, 8)
    assert data == real.replace(b"80202", b"80203")
    data, _, _ = bump_text(real.replace(b"80202", b"80314"), PHP_ID, "8.3.14", "8.3.15")
    assert data == real.replace(b"80202", b"80315")
    assert written(PHP_ID, "8.10.0") == "#define PHP_VERSION_ID 81000"
    # Another version is not this one: 8.2.2 is not 8.22.0 (82200) nor 82.0.2 (820002).
    assert bump_text(real, PHP_ID, "8.22.0", "8.22.1") == (None, 0, 0)
    assert bump_text(real, PHP_ID, "82.0.2", "82.0.3") == (None, 0, 0)
    assert bump_text(real.replace(b"80202", b"802021"), PHP_ID, "8.2.2", "8.2.3")[1] == 0


REDIS_NUM = "#define REDIS_VERSION_NUM 0x{major:04x}{minor:02x}{micro:02x}"


def test_a_number_in_hex() -> None:
    # Redis's src/version.h (the real file, tests/fixtures/redis/) says 7.4.1 a byte each
    # in hex, REDIS_VERSION_NUM 0x00070401: 7.4.9's next is 0x0007040a.
    real = (REPO_ROOT / "tests" / "fixtures" / "redis" / "version.h-7.4.1").read_bytes()
    data, count, line = bump_text(real, REDIS_NUM, "7.4.1", "7.4.2")
    assert (count, line) == (1, 2)
    assert data == real.replace(b"0x00070401", b"0x00070402")
    nine = real.replace(b"0x00070401", b"0x00070409")
    assert bump_text(nine, REDIS_NUM, "7.4.9", "7.4.10")[0] == real.replace(b"0401", b"040a")
    upper = REDIS_NUM.replace("x}", "X}")
    assert written(upper, "7.4.10") == "#define REDIS_VERSION_NUM 0x0007040A"
    # Another version is not this one: 7.4.1 is not 7.4.16 (0x00070410) nor 0.7.1025.
    assert bump_text(real, REDIS_NUM, "7.4.16", "7.4.17") == (None, 0, 0)
    assert bump_text(real.replace(b"0401", b"04010"), REDIS_NUM, "7.4.1", "7.4.2")[1] == 0


def test_a_number_wider_than_its_width_does_not_fit() -> None:
    assert overflow(REDIS_NUM, "7.4.255") is None
    assert "256, takes 3 digits where {micro:02x} has 2" in (overflow(REDIS_NUM, "7.4.256") or "")
    assert "100, takes 3 digits where {micro:02} has 2" in (overflow(PHP_ID, "8.3.100") or "")
    assert overflow(PHP_ID, "10.3.14") is None  # (the major is not padded: it may grow)
    assert overflow('__version__ = "{version}"', "8.3.100") is None


NODE_FLAG = "#define NODE_VERSION_IS_RELEASE 1"
NODE_DEVELOPMENT = "#define NODE_VERSION_IS_RELEASE 0"


def test_a_flag_is_written_in_place_of_its_development_state() -> None:
    # Node's src/node_version.h (the real file, tests/fixtures/node/) between releases:
    # the flag 0 becomes 1; a file that says 1 already keeps it; 10 is no 1, nor 0 a 01.
    real = (REPO_ROOT / "tests" / "fixtures" / "node" / "node_version.h-14.17.5").read_bytes()
    working = real.replace(b"IS_RELEASE 1\n", b"IS_RELEASE 0\n")
    data, count, line = bump_text(working, NODE_DEVELOPMENT, "14.17.6", "14.17.6", into=NODE_FLAG)
    assert (data, count, line) == (real, 1, 32)
    assert bump_text(real, NODE_FLAG, "14.17.5", "14.17.6") == (real, 1, 32)
    assert bump_text(real.replace(b"RELEASE 1\n", b"RELEASE 10\n"), NODE_FLAG, "1.0", "1.1")[1] == 0
    assert (
        bump_text(working.replace(b"RELEASE 0\n", b"RELEASE 01\n"), NODE_DEVELOPMENT, "1.0", "1.0")[
            1
        ]
        == 0
    )

from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.model.config import load_config, parse_config, reference
from releasekit.support.errors import ConfigError
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.paths import REPO_ROOT


def parse(text: str) -> object:
    return parse_config(text, Path("/ws"), Path("releasekit.toml"))


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse(text)
    assert info.value.exit_code == 2
    return [str(p) for p in info.value.problems]


def test_minimal_config_gets_defaults() -> None:
    settings = parse(MINIMAL_CONFIG)
    assert settings.project.remote == "origin"
    assert settings.project.disclosure_days == 30
    assert settings.releases.branch == "release-{line}"
    assert settings.releases.esr == ("9.11",)
    assert settings.policy.groups("low") == ("upcoming", "esr")
    assert settings.policy.groups("critical") == ("upcoming", "esr", "last")
    assert settings.mail is None
    assert settings.branch_name("10.3") == "release-10.3"
    assert settings.tag_name("10.3.2") == "v10.3.2"
    assert settings.repository_path == Path("/ws/product")


def test_product_example_parses(tmp_path: Path) -> None:
    example = REPO_ROOT / "releasekit.toml"
    settings = load_config(example.parent)
    assert settings.mail is not None
    assert settings.mail.sender.startswith("Acme Security")
    assert settings.mail.to == ("security-announce@lists.acme.example",)


def test_unknown_key_suggests_the_right_one() -> None:
    text = MINIMAL_CONFIG.replace('time_zone = "America', 'timezone = "America')
    (message,) = problems(text)
    assert message.startswith("releasekit.toml:7: project.timezone: unknown key")
    assert "did you mean 'time_zone'?" in message


def test_a_misspelt_required_key_or_table_is_one_problem() -> None:
    # Not also "required key is missing" for the key it is a typo of: one mistake, one line.
    text = MINIMAL_CONFIG.replace('name = "Acme Server"', 'nme = "Acme Server"')
    (message,) = problems(text)
    assert message.startswith("releasekit.toml:2: project.nme: unknown key; did you mean 'name'?")
    (message,) = problems(MINIMAL_CONFIG.replace("[releases]", "[releaes]"))
    assert "releaes: unknown table; did you mean [releases]?" in message


def test_unknown_table_suggests() -> None:
    (message,) = problems(MINIMAL_CONFIG + "\n[releaes]\nlast = 2\n")
    assert "releaes: unknown table; did you mean [releases]?" in message
    assert message.startswith("releasekit.toml:13:")


def test_wrong_type_names_table_key_and_line() -> None:
    text = MINIMAL_CONFIG + 'last = "three"\n'
    (message,) = problems(text)
    assert message == "releasekit.toml:12: releases.last: must be an integer"


def test_missing_required_key_and_table() -> None:
    text = MINIMAL_CONFIG.replace('vendor = "Acme"\n', "")
    assert problems(text) == ["releasekit.toml:1: project.vendor: required key is missing"]
    only_project = MINIMAL_CONFIG.split("[releases]")[0]
    assert problems(only_project) == [
        "releasekit.toml: releases: required table [releases] is missing"
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = MINIMAL_CONFIG.replace('"10.4"', '"ten"').replace('"America/Los_Angeles"', '"Mars/Base"')
    found = problems(text)
    assert len(found) == 2
    assert any("releases.upcoming: 'ten' is not a version" in m for m in found)
    assert any("project.time_zone: 'Mars/Base' is not an IANA time zone" in m for m in found)


@pytest.mark.parametrize(
    "name",
    ["right/America/New_York", "right/UTC", "posix/Europe/Berlin", "posixrules", "localtime"],
)
def test_a_file_of_the_zone_database_that_is_no_iana_zone_is_refused(name: str) -> None:
    # right/ zones count leap seconds and zoneinfo misreads them: with right/America/New_York
    # the texts showed 2026-12-01 14:00 UTC as "10:00 EDT" (it is 09:00 EST); localtime is
    # whatever the machine that runs the command is set to.
    text = MINIMAL_CONFIG.replace('"America/Los_Angeles"', f'"{name}"')
    assert problems(text) == [
        f"releasekit.toml:7: project.time_zone: {name!r} is not an IANA time zone "
        "(like Europe/Berlin)"
    ]


@pytest.mark.parametrize(
    ("replaced", "by", "expected"),
    [
        ('upcoming = "10.4"', 'upcoming = "10.4 "', "releases.upcoming: '10.4 ' has white space"),
        ('esr = ["9.11"]', 'esr = ["\t9.11"]', "releases.esr: '\\t9.11' has white space"),
    ],
)
def test_a_line_with_white_space_around_it_is_refused(
    replaced: str, by: str, expected: str
) -> None:
    # packaging reads "10.4 " as 10.4, and plan then stopped at "the remote has no branch
    # release-10.4 ", its space out of sight.
    assert replaced in MINIMAL_CONFIG
    found = problems(MINIMAL_CONFIG.replace(replaced, by))
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        ('branch = "release"', "releases.branch: must contain {line}"),
        ('tag = "v{line}"', "releases.tag: must contain {version}"),
        ('branch = "{line:.}-stable"', "releases.branch: only {line} may appear in braces (or"),
        ('tag = "REL_{version:_}{version:-}"', "releases.tag: must contain {version} exactly"),
        ('read_tags = ["v{version:__}"]', "'v{version:__}': only {version} may appear in"),
        ("last = -1", "releases.last: must not be negative"),
        ('esr = ["10.4"]', "releases.esr: the upcoming line cannot be an ESR"),
    ],
)
def test_release_rules(addition: str, expected: str) -> None:
    text = MINIMAL_CONFIG.replace('esr = ["9.11"]\n', "") + addition + "\n"
    (message,) = problems(text)
    assert expected in message


def test_a_name_pattern_may_write_the_dots_of_its_version_as_a_separator() -> None:
    # Rails' branch 7-1-stable and PostgreSQL's tag REL_16_2 (and OpenSSL's OpenSSL_1_1_1).
    settings = parse(MINIMAL_CONFIG + 'branch = "{line:-}-stable"\ntag = "REL_{version:_}"\n')
    assert settings.branch_name("7.1") == "7-1-stable"  # type: ignore[attr-defined]
    assert settings.tag_name("16.2") == "REL_16_2"  # type: ignore[attr-defined]


def test_policy_groups_are_checked() -> None:
    (message,) = problems(MINIMAL_CONFIG + '\n[policy]\nlow = ["upcoming", "lts"]\n')
    assert "policy.low: 'lts' is not a line group" in message


def test_disclosure_at_release_names_fields_public_from_the_release() -> None:
    assert parse(MINIMAL_CONFIG).disclosure.at_release == ()  # type: ignore[attr-defined]
    both = parse(MINIMAL_CONFIG + '\n[disclosure]\nat_release = ["cve", "credits"]\n')
    assert both.disclosure.at_release == ("cve", "credits")  # type: ignore[attr-defined]
    for value, expected in (
        ('["cve", "details"]', "'details' is not a field public at release (one of cve, "),
        ('"cve"', "must be a list of strings"),
        ('["severity_reason"]', "'severity_reason' is not a field public at release"),
    ):
        (message,) = problems(MINIMAL_CONFIG + f"\n[disclosure]\nat_release = {value}\n")
        assert message.startswith("releasekit.toml:14: disclosure.at_release: "), message
        assert expected in message


def test_mail_url_and_from_key() -> None:
    mail = '\n[mail]\nfrom = "Sec <s@x>"\nto = ["a@x"]\nsmtp = "http://x"\nsigning_key = "AB"\n'
    (message,) = problems(MINIMAL_CONFIG + mail)
    assert message.startswith("releasekit.toml:16: mail.smtp:")
    ok = parse(MINIMAL_CONFIG + mail.replace("http://x", "smtp+starttls://mail.x:587"))
    assert ok.mail is not None and ok.mail.smtp == "smtp+starttls://mail.x:587"
    # A port in fullwidth digits passed the check; the SMTP adapter refused it at the lift.
    (message,) = problems(MINIMAL_CONFIG + mail.replace("http://x", "smtp://mail.x:５８７"))
    assert message.startswith("releasekit.toml:16: mail.smtp: is not smtp://HOST[:PORT]")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Sec <s@x>", "Security team", "mail.from: 'Security team' is not one e-mail address"),
        ('["a@x"]', '["a@x", "a@x, b@x"]', "mail.to: 'a@x, b@x' is not one e-mail address"),
        ('["a@x"]', '["list at x"]', "mail.to: 'list at x' is not one e-mail address"),
        ('["d@x"]', '["Distro <d@x>"]', "notify.to: 'Distro <d@x>' is not an e-mail address alone"),
        ('["d@x"]', '["ABCD1234ABCD1234ABCD1234ABCD1234ABCD1234"]', "is not an e-mail address"),
        ('to = ["d@x"]', 'to = ["d@x"]\nkeys = { "e@x" = "' + "AB" * 20 + '" }', "'e@x' is not in"),
        ('to = ["d@x"]', 'to = ["d@x"]\nkeys = { "d@x" = "ABCD" }', "'ABCD' is not a full finger"),
    ],
)
def test_mail_addresses_are_checked_with_the_settings(old: str, new: str, expected: str) -> None:
    # Refused by the SMTP adapter or the key lookup before (exit 1), at the lift or notify.
    mail = '\n[mail]\nfrom = "Sec <s@x>"\nto = ["a@x"]\nsmtp = "smtp://x"\nsigning_key = "AB"\n'
    text = MINIMAL_CONFIG + mail + '\n[notify]\nto = ["d@x"]\n'
    assert parse(text) and old in text
    (message,) = problems(text.replace(old, new, 1))
    assert message.startswith("releasekit.toml:") and expected in message, message


def test_notify_keys_name_a_recipients_key() -> None:
    mail = '\n[mail]\nfrom = "Sec <s@x>"\nto = ["a@x"]\nsmtp = "smtp://x"\nsigning_key = "AB"\n'
    chosen = "ab" * 32  # (a v5 key's fingerprint: 64 hex digits)
    text = MINIMAL_CONFIG + mail + f'\n[notify]\nto = ["d@x"]\nkeys = {{ "d@x" = "{chosen}" }}\n'
    settings = parse(text)
    assert settings.notify.keys == {"d@x": chosen}  # type: ignore[attr-defined]


def test_malformed_toml_names_the_line() -> None:
    (message,) = problems(MINIMAL_CONFIG + "broken = [\n")
    assert message.startswith("releasekit.toml:12: invalid TOML")


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="run `releasekit init`"):
        load_config(tmp_path)


def test_reference_documents_every_key() -> None:
    rows = reference()
    keys = {(table, key) for table, key, _, _ in rows}
    assert ("project", "time_zone") in keys
    assert ("mail", "from") in keys
    assert all(doc for *_, doc in rows)


REAL_RELEASES = """\
branch = "{line}.x"
branches = { "2.1" = "main" }
tag = "{version}"
read_tags = ["v{version}", "release-{version}"]

[[releases.bump]]
path = "src/urllib3/_version.py"
format = '__version__ = "{version}"'

[[releases.bump]]
path = "include/version.h"
format = '#define VERSION "{version}"'

[releases.changelog]
path = "CHANGES.rst"
marker = ".. releases"
"""


def real(releases: str = REAL_RELEASES) -> str:
    return MINIMAL_CONFIG.replace('upcoming = "10.4"\nesr = ["9.11"]\n', 'upcoming = "2.1"\n') + (
        releases
    )


def test_branches_spellings_bump_files_and_changelog() -> None:
    settings = parse(real())
    assert settings.branch_name("2.1") == "main"
    assert settings.branch_name("2.01") == "main"
    assert settings.branch_name("2.0") == "2.0.x"
    assert settings.tag_patterns == ("{version}", "v{version}", "release-{version}")
    assert settings.tag_name("2.0.6") == "2.0.6"  # only the first spelling is written
    bumps = [(b.path, b.format) for b in settings.releases.bump]
    assert bumps == [
        ("src/urllib3/_version.py", '__version__ = "{version}"'),
        ("include/version.h", '#define VERSION "{version}"'),
    ]
    changelog = settings.releases.changelog
    assert changelog is not None and (changelog.path, changelog.marker) == (
        "CHANGES.rst",
        ".. releases",
    )
    assert changelog.path_of("2.0") == "CHANGES.rst"
    plain = parse(MINIMAL_CONFIG)
    assert plain.releases.bump == () and plain.releases.changelog is None
    assert plain.releases.branches == {} and plain.releases.read_tags == ()


MAJOR_LINES = """\
line_parts = 1
branch = "v{line}.x"
branches = { "8" = "main" }
"""


def test_lines_of_major_versions() -> None:
    text = MINIMAL_CONFIG.replace('upcoming = "10.4"\nesr = ["9.11"]\n', 'upcoming = "8"\n')
    settings = parse(text + MAJOR_LINES)
    assert settings.releases.line_parts == 1
    assert settings.line_name("7.2.3") == "7" and settings.line_name("8.0") == "8"
    assert settings.branch_name("7") == "v7.x"
    assert settings.branch_name("8") == settings.branch_name("8.0") == "main"
    assert parse(MINIMAL_CONFIG).releases.line_parts == 2  # (MAJOR.MINOR by default)
    (message,) = problems(text + MAJOR_LINES.replace('"8" = "main"', '"7.1" = "a", "7.2" = "b"'))
    assert message == (
        "releasekit.toml:13: releases.branches: the line 7 is named twice (line_parts = 1)"
    )
    (message,) = problems(text + MAJOR_LINES.replace("line_parts = 1", "line_parts = 3"))
    assert message.startswith("releasekit.toml:11: releases.line_parts: must be 1 (a line is")


def test_inline_tables_are_the_same() -> None:
    inline = (
        'bump = [{ path = "VERSION", format = "{version}" }]\n'
        'changelog = { path = "NEWS", marker = "--" }\n'
    )
    settings = parse(real(inline))
    assert settings.releases.bump[0].path == "VERSION"
    assert settings.releases.changelog is not None
    (message,) = problems(real('bump = [{ path = "VERSION" }]\n'))
    assert message == "releasekit.toml:11: releases.bump.format: required key is missing"


def test_a_changelog_per_line_is_named_with_its_line() -> None:
    # Kubernetes keeps CHANGELOG/CHANGELOG-1.31.md on release-1.31: the path was taken
    # as it is written, "{line}" and all, and no line's release commit found the file.
    text = real().replace('path = "CHANGES.rst"', 'path = "CHANGELOG/CHANGELOG-{line}.md"')
    changelog = parse(text).releases.changelog
    assert changelog is not None and changelog.path_of("1.31") == "CHANGELOG/CHANGELOG-1.31.md"
    dashed = parse(text.replace("{line}", "{line:_}")).releases.changelog
    assert dashed is not None and dashed.path_of("3.3") == "CHANGELOG/CHANGELOG-3_3.md"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"2.1" = "main"', '"next" = "main"', "12: releases.branches: 'next' is not a version"),
        ('"2.1" = "main"', '"2.1" = "a b"', "12: releases.branches: 'a b' is not a branch name"),
        ('"2.1" = "main"', '"2.1" = "x..y"', "releases.branches: 'x..y' is not a branch name"),
        (
            '"2.1" = "main"',
            '"2.1" = "main", "2.0" = "main"',
            "releases.branches: lines 2.1 and 2.0 cannot share the branch 'main'",
        ),
        ('"2.1" = "main"', '"2.1" = "m", "2.01" = "n"', "the line 2.1 is named twice"),
        ("branches = {", "branches = { x = 1 }\n#", "releases.branches: must be a table of str"),
        ('"v{version}", ', '"v{vers}", ', "releases.read_tags: 'v{vers}': must contain {version}"),
        ('"v{version}", ', '"{version}{version}", ', "must contain {version} exactly once"),
        ("src/urllib3/_version.py", "/abs/v.py", "17: releases.bump.path: '/abs/v.py' is not a"),
        ("src/urllib3/_version.py", "src/../v.py", "17: releases.bump.path: 'src/../v.py' is"),
        ('__version__ = "{version}"', "__version__", "18: releases.bump.format: must contain"),
        ('"{version}"\'', '"{patch}"\'', "18: releases.bump.format: only {version}, {major},"),
        ('"{version}"\'', '"{micro}{version}"\'', "18: releases.bump.format: must have text"),
        ('"{version}"\'', '"{micro}.{micro}"\'', "18: releases.bump.format: must contain each"),
        ('"{version}"\'', '"{micro:>9}"\'', "18: releases.bump.format: only {version}, {major},"),
        ('"{version}"\'', '"{micro:%Y}"\'', "18: releases.bump.format: only {version}, {major},"),
        ('"{version}"\'', '"{date}"\'', "18: releases.bump.format: must contain {version}"),
        (
            '"{version}"\'',
            '"{version} {date:%Y}{date}"\'',
            "18: releases.bump.format: must contain",
        ),
        (
            "format = '#define VERSION \"{version}\"'",
            'format = "#define\\rVERSION {version}"',
            "22: releases.bump.format: contains a line break (U+000D); remove it",
        ),
        ("format = '#define", "formt = '#define", "22: releases.bump.formt: unknown key"),
        ('marker = ".. releases"', 'marker = ""', "26: releases.changelog.marker: must not be"),
        ('path = "CHANGES.rst"', "path = 1", "25: releases.changelog.path: must be a string"),
        (
            'path = "CHANGES.rst"',
            'path = "CHANGES-{version}.rst"',
            "25: releases.changelog.path: must contain {line}",
        ),
        (
            'path = "CHANGES.rst"',
            'path = "{line}/CHANGES-{line}.rst"',
            "25: releases.changelog.path: must contain {line} exactly once",
        ),
        ('path = "CHANGES.rst"', 'path = "../{line}.rst"', "25: releases.changelog.path: '../"),
    ],
)
def test_bad_release_keys_name_the_key_and_line(old: str, new: str, expected: str) -> None:
    text = real()
    assert old in text
    found = problems(text.replace(old, new, 1))
    assert len(found) == 1, found
    assert expected in found[0]


OPENSSL_BUMP = """
[[releases.bump]]
path = "VERSION.dat"
format = '''
PATCH={micro}
PRE_RELEASE_TAG=
'''
development = "PATCH={micro}\\nPRE_RELEASE_TAG=dev"
"""


def test_a_bump_format_may_span_lines() -> None:
    # OpenSSL's VERSION.dat: PATCH and PRE_RELEASE_TAG move together, "dev" between releases.
    (found,) = parse(real(REAL_RELEASES + OPENSSL_BUMP)).releases.bump[2:]
    assert (found.format, found.development) == (
        "PATCH={micro}\nPRE_RELEASE_TAG=\n",
        "PATCH={micro}\nPRE_RELEASE_TAG=dev",
    )
    dated = OPENSSL_BUMP.replace(
        "PRE_RELEASE_TAG=\n", 'PRE_RELEASE_TAG=\nDATE="{date:%-d %b %Y}"\n'
    )
    (found,) = parse(real(REAL_RELEASES + dated)).releases.bump[2:]
    assert found.format.endswith('DATE="{date:%-d %b %Y}"\n')
    (message,) = problems(real(REAL_RELEASES + OPENSSL_BUMP.replace("PATCH=", "{x}\nPATCH=", 1)))
    assert (
        "30: releases.bump.format: only {version}, {major}, {minor}, {micro} or {date}" in message
    )


PHP_BUMP = """
[[releases.bump]]
path = "main/php_version.h"
format = "#define PHP_VERSION_ID {major}{minor:02}{micro:02}"
"""


def test_a_bump_number_may_be_zero_padded() -> None:
    # PHP's PHP_VERSION_ID 80314 is 8.3.14: minor and micro zero-padded to two digits, so
    # that they need no text between them (80314 reads only as 8.3.14).
    (found,) = parse(real(REAL_RELEASES + PHP_BUMP)).releases.bump[2:]
    assert found.format == "#define PHP_VERSION_ID {major}{minor:02}{micro:02}"
    # Redis's REDIS_VERSION_NUM 0x00070401: a byte each in hex, in either case.
    for hexed in ("0x{major:04x}{minor:02x}{micro:02x}", "0x{major:02X}{minor:02X}{micro:02X}"):
        text = real(REAL_RELEASES + PHP_BUMP.replace("{major}{minor:02}{micro:02}", hexed))
        assert parse(text).releases.bump[2].format.endswith(hexed)
    for bad, why in (
        ("{major}{minor}{micro:02}", "must have text between"),
        ("{major}{minor:2}{micro:02}", "only {version}, {major}"),
        ("{major}{minor:02d}{micro:02}", "only {version}, {major}"),
        ("{major}{minor:00}{micro:02}", "only {version}, {major}"),
        ("{version:02}", "only {version}, {major}"),
        ("{major:>2}.{minor}", "only {version}, {major}"),
        ("{major}{minor:x}{micro:02x}", "only {version}, {major}"),  # hex needs a width
        ("{major}{minor:02o}{micro:02}", "only {version}, {major}"),
    ):
        (message,) = problems(
            real(REAL_RELEASES + PHP_BUMP.replace("{major}{minor:02}{micro:02}", bad))
        )
        assert f"releases.bump.format: {why}" in message, (bad, message)


NODE_FLAG = """
[[releases.bump]]
path = "src/node_version.h"
format = "#define NODE_VERSION_IS_RELEASE 1"
development = "#define NODE_VERSION_IS_RELEASE 0"
"""


def test_a_bump_format_may_be_a_flag_with_its_development_state() -> None:
    # Node's src/node_version.h says a release with a flag of no number, apart from the
    # version's: "Working on v20.18.2" sets it to 0, each release commit to 1.
    (found,) = parse(real(REAL_RELEASES + NODE_FLAG)).releases.bump[2:]
    assert (found.format, found.development) == (
        "#define NODE_VERSION_IS_RELEASE 1",
        "#define NODE_VERSION_IS_RELEASE 0",
    )
    for old, new, expected in (
        (
            'development = "#define NODE_VERSION_IS_RELEASE 0"\n',
            "",
            "releasekit.toml:30: releases.bump.format: must contain {version} (or {major}, "
            "{minor} or {micro}), or be a flag with development",
        ),
        (
            "IS_RELEASE 0",
            "IS_RELEASE 1",
            "releasekit.toml:31: releases.bump.development: must differ from format",
        ),
        (
            "IS_RELEASE 0",
            "PATCH {micro}",
            "releasekit.toml:31: releases.bump.development: must contain a placeholder when "
            "format does, and none when it does not",
        ),
        (
            "IS_RELEASE 1",
            "PATCH {micro}",
            "releasekit.toml:31: releases.bump.development: must contain a placeholder when",
        ),
    ):
        (message,) = problems(real(REAL_RELEASES + NODE_FLAG.replace(old, new, 1)))
        assert message.startswith(expected), message


def test_a_table_where_an_array_of_tables_belongs() -> None:
    (message,) = problems(real('bump = "VERSION"\n'))
    assert message == (
        "releasekit.toml:11: releases.bump: must be an array of tables ([[releases.bump]])"
    )
    (message,) = problems(real('changelog = "NEWS"\n'))
    assert message == "releasekit.toml:11: releases.changelog: must be a table"


def test_reference_documents_the_nested_keys() -> None:
    keys = [(table, key) for table, key, _, _ in reference()]
    at = keys.index(("releases", "bump"))
    assert keys[at + 1 : at + 3] == [("releases.bump", "path"), ("releases.bump", "format")]
    assert ("releases", "branches") in keys and ("releases", "read_tags") in keys
    assert ("releases.changelog", "marker") in keys


def test_cve_timeout_is_30_seconds_and_at_most_an_hour() -> None:
    assert parse(MINIMAL_CONFIG + "\n[cve]\n").cve.timeout == 30  # type: ignore[attr-defined]
    hour = parse(MINIMAL_CONFIG + "\n[cve]\ntimeout = 3600\n")
    assert hour.cve.timeout == 3600  # type: ignore[attr-defined]
    for value in ("0", "3601"):
        (message,) = problems(MINIMAL_CONFIG + f"\n[cve]\ntimeout = {value}\n")
        assert "cve.timeout:" in message


@pytest.mark.parametrize(
    ("addition", "needed"),
    [
        ("release_off_branch = true\n", "[[releases.bump]]"),
        (
            'release_off_branch = true\n[[releases.bump]]\npath = "v"\nformat = "{version}"\n',
            "tags_off_branch = true",
        ),
    ],
)
def test_a_release_off_the_branch_needs_tags_read_so_and_version_files(
    addition: str, needed: str
) -> None:
    # Without tags_off_branch the next plan would not read the tag it made; without bump
    # files there is no release commit to keep off the branch.
    (message,) = problems(MINIMAL_CONFIG + addition)
    assert message.startswith("releasekit.toml:")
    assert message.endswith(f"releases.release_off_branch: needs {needed}")
    text = MINIMAL_CONFIG + "tags_off_branch = true\n" + addition
    if needed.startswith("tags"):
        assert parse(text).releases.release_off_branch  # type: ignore[attr-defined]

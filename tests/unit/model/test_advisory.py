from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.model.advisory import (
    MAX_FRONT,
    MAX_NAMED,
    RECORD_ROOM,
    parse_advisory,
    read_advisory,
)
from releasekit.model.cvss import score_vector
from releasekit.model.frontmatter import FENCE, split_front_matter, update_front_matter
from releasekit.model.lifecycle import Stage
from releasekit.model.severity import severity_for
from releasekit.model.versions import versions
from releasekit.support.errors import AdvisoryError
from tests.conftest import advisory_text

PATH = Path("advisories/ACSA-2026-0001.md")


def parse(text: str, path: Path = PATH):  # type: ignore[no-untyped-def]
    return parse_advisory(text, path, "ACSA")


def problems(text: str, path: Path = PATH) -> list[str]:
    with pytest.raises(AdvisoryError) as info:
        parse(text, path)
    assert info.value.exit_code == 2
    return [str(p) for p in info.value.problems]


def test_parses_a_full_advisory() -> None:
    adv = parse(advisory_text(cve='"CVE-2026-40001"', introduced='"9.8"', reporter='"Jane"'))
    assert adv.id == "ACSA-2026-0001"
    assert adv.score == 6.5
    assert adv.severity == "medium"
    assert adv.embargo == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert adv.body == "Details.\n"
    assert adv.year == 2026 and adv.number == 1


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, "none"),
        (0.1, "low"),
        (3.9, "low"),
        (4.0, "medium"),
        (6.9, "medium"),
        (7.0, "high"),
        (8.9, "high"),
        (9.0, "critical"),
        (10.0, "critical"),
    ],
)
def test_severity_bands(score: float, band: str) -> None:
    assert severity_for(score) == band


def test_cvss4_is_scored_by_the_library() -> None:
    scored = score_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    assert (scored.version, scored.score, scored.severity) == ("4.0", 9.3, "critical")
    adv = parse(
        advisory_text(cvss='"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"')
    )
    assert adv.severity == "critical"


def test_override_with_reason() -> None:
    adv = parse(advisory_text(severity='"low"', severity_reason='"needs admin"'))
    assert adv.severity == "low"
    assert adv.cvss is not None and adv.cvss.severity == "medium"


def test_a_misspelt_required_field_is_one_problem() -> None:
    # Not also "required field is missing" for the field it is a typo of.
    (message,) = problems(advisory_text(title=None, titel='"x"'))  # type: ignore[arg-type]
    assert ":6: unknown field; did you mean 'title'?" in message
    (message,) = problems(advisory_text(cvss=None, cvs='"CVSS:3.1/AV:N"'))  # type: ignore[arg-type]
    assert ":6: unknown field; did you mean 'cvss'?" in message


REVISED = '[{ date = 2026-11-30T09:00:00Z, reason = "Corrected the range" }]'


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"cvss": '"CVSS:3.1/AV:X"'}, "ACSA-2026-0001.md:4: cvss: invalid CVSS vector"),
        ({"cvss": '"bogus"'}, "cvss: invalid CVSS vector: must start with CVSS:3.0/, CVSS:3.1/"),
        ({"severity": '"low"'}, "severity: an override needs severity_reason"),
        ({"severity": '"urgent"', "severity_reason": '"x"'}, "severity: must be one of"),
        ({"embargo": "2026-12-01T14:00:00"}, "embargo: needs a UTC offset"),
        (
            {"embargo": '"2026-12-01T14:00:00Z"'},
            "embargo: must be an offset date-time without quotes",
        ),
        ({"embargo": "2026-12-01"}, "embargo: needs a time and a UTC offset"),
        ({"id": '"ACSA-2026-0002"'}, "ACSA-2026-0001.md:2: id: does not match the file name"),
        ({"id": '"ACSA-26-1"'}, "id: must look like ACSA-YYYY-NNNN"),
        # An id names files: 13 digits and more (238 made a file name too long) are refused.
        ({"id": '"ACSA-2026-0000000000001"'}, ":2: id: must look like ACSA-YYYY-NNNN (four to"),
        ({"id": f'"ACSA-2026-{"1" * 238}"'}, ":2: id: must look like ACSA-YYYY-NNNN"),
        ({"cve": '"CVE-1"'}, "cve: must look like CVE-YYYY-NNNN"),
        ({"cwe": '"79"'}, "cwe: must look like CWE-79"),
        # Digits 0-9 only (`\d` took Arabic-Indic and fullwidth ones, which records refuse).
        ({"id": '"ACSA-2026-٠٠٠١"'}, ":2: id: must look like ACSA-YYYY-NNNN"),
        ({"cve": '"CVE-２０２６-４０００１"'}, ":7: cve: must look like CVE-YYYY-NNNN"),
        ({"cwe": '"CWE-８６２"'}, ":7: cwe: must look like CWE-79"),
        ({"introduced": '"nine"'}, "introduced: must be a release line"),
        ({"titel": '"x"'}, ":7: unknown field; did you mean 'title'?"),
        ({"title": "3"}, "title: must be a string"),
        ({"summary": None}, ":1: summary: required field is missing"),
        ({"cvss": None}, "cvss: required once an embargo is set"),
        ({"fixed": '{ "10.3" = 3 }'}, "fixed: must be a table of line"),
        # A typo on the hand-release path: the details would be public before the embargo.
        ({"released": "2026-11-01T14:00:00Z"}, ":7: released: is before embargo"),
        ({"released": "2026-12-01T13:59:59Z"}, ":7: released: is before embargo"),
        # A correction dated before the release made a CSAF document that the reference
        # validator refuses (its revision history out of date order); with no release yet,
        # the lift would record one after it.
        (
            {"released": "2026-12-01T14:00:07Z", "revisions": REVISED},
            ":8: revisions: entry 1 is dated before released",
        ),
        ({"revisions": REVISED}, ":7: revisions: record corrections after the release"),
        # Text that feeds (XML), pages and mail cannot carry is refused at check time.
        (
            {"severity": '"low"', "severity_reason": '"""one\ntwo\\u0007"""'},
            ":8: severity_reason: contains a control character (U+0007)",
        ),
        ({"title": '"one\\ntwo"'}, ":3: title: contains a line break (U+000A)"),
        ({"reporter": '"A\\u009fB"'}, ":7: reporter: contains a control character (U+009F)"),
        # packaging reads "10.3.3\x1c" as 10.3.3: the text went to the feeds as it was.
        ({"fixed": '{ "10.3" = "10.3.3\\u001c" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"introduced": '"9.8\\u000b"'}, ":7: introduced: contains a control character"),
        # And "10.3.3\t", " 10.3.3" or "10.3.3\u00a0" too (a string field is stripped; not a
        # table's): the OSV, CVE and CSAF records carried it with its white space.
        ({"fixed": '{ "10.3" = "10.3.3\\t" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"fixed": '{ "10.3" = " 10.3.3" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"fixed": '{ "10.3 " = "10.3.3" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"fixed": '{ "10.3" = "10.3.3\\u00a0" }'}, ":7: fixed: 1 entry is not line = version"),
        # An epoch or a local part: the ranges, pages and records left it out (1!7.1.5.1
        # was recorded as 7.1.5.1, and 7.1.5+b ordered as 7.1.5).
        ({"fixed": '{ "7.1" = "1!7.1.5.1" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"fixed": '{ "7.1" = "7.1.5+b1" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"fixed": '{ "1!7.1" = "7.1.5" }'}, ":7: fixed: 1 entry is not line = version"),
        ({"introduced": '"1!7.0"'}, ":7: introduced: must be a release line"),
        ({"introduced": '"7.0+local"'}, ":7: introduced: must be a release line"),
    ],
)
def test_bad_input_names_file_line_and_field(fields: dict[str, str], expected: str) -> None:
    found = problems(advisory_text(**fields))
    assert any(expected in message for message in found), found
    assert all(message.startswith(str(PATH)) for message in found)


def test_a_line_separator_in_a_comment_or_string_does_not_shift_the_lines_named() -> None:
    # Only LF ends a TOML line: U+2028, U+2029 and U+0085 may stand in a comment.
    for separator in ("\u2028", "\u2029", "\u0085"):
        comment = f"# pasted{separator}from{separator}a page\n"
        text = advisory_text(cwe='"79"').replace("title =", comment + "title =")
        assert problems(text) == [f"{PATH}:8: cwe: must look like CWE-79"]


def test_a_table_header_with_a_literal_key_is_named_by_its_line() -> None:
    # ['fixed'] and [[ 'credits' ]] are the same tables as [fixed] and [[credits]].
    text = advisory_text().replace(
        "\n+++\n",
        "\n\n['fixed']\n'10.3' = 'three'\n\n[[ 'credits' ]]\nname = 'Zoë'\ntype = 'x'\n+++\n",
    )
    assert problems(text) == [
        f"{PATH}:11: credits: entry 1: type must be one of finder, reporter, analyst, "
        "coordinator, remediation developer, remediation reviewer, remediation verifier, "
        "tool, sponsor, other",
        f'{PATH}:8: fixed: 1 entry is not line = version, e.g. "10.3" = "10.3.3"',
    ]


def test_lines_of_a_multi_line_string_are_text_not_keys_or_headers() -> None:
    # A summary's line that reads like a header or a key named nothing, or the wrong line.
    summary = '"""\nMARKER-SUMMARY, in two parts:\n[part one]\ncwe = see below\n"""'
    found = problems(advisory_text(summary=summary, cwe='"79"'))
    assert found == [f"{PATH}:11: cwe: must look like CWE-79"]
    literal = "'''\n[part one]\ncve = the same in a literal string\n'''"
    found = problems(advisory_text(summary=literal, cve='"CVE-1"'))
    assert found == [f"{PATH}:10: cve: must look like CVE-YYYY-NNNN"]


def test_every_problem_is_reported() -> None:
    found = problems(advisory_text(cvss='"x"', cve='"y"', embargo="2026-12-01T14:00:00"))
    assert len(found) == 3


def test_malformed_toml_and_missing_fence() -> None:
    (message,) = problems("+++\ntitle = \n+++\n")
    assert message.startswith(f"{PATH}:2: invalid TOML")
    (message,) = problems("title = 'x'\n")
    assert "must start with a +++ line" in message
    (message,) = problems("+++\ntitle = 'x'\n")
    assert "must start with a +++ line" in message


def test_messages_never_quote_advisory_text() -> None:
    marker = "MARKER-SECRET-DETAIL"
    text = advisory_text(cvss=f'"{marker}"', title=f'"{marker}"', titel=f'"{marker}"')
    text = text.replace("Details.", marker).replace("+++\n\n", f'"{marker}-KEY" = 1\n+++\n\n')
    found = problems(text)
    assert f"{PATH}:8: unknown field" in found
    for message in found:
        assert marker not in message


@pytest.mark.parametrize(
    ("tables", "line", "said"),
    [
        ('[n."{m}"]\na = 1\n[n."{m}"]\n', 9, "cannot declare a table twice"),
        ('n = {{ "{m}" = 1, "{m}" = 2 }}\n', 7, "duplicate key in an inline table"),
        ('n = {{ a = 1 }}\n[[n."{m}"]]\n', 8, "cannot extend a table or array written inline"),
        ('[n]\n"{m}".a = 1\n[n."{m}"]\n', 9, "cannot declare a table twice"),
        ('[n."{m}"]\n[n]\n"{m}".b = 1\nc = 2\n', 9, "cannot redefine a table with a dotted key"),
    ],
    ids=["table twice", "inline key twice", "inline extended", "dotted then table", "redefined"],
)
def test_toml_errors_name_the_line_never_the_key(tables: str, line: int, said: str) -> None:
    # tomli says "cannot declare ('n', 'MARKER...') twice": publish, whose log is often
    # public, reported an embargoed advisory's key text that way.
    marker = "MARKER-SECRET-DETAIL"
    text = advisory_text().replace("+++\n\n", tables.format(m=marker) + "+++\n\n")
    (message,) = problems(text)
    assert message == f"{PATH}:{line}: invalid TOML: {said}"


def test_states_follow_the_clock() -> None:
    draft = parse(advisory_text(embargo=None, cvss=None))
    assert draft.state(datetime(2026, 11, 1, tzinfo=UTC), 30) is Stage.DRAFT
    adv = parse(advisory_text(released="2026-12-01T14:00:07Z"))
    assert adv.disclosure_date(30) == date(2026, 12, 31)
    assert adv.state(datetime(2026, 12, 30, 23, 59, tzinfo=UTC), 30) is Stage.RELEASED
    assert adv.state(datetime(2026, 12, 31, 0, 0, tzinfo=UTC), 30) is Stage.DISCLOSED
    embargoed = parse(advisory_text())
    assert embargoed.state(datetime(2026, 12, 2, tzinfo=UTC), 30) is Stage.EMBARGOED


def test_update_front_matter_keeps_the_rest() -> None:
    original = advisory_text().replace("+++\nid", "+++\n# a comment kept\nid")
    updated = update_front_matter(
        original,
        {
            "released": datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC),
            "fixed": {"10.4": "10.4.0", "9.11": "9.11.9"},
        },
    )
    assert "# a comment kept" in updated
    assert updated.endswith("+++\n\nDetails.\n")
    adv = parse(updated)
    assert adv.released == datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC)
    assert adv.fixed == {"10.4": "10.4.0", "9.11": "9.11.9"}
    again = update_front_matter(updated, {"released": datetime(2026, 12, 2, tzinfo=UTC)})
    assert again.count("released =") == 1
    assert parse(again).released == datetime(2026, 12, 2, tzinfo=UTC)


RECORDED = {
    "released": datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC),
    "fixed": {"10.4": "10.4.0", "9.11": "9.11.9"},
    "fix_commits": {"10.4": "a" * 40},
    "revisions": [{"date": datetime(2027, 1, 10, 9, tzinfo=UTC), "reason": "Corrected"}],
}
# Valid TOML for what the lift and `advisory revise` write: tables after the keys, the
# keys already set in other forms, values over several lines.
LAYOUTS = {
    "credits as an array of tables": '[[credits]]\nname = "Jane Doe"\ntype = "finder"\n',
    "fixed as a table": '[fixed]\n"10.4" = "10.3.9"  # by hand\n',
    "fixed as dotted keys": 'fixed."10.4" = "10.3.9"\nfixed."9.11" = "9.11.1"\n',
    "quoted keys": '"released" = 2026-12-01T15:00:00Z\n"fix_commits" = {}\n',
    "revisions over lines": (  # (revisions only with a release)
        "released = 2026-12-01T15:00:00Z\n"
        'revisions = [\n  { date = 2027-01-09T09:00:00Z, reason = "First" },  # kept? replaced\n]\n'
    ),
    "revisions as an array of tables": (
        "released = 2026-12-01T15:00:00Z\n"
        '[[revisions]]\ndate = 2027-01-09T09:00:00Z\nreason = "First"\n\n'
        '[[credits]]\nname = "Jane Doe"\ntype = "finder"\n'
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=list(LAYOUTS))
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_update_front_matter_edits_any_valid_layout(layout: str, newline: str) -> None:
    original = advisory_text(reporter='"x"').replace('reporter = "x"\n', "# kept\n")
    original = original.replace("\n+++\n\n", "\n" + layout + "+++\n\n")
    original = original.replace("\n", newline)
    before = parse(original)
    updated = update_front_matter(original, RECORDED)
    after = parse(updated)
    assert after.released == RECORDED["released"]
    assert after.fixed == RECORDED["fixed"]
    assert after.fix_commits == RECORDED["fix_commits"]
    assert [(r.date, r.reason) for r in after.revisions] == [
        (datetime(2027, 1, 10, 9, tzinfo=UTC), "Corrected")
    ]
    assert after.credits == before.credits and after.title == before.title
    assert "# kept" in updated and updated.endswith(f"+++{newline}{newline}Details.{newline}")
    if newline == "\r\n":
        assert "\n" not in updated.replace("\r\n", "")
    assert update_front_matter(updated, RECORDED) == updated


def test_update_front_matter_keeps_a_replaced_keys_comment_and_the_rest_of_its_lines() -> None:
    original = advisory_text(embargo="2026-12-01T14:00:00Z  # agreed with the reporter")
    updated = update_front_matter(original, {"embargo": datetime(2026, 12, 8, 14, tzinfo=UTC)})
    assert "embargo = 2026-12-08T14:00:00Z  # agreed with the reporter\n" in updated
    assert updated.replace("2026-12-08T14", "2026-12-01T14") == original


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parser_never_crashes_on_arbitrary_text(text: str) -> None:
    with contextlib.suppress(AdvisoryError):
        parse(text)


_front_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                'id = "ACSA-2026-0001"',
                "embargo = 2026-12-01T14:00:00Z",
                'cvss = "CVSS:3.1/AV:N"',
                "fixed = { a = 1 }",
                "[x]",
                "[[y]]",
                'severity = "low"',
                "a = [[[[",
                "b = '''",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(_front_lines, st.text(max_size=50))
def test_parser_never_crashes_on_arbitrary_front_matter(lines: list[str], body: str) -> None:
    text = "+++\n" + "\n".join(lines) + "\n+++\n" + body
    with contextlib.suppress(AdvisoryError):
        parse(text)


def test_deeply_nested_toml_is_a_clean_error() -> None:
    (message,) = problems("+++\nx = " + "[" * 60000 + "\n+++\n")
    assert "invalid TOML" in message


def _split_by_lines(text: str) -> tuple[str, str, int] | None:
    """The plain reading of the front matter rules, line by line (the reference)."""
    lines = text.split("\n")
    if not lines or lines[0].removeprefix("\ufeff").rstrip("\r").strip() != FENCE:
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r").strip() == FENCE:
            front = "\n".join(lines[1:index]).removesuffix("\r")
            body = "\n".join(lines[index + 1 :])
            return front, body.lstrip("\r\n"), index + 2
    return None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["+++", " +++ ", "+++\r", "\ufeff+++", "++++", "a +++", "+++x", "\u2003+++", "", "\r"]
        )
        | st.text(alphabet="+ \r\tab=\n", max_size=8),
        max_size=8,
    )
)
def test_front_matter_splits_as_the_line_by_line_reading(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert split_front_matter(text) == _split_by_lines(text)


def test_read_advisory_names_the_file_as_shown(tmp_path: Path) -> None:
    path = tmp_path / "ACSA-2026-0001.md"
    path.write_text(advisory_text())
    advisory = read_advisory(path, "ACSA", PATH)
    assert advisory.path == path
    path.write_text(advisory_text().replace('title = "', 'title = 1 #"'))
    with pytest.raises(AdvisoryError) as info:
        read_advisory(path, "ACSA", PATH)
    assert str(info.value.problems[0]).startswith(f"{PATH}:")


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            advisory_text().replace("Export", "Expórt").encode("latin-1"),
            f"{PATH}:3: is not UTF-8 text",
        ),
        (
            (advisory_text() + "\nMore.\n").encode().replace(b"More", b"M\xf6re"),
            f"{PATH}:11: is not UTF-8 text",
        ),
        (advisory_text().encode("utf-16"), f"{PATH}:1: is UTF-16 text: save it as UTF-8"),
    ],
    ids=["latin-1 in the title", "latin-1 in the body", "utf-16"],
)
def test_text_that_is_not_utf8_is_named_by_its_line(tmp_path: Path, data: bytes, said: str) -> None:
    # A Latin-1 paste into a file of hundreds of lines was "is not UTF-8 text", no line.
    path = tmp_path / "ACSA-2026-0001.md"
    path.write_bytes(data)
    with pytest.raises(AdvisoryError) as info:
        read_advisory(path, "ACSA", PATH)
    assert [str(p) for p in info.value.problems] == [said]


@pytest.mark.parametrize(
    ("vector", "reason"),
    [
        (
            "CVSS:3.1/AV:N/AC:L//PR:N MARKER",
            "Empty field in CVSS3 vector (not quoted here: see the file)",
        ),
        ("CVSS:3.1/AV:N/MARKER", "Malformed CVSS3 field (not quoted here: see the file)"),
        ("CVSS:3.1/AV:N/AC:MARKER", "Unknown value (not quoted here: see the file)"),
        ('CVSS:3.1/AV:""MARKER"/AC:L', "Unknown value (not quoted here: see the file)"),
        ("CVSS:3.1/MARKER:N", "Unknown metric (not quoted here: see the file)"),
        ("CVSS:4.0/AV:N/MARKER", "Malformed CVSS4 field (not quoted here: see the file)"),
        ("CVSS:4.0/MARKER:N", "Invalid metric key in CVSS4 vector (not quoted here: see the file)"),
        (
            "CVSS:4.0/AV:MARKER",
            "Invalid metric value in CVSS4 vector (not quoted here: see the file)",
        ),
        ("CVSS:3.1/AV:N/AV:N", 'Duplicate metric "AV"'),  # the library's own words: kept
        ("CVSS:3.1/AV:N/", 'Malformed CVSS3 vector, trailing "/"'),
        ("CVSS:4.0/AV:N", 'Missing mandatory metrics "AC, AT, PR, UI, VC, VI, VA, SC, SI, SA"'),
    ],
)
def test_a_bad_vector_is_never_quoted(vector: str, reason: str) -> None:
    # The message reaches the log of the daily publish, also for an embargoed advisory.
    found = problems(advisory_text(cvss=json.dumps(vector)))
    assert found == [f"{PATH}:4: cvss: invalid CVSS vector: {reason}"]


def test_bad_fixed_versions_are_counted_not_quoted() -> None:
    # What is typed into an embargoed advisory stays out of the daily publish's log.
    fixed = '{ "10.3" = "MARKER-VERSION", "MARKER-LINE" = "10.4.0", "9.11" = "9.11.9" }'
    found = problems(advisory_text(fixed=fixed))
    assert found == [f'{PATH}:7: fixed: 2 entries are not line = version, e.g. "10.3" = "10.3.3"']


def test_fixed_lines_name_at_most_max_named_releases() -> None:
    # Each release X.Y.0 up to a line's fixed version gets a page: a patch number of 30
    # digits made publish take memory without bound, and `advisory check` said OK.
    expected = (
        f"{PATH}:7: fixed: names over 10,000 releases in all (each one from X.Y.0 up to a "
        "line's fixed version gets a page)"
    )
    for fixed in (
        '{ "10.4" = "10.4.99999999999999999999999999" }',
        '{ "10.4" = "10.4.10000" }',
        '{ "10.4" = "10.4.9999", "10.3" = "10.3.1" }',  # 10,000 and 2: in all
        '{ "10.4" = "10.4.10000rc1" }',  # (as model.versions reads it: 10.4.10000)
        '{ "7.2" = "7.2.3.99999999999999" }',  # 7.2.3.1, 7.2.3.2, ...: a page each
        '{ "16" = "16.99999999999999" }',  # two numbers: 16.0, 16.1, ...
    ):
        assert problems(advisory_text(fixed=fixed)) == [expected], fixed
    assert MAX_NAMED == 10_000
    at_the_bound = parse(advisory_text(fixed='{ "10.4" = "10.4.9998", "9.11" = "9.11" }'))
    assert len(versions(at_the_bound).named()) == MAX_NAMED


def test_fix_commits_are_read_and_checked() -> None:
    oid = "0123456789abcdef0123456789abcdef01234567"
    adv = parse(advisory_text(fix_commits=f'{{ "10.3" = "{oid}", "10.4" = "{oid}" }}'))
    assert adv.fix_commits == {"10.3": oid, "10.4": oid}
    assert parse(advisory_text()).fix_commits == {}
    bad = f'{{ "10.3" = "MARKER-COMMIT", "10.4" = "{oid.upper()}", "9.11" = "{oid}" }}'
    assert problems(advisory_text(fix_commits=bad)) == [
        f"{PATH}:7: fix_commits: 2 entries are not line = commit id (40 lowercase hex digits)"
    ]
    (message,) = problems(advisory_text(fix_commits='{ "10.3" = 3 }'))
    assert message.endswith(
        'fix_commits: must be a table of line = "commit" (40 hex digits), written by the lift'
    )


def test_summaries_and_bodies_may_span_lines() -> None:
    adv = parse(advisory_text(summary='"""one\ntwo"""').replace("Details.", "a\tb\r\nc"))
    assert adv.summary == "one\ntwo"
    (message,) = problems(advisory_text().replace("Details.", "one\n\ntwo\x1b[2J"))
    assert message == f"{PATH}:11: body: contains a control character (U+001B); remove it"


def test_crlf_and_a_byte_order_mark_parse_and_update() -> None:
    for text in (
        advisory_text(summary='"""one\ntwo"""').replace("\n", "\r\n"),
        "\ufeff" + advisory_text(),
        "\ufeff" + advisory_text().replace("\n", "\r\n"),
    ):
        adv = parse(text)
        assert adv.summary in ("one\ntwo", "One public sentence.")
        assert adv.body.rstrip("\r\n") == "Details."
        updated = update_front_matter(text, {"released": datetime(2026, 12, 2, tzinfo=UTC)})
        assert updated.startswith(text[:4])
        assert parse(updated).released == datetime(2026, 12, 2, tzinfo=UTC)


def test_an_id_of_twelve_digits_names_its_files_and_thirteen_do_not() -> None:
    longest = "ACSA-2026-" + "9" * 12
    parsed = parse_advisory(advisory_text(longest), Path(f"{longest}.md"), "ACSA")
    assert parsed.number == 999_999_999_999
    longer = longest + "9"
    with pytest.raises(AdvisoryError, match="id: must look like"):
        parse_advisory(advisory_text(longer), Path(f"{longer}.md"), "ACSA")


def test_a_file_of_gigabytes_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "ACSA-2026-0001.md"
    path.write_text(advisory_text("ACSA-2026-0001"))
    with path.open("r+b") as handle:
        handle.truncate(3 * 1024**3)  # (sparse: three gigabytes that take no disk)
    read: list[int] = []
    real_open = open

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        handle = real_open(*args, **kwargs)
        real_read = handle.read
        handle.read = lambda size=-1: read.append(size) or real_read(size)
        return handle

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("builtins.open", counting_open)
        with pytest.raises(AdvisoryError, match=r"ACSA-2026-0001.md: is larger than 4 MiB"):
            read_advisory(path, "ACSA")
    assert read == [4 * 1024 * 1024 + 1]


def _padded(length: int, **fields: str) -> str:
    """An advisory whose front matter is ``length`` characters (a comment fills it up)."""
    text = advisory_text(**fields)
    found = split_front_matter(text)
    assert found is not None
    filler = "\n# marker "
    filler += "m" * (length - len(found[0]) - len(filler))
    return text.replace("\n+++\n\n", filler + "\n+++\n\n", 1)


def test_an_unreleased_advisory_leaves_room_for_what_the_lift_records() -> None:
    # A front matter a few hundred characters under the limit passed `check`, and only the
    # lift's preflight refused it: recording the release made it too long.
    recorded = {
        "released": datetime(2026, 12, 1, 14, 0, 7, tzinfo=UTC),
        "fixed": {"10.4": "10.4.0", "10.3": "10.3.3", "9.11": "9.11.9"},
        "fix_commits": {"10.4": "a" * 40, "10.3": "b" * 40, "9.11": "c" * 40},
    }
    near = _padded(MAX_FRONT - 200)
    assert problems(near) == [
        f"{PATH}:1: front matter: is 65,336 characters, over the 61,440 of an advisory not "
        "released yet (the lift adds released, fixed, unfixed and fix_commits, up to 65,536 "
        "in all): move long text to the body"
    ]
    assert "front matter: must be at most" in problems(update_front_matter(near, recorded))[0]
    roomy = _padded(MAX_FRONT - RECORD_ROOM)
    assert parse(roomy).released is None
    assert parse(update_front_matter(roomy, recorded)).released == recorded["released"]
    # A released file holds the keys already: only the limit itself bounds it.
    released = _padded(
        MAX_FRONT - 10,
        embargo="2026-12-01T14:00:00Z",
        released="2026-12-01T14:00:07Z",
        fixed='{ "10.3" = "10.3.3" }',
    )
    assert parse(released).fixed == {"10.3": "10.3.3"}


def test_unfixed_names_the_released_lines_between_fixed_ones_that_got_no_fix() -> None:
    fixed = '{ "11.0" = "11.0.0", "10.4" = "10.4.9" }'
    adv = parse(advisory_text(fixed=fixed, unfixed='["10.6", "10.5"]'))
    assert adv.unfixed == ("10.6", "10.5")
    assert parse(advisory_text(fixed=fixed, unfixed="[]")).unfixed == ()
    assert parse(advisory_text(fixed=fixed)).unfixed is None  # (not recorded: guessed)


@pytest.mark.parametrize(
    ("unfixed", "fixed", "expected"),
    [
        ('"10.5"', None, ':8: unfixed: must be a list of release lines, e.g. ["10.6", "10.5"]'),
        ("[10.5]", None, ":8: unfixed: must be a list of release lines"),
        ('["10.5"]', "", ":7: unfixed: given without fixed (it names the lines between two"),
        ('["10.5"]', "{}", ":8: unfixed: given without fixed"),
        ('["MARKER-LINE", "10.5 "]', None, ':8: unfixed: 2 entries are not a release line, e.g. "'),
        ('["10.5", "10.5"]', None, ":8: unfixed: names a line twice"),
        ('["10.4", "10.5"]', None, ":8: unfixed: 1 line is in fixed too: a line either got"),
        ('["10.3", "11.1"]', None, ":8: unfixed: 2 lines are not between the oldest and the new"),
        (
            "[" + ", ".join(f'"10.{n}"' for n in range(5, 1006)) + "]",
            '{ "11.0" = "11.0.0", "10.4" = "10.4.9" }',
            ":8: unfixed: names over 1,000 lines",  # (each would get a version page)
        ),
    ],
)
def test_bad_unfixed_lines_are_named_by_file_line_and_field(
    unfixed: str, fixed: str | None, expected: str
) -> None:
    fields = {"fixed": '{ "11.0" = "11.0.0", "10.4" = "10.4.9" }', "unfixed": unfixed}
    if fixed == "":
        del fields["fixed"]
    elif fixed is not None:
        fields["fixed"] = fixed
    found = problems(advisory_text(**fields))
    assert len(found) == 1 and found[0].startswith(f"{PATH}{expected}"), found
    assert "MARKER" not in found[0]


def test_unfixed_is_not_judged_against_a_fixed_table_that_is_wrong() -> None:
    found = problems(advisory_text(fixed='{ "10.4" = 3 }', unfixed='["10.5"]'))
    assert [m.split(": ")[1] for m in found] == ["fixed"]


def test_a_line_fixed_in_a_pre_release_is_read() -> None:
    # 21 of the RustSec database's 1,225 advisories fix a line in a pre-release (rustls-webpki:
    # 0.103.12 and 0.104.0-alpha.6): real advisories, which a refusal would keep off the site.
    fixed = '{ "0.103" = "0.103.12", "0.104" = "0.104.0-alpha.6" }'
    adv = parse(advisory_text(fixed=fixed, released="2026-12-01T14:00:00Z"))
    assert adv.fixed == {"0.103": "0.103.12", "0.104": "0.104.0-alpha.6"}

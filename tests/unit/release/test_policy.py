from __future__ import annotations

from pathlib import Path

import pytest

from releasekit.model.advisory import Advisory, parse_advisory
from releasekit.model.config import Settings, parse_config
from releasekit.release.lines import Lines, read_lines
from releasekit.release.policy import Decision, decide
from tests.conftest import advisory_text
from tests.helpers.repos import workspace_config

TAGS = ["v9.9.3", "v9.11.8", "v10.1.3", "v10.2.2", "v10.3.2"]
VECTORS = {
    "none": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
    "low": "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N",
    "medium": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    "high": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
    "critical": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
}


def setup(tmp_path: Path, extra: str = "") -> tuple[Settings, Lines]:
    settings = parse_config(workspace_config(tmp_path, extra), tmp_path)
    return settings, read_lines(settings, TAGS, upcoming_exists=True)


def advisory(scored: str, **fields: str) -> Advisory:
    text = advisory_text("ACSA-2026-0001", cvss=f'"{VECTORS[scored]}"', **fields)
    return parse_advisory(text, Path("advisories/ACSA-2026-0001.md"), "ACSA")


def required(decisions: list[Decision]) -> list[str]:
    return [d.line for d in decisions if d.required]


@pytest.mark.parametrize(
    ("severity", "lines"),
    [
        ("none", []),
        ("low", ["10.4", "9.11"]),
        ("medium", ["10.4", "10.3", "10.2", "10.1", "9.11"]),
        ("high", ["10.4", "10.3", "10.2", "10.1", "9.11"]),
        ("critical", ["10.4", "10.3", "10.2", "10.1", "9.11"]),
    ],
)
def test_the_policy_per_severity(tmp_path: Path, severity: str, lines: list[str]) -> None:
    settings, known = setup(tmp_path)
    item = advisory(severity)
    assert item.severity == severity
    decisions = decide(item, known, settings.policy, last=settings.releases.last)
    assert [d.line for d in decisions] == ["10.4", "10.3", "10.2", "10.1", "9.11"]
    assert required(decisions) == lines
    assert all(d.reason for d in decisions)


def test_reasons_say_which_group_and_why_not(tmp_path: Path) -> None:
    settings, known = setup(tmp_path)
    decisions = {d.line: d for d in decide(advisory("low"), known, settings.policy, last=3)}
    assert decisions["10.4"].reason == (
        "Low: policy covers upcoming, esr; 10.4 is the upcoming release"
    )
    assert decisions["9.11"].reason == (
        "Low: policy covers upcoming, esr; 9.11 is an extended support release"
    )
    assert decisions["10.3"].reason == (
        "Low: policy covers upcoming, esr; 10.3 is one of the last 3 released lines"
    )
    assert not decisions["10.3"].required and decisions["10.3"].skipped is None


def test_the_final_severity_decides_not_the_score(tmp_path: Path) -> None:
    settings, known = setup(tmp_path)
    item = advisory("critical", severity='"low"', severity_reason='"Needs a local admin."')
    decisions = decide(item, known, settings.policy, last=3)
    assert required(decisions) == ["10.4", "9.11"]
    assert decisions[0].reason.startswith("Low: ")


def test_lines_older_than_introduced_are_skipped(tmp_path: Path) -> None:
    settings, known = setup(tmp_path)
    decisions = decide(advisory("high", introduced='"10.2"'), known, settings.policy, last=3)
    assert required(decisions) == ["10.4", "10.3", "10.2"]
    skipped = {d.line: d for d in decisions if not d.required}
    assert set(skipped) == {"10.1", "9.11"}
    assert skipped["9.11"].skipped == "introduced"
    assert skipped["9.11"].reason == "introduced in 10.2; 9.11 does not have the affected code"


def test_introduced_compares_as_a_version(tmp_path: Path) -> None:
    settings, known = setup(tmp_path)
    decisions = decide(advisory("high", introduced='"9.10"'), known, settings.policy, last=3)
    assert "9.11" in required(decisions)  # 9.11 > 9.10, although "9.11" < "9.10" is false too
    decisions = decide(advisory("high", introduced='"10.10"'), known, settings.policy, last=3)
    assert required(decisions) == []  # 10.10 is newer than every line here, 10.4 included


def test_a_line_that_already_has_the_fix_is_skipped(tmp_path: Path) -> None:
    settings, known = setup(tmp_path)
    decisions = decide(advisory("medium"), known, settings.policy, last=3, already_fixed={"10.3"})
    fixed = next(d for d in decisions if d.line == "10.3")
    assert (fixed.required, fixed.skipped) == (False, "already-fixed")
    assert fixed.reason == "release-10.3 already contains the fix"


def test_a_custom_policy(tmp_path: Path) -> None:
    extra = '\n[policy]\nlow = ["upcoming"]\nhigh = ["upcoming", "last"]\n'
    settings, known = setup(tmp_path, extra)
    assert required(decide(advisory("low"), known, settings.policy, last=3)) == ["10.4"]
    assert required(decide(advisory("high"), known, settings.policy, last=3)) == [
        "10.4",
        "10.3",
        "10.2",
        "10.1",
    ]


def test_introduced_names_a_line_of_a_major_version(tmp_path: Path) -> None:
    # undici's lines: 7 holds 7.0.0 to 7.3.0, so code introduced in 7.1 is on the line 7.
    text = workspace_config(tmp_path, upcoming='"8"', esr="[]", line_parts="1")
    settings = parse_config(text, tmp_path)
    known = read_lines(settings, ["v5.29.0", "v6.21.2", "v7.3.0"], upcoming_exists=True)
    decisions = decide(advisory("high", introduced='"7.1"'), known, settings.policy, last=3)
    assert [d.line for d in decisions] == ["8", "7", "6", "5"]
    assert required(decisions) == ["8", "7"]
    assert decisions[2].reason == "introduced in 7; 6 does not have the affected code"

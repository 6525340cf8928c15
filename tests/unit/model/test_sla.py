"""Due dates and disclosure deadlines from `reported` and [sla], at several frozen dates."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import SlaSettings
from releasekit.model.sla import deadlines, describe, late
from tests.conftest import MINIMAL_CONFIG, Workspace, advisory_text

Run = Callable[..., Result]
HIGH = '"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"'  # 6.5: Medium
CRITICAL = '"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"'  # 10.0


def _advisory(**fields: str) -> object:
    text = advisory_text("ACSA-2026-0001", **fields)
    return parse_advisory(text, Path("advisories/ACSA-2026-0001.md"), "ACSA")


def test_due_date_is_reported_plus_the_days_of_the_final_severity() -> None:
    medium = _advisory(reported="2026-11-02T09:00:00Z")
    found = deadlines(medium, SlaSettings())  # type: ignore[arg-type]
    assert found is not None
    assert found.due == date(2027, 1, 31)  # 90 days
    assert found.deadline == date(2027, 1, 31)
    critical = _advisory(reported="2026-11-02T23:30:00-02:00", cvss=CRITICAL)
    found = deadlines(critical, SlaSettings())  # type: ignore[arg-type]
    assert found is not None
    assert found.due == date(2026, 11, 10)  # counted from the UTC date, 2026-11-03
    overridden = _advisory(
        reported="2026-11-02T09:00:00Z", severity='"low"', severity_reason='"Local only."'
    )
    found = deadlines(overridden, SlaSettings(low=10))  # type: ignore[arg-type]
    assert found is not None and found.due == date(2026, 11, 12)
    none = _advisory(reported="2026-11-02T09:00:00Z", cvss=None, embargo=None)
    found = deadlines(none, SlaSettings())  # type: ignore[arg-type]
    assert found is not None and found.due is None and found.deadline == date(2027, 1, 31)


def test_no_deadlines_without_reported_or_once_released() -> None:
    assert deadlines(_advisory(), SlaSettings()) is None  # type: ignore[arg-type]
    released = _advisory(reported="2026-11-02T09:00:00Z", released="2026-12-01T14:00:00Z")
    assert deadlines(released, SlaSettings()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("today", "shown", "breached"),
    [
        ("2026-11-20T12:00:00Z", "2026-11-10 breached", True),  # ten days past
        ("2026-11-04T12:00:00Z", "2026-11-10 due in 6 days", False),
        ("2026-11-09T12:00:00Z", "2026-11-10 due in 1 day", False),
        ("2026-11-10T23:59:59Z", "2026-11-10 due in 0 days", False),
        ("2026-11-11T00:00:00Z", "2026-11-10 breached", True),
        ("2027-03-01T00:00:00Z", "2026-11-10 breached", True),
    ],
)
def test_breached_and_due_soon_at_frozen_dates(today: str, shown: str, breached: bool) -> None:
    critical = _advisory(reported="2026-11-03T09:00:00Z", cvss=CRITICAL)
    with time_machine.travel(today, tick=False):
        now = datetime.now(UTC)
        found = deadlines(critical, SlaSettings())  # type: ignore[arg-type]
        assert found is not None
        assert describe(critical, SlaSettings(), now) == shown  # type: ignore[arg-type]
        assert found.breached(now) is breached


def test_far_from_due_shows_the_date_only() -> None:
    medium = _advisory(reported="2026-11-02T09:00:00Z")
    with time_machine.travel("2026-11-05T00:00:00Z", tick=False):
        assert describe(medium, SlaSettings(), datetime.now(UTC)) == "2027-01-31"  # type: ignore[arg-type]


def test_late_names_the_missed_dates() -> None:
    critical = _advisory(reported="2026-11-03T09:00:00Z", cvss=CRITICAL)
    sla = SlaSettings(disclosure_deadline_days=20)
    assert late(critical, sla, datetime(2026, 11, 10, 23, tzinfo=UTC)) is None  # type: ignore[arg-type]
    why = late(critical, sla, datetime(2026, 11, 24, tzinfo=UTC))  # type: ignore[arg-type]
    assert why == (
        "ACSA-2026-0001: its embargo ends after its due date 2026-11-10 "
        "and disclosure deadline 2026-11-23"
    )


def test_reported_is_checked_like_the_other_dates() -> None:
    from releasekit.support.errors import AdvisoryError

    for bad, message in (
        ('"2026-11-02"', "must be an offset date-time"),
        ("2026-11-02T09:00:00", "needs a UTC offset"),
    ):
        with pytest.raises(AdvisoryError) as caught:
            _advisory(reported=bad)
        problem = caught.value.problems[0]
        assert problem.field == "reported" and problem.line == 7
        assert message in problem.message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("critical", "0", "must be"), ("enforce", '"yes"', "true or false"), ("none", "1", "unknown")],
)
def test_bad_sla_values_exit_2_naming_the_key(
    ws: Workspace, run: Run, key: str, value: str, message: str
) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + f"\n[sla]\n{key} = {value}\n")
    result = run("advisory", "list")
    assert result.exit_code == 2
    assert "releasekit.toml:" in result.stderr and message in result.stderr


@time_machine.travel("2026-11-08T10:00:00Z", tick=False)
def test_advisory_list_shows_and_carries_the_dates(ws: Workspace, run: Run) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + "\n[sla]\ncritical = 3\n")
    ws.advisory("ACSA-2026-0001", reported="2026-11-03T09:00:00Z", cvss=CRITICAL)
    ws.advisory("ACSA-2026-0002", reported="2026-11-03T09:00:00Z")
    ws.advisory("ACSA-2026-0003")
    listed = json.loads(run("advisory", "list", "--json").stdout)
    assert [(a["due"], a["deadline"], a["breached"]) for a in listed] == [
        ("2026-11-06", "2027-02-01", True),
        ("2027-02-01", "2027-02-01", False),
        (None, None, False),
    ]
    wide = CliRunner(env={"COLUMNS": "160"}).invoke(cli, ["-C", str(ws.root), "advisory", "list"])
    assert wide.exit_code == 0, wide.output
    assert "breached" in wide.stdout and "2027-02" in wide.stdout
    narrow = run("advisory", "list")  # 80 columns: the due date is among the first left out
    assert narrow.exit_code == 0 and "Due" not in narrow.stdout


@time_machine.travel("2026-11-22T10:00:00Z", tick=False)
def test_advisory_new_takes_reported(ws: Workspace, run: Run) -> None:
    made = run("advisory", "new", "--title", "T", "--summary", "S",
               "--reported", "2026-11-20T08:00:00+01:00")  # fmt: skip
    assert made.exit_code == 0, made.output
    text = (ws.root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert "reported = 2026-11-20T07:00:00Z" in text
    bad = run("advisory", "new", "--title", "T", "--summary", "S", "--reported", "yesterday")
    assert bad.exit_code == 2 and "--reported" in bad.stderr

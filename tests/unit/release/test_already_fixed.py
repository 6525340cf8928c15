"""A line whose public branch already has an advisory's fix (the plan's already-fixed cell)
got the fix: the lift must not record it among the lines left without it (``unfixed``),
or every record would call its fixed releases affected."""

from __future__ import annotations

from typing import Any

from releasekit.adapters.git import Person
from releasekit.embargo.prepare import unfixed_lines
from releasekit.model.versions import versions_of
from releasekit.release.plan import ALREADY_FIXED, APPLIES, NOT_REQUIRED, Cell, Plan

ID = "ACSA-2026-0001"


def plan(cells: dict[str, str], released: tuple[str, ...]) -> Plan:
    made = [
        Cell(ID, line, status == APPLIES, "why", status == APPLIES, status)
        for line, status in cells.items()
    ]
    repo: Any = None  # (unfixed_lines reads the cells and the released lines only)
    return Plan("origin", (), (), tuple(made), {}, Person("a", "a@example.org"), {}, repo, released)


def test_a_line_that_already_has_the_fix_is_not_left_without_it() -> None:
    # Medium: 10.4 (upcoming), 10.3, 10.1 and the ESR 9.11 get the fix; 10.2's branch had it
    # already; 10.0 is out of support.
    the_plan = plan(
        {"10.4": APPLIES, "10.3": APPLIES, "10.2": ALREADY_FIXED, "10.1": APPLIES,
         "9.11": APPLIES, "10.0": NOT_REQUIRED},
        ("10.3", "10.2", "10.1", "10.0", "9.11"),
    )  # fmt: skip
    fixed = {"10.4": "10.4.0", "10.3": "10.3.3", "10.1": "10.1.7", "9.11": "9.11.9"}
    unfixed = unfixed_lines(the_plan, {ID: fixed})[ID]
    assert unfixed == ["10.0"]  # (10.2 has the fix; 10.0, out of support, has none)
    ranges = versions_of(fixed, None, unfixed).ranges()
    assert not any("10.2.5" in r for r in ranges)  # 10.2's releases are not said affected
    assert any("10.0.3" in r for r in ranges)

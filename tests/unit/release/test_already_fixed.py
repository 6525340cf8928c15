"""A line whose public branch already has an advisory's fix (the plan's already-fixed cell)
got the fix: the lift must not record it among the lines left without it (``unfixed``),
or every record would call its fixed releases affected. Its first release with the fix is
in ``fixed`` when the held fixes tell it; when they cannot, it is left out of both; when
no release of it has the fix yet, its releases are affected: it is one of ``unfixed``."""

from __future__ import annotations

from typing import Any

from releasekit.adapters.git import Person
from releasekit.embargo.prepare import unfixed_lines
from releasekit.model.versions import versions_of
from releasekit.release.plan import ALREADY_FIXED, APPLIES, NOT_REQUIRED, Cell, Plan

ID = "ACSA-2026-0001"


def plan(
    cells: dict[str, str],
    released: tuple[str, ...],
    unknown: frozenset[tuple[str, str]] = frozenset(),
) -> Plan:
    made = [
        Cell(ID, line, status == APPLIES, "why", status == APPLIES, status)
        for line, status in cells.items()
    ]
    repo: Any = None  # (unfixed_lines reads the cells and the released lines only)
    who = Person("a", "a@example.org")
    return Plan("origin", (), (), tuple(made), {}, who, {}, repo, released, unknown=unknown)


CELLS = {"10.4": APPLIES, "10.3": APPLIES, "10.2": ALREADY_FIXED, "10.1": APPLIES,
         "9.11": APPLIES, "10.0": NOT_REQUIRED}  # fmt: skip
RELEASED = ("10.3", "10.2", "10.1", "10.0", "9.11")
FIXED = {"10.4": "10.4.0", "10.3": "10.3.3", "10.1": "10.1.7", "9.11": "9.11.9"}


def test_a_line_that_already_has_the_fix_is_not_left_without_it() -> None:
    # Medium: 10.4 (upcoming), 10.3, 10.1 and the ESR 9.11 get the fix; 10.2's branch had it
    # already, since 10.2.4 (the plan's earlier: in fixed); 10.0 is out of support.
    fixed = {**FIXED, "10.2": "10.2.4"}
    unfixed = unfixed_lines(plan(CELLS, RELEASED), {ID: fixed})[ID]
    assert unfixed == ["10.0"]  # (10.2 has the fix; 10.0, out of support, has none)
    ranges = versions_of(fixed, None, unfixed).ranges()
    assert not any("10.2.5" in r for r in ranges)  # 10.2's releases from 10.2.4 on are not
    assert any("10.2.3" in r for r in ranges) and any("10.0.3" in r for r in ranges)


def test_a_line_whose_releases_no_held_fix_tells_about_is_left_out() -> None:
    the_plan = plan(CELLS, RELEASED, unknown=frozenset({(ID, "10.2")}))
    assert unfixed_lines(the_plan, {ID: FIXED})[ID] == ["10.0"]


def test_a_line_whose_branch_has_the_fix_but_no_release_is_left_without_it() -> None:
    # (the plan found no release of 10.2 with the fix: all of them are affected)
    assert unfixed_lines(plan(CELLS, RELEASED), {ID: FIXED})[ID] == ["10.2", "10.0"]

"""The readiness checklist (``embargo status``, ``embargo lift``): OK, WARN or FAIL, the
check's name and its detail, a line each; laid out here, printed by ``show.print_checks``.

A detail is prose that wraps at its words, and it names things to copy: files, logs, refs.
Where a detail holds a word longer than the room its column has (a real project's path runs
to 60 characters and more), the detail goes on the lines under its check, soft-wrapped like
:func:`show.copyable`, so that no name is ever broken at the terminal's width.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from releasekit.cli import show

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from releasekit.embargo.gates import Check

MARK = len("FAIL")  # the widest of OK, WARN and FAIL


def parts(checks: list[Check], width: int) -> list[tuple[Table | Text, bool]]:
    """What to print, in order, for a terminal ``width`` wide: tables of rows, and between
    them the details too long for their column, each with whether it is soft-wrapped.
    Every table has the same column widths, so the checklist stays aligned."""
    names = [show.literal(check.name) for check in checks]
    name_width = max((name.cell_len for name in names), default=0)
    indent = " " * (1 + MARK + 2 + name_width + 2)  # a space each side of every column
    room = width - len(indent) - 1
    out: list[tuple[Table | Text, bool]] = []
    grid = _grid(name_width)
    for check, name in zip(checks, names, strict=True):
        mark = show.literal("OK", "green") if check.ok else show.literal("FAIL", "bold red")
        if check.ok and check.warning:
            mark = show.literal("WARN", "bold yellow")
        shown = show.literal(check.detail if not check.ok or check.warning else "")
        if max((len(word) for word in shown.plain.split()), default=0) <= room:
            grid.add_row(mark, name, shown)
            continue
        grid.add_row(mark, name, "")
        out += [(grid, False), (show.joined(indent, shown), True)]
        grid = _grid(name_width)
    if grid.row_count:
        out.append((grid, False))
    return out


def _grid(name_width: int) -> Table:
    grid = show.table(show_header=False, box=None, padding=(0, 1))
    grid.add_column(no_wrap=True, width=MARK)
    grid.add_column(no_wrap=True, width=name_width)
    grid.add_column(overflow="fold")
    return grid

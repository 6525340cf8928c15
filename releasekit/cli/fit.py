"""Tables that fit the terminal: each column has a rank, and where the table is too wide the
columns of the highest rank are dropped first, until what is left fits with every cell at
least as wide as its longest word (cells wrap whole words, never squeeze a word).

The widths are computed here, not left to rich: rich, short of room, narrows columns below
their longest word and breaks words. ``--json`` is the way for scripts; a table is for
people, so it shows what fits rather than everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text


@dataclass
class Column:
    """A column and its cells. ``rank`` 0 is always shown; of the others, the highest rank
    is dropped first (ties: the rightmost). ``wants`` is the width a column of prose (a
    title) is given before columns of rank above 0 are kept; ``no_wrap`` keeps each cell
    line whole (ids, numbers, short words)."""

    header: str
    rank: int = 0
    no_wrap: bool = False
    justify: Literal["left", "right"] = "left"
    wants: int = 0
    cells: list[Text | str] = field(default_factory=list)

    def lines(self) -> list[str]:
        texts = [self.header, *(c if isinstance(c, str) else c.plain for c in self.cells)]
        return [line for text in texts for line in text.splitlines() or [""]]

    def natural(self) -> int:
        """The width the column takes when there is room: its longest line."""
        return max(len(line) for line in self.lines())

    def least(self) -> int:
        """The narrowest it may be: its longest word (its longest line when ``no_wrap``)."""
        if self.no_wrap:
            return self.natural()
        return max((len(word) for line in self.lines() for word in line.split()), default=0)

    def comfortable(self) -> int:
        return max(self.least(), min(self.wants, self.natural()))


def overhead(columns: int) -> int:
    """Width of a boxed table's borders and padding around ``columns`` columns."""
    return 3 * columns + 1


def kept(columns: list[Column], width: int) -> list[Column]:
    """The columns shown at ``width``: those of the highest rank dropped until the rest fit
    at their comfortable widths (or until only rank 0 is left)."""
    shown = list(columns)
    while sum(c.comfortable() for c in shown) + overhead(len(shown)) > width:
        droppable = [c for c in shown if c.rank > 0]
        if not droppable:
            break
        top = max(c.rank for c in droppable)
        shown.remove([c for c in droppable if c.rank == top][-1])
    return shown


def widths(columns: list[Column], width: int) -> list[int]:
    """Each column's width: its least; then the room left, first to the columns that want
    room up to what they want, then to every column up to its natural width, left first."""
    given = [c.least() for c in columns]
    room = width - overhead(len(columns)) - sum(given)
    for first in (True, False):
        for n, column in enumerate(columns):
            up_to = column.comfortable() if first else column.natural()
            more = min(room, up_to - given[n])
            if more > 0:
                given[n] += more
                room -= more
    return given


def fitted(
    title: Text | str, columns: list[Column], width: int, *, ends: frozenset[int] = frozenset()
) -> Table:
    """A rich Table of ``columns`` for a terminal ``width`` wide; a line is drawn under the
    rows numbered in ``ends`` (the last row of a group)."""
    from rich.table import Table  # cli.show loads rich on first use, and so does this

    shown = kept(columns, width)
    grid = Table(title=title, title_justify="left")
    for column, size in zip(shown, widths(shown, width), strict=True):
        grid.add_column(
            column.header,
            no_wrap=column.no_wrap,
            justify=column.justify,
            width=size,
            overflow="fold",  # only a word longer than the whole terminal is ever folded
        )
    rows = len(columns[0].cells) if columns else 0
    for n in range(rows):
        grid.add_row(*(column.cells[n] for column in shown), end_section=n in ends)
    return grid

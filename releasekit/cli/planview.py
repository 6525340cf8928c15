"""How ``releasekit plan`` shows the backport plan: a table with a column per release line
(or a row per advisory and line on a narrow terminal), each cell's reason, the commits a
release makes, and the verdict, as the parts :func:`releasekit.cli.show.print_plan` prints
(only show writes to the terminal)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from releasekit.cli.show import UNCHANGED, joined, literal, table

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from releasekit.model.config import Settings
    from releasekit.release.plan import Plan, PlanLine, PlannedAdvisory

STATUS_STYLE = {
    "applies": "green",
    "already-fixed": "cyan",
    "not-required": "dim",
    "missing": "bold yellow",
    "conflicts": "bold red",
}

# Said when the plan did not fetch: the release tags only the clone has are not known, so
# none is named, and a release manager must not read the table as if they were checked.
NOT_COMPARED = (
    "note: the remote's tags were not compared (plan --no-fetch): a release tag only this "
    "clone has is not named; run `releasekit plan` to compare them"
)


def parts(settings: Settings, result: Plan, out: Console) -> Iterator[tuple[Any, bool]]:
    """What to print of the plan, each with whether it is soft-wrapped: a table with a
    column per release line, or, where that is too wide for ``out``, a row per advisory and
    line; then each cell's reason, the commits a release makes, and the verdict."""
    if not result.advisories:
        yield "No unreleased advisories: nothing to plan.", False
    title = literal(f"{settings.project.name} backport plan")
    grid = _plan_by_line(result, title)
    if out.measure(grid, options=out.options.update_width(10_000)).maximum > out.width:
        grid = _plan_by_row(result, title, out.width)
    if result.advisories:
        yield grid, False
        if not all(result.outcomes[line.name].ok for line in result.lines):
            missing = " a line where a required fix is missing or does not apply, or that "
            yield joined(literal("!", "red"), missing, "cannot be released now (below)"), False
    for advisory in result.advisories:
        for cell in (c for c in result.cells if c.advisory == advisory.id):
            yield literal(f"{advisory.id} {cell.line}: {cell.status}: {cell.reason}"), False
    for advisory in result.advisories:  # what the lift cannot tell of a line's releases
        for note in result.notes.get(advisory.id, ()):
            yield literal(f"note: {advisory.id}: {note}", "yellow"), True
    for line in result.lines:
        release, after = result.outcomes[line.name].release, result.outcomes[line.name].development
        made_on = (
            (release, "release commit", f"tagged {line.tag}"),
            (after, "commit", line.branch),
        )
        for made, kind, what in made_on:
            if made is not None:  # with release_off_branch, the tag's commit is on no branch
                shown = f"{kind} {made.commit[:12]} {made.subject!r} on the fixes, {what}"
                yield literal(f"{line.name}: {shown}: {', '.join(made.files) or UNCHANGED}"), True
    for problem in result.problems():
        yield literal(f"! {problem}", "red"), False
    for note in result.tag_notes():  # a lift's own tag, not pushed yet: not in the way
        yield literal(f"note: {note}", "yellow"), False
    if any(line.local_tags is None for line in result.lines):  # (the JSON's local_tags null)
        yield literal(NOT_COMPARED, "yellow"), True
    verdict = "ready" if result.is_ready else "NOT ready"
    # A draft (no embargo) does not gate; say so, or "ready" reads as ready to release it.
    drafts = [a.id for a in result.advisories if not a.gating and not result.ready(a.id)]
    if len(drafts) == 1:
        verdict += f" ({drafts[0]}, a draft with no embargo yet, is not ready and not counted)"
    elif drafts:
        waiting = ", ".join(drafts)
        verdict += f" ({waiting}, drafts with no embargo yet, are not ready and not counted)"
    yield literal(f"Plan: {verdict}."), True


def _plan_by_line(result: Plan, title: Text) -> Table:
    """A row per advisory, a column per line."""
    grid = table(title=title, title_justify="left")
    grid.add_column("Advisory", no_wrap=True)
    for line in result.lines:
        grid.add_column(_line_label(result, line, "\n"), no_wrap=True)
    grid.add_column("Ready", no_wrap=True)
    for advisory in result.advisories:
        row = [_about(advisory)]
        row += [_status(result, advisory, line, "\n") for line in result.lines]
        grid.add_row(*row, _ready(result, advisory))
    return grid


def _plan_by_row(result: Plan, title: Text, width: int) -> Table:
    """A row per advisory and line, for a terminal too narrow for a column per line. Fitted
    (cli.fit): the line's words wrap first, and a file name is never broken while the
    terminal can hold it."""
    from releasekit.cli.fit import Column, fitted

    columns = [Column("Advisory", no_wrap=True), Column("Line"), Column("Fix")]
    columns.append(Column("Ready", no_wrap=True))
    ends: set[int] = set()
    for advisory in result.advisories:
        for n, line in enumerate(result.lines):
            first = n == 0
            cells = (
                _about(advisory) if first else "",
                _line_label(result, line, " "),
                _status(result, advisory, line, " "),
                _ready(result, advisory) if first else "",
            )
            for column, cell in zip(columns, cells, strict=True):
                column.cells.append(cell)
        ends.add(len(columns[0].cells) - 1)
    return fitted(title, columns, width, ends=frozenset(ends))


def _about(advisory: PlannedAdvisory) -> Text:
    state = literal(f"{advisory.severity}, {advisory.state}", "dim")
    return joined(literal(advisory.id), "\n", state)


def _status(result: Plan, advisory: PlannedAdvisory, line: PlanLine, sep: str) -> Text:
    cell = result.cell(advisory.id, line.name)
    names = [part for name in cell.conflicts for part in (sep, literal(name))]
    return joined(literal(cell.status, STATUS_STYLE.get(cell.status, "")), *names)


def _line_label(result: Plan, line: PlanLine, sep: str) -> Text:
    mark = () if result.outcomes[line.name].ok else (" ", literal("!", "red"))
    groups = [
        ("prerelease" if line.prerelease else g) if g == "upcoming" else g for g in line.groups
    ]
    head = literal(f"{line.name} ({'/'.join(groups)})")
    return joined(head, sep, literal(f"-> {line.next_version}"), *mark)


def _ready(result: Plan, advisory: PlannedAdvisory) -> Text:
    return literal("yes", "green") if result.ready(advisory.id) else literal("no", "red")

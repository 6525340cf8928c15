"""A journal damaged between runs (edited by hand, a field lost, the file cut short): the
commands that read it say so in one line naming the journal, the row (its line) and the
field, exit 2 (bad input from a file), and change nothing; never a traceback where a field
of the step is read.

SQLite and the JSON check of each row find nothing wrong in the lift's cases: each detail is
a JSON object, only not the one the lift wrote.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner

from releasekit.adapters.journal import Journal
from releasekit.cli import cli
from tests.conftest import MINIMAL_CONFIG, Workspace

MAIL = (
    '\n[mail]\nfrom = "A <a@b.example>"\nto = ["l@b.example"]\nsigning_key = "F"\n'
    'smtp = "smtp://127.0.0.1:1"\n'
)
RUN = "lift/run-1/run"
PUSH = "lift/run-1/push"
GOOD_RUN = {"run": "run-1", "ids": ["ACSA-2026-0001"], "instant": "2026-12-01T14:00:00+00:00"}
GOOD_PUSH = {"updates": [], "fixed": {}, "released": "2026-12-01T14:00:07+00:00"}

# (run step, push step, the step named, its field): each once a KeyError, TypeError,
# ValueError or AttributeError traceback in `embargo status` or `embargo lift`, then exit 1.
CASES = {
    "run without run or ids": (("started", {}), ("started", {}), RUN, "instant"),
    "run whose ids are a number": (
        ("started", {**GOOD_RUN, "ids": 5}),
        ("started", {}),
        RUN,
        "ids",
    ),
    "run whose run is a list": (("started", {**GOOD_RUN, "run": []}), None, RUN, "run"),
    "run whose instant is no time": (
        ("started", {**GOOD_RUN, "instant": "x"}),
        None,
        RUN,
        "instant",
    ),
    "run whose instant has no zone": (
        ("started", {**GOOD_RUN, "instant": "2026-12-01T14:00:00"}),
        None,
        RUN,
        "instant",
    ),
    "finished run without ids": (
        ("done", {**GOOD_RUN, "ids": None}),
        ("done", GOOD_PUSH),
        RUN,
        "ids",
    ),
    "push whose updates are not ref updates": (
        ("started", GOOD_RUN),
        ("started", {"updates": [[1]], "fixed": {}}),
        PUSH,
        "updates",
    ),
    "push done without released": (
        ("started", GOOD_RUN),
        ("done", {**GOOD_PUSH}),
        PUSH,
        "released",
    ),
    "push done whose fixed is a list": (
        ("started", GOOD_RUN),
        ("done", {**GOOD_PUSH, "fixed": [1, 2]}),
        PUSH,
        "fixed",
    ),
}
CASES["push done without released"][1][1].pop("released")


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize(
    "command",
    [("embargo", "status"), ("embargo", "lift", "--dry-run"), ("embargo", "lift", "--yes")],
)
def test_a_damaged_lift_step_is_one_line_naming_it(
    ws: Workspace, case: tuple[Any, ...], command: tuple[str, ...]
) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + MAIL)
    ws.advisory()
    state = ws.root / ".releasekit"
    Journal.open(state).close()
    run, push, named, field = case
    assert push is not None or named == RUN
    db = sqlite3.connect(state / "journal.sqlite3")
    with db:
        for key, step in ((RUN, run), (PUSH, push)):
            if step is not None:
                db.execute(
                    "INSERT INTO steps VALUES (?, ?, ?, 1, '2026-12-01T14:00:00+00:00')",
                    (key, step[0], json.dumps(step[1])),
                )
    db.close()
    before = unlocked(ws)
    with time_machine.travel("2026-12-02T12:00:00Z", tick=False):
        result = CliRunner().invoke(cli, ["-C", str(ws.root), *command])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    # status reads no push step, and a dry run only one that is not done (what to push)
    if named == PUSH and ("status" in command or ("--dry-run" in command and push[0] == "done")):
        return
    assert result.exit_code == 2, result.stderr
    row = 1 if named == RUN else 2  # (the order they were written in)
    assert result.stderr.splitlines() == [
        f"releasekit: error: {state / 'journal.sqlite3'}:{row}: detail.{field}: step {named} "
        f"is not as a lift's {named.rsplit('/', 1)[1]} writes it "
        "(the journal was edited or damaged)"
    ]
    assert unlocked(ws) == before


def _cut(path: Path) -> str:
    path.write_bytes(path.read_bytes()[:4096])  # its first page: the steps' pages lost
    return ": the journal is damaged: database disk image is malformed"


def _overwritten(path: Path) -> str:
    path.write_bytes(b"whatever it was " * 600)
    return ": the journal is damaged: file is not a database"


def _row(column: str, value: object, said: str) -> Callable[[Path], str]:
    """Every row damaged in ``column``: the first one a command reads is named (the lift's
    run, row 1; publish reads the mail steps: the first by key, row 2)."""

    def damage(path: Path) -> str:
        db = sqlite3.connect(path)
        with db:
            db.execute("PRAGMA ignore_check_constraints = ON")  # (as a hand edit may)
            db.execute(f"UPDATE steps SET {column} = ?", (value,))  # noqa: S608
        db.close()
        return f":{{row}}: {column}: step {{key}} {said} (the journal was edited or damaged)"

    return damage


# Each once exit 1 (a step that cannot be done, not bad input) or a traceback.
FILE_DAMAGE = {
    "cut short": _cut,
    "overwritten": _overwritten,
    "a detail that is not JSON": _row(
        "detail", '{"run": "run-1", "ids": [', "is not a JSON object"
    ),
    "a status releasekit does not write": _row("status", "skipped", "has status 'skipped'"),
    "a count of attempts that is text": _row("attempts", "two", "has no count of attempts"),
    "a time that is a number": _row("updated", 20261201, "has no time"),
}


@pytest.mark.parametrize("damage", FILE_DAMAGE.values(), ids=list(FILE_DAMAGE))
@pytest.mark.parametrize(
    "command", [("embargo", "status"), ("embargo", "lift", "--yes"), ("publish",)]
)
def test_a_damaged_journal_file_is_bad_input_naming_the_file_and_row(
    ws: Workspace, damage: Callable[[Path], str], command: tuple[str, ...]
) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + MAIL)
    ws.advisory()
    state = ws.root / ".releasekit"
    with Journal.open(state) as book:  # a lift stopped before its push, and mail after it
        book.start(RUN, datetime(2026, 12, 1, 14, tzinfo=UTC), GOOD_RUN)
        for n in range(40):
            book.start(f"announce/run-0/x/{n}@b.example", datetime(2026, 11, 28, tzinfo=UTC))
    row, key = (2, "announce/run-0/x/0@b.example") if command == ("publish",) else (1, RUN)
    said = damage(state / "journal.sqlite3").format(row=row, key=key)
    before = unlocked(ws)
    with time_machine.travel("2026-12-02T12:00:00Z", tick=False):
        result = CliRunner().invoke(cli, ["-C", str(ws.root), *command])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.splitlines() == [
        f"releasekit: error: {state / 'journal.sqlite3'}{said}"
    ], result.stderr
    assert result.exit_code == 2
    assert unlocked(ws) == before


def unlocked(ws: Workspace) -> dict[str, bytes]:
    """The workspace's files but the lock files (a lift takes its locks first)."""
    return {k: v for k, v in ws.snapshot().items() if not k.endswith(".lock")}

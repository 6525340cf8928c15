"""A journal whose lift steps were damaged between runs (edited by hand, a field lost): the
commands that read it say so in one line naming the journal and the step, exit 1, and
change nothing; never a traceback where a field of the step is read.

SQLite and the JSON check of each row find nothing wrong in these journals: each detail is a
JSON object, only not the one the lift wrote.
"""

from __future__ import annotations

import json
import sqlite3

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

# (run step, push step, the step named): each once a KeyError, TypeError, ValueError or
# AttributeError traceback in `embargo status` or `embargo lift`.
CASES = {
    "run without run or ids": (("started", {}), ("started", {}), RUN),
    "run whose ids are a number": (("started", {**GOOD_RUN, "ids": 5}), ("started", {}), RUN),
    "run whose instant is no time": (("started", {**GOOD_RUN, "instant": "x"}), None, RUN),
    "run whose instant has no zone": (
        ("started", {**GOOD_RUN, "instant": "2026-12-01T14:00:00"}),
        None,
        RUN,
    ),
    "finished run without ids": (("done", {"run": "run-1"}), ("done", GOOD_PUSH), RUN),
    "push whose updates are not ref updates": (
        ("started", GOOD_RUN),
        ("started", {"updates": [[1]], "fixed": {}}),
        PUSH,
    ),
    "push done without released": (("started", GOOD_RUN), ("done", {**GOOD_PUSH}), PUSH),
    "push done whose fixed is a list": (
        ("started", GOOD_RUN),
        ("done", {**GOOD_PUSH, "fixed": [1, 2]}),
        PUSH,
    ),
}
CASES["push done without released"][1][1].pop("released")


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
@pytest.mark.parametrize(
    "command",
    [("embargo", "status"), ("embargo", "lift", "--dry-run"), ("embargo", "lift", "--yes")],
)
def test_a_damaged_lift_step_is_one_line_naming_it(
    ws: Workspace, case: tuple[tuple[str, dict[str, object]], ...], command: tuple[str, ...]
) -> None:
    ws.write("releasekit.toml", MINIMAL_CONFIG + MAIL)
    ws.advisory()
    state = ws.root / ".releasekit"
    Journal.open(state).close()
    run, push, named = case
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
    assert result.exit_code == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"releasekit: error: {state / 'journal.sqlite3'}: the journal cannot be used: the "
        f"detail of step {named} is not as a lift's {named.rsplit('/', 1)[1]} writes it"
    ]
    assert unlocked(ws) == before


def unlocked(ws: Workspace) -> dict[str, bytes]:
    """The workspace's files but the lock files (a lift takes its locks first)."""
    return {k: v for k, v in ws.snapshot().items() if not k.endswith(".lock")}

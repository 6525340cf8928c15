"""A lift's run: its identity, derived from the ids it lifts, and its steps in the journal.

Every step of a run is journalled under ``lift/RUN/STEP``; the ``run`` step is open from the
moment the push starts until the last step is done, so a later lift (or ``status``) finds a
half-done run and resumes it. A run that stopped before its ``push`` step started (an
embargo moved during ``--wait``, a kill) made nothing public: it is abandoned, never
resumed, and the next lift takes the batch that is due then. A finished run whose record an
advisory file lost afterwards (a checkout of the files from before the lift) is
:func:`unrecorded`: the lift takes it again and writes the record from the journal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from releasekit.adapters import journal
from releasekit.embargo.context import Outside
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.support.errors import JournalDamaged, JournalError


def run_id(ids: Sequence[str]) -> str:
    """A run's stable identity: the same advisories always give the same id."""
    digest = hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()[:12]
    return f"run-{digest}"


def step_key(run: str, step: str) -> str:
    """The journal key of one step of a lift's run."""
    return f"lift/{run}/{step}"


def unfinished_run(book: journal.Journal | None) -> journal.Step | None:
    """The run step of a lift that started pushing and did not finish, if any."""
    if book is None:
        return None
    for step in _open_runs(book):
        if book.get(step_key(step.detail["run"], "push")) is not None:
            return step
    return None


def journalled_tags(settings: Settings) -> dict[str, str]:
    """The tags the unfinished pushes of this workspace's lifts meant to make (name -> tag
    object id, as journalled before the push): the plan takes such a tag, found in the
    clone but not on the remote, for that lift's, which resuming it pushes. A detail not
    as the lift writes it holds none (the lift itself says the journal is damaged).

    Raises JournalDamaged when the file is no whole journal (bad input, exit 2: a plan
    made without its record would take a lift's own tag for a stray one); a journal that
    cannot be read now (locked, unreadable) holds none."""
    try:
        book = journal.Journal.reading(settings.state_dir)
        steps = [] if book is None else _steps_of(book)
    except JournalDamaged:
        raise
    except (JournalError, OSError):  # (the lift, which reads it to resume, says so)
        return {}
    found: dict[str, str] = {}
    for step in steps:
        if not step.key.endswith("/push") or step.status == "done":
            continue
        updates = step.detail.get("updates")
        for update in updates if isinstance(updates, list) else ():
            if not (isinstance(update, list) and len(update) == 4):
                continue
            ref, new = update[0], update[2]
            if isinstance(ref, str) and isinstance(new, str) and ref.startswith("refs/tags/"):
                found[ref.removeprefix("refs/tags/")] = new
    return found


def _steps_of(book: journal.Journal) -> list[journal.Step]:
    with book:
        return book.steps("lift/")


def abandon_stale(book: journal.Journal, now: datetime) -> list[str]:
    """Mark abandoned every open run that never started its push (nothing of it is public);
    their run ids."""
    stale = [
        step for step in _open_runs(book) if book.get(step_key(step.detail["run"], "push")) is None
    ]
    for step in stale:
        book.abandon(step.key, now, "stopped before the push; nothing was pushed or sent")
    return [str(step.detail["run"]) for step in stale]


@dataclass(frozen=True)
class Unrecorded:
    """A finished run of this journal whose release some advisory files no longer record."""

    run: str  # the run id
    ids: list[str]  # every advisory the run released
    missing: list[Advisory]  # those whose file says nothing of the release
    instant: datetime


def unrecorded(book: journal.Journal | None, advisories: Sequence[Advisory]) -> list[Unrecorded]:
    """The finished runs of this journal (their push done) whose advisories, among
    ``advisories``, say nothing of the release: the record was discarded after the lift.
    Earliest first. A lift of such a run writes the record again and pushes and sends
    nothing (:func:`releasekit.embargo.steps.record`)."""
    if book is None:
        return []
    lost = {a.id: a for a in advisories if a.released is None}
    found = []
    for step in _runs(book):
        if step.status != "done":
            continue
        missing = [lost[i] for i in step.detail["ids"] if i in lost]
        if missing and book.is_done(step_key(step.detail["run"], "push")):
            instant = journal.instant(step.detail["instant"])
            found.append(Unrecorded(step.detail["run"], list(step.detail["ids"]), missing, instant))
    return sorted(found, key=lambda u: u.instant)


def _open_runs(book: journal.Journal) -> list[journal.Step]:
    """Run steps neither done nor abandoned."""
    return [step for step in _runs(book) if step.status != "done"]


def _runs(book: journal.Journal) -> list[journal.Step]:
    """Every run step not abandoned, each with its detail as lift() wrote it: ``run``,
    ``ids`` and ``instant`` (a JournalError naming the step otherwise, not a traceback where
    a field is read)."""
    found = []
    for step in book.steps("lift/"):
        if not step.key.endswith("/run") or step.detail.get("abandoned"):
            continue
        detail = step.detail
        ids = detail.get("ids")
        try:
            journal.instant(detail.get("instant"))
        except ValueError:
            raise book.damaged(step, "a lift's run", "detail.instant") from None
        if not isinstance(detail.get("run"), str):
            raise book.damaged(step, "a lift's run", "detail.run")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise book.damaged(step, "a lift's run", "detail.ids")
        found.append(step)
    return found


@dataclass(frozen=True)
class Run:
    """A lift under way: its advisories, its journal and what it works with."""

    name: str  # the run id
    batch: Sequence[Advisory]
    settings: Settings
    outside: Outside
    book: journal.Journal
    now: Callable[[], datetime]

    def key(self, step: str) -> str:
        return step_key(self.name, step)

    @property
    def ids(self) -> list[str]:
        return [a.id for a in self.batch]

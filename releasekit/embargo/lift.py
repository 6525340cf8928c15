"""``embargo lift``: make the held fixes public in a safe order, each irreversible step
journalled.

1. **preflight** (:mod:`releasekit.embargo.gates`): any failure and nothing changes anywhere.
2. **push** (:mod:`releasekit.embargo.push`): the stacked fix commits and signed annotated
   tags, never forced, read back from the remote before anything is announced.
3. **record**, **mail**, **site** (:mod:`releasekit.embargo.steps`): ``released`` and
   ``fixed`` in each advisory file, the signed announcement to each list, the site.

A run's identity comes from the ids it lifts (:mod:`releasekit.embargo.run`). The journal
keeps the refs it meant to push and what was confirmed, so a re-run after any failure or kill
resumes: it never pushes twice, never sends an e-mail twice, and ends in the same state as an
uninterrupted run.
"""

from __future__ import annotations

import contextlib
import errno
import functools
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from releasekit.adapters import journal
from releasekit.embargo import push, steps, texts
from releasekit.embargo.batch import select_batch
from releasekit.embargo.context import Outside, require_mail
from releasekit.embargo.gates import Check, failures, preflight, resume_checks
from releasekit.embargo.prepare import Prepared, RefUpdate, messages
from releasekit.embargo.run import (
    Run,
    abandon_stale,
    run_id,
    step_key,
    unfinished_run,
    unrecorded,
)
from releasekit.embargo.sending import Answers
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release.plan import ReleaseCommit
from releasekit.support import clock, fsutil
from releasekit.support.errors import (
    BadInput,
    JournalError,
    NotDone,
    NotReady,
    Refused,
    ReleasekitError,
    Unsent,
)
from releasekit.workspace import files as workspace

RECHECK_BEFORE = timedelta(seconds=10)
T = TypeVar("T")
Checks = Callable[[Settings, Outside, datetime], list[Check]]


@dataclass
class LiftReport:
    """What a lift did (or, with --dry-run, would do)."""

    run: str
    advisories: list[str]
    checks: list[Check] = field(default_factory=list)
    updates: list[RefUpdate] = field(default_factory=list)
    releases: list[ReleaseCommit] = field(default_factory=list)  # when planned by this run
    fixed: dict[str, dict[str, str]] = field(default_factory=dict)
    subject: str = ""
    body: str = ""
    recipients: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (commit or tag, text)
    instant: datetime | None = None  # when the batch may go public
    released: datetime | None = None
    done: list[str] = field(default_factory=list)  # steps done by this invocation
    skipped: list[str] = field(default_factory=list)  # steps found done already
    resumed: bool = False

    def note(self, step: str, done_now: bool) -> None:
        (self.done if done_now else self.skipped).append(step)

    @property
    def ready(self) -> bool:
        """Every gate tried passed (a dry run reports a failed one instead of raising)."""
        return not failures(self.checks)


def lift(
    settings: Settings,
    outside: Outside,
    *,
    dry_run: bool = False,
    wait: bool = False,
    confirm: Callable[[LiftReport], bool] = lambda report: True,
    now: Callable[[], datetime] = clock.now,
    sleep: Callable[[float], None] = clock.sleep,
    countdown: Callable[[timedelta], None] | None = None,
    resend: Collection[str] = (),
    delivered: Collection[str] = (),
    unconfirmable: str | None = None,
    checks_again: Checks = resume_checks,
) -> LiftReport:
    """Preflight, then push, record, announce and publish; resumable and idempotent.

    ``dry_run``: at any time, what the lift would do at the batch's instant (the next one
    when none is due yet), its gates tried; nothing written (no journal, no lock file, no
    advisory or site file), nothing pushed or sent. A failed gate is in the report's checks
    (``report.ready``) instead of raised.

    ``unconfirmable``: why ``confirm`` cannot ask (no terminal): with something to lift (and
    not ``dry_run``), BadInput with it, before the preflight touches the remote or the mail
    server; with nothing to lift, the empty report as always.

    A run is journalled from the moment its push starts (after the embargo instant); until
    then a failure or interruption leaves nothing behind but the fetched remote-tracking refs.
    An announcement that the server may have taken without answering is sent again only for
    an address in ``resend``, and recorded as sent for one in ``delivered`` (the operator's
    word, after a look at the list's archive); see :mod:`releasekit.embargo.sending`.

    ``checks_again`` tries the gates that can change while nobody watches (the key, the mail
    server) before a push the preflight did not just check: a resumed one, or one after a
    long wait.
    """
    state = settings.state_dir if dry_run else workspace.state_dir(settings)
    # A lift holds "lift" from start to end: two never overlap. "clone" guards the clone and
    # the journal while a run uses them; a dry run takes only that one, which a lift lets go
    # of while it asks and waits for its instant: a dry run works then too.
    own = contextlib.nullcontext() if dry_run else journal.exclusive(state, "lift")
    with (
        own,
        journal.exclusive(state, "clone", create=not dry_run, busy=_BUSY) as clone,
        contextlib.ExitStack() as books,
    ):
        book = journal.Journal.reading(state)
        if book is not None:
            books.enter_context(book)
        try:
            advisories = workspace.load_advisories(settings)
        except ReleasekitError as exc:
            started = unfinished_run(book)
            if started is None:
                raise
            raise NotDone(
                f"{exc}. The push of lift {started.detail['run']} started: fix this, then "
                "re-run `releasekit embargo lift` to finish (push, record, announce, publish)."
            ) from exc
        chosen = _choose(advisories, book, now(), wait or dry_run)
        if chosen is None:
            return LiftReport("", [])
        name, batch, instant, resumed = chosen
        report = LiftReport(name, [a.id for a in batch], resumed=resumed, instant=instant)
        if unconfirmable is not None and not dry_run:  # refused before any gate is tried
            raise BadInput(unconfirmable)
        report.recipients = list(require_mail(settings).to)
        report.pages = _pages(batch)
        push_step = book.get(step_key(name, "push")) if book is not None else None
        checked_at = now()  # when the gates were last tried
        prepared = _gates(settings, outside, batch, advisories, instant, book, push_step,
                          checks_again, now, report, dry_run)  # fmt: skip
        if dry_run:
            return report
        with clone.released():
            if not confirm(report):
                raise Refused("not confirmed; nothing was pushed, sent or written")
            if prepared is not None:
                recheck = functools.partial(_check_again, settings, outside, now, checks_again)
                _wait_for(instant, now, sleep, countdown, recheck, checked_at)
        # Read until here (a dry run, a lift with nothing due or not confirmed writes
        # nothing); the steps are written through a journal opened to write.
        if book is not None:
            book.close()
        book = books.enter_context(journal.Journal.open(state))
        run = Run(name, batch, settings, outside, book, now)
        if prepared is not None:
            if not resumed:
                abandon_stale(book, now())  # runs killed before their push: not resumed
                detail = {"run": name, "ids": run.ids, "instant": instant.isoformat()}
                book.start(run.key("run"), now(), detail)
            _push(run, prepared)
        report.note("push", prepared is not None)
        _after_push(run, report, Answers.of(resend, delivered))
        return report


_BUSY = (
    "a lift is checking or pushing in this workspace right now; run the dry run again once "
    "it is done, or while it waits for its instant"
)


def _choose(
    advisories: Sequence[Advisory], book: journal.Journal | None, now: datetime, wait: bool
) -> tuple[str, list[Advisory], datetime, bool] | None:
    """(run id, batch, instant, resumed): the half-done run if there is one, else a finished
    run whose record advisory files lost (:func:`unrecorded`: its steps find the push and
    the mail done, and the record step writes the lost record again), else the batch due
    (see :func:`select_batch`); None when nothing is pending."""
    unfinished = unfinished_run(book)
    if unfinished is not None:
        by_id = {a.id: a for a in advisories}
        gone = [i for i in unfinished.detail["ids"] if i not in by_id]
        if gone:  # never finished without them: nothing recorded, an empty announcement
            raise NotDone(
                f"{', '.join(gone)}: no advisory file has this id, but the push of lift "
                f"{unfinished.detail['run']} started: restore it, then re-run "
                "`releasekit embargo lift` to finish (record, announce, publish)."
            )
        batch = [by_id[i] for i in unfinished.detail["ids"]]
        instant = journal.instant(unfinished.detail["instant"])
        return str(unfinished.detail["run"]), batch, instant, True
    lost = unrecorded(book, advisories)
    if lost:
        # The run's batch as lifted: the record step writes only the files that lost it.
        by_id = {a.id: a for a in advisories}
        batch = [by_id[i] for i in lost[0].ids if i in by_id]
        return lost[0].run, batch, lost[0].instant, True
    batch, found = select_batch(advisories, now, wait)
    if not batch or found is None:
        return None
    return run_id([a.id for a in batch]), batch, found, False


def _check_again(
    settings: Settings, outside: Outside, now: Callable[[], datetime], checks_again: Checks
) -> None:
    """Just before the instant, after a long wait: the key and the server may have changed."""
    failed = failures(checks_again(settings, outside, now()))
    if failed:
        raise NotReady(
            f"just before the embargo instant: {failed}. Nothing was pushed, sent or written"
        )


def _gates(
    settings: Settings,
    outside: Outside,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    instant: datetime,
    book: journal.Journal | None,
    push_step: journal.Step | None,
    checks_again: Checks,
    now: Callable[[], datetime],
    report: LiftReport,
    dry_run: bool,
) -> Prepared | None:
    """What is still to push, once the gates passed (into ``report``); None when the push is
    done. Before any push, the whole preflight; to resume a push, the journal says what it
    meant to push and ``checks_again`` tries the key and the server. A failed gate raises
    NotReady, unless ``dry_run``: then the report shows it, and what the plan would push."""
    prepared: Prepared | None = None
    if push_step is None:
        checks, prepared = preflight(
            settings, batch, advisories, outside, now(), sign_at=instant, run_verify=not dry_run
        )
        report.checks = checks
        failed = failures(checks)
        if (prepared is None or failed) and not dry_run:
            raise NotReady(f"preflight failed: {failed}. Nothing was pushed, sent or written")
    elif push_step.status != "done":
        assert book is not None  # (the step was read from it)
        prepared = Prepared.from_journal(book, push_step)
        report.checks = checks_again(settings, outside, now())
        if failures(report.checks) and not dry_run:
            raise NotReady(f"cannot resume the push: {failures(report.checks)}")
    if prepared is not None:
        report.updates = list(prepared.updates)
        if prepared.plan is not None:
            outcomes = prepared.plan.outcomes.values()
            report.releases = [o.release for o in outcomes if o.release and o.head]
        report.fixed = {k: dict(v) for k, v in prepared.fixed.items()}
        report.messages = messages(prepared)
        try:
            report.subject, report.body = texts.announcement(
                settings, batch, instant, prepared.fixed, prepared.unfixed
            )
        except ReleasekitError:
            if not dry_run:
                raise
            # The preflight's "announcement and pages" check has said why.
    return prepared


def _push(run: Run, prepared: Prepared) -> None:
    """Push; a run stopped before its push started (an embargo moved during the wait) is
    abandoned, so that the next lift takes the batch due then instead of retrying it. A
    journal that fails once the push started says, like any failure of the push, that refs
    may be public and a re-run finishes it; so does an interrupt."""
    try:
        push.push(run, prepared)
    except BaseException as exc:
        try:
            started = run.book.get(run.key("push")) is not None
        except JournalError:
            started = True  # unreadable: it may have
        if isinstance(exc, JournalError | KeyboardInterrupt) and started:
            # (a journal locked by another process, a full disk; Ctrl-C, where click would
            # say only "Aborted!") Refs may be public: say so.
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            raise NotDone(
                f"{why}. The push started and may be partly done; nothing was announced. "
                "Re-run `releasekit embargo lift` to finish it."
            ) from exc
        if not started:
            with contextlib.suppress(JournalError):  # unmarked, it is still never resumed
                abandon_stale(run.book, run.now())
        raise


def _after_push(run: Run, report: LiftReport, answers: Answers) -> None:
    """Record, announce and publish what the journal says was pushed; finish the run."""
    push_step = run.book.get(run.key("push"))
    assert push_step is not None
    assert push_step.status == "done"
    pushed = Prepared.from_journal(run.book, push_step)
    try:
        report.released = released = journal.instant(push_step.detail.get("released"))
    except ValueError:
        raise run.book.damaged(push_step, "a lift's push", "detail.released") from None
    report.fixed = fixed = {k: dict(v) for k, v in pushed.fixed.items()}
    report.updates = list(pushed.updates)
    try:
        recorded = (fixed, pushed.unfixed)
        report.note("record", _told(steps.record, run, released, recorded, pushed.fix_commits))
        sent = _told(steps.announce, run, released, recorded, answers)
        if sent is not None:
            report.subject, report.body = sent
        report.note("mail", sent is not None)
        report.note("site", _told(steps.publish, run, released))
        run.book.finish(run.key("run"), run.now())
    except KeyboardInterrupt as exc:  # (click would say only "Aborted!")
        raise NotDone(f"interrupted. {_PUSHED}") from exc
    except (OSError, JournalError) as exc:
        # The fixes are public now: the one line says so, and what to do (a full disk, say).
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            raise
        what = fsutil.describe(exc, run.settings.root) if isinstance(exc, OSError) else str(exc)
        raise NotDone(f"{what}. {_PUSHED}") from exc


_PUSHED = (
    "The release is pushed; re-run `releasekit embargo lift` to finish (record, announce, publish)."
)


def _told(step: Callable[..., T], *args: Any) -> T:
    """A step after the push: what stops it (a template, the signing key or the site folder
    broken since the preflight, say) is not done (exit 1), and the one line says the release
    is pushed. (A message not sent says what to do already; see sending.)"""
    try:
        return step(*args)
    except ReleasekitError as exc:
        if isinstance(exc, JournalError | Unsent):
            raise
        raise NotDone(f"{exc}. {_PUSHED}") from exc


def _pages(batch: Sequence[Advisory]) -> list[str]:
    return [
        "site/index.html",
        *(f"site/advisories/{a.id}.html" for a in batch),
        "site/feed.xml",
        "site/atom.xml",
        "site/advisories.json",
    ]


def _wait_for(
    instant: datetime,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    countdown: Callable[[timedelta], None] | None,
    recheck: Callable[[], None] | None = None,
    checked_at: datetime | None = None,
) -> None:
    """Sleep until ``instant``; never returns before it (checked against the clock).

    When the gates were last tried (``checked_at``) more than RECHECK_BEFORE before the
    instant, ``recheck`` runs once, that long before it (or at once, when a confirmation came
    later than that): what can change while nobody watches (gpg-agent forgets a passphrase
    after ten minutes, a mail server goes down) is tried again before anything is pushed, and
    a passphrase prompt comes then, not after the fix is public.
    """
    if checked_at is not None and instant - checked_at <= RECHECK_BEFORE:
        recheck = None  # the preflight has just checked them
    while True:
        left = instant - now()
        if recheck is not None and left <= RECHECK_BEFORE:
            pending = recheck
            recheck = None
            pending()
            continue
        if left <= timedelta(0):
            return
        if countdown is not None:
            countdown(left)
        # Short sleeps near the instant keep the start of the push well within a second.
        sleep(min(left.total_seconds(), 0.5 if left > timedelta(seconds=2) else 0.02))

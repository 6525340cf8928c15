"""The embargo: status, preflight and the lift.

The lift makes held fixes public in a safe order, each irreversible step journalled:

1. **preflight**: every gate of the readiness checklist (plan, lint, CVE ids, signing key,
   SMTP server, remote and fast-forward pushes, announcement and pages). Any failure: nothing
   changes anywhere.
2. **push**: the stacked fix commits and signed annotated tags, in one push, never forced;
   the remote refs are read back and compared. A branch that moved meanwhile is fetched,
   re-applied and pushed again, a bounded number of times, before anything is announced.
3. **record**: ``released`` and ``fixed`` written into each advisory file (atomically).
4. **mail**: the PGP/MIME-signed announcement, one message per list address, each marked sent
   only after the server accepted it, with a stable Message-ID.
5. **site**: the site built as ``releasekit publish`` does (placeholders for these).

A run's identity comes from the ids it lifts. The journal keeps the refs it meant to push and
what was confirmed, so a re-run after any failure or kill resumes: it never pushes twice, never
sends an e-mail twice, and ends in the same state as an uninterrupted run.

Core functions take ``now`` (or a clock callable for waiting); only :mod:`releasekit.clock`
reads the wall clock. Nothing here prints: results are returned for the CLI to show.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import signal
import tempfile
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from packaging.version import Version

from releasekit import workspace
from releasekit.adapters import journal, mail
from releasekit.adapters.env import Environment
from releasekit.adapters.git import Person, ProductRepo
from releasekit.adapters.signing import Signer
from releasekit.model.advisory import Advisory, update_front_matter
from releasekit.model.config import MailSettings, Settings
from releasekit.release import plan
from releasekit.site import build as site_build
from releasekit.support import clock, fsutil, render, timefmt
from releasekit.support.errors import (
    BadInput,
    ConfigError,
    GitError,
    JournalError,
    MailError,
    NotDone,
    NotReady,
    Refused,
    ReleasekitError,
    RemoteUnreachable,
)

Progress = Callable[[str], None]
PUSH_ATTEMPTS = 3
SEVERITY_ORDER = ("none", "low", "medium", "high", "critical")
# Test hook: kill the process (SIGKILL) right after the named step is journalled, so that
# the fault tests can prove that a re-run resumes. Unset in normal use.
CRASH_AFTER = "RELEASEKIT_TEST_CRASH_AFTER"


@dataclass(frozen=True)
class Check:
    """One item of the readiness checklist: OK, or the reason it is not."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Outside:
    """What the embargo needs from the environment (credentials, GnuPG home)."""

    env: Environment
    progress: Progress | None = None

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)


@dataclass(frozen=True)
class RefUpdate:
    """One ref the lift pushes: where it points now on the remote, and where it will."""

    ref: str
    old: str | None
    new: str
    line: str


@dataclass(frozen=True)
class Prepared:
    """Everything the lift would make public, computed before the embargo instant."""

    plan: plan.Plan | None  # None when rebuilt from the journal
    updates: tuple[RefUpdate, ...]
    fixed: Mapping[str, Mapping[str, str]]  # advisory id -> line -> fixed version

    def lines(self) -> list[str]:
        return sorted({u.line for u in self.updates})


@dataclass
class LiftReport:
    """What a lift did (or, with --dry-run, would do)."""

    run: str
    advisories: list[str]
    checks: list[Check] = field(default_factory=list)
    updates: list[RefUpdate] = field(default_factory=list)
    fixed: dict[str, dict[str, str]] = field(default_factory=dict)
    subject: str = ""
    body: str = ""
    recipients: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    released: datetime | None = None
    done: list[str] = field(default_factory=list)  # steps done by this invocation
    skipped: list[str] = field(default_factory=list)  # steps found done already
    resumed: bool = False


def pending(advisories: Sequence[Advisory]) -> list[Advisory]:
    """Advisories with an embargo that are not released yet, soonest first."""
    found = [a for a in advisories if a.embargo is not None and a.released is None]
    return sorted(found, key=lambda a: (a.embargo, a.year, a.number))


def run_id(ids: Sequence[str]) -> str:
    """A run's stable identity: the same advisories always give the same id."""
    digest = hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()[:12]
    return f"run-{digest}"


def _key(run: str, step: str) -> str:
    return f"lift/{run}/{step}"


def _crash_point(outside: Outside, step: str) -> None:
    if outside.env.get(CRASH_AFTER) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _open_repo(settings: Settings, outside: Outside) -> ProductRepo:
    return ProductRepo.open(settings.repository_path, outside.env)


def require_mail(settings: Settings) -> MailSettings:
    """The [mail] table, which init leaves commented out: without it, input is missing."""
    if settings.mail is None:
        raise _missing(settings, "mail", "no [mail] table: the embargo commands send mail")
    return settings.mail


def _missing(settings: Settings, table: str, message: str) -> ConfigError:
    """An optional table of releasekit.toml that the command needs is not there."""
    return ConfigError.one(
        workspace.display_path(settings, settings.config_path), None, table, message
    )


# --- the release texts ----------------------------------------------------------------------


def announced_lines(fixed: Mapping[str, str]) -> list[mail.AnnouncedLine]:
    """Affected and fixed versions per line: fixed in 10.3.3 means 10.3.0 to 10.3.2 were
    affected; fixed in 10.4.0 (the upcoming line) means no release was."""
    lines = []
    for line, version in sorted(fixed.items(), key=lambda item: Version(item[0])):
        head, _, patch = version.rpartition(".")
        affected = ""
        if patch.isdigit() and int(patch) > 0:
            latest = f"{head}.{int(patch) - 1}"
            first = f"{head}.0"
            affected = latest if latest == first else f"{first} to {latest}"
        lines.append(mail.AnnouncedLine(line, affected, version))
    return lines


def _fixed(the_plan: plan.Plan, batch: Sequence[Advisory]) -> dict[str, dict[str, str]]:
    fixed: dict[str, dict[str, str]] = {}
    for advisory in batch:
        fixed[advisory.id] = {
            cell.line: the_plan.line(cell.line).next_version
            for cell in the_plan.cells
            if cell.advisory == advisory.id and cell.required
        }
    return fixed


def prepare(
    settings: Settings,
    batch: Sequence[Advisory],
    signer: Signer | None,
    when: datetime,
    outside: Outside,
) -> Prepared:
    """Fetch, apply the fixes onto the fresh tips and build the commits and signed tags.

    Objects are created in memory only (see :mod:`releasekit.git`); no ref changes. Tags are
    signed when ``signer`` is given (the dry run shows unsigned tags).
    """
    the_plan = plan.build_plan(
        settings, list(batch), _open_repo(settings, outside), progress=outside.progress
    )
    repo = the_plan.repo
    tagger = Person(the_plan.committer.name, the_plan.committer.email, int(when.timestamp()))
    updates: list[RefUpdate] = []
    for line in the_plan.lines:
        head = the_plan.outcomes[line.name].head
        if head is None:  # nothing new on this line: no branch update, no release
            continue
        updates.append(RefUpdate(f"refs/heads/{line.branch}", line.base, head, line.name))
        if line.tag is not None and line.tag_message is not None:
            sign = signer.sign_for_tag if signer is not None else None
            tag_oid = repo.create_tag_object(line.tag, head, line.tag_message, tagger, sign)
            updates.append(RefUpdate(f"refs/tags/{line.tag}", None, tag_oid, line.name))
    return Prepared(the_plan, tuple(updates), _fixed(the_plan, batch))


def announcement(
    settings: Settings, batch: Sequence[Advisory], released: datetime, prepared: Prepared
) -> tuple[str, str]:
    env = render.environment(settings.templates_dir)
    items = [(a, announced_lines(prepared.fixed.get(a.id, {}))) for a in batch]
    context = mail.announcement_context(settings, released, items)
    context["zone"] = settings.zone
    return mail.render_announcement(env, context)


# --- preflight --------------------------------------------------------------------------------


def preflight(
    settings: Settings,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    outside: Outside,
    now: datetime,
    *,
    sign_at: datetime | None = None,
) -> tuple[list[Check], Prepared | None]:
    """Every gate of the readiness checklist; the prepared release when the plan is built.

    ``sign_at`` is when signing must still work (the embargo instant when waiting for it).
    """
    checks: list[Check] = []
    prepared: Prepared | None = None
    mail_settings = settings.mail

    missing_cve = [a.id for a in batch if not a.cve]
    checks.append(
        Check(
            "CVE ids",
            not missing_cve,
            "OK" if not missing_cve else f"no CVE id in {', '.join(missing_cve)}",
        )
    )

    signer: Signer | None = None
    if mail_settings is None:
        checks.append(Check("signing key", False, "no [mail] signing_key configured"))
    else:
        signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
        key = signer.check(max(now, sign_at or now))
        checks.append(Check("signing key", key.ok, "OK" if key.ok else str(key.reason)))
        if not key.ok:
            signer = None

    if mail_settings is None:
        checks.append(Check("SMTP server", False, "no [mail] table in releasekit.toml"))
    else:
        problem = mail.check_server(mail_settings, outside.env)
        checks.append(Check("SMTP server", problem is None, problem or "OK"))

    try:
        # Tags carry the time they become public: the embargo instant when waiting for it.
        prepared = prepare(settings, batch, signer, max(now, sign_at or now), outside)
    except RemoteUnreachable as exc:
        checks.append(Check("remote", False, str(exc)))
    except (GitError, NotDone) as exc:
        checks.append(Check("plan", False, str(exc)))
    if prepared is None:
        return checks, None

    the_plan = prepared.plan
    assert the_plan is not None
    problems = [
        f"{c.advisory} on {c.line}: {c.status}"
        + (f" ({', '.join(c.conflicts)})" if c.conflicts else "")
        for c in the_plan.cells
        if not c.ok
    ]
    checks.append(
        Check(
            "fixes held and applying",
            not problems,
            "OK" if not problems else "; ".join(problems),
        )
    )
    findings = plan.lint_plan(settings, the_plan, advisories)
    checks.append(
        Check(
            "leak lint",
            not findings,
            "OK" if not findings else f"{len(findings)} finding(s): run `releasekit lint`",
        )
    )
    checks.append(_remote_check(settings, prepared))
    checks.append(_texts_check(settings, batch, advisories, prepared, now))
    return checks, prepared


def _remote_check(settings: Settings, prepared: Prepared) -> Check:
    """The remote answers, every branch push is a fast-forward and no tag exists yet."""
    assert prepared.plan is not None
    repo = prepared.plan.repo
    try:
        advertised = repo.ls_remote(settings.project.remote)
    except RemoteUnreachable as exc:
        return Check("remote", False, str(exc))
    problems = []
    for update in prepared.updates:
        current = advertised.get(update.ref)
        if update.ref.startswith("refs/tags/"):
            if current is not None and current != update.new:
                problems.append(f"{update.ref} already exists")
        elif current != update.old and current != update.new:
            problems.append(f"{update.ref} moved since the fetch")
    detail = "OK" if not problems else "; ".join(problems)
    return Check("remote and fast-forward pushes", not problems, detail)


def _texts_check(
    settings: Settings,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    prepared: Prepared,
    now: datetime,
) -> Check:
    """The announcement and the site render with the templates in use, and the batch's
    CVE and OSV records will be valid on the disclosure date.

    The site is built into a scratch directory beside the workspace's templates, as it will
    be right after the push; the live site is not touched.
    """
    from releasekit import records

    try:
        announcement(settings, batch, now, prepared)
        released = {a.id: _as_released(a, now, prepared.fixed[a.id]) for a in batch}
        for advisory in released.values():  # the records due on the disclosure date
            refused = records.check(settings, advisory)
            if refused is not None:
                raise refused[1]
        with tempfile.TemporaryDirectory(prefix="releasekit-preflight-") as scratch:
            root = Path(scratch)
            if settings.templates_dir.is_dir():
                (root / "templates").symlink_to(settings.templates_dir)
            trial = replace(settings, root=root)
            site_build.publish(trial, [released.get(a.id, a) for a in advisories], now)
    except ReleasekitError as exc:
        return Check("announcement and pages", False, str(exc))
    return Check("announcement and pages", True, "OK")


def _as_released(advisory: Advisory, when: datetime, fixed: Mapping[str, str]) -> Advisory:
    return replace(advisory, released=when, fixed=dict(fixed))


# --- status -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingStatus:
    advisory: Advisory
    ends: datetime
    left: timedelta


@dataclass
class BatchStatus:
    """The advisories whose embargo ends at one instant: they are lifted together."""

    instant: datetime
    ids: list[str]
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass
class StatusReport:
    pending: list[PendingStatus]
    batches: list[BatchStatus]
    unfinished: list[journal.Step]  # steps of a half-done lift
    unfinished_run: list[str]  # advisory ids of that lift

    @property
    def ready(self) -> bool:
        return all(b.ready for b in self.batches) and not self.unfinished_run


def status(settings: Settings, outside: Outside, now: datetime) -> StatusReport:
    """Each pending embargo with its time left; the readiness checklist of each batch (the
    advisories lifted together, as the lift groups them); a half-done lift."""
    advisories = workspace.load_advisories(settings)
    waiting = pending(advisories)
    report = StatusReport(
        [PendingStatus(a, a.embargo, a.embargo - now) for a in waiting if a.embargo], [], [], []
    )
    book = journal.Journal.existing(settings.state_dir)
    if book is not None:
        with book:
            run = unfinished_run(book)
            if run is not None:
                report.unfinished_run = list(run.detail["ids"])
                name = run.detail["run"]
                report.unfinished = [s for s in book.steps(f"lift/{name}/") if s is not run]
    due = [a for a in waiting if a.embargo is not None and a.embargo <= now]
    groups: dict[datetime, list[Advisory]] = {}
    if due:  # the lift takes everything already due at once
        groups[max(a.embargo for a in due if a.embargo)] = due
    for advisory in waiting:
        if advisory.embargo is not None and advisory.embargo > now:
            groups.setdefault(advisory.embargo, []).append(advisory)
    for instant, batch in groups.items():
        checks, _ = preflight(settings, batch, advisories, outside, now, sign_at=instant)
        report.batches.append(BatchStatus(instant, [a.id for a in batch], checks))
    return report


# --- the pre-announcement ----------------------------------------------------------------


@dataclass
class PreAnnouncement:
    """The public pre-announcement of the next embargo (what was, or would be, sent)."""

    instant: datetime
    count: int
    highest: str
    lines: list[tuple[str, str]]  # (line, version to be released)
    recipients: list[str]
    subject: str = ""
    body: str = ""
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sent before


def pre_announce(
    settings: Settings,
    outside: Outside,
    now: datetime,
    *,
    dry_run: bool = False,
    confirm: Callable[[PreAnnouncement], bool] = lambda item: True,
    resend: Collection[str] = (),
    delivered: Collection[str] = (),
) -> PreAnnouncement:
    """Announce the date, versions and highest severity of the next embargo; no details.

    Covers the advisories whose embargo is the next instant. Signed like the announcement,
    one message per list, each sent once (journalled under that instant: a moved embargo
    may be announced again).
    """
    mail_settings = require_mail(settings)
    advisories = workspace.load_advisories(settings)
    instant, batch = _next_batch(advisories, now, "pre-announce")
    the_plan = plan.build_plan(
        settings, batch, _open_repo(settings, outside), progress=outside.progress
    )
    needed = {c.line for c in the_plan.cells if c.required}
    lines = [line for line in the_plan.lines if line.name in needed]
    lines.sort(key=lambda line: Version(line.name), reverse=True)
    severities = [a.severity for a in batch]
    highest = max(severities, key=SEVERITY_ORDER.index)
    item = PreAnnouncement(
        instant,
        len(batch),
        highest,
        [(line.name, line.next_version) for line in lines],
        list(mail_settings.to),
    )
    context = {
        "project": {
            "name": settings.project.name,
            "site_url": settings.project.site_url,
            "time_zone": settings.project.time_zone,
        },
        "release": instant,
        "lines": [
            {"line": line.name, "version": line.next_version, "upcoming": line.tag is None}
            for line in lines
        ],
        "highest": highest,
        "count": len(batch),
    }
    env = render.environment(settings.templates_dir)
    item.subject, item.body = mail.render_pre_announcement(env, context)
    if dry_run:
        return item
    if not confirm(item):
        raise Refused("not confirmed; nothing was sent")
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    signer.require(now)

    def build(address: str, message_id: str) -> tuple[mail.Outgoing, dict[str, str]]:
        message = mail.build_announcement(
            subject=item.subject,
            body=item.body,
            mail=replace(mail_settings, to=(address,)),
            message_id=message_id,
            date=now,
            signer=signer,
        )
        return message, {}

    answers = _Answers(frozenset(resend), frozenset(delivered))
    item.sent, item.skipped = _send_once(
        settings, outside, now, ("announce", "pre", "pre-announcement"),
        [a.id for a in batch], instant, mail_settings.to, build, answers,
    )  # fmt: skip
    return item


def _next_batch(
    advisories: Sequence[Advisory], now: datetime, what: str
) -> tuple[datetime, list[Advisory]]:
    """The next embargo instant still in the future, and the advisories that end with it."""
    upcoming = [a for a in pending(advisories) if a.embargo is not None and a.embargo > now]
    if not upcoming:
        raise Refused(f"nothing to {what}: no embargo ends in the future")
    instant = upcoming[0].embargo
    assert instant is not None
    return instant, [a for a in upcoming if a.embargo == instant]


def _send_once(
    settings: Settings,
    outside: Outside,
    now: datetime,
    names: tuple[str, str, str],
    ids: Sequence[str],
    instant: datetime,
    addresses: Sequence[str],
    build: Callable[[str, str], tuple[mail.Outgoing, dict[str, str]]],
    answers: _Answers,
) -> tuple[list[str], list[str]]:
    """Send one message per address, each at most once for these advisories and instant.

    ``names`` is (journal and lock name, Message-ID tag, what the messages are called).
    Returns (sent now, sent before). A failure stops with NotDone; a re-run sends the rest.
    One handed over without an answer is sent again only on the operator's word (_to_send).
    """
    kind, tag, what = names
    mail_settings = require_mail(settings)
    run = run_id(ids)
    stamp = timefmt.iso_utc(instant)
    state = workspace.state_dir(settings)
    sent: list[str] = []
    skipped: list[str] = []
    unsure: list[str] = []
    with journal.exclusive(state, kind), journal.Journal.open(state) as book:
        for address in addresses:
            key = f"{kind}/{run}/{stamp}/{address}"
            decided = _to_send(book, key, address, answers, now, outside, what)
            if decided != "send":
                (skipped if decided == "done" else unsure).append(address)
                continue
            message_id = mail.make_message_id(mail_settings.sender, tag, run, stamp, address)
            message, detail = build(address, message_id)
            book.start(key, now, {"message_id": message_id, **detail})
            try:
                mail.send(message, replace(mail_settings, to=(address,)), outside.env)
            except MailError as exc:
                book.fail(key, now, str(exc), uncertain=exc.uncertain)
                if exc.uncertain:
                    unsure.append(address)
                    continue
                raise NotDone(f"{what} to {address} not sent: {exc}") from None
            book.finish(key, now)
            sent.append(address)
    _stop_if_unsure(unsure, what, kind)
    return sent, skipped


# --- predisclosure to distributors ---------------------------------------------------------


@dataclass
class Notification:
    """The predisclosure of the next embargo to the [notify] recipients."""

    instant: datetime
    ids: list[str]
    keys: dict[str, str]  # recipient address -> key fingerprint
    attachments: list[str]
    subject: str = ""
    body: str = ""
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sent before


def notify(
    settings: Settings,
    outside: Outside,
    now: datetime,
    *,
    dry_run: bool = False,
    confirm: Callable[[Notification], bool] = lambda item: True,
    resend: Collection[str] = (),
    delivered: Collection[str] = (),
) -> Notification:
    """Send the details and held fixes of the next embargo, signed and encrypted to each
    recipient's key (PGP/MIME, RFC 3156), once per recipient and embargo instant.

    The readable headers say nothing of the issues; everything else is encrypted.
    """
    mail_settings = require_mail(settings)
    if settings.notify is None:
        raise _missing(settings, "notify", "no [notify] table with `to`")
    advisories = workspace.load_advisories(settings)
    instant, batch = _next_batch(advisories, now, "notify")
    the_plan = plan.build_plan(
        settings, batch, _open_repo(settings, outside), progress=outside.progress
    )
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    keys = {address: signer.encryption_key(address, now) for address in settings.notify.to}
    attachments: list[tuple[str, bytes]] = []
    items = []
    for advisory in batch:
        lines = []
        for cell in the_plan.cells:
            if cell.advisory != advisory.id or not cell.required:
                continue
            name = None
            path = settings.patches_dir / advisory.id / f"{cell.line}.patch"
            if cell.held and path.is_file():
                name = f"{advisory.id}-{cell.line}.patch"
                attachments.append((name, path.read_bytes()))
            lines.append({"line": cell.line, "version": the_plan.line(cell.line).next_version,
                          "patch": name})  # fmt: skip
        items.append(
            {
                "id": advisory.id,
                "title": advisory.title,
                "severity": advisory.severity,
                "score": advisory.score,
                "vector": advisory.cvss.vector if advisory.cvss else None,
                "cve": advisory.cve,
                "cwe": advisory.cwe,
                "reporter": advisory.reporter,
                "summary": advisory.summary,
                "details": advisory.body.strip(),
                "lines": lines,
            }
        )
    context = {
        "project": {"name": settings.project.name},
        "release": instant,
        "zone": settings.zone,
        "advisories": items,
    }
    env = render.environment(settings.templates_dir)
    item = Notification(instant, [a.id for a in batch], keys, [n for n, _ in attachments])
    item.subject = " ".join(render.render(env, "notify-subject.txt.j2", **context).split())
    item.body = render.render(env, "notify.txt.j2", **context)
    if dry_run:
        return item
    if not confirm(item):
        raise Refused("not confirmed; nothing was sent")
    signer.require(now)
    entity = mail.mixed_entity(item.body, attachments)

    def build(address: str, message_id: str) -> tuple[mail.Outgoing, dict[str, str]]:
        sealed = mail.build_sealed(
            subject=item.subject,
            entity=entity,
            sender=mail_settings.sender,
            to=address,
            message_id=message_id,
            date=now,
            seal=functools.partial(_seal, signer, keys[address]),
        )
        return sealed, {"key": keys[address]}

    answers = _Answers(frozenset(resend), frozenset(delivered))
    item.sent, item.skipped = _send_once(
        settings, outside, now, ("notify", "notify", "predisclosure"),
        item.ids, instant, list(keys), build, answers,
    )  # fmt: skip
    return item


def _seal(signer: Signer, fingerprint: str, data: bytes) -> str:
    return signer.sign_and_encrypt(data, fingerprint)


# --- the lift -----------------------------------------------------------------------------------


def select_batch(
    advisories: Sequence[Advisory], now: datetime, wait: bool
) -> tuple[list[Advisory], datetime | None]:
    """The advisories to lift now (embargo passed), or with ``wait`` the next ones due.

    Returns the batch and the instant it may go public (None when nothing is pending).
    """
    waiting = pending(advisories)
    if not waiting:
        return [], None
    due = [a for a in waiting if a.embargo is not None and a.embargo <= now]
    if due:
        return due, max(a.embargo for a in due if a.embargo)
    if not wait:
        first = waiting[0].embargo
        assert first is not None
        raise Refused(
            f"embargo not over: {waiting[0].id} ends at {timefmt.iso_utc(first)} "
            f"(in {timefmt.duration(first - now)}); use --wait to lift it then"
        )
    earliest = waiting[0].embargo
    return [a for a in waiting if a.embargo == earliest], earliest


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
) -> LiftReport:
    """Preflight, then push, record, announce and publish; resumable and idempotent.

    ``unconfirmable``: why ``confirm`` cannot ask (no terminal): with something to lift (and
    not ``dry_run``), BadInput with it, before the preflight touches the remote or the mail
    server; with nothing to lift, the empty report as always.

    A run is journalled from the moment its push starts (after the embargo instant); until
    then a failure or interruption leaves nothing behind but the fetched remote-tracking refs.
    An announcement that the server may have taken without answering is sent again only for
    an address in ``resend``, and recorded as sent for one in ``delivered`` (the operator's
    word, after a look at the list's archive); see ``_announce``.
    """
    state = workspace.state_dir(settings)
    answers = _Answers(frozenset(resend), frozenset(delivered))
    with journal.exclusive(state, "lift"):
        book = journal.Journal.existing(state)
        try:
            refuse = None if dry_run else unconfirmable
            return _lift(
                settings,
                outside,
                book,
                dry_run,
                wait,
                confirm,
                now,
                sleep,
                countdown,
                answers,
                refuse,
            )
        finally:
            if book is not None:
                book.close()


def unfinished_run(book: journal.Journal | None) -> journal.Step | None:
    """The run step of a lift that started pushing and did not finish, if any."""
    if book is None:
        return None
    for step in book.steps("lift/"):
        if step.key.endswith("/run") and step.status != "done":
            return step
    return None


@dataclass(frozen=True)
class _Answers:
    """The operator's word on announcements the server may have taken (see _announce)."""

    resend: frozenset[str] = frozenset()
    delivered: frozenset[str] = frozenset()


def _lift(
    settings: Settings,
    outside: Outside,
    book: journal.Journal | None,
    dry_run: bool,
    wait: bool,
    confirm: Callable[[LiftReport], bool],
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    countdown: Callable[[timedelta], None] | None,
    answers: _Answers,
    refuse: str | None,
) -> LiftReport:
    advisories = workspace.load_advisories(settings)
    by_id = {a.id: a for a in advisories}
    unfinished = unfinished_run(book)
    if unfinished is not None:
        run = str(unfinished.detail["run"])
        batch = [by_id[i] for i in unfinished.detail["ids"] if i in by_id]
        instant = datetime.fromisoformat(unfinished.detail["instant"])
    else:
        batch, found = select_batch(advisories, now(), wait)
        if not batch or found is None:
            return LiftReport("", [])
        instant, run = found, run_id([a.id for a in batch])
    report = LiftReport(run, [a.id for a in batch], resumed=unfinished is not None)
    if refuse is not None:  # it could not be confirmed: refused before any gate is tried
        raise BadInput(refuse)
    mail_settings = require_mail(settings)
    report.recipients = list(mail_settings.to)
    report.pages = _pages(batch)
    push_step = book.get(_key(run, "push")) if book is not None else None

    prepared: Prepared | None = None
    checked_at = now()  # when the gates were last tried
    if push_step is None:
        checks, prepared = preflight(settings, batch, advisories, outside, now(), sign_at=instant)
        report.checks = checks
        if prepared is None or any(not c.ok for c in checks):
            failed = "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok)
            raise NotReady(f"preflight failed: {failed}. Nothing was pushed, sent or written")
    elif push_step.status != "done":
        # A push was under way: what it meant to push is in the journal.
        prepared = _from_journal(push_step)
        report.checks = _resume_checks(settings, outside, now())
        if any(not c.ok for c in report.checks):
            failed = "; ".join(f"{c.name}: {c.detail}" for c in report.checks if not c.ok)
            raise NotReady(f"cannot resume the push: {failed}")
    if prepared is not None:
        report.updates = list(prepared.updates)
        report.fixed = {k: dict(v) for k, v in prepared.fixed.items()}
        report.subject, report.body = announcement(settings, batch, instant, prepared)
    if dry_run:
        return report
    if not confirm(report):
        raise Refused("not confirmed; nothing was pushed, sent or written")

    if prepared is not None:

        def recheck() -> None:  # a long wait: the key and the server may have changed
            checks = _resume_checks(settings, outside, now())
            if any(not c.ok for c in checks):
                failed = "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok)
                raise NotReady(
                    f"just before the embargo instant: {failed}. "
                    "Nothing was pushed, sent or written"
                )

        _wait_for(instant, now, sleep, countdown, recheck, checked_at)
        if book is None:
            book = journal.Journal.open(workspace.state_dir(settings))
        if unfinished is None:
            detail = {"run": run, "ids": [a.id for a in batch], "instant": instant.isoformat()}
            book.start(_key(run, "run"), now(), detail)
        _push(settings, book, run, batch, advisories, prepared, outside, now)
        report.done.append("push")
    else:
        report.skipped.append("push")
    assert book is not None
    push_step = book.get(_key(run, "push"))
    assert push_step is not None
    assert push_step.status == "done"
    report.released = datetime.fromisoformat(push_step.detail["released"])
    report.fixed = {k: dict(v) for k, v in push_step.detail["fixed"].items()}
    report.updates = list(_from_journal(push_step).updates)

    try:
        _record(settings, book, run, batch, report, outside, now)
        _announce(settings, book, run, batch, report, outside, now, answers)
        _publish(settings, book, run, report, now, outside)
        book.finish(_key(run, "run"), now())
    except (OSError, JournalError) as exc:
        # The fixes are public now: the one line says so, and what to do (a full disk, say).
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            raise
        what = fsutil.describe(exc, settings.root) if isinstance(exc, OSError) else str(exc)
        raise NotDone(
            f"{what}. The release is pushed; "
            "re-run `releasekit embargo lift` to finish (record, announce, publish)."
        ) from exc
    return report


def _still_due(settings: Settings, ids: Sequence[str], now: datetime) -> None:
    """Read the advisories again: none released meanwhile, every embargo still over.

    An embargo postponed while ``--wait`` counted down stops the lift before anything is
    pushed.
    """
    current = {a.id: a for a in workspace.load_advisories(settings)}
    for ident in ids:
        advisory = current.get(ident)
        if advisory is None:
            raise Refused(f"{ident}: the advisory file is gone; nothing was pushed")
        if advisory.embargo is None or advisory.embargo > now:
            when = timefmt.iso_utc(advisory.embargo) if advisory.embargo else "unset"
            raise Refused(f"{ident}: the embargo was moved (now {when}); nothing was pushed")


def _pages(batch: Sequence[Advisory]) -> list[str]:
    return [
        "site/index.html",
        *(f"site/advisories/{a.id}.html" for a in batch),
        "site/feed.xml",
        "site/atom.xml",
        "site/advisories.json",
    ]


RECHECK_BEFORE = timedelta(seconds=10)


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


def _journal_detail(prepared: Prepared) -> dict[str, Any]:
    return {
        "updates": [[u.ref, u.old, u.new, u.line] for u in prepared.updates],
        "fixed": {k: dict(v) for k, v in prepared.fixed.items()},
    }


def _from_journal(step: journal.Step) -> Prepared:
    updates = tuple(
        RefUpdate(ref, old, new, line) for ref, old, new, line in step.detail["updates"]
    )
    return Prepared(None, updates, step.detail["fixed"])


def _resume_checks(settings: Settings, outside: Outside, now: datetime) -> list[Check]:
    """Before resuming an interrupted push: the key still signs, the SMTP server answers."""
    mail_settings = require_mail(settings)
    key = Signer(mail_settings.signing_key, outside.env.gnupghome).check(now)
    problem = mail.check_server(mail_settings, outside.env)
    return [
        Check("signing key", key.ok, "OK" if key.ok else str(key.reason)),
        Check("SMTP server", problem is None, problem or "OK"),
    ]


def _push(
    settings: Settings,
    book: journal.Journal,
    run: str,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    prepared: Prepared,
    outside: Outside,
    now: Callable[[], datetime],
) -> None:
    """Push the branches, read them back, then the tags of the verified branches.

    Branches go first so that a tag is never public without its commit on its branch (a
    push is not atomic: a branch may be refused while its tag is accepted). A line whose
    branch moved on the remote is fetched and re-applied; its version must not change
    (its tag was not pushed). A ref the remote refused is tried again as it was. The step is
    done only when every branch and tag reads back as intended. Bounded attempts.
    """
    key = _key(run, "push")
    remote = settings.project.remote
    reasons = ""
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        _still_due(settings, [a.id for a in batch], now())
        if prepared.plan is not None:
            repo = prepared.plan.repo
            # Objects become public now: keep them in the clone so a re-run can push them.
            repo.persist(u.new for u in prepared.updates if repo.has_object(u.new))
        else:
            repo = _open_repo(settings, outside)
        book.start(key, now(), _journal_detail(prepared))
        _crash_point(outside, "push-started")
        advertised = repo.ls_remote(remote)
        rejected: dict[str, str | None] = {}
        for kind in ("refs/heads/", "refs/tags/"):
            moved = _moved_lines(prepared, advertised)
            verified = {
                u.line
                for u in prepared.updates
                if u.ref.startswith("refs/heads/") and advertised.get(u.ref) == u.new
            }
            todo = [
                u
                for u in prepared.updates
                if u.ref.startswith(kind)
                and u.line not in moved
                and (kind == "refs/heads/" or u.line in verified)
                and advertised.get(u.ref) != u.new
            ]
            if todo:
                outside.say(f"pushing {len(todo)} refs to {repo.remote_url(remote)}")
                results = repo.push(remote, [f"{u.new}:{u.ref}" for u in todo])
                rejected.update({r.ref: r.message for r in results if not r.ok})
                advertised = repo.ls_remote(remote)
        wrong = [u for u in prepared.updates if advertised.get(u.ref) != u.new]
        if not wrong:
            released = now()
            detail = _journal_detail(prepared)
            detail["released"] = timefmt.iso_utc(released)
            book.finish(key, released, detail)
            _crash_point(outside, "push")
            return
        reasons = "; ".join(f"{u.ref}: {rejected.get(u.ref) or 'not pushed yet'}" for u in wrong)
        book.fail(key, now(), reasons)
        taken = [u.ref for u in wrong if u.ref.startswith("refs/tags/") and u.ref in advertised]
        if taken:
            raise NotDone(
                f"{', '.join(taken)} already exist on the remote with other contents; "
                "nothing was announced. Resolve it by hand, then re-run the lift."
            )
        if attempt == PUSH_ATTEMPTS:
            break
        moved = _moved_lines(prepared, advertised)
        if moved:
            prepared = _replan(settings, batch, prepared, moved, outside, now())
        outside.say(f"push incomplete ({reasons}); trying again")
    locks = sorted(
        {lock for m in rejected.values() if m and (lock := ProductRepo.lock_in_the_way(m))}
    )
    then = "Re-run `releasekit embargo lift` to try again."
    if locks:  # a git killed on the remote (a lift killed while it pushed to a path) left it
        then = (
            f"A lock file on the remote is in the way ({', '.join(locks)}): a git command is "
            "updating that ref, or one was killed before it could remove the file. Remove it "
            "if no git command is running there, then re-run `releasekit embargo lift`."
        )
    raise NotDone(
        f"push incomplete after {PUSH_ATTEMPTS} attempts ({reasons}); nothing was announced. {then}"
    )


def _replan(
    settings: Settings,
    batch: Sequence[Advisory],
    prepared: Prepared,
    moved: set[str],
    outside: Outside,
    now: datetime,
) -> Prepared:
    """Fetch and re-apply the fixes of the lines whose branch moved; keep everything else.

    The versions were decided (and journalled) before the first push and must not change.
    """
    lines = ", ".join(sorted(moved))
    outside.say(f"the remote branch of {lines} moved: fetching and re-applying the fixes")
    signer = Signer(require_mail(settings).signing_key, outside.env.gnupghome)
    fresh = prepare(settings, batch, signer, now, outside)
    assert fresh.plan is not None
    bad = [c for c in fresh.plan.cells if c.line in moved and c.required and c.status != "applies"]
    if bad:
        why = "; ".join(f"{c.advisory} on {c.line}: {c.status}" for c in bad)
        raise NotReady(f"after the branch moved: {why}; nothing was announced")
    for advisory, versions in prepared.fixed.items():
        for line in moved:
            if line in versions and fresh.fixed.get(advisory, {}).get(line) != versions[line]:
                raise NotDone(
                    f"after the branch of {line} moved, its next version is no longer "
                    f"{versions[line]}; nothing was announced"
                )
    kept = tuple(u for u in prepared.updates if u.line not in moved)
    renewed = tuple(u for u in fresh.updates if u.line in moved)
    return Prepared(fresh.plan, kept + renewed, prepared.fixed)


def _moved_lines(prepared: Prepared, advertised: Mapping[str, str]) -> set[str]:
    """Lines whose branch on the remote is neither the planned base nor the planned head."""
    return {
        u.line
        for u in prepared.updates
        if u.ref.startswith("refs/heads/") and advertised.get(u.ref) not in (u.old, u.new)
    }


def _record(
    settings: Settings,
    book: journal.Journal,
    run: str,
    batch: Sequence[Advisory],
    report: LiftReport,
    outside: Outside,
    now: Callable[[], datetime],
) -> None:
    key = _key(run, "record")
    if book.is_done(key):
        report.skipped.append("record")
        return
    book.start(key, now())
    assert report.released is not None
    for advisory in batch:
        # A lift killed inside this write left its temporary file (the lift lock is held).
        fsutil.remove_leftovers(advisory.path.parent, advisory.path.name)
        text = advisory.path.read_text(encoding="utf-8")
        updated = update_front_matter(
            text, {"released": report.released, "fixed": report.fixed.get(advisory.id, {})}
        )
        fsutil.atomic_write(advisory.path, updated, advisory.path.stat().st_mode & 0o777)
    book.finish(key, now(), {"advisories": [a.id for a in batch]})
    report.done.append("record")
    _crash_point(outside, "record")


def _announce(
    settings: Settings,
    book: journal.Journal,
    run: str,
    batch: Sequence[Advisory],
    report: LiftReport,
    outside: Outside,
    now: Callable[[], datetime],
    answers: _Answers,
) -> None:
    """One signed message per list address; each marked sent only after the server's 250.

    A message handed over without an answer (uncertain: the list may have it) is not sent
    again unless the operator says so (``answers.resend``), or is recorded as delivered on
    their word (``answers.delivered``); until then the lift stops after the other lists.
    """
    mail_settings = require_mail(settings)
    todo: list[str] = []
    unsure: list[str] = []
    for address in mail_settings.to:
        key = _key(run, f"mail/{address}")
        decided = _to_send(book, key, address, answers, now(), outside, "announcement")
        if decided == "send":
            todo.append(address)
        elif decided == "unsure":
            unsure.append(address)
    if not todo:
        _stop_if_unsure(unsure, "announcement", "lift")
        report.skipped.append("mail")
        return
    assert report.released is not None
    texts = Prepared(None, (), report.fixed)
    subject, body = announcement(settings, batch, report.released, texts)
    report.subject, report.body = subject, body
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    for address in todo:
        key = _key(run, f"mail/{address}")
        message_id = mail.make_message_id(mail_settings.sender, run, address)
        one = replace(mail_settings, to=(address,))
        message = mail.build_announcement(
            subject=subject,
            body=body,
            mail=one,
            message_id=message_id,
            date=report.released,
            signer=signer,
        )
        book.start(key, now(), {"message_id": message_id})
        try:
            receipt = mail.send(message, one, outside.env)
        except MailError as exc:
            book.fail(key, now(), str(exc), uncertain=exc.uncertain)
            if exc.uncertain:
                unsure.append(address)
                continue
            raise NotDone(
                f"announcement to {address} not sent: {exc}. The release is pushed; "
                "re-run `releasekit embargo lift` to send the rest."
            ) from None
        book.finish(key, now(), {"message_id": receipt.message_id, "reply": receipt.reply})
        outside.say(f"announcement sent to {address} ({receipt.message_id})")
        _crash_point(outside, f"mail/{address}")
    _stop_if_unsure(unsure, "announcement", "lift")
    report.done.append("mail")


def _to_send(
    book: journal.Journal,
    key: str,
    address: str,
    answers: _Answers,
    now: datetime,
    outside: Outside,
    what: str,
) -> str:
    """What to do for one address: "send", "done" (sent before, or delivered on the operator's
    word), or "unsure" (never sent again by itself): handed over without an answer, or
    started by a run that was killed before the server's answer was recorded."""
    step = book.get(key)
    if step is None:
        return "send"
    if step.status == "done":
        return "done"
    killed = step.status == "started"
    if not killed and not (step.status == "failed" and step.detail.get("uncertain")):
        return "send"  # failed for sure (refused, unreachable): try again
    if address in answers.delivered:
        book.finish(key, now, {"message_id": step.detail.get("message_id"), "by": "operator"})
        outside.say(f"{what} to {address} recorded as delivered")
        return "done"
    return "send" if address in answers.resend else "unsure"


def _stop_if_unsure(addresses: Sequence[str], what: str, command: str) -> None:
    if addresses:
        listed = ", ".join(addresses)
        flags = " ".join(f"--resend {a}" for a in addresses)
        raise NotDone(
            f"{what} to {listed}: handed over (or being sent when releasekit stopped), but no "
            "answer from the server was recorded; it may have been delivered, so it is not sent "
            "again by itself. Look in the list's archive (or ask), "
            f"then re-run `releasekit embargo {command}` with {flags} to send it, or with "
            "--sent ADDRESS if it arrived."
        )


def _publish(
    settings: Settings,
    book: journal.Journal,
    run: str,
    report: LiftReport,
    now: Callable[[], datetime],
    outside: Outside,
) -> None:
    key = _key(run, "site")
    if book.is_done(key):
        report.skipped.append("site")
        return
    book.start(key, now())
    # From the files, as `releasekit publish` does: only what changed is rendered, and the
    # next publish (the daily one) finds the files as it left them.
    site_build.publish_workspace(settings, now(), progress=outside.progress)
    book.finish(key, now())
    report.done.append("site")
    _crash_point(outside, "site")


def describe(report: LiftReport) -> dict[str, Any]:
    """The report as plain data (for --json and the dry run)."""
    return {
        "run": report.run,
        "advisories": report.advisories,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
        "refs": [{"ref": u.ref, "old": u.old, "new": u.new} for u in report.updates],
        "fixed": report.fixed,
        "recipients": report.recipients,
        "subject": report.subject,
        "pages": report.pages,
        "released": timefmt.iso_utc(report.released) if report.released else None,
        "done": report.done,
        "skipped": report.skipped,
    }

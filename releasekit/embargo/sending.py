"""Messages sent once to each address, journalled: the lift's announcement, and the
pre-announcement and the predisclosure ahead of an embargo.

Each message is marked sent only after the server's 250, under a stable journal key and
Message-ID. One handed over without an answer (uncertain: the list may have it) is not sent
again unless the operator says so (``--resend``), or is recorded as delivered on their word
(``--sent``); until then the command stops after the other addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, Literal, TypedDict, TypeVar

from releasekit.adapters import journal
from releasekit.adapters.mail.mime import (
    DetachedSigner,
    Message,
    build_announcement,
    make_message_id,
)
from releasekit.adapters.mail.smtp import SendReceipt, send
from releasekit.adapters.signing import Signer
from releasekit.embargo.batch import Upcoming
from releasekit.embargo.context import Outside, require_mail
from releasekit.embargo.run import run_id
from releasekit.model.config import MailSettings, Settings
from releasekit.support import timefmt
from releasekit.support.errors import MailError, Refused, Unsent
from releasekit.workspace import files as workspace

Build = Callable[[str, str], tuple[Message, dict[str, str]]]
"""The message to an address with a Message-ID, and what to journal with it."""


@dataclass(frozen=True)
class Answers:
    """The operator's word on messages the server may have taken without answering."""

    resend: frozenset[str] = frozenset()
    delivered: frozenset[str] = frozenset()

    @classmethod
    def of(cls, resend: Collection[str], delivered: Collection[str]) -> Answers:
        return cls(frozenset(resend), frozenset(delivered))


@dataclass(frozen=True)
class Mailing:
    """Messages of one kind, each sent at most once to each address."""

    what: str  # what the messages are called, in what the operator reads
    command: str  # the `releasekit embargo` command that sends the rest
    key: str  # the journal key prefix: an address completes it
    addresses: Sequence[str]
    build: Build
    then: str = ""  # added to the error when a message is refused
    sent: Callable[[str, SendReceipt], None] | None = None  # after each message is journalled


def send_each(
    book: journal.Journal,
    mailing: Mailing,
    mail_settings: MailSettings,
    answers: Answers,
    outside: Outside,
    now: Callable[[], datetime],
) -> tuple[list[str], list[str]]:
    """Send the mailing's message to each address it was not sent to; (sent now, before).

    A message refused stops with Unsent (a re-run sends the rest); one handed over without
    an answer stops after the other addresses (:func:`_decide`).
    """
    todo: list[str] = []
    skipped: list[str] = []
    unsure: list[str] = []
    for address in mailing.addresses:
        decided = _decide(book, mailing, address, answers, now(), outside)
        {"send": todo, "done": skipped, "unsure": unsure}[decided].append(address)
    sent: list[str] = []
    for address in todo:
        key = mailing.key + address
        message_id = _message_id(book, key, mail_settings.sender)
        message, detail = mailing.build(address, message_id)
        book.start(key, now(), {"message_id": message_id, **detail})
        try:
            receipt = send(message, replace(mail_settings, to=(address,)), outside.env)
        except MailError as exc:
            book.fail(key, now(), str(exc), uncertain=exc.uncertain)
            if exc.uncertain:
                unsure.append(address)
                continue
            raise Unsent(f"{mailing.what} to {address} not sent: {exc}{mailing.then}") from None
        book.finish(key, now(), {"message_id": receipt.message_id, "reply": receipt.reply})
        sent.append(address)
        if mailing.sent is not None:
            mailing.sent(address, receipt)
    _stop_if_unsure(unsure, mailing.what, mailing.command)
    return sent, skipped


def signed(
    texts: Callable[[], tuple[str, str]],
    mail_settings: MailSettings,
    date: datetime,
    signer: DetachedSigner,
) -> Build:
    """Build the PGP/MIME-signed message of ``texts`` (subject, body: asked for when the first
    message is built) to one address."""

    def build(address: str, message_id: str) -> tuple[Message, dict[str, str]]:
        subject, body = texts()
        message = build_announcement(
            subject=subject,
            body=body,
            mail=replace(mail_settings, to=(address,)),
            message_id=message_id,
            date=date,
            signer=signer,
        )
        return message, {}

    return build


@dataclass(kw_only=True)
class Ahead:
    """What a command ahead of an embargo sends (or, with ``dry_run``, would send)."""

    subject: str = ""
    body: str = ""
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # sent before


Item = TypeVar("Item", bound=Ahead)


class Asked(TypedDict, Generic[Item], total=False):
    """The operator's options of a command ahead of an embargo (see :func:`send_ahead`)."""

    dry_run: bool
    confirm: Callable[[Item], bool]
    resend: Collection[str]
    delivered: Collection[str]


def send_ahead(
    settings: Settings,
    outside: Outside,
    now: datetime,
    item: Item,
    mailing: Mailing,
    signer: Signer,
    *,
    dry_run: bool = False,
    confirm: Callable[[Item], bool] = lambda item: True,
    resend: Collection[str] = (),
    delivered: Collection[str] = (),
    before: Callable[[journal.Journal], None] | None = None,
) -> Item:
    """Send ``item`` with :func:`send_each` under the mailing's command lock, once
    ``confirm`` says yes; with ``dry_run``, only return it. ``resend`` and ``delivered`` are
    the operator's word on messages the server may have taken (:class:`Answers`);
    ``mailing`` comes from :func:`ahead_of`; ``before`` is given the journal before the
    first message goes."""
    if dry_run:
        return item
    if not confirm(item):
        raise Refused("not confirmed; nothing was sent")
    signer.require(now)
    answers = Answers.of(resend, delivered)
    state = workspace.state_dir(settings)
    with journal.exclusive(state, mailing.command), journal.Journal.open(state) as book:
        if before is not None:
            before(book)
        item.sent, item.skipped = send_each(
            book, mailing, require_mail(settings), answers, outside, lambda: now
        )
    return item


def ahead_of(
    upcoming: Upcoming,
    names: tuple[str, str],
    addresses: Sequence[str],
    build: Build,
) -> Mailing:
    """The messages sent once per address for the advisories and the instant of ``upcoming``
    (journalled under that instant: a moved embargo may be sent again).

    ``names`` is (command, what the messages are called).
    """
    command, what = names
    run, stamp = run_id(upcoming.ids), timefmt.iso_utc(upcoming.instant)
    return Mailing(what, command, f"{command}/{run}/{stamp}/", addresses, build)


def _decide(
    book: journal.Journal,
    mailing: Mailing,
    address: str,
    answers: Answers,
    now: datetime,
    outside: Outside,
) -> Literal["send", "done", "unsure"]:
    """What to do for one address: "send", "done" (sent before, or delivered on the operator's
    word), or "unsure" (never sent again by itself): handed over without an answer, or
    started by a run that was killed before the server's answer was recorded."""
    key = mailing.key + address
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
        outside.say(f"{mailing.what} to {address} recorded as delivered")
        return "done"
    return "send" if address in answers.resend else "unsure"


def _message_id(book: journal.Journal, key: str, sender: str) -> str:
    """The Message-ID journalled by a former try of this message, or a new one: a message
    sent again (after a 4xx, a crash, ``--resend``) is the same message to the list."""
    step = book.get(key)
    former = step.detail.get("message_id") if step is not None else None
    return former if isinstance(former, str) else make_message_id(sender)


def _stop_if_unsure(addresses: Sequence[str], what: str, command: str) -> None:
    if addresses:
        listed = ", ".join(addresses)
        flags = " ".join(f"--resend {a}" for a in addresses)
        raise Unsent(
            f"{what} to {listed}: handed over (or being sent when releasekit stopped), but no "
            "answer from the server was recorded; it may have been delivered, so it is not sent "
            "again by itself. Look in the list's archive (or ask), "
            f"then re-run `releasekit embargo {command}` with {flags} to send it, or with "
            "--sent ADDRESS if it arrived."
        )

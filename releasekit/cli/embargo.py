"""``releasekit embargo``: the pending embargoes' readiness, the messages sent before the
lift, and the lift that makes the fixes public.

The embargo core is imported inside each command, not at start-up: it loads pygit2, GnuPG
and the mail code, which `releasekit --help` and the other commands do not need.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

import click

from releasekit.cli import show
from releasekit.cli.context import Context, F, json_option, pass_context
from releasekit.support import clock, timefmt
from releasekit.support.errors import EXIT_NOT_DONE, BadInput, NotReady

if TYPE_CHECKING:
    from releasekit.embargo.announce import PreAnnouncement
    from releasekit.embargo.context import Outside
    from releasekit.embargo.lift import LiftReport
    from releasekit.embargo.notify import Notification


@click.group()
def embargo() -> None:
    """Pending embargoes: readiness, and the lift that makes fixes public."""


def _outside(obj: Context) -> Outside:
    """The world the embargo core talks to: the environment, and progress on stderr."""
    from releasekit.embargo.context import Outside  # see the module's docstring

    return Outside(env=obj.env, progress=show.progress)


@embargo.command("status")
@json_option
@pass_context
def embargo_status(obj: Context, as_json: bool) -> None:
    """Each pending embargo: when it ends, time left, and the readiness checklist.

    The checklist: fixes held and applying, lint clean, CVE ids, the signing key (present,
    not expired, able to sign), the SMTP server (reachable, login accepted), the remote
    (reachable, every push a fast-forward), the announcement and pages rendering. A half-done
    lift shows which steps are left; a release journalled here whose record the advisory
    files lost (discarded after the lift) says that `embargo lift` writes it again. Exit 0
    when ready (or nothing pending), 1 otherwise.

    \b
    Example:
      releasekit embargo status
    """
    from releasekit.embargo.status import status  # see the module's docstring

    settings = obj.settings
    report = status(settings, _outside(obj), clock.now())
    if as_json:
        show.echo(json.dumps(report.to_json(), indent=2), lines=True)
    else:
        show.print_status(settings, report)
    if not report.ready:
        raise click.exceptions.Exit(EXIT_NOT_DONE)


class _Sending(Protocol):
    """What announce and notify report: to whom it went now, and who had it already."""

    sent: list[str]
    skipped: list[str]


T = TypeVar("T", bound=_Sending)


def _send_each(
    command: str,
    send: Callable[..., T],
    obj: Context,
    show_item: Callable[[T], None],
    what: str,
    dry_run: bool,
    yes: bool,
    resend: tuple[str, ...],
    delivered: tuple[str, ...],
    sent_to: Callable[[T, str], str] = lambda _item, address: f"sent to {address}",
) -> None:
    """Run ``embargo announce`` or ``notify``: confirm (unless --yes) after showing the message,
    or only show it (--dry-run); then say to whom it went (``sent_to``) and who had it."""
    if not dry_run and not yes and not sys.stdin.isatty():
        raise BadInput(f"embargo {command}: no terminal to confirm on; pass --yes (or --dry-run)")

    def confirm(item: T) -> bool:
        if yes:
            return True
        show_item(item)
        return click.confirm(f"Send this {what} now?", default=False, err=True)

    item = send(
        obj.settings,
        _outside(obj),
        clock.now(),
        dry_run=dry_run,
        confirm=confirm,
        resend=resend,
        delivered=delivered,
    )
    if dry_run:
        show_item(item)
        show.echo("Dry run: nothing was sent.")
        return
    for address in item.sent:
        show.echo(sent_to(item, address))
    for address in item.skipped:
        show.echo(f"already sent to {address}")


_ANSWERS = (  # option, parameter, help
    ("--resend", "resend", "Send again a message the server may have taken without answering."),
    ("--sent", "delivered", "Record as delivered a message the server took without answering."),
)


def _answers(command: F) -> F:
    """--resend/--sent ADDRESS: the operator's word on a message handed over to the server
    without an answer (it may have arrived; releasekit never sends it again by itself)."""
    for flag, name, text in reversed(_ANSWERS):  # the last applied is listed first
        command = click.option(flag, name, multiple=True, metavar="ADDRESS", help=text)(command)
    return command


def _sending(dry_run_help: str) -> Callable[[F], F]:
    """The options of announce and notify: --dry-run (``dry_run_help``), --yes, the answers."""

    def add(command: F) -> F:
        command = _yes(_answers(command))  # the last applied is listed first
        return click.option("--dry-run", is_flag=True, help=dry_run_help)(command)

    return add


def _yes(command: F) -> F:
    return click.option("--yes", is_flag=True, help="Do not ask for confirmation.")(command)


@embargo.command("announce")
@_sending("Show the message; send nothing.")
@pass_context
def embargo_announce(
    obj: Context, dry_run: bool, yes: bool, resend: tuple[str, ...], delivered: tuple[str, ...]
) -> None:
    """Pre-announce the next release: date and time, versions, highest severity.

    A public, signed message to the lists days before the embargo ends, as projects do so
    that users can plan to upgrade. It names no advisory, CVE or detail. Sent once per list
    for each embargo instant (a moved embargo can be announced again).

    \b
    Example:
      releasekit embargo announce --dry-run
      releasekit embargo announce --yes
    """
    from releasekit.embargo.announce import pre_announce  # see the module's docstring

    def show_item(item: PreAnnouncement) -> None:
        show.echo(f"To: {', '.join(item.recipients)}")
        show.echo(f"Subject: {item.subject}")
        show.echo("")
        show.echo(item.body, lines=True)

    _send_each(
        "announce",
        pre_announce,
        obj,
        show_item,
        "pre-announcement",
        dry_run,
        yes,
        resend,
        delivered,
    )


@embargo.command("notify")
@_sending("Show the message and keys; send nothing.")
@pass_context
def embargo_notify(
    obj: Context, dry_run: bool, yes: bool, resend: tuple[str, ...], delivered: tuple[str, ...]
) -> None:
    """Predisclose the next embargo to distributors ([notify] to): details and fixes.

    Each recipient gets one message signed with the release key and encrypted to their own
    public key (which must be in the GnuPG home), with the held fixes attached; only the
    headers are readable on the way, and they name no issue. Sent once per recipient for
    each embargo instant.

    \b
    Example:
      releasekit embargo notify --dry-run
      releasekit embargo notify --yes
    """
    from releasekit.embargo.notify import notify  # see the module's docstring

    def show_item(item: Notification) -> None:
        for address, fingerprint in item.keys.items():
            show.echo(f"To: {address} (encrypted to {fingerprint})")
        show.echo(f"Subject: {item.subject}")
        show.echo(f"Attached: {', '.join(item.attachments) or 'nothing'}")
        show.echo("")
        show.echo(item.body, lines=True)

    _send_each(
        "notify",
        notify,
        obj,
        show_item,
        "predisclosure",
        dry_run,
        yes,
        resend,
        delivered,
        lambda item, address: f"sent to {address} (encrypted to {item.keys[address]})",
    )


@embargo.command("lift")
@click.option(
    "--dry-run",
    is_flag=True,
    help="At any time: preflight and show what the lift would do; change nothing.",
)
@click.option("--wait", is_flag=True, help="Wait for the next embargo, then lift it at once.")
@_yes
@click.option(
    "--show-announcement", is_flag=True, hidden=True, help="(The dry run always shows it.)"
)
@_answers
@pass_context
def embargo_lift(
    obj: Context,
    dry_run: bool,
    wait: bool,
    yes: bool,
    show_announcement: bool,
    resend: tuple[str, ...],
    delivered: tuple[str, ...],
) -> None:
    """Make the held fixes public: push, announce, publish the placeholder page.

    For the advisories whose embargo has passed and that are not released: preflight every
    gate (any failure: exit 1, nothing changed), push the fixed branches, then the signed
    tags of those that read back (never forced), record `released` and `fixed` in the
    advisory files, send the signed announcement, and build the site. Refuses before the
    embargo time; `--wait` prepares everything, counts down, and pushes within a second
    after it. `--dry-run` works at any time: before the instant it shows what the lift would
    do then (the checklist, every ref, commit and tag message, the lines each release
    commit adds, the pages and the whole announcement), changing nothing; exit 0 when
    ready, 1 when not.
    Resumable: after any failure, run it again; nothing is pushed or sent twice. An
    announcement handed over without an answer from the server (it may have arrived) is not
    sent again by itself: look in the list's archive, then re-run with `--resend ADDRESS` or
    `--sent ADDRESS`.

    \b
    Example:
      releasekit embargo lift --dry-run
      releasekit embargo lift --wait --yes
    """
    from releasekit.embargo.gates import failures  # see the module's docstring
    from releasekit.embargo.lift import lift

    settings = obj.settings

    def confirm(report: LiftReport) -> bool:
        if yes:
            return True
        show.print_lift_plan(settings, report)
        return click.confirm("Push, announce and publish now?", default=False, err=True)

    report = lift(
        settings,
        _outside(obj),
        dry_run=dry_run,
        wait=wait,
        confirm=confirm,
        countdown=show.countdown(),
        resend=resend,
        delivered=delivered,
        # With nothing pending, "Nothing to lift" with or without a terminal; with something,
        # refused before the preflight.
        unconfirmable=None
        if yes or sys.stdin.isatty()
        else "embargo lift: no terminal to confirm on; pass --yes (or --dry-run)",
    )
    if not report.advisories:
        show.echo("Nothing to lift: no embargoed advisory is pending.")
        return
    if dry_run:
        del show_announcement  # the dry run always shows the announcement
        show.print_lift_plan(settings, report)
        show.print_lift_texts(report)
        when = timefmt.instant(report.instant, settings.zone) if report.instant else "-"
        show.echo(f"Dry run: nothing was changed. The lift would go public at {when}.")
        if not report.ready:
            raise NotReady(f"not ready: {failures(report.checks)}")
        return
    released = timefmt.instant(report.released, settings.zone) if report.released else "-"
    show.echo(f"Released {', '.join(report.advisories)} at {released}.")
    if report.skipped:
        show.echo(f"Already done before: {', '.join(report.skipped)}.")
    show.echo(f"Done now: {', '.join(report.done) or 'nothing'}.")
    if "record" in report.done:  # the workspace is a git repository of its own (init)
        from releasekit.workspace.files import display_path

        folder = display_path(settings, settings.advisories_dir)
        files = ", ".join(str(folder / f"{ident}.md") for ident in report.advisories)
        show.echo(f"Recorded released, fixed, unfixed and fix_commits in {files}: commit them.")

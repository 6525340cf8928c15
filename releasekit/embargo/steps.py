"""The lift's steps after the push: record, mail and site, each journalled once.

Each returns whether it did its work now (False: a former run had done it). Run in this
order, so that the advisory files say ``released`` before anyone is told, and the site shows
what the announcement links to.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime

from releasekit.adapters.mail.smtp import SendReceipt
from releasekit.adapters.signing import Signer
from releasekit.embargo import texts
from releasekit.embargo.context import require_mail
from releasekit.embargo.prepare import recorded
from releasekit.embargo.run import Run
from releasekit.embargo.sending import Answers, Mailing, send_each, signed
from releasekit.model.advisory import read_advisory
from releasekit.site import build as site_build
from releasekit.site import csaf
from releasekit.support import fsutil
from releasekit.workspace.paths import display_path

Fixed = Mapping[str, Mapping[str, str]]  # advisory id -> line -> fixed version
# advisory id -> the released lines between two fixed ones that got no fix (None: not known)
Unfixed = Mapping[str, Sequence[str]] | None
Outcome = tuple[Fixed, Unfixed]  # what the push released, as the journal says


def record(run: Run, released: datetime, outcome: Outcome, fix_commits: Mapping[str, str]) -> bool:
    """Write ``released``, ``fixed``, ``unfixed`` (when the journal knows it) and
    ``fix_commits`` (per line that got the fix, its last pushed fix commit) into each
    advisory file (atomically).

    Done before, the step writes again each file that says nothing of the release (the
    record was discarded, a checkout of the files from before the lift): the journal says
    what was pushed, and a lift that found it done would leave the release unrecorded, and
    the next publish would take it off the site."""
    key = run.key("record")
    done = run.book.is_done(key)
    todo = [a for a in run.batch if not done or a.released is None]
    if not todo:
        return False
    if not done:
        run.book.start(key, run.now())
    for advisory in todo:
        # Each file as it is now: one made invalid while the push ran is one line naming it
        # (the release is pushed: fix it, re-run), never a traceback of the TOML editor.
        shown = display_path(run.settings, advisory.path)
        read_advisory(advisory.path, run.settings.project.advisory_prefix, shown)
    for advisory in todo:
        # A lift killed inside this write left its temporary file (the lift lock is held).
        fsutil.remove_leftovers(advisory.path.parent, advisory.path.name)
        updated = recorded(advisory, released, outcome[0], fix_commits, outcome[1])
        fsutil.atomic_write(advisory.path, updated, advisory.path.stat().st_mode & 0o777)
    if not done:
        run.book.finish(key, run.now(), {"advisories": run.ids})
        run.outside.crash_point("record")
    return True


def announce(
    run: Run, released: datetime, outcome: Outcome, answers: Answers
) -> tuple[str, str] | None:
    """The signed announcement, one message per list address, each marked sent only after
    the server's 250 and with a stable Message-ID, dated when it is sent; (subject, body)
    when any was sent now."""
    mail_settings = require_mail(run.settings)
    signer = Signer(mail_settings.signing_key, run.outside.env.gnupghome)
    fixed, unfixed = outcome
    text = functools.cache(
        lambda: texts.announcement(run.settings, run.batch, released, fixed, unfixed)
    )

    def sent(address: str, receipt: SendReceipt) -> None:
        run.outside.say(f"announcement sent to {address} ({receipt.message_id})")
        run.outside.crash_point(f"mail/{address}")

    mailing = Mailing(
        "announcement",
        "lift",
        run.key("mail/"),
        mail_settings.to,
        # Dated when it is sent (a re-run days later is not sorted days down in the
        # readers' inboxes), never before the release its text names.
        signed(text, mail_settings, max(run.now(), released), signer),
        then=". The release is pushed; re-run `releasekit embargo lift` to send the rest.",
        sent=sent,
    )
    done, _ = send_each(run.book, mailing, mail_settings, answers, run.outside, run.now)
    return text() if done else None


def publish(run: Run, released: datetime) -> bool:
    """Build the site from the files, as ``releasekit publish`` does: only what changed is
    rendered, and the next publish (the daily one) finds the files as it left them.

    Built at ``released`` at the earliest: a re-run whose clock was set back since the push
    (a correction, another machine) would otherwise build a site without the release that is
    public already, and journal the step done."""
    key = run.key("site")
    if run.book.is_done(key):
        return False
    run.book.start(key, run.now())
    signing = csaf.signing_for(run.settings, run.outside.env.gnupghome)
    site_build.publish_workspace(
        run.settings, max(run.now(), released), progress=run.outside.progress, signing=signing
    )
    run.book.finish(key, run.now())
    run.outside.crash_point("site")
    return True

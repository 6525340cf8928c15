"""The readiness checklist: every gate a lift must pass before anything is made public.

The preflight tries them all (plan, leak lint, CVE ids, signing key, SMTP server, remote and
fast-forward pushes, announcement and pages); any failure and nothing changes anywhere. A
push that resumes, or that comes after a long wait, tries again what can change while
nobody watches: the key and the mail server.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from releasekit import records
from releasekit.adapters import journal
from releasekit.adapters.mail.smtp import check_server
from releasekit.adapters.signing import Signer
from releasekit.embargo import elsewhere, texts, verify
from releasekit.embargo.context import Outside, require_mail
from releasekit.embargo.prepare import Prepared, prepare, recorded, release_instant
from releasekit.model import sla
from releasekit.model.advisory import Advisory, parse_advisory
from releasekit.model.config import MailSettings, Settings
from releasekit.model.released import fixed_problem
from releasekit.release.leaks import lint_plan
from releasekit.site import build as site_build
from releasekit.support.errors import GitError, NotDone, ReleasekitError, RemoteUnreachable
from releasekit.support.words import counted
from releasekit.workspace.paths import display_path


@dataclass(frozen=True)
class Check:
    """One item of the readiness checklist: OK, or the reason it is not."""

    name: str
    ok: bool
    detail: str
    warning: bool = False  # passed, with something to know (detail)


def failures(checks: Sequence[Check]) -> str:
    """The failed checks as one line ("" when all passed)."""
    return "; ".join(f"{c.name}: {c.detail}" for c in checks if not c.ok)


def _cve_check(settings: Settings, batch: Sequence[Advisory]) -> Check:
    """Every advisory of the lift has its CVE id; when one has not, how to give it one."""
    missing = [a for a in batch if not a.cve]
    if not missing:
        return Check("CVE ids", True, "OK")
    ids = ", ".join(a.id for a in missing)
    files = ", ".join(str(display_path(settings, a.path)) for a in missing)
    return Check(
        "CVE ids",
        False,
        f"no CVE id in {ids}: reserve one with `releasekit cve reserve ID`, or write an id "
        f"reserved elsewhere as cve in {files}",
    )


def preflight(
    settings: Settings,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    outside: Outside,
    now: datetime,
    *,
    sign_at: datetime | None = None,
    run_verify: bool = False,
) -> tuple[list[Check], Prepared | None]:
    """Every gate of the readiness checklist; the prepared release when the plan is built.

    ``sign_at`` is when signing must still work (the embargo instant when waiting for it).
    ``run_verify``: run ``[verify] command`` on the trees that have no result yet (the
    lift); otherwise the results there are are shown (status, dry run).
    """
    # Tags carry the time they become public: the embargo instant when waiting for it.
    when = max(now, sign_at or now)
    checks = [_deadlines_check(settings, batch, when)]
    checks.append(_cve_check(settings, batch))
    cannot = journal.unwritable(settings.state_dir)
    checks.append(Check("journal", cannot is None, cannot or "OK"))
    signer: Signer | None = None
    if settings.mail is None:
        checks.append(Check("signing key", False, "no [mail] signing_key configured"))
        checks.append(Check("SMTP server", False, "no [mail] table in releasekit.toml"))
    else:
        signer = Signer(settings.mail.signing_key, outside.env.gnupghome)
        key, server = _mail_checks(settings.mail, signer, outside, when)
        checks += [key, server]
        if not key.ok:
            signer = None

    prepared: Prepared | None = None
    try:
        prepared = prepare(settings, batch, signer, when, outside)
    except RemoteUnreachable as exc:
        checks.append(Check("remote", False, str(exc)))
    except (GitError, NotDone) as exc:
        checks.append(Check("plan", False, str(exc)))
    if prepared is None:
        return checks, None

    the_plan = prepared.plan
    assert the_plan is not None
    problems = [c.trouble() for c in the_plan.cells if not c.ok]
    checks.append(
        Check(
            "fixes held and applying",
            not problems,
            "OK" if not problems else "; ".join(problems),
        )
    )
    # A line's next version tagged already, an unread release tag, a bump file or the
    # changelog that does not fit: named as written.
    in_the_way = list(dict.fromkeys(p for a in batch for p in the_plan.problems(a.id)))
    checks.append(
        Check(
            "release tags and files",
            not in_the_way,
            "OK" if not in_the_way else "; ".join(in_the_way),
        )
    )
    findings = lint_plan(settings, the_plan, advisories)
    checks.append(
        Check(
            "leak lint",
            not findings,
            "OK" if not findings else f"{counted(len(findings), 'finding')}: run `releasekit lint`",
        )
    )
    checks += _remote_checks(settings, prepared, [a.id for a in batch])
    checks.append(_texts_check(settings, batch, advisories, prepared, when))
    if settings.verify.command:
        checks.append(
            _verify_check(settings, prepared, outside, run_verify and not failures(checks))
        )
    return checks, prepared


def _verify_check(settings: Settings, prepared: Prepared, outside: Outside, run: bool) -> Check:
    """A passing ``[verify] command`` on exactly the trees the lift pushes; with ``run``,
    run where there is no result for the tree (never run, or run on a tip that has moved)."""
    wanted = verify.targets(prepared)
    found, missing = verify.current(settings, wanted)
    if missing and run:
        found += verify.run(settings, missing, prepared, outside)
        missing = []
    failed = [r for r in found if not r.ok]
    if failed:
        return Check("verify", False, f"failed on {verify.describe_failures(failed)}")
    if missing:
        lines = ", ".join(t.line for t in missing)
        detail = f"not run on the current trees of {lines}: the lift runs it"
        return Check("verify", True, detail, warning=True)
    return Check("verify", True, "OK")


def _deadlines_check(settings: Settings, batch: Sequence[Advisory], release: datetime) -> Check:
    """A release at ``release`` after an advisory's due date or disclosure deadline: a
    warning, or a failed gate with ``[sla] enforce = true``."""
    missed = [why for a in batch if (why := sla.late(a, settings.sla, release))]
    if not missed:
        return Check("deadlines", True, "OK")
    return Check("deadlines", not settings.sla.enforce, "; ".join(missed), warning=True)


def resume_checks(settings: Settings, outside: Outside, now: datetime) -> list[Check]:
    """Before a push the preflight did not just check (resumed, or after a long wait): the
    key still signs, the SMTP server answers."""
    mail_settings = require_mail(settings)
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    return list(_mail_checks(mail_settings, signer, outside, now))


def _mail_checks(
    mail_settings: MailSettings, signer: Signer, outside: Outside, when: datetime
) -> tuple[Check, Check]:
    """The signing key works at ``when``; the SMTP server takes the sender and the lists."""
    key = signer.check(when)
    problem = check_server(mail_settings, outside.env)
    return (
        Check("signing key", key.ok, "OK" if key.ok else str(key.reason)),
        Check("SMTP server", problem is None, problem or "OK"),
    )


def _remote_checks(settings: Settings, prepared: Prepared, ids: Sequence[str]) -> list[Check]:
    """The remote answers, every branch push is a fast-forward and no tag exists yet; and
    the remote does not show this release already (another copy of the workspace lifted it:
    :mod:`releasekit.embargo.elsewhere`; the preflight runs only before this copy's push)."""
    assert prepared.plan is not None
    repo = prepared.plan.repo
    try:
        advertised = repo.ls_remote(settings.project.remote)
    except RemoteUnreachable as exc:
        return [Check("remote", False, str(exc))]
    there = elsewhere.found(settings, prepared, advertised)
    not_yet = Check(
        "not released from another copy",
        not there,
        "OK" if not there else elsewhere.message(ids, there),
    )
    problems = []
    for update in prepared.updates:
        current = advertised.get(update.ref)
        if update.ref.startswith("refs/tags/"):
            if current is not None and current != update.new:
                problems.append(f"{update.ref} already exists")
        elif current != update.old and current != update.new:
            problems.append(f"{update.ref} moved since the fetch")
    detail = "OK" if not problems else "; ".join(problems)
    return [Check("remote and fast-forward pushes", not problems, detail), not_yet]


def _texts_check(
    settings: Settings,
    batch: Sequence[Advisory],
    advisories: Sequence[Advisory],
    prepared: Prepared,
    now: datetime,
) -> Check:
    """The announcement and the site render with the templates in use, and the batch's
    CVE and OSV records will be valid on the disclosure date. First, the fixed versions the
    lift records are ones an advisory file may hold (checked before the site is built: a
    line's next version of a huge patch number names as many pages). ``now``: when the
    release is made (the embargo instant when waiting for it).

    The advisories are taken as their files will be once the release is recorded in them,
    and the site is built into a scratch directory beside the workspace's templates, as it
    will be right after the push; the live site is not touched.
    """
    for advisory in batch:
        if why := fixed_problem(prepared.fixed[advisory.id]):
            return Check("announcement and pages", False, f"{advisory.id}: fixed: {why}")
    try:
        texts.announcement(settings, batch, now, prepared.fixed, prepared.unfixed)
        at = release_instant(now, batch)  # (what the lift records)
        released = {a.id: _as_released(settings, a, at, prepared) for a in batch}
        for advisory in released.values():  # the records due on the disclosure date
            refused = records.check(settings, advisory)
            if refused is not None:
                raise refused[1]
        # The live site/ too: a file there would stop the lift at its last step, after the push.
        site_build.site_path(settings)
        with tempfile.TemporaryDirectory(prefix="releasekit-preflight-") as scratch:
            root = Path(scratch)
            if settings.templates_dir.is_dir():
                (root / "templates").symlink_to(settings.templates_dir)
            trial = replace(settings, root=root)
            site_build.publish(trial, [released.get(a.id, a) for a in advisories], at)
    except ReleasekitError as exc:
        return Check("announcement and pages", False, str(exc))
    return Check("announcement and pages", True, "OK")


def _as_released(
    settings: Settings, advisory: Advisory, when: datetime, prepared: Prepared
) -> Advisory:
    """The advisory as the lift will record it, read back from the text it would write: a
    file the lift could not record the release in stops it here, before anything is pushed."""
    text = recorded(advisory, when, prepared.fixed, prepared.fix_commits, prepared.unfixed)
    shown = display_path(settings, advisory.path)
    return parse_advisory(text, shown, settings.project.advisory_prefix, file=advisory.path)

"""The lift's push: branches first, read back, then the tags of the branches that arrived.

A push is not atomic: a branch may be refused while its tag is accepted, so a tag goes only
after its branch reads back as intended, and a tag is never public without its commit on its
branch. A branch that moved on the remote meanwhile is fetched and its fixes re-applied (its
version must not change): before anything is pushed when the move shows then, so that a
line that no longer takes its fixes stops the whole release, not only its own; a ref the
remote refused is tried again as it was. The step is done
only when every branch and tag reads back as intended, after a bounded number of attempts,
and before anything is announced. Never forced.
"""

from __future__ import annotations

from collections.abc import Mapping

from releasekit.adapters.git import ProductRepo
from releasekit.adapters.signing import Signer
from releasekit.embargo import elsewhere
from releasekit.embargo.batch import still_due
from releasekit.embargo.context import require_mail
from releasekit.embargo.prepare import Prepared, RefUpdate, prepare, release_instant
from releasekit.embargo.run import Run
from releasekit.support import timefmt
from releasekit.support.errors import NotDone, NotReady, Refused, ReleasekitError
from releasekit.support.words import counted

PUSH_ATTEMPTS = 3


def push(run: Run, prepared: Prepared) -> None:
    """Push ``prepared`` (journalled as the run's ``push`` step) until it reads back."""
    key = run.key("push")
    remote = run.settings.project.remote
    reasons = ""
    rejected: dict[str, str | None] = {}
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        # (compared with the checked files only while nothing of this run is pushed yet)
        still_due(run.settings, run.batch, run.now(), unchanged=run.book.get(key) is None)
        if prepared.plan is not None:
            repo = prepared.plan.repo
        else:
            repo = run.outside.open_repo(run.settings)
        read: dict[str, str] | None = None
        if run.book.get(key) is None:  # nothing pushed by this journal yet
            read = repo.ls_remote(remote)
            _not_elsewhere(run, prepared, read)
            moved = _moved_lines(prepared, read)
            if moved:  # re-applied before any line is pushed: all of them go, or none
                try:
                    prepared = _replan(run, prepared, moved)
                except NotDone as exc:
                    stop = NotReady if isinstance(exc, NotReady) else NotDone
                    said = str(exc).removesuffix("; nothing was announced")
                    raise stop(f"{said}; nothing was pushed or announced") from exc
                assert prepared.plan is not None
                repo = prepared.plan.repo
        if prepared.plan is not None:
            # Objects become public now: keep them in the clone so a re-run can push them.
            repo.persist(u.new for u in prepared.updates if repo.has_object(u.new))
        run.book.start(key, run.now(), prepared.journal_detail())
        run.outside.crash_point("push-started")
        rejected = {}
        try:
            advertised = read if read is not None else repo.ls_remote(remote)
            # A tag of the release made by someone else: push no branch of it at all.
            for kind in ("refs/heads/", "refs/tags/") if not _taken(prepared, advertised) else ():
                todo = _todo(prepared, advertised, kind)
                if todo:
                    url = repo.remote_url(remote)
                    run.outside.say(f"pushing {counted(len(todo), 'ref')} to {url}")
                    results = repo.push(remote, [f"{u.new}:{u.ref}" for u in todo])
                    rejected.update({r.ref: r.message for r in results if not r.ok})
                    advertised = repo.ls_remote(remote)
        except ReleasekitError as exc:
            # The remote may have taken some refs before it went away: say so, and resume.
            run.book.fail(key, run.now(), str(exc))
            raise NotDone(
                f"{exc}. The push started and may be partly done; nothing was announced. "
                "Re-run `releasekit embargo lift` to finish it."
            ) from exc
        wrong = [u for u in prepared.updates if advertised.get(u.ref) != u.new]
        if not wrong:
            finished = run.now()
            detail = prepared.journal_detail()
            detail["released"] = timefmt.iso_utc(release_instant(finished, run.batch))
            run.book.finish(key, finished, detail)
            run.outside.crash_point("push")
            return
        reasons = "; ".join(f"{u.ref}: {rejected.get(u.ref) or 'not pushed yet'}" for u in wrong)
        run.book.fail(key, run.now(), reasons)
        taken = _taken(prepared, advertised)
        if taken:
            raise NotDone(
                f"{', '.join(taken)} already exist on the remote with other contents; "
                "nothing was announced. Resolve it by hand, then re-run the lift."
            )
        if attempt == PUSH_ATTEMPTS:
            break
        moved = _moved_lines(prepared, advertised)
        if moved:
            prepared = _replan(run, prepared, moved)
        run.outside.say(f"push incomplete ({reasons}); trying again")
    raise NotDone(
        f"push incomplete after {PUSH_ATTEMPTS} attempts ({reasons}); nothing was announced. "
        + _what_then(rejected)
    )


def _not_elsewhere(run: Run, prepared: Prepared, advertised: Mapping[str, str]) -> None:
    """Before this journal pushes anything: stop (Refused) when the remote shows that another
    copy of the workspace pushed this release (:mod:`releasekit.embargo.elsewhere`), or has
    one of its tags already (made since the preflight); a branch that moved since the
    preflight is fetched and planned again to tell."""
    there = elsewhere.found(run.settings, prepared, advertised)
    if not there and _moved_lines(prepared, advertised):
        there = elsewhere.refetched(run.settings, run.batch, run.outside)
    if there:
        raise Refused(f"{elsewhere.message(run.ids, there)}. Nothing was pushed or sent")
    taken = _taken(prepared, advertised)
    if taken:
        raise Refused(
            f"{', '.join(taken)} appeared on the remote since the preflight, with other "
            "contents; nothing was pushed or sent. Resolve it by hand, then re-run the lift."
        )


def _taken(prepared: Prepared, advertised: Mapping[str, str]) -> list[str]:
    """The release's tags that the remote has already, at another object (someone else's)."""
    return [
        u.ref
        for u in prepared.updates
        if u.ref.startswith("refs/tags/") and advertised.get(u.ref, u.new) != u.new
    ]


def _todo(prepared: Prepared, advertised: Mapping[str, str], kind: str) -> list[RefUpdate]:
    """The refs of ``kind`` still to push: not on lines whose branch moved, and a tag only
    once its branch reads back."""
    moved = _moved_lines(prepared, advertised)
    verified = {
        u.line
        for u in prepared.updates
        if u.ref.startswith("refs/heads/") and advertised.get(u.ref) == u.new
    }
    return [
        u
        for u in prepared.updates
        if u.ref.startswith(kind)
        and u.line not in moved
        and (kind == "refs/heads/" or u.line in verified)
        and advertised.get(u.ref) != u.new
    ]


def _what_then(rejected: Mapping[str, str | None]) -> str:
    """What the operator does after the last attempt, from the remote's refusals."""
    locks = sorted(
        {lock for m in rejected.values() if m and (lock := ProductRepo.lock_in_the_way(m))}
    )
    if not locks:
        return "Re-run `releasekit embargo lift` to try again."
    # A git killed on the remote (a lift killed while it pushed to a path) leaves one.
    return (
        f"A lock file on the remote is in the way ({', '.join(locks)}): a git command is "
        "updating that ref, or one was killed before it could remove the file. Remove it "
        "if no git command is running there, then re-run `releasekit embargo lift`."
    )


def _replan(run: Run, prepared: Prepared, moved: set[str]) -> Prepared:
    """Fetch and re-apply the fixes of the lines whose branch moved; keep everything else.

    The versions were decided (and journalled) before the first push and must not change.
    """
    lines = ", ".join(sorted(moved))
    run.outside.say(f"the remote branch of {lines} moved: fetching and re-applying the fixes")
    kept = tuple(u for u in prepared.updates if u.line not in moved)
    if prepared.plan is not None:
        # The kept lines' commits and tags were made in the old plan's memory: into the
        # clone with them, or the new plan's repository cannot push them (its own tags of
        # those lines, signed in another second, are other objects).
        prepared.plan.repo.persist(u.new for u in kept)
    signer = Signer(require_mail(run.settings).signing_key, run.outside.env.gnupghome)
    fresh = prepare(run.settings, run.batch, signer, run.now(), run.outside)
    assert fresh.plan is not None
    bad = [c for c in fresh.plan.cells if c.line in moved and c.required and c.status != "applies"]
    problems = [p for line in sorted(moved) for p in fresh.plan.outcomes[line].problems]
    if bad or problems:
        why = "; ".join([f"{c.advisory} on {c.line}: {c.status}" for c in bad] + problems)
        raise NotReady(f"after the branch moved: {why}; nothing was announced")
    for advisory, versions in prepared.fixed.items():
        for line in moved:
            if line in versions and fresh.fixed.get(advisory, {}).get(line) != versions[line]:
                raise NotDone(
                    f"after the branch of {line} moved, its next version is no longer "
                    f"{versions[line]}; nothing was announced"
                )
    renewed = tuple(u for u in fresh.updates if u.line in moved)
    fixes = {k: v for k, v in prepared.fix_commits.items() if k not in moved}
    fixes.update({k: v for k, v in fresh.fix_commits.items() if k in moved})
    return Prepared(fresh.plan, kept + renewed, prepared.fixed, fixes, prepared.unfixed)


def _moved_lines(prepared: Prepared, advertised: Mapping[str, str]) -> set[str]:
    """Lines whose branch on the remote is neither the planned base nor the planned head."""
    return {
        u.line
        for u in prepared.updates
        if u.ref.startswith("refs/heads/") and advertised.get(u.ref) not in (u.old, u.new)
    }

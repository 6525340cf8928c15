"""Whether another copy of the workspace already lifted a batch.

The journal that keeps a lift from pushing or announcing twice lives in one copy's
``.releasekit/``; a second copy (a colleague's checkout of the workspace's repository) has
its own. Before it pushes, a lift therefore reads the remote. A branch already at the tip
it would push (the same commits: a plan's commits are reproducible), or a held fix already
there as the commit a lift makes of it (its author, author time and message, committed at
the author time: each copy may have its own committer) inside the line's newest release (the lift
tags what it pushes on a released line; a fix pushed by hand is not released yet), while
this copy's journal has no push of the run, means that another copy made this release
public. That lift stops (exit 1) before it pushes or sends anything. The preflight looks
with the plan it builds; the push, right before it starts, looks again (and plans again
when a branch moved since the preflight: another copy's commits differ when its committer
does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from releasekit.embargo.context import Outside
from releasekit.embargo.prepare import Prepared
from releasekit.fixes.mbox import PatchCommit
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release.plan import ALREADY_FIXED, NOT_REQUIRED, Plan
from releasekit.release.planner import build_plan

HISTORY = 1000  # first-parent commits of a branch searched for the lift's commit of a fix


def found(settings: Settings, prepared: Prepared, advertised: Mapping[str, str]) -> list[str]:
    """Where the remote shows this release already (branches at the tip this lift would push
    them to, and ``ID on LINE, ...``); [] when it does not. ``advertised``: the remote's
    refs as just read. (A tag that exists is refused as such: tag objects differ between
    copies, their signatures are made apart.)"""
    there = [
        u.ref
        for u in prepared.updates
        if u.ref.startswith("refs/heads/") and advertised.get(u.ref) == u.new
    ]
    if prepared.plan is not None:
        there += lifted_fixes(settings, prepared.plan)
    return there


def refetched(settings: Settings, batch: Sequence[Advisory], outside: Outside) -> list[str]:
    """:func:`lifted_fixes` of a fresh plan (it fetches): for a lift that finds its branches
    moved since its preflight."""
    repo = outside.open_repo(settings)
    return lifted_fixes(settings, build_plan(settings, batch, repo, progress=outside.progress))


def lifted_fixes(settings: Settings, the_plan: Plan) -> list[str]:
    """The batch's fixes that are on their line already (the plan found them "already
    fixed") as the very commits a lift of them makes, and released: ``ID on LINE, LINE``.

    When the batch needs released lines, only those count (the lift tagged what it pushed
    there); the upcoming line, which has no tag, only when it is all the batch needs.
    """
    released: dict[str, list[str]] = {}
    upcoming: dict[str, list[str]] = {}
    needs_released = any(
        c.status != NOT_REQUIRED and the_plan.line(c.line).latest is not None
        for c in the_plan.cells
    )
    tags: dict[str, str] | None = None
    for cell in the_plan.cells:
        held = the_plan.held.get((cell.advisory, cell.line))
        if cell.status != ALREADY_FIXED or held is None or not held.commits:
            continue
        line = the_plan.line(cell.line)
        commit = _lifted(the_plan, line.base, held.commits)
        if commit is None:
            continue
        if line.latest is None:
            upcoming.setdefault(cell.advisory, []).append(cell.line)
            continue
        tags = the_plan.repo.tags() if tags is None else tags
        # The tag the newest release was found under: another copy may write a spelling
        # this one only reads ([releases] read_tags).
        newest = tags.get(line.latest_tag or settings.tag_name(line.latest, line.name))
        if newest is not None and the_plan.repo.is_ancestor(commit, newest):
            released.setdefault(cell.advisory, []).append(cell.line)
    seen = released if needs_released else upcoming
    return [f"{ident} on {', '.join(lines)}" for ident, lines in seen.items()]


def _lifted(the_plan: Plan, tip: str, fix: Sequence[PatchCommit]) -> str | None:
    """The commit of ``fix`` as a lift makes it (the fix's author, author time and message,
    committed at the author time, by whoever the committer of that copy is), among the first
    parents of ``tip``."""
    stamps = {(c.author, c.message) for c in fix}
    for commit in the_plan.repo.first_parents(tip, HISTORY):
        if (
            commit.committer.time == commit.author.time
            and (commit.author, commit.message) in stamps
        ):
            return commit.oid
    return None


def message(ids: Sequence[str], where: Sequence[str]) -> str:
    """The one line a lift stops with when another copy made the release public."""
    return (
        f"the remote already has the release of {', '.join(ids)} "
        f"({'; '.join(where[:4])}{'; ...' if len(where) > 4 else ''}) but this copy's "
        "journal has no push of it: another copy of the workspace lifted it. Finish the lift "
        "in that copy, or copy its .releasekit/ here and re-run (it resumes; messages it "
        "sent are not sent again); once it is done, take its advisories/ files"
    )

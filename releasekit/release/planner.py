"""Building the plan: fetch the remote, read the release lines, ask the policy which lines
each advisory needs, and stack the held fixes of the embargoed advisories, in id order, onto
the current public tip of every supported line, in memory; on each released line, end the
fixes with the release commit (:mod:`releasekit.release.bump`) when bump files or a
changelog are configured.

The chain of commits built per line is exactly what ``embargo lift`` pushes, and the tag
messages rendered are exactly the ones the lift writes. Drafts (no embargo yet) are tried on
top of each chain, shown, and never gate readiness. Released advisories take no part. A
line's problems (its next version tagged already, an unread release tag on its branch, a
release tag it counts that the remote does not have (:mod:`.unpushed`), a bump file or
changelog that does not fit) make every advisory that needs it not ready.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from packaging.version import Version

from releasekit.adapters.git import Person, ProductRepo
from releasekit.fixes.store import HeldPatch, held_patches, read_patch
from releasekit.model import public
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.versions import first_release
from releasekit.release import unpushed
from releasekit.release.bump import (
    development_commit,
    makes_release_commit,
    release_commit,
    release_context,
)
from releasekit.release.lines import Lines, ReleaseLine, config_text, read_lines
from releasekit.release.plan import (
    ALREADY_FIXED,
    CONFLICTS,
    MISSING,
    NOT_REQUIRED,
    Cell,
    LineOutcome,
    Plan,
    PlanLine,
    PlannedAdvisory,
    ReleaseCommit,
)
from releasekit.release.policy import Decision, decide
from releasekit.release.since import earlier_fixes
from releasekit.release.stack import Chain, Result, apply
from releasekit.release.unpushed import LocalTag
from releasekit.support import render, tomlpos
from releasekit.support.errors import BadInput, ConfigError
from releasekit.support.progress import Progress
from releasekit.support.words import counted
from releasekit.workspace import files as workspace
from releasekit.workspace.paths import display_path

Journalled = Mapping[str, str]  # tag name -> the tag object a lift journalled for it


def tag_message(
    settings: Settings, line: ReleaseLine | PlanLine, carried: Sequence[Advisory] = ()
) -> str | None:
    """The message of the annotated tag of ``line``'s next version (None: upcoming, no tag).

    Rendered from ``tag-message.txt.j2`` (overridable in the workspace's templates/); the
    lift writes exactly this text, and the lint checks exactly this text. The template gets
    of the advisories whose fixes the tag carries (``carried``, embargoed) only what they show
    once released (:func:`releasekit.model.public.as_released`): the tag is public from the
    release on.
    """
    if line.tag is None:
        return None
    shown = [
        public.text_fields(public.as_released(settings, advisory, advisory.embargo, {}))
        for advisory in carried
        if advisory.embargo is not None
    ]
    text = render.render(
        render.environment(settings.templates_dir),
        "tag-message.txt.j2",
        project=settings.project.name,
        version=line.next_version,
        line=line.name,
        tag=line.tag,
        advisories=shown,
    )
    return text if text.endswith("\n") else text + "\n"


def plan_line(
    settings: Settings, line: ReleaseLine, base: str, carried: Sequence[Advisory] = ()
) -> PlanLine:
    return PlanLine(
        name=line.name,
        groups=line.groups,
        latest=line.latest,
        next_version=line.next_version,
        branch=line.branch,
        tag=line.tag,
        tag_message=tag_message(settings, line, carried),
        base=base,
        prerelease=line.prerelease,
        latest_tag=line.latest_tag,
    )


def committer(settings: Settings, repo: ProductRepo) -> Person:
    """``[releases] committer``, else the clone's user.name and user.email."""
    configured = settings.releases.committer
    if configured:
        name, address = email.utils.parseaddr(configured)
        return Person(name, address)
    found = repo.default_identity()
    if found is None:
        text = settings.config_path.read_text(encoding="utf-8")
        raise BadInput(
            f"{settings.config_path.name}:{tomlpos.table_line(text, 'releases') or 1}: "
            "releases.committer: not set, and the product clone has no user.name/user.email"
        )
    return found


def active_advisories(advisories: Iterable[Advisory]) -> list[Advisory]:
    """The advisories that take part: not released yet, in id order."""
    return sorted((a for a in advisories if a.released is None), key=lambda a: (a.year, a.number))


class _Branches:
    """The history the lines read: the remote-tracking branches of the clone."""

    def __init__(self, repo: ProductRepo, remote: str) -> None:
        self.repo = repo
        self.remote = remote

    def tip(self, branch: str) -> str | None:
        return self.repo.tracking_tip(self.remote, branch)

    def contains(self, tip: str, commit: str) -> bool:
        return self.repo.is_ancestor(commit, tip)

    def on_no_branch(self, commit: str) -> bool:
        tips = self.repo.tracking_tips(self.remote).values()
        return not any(self.repo.is_ancestor(commit, tip) for tip in tips)


def release_lines(
    settings: Settings,
    repo: ProductRepo,
    *,
    upcoming_exists: bool | None = None,
    tags: Mapping[str, str] | None = None,
) -> Lines:
    """The lines of the clone's tags (``tags``, when read already) and remote-tracking
    branches (a line's releases are the tags on its branch); the upcoming line exists when
    its branch is on the remote, unless ``upcoming_exists`` says otherwise."""
    remote = settings.project.remote
    if upcoming_exists is None:
        branches = repo.tracking_branches(remote)
        upcoming_exists = settings.branch_name(settings.releases.upcoming) in branches
    tags = repo.tags() if tags is None else tags
    found = read_lines(
        settings, tags, upcoming_exists=upcoming_exists, history=_Branches(repo, remote)
    )
    found = unpushed.next_tags_taken(found, tags, repo.tag_ref_target)
    return unpushed.shallow_hint(found) if repo.shallow else found


def _local_tags(
    settings: Settings, repo: ProductRepo, lines: Lines, tags: Mapping[str, str], lifts: Journalled
) -> dict[str, tuple[LocalTag, ...]] | None:
    """Per supported released line, the release tags it counts that the remote lacks, as
    its fetch in this process saw the remote (None: not fetched, so not known).
    ``lifts``: the tags lifts journalled, name -> tag object (:mod:`.unpushed`)."""
    remote = settings.project.remote
    advertised = repo.fetched_refs(remote)
    if advertised is None:
        return None
    history = _Branches(repo, remote)
    return unpushed.local_tags(
        settings, lines, tags, advertised, history, repo.tag_ref_target, lifts
    )


def load_held(
    settings: Settings, advisories: Sequence[Advisory], lines: Iterable[str] | None = None
) -> dict[tuple[str, str], HeldPatch]:
    """Parse the held fixes of ``advisories`` (on ``lines``, when given)."""
    known = {a.id for a in advisories}
    wanted_lines = set(lines) if lines is not None else None
    held: dict[tuple[str, str], HeldPatch] = {}
    for (advisory_id, line), path in held_patches(settings).items():
        if advisory_id not in known:
            continue
        if wanted_lines is not None and line not in wanted_lines:
            continue
        held[(advisory_id, line)] = read_patch(settings, path)
    return held


def check_patch_dirs(settings: Settings) -> None:
    """Every patches/ID/ belongs to an advisory file (of the workspace, not just of the
    advisories being planned: the lift plans a few of them)."""
    every_id = {path.stem for path in workspace.advisory_files(settings)}
    for advisory_id, _line in held_patches(settings):
        if advisory_id not in every_id:
            raise BadInput(
                f"patches/{advisory_id}/: no such advisory (advisories/{advisory_id}.md)"
            )


def build_plan(
    settings: Settings,
    advisories: Sequence[Advisory],
    repo: ProductRepo,
    *,
    fetch: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
    lifts: Journalled | None = None,
) -> Plan:
    """The plan for ``advisories`` (released ones are left out) on the live public tips.

    ``fetch``: fetch the remote first (else use the remote-tracking refs as they are).
    ``now``: the committer time of the commits built (default: each fix's author time, so
    the plan is reproducible). ``repo``: the open product clone; the plan's commits live in
    its memory (``Plan.repo``), ready for the lift to push. ``lifts``: the tags the
    workspace's lifts journalled (name -> tag object id): such a tag the remote lacks is
    that lift's, to be pushed by resuming it, not a release made here by mistake.
    """
    say = progress or (lambda _text: None)
    remote = settings.project.remote
    active = active_advisories(advisories)
    check_patch_dirs(settings)
    held = load_held(settings, active)  # bad input fails before the fetch writes anything
    who = committer(settings, repo)
    if fetch:
        say(f"fetching {remote} ({repo.remote_url(remote)})")
        repo.fetch(remote, progress=say)
    tags = repo.tags()
    lines = release_lines(settings, repo, tags=tags)
    local = _local_tags(settings, repo, lines, tags, lifts or {})
    when = int(now.timestamp()) if now is not None else None
    supported = {line.name for line in lines.supported}
    held = {key: patch for key, patch in held.items() if key[1] in supported}

    plan_lines: list[PlanLine] = []
    chains: dict[str, Chain] = {}
    for line in lines.supported:
        base = repo.tracking_tip(remote, line.branch)
        if base is None:  # the key that names it: the line's own in branches, or the pattern
            named_by = "branches" if line.name in settings.releases.branches else "branch"
            text = config_text(settings)  # (the default pattern: the [releases] table's line)
            at = tomlpos.key_line(text, "releases", named_by) or tomlpos.table_line(
                text, "releases"
            )
            raise ConfigError.one(
                settings.config_path,
                at,
                f"releases.{named_by}",
                f"line {line.name}: remote {remote} has no branch {line.branch} (fetch first?)",
            )
        chains[line.name] = Chain(repo, base, base, repo.edit(repo.commit(base).tree))
        planned = plan_line(settings, line, base)
        plan_lines.append(
            replace(planned, local_tags=None if local is None else local.get(line.name, ()))
        )

    decisions: dict[str, list[Decision]] = {
        a.id: decide(a, lines, settings.policy, last=settings.releases.last) for a in active
    }
    results: dict[tuple[str, str], Result] = {}
    gating = [a for a in active if a.embargo is not None]
    drafts = [a for a in active if a.embargo is None]
    for line in lines.supported:
        chain = chains[line.name]
        todo = [
            a for a in gating if _required(decisions[a.id], line.name) and (a.id, line.name) in held
        ]
        if todo:
            say(f"applying {counted(len(todo), 'fix', 'fixes')} on {line.branch}")
        for advisory in todo:
            results[(advisory.id, line.name)] = apply(
                chain, held[(advisory.id, line.name)], who, when
            )
        for advisory in drafts:
            if _required(decisions[advisory.id], line.name) and (advisory.id, line.name) in held:
                trial = chain.fork()
                results[(advisory.id, line.name)] = apply(
                    trial, held[(advisory.id, line.name)], who, when
                )

    cells: list[Cell] = []
    for advisory in active:
        fixed_lines = {
            line
            for (ident, line), result in results.items()
            if ident == advisory.id and result.status == ALREADY_FIXED
        }
        final = decide(
            advisory,
            lines,
            settings.policy,
            last=settings.releases.last,
            already_fixed=fixed_lines,
        )
        for decision in final:
            key = (advisory.id, decision.line)
            if decision.skipped == "already-fixed":
                result = Result(ALREADY_FIXED, on_stack=results[key].on_stack)
            elif not decision.required:
                result = Result(NOT_REQUIRED)
            elif key not in held:
                result = Result(MISSING)
            else:
                result = results[key]
            cells.append(
                Cell(
                    advisory=advisory.id,
                    line=decision.line,
                    required=decision.required,
                    reason=_reason(decision, result),
                    held=key in held,
                    status=result.status,
                    conflicts=result.conflicts,
                    commits=result.commits if advisory.embargo is not None else (),
                )
            )

    plan_lines = _with_tag_messages(settings, plan_lines, gating, cells)
    outcomes: dict[str, LineOutcome] = {}
    gating_ids = {a.id for a in gating}
    for planned in plan_lines:
        chain = chains[planned.name]
        ok = all(
            cell.ok for cell in cells if cell.line == planned.name and cell.advisory in gating_ids
        )
        problems = list(lines.known[planned.name].problems)
        problems += [  # a release tag only the clone has: not what the public got
            unpushed.problem(lines.known[planned.name], tag, remote)
            for tag in planned.local_tags or ()
            if not tag.lift
        ]
        head = chain.head if ok and chain.commits and not problems else None
        release: ReleaseCommit | None = None
        development: ReleaseCommit | None = None
        if head is not None and planned.tag is not None and makes_release_commit(settings):
            made = _release(settings, planned, chain, cells, gating, plan_lines, who, when)
            if isinstance(made, list):
                problems += made
                head = None
            else:
                head, release = made.commit, made
        if release is not None and settings.releases.release_off_branch:
            # The tag keeps the release commit; the branch moves on to the next version.
            author = chain.repo.commit(release.commit).author
            after = development_commit(settings, chain.repo, planned, release, author)
            if isinstance(after, list):
                problems += after
                head = None
            else:
                head, development = after.commit, after
        outcomes[planned.name] = LineOutcome(
            planned.name,
            chain.base,
            head,
            tuple(chain.commits),
            ok and not problems,
            release,
            tuple(problems),
            development,
        )
    released_lines = tuple(n for n, line in lines.known.items() if line.latest is not None)
    tips = {line.name: line.base for line in plan_lines}
    advertised = repo.fetched_refs(remote)  # (None: not fetched, the public tags not known)
    public = (
        None if advertised is None else unpushed.on_remote(tags, advertised, repo.tag_ref_target)
    )
    earlier = earlier_fixes(settings, repo, gating, cells, held, tips, public)
    return Plan(
        remote=remote,
        advisories=tuple(
            PlannedAdvisory(
                a.id,
                a.severity,
                a.embargo,
                a.embargo is not None,
                _unrecorded(
                    settings, a, plan_lines, cells, bool(released_lines), earlier.fixed.get(a.id)
                ),
            )
            for a in active
        ),
        lines=tuple(plan_lines),
        cells=tuple(cells),
        outcomes=outcomes,
        committer=who,
        held=held,
        repo=repo,
        released=released_lines,
        earlier=earlier.fixed,
        unknown=earlier.unknown,
        notes=earlier.notes,
    )


def _release(
    settings: Settings,
    planned: PlanLine,
    chain: Chain,
    cells: Sequence[Cell],
    gating: Sequence[Advisory],
    plan_lines: Sequence[PlanLine],
    who: Person,
    when: int | None,
) -> ReleaseCommit | list[str]:
    """The release commit of ``planned`` on top of its fixes (or the problems in its way):
    it names the advisories whose fixes are on the line, as public at their release."""
    on_line = {c.advisory for c in cells if c.line == planned.name and c.commits}
    released = [a for a in gating if a.id in on_line]
    versions = {line.name: line.next_version for line in plan_lines}
    fixed = {
        a.id: {c.line: versions[c.line] for c in cells if c.advisory == a.id and c.required}
        for a in released
    }
    instant = max(a.embargo for a in released if a.embargo is not None)
    context = release_context(settings, planned, released, fixed, instant)
    author = who.at(when if when is not None else int(instant.timestamp()))
    return release_commit(settings, chain.repo, chain.head, planned, context, author)


def _with_tag_messages(
    settings: Settings, lines: Sequence[PlanLine], gating: Sequence[Advisory], cells: Sequence[Cell]
) -> list[PlanLine]:
    """``lines`` with the tag messages that name what each tag carries: the embargoed
    advisories whose fixes the line's chain applies."""
    done = []
    for planned in lines:
        on_line = {c.advisory for c in cells if c.line == planned.name and c.commits}
        carried = [a for a in gating if a.id in on_line]
        done.append(replace(planned, tag_message=tag_message(settings, planned, carried)))
    return done


def _unrecorded(
    settings: Settings,
    advisory: Advisory,
    plan_lines: Sequence[PlanLine],
    cells: Sequence[Cell],
    released: bool,
    earlier: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Why the lift could not record what ``advisory`` affects: every line that gets its
    fix is fixed in its first release (OpenSSL's Low fixes, in master only: 3.5.0), so no
    released version would be affected, unless ``introduced`` names the first line with
    the code (an empty OSV ``affected`` tells scanners that 3.4.0 is safe), or a line got
    the fix before in a release that is not its first (``earlier``: release.since; 10.4.0
    to 10.4.8 affected, fixed in 10.4.9)."""
    required = {c.line for c in cells if c.advisory == advisory.id and c.required}
    firsts = [line for line in plan_lines if line.name in required]
    if advisory.introduced is not None or not released or not firsts:
        return ()
    if any(Version(v) > Version(first_release(line)) for line, v in (earlier or {}).items()):
        return ()
    if any(line.latest is not None for line in firsts):
        return ()
    versions = ", ".join(line.next_version for line in firsts)
    where = display_path(settings, advisory.path)
    return (
        f"{where}: introduced: not set, and {advisory.id} is fixed only in a first release "
        f"({versions}): no released version would be recorded affected; set it to the "
        "first line with the affected code",
    )


def _required(decisions: list[Decision], line: str) -> bool:
    return any(d.required for d in decisions if d.line == line)


def _reason(decision: Decision, result: Result) -> str:
    held_at = f"patches/{decision.advisory}/{decision.line}.patch"
    if result.status == MISSING:
        return f"{decision.reason}; no fix held ({held_at})"
    if result.status == CONFLICTS:
        where = " (on top of the fixes before it)" if result.on_stack else ""
        return f"{decision.reason}; conflicts in {', '.join(result.conflicts)}{where}"
    if result.status == ALREADY_FIXED and result.on_stack:
        return f"{decision.reason}, with the fixes stacked before it"
    return decision.reason

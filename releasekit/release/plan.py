"""The backport plan: advisories x release lines, applied to the live public tips.

:func:`build_plan` fetches the product remote, reads the release lines, asks the policy which
lines each advisory needs, and for every line stacks the held fixes of the embargoed
advisories, in id order, onto the current public tip of its branch, in memory. The chain of
commits it builds per line is exactly what ``embargo lift`` pushes (``Plan.outcomes``), and
the tag messages it renders are exactly the ones the lift writes. Drafts (no embargo yet)
are tried on top of each chain, shown, and never gate readiness. Released advisories take
no part. The JSON shape of :meth:`Plan.to_json` is documented in ``docs/plan-json.md``.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from releasekit.adapters.git import Person, ProductRepo, TreeEditor
from releasekit.fixes.apply import apply_commit
from releasekit.fixes.store import HeldPatch, held_patches, read_patch
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release import lint
from releasekit.release.lines import Lines, ReleaseLine, read_lines
from releasekit.release.policy import Decision, decide
from releasekit.support import render, timefmt, tomlpos
from releasekit.support.errors import BadInput
from releasekit.workspace import files as workspace

JSON_VERSION = 1
APPLIES = "applies"
CONFLICTS = "conflicts"
ALREADY_FIXED = "already-fixed"
MISSING = "missing"
NOT_REQUIRED = "not-required"
STATUSES = (APPLIES, CONFLICTS, ALREADY_FIXED, MISSING, NOT_REQUIRED)
GOOD = (APPLIES, ALREADY_FIXED, NOT_REQUIRED)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlanLine:
    """A supported release line and what a release of it would be called."""

    name: str
    groups: tuple[str, ...]
    latest: str | None  # latest released version; None for the upcoming line
    next_version: str
    branch: str
    tag: str | None  # tag of next_version; None for the upcoming line
    tag_message: str | None  # the annotated tag's message, as the lift writes it
    base: str  # the public tip of the branch (remote-tracking, after the fetch)


@dataclass(frozen=True)
class Cell:
    """One advisory on one line."""

    advisory: str
    line: str
    required: bool
    reason: str
    held: bool  # patches/ID/LINE.patch exists
    status: str  # one of STATUSES
    conflicts: tuple[str, ...] = ()  # files that do not merge
    commits: tuple[str, ...] = ()  # commits this advisory adds to the line's chain

    @property
    def ok(self) -> bool:
        return self.status in GOOD


@dataclass(frozen=True)
class LineOutcome:
    """What the lift would push for one line."""

    line: str
    base: str  # current public tip
    head: str | None  # tip of the stacked chain; None when there is nothing to push or not ok
    commits: tuple[tuple[str, str], ...]  # (advisory id, commit id), oldest first
    ok: bool  # every embargoed advisory that needs this line applies (or is already there)


@dataclass(frozen=True)
class PlannedAdvisory:
    id: str
    severity: str
    embargo: datetime | None
    gating: bool  # embargo set: the plan must be ready for it; drafts are shown only

    @property
    def state(self) -> str:
        return "embargoed" if self.gating else "draft"


@dataclass(frozen=True)
class Plan:
    remote: str
    advisories: tuple[PlannedAdvisory, ...]
    lines: tuple[PlanLine, ...]
    cells: tuple[Cell, ...]
    outcomes: Mapping[str, LineOutcome]
    committer: Person
    held: Mapping[tuple[str, str], HeldPatch] = field(repr=False)
    repo: ProductRepo = field(repr=False, compare=False)

    def cell(self, advisory_id: str, line: str) -> Cell:
        for cell in self.cells:
            if cell.advisory == advisory_id and cell.line == line:
                return cell
        raise KeyError((advisory_id, line))

    def line(self, name: str) -> PlanLine:
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(name)

    def ready(self, advisory_id: str) -> bool:
        """Every line this advisory needs has its fix held and applying (or already there)."""
        cells = [c for c in self.cells if c.advisory == advisory_id]
        if not cells and advisory_id not in {a.id for a in self.advisories}:
            raise KeyError(advisory_id)
        return all(cell.ok for cell in cells)

    @property
    def is_ready(self) -> bool:
        """Every embargoed advisory is ready (drafts do not count)."""
        return all(self.ready(a.id) for a in self.advisories if a.gating)

    def to_json(self) -> dict[str, Any]:
        """The stable, documented shape (docs/plan-json.md)."""
        return {
            "version": JSON_VERSION,
            "ready": self.is_ready,
            "remote": self.remote,
            "committer": f"{self.committer.name} <{self.committer.email}>",
            "lines": [
                {
                    "line": line.name,
                    "groups": list(line.groups),
                    "latest": line.latest,
                    "next_version": line.next_version,
                    "branch": line.branch,
                    "tag": line.tag,
                    "base": line.base,
                    "head": self.outcomes[line.name].head,
                    "ok": self.outcomes[line.name].ok,
                    "commits": [
                        {"advisory": advisory, "commit": commit}
                        for advisory, commit in self.outcomes[line.name].commits
                    ],
                }
                for line in self.lines
            ],
            "advisories": [
                {
                    "id": advisory.id,
                    "severity": advisory.severity,
                    "state": advisory.state,
                    "embargo": timefmt.iso_utc(advisory.embargo) if advisory.embargo else None,
                    "ready": self.ready(advisory.id),
                    "cells": [
                        {
                            "line": cell.line,
                            "required": cell.required,
                            "reason": cell.reason,
                            "held": cell.held,
                            "status": cell.status,
                            "conflicts": list(cell.conflicts),
                            "commits": list(cell.commits),
                        }
                        for cell in self.cells
                        if cell.advisory == advisory.id
                    ],
                }
                for advisory in self.advisories
            ],
        }


def tag_message(settings: Settings, line: ReleaseLine) -> str | None:
    """The message of the annotated tag of ``line``'s next version (None: upcoming, no tag).

    Rendered from ``tag-message.txt.j2`` (overridable in the workspace's templates/); the
    lift writes exactly this text, and the lint checks exactly this text.
    """
    if line.tag is None:
        return None
    text = render.render(
        render.environment(settings.templates_dir),
        "tag-message.txt.j2",
        project=settings.project.name,
        version=line.next_version,
        line=line.name,
        tag=line.tag,
    )
    return text if text.endswith("\n") else text + "\n"


def _plan_line(settings: Settings, line: ReleaseLine, base: str) -> PlanLine:
    return PlanLine(
        name=line.name,
        groups=line.groups,
        latest=line.latest,
        next_version=line.next_version,
        branch=line.branch,
        tag=line.tag,
        tag_message=tag_message(settings, line),
        base=base,
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


def release_lines(
    settings: Settings, repo: ProductRepo, *, upcoming_exists: bool | None = None
) -> Lines:
    """The lines of the clone's tags; the upcoming line exists when its branch is on the
    remote (remote-tracking), unless ``upcoming_exists`` says otherwise."""
    if upcoming_exists is None:
        branches = repo.tracking_branches(settings.project.remote)
        upcoming_exists = settings.branch_name(settings.releases.upcoming) in branches
    return read_lines(settings, repo.tags(), upcoming_exists=upcoming_exists)


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


def _check_patch_dirs(settings: Settings) -> None:
    """Every patches/ID/ belongs to an advisory file (of the workspace, not just of the
    advisories being planned: the lift plans a few of them)."""
    every_id = {path.stem for path in workspace.advisory_files(settings)}
    for advisory_id, _line in held_patches(settings):
        if advisory_id not in every_id:
            raise BadInput(
                f"patches/{advisory_id}/: no such advisory (advisories/{advisory_id}.md)"
            )


@dataclass
class _Chain:
    """One line's stack of commits, being built."""

    repo: ProductRepo
    base: str
    head: str
    editor: TreeEditor
    commits: list[tuple[str, str]] = field(default_factory=list)

    def fork(self) -> _Chain:
        tree = self.repo.commit(self.head).tree
        return _Chain(self.repo, self.base, self.head, self.repo.edit(tree), list(self.commits))


@dataclass(frozen=True)
class _Result:
    status: str
    conflicts: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()
    on_stack: bool = False  # applied on top of other fixes (not on the bare public tip)


def _apply(chain: _Chain, held: HeldPatch, committer: Person, when: int | None) -> _Result:
    """Stack one held fix onto ``chain``."""
    made: list[str] = []
    start_head = chain.head
    on_stack = start_head != chain.base
    for commit in held.commits:
        outcome = apply_commit(chain.repo, chain.editor, commit)
        if outcome.conflicts:
            if made:  # roll back the commits of this fix already stacked
                chain.head = start_head
                del chain.commits[-len(made) :]
                chain.editor = chain.repo.edit(chain.repo.commit(start_head).tree)
            return _Result(CONFLICTS, outcome.conflicts, (), on_stack)
        if not outcome.changed:
            continue  # already there: like cherry-pick, skip an empty commit
        tree = chain.editor.write()
        stamp = committer.at(when if when is not None else commit.author.time)
        oid = chain.repo.create_commit(
            tree=tree,
            parents=[chain.head],
            author=commit.author,
            committer=stamp,
            message=commit.message,
        )
        chain.head = oid
        chain.commits.append((held.advisory, oid))
        made.append(oid)
    if not made:
        return _Result(ALREADY_FIXED, on_stack=on_stack)
    return _Result(APPLIES, (), tuple(made), on_stack)


def build_plan(
    settings: Settings,
    advisories: Sequence[Advisory],
    repo: ProductRepo,
    *,
    fetch: bool = True,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Plan:
    """The plan for ``advisories`` (released ones are left out) on the live public tips.

    ``fetch``: fetch the remote first (else use the remote-tracking refs as they are).
    ``now``: the committer time of the commits built (default: each fix's author time, so
    the plan is reproducible). ``repo``: the open product clone; the plan's commits live in
    its memory (``Plan.repo``), ready for the lift to push.
    """
    say = progress or (lambda _text: None)
    remote = settings.project.remote
    active = active_advisories(advisories)
    _check_patch_dirs(settings)
    held = load_held(settings, active)  # bad input fails before the fetch writes anything
    who = committer(settings, repo)
    if fetch:
        say(f"fetching {remote} ({repo.remote_url(remote)})")
        repo.fetch(remote, progress=say)
    lines = release_lines(settings, repo)
    when = int(now.timestamp()) if now is not None else None
    supported = {line.name for line in lines.supported}
    held = {key: patch for key, patch in held.items() if key[1] in supported}

    plan_lines: list[PlanLine] = []
    chains: dict[str, _Chain] = {}
    for line in lines.supported:
        base = repo.tracking_tip(remote, line.branch)
        if base is None:
            raise BadInput(
                f"line {line.name}: remote {remote} has no branch {line.branch} "
                f"(releases.branch; fetch first?)"
            )
        chains[line.name] = _Chain(repo, base, base, repo.edit(repo.commit(base).tree))
        plan_lines.append(_plan_line(settings, line, base))

    decisions: dict[str, list[Decision]] = {
        a.id: decide(a, lines, settings.policy, last=settings.releases.last) for a in active
    }
    results: dict[tuple[str, str], _Result] = {}
    gating = [a for a in active if a.embargo is not None]
    drafts = [a for a in active if a.embargo is None]
    for line in lines.supported:
        chain = chains[line.name]
        todo = [
            a for a in gating if _required(decisions[a.id], line.name) and (a.id, line.name) in held
        ]
        if todo:
            say(f"applying {len(todo)} fix(es) on {line.branch}")
        for advisory in todo:
            results[(advisory.id, line.name)] = _apply(
                chain, held[(advisory.id, line.name)], who, when
            )
        for advisory in drafts:
            if _required(decisions[advisory.id], line.name) and (advisory.id, line.name) in held:
                trial = chain.fork()
                results[(advisory.id, line.name)] = _apply(
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
                result = _Result(ALREADY_FIXED, on_stack=results[key].on_stack)
            elif not decision.required:
                result = _Result(NOT_REQUIRED)
            elif key not in held:
                result = _Result(MISSING)
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

    outcomes: dict[str, LineOutcome] = {}
    gating_ids = {a.id for a in gating}
    for plan_line in plan_lines:
        chain = chains[plan_line.name]
        ok = all(
            cell.ok for cell in cells if cell.line == plan_line.name and cell.advisory in gating_ids
        )
        head = chain.head if ok and chain.commits else None
        outcomes[plan_line.name] = LineOutcome(
            plan_line.name, chain.base, head, tuple(chain.commits), ok
        )
    return Plan(
        remote=remote,
        advisories=tuple(
            PlannedAdvisory(a.id, a.severity, a.embargo, a.embargo is not None) for a in active
        ),
        lines=tuple(plan_lines),
        cells=tuple(cells),
        outcomes=outcomes,
        committer=who,
        held=held,
        repo=repo,
    )


def _required(decisions: list[Decision], line: str) -> bool:
    return any(d.required for d in decisions if d.line == line)


def _reason(decision: Decision, result: _Result) -> str:
    held_at = f"patches/{decision.advisory}/{decision.line}.patch"
    if result.status == MISSING:
        return f"{decision.reason}; no fix held ({held_at})"
    if result.status == CONFLICTS:
        where = " (on top of the fixes before it)" if result.on_stack else ""
        return f"{decision.reason}; conflicts in {', '.join(result.conflicts)}{where}"
    if result.status == ALREADY_FIXED and result.on_stack:
        return f"{decision.reason}, with the fixes stacked before it"
    return decision.reason


# --- the leak lint over what would be pushed ------------------------------------------------


def name_texts(settings: Settings, plan_lines: Iterable[PlanLine], who: Person) -> list[lint.Text]:
    """Branch and tag names, tag messages and the committer: everything a push names."""
    config = settings.config_path.name
    try:
        text = settings.config_path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    branch_at = tomlpos.key_line(text, "releases", "branch")
    tag_at = tomlpos.key_line(text, "releases", "tag")
    texts: list[lint.Text] = []
    for line in plan_lines:
        texts.append(lint.Text.one(config, line.branch, branch_at))
        if line.tag is not None:
            texts.append(lint.Text.one(config, line.tag, tag_at))
        if line.tag_message is not None:
            numbered = tuple(
                (number, content) for number, content in enumerate(line.tag_message.splitlines(), 1)
            )
            texts.append(lint.Text(f"tag message of {line.tag}", numbered))
    if settings.releases.committer:
        where = config
        at = tomlpos.key_line(text, "releases", "committer")
    else:
        where, at = "user.name/user.email of the product clone", None
    texts.append(lint.Text.one(where, f"{who.name} <{who.email}>", at))
    return texts


def lint_plan(settings: Settings, plan: Plan, advisories: Iterable[Advisory]) -> list[lint.Finding]:
    """Leaks in exactly what this plan would push: the fixes stacked on each line, the
    branch and tag names and tag messages of the lines that change, and the committer.
    ``advisories``: every advisory of the workspace (their ids, CVE ids and reporters are
    words), not only the planned ones."""
    matcher = lint.matcher_for(settings, advisories)
    pushed = {(cell.advisory, cell.line) for cell in plan.cells if cell.commits}
    patches_pushed = [plan.held[key] for key in sorted(pushed)]
    changing = [line for line in plan.lines if plan.outcomes[line.name].commits]
    texts = [t for patch in patches_pushed for t in lint.patch_texts(patch)]
    texts += name_texts(settings, changing, plan.committer)
    return lint.check(texts, matcher)


def lint_workspace(
    settings: Settings, advisories: Sequence[Advisory], repo: ProductRepo
) -> list[lint.Finding]:
    """Leaks in everything the lifts of the unreleased advisories would push: every held
    fix, and the names and tag messages of every supported line. Reads the clone's tags and
    remote-tracking refs as they are (no fetch)."""
    _check_patch_dirs(settings)
    active = active_advisories(advisories)
    lines = release_lines(settings, repo, upcoming_exists=True)
    held = load_held(settings, active)
    plan_lines = [_plan_line(settings, line, "") for line in lines.supported]
    matcher = lint.matcher_for(settings, advisories)
    texts = [t for key in sorted(held) for t in lint.patch_texts(held[key])]
    texts += name_texts(settings, plan_lines, committer(settings, repo))
    return lint.check(texts, matcher)


__all__ = [
    "ALREADY_FIXED",
    "APPLIES",
    "CONFLICTS",
    "MISSING",
    "NOT_REQUIRED",
    "STATUSES",
    "Cell",
    "LineOutcome",
    "Plan",
    "PlanLine",
    "PlannedAdvisory",
    "build_plan",
    "lint_plan",
    "lint_workspace",
    "tag_message",
]

"""The backport plan as data: advisories x release lines, and what the lift would push.

:mod:`releasekit.release.planner` builds a :class:`Plan`; the lift pushes exactly its
``outcomes``. The JSON shape of :meth:`Plan.to_json` is documented in ``docs/plan-json.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from releasekit.adapters.git import Person, ProductRepo
from releasekit.fixes.store import HeldPatch
from releasekit.release.unpushed import LocalTag, note
from releasekit.support import timefmt

JSON_VERSION = 1
APPLIES = "applies"
CONFLICTS = "conflicts"
ALREADY_FIXED = "already-fixed"
MISSING = "missing"
NOT_REQUIRED = "not-required"
STATUSES = (APPLIES, CONFLICTS, ALREADY_FIXED, MISSING, NOT_REQUIRED)
GOOD = (APPLIES, ALREADY_FIXED, NOT_REQUIRED)


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
    prerelease: bool = False  # a [releases] prerelease line (in the upcoming group)
    latest_tag: str | None = None  # the tag of ``latest`` as found: any spelling read
    # The release tags the line counts that the remote lacks (or has at another commit),
    # as its fetch saw it; None when the plan did not fetch (not known).
    local_tags: tuple[LocalTag, ...] | None = None


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

    def trouble(self) -> str:
        """What is wrong here, named for a person: ``ID on LINE: STATUS (FILES)``."""
        files = f" ({', '.join(self.conflicts)})" if self.conflicts else ""
        return f"{self.advisory} on {self.line}: {self.status}{files}"


@dataclass(frozen=True)
class ReleaseCommit:
    """The commit that ends a released line's fixes: the version bump and changelog entry."""

    line: str
    version: str  # the version it moves the bump files to, which the tag names
    commit: str
    parent: str  # the last fix commit
    message: str
    files: tuple[str, ...]  # the only files it changes
    added: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]  # per file, (line, text) added

    @property
    def subject(self) -> str:
        """The first line of its message ("" for an empty message)."""
        return self.message.strip() and self.message.splitlines()[0]


@dataclass(frozen=True)
class LineOutcome:
    """What the lift would push for one line."""

    line: str
    base: str  # current public tip
    head: str | None  # what the branch moves to (the release commit, else the last fix);
    # None when there is nothing to push or the line is not ok
    commits: tuple[tuple[str, str], ...]  # the fixes: (advisory id, commit id), oldest first
    ok: bool  # every embargoed advisory that needs this line applies (or is already there),
    # and the line has no problems
    release: ReleaseCommit | None = None  # on top of the fixes, on a released line
    problems: tuple[str, ...] = ()  # why this line cannot be released now (tags, bump files)
    # With [releases] release_off_branch: the branch's commit on the last fix that moves
    # the version files on to the next development version; the release commit is then
    # on no branch, only the tag points at it.
    development: ReleaseCommit | None = None

    @property
    def fix_head(self) -> str | None:
        """The last fix commit (before the release commit)."""
        return self.commits[-1][1] if self.commits else None

    @property
    def tagged(self) -> str | None:
        """What the release tag points at: the release commit, else the new head."""
        return self.release.commit if self.release is not None else self.head


@dataclass(frozen=True)
class PlannedAdvisory:
    id: str
    severity: str
    embargo: datetime | None
    gating: bool  # embargo set: the plan must be ready for it; drafts are shown only
    problems: tuple[str, ...] = ()  # why it cannot be released as planned (its record)

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
    released: tuple[str, ...] = ()  # every line with a release tag, supported or not
    # advisory id -> line the lift does not fix -> its first release with the fix already
    # (release.since); the lift records it in ``fixed``
    earlier: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # (advisory id, line) whose releases no held fix tells about
    unknown: frozenset[tuple[str, str]] = frozenset()
    # advisory id -> what the plan says of those lines, or of a line whose branch has the
    # fix and no release of it yet
    notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

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
        """Every line this advisory needs has its fix held and applying (or already there),
        and no problem (a tag or a bump file)."""
        cells = [c for c in self.cells if c.advisory == advisory_id]
        if not cells and advisory_id not in {a.id for a in self.advisories}:
            raise KeyError(advisory_id)
        own = [p for a in self.advisories if a.id == advisory_id for p in a.problems]
        return not own and all(
            cell.ok and not (cell.required and self.outcomes[cell.line].problems) for cell in cells
        )

    def problems(self, advisory_id: str | None = None) -> list[str]:
        """The problems of the advisories (``advisory_id``) and of the lines (that it
        needs), newest line first."""
        needed = {c.line for c in self.cells if c.advisory == advisory_id and c.required}
        own = [
            problem
            for advisory in self.advisories
            if advisory_id is None or advisory.id == advisory_id
            for problem in advisory.problems
        ]
        return own + [
            problem
            for line in self.lines
            if advisory_id is None or line.name in needed
            for problem in self.outcomes[line.name].problems
        ]

    def tag_notes(self) -> list[str]:
        """What to know that stops nothing: a release tag a lift journalled and has not
        pushed yet (re-running the lift pushes it), newest line first."""
        return [
            note(line.name, tag, self.remote)
            for line in self.lines
            for tag in line.local_tags or ()
            if tag.lift
        ]

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
                    "release": _release_json(self.outcomes[line.name].release),
                    "development": _release_json(self.outcomes[line.name].development),
                    "problems": list(self.outcomes[line.name].problems),
                    # (added after the first fields: keys only ever come at the end)
                    "latest_tag": line.latest_tag,
                    "local_tags": (
                        None
                        if line.local_tags is None
                        else [tag.to_json() for tag in line.local_tags]
                    ),
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
                    "problems": list(advisory.problems),
                    "earlier": dict(self.earlier.get(advisory.id, {})),
                    "notes": list(self.notes.get(advisory.id, ())),
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


def _release_json(release: ReleaseCommit | None) -> dict[str, Any] | None:
    if release is None:
        return None
    return {
        "commit": release.commit,
        "version": release.version,
        "message": release.message,
        "files": list(release.files),
    }

"""``patch list``: every held fix, what it holds, and whether it applies now, alone, on the
current public tip of its line (the remote-tracking branch, as of the last fetch unless
asked to fetch). Read-only: the trial commits live in memory like the plan's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from releasekit.adapters.git import Person, ProductRepo
from releasekit.fixes.store import HeldPatch, held_patches, read_patch
from releasekit.model.config import Settings
from releasekit.release.lines import ReleaseLine
from releasekit.release.planner import release_lines
from releasekit.release.stack import Chain, apply
from releasekit.support.progress import Progress

# The trial commits are never written anywhere: any committer will do.
_TRIAL = Person("releasekit", "releasekit@localhost")


@dataclass(frozen=True)
class HeldFix:
    """One ``patches/ID/LINE.patch`` and how it fares on its line's public tip."""

    patch: HeldPatch
    remote: str
    branch: str  # the line's public branch
    tip: str | None  # its remote-tracking tip; None when the clone has none
    status: str | None  # applies, conflicts or already-fixed; None without a tip
    conflicts: tuple[str, ...] = ()

    @property
    def on(self) -> str:
        """Which tip the check used, e.g. ``origin/release-10.3 at 1a2b3c4d5e6f``."""
        where = f"{self.remote}/{self.branch}"
        return f"{where} at {self.tip[:12]}" if self.tip else f"{where} (no such branch)"

    def to_json(self) -> dict[str, Any]:
        patch = self.patch
        return {
            "id": patch.advisory,
            "line": patch.line,
            "file": str(patch.path),
            "commits": len(patch.commits),
            "subjects": patch.subjects,
            "authors": patch.authors,
            "files": patch.files,
            "added": patch.added,
            "removed": patch.removed,
            "status": self.status,
            "conflicts": list(self.conflicts),
            "remote": self.remote,
            "branch": self.branch,
            "tip": self.tip,
        }


def list_held(
    settings: Settings, repo: ProductRepo, *, fetch: bool = False, progress: Progress | None = None
) -> list[HeldFix]:
    """Every held fix, in id and line order, each tried alone on its line's public tip.

    ``fetch``: fetch the remote first; else the remote-tracking refs are used as they are.
    """
    found = held_patches(settings)
    patches = [read_patch(settings, path) for path in found.values()]  # bad input first
    remote = settings.project.remote
    if fetch and patches:
        if progress is not None:
            progress(f"fetching {remote} ({repo.remote_url(remote)})")
        repo.fetch(remote, progress=progress)
    lines = release_lines(settings, repo, upcoming_exists=True)
    return [_try(settings, repo, lines.get(p.line), p) for p in patches]


def _try(
    settings: Settings, repo: ProductRepo, line: ReleaseLine | None, patch: HeldPatch
) -> HeldFix:
    remote = settings.project.remote
    branch = line.branch if line is not None else settings.branch_name(patch.line)
    tip = repo.tracking_tip(remote, branch)
    if tip is None:
        return HeldFix(patch, remote, branch, None, None)
    chain = Chain(repo, tip, tip, repo.edit(repo.commit(tip).tree))
    result = apply(chain, patch, _TRIAL, 0)
    return HeldFix(patch, remote, branch, tip, result.status, result.conflicts)

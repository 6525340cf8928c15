"""Stacking held fixes onto a line's public tip, in memory, one commit at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from releasekit.adapters.git import Person, ProductRepo, TreeEditor
from releasekit.fixes.apply import apply_commit
from releasekit.fixes.store import HeldPatch
from releasekit.release.plan import ALREADY_FIXED, APPLIES, CONFLICTS


@dataclass
class Chain:
    """One line's stack of commits, being built."""

    repo: ProductRepo
    base: str
    head: str
    editor: TreeEditor
    commits: list[tuple[str, str]] = field(default_factory=list)

    def fork(self) -> Chain:
        tree = self.repo.commit(self.head).tree
        return Chain(self.repo, self.base, self.head, self.repo.edit(tree), list(self.commits))


@dataclass(frozen=True)
class Result:
    status: str
    conflicts: tuple[str, ...] = ()
    commits: tuple[str, ...] = ()
    on_stack: bool = False  # applied on top of other fixes (not on the bare public tip)


def apply(chain: Chain, held: HeldPatch, committer: Person, when: int | None) -> Result:
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
            return Result(CONFLICTS, outcome.conflicts, (), on_stack)
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
        return Result(ALREADY_FIXED, on_stack=on_stack)
    return Result(APPLIES, (), tuple(made), on_stack)

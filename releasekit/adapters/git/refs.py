"""Reading the clone's refs: remote-tracking branches as last fetched, its own branches and
its tags. The base of :class:`~releasekit.adapters.git.repo.ProductRepo`, which writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pygit2

from releasekit.adapters.git import tagging
from releasekit.support.errors import GitError
from releasekit.support.text import visible


class RefReader:
    """The refs of the clone ``raw``; nothing here changes them."""

    raw: pygit2.Repository

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A GitError (exit 1) naming the clone for refs libgit2 cannot read (a damaged
        packed-refs file, a ref to an object the clone lacks): not pygit2's traceback."""
        try:
            yield
        except pygit2.GitError as exc:  # (NotFoundError included)
            where = self.raw.workdir or self.raw.path
            text = str(exc.args[0]) if exc.args else ""  # (a KeyError's str() quotes it)
            reason = visible(text.strip()) or type(exc).__name__
            raise GitError(f"{where}: the product clone's refs cannot be read: {reason}") from None

    def tracking_tip(self, remote: str, branch: str) -> str | None:
        """The remote-tracking tip of ``branch`` (as of the last fetch), or None."""
        with self._reading():
            ref = self.raw.references.get(f"refs/remotes/{remote}/{branch}")
            if ref is None:
                return None
            return str(ref.peel(pygit2.Commit).id)

    def tracking_branches(self, remote: str) -> set[str]:
        prefix = f"refs/remotes/{remote}/"
        with self._reading():
            return {
                name[len(prefix) :]
                for name in self.raw.references
                if name.startswith(prefix) and not name.endswith("/HEAD")
            }

    def remote_names(self) -> list[str]:
        return [name for name in self.raw.remotes.names() if name]

    def tracking_tips(self, remote: str) -> dict[str, str]:
        """The remote-tracking branches of ``remote``: name -> commit id (as last fetched)."""
        tips = {name: self.tracking_tip(remote, name) for name in self.tracking_branches(remote)}
        return {name: tip for name, tip in tips.items() if tip is not None}

    def local_tips(self) -> dict[str, str]:
        """The clone's own branches: name -> commit id."""
        with self._reading():
            return {
                name: str(self.raw.branches.local[name].peel(pygit2.Commit).id)
                for name in self.raw.branches.local
            }

    @property
    def shallow(self) -> bool:
        """Whether the clone is shallow (``git clone --depth``): its history stops short."""
        return bool(self.raw.is_shallow)

    def remote_default_branch(self, remote: str) -> str | None:
        """The branch ``refs/remotes/REMOTE/HEAD`` names (the remote's default), if known."""
        ref = self.raw.references.get(f"refs/remotes/{remote}/HEAD")
        target = ref.target if ref is not None else None
        if not isinstance(target, str) or not target.startswith(f"refs/remotes/{remote}/"):
            return None
        return target[len(f"refs/remotes/{remote}/") :]

    def tag_ref_target(self, name: str) -> str | None:
        """The object ``refs/tags/NAME`` points at itself (a tag object, or a commit for a
        lightweight tag), not peeled; None when there is no such tag."""
        with self._reading():
            ref = self.raw.references.get(f"refs/tags/{name}")
            target = ref.target if ref is not None else None
            return str(target) if isinstance(target, pygit2.Oid) else None

    def tags(self) -> dict[str, str]:
        """Every tag of the clone: name -> the id of the commit it points to."""
        with self._reading():
            return tagging.tag_targets(self.raw)

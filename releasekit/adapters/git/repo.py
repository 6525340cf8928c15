"""The product clone: :class:`ProductRepo` reads refs, tags and objects and builds commits,
trees and tags in memory; its remotes fetch and push."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pygit2
from pygit2.enums import ObjectType, RepositoryOpenFlag

from releasekit.adapters.env import Environment
from releasekit.adapters.git import checkout, history, merge, objects, tagging
from releasekit.adapters.git.auth import login_from_env, trust_cafile_process_wide
from releasekit.adapters.git.merge import MergeOutcome
from releasekit.adapters.git.refs import RefReader
from releasekit.adapters.git.remote import PushResult, Remotes, split_refspec
from releasekit.adapters.git.remote import lock_in_the_way as _lock_in_the_way
from releasekit.adapters.git.tagging import Signer
from releasekit.adapters.git.trees import TreeEditor, entry_at, files_named
from releasekit.adapters.git.values import (
    ZERO,
    CommitInfo,
    Entry,
    Person,
    decoded,
    is_oid,
    person_of,
    signature_of,
)
from releasekit.support.errors import BadInput, GitError
from releasekit.support.progress import Progress


class ProductRepo(RefReader):
    """The product clone, opened with an in-memory layer for everything releasekit writes."""

    def __init__(self, repo: pygit2.Repository, path: Path, env: Environment) -> None:
        self.raw = repo
        self.path = path
        self.login = login_from_env(env)
        trust_cafile_process_wide(env)
        self._memory = objects.MemoryObjects()
        repo.odb.add_backend(self._memory, 1000)
        self._remotes = Remotes(repo, path, self.login, self.persist)
        self._fetched: dict[str, dict[str, str]] = {}  # remote -> refs its last fetch saw

    @classmethod
    def open(cls, path: Path, env: Environment) -> ProductRepo:
        """Open the clone at ``path``; BadInput when there is no git repository there.

        ``env`` gives the HTTPS login and CA file, see :mod:`releasekit.adapters.git.auth`.
        """
        if not path.exists():
            raise BadInput(f"{path}: product repository not found (project.repository)")
        try:
            # NO_SEARCH: a directory inside some other repository (the workspace's own, say)
            # is not the product clone.
            repo = pygit2.Repository(str(path), RepositoryOpenFlag.NO_SEARCH)
        except pygit2.GitError:
            raise BadInput(
                f"{path}: not a git repository (project.repository names the product clone)"
            ) from None
        return cls(repo, path, env)

    # --- remotes ----------------------------------------------------------------------------

    lock_in_the_way = staticmethod(_lock_in_the_way)

    def remote_url(self, remote: str) -> str:
        return self._remotes.url(remote)

    def fetch(self, remote: str, *, progress: Progress | None = None, timeout: float = 60) -> None:
        """Fetch the remote's branches (pruned) and all of its tags, reporting progress."""
        # The clone's own refs first: libgit2 reads them to update them, and its error for a
        # damaged packed-refs file would come out as the remote's ("could not be reached").
        with self._reading():
            for _name in self.raw.references:
                pass
        self._fetched[remote] = self._remotes.fetch(remote, progress=progress, timeout=timeout)

    def fetched_refs(self, remote: str) -> dict[str, str] | None:
        """The refs ``remote`` advertised when this object last fetched it, as
        :meth:`ls_remote` gives them (tags peeled too: ``refs/tags/v1^{}``); None when it
        has not fetched it. No second connection: the fetch's own list."""
        found = self._fetched.get(remote)
        return dict(found) if found is not None else None

    def ls_remote(self, remote: str, *, timeout: float = 60) -> dict[str, str]:
        """The remote's refs as it advertises them now: refname -> id (peeled tags too)."""
        return self._remotes.ls_remote(remote, timeout=timeout)

    def push(
        self,
        remote: str,
        refspecs: Sequence[str],
        *,
        timeout: float = 60,
        progress: Progress | None = None,
    ) -> list[PushResult]:
        """Push ``SRC:DST`` refspecs (SRC an object id or a ref) without ever forcing.

        Refs the remote already has at that id are reported as accepted without pushing; a
        branch that would not fast-forward and an existing tag at another id are rejected
        here, before anything is sent; every other ref is pushed and reported as the remote
        answered. Raises RemoteUnreachable when the remote cannot be reached.
        """
        # map() is lazy: each refspec is checked, then resolved, before the next one.
        wanted = [(self.resolve(source), dest) for source, dest in map(split_refspec, refspecs)]
        return self._remotes.push(remote, wanted, timeout=timeout, progress=progress)

    # --- objects ----------------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The object id a revision names (an id, a ref, ``v1.2^{}``...); BadInput if none."""
        try:
            obj = self.raw.revparse_single(rev)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise BadInput(f"{rev}: no such revision in {self.path}") from None
        return str(obj.id)

    def has_object(self, oid: str) -> bool:
        return is_oid(oid) and bool(self.raw.odb.exists(oid))

    def find_blob(self, prefix: str) -> str | None:
        """The full id of the blob whose id starts with ``prefix`` (None: absent or ambiguous)."""
        if not re.fullmatch(r"[0-9a-f]{4,40}", prefix) or prefix == ZERO[: len(prefix)]:
            return None
        try:
            obj = self.raw[prefix] if len(prefix) == 40 else self.raw.get(prefix)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        if obj is None or obj.type != ObjectType.BLOB:
            return None
        return str(obj.id)

    def read_blob(self, oid: str) -> bytes:
        blob = self.raw[oid]
        if not isinstance(blob, pygit2.Blob):
            raise GitError(f"{oid}: not a blob")
        return blob.data

    def write_blob(self, data: bytes) -> str:
        return str(self.raw.create_blob(data))

    @staticmethod
    def hash_blob(data: bytes) -> str:
        return str(pygit2.hash(data))

    def commit(self, oid: str) -> CommitInfo:
        commit = self.raw[oid].peel(pygit2.Commit)
        return CommitInfo(
            oid=str(commit.id),
            tree=str(commit.tree_id),
            parents=tuple(str(p) for p in commit.parent_ids),
            author=person_of(commit.author, commit.message_encoding),
            committer=person_of(commit.committer, commit.message_encoding),
            message=decoded(commit.raw_message, commit.message_encoding),
        )

    def first_parents(self, oid: str, limit: int) -> Iterator[CommitInfo]:
        """The commit ``oid`` and its first-parent ancestors, newest first, at most ``limit``."""
        current: str | None = oid
        for _ in range(limit):
            if current is None:
                return
            commit = self.commit(current)
            yield commit
            current = commit.parents[0] if commit.parents else None

    def write_tree(self, tree: str, directory: Path) -> int:
        """Write the files of ``tree`` (a tree, or a commit's) into the empty ``directory``."""
        return checkout.write_tree(self.raw, tree, directory)

    def entry(self, tree: str, path: str) -> Entry | None:
        return entry_at(self.raw, tree, path)

    def edit(self, tree: str) -> TreeEditor:
        return TreeEditor(self.raw, tree)

    def files_named(
        self,
        commit: str,
        names: frozenset[str],
        *,
        depth: int,
        skip: frozenset[str],
        endings: tuple[str, ...] = (),
    ) -> list[str]:
        """Paths of the files called one of ``names`` (or ending in one of ``endings``) in
        ``commit``'s tree, at most ``depth`` directories down, outside directories called
        one of ``skip``."""
        tree = self.commit(commit).tree
        return files_named(self.raw, tree, names, depth=depth, skip=skip, endings=endings)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return ancestor == descendant or bool(self.raw.descendant_of(descendant, ancestor))

    def default_identity(self) -> Person | None:
        """user.name and user.email from the clone's git configuration, when both are set."""
        config = self.raw.config
        try:
            name, address = config["user.name"], config["user.email"]
        except KeyError:
            return None
        return Person(str(name), str(address)) if name and address else None

    def merge_paths(
        self,
        base: Mapping[str, Entry | None],
        ours: Mapping[str, Entry | None],
        theirs: Mapping[str, Entry | None],
    ) -> MergeOutcome:
        """Three-way merge of the few paths a fix touches; see
        :func:`releasekit.adapters.git.merge.merge_paths`."""
        return merge.merge_paths(self.raw, base, ours, theirs)

    def create_commit(
        self,
        *,
        tree: str,
        parents: Sequence[str],
        author: Person,
        committer: Person,
        message: str,
    ) -> str:
        """Write a commit object (in memory); no ref moves."""
        oid = self.raw.create_commit(
            None,
            signature_of(author),
            signature_of(committer),
            message,
            pygit2.Oid(hex=tree),
            [pygit2.Oid(hex=p) for p in parents],
        )
        return str(oid)

    def create_tag_object(
        self, name: str, target: str, message: str, tagger: Person, sign: Signer | None = None
    ) -> str:
        """Write an annotated tag object (in memory; no ref), signed by ``sign`` if given;
        see :func:`releasekit.adapters.git.tagging.create_tag_object`."""
        return tagging.create_tag_object(self.raw, name, target, message, tagger, sign)

    def tag_info(self, oid: str) -> tuple[str, str, str]:
        """(name, target id, raw message including any signature) of a tag object."""
        return tagging.tag_info(self.raw, oid)

    def persist(self, oids: Iterable[str]) -> int:
        """Copy the in-memory objects reachable from ``oids`` into the clone's object store
        (just before they are pushed); returns how many objects were written."""
        return objects.persist(self.raw, self._memory, oids)

    # --- commits of the clone, for `patch add --from` ---------------------------------------

    def commits_in_range(self, spec: str) -> list[str]:
        """The commits of ``A..B`` (oldest first), or the single commit ``REV``."""
        return history.commits_in_range(self.raw, self.path, spec)

    def commit_patch(self, oid: str) -> tuple[str, str]:
        """(diffstat, unified diff with binary data) of a commit against its parent."""
        return history.commit_patch(self.raw, oid)

"""The pygit2 adapter: the only module that imports pygit2.

:class:`ProductRepo` wraps the product clone. It fetches, reads refs and tags, and builds
commits and tags *in memory*: every object it writes goes to a private in-memory object
store layered over the clone's, so planning never updates a ref, never touches the working
tree or the index, and leaves nothing embargoed in the clone's object database. Only
:meth:`ProductRepo.push` copies the objects it is about to publish into the clone (they are
public from that moment on), so the remote-tracking refs that the push updates stay valid.

Object ids cross this module's boundary as 40-digit hex strings, so no other module needs a
pygit2 type. Failures become :mod:`releasekit.errors`: an unreachable remote is
:class:`RemoteUnreachable` (exit 1), a malformed revision or refspec :class:`BadInput`
(exit 2), anything else :class:`GitError` (exit 1). Messages never carry credentials.

Logins: SSH keys come from the agent. The remote's identity is checked before anything is
sent: an SSH host key must be in ``~/.ssh/known_hosts`` (as OpenSSH writes it, ``[host]:port``
for another port than 22; libgit2 reads no other file, not /etc/ssh/ssh_known_hosts), an
HTTPS certificate must verify; libgit2 would otherwise go on with a host key it does not
know, or one that does not match. An HTTPS remote that asks
for a login gets ``RELEASEKIT_GIT_USER`` and ``RELEASEKIT_GIT_PASSWORD`` (a token; both or
neither), never over plain ``http://`` except to a loopback address, and asked for once: a
refused login stops the operation. ``RELEASEKIT_GIT_CAFILE`` names CA certificates to trust
for a remote with a private CA (in addition to the system's).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pygit2
from pygit2.enums import (
    DiffOption,
    DiffStatsFormat,
    FetchPrune,
    FileMode,
    ObjectType,
    RepositoryOpenFlag,
    SortMode,
)

from releasekit.adapters.env import Environment
from releasekit.support.errors import BadInput, GitError, PatchError, RemoteUnreachable

Progress = Callable[[str], None]
Signer = Callable[[bytes], str]

ENV_USER = "RELEASEKIT_GIT_USER"
ENV_PASSWORD = "RELEASEKIT_GIT_PASSWORD"  # noqa: S105 - the variable's name, not a secret
ENV_CAFILE = "RELEASEKIT_GIT_CAFILE"
# libgit2's words when a ref's lock file exists (git says "Unable to create '...lock'").
_LOCK_FAILED = re.compile(r"failed to lock file '([^']+\.lock)' for writing")


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)


def login_from_env(env: Environment) -> Login | None:
    """The HTTPS login from the environment; BadInput when only half of it is set."""
    try:
        pair = env.login(ENV_USER, ENV_PASSWORD)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    return None if pair is None else Login(*pair)


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_CAFILES: set[str] = set()


def _trust(env: Environment) -> None:
    """Add ``RELEASEKIT_GIT_CAFILE`` to what libgit2 trusts (once per file and process)."""
    cafile = env.get(ENV_CAFILE)
    if not cafile or cafile in _CAFILES:
        return
    if not os.path.isfile(cafile):
        raise BadInput(f"{ENV_CAFILE}={cafile}: no such file")
    try:
        pygit2.settings.set_ssl_cert_locations(cafile, None)
    except pygit2.GitError as exc:
        raise BadInput(f"{ENV_CAFILE}={cafile}: cannot load CA certificates ({exc})") from None
    _CAFILES.add(cafile)


ZERO = "0" * 40
BLOB_MODES = (FileMode.BLOB, FileMode.BLOB_EXECUTABLE, FileMode.LINK)

# Trees and commits are built only from entries this module has just looked up or written,
# so libgit2's per-entry existence check is pure overhead (it doubles the cost of a fix).
pygit2.settings.enable_strict_object_creation(False)


@dataclass(frozen=True)
class Person:
    """An author, committer or tagger: name, e-mail and a time (epoch seconds, UTC offset)."""

    name: str
    email: str
    time: int = 0
    offset: int = 0  # minutes east of UTC

    def at(self, when: int, offset: int = 0) -> Person:
        return Person(self.name, self.email, when, offset)

    def header(self) -> str:
        """``Name <email> 1700000000 +0000`` as in commit and tag objects."""
        sign = "-" if self.offset < 0 else "+"
        hours, minutes = divmod(abs(self.offset), 60)
        return f"{self.name} <{self.email}> {self.time} {sign}{hours:02d}{minutes:02d}"


@dataclass(frozen=True)
class Entry:
    """A file in a tree: its blob id and mode (0o100644, 0o100755 or 0o120000)."""

    oid: str
    mode: int = int(FileMode.BLOB)


@dataclass(frozen=True)
class CommitInfo:
    oid: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class MergeOutcome:
    """The three-way merge of a few paths: the new entry (or None: removed) of every path
    that differs from ours, and the paths that conflict."""

    changes: Mapping[str, Entry | None]
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class PushResult:
    """What the remote said about one pushed ref: accepted, or rejected with its reason."""

    ref: str
    ok: bool
    message: str | None = None


def sanitize(text: str) -> str:
    """``text`` with any ``user:password@`` removed from URLs in it."""
    return re.sub(r"(\w+://)[^/@\s]*@", r"\1", text)


def is_oid(text: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{40}", text) is not None


class _MemoryObjects(pygit2.OdbBackend):
    """An object store in memory, layered above the clone's: it receives every write."""

    def __init__(self) -> None:
        super().__init__()
        self.objects: dict[pygit2.Oid, tuple[int, bytes]] = {}
        self._by_prefix: dict[str, list[pygit2.Oid]] = {}

    def read_cb(self, oid: pygit2.Oid) -> tuple[int, bytes]:
        return self.objects[oid]

    def read_header_cb(self, oid: pygit2.Oid) -> tuple[int, int]:
        kind, data = self.objects[oid]
        return kind, len(data)

    def _match(self, prefix: str) -> pygit2.Oid:
        found = [o for o in self._by_prefix.get(prefix[:4], []) if str(o).startswith(prefix)]
        if not found:
            raise KeyError(prefix)
        if len(found) > 1:
            raise ValueError(prefix)
        return found[0]

    def read_prefix_cb(self, prefix: str) -> tuple[int, bytes, pygit2.Oid]:
        oid = self._match(prefix)
        kind, data = self.objects[oid]
        return kind, data, oid

    def exists_cb(self, oid: pygit2.Oid) -> bool:
        return oid in self.objects

    def exists_prefix_cb(self, prefix: str) -> pygit2.Oid:
        return self._match(prefix)

    def write_cb(self, oid: pygit2.Oid, data: bytes, kind: int) -> None:
        if oid not in self.objects:
            self.objects[oid] = (kind, data)
            self._by_prefix.setdefault(str(oid)[:4], []).append(oid)

    def refresh_cb(self) -> None:
        return None

    def __iter__(self) -> Iterator[pygit2.Oid]:
        return iter(list(self.objects))


class _Callbacks(pygit2.RemoteCallbacks):
    """Progress, a deadline, the login (SSH agent, HTTPS from the environment), and what the
    remote says per ref."""

    def __init__(
        self,
        progress: Progress | None,
        deadline: float,
        login: Login | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__()
        self._url = url or ""
        self._progress = progress
        self._deadline = deadline
        self._last = 0.0
        self._said = ""
        self.rejected: dict[str, str] = {}
        self.accepted: list[str] = []
        self._login = login
        self._logins_given = 0

    def _check_deadline(self) -> None:
        if time.monotonic() > self._deadline:
            raise TimeoutError("timed out")

    def _say(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self._progress is None or text == self._said:
            return
        if force or now - self._last > 0.2:
            self._last = now
            self._said = text
            self._progress(text)

    def credentials(self, url: str, username_from_url: str | None, allowed_types: Any) -> Any:
        # SSH keys come from the agent, an HTTPS login from the environment; no secrets in files.
        kinds = pygit2.enums.CredentialType
        if allowed_types & kinds.SSH_KEY:
            return pygit2.KeypairFromAgent(username_from_url or "git")
        if allowed_types & kinds.USERPASS_PLAINTEXT:
            where = sanitize(url)
            if self._login is None:
                raise RemoteUnreachable(
                    f"remote {where} asks for a login: set {ENV_USER} and {ENV_PASSWORD}"
                )
            if url.startswith("http://") and not _loopback(url):
                raise RemoteUnreachable(
                    f"remote {where}: refusing to send the login over plain http (use https)"
                )
            if self._logins_given:  # libgit2 asks again after a refusal: once is enough
                raise RemoteUnreachable(
                    f"remote {where} refused the login (check {ENV_USER} and {ENV_PASSWORD})"
                )
            self._logins_given += 1
            return pygit2.UserPass(self._login.user, self._login.password)
        raise pygit2.Passthrough

    def certificate_check(self, certificate: Any, valid: bool, host: bytes | str) -> bool:
        # libgit2 reports whether the SSH host key is in known_hosts (and matches) or the TLS
        # certificate verifies, then goes on by default whatever it found: refuse instead.
        if valid:
            return True
        name = sanitize(host.decode(errors="replace") if isinstance(host, bytes) else host)
        if self._url.startswith(("http://", "https://")):
            raise RemoteUnreachable(
                f"remote {name}: its identity could not be verified (its HTTPS certificate does "
                f"not verify): for a private CA, name its certificates in {ENV_CAFILE}"
            )
        raise RemoteUnreachable(
            f"remote {name}: its identity could not be verified (its SSH host key is not in "
            "~/.ssh/known_hosts, or does not match it): check the key's fingerprint with the "
            "forge, then add it (ssh-keyscan)"
        )

    def sideband_progress(self, string: str) -> None:
        self._check_deadline()
        self._say(f"remote: {string.strip()}")

    def transfer_progress(self, stats: Any) -> None:
        self._check_deadline()
        total = stats.total_objects
        done = stats.received_objects == total
        self._say(f"receiving objects {stats.received_objects}/{total}", force=done)

    def push_transfer_progress(self, objects_pushed: int, total_objects: int, _b: int) -> None:
        self._check_deadline()
        self._say(f"sending objects {objects_pushed}/{total_objects}")

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message is None:
            self.accepted.append(refname)
        else:
            self.rejected[refname] = message


@contextlib.contextmanager
def _timeouts(seconds: float) -> Iterator[float]:
    """libgit2's connect and read timeouts for one network operation; yields the deadline."""
    saved = (pygit2.settings.server_connect_timeout, pygit2.settings.server_timeout)
    millis = max(1, int(seconds * 1000))
    pygit2.settings.server_connect_timeout = millis
    pygit2.settings.server_timeout = millis
    try:
        yield time.monotonic() + seconds
    finally:
        pygit2.settings.server_connect_timeout, pygit2.settings.server_timeout = saved


def _person(sig: pygit2.Signature) -> Person:
    return Person(sig.name, sig.email, sig.time, sig.offset)


def _signature(person: Person) -> pygit2.Signature:
    return pygit2.Signature(person.name, person.email, person.time, person.offset)


class TreeEditor:
    """A tree being edited in memory: changes are collected, then written along their paths
    only (a fix touches a few files of a large tree)."""

    def __init__(self, repo: ProductRepo, tree: str) -> None:
        self._repo = repo
        self._pending: dict[str, Entry | None] = {}
        self.tree = tree

    def get(self, path: str) -> Entry | None:
        if path in self._pending:
            return self._pending[path]
        return self._repo.entry(self.tree, path)

    def set(self, path: str, entry: Entry | None) -> None:
        self._pending[path] = entry

    def blocked(self, path: str) -> bool:
        """Whether a new file at ``path`` would replace a directory or go below a file
        (of the tree as last written)."""
        tree = self._repo.raw[self.tree].peel(pygit2.Tree)
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            try:
                found = tree["/".join(parts[:depth])]
            except KeyError:
                return False
            is_tree = found.filemode == FileMode.TREE
            if depth < len(parts) and not is_tree:
                return True
            if depth == len(parts):
                return is_tree
        return False  # pragma: no cover - the loop always returns

    def write(self) -> str:
        """Write the changed trees; returns the new root tree's id."""
        nested: dict[str, Any] = {}
        for path, entry in self._pending.items():
            node = nested
            *dirs, name = path.split("/")
            for part in dirs:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[name] = entry
        self._pending.clear()
        root = self._rebuild(pygit2.Oid(hex=self.tree), nested)
        self.tree = str(root if root is not None else self._repo.raw.TreeBuilder().write())
        return self.tree

    def _rebuild(self, tree: pygit2.Oid | None, changes: Mapping[str, Any]) -> pygit2.Oid | None:
        raw = self._repo.raw
        builder = raw.TreeBuilder(tree) if tree is not None else raw.TreeBuilder()
        for name, change in changes.items():
            current = builder.get(name)
            if isinstance(change, dict):
                subtree = (
                    current.id if current is not None and current.type == ObjectType.TREE else None
                )
                new = self._rebuild(subtree, change)
                if new is None:
                    if current is not None:
                        builder.remove(name)
                else:
                    builder.insert(name, new, FileMode.TREE)
            elif change is None:
                if current is not None:
                    builder.remove(name)
            else:
                builder.insert(name, pygit2.Oid(hex=change.oid), change.mode)
        if len(builder) == 0:
            return None
        return builder.write()


class ProductRepo:
    """The product clone, opened with an in-memory layer for everything releasekit writes."""

    def __init__(self, repo: pygit2.Repository, path: Path, env: Environment) -> None:
        self.raw = repo
        self.path = path
        self.login = login_from_env(env)
        _trust(env)
        self._memory = _MemoryObjects()
        repo.odb.add_backend(self._memory, 1000)

    @classmethod
    def open(cls, path: Path, env: Environment) -> ProductRepo:
        """Open the clone at ``path``; BadInput when there is no git repository there.

        ``env`` gives the HTTPS login and CA file, see the module doc.
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

    def _remote(self, remote: str) -> pygit2.Remote:
        try:
            return self.raw.remotes[remote]
        except (KeyError, ValueError, pygit2.GitError):
            pass
        if re.match(r"^(\w[\w+.-]*://|/|\./|\.\./|[\w.-]+@[\w.-]+:)", remote):
            return self.raw.remotes.create_anonymous(remote)
        names = ", ".join(n for n in self.raw.remotes.names() if n) or "none"
        raise BadInput(f"project.remote: {remote!r} is not a remote of {self.path} ({names})")

    def remote_url(self, remote: str) -> str:
        return sanitize(self._remote(remote).url or remote)

    def _unreachable(self, remote: str, exc: BaseException) -> RemoteUnreachable:
        url = self.remote_url(remote)
        reason = "timed out" if isinstance(exc, TimeoutError) else sanitize(str(exc)) or "failed"
        local = url.removeprefix("file://")
        if "://" not in local and not re.match(r"^[\w.-]+@", local) and not Path(local).exists():
            reason = "no such directory"
        name = sanitize(remote)
        where = name if name == url else f"{name} ({url})"
        return RemoteUnreachable(f"remote {where} could not be reached: {reason}")

    @staticmethod
    def lock_in_the_way(message: str) -> str | None:
        """The lock file that a failed ref update names (git or libgit2 left it), if any."""
        found = _LOCK_FAILED.search(message)
        return found.group(1) if found else None

    def _locked(self, exc: BaseException) -> GitError | None:
        """A ref of the clone that git cannot update because its lock file exists: another
        git command is updating it, or one was killed before it could remove the file (a
        lift killed while it fetched or pushed leaves one). Not the remote's fault."""
        found = self.lock_in_the_way(str(exc))
        if found is None:
            return None
        lock = Path(found)
        with contextlib.suppress(OSError, ValueError):
            lock.resolve().relative_to(Path(self.raw.path).resolve())
            return GitError(
                f"{lock}: a lock file in the product clone: another git command is updating "
                "it, or one was killed before it could remove the file; remove the file if "
                f"no git command is running in {self.path}"
            )
        return None

    def fetch(self, remote: str, *, progress: Progress | None = None, timeout: float = 60) -> None:
        """Fetch the remote's branches (pruned) and all of its tags, reporting progress."""
        handle = self._remote(remote)
        if handle.name is None:
            raise BadInput(f"project.remote: {remote!r} must name a remote of {self.path}")
        specs = [*handle.fetch_refspecs, "+refs/tags/*:refs/tags/*"]
        with _timeouts(timeout) as deadline:
            callbacks = _Callbacks(progress, deadline, self.login, handle.url)
            try:
                handle.fetch(specs, callbacks=callbacks, prune=FetchPrune.PRUNE)
            except (pygit2.GitError, OSError, TimeoutError) as exc:
                raise self._locked(exc) or self._unreachable(remote, exc) from None

    def tracking_tip(self, remote: str, branch: str) -> str | None:
        """The remote-tracking tip of ``branch`` (as of the last fetch), or None."""
        ref = self.raw.references.get(f"refs/remotes/{remote}/{branch}")
        if ref is None:
            return None
        return str(ref.peel(pygit2.Commit).id)

    def tracking_branches(self, remote: str) -> set[str]:
        prefix = f"refs/remotes/{remote}/"
        return {
            name[len(prefix) :]
            for name in self.raw.references
            if name.startswith(prefix) and not name.endswith("/HEAD")
        }

    def tags(self) -> dict[str, str]:
        """Every tag of the clone: name -> the id of the commit it points to."""
        found: dict[str, str] = {}
        for name in self.raw.references:
            if not name.startswith("refs/tags/"):
                continue
            try:
                target = self.raw.references[name].peel(pygit2.Commit)
            except (pygit2.GitError, ValueError, KeyError):
                continue  # a tag of a tree or blob is not a release
            found[name[len("refs/tags/") :]] = str(target.id)
        return found

    def ls_remote(self, remote: str, *, timeout: float = 60) -> dict[str, str]:
        """The remote's refs as it advertises them now: refname -> id (peeled tags too)."""
        handle = self._remote(remote)
        with _timeouts(timeout) as deadline:
            try:
                heads = handle.list_heads(
                    callbacks=_Callbacks(None, deadline, self.login, handle.url)
                )
            except (pygit2.GitError, OSError, TimeoutError) as exc:
                raise self._unreachable(remote, exc) from None
        return {head.name: str(head.oid) for head in heads if head.name}

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
        wanted: list[tuple[str, str, str]] = []  # (source id, destination, refspec)
        for spec in refspecs:
            if spec.startswith("+"):
                raise BadInput(f"{spec}: releasekit never force-pushes")
            source, sep, dest = spec.partition(":")
            if not sep or not source or not dest.startswith(("refs/heads/", "refs/tags/")):
                raise BadInput(f"{spec}: expected SOURCE:refs/heads/NAME or SOURCE:refs/tags/NAME")
            if not pygit2.reference_is_valid_name(dest):
                raise BadInput(f"{spec}: {dest} is not a valid ref name")
            wanted.append((self.resolve(source), dest, spec))
        advertised = self.ls_remote(remote, timeout=timeout)
        results: dict[str, PushResult] = {}
        to_push: list[tuple[str, str]] = []
        for oid, dest, _spec in wanted:
            current = advertised.get(dest)
            if current == oid:
                results[dest] = PushResult(dest, True, "up to date")
            elif current is None:
                to_push.append((oid, dest))
            elif dest.startswith("refs/tags/"):
                results[dest] = PushResult(dest, False, "tag already exists on the remote")
            elif not self.has_object(current) or not self.raw.descendant_of(oid, current):
                results[dest] = PushResult(dest, False, "non-fast-forward (fetch first)")
            else:
                to_push.append((oid, dest))
        if to_push:
            self.persist(oid for oid, _ in to_push)
            handle = self._remote(remote)
            with _timeouts(timeout) as deadline:
                callbacks = _Callbacks(progress, deadline, self.login, handle.url)
                try:
                    handle.push([f"{oid}:{dest}" for oid, dest in to_push], callbacks=callbacks)
                except (pygit2.GitError, OSError, TimeoutError) as exc:
                    if callbacks.accepted or callbacks.rejected:
                        raise GitError(f"push to {remote} failed: {sanitize(str(exc))}") from None
                    raise self._unreachable(remote, exc) from None
            for _oid, dest in to_push:
                if dest in callbacks.rejected:
                    results[dest] = PushResult(dest, False, callbacks.rejected[dest])
                elif dest in callbacks.accepted:
                    results[dest] = PushResult(dest, True)
                else:
                    results[dest] = PushResult(dest, False, "the remote did not report this ref")
        return [results[dest] for _oid, dest, _spec in wanted]

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
        obj = self.raw[oid]
        commit = obj.peel(pygit2.Commit)
        return CommitInfo(
            oid=str(commit.id),
            tree=str(commit.tree_id),
            parents=tuple(str(p) for p in commit.parent_ids),
            author=_person(commit.author),
            committer=_person(commit.committer),
            message=commit.message,
        )

    def entry(self, tree: str, path: str) -> Entry | None:
        try:
            found = self.raw[tree].peel(pygit2.Tree)[path]
        except KeyError:
            return None
        if found.filemode not in BLOB_MODES:
            return None
        return Entry(str(found.id), int(found.filemode))

    def edit(self, tree: str) -> TreeEditor:
        return TreeEditor(self, tree)

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
        """Three-way merge of a few paths, as ``git cherry-pick`` merges them.

        ``base`` is the fix's parent, ``theirs`` the fix, ``ours`` the tip it goes onto; all
        three are restricted to the paths the fix touches (every other path keeps ours).
        libgit2's merge_trees does the work, renames included.
        """
        paths = set(base) | set(ours) | set(theirs)
        if all(ours.get(p) == base.get(p) for p in paths):  # the common, trivial case
            trivial = {p: theirs.get(p) for p in paths if theirs.get(p) != ours.get(p)}
            return MergeOutcome(trivial, ())
        if all(theirs.get(p) == base.get(p) for p in paths):
            return MergeOutcome({}, ())
        # The paths become the names of one flat tree per side: the merge works on entries
        # and contents, so it is the same merge, with one small tree object per side.
        flat = {path: f"{number:06d}" for number, path in enumerate(sorted(paths))}
        back = {name: path for path, name in flat.items()}
        merged = self.raw.merge_trees(
            self._flat_tree(base, flat), self._flat_tree(ours, flat), self._flat_tree(theirs, flat)
        )
        if merged.conflicts is not None:
            conflicted = {
                back[str(entry.path)]
                for triple in merged.conflicts
                for entry in triple
                if entry is not None
            }
            return MergeOutcome({}, tuple(sorted(conflicted)))
        result = {back[str(e.path)]: Entry(str(e.id), int(e.mode)) for e in merged}
        changes: dict[str, Entry | None] = {}
        for path in paths | set(result):
            new = result.get(path)
            if new != ours.get(path):
                changes[path] = new
        return MergeOutcome(changes, ())

    def _flat_tree(
        self, entries: Mapping[str, Entry | None], names: Mapping[str, str]
    ) -> pygit2.Oid:
        builder = self.raw.TreeBuilder()
        for path, entry in entries.items():
            if entry is not None:
                builder.insert(names[path], pygit2.Oid(hex=entry.oid), entry.mode)
        return builder.write()

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
            _signature(author),
            _signature(committer),
            message,
            pygit2.Oid(hex=tree),
            [pygit2.Oid(hex=p) for p in parents],
        )
        return str(oid)

    def create_tag_object(
        self,
        name: str,
        target: str,
        message: str,
        tagger: Person,
        sign: Signer | None = None,
    ) -> str:
        """Write an annotated tag object (in memory; no ref) and return its id.

        ``sign`` receives the tag's bytes and returns an ASCII-armored detached signature,
        which is appended after the message exactly as ``git tag -s`` does, so ``git tag -v``
        verifies it once pushed.
        """
        if not pygit2.reference_is_valid_name(f"refs/tags/{name}"):
            raise BadInput(f"{name}: not a valid tag name")
        kind = self.raw[target].type
        type_name = {
            ObjectType.COMMIT: "commit",
            ObjectType.TREE: "tree",
            ObjectType.BLOB: "blob",
            ObjectType.TAG: "tag",
        }[ObjectType(kind)]
        if not message.endswith("\n"):
            message += "\n"
        payload = (
            f"object {target}\ntype {type_name}\ntag {name}\ntagger {tagger.header()}\n\n{message}"
        ).encode()
        if sign is not None:
            signature = sign(payload)
            if "-----BEGIN PGP SIGNATURE-----" not in signature or not signature.isascii():
                raise GitError(f"tag {name}: the signer did not return an armored signature")
            if not signature.endswith("\n"):
                signature += "\n"
            payload += signature.encode("ascii")
        return str(self.raw.odb.write(ObjectType.TAG, payload))

    def tag_info(self, oid: str) -> tuple[str, str, str]:
        """(name, target id, raw message including any signature) of a tag object."""
        tag = self.raw[oid]
        if not isinstance(tag, pygit2.Tag):
            raise GitError(f"{oid}: not a tag")
        return tag.name, str(tag.target), tag.message

    def persist(self, oids: Iterable[str]) -> int:
        """Copy the in-memory objects reachable from ``oids`` into the clone's object store.

        Called just before a push: the pushed commits become public anyway, and the
        remote-tracking refs the push updates must point at objects git itself can read.
        Returns how many objects were written.
        """
        memory = self._memory.objects
        plain = pygit2.Repository(self.raw.path).odb  # writes go to the clone's own store
        written = 0
        pending = [pygit2.Oid(hex=oid) for oid in oids]
        seen: set[pygit2.Oid] = set()
        while pending:
            oid = pending.pop()
            if oid in seen or oid not in memory:
                continue
            seen.add(oid)
            kind, data = memory[oid]
            plain.write(kind, data)
            written += 1
            obj = self.raw[oid]
            if isinstance(obj, pygit2.Commit):
                pending.append(obj.tree_id)
                pending.extend(obj.parent_ids)
            elif isinstance(obj, pygit2.Tree):
                pending.extend(entry.id for entry in obj)
            elif isinstance(obj, pygit2.Tag):
                pending.append(obj.target)
        return written

    # --- commits of the clone, for `patch add --from` ---------------------------------------

    def commits_in_range(self, spec: str) -> list[str]:
        """The commits of ``A..B`` (oldest first), or the single commit ``REV``."""
        if "..." in spec:
            raise PatchError(f"--from {spec}: use A..B (not A...B)")
        try:
            if ".." in spec:
                parsed = self.raw.revparse(spec)
                start = parsed.from_object.peel(pygit2.Commit).id
                end = parsed.to_object.peel(pygit2.Commit).id
                walker = self.raw.walk(end, SortMode.TOPOLOGICAL | SortMode.REVERSE)
                walker.hide(start)
                found = [str(c.id) for c in walker]
            else:
                found = [str(self.raw.revparse_single(spec).peel(pygit2.Commit).id)]
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError, AttributeError):
            raise PatchError(f"--from {spec}: does not resolve in {self.path}") from None
        if not found:
            raise PatchError(f"--from {spec}: selects no commits")
        for oid in found:
            if len(self.raw[oid].peel(pygit2.Commit).parent_ids) != 1:
                raise PatchError(f"--from {spec}: {oid[:12]} is a merge or root commit")
        return found

    def commit_patch(self, oid: str) -> tuple[str, str]:
        """(diffstat, unified diff with binary data) of a commit against its parent."""
        commit = self.raw[oid].peel(pygit2.Commit)
        diff = self.raw.diff(commit.parents[0], commit, flags=DiffOption.SHOW_BINARY)
        diff.find_similar()
        stat = diff.stats.format(DiffStatsFormat.FULL | DiffStatsFormat.INCLUDE_SUMMARY, 72)
        return stat, diff.patch or ""

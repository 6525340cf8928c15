"""Talking to the product's remote: fetch, ls-remote and push, with a deadline, progress,
the login, and errors that say what went wrong without the credentials.

An unreachable remote is :class:`RemoteUnreachable` (exit 1), a malformed refspec or an
unknown remote name :class:`BadInput` (exit 2), a ref of the clone git cannot update
because of a lock file :class:`GitError` (exit 1).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2
from pygit2.enums import FetchPrune

from releasekit.adapters.git.auth import Login, password_login, unverified_identity
from releasekit.adapters.git.values import is_oid, sanitize
from releasekit.support.errors import BadInput, GitError, RemoteUnreachable
from releasekit.support.progress import Progress

# libgit2's words when a ref's lock file exists (git says "Unable to create '...lock'").
_LOCK_FAILED = re.compile(r"failed to lock file '([^']+\.lock)' for writing")
_NETWORK_ERRORS = (pygit2.GitError, OSError, TimeoutError)


@dataclass(frozen=True)
class PushResult:
    """What the remote said about one pushed ref: accepted, or rejected with its reason."""

    ref: str
    ok: bool
    message: str | None = None


def lock_in_the_way(message: str) -> str | None:
    """The lock file that a failed ref update names (git or libgit2 left it), if any."""
    found = _LOCK_FAILED.search(message)
    return found.group(1) if found else None


def split_refspec(spec: str) -> tuple[str, str]:
    """``SRC:DST`` of a push (DST a branch or tag ref); BadInput for anything else, and for
    a forced ``+SRC:DST``: releasekit never forces."""
    if spec.startswith("+"):
        raise BadInput(f"{spec}: releasekit never force-pushes")
    source, sep, dest = spec.partition(":")
    if not sep or not source or not dest.startswith(("refs/heads/", "refs/tags/")):
        raise BadInput(f"{spec}: expected SOURCE:refs/heads/NAME or SOURCE:refs/tags/NAME")
    if not pygit2.reference_is_valid_name(dest):
        raise BadInput(f"{spec}: {dest} is not a valid ref name")
    return source, dest


# git's own progress lines on the side band, which say nothing of why a ref was refused.
_GIT_PROGRESS = re.compile(r"(Counting|Compressing|Enumerating|Resolving|Writing|Total)\b")
_SAID_LINES, _SAID_WIDTH = 3, 200  # of what a remote says, shown with a refusal


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
        self.said: list[str] = []  # the remote's last words (a hook's reason to refuse)
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
            answer = password_login(self._login, url, asked_before=self._logins_given > 0)
            self._logins_given += 1
            return answer
        raise pygit2.Passthrough

    def certificate_check(self, certificate: Any, valid: bool, host: bytes | str) -> bool:
        # libgit2 reports whether the SSH host key is in known_hosts (and matches) or the TLS
        # certificate verifies, then goes on by default whatever it found: refuse instead.
        if valid:
            return True
        raise unverified_identity(self._url, host)

    def sideband_progress(self, string: str) -> None:
        self._check_deadline()
        for line in string.replace("\r", "\n").splitlines():
            line = line.strip()
            if line and not _GIT_PROGRESS.match(line):
                self.said.append(line[:_SAID_WIDTH])
        del self.said[:-_SAID_LINES]
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
        else:  # git's reasons are a few words; a server that is not git may send 64 KiB
            cut = message[:_SAID_WIDTH]
            self.rejected[refname] = cut if cut == message else f"{cut}..."


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


class Remotes:
    """The remotes of the clone at ``path``: a remote's name, or a URL or path for an
    anonymous one. ``persist`` copies in-memory objects into the clone before a push."""

    def __init__(
        self,
        raw: pygit2.Repository,
        path: Path,
        login: Login | None,
        persist: Callable[[Iterable[str]], object],
    ) -> None:
        self._raw = raw
        self._path = path
        self._login = login
        self._persist = persist

    def _handle(self, remote: str) -> pygit2.Remote:
        try:
            return self._raw.remotes[remote]
        except (KeyError, ValueError, pygit2.GitError):
            pass
        if re.match(r"^(\w[\w+.-]*://|/|\./|\.\./|[\w.-]+@[\w.-]+:)", remote):
            return self._raw.remotes.create_anonymous(remote)
        names = ", ".join(n for n in self._raw.remotes.names() if n) or "none"
        raise BadInput(f"project.remote: {remote!r} is not a remote of {self._path} ({names})")

    def url(self, remote: str) -> str:
        """The remote's URL without credentials."""
        return sanitize(self._handle(remote).url or remote)

    def _unreachable(self, remote: str, exc: BaseException) -> RemoteUnreachable:
        url = self.url(remote)
        reason = "timed out" if isinstance(exc, TimeoutError) else sanitize(str(exc)) or "failed"
        local = url.removeprefix("file://")
        if "://" not in local and not re.match(r"^[\w.-]+@", local) and not Path(local).exists():
            reason = "no such directory"
        name = sanitize(remote)
        where = name if name == url else f"{name} ({url})"
        return RemoteUnreachable(f"remote {where} could not be reached: {reason}")

    def _locked(self, exc: BaseException) -> GitError | None:
        """A ref of the clone that git cannot update because its lock file exists: another
        git command is updating it, or one was killed before it could remove the file (a
        lift killed while it fetched or pushed leaves one). Not the remote's fault."""
        found = lock_in_the_way(str(exc))
        if found is None:
            return None
        lock = Path(found)
        with contextlib.suppress(OSError, ValueError):
            lock.resolve().relative_to(Path(self._raw.path).resolve())
            return GitError(
                f"{lock}: a lock file in the product clone: another git command is updating "
                "it, or one was killed before it could remove the file; remove the file if "
                f"no git command is running in {self._path}"
            )
        return None

    def fetch(self, remote: str, *, progress: Progress | None, timeout: float) -> dict[str, str]:
        """Fetch the remote's branches (pruned) and all of its tags, reporting progress;
        returns the refs the remote advertised, as :meth:`ls_remote` does.

        Tags are fetched as ``git fetch --tags`` does: new ones added, the clone's own kept
        (one only the clone has, one the remote deleted, one that differs from the remote's).
        libgit2 prunes by every refspec of a fetch, the tags' too, so the remote-tracking
        branches are pruned here instead.
        """
        handle = self._handle(remote)
        if handle.name is None:
            raise BadInput(f"project.remote: {remote!r} must name a remote of {self._path}")
        specs = [*handle.fetch_refspecs, "+refs/tags/*:refs/tags/*"]
        with _timeouts(timeout) as deadline:
            callbacks = _Callbacks(progress, deadline, self._login, handle.url)
            try:
                handle.fetch(specs, callbacks=callbacks, prune=FetchPrune.NO_PRUNE)
                # (the refs the remote advertised stay known after the fetch disconnects)
                heads = {h.name: str(h.oid) for h in handle.list_heads(connect=False) if h.name}
                self._prune_tracking(handle, set(heads))
            except _NETWORK_ERRORS as exc:
                raise self._locked(exc) or self._unreachable(remote, exc) from None
        return heads

    def _prune_tracking(self, handle: pygit2.Remote, advertised: set[str]) -> None:
        """Delete the refs the remote's own fetch refspecs map (its remote-tracking branches)
        whose source the remote no longer has, as ``git fetch --prune`` does."""
        fetched = set(handle.fetch_refspecs)
        specs = [handle.get_refspec(i) for i in range(handle.refspec_count)]
        specs = [spec for spec in specs if spec.string in fetched]
        for name in list(self._raw.references):
            sources = [spec.rtransform(name) for spec in specs if spec.dst_matches(name)]
            if not sources or advertised.intersection(sources):
                continue
            ref = self._raw.references.get(name)
            if ref is not None and ref.type == pygit2.enums.ReferenceType.DIRECT:
                ref.delete()  # (refs/remotes/origin/HEAD names a branch: git keeps it too)

    def ls_remote(self, remote: str, *, timeout: float) -> dict[str, str]:
        """The remote's refs as it advertises them now: refname -> id (peeled tags too)."""
        handle = self._handle(remote)
        with _timeouts(timeout) as deadline:
            try:
                heads = handle.list_heads(
                    callbacks=_Callbacks(None, deadline, self._login, handle.url)
                )
            except _NETWORK_ERRORS as exc:
                raise self._unreachable(remote, exc) from None
        return {head.name: str(head.oid) for head in heads if head.name}

    def push(
        self,
        remote: str,
        wanted: Sequence[tuple[str, str]],
        *,
        timeout: float,
        progress: Progress | None,
    ) -> list[PushResult]:
        """Push ``(object id, destination ref)`` pairs without ever forcing; see
        :meth:`releasekit.adapters.git.repo.ProductRepo.push`."""
        advertised = self.ls_remote(remote, timeout=timeout)
        results: dict[str, PushResult] = {}
        to_push: list[tuple[str, str]] = []
        for oid, dest in wanted:
            current = advertised.get(dest)
            if current == oid:
                results[dest] = PushResult(dest, True, "up to date")
            elif current is None:
                to_push.append((oid, dest))
            elif dest.startswith("refs/tags/"):
                results[dest] = PushResult(dest, False, "tag already exists on the remote")
            elif not self._fast_forward(current, oid):
                results[dest] = PushResult(dest, False, "non-fast-forward (fetch first)")
            else:
                to_push.append((oid, dest))
        if to_push:
            results |= self._send(remote, to_push, timeout=timeout, progress=progress)
        return [results[dest] for _oid, dest in wanted]

    def _fast_forward(self, current: str, new: str) -> bool:
        """Whether moving a ref from ``current`` (known to the clone) to ``new`` is a
        fast-forward."""
        known = is_oid(current) and bool(self._raw.odb.exists(current))
        return known and bool(self._raw.descendant_of(new, current))

    def _send(
        self,
        remote: str,
        to_push: Sequence[tuple[str, str]],
        *,
        timeout: float,
        progress: Progress | None,
    ) -> dict[str, PushResult]:
        """Push the pairs for real and report what the remote said about each ref."""
        self._persist(oid for oid, _ in to_push)
        handle = self._handle(remote)
        with _timeouts(timeout) as deadline:
            callbacks = _Callbacks(progress, deadline, self._login, handle.url)
            try:
                handle.push([f"{oid}:{dest}" for oid, dest in to_push], callbacks=callbacks)
            except _NETWORK_ERRORS as exc:
                if callbacks.accepted or callbacks.rejected:
                    raise GitError(f"push to {remote} failed: {sanitize(str(exc))}") from None
                raise self._unreachable(remote, exc) from None
        results: dict[str, PushResult] = {}
        said = " | ".join(callbacks.said)  # (told once, with the first ref refused)
        for _oid, dest in to_push:
            if dest in callbacks.rejected:
                why = callbacks.rejected[dest]
                why, said = (f"{why} (the remote said: {said})", "") if said else (why, said)
                results[dest] = PushResult(dest, False, why)
            elif dest in callbacks.accepted:
                results[dest] = PushResult(dest, True)
            else:
                results[dest] = PushResult(dest, False, "the remote did not report this ref")
        return results

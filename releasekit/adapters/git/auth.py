"""Who releasekit is to a git remote, and whom it trusts.

SSH keys come from the agent. The remote's identity is checked before anything is sent: an
SSH host key must be in ``~/.ssh/known_hosts`` (as OpenSSH writes it, ``[host]:port`` for
another port than 22; libgit2 reads no other file, not /etc/ssh/ssh_known_hosts), an HTTPS
certificate must verify; libgit2 would otherwise go on with a host key it does not know, or
one that does not match. An HTTPS remote that asks for a login gets ``RELEASEKIT_GIT_USER``
and ``RELEASEKIT_GIT_PASSWORD`` (a token; both or neither), never over plain ``http://``
except to a loopback address, and asked for once: a refused login stops the operation.
``RELEASEKIT_GIT_CAFILE`` names CA certificates to trust for a remote with a private CA (in
addition to the system's).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pygit2

from releasekit.adapters.env import Environment
from releasekit.adapters.git.values import sanitize
from releasekit.support.errors import BadInput, RemoteUnreachable
from releasekit.support.text import visible

ENV_USER = "RELEASEKIT_GIT_USER"
ENV_PASSWORD = "RELEASEKIT_GIT_PASSWORD"  # noqa: S105 - the variable's name, not a secret
ENV_CAFILE = "RELEASEKIT_GIT_CAFILE"


@dataclass(frozen=True)
class Login:
    user: str
    password: str = field(repr=False)


def login_from_env(env: Environment) -> Login | None:
    """The HTTPS login from the environment; BadInput when only half of it is set."""
    pair = env.login(ENV_USER, ENV_PASSWORD, BadInput)
    return None if pair is None else Login(*pair)


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (by name or address, as the URL writes it)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_TRUSTED_CAFILES: set[str] = set()


def trust_cafile_process_wide(env: Environment) -> None:
    """Add ``RELEASEKIT_GIT_CAFILE`` to the CA certificates libgit2 trusts, for the whole
    process (once per file).

    The setting must be global: libgit2 offers only a process-wide list of CA locations, and
    the per-remote certificate check callback learns only whether the certificate verified
    against that list (pygit2 passes it no certificate to verify another way).
    """
    cafile = env.get(ENV_CAFILE)
    if not cafile or cafile in _TRUSTED_CAFILES:
        return
    if not os.path.isfile(cafile):
        raise BadInput(f"{ENV_CAFILE}={visible(cafile)}: no such file")
    try:
        pygit2.settings.set_ssl_cert_locations(cafile, None)
    except pygit2.GitError as exc:
        raise BadInput(
            f"{ENV_CAFILE}={visible(cafile)}: cannot load CA certificates ({visible(str(exc))})"
        ) from None
    _TRUSTED_CAFILES.add(cafile)


def password_login(login: Login | None, url: str, *, asked_before: bool) -> pygit2.UserPass:
    """The answer to a remote that asks for a user and password, or RemoteUnreachable when
    there is none to give: no login set, plain http to another host, or asked again (libgit2
    asks again after a refusal, and once is enough)."""
    where = sanitize(url)
    if login is None:
        raise RemoteUnreachable(
            f"remote {where} asks for a login: set {ENV_USER} and {ENV_PASSWORD}"
        )
    if url.startswith("http://") and not is_loopback(url):
        raise RemoteUnreachable(
            f"remote {where}: refusing to send the login over plain http (use https)"
        )
    if asked_before:
        raise RemoteUnreachable(
            f"remote {where} refused the login (check {ENV_USER} and {ENV_PASSWORD})"
        )
    return pygit2.UserPass(login.user, login.password)


def unverified_identity(url: str, host: bytes | str) -> RemoteUnreachable:
    """The error for a remote whose SSH host key or HTTPS certificate did not verify, with
    what to do about it."""
    name = sanitize(host.decode(errors="replace") if isinstance(host, bytes) else host)
    if url.startswith(("http://", "https://")):
        return RemoteUnreachable(
            f"remote {name}: its identity could not be verified (its HTTPS certificate does "
            f"not verify): for a private CA, name its certificates in {ENV_CAFILE}"
        )
    return RemoteUnreachable(
        f"remote {name}: its identity could not be verified (its SSH host key is not in "
        "~/.ssh/known_hosts, or does not match it): check the key's fingerprint with the "
        "forge, then add it (ssh-keyscan)"
    )

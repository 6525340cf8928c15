"""The pygit2 adapter: the only package that imports pygit2.

:class:`ProductRepo` wraps the product clone. It fetches, reads refs and tags, and builds
commits and tags *in memory*: every object it writes goes to a private in-memory object
store layered over the clone's (:mod:`.objects`), so planning never updates a ref, never
touches the working tree or the index, and leaves nothing embargoed in the clone's object
database. Only :meth:`ProductRepo.push` copies the objects it is about to publish into the
clone (they are public from that moment on), so the remote-tracking refs that the push
updates stay valid.

Object ids cross this package's boundary as 40-digit hex strings (:mod:`.values`), so no
other module needs a pygit2 type. Failures become :mod:`releasekit.support.errors`: an
unreachable remote is :class:`RemoteUnreachable` (exit 1), a malformed revision or refspec
:class:`BadInput` (exit 2), anything else :class:`GitError` (exit 1). Messages never carry
credentials. Logins and the certificates trusted: :mod:`.auth`.
"""

from releasekit.adapters.git.auth import ENV_CAFILE, ENV_PASSWORD, ENV_USER, Login, login_from_env
from releasekit.adapters.git.merge import MergeOutcome
from releasekit.adapters.git.private import enclosing_repository, make_private_repository
from releasekit.adapters.git.remote import PushResult
from releasekit.adapters.git.repo import ProductRepo
from releasekit.adapters.git.tagging import Signer
from releasekit.adapters.git.trees import TreeEditor
from releasekit.adapters.git.values import ZERO, CommitInfo, Entry, Person, is_oid, sanitize

__all__ = [
    "ENV_CAFILE",
    "ENV_PASSWORD",
    "ENV_USER",
    "ZERO",
    "CommitInfo",
    "Entry",
    "Login",
    "MergeOutcome",
    "Person",
    "ProductRepo",
    "PushResult",
    "Signer",
    "TreeEditor",
    "enclosing_repository",
    "is_oid",
    "login_from_env",
    "make_private_repository",
    "sanitize",
]

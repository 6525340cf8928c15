"""Tags: the clone's release tags, and annotated (optionally signed) tag objects."""

from __future__ import annotations

from collections.abc import Callable

import pygit2
from pygit2.enums import ObjectType

from releasekit.adapters.git.values import Person
from releasekit.support.errors import BadInput, GitError

Signer = Callable[[bytes], str]


def tag_targets(raw: pygit2.Repository) -> dict[str, str]:
    """Every tag of the clone: name -> the id of the commit it points to."""
    found: dict[str, str] = {}
    for name in raw.references:
        if not name.startswith("refs/tags/"):
            continue
        try:
            target = raw.references[name].peel(pygit2.Commit)
        except (pygit2.GitError, ValueError, KeyError):
            continue  # a tag of a tree or blob is not a release
        found[name[len("refs/tags/") :]] = str(target.id)
    return found


def create_tag_object(
    raw: pygit2.Repository,
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
    kind = raw[target].type
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
    return str(raw.odb.write(ObjectType.TAG, payload))


def tag_info(raw: pygit2.Repository, oid: str) -> tuple[str, str, str]:
    """(name, target id, raw message including any signature) of a tag object."""
    tag = raw[oid]
    if not isinstance(tag, pygit2.Tag):
        raise GitError(f"{oid}: not a tag")
    return tag.name, str(tag.target), tag.message

"""What identifies the inputs of a build: an advisory's content, everything global, and
the render key of an advisory's files (pure, except that the global key reads the templates).

A file whose key did not change since the last build is not rendered again (see build).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import orjson

from releasekit import __version__
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.site import mdcache, tree
from releasekit.support import render

if TYPE_CHECKING:  # (loaded by a build, not by a run that changes nothing)
    from releasekit.site.listing import Listed

RENDER_VERSION = "43"  # bump when the output or a key for the same input changes


def fingerprint(advisory: Advisory) -> str:
    """A digest of everything an advisory says (not where its file is).

    The body, the long part, is hashed as it is, after the rest: its repr (an escaped copy)
    took half the time.
    """
    cvss, cvss4 = advisory.cvss, advisory.cvss4
    parts: tuple[object, ...] = (
        advisory.id,
        advisory.title,
        advisory.summary,
        advisory.component,
        cvss.vector if cvss else None,  # (the version and score follow from the vector)
        cvss4.vector if cvss4 else None,
        advisory.severity_override,
        advisory.severity_reason,
        advisory.cve,
        advisory.cwe,
        advisory.introduced,
        advisory.credits,
        advisory.embargo,
        advisory.released,
        sorted(advisory.fixed.items()),
        sorted(advisory.fix_commits.items()),
        advisory.revisions,
    )
    if advisory.unfixed is not None:  # (added only when recorded: no other file renders again)
        parts += (advisory.unfixed,)
    digest = hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16)
    digest.update(advisory.body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def records_key(settings: Settings, signing: str | None = None) -> str:
    """Everything that is not an advisory but changes its records (OSV, CVE, CSAF): the
    settings and this code, not the templates or the Markdown renderer (``signing``: the
    fingerprint of the key that signs the CSAF documents, None when they are not signed)."""
    h = hashlib.blake2b(digest_size=16)
    project, cve = settings.project, settings.cve
    for part in (
        RENDER_VERSION,
        __version__,
        project.name,
        project.vendor,
        project.site_url,
        project.disclosure_days,
        project.time_zone,
        project.policy_url,
        project.release_url,
        cve.org_id,
        cve.short_name,
        settings.disclosure.at_release,
        project.repository_url,  # OSV GIT ranges and fix links
        settings.osv,
        signing,
    ):
        h.update(repr(part).encode() + b"\0")
    if settings.releases.version_scheme:  # (only when set: no site built before is made again)
        h.update(b"version_scheme\0" + settings.releases.version_scheme.encode())
    if settings.releases.pre_releases:  # (the ranges of lines fixed in X.Y.0; as above)
        h.update(b"pre_releases\0")
    return h.hexdigest()


def global_key(settings: Settings, signing: str | None = None) -> str:
    """Everything that is not an advisory but changes the output: what changes the records
    (:func:`records_key`), the Markdown renderer and the templates."""
    h = hashlib.blake2b(digest_size=16)
    h.update(records_key(settings, signing).encode() + b"\0")
    h.update(mdcache.identity().encode() + b"\0")  # switching it renders every page again
    for root in (settings.templates_dir, render.builtin_templates_dir()):
        h.update(b"root\0")
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                # (fsencode: a name that is not UTF-8, a stray file, is hashed as its bytes)
                h.update(os.fsencode(path.relative_to(root).as_posix()) + b"\0")
                h.update(tree.digest(path.read_bytes()).encode())
    return h.hexdigest()


def part_key(records_key: str, templates: str) -> str:
    """What a part of the site is made of globally: the settings (``records_key``) and the
    templates that render it (``templates``: a digest of them, see pages.Renderer.closure)."""
    return hashlib.blake2b(f"{records_key}\0{templates}".encode(), digest_size=16).hexdigest()


def extras_key(records_key: str, *parts: object) -> str:
    """What files made of the advisories' entries are made of: the settings and ``parts``
    (plain data, dataclasses and datetimes: every CSAF document's entry and the signing
    key, or the releases still to come)."""
    h = hashlib.blake2b(records_key.encode(), digest_size=16)
    h.update(orjson.dumps(parts))
    return h.hexdigest()


def render_key(global_key: str, fingerprint: str, stage: Stage) -> str:
    """What an advisory's files are made of: its content, its stage and everything global
    (or, with a :func:`records_key`, what its records are made of)."""
    text = f"{global_key}\0{fingerprint}\0{stage.value}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def shared_key(global_key: str, items: Mapping[str, Listed]) -> str:
    """What the files that list every advisory are made of: the rows and the globals."""
    from releasekit.site import listing

    listed = [ident for ident in sorted(items) if items[ident].row is not None]
    return listing.rows_key(global_key, items, listed)

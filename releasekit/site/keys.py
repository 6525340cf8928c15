"""What identifies the inputs of a build: an advisory's content, everything global, and
the render key of an advisory's files (pure, except that the global key reads the templates).

A file whose key did not change since the last build is not rendered again (see build).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from releasekit import __version__
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.site import listing, mdcache, tree
from releasekit.support import render

RENDER_VERSION = "2"  # bump when the output for the same input changes


def fingerprint(advisory: Advisory) -> str:
    """A digest of everything an advisory says (not where its file is)."""
    parts = (
        advisory.id,
        advisory.title,
        advisory.summary,
        advisory.body,
        advisory.component,
        advisory.cvss,
        advisory.cvss4,
        advisory.severity_override,
        advisory.severity_reason,
        advisory.cve,
        advisory.cwe,
        advisory.introduced,
        advisory.reporter,
        advisory.embargo,
        advisory.released,
        sorted(advisory.fixed.items()),
    )
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def global_key(settings: Settings) -> str:
    """Everything that is not an advisory but changes the output."""
    h = hashlib.blake2b(digest_size=16)
    project, cve = settings.project, settings.cve
    for part in (
        RENDER_VERSION,
        __version__,
        mdcache.identity(),  # the Markdown renderer: switching it renders every page again
        project.name,
        project.vendor,
        project.site_url,
        project.disclosure_days,
        project.time_zone,
        cve.org_id,
        cve.short_name,
        settings.disclosure.at_release,
    ):
        h.update(repr(part).encode() + b"\0")
    for root in (settings.templates_dir, render.builtin_templates_dir()):
        h.update(b"root\0")
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                h.update(path.relative_to(root).as_posix().encode() + b"\0")
                h.update(tree.digest(path.read_bytes()).encode())
    return h.hexdigest()


def render_key(global_key: str, fingerprint: str, stage: Stage) -> str:
    """What an advisory's files are made of: its content, its stage and everything global."""
    text = f"{global_key}\0{fingerprint}\0{stage.value}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def shared_key(global_key: str, items: Mapping[str, listing.Listed]) -> str:
    """What the files that list every advisory are made of: the rows and the globals."""
    listed = [ident for ident in sorted(items) if items[ident].row is not None]
    return listing.rows_key(global_key, items, listed)

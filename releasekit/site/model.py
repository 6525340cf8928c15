"""What identifies an advisory's content in the site's build state (pure, no I/O)."""

from __future__ import annotations

import hashlib

from releasekit.model.advisory import Advisory


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

"""CVE Services credentials, from the environment only, under the names cvelib uses
(``CVE_USER``, ``CVE_ORG``, ``CVE_API_KEY``), and the checks made before anything is done.
They never appear in output, messages or the journal. (:mod:`releasekit.adapters.cve` uses
them; this module talks to nothing.)
"""

from __future__ import annotations

from dataclasses import dataclass

from releasekit.adapters.env import Environment
from releasekit.model.config import Settings
from releasekit.support.errors import BadInput

ENV_NAMES = ("CVE_USER", "CVE_ORG", "CVE_API_KEY")


@dataclass(frozen=True)
class Credentials:
    user: str
    org: str
    api_key: str

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return f"Credentials(user={self.user!r}, org={self.org!r}, api_key='***')"


def credentials(env: Environment) -> Credentials:
    """CVE Services credentials from the environment; BadInput naming what is missing."""
    missing = [name for name in ENV_NAMES if not env.get(name)]
    if missing:
        raise BadInput(
            f"environment: {', '.join(missing)} not set "
            "(CVE Services credentials come only from the environment)"
        )
    values = [env.get(name) for name in ENV_NAMES]
    if not all(value.isascii() and value.isprintable() for value in values):
        # They go in HTTP headers; the error of a character that does not would quote it.
        raise BadInput(f"environment: {', '.join(ENV_NAMES)} must be printable ASCII text")
    return Credentials(*values)


def check_credentials(settings: Settings, env: Environment, what: str = "--cve-services") -> None:
    """Fail before anything is done when ``what`` cannot work: no org id, no login."""
    check_org(settings, what)
    credentials(env)


def check_org(settings: Settings, what: str) -> None:
    """BadInput unless ``[cve] org_id`` is set (the records name the CNA by it)."""
    if not settings.cve.org_id:
        raise BadInput(
            f"{settings.config_path.name}: cve.org_id: required for {what} "
            "(the CNA organisation UUID)"
        )

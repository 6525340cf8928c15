"""The security-updates site: see :mod:`releasekit.site.build`."""

from __future__ import annotations

from typing import Any

__all__ = ["PublishReport", "Tuning", "publish", "publish_workspace"]


def __getattr__(name: str) -> Any:
    """The names above, from :mod:`.build`, loaded on first use: importing any module of
    the site (a run that changes nothing imports few) does not load the whole build."""
    if name in __all__:
        from releasekit.site import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

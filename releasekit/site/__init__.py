"""The security-updates site: see :mod:`releasekit.site.build`."""

from __future__ import annotations

from releasekit.site.build import PublishReport, Tuning, publish, publish_workspace

__all__ = ["PublishReport", "Tuning", "publish", "publish_workspace"]

"""releasekit: ship security fixes under embargo and publish their advisories."""

__version__ = "0.1.0"

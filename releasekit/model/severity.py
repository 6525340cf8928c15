"""Severities: the names, lowest first, and the CVSS score band of each."""

from __future__ import annotations

SEVERITIES = ("none", "low", "medium", "high", "critical")  # lowest first
SEVERITY_BANDS = (  # (lowest score, name), highest first
    (9.0, "critical"),
    (7.0, "high"),
    (4.0, "medium"),
    (0.1, "low"),
    (0.0, "none"),
)


def severity_for(score: float) -> str:
    """The severity band of a CVSS base score."""
    for lowest, name in SEVERITY_BANDS:
        if score >= lowest:
            return name
    return "none"

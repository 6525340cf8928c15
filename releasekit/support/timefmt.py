"""How instants and durations are printed: always with their zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo


def iso_utc(moment: datetime) -> str:
    """``2026-12-01T14:00:00Z``: the stored and machine-readable form (``isoformat``: 1.3 µs
    where ``strftime`` took 2.1 µs, and four digits of year before 1000 too)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def toml_utc(moment: datetime) -> str:
    """``2026-12-01T14:00:00Z`` as a file's offset date-time: to the microsecond when it has
    a fraction (an embargo given to the fraction ends then, not up to a second earlier)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"


def instant(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """``2026-12-01 14:00 UTC (06:00 PST)``; the local part only when the zone is not UTC."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    if zone is not None and zone.key not in ("UTC", "Etc/UTC"):
        local = moment.astimezone(zone)
        day = "" if local.date() == utc.date() else local.strftime("%Y-%m-%d ")
        text += f" ({day}{local.strftime('%H:%M')} {local.tzname()})"
    return text


def duration(delta: timedelta) -> str:
    """``2d 03h 04m``, or ``-5m`` for a time already past."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"

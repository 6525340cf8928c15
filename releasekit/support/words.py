"""Counts in sentences: every count printed next to a noun goes through :func:`counted`, so
that output never says "1 advisories" or "2 problem(s)"."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """``one`` for a count of one, else ``many`` (by default ``one`` + "s")."""
    return one if count == 1 else (many if many is not None else one + "s")


def counted(count: int, one: str, many: str | None = None) -> str:
    """``1 advisory``, ``2 advisories``: the count and its noun, agreeing."""
    return f"{count} {plural(count, one, many)}"

"""Secrets from the environment (never from files): a login is two variables, both or neither."""

from __future__ import annotations

from collections.abc import Mapping


def login_pair(env: Mapping[str, str], user_var: str, password_var: str) -> tuple[str, str] | None:
    """``(user, password)`` from ``env``, or None when neither is set.

    Raises ValueError naming the variable that is missing when only one is set.
    """
    user, password = env.get(user_var) or "", env.get(password_var) or ""
    if user and password:
        return user, password
    if user or password:
        given, missing = (user_var, password_var) if user else (password_var, user_var)
        raise ValueError(f"{given} is set but {missing} is not: set both or neither")
    return None

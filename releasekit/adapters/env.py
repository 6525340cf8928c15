"""The process environment, read once by the CLI and handed to every adapter.

Secrets (SMTP, git and CVE Services logins) come only from here, never from workspace
files; no other module reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Environment:
    """Environment variables as the command started with them (empty: none set)."""

    variables: Mapping[str, str] = field(default_factory=dict, repr=False)

    def get(self, name: str) -> str:
        """The variable's value, or "" when it is not set."""
        return self.variables.get(name) or ""

    def login(
        self, user_var: str, password_var: str, error: Callable[[str], Exception] = ValueError
    ) -> tuple[str, str] | None:
        """``(user, password)``, or None when neither variable is set.

        Raises ``error`` naming the variable that is missing when only one is set.
        """
        user, password = self.get(user_var), self.get(password_var)
        if user and password:
            try:
                (user + password).encode()
            except UnicodeEncodeError:  # bytes that are not UTF-8, kept as surrogates
                raise error(f"{user_var} and {password_var} must be UTF-8 text") from None
            return user, password
        if user or password:
            given, missing = (user_var, password_var) if user else (password_var, user_var)
            raise error(f"{given} is set but {missing} is not: set both or neither")
        return None

    @property
    def gnupghome(self) -> str | None:
        """``GNUPGHOME``, or None for gpg's default."""
        return self.get("GNUPGHOME") or None

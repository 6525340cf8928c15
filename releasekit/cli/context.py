"""What every command gets from the root group: the :class:`Context`, and the options that
several commands share."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from releasekit.adapters.env import Environment
from releasekit.model.config import Settings
from releasekit.workspace.paths import open_workspace

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    """What the group options set up for every command."""

    def __init__(self, root: Path, verbose: bool) -> None:
        self.root = root
        self.verbose = verbose
        # The one read of the process environment: adapters get it from here.
        self.env = Environment(dict(os.environ))
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The workspace's settings, read on first use (``init`` and ``--help`` need none)."""
        if self._settings is None:
            self._settings = open_workspace(self.root)
        return self._settings


pass_context = click.make_pass_decorator(Context)


def json_option(func: F) -> F:
    """``--json``: print JSON for scripts (as ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)

"""What every embargo command works with: the outside world, and the tables it requires.

Core functions take ``now`` (or a clock callable for waiting); only
:mod:`releasekit.support.clock` reads the wall clock. Nothing in the embargo package prints:
results are returned for the CLI to show, and progress goes through :class:`Outside`.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.model.config import MailSettings, Settings
from releasekit.support.errors import ConfigError
from releasekit.support.progress import Progress
from releasekit.workspace import files as workspace

# Test hook: kill the process (SIGKILL) right after the named step is journalled, so that
# the fault tests can prove that a re-run resumes. Unset in normal use.
CRASH_AFTER = "RELEASEKIT_TEST_CRASH_AFTER"


@dataclass(frozen=True)
class Outside:
    """What the embargo needs from the environment (credentials, GnuPG home)."""

    env: Environment
    progress: Progress | None = None

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def crash_point(self, step: str) -> None:
        """Die here when the environment asks to (:data:`CRASH_AFTER`), for the fault tests."""
        if self.env.get(CRASH_AFTER) == step:
            os.kill(os.getpid(), signal.SIGKILL)

    def open_repo(self, settings: Settings) -> ProductRepo:
        return ProductRepo.open(settings.repository_path, self.env)


def require_mail(settings: Settings) -> MailSettings:
    """The [mail] table, which init leaves commented out: without it, input is missing."""
    if settings.mail is None:
        raise missing(settings, "mail", "no [mail] table: the embargo commands send mail")
    return settings.mail


def missing(settings: Settings, table: str, message: str) -> ConfigError:
    """An optional table of releasekit.toml that the command needs is not there."""
    return ConfigError.one(
        workspace.display_path(settings, settings.config_path), None, table, message
    )

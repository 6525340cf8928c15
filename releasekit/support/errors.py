"""The exception root and its documented subclasses.

Every expected failure is a :class:`ReleasekitError`. The CLI turns it into one line on
stderr and its ``exit_code``; nothing else in the package exits. Messages name the file,
line and field at fault and never carry a secret or advisory text beyond an id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasekit.support.text import visible

EXIT_OK = 0
EXIT_NOT_DONE = 1
EXIT_BAD_INPUT = 2


class ReleasekitError(Exception):
    """Root of every error releasekit expects; ``exit_code`` is what the CLI exits with."""

    exit_code = EXIT_NOT_DONE


class BadInput(ReleasekitError):
    """Bad usage or input (a file, an option, a value): exit 2, nothing changed."""

    exit_code = EXIT_BAD_INPUT


class NotDone(ReleasekitError):
    """A gate failed, a step failed or something is not ready: exit 1."""

    exit_code = EXIT_NOT_DONE


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: ``path:line: field: message``."""

    path: Path | str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = visible(str(self.path))  # a file name is data too: one line, no escapes
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class InputProblems(BadInput):
    """One or more located problems in input files; the message lists them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(InputProblems):
    """releasekit.toml is missing, malformed or has a wrong, unknown or missing key."""

    @classmethod
    def one(
        cls, path: Path | str, line: int | None, field: str | None, message: str
    ) -> ConfigError:
        return cls([Problem(path, line, field, message)])


class AdvisoryError(InputProblems):
    """An advisory file is malformed or breaks a rule (id, CVSS, severity, times)."""


class WorkspaceError(BadInput):
    """The workspace is not where expected, or is not a releasekit workspace."""


class TemplateError(BadInput):
    """A template (a workspace override or a built-in) does not parse or render."""


class GitError(NotDone):
    """A git operation on the product clone or its remote failed."""


class RemoteUnreachable(GitError):
    """The configured remote could not be reached (network, auth, missing path)."""


class PatchError(BadInput):
    """A held fix is not an mbox patch, or a revision range does not resolve."""


class NotReady(NotDone):
    """The plan or a preflight gate says the release cannot go ahead yet."""


class LeakFound(NotDone):
    """The leak lint found embargoed words in something that would become public."""


class SigningError(NotDone):
    """The signing key is missing, expired or cannot sign, or gpg failed."""


class Unsent(NotDone):
    """A message of a mailing not sent, or not known to be: the message says what to do
    (re-run to send the rest, or look in the archive and re-run with --resend or --sent)."""


class MailError(NotDone):
    """The SMTP server refused, failed or could not be reached, or mail is misconfigured.

    ``transient`` is True for a failure worth retrying later (a 4xx reply, a connection
    refused, closed or timed out) and False for a permanent one (a 5xx reply, TLS, a missing
    credential); ``code`` is the server's reply code when it gave one. ``uncertain`` is True
    when the message was handed over and no answer came: the server may have taken it.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool = False,
        code: int | None = None,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code
        self.uncertain = uncertain


class PublishError(NotDone):
    """Building the site or publishing a record failed."""


class RecordError(PublishError):
    """A CVE or OSV record is not valid against its schema: ``pointer`` is the JSON path that
    fails (e.g. ``/containers/cna/title``), ``keyword`` the schema keyword (``maxLength``),
    ``reason`` the message without the record's file name (``cve/CVE-ID.json`` names the CVE
    id, public only from the disclosure date)."""

    def __init__(self, name: str, reason: str, *, pointer: str, keyword: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.reason = reason
        self.pointer = pointer
        self.keyword = keyword


class JournalError(NotDone):
    """The journal cannot be read or written (a full disk, a damaged file): the command stops
    before its next step; a step it had started is looked at again on the next run."""


class JournalDamaged(InputProblems, JournalError):
    """The journal file is damaged or was edited by hand: not a database, or a row that
    releasekit does not write (a detail that is no JSON object, a field missing or of another
    type, a status it does not know). Bad input from a file (exit 2), found before anything
    is changed; its line is the row's number (SQLite's rowid). Still a JournalError, so that
    a run whose push had started says that refs may be public."""

    exit_code = EXIT_BAD_INPUT


class Refused(NotDone):
    """A step refused to run now (before the embargo, without confirmation, ...)."""

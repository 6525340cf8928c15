"""The deadline of each gpg process that ``adapters/signing.py`` runs (through python-gnupg,
which waits for gpg without a limit, as gpg waits for its agent).

A :class:`Watch` kills the process when the deadline passes, unless stopped first: its
pipes close, so python-gnupg's readers see the end, and ``expired`` says why it ended.
"""

from __future__ import annotations

import threading
from typing import Any

# gpg's status line when its agent has started a pinentry to ask for a passphrase.
PINENTRY = b"[GNUPG:] PINENTRY_LAUNCHED "

# What gpg was doing, by the type of python-gnupg's result, as a timeout names it.
DOING = {
    "Sign": "signing",
    "Crypt": "signing and encrypting",
    "Verify": "verifying a signature",
    "ListKeys": "listing keys",
    "ExportResult": "exporting the public key",
}


class Watch:
    """Kills ``process`` (a ``subprocess.Popen``) after ``seconds``, unless stopped first."""

    def __init__(self, process: Any, seconds: float) -> None:
        self.process = process
        self.seconds = seconds
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        if self.process.poll() is None:
            self.expired = True
            self.process.kill()  # SIGKILL: it ends a gpg that is stopped itself, too

    def stop(self) -> None:
        self._timer.cancel()

    def status(self, pipe: Any) -> _Status:
        """gpg's stderr ``pipe`` (its status lines), read as the watch needs it."""
        return _Status(pipe, self)

    def end(self) -> None:
        """Stop the watch, and kill the process if it still runs (its reader was interrupted:
        Ctrl-C), so that no gpg is left behind."""
        self.stop()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def timeout(self, result: str) -> str:
        """What a call that ``expired`` says, ``result`` being the name of the type of
        python-gnupg's result (else what gpg was doing)."""
        return (
            f"gpg did not answer within {self.seconds:g} s while {DOING.get(result, result)} "
            "(is gpg-agent stopped, or waiting for a passphrase?)"
        )


class _Status:
    """gpg's stderr pipe, each read returning what gpg has written so far (python-gnupg's
    reader asks for 72 bytes, which a buffered pipe waits for): a pinentry stops the watch
    when gpg says so, as a person types the passphrase (pinentry has its own timeout)."""

    def __init__(self, pipe: Any, watch: Watch) -> None:
        self._pipe = pipe
        self._watch = watch
        self._tail = b""  # the end of what was read, for a line split between two reads

    def read(self, size: int = -1) -> bytes:
        data = bytes(self._pipe.raw.read(size) if size > 0 else self._pipe.read())
        if PINENTRY in self._tail + data:
            self._watch.stop()
        self._tail = (self._tail + data)[-len(PINENTRY) :]
        return data

    def close(self) -> None:
        self._pipe.close()

"""An SMTP server on 127.0.0.1 that says what it is told, to stand for one that is broken or
hostile: a greeting that drips, continuation lines for ever, a reply to a message that is
not SMTP.

It speaks just enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to each connection,
one at a time; ``greeting`` and ``after_data`` are the bytes it sends then (``after_data``
gets the number of the message, from 1, and may send anything). ``messages`` counts the
messages it was handed. Use it as a context manager: it stops on leaving.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

Send = Callable[[socket.socket], None]


def say(data: bytes) -> Send:
    return lambda conn: conn.sendall(data)


def drip(data: bytes, every: float) -> Send:
    """``data`` one byte every ``every`` seconds."""

    def send(conn: socket.socket) -> None:
        for byte in data:
            conn.sendall(bytes([byte]))
            time.sleep(every)

    return send


GREETING = say(b"220 hostile.test ESMTP\r\n")
EHLO = say(b"250-hostile.test\r\n250 8BITMIME\r\n")
QUEUED = say(b"250 2.0.0 queued\r\n")


class HostileSmtp:
    def __init__(
        self,
        *,
        greeting: Send = GREETING,
        ehlo: Send = EHLO,
        after_data: Callable[[int], Send] = lambda n: QUEUED,
    ) -> None:
        self.greeting, self.ehlo, self.after_data = greeting, ehlo, after_data
        self.messages = 0
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with contextlib.suppress(OSError), conn:
                conn.settimeout(30)
                self._session(conn, conn.makefile("rb"))

    def _session(self, conn: socket.socket, reader: object) -> None:
        assert hasattr(reader, "readline")
        self.greeting(conn)
        while not self._stop.is_set():
            line = reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.ehlo(conn)
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                while reader.readline() not in (b".\r\n", b""):
                    pass
                self.messages += 1
                self.after_data(self.messages)(conn)
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def __enter__(self) -> HostileSmtp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=35)

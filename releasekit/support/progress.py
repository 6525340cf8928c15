"""How the core reports what it is doing: one line of text at a time (the CLI prints it)."""

from collections.abc import Callable

Progress = Callable[[str], None]

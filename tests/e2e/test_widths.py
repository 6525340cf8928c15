"""The README's walkthrough at 80 and 200 columns: tables keep every word whole, and lines
meant to be copied (refs, commit ids, paths, commands) are never broken.

The workspace is the demo's (scripts/demo.py builds the product, key and workspace); each
command also runs at 1000 columns, where nothing wraps, as the reference.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from aiosmtpd.controller import Controller

from tests.helpers.paths import REPO_ROOT

COMMANDS = [
    ("advisory", "list"),
    ("advisory", "check"),
    ("patch", "list"),
    ("plan",),
    ("lint",),
    ("verify",),
    ("embargo", "status"),
    ("embargo", "lift", "--dry-run"),
    ("publish",),
]
TABLES = {("advisory", "list"), ("plan",), ("embargo", "status")}
BARS = "│┃"
# Lines that carry something to copy: a ref, a commit id, a path, a command.
COPYABLE = re.compile(r"refs/|\b[0-9a-f]{12}\b|`releasekit |site/|patches/")
# The plan's headers when a column per line does not fit (a row per advisory and line).
NARROW_HEADERS = {"Line", "Fix"}
# commit ids, time left, and how long a run took ("passed in 0.2 s": 0.3 s on a busy machine)
CHANGING = re.compile(r"\b[0-9a-f]{12}\b|\b\d+[dhms]\b|(?<=in )\d+\.\d+(?= s\b)")


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", REPO_ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    demo = load_demo()
    demo.set_sandbox(tmp_path_factory.mktemp("widths"))
    demo.EMBARGO_IN = timedelta(days=2)
    now = datetime.now(UTC)
    latest = demo.make_product(now)
    fingerprint = demo.make_gnupg_key()
    port = demo.free_port()
    controller = Controller(demo.MaildirHandler(demo.MAILDIR), hostname="127.0.0.1", port=port)
    controller.start()
    demo.ENV.update({"GNUPGHOME": str(demo.GNUPGHOME)})
    try:
        demo.make_workspace(now, fingerprint, port, latest)
        demo.hold_fixes()
        yield demo.WORKSPACE, dict(demo.ENV)
    finally:
        controller.stop()
        subprocess.run(["gpgconf", "--homedir", str(demo.GNUPGHOME), "--kill", "all"], check=False)


def releasekit(workspace: Path, env: dict[str, str], columns: int, *args: str) -> str:
    exe = Path(sys.executable).parent / "releasekit"
    done = subprocess.run(
        [str(exe), "-C", str(workspace), *args],
        env={**env, "COLUMNS": str(columns), "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Every command of the walkthrough succeeds here: a failure would leave nothing to check.
    assert done.returncode == 0 and done.stdout.strip(), (args, done.returncode, done.stderr)
    return done.stdout


def table_cells(text: str) -> list[tuple[int, str]]:
    """Every cell line of every boxed table: (column width, text)."""
    cells = []
    for line in text.splitlines():
        if line[:1] in BARS:
            for part in re.split(f"[{BARS}]", line)[1:-1]:
                cells.append((len(part) - 2, part.strip()))
    return cells


def test_parsing_a_table_finds_its_cells() -> None:
    box = "┃ Id ┃ Title     ┃\n│ A  │ two words │\n│    │ more      │\n"
    assert table_cells(box) == [
        (2, "Id"),
        (9, "Title"),
        (2, "A"),
        (9, "two words"),
        (2, ""),
        (9, "more"),
    ]


def words_of(text: str) -> set[str]:
    return {w for _, cell in table_cells(text) for w in cell.split()}


@pytest.mark.parametrize("columns", [80, 200])
def test_walkthrough_fits_the_terminal(
    sandbox: tuple[Path, dict[str, str]], columns: int, tmp_path: Path
) -> None:
    workspace, env = sandbox
    for command in COMMANDS:
        wide = releasekit(workspace, env, 1000, *command)
        narrow = releasekit(workspace, env, columns, *command)
        where = f"{' '.join(command)} at {columns} columns"
        assert all(len(line) <= columns for line in narrow.splitlines() if line[:1] in "┏┃│┡└├"), (
            where
        )
        # No word of a table is broken: each is a word of the same table with room to spare.
        reference = words_of(wide) | set(wide.split()) | NARROW_HEADERS
        for width, cell in table_cells(narrow):
            for word in cell.split():
                assert len(word) <= width, (where, word)
                assert word in reference or CHANGING.fullmatch(word), (where, word, narrow)
        if command in TABLES:  # a table was drawn, and its cells checked above
            assert table_cells(narrow), (where, narrow)
        if command == ("advisory", "list"):  # the title keeps room to be read
            assert max(width for width, _ in table_cells(narrow)) >= 25, (where, narrow)
        # A line meant to be copied is whole: a line of the wide output, not broken.
        lines = {CHANGING.sub("#", line.strip()) for line in narrow.splitlines()}
        for line in wide.splitlines():
            if COPYABLE.search(line) and line[:1] not in BARS:
                assert CHANGING.sub("#", line.strip()) in lines, (where, line, narrow)
    # init on the demo's product, and a new advisory in it: what a new user does first.
    product = workspace.parent / "acme-server"
    made = tmp_path / f"ws{columns}"
    exe = Path(sys.executable).parent / "releasekit"
    init_env = {**env, "COLUMNS": str(columns)}
    init = subprocess.run(
        [
            str(exe),
            "init",
            str(made),
            "--name",
            "Acme Server",
            "--prefix",
            "ACSA",
            "--repository",
            str(product),
        ],
        env=init_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    new = subprocess.run(
        [
            str(exe),
            "-C",
            str(made),
            "advisory",
            "new",
            "--title",
            "Channel export ignores read permissions of a private channel",
            "--summary",
            "Users could export channels they cannot read.",
            "--cvss",
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        ],
        env=init_env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert new.returncode == 0, new.stderr
    listed = releasekit(made, env, columns, "advisory", "list")
    assert "permissions" in words_of(listed), listed

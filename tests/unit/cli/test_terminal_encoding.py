"""A terminal whose encoding cannot hold the data (an ASCII locale): what it cannot show is
an escape, as a control character is (``\\xe9``), never a UnicodeEncodeError's traceback
and never a character dropped. The real CLI runs in a process with such an environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Workspace
from tests.helpers.process import ASCII_TERMINALS, cli_process
from tests.helpers.repos import FILES, release_product, replace_line, workspace_config

TERMINALS = pytest.mark.parametrize("env", ASCII_TERMINALS.values(), ids=list(ASCII_TERMINALS))


@pytest.fixture
def accented(ws: Workspace) -> Workspace:
    """A project and an advisory title with letters beyond ASCII."""
    text = (ws.root / "releasekit.toml").read_text()
    ws.write("releasekit.toml", text.replace('name = "Acme Server"', 'name = "Ácme Server"'))
    ws.advisory("ACSA-2026-0001", title='"Prévisualisation ignores permissions"')
    return ws


@TERMINALS
def test_advisory_list_shows_escapes(accented: Workspace, env: dict[str, str | None]) -> None:
    result = cli_process(accented.root, "advisory", "list", env={**env, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "\\xc1cme Server advisories" in result.stdout
    assert "| Pr\\xe9visualisation ignores permissions |" in result.stdout
    assert result.stdout.isascii() and result.stderr == ""
    table = [line for line in result.stdout.splitlines() if line[:1] in "+|"]
    assert len({len(line) for line in table}) == 1, result.stdout  # its columns line up


@TERMINALS
def test_plan_shows_escapes(
    accented: Workspace,
    env: dict[str, str | None],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    product = release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")
    config = workspace_config(product.clone, esr="[]", last="1")  # lines 10.4 and 10.3
    accented.write("releasekit.toml", config.replace("Acme Server", "Ácme Server"))
    export = FILES["src/export.c"]
    for line in ("10.4", "10.3"):
        fix = product.fix(f"release-{line}", {"src/export.c": replace_line(export, 2, "ok")}, "Fix")
        accented.write(f"patches/ACSA-2026-0001/{line}.patch", fix.decode())
    result = cli_process(accented.root, "plan", "--no-fetch", env={**env, "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\\xc1cme Server backport plan" in result.stdout
    assert result.stdout.endswith("Plan: ready.\n")
    assert result.stdout.isascii()


def test_an_error_line_shows_a_path_with_escapes(tmp_path: Path) -> None:
    # (In the POSIX locale Python reads the argument as undecodable bytes, shown as escapes
    # all along; with PYTHONIOENCODING=ascii it is text, which click wrote as UTF-8.)
    root = tmp_path / "Prévisualisation"
    root.mkdir()
    result = cli_process(root, "advisory", "list", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 2
    assert result.stderr.startswith("releasekit: error: "), result.stderr
    assert "/Pr\\xe9visualisation/releasekit.toml: not found" in result.stderr
    assert result.stderr.isascii() and result.stdout == ""


@TERMINALS
def test_an_answer_the_terminal_cannot_read_is_one_line(
    ws: Workspace, env: dict[str, str | None], tmp_path: Path
) -> None:
    # Typed at a prompt in a letter beyond ASCII: a strict ASCII stdin could not decode it,
    # a traceback. (The POSIX locale reads it with escapes, which the title's check refuses.)
    answers = tmp_path / "answers"
    answers.write_bytes("Prévisualisation\nA summary\n".encode())
    before = ws.snapshot()
    result = cli_process(ws.root, "advisory", "new", env=env, stdin=answers)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("releasekit: error: ") and "Traceback" not in result.stderr
    if env.get("PYTHONIOENCODING") == "ascii":
        assert line == (
            "releasekit: error: ascii cannot read this text: use a UTF-8 locale (LC_ALL=C.UTF-8)"
        )
    assert ws.snapshot() == before

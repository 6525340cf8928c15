"""SemVer 2.0.0 comparisons by npm's node-semver (tests/node), as a scanner that reads a
CVE record's ``"versionType": "semver"`` ranges with a SemVer library makes them: one node
process answering over a pipe, each pair asked once."""

from __future__ import annotations

import json
import shutil
import subprocess
from types import TracebackType

from tests.helpers.csaf import installed


class NodeSemver:
    """``compare(a, b)``: -1, 0 or 1; None when either is no SemVer version (a scanner's
    library rejects it). Use as a context manager: the process ends on leaving it."""

    def __init__(self) -> None:
        folder = installed()
        node = shutil.which("node")
        assert node is not None, "node is needed for the SemVer comparisons"
        self._process = subprocess.Popen(
            [node, str(folder / "semver_compare.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=folder,
        )
        self._known: dict[tuple[str, str], int | None] = {}

    def compare(self, a: str, b: str) -> int | None:
        if (a, b) not in self._known:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(json.dumps([a, b]) + "\n")
            self._process.stdin.flush()
            answer: int | None = json.loads(self._process.stdout.readline())
            self._known[a, b] = answer
        return self._known[a, b]

    def __enter__(self) -> NodeSemver:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)

"""The CSAF reference validator (@secvisogram/csaf-validator-lib, pinned in tests/node),
run with node over CSAF documents: the official CSAF 2.0 schema and the mandatory tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.helpers.paths import REPO_ROOT

NODE_DIR = REPO_ROOT / "tests" / "node"
LIB = NODE_DIR / "node_modules" / "@secvisogram" / "csaf-validator-lib"


def installed() -> Path:
    """tests/node with its packages (``npm ci`` from the lock when they are missing, as the
    Makefile's pytest target does)."""
    if not (LIB / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed for the CSAF validator (tests/node)"
        subprocess.run(
            [npm, "ci", "--prefix", str(NODE_DIR), "--ignore-scripts", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NODE_DIR


def validate(paths: list[Path]) -> list[dict[str, Any]]:
    """The validator's verdict on each document; AssertionError naming the failed tests."""
    assert paths, "no CSAF document to validate"
    folder = installed()
    node = shutil.which("node")
    assert node is not None, "node is needed for the CSAF validator"
    done = subprocess.run(
        [node, str(folder / "validate_csaf.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=folder,
    )
    assert done.stdout, done.stderr
    results: list[dict[str, Any]] = json.loads(done.stdout)
    failed = [r for r in results if not r["isValid"]]
    assert not failed and done.returncode == 0, json.dumps(failed, indent=1)[:4000]
    assert [r["file"] for r in results] == list(map(str, paths))
    return results


def catalogue() -> dict[str, Any]:
    """The validator's CWE catalogue, as releasekit/schemas/cwe-names.json holds it."""
    folder = installed()
    done = subprocess.run(
        ["node", "cwe_names.mjs"], capture_output=True, text=True, check=True, cwd=folder
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found

#!/usr/bin/env python3
"""Regenerate the configuration reference in README.md from releasekit/config.py.

.venv/bin/python scripts/gen_docs.py          # rewrite README.md
.venv/bin/python scripts/gen_docs.py --check  # exit 1 when README.md is stale (a test runs this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from releasekit.model.config import reference

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- config-reference:start -->", "<!-- config-reference:end -->"


def table() -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for section, key, default, doc in reference():
        shown = default.replace("|", "\\|")
        rows.append(f"| `{section}.{key}` | {shown} | {doc} |")
    return "\n".join(rows)


def render(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    text = README.read_text()
    fresh = render(text)
    if "--check" in sys.argv:
        return 0 if fresh == text else 1
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())

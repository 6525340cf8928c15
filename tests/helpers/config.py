"""The configuration keys for real repositories (`[releases] branches`, `read_tags` and
`[[releases.bump]]`), for tests of what `init --repository` writes.

The planner reads them; a releasekit whose schema does not know them yet refuses them as
unknown keys. :func:`without_unknown_release_keys` leaves out the ones the schema does not
know, so that the rest of what init wrote is tried with the real commands either way.
"""

from __future__ import annotations

import re

from releasekit.model.config import reference

KNOWN = {(table, key) for table, key, _, _ in reference()}
REAL_REPOSITORY_KEYS = ("branches", "read_tags", "bump")


def knows(key: str) -> bool:
    return ("releases", key) in KNOWN


def without_unknown_release_keys(text: str) -> str:
    """``text`` without the keys (and `[[releases.bump]]` tables) the schema does not know."""
    for key in ("branches", "read_tags"):
        if not knows(key):
            text = re.sub(rf"(?m)^{key} = .*\n", "", text)
    if not knows("bump"):
        text = re.sub(r"(?m)^\[\[releases\.bump\]\].*\n(?:(?:path|format) = .*\n)*", "", text)
    return text

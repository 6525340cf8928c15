"""Which link destinations advisory Markdown may keep, what every kept link carries, the box
each table is put in and the level of each heading.

Shared by both Markdown renderers (see :mod:`.markdown`): only http, https and mailto links,
or links without a scheme (relative paths, #fragments, protocol-relative).
"""

from __future__ import annotations

import re

SAFE_SCHEMES = ("http", "https", "mailto")
REL = "nofollow noopener"  # advisory text comes from outside reporters
# A table wider than a phone scrolls in a box of its own (the stylesheet's .table-wrap), not
# the page. Scrolled by keyboard too: focusable (axe-core's scrollable-region-focusable),
# and a region with a name of its own on the page (landmark-unique): "Table 1", "Table 2".
TABLE_BOX = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table {n}">\n'
TABLE_BOX_END = "</div>\n"
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def safe_link(url: str) -> bool:
    """True for http(s)/mailto URLs and scheme-less references; False for anything else."""
    cleaned = _CONTROL.sub("", url)
    match = _SCHEME.match(cleaned)
    if match is None:
        return True  # relative, #fragment or protocol-relative (http or https)
    return match.group(1).lower() in SAFE_SCHEMES


def level(level: int, top: int) -> int:
    """The heading level on the page of a heading of ``level`` in a text whose top one is
    ``top``: the top ones are ``<h3>``, in the details' ``<h2>`` (a text in GitHub's advisory
    layout starts at ``###``, one written from ``#`` as well), the others as far below them
    as in the text, down to ``<h6>``."""
    return min(6, level - top + 3)

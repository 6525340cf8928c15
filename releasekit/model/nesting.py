"""Markdown nested deeper than the site's renderer shows: found where advisories are checked.

markdown-it (both of the site's renderers, :mod:`releasekit.site.markdown`) stops nesting
blocks at ``maxNesting``, 20 levels, where each quote, each list and each list item counts
one (a list ten deep is 20): the text that would start inside the twentieth level, and the
rest of the quote or document around it, is silently left out of the page. :func:`dropped`
finds the line where that happens, so that ``advisory check`` (and every command that reads
advisory files) refuses such a body instead.

Exact, not a guess: a text is parsed (blocks only) by markdown-it-py set up as the site's
renderer, with a first block rule that notes the lines the site's parser would skip, and goes
on into them, deeper: refused when they hold text (an empty list item, markers only, is no
loss), and past :data:`DEEPEST` levels unseen. Cheap: the parse runs only when a line's
container prefix (quote and list markers, indentation) is 20 columns wide or more (each level
takes at least one column of it), which few advisories have: 2 µs for the search in a
generated 3 KB advisory.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # markdown-it-py is imported when a text could nest that deep
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.token import Token

LIMIT = 20  # markdown-it's maxNesting in its "commonmark" preset (what the site renders with)
DEEPEST = 2 * LIMIT  # parsed this deep to see what would be left out; deeper still is refused
_TAB = 4  # the columns a tab takes at most
# A line's container prefix: quote and list markers and the blanks between, after a line end
# (markdown-it ends a line at LF, CR or CRLF; the text is searched with one put before it).
# What the parse needs, as a necessary condition, is its width. (A pattern that starts with a
# literal is searched for fast: 1.5 µs in a 3 KB text, against 60 for one after "^|\r".)
_WIDE = re.compile(rf"\n[ >*+\-0-9.)]{{{LIMIT}}}")  # (a text without tabs or CRs)
_PREFIX = re.compile(r"[\r\n][ \t>*+\-0-9.)]{5,}")  # (a tab is 1 to 4 columns wide)
_LINE_END = re.compile(r"\r\n?|\n")
_TEXT = ("inline", "code_block", "fence")  # the tokens that carry text (in .content)
PROBLEM = (
    f"quotes and lists nest {LIMIT} deep here (each quote, list and list item is a level; "
    f"at most {LIMIT - 1}): the pages would leave out this text and what follows it"
)


class _Lost(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _look(tokens: list[Token], env: MutableMapping[str, Any]) -> None:
    """Raise :class:`_Lost` when a token made since the last look has text in the lines that
    were skipped last."""
    first, end = env["skipped"][-1]
    for token in tokens[env["seen"] :]:
        if token.type in _TEXT and token.content and token.map and first <= token.map[0] < end:
            raise _Lost(token.map[0])
    env["seen"] = len(tokens)


def _skipping(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    # Called first for each block that starts. At LIMIT levels the site's parser
    # (maxNesting = LIMIT) skips from this line, non-blank and inside its container, to the
    # container's end: the lines noted in env, which this parse goes on into, deeper, to see
    # whether they hold text.
    skipped: list[tuple[int, int]] = state.env["skipped"]
    if skipped:
        _look(state.tokens, state.env)
    if state.level >= LIMIT:
        if state.level >= DEEPEST:  # (unseen: refused)
            raise _Lost(skipped[-1][0])
        if not skipped or start >= skipped[-1][1]:  # (lines further in are skipped already)
            skipped.append((start, end))
    return False


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # The site's parser (releasekit.site.markdown), blocks only, going on past LIMIT.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": DEEPEST + 1})
    md.enable(["table"])
    md.disable(["html_block", "inline", "text_join"])
    md.block.ruler.before("table", "nesting", _skipping)
    return md


def _could_nest(text: str) -> bool:
    """True when a line's container prefix is :data:`LIMIT` columns wide or more."""
    if "\t" not in text and "\r" not in text:
        return _WIDE.search("\n" + text) is not None
    return any(
        len(prefix) - 1 + (_TAB - 1) * prefix.count("\t") >= LIMIT
        for prefix in _PREFIX.findall("\n" + text)
    )


def _lost(text: str) -> int | None:
    """The first line (0-based, as markdown-it counts them) of text that the site leaves out."""
    env: dict[str, Any] = {"skipped": [], "seen": 0}
    try:
        tokens = _parser().parse(text, env)
        if env["skipped"]:
            _look(tokens, env)
    except _Lost as lost:
        return lost.line
    return None  # (nothing skipped, or only markers: an empty list item)


def dropped(text: str) -> int | None:
    """The offset in ``text`` of the line from which the site would leave text out because
    blocks nest :data:`LIMIT` deep there, or None when it shows all of it."""
    if not _could_nest(text):
        return None
    line = _lost(text)
    if not line:
        return line
    ends = _LINE_END.finditer(text)
    for _ in range(line - 1):
        next(ends)
    return next(ends).end()

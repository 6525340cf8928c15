"""Advisory Markdown -> HTML, treating the text as untrusted.

CommonMark with tables and strikethrough, raw HTML off (tags come out as text), and only
http, https and mailto links (or links without a scheme: relative paths and #fragments).
Links get ``rel="nofollow noopener"``: advisory text comes from outside reporters. The
headings go under the page's own (:func:`.links.level`: the text's top ones are ``<h3>``).
Each table is put in a box that scrolls sideways on its own (:data:`.links.TABLE_BOX`): a
wide one does not widen the page.

Two renderers give the same HTML: markdown-it-pyrs (:mod:`.markdown_rs`, compiled) where its
wheel is installed, and markdown-it-py here, the pure-Python reference. :func:`to_html` uses
the compiled one when it imports and leaves to the pure one the texts it hands back (see
:mod:`.markdown_rs` for which, and why). :data:`BACKEND` names the one in use: it is part of
the renderer's identity (:func:`.mdcache.identity`, which finds the same), and so of every
page's key.

markdown-it-py tries each of its rules wherever one could start, and most of them look for a
character that most advisories never contain (``|`` for a table, ``>`` for a quote, ``&``
for an entity, ...). :func:`to_html` leaves out, per document, the rules that cannot match
anywhere in it (:func:`_unused`: a necessary character or line shape is absent), which gives
the same tokens and so the same HTML, in less time. The rules the options turn off anyway
(raw HTML, linkify) are never on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from releasekit.site.links import REL, TABLE_BOX, TABLE_BOX_END, level, safe_link

if TYPE_CHECKING:  # markdown-it-py is imported when it parses (see _parser): where
    # markdown-it-pyrs renders, most builds never need it (16 ms of imports)
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

try:
    from releasekit.site import markdown_rs as _compiled
except ImportError:  # no wheel of markdown-it-pyrs for this platform or Python
    _compiled = None  # type: ignore[assignment]

BACKEND = "markdown-it-py" if _compiled is None else "markdown-it-pyrs"


# The characters at which an enabled inline rule can start, plus `]` (a link label ends
# there: parseLinkLabel relies on the text rule stopping at it). markdown-it-py stops its
# text rule at more (characters reserved for plugins and linkify); stopping there only to
# find that no rule matches gives the same tokens.
_TERMINATORS = re.compile(r"[\n\\`~*_\[\]!<&]")

# Line shapes that the block rules need (on a physical line, after any container prefix).
# (Each pattern starts with a character class: the regex engine scans for it quickly.)
_ENDS_IN_MARKER = re.compile(r"[-=*_][ \t]*$", re.MULTILINE)  # what both below need
# The last three markers of the line: "(?:[ \t]*\1){2,}" took every run of markers from each of
# its characters, quadratic in a run without a line end ("*" * N + "a": 15 s at 40 KB).
_HR = re.compile(r"([*_-])[ \t]*\1[ \t]*\1[ \t]*$", re.MULTILINE)
_SETEXT = re.compile(r"(?<![^ \t>\n])([=-])\1*[ \t]*$", re.MULTILINE)  # after [ \t>] or ^


@lru_cache(maxsize=4096)
def _normalize_link(url: str) -> str:
    # A pure function of the URL; advisories link to the same pages again and again.
    from markdown_it.common.normalize_url import normalizeLink

    return normalizeLink(url)


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", REL)
    return self.renderToken(tokens, idx, options, env)


def _heading(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The page's title is its <h1> and "Details" an <h2>: the text's top headings are <h3>.
    if "top" not in env:
        env["top"] = min(int(t.tag[1]) for t in tokens if t.type == "heading_open")
    token = tokens[idx]
    token.tag = f"h{level(int(token.tag[1]), env['top'])}"
    return self.renderToken(tokens, idx, options, env)


def _table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Each table in a box that scrolls (links.TABLE_BOX), numbered in the text's order.
    # (right before the tag: after the line end a tight list item's text gets before it)
    env["tables"] = number = env.get("tables", 0) + 1
    html = self.renderToken(tokens, idx, options, env)
    return html.replace("<table", TABLE_BOX.format(n=number) + "<table", 1)


def _table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return self.renderToken(tokens, idx, options, env) + TABLE_BOX_END


# The rules that need one of these strings somewhere in a text (the character the rule starts
# at, or the shape of the line it needs): without any of them, the rule cannot match.
_NEEDS = (
    ("table", ("|",)),  # a header row has a pipe
    ("code", ("    ", "\t")),  # four columns of indentation
    ("fence", ("```", "~~~")),
    ("blockquote", (">",)),
    ("reference", ("]:",)),  # [label]: destination
    ("heading", ("#",)),
    ("escape", ("\\",)),
    ("backticks", ("`",)),
    ("strikethrough", ("~~",)),
    ("emphasis", ("*", "_")),
    ("link", ("[",)),
    ("image", ("![",)),
    ("autolink", ("<",)),
    ("entity", ("&",)),
)


def _unused(text: str) -> frozenset[str]:
    """The rules that cannot match anywhere in ``text``: leaving them out changes nothing.

    Each test is a necessary condition of its rule, on the raw text: the character the rule
    starts at (or, for the block rules, the shape of the line it needs) does not occur.
    """
    if "\r" in text:  # (the line-shape tests see line ends as markdown-it does: CR, CRLF)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    off = [rule for rule, needs in _NEEDS if not any(need in text for need in needs)]
    markers = _ENDS_IN_MARKER.search(text) is not None
    if not markers or _HR.search(text) is None:
        off.append("hr")  # a line that ends in three markers of one kind
    if not markers or _SETEXT.search(text) is None:
        off.append("lheading")  # an underline of = or - alone on its line
    return frozenset(off)


@lru_cache(maxsize=64)
def _parser(unused: frozenset[str] = frozenset()) -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # With html and linkify off these rules never match: out of the loop entirely.
    md.disable(["html_block", "html_inline", "linkify", *sorted(unused)])
    md.inline.terminator_re = _TERMINATORS
    md.validateLink = safe_link  # type: ignore[method-assign]
    md.normalizeLink = _normalize_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def warm() -> None:
    """Build the parser now (before the renderer forks its workers)."""
    _parser()


def to_html(text: str) -> str:
    """Render advisory Markdown to an HTML fragment (safe to insert as-is)."""
    if _compiled is not None:
        html = _compiled.render(text)
        if html is not None:
            return html
    return pure_html(text)


def pure_html(text: str) -> str:
    """What :func:`to_html` gives, always rendered by markdown-it-py (the reference)."""
    html: str = _parser(_unused(text)).render(text)
    return html

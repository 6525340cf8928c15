"""Advisory Markdown -> HTML, treating the text as untrusted.

CommonMark with tables and strikethrough, raw HTML off (tags come out as text), and only
http, https and mailto links (or links without a scheme: relative paths and #fragments).
Links get ``rel="nofollow noopener"``: advisory text comes from outside reporters. Headings
move one level down (the page's title is the only ``<h1>``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def safe_link(url: str) -> bool:
    """True for http(s)/mailto URLs and scheme-less references; False for anything else."""
    cleaned = _CONTROL.sub("", url)
    match = _SCHEME.match(cleaned)
    if match is None:
        return True  # relative, #fragment or protocol-relative (http or https)
    return match.group(1).lower() in SAFE_SCHEMES


def _link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener")
    return self.renderToken(tokens, idx, options, env)


def _heading(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # The page has its own <h1>: the details' headings start one level below it.
    token = tokens[idx]
    token.tag = f"h{min(6, int(token.tag[1]) + 1)}"
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = safe_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("heading_open", _heading)
    md.add_render_rule("heading_close", _heading)
    return md


def warm() -> None:
    """Build the parser now (before the renderer forks its workers)."""
    _parser()


def to_html(text: str) -> str:
    """Render advisory Markdown to an HTML fragment (safe to insert as-is)."""
    html: str = _parser().render(text)
    return html

"""Advisory Markdown -> HTML with markdown-it-pyrs, the compiled port of the same parser.

Used by :mod:`.markdown` where a wheel of markdown-it-pyrs is installed; :func:`render`
gives what the pure-Python path gives for the same text, or None for a text it leaves to that
path. Its API has no hooks for links or the renderer, so the rules of :mod:`.markdown` are
kept like this:

- Parsing starts from the "zero" preset with only CommonMark's own rules, tables and
  strikethrough: no raw HTML rules, so every tag in the text comes out escaped.
- Every ``<`` of its output starts a tag it wrote (text and attribute values are escaped), so
  a post-step on the HTML sets the headings' levels under the page's own, adds ``rel`` to
  each link and puts each table in its box (:data:`.links.TABLE_BOX`, numbered), as the
  pure path's rules do.
- markdown-it-pyrs drops javascript:, vbscript:, file: and data: links, the pure path any
  scheme but http, https and mailto. A text whose output keeps a link or image with another
  scheme, or that defines a reference to one (an unused definition leaves no trace in the
  output), goes to the pure path, which leaves such a link as text.
- The pure path stops nesting blocks 20 levels deep (markdown-it's ``maxNesting``); this
  parser has no such limit and deep enough nesting overflows its stack. A text with a long
  container prefix on a line (quote and list markers, indentation) is not given to it at all,
  and output nested 19 levels or more is replaced by the pure path's.
- Its code span rule panics on a lone run of backticks that a link's text is scanned across
  (``[`a``): such texts go to the pure path, found per line (conservatively), and a panic
  that still happens hands the text over too (Rust prints its message on stderr).
- Its emphasis and strikethrough pairing takes time quadratic in the number of delimiters
  (40,000 ``*a*`` took 4 s) and consecutive reference definitions time quadratic in their
  number: past :data:`MAX_DELIMITERS` and :data:`MAX_DEFINITIONS` the pure path, linear in
  both, renders the text (and past :data:`MAX_IMAGES`, which could nest).

- Smaller differences, each found by comparing the two, and each sending its texts to the
  pure path: whitespace that Python's ``str.strip`` removes at a paragraph's ends and Rust
  keeps (no-break space, ...), NUL; an autolink whose text the pure path shows decoded
  (``%20``, punycode); userinfo and IPv6 hosts (normalised differently); a fence left open at
  a text's end without a final line end; a list or table row after a quote's or table's lines
  (lazy continuation), and an indented line there with a code span across its line break; a
  one-column table (in a quote too); tabs in a table's rows, and in a line's quote markers; a
  code span of three spaces or more and nothing else. Fixed in the post-step: a
  fence right after a tight list item's text (no line end before ``<pre>``) and an empty
  quote (``<blockquote></blockquote>``).

The fallback is exact by construction; on every other text both paths give the same HTML
(tests/unit/site/test_markdown_backends.py compares them on this repository's texts,
generated advisories, 150 real RustSec advisories and documents of every construct). One
difference is known and left: in some texts of random punctuation that mix ``*`` and ``_``
runs markdown-it-pyrs pairs emphasis differently (``_* 1*_*1*``: markdown-it-py makes the
last ``*1*`` emphasis, markdown-it-pyrs leaves it as text); about 1 in 3,000 such texts,
none in the corpora. Both outputs are escaped text and tags of the same safe kinds.
"""

from __future__ import annotations

import html
import re

import markdown_it_pyrs

from releasekit.site.links import REL, TABLE_BOX, TABLE_BOX_END, level, safe_link

VERSION: str = markdown_it_pyrs.__version__  # type: ignore[attr-defined]
RULES = [
    # CommonMark's block and inline rules, without html_block and html_inline.
    "blockquote",
    "code",
    "fence",
    "heading",
    "hr",
    "lheading",
    "list",
    "paragraph",
    "reference",
    "autolink",
    "backticks",
    "emphasis",
    "entity",
    "escape",
    "image",
    "link",
    "newline",
    # The two extensions of the pure path.
    "strikethrough",
    "table",
]
MAX_DELIMITERS = 2000  # `*`, `_` and `~` in a text: about 10 ms of pairing at most
MAX_DEFINITIONS = 200  # occurrences of "]:" (every reference definition has one)
MAX_IMAGES = 200  # an image's text may hold images: each one more level of its stack
MAX_DEPTH = 19  # the pure path stops at 20 open quotes, lists and items
MAX_PREFIX = 200  # container characters at a line's start: far below a stack overflow

_PARSER = markdown_it_pyrs.MarkdownIt("zero").enable_many(RULES)  # type: ignore[arg-type]
_HEADING = re.compile(r"</?h([1-6])>")
# For each top level, each heading tag as the page has it (see _shift).
_SHIFTED = {
    top: {f"<{end}h{n}>": f"<{end}h{level(n, top)}>" for n in range(1, 7) for end in ("", "/")}
    for top in range(1, 7)
}
_URL = re.compile(r'<(?:a href|img src)="([^"]*)"')
_CONTAINER = re.compile(r"<(/?)(?:blockquote|ul|ol|li)[ >]")
_PREFIX = " \t>*+-0123456789.)"  # what a container prefix is made of (see _deep)
# A reference definition's destination: after "]:", blanks, a line end and quote markers (a
# superset of what may come between), then an optional "<"; up to a bracket, which a
# scheme cannot hold.
_DEFINED = re.compile(r"\]:[ \t]*(?:\n[ \t>]*)?<?([^\s<>\[\]]*)")
# Hosts the two normalise differently: userinfo, IPv6 brackets, non-ASCII (punycode).
_ODD_HOST = re.compile(r'="[a-zA-Z][a-zA-Z0-9+.\-]*://[^/"]*[@%]|%5B|%5D')
_TAB_TABLE = re.compile(r"^(?=[^\n]*\t)[^\n]*\|", re.MULTILINE)  # tabs in a table's row
# The delimiter row of a one-column table: the parsers differ on where one may start.
_ONE_COLUMN = re.compile(
    r"^[ \t>]*(?:\|[ \t]*:?-+:?|:?-+:?[ \t]*\||:-+:?|-+:)[ \t]*\|?[ \t]*$"
    r"|^[^\n|]*\|[^\n]*\n[ \t>]*-+[ \t]*$",  # or a row with a pipe over a line of dashes
    re.MULTILINE,
)  # (in a quote too: "> " before either line)
# A code span of spaces alone, three or more: markdown-it-pyrs takes a space from each end
# of it, which CommonMark (and the pure path) keeps for a span of nothing but spaces.
_SPACES_SPAN = re.compile(r"` {3,}`")
# A tab in the quote markers that start a line (``> > > \tx``): the two count its columns
# differently (indented code, or a paragraph).
_QUOTE_TAB = re.compile(r"^[ \t]*>[ >]*\t", re.MULTILINE)
# A list marker on a line that may be a quote's lazy continuation: markdown-it-py lets any
# list start there, this parser only one that could interrupt a paragraph (see _lazy_list).
_LIST_LINE = re.compile(r"[ \t]*(?:[*+-]|\d{1,9}[.)])(?:[ \t]|$)")
_QUOTE_LINE = re.compile(r"[ \t]*>")
# A quote's first line, in list items or not (``- > a``): see _lazy_list, _lazy_indented.
_QUOTE_START = re.compile(r"[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)*>")
_BACKTICKS = re.compile(r"`+")
_FENCE = re.compile(r"[ >*+\-0-9.)]*```[^`]*$")
# An autolink whose shown text the pure path decodes (percent escapes, punycode hosts).
_AUTOLINK_DECODED = re.compile(
    r"<[a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\x00-\x20]*?(?:%|xn--|[^\x00-\x7f])"
)
# Whitespace that Python's str.strip() takes from a paragraph's, heading's or cell's ends
# (markdown-it-py strips them that way) and this parser keeps; and NUL, which markdown-it-py
# replaces before parsing (a link's destination may then hold it).
_ODD_SPACE = re.compile(
    "[\x00\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
_ODD_ASCII = "\x00\x0b\x0c\x1c\x1d\x1e\x1f"  # those of them that are ASCII
# What ends a tight list item's text right before a fenced block, where the pure path (like
# markdown-it) writes no line end: text (never ">": it is escaped), an inline tag or image.
_INLINE_ENDS = ("</em>", "</strong>", "</s>", "</a>", "</code>", "<br />", '" />')


def _shift(out: str) -> str:
    # The headings' levels under the page's own, as the pure path's rule sets them.
    top = min(_HEADING.findall(out), default=None)  # (the digits' order is their values')
    if top is None or top == "3":  # ("<h" of an <hr />; or the levels stay: level(n, 3) is n)
        return out
    tags = _SHIFTED[int(top)]
    return _HEADING.sub(lambda match: tags[match[0]], out)


def _unsafe_definition(text: str) -> bool:
    """True when ``text`` may define a reference to a destination the pure path refuses."""
    for match in _DEFINED.finditer(text):
        destination = html.unescape(match.group(1).replace("\\", ""))
        if not safe_link(destination):
            return True
    return False


def _lone_backticks(text: str) -> bool:
    """True when a run of backticks after a "[" may close no code span (see :func:`render`).

    Paired per line and table cell, where the parser pairs them per paragraph: a run that
    finds no partner there is taken as lone.
    """
    lines = text[text.rfind("\n", 0, text.find("[")) + 1 :].split("\n")
    for segment in (cell for line in lines if "`" in line for cell in line.split("|")):
        if "``" not in segment:  # runs of one backtick (or none): they pair when even
            if segment.count("`") % 2:
                return True
            continue
        if _FENCE.match(segment):
            continue  # (a fence's line is no inline text)
        runs = [len(run) for run in _BACKTICKS.findall(segment)]
        i = 0
        while i < len(runs):
            try:
                i = runs.index(runs[i], i + 1) + 1  # the code span's end, and past it
            except ValueError:
                return True
    return False


def _with_rel(out: str) -> str:
    """``rel`` after each link's other attributes (the first ``>`` after ``<a href="`` ends
    its tag: attribute values are escaped); split and joined, faster than a regex."""
    parts = out.split('<a href="')
    for i, part in enumerate(parts[1:], 1):
        end = part.index(">")
        parts[i] = f'{part[:end]} rel="{REL}"{part[end:]}'
    return '<a href="'.join(parts)


def _boxed(out: str) -> str:
    """Each table in its box, numbered in order (the pure path's table_open and table_close
    rules: the same bytes)."""
    parts = out.split("<table>")
    boxed = [parts[0]]
    for number, part in enumerate(parts[1:], 1):
        boxed.append(f"{TABLE_BOX.format(n=number)}<table>{part}")
    return "".join(boxed).replace("</table>\n", "</table>\n" + TABLE_BOX_END)


def _join_fences(out: str) -> str:
    parts = out.split("\n<pre>")
    for i, part in enumerate(parts[:-1]):
        inline = part[-1:] not in (">", "\n", "") or part.endswith(_INLINE_ENDS)
        parts[i] = part + ("<pre>" if inline else "\n<pre>")
    return "".join(parts)


def _lazy_list(text: str) -> bool:
    """True when a list marker starts a line in a run of lines (no blank one) after a quote's
    or a table's, or a table's row after a quote's: the two parsers differ on whether they
    interrupt it or continue it lazily."""
    quoted = tabled = False
    for line in text.split("\n"):
        if not line.strip():
            quoted = tabled = False
        elif _QUOTE_LINE.match(line):
            quoted = True
        elif ((quoted or tabled) and _LIST_LINE.match(line)) or (quoted and "|" in line):
            return True
        elif _QUOTE_START.match(line):  # a quote in a list item ("- > a"; not after a quote)
            quoted = True
        elif "|" in line:
            tabled = True
    return False


def _lazy_indented(text: str) -> bool:
    """True when an indented line continues a quote's lines lazily (no ``>``): markdown-it-py
    keeps its indentation in a code span that the line break falls in, markdown-it-pyrs
    drops it (``> a `x`` then ``    b` c``: ``x     b`` against ``x b``); a quote in a list
    item too (``- > a `x``)."""
    quoted = False
    for line in text.split("\n"):
        if not line.strip():
            quoted = False
        elif _QUOTE_START.match(line):
            quoted = True
        elif quoted and line[0] in " \t":
            return True
    return False


def _deep(text: str) -> bool:
    """True when a line starts with :data:`MAX_PREFIX` or more container characters."""
    if len(text) < MAX_PREFIX:
        return False
    for line in text.split("\n"):
        if len(line) >= MAX_PREFIX and len(line) - len(line.lstrip(_PREFIX)) >= MAX_PREFIX:
            return True
    return False


def _odd_space(text: str) -> bool:
    """True when ``text`` holds a character of :data:`_ODD_SPACE` (an ASCII text can hold
    only its ASCII ones: each looked for in C, ten times faster than the class)."""
    if text.isascii():
        return any(char in text for char in _ODD_ASCII)
    return _ODD_SPACE.search(text) is not None


def _too_deep(out: str) -> bool:
    found = _CONTAINER.findall(out)  # ("" for an opening tag, "/" for a closing one)
    if found.count("") < MAX_DEPTH:
        return False  # (too few opened to nest that deep: pairing them is not needed)
    depth = 0
    for match in _CONTAINER.finditer(out):
        depth += -1 if match.group(1) else 1
        if depth >= MAX_DEPTH:
            return True
    return False


def render(text: str) -> str | None:
    """``text`` as the pure path renders it, or None: that path must render this text."""
    if "\r" in text:  # (the checks below read lines as LF ends them; markdown-it makes CR
        # and CRLF line ends LF before parsing, as here: the same output)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.count("*") + text.count("_") + text.count("~") > MAX_DELIMITERS:
        return None
    if text.count("![") > MAX_IMAGES:
        return None
    if "]:" in text and (text.count("]:") > MAX_DEFINITIONS or _unsafe_definition(text)):
        return None
    if _deep(text) or _odd_space(text):
        return None
    if (">" in text or "|" in text) and _lazy_list(text):
        return None
    if ">" in text and "`" in text and _lazy_indented(text):
        return None
    if ("|" in text or ":-" in text or "-:" in text) and _ONE_COLUMN.search(text) is not None:
        return None
    if "|" in text and "\t" in text and _TAB_TABLE.search(text) is not None:
        return None
    if "`" in text and _SPACES_SPAN.search(text) is not None:
        return None
    if ">" in text and "\t" in text and _QUOTE_TAB.search(text) is not None:
        return None
    if "<" in text and _AUTOLINK_DECODED.search(text) is not None:
        return None
    if "`" in text and "[" in text and _lone_backticks(text):
        return None
    try:
        out = _PARSER.render(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a Rust panic (pyo3's PanicException is no Exception)
        return None
    if any(not safe_link(html.unescape(url)) for url in _URL.findall(out)):
        return None
    if ("@" in out or "%" in out) and _ODD_HOST.search(out) is not None:
        return None
    if not text.endswith("\n") and "</code></pre>" in out:
        return None  # a fence left open at the end: the pure path ends it without "\n"
    if "<blockquote>\n</blockquote>" in out:
        out = out.replace("<blockquote>\n</blockquote>", "<blockquote></blockquote>")
    if ("<li" in out or "<blockquote" in out) and _too_deep(out):
        return None
    if "\n<pre>" in out:
        out = _join_fences(out)
    if "<h" in out:
        out = _shift(out)
    if "<a " in out:
        out = _with_rel(out)
    if "<table>" in out:
        out = _boxed(out)
    return out

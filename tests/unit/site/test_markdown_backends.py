"""Both Markdown renderers: markdown-it-pyrs (compiled, where a wheel installs) and markdown-it-py.

They give the same HTML on every corpus here, the same safety, and time linear in a text's
size. The compiled one hands some texts to the pure one (markdown_rs.render gives None):
those are listed in its docstring and tested below.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from releasekit.site import links, markdown, mdcache

try:
    from releasekit.site import markdown_rs
except ImportError:  # no wheel here: only the pure path, compared with itself
    markdown_rs = None  # type: ignore[assignment]

from .test_markdown import PIECES, shapes

ROOT = Path(__file__).resolve().parents[3]
compiled = pytest.mark.skipif(markdown_rs is None, reason="markdown-it-pyrs is not installed")
RENDERERS: dict[str, Callable[[str], str]] = {"pure": markdown.pure_html}
if markdown_rs is not None:
    RENDERERS["compiled"] = markdown.to_html


def rustsec() -> dict[str, str]:
    """150 real RustSec advisory bodies (CC0, see tests/fixtures/rustsec/README.md)."""
    text = (ROOT / "tests/fixtures/rustsec/bodies.json").read_text(encoding="utf-8")
    bodies: dict[str, str] = json.loads(text)
    return bodies


def repository() -> dict[str, str]:
    """The advisories of this repository and the Markdown in its docs."""
    paths = [*sorted((ROOT / "advisories").glob("*.md")), *sorted((ROOT / "docs").glob("*.md"))]
    return {p.name: p.read_text(encoding="utf-8") for p in [*paths, ROOT / "README.md"]}


WORDS = [
    "token",
    "session",
    "export",
    "channel",
    "permission",
    "server",
    "request",
    "header",
    "cookie",
    "cache",
]


def generated(count: int = 200) -> dict[str, str]:
    """Bodies shaped like the benchmark's: headings, links, code, lists, a fence."""
    rng = random.Random(16)

    def sentence() -> str:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        extra = rng.choice(["", " See [the guide](https://acme.example/d/1).", " `a_b` **not**."])
        return words.capitalize() + "." + extra

    bodies = {}
    for n in range(count):
        blocks = [
            "## Impact",
            " ".join(sentence() for _ in range(4)),
            "\n".join(f"- {sentence()}" for _ in range(rng.randint(2, 4))),
            "```go\nif !a.Check(ctx) {\n    return nil\n}\n```",
            "### Workarounds",
            "\n".join(f"{i}. {sentence()}" for i in range(1, rng.randint(3, 5))),
            "| a | b |\n|---|:-:|\n| `x` | *y* |" if n % 5 == 0 else "> Quoted *note*.",
        ]
        bodies[f"generated-{n}"] = "\n\n".join(blocks) + "\n"
    return bodies


def documents(count: int = 1500) -> dict[str, str]:
    """Documents made of the constructs (and near misses) of test_markdown.PIECES."""
    rng = random.Random(5)
    out = {}
    for n in range(count):
        pieces = [rng.choice(PIECES) for _ in range(rng.randint(1, 6))]
        joint, space = rng.choice(["\n", "\n\n"]), rng.choice([" ", "  ", "\t", "   "])
        out[f"doc-{n}"] = joint.join(pieces).replace(" ", space)
    return out


CORPORA = {"rustsec": rustsec, "repository": repository, "generated": generated}


@compiled
@pytest.mark.parametrize("corpus", [*CORPORA, "pieces"])
def test_both_renderers_give_the_same_html(corpus: str) -> None:
    texts = documents() if corpus == "pieces" else CORPORA[corpus]()
    handed_over = 0
    bodies = 0  # advisory bodies (the docs, with thousands of `_` in names, may go over)
    for name, text in texts.items():
        assert markdown.to_html(text) == markdown.pure_html(text), name
        if corpus == "repository" and not name.startswith("ACSA-"):
            continue
        bodies += 1
        handed_over += markdown_rs.render(text) is None
    if corpus != "pieces":  # the compiled parser renders almost every real body itself
        assert handed_over <= bodies // 10 + 1, handed_over


HANDED_OVER = {
    "a scheme that only the pure path refuses": "[a](ftp://marker.example/)",
    "an autolink of it": "<irc://marker.example/>",
    "an image of it": "![a](tel:123)",
    "an unused definition of it": "Text.\n\n[r]: ftp://marker.example/\n",
    "a definition after a line end": "[r]:\n  ftp://marker.example/\n",
    "quotes nested 20 deep": ">" * 20 + " deep",
    "lists nested 10 deep": "".join("  " * i + "- a\n" for i in range(10)),
    "a line of 200 container markers": "> " * 100 + "a",
    "a lone backtick after a bracket": "[`",
    "a lone backtick on the next line": "see [the\ncode` here",
    "many emphasis delimiters": "*a* " * 1001,
    "many definitions": "".join(f"[r{i}]: /u{i}\n" for i in range(201)),
    "many images": "![a](b) " * 201,
    "a no-break space at a paragraph's end": "text\u00a0\n",
    "a NUL character (the pure path makes it U+FFFD before parsing)": "[a](\x00b)",
    "an autolink shown decoded": "<https://marker.example/a%20b>",
    "userinfo in a host": "[a](https://@marker.example/)",
    "an IPv6 host": "[a](http://[::1]/)",
    "a fence left open at the end": "```\ncode",
    "a list after a quote, lazily": "> quote\n10) item",
    "a table row after a quote, lazily": "> quote\n| a |\n|---|",
    "a list after a table": "| a |\n|---|\n| b |\n-",
    "a tab in a table's row": "a\t| b\n--|--\nc | d",
    "a one-column table": "| lonely\n---",
}


@compiled
@pytest.mark.parametrize("text", HANDED_OVER.values(), ids=list(HANDED_OVER))
def test_what_the_compiled_parser_would_render_otherwise_goes_to_the_pure_one(
    text: str, capfd: pytest.CaptureFixture[str]
) -> None:
    assert markdown_rs.render(text) is None
    assert markdown.to_html(text) == markdown.pure_html(text)
    assert capfd.readouterr().err == ""  # no panic message from Rust


@compiled
def test_the_quick_checks_find_what_their_patterns_find() -> None:
    # The container prefix and odd space checks are written for speed; each must answer as
    # the plain pattern it stands for, on texts made to sit at their edges.
    deep = re.compile(rf"^[ \t>*+\-0-9.)]{{{markdown_rs.MAX_PREFIX},}}", re.MULTILINE)
    pieces = [" ", "\t", ">", "-", "1.", ")", "a", "\n", "\x0b", "\x1f", "\xa0", "\u3000"]
    chance = random.Random(16)
    for _ in range(3000):
        run = " " * chance.choice([198, 199, 200, 201])
        text = "".join(chance.choice(pieces) for _ in range(chance.choice([5, 120, 260])))
        text = chance.choice([text, f"{text}\n{run}x", f"x{run}", run + text])
        assert markdown_rs._deep(text) == (deep.search(text) is not None), repr(text)
        assert markdown_rs._odd_space(text) == (markdown_rs._ODD_SPACE.search(text) is not None)


@compiled
def test_fixed_up_output_matches() -> None:
    # Headings shifted, rel on links, a fence right after a tight item's text, empty quotes,
    # tables in their boxes.
    for text in (
        "# One\n\n###### Six",
        '[a](https://marker.example/ "t")',
        "- *Run*:\n  ```sh\n  x\n  ```\n",
        "- `a`:\n  ```\n  x\n  ```\n",
        ">\n\nafter",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n\n| c | d |\n|--|--|\n",
        "- x\n  | a | b |\n  |---|---|\n",
        "- x\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n\n  z\n- y\n",
        "> | a | b |\n> |---|---|\n\n1. | a | b |\n   |---|---|\n",
    ):
        assert markdown_rs.render(text) == markdown.pure_html(text), text


@pytest.mark.parametrize("renderer", RENDERERS)
def test_each_table_scrolls_in_a_numbered_box_of_its_own(renderer: str) -> None:
    # A table wider than a phone scrolls inside its box (the stylesheet's .table-wrap), not
    # the page; the box is focusable (scrolled by keyboard) and a region named on its own.
    html = RENDERERS[renderer](
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n- x\n  | c | d |\n  |---|---|\n- y\n\n"
        "> | e | f |\n> |---|---|\n\n| `<table>` | </table> <div> |\n|---|---|\n"
    )
    box = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table {}">\n<table>'
    assert html.count("<table>") == html.count("</table>\n</div>\n") == 4
    assert [html.index(box.format(n)) for n in (1, 2, 3, 4)] == sorted(
        m.start() - len(box.format(n)) + len("<table>")
        for n, m in zip((1, 2, 3, 4), re.finditer("<table>", html), strict=True)
    )
    assert "<div>" not in html and "&lt;table&gt;" in html  # (text stays text)


# Benign markers in every form a dangerous link or tag could take.
HOSTILE = [
    "<script>marker()</script>",
    "<SCRIPT src=//marker.example/x.js></SCRIPT>",
    '<div onclick="marker()">block</div>\n\ntext <span onmouseover="marker()">inline</span>',
    "<!-- comment --> <?php marker ?> <![CDATA[x]]>",
    "[a](javascript:marker())",
    "[a](JaVaScRiPt:marker())",
    "[a](javascript&#58;marker())",
    "[a](&#106;avascript:marker())",
    "[a](java&#x09;script:marker())",
    "[a](<java\tscript:marker()>)",
    "[a](<java\x01script:marker()>)",
    "[a](\x00javascript:marker())",
    "[a](\x00javascript:marker())\n\n\x00",
    "[a](  javascript:marker()  )",
    "[a](data:text/html;base64,bWFya2Vy)",
    "[a](DATA:image/png;base64,bWFya2Vy)",
    "[a](vbscript:marker)",
    "[a](file:///etc/marker)",
    "<javascript:marker()>",
    "<data:text/html,marker>",
    "<vbscript:marker>",
    "![a](javascript:marker())",
    "![a](data:image/svg+xml,marker)",
    "[a][r]\n\n[r]: javascript:marker()",
    "[r]\n\n[r]: <data:text/html,marker>",
    "![a][r]\n\n[r]: vbscript:marker",
    '[a](https://marker.example/" onclick="marker())',
    "[a](https://marker.example/ 'x\" onclick=\"marker()')",
    "`<script>marker()</script>`",
    "```\n<script>marker()</script>\n```",
    "| <div onclick=marker()> | </table></div><script>marker()</script> |\n|---|---|\n| a | b |",
]
TAGS = {"p", "a", "img", "code", "pre", "em", "strong", "s", "ul", "ol", "li", "blockquote"}
TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "br", "hr", "h2", "h3", "h4", "h5", "h6"}
ATTRIBUTES = {"href", "src", "alt", "title", "rel", "class", "start", "style"}
# The one div: a table's box, with these attributes and no other (see links.TABLE_BOX).
BOX = {"class": "table-wrap", "tabindex": "0", "role": "region", "aria-label": "Table 1"}


class _Checked(HTMLParser):
    """Every tag and attribute of a fragment, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            if dict(attrs) != BOX:
                self.problems.append(f"div {attrs}")
            return
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.problems.append(f"attribute {name}")
            # A browser drops whitespace and control characters from a URL's scheme.
            if name in ("href", "src") and not links.safe_link((value or "").strip()):
                self.problems.append(f"{name} {value!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("text", HOSTILE)
def test_no_script_tag_or_unsafe_link_survives(renderer: str, text: str) -> None:
    html = RENDERERS[renderer](text)
    checked = _Checked()
    checked.feed(html)
    checked.close()
    assert checked.problems == [], html
    # (The text of a refused link stays as text: "javascript:" only outside every tag.)
    assert re.search(r"<script|=\"\s*(?:javascript|data|vbscript):", html, re.IGNORECASE) is None


def test_safe_links_keep_their_rel() -> None:
    for render in RENDERERS.values():
        html = render("[a](https://marker.example/) <mailto:m@marker.example> [r](/rel)")
        assert html.count('rel="nofollow noopener"') == 3


# Shapes that were slow (or crashed) in markdown-it-pyrs, beside test_markdown.SHAPES.
COMPILED_SHAPES = {
    "emphasis pairs": lambda n: "*a* " * (n // 4),
    "nested emphasis closed": lambda n: "*a " * (n // 6) + "b" + " c*" * (n // 6),
    "nested strikethrough closed": lambda n: "~~a " * (n // 8) + "b" + " c~~" * (n // 8),
    "definitions in a row": lambda n: "".join(f"[l{i}]: /u{i}\n" for i in range(n // 14)),
    "nested quotes": lambda n: ">" * n + " a",
    "list markers": lambda n: "- " * (n // 2) + "a",
    "nested strong": lambda n: "**" * (n // 4) + "a" + "**" * (n // 4),
    "nested images": lambda n: "![" * (n // 6) + "a" + "](b)" * (n // 6),
    "lone backticks in brackets": lambda n: "[`" * (n // 2),
    "backticks unclosed": lambda n: "a`" * (n // 2),
    "one long line of pipes": lambda n: "|" * n + "\n---",
    "table columns": lambda n: "|" + "a|" * (n // 4) + "\n|" + "-|" * (n // 4) + "\n",
}
ALL_SHAPES: dict[str, Callable[[int], str]] = {
    **{name: (lambda n, name=name: shapes(n)[name]) for name in shapes(1000)},
    **COMPILED_SHAPES,
}


def _seconds(render: Callable[[str], str], text: str) -> float:
    best = float("inf")
    for _ in range(3):  # the best of three: a loaded machine slows a process now and then
        started = time.process_time()
        render(text)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("shape", list(ALL_SHAPES))
def test_time_grows_linearly_with_size(renderer: str, shape: str) -> None:
    render, make = RENDERERS[renderer], ALL_SHAPES[shape]
    render("warm *the* [parser](x)")
    size = 4_000
    if renderer == "compiled" and markdown_rs.render(make(16_000)) is not None:
        size = 16_000  # it renders this shape itself: large enough to tell its slope
    small, large = make(size), make(4 * size)
    timed_small = render
    if renderer == "compiled" and markdown_rs.render(large) is None:
        # The large text goes to the pure path (past a limit): compare like with like, not
        # the compiled parser's time on the small one with the pure path's on the large.
        timed_small = markdown.pure_html
    t_small, t_large = _seconds(timed_small, small), _seconds(render, large)
    # Four times the text: linear takes 4x (5x for some shapes here), quadratic 16x. Below
    # 20 ms the clock's grain and a busy machine dominate: those count as 20 ms.
    assert t_large < 10 * max(t_small, 0.02), f"{t_small:.3f}s -> {t_large:.3f}s"
    assert t_large < 0.2 + len(large) * 0.0001


def test_the_renderer_is_part_of_the_cache_key_and_of_every_page_key() -> None:
    assert mdcache.identity() == mdcache._identity(mdcache.BACKEND)
    assert mdcache._identity("markdown-it-py") != mdcache._identity("markdown-it-pyrs 0.4.0")
    expected = "markdown-it-py" if markdown_rs is None else "markdown-it-pyrs"
    assert expected == markdown.BACKEND
    assert mdcache.BACKEND.startswith(expected)


def test_without_markdown_it_pyrs_markdown_it_py_renders_everything() -> None:
    # As on a platform with no wheel: the import fails, nothing else does.
    code = (
        "import sys; sys.modules['markdown_it_pyrs'] = None\n"
        "from releasekit.site import markdown, mdcache\n"
        "assert markdown.BACKEND == mdcache.BACKEND == 'markdown-it-py'\n"
        "print(markdown.to_html('# T [a](https://marker.example/)'), end='')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == markdown.pure_html("# T [a](https://marker.example/)")

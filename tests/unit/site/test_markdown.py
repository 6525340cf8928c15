"""Advisory Markdown: the tuned parser gives exactly what markdown-it-py gives untuned."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from releasekit.site import markdown

# One piece of every construct the rules handle, and near misses for each of them.
PIECES = [
    "# Heading",
    "## Sub *heading*",
    "###### six",
    "####### seven",
    "#hashtag",
    "Text with *em*, **strong**, _under_ and __double__ and a_snake_case word.",
    "**a*b** *a**b* ***c***",
    "| a | b |\n|---|:-:|\n| 1 | 2 |",
    "a | b\n--|--\n1 | 2",
    "| lonely",
    "> quote\n> more",
    "> lazy\ncontinuation",
    "  > > nested quote",
    ">",
    "---",
    "***",
    "_ _ _",
    "* * *",
    " - - -",
    "a ***",
    "  ***",
    "- item\n- item\n  - nested",
    "1. one\n2) two\n10. ten",
    "+ plus",
    "* star item",
    "- ---",
    "Title\n=====",
    "Sub\n---",
    "Foo\n-",
    "Foo\n  ===",
    "> Foo\n---",
    "a==",
    "==",
    "    indented code",
    "\tcode after a tab",
    "* a\n\n    code or paragraph?",
    "```py\nx < y && z\n```",
    "~~~\ntilde\n~~~",
    "``` unclosed",
    "~~~",
    "[ref]: https://example.org/x 'Title'",
    "[ref]",
    "[Ref][ref] and [ref][]",
    "[x]: <u v>",
    "[l]: /u\n[l]",
    "]:",
    "[link](https://example.org/a?b=1#c) and [rel](/docs/page) and [frag](#top)",
    "[bad](javascript:alert(1)) [data](data:text/html,x) [vb](VBScript:x)",
    "[host](https://Example.ORG:8080/P?Q#F) [at](https://@host/) [v6](http://[::1]/)",
    "[sp](<a b>) [pct](https://e.org/%zz%41) [uni](https://ü.example/ä)",
    "![image](https://example.org/i.png) [![inner](i.png)](https://example.org)",
    "!not an image",
    "<https://auto.link/path> <mailto:a@b.example> <a@b.example>",
    "<b>raw html</b> <div>block</div>",
    "<!-- comment -->",
    "&amp; &copy; &#35; &#x22; &bogus; & alone",
    "\\* not em \\[not link\\] \\\\ \\`",
    "x\\\ny",
    "line  \nbreak",
    "~~strike~~ and ~single~ and ~~~",
    "`code` and ``c`d`` and `unclosed",
    "https://bare.example/url",
    "a_b_c __init__ snake_case_name",
    "<",
    "&",
    "\\",
    "!",
    "",
    " ",
    "\r\nwindows\r\nlines\r\n",
    "nul\x00char",
]


def reference() -> MarkdownIt:
    """markdown-it-py as configured before any tuning: every rule on, default terminators."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = markdown.safe_link  # type: ignore[method-assign]
    md.add_render_rule("link_open", markdown._link_open)
    md.add_render_rule("heading_open", markdown._heading)
    md.add_render_rule("heading_close", markdown._heading)
    md.add_render_rule("table_open", markdown._table_open)
    md.add_render_rule("table_close", markdown._table_close)
    return md


REFERENCE = reference()


@pytest.mark.parametrize("piece", PIECES)
def test_every_construct_renders_as_untuned(piece: str) -> None:
    assert markdown.to_html(piece) == REFERENCE.render(piece)


def test_a_rule_is_left_out_only_when_its_text_is_absent() -> None:
    needs = {
        "table": "a | b\n--|--",
        "code": "    code",
        "fence": "```\nx\n```",
        "blockquote": "> q",
        "hr": "***",
        "reference": "[a]: /b",
        "heading": "# h",
        "lheading": "T\n===",
        "escape": "\\*",
        "backticks": "`c`",
        "strikethrough": "~~s~~",
        "emphasis": "*e*",
        "link": "[l](u)",
        "image": "![i](u)",
        "autolink": "<https://a.b>",
        "entity": "&amp;",
    }
    for rule, text in needs.items():
        assert rule not in markdown._unused(text), rule
        assert rule in markdown._unused("plain words only."), rule


@pytest.mark.parametrize(
    "text", ["x\r-\n", "x\r***\r", "x\r\n***\r\n", "Title\r\n===\r\n", "a\r\r- - -\r"]
)
def test_line_shapes_after_a_carriage_return_render_as_untuned(text: str) -> None:
    # A rule and a heading underlined on lines that end in CR or CRLF (a file saved on
    # Windows): the pure path left them out as if no line had that shape.
    assert markdown.pure_html(text) == REFERENCE.render(text)


@pytest.mark.parametrize(
    "text",
    [
        "> a `x\n    b` c",
        "> a\n> `x\n    b` c",
        "> - a `x\n    b` c",
        "> quote\n> more\n`code` and ``c`d`` and `unclosed\n    indented code\n`unclosed",
        "> a `x\r    b` c",  # (line ends of CR alone, or CRLF)
        "> a `x\r\n    b` c",
        "- > a `x\n    b` c",  # (a quote in a list item)
        "1. > a `x\n     b` c",
        "- - > a `x\n      b` c",
    ],
)
def test_an_indented_lazy_line_in_a_code_span_renders_as_untuned(text: str) -> None:
    # An indented line that continues a quote lazily, inside a code span: markdown-it-pyrs
    # dropped the indentation that markdown-it-py keeps (found by the test below).
    assert markdown.to_html(text) == REFERENCE.render(text)


@pytest.mark.parametrize(
    "text", ["a`    `", "a `   ` b", "> | ba\n> ---", "> > > \tx", "- > | a\n  > -:"]
)
def test_space_spans_quoted_one_column_tables_and_quote_tabs_render_as_untuned(
    text: str,
) -> None:
    # Found by comparing the two paths on random texts: markdown-it-pyrs trimmed a span of
    # spaces alone, missed a one-column table in a quote and counted a tab after quote
    # markers differently.
    assert markdown.to_html(text) == REFERENCE.render(text)


@pytest.mark.parametrize(
    "text",
    [
        "> b\r- ",  # an empty list item after a quote's line
        "> bb\r1. ",
        "> a\r  1. ",
        " > | \r1. ",
        "b\r| ---",  # a one-column table
        "| a\r---",
        "x\r| --- ",
        "> | \r---\r",
    ],
)
def test_lines_that_end_in_cr_take_the_path_lf_takes(text: str) -> None:
    # Each shape sends its text to the pure path when its lines end in LF; markdown-it
    # ends lines at CR and CRLF too (a file saved on Windows, decoded as it is).
    assert markdown.to_html(text) == REFERENCE.render(text)


@pytest.mark.parametrize("text", ["- > x\n    1. ", "1. > x\n     - "])
def test_a_list_item_after_a_quote_in_a_list_item_renders_as_untuned(text: str) -> None:
    # (markdown-it-pyrs continued the quote's paragraph with the empty item's marker)
    assert markdown.to_html(text) == REFERENCE.render(text)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.sampled_from(["\n", "\n\n"]),
    st.sampled_from([" ", "  ", "\t", "   "]),
)
def test_documents_render_as_untuned(pieces: list[str], joint: str, space: str) -> None:
    text = joint.join(pieces).replace(" ", space)
    assert markdown.to_html(text) == REFERENCE.render(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \t\n\r>|-=*_#`~[]()!<&:\\/.ax1", max_size=80))
def test_any_punctuation_renders_as_untuned(text: str) -> None:
    # The pure path (markdown-it-pyrs pairs emphasis differently in some such texts: see
    # markdown_rs).
    assert markdown.pure_html(text) == REFERENCE.render(text)


def test_links_stay_safe() -> None:
    html = markdown.to_html("[ok](https://a.example/x) [no](javascript:alert(1)) <b>x</b>")
    assert '<a href="https://a.example/x" rel="nofollow noopener">ok</a>' in html
    assert "javascript:" not in html.replace("[no](javascript:alert(1))", "")
    assert "&lt;b&gt;x&lt;/b&gt;" in html


SIZE = 32_000  # characters of each shape below


# The known pathological shapes of Markdown parsers, each about size characters long.
def shapes(size: int) -> dict[str, str]:
    return {
        "runs of *": "*" * (size // 2) + "a" + "*" * (size // 2),  # 3.5 s at 20 KB, once
        "runs of _": "_" * (size // 2) + "a" + "_" * (size // 2),
        "runs of * - _ without a line end": ("* " * 100 + "-" * 100 + "_ " * 100 + "a")
        * (size // 1000),
        "nested emphasis": "*a **b " * (size // 7) + "c** d*" * 10,
        "emphasis openers": "*a _b " * (size // 6),
        "nested brackets": "[" * size + "a",
        "brackets closed": "[" * (size // 2) + "a" + "]" * (size // 2),
        "links unclosed": "[a](" * (size // 4),
        "images unclosed": " ![" * (size // 3),
        "nested blockquotes": ">" * size + " a",
        "blockquote lines": "".join("> " * (i % 50) + "a\n" for i in range(size // 50)),
        "nested lists": "".join("  " * (i % 60) + "- a\n" for i in range(size // 64)),
        "list markers": "- " * (size // 2) + "a",
        "backtick runs": "".join("`" * (i % 200) + "a" for i in range(size // 100)),
        "backticks unclosed": "a`" * (size // 2),
        "link reference flood": "".join(f"[l{i}]: /u{i}\n" for i in range(size // 24))
        + "[l1] " * (size // 10),
        "entities": "&amp;" * (size // 5),
        "autolinks unclosed": "<" * size,
        "table rows": "|a|b|\n|-|-|\n" + "|a|b|\n" * (size // 6),
        "setext underline": "a\n" + "=" * size,
    }


SHAPES = shapes(SIZE)


def _seconds(text: str) -> float:
    """CPU seconds of this process (not wall time: other work on a shared machine took the
    cores in turns and made a linear shape look quadratic)."""
    started = time.process_time()
    markdown.to_html(text)
    return time.process_time() - started


@pytest.mark.parametrize("name", list(SHAPES))
def test_pathological_bodies_render_in_time_proportional_to_their_size(name: str) -> None:
    # Linear: well under 0.1 ms a character (the quadratic shapes took 0.5 ms a character at
    # this size, and ever more beyond it). Where a shape takes longer than that here (under
    # the coverage tracer, the pure path's images took 0.1 ms a character; a shared machine
    # may be slower still), twice the text must take at most about twice the time: a
    # quadratic shape takes four times.
    markdown.to_html("warm *the* [parser](x)")
    text = SHAPES[name]
    elapsed = _seconds(text)
    if elapsed < 0.2 + len(text) * 0.0001:
        return
    half = min(_seconds(shapes(SIZE // 2)[name]) for _ in range(2))
    elapsed = min(elapsed, _seconds(text))
    assert elapsed < 3 * half + 0.05, f"{elapsed:.2f}s for {len(text)}, {half:.2f}s for half"

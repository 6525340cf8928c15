"""The Jinja2 environment: attribute lookup on dicts as Jinja2 does it, only faster."""

from __future__ import annotations

from pathlib import Path

import jinja2
import markupsafe
import pytest

from releasekit.support import render
from releasekit.support.errors import TemplateError

TEMPLATE = (
    "{{ d.id }}|{{ d['id'] }}|{{ d.items is defined }}|{{ d.get('id') }}|"
    "{{ d.nested.x }}|{% for k in d.keys() %}{{ k }},{% endfor %}|{{ o.real }}"
)


class Sub(dict):  # type: ignore[type-arg]
    id = "attribute wins"


@pytest.mark.parametrize(
    "value",
    [
        {"id": "A", "nested": {"x": 1}},
        {"id": "A", "nested": {"x": 1}, "items": "key", "keys": "key"},
        Sub(id="key", nested={"x": 2}),
    ],
)
def test_lookups_give_what_plain_jinja2_gives(value: dict[str, object]) -> None:
    ours = render.environment(None).from_string(TEMPLATE)
    plain = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    plain_template = plain.from_string(TEMPLATE)  # (nothing here to escape)
    assert ours.render(d=value, o=3) == plain_template.render(d=value, o=3)


def test_a_missing_key_is_still_an_error() -> None:
    template = render.environment(None).from_string("{{ d.missing }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render(d={"id": "A"})


ESCAPING = """{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}
{% macro wrap() %}<div>{{ caller() }}</div>{% endmacro %}
<p title="{{ s }}">{{ s }}|{{ m }}|{{ n }}|{{ s|upper }}|{{ cell(s) }}|{{ cell(m) }}</p>
{% set block %}<b>{{ s }}</b>{% endset %}{{ block }}|{{ block|length }}
{% call wrap() %}{{ s }}<br>{% endcall %}
{% filter upper %}{{ s }}<i>{% endfilter %}
{% autoescape false %}{{ s }}{% endautoescape %}{% autoescape flag %}{{ s }}{% endautoescape %}
{{ [s, m]|join(",") }}|{{ sub }}|{{ html }}
"""


class Text(str):
    """A str that is not exactly a str (escaped as one by markupsafe)."""


class Html:
    def __html__(self) -> str:
        return "<em>kept</em>"


@pytest.mark.parametrize(
    "value", ["plain", "<a href=\"x\">&'quoted'</a>", "", "\u00e9\u4e2d\U0001f600<", "a" * 5000]
)
@pytest.mark.parametrize("flag", [True, False])
def test_escaped_output_gives_what_plain_jinja2_gives(
    value: str, flag: bool, tmp_path: Path
) -> None:
    (tmp_path / "t.html.j2").write_text(ESCAPING)
    ours = render.environment(tmp_path)
    plain = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(tmp_path)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    context = {
        "s": value,
        "m": markupsafe.Markup("<b>safe</b>"),
        "n": 7,
        "sub": Text(value),
        "html": Html(),
        "flag": flag,
    }
    expected = plain.get_template("t.html.j2").render(context)
    assert ours.get_template("t.html.j2").render(context) == expected


def test_autoescaped_output_goes_through_escape_output(tmp_path: Path) -> None:
    (tmp_path / "t.html.j2").write_text("{{ s }}{% macro m() %}{{ s }}{% endmacro %}")
    (tmp_path / "t.txt.j2").write_text("{{ s }}")
    env = render.environment(tmp_path)
    assert env.loader is not None
    html = env.compile(env.loader.get_source(env, "t.html.j2")[0], "t.html.j2", raw=True)
    text = env.compile(env.loader.get_source(env, "t.txt.j2")[0], "t.txt.j2", raw=True)
    assert html.count("environment.escape_output(") == 2
    assert "escape(" not in html.replace("escape_output(", "")
    assert "escape_output" not in text  # (no autoescape: str() as Jinja2 writes it)
    escape_output = env.escape_output  # type: ignore[attr-defined]
    assert escape_output("<&>\"'") == "&lt;&amp;&gt;&#34;&#39;"


def test_bytecode_of_another_generator_is_not_read(tmp_path: Path) -> None:
    """A cache that Jinja2's own generator wrote (an older releasekit) is not read."""
    folder, cache = tmp_path / "t", tmp_path / "cache"
    folder.mkdir()
    cache.mkdir()
    (folder / "t.html.j2").write_text("{{ s }}")
    plain = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(cache)),
    )
    plain.get_template("t.html.j2")
    assert len(list(cache.iterdir())) == 1
    ours = render.environment(folder)
    ours.bytecode_cache = render.bytecode_cache(cache)
    template = ours.get_template("t.html.j2")
    assert "escape_output" in str(template.root_render_func.__code__.co_names)
    assert len(list(cache.iterdir())) == 2


def test_without_markupsafe_3s_c_function_escape_itself_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert render._output_escape() is not markupsafe.escape
    monkeypatch.delattr(markupsafe, "_escape_inner")  # (markupsafe 2: escape is C)
    assert render._output_escape() is markupsafe.escape


def test_only_what_a_template_ran_into_is_a_template_error(tmp_path: Path) -> None:
    (tmp_path / "t.html.j2").write_text("<p>\n{{ 1 // n }}</p>")
    env = render.environment(tmp_path)
    with pytest.raises(
        TemplateError, match=r"^templates/t.html.j2:2: template: ZeroDivisionError$"
    ):
        render.render(env, "t.html.j2", n=0)
    for raised in (OSError(5, "Input/output error"), MemoryError(), KeyError("x")):
        # Nothing of a template on its way (reading one, releasekit's own code): as it is.
        with pytest.raises(type(raised)), render.template_errors("t.html.j2"):
            raise raised


# Checked with docutils 0.19: each renders as the text itself, with no warning, no link and
# no other construct than the list item it is in ("- " + the result).
@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Link previews follow redirects", "Link previews follow redirects"),
        ("client_id and __init__", "client_id and \\_\\_init\\_\\_"),
        ("Fix `x <javascript:alert(1)>`_", "Fix \\`x <javascript\\:alert(1)>\\`\\_"),
        ("a *b* and |sub| and x__", "a \\*b\\* and \\|sub\\| and x\\_\\_"),
        ("http://example.org and a@b.org", "http\\://example.org and a\\@b.org"),
        ("Time 10:30 and a: b ends with::", "Time 10\\:30 and a: b ends with\\:\\:"),
        ("back\\slash", "back\\\\slash"),
        (".. image:: http://x/y.png", "\\ .. image\\:: http\\://x/y.png"),
        ("1. first", "\\ 1. first"),
        ("iv) roman", "\\ iv) roman"),
        ("- dash", "\\ - dash"),
        (":field: body", "\\ \\:field: body"),
        ("2FA bypass", "2FA bypass"),
    ],
)
def test_text_as_plain_restructuredtext(text: str, written: str) -> None:
    assert render.rst_text(text) == written
    assert render.environment(None).from_string("{{ t | rst }}").render(t=text) == written


# Each renders as the text itself in a list item ("- " + the result), by CommonMark with
# GitHub's strikethrough and tables; and it does not start a bare URL or address that
# GitHub's autolinks would make a link.
@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Link previews follow redirects", "Link previews follow redirects"),
        ("A *b* and `c`", "A \\*b\\* and \\`c\\`"),
        (
            "<i>MARKER</i> and [x](https://a.example)",
            "\\<i>MARKER\\</i> and \\[x\\](https\\://a.example)",
        ),
        ("![i](x.png) and <https://a.example>", "!\\[i\\](x.png) and \\<https\\://a.example>"),
        ("client_id and __init__", "client_id and \\_\\_init\\_\\_"),
        (
            "a@b.example, ~~gone~~ and &amp; &#42; & co",
            "a\\@b.example, \\~\\~gone\\~\\~ and \\&amp; \\&#42; & co",
        ),
        ("Time 10:30 and a: b", "Time 10\\:30 and a: b"),
        ("back\\slash\\", "back\\\\slash\\\\"),
        ("# MARKER", "\\# MARKER"),
        ("> MARKER", "\\> MARKER"),
        ("- MARKER", "\\- MARKER"),
        ("+ MARKER", "\\+ MARKER"),
        ("---", "\\---"),
        ("1. first", "1\\. first"),
        ("12) twelfth", "12\\) twelfth"),
        ("2FA bypass", "2FA bypass"),
    ],
)
def test_text_as_plain_markdown(text: str, written: str) -> None:
    import markdown_it
    from markdown_it.common.utils import escapeHtml

    assert render.markdown_text(text) == written
    assert render.environment(None).from_string("{{ t | markdown }}").render(t=text) == written
    md = markdown_it.MarkdownIt("commonmark").enable(["strikethrough", "table"])
    assert md.render("- " + written) == f"<ul>\n<li>{escapeHtml(text)}</li>\n</ul>\n"


@pytest.mark.parametrize("keep", [0, 5, 12, 20, 40])
def test_a_compiled_template_cut_short_is_compiled_anew(tmp_path: Path, keep: int) -> None:
    """A cache file cut inside the pickle of its checksum (a disk that lost its end): Jinja2
    raised UnpicklingError, and every publish died on it until it was removed."""
    folder, cache = tmp_path / "t", tmp_path / "cache"
    folder.mkdir()
    cache.mkdir()
    (folder / "t.html.j2").write_text("{{ s }}")
    first = render.environment(folder)
    first.bytecode_cache = render.bytecode_cache(cache)
    first.get_template("t.html.j2")
    (kept,) = cache.iterdir()
    kept.write_bytes(kept.read_bytes()[:keep])
    again = render.environment(folder)
    again.bytecode_cache = render.bytecode_cache(cache)
    assert again.get_template("t.html.j2").render(s="<x>") == "&lt;x&gt;"

"""The Jinja2 environment: built-in templates, overridable file by file from the workspace.

Autoescape is on for HTML and XML templates. Advisory text is only ever passed *as data*:
nothing renders a string that came from an advisory as a template.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasekit.support import fsutil, timefmt
from releasekit.support.errors import ReleasekitError, TemplateError

if TYPE_CHECKING:  # imported when an environment is made: `publish` often needs none
    import jinja2


def builtin_templates_dir() -> Path:
    """Where the built-in templates are: inside the wheel, or the source tree's templates/.

    (Found beside this package's files, as importlib.resources would find them for an
    installed package, without loading it: every publish asks.)
    """
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_templates"
    if packaged.is_dir():
        return packaged
    return package.parent / "templates"


def _toml_value(value: Any) -> str:
    """A value as TOML source, e.g. a string with its quotes and escapes."""
    import tomli_w

    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def _iso(value: datetime) -> str:
    return timefmt.toml_utc(value)  # (advisory.md.j2's embargo: never rounded down)


def _ymd(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


# What reStructuredText reads as inline markup in a line of text: emphasis, literals and
# roles (` * |), a reference or target (an underscore not inside a word), a standalone URI
# or an e-mail address (a colon not followed by a space, "::", "@"), and the backslash.
_RST_INLINE = re.compile(r"[\\`*|@]|_(?![^\W_])|(?<![^\W_])_|:(?!\s)")
# A start that makes a line something else: a directive or comment (..), a field, a list
# item or enumerator (1. A) iv) #. - *), a line block (|), a section adornment.
_RST_BLOCK = re.compile(r"\W|\w{1,9}[.)](?:\s|$)")


def rst_text(text: str) -> str:
    """``text`` (one line) as plain reStructuredText: every character that would make it
    markup escaped with a backslash, and a start that would make it a block construct behind
    an escaped space (which renders as nothing). An advisory title renders as itself."""
    escaped = _RST_INLINE.sub(lambda found: "\\" + found.group(), text)
    return "\\ " + escaped if _RST_BLOCK.match(text) else escaped


# What Markdown (CommonMark, and GitHub's and GitLab's autolinks and strikethrough) reads as
# inline markup in a line of text: code spans, emphasis (an underscore not inside a word),
# links and images ([ ]), raw HTML and autolinks (<), an entity (&name; &#1;), ~strike~,
# a bare URL or e-mail address (a colon not followed by a space, "@"), and the backslash.
_MD_INLINE = re.compile(r"[\\`*\[\]<~@]|&(?=[#A-Za-z])|_(?![^\W_])|(?<![^\W_])_|:(?!\s)")
# A start that makes a line something else: a heading, a block quote, a list item or
# enumerator, a thematic break, a table row.
_MD_BLOCK = re.compile(r"[#>+=|-]|\d{1,9}(?=[.)])")


def markdown_text(text: str) -> str:
    """``text`` (one line) as plain Markdown: every character that would make it markup
    escaped with a backslash, and so the mark of a block construct at its start (an
    enumerator's dot). An advisory title renders as itself, also in a list item."""
    escaped = _MD_INLINE.sub(lambda found: "\\" + found.group(), text)
    start = _MD_BLOCK.match(escaped)
    if start is None:
        return escaped
    end = start.end()
    if start.group().isdigit():
        return escaped[:end] + "\\" + escaped[end:]
    return "\\" + escaped


_DICT_ATTRIBUTES = frozenset(dir(dict))

# The compiled templates kept in the bytecode cache: bump when what the code generator below
# writes changes (a cache of another generator's code is not read).
_GENERATED = "releasekit-1"


def _output_escape() -> Callable[[Any], str]:
    """markupsafe's ``escape`` for a value that only goes into a template's output.

    There a plain str does as well as a ``Markup``: the pieces are joined, and a macro's or a
    block's joined output is made a ``Markup`` again. A str is escaped by markupsafe's own C
    function for the characters (the same bytes as ``escape``), without the two Python calls
    that make the ``Markup`` (markupsafe 3): 0.1 us a value against 0.7 us, and a page
    outputs a hundred. Anything else (a ``Markup``, a number, an undefined) goes through
    ``escape`` itself.
    """
    import markupsafe

    escape = markupsafe.escape
    characters = getattr(markupsafe, "_escape_inner", None)
    if characters is None:  # (markupsafe 2: escape is C already)
        return escape

    def escape_output(value: Any) -> str:
        if type(value) is str:
            return characters(value)  # type: ignore[no-any-return]
        return escape(value)

    return escape_output


@cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2
    import jinja2.compiler

    class CodeGenerator(jinja2.compiler.CodeGenerator):
        """Jinja2's code generator, but a value output with autoescape on is escaped by
        ``environment.escape_output`` (see :func:`_output_escape`). Jinja2's own native-types
        generator overrides the same method."""

        def _output_child_pre(
            self,
            node: jinja2.nodes.Expr,
            frame: jinja2.compiler.Frame,
            finalize: jinja2.compiler.CodeGenerator._FinalizeInfo,
        ) -> None:
            if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
                super()._output_child_pre(node, frame, finalize)
                return
            self.write("environment.escape_output(")
            if finalize.src is not None:
                self.write(finalize.src)

    class Environment(jinja2.Environment):
        """Jinja2's environment, with ``a.b`` on a plain dict looked up as a key at once.

        Jinja2 tries the attribute first and, when a dict has none of that name (an
        AttributeError raised and caught), the key: the same value, in a third of the time.
        Output is escaped as :class:`CodeGenerator` says.
        """

        code_generator_class = CodeGenerator
        escape_output = staticmethod(_output_escape())

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return Environment


def bytecode_cache(directory: Path) -> jinja2.BytecodeCache:
    """Compiled templates kept in ``directory``, as far as it can hold them: a cache that
    cannot be written (a full disk, a read-only state directory) costs the next run a
    compile, never this one its result."""
    import jinja2

    class BestEffort(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            # Only from a regular file, opened without blocking: a FIFO there (a plain
            # open waits for a writer that never comes) or anything else is compiled anew.
            path = os.path.join(self.directory, self.pattern % (bucket.key,))
            try:
                data = fsutil.read_regular(path)
            except OSError:
                return
            try:
                bucket.bytecode_from_string(data)
            except Exception:  # a file cut short or damaged inside its checksum's pickle
                # (Jinja2 resets only for a wrong magic, checksum or code): compiled anew
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    return BestEffort(str(directory), f"__{_GENERATED}_%s.cache")


def environment(overrides: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment: ``overrides`` (the workspace's templates/) first, then built-ins."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None and overrides.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.FileSystemLoader(str(builtin_templates_dir())))
    env = _environment_class()(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xml", "html.j2", "xml.j2"),
            default_for_string=False,
            default=False,
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["toml"] = _toml_value
    env.filters["iso"] = _iso
    env.filters["ymd"] = _ymd
    env.filters["rst"] = rst_text
    env.filters["markdown"] = markdown_text
    env.filters["instant"] = timefmt.instant
    env.filters["tojson_compact"] = lambda v: json.dumps(v, sort_keys=True)
    return env


@contextlib.contextmanager
def template_errors(template: str) -> Iterator[None]:
    """Turn a Jinja2 error while compiling or rendering ``template`` into a TemplateError
    (exit 2) naming the template file and line and Jinja2's reason: never the data."""
    import jinja2

    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/{exc.name or template}" + (f":{exc.lineno}" if exc.lineno else "")
        raise TemplateError(f"{where}: template: {exc.message}") from None
    except jinja2.TemplateError as exc:
        reason = exc.message or type(exc).__name__
        raise TemplateError(f"templates/{template}: template: {reason}") from None
    except ReleasekitError:
        raise
    except UnicodeDecodeError:  # (reading it, or a template it extends or includes)
        raise TemplateError(f"templates/{template}: template: is not UTF-8 text") from None
    except Exception as exc:  # raised by what the template does: {{ 1 // 0 }}, recursion
        # Its type and the template's line; not its message, which may quote the data. Only
        # when a template's code ran into it: not an error with no template on its way (an
        # OSError reading one, releasekit's own code), nor one of the machine's (memory).
        found = _template_line(exc)
        if found is None or isinstance(exc, OSError | MemoryError):
            raise
        reason = type(exc).__name__
        if isinstance(exc, RecursionError):
            reason += " (does a template extend, include or call itself?)"
        raise TemplateError(f"{found}: template: {reason}") from None


def _template_line(exc: BaseException) -> str | None:
    """``templates/NAME:LINE`` of the innermost template frame in ``exc``'s traceback
    (Jinja2 rewrites a rendering error's frames to the templates' own lines)."""
    found = None
    trace = exc.__traceback__
    while trace is not None:
        code = trace.tb_frame.f_code
        if code.co_filename.endswith(".j2"):
            found = f"templates/{Path(code.co_filename).name}:{trace.tb_lineno}"
        trace = trace.tb_next
    return found


def render(env: jinja2.Environment, template: str, /, **context: Any) -> str:
    """Render one template by name; a broken template is a TemplateError naming it."""
    with template_errors(template):
        return env.get_template(template).render(**context)

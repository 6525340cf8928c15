"""Hostile input in every text field, through the commands: no traceback, no leak.

Random Unicode, control characters, console markup, HTML, template syntax, TOML breakers,
very long values and size extremes go into every text field of three advisories (released
and disclosed, released with details not yet due, embargoed) and into the configuration's
text values; then `advisory check`, `advisory list`, `publish`, `lint` and `plan --no-fetch`
run on the workspace. Each must exit 0, 1 or 2 without a traceback, print errors as lines of
`releasekit: error: ...` (or check's problem lines), show no raw control or format character,
and never let the embargoed advisory's marker (nor the undisclosed one's details) reach
publish's output or the site.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from releasekit.cli import cli
from tests.helpers.repos import Product, release_product, workspace_config

NOW = "2026-12-20T12:00:00Z"
EMBARGOED = "MARKER-EMBARGOED"  # in every text field of the embargoed advisory
UNDISCLOSED = "MARKER-UNDISCLOSED"  # in the details of the advisory released on 2026-12-10

# Text every field may hold, yet hostile to a terminal, a page, a feed or a template.
TRICKY = [
    "\u202e",  # a bidi override
    "\u2066",
    "\u200b",
    "\ufeff",
    "𝔘𝔫𝔦",
    "İß",
    "[/bold]",
    "[red]x[/red]",
    "[link=https://x.example]y[/link]",
    ":warning:",
    "<img src=x>",
    "Ref<B, T>",
    "&amp; &lt;",
    "<script>",
    "{{ 7 * 7 }}",
    "{% if x %}",
    "\\",
    '"',
    "'''",
    '"""',
    "\t",
    " ",
    "+++",
    "[fixed]",
    "*" * 40,
    "_" * 40,
    "[" * 40,
    ">" * 40,
    "`" * 40,
    "CVE-2026-0001",
]
# Line breaks: for the fields that may span lines (summary, severity_reason, the body).
BREAKS = ["\n", "\u2028", "\n+++\n", "\n\n> quote\n\n- item\n"]
# Text no field may hold (refused at check time, one line naming the field).
BAD = [
    "\n",  # (in a field of one line)
    "\x1b]52;c;Zm9v\x07",  # a clipboard write
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\x9b31m",
    "\x00",
    "\x7f",
    "\x85",
    "\r",
    "\ud800",  # a lone surrogate: not UTF-8 once written
    "\ufffe",
    "\U0010ffff",
]
SAFE_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20)
TIMES = st.sampled_from([1] * 8 + [2, 50, 400, 5000])
TITLE_TIMES = st.sampled_from([1] * 8 + [2, 30])  # (1000 characters at most)


def values(bad: bool, key: str) -> st.SearchStrategy[str | None]:
    """A field's value: None (a valid default) or hostile text, with line breaks where the
    field may span lines, and refused characters (or, in an id-like field, any text) when
    ``bad``."""
    if key in ("cve", "cwe") and not bad:
        return st.none()  # (the default: an id of this advisory)
    pieces = [SAFE_TEXT, st.sampled_from(TRICKY)]
    pieces += [st.sampled_from(BREAKS)] if key in MULTILINE else []
    pieces += [st.sampled_from(BAD)] if bad else []
    parts = st.lists(st.one_of(*pieces), min_size=1, max_size=4)
    text = st.builds(lambda p, n: "".join(p) * n, parts, TIMES if key != "title" else TITLE_TIMES)
    return st.one_of(st.none(), text.map(lambda v: v if v.strip() else f"x{v}"))


RARELY = st.sampled_from([False, False, False, False, True])
FIELDS = ("title", "summary", "component", "reporter", "severity_reason", "cve", "cwe", "body")
MULTILINE = ("summary", "severity_reason", "body")
DEFAULTS = {
    "title": "Export ignores permissions",
    "summary": "One public sentence.",
    "component": "server",
    "reporter": "Jane Doe",
    "severity_reason": "Only admins can reach it.",
    "cve": "CVE-2026-4000{n}",
    "cwe": "CWE-862",
    "body": "## Impact\n\nDetails.\n",
}
COMMANDS = [("advisory", "check"), ("advisory", "list"), ("publish",), ("lint",)]
PLAN = ("plan", "--no-fetch")
# What the terminal must never get raw: C0 (but tab and line feed), DEL, C1, bidi controls,
# zero-width and other format characters, line separators, surrogates.
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ud800-\udfff]"
)


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Product:
    base = tmp_path_factory.mktemp("fuzz")
    return release_product(tmp_path_factory.getbasetemp() / "product-cache", base / "product")


def _toml(key: str, value: str, raw: bool) -> str:
    if raw:  # as typed, unescaped: may break the TOML itself
        return f'{key} = "{value}"'
    try:
        return tomli_w.dumps({key: value}).strip()
    except (TypeError, ValueError):
        return f'{key} = "{value}"'


def _advisory(n: int, fields: dict[str, str | None], raw: bool, marker: str, **extra: str) -> str:
    lines = [f'id = "ACSA-2026-{n:04d}"']
    text = {}
    for key in FIELDS:
        value = fields.get(key)
        value = DEFAULTS[key].format(n=n) if value is None else value
        if marker and key not in ("cve", "cwe"):
            value = f"{marker} {value}"
        text[key] = value
    lines += [_toml(key, text[key], raw) for key in FIELDS if key != "body"]
    lines += [
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"',
        'severity = "high"',
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    return "+++\n" + "\n".join(lines) + "\n+++\n\n" + text["body"]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


def _check_output(command: tuple[str, ...], result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        command,
        repr(result.exception),
    )
    assert result.exit_code in (0, 1, 2), (command, result.exit_code)
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err
    assert RAW.search(out) is None, (command, out[:300])
    assert RAW.search(err) is None, (command, err[:300])
    if result.exit_code != 0:
        lines = [
            line
            for line in err.splitlines()
            if not line.startswith(("publish: ", "releasekit: warning: "))
        ]
        assert lines, (command, err)
        if lines[-1].endswith(" in advisories/"):  # check: a line per problem
            assert command == ("advisory", "check"), err
            assert all(line.startswith("advisories/ACSA-2026-") for line in lines[:-1]), err
        else:
            assert all(line.startswith("releasekit: error: ") for line in lines), (command, err)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), bad=RARELY, raw=RARELY, fuzz_config=RARELY)
def test_hostile_text_never_crashes_or_leaks(
    product: Product, data: st.DataObject, bad: bool, raw: bool, fuzz_config: bool
) -> None:
    def fields() -> dict[str, str | None]:
        return data.draw(st.fixed_dictionaries({k: values(bad, k) for k in FIELDS}))

    public, undisclosed, hidden = fields(), fields(), fields()
    keys = ("name", "vendor", "committer", "words", "allow")
    config = data.draw(st.fixed_dictionaries({k: values(bad, k) for k in keys}))
    with tempfile.TemporaryDirectory(dir=product.root.parent) as where:
        root = Path(where) / "ws"
        text = workspace_config(product.clone)
        if fuzz_config:  # [project] name and vendor, [releases] committer, [lint] lists
            for key in ("name", "vendor"):
                default = {"name": 'name = "Acme Server"', "vendor": 'vendor = "Acme"'}[key]
                if config[key] is not None:
                    text = text.replace(default, _toml(key, config[key] or "", raw), 1)
            if config["committer"] is not None:
                line = _toml("committer", config["committer"], raw)
                text = text.replace("[releases]\n", f"[releases]\n{line}\n", 1)
            lists = {k: [config[k] or "leak"] for k in ("words", "allow")}
            text += "\n" + tomli_w.dumps({"lint": lists})
        _write(root / "releasekit.toml", text)
        fixed = '{ "10.3" = "10.3.2" }'
        released = {"embargo": "2026-10-01T14:00:00Z", "released": "2026-10-01T14:00:07Z"}
        _write(
            root / "advisories" / "ACSA-2026-0001.md",
            _advisory(1, public, raw, "", fixed=fixed, **released),
        )
        recent = {"embargo": "2026-12-10T14:00:00Z", "released": "2026-12-10T14:00:07Z"}
        details = dict(undisclosed)
        for key in ("body", "severity_reason", "reporter", "component"):
            details[key] = f"{UNDISCLOSED} {undisclosed[key] or DEFAULTS[key]}"
        _write(
            root / "advisories" / "ACSA-2026-0002.md",
            _advisory(2, details, raw, "", fixed=fixed, **recent),
        )
        _write(
            root / "advisories" / "ACSA-2026-0003.md",
            _advisory(3, hidden, raw, EMBARGOED, embargo="2027-03-01T14:00:00Z"),
        )
        runner = CliRunner(env={"COLUMNS": "120"})
        with time_machine.travel(NOW, tick=False):
            for command in (*COMMANDS, PLAN):
                result = runner.invoke(cli, ["-C", str(root), *command])
                _check_output(command, result)
                event(f"{' '.join(command)}: exit {result.exit_code}")
                if command == ("publish",):
                    published = result.stdout + result.stderr
                    assert EMBARGOED not in published
                    assert UNDISCLOSED not in published
        site = root / "site"
        if site.exists():
            for path in site.rglob("*"):
                if path.is_file():
                    data = path.read_bytes()
                    assert EMBARGOED.encode() not in data, path
                    assert UNDISCLOSED.encode() not in data, path
                    assert b"ACSA-2026-0003" not in data, path
        shutil.rmtree(root)

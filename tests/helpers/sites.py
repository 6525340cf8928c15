"""Helpers for the site tests: advisories with marker strings in every field, file greps."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..conftest import MINIMAL_CONFIG, Workspace

ORG_UUID = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
CONFIG = MINIMAL_CONFIG + f'\n[cve]\norg_id = "{ORG_UUID}"\nshort_name = "acme"\n'

RELEASED = "2026-10-13T14:00:07Z"  # disclosure date: 2026-11-12
EMBARGO = "2026-10-13T14:00:00Z"
PLACEHOLDER = (
    "Details on the security update will be posted here on {}, "
    "as per our Responsible Disclosure Policy."
)


def markers(n: int) -> dict[str, str]:
    """Benign, unique marker values for every field of advisory ``n``."""
    return {
        "title": f"MARKER-TITLE-{n:04d}",
        "summary": f"MARKER-SUMMARY-{n:04d} happens.",
        "component": f"MARKER-COMPONENT-{n:04d}",
        "reporter": f"MARKER-REPORTER-{n:04d}",
        "severity_reason": f"MARKER-REASON-{n:04d}",
        "body": f"MARKER-BODY-{n:04d}",
        "cve": f"CVE-2099-{90000 + n}",
        "cwe": f"CWE-{1900 + n}",
    }


def marked(
    ws: Workspace,
    n: int,
    *,
    released: str | None = RELEASED,
    embargo: str | None = None,
    fixed: str = '{ "10.4" = "10.4.0", "10.3" = "10.3.3", "9.11" = "9.11.9" }',
    body: str | None = None,
    **extra: str,
) -> Path:
    m = markers(n)
    if embargo is None:  # the usual embargo, or the release when that is earlier
        embargo = min(EMBARGO, released or EMBARGO, key=_instant)
    ident = f"ACSA-2026-{n:04d}"
    lines = [
        f'id = "{ident}"',
        f'title = "{m["title"]}"',
        f'summary = "{m["summary"]}"',
        f'component = "{m["component"]}"',
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"',
        'severity = "high"',
        f'severity_reason = "{m["severity_reason"]}"',
        f'cve = "{m["cve"]}"',
        f'cwe = "{m["cwe"]}"',
        'introduced = "9.8"',
        f'reporter = "{m["reporter"]}"',
        f"embargo = {embargo}",
    ]
    if released:
        lines += [f"released = {released}", f"fixed = {fixed}"]
    lines = [_given(line, extra) for line in lines]  # a field given again replaces it
    lines += [f"{k} = {v}" for k, v in extra.items() if f"{k} = {v}" not in lines]
    text = body if body is not None else f"## Impact\n\n{m['body']} in a paragraph.\n"
    return ws.write(f"advisories/{ident}.md", "+++\n" + "\n".join(lines) + "\n+++\n\n" + text)


def _given(line: str, extra: dict[str, str]) -> str:
    key = line.split(" = ", 1)[0]
    return f"{key} = {extra[key]}" if key in extra else line


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def site_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def grep(root: Path, needle: str) -> list[str]:
    """Every file under ``root`` whose name or bytes contain ``needle``."""
    raw = needle.encode()
    return [rel for rel, data in site_files(root).items() if raw in data or needle in rel]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """``site`` served over HTTP on 127.0.0.1 (its base URL), stopped on leaving."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

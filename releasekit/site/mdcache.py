"""Advisory details rendered by earlier builds, kept in the private state directory.

A full rebuild (new or overriding templates, changed settings, a new releasekit, a site that
was deleted) renders every page again, and parsing the Markdown is most of a page's cost.
The details of an advisory whose text did not change are taken from here instead of being
parsed again: one entry per advisory id, with the digest of the text it was made from, so a
changed text is never served from here. Any change of the Markdown renderer (markdown-it-py's
version or releasekit's markdown module) makes every entry invalid at once.

Details are rendered only once an advisory is disclosed, so only disclosed advisories' details
are ever kept, and each save keeps only the advisories that are disclosed in the build that
saves. The state directory is private (0700); nothing here reaches the site but through a
page, where the details would be anyway.
"""

from __future__ import annotations

import hashlib
import marshal
from functools import lru_cache
from pathlib import Path

from .. import fsutil
from . import markdown

FILE = "site-markdown"
_FORMAT = "1"
_MARSHAL_VERSION = 4

Entries = dict[str, tuple[str, str]]  # advisory id -> (digest of its Markdown, HTML)


@lru_cache(maxsize=1)
def identity() -> str:
    """What the HTML depends on besides the text: the renderer's code and version."""
    import markdown_it

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{_FORMAT}\0{markdown_it.__version__}\0".encode())
    h.update(Path(markdown.__file__).read_bytes())
    return h.hexdigest()


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def load(state_dir: Path) -> Entries:
    """The kept entries; none when there are none, they are damaged or the renderer changed."""
    try:
        made_by, entries = marshal.loads((state_dir / FILE).read_bytes())  # noqa: S302
    except Exception:  # private and trusted, but a cache: damage only costs a render
        return {}
    if made_by != identity() or not isinstance(entries, dict):
        return {}
    return entries


def save(state_dir: Path, entries: Entries) -> None:
    data = marshal.dumps((identity(), entries), _MARSHAL_VERSION)
    fsutil.atomic_write(state_dir / FILE, data, 0o600, durable=False)


def details(kept: Entries | None, ident: str, text: str) -> tuple[str, tuple[str, str] | None]:
    """``text`` as HTML, and the entry to keep when it had to be rendered (None: it was kept,
    or no entries are kept in this build)."""
    if kept is None:
        return markdown.to_html(text), None
    digest = text_digest(text)
    entry = kept.get(ident)
    if entry is not None and entry[0] == digest:
        return entry[1], None
    html = markdown.to_html(text)
    return html, (digest, html)

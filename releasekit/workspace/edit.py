"""Changing one advisory file in place: ``advisory revise``, and the ``cve`` commands'
``cve`` and ``embargo``.

Every change keeps the file's other lines (``model.frontmatter``), is checked by parsing the
new text as ``advisory check`` would (a problem is exit 2 and nothing is written) and is
written atomically, with the file's own mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from releasekit.model.advisory import MAX_TITLE, Advisory, parse_advisory, read_advisory
from releasekit.model.config import Settings
from releasekit.model.entries import Revision, revision_table
from releasekit.model.frontmatter import comment_out, update_front_matter
from releasekit.support import fsutil
from releasekit.support import text as textrule
from releasekit.support.errors import BadInput, Refused
from releasekit.workspace.files import display_path, load_advisories


def find(
    settings: Settings, advisory_id: str, advisories: Sequence[Advisory] | None = None
) -> Advisory:
    """The advisory ``advisory_id`` among ``advisories`` (default: the workspace's, every
    file valid); BadInput if none."""
    for advisory in load_advisories(settings) if advisories is None else advisories:
        if advisory.id == advisory_id:
            return advisory
    shown = display_path(settings, settings.advisories_dir / f"{advisory_id}.md")
    raise BadInput(f"{textrule.visible(str(shown))}: no such advisory")


def rewrite(
    settings: Settings,
    advisory: Advisory,
    updates: Mapping[str, Any],
    *,
    drop: tuple[str, str] | None = None,
    dry: bool = False,
) -> Advisory:
    """Set ``updates`` in the advisory's file (``drop``: a key to comment out, and the
    comment); returns the advisory as now written. ``dry``: check only, write nothing (the
    file's problem is known before an outside step whose result it would record)."""
    path, prefix = advisory.path, settings.project.advisory_prefix
    # The file as it is now: one saved half-edited since it was read (`cve reserve` waits on
    # CVE Services) is one line naming it, as `advisory check` says it, never a traceback.
    read_advisory(path, prefix, display_path(settings, path))
    text = path.read_bytes().decode("utf-8")  # (read_text would make CRLF line ends LF)
    if drop is not None:
        text = comment_out(text, *drop)
    text = update_front_matter(text, updates)
    written = parse_advisory(text, display_path(settings, path), prefix)
    if dry:
        return written
    fsutil.atomic_write(path, text, path.stat().st_mode & 0o777)
    return written


def check_reason(reason: str, option: str = "--reason") -> str:
    """A reason as a public one-line text: what the advisory fields allow (support.text)."""
    value = reason.strip()
    if not value:
        raise BadInput(f"{option}: must not be empty")
    if bad := textrule.refused(value):
        raise BadInput(f"{option}: {bad[1]}")
    if len(value) > MAX_TITLE:
        raise BadInput(f"{option}: must be at most {MAX_TITLE} characters")
    return value


def revise(settings: Settings, advisory_id: str, reason: str, now: datetime) -> Revision:
    """Append ``{date = now, reason}`` to the advisory's ``revisions``.

    Only from the release on (Refused, exit 1, before: until then the file is simply edited,
    and nothing was published to correct). The reason is public at once, on the page.
    """
    text = check_reason(reason)
    advisory = find(settings, advisory_id)
    if advisory.released is None or advisory.released > now:
        raise Refused(
            f"{advisory.id} is not released yet: revisions record corrections after "
            "publication (edit the file until then)"
        )
    revision = Revision(now.replace(microsecond=0), text)
    if advisory.revisions and revision.date < advisory.revisions[-1].date:
        raise Refused(f"{advisory.id}: its latest revision is dated after now (check the clock)")
    rewrite(settings, advisory, {"revisions": revision_table((*advisory.revisions, revision))})
    return revision

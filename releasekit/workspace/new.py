"""``releasekit advisory new``: create an advisory file with the next free id.

Ids are never reused: the highest number ever issued is kept in ``.releasekit/`` (so a deleted
draft's id is not handed out again), and each file is created with O_EXCL.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from releasekit.model import entries
from releasekit.model.advisory import MAX_ID_DIGITS, parse_advisory
from releasekit.model.config import Settings
from releasekit.model.frontmatter import update_front_matter
from releasekit.support import fsutil, render
from releasekit.support.errors import AdvisoryError, NotDone, Problem
from releasekit.workspace.files import (
    Probe,
    check_advisories,
    cross_check,
    display_path,
    state_dir,
)

ISSUED_IDS = "issued-ids.json"


@dataclass(frozen=True)
class NewAdvisory:
    """The values of a new advisory; its field names are also ``advisory new``'s options.

    ``embargo`` None with a ``cve``: the default embargo (see :func:`default_embargo`).
    """

    title: str
    summary: str
    component: str | None = None
    cvss: str | None = None
    cve: str | None = None
    reporter: str | None = None
    embargo: datetime | None = None
    reported: datetime | None = None


def default_embargo(now: datetime, embargo_hours: int) -> datetime:
    """The embargo end when a CVE is reserved: at least ``embargo_hours`` after ``now``, on the
    next full hour (rounding down would shorten the agreed embargo)."""
    ahead = now + timedelta(hours=embargo_hours)
    moment = ahead.replace(minute=0, second=0, microsecond=0)
    return moment + timedelta(hours=1) if moment < ahead else moment


def new_advisory(settings: Settings, now: datetime, fields: NewAdvisory) -> Path:
    """Create ``advisories/ID.md`` with the next free id of ``now``'s year; returns its path."""
    for name in ("embargo", "reported"):
        moment = getattr(fields, name)
        # Compared before anything converts it: 9999-12-31T23:59:59-23:59 has no UTC time.
        if moment is not None and not entries.EARLIEST <= moment < entries.LATEST:
            raise AdvisoryError(
                [Problem("advisory new", None, f"--{name}", "must be from 1970 to 8999")]
            )
    if fields.embargo is None and fields.cve:
        embargo = default_embargo(now, settings.project.embargo_hours)
        fields = dataclasses.replace(fields, embargo=embargo)
    prefix = settings.project.advisory_prefix
    year = now.year
    env = render.environment(settings.templates_dir)

    def text_for(ident: str) -> str:
        text = render.render(env, "advisory.md.j2", id=ident, year=year, **vars(fields))
        if fields.reported is not None:  # (set here: a workspace's own template may not)
            text = update_front_matter(text, {"reported": fields.reported})
        path = settings.advisories_dir / f"{ident}.md"
        parse_advisory(text, display_path(settings, path), prefix)  # valid before written
        return text

    try:
        text_for(f"{prefix}-{year}-0001")  # bad input: fail before anything is created
    except AdvisoryError as exc:
        # No file exists yet (and ...-0001 may be another, valid advisory): a value given on
        # the command line is named by its option, as `--embargo` is.
        options = {f.name for f in dataclasses.fields(NewAdvisory)}  # (same names)
        raise AdvisoryError(
            [
                Problem("advisory new", None, f"--{p.field}", p.message)
                if p.field in options
                else p
                for p in exc.problems
            ]
        ) from None
    with ids_locked(settings):  # (the CVE id checked under it: two runs at once see each other)
        if fields.cve:
            _refuse_a_taken_cve(settings, fields)
        return issue_locked(settings, year, [text_for])[0]


def _refuse_a_taken_cve(settings: Settings, fields: NewAdvisory) -> None:
    """AdvisoryError when another advisory has the CVE id of ``fields``, unless each of them
    names a different component: the cross-check of `advisory check`, with the new one."""
    existing, _ = check_advisories(settings)  # (a file that does not parse is not this run's)
    sharing = [a for a in existing if a.cve == fields.cve]
    probe = Probe("", 0, 0, fields.cve, fields.component, settings.advisories_dir / "new.md")
    for problem in cross_check(settings, [*sharing, probe]):
        if problem.field == "cve" and problem.path == display_path(settings, probe.path):
            raise AdvisoryError([Problem("advisory new", None, "--cve", problem.message)])


@contextmanager
def ids_locked(settings: Settings) -> Iterator[None]:
    """Hold the lock under which ids are issued (:func:`issue_locked`): two runs at once get
    two ids, and what decides whether an advisory may be written at all (a record imported
    already) runs under it too, so that it still holds when the file is written."""
    with _locked(state_dir(settings) / ".ids.lock"):
        yield


def issue_locked(
    settings: Settings, year: int, texts: Sequence[Callable[[str], str]]
) -> list[Path]:
    """Create the advisory files of the next free ids of ``year``, one for each text
    (``text_for(id)``), and record the numbers as issued; all of them or none. The caller
    holds :func:`ids_locked`."""
    issued_path = settings.state_dir / ISSUED_IDS
    stem = f"{settings.project.advisory_prefix}-{year}"
    created: list[Path] = []
    issued = _read_issued(issued_path, display_path(settings, issued_path))
    highest = issued.get(str(year), 0)
    for existing in settings.advisories_dir.glob(f"{stem}-*.md"):
        number = existing.stem.rsplit("-", 1)[-1]
        # Digits 0-9 only: str.isdigit() takes "²" (which int() refuses) and Arabic-Indic
        # digits (which no id has: model.advisory).
        if number.isascii() and number.isdigit():
            highest = max(highest, int(number))
    if highest + len(texts) >= 10**MAX_ID_DIGITS:  # (the next would be refused at its check)
        raise NotDone(f"{stem}: no id left to issue (an id has at most {MAX_ID_DIGITS} digits)")
    # Made only now, when the advisory is written: a run refused before leaves no folder (a
    # folder made empty where the advisories were lost would let publish empty the site).
    settings.advisories_dir.mkdir(parents=True, exist_ok=True)
    try:
        for text_for in texts:
            while True:
                highest += 1
                ident = f"{stem}-{highest:04d}"
                path = settings.advisories_dir / f"{ident}.md"
                if fsutil.create_exclusive(path, text_for(ident), 0o600):
                    created.append(path)
                    break
        issued[str(year)] = highest
        fsutil.atomic_write(issued_path, json.dumps(issued, sort_keys=True) + "\n", 0o600)
    except BaseException:  # not issued after all: no advisory a re-run would add to
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return created


def _read_issued(path: Path, shown: Path) -> dict[str, int]:
    """The highest number issued in each year, as recorded at ``path`` (none yet: empty).
    Anything else is NotDone: never read as nothing, which would hand out an id again."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        issued = json.loads(data)
    except (ValueError, RecursionError):  # (not UTF-8, or a number of over 4300 digits too)
        issued = None
    if not isinstance(issued, dict) or not all(
        type(number) is int and number >= 0 for number in issued.values()
    ):
        raise NotDone(
            f"{shown}: damaged: must map each year to the highest id number issued "
            "(repair it by hand: a lower number would issue an id again)"
        )
    return issued


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing)."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

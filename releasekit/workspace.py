"""Where things live in a workspace, and the operations on its files.

Loads the settings and every advisory; scaffolds new workspaces (``init``) and new advisories
(``advisory new``, next free id, created atomically, never reusing an id).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from releasekit import records
from releasekit.model.advisory import (
    Advisory,
    field_line,
    parse_advisory,
    read_advisory,
    split_front_matter,
)
from releasekit.model.config import CONFIG_NAME, Settings, load_config, parse_config
from releasekit.support import fsutil, render
from releasekit.support.errors import AdvisoryError, Problem, WorkspaceError

ISSUED_IDS = "issued-ids.json"


def open_workspace(root: Path) -> Settings:
    """The settings of the workspace at ``root``."""
    return load_config(root)


def display_path(settings: Settings, path: Path) -> Path:
    """``path`` relative to the workspace when it is inside it (as messages show it)."""
    try:
        return path.resolve().relative_to(settings.root)
    except ValueError:
        return path


def state_dir(settings: Settings) -> Path:
    """The private ``.releasekit/`` directory (created 0700)."""
    return fsutil.private_dir(settings.state_dir)


def advisory_files(settings: Settings) -> list[Path]:
    if not settings.advisories_dir.is_dir():
        return []
    return sorted(p for p in settings.advisories_dir.glob("*.md") if p.is_file())


def check_advisories(settings: Settings) -> tuple[list[Advisory], list[Problem]]:
    """Every advisory that parses, and every problem found in any file (all, not the first)."""
    advisories: list[Advisory] = []
    problems: list[Problem] = []
    prefix = settings.project.advisory_prefix
    for path in advisory_files(settings):
        try:
            advisories.append(read_advisory(path, prefix, display_path(settings, path)))
        except AdvisoryError as exc:
            problems.extend(exc.problems)
    problems.extend(cross_check(settings, advisories))
    return sorted(advisories, key=lambda a: (a.year, a.number)), problems


class Identified(Protocol):
    """What the cross-check needs of an advisory."""

    @property
    def id(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def cve(self) -> str | None: ...


def cross_check(
    settings: Settings,
    advisories: Sequence[Identified],
    path_of: Callable[[Any], Path] = attrgetter("path"),
) -> list[Problem]:
    """Problems between files: two advisories with the same number or the same CVE.

    ``path_of`` gives an advisory's file (by default its ``path``), for the messages only.
    """
    problems: list[Problem] = []
    seen_ids: dict[tuple[int, int], Identified] = {}
    seen_cves: dict[str, Identified] = {}
    for advisory in advisories:
        key = (advisory.year, advisory.number)
        if key in seen_ids:
            other = seen_ids[key].id
            shown = display_path(settings, path_of(advisory))
            problems.append(Problem(shown, 2, "id", f"duplicate id: {other} has the same number"))
        seen_ids.setdefault(key, advisory)
        if advisory.cve:
            if advisory.cve in seen_cves:
                shown = display_path(settings, path_of(advisory))
                # Neither the CVE id nor the other advisory: `publish` (run daily, its log
                # often public) stops on this problem too, and naming a disclosed advisory
                # would tell an embargoed one's CVE id. `grep` finds the other file.
                problems.append(Problem(shown, None, "cve", "another advisory has the same CVE id"))
            seen_cves.setdefault(advisory.cve, advisory)
    return problems


def record_problems(settings: Settings, advisories: Sequence[Advisory]) -> list[Problem]:
    """What the advisories' CVE and OSV records would be refused for on their disclosure
    dates, as problems of the field at fault (see records.check)."""
    problems: list[Problem] = []
    for advisory in advisories:
        found = records.check(settings, advisory)
        if found is None:
            continue
        field, error = found
        line = None
        if field is not None:
            split = split_front_matter(advisory.path.read_text(encoding="utf-8"))
            line = field_line(split[0], field) if split else None
        shown = display_path(settings, advisory.path)
        # Not the record's file name, cve/CVE-ID.json: the CVE id is public only from the
        # disclosure date (and `advisory check` may run in a public CI log).
        problems.append(Problem(shown, line, field, f"not accepted in its records: {error.reason}"))
    return problems


def load_advisories(settings: Settings) -> list[Advisory]:
    """Every advisory, in id order; raises AdvisoryError listing every problem."""
    advisories, problems = check_advisories(settings)
    if problems:
        raise AdvisoryError(problems)
    return advisories


@dataclass(frozen=True)
class Scaffold:
    """What `releasekit init` writes into a new releasekit.toml."""

    name: str = "Example Product"
    vendor: str = "Example"
    prefix: str = "EXSA"
    repository: str = "../product"
    site_url: str = "https://example.org/security"
    upcoming: str = "1.0"
    time_zone: str = "UTC"


GITIGNORE = "# local state and generated output\n.releasekit/\nsite/\n"


def init_workspace(root: Path, scaffold: Scaffold) -> list[Path]:
    """Scaffold a workspace at ``root``; returns what was created. Refuses to overwrite."""
    config_path = root / CONFIG_NAME
    if config_path.exists():
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    text = render.render(render.environment(), "releasekit.toml.j2", **vars(scaffold))
    parse_config(text, root.resolve(), config_path)  # the scaffold must be valid as written
    created: list[Path] = []
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("advisories", "templates", "site"):
        (root / sub).mkdir(exist_ok=True)
        created.append(root / sub)
    for sub in ("patches", ".releasekit"):  # held fixes and local state: private (0700)
        fsutil.private_dir(root / sub)
        created.append(root / sub)
    gitignore = root / ".gitignore"
    if fsutil.create_exclusive(gitignore, GITIGNORE):
        created.append(gitignore)
    if not fsutil.create_exclusive(config_path, text):
        raise WorkspaceError(f"{config_path}: already exists; not overwriting a workspace")
    created.insert(0, config_path)
    return created


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class NewAdvisory:
    title: str
    summary: str
    component: str | None = None
    cvss: str | None = None
    cve: str | None = None
    reporter: str | None = None
    embargo: datetime | None = None


def new_advisory(settings: Settings, now: datetime, fields: NewAdvisory) -> Path:
    """Create ``advisories/ID.md`` with the next free id of ``now``'s year.

    Ids are never reused: the highest number ever issued is kept in ``.releasekit/`` (so a
    deleted draft's id is not handed out again) and the file is created with O_EXCL.
    """
    prefix = settings.project.advisory_prefix
    year = now.year
    env = render.environment(settings.templates_dir)

    def text_for(ident: str) -> str:
        text = render.render(
            env,
            "advisory.md.j2",
            id=ident,
            year=year,
            title=fields.title,
            summary=fields.summary,
            component=fields.component,
            cvss=fields.cvss,
            cve=fields.cve,
            reporter=fields.reporter,
            embargo=fields.embargo,
        )
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
    settings.advisories_dir.mkdir(parents=True, exist_ok=True)
    private = state_dir(settings)
    issued_path = private / ISSUED_IDS
    with _locked(private / ".ids.lock"):
        try:
            issued: dict[str, int] = json.loads(issued_path.read_text())
        except (FileNotFoundError, ValueError):
            issued = {}
        highest = issued.get(str(year), 0)
        for existing in settings.advisories_dir.glob(f"{prefix}-{year}-*.md"):
            number = existing.stem.rsplit("-", 1)[-1]
            if number.isdigit():
                highest = max(highest, int(number))
        while True:
            highest += 1
            ident = f"{prefix}-{year}-{highest:04d}"
            path = settings.advisories_dir / f"{ident}.md"
            if fsutil.create_exclusive(path, text_for(ident), 0o600):
                break
        issued[str(year)] = highest
        try:
            fsutil.atomic_write(issued_path, json.dumps(issued, sort_keys=True) + "\n", 0o600)
        except BaseException:  # not issued after all: no advisory a re-run would add to
            path.unlink(missing_ok=True)
            raise
    return path

"""Where things live in a workspace, and reading its files.

Loads the settings and every advisory, and checks them: each file on its own, the files against
each other, and the records each advisory will have on its disclosure date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from releasekit import records
from releasekit.model.advisory import Advisory, read_advisory
from releasekit.model.config import Settings
from releasekit.model.frontmatter import field_line, split_front_matter
from releasekit.support.errors import AdvisoryError, Problem
from releasekit.workspace.paths import advisory_entries
from releasekit.workspace.paths import display_path as display_path
from releasekit.workspace.paths import open_workspace as open_workspace
from releasekit.workspace.paths import state_dir as state_dir


def advisory_files(settings: Settings) -> list[Path]:
    """The advisory files, ``advisories/*.md``, in name order (none when the folder is not
    there yet). AdvisoryError when ``advisories`` is there but no folder, or names a ``.md``
    that is no regular file (see paths.advisory_entries)."""
    found, problems = _listed(settings)
    if problems:
        raise AdvisoryError(problems)
    return found


def _listed(settings: Settings) -> tuple[list[Path], list[Problem]]:
    """The advisory files (see paths.advisory_entries: none while the folder is not there
    yet), and a problem for each entry that is no advisory file."""
    found, problems = advisory_entries(settings, missing_ok=True)
    return [settings.advisories_dir / name for name in sorted(found)], problems


def check_advisories(settings: Settings) -> tuple[list[Advisory], list[Problem]]:
    """Every advisory that parses, and every problem found in any file (all, not the first)."""
    advisories: list[Advisory] = []
    paths, problems = _listed(settings)
    prefix = settings.project.advisory_prefix
    for path in paths:
        try:
            advisories.append(read_advisory(path, prefix, display_path(settings, path)))
        except AdvisoryError as exc:
            problems.extend(exc.problems)
    problems.extend(cross_check(settings, advisories))
    return sorted(advisories, key=lambda a: (a.year, a.number)), problems


@dataclass(frozen=True)
class Probe:
    """An advisory not written yet (an import's draft, `advisory new`), as
    :func:`cross_check` sees it; ``path``: where it will be."""

    id: str
    year: int
    number: int
    cve: str | None
    component: str | None
    path: Path


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
    @property
    def component(self) -> str | None: ...


def shares_cve(advisories: Sequence[Identified]) -> bool:
    """Whether advisories may have one CVE id: each names a component, all different (one
    CVE across the packages of a product, as real databases have)."""
    components = [a.component for a in advisories]
    return all(components) and len(set(components)) == len(components)


def cross_check(
    settings: Settings,
    advisories: Sequence[Identified],
    path_of: Callable[[Any], Path] = attrgetter("path"),
) -> list[Problem]:
    """Problems between files: two advisories with the same number, or with the same CVE
    id unless each of those names a different component.

    ``path_of`` gives an advisory's file (by default its ``path``), for the messages only.
    """
    problems: list[Problem] = []
    seen_ids: dict[tuple[int, int], Identified] = {}
    seen_cves: dict[str, Identified] = {}
    by_cve: dict[str, list[Identified]] = {}
    for advisory in advisories:
        if advisory.cve:
            by_cve.setdefault(advisory.cve, []).append(advisory)
    for advisory in advisories:
        key = (advisory.year, advisory.number)
        if key in seen_ids:
            other = seen_ids[key].id
            path = path_of(advisory)
            shown = display_path(settings, path)
            message = f"duplicate id: {other} has the same number"
            problems.append(Problem(shown, _line_of(path, "id"), "id", message))
        seen_ids.setdefault(key, advisory)
        if advisory.cve:
            if advisory.cve in seen_cves and not shares_cve(by_cve[advisory.cve]):
                path = path_of(advisory)
                shown = display_path(settings, path)
                # Neither the CVE id nor the other advisory: `publish` (run daily, its log
                # often public) stops on this problem too, and naming a disclosed advisory
                # would tell an embargoed one's CVE id. `grep` finds the other file.
                message = (
                    "another advisory has the same CVE id "
                    "(shared only by advisories of different components)"
                )
                problems.append(Problem(shown, _line_of(path, "cve"), "cve", message))
            seen_cves.setdefault(advisory.cve, advisory)
    return problems


def _line_of(path: Path, field: str) -> int | None:
    """The line of ``field`` in the advisory file at ``path`` (None if it cannot be read)."""
    try:
        split = split_front_matter(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return field_line(split[0], field) if split else None


def record_problems(settings: Settings, advisories: Sequence[Advisory]) -> list[Problem]:
    """What the advisories' CVE and OSV records would be refused for on their disclosure
    dates, as problems of the field at fault (see records.check)."""
    problems: list[Problem] = []
    for advisory in advisories:
        found = records.check(settings, advisory)
        if found is None:
            continue
        field, error = found
        line = _line_of(advisory.path, field) if field is not None else None
        if field == "credits" and line is None:  # the credit written the older way
            line, field = _line_of(advisory.path, "reporter"), "reporter"
        shown = display_path(settings, advisory.path)
        # Not the record's file name, cve/CVE-ID.json: the CVE id is public only from the
        # disclosure date (and `advisory check` may run in a public CI log).
        problems.append(Problem(shown, line, field, f"not accepted in its records: {error.reason}"))
    return problems


def scheme_problem(
    settings: Settings, advisory: Advisory, shown: Path | None = None
) -> Problem | None:
    """The problem of an advisory that names a version the project's version scheme
    (``[releases] version_scheme``) cannot say in its records (see records.scheme_problem),
    or None; ``shown``: the path its messages name (default: the workspace's)."""
    found = records.scheme_problem(settings, advisory)
    if found is None:
        return None
    field, reason = found
    shown = shown or display_path(settings, advisory.path)
    return Problem(shown, _line_of(advisory.path, field), field, reason)


def load_advisories(settings: Settings) -> list[Advisory]:
    """Every advisory, in id order; raises AdvisoryError listing every problem (also a
    version that the project's version scheme cannot say: its records could not be made)."""
    advisories, problems = check_advisories(settings)
    if not problems:
        problems = [p for a in advisories if (p := scheme_problem(settings, a)) is not None]
    if problems:
        raise AdvisoryError(problems)
    return advisories

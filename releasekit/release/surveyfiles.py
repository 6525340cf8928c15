"""The files ``init --repository`` proposes beside the ``[releases]`` table of
:mod:`releasekit.release.survey`:

- **Version files** (:func:`find_bumps`): the files of the newest release's tree with the
  common names of a version file (and a package's ``__init__.py`` two directories down at
  most) that hold its version on one line (or, holding none, its third number in one
  define, Ruby's ``#define RUBY_VERSION_TEENY {micro}``, or its numbers apart, Django's
  ``VERSION = ({major}, {minor}, {micro}, "final", 0)``); live when that line holds each
  supported line's current version on its branch, commented out otherwise; one that holds
  it on several lines (autoconf's ``configure``) is named in a check, with those lines.
- **Changelog** (:func:`find_changelog`): a CHANGES.rst, CHANGELOG.md (...) at the root of
  the newest release's tree, always commented out, with a guess of its marker to check.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from packaging.version import Version

from releasekit.adapters.git import ProductRepo
from releasekit.release.tagfacts import Facts
from releasekit.release.versionfiles import (
    CHANGELOG_FILES,
    NOT_THE_PRODUCT,
    PACKAGE_FILES,
    VERSION_FILES,
    holds,
    marker_guess,
    text_at,
    version_format,
    version_lines,
)
from releasekit.workspace.init import Bump, Changelog

if TYPE_CHECKING:  # (survey imports this module)
    from releasekit.release.survey import Survey


def find_bumps(repo: ProductRepo, facts: Facts, survey: Survey) -> tuple[Bump, ...]:
    """The version files of the newest release's tree, each with the format of its version
    line: live when every supported released line's branch holds that line with its own
    newest version, commented out (and a check said) otherwise."""
    newest = survey.newest
    assert newest is not None
    version = str(newest.version)
    released = {
        name: branch for name, branch in survey.line_branches.items() if name in survey.latest
    }
    found: list[Bump] = []
    paths = repo.files_named(newest.tag.commit, VERSION_FILES, depth=3, skip=NOT_THE_PRODUCT)
    paths += repo.files_named(newest.tag.commit, PACKAGE_FILES, depth=2, skip=NOT_THE_PRODUCT)
    for path in paths:
        text = text_at(repo, newest.tag.commit, path)
        form = version_format(text, version) if text is not None else None
        where = version_lines(text, version) if text is not None and form is None else []
        if len(where) > 1:  # configure: one bump per line, each format found there alone
            shown = ", ".join(map(str, where[:5])) + (", ..." if len(where) > 5 else "")
            survey.checks.append(
                f"[[releases.bump]] {path}: {version} is on {len(where)} lines ({shown}): "
                "name each in a [[releases.bump]] whose format only that line holds"
            )
        if form is None:
            continue
        misfits = [
            name
            for name, branch in sorted(released.items(), key=lambda item: Version(item[0]))
            if not holds(repo, facts.branches.get(branch), path, form, survey.latest[name])
        ]
        found.append(Bump(path, form, live=not misfits))
        if misfits:
            survey.checks.append(
                f"[[releases.bump]] {path} is commented out: it does not say "
                f"{form.replace('{version}', 'VERSION')} on {', '.join(misfits)}"
            )
        else:
            survey.inferred.append(
                f"[[releases.bump]] {path}: {form} ({version} at {newest.tag.name})"
            )
    if not found:
        survey.checks.append(
            f"[[releases.bump]]: no version file holds {version} (VERSION, _version.py, "
            "version.h, package.json...): name the files that carry the version"
        )
    return tuple(found)


def find_changelog(repo: ProductRepo, survey: Survey) -> Changelog | None:
    """The changelog at the root of the newest release's tree, commented out in the table
    with a guess of its marker, and a check said; None when there is none."""
    assert survey.newest is not None
    for path in CHANGELOG_FILES:
        text = text_at(repo, survey.newest.tag.commit, path)
        if text is None:
            continue
        marker = marker_guess(text)
        guess = f" (a guess: {json.dumps(marker, ensure_ascii=False)})" if marker else ""
        survey.checks.append(
            f"[releases.changelog] {path} is commented out: set marker, the line each "
            f"release's entry goes after{guess}, then uncomment it"
        )
        return Changelog(path, marker)
    return None

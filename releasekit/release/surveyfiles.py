"""The files ``init --repository`` proposes beside the ``[releases]`` table of
:mod:`releasekit.release.survey`:

- **Version files** (:func:`find_bumps`): the files of the newest release's tree with the
  common names of a version file or a C header's ending, ``*_version.h`` (and a package's
  ``__init__.py`` two directories down at most) that hold its version on one line (or,
  holding none, its third number in one define, Ruby's
  ``#define RUBY_VERSION_TEENY {micro}``, or its numbers apart, Django's
  ``VERSION = ({major}, {minor}, {micro}, "final", 0)``), or glued to the word of the tag
  as the tag writes it (Go's ``go1.23.4``: ``go{version}``, with the ``time`` line after
  it that says when, ``time {date:%Y-%m-%dT%H:%M:%SZ}``); in a C header, each define that
  says it (:mod:`releasekit.release.versiondefines`: nginx's ``NGINX_VERSION`` and
  ``nginx_version``), one bump each; live when that line holds each supported line's
  current version (or the next) on its branch, commented out otherwise; one that holds
  it on several lines (autoconf's ``configure``) is named in a check, with those lines.
  Beside those of a header, each flag its lines' releases set to 1 and their branches
  say 0 in after them (Node's ``NODE_VERSION_IS_RELEASE``), with that ``development``.
- **The development branch's line** (:func:`line_from_files`): when the upcoming line is
  in its pre-releases on its own branch, the line after it, if a line file says so there
  (Go's master: ``const Version = 25`` in ``goversion.go``, 24 on release-branch.go1.24);
  and the line a version header says there in defines of its numbers
  (:func:`line_from_header`: Node's main ``NODE_MAJOR_VERSION 24``, CPython's main
  ``PY_MINOR_VERSION 15`` at ``PY_RELEASE_LEVEL_ALPHA``), for a guessed upcoming line too.
- **Tagged off the branch** (:func:`off_branch`): ``release_off_branch`` when the releases
  are on no branch and the branches say their next version in development (PHP's).
- **Changelog** (:func:`find_changelog`): a CHANGES.rst, CHANGELOG.md (...) at the root of
  the newest release's tree, always commented out, with a guess of its marker to check.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from packaging.version import Version

from releasekit.adapters.git import ProductRepo
from releasekit.model.checks import bump_format, fill, line_key
from releasekit.release.lines import next_patch
from releasekit.release.tagfacts import Facts
from releasekit.release.versiondefines import header_line, set_flags, suffix_line
from releasekit.release.versionfiles import (
    CHANGELOG_FILES,
    LINE_CHANGELOG_FILES,
    LINE_FILES,
    NOT_THE_PRODUCT,
    PACKAGE_FILES,
    VERSION_ENDINGS,
    VERSION_FILES,
    glued_word,
    holds,
    marker_guess,
    read_version,
    text_at,
    version_formats,
    version_lines,
    version_token,
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
    found: list[Bump] = []
    glued = glued_word(survey.table.tag)
    paths = repo.files_named(
        newest.tag.commit, VERSION_FILES, depth=3, skip=NOT_THE_PRODUCT, endings=VERSION_ENDINGS
    )
    paths += repo.files_named(newest.tag.commit, PACKAGE_FILES, depth=2, skip=NOT_THE_PRODUCT)
    for path in paths:
        text = text_at(repo, newest.tag.commit, path)
        forms = version_formats(text, version, glued, path) if text is not None else []
        where = version_lines(text, version) if text is not None and not forms else []
        if len(where) > 1:  # configure: one bump per line, each format found there alone
            shown = ", ".join(map(str, where[:5])) + (", ..." if len(where) > 5 else "")
            survey.checks.append(
                f"[[releases.bump]] {path}: {version} is on {len(where)} lines ({shown}): "
                "name each in a [[releases.bump]] whose format only that line holds"
            )
        for form in forms:
            assert text is not None
            found.append(_bump(repo, facts, survey, path, form, text))
        if forms and path.endswith(".h"):
            assert text is not None
            found += _flags(repo, facts, survey, path, text)
    if not found:
        survey.checks.append(
            f"[[releases.bump]]: no version file holds {version} (VERSION, _version.py, "
            "version.h, package.json...): name the files that carry the version"
        )
    return tuple(found)


def _bump(repo: ProductRepo, facts: Facts, survey: Survey, path: str, form: str, text: str) -> Bump:
    """The bump of ``form`` in the file at ``path`` (``text`` at the newest release): live
    when each released line's branch says its newest release in it, or the next version
    already (nginx's master after "Version bump.", Node's ``NODE_PATCH_VERSION`` after
    "Working on"), or the next in the development state found; what init says appended."""
    newest = survey.newest
    assert newest is not None
    version, glued = str(newest.version), glued_word(survey.table.tag)
    released = {
        name: branch for name, branch in survey.line_branches.items() if name in survey.latest
    }
    fits = {
        name: any(
            holds(repo, facts.branches.get(branch), path, form, said, glued)
            for said in (latest, Version(next_patch(latest, survey.table.line_parts)))
        )
        for name, branch in sorted(released.items(), key=lambda item: Version(item[0]))
        for latest in (survey.latest[name],)
    }
    development = _development(repo, facts, path, form, released, fits, survey)
    misfits = [name for name, fit in fits.items() if not fit and name not in development[1]]
    if development[0]:  # PHP's PHP_EXTRA_VERSION "-dev" before PHP_VERSION "8.3.15-dev"
        example = facts.branches.get(released[max(development[1], key=Version)])
        branch_text = text_at(repo, example, path) if example is not None else None
        if branch_text is not None:
            form, state = suffix_line(text, branch_text, form, development[0])
            development = (state, development[1])
    bump = Bump(path, form, development=development[0], live=not misfits)
    said = _spelt(form) + (f" (or {_spelt(development[0])})" if development[0] else "")
    if misfits:
        survey.checks.append(
            f"[[releases.bump]] {path} is commented out: it does not say "
            f"{said} on {', '.join(misfits)}"
        )
    else:
        survey.inferred.append(
            f"[[releases.bump]] {path}: {form.replace(chr(10), ' / ')} "
            f"({version} at {newest.tag.name}; / between lines)"
            if "\n" in form
            else f"[[releases.bump]] {path}: {form} ({version} at {newest.tag.name})"
        )
    if development[0]:
        example_line = max(development[1], key=Version)  # the newest line that says so
        following = next_patch(survey.latest[example_line], survey.table.line_parts)
        survey.inferred.append(
            f"[[releases.bump]] {path}: between releases "
            f"{development[0].replace(chr(10), ' / ')} (development), "
            f"as {released[example_line]} says {following}"
        )
    return bump


def _flags(repo: ProductRepo, facts: Facts, survey: Survey, path: str, text: str) -> list[Bump]:
    """The flags of the version header at ``path`` (``text`` at the newest release) that
    a release sets: each define set to 1 there that released lines' branches say 0 in
    while their newest releases said 1 (Node's ``NODE_VERSION_IS_RELEASE``: "Working on
    v20.18.2" sets it back to 0), a bump with that ``development`` state; none where a
    release said 0 (a feature an older line lacks) or no branch says 0 (Node's LTS flag).
    Live when each branch says 0 or 1, commented out (and a check said) otherwise."""
    newest = survey.newest
    assert newest is not None
    branches = {
        name: branch for name, branch in survey.line_branches.items() if name in survey.latest
    }

    def lines_at(commit: str | None) -> list[str]:
        said = text_at(repo, commit, path) if commit is not None else None
        return [line.strip() for line in said.splitlines()] if said is not None else []

    tips = {name: lines_at(facts.branches.get(branch)) for name, branch in branches.items()}
    found = []
    for flag, unset in set_flags(text):
        between = [name for name, lines in tips.items() if unset in lines]
        released = {name: lines_at(survey.released_at[name]) for name in between}
        if not between or any(flag not in lines for lines in released.values()):
            continue
        misfits = [name for name, lines in tips.items() if flag not in lines and unset not in lines]
        found.append(Bump(path, flag, development=unset, live=not misfits))
        if misfits:
            survey.checks.append(
                f"[[releases.bump]] {path} is commented out: it says neither {flag} nor "
                f"{unset} on {', '.join(misfits)}"
            )
            continue
        on = ", ".join(branches[name] for name in between)
        survey.inferred.append(
            f"[[releases.bump]] {path}: {flag} (at {newest.tag.name}), a flag the release "
            f"commit sets: {unset} between releases (on {on})"
        )
    return found


def upcoming_from_bumps(repo: ProductRepo, facts: Facts, survey: Survey) -> None:
    """A guessed upcoming line made sure of: the line the live version files on its branch
    say (Django's main, ``(6, 0, 0, "alpha", 0)``, after 5.2: 6.0, not the guess 5.3), when
    one of them says one after the newest release's, before the major after the next; the
    table and what init says changed."""
    branch, table, newest = survey.guess, survey.table, survey.newest
    if branch is None or newest is None:
        return
    tip = facts.branches[branch]
    for bump in (each for each in table.bumps if each.live):
        text = text_at(repo, tip, bump.path)
        forms = (bump.development, bump.format) if bump.development else (bump.format,)
        said = [read_version(text, form) for form in forms] if text is not None else []
        version = next((each for each in said if each is not None), None)
        if version is None:
            continue
        line = line_key(version, table.line_parts)
        if _ahead(survey, line, newest.line):
            _guess_made_sure(survey, line, f"{branch}'s {bump.path} says {version}")
            return


def _ahead(survey: Survey, line: str, after: str) -> bool:
    """Whether ``line`` is after the line ``after``, and not past the major after the newest
    release's (Redis's unstable says 255.255.255, a placeholder)."""
    assert survey.newest is not None
    major = int(line.partition(".")[0])
    return Version(line) > Version(after) and major <= survey.newest.version.major + 1


def _guess_made_sure(survey: Survey, line: str, why: str) -> None:
    """The guessed upcoming line is ``line`` (``why``: what says so): the table, the line's
    branch and what init says changed, the check of the guess gone."""
    table, old = survey.table, survey.table.upcoming
    branches = {(line if name == old else name): on for name, on in table.branches.items()}
    survey.table = dataclasses.replace(table, upcoming=line, branches=branches)
    survey.line_branches = {
        (line if name == old else name): on for name, on in survey.line_branches.items()
    }
    was = "" if line == old else f" (not the guess {old})"
    for number, said_line in enumerate(survey.inferred):
        if said_line.startswith(f'upcoming = "{old}":'):
            survey.inferred[number] = f'upcoming = "{line}": {why}{was}'
    survey.checks[:] = [
        each for each in survey.checks if not each.startswith(f'upcoming = "{old}" is a guess')
    ]
    survey.guess = None


def line_from_files(repo: ProductRepo, facts: Facts, survey: Survey) -> None:
    """The line of the development branch when the upcoming one is in its pre-releases on
    a branch of its own (``survey.beside``: Go's release-branch.go1.24 at go1.24rc3, master
    with no tag): the line after it, when a line file (:data:`LINE_FILES`) says its last
    number on the development branch, as it says each line's on that line's branch, on
    the same line (Go's ``const Version = 25`` on master, 24 and 23 on the branches of
    1.24 and 1.23). Then ``upcoming``, ``prerelease`` and ``branches`` so, and what init
    says changed; else all left as it is (a check says what to set)."""
    if survey.beside is None:
        return
    development, after = survey.beside[:2]
    tips = {name: facts.branches.get(branch) for name, branch in survey.line_branches.items()}
    for path in LINE_FILES:
        forms = set()
        for name, tip in tips.items():
            text = text_at(repo, tip, path) if tip is not None else None
            last = name.rpartition(".")[2]
            said = [n for n in (text or "").splitlines() if version_token(last).search(n)]
            if len(said) != 1 or len(version_token(last).findall(said[0])) != 1:
                break
            forms.add(version_token(last).sub("{}", said[0].strip()))
        else:
            on = text_at(repo, facts.branches[development], path) if len(tips) > 1 else None
            if len(forms) != 1 or on is None:
                continue
            head, _, tail = forms.pop().partition("{}")
            pattern = re.compile(rf"\s*{re.escape(head)}([0-9]+){re.escape(tail)}\s*")
            found = [m[1] for m in map(pattern.fullmatch, on.splitlines()) if m is not None]
            if found == [after.rpartition(".")[2]]:
                _development_line(survey, path, found[0])
                return


def line_from_header(repo: ProductRepo, facts: Facts, survey: Survey) -> None:
    """The development branch's line as its version header says it in defines of the
    line's numbers (:func:`~releasekit.release.versiondefines.header_line`: Node's main,
    ``NODE_MAJOR_VERSION 24``; CPython's main, ``PY_MAJOR_VERSION 3``, ``PY_MINOR_VERSION
    15`` at ``PY_RELEASE_LEVEL_ALPHA``), when those defines said the newest release's line
    at its tag, and it says a line in development there newer than every release: the
    guessed upcoming line made sure of (or, when a pre-release on that branch named it,
    CPython's main at v3.15.0a2, said to be no guess); or, beside a line in its
    pre-releases on its own branch, the one it names, that line a ``prerelease`` one (as
    Go's goversion.go tells, :func:`line_from_files`). Else all left as it is (the guess,
    or a check, stays)."""
    newest, parts, upcoming = survey.newest, survey.table.line_parts, survey.table.upcoming
    guess = f'upcoming = "{upcoming}" is a guess'
    # A pre-release's line (CPython's main at v3.15.0a2) is a guess too, not to be replaced.
    tagged = survey.guess is None and any(each.startswith(guess) for each in survey.checks)
    branch = survey.guess or (survey.beside[0] if survey.beside is not None else None)
    branch = branch or (survey.line_branches.get(upcoming) if tagged else None)
    if newest is None or not branch:
        return
    for path in dict.fromkeys(bump.path for bump in survey.table.bumps):
        released = text_at(repo, newest.tag.commit, path) if path.endswith(".h") else None
        said = header_line(released, parts) if released is not None else None
        text = text_at(repo, facts.branches[branch], path) if said is not None else None
        if said is None or said[0] != newest.line or text is None:
            continue
        found = header_line(text, parts)
        flags = [bump.format for bump in survey.table.bumps if bump.development]
        if (
            found is None
            or found[2] == "final"
            or set(flags) & {*map(str.strip, text.splitlines())}
        ):
            continue  # no line, or a release's file (a flag set, as the release commit sets it)
        line, defines, level = found
        shown = f"{defines}{f', {level}' if level else ''}"
        if survey.guess is not None and _ahead(survey, line, newest.line):
            _guess_made_sure(survey, line, f"{branch}'s {path} says {shown}")
            return
        if tagged and line == upcoming:  # the pre-release's line: no guess now
            for number, each in enumerate(survey.inferred):
                if each.startswith(f'upcoming = "{line}":'):
                    survey.inferred[number] = f"{each}, and its {path} says {shown}"
            survey.checks[:] = [each for each in survey.checks if not each.startswith(guess)]
            return
        if survey.beside is not None and _ahead(survey, line, survey.beside[2]):
            _development_line(survey, path, shown, line)
            return


def _development_line(survey: Survey, path: str, number: str, named: str | None = None) -> None:
    """Make the development branch's line upcoming and the one in its pre-releases a
    ``prerelease`` line, as the line file at ``path`` says ``number`` there (``named``: the
    line it says, when not the one after the other)."""
    assert survey.beside is not None
    development, after, line, pre_release = survey.beside
    after = named or after
    table = survey.table
    branch = survey.line_branches[line]
    branches = dict(table.branches)
    if development != fill(table.branch, after):
        branches[after] = development
    survey.table = dataclasses.replace(
        table, upcoming=after, prerelease=(*table.prerelease, line), branches=branches
    )
    survey.line_branches[after] = development
    survey.checks[:] = [
        each for each in survey.checks if not each.startswith(f"upcoming: {branch} carries ")
    ]
    said = [
        f'upcoming = "{after}": {development}\'s {path} says {number}, the line after {line}',
        f'prerelease = ["{line}"]: {branch} carries {pre_release} and no release of {line}',
    ]
    if after in branches:
        said.append(
            f'branches: "{after}" = "{development}" (the pattern names no branch of {after})'
        )
    at = next(
        (n for n, each in enumerate(survey.inferred) if each.startswith(f'upcoming = "{line}":')),
        len(survey.inferred),
    )
    survey.inferred[at : at + 1] = said
    survey.beside = None


def _spelt(form: str) -> str:
    """``form`` as a check shows it: its placeholders in capitals (``VERSION``, ``MAJOR``),
    the lines of a format of several with `` / `` between them (a line break would show
    as an escape)."""
    for name in ("version", "major", "minor", "micro"):
        form = form.replace("{" + name + "}", name.upper())
    return form.replace("\n", " / ")


def _development(
    repo: ProductRepo,
    facts: Facts,
    path: str,
    form: str,
    released: Mapping[str, str],
    fits: Mapping[str, bool],
    survey: Survey,
) -> tuple[str, frozenset[str]]:
    """The state a project's file is in between releases (Django's post-release bump to
    the next version's ``"alpha"``): the format in which the most branches that do not say
    their newest release in ``form`` say their next version, and those lines; ("", none)
    when none does."""
    states: dict[str, set[str]] = {}
    for name, fit in fits.items():
        tip = facts.branches.get(released[name])
        text = text_at(repo, tip, path) if tip is not None and not fit else None
        following = next_patch(survey.latest[name], survey.table.line_parts)
        found = version_formats(text, following, path=path) if text is not None else []
        # The same line in another state: what it says before its first placeholder alike.
        same = [each for each in found if each.partition("{")[0] == form.partition("{")[0]]
        state = same[0] if same else None
        if state is not None and state != form and not bump_format(state):
            states.setdefault(state, set()).add(name)
    if not states:
        return "", frozenset()
    state = max(states, key=lambda each: (len(states[each]), each))
    return state, frozenset(states[state])


def find_changelog(repo: ProductRepo, survey: Survey) -> Changelog | None:
    """The changelog at the root of the newest release's tree (or its line's, Kubernetes'
    ``CHANGELOG/CHANGELOG-{line}.md``), commented out in the table with a guess of its
    marker, and a check said; None when there is none."""
    assert survey.newest is not None
    newest = survey.newest.line
    for path in (*CHANGELOG_FILES, *LINE_CHANGELOG_FILES):
        text = text_at(repo, survey.newest.tag.commit, fill(path, newest))
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


def off_branch(survey: Survey) -> None:
    """Propose ``release_off_branch`` when no branch holds a line's newest release
    (``tags_off_branch``) and every live bump file has a development form the branches
    say (or writes the version's numbers alone): PHP's ``8.3.15-dev`` on PHP-8.3 while
    php-8.3.14 is on no branch. The lift then
    tags each release on no branch and moves the branch on to the next development
    version, as the project does."""
    live = [bump for bump in survey.table.bumps if bump.live]
    # A bump of the version's numbers alone (PHP_VERSION_ID 80316) has no development form:
    # live, the branches say the next version in it already.
    moved = [bump for bump in live if bump.development or "{version}" not in bump.format]
    if not (survey.table.tags_off_branch and moved == live and any(b.development for b in live)):
        return
    survey.table = dataclasses.replace(survey.table, release_off_branch=True)
    paths = ", ".join(dict.fromkeys(bump.path for bump in live))
    survey.inferred.append(
        f"release_off_branch = true: the branches say their next version in development "
        f"({paths}), only the tags a release: the lift tags each release on no branch"
    )

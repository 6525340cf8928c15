"""``init --repository``: the ``[releases]`` table that fits a product clone, inferred from its
branches and tags as they are (nothing is fetched or written).

- **Tag spellings**: a tag is a version when it is a version (``2.0.6``, ``7.4-rc2``; with
  underscores for dots, ``{version:_}``: curl's ``curl-8_6_0``) after an optional word prefix
  (``v``, ``release-``, ``redis-``) that names no pre-release (``rc-``). ``tag`` is the
  spelling of the newest release, unless it is a lone odd one among the five newest; every
  other spelling seen goes in ``read_tags``, but the one that glues a word to the version
  of that one (Mozilla's ``FIREFOX_{version:_}esr_RELEASE``), which is ``esr_tag``. A
  spelling of another product's tags (wolfSSL's ``tiny-curl-8_4_0`` in curl's clone), and its
  branches, are left out (:func:`~releasekit.release.tagfacts.foreign_spellings`).
- **Branch pattern**: a branch names a line when it holds ``MAJOR.MINOR`` once (``1.26.x``,
  ``release-10.3``, ``7.2``; Rails' ``7-1-stable``, as ``{line:-}``), or a line of a major
  version when it holds ``MAJOR.x`` once (undici's ``v7.x``, Express's ``4.x``) or its only
  number between underscores (PostgreSQL's ``REL_16_STABLE``; ``REL9_6_STABLE`` is line
  9.6, as ``{line:_}``, and so is Ruby's ``ruby_3_3`` 3.3; Mozilla's ``esr128`` is 128);
  ``branch`` is the pattern that names the most lines that have releases (or come after
  them). Lines are major versions (``line_parts = 1``: line 7 holds 7.x.y) when such
  branches name more of those lines than ``MAJOR.MINOR`` ones do. A line whose branch
  only another pattern names goes in ``branches``
  (:mod:`releasekit.release.surveybranches`).
- **Upcoming**: the newest line after every release that has a branch (when that branch
  carries a pre-release of it, as CPython's 3.14 in its betas, a check tells how to fix the
  development branch too, with ``prerelease``; when the development branch carries a
  pre-release of a newer line, as Kubernetes' master its v1.33.0-alpha.0 beside
  release-1.32's v1.32.0-rc.1, that line is upcoming there and the other a ``prerelease``
  one: :mod:`releasekit.release.surveylines`; so too when a line file says it, Go's
  master's ``goversion.go``: :func:`~releasekit.release.surveyfiles.line_from_files`,
  or a version header, CPython's main's ``patchlevel.h``:
  :func:`~releasekit.release.surveyfiles.line_from_header`); else the line of a
  pre-release on the development branch (the remote's default, or main, master, unstable,
  develop) newer than every release; else the minor (or major) after the newest release.
  When it lives on the development branch, ``branches`` says so. A guess gives way to the
  line a live version file on that branch says (Django's main: ``(6, 0, 0, "alpha", 0)``),
  or its version header's defines of the line's numbers (Node's ``NODE_MAJOR_VERSION``).
- **Stable branch**: a branch named ``stable`` (Pallets keep their current line there) that
  holds the newest release is that release's line's branch when no pattern names one.
- **last** and **esr**: the newest three released lines, fewer when one of them has no branch,
  or when the oldest of them got no release after the newest line's first while one between
  did (Go's 1.21, whose go1.21.13 came the week before go1.23.0; a guess, and a check says so);
  as ESR, an older line with a branch that still got a release after the newest line's first
  (with ``esr_tag``: whose newest release is spelt so).
- **Version files** and **changelog**: :mod:`releasekit.release.surveyfiles`.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.model.checks import fill, line_of
from releasekit.release.surveybranches import branch_line as branch_line
from releasekit.release.surveybranches import (
    development_branch,
    line_patterns,
    most_lines,
    unnamed_branches,
)
from releasekit.release.surveyfiles import (
    find_bumps,
    find_changelog,
    line_from_files,
    line_from_header,
    off_branch,
    upcoming_from_bumps,
)
from releasekit.release.surveylines import (
    after_prerelease,
    beside_prerelease,
    ended,
    first_pre_release,
    pre_release_on,
    upcoming_line,
)
from releasekit.release.tagfacts import (
    Facts,
    Tagged,
    foreign_branches,
    foreign_spellings,
    read_facts,
    tagged,
)
from releasekit.support.errors import BadInput
from releasekit.support.words import counted
from releasekit.workspace.init import ReleasesTable

STABLE_BRANCHES = ("stable",)  # where a project keeps its newest released line
LAST = 3
_GLUED_WORD = re.compile(r"(.*\{version(?::.)?\})([a-z]+)(.*)")


@dataclass
class Survey:
    """The inferred table, and one line per thing inferred and per thing to check."""

    table: ReleasesTable
    inferred: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    newest: Tagged | None = None  # the newest release (its tree is searched for bump files)
    line_branches: dict[str, str] = field(default_factory=dict)  # supported line -> branch
    latest: dict[str, Version] = field(default_factory=dict)  # released line -> newest
    released_at: dict[str, str] = field(default_factory=dict)  # ... -> its tag's commit
    guess: str | None = None  # the branch of a guessed upcoming line (its version files tell)
    # (the development branch, the line it may be, the upcoming line in its pre-releases,
    # the newest of those): a line file on the branches may tell (surveyfiles.line_from_files).
    beside: tuple[str, str, str, str] | None = None


def _glued(spelling: str, written: str) -> bool:
    """Whether ``spelling`` is ``written`` with a word glued to its version (Mozilla's
    ESRs: ``FIREFOX_{version:_}esr_RELEASE`` beside ``FIREFOX_{version:_}_RELEASE``)."""
    match = _GLUED_WORD.fullmatch(spelling)
    return match is not None and match[1] + match[3] == written


RECENT_RELEASES = 5  # how many of the newest releases decide the spelling init writes


def _written(finals: list[Tagged]) -> tuple[str, Tagged, list[Tagged], Counter[str], int]:
    """The spelling the project writes now: the newest release's, unless that one is a lone
    odd tag among the newest releases (urllib3's v2.0.5 after 2.0.0 to 2.0.4); with the
    newest release, the newest few, their spellings counted, and the most common's count."""
    newest = max(finals, key=lambda t: (t.version, t.tag.time))
    recent = sorted(finals, key=lambda t: (t.version, t.tag.time))[-RECENT_RELEASES:]
    counts = Counter(t.spelling for t in recent)
    usual, times = counts.most_common(1)[0]
    lone = counts[newest.spelling] == 1 and times >= 3
    return (usual if lone else newest.spelling), newest, recent, counts, times


def _four(finals: list[Tagged], written: str) -> list[Tagged]:
    """The releases of four numbers (Rails' 7.1.5.1) in the spelling the project writes
    (not a library's in another, Jenkins' prototype-1.5.1.1)."""
    return [t for t in finals if len(t.version.release) > 3 and t.spelling == written]


def infer(facts: Facts, where: str, *, upcoming: str | None = None) -> Survey:
    """The releases table that fits ``facts``; BadInput naming ``where`` when no tag is a
    release. ``upcoming``: the upcoming line as the user gave it, instead of a guess."""
    versions = [t for t in map(tagged, facts.tags) if t is not None]
    if not any(t.final for t in versions):
        raise BadInput(
            f"{where}: no release tags (like v1.2.3 or 1.2.3) in the clone; fetch its tags, "
            "or run init without --repository"
        )
    # Another product's tags and branches in the clone (wolfSSL's tiny-curl in curl's, the
    # PCRE imported into httpd's) are left out of all that follows; a check names them.
    # The written spelling with a word glued on is the project's (Mozilla's ESRs: 128.0esr,
    # tagged at another commit than 128.0 beside it).
    spelt = _written([t for t in versions if t.final])[0]
    foreign = {s: f for s, f in foreign_spellings(versions, spelt).items() if not _glued(s, spelt)}
    mainline = facts.branches.get(development_branch(facts, {}) or "")
    line_named = {n: pl for n in facts.branches if (pl := branch_line(n)) is not None}
    theirs = foreign_branches(facts, line_named, versions, foreign, mainline)
    versions = [t for t in versions if t.spelling not in foreign]
    facts = dataclasses.replace(
        facts, branches={n: tip for n, tip in facts.branches.items() if n not in theirs}
    )
    finals = [t for t in versions if t.final]
    # Lines are MAJOR.MINOR unless branches name more of the lines that matter by the major
    # version alone (undici's v6.x and v7.x): then line 7 holds 7.x.y (line_parts = 1).
    minor, major = (line_patterns(finals, facts.branches, parts) for parts in (2, 1))
    parts = 1 if most_lines(major[1]) > most_lines(minor[1]) else 2
    named, scores = major if parts == 1 else minor
    versions = [dataclasses.replace(t, parts=parts) for t in versions]
    finals = [t for t in versions if t.final]
    written, newest, recent, counts, times = _written(finals)
    by_line: dict[str, list[Tagged]] = {}
    for item in finals:
        by_line.setdefault(item.line, []).append(item)
    spellings: dict[str, list[Tagged]] = {}
    for item in versions:
        spellings.setdefault(item.spelling, []).append(item)
    read_tags = sorted(set(spellings) - {written}, key=lambda s: (-len(spellings[s]), s))
    # Mozilla's ESRs: FIREFOX_{version:_}esr_RELEASE, the spelling written with a word glued on.
    esr_tag = next((each for each in read_tags if _glued(each, written)), "")
    read_tags = [each for each in read_tags if each != esr_tag]

    pattern = max(scores, key=lambda p: scores[p]) if scores else None
    if pattern is not None and scores[pattern][0] == 0:
        pattern = None
    by_pattern = sorted(named, key=lambda p: scores[p], reverse=True)

    development = development_branch(facts, named)
    stable = next(
        (
            name
            for name in STABLE_BRANCHES
            if name in facts.branches
            and name != development
            and facts.contains(facts.branches[name], newest.tag.commit)
        ),
        None,
    )

    def branch_of(line: str) -> str | None:
        for each in by_pattern:
            if line in named[each]:
                return named[each][line]
        return stable if line == newest.line else None

    if upcoming is not None:
        given = line_of(upcoming, parts)
        if given is None:
            raise BadInput(f"--upcoming {upcoming}: not a version (like 10.4)")
        if given in by_line:
            done = max(by_line[given], key=lambda t: t.version).tag.name
            raise BadInput(f"--upcoming {upcoming}: already released ({done}); give the next line")
    survey = Survey(ReleasesTable(), newest=newest)
    say, check = survey.inferred.append, survey.checks.append
    line_of_upcoming, upcoming_branch, why, guessed = upcoming_line(
        facts, versions, newest, named, development, branch_of, upcoming
    )
    ahead = None
    if upcoming is None and not guessed and upcoming_branch and development:
        ahead = beside_prerelease(facts, versions, line_of_upcoming, upcoming_branch, development)
    prerelease: dict[str, str] = {}  # a line in its pre-releases -> its branch
    if ahead is not None:
        prerelease[line_of_upcoming] = upcoming_branch or ""
        why = f"{development} carries the pre-release {ahead.tag.name}"
        line_of_upcoming, upcoming_branch = ahead.line, development
    released = sorted((n for n in by_line if n != line_of_upcoming), key=Version, reverse=True)
    # The newest lines up to the first without a branch (all of them: LAST, for those to come).
    last = LAST
    for count, name in enumerate(released[:LAST]):
        if branch_of(name) is None:
            last = count
            break
    window = released[:last]
    gone = ended(by_line, window)  # (Go's 1.21: no release since go1.23.0, 1.22 five)
    last -= len(gone)
    window = window[:last]
    first_of_newest = min(t.tag.time for t in by_line[newest.line])
    esr = [
        name
        for name in released[last:]
        if branch_of(name) is not None
        and (
            max(by_line[name], key=lambda t: t.version).spelling == esr_tag
            if esr_tag
            else max(t.tag.time for t in by_line[name]) > first_of_newest
        )
    ]
    line_branches = {name: branch_of(name) or "" for name in (*window, *esr)}
    if upcoming_branch is not None:
        line_branches[line_of_upcoming] = upcoming_branch
    line_branches.update(prerelease)
    branch_pattern = pattern or "release-{line}"
    branches = {
        name: branch
        for name, branch in line_branches.items()
        if branch != fill(branch_pattern, name)
    }
    survey.line_branches = line_branches
    survey.latest = {name: max(t.version for t in by_line[name]) for name in by_line}
    survey.released_at = {
        name: max(by_line[name], key=lambda t: t.version).tag.commit for name in by_line
    }
    pre = first_pre_release(versions)  # (v3.14.0a1: the project publishes pre-releases)
    survey.table = ReleasesTable(
        remote=facts.remote or "origin",
        branch=branch_pattern,
        branches=branches,
        tag=written,
        read_tags=tuple(read_tags),
        esr_tag=esr_tag,
        upcoming=line_of_upcoming,
        prerelease=tuple(prerelease),
        esr=tuple(esr),
        last=last,
        line_parts=parts,
        # A release of four numbers (Rails' 7.1.5.1) has no SemVer version: every record
        # orders the project's versions by PEP 440, also one that names three-number ones.
        version_scheme="pep440" if _four(finals, written) else "",
        pre_releases=pre is not None,
    )

    # What was inferred, a line each.
    if facts.remote is None:
        check("remote: the clone has no remote: set [project] remote to where the lift pushes")
    else:
        say(f'remote = "{facts.remote}": the remote the clone fetches from and the lift pushes to')
    if pattern is not None:
        examples = ", ".join(named[pattern][n] for n in sorted(named[pattern], key=Version)[-3:])
        found = counted(len(named[pattern]), "branch", "branches")
        say(f'branch = "{pattern}": {found} like {examples}')
        if parts == 1:
            say(f"line_parts = 1: a line is a major version ({newest.line} holds {newest.version})")
    elif window or esr:
        check(
            f'branch = "{branch_pattern}": no branch names a line: other released lines get '
            "no fixes"
        )
    else:
        check(f'branch = "{branch_pattern}": no branch names a line: released lines get no fixes')
    for name, branch in branches.items():
        say(f'branches: "{name}" = "{branch}" (the pattern names no branch of {name})')
    for spelling, reason in sorted(foreign.items()):
        check(f'read_tags: "{spelling}" left out: {reason.why} (another product\'s tags?)')
    if theirs:
        shown = ", ".join(theirs[:3]) + (", ..." if len(theirs) > 3 else "")
        found = counted(len(theirs), "branch", "branches")
        check(f"branch: {found} left out, another product's: {shown}")
    if survey.table.version_scheme:
        four = max(_four(finals, written), key=lambda t: t.version)
        say(f'version_scheme = "pep440": releases of four numbers, like {four.tag.name}')
    if pre is not None:
        say(f"pre_releases = true: a line's first release has pre-releases, like {pre.tag.name}")
    if written == newest.spelling:
        say(f'tag = "{written}": the newest release is {newest.tag.name}')
    else:
        say(f'tag = "{written}": {times} of the {len(recent)} newest releases')
    if len(counts) > 1:
        mixed = ", ".join(f'"{s}" {n}' for s, n in counts.most_common())
        check(f"tag: the newest releases mix spellings ({mixed}): keep the one you write now")
    for spelling in (esr_tag, *read_tags) if esr_tag else read_tags:
        items = spellings[spelling]
        last_one = max(items, key=lambda t: (t.version, t.tag.time)).tag.name
        key = "esr_tag =" if spelling == esr_tag else "read_tags:"
        say(f'{key} "{spelling}": {counted(len(items), "tag")}, the newest {last_one}')
    say(f'upcoming = "{line_of_upcoming}": {why}')
    for name, branch in prerelease.items():
        tag = pre_release_on(facts, versions, name, branch)
        say(f'prerelease = ["{name}"]: {branch} carries {tag} and no release of {name}')
    if upcoming is None and not guessed and upcoming_branch and development:
        pre_release = pre_release_on(facts, versions, line_of_upcoming, upcoming_branch)
        if pre_release is not None and development != upcoming_branch:
            after = after_prerelease(facts, versions, line_of_upcoming, development)
            survey.beside = (development, after, line_of_upcoming, pre_release)
            check(
                f"upcoming: {upcoming_branch} carries the pre-release {pre_release} and "
                f"{development} gets no fix: if {development} is the line after it, set "
                f'upcoming = "{after}", prerelease = ["{line_of_upcoming}"] and branches = '
                f'{{ "{after}" = "{development}" }}'
            )
    if upcoming_branch is None:
        check(f"upcoming: no branch for {line_of_upcoming}: create it, or name it in branches")
    elif guessed:
        # The minor (or major) after the newest release, not a pre-release's line: the
        # branch's version files may tell it (upcoming_from_bumps).
        survey.guess = None if "pre-release" in why else upcoming_branch
        check(f'upcoming = "{line_of_upcoming}" is a guess: set the line {upcoming_branch} becomes')
        on_it = facts.contains(facts.branches[upcoming_branch], newest.tag.commit)
        if on_it and branch_of(newest.line) is None and upcoming_branch == development:
            # All that says so: the line, its branch, and the lines last then counts.
            older = [name for name in released if name != newest.line][:LAST]
            kept = next((n for n, name in enumerate(older) if branch_of(name) is None), len(older))
            which = f" ({', '.join(older[:kept])})" if kept else ""
            check(
                f"upcoming: {newest.tag.name} is on {upcoming_branch} and no branch names "
                f"line {newest.line}: if {newest.line} is still released from there, set "
                f'upcoming = "{newest.line}", upcoming_released = true, branches = '
                f'{{ "{newest.line}" = "{upcoming_branch}" }} and last = {kept}{which}'
            )
    # (released holds the newest release's line: window is empty only when it has no branch)
    say(f"last = {last}: {', '.join(window) or released[0] + ', the newest line, has no branch'}")
    older = [name for name in released if name != newest.line][: LAST - 1]
    lasting = [newest.line, *older[: next((n for n, o in enumerate(older) if not branch_of(o)), 2)]]
    used = {*line_branches.values()}
    unnamed = unnamed_branches(facts, versions, newest, development, used, lasting)
    if unnamed is not None and branch_of(newest.line) is None:
        check(unnamed)  # (Mozilla's release and beta: the lines to name instead)
    elif gone:
        first = min(by_line[window[0]], key=lambda t: t.tag.time).tag.name
        were = f"{' and '.join(gone)} {'is' if len(gone) == 1 else 'are'}"
        check(
            f"last = {last} is a guess from release dates: {', '.join(gone)} got no release "
            f"after {first}, {window[-1]} did: if {were} still supported, set "
            f"last = {last + len(gone)}"
        )
    elif last < LAST:
        missing = released[last]
        check(f"last = {last}: line {missing} has no branch: create one to support it")
    listed = ", ".join(f'"{name}"' for name in esr)
    if esr and esr_tag:
        on = " and ".join(line_branches[name] for name in esr)
        say(f"esr = [{listed}]: tagged {esr_tag}, on {on}")
    elif esr:
        say(f"esr = [{listed}]: still got releases after {newest.line}'s first")
    if not esr_tag:
        check("esr is a guess from release dates: list the older lines you still support")
    said: dict[str, bool] = {}  # per line whose newest release is not on its branch: on none
    for name in (*window, *esr):
        branch = line_branches[name]
        top = max(by_line[name], key=lambda t: t.version).tag
        if not facts.contains(facts.branches[branch], top.commit):
            line = f"line {name}: its newest release {top.name} is not on {branch}"
            said[line] = not any(facts.contains(tip, top.commit) for tip in facts.branches.values())
    if said and all(said.values()) and len(said) == len((*window, *esr)):
        # Every line's is on no branch: PHP's, tagged on local release branches never pushed.
        survey.table = dataclasses.replace(survey.table, tags_off_branch=True)
        say(f"tags_off_branch = true: {newest.tag.name}, each line's newest, is on no branch")
    off = " nor any branch: if releases are tagged so, set tags_off_branch = true"
    for line, on_none in said.items() if not survey.table.tags_off_branch else ():
        check(line + (off if on_none else ""))
    return survey


def survey_repository(
    path: Path, shown: str, env: Environment, *, upcoming: str | None = None
) -> Survey:
    """The releases table (with its version files) that fits the clone at ``path`` (named
    ``shown`` in messages); BadInput when there is no clone there or it has no release."""
    if not path.is_dir():
        raise BadInput(f"--repository {shown}: no such directory (relative to the workspace)")
    try:
        repo = ProductRepo.open(path, env)
    except BadInput:
        raise BadInput(f"--repository {shown}: not a git repository (the product clone)") from None
    facts = read_facts(repo)
    survey = infer(facts, f"--repository {shown}", upcoming=upcoming)
    bumps = find_bumps(repo, facts, survey)
    changelog = find_changelog(repo, survey)
    survey.table = dataclasses.replace(survey.table, bumps=bumps, changelog=changelog)
    upcoming_from_bumps(repo, facts, survey)
    line_from_files(repo, facts, survey)
    line_from_header(repo, facts, survey)
    off_branch(survey)
    return survey

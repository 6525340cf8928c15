"""``init --repository``: the ``[releases]`` table that fits a product clone, inferred from its
branches and tags as they are (nothing is fetched or written).

- **Tag spellings**: a tag is a version when it is a version (``2.0.6``, ``7.4-rc2``; with
  underscores for dots, ``{version:_}``: curl's ``curl-8_6_0``) after an optional word prefix
  (``v``, ``release-``, ``redis-``) that names no pre-release (``rc-``). ``tag`` is the
  spelling of the newest release, unless it is a lone odd one among the five newest; every
  other spelling seen goes in ``read_tags``, but the one that glues a word to the version
  of that one (Mozilla's ``FIREFOX_{version:_}esr_RELEASE``), which is ``esr_tag``.
- **Branch pattern**: a branch names a line when it holds ``MAJOR.MINOR`` once (``1.26.x``,
  ``release-10.3``, ``7.2``; Rails' ``7-1-stable``, as ``{line:-}``), or a line of a major
  version when it holds ``MAJOR.x`` once (undici's ``v7.x``, Express's ``4.x``) or its only
  number between underscores (PostgreSQL's ``REL_16_STABLE``; ``REL9_6_STABLE`` is line
  9.6, as ``{line:_}``, and so is Ruby's ``ruby_3_3`` 3.3; Mozilla's ``esr128`` is 128);
  ``branch`` is the pattern that names the most lines that have releases (or come after
  them). Lines are major versions (``line_parts = 1``: line 7 holds 7.x.y) when such
  branches name more of those lines than ``MAJOR.MINOR`` ones do. A line whose branch
  only another pattern names goes in ``branches``.
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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import Version

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.model.checks import fill, line_key, line_of
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
from releasekit.release.tagfacts import Facts, Tagged, read_facts, tagged
from releasekit.support.errors import BadInput
from releasekit.support.words import counted
from releasekit.workspace.init import ReleasesTable

DEVELOPMENT_BRANCHES = ("main", "master", "unstable", "develop", "development", "trunk")
STABLE_BRANCHES = ("stable",)  # where a project keeps its newest released line
RELEASE_BRANCHES = ("release",)  # Mozilla's: the newest line, moved on each merge day
LAST = 3
_LINE_IN_BRANCH = re.compile(r"(?<![0-9.])([0-9]+)\.([0-9]+)(?![0-9]|\.[0-9])")
_MAJOR_IN_BRANCH = re.compile(r"(?<![0-9.])([0-9]+)\.[xX](?![0-9A-Za-z.])")  # v7.x, 4.x
_DASHED_LINE = re.compile(r"(?<![0-9.])(?<![0-9]-)([0-9]+)-([0-9]+)(?![0-9]|-[0-9])")  # 7-1-stable
# PostgreSQL's REL_16_STABLE (a major between underscores) and, before 10, REL9_6_STABLE.
_UNDERSCORED_MAJOR = re.compile(r"(?<=_)([0-9]+)(?=_)")
_UNDERSCORED_LINE = re.compile(r"(?<![0-9._])(?<![0-9]_)([0-9]+)_([0-9]+)(?![0-9]|_[0-9])")
# Ruby's ruby_3_3: two numbers after a word and an underscore, ending the name (ruby_2_0_0
# and a fix branch ruby_3_3_fix name versions, not lines).
_TRAILING_UNDERSCORED_LINE = re.compile(r"(?<=[A-Za-z]_)([0-9]+)_([0-9]+)\Z")
_ESR_MAJOR = re.compile(r"(?<=\Aesr)([0-9]+)\Z")  # Mozilla's esr128: the ESR line 128
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


def branch_line(name: str) -> tuple[str, str] | None:
    """(pattern, line) of a branch that names a line once, e.g. ("{line}.x", "1.26"), or a
    line of a major version, e.g. ("v{line}.x", "7")."""
    found = list(_LINE_IN_BRANCH.finditer(name))
    majors = list(_MAJOR_IN_BRANCH.finditer(name))
    dashed = list(_DASHED_LINE.finditer(name))  # Rails' 7-1-stable: {line:-}-stable
    underscored = list(_UNDERSCORED_LINE.finditer(name))  # REL9_6_STABLE: {line:_}
    underscored += _TRAILING_UNDERSCORED_LINE.finditer(name)  # ruby_3_3: {line:_}
    if not found + majors + dashed + underscored and len(re.findall("[0-9]+", name)) == 1:
        majors = list(_UNDERSCORED_MAJOR.finditer(name))  # REL_16_STABLE, its only number
        majors += _ESR_MAJOR.finditer(name)  # esr128
    count = len(found) + len(majors) + len(dashed) + len(underscored)
    if count != 1 or "{" in name or "}" in name:
        return None
    match = (found or majors or dashed or underscored)[0]
    if any(str(int(number)) != number for number in match.groups()):
        return None  # "10.03" would not come back from the pattern
    start, end = match.span(1) if majors else match.span()  # (the major, without its ".x")
    slot = "{line:-}" if dashed else "{line:_}" if underscored else "{line}"
    return name[:start] + slot + name[end:], ".".join(match.groups())


RECENT_RELEASES = 5  # how many of the newest releases decide the spelling init writes


def infer(facts: Facts, where: str, *, upcoming: str | None = None) -> Survey:
    """The releases table that fits ``facts``; BadInput naming ``where`` when no tag is a
    release. ``upcoming``: the upcoming line as the user gave it, instead of a guess."""
    versions = [t for t in map(tagged, facts.tags) if t is not None]
    finals = [t for t in versions if t.final]
    if not finals:
        raise BadInput(
            f"{where}: no release tags (like v1.2.3 or 1.2.3) in the clone; fetch its tags, "
            "or run init without --repository"
        )
    # Lines are MAJOR.MINOR unless branches name more of the lines that matter by the major
    # version alone (undici's v6.x and v7.x): then line 7 holds 7.x.y (line_parts = 1).
    minor, major = (_patterns(finals, facts.branches, parts) for parts in (2, 1))
    parts = 1 if _most(major[1]) > _most(minor[1]) else 2
    named, scores = major if parts == 1 else minor
    versions = [dataclasses.replace(t, parts=parts) for t in versions]
    finals = [t for t in versions if t.final]
    newest = max(finals, key=lambda t: (t.version, t.tag.time))
    by_line: dict[str, list[Tagged]] = {}
    for item in finals:
        by_line.setdefault(item.line, []).append(item)
    spellings: dict[str, list[Tagged]] = {}
    for item in versions:
        spellings.setdefault(item.spelling, []).append(item)
    # The spelling the project writes now: the newest release's, unless that one is a lone
    # odd tag among the newest releases (urllib3's v2.0.5 after 2.0.0 to 2.0.4).
    recent = sorted(finals, key=lambda t: (t.version, t.tag.time))[-RECENT_RELEASES:]
    counts = Counter(t.spelling for t in recent)
    usual, times = counts.most_common(1)[0]
    lone = counts[newest.spelling] == 1 and times >= 3
    written = usual if lone else newest.spelling
    read_tags = sorted(set(spellings) - {written}, key=lambda s: (-len(spellings[s]), s))
    # Mozilla's ESRs: FIREFOX_{version:_}esr_RELEASE, the spelling written with a word glued on.
    esr_tag = next((each for each in read_tags if _glued(each, written)), "")
    read_tags = [each for each in read_tags if each != esr_tag]

    pattern = max(scores, key=lambda p: scores[p]) if scores else None
    if pattern is not None and scores[pattern][0] == 0:
        pattern = None
    by_pattern = sorted(named, key=lambda p: scores[p], reverse=True)

    development = _development_branch(facts, named)
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
        version_scheme="pep440" if any(len(t.version.release) > 3 for t in finals) else "",
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
    if survey.table.version_scheme:
        four = max((t for t in finals if len(t.version.release) > 3), key=lambda t: t.version)
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
    unnamed = _unnamed(facts, versions, newest, development, used, lasting)
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


def _unnamed(
    facts: Facts, versions: Sequence[Tagged], newest: Tagged, development: str | None,
    used: set[str], kept: Sequence[str],
) -> str | None:  # fmt: skip
    """The check for branches that carry a line no name says (Mozilla's ``release`` the
    newest release, ``beta`` a pre-release after it): the one branch besides the development
    branch and those of lines (``used``) that carries the newest release, when it is called
    ``release``, and the one that carries the newest pre-release after it; None when there
    is no such branch of the newest release. ``kept``: the lines ``last`` would then count."""
    others = [name for name in facts.branches if name not in used and name != development]

    def only(tag: Tagged) -> str | None:
        found = [name for name in others if facts.contains(facts.branches[name], tag.tag.commit)]
        return found[0] if len(found) == 1 else None

    release = only(newest)
    if release not in RELEASE_BRANCHES:  # (a feature branch made after it carries it too)
        return None
    line = newest.line
    last = f"last = {len(kept)} ({', '.join(kept)})"
    said = f"branches: no name says the line of {release}, which carries {newest.tag.name}"
    previews = [t for t in versions if not t.final and Version(t.line) > Version(line)]
    preview = max(previews, key=lambda t: t.version) if previews else None
    beta = only(preview) if preview is not None else None
    if preview is None or beta is None or beta == release:
        return (
            f'{said}: if it carries {line}, set branches = {{ "{line}" = "{release}" }} and '
            f"{last}, and move it as the branch moves on"
        )
    return (
        f"{said}, nor of {beta}, which carries the pre-release {preview.tag.name}: if they "
        f'carry {line} and {preview.line}, set branches = {{ "{line}" = "{release}", '
        f'"{preview.line}" = "{beta}" }}, upcoming = "{preview.line}" and {last}, and move '
        "them on each merge day"
    )


Score = tuple[int, bool, Version, int, str]


def _patterns(
    finals: Sequence[Tagged], branches: Iterable[str], parts: int
) -> tuple[dict[str, dict[str, str]], dict[str, Score]]:
    """The branches that name a line by its first ``parts`` numbers, as pattern -> line ->
    branch, and the score of each pattern: the most lines that matter (released, or after
    the newest release); then the pattern of the newest line, of the newest lines; then the
    plainest name (Node's v20.x over v20.x-staging, where fixes wait to be released)."""
    released = {line_key(str(t.version), parts) for t in finals}
    newest_line = line_key(str(max(t.version for t in finals)), parts)
    named: dict[str, dict[str, str]] = {}
    for branch in branches:
        parsed = branch_line(branch)
        if parsed is not None and len(parsed[1].split(".")) == parts:
            named.setdefault(parsed[0], {})[parsed[1]] = branch

    def relevant(line: str) -> bool:
        return line in released or Version(line) > Version(newest_line)

    scores = {
        pattern: (
            sum(map(relevant, lines)),
            newest_line in lines,
            max(map(Version, lines)),
            -len(pattern),
            pattern,
        )
        for pattern, lines in named.items()
    }
    return named, scores


def _most(scores: Mapping[str, Score]) -> int:
    """How many lines that matter the best of the patterns scored names."""
    return max((score[0] for score in scores.values()), default=0)


def _development_branch(facts: Facts, named: Mapping[str, Mapping[str, str]]) -> str | None:
    """The remote's default branch unless it names a line; else main, master, unstable..."""
    line_branches = {branch for lines in named.values() for branch in lines.values()}
    default = facts.default_branch
    if default in facts.branches and default not in line_branches:
        return default
    return next((name for name in DEVELOPMENT_BRANCHES if name in facts.branches), None)


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

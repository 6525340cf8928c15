"""The branches of a product clone as ``init --repository`` reads them
(:mod:`releasekit.release.survey`): which name a release line, and by what pattern.

A branch names a line when it holds ``MAJOR.MINOR`` once (``1.26.x``, ``release-10.3``,
``7.2``; Rails' ``7-1-stable``, as ``{line:-}``), or a line of a major version when it holds
``MAJOR.x`` once (undici's ``v7.x``, Express's ``4.x``) or its only number between
underscores (PostgreSQL's ``REL_16_STABLE``; ``REL9_6_STABLE`` is line 9.6, as ``{line:_}``,
and so is Ruby's ``ruby_3_3`` 3.3; Mozilla's ``esr128`` is 128). Patterns are scored by the
lines that have releases (or come after them) that they name. The development branch is the
remote's default unless it names a line; a branch that carries a line no name says
(Mozilla's ``release`` and ``beta``) gets a check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from packaging.version import Version

from releasekit.model.checks import line_key
from releasekit.release.tagfacts import Facts, Tagged

DEVELOPMENT_BRANCHES = ("main", "master", "unstable", "develop", "development", "trunk")
RELEASE_BRANCHES = ("release",)  # Mozilla's: the newest line, moved on each merge day
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


Score = tuple[int, bool, Version, int, str]


def line_patterns(
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


def most_lines(scores: Mapping[str, Score]) -> int:
    """How many lines that matter the best of the patterns scored names."""
    return max((score[0] for score in scores.values()), default=0)


def development_branch(facts: Facts, named: Mapping[str, Mapping[str, str]]) -> str | None:
    """The remote's default branch unless it names a line; else main, master, unstable..."""
    line_branches = {branch for lines in named.values() for branch in lines.values()}
    default = facts.default_branch
    if default in facts.branches and default not in line_branches:
        return default
    return next((name for name in DEVELOPMENT_BRANCHES if name in facts.branches), None)


def unnamed_branches(
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

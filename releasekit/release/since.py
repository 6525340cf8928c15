"""Which release of a line the lift does not fix already had an advisory's fix.

A released line between the oldest and the newest line that gets the fix (or whose branch
already has it, the plan's already-fixed line) may have got the fix before, in public: a
Low fix held only for the upcoming line and the ESR that 10.6, supported or not, took in
10.6.2. The held fixes tell it: one whose changes are all there already in a release's tree
(it applies and changes nothing, as the plan finds an already-fixed branch) shows that
release has the fix. The newest release tag of the line is tried with each held fix of the
advisory (the line's own first); when one finds the fix there, the releases are tried
newest first with it, and the one after the newest without the fix is the line's fixed
version (the oldest with the fixed code may come before the bug did; a release where every
held fix conflicts stops the search too, and the plan says so). When a held fix applies to
the newest release and changes it, no release had the fix; when every one conflicts there,
nothing can be told, and the plan says so (a note): the lift then records the line as it
always did. Only the release tags the remote has at the same commit are
read (a tag only the clone has was never a release the public saw); when the plan did not
fetch, which those are is not known, so no release is taken to have the fix, and the plan
says so. Everything is read and built in memory (pygit2); nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from packaging.version import Version

from releasekit.adapters.git import ProductRepo
from releasekit.fixes.apply import apply_commit
from releasekit.fixes.store import HeldPatch
from releasekit.model.advisory import Advisory
from releasekit.model.checks import line_of
from releasekit.model.config import Settings
from releasekit.release.lines import version_tags
from releasekit.release.plan import ALREADY_FIXED, APPLIES, CONFLICTS, Cell

# A line with more releases than this is not searched (each is a tree to try the fix on):
# the longest-lived Linux stable lines made a few hundred.
MAX_TRIED = 1000

Release = tuple[str, str]  # (version, commit), oldest first


@dataclass(frozen=True)
class Earlier:
    """What the released lines the lift does not fix had of each advisory's fix."""

    # advisory id -> line -> the first release of the line that has the fix
    fixed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # (advisory id, line): no held fix tells whether a release of the line has it
    unknown: frozenset[tuple[str, str]] = frozenset()
    # advisory id -> what the plan says of them (the lines whose releases cannot be told)
    notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def earlier_fixes(
    settings: Settings,
    repo: ProductRepo,
    advisories: Sequence[Advisory],
    cells: Sequence[Cell],
    held: Mapping[tuple[str, str], HeldPatch],
    tips: Mapping[str, str],
    public: Mapping[str, str] | None,
) -> Earlier:
    """For each of ``advisories`` (the embargoed ones), the released lines between its
    lines that get the fix or have it on their branch, and the first release of each that
    has the fix already (see the module's text). ``tips``: each supported line's public
    tip, which tells a line whose branch has the fix and no release of it yet. ``public``:
    the tags the remote has as the clone has them, name -> commit (None: not fetched, not
    known; no release is searched)."""
    parts = settings.releases.line_parts
    releases = line_releases(
        settings.tag_patterns, repo.tags() if public is None else public, parts
    )
    fixed: dict[str, dict[str, str]] = {}
    unknown: set[tuple[str, str]] = set()
    notes: dict[str, tuple[str, ...]] = {}
    for advisory in advisories:
        own = [c for c in cells if c.advisory == advisory.id]
        required = {c.line for c in own if c.required}
        already = {c.line for c in own if c.status == ALREADY_FIXED}
        anchors = [Version(line) for line in required | already]
        if not anchors or not any(ident == advisory.id for ident, _line in held):
            continue  # (no fix held at all: the plan says it is missing)
        patches = _patches(held, advisory.id)
        introduced = line_of(advisory.introduced, parts) if advisory.introduced else None
        found: dict[str, str | bool | None] = {}
        kinds: dict[str, list[str]] = {}
        for line in sorted(releases, key=Version, reverse=True):
            key = Version(line)
            if line in required or not min(anchors) <= key <= max(anchors):
                continue
            if introduced is not None and key < Version(introduced):
                continue  # no affected code there
            if public is None:  # (a tag only the clone has is no release the public saw)
                kinds.setdefault(_NOT_COMPARED, []).append(line)
                continue
            tried = sorted(patches, key=lambda p: p.line != line)  # its own first
            found[line], untold = search(repo, releases[line], tried)
            if untold is not None:
                kinds.setdefault(_STOPPED, []).append(untold)
        earlier = {line: version for line, version in found.items() if isinstance(version, str)}
        ends = [Version(line) for line in required | set(earlier)]
        for line, version in found.items():
            # (one of `unfixed`, when it has no release with the fix)
            inside = bool(ends) and min(ends) < Version(line) < max(ends)
            if version is None:
                unknown.add((advisory.id, line))
                kinds.setdefault(_UNKNOWN[inside and line not in already], []).append(line)
            elif version is False and (line in already or _has_fix(repo, tips.get(line), patches)):
                kinds.setdefault(_UNRELEASED[inside], []).append(line)
        if earlier:
            fixed[advisory.id] = earlier
        if kinds:
            notes[advisory.id] = tuple(text.format(", ".join(n)) for text, n in kinds.items())
    return Earlier(fixed, frozenset(unknown), notes)


# What the plan notes of the lines whose releases no held fix tells about, by what the lift
# records of them (in `unfixed` or not): they are named in the place of {}.
_UNKNOWN = {
    True: (
        "whether a release of {} had the fix cannot be told (no held fix applies to the "
        f"newest release, or there are over {MAX_TRIED:,}): recorded as left without the "
        "fix (`unfixed`), all releases affected; once released, correct `fixed` or "
        "`unfixed` in the advisory file by hand if that is wrong"
    ),
    False: (
        "whether a release of {} had the fix cannot be told (no held fix applies to the "
        f"newest release, or there are over {MAX_TRIED:,}): no release recorded affected; "
        "once released, add the first release with the fix to `fixed` in the advisory file "
        "by hand if there was one without it"
    ),
}
# ... of the releases where the search for the first one with the fix stopped untold
_STOPPED = (
    "whether {} had the fix cannot be told (every held fix conflicts there): it and the "
    "releases before it are recorded affected; correct `fixed` in the advisory file by hand "
    "if one of them had the fix"
)
# ... of the lines whose releases are not searched, the remote's tags not being known ...
_NOT_COMPARED = (
    "the remote's tags were not compared (plan --no-fetch): no release of {} is taken to "
    "have had the fix; the lift fetches, and searches the releases the remote has"
)
# ... and of the lines whose branch has the fix but no release yet
_UNRELEASED = {
    True: "the branch of {} has the fix, but no release yet: recorded affected (`unfixed`)",
    False: (
        "the branch of {} has the fix, but no release yet: no release recorded affected; "
        "add the line to `fixed` in the advisory file by hand once a release has the fix"
    ),
}


def _has_fix(repo: ProductRepo, tip: str | None, patches: Iterable[HeldPatch]) -> bool:
    """Whether one of ``patches`` finds the fix all there on the branch tip ``tip``."""
    if tip is None:
        return False
    tree = repo.commit(tip).tree
    return any(try_fix(repo, tree, patch) == ALREADY_FIXED for patch in patches)


def _patches(held: Mapping[tuple[str, str], HeldPatch], ident: str) -> list[HeldPatch]:
    """The held fixes of ``ident`` that can show a fix is there (one that only deletes
    files would find it in any tree without them), newest line first."""
    found = [p for (a, _line), p in held.items() if a == ident and _changes_content(p)]
    return sorted(found, key=lambda p: Version(p.line), reverse=True)


def _changes_content(patch: HeldPatch) -> bool:
    return any(f.new_path is not None for c in patch.commits for f in c.files)


def line_releases(
    patterns: Sequence[str], tags: Mapping[str, str], parts: int
) -> dict[str, list[Release]]:
    """Each line's releases (the final versions its tags name, one tag a version), oldest
    first."""
    by_line: dict[str, dict[Version, tuple[str, str]]] = {}
    for tag in sorted(version_tags(patterns, tags), key=lambda t: t.name):
        if tag.final and tag.commit is not None:
            versions = by_line.setdefault(tag.line(parts), {})
            versions.setdefault(tag.version, (str(tag.version), tag.commit))
    return {line: [v for _k, v in sorted(found.items())] for line, found in by_line.items()}


class Search(NamedTuple):
    """What :func:`search` found on a line's releases."""

    first: str | bool | None  # see first_with_fix
    # The release where the search stopped because no held fix told anything there (each
    # conflicts): it, or one before it, may have had the fix too, with other code around it.
    untold: str | None = None


def first_with_fix(
    repo: ProductRepo, releases: Sequence[Release], patches: Iterable[HeldPatch]
) -> str | bool | None:
    """The first of ``releases`` from which on every tree has the fix; False when none has
    it (a held fix applies to the newest and changes it); None when that cannot be told
    (none applies there, or there are too many releases to try)."""
    return search(repo, releases, patches).first


def search(repo: ProductRepo, releases: Sequence[Release], patches: Iterable[HeldPatch]) -> Search:
    """:func:`first_with_fix`, and the release that stopped the search when no held fix
    could tell whether it had the fix (the first found is then the earliest one known)."""
    if not releases:
        return Search(False)
    tree = repo.commit(releases[-1][1]).tree
    verdicts = [(patch, try_fix(repo, tree, patch)) for patch in patches]
    showing = [patch for patch, verdict in verdicts if verdict == ALREADY_FIXED]
    if not showing:
        return Search(False if any(verdict == APPLIES for _p, verdict in verdicts) else None)
    if len(releases) > MAX_TRIED:
        return Search(None)
    # Newest first, to the newest release without the fix: the oldest one with its fixed
    # code may come before the bug did (a fix that undoes the change that brought it).
    first = releases[-1][0]
    for version, commit in reversed(releases[:-1]):
        tree = repo.commit(commit).tree
        said = [try_fix(repo, tree, patch) for patch in showing]
        if ALREADY_FIXED not in said:
            untold = version if all(verdict == CONFLICTS for verdict in said) else None
            return Search(first, untold)
        first = version
    return Search(first)


def try_fix(repo: ProductRepo, tree: str, patch: HeldPatch) -> str:
    """Whether ``patch`` applies to ``tree`` (APPLIES), is all there already (ALREADY_FIXED)
    or conflicts, each of its commits on the one before, in memory."""
    editor = repo.edit(tree)
    changed = False
    for commit in patch.commits:
        outcome = apply_commit(repo, editor, commit)
        if outcome.conflicts:
            return CONFLICTS
        changed = changed or outcome.changed
    return APPLIES if changed else ALREADY_FIXED

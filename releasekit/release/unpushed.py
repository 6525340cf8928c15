"""Release tags the plan counts that the remote does not have.

The fetch keeps the clone's own tags (as ``git fetch --tags`` does), so a release tag made
here and never pushed (``v10.3.5`` by mistake; with ``[releases] tags_off_branch``, one on
a commit no remote branch holds) counts like a public one: it becomes the line's newest
release, and the plan proposes the version after it, which the public would see follow a
release it never saw. A supported line whose counted release tags include one the remote
does not have (or has at another commit) has a problem naming the tag and what to do.
The search for the releases of other lines that had a fix already (:mod:`.since`) reads
only the tags the remote has as the clone has them (:func:`on_remote`), on every line.

One exception: a tag that a lift of this workspace journalled (``embargo lift`` records
the tag object of each release before it pushes) is that lift's own, still to be pushed
by re-running it: shown, never a problem.

And a line whose next tag exists but names no commit (:func:`next_tags_taken`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from releasekit.model.config import Settings
from releasekit.release.lines import History, Lines, ReleaseLine, version_tags


@dataclass(frozen=True)
class LocalTag:
    """A release tag of a supported line that the remote does not have as the clone has it."""

    tag: str  # as written
    commit: str  # the commit it points at in the clone
    remote: str | None  # the commit the remote's tag of that name points at; None: none
    latest: bool  # the tag the plan takes as the line's newest release
    lift: bool  # journalled by a lift of this workspace, not pushed yet: not a problem

    def to_json(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "commit": self.commit,
            "remote_commit": self.remote,
            "latest": self.latest,
            "lift": self.lift,
        }


def remote_commit(advertised: Mapping[str, str], tag: str) -> str | None:
    """The commit of ``tag`` on the remote: its peeled entry, or its own for a lightweight
    tag; None when the remote has no such tag."""
    return advertised.get(f"refs/tags/{tag}^{{}}") or advertised.get(f"refs/tags/{tag}")


def on_remote(
    tags: Mapping[str, str], advertised: Mapping[str, str], target: Callable[[str], str | None]
) -> dict[str, str]:
    """The tags of ``tags`` (the clone's, name -> commit) that ``advertised`` (the remote's
    refs, as fetched) has at the same commit: the ones the public saw. ``target``: the
    object a tag's ref points at itself (for a remote that advertises no peeled tags)."""
    return {
        name: commit
        for name, commit in tags.items()
        if remote_commit(advertised, name) == commit
        or advertised.get(f"refs/tags/{name}", "") == target(name)
    }


def local_tags(
    settings: Settings,
    lines: Lines,
    tags: Mapping[str, str],
    advertised: Mapping[str, str],
    history: History,
    target: Callable[[str], str | None],
    lifts: Mapping[str, str],
) -> dict[str, tuple[LocalTag, ...]]:
    """Per supported released line, its release tags (of any spelling, final, on its branch
    or, with ``tags_off_branch``, on no branch: the ones the line's releases are read
    from) that ``advertised`` (the remote's refs, as fetched) lacks or has at another
    commit. ``tags``: the clone's tags, name -> commit; ``target``: the object a tag's ref
    points at itself; ``lifts``: the tags lifts journalled, name -> tag object."""
    parts = settings.releases.line_parts
    wanted = {line.name: line for line in lines.supported if line.latest is not None}
    # The tags the remote has as the clone has them are most: leave them before any walk.
    differ = {
        name: commit for name, commit in tags.items() if remote_commit(advertised, name) != commit
    }
    found: dict[str, list[LocalTag]] = {}
    tips: dict[str, str | None] = {}
    for tag in version_tags(settings.tag_patterns, differ):
        line = wanted.get(tag.line(parts))
        if not tag.final or line is None or tag.commit is None:
            continue
        tip = tips.setdefault(line.name, history.tip(line.branch))
        if not _counted(settings, history, tip, tag.commit):
            continue
        raw = target(tag.name)
        if raw is not None and advertised.get(f"refs/tags/{tag.name}") == raw:
            continue  # the very tag object (a remote that advertises no peeled tags)
        there = remote_commit(advertised, tag.name)
        # (a lift's tag that the remote has otherwise is in the way like any other)
        mine = there is None and raw is not None and lifts.get(tag.name) == raw
        latest = tag.name == line.latest_tag
        found.setdefault(line.name, []).append(LocalTag(tag.name, tag.commit, there, latest, mine))
    return {
        name: tuple(sorted(found.get(name, ()), key=lambda t: (not t.latest, t.tag)))
        for name in wanted
    }


def _counted(settings: Settings, history: History, tip: str | None, commit: str) -> bool:
    """Whether a release tag at ``commit`` counts for the line whose branch is at ``tip``
    (as :mod:`releasekit.release.lines` reads a line's releases)."""
    if tip is not None and history.contains(tip, commit):
        return True
    return settings.releases.tags_off_branch and history.on_no_branch(commit)


def problem(line: ReleaseLine, found: LocalTag, remote: str) -> str:
    """Why ``found`` stops a release of ``line``, and what to do, naming the tag."""
    name = found.tag
    if found.remote is not None:
        where = (
            f"tag {name} is at {found.commit[:12]} here but at {found.remote[:12]} on remote "
            f"{remote}"
        )
        todo = f"delete it here (git tag -d {name}) and fetch again to take the remote's"
    else:
        where = f"tag {name} is not on remote {remote} (only this clone has it)"
        todo = (
            f"push it (git push {remote} refs/tags/{name}) if it was released, or delete it "
            f"here (git tag -d {name})"
        )
    if found.latest:
        what = f"line {line.name}: its newest release {where}, so its next version would be "
        return f"{what}{line.next_version}: {todo}"
    return f"line {line.name}: release {where}: {todo}"


def note(line: str, found: LocalTag, remote: str) -> str:
    """What a tag a lift journalled and has not pushed yet means: re-run the lift."""
    return (
        f"line {line}: tag {found.tag} is not on remote {remote} yet: a lift of this "
        "workspace journalled it; re-run `releasekit embargo lift` to push it"
    )


def next_tags_taken(
    lines: Lines, tags: Mapping[str, str], target: Callable[[str], str | None]
) -> Lines:
    """``lines`` with a problem for each supported line whose next tag exists but names no
    commit (a tag of a tree, a blob): ``tags`` leave such a tag out, yet the lift could not
    push that tag. ``target``: the object a tag's ref points at, None when there is none."""
    clash = {
        line.name: replace(line, problems=(*line.problems, f"line {line.name}: {problem}"))
        for line in lines.supported
        if line.tag and line.tag not in tags and target(line.tag) is not None
        for problem in [f"{line.next_version} is already tagged ({line.tag}, not a commit)"]
    }
    if not clash:
        return lines
    known = {key: clash.get(line.name, line) for key, line in lines.known.items()}
    supported = tuple(clash.get(line.name, line) for line in lines.supported)
    return replace(lines, known=known, supported=supported)


def shallow_hint(lines: Lines) -> Lines:
    """``lines`` of a shallow clone: a line whose release tags lie beyond the history the
    clone has (its problem "no release tag ... is on BRANCH") is told to fetch the rest."""
    hint = " (the product clone is shallow: run `git fetch --unshallow` in it)"

    def told(line: ReleaseLine) -> ReleaseLine:
        problems = tuple(
            p + hint if p.startswith(f"line {line.name}: no release tag of") else p
            for p in line.problems
        )
        return replace(line, problems=problems)

    known = {key: told(line) for key, line in lines.known.items()}
    return replace(lines, known=known, supported=tuple(told(line) for line in lines.supported))

"""The leak lint over what a lift would push: the held fixes, the release commits (message
and added lines), the branch and tag names, the tag messages and the committer (the
matching itself is :mod:`releasekit.release.lint`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from releasekit.adapters.git import Person, ProductRepo
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release import lint
from releasekit.release.bump import (
    development_message,
    makes_release_commit,
    release_context,
    release_texts,
    version_after,
    written,
)
from releasekit.release.plan import Plan, PlanLine
from releasekit.release.planner import (
    active_advisories,
    check_patch_dirs,
    committer,
    load_held,
    plan_line,
    release_lines,
)
from releasekit.support import tomlpos


def name_texts(settings: Settings, plan_lines: Iterable[PlanLine], who: Person) -> list[lint.Text]:
    """Branch and tag names, tag messages and the committer: everything a push names."""
    config = settings.config_path.name
    try:
        text = settings.config_path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    tag_at = tomlpos.key_line(text, "releases", "tag")
    texts: list[lint.Text] = []
    for line in plan_lines:
        named = line.name in settings.releases.branches
        branch_at = tomlpos.key_line(text, "releases", "branches" if named else "branch")
        texts.append(lint.Text.one(config, line.branch, branch_at))
        if line.tag is not None:
            texts.append(lint.Text.one(config, line.tag, tag_at))
        if line.tag_message is not None:
            numbered = tuple(
                (number, content) for number, content in enumerate(line.tag_message.splitlines(), 1)
            )
            texts.append(lint.Text(f"tag message of {line.tag}", numbered))
    if settings.releases.committer:
        where = config
        at = tomlpos.key_line(text, "releases", "committer")
    else:
        where, at = "user.name/user.email of the product clone", None
    texts.append(lint.Text.one(where, f"{who.name} <{who.email}>", at))
    return texts


def release_commit_texts(
    tag: str,
    message: str,
    added: Iterable[tuple[str, Sequence[tuple[int | None, str]]]],
    kind: str = "release",
) -> list[lint.Text]:
    """A release commit's message and the lines it adds to each file (``kind``
    "development": the commit a branch gets after a release tagged off it, ``tag`` its
    branch)."""
    where = f"{kind} commit of {tag}"
    texts = [lint.Text(where, tuple(enumerate(message.splitlines(), 1)))]
    texts += [lint.Text(f"{where}: {path}", tuple(lines)) for path, lines in added]
    return texts


def lint_plan(settings: Settings, plan: Plan, advisories: Iterable[Advisory]) -> list[lint.Finding]:
    """Leaks in exactly what this plan would push: the fixes stacked on each line, the
    release commits, the branch and tag names and tag messages of the lines that change,
    and the committer.
    ``advisories``: every advisory of the workspace (their ids, CVE ids and reporters are
    words), not only the planned ones."""
    matcher = lint.matcher_for(settings, advisories)
    pushed = {(cell.advisory, cell.line) for cell in plan.cells if cell.commits}
    patches_pushed = [plan.held[key] for key in sorted(pushed)]
    changing = [line for line in plan.lines if plan.outcomes[line.name].commits]
    texts = [t for patch in patches_pushed for t in lint.patch_texts(patch)]
    for line in changing:
        outcome = plan.outcomes[line.name]
        if outcome.release is not None and line.tag is not None:
            texts += release_commit_texts(line.tag, outcome.release.message, outcome.release.added)
        if outcome.development is not None:
            made = outcome.development
            texts += release_commit_texts(line.branch, made.message, made.added, "development")
    texts += name_texts(settings, changing, plan.committer)
    return lint.check(texts, matcher)


def lint_workspace(
    settings: Settings, advisories: Sequence[Advisory], repo: ProductRepo
) -> list[lint.Finding]:
    """Leaks in everything the lifts of the unreleased advisories would push: every held
    fix, the names and tag messages of every supported line, and the release commit of each
    released line that has fixes held (its message, changelog entry and version lines).
    Reads the clone's tags and remote-tracking refs as they are (no fetch)."""
    check_patch_dirs(settings)
    active = active_advisories(advisories)
    lines = release_lines(settings, repo, upcoming_exists=True)
    held = load_held(settings, active)
    plan_lines = [
        plan_line(settings, line, "", [a for a in active if (a.id, line.name) in held])
        for line in lines.supported
    ]
    matcher = lint.matcher_for(settings, advisories)
    texts = [t for key in sorted(held) for t in lint.patch_texts(held[key])]
    if makes_release_commit(settings):
        texts += _release_commits(settings, plan_lines, active, held)
    texts += name_texts(settings, plan_lines, committer(settings, repo))
    return lint.check(texts, matcher)


def _release_commits(
    settings: Settings,
    plan_lines: Iterable[PlanLine],
    active: Sequence[Advisory],
    held: Mapping[tuple[str, str], object],
) -> list[lint.Text]:
    """The texts of the release commit of each released line with fixes held, as if every
    advisory with an embargo and a fix held for it were released together (the changelog
    entry is inserted, and the version lines are changed, where the files say)."""
    texts: list[lint.Text] = []
    for line in plan_lines:
        released = [a for a in active if a.embargo is not None and (a.id, line.name) in held]
        if line.tag is None or not released:
            continue
        fixed = {a.id: {line.name: line.next_version} for a in released}
        instant = max(a.embargo for a in released if a.embargo is not None)
        message, entry = release_texts(
            settings, release_context(settings, line, released, fixed, instant)
        )
        added = [
            (
                bump.path,
                [
                    (None, text)
                    for text in written(bump.format, line.next_version, instant).splitlines()
                ],
            )
            for bump in settings.releases.bump
        ]
        changelog = settings.releases.changelog
        if changelog is not None and entry is not None:
            added.append(
                (changelog.path_of(line.name), [(None, text) for text in entry.splitlines()])
            )
        texts += release_commit_texts(line.tag, message, added)
        if settings.releases.release_off_branch:
            texts += _development_texts(settings, line)
    return texts


def _development_texts(settings: Settings, line: PlanLine) -> list[lint.Text]:
    """The texts of the commit the branch of ``line`` gets after its release
    (``[releases] release_off_branch``): its message and the version lines it writes."""
    after = version_after(settings, line.next_version)
    message = development_message(settings, line, after)
    added = [
        (bump.path, [(None, text) for text in written(form, after).splitlines()])
        for bump in settings.releases.bump
        for form in (bump.development or bump.format,)
    ]
    return release_commit_texts(line.branch, message, added, "development")

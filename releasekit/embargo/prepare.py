"""What a lift makes public, computed before the embargo instant.

The fixes are applied onto the freshly fetched tips, each released line's release commit is
made on top of them, and the commits and signed tags are built in memory (see
:mod:`releasekit.adapters.git`); no ref changes. The ref updates, the fixed versions and the
last fix commit of each line are journalled when the push starts, so a resumed run pushes
exactly them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from packaging.version import Version

from releasekit.adapters import journal
from releasekit.adapters.git import Person, ProductRepo
from releasekit.adapters.signing import Signer
from releasekit.embargo.context import Outside
from releasekit.embargo.run import journalled_tags
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.frontmatter import update_front_matter
from releasekit.model.released import between
from releasekit.release.plan import ALREADY_FIXED, Plan, ReleaseCommit
from releasekit.release.planner import build_plan


@dataclass(frozen=True)
class RefUpdate:
    """One ref the lift pushes: where it points now on the remote, and where it will."""

    ref: str
    old: str | None
    new: str
    line: str


@dataclass(frozen=True)
class Prepared:
    """Everything the lift would make public, computed before the embargo instant."""

    plan: Plan | None  # None when rebuilt from the journal
    updates: tuple[RefUpdate, ...]
    fixed: Mapping[str, Mapping[str, str]]  # advisory id -> line -> fixed version
    fix_commits: Mapping[str, str] = field(default_factory=dict)  # line -> its last fix
    # advisory id -> the released lines between its oldest and newest fixed line that got no
    # fix, newest first; None: not known (journalled by an older releasekit)
    unfixed: Mapping[str, Sequence[str]] | None = None

    def journal_detail(self) -> dict[str, Any]:
        """The ref updates, fixed versions, fix commits and the lines left without the fix
        as the push step journals them."""
        detail: dict[str, Any] = {
            "updates": [[u.ref, u.old, u.new, u.line] for u in self.updates],
            "fixed": {k: dict(v) for k, v in self.fixed.items()},
            "fix_commits": dict(self.fix_commits),
        }
        if self.unfixed is not None:
            detail["unfixed"] = {k: list(v) for k, v in self.unfixed.items()}
        return detail

    @classmethod
    def from_journal(cls, book: journal.Journal, step: journal.Step) -> Prepared:
        """What a push step of ``book`` meant to push (no plan: the objects are in the
        clone). A step journalled by an older releasekit has no ``unfixed``: None (the gaps
        are guessed). A detail not as :meth:`journal_detail` writes it is a JournalError."""
        detail = step.detail
        field = "updates"  # (the one read when a ValueError says it is not as written)
        try:
            updates = tuple(_ref_update(u) for u in _items(detail.get("updates")))
            field = "fixed"
            fixed = {k: _text_map(v) for k, v in _text_map(detail.get("fixed"), dict).items()}
            field = "fix_commits"
            fix_commits = _text_map(detail.get("fix_commits", {}))
            field = "unfixed"
            unfixed = detail.get("unfixed")
            if unfixed is not None:
                unfixed = {k: _texts(v) for k, v in _text_map(unfixed, list).items()}
        except ValueError:
            raise book.damaged(step, "a lift's push", f"detail.{field}") from None
        return cls(None, updates, fixed, fix_commits, unfixed)


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _texts(value: Any) -> list[str]:
    """``value`` when it is a list of strings; ValueError if not."""
    items = _items(value)
    if not all(isinstance(v, str) for v in items):
        raise ValueError("not a list of strings")
    return items


def _ref_update(value: Any) -> RefUpdate:
    """A journalled [ref, old, new, line] (old: None for a ref the remote does not have)."""
    items = _items(value)
    if len(items) != 4:
        raise ValueError("not a ref update")
    ref, old, new, line = items
    if not all(isinstance(v, str) for v in (ref, new, line)) or not isinstance(old, str | None):
        raise ValueError("not a ref update")
    return RefUpdate(ref, old, new, line)


def _text_map(value: Any, kind: type = str) -> dict[str, Any]:
    """``value`` when it is a table of ``kind`` values under string keys; ValueError if not."""
    if not isinstance(value, dict) or not all(isinstance(v, kind) for v in value.values()):
        raise ValueError("not a table")
    return value


def fix_commits_of(
    fixed: Mapping[str, Mapping[str, str]], fix_commits: Mapping[str, str], advisory_id: str
) -> dict[str, str]:
    """Per line that got ``advisory_id``'s fix, the line's last pushed fix commit."""
    lines = fixed.get(advisory_id, {})
    return {line: fix_commits[line] for line in lines if line in fix_commits}


def release_instant(now: datetime, batch: Sequence[Advisory]) -> datetime:
    """``now`` as the lift records ``released``: in whole seconds (in the journal and the
    advisory files), the next one when the one before is still before an embargo of
    the batch that ends at a fraction of a second (``released`` is never before ``embargo``;
    the lift goes only after the embargo)."""
    instant = now.replace(microsecond=0)
    if any(a.embargo is not None and a.embargo > instant for a in batch):
        instant += timedelta(seconds=1)
    return instant


def recorded(
    advisory: Advisory,
    released: datetime,
    fixed: Mapping[str, Mapping[str, str]],
    fix_commits: Mapping[str, str],
    unfixed: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The advisory's file as the lift records the release in it: ``released``, the fixed
    versions, the released lines between two fixed ones that got no fix (``unfixed``, when
    known: an advisory with no fixed version gets none) and the last fix commit of each line
    that got the fix."""
    values: dict[str, Any] = {
        "released": released,
        "fixed": fixed.get(advisory.id, {}),
    }
    if unfixed is not None and values["fixed"] and advisory.id in unfixed:
        values["unfixed"] = list(unfixed[advisory.id])
    values["fix_commits"] = fix_commits_of(fixed, fix_commits, advisory.id)
    # Bytes, decoded: read_text would make the file's CRLF line ends LF.
    return update_front_matter(advisory.path.read_bytes().decode("utf-8"), values)


def prepare(
    settings: Settings,
    batch: Sequence[Advisory],
    signer: Signer | None,
    when: datetime,
    outside: Outside,
) -> Prepared:
    """Fetch, apply the fixes onto the fresh tips and build the commits and signed tags.

    Objects are created in memory only; no ref changes. Tags are signed when ``signer`` is
    given (the dry run shows unsigned tags).
    """
    the_plan = build_plan(
        settings,
        list(batch),
        outside.open_repo(settings),
        progress=outside.progress,
        lifts=journalled_tags(settings),
    )
    repo = the_plan.repo
    tagger = Person(the_plan.committer.name, the_plan.committer.email, int(when.timestamp()))
    updates: list[RefUpdate] = []
    fix_commits: dict[str, str] = {}
    for line in the_plan.lines:
        outcome = the_plan.outcomes[line.name]
        head, last_fix = outcome.head, outcome.fix_head
        if head is None or last_fix is None:  # nothing new on this line: no push, no release
            continue
        fix_commits[line.name] = last_fix
        updates.append(RefUpdate(f"refs/heads/{line.branch}", line.base, head, line.name))
        if line.tag is not None and line.tag_message is not None:
            sign = signer.sign_for_tag if signer is not None else None
            target = outcome.tagged or head  # the release commit, on the branch or not
            tag_oid = repo.create_tag_object(line.tag, target, line.tag_message, tagger, sign)
            updates.append(RefUpdate(f"refs/tags/{line.tag}", None, tag_oid, line.name))
    fixed = _fixed(the_plan, batch)
    return Prepared(the_plan, tuple(updates), fixed, fix_commits, unfixed_lines(the_plan, fixed))


_SHOWN_PER_BRANCH = 200


def messages(prepared: Prepared) -> list[tuple[str, str]]:
    """(what, text) of every commit and tag message the updates make public, oldest commit
    first per branch, as a dry run shows them, and the lines each release commit adds (the
    version, the changelog entry); a release commit on no branch (``[releases]
    release_off_branch``) before its tag. [] when rebuilt from the journal (the plan's
    objects are then in the clone, and the journal holds no text)."""
    if prepared.plan is None:
        return []
    repo = prepared.plan.repo
    releases = {
        made.commit: made
        for outcome in prepared.plan.outcomes.values()
        for made in (outcome.release, outcome.development)
        if made is not None
    }
    shown: list[tuple[str, str]] = []
    walked: set[str] = set()  # the commits shown on a branch
    for update in prepared.updates:
        if update.ref.startswith("refs/tags/"):
            name, target, text = repo.tag_info(update.new)
            unsigned = text.split("-----BEGIN PGP SIGNATURE-----", 1)[0]
            if target in releases and target not in walked:
                shown += _commit_texts(repo, target, releases, f"tagged {name}, on no branch")
            shown.append((f"tag {name}", unsigned))
            continue
        branch = update.ref.removeprefix("refs/heads/")
        chain: list[tuple[str, str]] = []
        oid: str | None = update.new
        # Back from the new tip to the public one; a new branch (no old tip) shows its last few.
        while oid is not None and oid != update.old and len(chain) < _SHOWN_PER_BRANCH:
            walked.add(oid)
            chain += reversed(_commit_texts(repo, oid, releases, f"on {branch}"))
            parents = repo.commit(oid).parents
            oid = parents[0] if parents else None
        shown += reversed(chain)
    return shown


def _commit_texts(
    repo: ProductRepo, oid: str, releases: Mapping[str, ReleaseCommit], where: str
) -> list[tuple[str, str]]:
    """The message of commit ``oid`` and, for a release or development commit, the lines
    it adds to each file (version, changelog entry), which become public too."""
    made = releases.get(oid)
    texts = [(f"commit {oid[:12]} {where}", repo.commit(oid).message)]
    for path, added in made.added if made is not None else ():
        text = "".join(f"+{line}\n" for _number, line in added)
        texts.append((f"{path}: lines added by commit {oid[:12]}", text))
    return texts


def unfixed_lines(the_plan: Plan, fixed: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """Per advisory, the released lines (of the tags, supported or not) between its oldest
    and its newest fixed line that do not get the fix, newest first: what makes the gaps of
    model.versions, which the advisory alone cannot tell (ESR 10.4 fixed with 11.0: 10.5 and
    10.6 were released in between; LTS 4.2 fixed with 5.0: no line was). A line that had the
    fix in an earlier release is in ``fixed`` (the plan's ``earlier``), so not one of them;
    nor is a line whose branch already has the fix (an already-fixed cell) when the held
    fixes cannot tell whether a release of it had it (the plan notes it)."""
    has_it = {
        (c.advisory, c.line)
        for c in the_plan.cells
        if c.status == ALREADY_FIXED and (c.advisory, c.line) in the_plan.unknown
    }
    return {
        ident: [line for line in between(the_plan.released, lines) if (ident, line) not in has_it]
        for ident, lines in fixed.items()
        if lines
    }


def _fixed(the_plan: Plan, batch: Sequence[Advisory]) -> dict[str, dict[str, str]]:
    """Per advisory, each line's fixed version: the next version of a line that gets the
    fix now, and the first release that had it of a line that got it before."""
    fixed: dict[str, dict[str, str]] = {}
    for advisory in batch:
        fixed[advisory.id] = {
            cell.line: the_plan.line(cell.line).next_version
            for cell in the_plan.cells
            if cell.advisory == advisory.id and cell.required
        }
        found = {**fixed[advisory.id], **the_plan.earlier.get(advisory.id, {})}
        fixed[advisory.id] = dict(sorted(found.items(), key=lambda i: Version(i[0]), reverse=True))
    return fixed

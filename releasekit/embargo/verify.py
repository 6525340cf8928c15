"""``releasekit verify``: build and test each tip the lift would push, before the lift.

For each line the plan moves, exactly the tree of its new tip (the fixes and the release
commit, :attr:`LineOutcome.head`; with ``[releases] release_off_branch``, the tree the tag
points at) is written into a private temporary worktree under
``.releasekit/verify/work/`` (outside the product clone, 0700) and ``[verify] command`` runs
there (:mod:`releasekit.adapters.process`: a minimal environment, no network where the
platform allows, the timeout). Lines run in parallel, at most one per core. The output is
kept in ``.releasekit/verify/LINE-TREE.log`` and the result in ``LINE-TREE.json`` (0600,
never published); the worktrees are removed afterwards, and what a killed run left is
removed by the next one. A result counts for a plan only when its tree is the plan's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from releasekit.adapters import journal, process
from releasekit.adapters.git import ProductRepo
from releasekit.embargo.batch import select_batch
from releasekit.embargo.context import Outside
from releasekit.embargo.prepare import Prepared, prepare
from releasekit.model.config import Settings
from releasekit.support import clock, fsutil, timefmt
from releasekit.support.errors import BadInput, NotReady
from releasekit.workspace import files as workspace


@dataclass(frozen=True)
class Target:
    """One line's new tip, as the lift would push it."""

    line: str
    commit: str
    tree: str


@dataclass(frozen=True)
class Result:
    """How the command ended on one line's tree."""

    line: str
    commit: str
    tree: str
    ok: bool
    returncode: int | None
    timed_out: bool
    seconds: float
    log: str  # relative to the workspace
    finished: str  # ISO instant
    isolated: bool  # run without network

    @property
    def why(self) -> str:
        if self.timed_out:
            return "timed out"
        return "passed" if self.ok else f"exit status {self.returncode}"


@dataclass
class VerifyReport:
    results: list[Result]
    isolated: bool  # every run had no network
    ids: list[str]  # the advisories of the batch verified

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def to_json(self) -> dict[str, Any]:
        return {
            "advisories": self.ids,
            "ok": not self.failed,
            "network_isolated": self.isolated,
            "lines": [asdict(r) for r in self.results],
        }


def verify_dir(settings: Settings) -> Path:
    return settings.state_dir / "verify"


def targets(prepared: Prepared) -> list[Target]:
    """The new tip of every line the plan moves, with its tree."""
    assert prepared.plan is not None
    plan = prepared.plan
    found = []
    for line in plan.lines:
        outcome = plan.outcomes[line.name]
        # Tagged off the branch ([releases] release_off_branch): the released tree, which
        # differs from the branch's only in the version lines.
        head = outcome.tagged if outcome.development is not None else outcome.head
        if head is not None:
            found.append(Target(line.name, head, plan.repo.commit(head).tree))
    return found


def last_results(settings: Settings) -> dict[str, Result]:
    """The newest result of each line, whatever plan it was for."""
    newest: dict[str, Result] = {}
    folder = verify_dir(settings)
    if not folder.is_dir():
        return newest
    for path in folder.glob("*.json"):
        result = _read(path)
        if result is None:
            continue
        known = newest.get(result.line)
        if known is None or result.finished > known.finished:
            newest[result.line] = result
    return newest


def current(settings: Settings, wanted: Sequence[Target]) -> tuple[list[Result], list[Target]]:
    """The passing or failing results for exactly ``wanted``'s trees, and the targets that
    have none (never run, or run on another tree: stale)."""
    found: list[Result] = []
    missing: list[Target] = []
    for target in wanted:
        result = _read(_record(settings, target, "json"))
        if result is None:
            missing.append(target)
        else:
            found.append(result)
    return found, missing


def _record(settings: Settings, target: Target, ext: str) -> Path:
    """Where the result record (``json``) or the output (``log``) of ``target`` is kept."""
    return verify_dir(settings) / f"{target.line}-{target.tree}.{ext}"


def _read(path: Path) -> Result | None:
    """The result recorded at ``path``; None when there is none, or a record cut short by a
    kill (as if missing)."""
    try:
        return Result(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def run(
    settings: Settings, wanted: Sequence[Target], prepared: Prepared, outside: Outside
) -> list[Result]:
    """Run the command on each target's tree, in parallel; each result recorded."""
    command = settings.verify.command
    if not command:
        raise BadInput("no [verify] command in releasekit.toml")
    assert prepared.plan is not None
    repo = prepared.plan.repo
    state = workspace.state_dir(settings)
    with journal.exclusive(state, "verify"):
        folder = fsutil.private_dir(verify_dir(settings))
        work = fsutil.private_dir(folder / "work")
        clean(work)  # what a killed run left behind
        try:
            outside.say(f"verify: {' '.join(command)} on {', '.join(t.line for t in wanted)}")
            workers = max(1, min(len(wanted), os.cpu_count() or 1))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(
                    pool.map(lambda t: _run_one(settings, outside, t, repo, work), wanted)
                )
        finally:
            clean(work)
    return results


def _run_one(
    settings: Settings, outside: Outside, target: Target, repo: ProductRepo, work: Path
) -> Result:
    """Write the target's tree into a worktree of its own and run the command there (in a
    worker thread: one line's files are written while another's test runs)."""
    place = Path(tempfile.mkdtemp(prefix=f"{target.line}-", dir=work))
    (place / "tree").mkdir(mode=0o700)
    (place / "home").mkdir(mode=0o700)
    repo.write_tree(target.tree, place / "tree")
    log = _record(settings, target, "log")
    env = process.minimal_environment(place / "home", outside.env.get("PATH"))
    done = process.run(settings.verify.command, place / "tree", env, settings.verify.timeout, log)
    result = Result(
        line=target.line,
        commit=target.commit,
        tree=target.tree,
        ok=done.returncode == 0,
        returncode=done.returncode,
        timed_out=done.timed_out,
        seconds=round(done.seconds, 3),
        log=str(workspace.display_path(settings, log)),
        finished=timefmt.iso_utc(clock.now()),
        isolated=process.isolation() is not None,
    )
    fsutil.atomic_write(
        _record(settings, target, "json"), json.dumps(asdict(result), indent=2) + "\n", 0o600
    )
    return result


def clean(work: Path) -> None:
    """Remove every worktree under ``work``."""
    for leftover in work.iterdir():
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def verify_next(settings: Settings, outside: Outside, now: datetime) -> VerifyReport:
    """``releasekit verify``: the batch the lift takes next (due now, else the next one),
    planned as the lift plans it, verified on every line it moves."""
    if not settings.verify.command:
        raise BadInput("no [verify] command in releasekit.toml: nothing to run")
    advisories = workspace.load_advisories(settings)
    batch, _instant = select_batch(advisories, now, True)
    if not batch:
        return VerifyReport([], process.isolation() is not None, [])
    prepared = prepare(settings, batch, None, now, outside)
    assert prepared.plan is not None
    broken = [c.trouble() for c in prepared.plan.cells if not c.ok]
    if broken:
        raise NotReady(f"the plan is not ready: {'; '.join(broken)}; run `releasekit plan`")
    wanted = targets(prepared)
    results = run(settings, wanted, prepared, outside) if wanted else []
    return VerifyReport(results, process.isolation() is not None, [a.id for a in batch])


def describe_failures(failed: Sequence[Result]) -> str:
    """ "10.3 (exit status 1, log .releasekit/verify/10.3-….log)", joined."""
    return "; ".join(f"{r.line} ({r.why}, log {r.log})" for r in failed)

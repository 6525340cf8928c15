"""Rendering many advisories: in this process, or in worker processes forked for a big build.

Everything a worker needs is made before the fork (templates compiled, schemas and the
Markdown parser built) and inherited; the results come back as plain tuples. Either way the
advisories are rendered in chunks, each chunk taken through the steps of rendering side by
side (:func:`in_step`; see pages.Steps).
"""

from __future__ import annotations

import gc
import marshal
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from releasekit.model.advisory import Advisory, read_advisory
from releasekit.site import child, listing, mdcache, pages
from releasekit.site.pages import Context, Steps
from releasekit.support.errors import AdvisoryError, Problem, PublishError
from releasekit.workspace import files as workspace

Advance = Callable[[int, int], None]  # pages rendered so far, of how many (big builds only)
T = TypeVar("T")
CHUNK = 50  # advisories taken through the steps side by side (25 to 200 saved alike, 8 less)


@dataclass(frozen=True)
class Task:
    """One advisory to render: given, or its file (parsed first)."""

    id: str
    source: Advisory | Path  # a Path is parsed first
    records: pages.Records | None = None  # the last build's records, kept if still right
    row: pages.KeptRow | None = None  # the last build's row, kept if still right
    again: pages.Again | None = None  # with both kept: its page alone, from what was kept


class Done(NamedTuple):
    """What rendering one task gave (plain tuples: cheap to send back from a worker)."""

    item: tuple[Any, ...] | None  # an Item; None when the file did not parse
    row: bytes | None  # its Row (marshal: see listing.Packed)
    problems: tuple[Problem, ...]
    written: dict[str, tuple[Any, ...]]  # a FileInfo for each file rendered into the standby


def render_task(ctx: Context, task: Task) -> Steps[Done]:
    """Render one task (its file parsed first): its item, row, files, or its problems (in
    steps: see pages.Steps)."""
    found = None
    if task.again is not None and task.records is not None and isinstance(task.source, Path):
        found = yield from pages.render_page(ctx, task.again, task.records, task.source)
    row: listing.Row | None = None
    if found is not None:
        item, written = found
    else:
        advisory = task.source
        if isinstance(advisory, Path):
            prefix = ctx.settings.project.advisory_prefix
            shown = ctx.shown / advisory.name if ctx.shown is not None else advisory
            try:
                advisory = read_advisory(advisory, prefix, shown)
            except AdvisoryError as exc:
                return Done(None, None, tuple(exc.problems), {})
            # A version the project's version scheme cannot say: no record could be made.
            if (problem := workspace.scheme_problem(ctx.settings, advisory, shown)) is not None:
                return Done(None, None, (problem,), {})
            yield
        item, row, written = yield from pages.render_advisory(ctx, advisory, task.records, task.row)
    plain_row = None if row is None else marshal.dumps(tuple(row))
    return Done(tuple(item), plain_row, (), {rel: tuple(info) for rel, info in written.items()})


def in_step(steps: list[Steps[T]]) -> list[T]:
    """What each of ``steps`` returns, taking them side by side: each to its next step in
    turn, until all are done. An error ends them all: the first raised in that order (not
    necessarily the first of the list's)."""
    results: list[Any] = [None] * len(steps)
    pending = list(enumerate(steps))
    while pending:
        going = []
        for i, step in pending:
            try:
                next(step)
            except StopIteration as done:
                results[i] = done.value
            else:
                going.append((i, step))
        pending = going
    return results


def render_chunk(ctx: Context, tasks: list[Task]) -> list[Done]:
    """Render ``tasks`` side by side (see :func:`in_step`)."""
    return in_step([render_task(ctx, task) for task in tasks])


_WORKER: Context | None = None


def _init_worker(ctx: Context, parent: int) -> None:
    global _WORKER
    child.die_with_parent(parent)  # a killed build leaves no worker waiting for work
    _WORKER = ctx
    gc.enable()  # the build process collects nothing (see build); a worker renders many pages


def _render_chunk(tasks: list[Task]) -> list[Done]:
    assert _WORKER is not None
    done = render_chunk(_WORKER, tasks)
    _keep_details(_WORKER, close=False)
    return done


def _keep_details(ctx: Context, close: bool = True) -> None:
    """Keep the details this process rendered (see mdcache)."""
    if ctx.markdown is not None:
        mdcache.flush(ctx.markdown, close)


def chunk_size(count: int, jobs: int) -> int:
    """How many of ``count`` advisories go to a worker at a time: chunks small enough that
    the ``jobs`` workers end together (a hundred a worker), big enough for the steps to pay
    (:data:`CHUNK` halved), and in a small build two a worker at least (64 advisories on 8
    cores: chunks of 4)."""
    return max(min(CHUNK // 2, -(-count // (jobs * 2))), count // (jobs * 100), 1)


def processes_for(requested: int | None, count: int, parallel_min: int) -> int:
    """How many processes render ``count`` advisories: ``requested``, else every core from
    ``parallel_min`` advisories on."""
    if requested is not None:
        return max(1, min(requested, count))
    if count < parallel_min:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def run(
    ctx: Context, tasks: list[Task], jobs: int, advance: Advance | None = None
) -> Generator[Done, None, None]:
    """Render the tasks, in ``jobs`` processes; ``advance`` is told as chunks finish. What
    each gave comes as it is done: the caller takes it in (and lets go of what it does not
    keep) while the others render, instead of holding every result at once. Close it (or
    take all) before going on: a caller that stops early must close it (contextlib.closing),
    which ends the workers."""
    tell = advance or (lambda _done, _total: None)
    if jobs <= 1:
        for start in range(0, len(tasks), CHUNK):
            yield from render_chunk(ctx, tasks[start : start + CHUNK])
            tell(min(start + CHUNK, len(tasks)), len(tasks))
        _keep_details(ctx)
        return
    # Loaded only for a big build: a process pool costs most small builds more than they take.
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    # Everything a worker needs is made here once (templates compiled, schemas and the
    # Markdown parser built) and inherited through fork; frozen, the objects are not
    # touched by the workers' garbage collector, so their memory stays shared.
    pages.renderer_for(ctx.settings, ctx.global_key)
    from releasekit.site import markdown  # markdown-it-py: loaded only when a text is parsed

    markdown.warm()
    size = chunk_size(len(tasks), jobs)
    chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    freeze = gc.get_freeze_count() == 0  # (a caller's own frozen objects stay frozen)
    if freeze:
        gc.collect()
        gc.freeze()
    try:
        with ProcessPoolExecutor(
            jobs,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(ctx, os.getpid()),
        ) as pool:
            count = 0
            try:
                for chunk in pool.map(_render_chunk, chunks):
                    count += len(chunk)
                    tell(count, len(tasks))
                    yield from chunk
            except BaseException:  # (the caller stopped taking: GeneratorExit, an error)
                pool.shutdown(wait=True, cancel_futures=True)  # no chunk left to render
                raise
    except BrokenProcessPool:  # a worker killed from outside (the OOM killer, a signal)
        raise PublishError(
            "a render worker process ended before its pages were done (killed?); "
            "the site was not changed: run publish again"
        ) from None
    finally:
        if freeze:
            gc.unfreeze()

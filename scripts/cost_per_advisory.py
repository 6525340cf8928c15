#!/usr/bin/env python3
"""What rendering one advisory costs, step by step, with the Markdown left out.

For every advisory of a workspace, each step of a page's rendering (as site.pages and
site.workers do it) is timed apart, all advisories at a time, in this one process (CPU
time): reading the file, TOML, the field checks, the fingerprint, the public fields, the
view model, the two templates, the JSON and feed rows, the two records (validated), the
digests, creating the files and the worker protocol (pickling the tasks and the results).
The details' HTML is made beforehand and not counted: this is the cost per advisory that
a faster Markdown renderer leaves. Standalone:

  .venv/bin/python scripts/cost_per_advisory.py WORKSPACE [--repeat 3]
"""

from __future__ import annotations

import argparse
import marshal
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from releasekit import records
from releasekit.model import lifecycle
from releasekit.model.advisory import parse_advisory, split_front_matter
from releasekit.model.public import public_fields
from releasekit.site import keys, listing, markdown, pages, tree, views, workers
from releasekit.site.pages import Context
from releasekit.support import tomlpos
from releasekit.support.clock import now as clock_now
from releasekit.workspace.files import open_workspace


def timed(repeat: int, step: Callable[[], Any]) -> tuple[float, Any]:
    """The least CPU time of ``repeat`` calls of ``step``, and its last value."""
    best = float("inf")
    value = None
    for _ in range(repeat):
        start = time.process_time()
        value = step()
        best = min(best, time.process_time() - start)
    return best, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    settings = open_workspace(args.workspace.resolve())
    prefix = settings.project.advisory_prefix
    now = clock_now()
    days = settings.project.disclosure_days
    paths = sorted(settings.advisories_dir.glob("*.md"))
    count = len(paths)
    global_key = keys.global_key(settings)
    renderer = pages.renderer_for(settings, global_key)
    costs: dict[str, float] = {}

    def step(name: str, function: Callable[[], Any]) -> Any:
        seconds, value = timed(args.repeat, function)
        costs[name] = seconds
        return value

    texts = step("read the file", lambda: [p.read_bytes().decode("utf-8") for p in paths])
    fronts = [split_front_matter(text) for text in texts]
    step("TOML", lambda: [tomlpos.loads(front[0]) for front in fronts if front])
    advisories = step(
        "parse: TOML and field checks",
        lambda: [parse_advisory(t, p, prefix) for t, p in zip(texts, paths, strict=True)],
    )
    step("fingerprint", lambda: [keys.fingerprint(a) for a in advisories])
    stages = [lifecycle.stage(a, now, days) for a in advisories]
    shown = step(
        "stage and public fields",
        lambda: [public_fields(settings, a, lifecycle.stage(a, now, days)) for a in advisories],
    )
    disclosed = [s for s in shown if s is not None]
    views_ = step("view model", lambda: [views.page_view(settings, s) for s in disclosed])
    details = {s.id: Markup(markdown.to_html(s.details or "")) for s in disclosed}  # noqa: S704
    page = renderer.page_context
    html = step(
        "page template",
        lambda: [
            renderer.render(
                "advisory.html.j2", advisory=v, details_html=details[v["id"]], **page
            ).encode()
            for v in views_
        ],
    )
    rows = step(
        "row template",
        lambda: [renderer.render("_row.html.j2", a=v, **renderer.row_context) for v in views_],
    )
    import orjson

    json = step("JSON row", lambda: [orjson.dumps(views.json_row(settings, s)) for s in disclosed])
    feed = step("feed row", lambda: [tuple(views.feed_row(s)) for s in disclosed])
    # (the records of the disclosed advisories, from the fields their page computed)
    by_id = {a.id: a for a in advisories}
    pairs = [(by_id[s.id], s) for s in disclosed if s.disclosed]
    osv = step(
        "OSV record",
        lambda: [records.dumps(records.osv_record(settings, a, s)) for a, s in pairs],
    )
    with_cve = [(a, s) for a, s in pairs if records.writes_cve(settings, a.cve)]
    cve = step(
        "CVE record",
        lambda: [records.dumps(records.cve_record(settings, a, shown=s)) for a, s in with_cve],
    )
    files = [*html, *osv, *cve]
    step(
        "digests: files, row, render key",
        lambda: (
            [tree.digest(data) for data in files],
            [
                listing.row_digest(((0.0, 0, 0), r, j, f))
                for r, j, f in zip(rows, json, feed, strict=True)
            ],
            [keys.render_key(global_key, "f" * 32, s) for s in stages],
        ),
    )
    scratch = Path(tempfile.mkdtemp(prefix="cost-", dir=settings.state_dir.parent))
    try:
        tree.check_umask()

        def create() -> None:
            out = scratch / f"{time.monotonic_ns()}"
            for number, data in enumerate(files):
                folder = ("advisories", "osv", "cve")[min(2, number // max(1, len(html)))]
                tree.write_new(out, f"{folder}/{number}.html", data)

        step("create the files", create)
    finally:
        shutil.rmtree(scratch)
    ctx = Context(settings, now, Path("/nonexistent"), global_key)
    tasks = [workers.Task(a.id, p) for a, p in zip(advisories, paths, strict=True)]
    done = [
        workers.Done(
            (a.id, a.year, a.number, a.cve, "f" * 32, 0.0, 0.0, "k" * 32, ("x",), "d", True, False),
            marshal.dumps(((0.0, 0, 0), r, b"{}", f)),
            (),
            {"advisories/x.html": ("d" * 32, 1, 2, 3)},
        )
        for a, r, f in zip(advisories, rows, feed, strict=True)
    ]
    del ctx
    step(
        "worker protocol (pickled tasks, results)",
        lambda: pickle.loads(pickle.dumps(tasks)) and pickle.loads(pickle.dumps(done)),  # noqa: S301
    )
    total = sum(costs.values())
    print(f"{count} advisories of {args.workspace} ({os.cpu_count()} cores), Markdown left out:")
    for name, seconds in costs.items():
        print(f"  {name:<42} {seconds * 1e6 / count:7.0f} µs  {seconds:6.3f} s")
    print(f"  {'total':<42} {total * 1e6 / count:7.0f} µs  {total:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

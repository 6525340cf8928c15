"""Benchmark of `releasekit plan` against the same work done with git itself.

Generates (with git fast-import) a product repository of 5,000 files and 6 supported release
lines (upcoming 10.4, ESR 9.11, the last 4 released lines, plus older lines) with a bare
remote and a product clone, and a workspace with 50 embargoed advisories, each holding a fix
for every line: 300 held fixes. Every fix is made on an older tip of its line, whose public
tip has changed the same file since, so every fix needs a three-way merge.

Measured in the same run:
- `releasekit plan --json`, end to end: a subprocess of the installed CLI, including the
  fetch from the local bare remote; the median of 3 runs;
- the git baseline: per line a worktree, then `git apply -3 --index` and `git commit` for
  each fix in id order.
Then the trees releasekit built are checked against the trees git built.

Targets: plan < 2 s, and >= 5x faster than the baseline. Exit 1 when a target is missed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRS, FILES_PER_DIR, LINES_PER_FILE = 50, 100, 30
ADVISORIES = 50
RELEASED = {  # line -> released versions (tags); 9.9 and 9.10 are older, unsupported lines
    "9.9": ["9.9.0", "9.9.1"],
    "9.10": ["9.10.0", "9.10.1"],
    "9.11": ["9.11.0", "9.11.1"],
    "10.0": ["10.0.0", "10.0.1"],
    "10.1": ["10.1.0", "10.1.1"],
    "10.2": ["10.2.0", "10.2.1"],
    "10.3": ["10.3.0", "10.3.1"],
}
UPCOMING = "10.4"
SUPPORTED = ["10.4", "10.3", "10.2", "10.1", "10.0", "9.11"]
PLAN_TARGET, RATIO_TARGET = 2.0, 5.0
EPOCH = 1_790_000_000
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "Dana Developer",
    "GIT_AUTHOR_EMAIL": "dana@example.org",
    "GIT_COMMITTER_NAME": "Release Bot",
    "GIT_COMMITTER_EMAIL": "release@example.org",
    "GIT_AUTHOR_DATE": f"{EPOCH} +0000",
    "GIT_COMMITTER_DATE": f"{EPOCH} +0000",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, env=ENV, check=False
    )
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode().strip()


def file_text(path: str, header: str | None = None) -> str:
    lines = [f"{path}: line {i}\n" for i in range(1, LINES_PER_FILE + 1)]
    if header is not None:
        lines[0] = f"{path}: {header}\n"
    return "".join(lines)


def blob_id(text: str) -> str:
    data = text.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git ids


def target(advisory: int) -> str:
    return f"src/m{advisory - 1:02d}/f000.c"


class Stream:
    """A git fast-import stream."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0
        self.time = EPOCH

    def next_mark(self) -> int:
        self.mark += 1
        return self.mark

    def blob(self, text: str) -> int:
        mark = self.next_mark()
        data = text.encode()
        self.parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
        return mark

    def commit(self, ref: str, message: str, parent: int | None, files: dict[str, int]) -> int:
        mark = self.next_mark()
        self.time += 60
        msg = message.encode()
        head = (
            f"commit {ref}\nmark :{mark}\n"
            f"author Dana Developer <dana@example.org> {self.time} +0000\n"
            f"committer Release Bot <release@example.org> {self.time} +0000\n"
        ).encode()
        body = b"data %d\n%s\n" % (len(msg), msg)
        if parent is not None:
            body += b"from :%d\n" % parent
        body += b"".join(b"M 100644 :%d %s\n" % (m, p.encode()) for p, m in files.items())
        self.parts.append(head + body + b"\n")
        return mark

    def tag(self, name: str, mark: int) -> None:
        self.time += 1
        msg = f"Release {name}".encode()
        self.parts.append(
            f"tag {name}\nfrom :{mark}\n"
            f"tagger Release Bot <release@example.org> {self.time} +0000\n".encode()
            + b"data %d\n%s\n" % (len(msg), msg)
        )

    def bytes(self) -> bytes:
        return b"".join(self.parts) + b"done\n"


def generate(root: Path) -> tuple[Path, Path, Path]:
    """The bare remote, the product clone and the workspace."""
    stream = Stream()
    paths = [f"src/m{d:02d}/f{f:03d}.c" for d in range(DIRS) for f in range(FILES_PER_DIR)]
    base = stream.commit(
        "refs/heads/main", "Initial import", None, {p: stream.blob(file_text(p)) for p in paths}
    )
    touched = [target(k) for k in range(1, ADVISORIES + 1)]
    for line in [*RELEASED, UPCOMING]:
        ref = f"refs/heads/release-{line}"
        parent = base
        for version in RELEASED.get(line, []):
            parent = stream.commit(
                ref, f"Release {version}", parent, {"VERSION": stream.blob(version + "\n")}
            )
            stream.tag(f"v{version}", parent)
        # The live tip moves on after the last release: every file a fix touches changes.
        stream.commit(
            ref,
            f"Maintenance of {line}",
            parent,
            {p: stream.blob(file_text(p, f"maintained on {line}")) for p in touched},
        )
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote))
    git(remote, "fast-import", "--quiet", data=stream.bytes())
    clone = root / "product"
    git(root, "clone", "-q", str(remote), str(clone))
    git(clone, "config", "user.name", "Release Bot")
    git(clone, "config", "user.email", "release@example.org")

    ws = root / "ws"
    (ws / "advisories").mkdir(parents=True)
    (ws / "releasekit.toml").write_text(
        f"""[project]
name = "Bench Server"
vendor = "Bench"
repository = "{clone}"
advisory_prefix = "BNSA"
site_url = "https://bench.example/security"

[releases]
upcoming = "{UPCOMING}"
esr = ["9.11"]
last = 4
"""
    )
    for k in range(1, ADVISORIES + 1):
        ident = f"BNSA-2026-{k:04d}"
        (ws / "advisories" / f"{ident}.md").write_text(
            f"""+++
id = "{ident}"
title = "Issue {k}"
cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"
embargo = 2026-12-01T14:00:00Z
summary = "Issue {k}."
+++
"""
        )
        for line in SUPPORTED:
            (ws / "patches" / ident).mkdir(parents=True, exist_ok=True)
            (ws / "patches" / ident / f"{line}.patch").write_text(fix_patch(k, line))
    return remote, clone, ws


def fix_patch(k: int, line: str) -> str:
    """A format-patch of fix ``k`` made on the line's older tip (the last release tag)."""
    path = target(k)
    before = file_text(path)
    after_lines = before.splitlines(keepends=True)
    after_lines[19] = f"{path}: checked input {k} on {line}\n"
    after = "".join(after_lines)
    context = before.splitlines(keepends=True)
    hunk = (
        "@@ -17,7 +17,7 @@\n"
        + "".join(" " + s for s in context[16:19])
        + "-"
        + context[19]
        + "+"
        + after_lines[19]
        + "".join(" " + s for s in context[20:23])
    )
    return (
        f"From {'0' * 40} Mon Sep 17 00:00:00 2001\n"
        f"From: Dana Developer <dana@example.org>\n"
        f"Date: Mon, 21 Sep 2026 10:00:00 +0000\n"
        f"Subject: [PATCH] Validate input {k} in m{k - 1:02d}\n\n"
        f"Reject malformed input earlier.\n---\n"
        f" {path} | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
        f"diff --git a/{path} b/{path}\n"
        f"index {blob_id(before)[:7]}..{blob_id(after)[:7]} 100644\n"
        f"--- a/{path}\n+++ b/{path}\n{hunk}-- \n2.39.5\n\n"
    )


def releasekit_cli() -> str:
    found = Path(sys.executable).parent / "releasekit"
    return str(found) if found.exists() else shutil.which("releasekit") or "releasekit"


def time_plan(ws: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [releasekit_cli(), "-C", str(ws), "plan", "--json"],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"releasekit plan exited {done.returncode}")
    return elapsed


def time_git(clone: Path, ws: Path, scratch: Path) -> tuple[float, dict[str, str]]:
    """Per line a worktree, then git apply -3 --index and git commit per fix in id order."""
    trees: dict[str, str] = {}
    started = time.perf_counter()
    for line in SUPPORTED:
        tree = scratch / f"wt-{line}"
        git(clone, "worktree", "add", "-q", "--detach", str(tree), f"origin/release-{line}")
        for k in range(1, ADVISORIES + 1):
            patch = ws / "patches" / f"BNSA-2026-{k:04d}" / f"{line}.patch"
            git(tree, "apply", "-3", "--index", str(patch))
            git(tree, "commit", "-q", "-m", f"Validate input {k}")
        trees[line] = git(tree, "rev-parse", "HEAD^{tree}")
    return time.perf_counter() - started, trees


def check_trees(ws: Path, expected: dict[str, str]) -> None:
    """The plan's stacked trees are the trees git built, line for line."""
    sys.path.insert(0, str(ROOT))
    from releasekit.adapters.env import Environment
    from releasekit.adapters.git import ProductRepo
    from releasekit.release.planner import build_plan
    from releasekit.workspace import files as workspace

    settings = workspace.open_workspace(ws)
    repo = ProductRepo.open(settings.repository_path, Environment(dict(os.environ)))
    plan = build_plan(settings, workspace.load_advisories(settings), repo, fetch=False)
    for line in SUPPORTED:
        outcome = plan.outcomes[line]
        if not outcome.ok or outcome.head is None or len(outcome.commits) != ADVISORIES:
            raise SystemExit(f"bench_plan: line {line}: the plan did not stack every fix")
        tree = plan.repo.commit(outcome.head).tree
        if tree != expected[line]:
            raise SystemExit(f"bench_plan: line {line}: tree {tree} differs from git's")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="releasekit-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        _remote, clone, ws = generate(root)
        listing = git(clone, "ls-tree", "-r", "--name-only", "origin/main", "src")
        files = listing.count("\n") + 1
        print(
            f"bench_plan: generated {files} files, {len(SUPPORTED)} supported lines, "
            f"{ADVISORIES} advisories, {ADVISORIES * len(SUPPORTED)} held fixes "
            f"in {time.perf_counter() - started:.1f} s"
        )
        plan_times = [time_plan(ws) for _ in range(3)]
        plan_time = statistics.median(plan_times)
        scratch = root / "scratch"
        scratch.mkdir()
        git_time, trees = time_git(clone, ws, scratch)
        check_trees(ws, trees)
        ratio = git_time / plan_time
        runs = ", ".join(f"{t:.2f}" for t in plan_times)
        print(f"bench_plan: releasekit plan  {plan_time:6.2f} s  (median of {runs}; target < 2 s)")
        how = "worktree, apply -3 --index, commit"
        print(f"bench_plan: git baseline     {git_time:6.2f} s  ({how})")
        print(f"bench_plan: ratio            {ratio:6.1f} x  (target >= 5x)")
        print("bench_plan: the plan's trees equal git's on every line")
        missed = plan_time >= PLAN_TARGET or ratio < RATIO_TARGET
        print(f"bench_plan: {'TARGET MISSED' if missed else 'targets met'}")
        return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

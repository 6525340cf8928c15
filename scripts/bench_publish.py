#!/usr/bin/env python3
"""Benchmark `releasekit publish` against Hugo, side by side in one run.

Two workspaces, each built by releasekit and by Hugo (Debian package `hugo`) from the same
advisory files:

  generated  N disclosed advisories of 300-600 words (scripts/gen_advisories.py; 10,000)
  rustsec    the RustSec advisory database: 1,225 real advisories written by many people
             (../shared/data/rustsec-advisory-db-*.tar.xz, converted by
             scripts/rustsec_workspace.py; no network)

Cases, each measured --runs times (default 3) and reported as the median:

  full                      no site, no state (a fresh copy of the workspace each run);
                            Hugo's full build of the same files runs between releasekit's runs
  no change                 publish again with nothing changed
  one change                one advisory's details changed (a different one each run)
  one title change          its title: its row of the index, the JSON listing too
  title change, in feeds    one of the newest advisories' titles: the feeds too
  all pages, new template   a restyled page template: every page again (details kept)
  one change after that     once

For each: wall time; user and system CPU time of the whole process tree; its peak memory
(the sum of the RSS of the process and all its descendants, sampled every few ms); and the
ratio of each to Hugo's full build of the same files, measured in the same run. The machine
is often shared: the load average is printed at the start and the end, and the targets are
judged by those ratios (the short cases: by seconds, as the issue sets them). Also: the CPU
time markdown-it-py alone takes for the generated details (a floor for any build).

Targets (issue 16), judged with 3 runs or more; the generated ones at 10,000 advisories only:

  generated full                    <= 0.6x Hugo's wall, <= 0.25x Hugo's peak memory
  rustsec full                      <= 1.0x Hugo's wall
  generated no change / one change  <= 0.3 s / <= 0.6 s
  generated all pages, new template <= 0.5x Hugo's full build (wall)

Exits 1 when a judged case misses its target. Standalone (a quick run: --count 2000 --runs 1):

  .venv/bin/python scripts/bench_publish.py [--count 10000] [--runs 3] [--dir build/bench-publish]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gen_advisories
import rustsec_workspace

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_COUNT = 10_000  # advisories: the targets for generated ones are for this many
MIN_RUNS = 3  # a median of fewer runs is printed, not judged


@dataclass(frozen=True)
class Target:
    """A case's target: a fraction of Hugo's full build (wall, peak memory), or seconds."""

    hugo_wall: float | None = None
    hugo_memory: float | None = None
    seconds: float | None = None


TARGETS = {
    ("generated", "full"): Target(hugo_wall=0.6, hugo_memory=0.25),
    ("rustsec", "full"): Target(hugo_wall=1.0),
    ("generated", "no change"): Target(seconds=0.3),
    ("generated", "one change"): Target(seconds=0.6),
    ("generated", "all pages, new template"): Target(hugo_wall=0.5),
}

HUGO_CONFIG = """\
baseURL = "https://acme.example/security/"
title = "Acme Server security updates"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
contentDir = "content"
"""

HUGO_SINGLE = """\
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{{ .Params.id }}: {{ .Title }}</title>
<link rel="stylesheet" href="../static/style.css"></head><body><main>
<h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>
<dl><dt>Severity</dt><dd>{{ .Params.cvss }}</dd><dt>Released</dt><dd>{{ .Params.released }}</dd>
<dt>Fixed</dt><dd>{{ range $k, $v := .Params.fixed }}{{ $v }} {{ end }}</dd></dl>
<section>{{ .Content }}</section></main></body></html>
"""

HUGO_LIST = """\
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head>
<body><table><tbody>
{{ range (where .Site.RegularPages "Section" "advisories").ByDate.Reverse }}
<tr><td><a href="{{ .RelPermalink }}">{{ .Params.id }}</a></td><td>{{ .Params.released }}</td>
<td>{{ .Params.cvss }}</td><td>{{ range $k, $v := .Params.fixed }}{{ $v }} {{ end }}</td>
<td><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></td></tr>
{{ end }}
</tbody></table></body></html>
"""


# --- measuring ---------------------------------------------------------------------------


def _tree_rss_kib(pid: int) -> int:
    """The RSS (kB) of a process and all its descendants, summed."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


@dataclass(frozen=True)
class Measure:
    """One run, or the median of several (``runs`` of them, ``spread`` their fastest and
    slowest wall time)."""

    wall: float
    cpu: float  # user + system CPU seconds of the process tree
    user: float
    system: float
    peak_mb: float
    output: str = ""
    runs: int = 1
    spread: tuple[float, float] = (0.0, 0.0)


def median(runs: list[Measure]) -> Measure:
    """The run of median wall time, with the median CPU time and the highest peak memory."""
    ordered = sorted(runs, key=lambda m: m.wall)
    middle = ordered[len(ordered) // 2]
    return Measure(
        statistics.median(m.wall for m in runs),
        statistics.median(m.cpu for m in runs),
        middle.user,
        middle.system,
        max(m.peak_mb for m in runs),
        middle.output,
        len(runs),
        (ordered[0].wall, ordered[-1].wall),
    )


def measure(command: list[str], cwd: Path) -> Measure:
    """Wall time, CPU time and peak memory of ``command``'s process tree.

    Memory is the sum of the RSS of the process and its descendants, sampled every few ms.
    It counts the pages that forked workers share with the parent once in each process, so
    it overstates a parallel build; the proportional set size would not, but reading it
    (smaps_rollup) locks the measured process's memory map and slowed a build by a third.
    CPU time is that of every descendant waited for (the render workers included).
    """
    os.sync()  # what earlier steps wrote is not flushed on the measured command's time
    peak = 0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the bench runs one at a time
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kib(process.pid))
            done.wait(0.004)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed ({process.returncode}):\n{output}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return Measure(wall, user + system, user, system, peak / 1024, output)


def releasekit_command() -> list[str]:
    found = shutil.which("releasekit", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("bench: the releasekit CLI is not installed beside this Python")
    return [found]


def byte_compile() -> None:
    """Compile the installed releasekit to bytecode, as installing its wheel with pip does.

    The development venv installs it editable and this machine sets PYTHONDONTWRITEBYTECODE,
    so without this every run would compile the package from its source again (~0.1 s).
    """
    import releasekit

    compileall.compile_dir(Path(releasekit.__file__).resolve().parent, quiet=1)


def markdown_floor(workspace: Path, prefix: str) -> float:
    """CPU seconds that markdown-it-py alone takes for every advisory's details, on one
    core (releasekit's own settings: markdown.to_html). No build can take less than this
    divided by the cores, whatever else it does."""
    from releasekit.model.advisory import read_advisory
    from releasekit.site import markdown

    paths = sorted((workspace / "advisories").glob("*.md"))
    bodies = [read_advisory(path, prefix).body for path in paths]
    markdown.to_html(bodies[0])  # imports and the parser's setup are not per advisory
    start = time.process_time()
    for text in bodies:
        markdown.to_html(text)
    return time.process_time() - start


# --- the workspaces and their cases -------------------------------------------------------


def hugo_site(workspace: Path, site: Path) -> Path:
    """A Hugo site at ``site`` whose content is the workspace's advisory files."""
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content").mkdir()
    (site / "content" / "advisories").symlink_to(workspace / "advisories")
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    (site / "layouts" / "index.html").write_text(HUGO_LIST)
    return site


def copies(first: Path, count: int) -> list[Path]:
    """``first`` and ``count - 1`` copies beside it (config copied, advisories hard-linked):
    each full build starts from a workspace of its own, with no site and no state."""
    made = [first]
    for number in range(2, count + 1):
        copy = first.with_name(f"{first.name}-{number}")
        (copy / "advisories").mkdir(parents=True)
        shutil.copy(first / "releasekit.toml", copy / "releasekit.toml")
        for path in (first / "advisories").iterdir():
            os.link(path, copy / "advisories" / path.name)
        made.append(copy)
    return made


@dataclass
class Bench:
    """One workspace's cases: releasekit's and Hugo's measures, by case name."""

    name: str
    count: int
    runs: int
    hugo: str | None
    results: dict[str, Measure]
    files: int = 0

    def full(self, workspaces: list[Path]) -> None:
        """Full builds, releasekit's and Hugo's in turns."""
        mine: list[Measure] = []
        hugos: list[Measure] = []
        site = hugo_site(workspaces[0], workspaces[0].with_name("hugo")) if self.hugo else None
        for number, workspace in enumerate(workspaces, 1):
            publish = [*releasekit_command(), "-C", str(workspace), "publish"]
            mine.append(measure(publish, workspace))
            if self.hugo and site is not None:
                public = site / f"public-{number}"
                hugos.append(measure([self.hugo, "--quiet", "--destination", str(public)], site))
        self.results["full"] = median(mine)
        if hugos:
            self.results["hugo full"] = median(hugos)
        self.files = sum(1 for p in (workspaces[0] / "site").rglob("*") if p.is_file())

    def repeat(self, case: str, workspace: Path, change: Callable[[int], None]) -> None:
        """``change(run)`` then a publish, ``runs`` times; the median."""
        publish = [*releasekit_command(), "-C", str(workspace), "publish"]
        measured = []
        for number in range(self.runs):
            change(number)
            measured.append(measure(publish, workspace))
        self.results[case] = median(measured)

    def incremental(self, workspace: Path, newest: list[Path]) -> None:
        """The cases after the full build, in ``workspace`` (its first copy)."""
        files = sorted((workspace / "advisories").glob("*.md"))
        step = max(1, len(files) // (2 * self.runs))
        picked = [files[min(len(files) - 1, i * step)] for i in range(self.runs)]

        def nothing(_run: int) -> None:
            pass

        def details(run: int) -> None:  # its page and records, not the index, JSON or feeds
            path = picked[run]
            path.write_text(path.read_text() + "\nOne more paragraph, added for the benchmark.\n")

        def title(path: Path) -> None:
            path.write_text(path.read_text().replace('title = "', 'title = "Corrected: ', 1))

        def template(run: int) -> None:  # a restyled page: every page again, details kept
            page = (ROOT / "templates" / "advisory.html.j2").read_text()
            restyled = f'<article class="advisory restyled-{run}">'
            (workspace / "templates").mkdir(exist_ok=True)
            (workspace / "templates" / "advisory.html.j2").write_text(
                page.replace('<article class="advisory">', restyled)
            )

        self.repeat("no change", workspace, nothing)
        self.repeat("one change", workspace, details)
        self.repeat("one title change", workspace, lambda run: title(picked[run]))
        self.repeat("title change, in feeds", workspace, lambda run: title(newest[run]))
        self.repeat("all pages, new template", workspace, template)
        after = [*releasekit_command(), "-C", str(workspace), "publish"]
        path = picked[0]
        path.write_text(path.read_text() + "\nAnd one more, after the new template.\n")
        self.results["one change after that"] = measure(after, workspace)

    # --- reporting

    def judged(self) -> bool:
        if self.runs < MIN_RUNS:
            return False
        return self.name != "generated" or self.count == REFERENCE_COUNT

    def verdicts(self, case: str) -> list[tuple[bool, str]]:
        """(met, what) for each target of ``case``."""
        target = TARGETS.get((self.name, case))
        result, hugo = self.results.get(case), self.results.get("hugo full")
        if target is None or result is None:
            return []
        out = []
        if target.seconds is not None:
            out.append((result.wall <= target.seconds, f"<= {target.seconds:g} s"))
        if hugo is not None and target.hugo_wall is not None:
            ratio = result.wall / hugo.wall
            out.append((ratio <= target.hugo_wall, f"<= {target.hugo_wall:g}x Hugo's wall"))
        if hugo is not None and target.hugo_memory is not None:
            ratio = result.peak_mb / hugo.peak_mb
            out.append((ratio <= target.hugo_memory, f"<= {target.hugo_memory:g}x its memory"))
        return out

    def missed(self) -> list[str]:
        return [
            f"{self.name} {case} ({what})"
            for case in self.results
            for met, what in self.verdicts(case)
            if not met
        ]

    def report(self) -> list[str]:
        hugo = self.results.get("hugo full")
        lines = [
            f"{self.name}: {self.count} advisories, {self.files} files in site/"
            f" (medians of {self.runs}; x hugo: against Hugo's full build in this run)",
            f"  {'case':<24} {'wall':>7} {'cpu u+s':>13} {'peak':>7}"
            f" {'x hugo wall':>11} {'x hugo cpu':>10} {'x hugo mem':>10}",
        ]
        for case, result in self.results.items():
            ratios = ""
            if hugo is not None:
                ratios = (
                    f" {result.wall / hugo.wall:10.2f}x {result.cpu / hugo.cpu:9.2f}x"
                    f" {result.peak_mb / hugo.peak_mb:9.2f}x"
                )
            cpu = f"{result.user:5.1f}+{result.system:4.1f} s"
            spread = ""
            if result.runs > 1:
                spread = f"  ({result.spread[0]:.2f}-{result.spread[1]:.2f} s)"
            verdicts = self.verdicts(case)
            target = ""
            if verdicts:
                said = ", ".join(f"{'ok' if met else 'MISSED'} {what}" for met, what in verdicts)
                target = f"  [{said}{'' if self.judged() else '; not judged'}]"
            lines.append(
                f"  {case:<24} {result.wall:5.2f} s {cpu:>13} {result.peak_mb:4.0f} MB"
                f"{ratios}{spread}{target}"
            )
        return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=REFERENCE_COUNT, help="generated advisories")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="runs of each case")
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "bench-publish")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    parser.add_argument("--no-rustsec", action="store_true", help="skip the RustSec workspace")
    parser.add_argument("--rustsec", type=Path, default=rustsec_workspace.ARCHIVE)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.count < 1:
        parser.error("--runs and --count must be at least 1")

    # The last run's files are deleted only after this one is measured: on ext4, creating
    # files just after tens of thousands were deleted costs several times more (the inode
    # allocator skips recently deleted inodes), which would be measured on whatever ran next.
    previous = args.dir.resolve().with_name(args.dir.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if args.dir.exists():
        args.dir.rename(previous)
    try:
        return run(args)
    finally:
        shutil.rmtree(previous, ignore_errors=True)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def block_device(path: Path) -> str:
    """The kernel's name of the block device ``path`` is on ("vda", "dm-0", "loop0"), as
    /proc/fs/jbd2 names journals: not the mount's device path (/dev/root, /dev/mapper/...)."""
    stat = os.stat(path)
    link = Path(f"/sys/dev/block/{os.major(stat.st_dev)}:{os.minor(stat.st_dev)}")
    return link.resolve().name if link.exists() else "?"


def file_system(
    path: Path,
    mounts: Path = Path("/proc/self/mounts"),
    journals: Path = Path("/proc/fs/jbd2"),
) -> str:
    """What ``path`` (or the folder it would be made in) is on: the type and device of the
    mount that holds it, and for ext4 whether it has a journal (one of ``journals``, the
    kernel's, is its device's). Without one, ext4 will not hand out an inode freed in the
    last minute or more, and looks past each of them: a case that replaces many files pays
    for the files the case before it replaced (docs/site.md)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    path = path.resolve()
    best: tuple[str, str, str] = ("?", "/", "?")
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return "?"
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        device, point, kind = fields[0], fields[1].replace("\\040", " "), fields[2]
        if (path == Path(point) or Path(point) in path.parents) and len(point) >= len(best[1]):
            best = (device, point, kind)
    device, point, kind = best
    said = f"{kind} on {device} (mounted at {point})"
    if kind != "ext4":
        return said
    name = block_device(path)
    if name == "?" or not journals.is_dir():
        return said + ", journal unknown"
    if any(entry.name.startswith(f"{name}-") for entry in journals.iterdir()):
        return said + ", with a journal"
    return said + ", no journal: new inodes skip those freed in the last minutes (docs/site.md)"


def run(args: argparse.Namespace) -> int:
    if not args.no_rustsec and not args.rustsec.is_file():
        raise SystemExit(f"bench: {args.rustsec}: not found (or give --no-rustsec)")
    hugo = None if args.no_hugo else shutil.which("hugo")
    byte_compile()
    cores = os.cpu_count()
    print(f"publish bench: {cores} cores, load average at start {load()}", flush=True)
    print(f"files: {file_system(args.dir.resolve())}", flush=True)
    if hugo is None and not args.no_hugo:
        print("hugo: not installed (apt-get install hugo); no comparison")
    elif hugo is not None:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=False)
        print(f"hugo: {version.stdout.split()[1] if version.stdout else '?'}")
    # Both full builds run before any case that replaces files: on ext4 the files those
    # delete slow down creating files for minutes after (see main), and a full build of
    # RustSec, which writes five times as many files as Hugo, measured after them would be
    # judged by the file system, not the build.
    workspace = args.dir.resolve() / "generated" / "workspace"
    gen_advisories.generate(workspace, args.count)
    words = sum(
        len(p.read_text().split("+++", 2)[2].split())
        for p in (workspace / "advisories").glob("*.md")
    )
    print(f"generated: {args.count} advisories, {words // args.count} words each on average")
    generated = Bench("generated", args.count, args.runs, hugo, {})
    generated.full(copies(workspace, args.runs))
    newest = [
        workspace / "advisories" / f"ACSA-2025-{max(1, args.count - i):05d}.md"
        for i in range(args.runs)
    ]
    benches = [generated]

    rustsec = None
    if not args.no_rustsec:
        rustsec_dir = args.dir.resolve() / "rustsec" / "workspace"
        converted = rustsec_workspace.convert(args.rustsec, rustsec_dir)
        print(f"rustsec: {len(converted.ids)} advisories converted from {args.rustsec.name};")
        print("  adjusted to what releasekit's model accepts today:")
        print("\n".join(f"  {line}" for line in converted.lines()))
        rustsec = Bench("rustsec", len(converted.ids), args.runs, hugo, {})
        rustsec.full(copies(rustsec_dir, args.runs))
        benches.append(rustsec)

    generated.incremental(workspace, newest)
    if "0 files written" not in generated.results["no change"].output.splitlines()[-1]:
        print("generated: no change wrote files (see its output):")
        print(generated.results["no change"].output)
    floor = markdown_floor(workspace, "ACSA")
    print(
        f"generated: markdown-it-py alone takes {floor:.2f} s of CPU for the details of all"
        f" {args.count} (one core), so a full build takes at least {floor / (cores or 1):.2f} s"
        f" on {cores} cores"
    )
    if rustsec is not None:
        files = sorted((rustsec_dir / "advisories").glob("*.md"))
        rustsec.incremental(rustsec_dir, files[::-1][: args.runs])

    for bench in benches:
        print("\n".join(bench.report()))
    print(f"load average at the end {load()} ({cores} cores)")
    failed = [miss for bench in benches if bench.judged() for miss in bench.missed()]
    unjudged = [bench.name for bench in benches if not bench.judged()]
    if unjudged:
        print(
            f"not judged: {', '.join(unjudged)} (targets need {MIN_RUNS} runs or more,"
            f" and {REFERENCE_COUNT} generated advisories)"
        )
    print(f"missed: {'; '.join(failed)}" if failed else "every judged target met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

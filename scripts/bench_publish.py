#!/usr/bin/env python3
"""Benchmark `releasekit publish` against Hugo on 10,000 disclosed advisories.

Generates a workspace of N advisories (300-600 words of Markdown each, with headings, lists,
code and links; seeded, so every run builds the same files), then measures in one run:

  releasekit  full build (no site, no state), re-publish with nothing changed, one advisory's
              details changed, its title changed (the index and the JSON too; the feeds as
              well for one of the newest), every page again after a template change and
              one change after that; the installed `releasekit` CLI as a subprocess
  hugo        a full build of the same advisory files (Debian package `hugo`)

For each: wall time, the peak memory of the whole process tree (the sum of the RSS of the
process and all its descendants, sampled every few milliseconds) and its user and system CPU
time. Also: the CPU time markdown-it-py alone takes for all the details (a floor for any
build), and how this machine compares with the one the targets were set on (Hugo's time).
Exits 1 when a case misses its target. Standalone:

  .venv/bin/python scripts/bench_publish.py [--count 10000] [--dir build/bench-publish]
"""

from __future__ import annotations

import argparse
import compileall
import os
import random
import resource
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_COUNT = 10_000  # advisories: the targets are for this many
HUGO_REFERENCE = 5.9  # s: Hugo's full build of them on the machine the targets were set on
TARGETS = {
    "full": (8.0, 400.0),
    "no change": (1.0, None),
    "one change": (1.5, None),
    "one title change": (1.5, None),
    "title change, in feeds": (1.5, None),
}

WORDS = [
    "server",
    "channel",
    "permission",
    "export",
    "request",
    "token",
    "session",
    "cache",
    "user",
    "team",
    "message",
    "handler",
    "upload",
    "plugin",
    "webhook",
    "endpoint",
    "header",
    "cookie",
    "redirect",
    "address",
    "network",
    "proxy",
    "parser",
    "value",
    "field",
    "record",
    "query",
    "filter",
    "limit",
    "check",
    "access",
    "policy",
    "role",
    "admin",
    "config",
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "for",
    "on",
    "with",
    "by",
    "from",
    "when",
    "if",
    "then",
    "that",
    "this",
    "which",
    "every",
    "each",
    "any",
    "could",
    "would",
    "should",
    "was",
    "were",
    "is",
    "are",
    "be",
    "been",
    "not",
    "only",
    "also",
    "but",
    "and",
    "or",
    "because",
    "while",
]

CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
time_zone = "America/Los_Angeles"

[releases]
upcoming = "10.4"
esr = ["9.11"]

[cve]
org_id = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
short_name = "acme"
"""

VECTORS = (
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N",
    "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N",
)

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


def sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    parts = []
    for _ in range(sentences):
        text = sentence(rng)
        if rng.random() < 0.2:
            page = rng.randint(1, 999)
            text += f" See [the {rng.choice(WORDS)} guide](https://acme.example/docs/{page})."
        if rng.random() < 0.2:
            text += f" The `{rng.choice(WORDS)}_{rng.choice(WORDS)}` setting is **not** checked."
        parts.append(text)
    return " ".join(parts)


def body(rng: random.Random) -> str:
    target = rng.randint(300, 600)
    blocks = [
        "## Impact",
        paragraph(rng, 4),
        "## Details",
        paragraph(rng, 5),
        "\n".join(f"- {sentence(rng, 5, 12)}" for _ in range(rng.randint(3, 5))),
        "```go\nif !a.HasPermission(ctx, userID, model.PermissionReadChannel) {\n"
        '    return model.NewAppError("Export", "api.permissions", nil, "", 403)\n}\n```',
        "### Workarounds",
        "\n".join(f"{i}. {sentence(rng, 6, 14)}" for i in range(1, rng.randint(3, 5))),
    ]
    text = "\n\n".join(blocks)
    while len(text.split()) < target:
        text += "\n\n" + paragraph(rng, 3)
    return text + "\n"


def advisory_text(rng: random.Random, number: int, released: datetime) -> str:
    lines = ["10.3", "10.2", "10.1", "9.11"]
    fixed = ", ".join(f'"{line}" = "{line}.{rng.randint(1, 9)}"' for line in lines)
    stamp = released.strftime("%Y-%m-%dT%H:%M:%SZ")
    title = sentence(rng, 4, 8).rstrip(".")
    summary = sentence(rng, 10, 18)
    return textwrap.dedent(
        f"""\
        +++
        id = "ACSA-2025-{number:05d}"
        title = "{title}"
        component = "server"
        cvss = "{rng.choice(VECTORS)}"
        cve = "CVE-2025-{100000 + number}"
        cwe = "CWE-{rng.choice((79, 89, 284, 862, 918))}"
        introduced = "9.8"
        reporter = "Reporter {number}"
        embargo = {stamp}
        released = {stamp}
        summary = "{summary}"
        fixed = {{ "10.4" = "10.4.0", {fixed} }}
        +++

        """
    ) + body(rng)


def generate(root: Path, count: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(CONFIG)
    rng = random.Random(20261201)
    start = datetime(2020, 1, 6, 14, 0, tzinfo=UTC)
    for number in range(1, count + 1):
        released = start + timedelta(hours=4 * number)
        text = advisory_text(rng, number, released)
        (root / "advisories" / f"ACSA-2025-{number:05d}.md").write_text(text)


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


@dataclass
class Measure:
    wall: float
    peak_mb: float
    output: str
    spread: tuple[float, float] | None = None  # the fastest and slowest of repeated runs
    cpu: tuple[float, float] = (0.0, 0.0)  # user and system CPU seconds of the process tree


REPEAT = 5


def median(runs: list[Measure]) -> Measure:
    ordered = sorted(runs, key=lambda m: m.wall)
    middle = ordered[len(ordered) // 2]
    peak = max(m.peak_mb for m in runs)
    spread = (ordered[0].wall, ordered[-1].wall)
    return Measure(middle.wall, peak, middle.output, spread, middle.cpu)


def measure(command: list[str], cwd: Path) -> Measure:
    """Wall time and peak memory of ``command``'s process tree.

    Memory is the sum of the RSS of the process and its descendants, sampled every few ms.
    It counts the pages that forked workers share with the parent once in each process, so
    it overstates a parallel build; the proportional set size would not, but reading it
    (smaps_rollup) locks the measured process's memory map and slowed a build by a third.
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
    cpu = (after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
    return Measure(wall, peak / 1024, output, cpu=cpu)


def releasekit_command() -> list[str]:
    found = shutil.which("releasekit", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("bench: the releasekit CLI is not installed beside this Python")
    return [found]


def hugo_site(workspace: Path) -> Path:
    site = workspace.parent / "hugo"
    if site.exists():
        shutil.rmtree(site)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "content").mkdir()
    (site / "content" / "advisories").symlink_to(workspace / "advisories")
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    (site / "layouts" / "index.html").write_text(HUGO_LIST)
    return site


def report(name: str, result: Measure, judged: bool = True) -> str:
    wall_target, mem_target = TARGETS.get(name, (None, None)) if judged else (None, None)
    verdict = []
    if wall_target is not None:
        verdict.append(f"{'ok' if result.wall < wall_target else 'SLOW'} < {wall_target:g} s")
    if mem_target is not None:
        verdict.append(f"{'ok' if result.peak_mb < mem_target else 'BIG'} < {mem_target:g} MB")
    note = f"  ({', '.join(verdict)})" if verdict else ""
    spread = ""
    if result.spread is not None:
        spread = f"  (median of {REPEAT}: {result.spread[0]:.2f}-{result.spread[1]:.2f} s)"
    user, system = result.cpu
    cpu = f"  cpu {user:5.1f} + {system:4.1f} s"
    return f"  {name:<24} {result.wall:6.2f} s  {result.peak_mb:5.0f} MB{cpu}{note}{spread}"


def missed(results: dict[str, Measure]) -> list[str]:
    """The cases that missed their targets."""
    out = []
    for name, (wall, mem) in TARGETS.items():
        result = results.get(name)
        if result is None:
            continue
        if result.wall >= wall or (mem is not None and result.peak_mb >= mem):
            out.append(name)
    return out


def markdown_floor(workspace: Path) -> float:
    """CPU seconds that markdown-it-py alone takes for every advisory's details, on one
    core (releasekit's own settings: markdown.to_html). No build can take less than this
    divided by the cores, whatever else it does."""
    from releasekit.model.advisory import read_advisory
    from releasekit.site import markdown

    bodies = [
        read_advisory(path, "ACSA").body for path in sorted((workspace / "advisories").glob("*.md"))
    ]
    markdown.to_html(bodies[0])  # imports and the parser's setup are not per advisory
    start = time.process_time()
    for text in bodies:
        markdown.to_html(text)
    return time.process_time() - start


def byte_compile() -> None:
    """Compile the installed releasekit to bytecode, as installing its wheel with pip does.

    The development venv installs it editable and this machine sets PYTHONDONTWRITEBYTECODE,
    so without this every run would compile the package from its source again (~0.1 s).
    """
    import releasekit

    compileall.compile_dir(Path(releasekit.__file__).resolve().parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=REFERENCE_COUNT)
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "bench-publish")
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    args = parser.parse_args(argv)

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


def run(args: argparse.Namespace) -> int:
    workspace = args.dir.resolve() / "workspace"
    byte_compile()
    print(f"publish bench: {args.count} disclosed advisories, {os.cpu_count()} cores", flush=True)
    generate(workspace, args.count)
    words = sum(
        len(p.read_text().split("+++", 2)[2].split())
        for p in (workspace / "advisories").glob("*.md")
    )
    print(f"  generated in {workspace} ({words // args.count} words per advisory on average)")
    rk = releasekit_command()
    results: dict[str, Measure] = {}
    publish = [*rk, "-C", str(workspace), "publish"]
    results["full"] = measure(publish, workspace)
    # The short runs vary with the machine more than the long ones: each is measured REPEAT
    # times (a different advisory each time when one changes) and the median reported.
    results["no change"] = median([measure(publish, workspace) for _ in range(REPEAT)])
    step = args.count // (2 * REPEAT) or 1
    picked = [
        workspace / "advisories" / f"ACSA-2025-{min(args.count, 1 + i * step):05d}.md"
        for i in range(REPEAT)
    ]
    runs = []
    for path in picked:  # its details: its page and records, not the index, JSON or feeds
        path.write_text(path.read_text() + "\nOne more paragraph, added for the benchmark.\n")
        runs.append(measure(publish, workspace))
    results["one change"] = median(runs)
    runs = []
    for path in picked:  # its title: its row of the index, the JSON listing and the feeds too
        path.write_text(path.read_text().replace('title = "', 'title = "Corrected: ', 1))
        runs.append(measure(publish, workspace))
    results["one title change"] = median(runs)
    runs = []  # the newest advisories' titles: in the feeds too (at most 100 entries)
    for number in range(args.count, args.count - REPEAT, -1):
        path = workspace / "advisories" / f"ACSA-2025-{number:05d}.md"
        path.write_text(path.read_text().replace('title = "', 'title = "Corrected: ', 1))
        runs.append(measure(publish, workspace))
    results["title change, in feeds"] = median(runs)
    # A restyled page template: every page again, with the details kept from the last build.
    page = (ROOT / "templates" / "advisory.html.j2").read_text()
    (workspace / "templates").mkdir(exist_ok=True)
    (workspace / "templates" / "advisory.html.j2").write_text(
        page.replace('<article class="advisory">', '<article class="advisory restyled">')
    )
    results["all pages, new template"] = measure(publish, workspace)
    # The change after that: the standby still holds the old pages, linked again once.
    path = picked[0]
    path.write_text(path.read_text() + "\nAnd one more, after the new template.\n")
    results["one change after that"] = measure(publish, workspace)
    files = sum(1 for p in (workspace / "site").rglob("*") if p.is_file())
    print(f"releasekit publish ({files} files in site/):")
    # The targets are for REFERENCE_COUNT advisories: another count is measured, not judged.
    judged = args.count == REFERENCE_COUNT
    for name in results:
        print(report(name, results[name], judged))
    if "0 files written" in results["no change"].output.splitlines()[-1]:
        print("  no change: nothing written, as expected")
    floor = markdown_floor(workspace)
    cores = os.cpu_count() or 1
    print(
        f"markdown-it-py alone (details of all {args.count}, one core): {floor:.2f} s of CPU,"
        f" so at least {floor / cores:.2f} s on {cores} cores"
    )
    failed = missed(results) if judged else []
    if not judged:
        verdict = f"not judged: the targets are for {REFERENCE_COUNT} advisories"
    else:
        verdict = f"missed: {', '.join(failed)}" if failed else "every target met"
    hugo = shutil.which("hugo")
    if args.no_hugo or hugo is None:
        if hugo is None:
            print("hugo: not installed (apt-get install hugo); no comparison")
        print(verdict)
        return 1 if failed else 0
    site = hugo_site(workspace)
    version = subprocess.run([hugo, "version"], capture_output=True, text=True, check=False)
    hugo_full = measure([hugo, "--quiet", "--destination", str(site / "public")], site)
    print(f"hugo ({version.stdout.split()[1] if version.stdout else '?'}), same files:")
    print(report("hugo full", hugo_full))
    ratio_wall = results["full"].wall / hugo_full.wall
    ratio_mem = results["full"].peak_mb / hugo_full.peak_mb
    print(f"ratio releasekit/hugo (full build): {ratio_wall:.2f}x wall, {ratio_mem:.2f}x memory")
    # The targets were set on a machine where Hugo took HUGO_REFERENCE s. The scaled
    # figure is for reading the result on another machine; the verdict keeps the target.
    if judged:
        scale = hugo_full.wall / HUGO_REFERENCE
        print(
            f"this machine vs the issue's: Hugo {hugo_full.wall:.2f} s here against"
            f" {HUGO_REFERENCE:g} s there ({scale:.2f}x); the full-build target of"
            f" {TARGETS['full'][0]:g} s scaled alike: {TARGETS['full'][0] * scale:.1f} s"
        )
    print(verdict)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

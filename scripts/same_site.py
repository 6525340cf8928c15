#!/usr/bin/env python3
"""Check that two releasekit source trees build byte-identical sites (a speed-up's check).

Builds the RustSec workspace and N generated advisories (as `make bench` makes them) with
the releasekit of BEFORE and of AFTER (each tree's package and built-in templates, run with
this Python), and then with AFTER again in one process (--jobs 1: the same bytes however
the work is split) and after a template change and an edited advisory (incremental builds).
Prints every file that differs or exists on one side only; exits 1 if any does.

  .venv/bin/python scripts/same_site.py BEFORE AFTER [--count 500] [--dir build/same-site]

BEFORE is typically an export of the last commit: `git archive HEAD | tar -x -C /tmp/base`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import gen_advisories
import rustsec_workspace

ROOT = Path(__file__).resolve().parent.parent


def publish(source: Path, workspace: Path, *extra: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, "-c", "from releasekit.cli import main; main()"]
    done = subprocess.run(
        [*command, "-C", str(workspace), "publish", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"same_site: publish with {source} failed:\n{done.stderr}")


def files(site: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(site)): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
    }


def differences(one: Path, other: Path) -> list[str]:
    left, right = files(one), files(other)
    out = [f"only in {one}: {rel}" for rel in sorted(left.keys() - right.keys())]
    out += [f"only in {other}: {rel}" for rel in sorted(right.keys() - left.keys())]
    both = sorted(left.keys() & right.keys())
    out += [f"differs: {rel}" for rel in both if left[rel] != right[rel]]
    return out


def copy(workspace: Path, name: str) -> Path:
    target = workspace.with_name(name)
    shutil.copytree(workspace, target, ignore=shutil.ignore_patterns("site", ".releasekit"))
    return target


def edit(workspace: Path) -> None:
    """A restyled page template and one advisory with a new paragraph."""
    page = (ROOT / "templates" / "advisory.html.j2").read_text()
    (workspace / "templates").mkdir(exist_ok=True)
    (workspace / "templates" / "advisory.html.j2").write_text(
        page.replace('<article class="advisory">', '<article class="advisory restyled">')
    )
    first = sorted((workspace / "advisories").glob("*.md"))[0]
    first.write_text(first.read_text() + "\nOne more paragraph.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=ROOT / "build" / "same-site")
    parser.add_argument("--rustsec", type=Path, default=rustsec_workspace.ARCHIVE)
    args = parser.parse_args(argv)
    before, after = args.before.resolve(), args.after.resolve()
    shutil.rmtree(args.dir, ignore_errors=True)
    workspaces = {
        "generated": args.dir.resolve() / "generated" / "workspace",
        "rustsec": args.dir.resolve() / "rustsec" / "workspace",
    }
    gen_advisories.generate(workspaces["generated"], args.count)
    rustsec_workspace.convert(args.rustsec, workspaces["rustsec"])
    found = []
    for name, workspace in workspaces.items():
        old, new, serial = workspace, copy(workspace, "after"), copy(workspace, "serial")
        publish(before, old)
        publish(after, new)
        publish(after, serial, "--jobs", "1")
        found += differences(old / "site", new / "site")
        found += differences(new / "site", serial / "site")
        for tree, source in ((old, before), (new, after)):
            edit(tree)
            publish(source, tree)
        found += differences(old / "site", new / "site")
        print(f"{name}: {len(files(new / 'site'))} files compared")
    print("\n".join(found) if found else "same bytes: every file of every build")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The least a full build must do, in Python, as a yardstick for `publish` (not a build).

For every advisory of a workspace: read the file, its TOML front matter (tomli) and its
Markdown (markdown-it-pyrs, CommonMark), make three small JSON records (orjson) and write
the five files `publish` writes (the page, OSV, CVE JSON 5, the CSAF document and its
.sha512) as new files; in as many processes as there are cores, chunks of 50. No field
checks, views, templates, schema checks, rows, listings, version pages or state.

  .venv/bin/python scripts/publish_floor.py WORKSPACE OUT

OUT must not exist. Prints the wall time; run it under /usr/bin/time for the CPU.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import tomli
from markdown_it_pyrs import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark")
_CHROME = "<header>" + "x" * 2500 + "</header>"  # about what the page template adds


def _records(meta: dict[str, Any], body: str) -> tuple[bytes, bytes, bytes]:
    ident = meta["id"]
    affected = [
        {
            "package": {"name": meta.get("component", "x"), "ecosystem": "GitHub Actions"},
            "ranges": [
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": version}]}
                for version in meta.get("fixed", {}).values()
            ],
        }
    ]
    osv = {
        "schema_version": "1.6.0",
        "id": ident,
        "aliases": [meta.get("cve", "")],
        "summary": meta["title"],
        "details": body,
        "affected": affected,
    }
    cve = {
        "dataType": "CVE_RECORD",
        "cveMetadata": {"cveId": meta.get("cve", "")},
        "containers": {"cna": {"title": meta["title"], "affected": affected}},
    }
    csaf = {
        "document": {"title": meta["title"], "tracking": {"id": ident}},
        "vulnerabilities": [{"cve": meta.get("cve", ""), "notes": [{"text": body}]}],
    }
    indent = orjson.OPT_INDENT_2
    return orjson.dumps(osv, option=indent), orjson.dumps(cve), orjson.dumps(csaf, option=indent)


def _one(source: Path, out: Path) -> None:
    _, front, body = source.read_bytes().decode("utf-8").split("+++\n", 2)
    meta = tomli.loads(front)
    ident = meta["id"]
    page = f"<!DOCTYPE html><title>{meta['title']}</title>{_CHROME}{_MARKDOWN.render(body)}"
    osv, cve, csaf = _records(meta, body)
    files = {
        f"advisories/{ident}.html": page.encode(),
        f"osv/{ident}.json": osv,
        f"cve/{ident}.json": cve,
        f"csaf/{ident.lower()}.json": csaf,
        f"csaf/{ident.lower()}.json.sha512": hashlib.sha512(csaf).hexdigest().encode(),
    }
    for rel, data in files.items():
        with open(out / rel, "xb") as file:
            file.write(data)


def _chunk(job: tuple[list[Path], Path]) -> int:
    sources, out = job
    for source in sources:
        _one(source, out)
    return len(sources)


def main(argv: list[str] | None = None) -> int:
    workspace, out = (Path(arg) for arg in (argv or sys.argv[1:]))
    start = time.perf_counter()
    for folder in ("advisories", "osv", "cve", "csaf"):
        (out / folder).mkdir(parents=True)
    sources = sorted((workspace / "advisories").glob("*.md"))
    jobs = [(sources[i : i + 50], out) for i in range(0, len(sources), 50)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        done = sum(pool.map(_chunk, jobs, 1))
    print(f"{done} advisories in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

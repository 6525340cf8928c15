#!/usr/bin/env python3
"""Convert the RustSec advisory database into a releasekit workspace (for the benchmark).

RustSec advisories are Markdown files that start with a ```toml fence ([advisory] and
[versions] tables), then a "# Title" line and the description. Each becomes one released,
disclosed releasekit advisory:

  id                    RUSTSEC-YYYY-NNNN as it is; the few named by a CVE id (rust/std...)
                        get RUSTSEC-YYYY-9NNN (the mapping is written to ids.tsv)
  title, body           the "# " line, and the Markdown after it
  summary               the first sentence of the description
  date                  released and embargo (00:00 UTC of that day)
  cvss                  cvss (CVSS:3.1), cvss4 (CVSS:4.0)
  aliases               cve: the first CVE id
  versions.patched      fixed: { "MAJOR.MINOR" = lowest patched version of that line }
  versions.unaffected   introduced: X of one "< X" (as spelt: rkyv's 0.8.0-rc.1); other
                        shapes are left out (counted)
  package               component

The database is read from its tar.xz, so the benchmark needs no network. Standalone:

  .venv/bin/python scripts/rustsec_workspace.py ARCHIVE.tar.xz DIR
"""

from __future__ import annotations

import re
import sys
import tarfile
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import tomli_w
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "data" / "rustsec-advisory-db-bf5c0d2.tar.xz"
PREFIX = "RUSTSEC"

CONFIG = f"""\
[project]
name = "RustSec"
vendor = "Rust Secure Code Working Group"
repository = "product"
advisory_prefix = "{PREFIX}"
site_url = "https://rustsec.example/advisories"
time_zone = "UTC"

[releases]
upcoming = "1.0"

[cve]
org_id = "8f1f6b0e-3c7a-4d2e-9a51-2b7c1d0e4f36"
short_name = "rustsec"
"""

_FENCED = re.compile(r"\A```toml\n(?P<front>.*?)\n```\n(?P<rest>.*)\Z", re.S)
_ID = re.compile(rf"{PREFIX}-(\d{{4}})-(\d{{4,}})")
_BOUND = re.compile(r"(>=|>|\^|=)?\s*(\d[^\s,]*)")
_BELOW = re.compile(r"<\s*(\d[^\s,]*)")
# A SemVer pre-release named by a number alone (2.0.0-2), which PEP 440 reads as a post-release
_NUMERIC_PRE = re.compile(r"(\d+\.\d+\.\d+)-\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass
class Conversion:
    """What a conversion made, and what it had to adjust (counted by reason)."""

    ids: dict[str, str] = field(default_factory=dict)  # RustSec id -> releasekit id
    adjusted: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        return [f"{count:5d}  {reason}" for reason, count in sorted(self.adjusted.items())]


def _sources(archive: Path) -> list[tuple[str, str]]:
    """(path in the archive, text) of every advisory file, by path."""
    found = []
    with tarfile.open(archive, "r:xz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if not member.isfile() or not name.endswith(".md") or name == "README.md":
                continue
            reader = tar.extractfile(member)
            assert reader is not None
            found.append((member.name, reader.read().decode("utf-8")))
    return sorted(found)


def _fixed(patched: list[str], done: Conversion) -> dict[str, str]:
    """Each patched requirement's lower bound, by MAJOR.MINOR line (the first of a line)."""
    fixed: dict[str, str] = {}
    for requirement in patched:
        bound = None
        for part in requirement.split(","):
            match = _BOUND.fullmatch(part.strip())
            if match and match.group(1) != "<":
                bound = match
            below = _BELOW.fullmatch(part.strip())
            if below and _pre_release(below.group(1)):
                # rustls-webpki's "< 0.104.0-alpha.1": unpatched again from that pre-release
                # up to the next patched one, while the older lines are affected too; one
                # `introduced` cannot say both (0.104.0-alpha.1 to .5 read as not affected)
                done.adjusted["patched upper bound at a pre-release: left out"] += 1
        if bound is None:  # only an upper bound ("< 0.6.0"): no version names the fix
            done.adjusted["patched requirement without a lower bound: left out"] += 1
            continue
        text = bound.group(2)
        try:
            version = Version(text)
        except InvalidVersion:
            done.adjusted["patched version that is not a version: left out"] += 1
            continue
        if bound.group(1) == ">":  # "> 1.27.0": the fix is the next release
            numbers = [*version.release, 0, 0][:3]
            text = f"{numbers[0]}.{numbers[1]}.{numbers[2] + 1}"
        line = ".".join(str(n) for n in [*version.release, 0][:2])
        fixed.setdefault(line, text)
    return fixed


def _introduced(unaffected: list[str], done: Conversion) -> str | None:
    """The first affected version that ``unaffected`` names: X of one ``< X`` (a pre-release
    kept as spelt: ``< 0.8.0-rc.1``, 0.8.0-rc.1 on). None for none, or another shape."""
    if not unaffected:
        return None
    match = _BELOW.fullmatch(unaffected[0].strip()) if len(unaffected) == 1 else None
    if match is None:
        done.adjusted["unaffected requirement other than one '< X': left out"] += 1
        return None
    text = match.group(1)
    try:
        Version(text)
    except InvalidVersion:
        done.adjusted["unaffected version that is not a version: left out"] += 1
        return None
    numeric = _NUMERIC_PRE.fullmatch(text)
    if numeric is not None:  # (enum-map's 2.0.0-2: PEP 440 reads 2.0.0.post2, after 2.0.0)
        done.adjusted["unaffected bound a numeric SemVer pre-release: its release taken"] += 1
        return numeric.group(1)
    return text


def _pre_release(text: str) -> bool:
    try:
        return Version(text).is_prerelease
    except InvalidVersion:
        return False


def _summary(description: str, title: str) -> str:
    """The first sentence of the description's first paragraph (else the title)."""
    for paragraph in re.split(r"\n\s*\n", description.strip()):
        text = " ".join(paragraph.split())
        if text and not text.startswith(("#", "```", "|", "<")):
            return _SENTENCE_END.split(text, maxsplit=1)[0]
    return title


def convert_one(
    text: str, name: str, seen_cves: set[tuple[str, str]], done: Conversion
) -> tuple[str, str]:
    """(releasekit id, file text) of one RustSec advisory."""
    match = _FENCED.match(text)
    if match is None:
        raise ValueError(f"{name}: no ```toml front matter")
    meta = tomllib.loads(match.group("front"))
    advisory, versions = meta["advisory"], meta.get("versions", {})
    original = advisory["id"]
    day = date.fromisoformat(advisory["date"])
    if _ID.fullmatch(original):
        ident = original
    else:  # named by its CVE id (the Rust toolchain's own advisories)
        ident = f"{PREFIX}-{day.year}-{9001 + sum(1 for i in done.ids if not _ID.fullmatch(i))}"
        done.adjusted["id that is not RUSTSEC-YYYY-NNNN: renumbered (ids.tsv)"] += 1
    done.ids[original] = ident
    rest = match.group("rest").lstrip("\n")
    first, _, description = rest.partition("\n")
    if not first.startswith("# "):
        raise ValueError(f"{name}: no '# Title' line after the front matter")
    title = first[2:].strip()
    instant = datetime(day.year, day.month, day.day, tzinfo=UTC)
    front: dict[str, Any] = {
        "id": ident,
        "title": title,
        "component": advisory["package"],
        "summary": _summary(description, title),
        "embargo": instant,
        "released": instant,
    }
    vector = advisory.get("cvss")
    if vector is None:
        done.adjusted["no CVSS vector: unscored"] += 1
    elif vector.startswith("CVSS:4.0/"):
        front["cvss4"] = vector  # (a 4.0 vector alone sets the severity)
    else:
        front["cvss"] = vector  # 3.0 and 3.1, each scored by its own rules
    cves = [a for a in advisory.get("aliases", []) if a.startswith("CVE-")]
    if not _ID.fullmatch(original) and original.startswith("CVE-"):
        cves.insert(0, original)
    if len(cves) > 1:
        done.adjusted["more than one CVE id: the first kept"] += 1
    # One CVE id may be shared by advisories of different crates, not of one crate.
    if cves and (cves[0], front["component"]) in seen_cves:
        done.adjusted["CVE id of an earlier advisory of the same crate: left out"] += 1
    elif cves:
        front["cve"] = cves[0]
        seen_cves.add((cves[0], front["component"]))
    fixed = _fixed(versions.get("patched", []), done)
    if fixed:
        front["fixed"] = fixed
    introduced = _introduced(versions.get("unaffected", []), done)
    if introduced is not None:
        front["introduced"] = introduced
    body = description.lstrip("\n")
    return ident, f"+++\n{tomli_w.dumps(front)}+++\n\n{body}"


def convert(archive: Path, workspace: Path) -> Conversion:
    """Write the workspace (releasekit.toml, advisories/, ids.tsv) from the archive."""
    done = Conversion()
    folder = workspace / "advisories"
    folder.mkdir(parents=True)
    (workspace / "releasekit.toml").write_text(CONFIG)
    seen_cves: set[tuple[str, str]] = set()
    for name, text in _sources(archive):
        ident, converted = convert_one(text, name, seen_cves, done)
        (folder / f"{ident}.md").write_text(converted)
    mapping = "".join(f"{rustsec}\t{ours}\n" for rustsec, ours in sorted(done.ids.items()))
    (workspace / "ids.tsv").write_text(mapping)
    return done


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    done = convert(Path(argv[0]), Path(argv[1]))
    print(f"{len(done.ids)} advisories converted; adjusted:")
    print("\n".join(done.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

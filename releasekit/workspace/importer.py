"""``releasekit advisory import``: released advisories from OSV and CVE JSON 5 records.

Every file is read and mapped, and every advisory checked (alone, against each other and
against the workspace) before the first is written: a record that cannot be mapped stops the
import with one line, ``FILE: /json/path: why``, and nothing is written. A record releasekit
published (OSV ``database_specific.advisory``, or a CVE record referring to an advisory page
under ``site_url``) keeps its id, and its OSV and CVE records become one advisory; any other
gets the next free id of the year it was published, its own id and references kept in a note
at the end of the body. Released advisories only: ``embargo`` = ``released`` = published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from releasekit.model.advisory import MAX_FRONT, parse_advisory, read_advisory
from releasekit.model.config import Settings
from releasekit.model.cvss import score_vector
from releasekit.model.entries import credit_table
from releasekit.model.frontmatter import update_front_matter
from releasekit.records.checks import scheme_problem
from releasekit.records.cve_read import read_cve
from releasekit.records.imported import Imported, ImportRefused, released_lines
from releasekit.records.osv_read import read_osv
from releasekit.support import fsutil
from releasekit.support.errors import AdvisoryError
from releasekit.workspace.files import Probe, check_advisories, cross_check
from releasekit.workspace.new import ids_locked, issue_locked

# The start of the severity_reason an import writes for a rating it keeps (the records give
# the rating, never its reason): `advisory import` names each such advisory on stderr.
RATING_REASON = "Imported: the rating given by"
MAX_RECORD = 4 * 1024 * 1024  # bytes: a record is kilobytes; a file of gigabytes is not one


@dataclass(frozen=True)
class Draft:
    """One advisory to write: its id (None: the next free one of ``year``) and its text
    (``text_for(id)``)."""

    source: str
    ident: str | None
    year: int
    fields: dict[str, Any]
    body: str

    def text_for(self, ident: str) -> str:
        return update_front_matter("+++\n+++\n\n" + self.body, {"id": ident, **self.fields})


def read_record(data: bytes, source: str, site_url: str) -> list[Imported]:
    """The advisories one file's bytes describe (OSV or CVE JSON 5, told apart by shape)."""
    if len(data) > MAX_RECORD:
        raise ImportRefused(source, "", f"is over {MAX_RECORD // 1024 // 1024} MiB")
    try:
        record = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportRefused(source, "", f"is not JSON ({exc.args[0].split(':')[0]})") from None
    if isinstance(record, dict) and record.get("dataType") == "CVE_RECORD":
        return read_cve(record, source, site_url)
    if isinstance(record, dict) and "id" in record and "modified" in record:
        return read_osv(record, source)
    raise ImportRefused(source, "", "is neither an OSV record nor a CVE JSON 5 record")


def _merge(items: list[Imported]) -> Imported:
    """One advisory from releasekit's own OSV and CVE records of it: the CVE record has the
    summary exactly and the component, the OSV record the details, lines and fix commits."""
    osv = next((i for i in items if i.kind == "osv"), None)
    cve = next((i for i in items if i.kind == "cve"), None)
    if osv is None or cve is None:
        return osv or items[0]
    merged = Imported(**vars(osv))
    names = ("summary", "component", "cve", "cwe", "cvss", "cvss4", "title", "rating")
    for name in ("component", "cve") if cve.shared else names:
        setattr(merged, name, getattr(cve, name) or getattr(merged, name))
    merged.credits = merged.credits or (() if cve.shared else cve.credits)
    # The CVE record adds its earlier range and X.0 lines; its open range (no fixed version
    # recorded) is the OSV record's own, not a second one.
    merged.pairs = [*osv.pairs, *(p for p in cve.pairs if p.fixed is not None or not osv.pairs)]
    merged.unaffected = list(cve.unaffected)
    merged.says_gaps = osv.says_gaps or cve.says_gaps
    return merged


def _override(item: Imported) -> tuple[str, str] | None:
    """The severity override and its reason that give the rating releasekit's record gives,
    when that is not the band of its CVSS vector: the records carry the rating, not why."""
    vector = item.cvss or item.cvss4
    try:
        band = score_vector(vector).severity if vector else None
    except ValueError:
        band = None  # (parse_advisory names the vector's problem)
    if item.rating is None or item.rating == band:
        return None
    why = f"{RATING_REASON} {item.origin}; the records do not carry the reason for it."
    return item.rating, why


def _fields(settings: Settings, item: Imported) -> dict[str, Any]:
    fixed, introduced, unfixed = released_lines(item, settings.releases.line_parts)
    override = _override(item)
    component = item.component
    if component is None and item.advisory is None and item.package != settings.project.name:
        component = item.package
    fields: dict[str, Any] = {
        "title": item.title,
        "summary": item.summary,
        "component": component,
        "cvss": item.cvss,
        "cvss4": item.cvss4,
        "severity": override and override[0],
        "severity_reason": override and override[1],
        "cve": item.cve,
        "cwe": item.cwe,
        "introduced": introduced,
        "credits": credit_table(item.credits) if item.credits else None,
        "embargo": item.published,
        "released": item.published,
        "fixed": fixed,
        "unfixed": list(unfixed) if unfixed is not None else None,
        "fix_commits": {k: v for k, v in item.fix_commits.items() if k in fixed} or None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _body(item: Imported) -> str:
    """The Markdown body; another database's record adds a note of its id and references."""
    body = item.body.strip()
    if item.advisory is None:
        also = [a for a in item.aliases if a != item.origin]
        note = f"Imported from {item.origin}" + (f" (also {', '.join(also)})" if also else "")
        refs = "".join(f"\n- <{url}>" for url in item.references if _plain_url(url))
        body = "\n\n".join(p for p in (body, note + "." + ("\n" + refs if refs else "")) if p)
    return body + "\n" if body else ""


def _note_of(body: str) -> str | None:
    """The "Imported from ..." line of a body: which record an advisory came from (None:
    not imported from another database)."""
    for line in body.splitlines():
        if line.startswith("Imported from "):
            return line
    return None


def _plain_url(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not any(c in url for c in " <>\n")


def plan_import(settings: Settings, files: Sequence[tuple[str, bytes]]) -> list[Draft]:
    """Every advisory the files describe, checked; raises ImportRefused or AdvisoryError."""
    items = [
        i for source, data in files for i in read_record(data, source, settings.project.site_url)
    ]
    groups: dict[str, list[Imported]] = {}
    foreign: list[Imported] = []
    prefix = settings.project.advisory_prefix
    for item in items:
        if item.advisory is not None:  # (another project's releasekit too: its records of
            groups.setdefault(item.advisory, []).append(item)  # one advisory are one)
        else:
            foreign.append(item)
    drafts: list[Draft] = []
    for ident, group in groups.items():
        if all(i.shared for i in group):
            # Its title, scores and credits are those of all the advisories of its CVE id.
            why = f"names several advisories of this site: import {ident}'s OSV record with it"
            raise ImportRefused(group[0].source, "/containers/cna/references", why)
        merged = _merge(group)
        own = ident.startswith(prefix + "-")
        if not own:
            merged.advisory = None  # another project's releasekit: history like any other
        drafts.append(
            Draft(
                merged.source,
                ident if own else None,
                merged.published.year,
                _fields(settings, merged),
                _body(merged),
            )
        )
    pointers = {id(d): g for d, g in zip(drafts, groups.values(), strict=True)}
    for item in foreign:
        draft = Draft(item.source, None, item.published.year, _fields(settings, item), _body(item))
        drafts.append(draft)
        pointers[id(draft)] = [item]
    _check(settings, drafts, pointers)
    return drafts


def _check(settings: Settings, drafts: list[Draft], origin: dict[int, list[Imported]]) -> None:
    """Each draft valid alone, and all of them with the workspace's advisories."""
    prefix = settings.project.advisory_prefix
    existing, problems = check_advisories(settings)
    if problems:
        raise AdvisoryError(problems)
    taken = {a.id for a in existing}
    # Another database's record imported before: its note names it (a re-run must not
    # make the same history twice under new ids).
    notes = {(_note_of(a.body), a.component): a.id for a in existing if _note_of(a.body)}
    probes: list[Any] = list(existing)
    for number, draft in enumerate(drafts):
        item = origin[id(draft)][0]
        if draft.ident is None:
            key = (_note_of(draft.body), draft.fields.get("component"))
            if key in notes:
                why = f"{item.origin} is imported already (as {notes[key]})"
                raise ImportRefused(draft.source, "/id", why)
            notes[key] = f"another of the files given, {notes.get(key, draft.source)}"
        ident = draft.ident or f"{prefix}-{draft.year}-{900000 + number}"
        path = settings.advisories_dir / f"{ident}.md"
        if draft.ident in taken:
            raise ImportRefused(draft.source, "/id", f"{draft.ident} exists already in advisories/")
        taken.add(ident)
        try:
            parsed = parse_advisory(draft.text_for(ident), path, prefix)
        except AdvisoryError as exc:
            problem = exc.problems[0]
            name, why = problem.field, problem.message
            if name == "front matter":  # its size names no field: the one that takes most
                name = max(draft.fields, key=lambda k: _room(k, draft.fields[k]))
                why = f"too long for the front matter (at most {MAX_FRONT:,} characters in all)"
            where = item.pointers.get(name or "", "")
            raise ImportRefused(draft.source, where, f"{name}: {why}") from None
        if found := scheme_problem(settings, parsed):  # ([releases] version_scheme)
            name, why = found
            raise ImportRefused(draft.source, item.pointers.get(name, ""), f"{name}: {why}")
        probes.append(Probe(ident, parsed.year, parsed.number, parsed.cve, parsed.component, path))
    sources = {p.path: d.source for p, d in zip(probes[len(existing) :], drafts, strict=True)}
    for problem in cross_check(settings, probes):
        for probe in probes[len(existing) :]:
            if problem.path in (probe.path, probe.path.relative_to(settings.root)):
                pointers = origin[id(drafts[probes.index(probe) - len(existing)])][0].pointers
                message = f"{problem.field}: {problem.message}"
                raise ImportRefused(
                    sources[probe.path], pointers.get(problem.field or "", ""), message
                )
        raise AdvisoryError([problem])


def _room(key: str, value: Any) -> int:
    """The characters ``key = value`` takes in the front matter."""
    return len(update_front_matter("+++\n+++\n", {key: value}))


def write_import(settings: Settings, drafts: Sequence[Draft]) -> list[Path]:
    """Write the drafts (ids kept first, then the next free ones); all of them or none. The
    caller holds :func:`~releasekit.workspace.new.ids_locked` since it planned them."""
    written: list[Path] = []
    years = sorted({d.year for d in drafts if d.ident is None})
    settings.advisories_dir.mkdir(parents=True, exist_ok=True)  # (once all is checked)
    try:
        for draft in drafts:
            if draft.ident is not None:
                path = settings.advisories_dir / f"{draft.ident}.md"
                if not fsutil.create_exclusive(path, draft.text_for(draft.ident), 0o600):
                    raise ImportRefused(draft.source, "/id", f"{draft.ident} exists already")
                written.append(path)
        for year in years:
            texts = [d.text_for for d in drafts if d.ident is None and d.year == year]
            written += issue_locked(settings, year, texts)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def kept_ratings(settings: Settings, written: Sequence[Path]) -> list[tuple[Path, str]]:
    """The written advisories whose severity override an import kept from the records (with
    a reason that says so, to be replaced by the real one), and that severity."""
    found = []
    for path in written:
        advisory = read_advisory(path, settings.project.advisory_prefix)
        reason = advisory.severity_reason or ""
        if advisory.severity_override and reason.startswith(RATING_REASON):
            found.append((path, advisory.severity_override))
    return found


def import_files(settings: Settings, paths: Sequence[Path], shown: Sequence[str]) -> list[Path]:
    """Read, map, check and write; ``shown``: each path as messages name it."""
    files = []
    for path, name in zip(paths, shown, strict=True):
        try:
            with path.open("rb") as handle:
                files.append((name, handle.read(MAX_RECORD + 1)))
        except OSError as exc:
            raise ImportRefused(name, "", f"cannot be read: {exc.strerror}") from None
    # Planned (checked against the workspace) and written under one lock: two imports of
    # one record at once would both find it not imported yet, and both write it.
    with ids_locked(settings):
        return write_import(settings, plan_import(settings, files))

"""A leak oracle for the site: generated advisories whose every free-text and identifying field
holds its own benign marker, published at generated instants, and every file of ``site/``
scanned for every marker.

A marker may appear (in a file's bytes or its path, in any letter case) only when the
contract's table (PRODUCT.md, "What is public when") makes its field public at that instant:

- embargoed (no ``released``, or ``released`` later than the instant): nothing;
- released: id, title, summary, affected and fixed versions, fix commits, revision reasons,
  and the fields named in ``[disclosure] at_release`` (cve, credits, cwe, component);
- disclosed (midnight UTC of ``released`` + ``disclosure_days``, or the release when later):
  everything, the details, severity justification, report date and embargo instant too.

The rule is written here again, from the table, and never taken from releasekit's code.
Between two builds of one workspace the inputs may change in ways that take fields off the
site (``at_release`` shortened, ``disclosure_days`` raised, a release undone, a file
removed, the templates changed): the second build must be byte for byte what a fresh build
of the same inputs makes. An advisory not public then changes nothing: the site built
without it is the same, byte for byte, and so is the log; an embargoed file added, edited or
removed between two builds leaves the log as a build with nothing changed prints it. Also
scanned: what publish printed (a CI job's log). Generated besides: CVE ids shared between
advisories, drafts, the site's templates replaced by ones that print all they get, and
builds that take a large site's way (workers, caches). And the oracle checks itself: every
public field (but those a site need not show) must show.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine
from click.testing import CliRunner
from hypothesis import strategies as st

from releasekit.cli import cli
from releasekit.site.build import Tuning, publish_workspace
from releasekit.workspace import files as workspace
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.sites import ORG_UUID

EARLY = ("cve", "credits", "cwe", "component")  # what [disclosure] at_release may name
RELEASED_FIELDS = ("id", "title", "summary", "versions", "fix_commit", "revision")
BASE = datetime(2026, 10, 13, 14, 0, 7, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    """One generated advisory."""

    n: int
    released: datetime | None  # None: embargoed, not released yet
    embargo: datetime
    override: bool  # a severity override, with its justification
    credits: int  # 0: a `reporter`; 1 or 2: `credits` entries
    revised: bool
    cvss4: bool
    cve_of: int = 0  # the advisory whose CVE id this one shares (0: its own)
    draft: bool = False  # no embargo set yet (never released)

    @property
    def id(self) -> str:
        return f"ACSA-2026-{self.n:04d}"

    def markers(self) -> dict[str, tuple[str, ...]]:
        """Field -> the markers it holds (each unique to this advisory and field)."""
        n = self.n
        found: dict[str, tuple[str, ...]] = {
            "id": (self.id,),
            "title": (f"QZTITLE{n}QZ",),
            "summary": (f"QZSUMMARY{n}QZ",),
            "component": (f"QZCOMPONENT{n}QZ",),
            "cve": (f"CVE-2099-{91000 + (self.cve_of or n)}",),
            "cwe": (f"CWE-{1900 + n}",),
            "credits": tuple(f"QZCREDIT{n}X{i}QZ" for i in range(max(self.credits, 1))),
            "details": tuple(f"QZ{part}{n}QZ" for part in _BODY_PARTS),
            "fix_commit": (f"{n:02x}" + "c0ffee" * 6 + "ab",),
            # Its own lines: the first it affects, and the version that fixed one (each
            # version named has its page, versions/VERSION.html).
            "versions": (f"7.{10 + n}.0", f"8.{n}.{30 + n}"),
            # When the report arrived: public from the disclosure only (not in the
            # released stage's list).
            "reported": (f"2025-0{n}-1{n}",),
            # The embargo instant's minutes and seconds (see cases): the release is public,
            # not when the embargo was set to end.
            "embargo": (self.embargo.strftime(":%M:%S"),),
        }
        if self.override:
            found["severity_reason"] = (f"QZREASON{n}QZ",)
        if self.revised and self.released is not None:
            found["revision"] = (f"QZREVISION{n}QZ",)
        return found

    def text(self) -> str:
        m = self.markers()
        lines = [
            f'id = "{self.id}"',
            f'title = "Export of {m["title"][0]} ignores permissions"',
            f'summary = "A public sentence about {m["summary"][0]}."',
            f'component = "{m["component"][0]}"',
            'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"',
            f'cve = "{m["cve"][0]}"',
            f'cwe = "{m["cwe"][0]}"',
            f'introduced = "7.{10 + self.n}"',
            f"reported = 2025-0{self.n}-1{self.n}T0{self.n}:4{self.n}:00Z",
        ]
        if not self.draft or self.released is not None:
            lines.append(f"embargo = {_toml_time(self.embargo)}")
        if self.cvss4:
            lines.append(
                'cvss4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"'
            )
        if self.override:
            lines += ['severity = "critical"', f'severity_reason = "{m["severity_reason"][0]}"']
        if self.credits == 0:
            lines.append(f'reporter = "{m["credits"][0]}"')
        else:
            kinds = ("finder", "remediation developer")
            entries = ", ".join(
                f'{{ name = "{name}", type = "{kinds[i]}" }}' for i, name in enumerate(m["credits"])
            )
            lines.append(f"credits = [{entries}]")
        if self.released is not None:
            lines += [
                f"released = {_toml_time(self.released)}",
                f'fixed = {{ "10.4" = "10.4.0", "8.{self.n}" = "{m["versions"][1]}" }}',
                f'fix_commits = {{ "10.3" = "{m["fix_commit"][0]}" }}',
            ]
            if self.revised:
                when = _toml_time(self.released + timedelta(hours=5))
                lines.append(f'revisions = [{{ date = {when}, reason = "{m["revision"][0]}" }}]')
        d = {k: v[0] for k, v in m.items() if k != "details"}
        p = dict(zip(_BODY_PARTS, m["details"], strict=True))
        body = (
            f"## Impact of {p['HEAD']}\n\n{p['BODY']} lets a user read a channel. See"
            f' [{p["LINKTEXT"]}](https://example.org/{p["REFURL"]} "{p["LINKTITLE"]}") and'
            f" `{p['CODE']}`, [the report][r] and https://example.org/{p['AUTOLINK']}.\n\n"
            f"![{p['ALT']}](https://example.org/x.png)\n\n> quoted {d['title']}\n\n"
            f"<!-- {p['COMMENT']} -->\n\n"
            f"```\n{p['FENCE']}\n```\n\n| a |\n|---|\n| {p['CELL']} |\n\n"
            f"[r]: https://example.org/{p['REFDEF']}\n"
        )
        return "+++\n" + "\n".join(lines) + "\n+++\n\n" + body


_BODY_PARTS = (
    "HEAD", "BODY", "LINKTEXT", "REFURL", "LINKTITLE", "CODE", "AUTOLINK", "ALT", "COMMENT",
    "FENCE", "CELL", "REFDEF",
)  # fmt: skip


def _toml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Config:
    disclosure_days: int
    at_release: tuple[str, ...]

    def text(self) -> str:
        project = MINIMAL_CONFIG.replace(
            "[releases]",
            f"disclosure_days = {self.disclosure_days}\n"
            'repository_url = "https://git.acme.example/acme/server"\n\n[releases]',
        )
        listed = ", ".join(f'"{name}"' for name in self.at_release)
        return (
            project
            + f'\n[cve]\norg_id = "{ORG_UUID}"\nshort_name = "acme"\n'
            + f"\n[disclosure]\nat_release = [{listed}]\n"
        )


def public(spec: Spec, config: Config, now: datetime) -> set[str]:
    """The fields of ``spec`` that the contract's table makes public at ``now``."""
    if spec.released is None or spec.released > now:
        return set()
    day = (spec.released + timedelta(days=config.disclosure_days)).date()
    disclosed = max(datetime(day.year, day.month, day.day, tzinfo=UTC), spec.released)
    if now >= disclosed:
        return set(spec.markers())
    return set(RELEASED_FIELDS) | set(config.at_release)


@dataclass
class Leak:
    instant: datetime
    path: str  # under site/
    advisory: str
    field: str
    marker: str

    @property
    def kind(self) -> str:
        return output_kind(self.path)


def output_kind(path: str) -> str:
    """The kind of output a site file is, for counting (page, feed, record, ...)."""
    first = path.split("/", 1)[0]
    if first in ("advisories", "versions", "osv", "cve", "csaf", ".well-known"):
        return first
    return path


@dataclass
class Tally:
    cases: int = 0
    instants: int = 0
    files: int = 0
    leaks: Counter[str] = field(default_factory=Counter)
    stale: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)  # by an embargoed advisory


def scan(
    site: Path | None,
    specs: list[Spec],
    config: Config,
    now: datetime,
    allowed: dict[str, set[str]],
    log: str | None = None,
) -> tuple[list[Leak], int]:
    """Every marker found in ``site``'s files (and in ``log``, what publish printed) where
    its field is not public; and the number of files (and logs) read.

    ``allowed``: fields that may show beside what the table says (those of advisories
    removed since an earlier build, as that build showed them)."""
    leaks: list[Leak] = []
    files = 0
    owners: dict[str, list[tuple[str, str, bool]]] = {}  # marker -> (id, field, public)
    for spec in specs:
        ok = public(spec, config, now) | allowed.get(spec.id, set())
        for name, values in spec.markers().items():
            for value in values:
                owners.setdefault(value.lower(), []).append((spec.id, name, name in ok))
    # A marker two advisories hold (a shared CVE id) may show when either makes it public.
    checks = [
        (held[0][0], held[0][1], marker)
        for marker, held in owners.items()
        if not any(shown for _, _, shown in held)
    ]
    texts = {} if log is None else {"publish log": log.lower()}
    for path in sorted(site.rglob("*")) if site is not None else []:
        if path.is_file():
            rel = path.relative_to(site).as_posix()
            texts[rel] = (rel + "\n" + path.read_bytes().decode("utf-8", "replace")).lower()
    for rel, text in texts.items():
        files += 1
        leaks += [Leak(now, rel, a, f, m) for a, f, m in checks if m in text]
    return leaks, files


_MAYBE = {"fix_commit", "reported", "embargo"}  # public at a stage, but not every site shows them


def unseen(site: Path, specs: list[Spec], config: Config, now: datetime) -> list[str]:
    """The public fields of ``specs`` that no file of ``site`` shows (the oracle's own check
    that it can see what it looks for): "ID field" each."""
    text = "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file()
    ).lower()
    return [
        f"{spec.id} {name}"
        for spec in specs
        for name in sorted(public(spec, config, now) & set(spec.markers()) - _MAYBE)
        if not any(value.lower() in text for value in spec.markers()[name])
    ]


# --- Generation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What changes in the inputs between the two builds."""

    config: Config
    release: frozenset[int]  # embargoed advisories the lift releases (at the second instant)
    undo: frozenset[int]  # released ones whose release is taken back (the embargo moved on)
    remove: frozenset[int]  # advisory files removed
    dump: bool  # the site's templates printing everything they get (see Case.dump)


@dataclass(frozen=True)
class Case:
    specs: tuple[Spec, ...]
    config: Config
    dump: bool  # the site's templates replaced by ones that print everything they get
    first: datetime
    second: datetime
    change: Change
    # Each build the way a large site's goes (worker processes, the Markdown cache, children
    # that link unchanged files), called in-process rather than through the CLI.
    large: tuple[bool, bool] = (False, False)


def _specs_after(case: Case) -> list[Spec]:
    after = []
    for spec in case.specs:
        if spec.n in case.change.remove:
            continue
        if spec.n in case.change.release and spec.released is None:
            released = max(case.second - timedelta(minutes=1), spec.embargo)
            spec = replace(spec, released=released)
        elif spec.n in case.change.undo and spec.released is not None:
            later = embargo_near(case.second + timedelta(days=3), spec.n)
            spec = replace(spec, released=None, embargo=later)
        after.append(spec)
    return after


def embargo_near(moment: datetime, n: int) -> datetime:
    """An embargo instant in the hour before ``moment``'s, with minutes and seconds of
    advisory ``n``'s own (50 + n, 40 + n): its marker."""
    return (moment - timedelta(hours=1)).replace(minute=50 + n, second=40 + n)


_AT_RELEASE = st.lists(st.sampled_from(EARLY), unique=True).map(tuple)
_DAYS = st.sampled_from([0, 0, 1, 2, 30])


@st.composite
def cases(draw: Callable[[Any], Any]) -> Case:
    count = draw(st.integers(1, 4))
    specs = []
    for n in range(1, count + 1):
        hours = draw(st.integers(-24 * 40, 24 * 40))
        released = BASE + timedelta(hours=hours, seconds=draw(st.integers(0, 59)))
        embargo = embargo_near(released - timedelta(hours=draw(st.integers(1, 72))), n)
        spec = Spec(
            n=n,
            released=released if draw(st.booleans()) or n == 1 else None,
            embargo=embargo,
            override=draw(st.booleans()),
            credits=draw(st.integers(0, 2)),
            revised=draw(st.booleans()),
            cvss4=draw(st.booleans()),
            cve_of=draw(st.sampled_from([0, 0, 1])) if n > 1 else 0,
            draft=draw(st.integers(0, 4)) == 0,
        )
        specs.append(spec)
    config = Config(draw(_DAYS), draw(_AT_RELEASE))
    # Instants near the stages' edges: a release, a disclosure midnight, a second either side.
    edges: list[datetime] = [BASE - timedelta(days=60), BASE + timedelta(days=120)]
    for spec in specs:
        for days in (0, 1, 2, 30):
            if spec.released is None:
                continue
            day = (spec.released + timedelta(days=days)).date()
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            edges += [spec.released, midnight]
    nudge = st.sampled_from([timedelta(seconds=s) for s in (-1, 0, 1, 3600)])
    first = draw(st.sampled_from(edges)) + draw(nudge)
    second = draw(st.sampled_from(edges)) + draw(nudge)
    numbers = [s.n for s in specs]
    some = st.frozensets(st.sampled_from(numbers))
    change = Change(
        draw(st.sampled_from([config, Config(draw(_DAYS), draw(_AT_RELEASE))])),
        draw(some),
        draw(some),
        draw(some),
        draw(st.booleans()),
    )
    large = (draw(st.booleans()), draw(st.booleans()))
    return Case(tuple(specs), config, draw(st.booleans()), first, second, change, large)


# --- Running a case --------------------------------------------------------------------------


def write_workspace(root: Path, specs: list[Spec], config: Config) -> None:
    root.mkdir(parents=True, exist_ok=True)
    toml = root / "releasekit.toml"
    if not toml.exists() or toml.read_text() != config.text():
        toml.write_text(config.text())
    folder = root / "advisories"
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"{spec.id}.md" for spec in specs}
    for path in folder.iterdir():
        if path.name not in wanted:
            path.unlink()
    for spec in specs:  # (a file whose text is the same is left alone, as an editor does)
        path = folder / f"{spec.id}.md"
        if not path.exists() or path.read_text() != spec.text():
            path.write_text(spec.text())


# Prints every value a site template gets: an overriding template must get no more than the
# stage allows (a view that handed over the advisory itself would show here).
SITE_DUMP = (
    "{% for k, v in self._TemplateReference__context.items() if k not in globals %}"
    "{{ k }}={{ v }}\n{% endfor %}"
)
SITE_TEMPLATES = (
    "_row.html.j2",
    "advisory.html.j2",
    "credits.html.j2",
    "index.html.j2",
    "version.html.j2",
    "versions.html.j2",
)


def _dump_templates(root: Path) -> None:
    folder = root / "templates"
    folder.mkdir(exist_ok=True)
    # (Jinja's own globals left out: a function's repr names its address, which differs
    # from one process to the next.)
    names = '{% set globals = ["range", "dict", "lipsum", "cycler", "joiner", "namespace"] %}'
    for name in SITE_TEMPLATES:
        (folder / name).write_text(names + SITE_DUMP)


LARGE = Tuning(parallel_min=1, markdown_min=1, fork_min=1)


def _publish(root: Path, now: datetime, large: bool = False) -> str:
    """``releasekit publish --json`` run at ``now``; what it printed (a CI job's log, often
    public), stdout and stderr. ``large``: the build as a large site's, its report as the
    log."""
    if large:
        report = publish_workspace(workspace.open_workspace(root), now, tuning=LARGE)
        return json.dumps(report.to_json()) + "\n".join(report.warnings)
    with time_machine.travel(now, tick=False):
        result = CliRunner().invoke(cli, ["-C", str(root), "publish", "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout + result.stderr


def _bytes(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def run_case(root: Path, case: Case, tally: Tally) -> list[str]:
    """Build the case's site twice (the inputs changed between), scan both; the problems."""
    problems: list[str] = []
    specs = list(case.specs)
    write_workspace(root, specs, case.config)
    if case.dump:
        _dump_templates(root)
    log = _publish(root, case.first, case.large[0])
    leaks, files = scan(root / "site", specs, case.config, case.first, {}, log)
    tally.instants += 1
    tally.files += files
    problems += [
        f"not shown at {case.first}: {x}"
        for x in unseen(root / "site", specs, case.config, case.first)
    ]
    shown_first = {s.id: public(s, case.config, case.first) for s in specs}

    after = _specs_after(case)
    write_workspace(root, after, case.change.config)
    shutil.rmtree(root / "templates", ignore_errors=True)
    if case.change.dump:
        _dump_templates(root)
    log = _publish(root, case.second, case.large[1])
    kept = {s.id for s in after}
    removed = {ident: fields for ident, fields in shown_first.items() if ident not in kept}
    gone = [s for s in specs if s.id in removed]
    more, files = scan(root / "site", [*after, *gone], case.change.config, case.second, removed)
    leaks += more
    # The log's list of removed files names what the first build showed (not new).
    said, _ = scan(None, [*after, *gone], case.change.config, case.second, shown_first, log)
    leaks += said
    tally.instants += 1
    tally.files += files
    problems += [
        f"not shown at {case.second}: {x}"
        for x in unseen(root / "site", after, case.change.config, case.second)
    ]
    for leak in leaks:
        tally.leaks[leak.kind] += 1
        problems.append(
            f"{leak.instant.isoformat()} {leak.path}: {leak.advisory} {leak.field} {leak.marker}"
        )

    # A fresh build of the same inputs at the same instant: the second build may differ from
    # it in nothing (a leftover of the first build is a stale page, feed or record).
    problems += _quiet(root, case, tally)
    fresh = _fresh(root, "fresh", after, case)
    problems += _differences("stale after the change", root, fresh, tally.stale)
    # And without the advisories that are not public then: an embargoed advisory changes
    # nothing anywhere (not a byte of the site, not a word of the log).
    shown = [s for s in after if public(s, case.change.config, case.second)]
    if len(shown) < len(after):
        bare = _fresh(root, "bare", shown, case)
        problems += _differences("an embargoed advisory changed", bare, fresh, tally.changed)
        logs = [(p / "publish.log").read_text().replace(str(p), "WS") for p in (fresh, bare)]
        if logs[0] != logs[1]:
            tally.changed["publish log"] += 1
            problems.append(f"an embargoed advisory changed the publish log: {logs}")
    tally.cases += 1
    return problems


def _quiet(root: Path, case: Case, tally: Tally) -> list[str]:
    """An embargoed advisory added, edited, then removed between builds at the second
    instant: each build prints what one with nothing changed prints (the daily publish's
    log tells no one that an embargoed file came, changed or went)."""
    large = case.large[1]
    unchanged = _publish(root, case.second, large)
    late = embargo_near(case.second + timedelta(days=5), 9)
    spec = Spec(9, None, late, True, 2, False, True)
    path = root / "advisories" / f"{spec.id}.md"
    said = []
    for text in (spec.text(), replace(spec, override=False, credits=0).text(), None):
        if text is None:
            path.unlink()
        else:
            path.write_text(text)
        said.append(_publish(root, case.second, large))
    tally.instants += 3
    found = [
        f"the publish log told of an embargoed file: {log!r}" for log in said if log != unchanged
    ]
    if found:
        tally.changed["publish log"] += len(found)
    return found


def _fresh(root: Path, name: str, specs: list[Spec], case: Case) -> Path:
    """A new workspace beside ``root`` with ``specs``, built at the case's second instant
    (what publish printed in its publish.log)."""
    fresh = root.parent / f"{root.name}-{name}"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    write_workspace(fresh, specs, case.change.config)
    if case.change.dump:
        _dump_templates(fresh)
    (fresh / "publish.log").write_text(_publish(fresh, case.second))
    return fresh


def _differences(what: str, one: Path, other: Path, counts: Counter[str]) -> list[str]:
    """The files in which ``one``'s site differs from ``other``'s."""
    built, clean = _bytes(one / "site"), _bytes(other / "site")
    found = []
    for path in sorted(set(built) | set(clean)):
        if built.get(path) != clean.get(path):
            counts[output_kind(path)] += 1
            state = (
                "only in the first"
                if path not in clean
                else "only in the second"
                if path not in built
                else "differs"
            )
            found.append(f"{what}: {path} {state}")
    return found

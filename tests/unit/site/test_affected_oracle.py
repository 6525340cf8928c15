"""One question, many answers: "is version V affected by advisory A?", asked of every place
of the published site that answers it, must get the same answer everywhere.

Generated advisories (fixes on several lines, `introduced` given or not, no version at all,
`unfixed` between fixed lines, four-number versions, lines of a major version, PostgreSQL's
two-number versions, an ESR that is an older minor, a pre-release line fixed in its first
release, fixes shipped in a pre-release: 10.3.0rc1, SemVer's 0.104.0-alpha.6, and
`introduced` in one: 10.3.1rc1, 0.104.0-alpha.1), beside the named shapes of ``NAMED``, are
published into one site; then, for every version of a relevant set (each release of the
lines around the fixes, every version a record names, `introduced`, a release candidate of
each release and the pre-releases around each pre-release), each of these readers answers
as a subscriber's script or reader would, by the format's own rules (versions compared by
packaging, not by releasekit's code):

- ``advisories.json``: a release in one of `ranges` (from `from`, below `below`);
- the OSV record: the OSV spec's evaluation of its SEMVER ranges and `versions` lists
  (tests/helpers/osv_eval: a SEMVER event must be a SemVer version), the reference the
  others are compared with. A SEMVER record cannot place a version SemVer cannot spell
  (7.1.5.1); a record that enumerates `versions` (those SemVer cannot spell: 16.3, 7.1.5.1,
  10.3.3.post1) speaks for the releases the advisory names (each has a version page): it
  must list each of them that is affected and no other, and cannot place the rest (Rails'
  7.1.3.1 beside a fix in 7.1.5.2: releasekit does not know it was released). For a version
  it cannot place, advisories.json is the reference;
- the CVE JSON 5 record: an `affected` entry's `version` up to `lessThan` (`*`: no end),
  else the product's `defaultStatus`; an `unaffected` entry must not overlap an affected one;
  compared as its `versionType` says, as a scanner would: `semver` by npm's node-semver (a
  bound it rejects, 10.3.1rc1 or 16.3, makes no answer; the version asked spelt in SemVer,
  and left out when SemVer has none: 7.1.5.1, 10.3.0.dev1), `python` by packaging;
- the CSAF document: a `known_affected` product of the product tree (`vers` ranges); a
  `fixed` product must never be one of them;
- the advisory page's "Affected versions" list, as a person reads it beside its "Fixed
  versions" ("10.3.0 – 10.3.2", "after 9.11 – before 10.4", "9.8.0 – before 9.11", "10.4.0
  and later"; "Not recorded": every release; "– 7.0.4" takes in Rails' 7.0.4.1 unless a fix
  on 7.0.4 rules it out); releases only, as the version pages, and the pre-releases its
  "Fixed versions" name;
- the version pages (versions.json and each page's list) for the versions that have one.

With `unfixed` recorded, a line between the fixed ones that it does not name was either not
released (no question names its versions) or released with the fix already on its branch
(``has_fix``: the plan's already-fixed line, which the lift leaves out of `unfixed` and
`fixed`; ESR 10.4 fixed in 10.4.9, 10.5 unfixed, 10.6 fixed before in 10.6.2, upcoming
11.0.0). Its releases from that fix on are not affected, whatever the readers agree on: a
reader that says one is affected is counted under ``truth``. (Its releases before that fix
are asked too, but only the readers' agreement is checked: the file does not say when the
line got the fix; `fixed` says it when given.)

`introduced` settles some answers alone, whatever the readers agree on (also counted under
``truth``): no version before it is affected; with it a pre-release (10.3.1rc1), one from
it up to its release is, unless its line's fix came by then, and, when its line has no fix,
is as that release is (a range between fixed lines).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from releasekit.model.versions import versions_of
from releasekit.records import osv_schema_path
from tests.conftest import Workspace
from tests.helpers.osv_eval import affected_version, as_semver
from tests.helpers.semver import NodeSemver
from tests.helpers.sites import CONFIG
from tests.unit.site.test_build import publish_at

NOW = "2027-06-01T12:00:00Z"  # every advisory disclosed
# Families of release lines, each as a project names them, with the numbers a release has.
MINOR = ["9.10", "9.11", "9.12", "10.0", "10.1", "10.2", "10.3", "10.4", "10.5", "10.6", "11.0"]
FOUR = ["7.0", "7.1", "7.2", "8.0"]  # Rails: 7.2.2.1 after 7.2.2
MAJOR = ["5", "6", "7", "8"]  # undici: the line 7 holds 7.0.0 to 7.3.0
PG = ["14", "15", "16", "17"]  # PostgreSQL: the line 16 fixed in 16.3


@dataclass(frozen=True)
class Case:
    """One generated advisory: its recorded versions, and the releases to ask about."""

    fixed: dict[str, str]
    introduced: str | None
    unfixed: list[str] | None
    versions: tuple[str, ...]  # the relevant releases of its family
    # Released lines between fixed ones that already had the fix (in neither `fixed` nor
    # `unfixed`), each with the release that first had it.
    has_fix: tuple[tuple[str, str], ...] = ()


def _releases(family: str) -> tuple[str, ...]:
    """Every release of a family's lines that a question may name."""
    if family == "minor":
        return tuple(f"{line}.{p}" for line in MINOR for p in range(7))
    if family == "four":
        plain = [f"{line}.{p}" for line in FOUR for p in range(5)]
        return (*plain, *(f"{line}.{p}.{q}" for line in FOUR for p in range(5) for q in (1, 2)))
    if family == "major":
        return tuple(f"{m}.{n}.{p}" for m in MAJOR for n in range(4) for p in range(3))
    return tuple(f"{m}.{n}" for m in PG for n in range(6))


# Pre-releases a fix may ship in (RustSec: 21 of 1,225 advisories, rustls-webpki's
# 0.104.0-alpha.6): PEP 440's spellings and SemVer's, which packaging reads alike.
PRE = ["a1", "b2", "rc1", "-alpha.6", "-rc.2"]


def _fix(family: str, line: str, draw: Callable[[Any], Any]) -> str:
    """A fixed version on ``line`` (its first release now and then: an upcoming or a
    pre-release line is fixed in X.Y.0), now and then a pre-release of it."""
    if family == "minor":
        fix = f"{line}.{draw(st.integers(0, 5))}"
    elif family == "four":
        patch = draw(st.integers(0, 4))
        fourth = draw(st.sampled_from(["", ".1", ".2"]))
        fix = f"{line}.{patch}{fourth}"
    elif family == "major":
        fix = f"{line}.{draw(st.integers(0, 3))}.{draw(st.integers(0, 2))}"
    else:
        fix = f"{line}.{draw(st.integers(0, 5))}"
    if draw(st.integers(0, 3)) == 0:  # (a quarter of them)
        fix += draw(st.sampled_from(PRE))
    return fix


@st.composite
def cases(draw: Callable[[Any], Any]) -> Case:
    family = draw(st.sampled_from(["minor", "minor", "minor", "four", "major", "pg"]))
    lines = {"minor": MINOR, "four": FOUR, "major": MAJOR, "pg": PG}[family]
    releases = _releases(family)
    chosen = draw(st.lists(st.sampled_from(lines), unique=True, max_size=4))
    fixed = {line: _fix(family, line, draw) for line in chosen}
    introduced = draw(
        st.none()
        | st.sampled_from(lines)
        | st.sampled_from([v for v in releases if v[-1] != "0"])
        | st.tuples(st.sampled_from(releases), st.sampled_from(PRE)).map("".join)
    )
    unfixed = None
    has_fix: tuple[tuple[str, str], ...] = ()
    if fixed and draw(st.booleans()):
        keys = sorted(Version(line) for line in fixed)
        inside = [
            line for line in lines if line not in fixed and keys[0] < Version(line) < keys[-1]
        ]
        unfixed = sorted(
            draw(st.lists(st.sampled_from(inside), unique=True)) if inside else [],
            key=Version,
            reverse=True,
        )
        # Of the others, some were released with the fix already there (from a release of
        # theirs, often the first: a line branched after the fix).
        others = [line for line in inside if line not in unfixed]
        chosen = draw(st.lists(st.sampled_from(others), unique=True)) if others else []
        has_fix = tuple((line, _fix(family, line, draw)) for line in chosen)
    if unfixed is not None:  # the other lines between fixed ones were not released
        keys = sorted(Version(line) for line in fixed)
        known = (*fixed, *unfixed, *(line for line, _at in has_fix))
        releases = tuple(
            v
            for v in releases
            if not keys[0] < Version(_line(family, v)) < keys[-1] or _line(family, v) in known
        )
    return Case(fixed, introduced, unfixed, releases, has_fix)


def _line(family: str, version: str) -> str:
    """The release line of ``version`` as ``family`` names its lines."""
    width = 1 if family in ("major", "pg") else 2
    return ".".join(version.split(".")[:width])


def _toml(case: Case) -> dict[str, str]:
    fields = {"fixed": "{ " + ", ".join(f'"{k}" = "{v}"' for k, v in case.fixed.items()) + " }"}
    if case.introduced is not None:
        fields["introduced"] = f'"{case.introduced}"'
    if case.unfixed is not None:
        fields["unfixed"] = "[" + ", ".join(f'"{line}"' for line in case.unfixed) + "]"
    return fields


# Versions SemVer cannot spell: the OSV record enumerates them (beside the Rails and
# PostgreSQL shapes of NAMED and the generated ones).
NOT_SEMVER = [
    Case({"10.3": "10.3.3.post1", "10.2": "10.2.5"}, None, None, _releases("minor")),
    Case({"10.3": "10.3.3", "9.11": "9.11.9"}, "10.3.1.post1", None, _releases("minor")),
    Case({"8.0": "8.0.1.1", "7.1": "7.1.5.2"}, None, ["7.2"], _releases("four")),
    Case({"7.2": "7.2.2.1"}, "7.0.3", None, _releases("four")),
]

# The shapes named, in every run (the generated ones come beside them).
NAMED = [
    Case({"10.4": "10.4.0", "10.3": "10.3.3", "9.11": "9.11.9"}, "9.8", None, _releases("minor")),
    Case({"10.3": "10.3.3", "10.1": "10.1.2"}, None, None, _releases("minor")),  # a gap guessed
    Case({}, None, None, _releases("minor")),  # "Not recorded": every release
    Case({}, "10.4", None, _releases("minor")),  # no fix: from 10.4.0 on
    # a Low fix in the upcoming 11.0 and an ESR that is an older minor, 10.5, 10.6 between
    Case({"11.0": "11.0.0", "10.4": "10.4.6"}, None, ["10.6", "10.5"], _releases("minor")),
    Case({"11.0": "11.0.0", "10.6": "10.6.2"}, None, [], _releases("minor")),  # no line between
    # ESR 10.4 fixed in 10.4.9, 10.5 unfixed, 10.6 fixed before in 10.6.2, upcoming 11.0.0: as
    # the lift records it (10.6 in neither key), and with 10.6's fix written in `fixed`
    Case(
        {"11.0": "11.0.0", "10.4": "10.4.9"},
        None,
        ["10.5"],
        _releases("minor"),
        (("10.6", "10.6.2"),),
    ),
    Case(
        {"11.0": "11.0.0", "10.6": "10.6.2", "10.4": "10.4.9"}, None, ["10.5"], _releases("minor")
    ),
    # ... and 10.6 fixed before in a pre-release of its first release, 10.6.0b2: the gap
    # took in 10.6.0rc1 (found by the generated cases: 10.2.0-alpha.6 after 10.1 unfixed)
    Case(
        {"11.0": "11.0.0", "10.4": "10.4.9"},
        None,
        ["10.5"],
        _releases("minor"),
        (("10.6", "10.6.0b2"),),
    ),
    # an already-fixed line between two unfixed ones (10.0 and 10.2 unfixed, 10.1 fixed from
    # its first release), and one above the newest (10.3, 10.4: the guess took 11.0 next)
    Case(
        {"11.0": "11.0.0", "9.11": "9.11.9"},
        None,
        ["10.2", "10.0", "9.12"],
        _releases("minor"),
        (("10.1", "10.1.0"), ("10.3", "10.3.0"), ("10.4", "10.4.4")),
    ),
    # a pre-release line (CPython's 3.14 in its betas) is fixed in its first release
    Case(
        {"10.4": "10.4.0", "10.3": "10.3.0", "10.2": "10.2.4"}, "10.1.3", None, _releases("minor")
    ),
    Case({"7.2": "7.2.2.1", "7.1": "7.1.5.2", "8.0": "8.0.1"}, "7.1", None, _releases("four")),
    Case({"8": "8.0.0", "7": "7.3.1", "6": "6.2.2"}, None, None, _releases("major")),
    Case({"16": "16.3", "15": "15.5"}, "14.2", None, _releases("pg")),
    # fixed in a pre-release: rustls-webpki's 0.104.0-alpha.6 beside 0.103.12 (RustSec), and
    # a pre-release of a line's first release ending a gap and an older unfixed range
    Case({"10.3": "10.3.12", "10.4": "10.4.0-alpha.6"}, None, None, _releases("minor")),
    Case({"10.3": "10.3.0rc1", "10.1": "10.1.2"}, None, None, _releases("minor")),
    Case({"10.3": "10.3.0rc1", "10.2": "10.2.4"}, "10.1.3", None, _releases("minor")),
    Case({"10.3": "10.3.3b2", "9.11": "9.11.9"}, "9.8", None, _releases("minor")),
    Case({"16": "16.0rc1", "14": "14.3"}, "13.2", ["15"], _releases("pg")),
    # a line fixed in its first release (CPython's 3.14, a `prerelease` line, in 3.14.0) or a
    # pre-release of it: its earlier pre-releases had the code (introduced before, or the
    # line below affected): "10.4.0 pre-releases", as a gap up to it takes them in; through
    # a chain of such lines, and not past a line between that `unfixed` leaves out (fixed
    # in X.Y.0: only when the project publishes pre-releases, `[releases] pre_releases`)
    Case({"10.4": "10.4.0", "10.3": "10.3.3"}, None, None, _releases("minor")),
    Case({"10.4": "10.4.0b2", "10.3": "10.3.3"}, "10.2.0", None, _releases("minor")),
    Case({"10.5": "10.5.0", "10.4": "10.4.0rc1", "10.2": "10.2.4"}, None, None, _releases("minor")),
    Case({"10.4": "10.4.0", "10.2": "10.2.4"}, None, [], _releases("minor")),
    Case({"8": "8.0.0rc1", "7": "7.3.1"}, None, None, _releases("major")),
    Case({"16": "16.0", "15": "15.5"}, None, None, _releases("pg")),
    Case({"11.0": "11.0.0a1", "10.6": "10.6.2"}, "10.5.3", None, _releases("minor")),
    # fixed after its first release, the whole line affected (CPython's 3.13 fixed in 3.13.1
    # beside 3.12): its first release's pre-releases too when the project publishes them
    Case({"10.4": "10.4.1", "10.3": "10.3.3"}, None, None, _releases("minor")),
    Case({"10.4": "10.4.3", "10.3": "10.3.3"}, "10.2.2", None, _releases("minor")),
    # introduced in a pre-release (RustSec's rustls-webpki: from 0.104.0-alpha.1 to its fix in
    # 0.104.0-alpha.6): of a line fixed later on it, of an upcoming line with no release yet,
    # of a line between two fixed ones (guessed, or recorded in `unfixed`), of an older
    # line, and with no fixed version
    Case({"10.3": "10.3.3", "9.11": "9.11.9"}, "10.3.1rc1", None, _releases("minor")),
    Case({"10.4": "10.4.0-alpha.6", "10.3": "10.3.12"}, "10.4.0-alpha.1", None, _releases("minor")),
    Case({"11.0": "11.0.0", "10.6": "10.6.2"}, "11.0.0b2", None, _releases("minor")),
    Case({"10.4": "10.4.2", "10.2": "10.2.5"}, "10.3.0rc1", None, _releases("minor")),
    Case(
        {"10.6": "10.6.2", "10.2": "10.2.5"},
        "10.4.0-rc.2",
        ["10.5", "10.4", "10.3"],
        _releases("minor"),
    ),
    Case({"10.4": "10.4.2", "10.2": "10.2.5"}, "10.2.0a1", ["10.3"], _releases("minor")),
    Case({"10.4": "10.4.2"}, "10.1.0-alpha.6", None, _releases("minor")),
    Case({}, "10.3.0b2", None, _releases("minor")),
    Case({"7.2": "7.2.2.1", "7.1": "7.1.5.2"}, "7.1.5.1rc1", None, _releases("four")),
    Case({"7": "7.3.1", "6": "6.2.2"}, "7.0.0a1", None, _releases("major")),
    Case({"16": "16.3", "15": "15.5"}, "16.0rc1", None, _releases("pg")),
    # PEP 440 post-releases, a fix in one and `introduced` in one (SemVer has neither), and
    # a four-number fix above a line left without it
    *NOT_SEMVER,
]


def _write(ws: Workspace, n: int, case: Case) -> str:
    ident = f"ACSA-2026-{n:04d}"
    ws.advisory(
        ident,
        released="2026-10-13T14:00:07Z",
        embargo="2026-10-13T14:00:00Z",
        cve=f'"CVE-2026-{40000 + n}"',
        **_toml(case),
    )
    return ident


# Readers: each answers "is V affected?" from one published file, by that format's rules.


def _v(text: str) -> Version:
    return Version(text)


def json_says(entry: dict[str, Any], version: str) -> bool:
    return any(
        _v(r["from"]) <= _v(version) and (r["below"] is None or _v(version) < _v(r["below"]))
        for r in entry["ranges"]
    )


def osv_says(record: dict[str, Any], version: str, named: tuple[str, ...]) -> Any:
    """The OSV spec's answer (IsVulnerable) for ``version``; UNPLACEABLE when the record
    cannot speak of it: a SEMVER record of a version SemVer cannot spell, a record that
    enumerates its versions of one the advisory does not name (``named``) within one of the
    ranges the entries keep in their ``database_specific`` (for an import), unless SemVer
    spells it (the SEMVER range beside the list places it)."""
    entries = record["affected"]
    if any(version in a.get("versions", ()) for a in entries):
        return True  # (listed: affected, whatever its ranges say)
    enumerating = [a for a in entries if "range" in a["database_specific"]]
    if enumerating and as_semver(version) is None:
        spans = [a["database_specific"]["range"]["events"] for a in enumerating]
        if version not in named and any(_in_span(version, events) for events in spans):
            return UNPLACEABLE  # (releasekit does not know whether it was released)
        return affected_version(record, version)  # (named or outside every range: not listed)
    kinds = {r["type"] for a in entries for r in a.get("ranges", [])}
    if "SEMVER" in kinds and as_semver(version) is None:
        return UNPLACEABLE
    return affected_version(record, version)


class Unplaceable(Exception):
    """The reader cannot place the version asked among a record's: not a version of the
    scheme the record declares (7.1.5.1 beside SemVer ranges)."""


def _semver_in(semver: NodeSemver, first: str, end: str | None, version: str) -> bool:
    """Whether ``version`` lies in [first, end) as a SemVer library reads the bounds ("0":
    no lower bound, "*": no upper one, as CVE's versions.md has it; None: ``first`` alone);
    AssertionError when a bound is no SemVer version (the library rejects the record)."""
    asked = as_semver(version)
    if asked is None:
        raise Unplaceable(version)
    low = 0 if first == "0" else semver.compare(first, asked)
    assert low is not None, f"versionType semver: {first!r} is no SemVer version"
    if end is None:
        return low == 0
    high = -1 if end == "*" else semver.compare(asked, end)
    assert high is not None, f"versionType semver: {end!r} is no SemVer version"
    return low <= 0 and high < 0


def _python_in(first: str, end: str | None, version: str) -> bool:
    """The same by PEP 440 (``"versionType": "python"``), as packaging reads it."""
    if end is None:
        return _v(first) == _v(version)
    return _v(first) <= _v(version) and (end == "*" or _v(version) < _v(end))


def cve_says(record: dict[str, Any], version: str, semver: NodeSemver) -> bool:
    """CVE JSON 5: a `versions` entry's status for the versions it covers (`version` up to
    `lessThan`, `*`: no end; else that version alone), compared as its `versionType` says
    (semver: by node-semver, the version asked spelt in SemVer; python: by packaging),
    else the product's `defaultStatus`; an `unaffected` entry must not overlap an affected
    one."""
    hit = False
    for affected in record["containers"]["cna"]["affected"]:
        covered = False
        for entry in affected.get("versions", []):
            kind = entry.get("versionType")
            assert kind in ("semver", "python"), kind
            end = entry.get("lessThan")
            if kind == "semver":
                inside = _semver_in(semver, entry["version"], end, version)
            else:
                inside = _python_in(entry["version"], end, version)
            covered = covered or inside
            if inside and entry["status"] == "affected":
                hit = True
            elif inside:  # an unaffected entry must not overlap an affected one
                assert not hit, (record["cveMetadata"]["cveId"], version, entry)
        if not covered and affected.get("defaultStatus") == "affected":
            hit = True
    return hit


def _vers(text: str, version: str, semver: NodeSemver) -> bool:
    """A ``vers`` range as its spec reads it (the forms CSAF documents here use): its
    scheme says the comparison: ``semver`` by node-semver (the version asked spelt in
    SemVer), ``pypi`` by PEP 440, ``generic`` numerically (its documents name plain
    numbers only, which packaging orders so)."""
    scheme, _, body = text.removeprefix("vers:").partition("/")
    assert text.startswith("vers:") and scheme in ("generic", "semver", "pypi"), text
    if body == "*":
        return True
    ok = True
    for constraint in body.split("|"):
        match = re.fullmatch(r"(>=|<=|<|>|=|!=)?(.+)", constraint)
        assert match is not None, text
        op, bound = match.group(1) or "=", match.group(2)
        if scheme == "semver":
            asked = as_semver(version)
            if asked is None:
                raise Unplaceable(version)
            order = semver.compare(asked, bound)
            assert order is not None, f"vers:semver: {bound!r} is no SemVer version"
        else:
            if scheme == "generic":
                assert re.fullmatch(r"[0-9]+(\.[0-9]+)*", bound), text
            order = (_v(version) > _v(bound)) - (_v(version) < _v(bound))
        ok = (
            ok
            and {
                ">=": order >= 0,
                ">": order > 0,
                "<": order < 0,
                "<=": order <= 0,
                "=": order == 0,
                "!=": order != 0,
            }[op]
        )
    return ok


def _products(
    node: dict[str, Any], found: dict[str, Callable[[str], bool]], semver: NodeSemver
) -> None:
    for branch in node.get("branches", []):
        product = branch.get("product")
        if product is not None:
            name = branch["name"]
            if branch["category"] == "product_version_range":
                found[product["product_id"]] = lambda v, name=name: _vers(name, v, semver)
            else:
                found[product["product_id"]] = lambda v, name=name: _v(v) == _v(name)
        _products(branch, found, semver)


def csaf_says(document: dict[str, Any], version: str, semver: NodeSemver) -> bool:
    products: dict[str, Callable[[str], bool]] = {}
    for top in document.get("product_tree", {}).get("branches", []):
        _products({"branches": [top]}, products, semver)
    status = document["vulnerabilities"][0].get("product_status", {})
    affected = any(products[p](version) for p in status.get("known_affected", []))
    fixed = any(products[p](version) for p in status.get("fixed", []))
    assert not (affected and fixed), (document["document"]["tracking"]["id"], version)
    return affected


def _line_after(line: str, version: str) -> bool:
    """Whether ``version`` comes after every release of ``line`` ("after 9.11")."""
    width = line.count(".") + 1
    return _v(version).release[:width] > _v(line).release[:width]


def _upto(version: str, last: str) -> bool:
    """Whether ``version`` is at most ``last`` as a page says it: "– 7.0.4" takes in the
    patches of 7.0.4 (7.0.4.1, ...) when its fixed version does not rule them out."""
    shown = _v(last).release
    return _v(version) <= _v(last) or (len(shown) == 3 and _v(version).release[:3] == shown)


def page_says(items: list[str], fixed: list[str], version: str) -> bool:
    """The page as a person reads it: its "Affected versions", less what its "Fixed
    versions" say is fixed (a release from a fix on, with the fix's first three numbers)."""
    if any(_v(version) >= _v(f) and _v(version).release[:3] == _v(f).release[:3] for f in fixed):
        return False
    if items == ["Not recorded"]:
        return True  # (no version recorded: every release, as the page reads to a person)
    for item in items:
        if item == "No released version":
            continue
        if item.endswith(" and its pre-releases"):  # (3.13.0 from its lowest pre-release)
            release = item.removesuffix(" and its pre-releases")
            item = f"{release}.dev0 – {release}"
        elif " pre-releases – " in item:  # "3.13.0 pre-releases – 3.13.2": likewise, on
            release, _, last = item.partition(" pre-releases – ")
            item = f"{release}.dev0 – {last}"
        release, pre, before = item.partition(" pre-releases")
        if pre:  # "10.4.0 pre-releases" (before 10.4.0b2): those of 10.4.0 (before that one)
            end = before.removeprefix(" before ") or release
            if _v(version).base_version == _v(release).base_version and _v(version) < _v(end):
                return _v(version).is_prerelease
            continue
        first, sep, last = item.partition(" – ")
        if not sep:
            if first.endswith(" and later"):
                if _v(version) >= _v(first.removesuffix(" and later")):
                    return True
            elif _v(version) >= _v(first) and _upto(version, first):
                return True
            continue
        if first.startswith("after "):
            low = _line_after(first.removeprefix("after "), version)
        else:
            low = _v(version) >= _v(first)
        if last.startswith("before "):
            end = last.removeprefix("before ")
            high = _v(version) < _v(end)  # (9.11 as 9.11.0: before the line's first release)
        else:
            high = _upto(version, last)
        if low and high:
            return True
    return False


_ITEM = re.compile(r"<li>([^<]*)</li>")
_NONE = re.compile(r'<span class="none">([^<]*)</span>')
_LISTED = re.compile(r'href="\.\./advisories/([A-Z]+-[0-9]+-[0-9]+)\.html"')


def page_items(html: str, title: str) -> list[str]:
    """The items of the page's list after ``title`` (or what it says instead)."""
    cell = html.split(f"<dt>{title}</dt>", 1)[1].split("</dd>", 1)[0]
    return _ITEM.findall(re.sub(r"</?a[^>]*>", "", cell)) or _NONE.findall(cell)


def _named(entry: dict[str, Any], osv: dict[str, Any], cve: dict[str, Any]) -> set[str]:
    """Every version a record names: the borders a question may fall on."""
    names = {r["from"] for r in entry["ranges"]} | {r["below"] for r in entry["ranges"]}
    names |= set(entry["fixed"].values())
    for affected in osv["affected"]:
        enumerating = "range" in affected["database_specific"]  # (SEMVER ends: 7.2.3-0)
        for r in [] if enumerating else affected.get("ranges", []):
            names |= {next(iter(e.values())) for e in r["events"] if r["type"] != "GIT"}
        names |= set(affected.get("versions", []))
        spelt = affected["database_specific"].get("range", {"events": []})  # (its borders)
        names |= {next(iter(e.values())) for e in spelt["events"]}
    for affected in cve["containers"]["cna"]["affected"]:
        for v in affected.get("versions", []):
            names |= {v["version"], v.get("lessThan")}
    # (SemVer's lowest pre-release, 10.4.0-0, as PEP 440 spells it: 10.4.0.dev0)
    names = {re.sub(r"^([0-9.]+)-0$", r"\1.dev0", n) for n in names if n is not None}
    return {n for n in names if n not in ("*", "0")}


def ask_everyone(
    site: Path, cases_by_id: dict[str, Case], semver: NodeSemver, pre_releases: bool = False
) -> tuple[int, dict[str, list[str]]]:
    """Ask each reader about each relevant version of each advisory: (questions, the
    disagreements by record kind, each as "ID V: reader=answer ..."). A version a reader
    cannot place (7.1.5.1 beside SemVer ranges: none of the versions the record declares)
    is left out of its answers, and counted under ``unplaceable``. ``pre_releases``: the
    site's project publishes pre-releases (``[releases] pre_releases``)."""
    index = {e["id"]: e for e in json.loads((site / "advisories.json").read_text())["advisories"]}
    pages: dict[str, set[str]] = {}  # version -> the advisories its page lists
    said = json.loads((site / "versions.json").read_text())
    # Those that record no affected version are named once (affecting every release).
    every = set(said["unrecorded"])
    assert set(_LISTED.findall((site / "versions" / "index.html").read_text())) == every
    for item in said["versions"]:
        listed = {a["id"] for a in item["advisories"]}
        html = (site / "versions" / f"{item['version']}.html").read_text()
        assert set(_LISTED.findall(html)) == listed, item["version"]
        assert (f"{len(every)} advisor" in html) == bool(every), item["version"]
        pages[item["version"]] = listed | every
    asked = 0
    wrong: dict[str, list[str]] = {}
    unplaceable: dict[str, int] = {}
    for ident, case in cases_by_id.items():
        entry = index[ident]
        osv = json.loads((site / "osv" / f"{ident}.json").read_text())
        cve = json.loads((site / "cve" / f"{entry['cve']}.json").read_text())
        csaf = json.loads((site / "csaf" / "2026" / f"{ident.lower()}.json").read_text())
        html = (site / "advisories" / f"{ident}.html").read_text()
        items = page_items(html, "Affected versions")
        fixed = [f for f in page_items(html, "Fixed versions") if f[0].isdigit()]
        named = _named(entry, osv, cve)
        found = versions_of(case.fixed, case.introduced, case.unfixed, pre_releases=pre_releases)
        releases = found.named()
        candidates = {n for v in named for n in _neighbours(v)}  # (pre-releases)
        if case.introduced is not None:  # (also when no record names it)
            candidates |= {case.introduced, *_neighbours(case.introduced)}
        starts = [s for s in map(_start, items) if s is not None and Version(s).is_prerelease]
        for version in sorted({*case.versions, *named, *candidates}, key=Version):
            asked += 1
            said: dict[str, bool | None] = {
                "osv": osv_says(osv, version, releases),
                "json": json_says(entry, version),
                "cve": _or_none(partial(cve_says, semver=semver), cve, version),
                "csaf": _or_none(partial(csaf_says, semver=semver), csaf, version),
            }
            for kind in ("osv", "cve", "csaf"):
                if said[kind] is UNPLACEABLE:
                    del said[kind]
                    unplaceable[kind] = unplaceable.get(kind, 0) + 1
            if (
                not Version(version).is_prerelease
                or version in fixed
                or _after_start(starts, version)
            ):
                # (pages name releases, the pre-releases a fix shipped in, and those a range
                # starts at: "0.104.0-alpha.1 – before 0.104.0-alpha.6" takes in alpha.3)
                said["page"] = page_says(items, fixed, version)
            if version in pages:
                said["versions"] = ident in pages[version]
            # (the OSV spec's evaluation: the reference reading; else advisories.json's)
            truth = said.get("osv", said["json"])
            shown = " ".join(f"{k}={a}" for k, a in said.items())
            for kind, answer in said.items():
                if answer != truth:
                    wrong.setdefault(kind, []).append(f"{ident} {version}: {shown} {case}")
            if _has_fix(case, version) and any(said.values()):  # (None: counted above)
                wrong.setdefault("truth", []).append(f"{ident} {version}: {shown} {case}")
            ref = partial(reference, osv, entry, releases)
            known = _introduced_truth(case, version, ref, pre_releases)
            if known is not None and any(answer is not known for answer in said.values()):
                wrong.setdefault("truth", []).append(f"{ident} {version}: {shown} {case}")
    return asked, wrong, unplaceable


def _in_span(version: str, events: list[dict[str, str]]) -> bool:
    """Whether ``version`` lies in [introduced, fixed) by PEP 440 (no fixed: no end)."""
    low, *high = (next(iter(e.values())) for e in events)
    return _v(low) <= _v(version) and (not high or _v(version) < _v(high[0]))


def reference(
    osv: dict[str, Any], entry: dict[str, Any], named: tuple[str, ...], version: str
) -> bool:
    """The reference answer: the OSV record's, else (it cannot place it) advisories.json's."""
    answer = osv_says(osv, version, named)
    return json_says(entry, version) if answer is UNPLACEABLE else bool(answer)


def _neighbours(version: str) -> set[str]:
    """The pre-releases around ``version`` that a question may name: a release's first
    candidate (10.3.0rc1); a post-release's release and the next post-release; a
    pre-release's own release and the pre-releases of its phase just before and after it
    (10.3.0rc0, 10.3.0rc2 around 10.3.0rc1), and an earlier phase's."""
    parsed = Version(version)
    if parsed.post is not None:  # (10.3.3.post1: 10.3.3 and the next post-release)
        return {parsed.base_version, f"{parsed.base_version}.post{parsed.post + 1}"}
    if parsed.pre is None and parsed.dev is not None:  # (10.4.0.dev0: 10.4.0's pre-releases)
        base = parsed.base_version
        return {base, f"{base}.dev1", f"{base}a0", f"{base}b1", f"{base}rc1"}
    if parsed.pre is None:
        return {f"{version}rc1"}
    phase, number = parsed.pre
    base = parsed.base_version
    found = {base, f"{base}{phase}{number + 1}", f"{base}a0", f"{base}.dev1"}
    if number > 0:
        found.add(f"{base}{phase}{number - 1}")
    return found


def _start(item: str) -> str | None:
    """The version an "Affected versions" item starts at ("10.3.0rc1 – 10.3.2"), if any;
    the lowest pre-release of a release whose pre-releases it names (10.4.0.dev0)."""
    if " pre-releases" in item:  # (also "3.13.0 and its pre-releases")
        return item.partition(" pre-releases")[0].removesuffix(" and its") + ".dev0"
    first = item.partition(" – ")[0].removesuffix(" and later")
    return first if first[:1].isdigit() else None


def _after_start(starts: list[str], version: str) -> bool:
    """Whether ``version`` is a pre-release at or after a pre-release a range starts at, of
    the same release (10.3.1rc2 after 10.3.1rc1): one a person reads the page about."""
    return Version(version).is_prerelease and any(
        Version(version) >= Version(s) and Version(version).release == Version(s).release
        for s in starts
    )


def _in_line(line: str, version: str) -> bool:
    """Whether ``version`` is a version of ``line`` (7.2.2.1 of 7.2, 16.3 of 16)."""
    width = line.count(".") + 1
    return _v(version).release[:width] == (*_v(line).release, 0)[:width]


def _introduced_truth(
    case: Case, version: str, reference: Callable[[str], bool], pre_releases: bool = False
) -> bool | None:
    """Whether ``version`` is affected as ``introduced`` alone says it, when it says: no
    version before it is; with it a pre-release (10.3.1rc1), one from it up to its release
    (10.3.1) is, unless its line's fix came by then, and is as that release is when its line
    has no fix (``reference``: that release's answer, a range between fixed lines). A
    pre-release of a line fixed in its first release is, before the fix, when the project
    publishes pre-releases (``pre_releases``) or the fix is one. None: ``introduced`` does
    not settle it."""
    if case.introduced is None:
        return None
    start = _v(case.introduced)
    if _v(version) < start:
        return False
    for line, at in case.fixed.items() if case.unfixed is None else ():
        # a pre-release of a line fixed in its first release (a line between that `unfixed`
        # leaves out may have had the fix before: then these may have too)
        fix, width = _v(at), line.count(".") + 1
        release = _v(_v(version).base_version)
        if (
            _in_line(line, version)
            and not any(fix.release[width:])
            and release == _v(fix.base_version)
            and (pre_releases or fix.is_prerelease)  # (else no such version is published)
        ):
            return _v(version) < fix or None  # (from the fix on: as the readers say)
    release = start.base_version
    if not start.is_prerelease or _v(version) >= _v(release):
        return None
    fixes = [at for line, at in case.fixed.items() if _in_line(line, case.introduced)]
    if fixes:
        return _v(version) < _v(fixes[0])
    return reference(release)


def _has_fix(case: Case, version: str) -> bool:
    """Whether ``version`` is a release of a line that already had the fix, from its fix on."""
    return any(
        _v(version) >= _v(at) and _v(version).release[: line.count(".") + 1] == _v(line).release
        for line, at in case.has_fix
    )


UNPLACEABLE: Any = object()  # (a version the reader cannot place: no answer)


def _or_none(reader: Callable[[Any, str], bool], record: Any, version: str) -> bool | None:
    """The reader's answer; None when the record says both (affected and not), or names a
    version its scheme rejects (10.3.1rc1 with versionType semver); UNPLACEABLE when the
    version asked is none of the record's scheme."""
    try:
        return reader(record, version)
    except AssertionError:
        return None
    except Unplaceable:
        return UNPLACEABLE


def publish_cases(
    ws: Workspace, generated: list[Case], pre_releases: bool = False
) -> dict[str, Case]:
    config = CONFIG.replace('esr = ["9.11"]\n', 'esr = ["9.11"]\npre_releases = true\n')
    (ws.root / "releasekit.toml").write_text(config if pre_releases else CONFIG)
    made = {_write(ws, n, case): case for n, case in enumerate(generated, start=1)}
    publish_at(ws, NOW)
    return made


@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # (a shrink builds sites: minutes)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(cases(), min_size=30, max_size=40), st.booleans())
def test_every_place_gives_the_same_answer(
    tmp_path_factory: Any, generated: list[Case], pre_releases: bool
) -> None:
    ws = Workspace(tmp_path_factory.mktemp("ws"))
    made = publish_cases(ws, [*NAMED, *generated], pre_releases)
    with NodeSemver() as semver:
        asked, wrong, _ = ask_everyone(ws.root / "site", made, semver, pre_releases)
    assert asked > 20 * len(made)
    assert wrong == {}, {kind: (len(found), found[:3]) for kind, found in wrong.items()}


@pytest.mark.parametrize("pre_releases", [False, True])
def test_the_pre_releases_of_a_line_fixed_in_its_first_release(
    tmp_path: Path, pre_releases: bool
) -> None:
    """``[releases] pre_releases``: a project that publishes pre-releases had those of a
    line fixed in X.Y.0 affected ("10.4.0 pre-releases"); one that does not had none (no
    such version exists), but a line fixed in a pre-release (10.4.0b2) still had the earlier
    ones. Every reader agrees either way, and ``introduced`` settles them."""
    shapes = [case for case in NAMED if case.versions == _releases("minor")]
    ws = Workspace(tmp_path)
    made = publish_cases(ws, shapes, pre_releases)
    site = ws.root / "site"
    with NodeSemver() as semver:
        asked, wrong, _ = ask_everyone(site, made, semver, pre_releases)
    assert asked > 20 * len(made)
    assert wrong == {}, {kind: (len(found), found[:3]) for kind, found in wrong.items()}
    said = {}
    for ident, case in made.items():
        html = (site / "advisories" / f"{ident}.html").read_text()
        said[tuple(case.fixed.items())] = page_items(html, "Affected versions")
    at_release = said[(("10.4", "10.4.0"), ("10.3", "10.3.3"))]
    assert ("10.4.0 pre-releases" in at_release) is pre_releases, at_release
    in_beta = said[(("10.4", "10.4.0b2"), ("10.3", "10.3.3"))]
    assert "10.4.0 pre-releases before 10.4.0b2" in in_beta, in_beta
    after = said[(("10.4", "10.4.1"), ("10.3", "10.3.3"))]
    assert ("10.4.0 and its pre-releases" in after) is pre_releases, after
    assert ("10.4.0" in after) is not pre_releases, after
    longer = said[(("10.4", "10.4.3"), ("10.3", "10.3.3"))]
    assert ("10.4.0 pre-releases – 10.4.2" in longer) is pre_releases, longer


def test_a_line_fixed_before_above_an_unfixed_one_is_not_affected(tmp_path: Path) -> None:
    """ESR 10.4 fixed in 10.4.9, 10.5 left without the fix, 10.6 fixed before in 10.6.2,
    upcoming 11.0.0, as the lift records it (10.6 in neither `fixed` nor `unfixed`): the
    gap's one range ran from 10.5.0 to 11.0.0, and every record called 10.6.2 affected."""
    case = Case(
        {"11.0": "11.0.0", "10.4": "10.4.9"},
        None,
        ["10.5"],
        _releases("minor"),
        (("10.6", "10.6.2"),),
    )
    ws = Workspace(tmp_path)
    made = publish_cases(ws, [case])
    site = ws.root / "site"
    with NodeSemver() as semver:
        asked, wrong, _ = ask_everyone(site, made, semver)
    assert asked > 70 and wrong == {}
    (ident,) = made
    osv = json.loads((site / "osv" / f"{ident}.json").read_text())
    jsonschema.Draft7Validator(json.loads(osv_schema_path().read_text())).validate(osv)
    events = [r["events"] for entry in osv["affected"] for r in entry["ranges"]]
    assert events == [
        [{"introduced": "10.4.0"}, {"fixed": "10.4.9"}],
        # (10.6's releases are not affected, nor its 10.6.0 pre-releases)
        [{"introduced": "10.5.0"}, {"fixed": "10.6.0-0"}],
    ]
    for version, affected in (("10.5.3", True), ("10.6.0", False), ("10.6.2", False)):
        assert affected_version(osv, version) is affected, version
    html = (site / "advisories" / f"{ident}.html").read_text()
    assert page_items(html, "Affected versions") == ["after 10.4 – before 10.6", "10.4.0 – 10.4.8"]


def test_the_osv_versions_list_answers_as_the_other_records_do(tmp_path: Path) -> None:
    """Rails' 7.2.2.1, PostgreSQL's 16.3 and PEP 440's 10.3.3.post1 were SEMVER events (no
    SemVer version: a scanner could not order them). Their records now enumerate the
    affected releases the advisory names (beside SEMVER ranges of 16.3.0 when SemVer has a
    spelling of each), which every other reader agrees with."""
    shapes = [c for c in NAMED if c.versions != _releases("minor")] + NOT_SEMVER
    ws = Workspace(tmp_path)
    made = publish_cases(ws, shapes)
    site = ws.root / "site"
    with NodeSemver() as semver:
        asked, wrong, unplaceable = ask_everyone(site, made, semver)
    assert wrong == {}, {kind: (len(found), found[:3]) for kind, found in wrong.items()}
    listed = 0
    for ident in made:
        osv = json.loads((site / "osv" / f"{ident}.json").read_text())
        listed += sum(len(a.get("versions", ())) for a in osv["affected"])
    # (the shapes above: 852 questions, 205 the OSV record cannot place; 265 before the
    # SEMVER ranges beside the enumerated versions)
    assert listed > 60 and asked > 400 and unplaceable["osv"] < asked // 3, (
        listed,
        asked,
        unplaceable,
    )

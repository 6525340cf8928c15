"""The lowest pre-release of a line fixed in its first release, as each OSV ecosystem
orders versions: where the ECOSYSTEM range of that line starts.

CPython's 3.14 was affected in its betas and fixed in 3.14.0. The record's range of that
line runs from the lowest pre-release of 3.14.0 (PEP 440's 3.14.0.dev0) up to 3.14.0, and
was spelt 3.14.0-0 (SemVer's) in every ecosystem but PyPI. In Maven's order 3.14.0-0 is
3.14.0 (the range was empty), in RubyGems' it is 3.14.0.pre.0 (3.14.0.a1 and 3.14.0.b1
escaped), in PHP's version_compare it is after 3.14.0. Each spelling is proved here with
the ecosystem's own comparator: univers' implementations, and the real programs where the
machine has them (dpkg, rpm, php, Maven's ComparableVersion under java). An ecosystem
whose order is not established here gets no range that could be empty or wrong.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from univers import versions as univers

from releasekit import records
from releasekit.model.advisory import parse_advisory
from releasekit.model.config import parse_config
from releasekit.records.imported import lines_of, released_lines
from releasekit.records.osv import osv_record
from releasekit.records.osv_read import read_osv
from tests.conftest import advisory_text

PATH = Path("advisories/ACSA-2026-0001.md")
CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"

[releases]
upcoming = "3.15"
pre_releases = true

[osv]
ecosystem = "{ecosystem}"
package = "acme-server"
"""
FIXED = '{ "3.14" = "3.14.0", "3.13" = "3.13.10" }'  # (3.13.9 affected: the line below)

Compare = Callable[[str, str], int]  # -1, 0 or 1, as the ecosystem orders two versions


def _univers(kind: type[univers.Version]) -> Compare:
    def compare(a: str, b: str) -> int:
        left, right = kind(a), kind(b)
        return -1 if left < right else (0 if left == right else 1)

    return compare


def _dpkg(a: str, b: str) -> int:  # the real dpkg
    for answer, operator in ((-1, "lt"), (0, "eq")):
        if (
            subprocess.run(["dpkg", "--compare-versions", a, operator, b], check=False).returncode
            == 0
        ):
            return answer
    return 1


def _rpm(a: str, b: str) -> int:  # the real rpm's rpmvercmp
    script = f'%{{lua: print(rpm.vercmp("{a}", "{b}"))}}'
    return int(
        subprocess.run(["rpm", "--eval", script], capture_output=True, text=True, check=True).stdout
    )


def _php(a: str, b: str) -> int:  # PHP's version_compare, as osv.dev orders Packagist
    code = "echo version_compare($argv[1], $argv[2]);"
    out = subprocess.run(["php", "-r", code, a, b], capture_output=True, text=True, check=True)
    return int(out.stdout)


_MAVEN = Path.home() / ".m2/repository/org/apache/maven/maven-artifact"
# Maven's own ComparableVersion (the 3.x jars have a main() that compares its arguments).
_JARS = [
    jar for v in ("3.2.5", "3.9.6") if (jar := _MAVEN / v / f"maven-artifact-{v}.jar").exists()
]
_COMPARED = re.compile(r"^\s+(\S+) (<|>|==) (\S+)$", re.M)


def _maven_jar(jar: Path) -> Compare:
    """Maven's own ComparableVersion, whose main() compares the versions it is given."""

    def compare(a: str, b: str) -> int:
        command = [
            "java",
            "-cp",
            str(jar),
            "org.apache.maven.artifact.versioning.ComparableVersion",
        ]
        out = subprocess.run([*command, a, b], capture_output=True, text=True, check=True).stdout
        (said,) = _COMPARED.findall(out)
        return {"<": -1, "==": 0, ">": 1}[said[1]]

    return compare


def _needs(program: str) -> Any:
    return pytest.mark.skipif(shutil.which(program) is None, reason=f"{program} not installed")


SEMVER_PRE = [
    "3.14.0-0.3.7", "3.14.0-1", "3.14.0-alpha", "3.14.0-alpha.1", "3.14.0-ALPHA.1",
    "3.14.0-beta.2", "3.14.0-Beta.2", "3.14.0-rc.1", "3.14.0-RC.1", "3.14.0-pre.1",
    "3.14.0-dev.20260101", "3.14.0-next.0", "3.14.0-canary.3",
]  # fmt: skip
NUGET_PRE = [
    "3.14.0-alpha", "3.14.0-Alpha1", "3.14.0-alpha.1", "3.14.0-BETA-2", "3.14.0-beta.2",
    "3.14.0-preview.1", "3.14.0-Preview1", "3.14.0-rc.1", "3.14.0-RC2", "3.14.0-dev.5",
    "3.14.0-1",
]  # fmt: skip
MAVEN_PRE = [
    "3.14.0-alpha-1", "3.14.0-alpha1", "3.14.0-a1", "3.14.0.Alpha1", "3.14.0-alpha.1",
    "3.14.0-ALPHA-2", "3.14.0-beta-2", "3.14.0-b2", "3.14.0.Beta3", "3.14.0-BETA1", "3.14.0-M1",
    "3.14.0-milestone-2", "3.14.0-RC1", "3.14.0-rc-2", "3.14.0.CR1", "3.14.0-SNAPSHOT",
    "3.14.0-alpha-1-SNAPSHOT", "3.14.0-RC1-SNAPSHOT",
]  # fmt: skip
GEM_PRE = [
    "3.14.0.a", "3.14.0.a1", "3.14.0.alpha", "3.14.0.alpha.1", "3.14.0.ALPHA1", "3.14.0.Alpha1",
    "3.14.0.A1", "3.14.0.b1", "3.14.0.beta2", "3.14.0.BETA2", "3.14.0.pre", "3.14.0.pre.1",
    "3.14.0.rc1", "3.14.0.RC1", "3.14.0.dev", "3.14.0-rc1", "3.14.0-0",
]  # fmt: skip
PHP_PRE = [
    "3.14.0-dev", "3.14.0-alpha", "3.14.0-alpha1", "3.14.0-ALPHA1", "3.14.0-Alpha2",
    "3.14.0-a1", "3.14.0-beta.2", "3.14.0-BETA2", "3.14.0-b3", "3.14.0-RC1", "3.14.0-rc.2",
    "3.14.0RC3", "3.14.0-beta1-dev",
]  # fmt: skip
# Pre-releases equal to the start, which holds them (a range's start is inclusive): a
# word version_compare does not know ranks below all it knows, two such words alike (PHP
# strips no v: osv.dev does, so v3.14.0-RC1 is left out); Maven's qualifiers and apk's
# suffixes without a number are their first.
TIED = {
    "3.14.0-DEV": ["3.14.0-ALPHA", "3.14.0-BETA", "3.14.0-Beta"],
    "3.14.0-alpha": ["3.14.0-alpha", "3.14.0-ALPHA", "3.14.0-alpha0"],
    "3.14.0_alpha": ["3.14.0_alpha", "3.14.0_alpha0"],
}
TILDE_PRE = [
    "3.14.0~a1", "3.14.0~alpha1", "3.14.0~ALPHA1", "3.14.0~Alpha1", "3.14.0~b2", "3.14.0~beta2-1",
    "3.14.0~rc1", "3.14.0~RC1-1", "3.14.0~pre1", "3.14.0~dev1", "3.14.0~git20260101.abc1234-1",
]  # fmt: skip
DEBIAN_PRE = [*TILDE_PRE, "3.14.0~rc1-1ubuntu1", "3.14.0~rc1-1~bpo12+1", "3.14.0~b2+dfsg-1"]
RPM_PRE = [*TILDE_PRE, "3.14.0~rc1-1.el9", "3.14.0~beta2-1.fc40", "3.14.0~rc1^20260101git1234"]
APK_PRE = [
    "3.14.0_alpha1", "3.14.0_alpha1-r0", "3.14.0_beta2", "3.14.0_pre1",
    "3.14.0_rc1", "3.14.0_rc1-r2",
]  # fmt: skip

SEMVER = _univers(univers.SemverVersion)
# (ecosystem, its spelling of the lowest pre-release of 3.14.0, comparator, its pre-releases
# of 3.14.0, its spellings of 3.14.0, its releases of the line before)
CASES = [
    *(
        (name, "3.14.0-0", SEMVER, SEMVER_PRE, ["3.14.0"], ["3.13.9", "3.13.10"])
        for name in ("npm", "crates.io", "Go", "Hex", "Pub", "SwiftURL", "Bitnami")
    ),
    (
        "NuGet", "3.14.0-0", _univers(univers.NugetVersion), NUGET_PRE, ["3.14.0", "3.14.0.0"],
        ["3.13.9", "3.13.9.1"],
    ),
    (
        "Maven", "3.14.0-alpha", _univers(univers.MavenVersion), MAVEN_PRE,
        ["3.14.0", "3.14", "3.14.0.Final"], ["3.13.9", "3.13.10.Final", "3.13.9-SP1"],
    ),
    *(
        pytest.param(
            "Maven", "3.14.0-alpha", _maven_jar(jar), MAVEN_PRE, ["3.14.0", "3.14.0.Final"],
            ["3.13.9", "3.13.9-SP1"], marks=_needs("java"), id=f"Maven-{jar.parent.name}",
        )
        for jar in _JARS
    ),
    (
        "RubyGems", "3.14.0.A", _univers(univers.RubygemsVersion), GEM_PRE, ["3.14.0"],
        ["3.13.9", "3.13.10.1"],
    ),
    pytest.param(
        "Packagist", "3.14.0-DEV", _php, PHP_PRE, ["3.14.0", "3.14.0.0"],
        ["3.13.9", "3.13.10", "3.13.9-p1"], marks=_needs("php"), id="Packagist-php",
    ),
    *(
        (name, "3.14.0~", _univers(univers.DebianVersion), DEBIAN_PRE, ["3.14.0", "3.14.0-1"],
         ["3.13.9-1", "3.13.10-2+deb12u1"])
        for name in ("Debian", "Ubuntu", "Echo")
    ),
    pytest.param(
        "Debian", "3.14.0~", _dpkg, DEBIAN_PRE, ["3.14.0", "3.14.0-1"],
        ["3.13.9-1", "3.13.10-2+deb12u1"], marks=_needs("dpkg"), id="Debian-dpkg",
    ),
    *(
        (name, "3.14.0~", _univers(univers.RpmVersion), RPM_PRE, ["3.14.0", "3.14.0-1.el9"],
         ["3.13.9-1.el9", "3.13.10-2.fc40"])
        for name in (
            "Red Hat", "AlmaLinux", "Rocky Linux", "openSUSE", "SUSE", "Mageia", "openEuler"
        )
    ),
    pytest.param(
        "Red Hat", "3.14.0~", _rpm, RPM_PRE, ["3.14.0", "3.14.0-1.el9"],
        ["3.13.9-1.el9", "3.13.10-2.fc40"], marks=_needs("rpm"), id="RPM-rpm",
    ),
    *(
        (name, "3.14.0_alpha", _univers(univers.AlpineLinuxVersion), APK_PRE,
         ["3.14.0", "3.14.0-r0"], ["3.13.9-r0", "3.13.10-r3"])
        for name in (
            "Alpine", "Alpaquita", "BellSoft Hardened Containers", "Chainguard", "MinimOS", "Wolfi"
        )
    ),
]  # fmt: skip


def _record(ecosystem: str, fixed: str = FIXED, **fields: str) -> tuple[dict[str, Any], Any]:
    settings = parse_config(CONFIG.format(ecosystem=ecosystem), Path("/ws"))
    text = advisory_text(released="2026-12-01T14:00:07Z", fixed=fixed, **fields)
    advisory = parse_advisory(text, PATH, "ACSA")
    made = osv_record(settings, advisory)
    schema = orjson.loads(records.osv_schema_path().read_bytes())
    jsonschema.Draft202012Validator(schema).validate(made)  # independently of the product
    return made, advisory


def _line(made: dict[str, Any], line: str) -> dict[str, Any]:
    (entry,) = [a for a in made["affected"] if a["database_specific"].get("line") == line]
    return entry


@pytest.mark.parametrize(("ecosystem", "start", "compare", "pre", "releases", "before"), CASES)
def test_the_lowest_pre_release_sorts_below_the_lines_pre_releases_in_its_ecosystem(
    ecosystem: str,
    start: str,
    compare: Compare,
    pre: list[str],
    releases: list[str],
    before: list[str],
) -> None:
    made, _advisory = _record(ecosystem)
    (given,) = _line(made, "3.14")["ranges"]
    assert given["type"] == "ECOSYSTEM"
    first = given["events"][0]["introduced"]
    # In the ecosystem's own order: before 3.14.0 (the range is not empty), before every
    # pre-release of 3.14.0 its projects publish, and after the line before.
    assert {v: compare(first, v) for v in releases} == dict.fromkeys(releases, -1)
    assert {v: compare(first, v) for v in pre} == dict.fromkeys(pre, -1)
    assert {v: compare(first, v) for v in before} == dict.fromkeys(before, 1)
    tied = TIED.get(start, [])
    assert {v: compare(first, v) for v in tied} == dict.fromkeys(tied, 0)
    assert given["events"] == [{"introduced": start}, {"fixed": "3.14.0"}]


@pytest.mark.parametrize(("ecosystem", "start", "compare", "pre", "releases", "before"), CASES)
def test_a_gap_ends_at_the_lowest_pre_release_as_its_ecosystem_spells_it(
    ecosystem: str,
    start: str,
    compare: Compare,
    pre: list[str],
    releases: list[str],
    before: list[str],
) -> None:
    # 3.13 released without the fix between 3.12 and 3.15, 3.14 not affected: the gap's
    # range ends before 3.14.0's lowest pre-release. Its `fixed` event was PEP 440's
    # 3.14.0.dev0 in every ecosystem: not SemVer (npm), after 3.14.0 in Maven's and
    # Debian's order (3.14.0, which had the fix, affected), after 3.14.0.a1 in RubyGems'.
    fixed = '{ "3.15" = "3.15.0", "3.12" = "3.12.5" }'
    made, advisory = _record(ecosystem, fixed, unfixed='["3.13"]')
    (entry,) = [a for a in made["affected"] if "between" in a["database_specific"]]
    (given,) = entry["ranges"]
    first, end = given["events"][0]["introduced"], given["events"][1]["fixed"]
    assert (first, end) == ("3.13.0", start)
    assert {v: compare(end, v) for v in before} == dict.fromkeys(before, 1)
    assert all(compare(end, v) <= 0 for v in (*pre, *releases)), (end, pre)
    (item,) = read_osv(made, "osv/ACSA-2026-0001.json")
    assert released_lines(item) == (advisory.fixed, None, ("3.13",))


def test_maven_orders_pre_and_dev_after_the_release_so_they_are_no_pre_releases() -> None:
    # (Why MAVEN_PRE has no 3.14.0-pre1 or -dev: an unknown qualifier sorts after them all.)
    maven = _univers(univers.MavenVersion)
    assert [maven("3.14.0", v) for v in ("3.14.0-pre1", "3.14.0-dev", "3.14.0-ea")] == [-1] * 3


SPELT = [case.values[0] if hasattr(case, "values") else case[0] for case in CASES]


@pytest.mark.parametrize("ecosystem", sorted(set(SPELT)))
def test_each_spelling_is_read_back_as_the_same_advisory(ecosystem: str) -> None:
    made, advisory = _record(ecosystem)
    (item,) = read_osv(made, "osv/ACSA-2026-0001.json")
    assert ("3.14.0.dev0", "3.14.0") in [(p.introduced, p.fixed) for p in item.pairs]
    assert lines_of(item) == (advisory.fixed, None)


# Ecosystems whose order is not established here: no pre-releases in Hackage's, GHC's or
# CRAN's numbers, and none of the others says how its pre-releases sort.
UNKNOWN = ["Hackage", "GHC", "CRAN", "Bioconductor", "opam", "Julia", "VSCode", "ConanCenter",
           "GitHub Actions", "Kubernetes", "Linux", "Android", "OSS-Fuzz", "Photon OS",
           "Azure Linux", "Root", "FreeBSD"]  # fmt: skip


@pytest.mark.parametrize("ecosystem", UNKNOWN)
@pytest.mark.parametrize("fix", ["3.14.0", "3.14.0rc2"])
def test_an_ecosystem_of_unknown_order_gets_no_range_of_the_pre_releases(
    ecosystem: str, fix: str
) -> None:
    fixed = FIXED.replace('"3.14.0"', f'"{fix}"')
    made, advisory = _record(ecosystem, fixed)
    entry = _line(made, "3.14")
    # No range: its start has no spelling the ecosystem is known to order (3.14.0-0 is
    # after 3.14.0 in some), and one from 3.14.0 up to the fix would be empty. The
    # pre-releases the advisory names are listed (it names none of them here).
    assert "ranges" not in entry
    assert entry["versions"] == []
    assert entry["package"] == {"ecosystem": ecosystem, "name": "acme-server"}
    assert "3.14.0-0" not in orjson.dumps(made).decode()
    assert _line(made, "3.13")["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.13.0"}, {"fixed": "3.13.10"}]}
    ]
    # An import reads the range the entry keeps back (the same advisory).
    (item,) = read_osv(made, "osv/ACSA-2026-0001.json")
    assert ("3.14.0.dev0", fix) in [(p.introduced, p.fixed) for p in item.pairs]
    assert lines_of(item) == (advisory.fixed, None)


@pytest.mark.parametrize("ecosystem", ["Hackage", "CRAN"])
def test_an_ecosystem_of_unknown_order_starts_at_the_release_when_fixed_after_it(
    ecosystem: str,
) -> None:
    # `introduced` at the lowest pre-release of 3.14.0, fixed in 3.14.2: the range from
    # 3.14.0 holds what can be ordered; the pre-releases are not named, so none is listed.
    fixed = FIXED.replace('"3.14.0"', '"3.14.2"')
    made, advisory = _record(ecosystem, fixed, introduced='"3.14.0.dev0"')
    (entry,) = made["affected"]
    assert entry["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.14.0"}, {"fixed": "3.14.2"}]}
    ]
    assert entry["versions"] == []
    (item,) = read_osv(made, "osv/ACSA-2026-0001.json")
    assert [(p.introduced, p.fixed) for p in item.pairs] == [("3.14.0.dev0", "3.14.2")]
    # (as from PyPI's record: a range from the lowest pre-release that runs past the release
    # reads as it says, `introduced` that lowest pre-release)
    pypi, _ = _record("PyPI", fixed, introduced='"3.14.0.dev0"')
    back = (advisory.fixed, "3.14.0.dev0")
    assert lines_of(item) == lines_of(read_osv(pypi, "p.json")[0]) == back


@pytest.mark.parametrize("ecosystem", UNKNOWN)
def test_an_ecosystem_of_unknown_order_ends_a_gap_at_the_release(ecosystem: str) -> None:
    # Its order of 3.14.0's pre-releases is not known: the gap ends at 3.14.0 (those
    # pre-releases may be in it: affected, never a "not affected" that could be wrong), not
    # at PEP 440's 3.14.0.dev0, which Hackage's numbers cannot say. The import reads the
    # range the entry keeps back (the same advisory).
    fixed = '{ "3.15" = "3.15.0", "3.12" = "3.12.5" }'
    made, advisory = _record(ecosystem, fixed, unfixed='["3.13"]')
    (entry,) = [a for a in made["affected"] if "between" in a["database_specific"]]
    assert entry["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "3.13.0"}, {"fixed": "3.14.0"}]}
    ]
    assert ".dev0" not in orjson.dumps(entry["ranges"]).decode()
    (item,) = read_osv(made, "osv/ACSA-2026-0001.json")
    assert released_lines(item) == (advisory.fixed, None, ("3.13",))

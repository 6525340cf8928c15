"""The lowest pre-release of a release as each OSV ecosystem orders versions: where the
``ECOSYSTEM`` range of a line fixed in its first release starts (PEP 440's 3.14.0.dev0).

Each spelling sorts, in that ecosystem's own order, after every release of the line before
(3.13.9), and before the release (3.14.0) and every pre-release of it that the ecosystem's
projects publish (the tests prove it with each ecosystem's comparator):

- SemVer's ``3.14.0-0`` (npm, crates.io, Go, Hex, Pub, SwiftURL, Bitnami; NuGet's SemVer,
  whose labels compare without case): a numeric label sorts before any other.
- Maven's ``3.14.0-alpha``: ComparableVersion's lowest qualifier (``-pre`` and ``-dev`` are
  not pre-releases there: an unknown qualifier sorts after the release; and ``3.14.0-0`` is
  3.14.0 itself).
- RubyGems' ``3.14.0.A``: Gem::Version puts a string before a number and compares strings
  by their bytes, so ``A`` comes before ``RC1``, ``a1``, ``alpha`` and ``pre`` (``3.14.0-0``
  reads as ``3.14.0.pre.0``, after ``3.14.0.a1``).
- Packagist's ``3.14.0-DEV``: PHP's version_compare ranks a word it does not know (its
  list is case-sensitive) before ``dev``, ``alpha``, ``beta`` and ``RC``, and two such words
  alike (the start holds ``3.14.0-BETA``: it is inclusive); Composer reads it as ``-dev``.
- ``3.14.0~`` of dpkg (Debian, Ubuntu, Echo) and rpm (Red Hat and the distributions that
  order as it does): ``~`` sorts before anything, even the end of the version.
- Alpine's apk (and Wolfi's, Chainguard's, ...) ``3.14.0_alpha``: its lowest suffix.

Another ecosystem's order of pre-releases is not established here (Hackage, GHC and CRAN
have none; opam, Julia and the rest are not implemented): :func:`lowest_in` says None.
"""

from __future__ import annotations

from packaging.version import Version

# The ecosystems osv.dev orders by SemVer (NuGet: SemVer, labels compared without case).
SEMVER_ORDERED = frozenset({"Bitnami", "crates.io", "Go", "Hex", "npm", "NuGet", "Pub", "SwiftURL"})
_DPKG = ("Debian", "Ubuntu", "Echo")
_RPM = ("AlmaLinux", "Mageia", "openEuler", "openSUSE", "Red Hat", "Rocky Linux", "SUSE")
_APK = ("Alpaquita", "Alpine", "BellSoft Hardened Containers", "Chainguard", "MinimOS", "Wolfi")
_SUFFIXES = {
    "Maven": "-alpha",
    "RubyGems": ".A",
    "Packagist": "-DEV",
    **dict.fromkeys(_DPKG + _RPM, "~"),
    **dict.fromkeys(_APK, "_alpha"),
}


def lowest_in(ecosystem: str, lowest: str) -> str | None:
    """``lowest``, the lowest pre-release of a release as PEP 440 spells it (3.14.0.dev0),
    as ``ecosystem`` orders it (see the module); None when its order is not known here."""
    release = Version(lowest).base_version
    if ecosystem == "PyPI":
        return lowest
    if ecosystem in SEMVER_ORDERED:  # (three numbers: PostgreSQL's 17.0 as 17.0.0)
        major, minor, patch = (*Version(lowest).release, 0, 0)[:3]
        return f"{major}.{minor}.{patch}-0"
    suffix = _SUFFIXES.get(ecosystem)
    return None if suffix is None else release + suffix

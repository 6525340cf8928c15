"""The release an advisory file records (``fixed``, ``unfixed``): the checks of its values.

The lift writes them (and a person may, for an advisory released before releasekit): each a
version or a release line as :mod:`.versions` reads them, and together what the site can
show (every release they name gets a page).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from packaging.version import Version

from releasekit.support import text as textrule

# Every release from X.Y.0 up to a line's fixed version gets a page of its own ("am I
# affected?", site.aggregate): fixed 10.4.5000 names 5,001. Real lines stop far below
# (the longest-lived Linux stable lines made a few hundred patch releases), and 10,000 pages
# are seconds of a publish; a fixed 10.4.99999999999999999999 took memory without bound.
MAX_NAMED = 10_000
# The lines between two fixed ones that the lift recorded (``unfixed``) get a page each too:
# a Firefox ESR fixed with the current release has some twenty.
MAX_UNFIXED = 1_000


@lru_cache(maxsize=4096)
def is_version(text: str) -> bool:
    try:
        Version(text)
    except ValueError:  # InvalidVersion, or a number of over 4300 digits
        return False
    return True


@lru_cache(maxsize=8192)
def _release(version: str) -> tuple[int, ...]:
    return Version(version).release


def fixed_problem(fixed: Mapping[str, str]) -> str | None:
    """Why a table of checked ``fixed`` versions cannot be recorded: it names over MAX_NAMED
    releases, counting each line's X.Y.0 up to its fixed version (at most what its ranges
    name: ``introduced`` starts a line's range later, or names one release of an older line;
    see model.versions). The lift checks the versions it will record by this too."""
    named = 0
    for line, version in fixed.items():
        numbers = _release(version)
        release = (*numbers, 0, 0, 0)
        # As model.versions names them: on a line of a major version, a version of two
        # numbers counts its second (PostgreSQL's 16.3: 16.0 to 16.3); else the third, and
        # the fourth (Rails' 7.2.3.1, 7.2.3.2, ...).
        if len(numbers) == 2:
            named += (release[1] if "." not in line else 0) + 1
        else:
            named += release[2] + 1 + release[3]
    if named > MAX_NAMED:  # (the count is not told: it would tell the fixed versions)
        return (
            f"names over {MAX_NAMED:,} releases in all (each one from X.Y.0 up to a line's "
            "fixed version gets a page)"
        )
    return None


def between(lines: Iterable[str], fixed: Mapping[str, str]) -> list[str]:
    """Those of ``lines`` (release lines) that lie between the oldest and the newest line of
    ``fixed`` and are none of them, newest first: what ``unfixed`` may name (the lift takes
    them from the product's tags, an import from a record's ranges)."""
    if not fixed:
        return []
    keys = [Version(line) for line in fixed]
    oldest, newest = min(keys), max(keys)
    inside = {line for line in lines if line not in fixed and oldest < Version(line) < newest}
    return sorted(inside, key=Version, reverse=True)


def unfixed_problem(
    unfixed: tuple[str, ...], fixed: Mapping[str, str], fixed_wrong: bool = False
) -> str | None:
    """Why ``unfixed`` (the released lines between the oldest and the newest fixed line
    that got no fix) cannot go with ``fixed``: each a line named as ``fixed``'s are, once,
    none of them fixed, each between two fixed lines. Counted, never quoted."""
    if not fixed:
        return "given without fixed (it names the lines between two fixed ones)"
    if len(unfixed) > MAX_UNFIXED:  # (each gets a version page)
        return f"names over {MAX_UNFIXED:,} lines"
    wrong = sum(1 for line in unfixed if not version_text(line))
    if wrong:
        counted = "1 entry is" if wrong == 1 else f"{wrong} entries are"
        return f'{counted} not a release line, e.g. "10.5"'
    if len(set(unfixed)) != len(unfixed):
        return "names a line twice"
    if fixed_wrong:
        return None  # (fixed says what is wrong with it)
    both = sum(1 for line in unfixed if line in fixed)
    if both:
        counted = "1 line is" if both == 1 else f"{both} lines are"
        return f"{counted} in fixed too: a line either got the fix or did not"
    outside = len(unfixed) - len(between(unfixed, fixed))  # (none is fixed, none twice)
    if outside:
        counted = "1 line is" if outside == 1 else f"{outside} lines are"
        return f"{counted} not between the oldest and the newest fixed line"
    return None


@lru_cache(maxsize=8192)
def version_text(text: str) -> bool:
    """A version as written in a field: packaging reads "10.3\x1c", "10.3 " or "\t10.3" as
    10.3 (white space around it), but the text itself goes to feeds, pages and records (an
    OSV event, a CVE lessThan, a CSAF product id, where a reader sees no version)."""
    return release_version(text) and text == text.strip() and textrule.refused(text) is None


@lru_cache(maxsize=4096)
def release_version(text: str) -> bool:
    """A version a release can have: one without an epoch (``1!7.1.5``) or a local part
    (``7.1.5+build``), which the ranges, pages and records leave out (a 1!7.1.5.1 was
    taken for 7.1.5.1, and a fixed 7.1.5+b ordered as 7.1.5)."""
    if not is_version(text):
        return False
    parsed = Version(text)
    return parsed.epoch == 0 and parsed.local is None

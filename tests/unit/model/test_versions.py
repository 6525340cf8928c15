"""The gaps between two fixed lines: from the lines the lift recorded as left without the
fix (``unfixed``), else guessed from the advisory alone."""

from __future__ import annotations

import functools
from pathlib import Path

from releasekit.model.advisory import Advisory, parse_advisory
from releasekit.model.versions import release_key, versions, versions_of
from releasekit.site.keys import fingerprint
from tests.conftest import advisory_text

# An ESR that is an older minor: ESR 10.4, released 10.5 and 10.6, upcoming 11.0.
ESR_MINOR = {"11.0": "11.0.0", "10.4": "10.4.9"}


def test_recorded_unfixed_lines_make_the_gap_the_guess_cannot_see() -> None:
    guessed = versions_of(ESR_MINOR)
    assert guessed.gaps == ()  # (11.0 after 10.4 is taken as its neighbour)
    found = versions_of(ESR_MINOR, None, ["10.6", "10.5"])
    # (up to 10.7.0: a 10.7 released before 11.0 would be named, unless it had the fix)
    assert found.affected_list == ["after 10.4 – before 10.7", "10.4.0 – 10.4.8"]
    (gap,) = found.gaps
    assert (gap.after, gap.first, gap.before, gap.below, gap.upgrade, gap.ends) == (
        "10.4",
        "10.5.0",
        "11.0",
        "10.7.0.dev0",  # (nor 10.7.0's pre-releases)
        "11.0.0",
        "10.7",
    )
    between = [r for r in found.ranges() if not r.supported]
    assert [(r.first, r.below, r.line, r.upgrade_line) for r in between] == [
        ("10.5.0", "10.7.0.dev0", "10.5", "11.0")
    ]
    assert "10.6.3" in between[0] and "10.4.9" not in between[0]


def test_a_line_that_had_the_fix_before_is_outside_the_gap() -> None:
    # ESR 10.4 fixed in 10.4.9, 10.5 left without the fix, 10.6 fixed before in 10.6.2,
    # upcoming 11.0.0: the lift records 10.6 in neither key. The gap's one range ran from
    # 10.5.0 to 11.0.0 and called 10.6.2 affected; it stops before 10.6.0 now.
    found = versions_of(ESR_MINOR, None, ["10.5"])
    assert found.affected_list == ["after 10.4 – before 10.6", "10.4.0 – 10.4.8"]
    ((first, below, upgrade),) = [(r.first, r.below, r.upgrade) for r in found.ranges()][:1]
    assert (first, below, upgrade) == ("10.5.0", "10.6.0.dev0", "11.0.0")
    assert not any(version in r for r in found.ranges() for version in ("10.6.0", "10.6.2"))
    # (the OSV range's end: 10.6's releases are not affected, nor its first one's
    # pre-releases: 10.6 had the fix, maybe from its 10.6.0b2 on)
    assert found.gaps[0].fixed_at == "10.6.0.dev0"
    assert not any("10.6.0rc1" in r for r in found.ranges())
    # 10.6's fix written in `fixed` says its releases before it were affected (10.6.0-10.6.1).
    told = versions_of({**ESR_MINOR, "10.6": "10.6.2"}, None, ["10.5"])
    assert told.affected_list == [
        "10.6.0 – 10.6.1",
        "after 10.4 – before 10.6",
        "10.4.0 – 10.4.8",
    ]
    # Runs: an already-fixed 10.1 between 10.0 and 10.2 left without it, and 10.3 above.
    runs = versions_of({"11.0": "11.0.0", "9.11": "9.11.9"}, None, ["10.2", "10.0", "9.12"])
    assert runs.affected_list[:3] == [
        "10.2.0 – before 10.3",
        "10.0.0 – before 10.1",
        "after 9.11 – before 9.13",
    ]
    assert [g.named for g in runs.gaps] == [("10.2.0",), ("10.0.0",), ("9.12.0",)]


def test_a_gap_starts_at_its_oldest_unfixed_line() -> None:
    # Django: a Low fix in 5.2.0 and the LTS 4.2.18 leaves 5.1 and 5.0 unfixed; the gap
    # started at a 4.3.0 that never existed (in the OSV, CVE and CSAF ranges).
    found = versions_of({"5.2": "5.2.0", "4.2": "4.2.18"}, None, ["5.1", "5.0"])
    (gap,) = found.gaps
    # (from 5.0.0: a 4.3 released before it would be named, unless it had the fix)
    assert (gap.after, gap.first, gap.shown, gap.below) == ("4.2", "5.0.0", "5.0.0", "5.2.0")
    assert found.affected_list[0] == "5.0.0 – before 5.2"
    between = [r for r in found.ranges() if not r.supported]
    assert [(r.first, r.below) for r in between] == [("5.0.0", "5.2.0")]
    assert "5.0.0" in between[0] and "4.3.0" not in between[0]


def test_an_empty_unfixed_says_no_line_lies_between() -> None:
    # Django-like: the LTS 4.2 is the last minor of 4.x; and an ESR 9.11 with 10.1 next:
    # the guess took 9.12 ... 10.0 to exist.
    assert versions_of({"5.0": "5.0.0", "4.2": "4.2.9"}, None, []).gaps == ()
    assert versions_of({"10.1": "10.1.2", "9.11": "9.11.3"}).gaps != ()
    assert versions_of({"10.1": "10.1.2", "9.11": "9.11.3"}, None, []).gaps == ()
    # The guess stays without the key: lines next to each other, and 1.26 and 2.0.
    assert versions_of({"10.4": "10.4.0", "9.11": "9.11.10"}).affected_list[0] == (
        "after 9.11 – before 10.4"
    )


def test_a_gap_needs_a_recorded_line_between_its_two_lines_at_or_after_introduced() -> None:
    fixed = {"11.0": "11.0.0", "10.4": "10.4.9", "10.2": "10.2.7"}
    found = versions_of(fixed, None, ["10.3"])  # (between 10.2 and 10.4 only)
    assert [(g.after, g.before) for g in found.gaps] == [("10.2", "10.4")]
    later = versions_of(ESR_MINOR, "10.6.2", ["10.6", "10.5"])
    assert later.affected_list == ["10.6.2 – before 10.7"]
    assert versions_of(ESR_MINOR, "10.7", ["10.6", "10.5"]).gaps == ()  # (no line had it)
    # Without introduced, the older line must have had an affected release (as before).
    assert versions_of({"11.0": "11.0.0", "10.4": "10.4.0"}, None, ["10.5"]).gaps == ()


def test_versions_of_an_advisory_take_its_unfixed_and_its_fingerprint_changes() -> None:
    def parsed(**fields: str) -> Advisory:
        text = advisory_text(
            fixed='{ "11.0" = "11.0.0", "10.4" = "10.4.9" }',
            released="2026-12-01T14:00:07Z",
            **fields,
        )
        return parse_advisory(text, Path("advisories/ACSA-2026-0001.md"), "ACSA")

    plain, none, two = parsed(), parsed(unfixed="[]"), parsed(unfixed='["10.6", "10.5"]')
    # (each after the other: the cache of versions keys on the lines too)
    assert versions(plain).gaps == () and versions(none).gaps == ()
    assert versions(two).affected_list[0] == "after 10.4 – before 10.7"
    assert versions(none).gaps == ()
    assert len({fingerprint(plain), fingerprint(none), fingerprint(two)}) == 3


def test_the_lines_recorded_without_the_fix_are_named_and_guessed_ones_are_not() -> None:
    # Each line the lift recorded between two fixed ones gets a version page ("am I
    # affected?" must list 10.5 and 10.6); a guessed gap names none: 9.12 may not exist.
    recorded = versions_of({"11.0": "11.0.0", "10.4": "10.4.9"}, None, ("10.6", "10.5"))
    assert recorded.gaps[0].named == ("10.5.0", "10.6.0")
    assert {"10.5.0", "10.6.0"} <= set(recorded.named())
    later = versions_of({"11.0": "11.0.0", "10.4": "10.4.9"}, "10.6.2", ("10.6", "10.5"))
    assert later.gaps[0].named == ("10.6.2",)  # (10.5 had no code)
    guessed = versions_of({"10.4": "10.4.0", "9.11": "9.11.10"})
    assert guessed.gaps and guessed.gaps[0].named == ()
    assert "9.12.0" not in guessed.named()


def test_a_pre_release_comes_before_its_release() -> None:
    # PEP 440's order; SemVer's spelling (RustSec's 0.104.0-alpha.6) reads as PEP 440's.
    order = ["10.3.9", "10.4.0.dev1", "10.4.0a1", "0.104.0-alpha.6", "10.4.0b2", "10.4.0rc1"]
    order += ["10.4.0-rc.2", "10.4", "10.4.0.post1", "10.4.1"]
    keys = [release_key(v) for v in order[:3]] + [release_key("10.4.0-alpha.6")]
    keys += [release_key(v) for v in order[4:]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert release_key("0.104.0-alpha.6") == release_key("0.104.0a6")
    assert release_key("10.4") == release_key("10.4.0")


def test_a_fix_in_a_pre_release_ends_the_ranges_there() -> None:
    # The lines between, and the earlier releases, end at the newer line's fix when it is
    # a pre-release of its first release: 10.3.0rc1 is fixed (as OSV's range says), and
    # 10.3.0b1 before it is not.
    found = versions_of({"10.3": "10.3.0rc1", "10.1": "10.1.2"})
    (gap,) = found.gaps
    assert (gap.first, gap.below, gap.upgrade) == ("10.2.0", "10.3.0rc1", "10.3.0rc1")
    (between,) = [r for r in found.ranges() if not r.supported]
    assert "10.3.0b1" in between and "10.3.0rc1" not in between and "10.2.6" in between
    earlier = versions_of({"10.3": "10.3.0rc1"}, "10.1.3")
    assert earlier.earlier_below == "10.3.0rc1"
    assert [(r.first, r.below) for r in earlier.ranges()] == [("10.1.3", "10.3.0rc1")]
    assert versions_of({"10.3": "10.3.1"}, "10.1.3").earlier_below is None  # (10.3.0 ends it)
    # A fix in a candidate of a patch release: the releases before it, not it.
    patch = versions_of({"10.3": "10.3.3b2"})
    assert patch.affected_list == ["10.3.0 – 10.3.2"]
    assert "10.3.3b1" in patch.ranges()[0] and "10.3.3b2" not in patch.ranges()[0]
    # PostgreSQL's two numbers, spelt with SemVer's dash: 16.1 and 16.2 are affected.
    pg = versions_of({"16": "16.3-rc.2"}, "16.1")
    assert pg.affected_list == ["16.1 – 16.2"]
    assert pg.named() == ("16.1", "16.2", "16.3-rc.2")
    # A line fixed in a candidate of its first release had no affected release, but its
    # earlier pre-releases were (the line below had the code: see the test below).
    assert versions_of({"0.104": "0.104.0-alpha.6", "0.103": "0.103.12"}).affected_list == [
        "0.104.0 pre-releases before 0.104.0-alpha.6",
        "0.103.0 – 0.103.11",
    ]


def test_an_introduced_pre_release_starts_the_range_there() -> None:
    # RustSec's rustls-webpki: introduced 0.104.0-alpha.1, fixed 0.104.0-alpha.6 (an
    # upcoming line with no release yet): alpha.1 to alpha.5 are affected, not 0.104.0.
    webpki = versions_of({"0.104": "0.104.0-alpha.6"}, "0.104.0-alpha.1")
    assert webpki.affected_list == ["0.104.0-alpha.1 – before 0.104.0-alpha.6"]
    (found,) = webpki.ranges()
    assert (found.first, found.below) == ("0.104.0-alpha.1", "0.104.0-alpha.6")
    assert "0.104.0-alpha.3" in found and "0.104.0a0" not in found
    assert webpki.named() == ("0.104.0-alpha.1", "0.104.0-alpha.6")  # (no 0.104.0 page)
    # Of a line fixed later on it: from the pre-release, its release and those after it.
    patch = versions_of({"10.3": "10.3.3"}, "10.3.1rc1")
    assert patch.affected_list == ["10.3.1rc1 – 10.3.2"]
    assert patch.named() == ("10.3.1rc1", "10.3.1", "10.3.2", "10.3.3")
    assert versions_of({"10.3": "10.3.3"}, "10.3.1.post1").named()[:2] == ("10.3.1.post1", "10.3.2")
    # Of a line between two fixed ones: the gap starts at it, guessed or recorded, and a
    # pre-release of the newer line's first release is that line's, not the gap's.
    for unfixed in (None, ["10.3"]):
        (gap,) = versions_of({"10.4": "10.4.2", "10.2": "10.2.5"}, "10.3.0rc1", unfixed).gaps
        assert (gap.first, gap.shown, gap.below) == ("10.3.0rc1", "10.3.0rc1", "10.4.0")
    recorded = versions_of({"10.6": "10.6.2", "10.2": "10.2.5"}, "10.4.0-rc.2", ["10.5", "10.4"])
    assert recorded.gaps[0].named == ("10.4.0-rc.2", "10.5.0")
    newer = versions_of({"10.4": "10.4.2", "10.2": "10.2.5"}, "10.4.0rc1", ["10.3"])
    assert newer.gaps == () and newer.affected_list == ["10.4.0rc1 – 10.4.1"]
    # Of an older line (the earlier releases), and with no fixed version.
    older = versions_of({"10.4": "10.4.2"}, "10.1.0-alpha.6")
    assert older.earlier_from == "10.1.0-alpha.6"
    assert older.named()[:2] == ("10.1.0-alpha.6", "10.1.0")  # (its release's page too)
    assert versions_of({}, "10.3.0b2").affected_list == ["10.3.0b2 and later"]
    # A release, as before: spelt with the fixed version's numbers.
    assert versions_of({"16": "16.3"}, "16.1").affected_list == ["16.1 – 16.2"]


def test_a_line_fixed_in_its_first_release_had_its_pre_releases_affected() -> None:
    # CPython's 3.14 (a `prerelease` line, in its betas) fixed in 3.14.0 beside 3.13.3:
    # 3.14.0a1 to 3.14.0rc3 had the bug, and every place said them not affected (line 3.14's
    # range started at 3.14.0), while a gap up to a line (10.3.0 below 10.4.0) took them in.
    # So for a project that publishes pre-releases ([releases] pre_releases).
    published = functools.partial(versions_of, pre_releases=True)
    cpython = published({"3.14": "3.14.0", "3.13": "3.13.3"})
    assert cpython.affected_list == ["3.14.0 pre-releases", "3.13.0 – 3.13.2"]
    line = cpython.ranges()[0]
    assert (line.first, line.below, line.upgrade, line.supported) == (
        "3.14.0.dev0",  # (PEP 440's lowest pre-release; SemVer's 3.14.0-0)
        "3.14.0",
        "3.14.0",
        True,
    )
    assert all(v in line for v in ("3.14.0a1", "3.14.0b2", "3.14.0rc3", "3.14.0.dev1"))
    assert "3.14.0" not in line and "3.13.9" not in line
    assert cpython.named() == ("3.13.0", "3.13.1", "3.13.2", "3.13.3", "3.14.0")
    # Fixed in a beta, the code there since 3.12.0: the earlier pre-releases.
    beta = published({"3.14": "3.14.0b2", "3.13": "3.13.3"}, "3.12.0")
    assert beta.affected_list[0] == "3.14.0 pre-releases before 3.14.0b2"
    assert "3.14.0b1" in beta.ranges()[0] and "3.14.0b2" not in beta.ranges()[0]
    # RustSec's RUSTSEC-2026-0098 (rustls-webpki): 0.104.0-alpha.1 to alpha.5 affected.
    webpki = published({"0.104": "0.104.0-alpha.6", "0.103": "0.103.12"})
    assert webpki.affected_list[0] == "0.104.0 pre-releases before 0.104.0-alpha.6"
    assert "0.104.0-alpha.5" in webpki.ranges()[0] and "0.104.0-alpha.6" not in webpki.ranges()[0]
    # PostgreSQL's two numbers, a line of a major version, and a chain of such lines.
    assert published({"16": "16.0", "15": "15.5"}).affected_list[0] == "16.0 pre-releases"
    assert published({"8": "8.0.0rc1", "7": "7.3.1"}).ranges()[0].first == "8.0.0.dev0"
    chain = published({"10.5": "10.5.0", "10.4": "10.4.0", "10.3": "10.3.0", "10.2": "10.2.4"})
    assert chain.affected_list[:3] == [
        "10.5.0 pre-releases",
        "10.4.0 pre-releases",
        "10.3.0 pre-releases",
    ]
    # A gap up to the line holds them already (one range, as before).
    gap = published({"10.4": "10.4.0", "10.2": "10.2.4"})
    assert gap.affected_list == ["after 10.2 – before 10.4", "10.2.0 – 10.2.3"]
    # No sign of the code before the line: none.
    assert published({"3.14": "3.14.0"}).ranges() == ()
    assert published({"3.14": "3.14.0", "3.13": "3.13.0"}).ranges() == ()
    # Introduced in a pre-release of the line: from there (as before).
    assert published({"3.14": "3.14.0", "3.13": "3.13.3"}, "3.14.0b1").affected_list == [
        "3.14.0b1 – before 3.14.0"
    ]
    # A line between that `unfixed` leaves out was not released or had the fix: none.
    assert published({"10.4": "10.4.0", "10.2": "10.2.4"}, None, []).affected_list == [
        "10.2.0 – 10.2.3"
    ]


def test_a_project_without_pre_releases_has_none_of_a_line_fixed_in_its_first_release() -> None:
    # [releases] pre_releases off (the default): a project that publishes no pre-releases
    # had no "10.4.0 pre-releases" (no such version exists), as before they were shown.
    acme = versions_of({"10.4": "10.4.0", "10.3": "10.3.3"})
    assert acme.affected_list == ["10.3.0 – 10.3.2"]
    assert [r.first for r in acme.ranges()] == ["10.3.0"]
    assert acme.named() == ("10.3.0", "10.3.1", "10.3.2", "10.3.3", "10.4.0")
    assert versions_of({"16": "16.0", "15": "15.5"}).affected_list == ["15.0 – 15.4"]
    early = versions_of({"10.4": "10.4.0", "10.3": "10.3.3"}, "10.2.0")
    assert early.affected_list == ["10.3.0 – 10.3.2", "10.2.0 – before 10.3"]
    # Nor does a line fixed in X.Y.0 pass the code on to the gap above it.
    chain = versions_of({"10.5": "10.5.0", "10.4": "10.4.0", "10.3": "10.3.0", "10.2": "10.2.4"})
    assert chain.affected_list == ["10.2.0 – 10.2.3"]
    # A fix in a pre-release is the proof that the project publishes them: the earlier
    # ones were affected (RustSec's rustls-webpki, fixed in 0.104.0-alpha.6; 3.14.0b2).
    webpki = versions_of({"0.104": "0.104.0-alpha.6", "0.103": "0.103.12"})
    assert webpki.affected_list == [
        "0.104.0 pre-releases before 0.104.0-alpha.6",
        "0.103.0 – 0.103.11",
    ]
    assert "0.104.0-alpha.1" in webpki.ranges()[0] and "0.104.0-alpha.6" not in webpki.ranges()[0]
    beta = versions_of({"3.14": "3.14.0b2", "3.13": "3.13.3"}, "3.12.0")
    assert beta.affected_list[0] == "3.14.0 pre-releases before 3.14.0b2"
    assert "3.14.0b1" in beta.ranges()[0] and "3.14.0b2" not in beta.ranges()[0]
    assert versions_of({"8": "8.0.0rc1", "7": "7.3.1"}).ranges()[0].first == "8.0.0.dev0"
    # The setting is part of what is cached: each value gets its own answer.
    assert (
        versions_of({"3.14": "3.14.0", "3.13": "3.13.3"}, pre_releases=True).affected_list[0]
        == "3.14.0 pre-releases"
    )
    assert versions_of({"3.14": "3.14.0", "3.13": "3.13.3"}).affected_list == ["3.13.0 – 3.13.2"]


def test_a_gap_up_to_a_line_fixed_in_its_first_release_passes_no_code_on() -> None:
    # [releases] pre_releases off: 10.4 fixed in 10.4.0 had no affected version, whether
    # the line below it (10.3) is a fixed one or one a gap holds; either way the gap above
    # it (10.5) had no code from it. With 10.3 in a gap, 10.5 was called affected.
    fixed = {"10.3": "10.3.4"}, {"10.2": "10.2.4"}
    for below in fixed:
        found = versions_of({"10.6": "10.6.2", "10.4": "10.4.0", **below})
        assert not any(g.after == "10.4" for g in found.gaps), found.affected_list
        assert not any("10.5.0" in r for r in found.ranges())
    # A project that publishes pre-releases had 10.4.0's affected, which pass it on.
    for below in fixed:
        found = versions_of({"10.6": "10.6.2", "10.4": "10.4.0", **below}, pre_releases=True)
        assert any("10.5.0" in r for r in found.ranges()), found.affected_list


def test_introduced_in_the_lowest_pre_release_names_the_releases_after_it() -> None:
    # `introduced = "10.4.0.dev0"` (PEP 440's first development release of 10.4.0) and a
    # fix in 10.4.2: 10.4.0 and 10.4.1 were affected, but the page said "10.4.0
    # pre-releases before 10.4.2", as if no release were.
    found = versions_of({"10.4": "10.4.2"}, "10.4.0.dev0")
    assert found.affected_list == ["10.4.0.dev0 – 10.4.1"]
    assert "10.4.1" in found.ranges()[0]
    major = versions_of({"8": "8.2.0"}, "8.0.0.dev0")  # (line 8: no last release known)
    assert major.affected_list == ["8.0.0.dev0 – before 8.2.0"]
    # Up to the line's first release (or a pre-release of it), they are its pre-releases.
    assert versions_of({"10.4": "10.4.0rc2"}, "10.4.0.dev0").affected_list == [
        "10.4.0 pre-releases before 10.4.0rc2"
    ]
    assert versions_of({"10.4": "10.4.0"}, "10.4.0.dev0").affected_list == ["10.4.0 pre-releases"]


def test_a_whole_line_fixed_after_its_first_release_had_its_pre_releases_affected() -> None:
    # CPython's 3.13 fixed in 3.13.1 beside 3.12 fixed in 3.12.8, with [releases]
    # pre_releases: the code was in 3.12, so 3.13.0a1 to 3.13.0rc3 had it as 3.13.0 did.
    # Line 3.13's range started at 3.13.0, so 3.13.0rc1 was "not affected", while a line
    # fixed in 3.13.0 itself had them affected (a false negative for a scanner).
    published = functools.partial(versions_of, pre_releases=True)
    cpython = published({"3.13": "3.13.1", "3.12": "3.12.8"})
    line = cpython.ranges()[0]
    assert (line.first, line.below, line.line, line.upgrade) == (
        "3.13.0.dev0",  # (PEP 440's lowest pre-release; SemVer's 3.13.0-0)
        "3.13.1",
        "3.13",
        "3.13.1",
    )
    assert all(v in line for v in ("3.13.0a1", "3.13.0b3", "3.13.0rc1", "3.13.0"))
    assert "3.13.1" not in line and "3.12.8" not in line
    assert cpython.affected_list == ["3.13.0 and its pre-releases", "3.12.0 – 3.12.7"]
    assert "3.13.0" in cpython.named() and "3.13.0.dev0" not in cpython.named()
    later = published({"3.13": "3.13.3", "3.12": "3.12.8"})
    assert later.affected_list[0] == "3.13.0 pre-releases – 3.13.2"
    assert later.named()[-4:] == ("3.13.0", "3.13.1", "3.13.2", "3.13.3")
    # `introduced` before the line: so too. Introduced in 3.13.0 itself: its pre-releases
    # did not have it (as for a line fixed in 3.13.0: `introduced` before the lowest one).
    early = published({"3.13": "3.13.1", "3.12": "3.12.8"}, "3.12.2")
    assert early.affected_list == ["3.13.0 and its pre-releases", "3.12.2 – 3.12.7"]
    assert "3.13.0rc1" in early.ranges()[0]
    at_release = published({"3.13": "3.13.1", "3.12": "3.12.8"}, "3.13.0")
    assert at_release.affected_list == ["3.13.0"]
    assert not any("3.13.0rc1" in r for r in at_release.ranges())
    # Not the whole line (introduced in 3.13.2): as before.
    assert published({"3.13": "3.13.4", "3.12": "3.12.8"}, "3.13.2").affected_list == [
        "3.13.2 – 3.13.3"
    ]
    # No sign of the code before the line: none (the oldest line; one below fixed in X.0).
    assert published({"3.13": "3.13.1"}).ranges()[0].first == "3.13.0"
    assert published({"3.13": "3.13.1", "3.12": "3.12.0"}).ranges()[0].first == "3.13.0"
    # A line of a major version (no last release known before 7.4.0).
    major = published({"7": "7.4.0", "6": "6.21.3"})
    assert major.affected_list[0] == "7.0.0 pre-releases – before 7.4.0"
    assert "7.0.0rc1" in major.ranges()[0] and "7.0.0" in major.named()
    # (a line fixed in a pre-release of its first release names no release of it)
    assert "0.104.0" not in published({"0.104": "0.104.0-alpha.6", "0.103": "0.103.12"}).named()
    # A project that publishes no pre-releases: as before.
    plain = versions_of({"3.13": "3.13.1", "3.12": "3.12.8"})
    assert plain.affected_list == ["3.13.0", "3.12.0 – 3.12.7"]
    assert plain.ranges()[0].first == "3.13.0"
    assert not any("3.13.0rc1" in r for r in plain.ranges())
    # `introduced` in the lowest pre-release keeps its spelling (as without the setting).
    dev = published({"3.13": "3.13.2", "3.12": "3.12.8"}, "3.13.0.dev0")
    assert dev.affected_list == ["3.13.0.dev0 – 3.13.1"]

"""A line the lift does not fix that had the fix already, in public: the lift records the
first release of it with the fix in ``fixed`` (found by trying the held fixes on its release
tags), never in ``unfixed``, so that its releases before that one are affected and those
after are not; and the plan says when the held fixes cannot tell."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.test_embargo import Release, after_embargo
from tests.e2e.test_lift_gaps import ESR_MINOR, ID, announced, gap_release, recorded
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import FILES, git, replace_line
from tests.helpers.smtp import SmtpServer

FIXED = replace_line(FILES["src/preview.c"], 20, "preview: drop the header")  # (in public)


def lifted(release: Release) -> tuple[str, Sequence[str] | None]:
    """Lift after the embargo (it must succeed); the advisory file and its ``unfixed``."""
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    return recorded(release)


def test_a_line_not_required_that_had_the_fix_is_fixed_not_unfixed(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # A Low fix: 11.0 and the ESR 10.4 get it; 10.6 (the last line, not required) took the
    # same fix in public, in 10.6.1; 10.5 never did.
    release = gap_release(
        tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4", public={"10.6": "10.6.1"}
    )
    product = release.product  # (and 10.6.2 since: the first with the fix is still 10.6.1)
    product.commit("release-10.6", {"VERSION": "10.6.2\n"}, "Release 10.6.2")
    product.tag("v10.6.2", "release-10.6")
    product.publish("release-10.6")
    plan = release.run("plan")
    assert plan.exit_code == 0, plan.output
    assert "note:" not in plan.output  # (every line is told)
    (shown,) = json.loads(release.run("plan", "--json").stdout)["advisories"]
    assert shown["earlier"] == {"10.6": "10.6.1"} and shown["notes"] == []
    text, unfixed = lifted(release)
    assert unfixed == ("10.5",) and 'unfixed = ["10.5"]\n' in text
    assert '"10.6" = "10.6.1"' in text and '"10.4" = "10.4.9"' in text
    assert '"11.0" = "11.0.0"' in text
    # 10.6.0 is affected (before the fix), 10.6.1 is not; 10.5 in the gap "after 10.4".
    assert "10.6: 10.6.0 affected, fixed in 10.6.1" in announced(release)
    page = (release.root / "site" / "advisories" / f"{ID}.html").read_text()
    assert "after 10.4 – before 10.6" in page
    site = release.root / "site" / "versions"
    assert ID in (site / "10.6.0.html").read_text()
    assert not (site / "10.6.1.html").exists() or ID not in (site / "10.6.1.html").read_text()
    assert release.run("advisory", "check").exit_code == 0


def test_a_required_line_whose_branch_had_the_fix_records_when_it_got_it(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # The ESR 10.4 took the fix in public, in 10.4.9, after it was held for it: the held fix
    # is already there (the plan's already-fixed), and only 11.0 gets it now. 10.4.0 to
    # 10.4.8 were released without it, and so were 10.5 and 10.6.
    release = gap_release(
        tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4", public={"10.4": "10.4.9"}
    )
    plan = release.run("plan")
    assert plan.exit_code == 0, plan.output
    assert "already-fixed" in plan.output and "note:" not in plan.output
    text, unfixed = lifted(release)
    assert '"10.4" = "10.4.9"' in text and '"11.0" = "11.0.0"' in text
    assert unfixed == ("10.6", "10.5")
    body = announced(release)
    assert "10.4: 10.4.0 to 10.4.8 affected, fixed in 10.4.9" in body
    assert "after 10.4: releases before 10.7 affected, fixed in 11.0.0" in body
    site = release.root / "site" / "versions"
    for version in ("10.4.0", "10.4.8", "10.5.0", "10.6.0"):
        assert ID in (site / f"{version}.html").read_text(), version
    assert release.run("advisory", "check").exit_code == 0


def test_a_line_no_held_fix_tells_about_is_noted_and_recorded_as_before(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # 10.6.1 rewrote the line the fix changes: no held fix applies to it, so whether 10.6
    # had the fix cannot be told. The plan says so; the lift records 10.6 as before.
    release = gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")
    product = release.product
    other = replace_line(FILES["src/preview.c"], 20, "preview: the header, rewritten")
    product.commit("release-10.6", {"src/preview.c": other, "VERSION": "10.6.1\n"}, "10.6.1")
    product.tag("v10.6.1", "release-10.6")
    product.publish("release-10.6")
    plan = release.run("plan")
    assert plan.exit_code == 0, plan.output
    said = " ".join(plan.output.split())
    assert f"note: {ID}: whether a release of 10.6 had the fix cannot be told" in said
    assert "10.5 had the fix" not in said  # (the held fix applies to 10.5.1: told)
    (shown,) = json.loads(release.run("plan", "--json").stdout)["advisories"]
    assert shown["earlier"] == {} and len(shown["notes"]) == 1
    text, unfixed = lifted(release)
    assert unfixed == ("10.6", "10.5") and '"10.6" =' not in text


def test_a_line_whose_branch_has_the_fix_unreleased_stays_affected(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # 10.6's branch took the fix in public, but no release of 10.6 has it yet: 10.6.0 is
    # affected, and the plan says why 10.6 is recorded so.
    release = gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")
    release.product.commit("release-10.6", {"src/preview.c": FIXED}, "preview: drop a header")
    release.product.publish("release-10.6")
    plan = release.run("plan")
    assert plan.exit_code == 0, plan.output
    said = " ".join(plan.output.split())
    assert f"note: {ID}: the branch of 10.6 has the fix, but no release yet" in said
    assert lifted(release)[1] == ("10.6", "10.5")


def test_a_release_tag_only_the_clone_has_is_not_recorded_fixed(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # 10.5 (not supported, between the ESR 10.4 and 10.6) has a v10.5.2 with the fix in the
    # product clone only, never pushed: the public never saw 10.5.2, so the lift must not
    # record it as 10.5's first release with the fix.
    release = gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")
    product = release.product
    product.commit("release-10.5", {"src/preview.c": FIXED, "VERSION": "10.5.2\n"}, "10.5.2")
    product.tag("v10.5.2", "release-10.5")  # (in the dev clone; the remote lacks it)
    git(product.clone, "fetch", "-q", str(product.dev), "refs/tags/v10.5.2:refs/tags/v10.5.2")
    (shown,) = json.loads(release.run("plan", "--json").stdout)["advisories"]
    assert shown["earlier"] == {} and shown["notes"] == []
    # Without the fetch the remote's tags are not known: no release is taken to have the
    # fix, and the plan says why.
    (shown,) = json.loads(release.run("plan", "--json", "--no-fetch").stdout)["advisories"]
    assert shown["earlier"] == {}
    (said,) = shown["notes"]
    assert said.startswith("the remote's tags were not compared (plan --no-fetch): ")
    assert "10.6, 10.5" in said
    text, unfixed = lifted(release)
    assert unfixed == ("10.6", "10.5") and '"10.5" =' not in text


def test_a_pushed_release_tag_with_the_fix_is_recorded_fixed(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # The same v10.5.2, pushed: the public saw it, and it is 10.5's first with the fix.
    release = gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")
    product = release.product
    product.commit("release-10.5", {"src/preview.c": FIXED, "VERSION": "10.5.2\n"}, "10.5.2")
    product.tag("v10.5.2", "release-10.5")
    product.publish("release-10.5")
    (shown,) = json.loads(release.run("plan", "--json").stdout)["advisories"]
    assert shown["earlier"] == {"10.5": "10.5.2"} and shown["notes"] == []


def test_a_release_the_held_fix_cannot_tell_about_stops_the_search_and_is_noted(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # 10.6.1 changed the code next to the fix (the held fix conflicts there), 10.6.2 took
    # that back with the fix: 10.6.2 is recorded as 10.6's first fixed release, and the plan
    # names 10.6.1 as the release that could not be told.
    release = gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")
    product = release.product
    around = replace_line(FILES["src/preview.c"], 21, "preview: other code around")
    product.commit("release-10.6", {"src/preview.c": around, "VERSION": "10.6.1\n"}, "10.6.1")
    product.tag("v10.6.1", "release-10.6")
    product.commit("release-10.6", {"src/preview.c": FIXED, "VERSION": "10.6.2\n"}, "10.6.2")
    product.tag("v10.6.2", "release-10.6")
    product.publish("release-10.6")
    plan = release.run("plan")
    assert plan.exit_code == 0, plan.output
    said = " ".join(plan.output.split())
    assert f"note: {ID}: whether 10.6.1 had the fix cannot be told" in said
    (shown,) = json.loads(release.run("plan", "--json").stdout)["advisories"]
    assert shown["earlier"] == {"10.6": "10.6.2"} and len(shown["notes"]) == 1
    text, unfixed = lifted(release)
    assert unfixed == ("10.5",) and '"10.6" = "10.6.2"' in text

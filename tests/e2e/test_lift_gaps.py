"""The lines between two fixed ones, as the lift knows them from the product's tags: a Low
fix in the upcoming X.0 and an ESR that is an older minor leaves the minors released after
the ESR affected (recorded as ``unfixed``, and named by the announcement, the page and the
OSV record), where an LTS that is the last minor of its major leaves none."""

from __future__ import annotations

import email
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from releasekit.model.advisory import parse_advisory
from tests.e2e.test_embargo import (
    EMBARGO,
    LISTS,
    PAST_EMBARGO,
    Release,
    after_embargo,
    mail_table,
)
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import FILES, Product, git, replace_line, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
LOW = "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"  # 2.6: upcoming and ESR only
# ESR 10.4, then 10.5 and 10.6 released, upcoming 11.0 (an ESR that is an older minor).
ESR_MINOR = {"10.4": [f"10.4.{n}" for n in range(9)], "10.5": ["10.5.0", "10.5.1"]}
ESR_MINOR |= {"10.6": ["10.6.0"]}
# Django-like: the LTS 4.2 is the last minor of 4.x, upcoming 5.0.
LTS_LAST = {"4.0": ["4.0.0"], "4.1": ["4.1.0"], "4.2": ["4.2.0", "4.2.1", "4.2.2", "4.2.3"]}


def gap_release(
    root: Path,
    smtp: SmtpServer,
    gpg: GpgHome,
    lines: Mapping[str, Sequence[str]],
    upcoming: str,
    esr: str,
    embargo_at: str = "2026-12-01T14:00:00Z",
    public: Mapping[str, str] | None = None,
) -> Release:
    """A product with ``lines`` tagged and ``upcoming`` branched, and a workspace with a Low
    advisory whose fixes are held for the upcoming and the ESR line (what Low needs).
    ``public``: line -> version released with the same fix, in public, after the fixes were
    made (so a held one finds it there already)."""
    product = Product.create(root / "product", FILES)
    for line, versions in lines.items():
        product.release_line(line, versions)
    product.release_line(upcoming, [])
    fixed = replace_line(FILES["src/preview.c"], 20, "preview: drop the header")
    patches = {
        line: product.fix(f"release-{line}", {"src/preview.c": fixed}, "Drop the header")
        for line in (upcoming, esr)
    }
    for line, version in (public or {}).items():
        branch = f"release-{line}"
        product.commit(branch, {"src/preview.c": fixed}, "preview: drop a header")
        product.commit(branch, {"VERSION": version + "\n"}, f"Release {version}")
        product.tag(f"v{version}", branch)
        product.publish(branch)
    git(product.clone, "fetch", "-q", "--tags", "origin")
    ws = root / "ws"
    (ws / "advisories").mkdir(parents=True)
    config = workspace_config(
        product.clone,
        mail_table(smtp, gpg.fingerprint),
        upcoming=f'"{upcoming}"',
        esr=f'["{esr}"]',
        last="1",
    )
    config = config.replace(
        "[releases]", '[releases]\ncommitter = "Release Bot <release@example.org>"'
    )
    (ws / "releasekit.toml").write_text(config)
    (ws / "advisories" / f"{ID}.md").write_text(
        f'+++\nid = "{ID}"\ntitle = "Previews leak a header"\ncvss = "{LOW}"\n'
        'cve = "CVE-2026-40003"\n'
        f'embargo = {embargo_at}\nsummary = "Previews could leak one header."\n+++\n\nDetails.\n'
    )
    release = Release(ws, product, smtp, gpg)
    for line, patch in patches.items():
        path = root / f"fix-{line}.patch"
        path.write_bytes(patch)
        result = release.run("patch", "add", ID, "--line", line, str(path))
        assert result.exit_code == 0, result.output
    return release


def announced(release: Release) -> str:
    """The announcement's text, as the first list got it."""
    message = email.message_from_bytes(release.smtp.messages[0].data)
    texts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    payload = texts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def recorded(release: Release) -> tuple[str, Sequence[str] | None]:
    path = release.root / "advisories" / f"{ID}.md"
    text = path.read_text()
    advisory = parse_advisory(text, Path(f"advisories/{ID}.md"), "ACSA")
    return text, advisory.unfixed


@pytest.fixture
def esr_minor(tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome) -> Release:
    return gap_release(tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4")


def test_an_esr_of_an_older_minor_leaves_the_minors_after_it_affected(esr_minor: Release) -> None:
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = esr_minor.run("embargo", "lift", "--dry-run")
    assert dry.exit_code == 0, dry.output
    # (up to 10.7: a 10.7 released before 11.0 would be in `unfixed`, unless it had the fix)
    gap = "after 10.4: releases before 10.7 affected, fixed in 11.0.0"
    assert gap in dry.output  # (the announcement as the dry run shows it)
    with after_embargo():
        result = esr_minor.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    text, unfixed = recorded(esr_minor)
    assert 'unfixed = ["10.6", "10.5"]\n' in text
    assert '"10.4" = "10.4.9"' in text and '"11.0" = "11.0.0"' in text
    assert unfixed == ("10.6", "10.5")
    assert len(esr_minor.smtp.messages) == len(LISTS)
    assert gap in announced(esr_minor)
    page = (esr_minor.root / "site" / "advisories" / f"{ID}.html").read_text()
    assert "after 10.4 – before 10.7" in page
    # "Am I affected?" lists the lines left without the fix: a user of 10.5 finds its line.
    site = esr_minor.root / "site"
    for version in ("10.5.0", "10.6.0"):
        listed = (site / "versions" / f"{version}.html").read_text()
        assert ID in listed and "11.0.0" in listed, version
    assert not (site / "versions" / "10.7.0.html").exists()
    assert esr_minor.run("advisory", "check").exit_code == 0
    # On the disclosure date the OSV record says 10.5.0 up to 10.7.0's pre-releases affected.
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = esr_minor.run("publish")
    assert published.exit_code == 0, published.output
    record = json.loads((esr_minor.root / "site" / "osv" / f"{ID}.json").read_text())
    ranges = [
        (entry["ranges"][0]["events"], entry["database_specific"].get("between"))
        for entry in record["affected"]
    ]
    assert ([{"introduced": "10.5.0"}, {"fixed": "10.7.0-0"}], ["10.4", "11.0"]) in ranges


def test_an_lts_that_is_the_last_minor_of_its_major_leaves_no_line_between(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    release = gap_release(tmp_path, smtp_server, gpg_home, LTS_LAST, "5.0", "4.2")
    with after_embargo():
        result = release.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output + result.stderr
    text, unfixed = recorded(release)
    assert "unfixed = []\n" in text and unfixed == ()
    assert '"4.2" = "4.2.4"' in text and '"5.0" = "5.0.0"' in text
    body = announced(release)
    assert "4.2: 4.2.0 to 4.2.3 affected, fixed in 4.2.4" in body and "after" not in body
    page = (release.root / "site" / "advisories" / f"{ID}.html").read_text()
    assert "after 4.2" not in page


def test_a_lift_resumed_after_its_push_records_and_announces_the_same_lines(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    release = gap_release(
        tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4", embargo_at=PAST_EMBARGO
    )
    assert release.subprocess("embargo", "lift", "--yes", crash_after="push") == -9
    assert recorded(release)[1] is None  # (nothing recorded yet)
    # The journal says which lines the push left without the fix; the resumed run, with
    # none of the plan, records and announces them.
    assert release.run("embargo", "lift", "--yes").exit_code == 0
    assert recorded(release)[1] == ("10.6", "10.5")
    assert "after 10.4: releases before 10.7 affected" in announced(release)


def test_a_push_journalled_by_an_older_releasekit_resumes_with_the_guess(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    release = gap_release(
        tmp_path, smtp_server, gpg_home, ESR_MINOR, "11.0", "10.4", embargo_at=PAST_EMBARGO
    )
    assert release.subprocess("embargo", "lift", "--yes", crash_after="push") == -9
    with sqlite3.connect(release.root / ".releasekit" / "journal.sqlite3") as db:
        ((key, detail),) = db.execute(
            "SELECT key, detail FROM steps WHERE key LIKE 'lift/%/push'"
        ).fetchall()
        old = json.loads(detail)
        assert old.pop("unfixed") == {ID: ["10.6", "10.5"]}
        db.execute("UPDATE steps SET detail = ? WHERE key = ?", (json.dumps(old), key))
    resumed = release.run("embargo", "lift", "--yes")
    assert resumed.exit_code == 0, resumed.output + resumed.stderr
    text, unfixed = recorded(release)
    assert unfixed is None and "unfixed" not in text and '"10.4" = "10.4.9"' in text
    assert "after 10.4" not in announced(release)  # (the guess: 11.0 next to 10.4)

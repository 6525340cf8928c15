"""releasekit publish: visibility by date, escaping, determinism, incremental, atomic swap."""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from click.testing import Result

from releasekit.model import lifecycle
from releasekit.model.versions import versions
from releasekit.site import (
    build,
    child,
    markdown,
    mdcache,
    pages,
    scans,
    standby,
    state,
    tree,
    workers,
)
from releasekit.support.errors import AdvisoryError, PublishError, TemplateError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.paths import REPO_ROOT
from tests.helpers.process import cli_process
from tests.helpers.sites import PLACEHOLDER, RELEASED, grep, marked, markers, site_files

Run = Callable[..., Result]
BEFORE_RELEASE = "2026-10-13T14:00:00Z"
AFTER_RELEASE = "2026-10-20T09:00:00Z"
LAST_PLACEHOLDER_DAY = "2026-11-11T23:59:59Z"
DISCLOSURE = "2026-11-12T00:00:00Z"
LATER = "2027-02-01T12:00:00Z"


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def publish_at(ws: Workspace, moment: str, **kwargs: object) -> build.PublishReport:
    settings = workspace.open_workspace(ws.root)
    return build.publish_workspace(settings, at(moment), **kwargs)  # type: ignore[arg-type]


class Cells(HTMLParser):
    """The text of every <td> of the updates table, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def two_published(ws: Workspace) -> None:
    """Advisories 1 and 2 (released, details public), published at LATER."""
    for n in (1, 2):
        marked(ws, n)
    publish_at(ws, LATER)


def table(index: Path) -> list[list[str]]:
    parser = Cells()
    parser.feed(index.read_text())
    return [row for row in parser.rows if row]


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        (BEFORE_RELEASE, "hidden"),
        (AFTER_RELEASE, "placeholder"),
        (LAST_PLACEHOLDER_DAY, "placeholder"),
        (DISCLOSURE, "details"),
        (LATER, "details"),
    ],
)
def test_what_the_site_shows_by_date(site_ws: Workspace, run: Run, moment: str, state: str) -> None:
    marked(site_ws, 1)
    with time_machine.travel(moment, tick=False):
        result = run("publish")
    assert result.exit_code == 0, result.output
    site = site_ws.root / "site"
    m = markers(1)
    rows = table(site / "index.html")
    placeholder = PLACEHOLDER.format("2026-11-12")
    if state == "hidden":
        assert rows == []
        for value in m.values():
            assert grep(site, value) == []
        assert not (site / "advisories").exists()
        return
    assert len(rows) == 1
    row = rows[0]
    assert row[0].startswith("ACSA-2026-0001")
    assert row[1] == "2026-10-13"
    assert row[2].split() == ["High", "6.5"]
    page = (site / "advisories" / "ACSA-2026-0001.html").read_text()
    assert m["title"] in page and m["summary"] in page
    if state == "placeholder":
        assert row[5] == placeholder
        assert f'<p class="placeholder">{placeholder}</p>' in page
        for key in ("body", "cve", "cwe", "reporter", "component", "severity_reason"):
            assert grep(site, m[key]) == [], key
        assert not (site / "osv").exists() and not (site / "cve").exists()
    else:
        assert row[5] == f"{m['title']}{m['summary']}"
        assert placeholder not in page
        assert m["body"] in page and m["reporter"] in page and m["cwe"] in page
        assert (site / "osv" / "ACSA-2026-0001.json").is_file()
        assert (site / "cve" / f"{m['cve']}.json").is_file()
        # The page links each of its records, the CSAF document included.
        for rel in ("osv/ACSA-2026-0001.json", "csaf/2026/acsa-2026-0001.json"):
            assert f'href="../{rel}"' in page and (site / rel).is_file(), rel


def test_an_embargoed_advisory_appears_nowhere(site_ws: Workspace) -> None:
    marked(site_ws, 1)  # released
    marked(site_ws, 2, released=None, embargo="2026-12-01T14:00:00Z")  # under embargo
    marked(site_ws, 3, released="2027-01-05T14:00:00Z")  # released later than "now"
    report = publish_at(site_ws, LATER.replace("2027-02", "2026-12"))
    site = site_ws.root / "site"
    assert report.public == 1
    for n in (2, 3):
        for field, value in markers(n).items():
            assert grep(site, value) == [], (n, field)
        assert grep(site, f"ACSA-2026-{n:04d}") == []
    assert grep(site, markers(1)["title"])


def test_markup_in_every_field_is_escaped(site_ws: Workspace) -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    body = (
        "## Impact\n\n<script>alert(3)</script>\n\n<b>bold</b> [click](javascript:alert(4)) "
        "[data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://acme.example/fix)\n\n"
        "[ref]\n\n[ref]: vbscript:alert(5)\n"
    )
    marked(site_ws, 1, body=body, title='"T <script>alert(1)</script>"')
    text = (site_ws.root / "advisories" / "ACSA-2026-0001.md").read_text()
    text = text.replace('reporter = "MARKER-REPORTER-0001"', f"reporter = {json.dumps(evil)}")
    text = text.replace('summary = "MARKER-SUMMARY-0001 happens."', f"summary = {json.dumps(evil)}")
    text = text.replace('title = "MARKER-TITLE-0001"\n', "")
    (site_ws.root / "advisories" / "ACSA-2026-0001.md").write_text(text)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    for rel in ("index.html", "advisories/ACSA-2026-0001.html"):
        html = (site / rel).read_text()
        assert "<script" not in html, rel
        assert "<img" not in html, rel
        for scheme in ("javascript:", "vbscript:", "data:"):
            assert f'href="{scheme}' not in html, scheme
        assert "&lt;script&gt;" in html
    page = (site / "advisories/ACSA-2026-0001.html").read_text()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert '<a href="https://acme.example/fix" rel="nofollow noopener">ok</a>' in page
    for rel in ("feed.xml", "atom.xml"):
        assert b"<script" not in (site / rel).read_bytes()


def test_two_builds_are_byte_identical(site_ws: Workspace, tmp_path: Path) -> None:
    for n in range(1, 6):
        marked(site_ws, n, released=f"2026-0{n}-0{n}T10:00:00Z")
    marked(site_ws, 6, released="2026-10-30T10:00:00Z")
    first = publish_at(site_ws, "2026-11-02T08:00:00Z")
    assert first.public == 6 and first.disclosed == 5
    before = site_files(site_ws.root / "site")
    other = tmp_path / "copy"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    copy = Workspace(other)
    publish_at(copy, "2026-11-02T20:00:00Z")  # same day, later hour, fresh cache
    assert site_files(other / "site") == before
    shutil.rmtree(site_ws.root / "site")
    shutil.rmtree(site_ws.root / ".releasekit")
    publish_at(site_ws, "2026-11-02T08:00:00Z", jobs=2)  # in worker processes
    assert site_files(site_ws.root / "site") == before


def test_nothing_changes_between_dates_and_details_come_on_the_day(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    site = site_ws.root / "site"
    first = publish_at(site_ws, AFTER_RELEASE)
    assert "advisories/ACSA-2026-0001.html" in first.written
    inode = os.stat(site).st_ino
    for day in ("2026-10-21", "2026-11-01", "2026-11-11"):
        report = publish_at(site_ws, f"{day}T00:15:00Z")  # the daily cron run
        assert not report.changed, day
        assert report.written == () and report.removed == ()
        assert os.stat(site).st_ino == inode  # not even swapped
    report = publish_at(site_ws, "2026-11-12T00:15:00Z")
    assert "advisories/ACSA-2026-0001.html" in report.written
    assert "osv/ACSA-2026-0001.json" in report.written
    assert f"cve/{markers(1)['cve']}.json" in report.written
    assert {"index.html", "feed.xml", "atom.xml", "advisories.json"} <= set(report.written)
    assert "static/style.css" in report.unchanged
    assert os.stat(site).st_ino != inode
    assert not publish_at(site_ws, "2026-11-13T00:15:00Z").changed


def test_one_changed_advisory_renders_only_its_page(site_ws: Workspace) -> None:
    for n in range(1, 5):
        marked(site_ws, n)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    inodes = {rel: (site / rel).stat().st_ino for rel in site_files(site)}
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    report = publish_at(site_ws, LATER)
    assert set(report.written) == {
        "advisories/ACSA-2026-0002.html",
        "osv/ACSA-2026-0002.json",
        "csaf/2026/acsa-2026-0002.json",
        "csaf/2026/acsa-2026-0002.json.sha512",
    }
    assert "cve/CVE-2099-90002.json" in report.unchanged  # rendered again, same bytes
    assert "csaf/changes.csv" in report.unchanged  # no revision: the same entries
    assert "index.html" in report.unchanged
    for rel in (
        "advisories/ACSA-2026-0001.html",
        "osv/ACSA-2026-0003.json",
        "index.html",
        "cve/CVE-2099-90002.json",  # rendered again, the same bytes: linked, not written
    ):
        assert (site / rel).stat().st_ino == inodes[rel]  # the very same file, not rewritten
    assert "One more sentence." in (site / "advisories/ACSA-2026-0002.html").read_text()


def test_the_swap_is_atomic_and_a_failed_build_leaves_the_site(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    old = site_files(site)
    marked(site_ws, 2)
    seen_during: list[dict[str, bytes]] = []

    def look(message: str) -> None:
        if message.startswith("rendered"):  # the standby is filled, not swapped in yet
            seen_during.append(site_files(site))

    publish_at(site_ws, LATER, progress=look)
    assert seen_during and all(snapshot == old for snapshot in seen_during)
    new = site_files(site)
    assert "advisories/ACSA-2026-0002.html" in new
    # A bad record (title too long for CVE JSON 5) fails the build: the live site stays.
    long_title = "x" * 300
    path = site_ws.root / "advisories" / "ACSA-2026-0003.md"
    marked(site_ws, 3)
    path.write_text(
        path.read_text().replace('title = "MARKER-TITLE-0003"', f'title = "{long_title}"')
    )
    with pytest.raises(PublishError) as caught:
        publish_at(site_ws, LATER)
    message = str(caught.value)
    assert message == (
        "cve/CVE-2099-90003.json: /containers/cna/title: not valid CVE JSON 5 (maxLength)"
    )
    assert long_title not in message
    assert site_files(site) == new
    path.unlink()
    assert not publish_at(site_ws, LATER).changed


def test_bad_advisories_fail_with_every_problem(site_ws: Workspace, run: Run) -> None:
    marked(site_ws, 1)
    twin = marked(site_ws, 2)
    twin.write_text(
        twin.read_text()
        .replace("CVE-2099-90002", "CVE-2099-90001")
        .replace("MARKER-COMPONENT-0002", "MARKER-COMPONENT-0001")  # (the same component)
    )
    site_ws.write("advisories/ACSA-2026-0003.md", "+++\nid = \n+++\n")
    with time_machine.travel(LATER, tick=False):
        result = run("publish")
    assert result.exit_code == 2
    assert "advisories/ACSA-2026-0003.md:2: invalid TOML" in result.stderr
    assert not (site_ws.root / "site").exists()
    (site_ws.root / "advisories" / "ACSA-2026-0003.md").unlink()
    with time_machine.travel(LATER, tick=False):
        result = run("publish")
    assert result.exit_code == 2
    assert "ACSA-2026-0002.md:9: cve: another advisory has the same CVE id" in result.stderr


def test_bad_advisories_in_worker_processes_fail_with_every_problem(site_ws: Workspace) -> None:
    for n in range(1, 5):
        marked(site_ws, n)
    site_ws.write("advisories/ACSA-2026-0005.md", "+++\nid = \n+++\n")
    site_ws.write("advisories/ACSA-2026-0006.md", "not an advisory")
    with pytest.raises(AdvisoryError) as caught:
        publish_at(site_ws, LATER, jobs=2)
    named = sorted(p.path.name for p in caught.value.problems)
    assert named == ["ACSA-2026-0005.md", "ACSA-2026-0006.md"]
    assert not (site_ws.root / "site").exists()
    for n in (5, 6):
        (site_ws.root / "advisories" / f"ACSA-2026-000{n}.md").unlink()
    assert publish_at(site_ws, LATER, jobs=2).public == 4


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("moment", [AFTER_RELEASE, LATER])  # placeholder; details
@pytest.mark.parametrize(
    ("field", "line", "digits"),
    [
        ("id", 2, ARABIC_INDIC),
        ("id", 2, FULLWIDTH),
        ("cve", 9, FULLWIDTH),
        ("cwe", 10, FULLWIDTH),
        ("cwe", 10, ARABIC_INDIC),
    ],
)
def test_ids_in_other_digits_stop_publish_as_they_stop_the_check(
    site_ws: Workspace, run: Run, moment: str, field: str, line: int, digits: dict[int, str]
) -> None:
    # `\d` took any Unicode digit: publish wrote the page of ACSA-2026-٠٠٠٤ (and its
    # records, refused on the disclosure date) of what `advisory check` refused.
    marked(site_ws, 1)
    with time_machine.travel(moment, tick=False):
        assert run("publish").exit_code == 0
    before = site_files(site_ws.root / "site")
    path = marked(site_ws, 4)
    value = "ACSA-2026-0004" if field == "id" else markers(4)[field]
    other = value.translate(digits)
    path.write_text(path.read_text().replace(f'{field} = "{value}"', f'{field} = "{other}"'))
    if field == "id":
        path = path.rename(path.with_name(f"{other}.md"))
    shown = f"advisories/{path.name}"
    with time_machine.travel(moment, tick=False):
        result = run("publish")
        checked = run("advisory", "check")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(
        f"releasekit: error: {shown}:{line}: {field}: must look like"
    )
    assert site_files(site_ws.root / "site") == before
    assert checked.exit_code == 2
    assert f"{shown}:{line}: {field}: must look like" in checked.stderr


def test_fixed_versions_that_name_too_many_releases_stop_publish(
    site_ws: Workspace, run: Run
) -> None:
    # Each release X.Y.0 up to a line's fixed version gets a page: a patch number of 30
    # digits took memory without bound, while `advisory check` said OK.
    marked(site_ws, 1)
    with time_machine.travel(LATER, tick=False):
        assert run("publish").exit_code == 0
    before = site_files(site_ws.root / "site")
    expected = (
        "advisories/ACSA-2026-0002.md:15: fixed: names over 10,000 releases in all (each one "
        "from X.Y.0 up to a line's fixed version gets a page)"
    )
    # (One over the bound first: without the rule, that publish ends, the next does not.)
    for version in ("10.4.10000", "10.4.99999999999999999999999999"):
        marked(site_ws, 2, fixed=f'{{ "10.4" = "{version}" }}')
        with time_machine.travel(LATER, tick=False):
            result = run("publish")
            checked = run("advisory", "check")
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1] == f"releasekit: error: {expected}"
        assert site_files(site_ws.root / "site") == before
        assert checked.exit_code == 2 and expected in checked.stderr
    # At the bound: 10,000 releases of 10.4 (and 9.8.0, where the unfixed range starts).
    marked(site_ws, 2, fixed='{ "10.4" = "10.4.9999" }')
    with time_machine.travel(LATER, tick=False):
        result = run("publish")
    assert result.exit_code == 0, result.output
    pages = list((site_ws.root / "site" / "versions").glob("10.4.*.html"))
    assert len(pages) == 10_000


def test_a_bad_embargoed_advisory_stops_publish_without_quoting_it(
    site_ws: Workspace, run: Run
) -> None:
    # publish runs daily from cron or CI, whose log may be public: its error names the
    # file and field of an embargoed advisory, never the vector or the CVE id in it.
    marked(site_ws, 1)
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H//A:H MARKER-CVSS-0002"
    bad = marked(site_ws, 2, released=None, embargo="2027-03-01T14:00:00Z")
    bad.write_text(bad.read_text().replace("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", vector))
    twin = marked(site_ws, 3, released=None, embargo="2027-03-01T14:00:00Z")
    twin.write_text(twin.read_text().replace(markers(3)["cve"], markers(2)["cve"]))
    edit_component = twin.read_text().replace(markers(3)["component"], markers(2)["component"])
    twin.write_text(edit_component)
    with time_machine.travel(LATER, tick=False):
        result = run("publish")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "releasekit: error: advisories/ACSA-2026-0002.md:6: cvss: invalid CVSS vector: "
        "Empty field in CVSS3 vector (not quoted here: see the file)"
    )
    for secret in ("MARKER-CVSS-0002", "AV:N/AC:L/PR:N", markers(2)["cve"]):
        assert secret not in result.output + result.stderr
    bad.write_text(bad.read_text().replace(vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"))
    with time_machine.travel(LATER, tick=False):
        result = run("publish")
    assert result.exit_code == 2
    assert "ACSA-2026-0003.md:9: cve: another advisory has the same CVE id" in result.stderr
    assert markers(2)["cve"] not in result.output + result.stderr


def test_an_edited_embargoed_advisory_leaves_no_trace_in_the_publish_log(
    site_ws: Workspace, run: Run
) -> None:
    # The daily publish's log may be public: adding or editing an embargoed advisory prints
    # exactly what a run with nothing changed prints (it said "rendering 1 advisories").
    marked(site_ws, 1)
    with time_machine.travel(LATER, tick=False):
        assert run("publish").exit_code == 0
        quiet = run("publish")
    hidden = marked(site_ws, 2, released=None, embargo="2027-03-01T14:00:00Z")
    with time_machine.travel(LATER, tick=False):
        added = run("publish")
        hidden.write_text(hidden.read_text() + "\nOne more sentence.\n")
        edited = run("publish")
    for result in (added, edited):
        assert result.exit_code == 0, result.output
        assert (result.stdout, result.stderr) == (quiet.stdout, quiet.stderr)
    marked(site_ws, 3)  # a public one: said, and counted without the embargoed one
    hidden.write_text(hidden.read_text() + "\nAnd another.\n")
    with time_machine.travel(LATER, tick=False):
        shown = run("publish")
    assert "publish: rendered 1 advisory\n" in shown.stderr


def test_withdrawn_and_foreign_files_are_removed_tampered_ones_repaired(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    (site / "stray.txt").write_text("stray\n")
    (site / "advisories" / "README.md").write_text("stray\n")  # kept only at the top
    (site / "index.html").write_text("defaced\n")
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text().replace("released = 2026-10-13T14:00:07Z\n", ""))
    report = publish_at(site_ws, LATER)
    assert {"stray.txt", "advisories/README.md"} <= set(report.removed)
    assert "advisories/ACSA-2026-0002.html" in report.removed
    assert "index.html" in report.written
    assert b"defaced" not in (site / "index.html").read_bytes()
    assert grep(site, markers(2)["title"]) == []
    assert grep(site, "ACSA-2026-0002") == []


def test_templates_from_the_workspace_override_file_by_file(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    site_ws.write("templates/static/style.css", "body { color: rebeccapurple; }\n")
    site_ws.write("templates/index.html.j2", "<main>{{ rows }}</main>\n")
    site_ws.write("templates/_row.html.j2", "<p>{{ a.id }} {{ a.title }}</p>")
    report = publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    assert (site / "static/style.css").read_text() == "body { color: rebeccapurple; }\n"
    assert (
        site / "index.html"
    ).read_text() == "<main><p>ACSA-2026-0001 MARKER-TITLE-0001</p></main>\n"
    site_ws.write("templates/_row.html.j2", "<p>{{ a.no_such_field.x }}</p>")
    with pytest.raises(TemplateError, match=r"^templates/_row.html.j2: template: "):
        publish_at(site_ws, LATER)
    assert "advisories/ACSA-2026-0001.html" in report.unchanged  # the built-in page template


def test_a_file_in_templates_whose_name_is_not_utf8_does_not_stop_publish(
    site_ws: Workspace,
) -> None:
    # A stray file there (an editor's, a copy from another system) whose name is not UTF-8:
    # hashing the names of templates/ for the build's key raised UnicodeEncodeError, and
    # every publish said "use a UTF-8 locale" in a UTF-8 locale.
    marked(site_ws, 1)
    (site_ws.root / "templates").mkdir()
    stray = os.path.join(os.fsencode(site_ws.root / "templates"), b"notes-\xff.txt")
    with open(stray, "wb") as out:
        out.write(b"x")
    report = publish_at(site_ws, LATER)
    assert "advisories/ACSA-2026-0001.html" in report.written


@pytest.mark.parametrize(
    ("page", "include", "error"),
    [
        (
            "<p>\n{{ 1 // 0 }}</p>",
            None,
            "templates/advisory.html.j2:2: template: ZeroDivisionError",
        ),
        (
            '{% extends "advisory.html.j2" %}',
            None,
            "templates/advisory.html.j2:1: template: "
            "RecursionError (does a template extend, include or call itself?)",
        ),
        (
            "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
            None,
            "templates/advisory.html.j2:1: template: RecursionError",
        ),
        (b"<p>\xff\xfe</p>", None, "templates/advisory.html.j2: template: is not UTF-8 text"),
        (
            '{% include "_part.html.j2" %}',
            b"\xff",
            "templates/advisory.html.j2: template: is not UTF-8 text",
        ),
    ],
)
def test_a_template_that_fails_as_it_renders_is_one_line(
    site_ws: Workspace,
    run: Callable[..., Result],
    page: str | bytes,
    include: bytes | None,
    error: str,
) -> None:
    # Errors that are not Jinja2's own (a division by zero, recursion, a file that is not
    # UTF-8) ended in a traceback: one line naming the template and its line, exit 2, the
    # exception's type but not its message (it may quote the data).
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    before = site_files(site)
    templates = site_ws.root / "templates"
    templates.mkdir()
    data = page if isinstance(page, bytes) else page.encode()
    (templates / "advisory.html.j2").write_bytes(data)
    if include is not None:
        (templates / "_part.html.j2").write_bytes(include)
    result = run("publish")
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"releasekit: error: {error}"), line
    assert site_files(site) == before


def test_a_new_page_template_renders_the_pages_and_keeps_the_records(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_published(site_ws)
    site = site_ws.root / "site"
    inodes = {rel: (site / rel).stat().st_ino for rel in site_files(site)}
    records_of_1 = {
        "osv/ACSA-2026-0001.json",
        "cve/CVE-2099-90001.json",
        "csaf/2026/acsa-2026-0001.json",
        "csaf/2026/acsa-2026-0001.json.sha512",
    }
    builtin = (REPO_ROOT / "templates" / "advisory.html.j2").read_text()
    restyled = builtin.replace('<article class="advisory">', '<article class="advisory new">')
    assert restyled != builtin
    site_ws.write("templates/advisory.html.j2", restyled)
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"  # and one advisory edited
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    made = []
    real_osv = pages.records.osv_record
    monkeypatch.setattr(
        pages.records,
        "osv_record",
        lambda settings, advisory, shown: (
            made.append(advisory.id) or real_osv(settings, advisory, shown)
        ),
    )
    rows: list[str] = []
    real_rows = pages._version_rows
    monkeypatch.setattr(
        pages,
        "_version_rows",
        lambda settings, shown, view: rows.append(shown.id) or real_rows(settings, shown, view),
    )
    report = publish_at(site_ws, LATER)
    assert made == ["ACSA-2026-0002"]  # the edited one only: the other's records are kept
    assert rows == ["ACSA-2026-0002"]  # and its row
    assert (site / "index.html").stat().st_ino == inodes["index.html"]
    assert {"advisories/ACSA-2026-0001.html", "advisories/ACSA-2026-0002.html"} <= set(
        report.written
    )
    assert 'class="advisory new"' in (site / "advisories/ACSA-2026-0001.html").read_text()
    for rel in records_of_1:
        assert rel in report.unchanged
        assert (site / rel).stat().st_ino == inodes[rel]
    assert "One more sentence." in (site / "osv/ACSA-2026-0002.json").read_text()
    # A setting that the records show: every record is made again.
    config = site_ws.root / "releasekit.toml"
    config.write_text(config.read_text().replace('vendor = "Acme"', 'vendor = "Acme Corp"'))
    made.clear()
    report = publish_at(site_ws, LATER)
    assert sorted(made) == ["ACSA-2026-0001", "ACSA-2026-0002"]
    assert "csaf/2026/acsa-2026-0001.json" in report.written
    assert "Acme Corp" in (site / "csaf/2026/acsa-2026-0001.json").read_text()


def test_the_csaf_distribution_files_are_made_again_only_when_they_change(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from releasekit.site import csaf, upcoming

    marked(site_ws, 1)
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    made: list[str] = []
    real_listing, real_upcoming = csaf.listing_files, upcoming.files
    monkeypatch.setattr(csaf, "listing_files", lambda *a: made.append("csaf") or real_listing(*a))
    monkeypatch.setattr(upcoming, "files", lambda *a: made.append("upcoming") or real_upcoming(*a))
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nOne more sentence.\n")  # its CSAF entry stays
    report = publish_at(site_ws, LATER)
    assert "csaf/2026/acsa-2026-0002.json" in report.written
    assert made == []
    assert {"csaf/index.txt", "csaf/feed-tlp-white.json", "upcoming.ics"} <= set(report.unchanged)
    path.write_text(path.read_text().replace("MARKER-TITLE-0002", "Another title"))
    report = publish_at(site_ws, LATER)  # the entry's title: the feed names it
    assert made == ["csaf"]  # (upcoming.* are not made of it)
    assert "csaf/feed-tlp-white.json" in report.written
    assert "Another title" in (site_ws.root / "site/csaf/feed-tlp-white.json").read_text()
    made.clear()
    (site_ws.root / "site/csaf/index.txt").write_text("defaced\n")
    (site_ws.root / "site/upcoming.ics").write_text("defaced\n")
    report = publish_at(site_ws, LATER)
    assert made == ["csaf", "upcoming"]
    assert {"csaf/index.txt", "upcoming.ics"} <= set(report.written)


def test_records_kept_for_an_advisory_withdrawn_while_it_renders_go(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    builtin = (REPO_ROOT / "templates" / "advisory.html.j2").read_text()
    site_ws.write("templates/advisory.html.j2", builtin.replace("</article>", "</article>\n"))
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    real = workers.render_task

    def render_task(ctx: pages.Context, task: workers.Task) -> pages.Steps[workers.Done]:
        if task.id == "ACSA-2026-0001":  # its release moved later after the plan was made
            path.write_text(
                path.read_text().replace("2026-10-13T14:00:07Z", "2027-06-01T00:00:00Z")
            )
        return (yield from real(ctx, task))

    monkeypatch.setattr(workers, "render_task", render_task)
    publish_at(site_ws, LATER, jobs=1)
    assert grep(site, "ACSA-2026-0001") == []  # no record of it left behind
    assert not (site / "osv/ACSA-2026-0001.json").exists()
    assert (site / "osv/ACSA-2026-0002.json").is_file()


def test_records_damaged_on_the_site_are_made_again_with_a_new_template(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    record = site / "osv/ACSA-2026-0001.json"
    good = record.read_bytes()
    record.write_bytes(b"{}")
    builtin = (REPO_ROOT / "templates" / "advisory.html.j2").read_text()
    site_ws.write("templates/advisory.html.j2", builtin.replace("</article>", "</article>\n"))
    report = publish_at(site_ws, LATER)
    assert "osv/ACSA-2026-0001.json" in report.written
    assert record.read_bytes() == good


def test_advisories_json_lists_what_is_public(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2, released="2026-11-20T10:00:00Z")
    publish_at(site_ws, "2026-11-25T00:00:00Z")
    data = json.loads((site_ws.root / "site" / "advisories.json").read_text())
    assert data["format"] == "releasekit-advisories" and data["version"] == 1
    assert data["project"]["name"] == "Acme Server"
    newest, oldest = data["advisories"]
    assert newest["id"] == "ACSA-2026-0002" and newest["disclosed"] is False
    assert newest["disclosure_date"] == "2026-12-20"
    for key in ("cve", "cwe", "component", "reporter", "osv", "cve_record"):
        assert newest[key] is None, key
    assert oldest["disclosed"] is True
    assert oldest["cve"] == "CVE-2099-90001" and oldest["cwe"] == "CWE-1901"
    assert oldest["osv"] == "https://acme.example/security/osv/ACSA-2026-0001.json"
    assert oldest["fixed"] == {"10.3": "10.3.3", "10.4": "10.4.0", "9.11": "9.11.9"}
    assert oldest["affected"] == [
        "10.3.0 – 10.3.2",
        "after 9.11 – before 10.3",
        "9.11.0 – 9.11.8",
        "9.8.0 – before 9.11",
    ]
    assert oldest["cvss"]["score"] == 6.5 and oldest["severity"] == "high"


def test_without_a_cna_org_no_cve_records_and_a_warning(ws: Workspace, run: Run) -> None:
    marked(ws, 1)
    with time_machine.travel(LATER, tick=False):
        result = run("publish", "--json")
    assert result.exit_code == 0, result.output
    assert "cve.org_id is not set" in result.stderr
    data = json.loads(result.stdout)
    assert data["public"] == 1 and data["disclosed"] == 1
    assert not any(rel.startswith("cve/") for rel in data["written"])
    assert "osv/ACSA-2026-0001.json" in data["written"]


def test_cli_prints_what_it_wrote(site_ws: Workspace, run: Run) -> None:
    marked(site_ws, 1)
    with time_machine.travel(AFTER_RELEASE, tick=False):
        result = run("publish")
        again = run("publish")
    assert result.exit_code == 0, result.output
    # Its page, the index, JSON, two feeds, the style sheet, upcoming.ics and .json;
    # credits.html, versions.json, the versions' index and a page for each of the 16 versions
    # its ranges name.
    assert "1 advisory public (0 with details): 27 files written" in result.stdout
    assert "  written  advisories/ACSA-2026-0001.html" in result.stdout
    assert "publish: swapped in the new site/" in result.stderr
    assert again.stdout.startswith("1 advisory public (0 with details): 0 files written")


def test_a_symlinked_site_is_swapped_where_it_points(site_ws: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "www" / "security"
    target.mkdir(parents=True)
    (site_ws.root / "site").symlink_to(target)
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    assert (site_ws.root / "site").is_symlink()
    assert (target / "advisories" / "ACSA-2026-0001.html").is_file()


def test_an_editors_lock_file_beside_the_advisories_is_no_advisory(
    site_ws: Workspace, run: Callable[..., Result]
) -> None:
    # Emacs keeps a dangling symlink .#NAME while a buffer has unsaved changes.
    two_published(site_ws)
    folder = site_ws.root / "advisories"
    (folder / ".#ACSA-2026-0002.md").symlink_to("user@host.1234:1700000000")
    (folder / ".ACSA-2026-0003.md").write_text("a hidden backup")
    assert run("advisory", "check").exit_code == 0
    published = run("publish")
    assert published.exit_code == 0, published.output
    assert (site_ws.root / "site" / "advisories" / "ACSA-2026-0002.html").is_file()


@pytest.mark.parametrize("where", ["site", ".releasekit"])
def test_a_symlink_loop_where_publish_writes_is_one_line(
    site_ws: Workspace, run: Callable[..., Result], where: str
) -> None:
    # Python (before 3.13) raises RuntimeError, not OSError, for a loop: that made a
    # traceback, also while the message of another error named the path.
    marked(site_ws, 1)
    (site_ws.root / where).symlink_to(where)
    result = run("publish")
    # (site/ is the workspace's, bad input; .releasekit/ the state, an error writing it)
    assert result.exit_code == (2 if where == "site" else 1), result.output
    assert "Traceback" not in result.stderr and "RuntimeError" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("releasekit: error: ") and where in line


def test_publish_api_takes_loaded_advisories(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2, released=None)
    settings = workspace.open_workspace(site_ws.root)
    advisories = workspace.load_advisories(settings)
    report = build.publish(settings, advisories, at(AFTER_RELEASE))
    assert report.public == 1 and report.disclosed == 0
    assert "advisories/ACSA-2026-0001.html" in report.written
    again = build.publish(settings, advisories, at(AFTER_RELEASE))
    assert not again.changed
    twins = [*advisories, advisories[0]]
    with pytest.raises(AdvisoryError, match="duplicate id"):
        build.publish(settings, twins, at(AFTER_RELEASE))


def test_versions_are_derived_from_fixed_and_introduced(site_ws: Workspace) -> None:
    path = marked(
        site_ws,
        1,
        fixed='{ "10.4" = "10.4.0", "10.3" = "10.3.1", "9.10" = "9.10.4", "9.9" = "9.9.2" }',
    )
    settings = workspace.open_workspace(site_ws.root)
    (advisory,) = workspace.load_advisories(settings)
    found = versions(advisory)
    assert found.fixed_list == ["10.4.0", "10.3.1", "9.10.4", "9.9.2"]  # 9.10 > 9.9
    assert found.affected_list == [
        "10.3.0",
        "after 9.10 – before 10.3",  # 9.11 to 10.2: the code, and no fix
        "9.10.0 – 9.10.3",
        "9.9.0 – 9.9.1",
        "9.8.0 – before 9.9",
    ]
    path.write_text(path.read_text().replace('introduced = "9.8"', 'introduced = "10.3.1"'))
    (advisory,) = workspace.load_advisories(settings)
    assert versions(advisory).affected_list == []  # only 10.3.1+, fixed in 10.3.1
    assert lifecycle.next_change([advisory], at(AFTER_RELEASE), 30) == at(DISCLOSURE)
    assert lifecycle.next_change([advisory], at(LATER), 30) is None


def test_a_readme_at_the_top_of_the_site_is_kept(site_ws: Workspace) -> None:
    # The repository doubles as an example workspace and commits site/README.md.
    site = site_ws.root / "site"
    site.mkdir()
    readme = site / "README.md"
    readme.write_text("generated by `releasekit publish`\n")
    marked(site_ws, 1)
    first = publish_at(site_ws, AFTER_RELEASE)
    assert readme.read_text() == "generated by `releasekit publish`\n"
    assert "README.md" not in first.written + first.unchanged + first.removed
    inode = readme.stat().st_ino
    assert not publish_at(site_ws, "2026-10-21T00:15:00Z").changed  # the quiet daily run
    report = publish_at(site_ws, DISCLOSURE)  # details come: a new tree is swapped in
    assert report.changed and "README.md" not in report.written + report.removed
    assert readme.stat().st_ino == inode  # carried into the new tree as it was
    readme.write_text("edited by hand\n")
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    assert readme.read_text() == "edited by hand\n"
    assert "README.md" not in (site / "index.html").read_text()
    readme.unlink()
    marked(site_ws, 3)
    report = publish_at(site_ws, LATER)
    assert not readme.exists() and "README.md" not in report.written  # never made up
    shutil.rmtree(site)
    (site / "README.md").mkdir(parents=True)  # not a file: not the README, removed
    report = publish_at(site_ws, LATER)
    assert not (site / "README.md").exists()


@pytest.mark.parametrize(
    "damage", ["site-rows.sqlite", "site-items", "site-state", "site-items-delta"]
)
def test_a_damaged_state_means_a_full_build_never_a_wrong_site(
    site_ws: Workspace, tmp_path: Path, damage: str
) -> None:
    for n in range(1, 21):  # (enough that a small build writes a delta)
        marked(site_ws, n)
    publish_at(site_ws, LATER)
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    for more in ("More.", "And more."):  # small builds (the second writes a delta)
        path.write_text(path.read_text() + f"\n{more}\n")
        publish_at(site_ws, LATER)
    assert (site_ws.root / ".releasekit" / "site-items-delta").is_file()
    path.write_text(path.read_text().replace("MARKER-TITLE-0002", "A new title"))  # its row
    (site_ws.root / ".releasekit" / damage).write_bytes(b"not a state")
    publish_at(site_ws, LATER)
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER)
    assert site_files(site_ws.root / "site") == site_files(other / "site")
    assert "A new title" in (site_ws.root / "site" / "index.html").read_text()


def forty_with_a_standby(ws: Workspace) -> Path:
    """40 advisories published, then one changed: the standby, empty until then, is the old
    site (all changed: the whole state written). Returns the state directory."""
    for n in range(1, 41):
        marked(ws, n)
    publish_at(ws, LATER)
    path = ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text() + "\nMore.\n")
    publish_at(ws, LATER)
    return ws.root / ".releasekit"


def test_small_builds_write_a_delta_that_reads_as_the_whole(site_ws: Workspace) -> None:
    folder = forty_with_a_standby(site_ws)
    whole = (folder / "site-items").read_bytes()
    assert not (folder / "site-items-delta").exists()
    for step in ("body", "title", "remove"):
        path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
        if step == "body":
            path.write_text(path.read_text() + "\nMore.\n")
        elif step == "title":
            path.write_text(path.read_text().replace("MARKER-TITLE-0002", "A new title"))
        else:
            (site_ws.root / "advisories" / "ACSA-2026-0004.md").unlink()
        publish_at(site_ws, LATER)
        assert (folder / "site-items").read_bytes() == whole  # only the delta was written
        assert (folder / "site-items-delta").is_file()
    settings = workspace.open_workspace(site_ws.root)
    site = site_ws.root / "site"
    read = state.load_state(folder, settings, site)
    assert state.load_items(folder, read)
    assert read.delta and read.digests == {
        rel: tree.digest((site / rel).read_bytes()) for rel in site_files(site)
    }
    standby = tree.standby_path(site, folder)
    assert read.standby_signatures == scans.scan(standby, "README.md")
    other, removed = read.standby  # kept as it differs from the live site: a few files
    assert 0 < len(other) + len(removed) < len(read.signatures) // 4
    assert read.standby_digests == {
        rel: tree.digest((standby / rel).read_bytes()) for rel in read.standby_signatures
    }
    read.read = None  # saved whole, then read again: the same
    state.save_state(folder, read)
    again = state.load_state(folder, settings, site)
    assert again.delta == "" and state.load_items(folder, again)
    for name in ("items", "digests", "standby_signatures", "standby_digests", "layout"):
        assert getattr(again, name) == getattr(read, name), name
    assert "ACSA-2026-0004" not in again.items and len(again.items) == 39
    assert again.digests.keys() == set(site_files(site))
    assert not publish_at(site_ws, LATER).changed


def test_a_delta_that_grew_too_big_is_folded_into_the_whole(site_ws: Workspace) -> None:
    two_published(site_ws)
    folder = site_ws.root / ".releasekit"
    whole = (folder / "site-items").read_bytes()
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nMore.\n")  # half of two advisories: too much
    publish_at(site_ws, LATER)
    assert (folder / "site-items").read_bytes() != whole
    read = state.load_state(folder, workspace.open_workspace(site_ws.root), site_ws.root / "site")
    assert read.delta == ""


def test_a_new_key_on_every_item_is_folded_into_the_whole(site_ws: Workspace) -> None:
    # Few entries (one item each, no file more) but most of the whole's bytes: a delta would
    # be read beside the whole by every build after.
    folder = forty_with_a_standby(site_ws)
    whole = (folder / "site-items").read_bytes()
    page = (REPO_ROOT / "templates" / "advisory.html.j2").read_text()
    site_ws.write("templates/advisory.html.j2", page.replace("<article", "<article data-x"))
    publish_at(site_ws, LATER)
    assert (folder / "site-items").read_bytes() != whole
    read = state.load_state(folder, workspace.open_workspace(site_ws.root), site_ws.root / "site")
    assert read.delta == "" and state.load_items(folder, read) and len(read.items) == 40


def test_a_changed_body_leaves_the_lists_alone(site_ws: Workspace) -> None:
    two_published(site_ws)
    index = site_ws.root / "site" / "index.html"
    before = index.stat().st_ino
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text() + "\nMore details.\n")
    report = publish_at(site_ws, LATER)
    assert report.written == (
        "advisories/ACSA-2026-0001.html",
        "csaf/2026/acsa-2026-0001.json",  # its CSAF document and hash (no key: no signature)
        "csaf/2026/acsa-2026-0001.json.sha512",
        "osv/ACSA-2026-0001.json",
    )
    assert index.stat().st_ino == before  # linked, not made again
    path.write_text(path.read_text().replace("MARKER-SUMMARY-0001", "New summary"))
    report = publish_at(site_ws, LATER)
    assert {"index.html", "advisories.json", "feed.xml", "atom.xml"} <= set(report.written)
    assert "New summary" in (site_ws.root / "site" / "advisories.json").read_text()


@pytest.mark.parametrize("fork_min", [1, 3])
def test_unchanged_files_linked_by_child_processes(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch, fork_min: int
) -> None:
    tuning = build.Tuning(fork_min=fork_min)  # 9 links: two children, then one
    for n in range(1, 5):
        marked(site_ws, n)
    publish_at(site_ws, LATER, tuning=tuning)
    site = site_ws.root / "site"
    inodes = {rel: (site / rel).stat().st_ino for rel in site_files(site)}
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nMore.\n")
    report = publish_at(site_ws, LATER, tuning=tuning)
    assert report.written == (
        "advisories/ACSA-2026-0002.html",
        "csaf/2026/acsa-2026-0002.json",  # its CSAF document and hash (no key: no signature)
        "csaf/2026/acsa-2026-0002.json.sha512",
        "osv/ACSA-2026-0002.json",
    )
    for rel in ("advisories/ACSA-2026-0001.html", "cve/CVE-2099-90003.json", "index.html"):
        assert (site / rel).stat().st_ino == inodes[rel]


def test_a_small_build_drops_details_that_are_no_longer_public(site_ws: Workspace) -> None:
    big = build.Tuning(markdown_min=1)  # the big build that kept them
    for n in (1, 2, 3):
        marked(site_ws, n)
    publish_at(site_ws, "2026-11-20T00:00:00Z", jobs=1, tuning=big)
    assert sorted(kept_details(site_ws)) == [f"ACSA-2026-000{n}" for n in (1, 2, 3)]
    everyday = build.Tuning(markdown_min=64)  # then everyday builds, that do not use it
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace(RELEASED, "2026-11-01T10:00:00Z"))
    (site_ws.root / "advisories" / "ACSA-2026-0002.md").unlink()
    publish_at(site_ws, "2026-11-20T00:00:00Z", jobs=1, tuning=everyday)
    assert list(kept_details(site_ws)) == ["ACSA-2026-0003"]
    state = site_ws.root / ".releasekit"
    kept = b"".join(p.read_bytes() for p in state.glob(mdcache.FILE + "*"))  # and its log
    for n in (1, 2):
        assert markers(n)["body"].encode() not in kept


def test_a_file_in_the_standby_is_never_written_over(tmp_path: Path) -> None:
    standby = tmp_path / "standby"
    standby.mkdir()
    live = tmp_path / "live.html"
    live.write_bytes(b"the live page")
    os.link(live, standby / "x.html")
    info = tree.write_new(standby, "x.html", b"new")
    assert live.read_bytes() == b"the live page"
    assert (standby / "x.html").read_bytes() == b"new" and info.ino != live.stat().st_ino
    # With no other link either: someone may still be reading it.
    with open(standby / "x.html", "rb") as reader:
        info = tree.write_new(standby, "x.html", b"n")
        assert reader.read() == b"new"
    assert (standby / "x.html").read_bytes() == b"n" and info.size == 1
    # A symbolic link or a FIFO is replaced, never followed or opened.
    target = tmp_path / "target"
    target.write_bytes(b"t")
    (standby / "y").symlink_to(target)
    os.mkfifo(standby / "z")
    for name in ("y", "z"):
        tree.write_new(standby, name, b"q")
        assert (standby / name).read_bytes() == b"q"
    assert target.read_bytes() == b"t"


def test_a_reader_of_a_page_keeps_the_bytes_it_opened(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    page = site_ws.root / "site/advisories/ACSA-2026-0001.html"
    path = site_ws.root / "advisories/ACSA-2026-0001.md"
    with open(page, "rb") as reader:  # a web server's open file, across the next builds
        opened = reader.read()
        for n in range(3):  # its inode goes to the standby, and would be the next to write
            path.write_text(path.read_text() + f"\nVersion {n}.\n")
            publish_at(site_ws, LATER)
        reader.seek(0)
        assert reader.read() == opened
    assert "Version 2." in page.read_text()


def test_the_live_site_is_untouched_until_the_swap(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(1, 4):
        marked(site_ws, n)
    site = site_ws.root / "site"
    real_exchange = tree.exchange
    swaps = []

    def exchange(a: Path, b: Path) -> None:
        assert site_files(site) == seen  # nothing of the live site was written meanwhile
        swaps.append(b)
        real_exchange(a, b)

    monkeypatch.setattr(tree, "exchange", exchange)
    publish_at(site_ws, LATER)
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    # Restyled twice (every page again, the standby's own files rewritten), then one change.
    for step in ("x", "y", "body", "title", "z"):
        seen = site_files(site)
        if step == "body":
            path.write_text(path.read_text() + "\nMore.\n")
        elif step == "title":
            path.write_text(path.read_text().replace("MARKER-TITLE-0002", "Title"))
        else:
            page = ADVISORY_TEMPLATE.replace("<article", f"<article data-{step}")
            site_ws.write("templates/advisory.html.j2", page)
        publish_at(site_ws, LATER)
    assert len(swaps) == 5
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER)
    assert site_files(site) == site_files(other / "site")


def _only_here(parent: int, root: Path) -> dict[str, tree.Signature]:
    if os.getpid() != parent:
        raise OSError("not in the child")
    return scans.scan(root)


def test_a_scan_in_the_background_gives_the_same_answer_or_is_made_here(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.html").write_text("x")
    (tmp_path / "y.json").write_text("{}")
    expected = scans.scan(tmp_path)
    assert child.Background(scans.scan, tmp_path).result() == expected
    failing = child.Background(_only_here, os.getpid(), tmp_path)  # fails in the child
    assert failing.result() == expected
    child.Background(scans.scan, tmp_path).discard()  # reaped, never used


def _slow(seconds: float) -> None:
    time.sleep(seconds)


def test_a_background_child_stopped_ends_at_once() -> None:
    started = time.monotonic()
    running = child.Background(_slow, 60.0)
    pid = running._child[0] if running._child else None
    running.stop()
    assert time.monotonic() - started < 10
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    running.stop()  # (twice: nothing left to stop)


def test_a_build_that_fails_does_not_wait_for_what_it_set_aside(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuning = build.Tuning(aside_min=2)
    for n in range(1, 5):
        marked(site_ws, n)
    publish_at(site_ws, LATER, tuning=tuning)
    restyle(site_ws, "first")
    publish_at(site_ws, LATER, tuning=tuning)
    stopped: list[bool] = []  # (the scans of the site wait for their children too)
    real_stop, real_result = child.Background.stop, child.Background.result
    monkeypatch.setattr(child.Background, "stop", lambda b: stopped.append(True) or real_stop(b))
    monkeypatch.setattr(
        child.Background, "result", lambda b: stopped.append(False) or real_result(b)
    )

    def fail(*_args: object) -> None:
        raise PublishError("stopped for the test")

    monkeypatch.setattr(standby, "settle", fail)
    restyle(site_ws, "second")
    with pytest.raises(PublishError):
        publish_at(site_ws, LATER, tuning=tuning)
    assert stopped[-1] and stopped.count(True) == 1  # the removal stopped, not waited for
    monkeypatch.undo()
    publish_at(site_ws, LATER, tuning=tuning)  # the next build removes what was left
    trash = site_ws.root / ".releasekit" / "site-standby.trash"
    assert not trash.exists()
    assert (
        'class="advisory second"'
        in (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_text()
    )


def test_scans_that_share_a_tree_find_each_file_once(tmp_path: Path) -> None:
    for folder in ("a", "b/c", "d", "e"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "f.html").write_text(folder)
    (tmp_path / "top.json").write_text("{}")
    (tmp_path / "README.md").write_text("kept")
    whole = scans.scan(tmp_path, "README.md")
    assert "README.md" not in whole and "top.json" in whole and "b/c/f.html" in whole
    parts = [scans.scan(tmp_path, "README.md", (k, 3)) for k in range(3)]
    assert all(parts)  # each took a share
    assert sum(len(part) for part in parts) == len(whole)
    assert {rel: sig for part in parts for rel, sig in part.items()} == whole


def _site_like(root: Path) -> None:
    """Three flat folders of 30 files, one of 60 in five year folders (and a file of its
    own), a small one, and top-level files."""
    for folder in ("advisories", "cve", "osv"):
        (root / folder).mkdir(parents=True)
        for n in range(30):
            (root / folder / f"{n}.json").write_text(folder)
    for year in range(2020, 2025):
        (root / "csaf" / str(year)).mkdir(parents=True)
        for n in range(12):
            (root / "csaf" / str(year) / f"{n}.json").write_text("csaf")
    (root / "csaf" / "index.txt").write_text("index")
    (root / "versions").mkdir()
    (root / "versions" / "1.0.html").write_text("v")
    (root / "index.html").write_text("i")
    (root / "README.md").write_text("kept")


def test_a_split_of_a_tree_scans_each_file_once_and_evenly(tmp_path: Path) -> None:
    _site_like(tmp_path)
    whole = scans.scan(tmp_path, "README.md")
    parts = scans.split(whole, 2, every=1)
    assert "csaf/2020" in parts  # the biggest folder is split into its years
    found = [scans.scan(tmp_path, "README.md", (k, 2), parts=parts) for k in range(2)]
    assert sum(len(part) for part in found) == len(whole)
    assert {rel: sig for part in found for rel, sig in part.items()} == whole
    assert abs(len(found[0]) - len(found[1])) <= 12  # one year folder at most (20/30 before)
    for shares in (1, 3):  # any number of shares, sampled
        parts = scans.split(whole, shares, every=7)
        found = [scans.scan(tmp_path, "README.md", (k, shares), parts=parts) for k in range(shares)]
        assert {rel: sig for part in found for rel, sig in part.items()} == whole
        assert sum(len(part) for part in found) == len(whole)


def test_a_split_from_an_older_tree_still_scans_every_file(tmp_path: Path) -> None:
    """Folders the split does not know (new ones, new years of a split folder) are scanned
    too: by their parent folder's share, at the top level by the first."""
    _site_like(tmp_path)
    parts = scans.split(scans.scan(tmp_path, "README.md"), 2, every=1)
    parts["csaf"] = 1  # (its own files to the second share: not the share a new folder gets)
    for folder in ("csaf/2025", "new/deeper"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.json").write_text("new")
    (tmp_path / "csaf" / "2020").rename(tmp_path / "csaf" / "2019")
    whole = scans.scan(tmp_path, "README.md")
    found = [scans.scan(tmp_path, "README.md", (k, 2), parts=parts) for k in range(2)]
    assert {rel: sig for part in found for rel, sig in part.items()} == whole
    assert sum(len(part) for part in found) == len(whole)
    assert "new/deeper/x.json" in found[0]
    assert "csaf/2025/x.json" in found[1] and "csaf/2019/0.json" in found[1]
    assert "csaf/index.txt" in found[1]
    assert scans.split({}, 2) == {}


def test_a_split_for_more_shares_still_scans_every_file(tmp_path: Path) -> None:
    """A folder that ``parts`` gives to a share past the last (a split made for more shares)
    is the first's, as its files and subfolders are: none is lost, none scanned twice."""
    _site_like(tmp_path)
    whole = scans.scan(tmp_path, "README.md")
    for parts in (
        {"advisories": 3, "cve": 1, "csaf": 5, "csaf/2020": 1, "csaf/2021": 4},
        {"osv": -1, "csaf/2022": 2},
    ):
        found = [scans.scan(tmp_path, "README.md", (k, 2), parts=parts) for k in range(2)]
        assert {rel: sig for part in found for rel, sig in part.items()} == whole
        assert sum(len(part) for part in found) == len(whole)
        assert "advisories/0.json" in found[0] and "csaf/2021/0.json" in found[0]


def test_scans_told_what_to_expect_send_little_and_miss_nothing(tmp_path: Path) -> None:
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "f.html").write_text(folder)
    whole = scans.scan(tmp_path)

    def gathered(expected: dict[str, tree.Signature]) -> dict[str, tree.Signature]:
        parts = scans.split(whole, 2, every=1)
        told = [scans.scan_told(tmp_path, None, (k, 2), expected, parts) for k in range(2)]
        return scans.gathered(
            told, expected, lambda k: scans.scan(tmp_path, None, (k, 2), parts=parts)
        )

    expected = dict(whole)
    assert gathered(expected) is expected  # as expected: nothing sent but counts
    assert all(found is None for _n, found in [scans.scan_told(tmp_path, None, (0, 2), whole)])
    assert gathered({**whole, "gone.html": (1, 2, 3)}) == whole  # one missing from the disk
    fewer = {rel: sig for rel, sig in whole.items() if rel != "b/f.html"}
    assert gathered(fewer) == whole  # one the state does not know
    (tmp_path / "c" / "f.html").write_text("changed")
    assert gathered(expected) == scans.scan(tmp_path) != whole


def _shared_trees(tmp_path: Path) -> tuple[Path, Path]:
    """A live tree and a standby whose files are links to the live ones but one of its own,
    and a README.md that is not the build's."""
    live, standby = tmp_path / "live", tmp_path / "standby"
    for n in range(6):
        (live / "a").mkdir(parents=True, exist_ok=True)
        (live / "a" / f"{n}.html").write_text(f"page {n}")
        (standby / "a").mkdir(parents=True, exist_ok=True)
        os.link(live / "a" / f"{n}.html", standby / "a" / f"{n}.html")
    (standby / "a" / "own.html").write_text("the standby's own")
    (standby / "README.md").write_text("kept")
    (standby / "top.html").write_text("top")
    return live, standby


@pytest.mark.parametrize(
    "change",
    [
        "nothing",
        "live file edited in place",  # the standby's link sees it too
        "standby link replaced by a copy",
        "standby's own file edited",
        "standby link removed",
        "standby file added",
        "standby link replaced by a symlink",
        "live file replaced",  # the standby keeps the old inode, unchanged
        "standby link replaced by a directory",
    ],
)
def test_the_standby_scan_trusts_a_link_only_as_far_as_the_live_scan_does(
    tmp_path: Path, change: str
) -> None:
    live, standby = _shared_trees(tmp_path)
    expected = scans.scan(live)
    before = scans.scan(standby, "README.md")
    rel = "a/2.html"
    if change == "live file edited in place":
        with open(live / rel, "a") as page:
            page.write(" and more")
    elif change == "standby link replaced by a copy":
        (standby / rel).unlink()
        (standby / rel).write_text("page 2")
    elif change == "standby's own file edited":
        (standby / "a" / "own.html").write_text("edited")
    elif change == "standby link removed":
        (standby / rel).unlink()
    elif change == "standby file added":
        (standby / "a" / "new.html").write_text("new")
    elif change == "standby link replaced by a symlink":
        (standby / rel).unlink()
        (standby / rel).symlink_to(live / rel)
    elif change == "live file replaced":
        (live / "tmp").write_text("page 2, new")
        (live / "tmp").rename(live / rel)
    elif change == "standby link replaced by a directory":
        (standby / rel).unlink()
        (standby / rel).mkdir()
        (standby / rel / "x").write_text("x")
    told = scans.scan_beside(standby, "README.md", expected)
    present = scans.beside_present(standby, told, expected, scans.scan(live))
    assert present == scans.scan(standby, "README.md")
    assert (present == before) is (change in ("nothing", "live file replaced"))
    if change == "nothing":  # nothing stat-ed but the standby's own files, nothing sent back
        assert told == ({"a/own.html": before["a/own.html"], "top.html": before["top.html"]}, [])


def test_a_scan_that_cannot_fork_is_made_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "x.html").write_text("x")

    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", no_fork)
    assert child.Background(scans.scan, tmp_path).result() == scans.scan(tmp_path)
    assert len(os.listdir("/proc/self/fd")) == before  # no pipe left open


def test_a_link_that_fails_in_a_child_fails_the_build(tmp_path: Path) -> None:
    live, standby = tmp_path / "live", tmp_path / "standby"
    (live / "a").mkdir(parents=True)
    for name in "xyz":
        (live / "a" / name).write_text(name)
    linker = tree.Linker(live, standby, ["a/x", "a/y", "a/z", "a/missing"], fork_min=1)
    assert linker.children == 2
    with pytest.raises(OSError, match=r"linking the unchanged files.*FileNotFoundError"):
        linker.wait()
    assert (standby / "a" / "x").read_text() == "x"
    with pytest.raises(FileNotFoundError):  # fewer links: made at once
        tree.Linker(live, standby, ["a/missing"], fork_min=2)


class Renders:
    """Counts what markdown-it-py is asked to render (in this process: jobs=1)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        real = markdown.to_html

        def spy(text: str) -> str:
            self.texts.append(text)
            return real(text)

        monkeypatch.setattr(markdown, "to_html", spy)


def kept_details(ws: Workspace) -> dict[str, str]:
    """The kept details by advisory id (HTML)."""
    with contextlib.closing(sqlite3.connect(ws.root / ".releasekit" / mdcache.FILE)) as db:
        return dict(db.execute("SELECT id, html FROM details ORDER BY id"))


def test_a_full_rebuild_takes_the_details_kept_from_the_last_build(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = build.Tuning(markdown_min=1)  # as with thousands of advisories
    for n in range(1, 5):
        marked(site_ws, n)
    renders = Renders(monkeypatch)
    publish_at(site_ws, LATER, jobs=1, tuning=kept)
    assert len(renders.texts) == 4
    assert sorted(kept_details(site_ws)) == [f"ACSA-2026-000{n}" for n in range(1, 5)]
    # A restyled page template: every page again, no Markdown parsed again ...
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    renders.texts.clear()
    report = publish_at(site_ws, LATER, jobs=1, tuning=kept)
    assert len([r for r in report.written if r.startswith("advisories/")]) == 4
    assert renders.texts == []
    # ... but a changed text, always.
    path = site_ws.root / "advisories" / "ACSA-2026-0003.md"
    path.write_text(path.read_text().replace("in a paragraph", "in a NEW-SENTENCE paragraph"))
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article y"))
    publish_at(site_ws, LATER, jobs=1, tuning=kept)
    assert len(renders.texts) == 1 and "NEW-SENTENCE" in renders.texts[0]
    # The same bytes as a build that never kept anything, in workers too.
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER, tuning=build.Tuning(markdown_min=10_000))
    assert site_files(site_ws.root / "site") == site_files(other / "site")
    shutil.rmtree(site_ws.root / "site")
    publish_at(site_ws, LATER, jobs=2, tuning=kept)
    assert site_files(site_ws.root / "site") == site_files(other / "site")
    assert "NEW-SENTENCE" in (site_ws.root / "site/advisories/ACSA-2026-0003.html").read_text()


ADVISORY_TEMPLATE = (REPO_ROOT / "templates/advisory.html.j2").read_text()


def _refuse_to_read(monkeypatch: pytest.MonkeyPatch, allowed: set[str]) -> list[str]:
    """Advisory files read by the build (in workers too: forked, they fail the build on any
    other file); those named in ``allowed`` are read as usual and listed."""
    real, read = workers.read_advisory, []

    def reading(path: Path, *args: object) -> object:
        if path.stem not in allowed:
            raise AssertionError(f"{path.name} was read")
        read.append(path.stem)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "read_advisory", reading)
    return read


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_new_page_template_reads_no_advisory_file(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    for n in range(1, 5):
        marked(site_ws, n)
    publish_at(site_ws, LATER, jobs=jobs)
    _refuse_to_read(monkeypatch, set())
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    report = publish_at(site_ws, LATER, jobs=jobs)
    assert len([r for r in report.written if r.startswith("advisories/")]) == 4
    page = (site_ws.root / "site/advisories/ACSA-2026-0003.html").read_text()
    assert "<article x" in page and markers(3)["body"] in page
    # The same bytes as a build that never kept anything.
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    monkeypatch.undo()
    publish_at(Workspace(other), LATER, jobs=jobs)
    assert site_files(site_ws.root / "site") == site_files(other / "site")


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE details SET view = substr(view, 1, 40) WHERE id = 'ACSA-2026-0002'",  # torn
        "UPDATE details SET vkey = 'another' WHERE id = 'ACSA-2026-0002'",  # other settings
        "UPDATE details SET view = NULL WHERE id = 'ACSA-2026-0002'",  # (an older store)
        "UPDATE details SET html = 'TORN' WHERE id = 'ACSA-2026-0002'",
        "DELETE FROM details WHERE id = 'ACSA-2026-0002'",
    ],
)
def test_a_page_whose_view_is_not_kept_as_it_was_reads_its_file(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    two_published(site_ws)
    with contextlib.closing(sqlite3.connect(site_ws.root / ".releasekit" / mdcache.FILE)) as db, db:
        db.execute(damage)
    read = _refuse_to_read(monkeypatch, {"ACSA-2026-0002"})
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    publish_at(site_ws, LATER, jobs=1)
    assert read == ["ACSA-2026-0002"]
    page = (site_ws.root / "site/advisories/ACSA-2026-0002.html").read_text()
    assert "<article x" in page and markers(2)["body"] in page and "TORN" not in page


VIEW_CHANGING = ADVISORY_TEMPLATE.replace(  # a template may change the data it is given
    "<article",
    "{% set _ = advisory.update({'title': advisory.title ~ ' (amended)', 'html': details_html}) %}"
    "<article",
    1,
)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_template_that_changes_its_view_changes_no_kept_view(
    site_ws: Workspace, tmp_path: Path, jobs: int
) -> None:
    two_published(site_ws)
    site_ws.write("templates/advisory.html.j2", VIEW_CHANGING)
    publish_at(site_ws, LATER, jobs=jobs)
    site_ws.write("templates/advisory.html.j2", VIEW_CHANGING.replace("<article", "<article x"))
    publish_at(site_ws, LATER, jobs=jobs)
    page = (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_text()
    assert page.count("MARKER-TITLE-0001 (amended)") >= 1
    assert "(amended) (amended)" not in page
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER, jobs=jobs)
    assert site_files(site_ws.root / "site") == site_files(other / "site")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_row_template_that_changes_its_view_changes_no_page_or_record(
    site_ws: Workspace, tmp_path: Path, jobs: int
) -> None:
    two_published(site_ws)
    row = (REPO_ROOT / "templates" / "_row.html.j2").read_text()
    amend = (
        "{% set _ = a.update({'title': a.title ~ ' (amended)', 'osv': 'x', 'cve_record': ''}) %}"
    )
    site_ws.write("templates/_row.html.j2", amend + row)
    publish_at(site_ws, LATER, jobs=jobs)
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    publish_at(site_ws, LATER, jobs=jobs)  # its pages from the views kept
    site = site_ws.root / "site"
    assert "(amended)" not in (site / "advisories/ACSA-2026-0001.html").read_text()
    assert "MARKER-TITLE-0001 (amended)" in (site / "index.html").read_text()
    assert (site / "osv/ACSA-2026-0001.json").is_file()
    other = tmp_path / "fresh"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER, jobs=jobs)
    assert site_files(site) == site_files(other / "site")


def test_a_page_from_a_kept_view_shows_its_instant_by_the_zone_rules_of_now(
    site_ws: Workspace, tmp_path: Path
) -> None:
    import tzdata  # (the zone rules releasekit installs: the same bytes everywhere)

    two_published(site_ws)
    zones = tmp_path / "zoneinfo"  # new rules for the workspace's zone: Arizona's
    (zones / "America").mkdir(parents=True)
    arizona = Path(tzdata.__file__).parent / "zoneinfo" / "America" / "Phoenix"
    shutil.copy(arizona, zones / "America" / "Los_Angeles")
    zoneinfo.reset_tzpath([str(zones)])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        restyled = ADVISORY_TEMPLATE.replace("<article", "<article x")
        site_ws.write("templates/advisory.html.j2", restyled)
        publish_at(site_ws, LATER, jobs=1)
        page = (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_text()
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
    assert "07:00 MST" in page and "PDT" not in page


def test_views_kept_by_other_code_are_not_used(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_published(site_ws)
    monkeypatch.setattr(mdcache, "_view_code", lambda: "another releasekit, same version")
    read = _refuse_to_read(monkeypatch, {"ACSA-2026-0001", "ACSA-2026-0002"})
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    publish_at(site_ws, LATER, jobs=1)
    assert sorted(read) == ["ACSA-2026-0001", "ACSA-2026-0002"]


def test_a_page_whose_file_changed_since_the_build_began_reads_it(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_published(site_ws)
    site_ws.write("templates/advisory.html.j2", ADVISORY_TEMPLATE.replace("<article", "<article x"))
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    real = workers.render_task

    def render_task(ctx: pages.Context, task: workers.Task) -> pages.Steps[workers.Done]:
        if task.id == "ACSA-2026-0001":  # corrected while the build runs: read as it is now
            path.write_text(path.read_text().replace("MARKER-TITLE-0001", "A corrected title"))
        return (yield from real(ctx, task))

    monkeypatch.setattr(workers, "render_task", render_task)
    publish_at(site_ws, LATER, jobs=1)
    assert "A corrected title" in (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_text()


def test_kept_details_are_dropped_for_a_new_renderer_or_damage(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = build.Tuning(markdown_min=1)
    for n in (1, 2):
        marked(site_ws, n)
    publish_at(site_ws, LATER, jobs=1, tuning=kept)
    before = site_files(site_ws.root / "site")
    renders = Renders(monkeypatch)
    store = site_ws.root / ".releasekit" / mdcache.FILE
    # Well-formed entries of another renderer (here: edited, to tell them apart) ...
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        db.execute("UPDATE details SET html = replace(html, 'MARKER-BODY', 'EDITED')")
    monkeypatch.setattr(mdcache, "_renderer_files", lambda: [Path(build.__file__)])
    mdcache.identity.cache_clear()
    site_ws.write("templates/advisory.html.j2", "{# again #}" + ADVISORY_TEMPLATE)  # every page
    publish_at(site_ws, LATER, jobs=1, tuning=kept)
    assert len(renders.texts) == 2
    assert site_files(site_ws.root / "site") == before
    # ... and a damaged store: set aside, started again.
    store.write_bytes(b"not a database" * 100)
    site_ws.write("templates/advisory.html.j2", "{# once more #}" + ADVISORY_TEMPLATE)
    renders.texts.clear()
    publish_at(site_ws, LATER, jobs=1, tuning=kept)
    assert len(renders.texts) == 2
    assert site_files(site_ws.root / "site") == before
    assert sorted(kept_details(site_ws)) == ["ACSA-2026-0001", "ACSA-2026-0002"]
    mdcache.identity.cache_clear()


def test_only_the_details_of_disclosed_advisories_are_kept(site_ws: Workspace) -> None:
    tuning = build.Tuning(markdown_min=1)
    marked(site_ws, 1)
    marked(site_ws, 2, released="2026-10-30T10:00:00Z")  # released, details not yet due
    marked(site_ws, 3, released=None)  # under embargo
    publish_at(site_ws, "2026-11-20T00:00:00Z", jobs=2, tuning=tuning)  # kept by the workers
    kept = site_ws.root / ".releasekit" / mdcache.FILE
    assert list(kept_details(site_ws)) == ["ACSA-2026-0001"]
    for n in (2, 3):  # neither their details nor their pages' data (views)
        for value in markers(n).values():
            assert value.encode() not in kept.read_bytes()
    # Its disclosure moved later (a release date corrected): its details are not kept either.
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace(RELEASED, "2026-11-01T10:00:00Z"))
    site_ws.write("templates/_row.html.j2", "<tr><td>{{ a.id }}</td></tr>")  # a full rebuild
    publish_at(site_ws, "2026-11-20T00:00:00Z", jobs=1, tuning=tuning)
    assert kept_details(site_ws) == {}
    assert markers(1)["body"].encode() not in kept.read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_big_build_tells_how_far_it_is(site_ws: Workspace, jobs: int) -> None:
    tuning = build.Tuning(parallel_min=3)  # as with thousands of advisories
    for n in range(1, 6):
        marked(site_ws, n)
    told: list[tuple[int, int]] = []
    settings = workspace.open_workspace(site_ws.root)

    def publish() -> None:
        build.publish_workspace(
            settings, at(LATER), jobs=jobs, advance=lambda *a: told.append(a), tuning=tuning
        )

    publish()
    assert told and told[-1] == (5, 5)
    assert [done for done, _ in told] == sorted(done for done, _ in told)
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text() + "\nMore.\n")
    told.clear()
    publish()
    assert told == []  # one page: nothing to show


def test_the_repository_commits_only_the_readme_of_site() -> None:
    root = REPO_ROOT
    assert (root / "site" / "README.md").is_file()
    ignored = (root / ".gitignore").read_text().splitlines()
    assert "/site/*" in ignored and "!/site/README.md" in ignored


def test_the_collector_is_off_during_a_build_and_on_again_after(site_ws: Workspace) -> None:
    import gc

    seen: list[bool] = []  # whether it was on, each time the build said something
    marked(site_ws, 1)
    assert gc.isenabled()
    publish_at(site_ws, LATER, progress=lambda _message: seen.append(gc.isenabled()))
    assert seen and not any(seen) and gc.isenabled()
    (site_ws.root / "advisories" / "ACSA-2026-0001.md").write_text("not an advisory")
    with pytest.raises(AdvisoryError):
        publish_at(site_ws, LATER)
    assert gc.isenabled()  # after a failed build too
    # What the build made waits in the oldest generation: the youngest starts empty.
    (site_ws.root / "advisories" / "ACSA-2026-0001.md").unlink()
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0
    ours = [[] for _ in range(3)]  # a caller's frozen objects stay frozen
    gc.freeze()
    try:
        publish_at(site_ws, LATER)
        assert gc.get_freeze_count() >= len(ours) and gc.isenabled()
        marked(site_ws, 2)
        marked(site_ws, 3)  # two to render: in two worker processes
        publish_at(site_ws, LATER, jobs=2, tuning=build.Tuning(parallel_min=1))
        assert gc.get_freeze_count() >= len(ours) and gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_build_that_fails_while_taking_what_workers_made_ends_them(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc
    import multiprocessing

    from releasekit.site import plan

    for n in range(1, 5):
        marked(site_ws, n)
    real = plan._shared

    def failing(item: state.Item) -> state.Item:
        if item.id == "ACSA-2026-0002":
            raise KeyboardInterrupt  # (the release manager's ^C, say)
        return real(item)

    monkeypatch.setattr(plan, "_shared", failing)
    with pytest.raises(KeyboardInterrupt) as caught:
        publish_at(site_ws, LATER, jobs=2, tuning=build.Tuning(parallel_min=1))
    # Even while the exception (and so the frames that held the workers) is still held:
    assert caught.value is not None
    assert multiprocessing.active_children() == [] and gc.get_freeze_count() == 0


def test_a_changed_title_parses_no_markdown_again(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_published(site_ws)
    renders = Renders(monkeypatch)
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace("MARKER-TITLE-0001", "A corrected title"))
    report = publish_at(site_ws, LATER)
    assert "advisories/ACSA-2026-0001.html" in report.written
    assert renders.texts == []  # its details: as kept by the last build
    path.write_text(path.read_text().replace("in a paragraph", "in a NEW paragraph"))
    publish_at(site_ws, LATER)
    assert len(renders.texts) == 1
    assert "NEW paragraph" in (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_text()


def test_a_build_without_state_keeps_the_live_files_it_would_write_again(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (1, 2, 3):
        marked(site_ws, n)
    publish_at(site_ws, LATER)
    site = site_ws.root / "site"
    before = {rel: (site / rel).stat() for rel in site_files(site)}
    shutil.rmtree(site_ws.root / ".releasekit")  # the state lost (or another releasekit's)
    page = site / "advisories/ACSA-2026-0002.html"
    page.write_text(page.read_text().replace("MARKER-TITLE-0002", "MARKER-TITLE-9999"))  # same
    osv = site / "osv/ACSA-2026-0003.json"  # size, other bytes; and a link to the right bytes
    real = site_ws.root / "elsewhere.json"
    real.write_bytes(osv.read_bytes())
    osv.unlink()
    osv.symlink_to(real)
    report = publish_at(site_ws, LATER)
    assert report.written == ("advisories/ACSA-2026-0002.html", "osv/ACSA-2026-0003.json")
    assert "MARKER-TITLE-0002" in page.read_text() and not osv.is_symlink()
    for rel, stat in before.items():  # the others: the same inodes, the same mtimes
        if rel not in report.written:
            now = (site / rel).stat()
            assert (now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), rel
    # The old site, now the standby, is trusted where it holds the new site's files: the
    # next build starts from it, not from an empty tree.
    resets: list[Path] = []
    real_reset = tree.reset_tree
    monkeypatch.setattr(tree, "reset_tree", lambda path: (resets.append(path), real_reset(path)))
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text() + "\nMore.\n")
    report = publish_at(site_ws, LATER)
    assert report.written == (
        "advisories/ACSA-2026-0001.html",
        "csaf/2026/acsa-2026-0001.json",  # its CSAF document and hash (no key: no signature)
        "csaf/2026/acsa-2026-0001.json.sha512",
        "osv/ACSA-2026-0001.json",
    )
    assert resets == []
    # Every other file of the site is reported unchanged, once, in order.
    others = sorted(set(site_files(site)) - set(report.written))
    assert report.unchanged == tuple(others) and others


def test_details_kept_by_a_build_that_failed_go_when_they_are_no_longer_public(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1)  # released 2026-10-13: details public from 2026-11-12
    publish_at(site_ws, "2026-11-01T00:00:00Z")
    clash = marked(site_ws, 2)
    clash.write_text(
        clash.read_text()
        .replace("CVE-2099-90002", "CVE-2099-90001")
        .replace("MARKER-COMPONENT-0002", "MARKER-COMPONENT-0001")
    )
    with pytest.raises(AdvisoryError, match="cve: another advisory has the same CVE id"):
        publish_at(site_ws, "2026-11-20T00:00:00Z")  # after the details of 1 were rendered
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace(RELEASED, "2026-11-10T14:00:07Z"))  # moved later
    clash.unlink()
    publish_at(site_ws, "2026-11-20T00:00:00Z")
    assert kept_details(site_ws) == {}
    kept = b"".join(p.read_bytes() for p in (site_ws.root / ".releasekit").glob(mdcache.FILE + "*"))
    assert markers(1)["body"].encode() not in kept


def test_kept_details_damaged_on_disk_are_rendered_again(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    page = (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_bytes()
    with contextlib.closing(sqlite3.connect(site_ws.root / ".releasekit" / mdcache.FILE)) as db, db:
        db.execute("UPDATE details SET html = replace(html, 'MARKER-BODY', 'TORN')")  # as a crash
    path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
    path.write_text(path.read_text().replace("MARKER-TITLE-0001", "MARKER-TITLE-0001 again"))
    publish_at(site_ws, LATER)
    again = (site_ws.root / "site/advisories/ACSA-2026-0001.html").read_bytes()
    assert b"TORN" not in again and markers(1)["body"].encode() in again and again != page


def test_a_live_file_is_kept_without_state_only_if_it_is_ours_and_readable(
    site_ws: Workspace,
) -> None:
    import stat as st

    two_published(site_ws)
    page = site_ws.root / "site/advisories/ACSA-2026-0002.html"
    other = site_ws.root / "site/advisories/ACSA-2026-0001.html"
    os.chmod(page, 0o600)  # restored from a backup made with umask 077, say
    inode = other.stat().st_ino
    shutil.rmtree(site_ws.root / ".releasekit")
    report = publish_at(site_ws, LATER)
    assert report.written == ("advisories/ACSA-2026-0002.html",)
    assert st.S_IMODE(page.stat().st_mode) == 0o644
    assert other.stat().st_ino == inode


def test_a_live_file_replaced_while_it_is_kept_is_written_instead(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_published(site_ws)
    site = site_ws.root / "site"
    page = site / "advisories/ACSA-2026-0002.html"
    right = page.read_bytes()
    shutil.rmtree(site_ws.root / ".releasekit")
    real = tree.link
    raced: list[str] = []

    def link(source: Path | str, path: Path | str) -> None:
        if str(source) == str(page) and not raced:  # a writer renames another file there
            raced.append(str(path))
            wrong = site / "advisories/.new"
            wrong.write_bytes(right.replace(b"MARKER-TITLE-0002", b"OTHER!-TITLE-0002"[:17]))
            os.rename(wrong, page)
        real(source, path)

    monkeypatch.setattr(tree, "link", link)
    publish_at(site_ws, LATER)
    assert raced and page.read_bytes() == right


def test_a_fifo_where_a_file_was_is_not_read(tmp_path: Path) -> None:
    live, standby = tmp_path / "live", tmp_path / "standby"
    live.mkdir()
    standby.mkdir()
    (live / "x").write_bytes(b"abc")
    scanned = scans.scan(live)["x"]
    (live / "x").unlink()
    os.mkfifo(live / "x")  # replaced between the scan and the build: opening it would block
    import threading

    placed: list[tree.FileInfo] = []
    known = tree.Live(live, set(), {}, {}, {}, {"x": scanned})
    worker = threading.Thread(
        target=lambda: placed.append(tree.place(standby, "x", b"abc", known)), daemon=True
    )
    worker.start()
    worker.join(10)
    if worker.is_alive():  # unblock it, so that the test process can end
        with open(live / "x", "wb"):
            pass
        pytest.fail("place() blocked on a FIFO")
    # Written anew, not linked to what stands in the live site now (the freed inode of the
    # file scanned may well be the new file's: that is no link).
    assert (standby / "x").read_bytes() == b"abc"
    assert placed[0].ino == os.lstat(standby / "x").st_ino != os.lstat(live / "x").st_ino


def test_a_full_disk_fails_the_build_in_one_line_and_the_next_run_completes(
    site_ws: Workspace, tmp_path: Path
) -> None:
    marked(site_ws, 1)  # released long before today: details public
    marked(site_ws, 2)
    assert cli_process(site_ws.root, "publish").returncode == 0
    site = site_ws.root / "site"
    before = site_files(site)
    marked(site_ws, 1, body="## Impact\n\nMARKER-CORRECTED-DETAILS in a paragraph.\n")
    # No compiled templates kept: they cannot be written either, and need not be.
    shutil.rmtree(site_ws.root / ".releasekit" / "template-cache")
    failed = cli_process(site_ws.root, "publish", file_size=2000)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert re.fullmatch(
        r"releasekit: error: \.releasekit/site-standby/advisories/ACSA-2026-0001\.html:"
        r" File too large",
        failed.stderr.splitlines()[-1],
    ), failed.stderr
    assert site_files(site) == before  # the live site is as it was
    done = cli_process(site_ws.root, "publish")
    assert done.returncode == 0, done.stderr
    after = site_files(site)
    assert b"MARKER-CORRECTED-DETAILS" in after["advisories/ACSA-2026-0001.html"]
    fresh = tmp_path / "fresh"  # the same as a build from nothing
    shutil.copytree(site_ws.root, fresh, ignore=shutil.ignore_patterns("site", ".releasekit"))
    assert cli_process(fresh, "publish").returncode == 0
    assert site_files(fresh / "site") == after


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _children(pid: int) -> list[int]:
    """The running child processes of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, ValueError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid and _alive(int(entry)):
                found.append(int(entry))
    return found


@contextlib.contextmanager
def _rendering_slowly(ws: Workspace) -> Iterator[tuple[subprocess.Popen[bytes], list[int]]]:
    """A publish (a real process, two render workers) whose pages take seconds each, with
    its workers once both run; every process of it is killed at the end."""
    for n in range(1, 5):
        marked(ws, n)
    slow = "{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}"
    ws.write("templates/advisory.html.j2", slow + "{{ advisory.id }}\n")
    command = [sys.executable, "-c", "from releasekit.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "-C", str(ws.root), "publish", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: list[int] = []
    seen: dict[int, float] = {}
    try:
        deadline = time.monotonic() + 30
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            now = time.monotonic()
            # The workers: children alive for half a second (the scans of the live site, a
            # first build's only other children, end within milliseconds of starting).
            workers = [
                pid for pid in _children(process.pid) if now - seen.setdefault(pid, now) >= 0.5
            ]
        assert len(workers) == 2
        yield process, workers
    finally:
        process.kill()
        process.communicate()
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    (ws.root / "templates" / "advisory.html.j2").unlink()


def _as_built_from_nothing(ws: Workspace, tmp_path: Path) -> None:
    """publish completes, and makes the site a build from nothing makes."""
    done = cli_process(ws.root, "publish")
    assert done.returncode == 0, done.stderr
    fresh = tmp_path / "fresh"
    shutil.copytree(ws.root, fresh, ignore=shutil.ignore_patterns("site", ".releasekit"))
    assert cli_process(fresh, "publish").returncode == 0
    assert site_files(ws.root / "site") == site_files(fresh / "site")


def test_a_killed_publish_leaves_no_worker_behind_and_the_next_run_completes(
    site_ws: Workspace, tmp_path: Path
) -> None:
    with _rendering_slowly(site_ws) as (process, workers):
        process.kill()
        process.wait()
        deadline = time.monotonic() + 5
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.01)
        # Ended with the build: an orphan would wait for work forever, holding the lock.
        assert not any(map(_alive, workers))
    _as_built_from_nothing(site_ws, tmp_path)


def test_a_killed_worker_fails_the_build_in_one_line(site_ws: Workspace, tmp_path: Path) -> None:
    with _rendering_slowly(site_ws) as (process, workers):
        os.kill(workers[0], signal.SIGKILL)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 1
        assert "Traceback" not in err.decode()
        assert err.decode().splitlines()[-1] == (
            "releasekit: error: a render worker process ended before its pages were done "
            "(killed?); the site was not changed: run publish again"
        )
    assert not (site_ws.root / "site").exists()  # the first build: nothing was swapped in
    _as_built_from_nothing(site_ws, tmp_path)


def test_state_files_left_half_written_by_a_killed_build_are_removed(site_ws: Workspace) -> None:
    marked(site_ws, 1)
    publish_at(site_ws, LATER)
    state = site_ws.root / ".releasekit"
    # What a build killed in fsutil.atomic_write leaves (one per kill, as big as the state).
    left = [state / ".site-state.k2j3h4pq.tmp", state / ".site-items.x8y9z0ab.tmp"]
    for path in left:
        path.write_bytes(b"half a state")
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    assert not [path for path in left if path.exists()]
    assert (state / "site-state").is_file()


def test_another_markdown_renderer_renders_every_page_again(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in (1, 2):
        marked(site_ws, n)
    publish_at(site_ws, LATER, jobs=1)
    renders = Renders(monkeypatch)
    publish_at(site_ws, LATER, jobs=1)
    assert renders.texts == []  # nothing changed
    # markdown-it-pyrs installed or removed: a new identity, in every page's key and the store.
    monkeypatch.setattr(mdcache, "BACKEND", "another parser")
    mdcache.identity.cache_clear()
    try:
        publish_at(site_ws, LATER, jobs=1)
    finally:
        mdcache.identity.cache_clear()
    assert len(renders.texts) == 2


def test_what_changed_between_two_maps_is_found_by_identity_then_by_value() -> None:
    before = {"a": (1, 2, 3), "b": "x" * 40, "c": (4, 5, 6)}
    now = dict(before)
    assert state._changed(before, now) == {}
    now["b"] = "".join(["x" * 20, "x" * 20])  # equal, another object: not a change
    assert now["b"] is not before["b"] and state._changed(before, now) == {}
    now["a"], now["d"] = (1, 2, 4), (7, 8, 9)
    assert state._changed(before, now) == {"a": (1, 2, 4), "d": (7, 8, 9)}
    del now["c"]  # as many keys as before, one of them gone
    assert state._changed(before, now) == {"a": (1, 2, 4), "d": (7, 8, 9), "c": state._GONE}
    assert state._changed(before, {}) == dict.fromkeys(before, state._GONE)


def test_the_standby_is_kept_as_it_differs_from_the_live_site() -> None:
    live = {"a": (1, 2, 3), "b": (4, 5, 6), "c": (7, 8, 9)}
    standby = {"a": live["a"], "b": (4, 5, 0), "d": (1, 1, 1)}  # one the same, one other...
    apart = state._apart(standby, live)
    assert apart == ({"b": (4, 5, 0), "d": (1, 1, 1)}, ("c",))  # ... one added, one gone
    assert state._beside(live, apart) == standby
    assert state._apart(live, live) == ({}, ())
    assert state._beside(live, state._apart({}, live)) == {}


def test_a_standby_that_does_not_go_with_its_digests_means_a_full_build(
    site_ws: Workspace, tmp_path: Path
) -> None:
    # The standby's signatures (the manifest) and digests (the items) are in two files: a
    # pair that loads but does not hold together is not used (here: the signatures name a
    # file of the standby that the digests do not, and another file is gone).
    folder = forty_with_a_standby(site_ws)
    standby = tree.standby_path(site_ws.root / "site", folder)
    extra = standby / "advisories" / "EXTRA.html"
    extra.write_text("not the build's")
    (standby / "advisories" / "ACSA-2026-0003.html").unlink()
    found = extra.stat()
    path = folder / state.STATE
    manifest = marshal.loads(path.read_bytes())  # noqa: S302 - the test's own state
    other, removed = manifest[-1]
    other = {**other, "advisories/EXTRA.html": (found.st_size, found.st_mtime_ns, found.st_ino)}
    path.write_bytes(marshal.dumps((*manifest[:-1], (other, removed)), state.MARSHAL_VERSION))
    advisory = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    advisory.write_text(advisory.read_text() + "\nMore.\n")
    publish_at(site_ws, LATER)
    fresh = tmp_path / "fresh"
    shutil.copytree(site_ws.root, fresh, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(fresh), LATER)
    assert site_files(site_ws.root / "site") == site_files(fresh / "site")


@pytest.mark.parametrize(
    ("broken", "shown"),
    [
        ("folder gone", "advisories: is not there (an empty folder publishes no advisory)"),
        ("folder a file", "advisories: is not a directory (the advisory files go in it)"),
        ("folder a dangling symlink", "advisories: is not a directory"),
        ("folder a symlink loop", "advisories: is not a directory"),
        ("file a dangling symlink", "advisories/ACSA-2026-0002.md: is not a regular file"),
        ("file a symlink loop", "advisories/ACSA-2026-0002.md: is not a regular file"),
        ("file a folder", "advisories/ACSA-2026-0002.md: is not a regular file"),
    ],
)
def test_a_lost_or_broken_advisory_folder_stops_publish_and_check(
    site_ws: Workspace, run: Callable[..., Result], broken: str, shown: str
) -> None:
    # Read as "no advisories", each took every advisory (or one) off the live site.
    two_published(site_ws)
    site = site_ws.root / "site"
    before = site_files(site)
    folder = site_ws.root / "advisories"
    one = folder / "ACSA-2026-0002.md"
    if broken.startswith("folder"):
        shutil.rmtree(folder)
        if broken == "folder a file":
            folder.write_text("not a folder")
        elif broken == "folder a dangling symlink":
            folder.symlink_to(site_ws.root / "nowhere")
        elif broken == "folder a symlink loop":
            folder.symlink_to(folder)
    else:
        one.unlink()
        if broken == "file a dangling symlink":
            one.symlink_to(folder / "nowhere.md")
        elif broken == "file a symlink loop":
            one.symlink_to(one)
        else:
            one.mkdir()
    published = run("publish")
    assert published.exit_code == 2, published.output
    assert published.stderr.startswith(f"releasekit: error: {shown}")
    assert len(published.stderr.strip().splitlines()) == 1
    assert site_files(site) == before
    if broken == "folder gone":
        return  # (nothing to check yet: `advisory new` makes the folder)
    checked = run("advisory", "check")
    assert checked.exit_code == 2 and shown in checked.output + checked.stderr


@pytest.mark.parametrize(
    ("broken", "shown"),
    [
        ("a file", "site: is not a directory (the site is built in it)"),
        ("a symlink loop", "site: is a symlink loop"),
    ],
)
def test_a_site_path_that_cannot_hold_the_site_is_bad_input(
    site_ws: Workspace, run: Callable[..., Result], broken: str, shown: str
) -> None:
    two_published(site_ws)
    site = site_ws.root / "site"
    shutil.rmtree(site)
    if broken == "a file":
        site.write_text("not a site")
    else:
        site.symlink_to(site)
    before = site_ws.snapshot()
    published = run("publish")
    assert published.exit_code == 2, published.output
    assert published.stderr == f"releasekit: error: {shown}\n"
    assert site_ws.snapshot() == before


@pytest.mark.parametrize(
    ("target", "holds"),
    [
        ("advisories", "the workspace's advisories/"),
        ("advisories/www", "the workspace's advisories/"),
        (".releasekit", "the workspace's .releasekit/"),
        (".", "the workspace"),
        ("..", "the workspace"),
    ],
)
def test_a_site_that_links_to_a_folder_with_more_in_it_is_bad_input(
    site_ws: Workspace, run: Callable[..., Result], target: str, holds: str
) -> None:
    # publish swaps the folder it builds in away and cleans it as its next standby: with
    # site/ a link to advisories/, two publishes lost every advisory file, saying only
    # "swapped in the new advisories/".
    two_published(site_ws)
    site = site_ws.root / "site"
    shutil.rmtree(site)
    (site_ws.root / "advisories" / "www").mkdir()
    site.symlink_to(target)
    before = site_ws.snapshot()
    published = run("publish")
    assert published.exit_code == 2, published.output
    resolved = (site_ws.root / target).resolve()
    assert published.stderr == (
        f"releasekit: error: site: links to {resolved}, which holds {holds}; publish replaces "
        "the folder it builds in as a whole: link site to a folder of its own\n"
    )
    assert site_ws.snapshot() == before
    # A folder of its own, in the workspace or beside it, is where the site goes.
    site.unlink()
    site.symlink_to(site_ws.root / "public")
    assert run("publish").exit_code == 0
    assert (site_ws.root / "public" / "index.html").is_file()


@pytest.mark.parametrize("what", ["a file", "a symlink", "a fifo"])
def test_a_template_cache_that_is_no_folder_is_made_again(site_ws: Workspace, what: str) -> None:
    # Every publish failed with ".../template-cache: File exists" until it was removed.
    two_published(site_ws)
    cache = site_ws.root / ".releasekit" / "template-cache"
    shutil.rmtree(cache)
    elsewhere = site_ws.root.parent / "elsewhere"
    elsewhere.mkdir()
    if what == "a file":
        cache.write_text("not a folder")
    elif what == "a symlink":
        cache.symlink_to(elsewhere)
    else:
        os.mkfifo(cache)
    shutil.rmtree(site_ws.root / "site")  # every page again: the templates are needed
    published = cli_process(site_ws.root, "publish")  # (a process: no renderer made before)
    assert published.returncode == 0, published.stderr
    assert cache.is_dir() and not cache.is_symlink() and any(cache.iterdir())
    assert not any(elsewhere.iterdir())


def test_a_publish_that_finds_nothing_changed_loads_no_renderer_or_editor(
    site_ws: Workspace,
) -> None:
    # The daily cron run: loading modules is most of its time (tomlkit alone takes 40 ms).
    for n in (1, 2):
        marked(site_ws, n)
    assert cli_process(site_ws.root, "publish").returncode == 0
    heavy = ("jinja2", "tomlkit", "tomli_w", "markdown_it", "jsonschema_rs", "feedgen")
    code = (
        "import sys\n"
        "from releasekit.cli import main\n"
        f"sys.argv = ['releasekit', '-C', {str(site_ws.root)!r}, 'publish']\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert not done.code, done.code\n"
        f"print(' '.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "0 files written" in again.stdout, again.stdout
    assert again.stdout.splitlines()[-1] == ""


def test_a_directory_where_a_page_goes_is_cleared_from_the_standby(
    site_ws: Workspace, tmp_path: Path
) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nA second paragraph.\n")
    publish_at(site_ws, LATER)  # a standby now: the site before this build
    site = site_ws.root / "site"
    page = site / "advisories" / "ACSA-2026-0001.html"
    for holds in (True, False):  # a directory where the page was (with a file, or empty)
        page.unlink()
        page.mkdir()
        if holds:
            (page / "notes.txt").write_text("notes\n")
        publish_at(site_ws, LATER)  # the page again; the old tree, with it, the standby
        assert page.is_file()
        path = site_ws.root / "advisories" / "ACSA-2026-0001.md"
        path.write_text(path.read_text() + f"\nMARKER-AGAIN-{holds}\n")
        publish_at(site_ws, LATER)  # its page goes where the directory is in the standby
        assert f"MARKER-AGAIN-{holds}" in page.read_text()
    fresh = tmp_path / "fresh"
    shutil.copytree(site_ws.root, fresh, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(fresh), LATER)
    assert site_files(site) == site_files(fresh / "site")


def _publish_as_a_user(ws: Workspace) -> subprocess.CompletedProcess[str]:
    """publish in a process of its own, which file modes bind (root's power to read and
    write anything taken away)."""
    command = [sys.executable, "-c", "from releasekit.cli import main; main()"]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run without root's power to read anything")
        command = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(
        [*command, "-C", str(ws.root), "publish"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_folder_of_the_site_that_cannot_be_read_is_named_by_its_path(
    site_ws: Workspace,
) -> None:
    marked(site_ws, 1)
    assert cli_process(site_ws.root, "publish").returncode == 0
    folder = site_ws.root / "site" / "osv"
    os.chmod(folder, 0)
    try:
        failed = _publish_as_a_user(site_ws)
    finally:
        os.chmod(folder, tree.DIR_MODE)  # as publish made it
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    # Not "osv: ...", its name in its parent: that reads as a folder of the workspace.
    assert failed.stderr.splitlines()[-1] == "releasekit: error: site/osv: Permission denied"


@pytest.mark.parametrize(
    "name", ["site-state", "site-items", "site-rows.sqlite", "site-markdown.sqlite"]
)
def test_a_directory_where_the_state_or_a_store_goes_costs_a_build_not_every_run(
    site_ws: Workspace, tmp_path: Path, name: str
) -> None:
    marked(site_ws, 1)
    marked(site_ws, 2)
    publish_at(site_ws, LATER)
    found = site_ws.root / ".releasekit" / name
    found.unlink()
    found.mkdir()
    (found / "notes.txt").write_text("notes\n")
    marked(site_ws, 1, body="## Impact\n\nMARKER-CORRECTED-DETAILS in a paragraph.\n")
    publish_at(site_ws, LATER)  # (a cache: made again, never a reason to stop)
    assert found.is_file()
    marked(site_ws, 3)
    publish_at(site_ws, LATER)
    fresh = tmp_path / "fresh"
    shutil.copytree(site_ws.root, fresh, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(fresh), LATER)
    assert site_files(site_ws.root / "site") == site_files(fresh / "site")


def test_a_swap_that_is_refused_names_both_trees_and_the_next_run_completes(
    site_ws: Workspace, tmp_path: Path
) -> None:
    marked(site_ws, 1)
    assert cli_process(site_ws.root, "publish").returncode == 0
    marked(site_ws, 2)
    site = site_ws.root / "site"
    before = site_files(site)
    os.chmod(site, 0o500)  # moved to another folder, it must be writable (its "..")
    try:
        failed = _publish_as_a_user(site_ws)
    finally:
        os.chmod(site, tree.DIR_MODE)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    # Not only the standby, which is as it should be: the live site is what refused.
    assert failed.stderr.splitlines()[-1] == (
        "releasekit: error: .releasekit/site-standby -> site: Permission denied"
    )
    assert site_files(site) == before
    _as_built_from_nothing(site_ws, tmp_path)


@pytest.mark.parametrize("name", ["site-state", "site-items"])
def test_a_fifo_where_the_state_goes_is_no_state_not_a_hang(
    site_ws: Workspace, tmp_path: Path, name: str
) -> None:
    marked(site_ws, 1)
    assert cli_process(site_ws.root, "publish").returncode == 0
    found = site_ws.root / ".releasekit" / name
    found.unlink()
    os.mkfifo(found)  # a read of it waits for a writer that never comes
    marked(site_ws, 2)
    _as_built_from_nothing(site_ws, tmp_path)  # (in a process: a hang times out)
    assert found.is_file()


def test_a_fifo_among_the_compiled_templates_is_compiled_anew_not_a_hang(
    site_ws: Workspace, tmp_path: Path
) -> None:
    marked(site_ws, 1)
    assert cli_process(site_ws.root, "publish").returncode == 0
    kept = sorted((site_ws.root / ".releasekit" / "template-cache").iterdir())
    assert kept
    for path in kept:  # an open of one waits for a writer that never comes
        path.unlink()
        os.mkfifo(path)
    marked(site_ws, 2)
    _as_built_from_nothing(site_ws, tmp_path)  # (in a process: a hang times out)


def restyle(ws: Workspace, style: str) -> None:
    """A page template of the workspace's own: every page changes, no record does."""
    builtin = (REPO_ROOT / "templates" / "advisory.html.j2").read_text()
    restyled = builtin.replace('<article class="advisory">', f'<article class="advisory {style}">')
    assert restyled != builtin
    ws.write("templates/advisory.html.j2", restyled)


def replaced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files a build (rendering in this process) removes one by one to write anew."""
    removed: list[str] = []
    real = tree.fsutil.clear

    def clear(path: Path | str) -> None:
        removed.append(str(path))
        real(path)

    monkeypatch.setattr(tree.fsutil, "clear", clear)
    return removed


@pytest.mark.parametrize("aside_min", [2, 100])
def test_a_new_template_sets_the_standby_pages_aside_instead_of_replacing_each(
    site_ws: Workspace, monkeypatch: pytest.MonkeyPatch, aside_min: int
) -> None:
    tuning = build.Tuning(aside_min=aside_min)  # 2: four pages are set aside; 100: not
    for n in range(1, 5):
        marked(site_ws, n)
    publish_at(site_ws, LATER, tuning=tuning)
    site, folder = site_ws.root / "site", site_ws.root / ".releasekit"
    restyle(site_ws, "first")  # (the standby is the first build's site from here on)
    publish_at(site_ws, LATER, tuning=tuning)
    inodes = {rel: (site / rel).stat().st_ino for rel in site_files(site)}
    removed = replaced(monkeypatch)
    restyle(site_ws, "second")
    report = publish_at(site_ws, LATER, jobs=1, tuning=tuning)
    pages_ = [f"advisories/ACSA-2026-000{n}.html" for n in range(1, 5)]
    assert sorted(report.written) == pages_
    standby = tree.standby_path(site, folder)
    if aside_min == 2:
        assert removed == []
    else:
        assert sorted(removed) == [str(standby / rel) for rel in pages_]
    for rel in pages_:
        assert 'class="advisory second"' in (site / rel).read_text()
    for rel in set(inodes) - set(pages_):  # the records, the lists: the same files
        assert (site / rel).stat().st_ino == inodes[rel], rel
    assert not standby.with_name(f"{standby.name}.trash").exists()  # removed while it built
    read = state.load_state(folder, workspace.open_workspace(site_ws.root), site)
    assert state.load_items(folder, read)
    assert read.standby_signatures == scans.scan(standby, "README.md")
    assert site_files(site) == site_files(rebuilt(site_ws))


def rebuilt(ws: Workspace) -> Path:
    """The site of a copy of the workspace built from nothing."""
    other = ws.root.with_name(ws.root.name + "-fresh")
    shutil.copytree(ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), LATER)
    return other / "site"


def test_what_a_stopped_build_left_aside_goes_with_the_next_build(site_ws: Workspace) -> None:
    two_published(site_ws)
    folder = site_ws.root / ".releasekit"
    trash = folder / "site-standby.trash"
    (trash / "tmp1" / "advisories").mkdir(parents=True)
    (trash / "tmp1" / "advisories" / "ACSA-2026-0001.html").write_text("old page")
    path = site_ws.root / "advisories" / "ACSA-2026-0002.md"
    path.write_text(path.read_text() + "\nMore.\n")  # one change: nothing set aside
    publish_at(site_ws, LATER)
    assert not trash.exists()
    assert not publish_at(site_ws, LATER).changed


def test_a_link_where_pages_are_set_aside_is_never_followed(
    site_ws: Workspace, tmp_path: Path
) -> None:
    tuning = build.Tuning(aside_min=2)
    two_published(site_ws)
    restyle(site_ws, "first")
    publish_at(site_ws, LATER, tuning=tuning)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("kept")
    trash = site_ws.root / ".releasekit" / "site-standby.trash"
    trash.symlink_to(elsewhere, target_is_directory=True)
    restyle(site_ws, "second")
    report = publish_at(site_ws, LATER, tuning=tuning)
    assert sorted(report.written) == [
        "advisories/ACSA-2026-0001.html",
        "advisories/ACSA-2026-0002.html",
    ]
    assert (elsewhere / "precious.txt").read_text() == "kept"
    assert not trash.exists() and not trash.is_symlink()

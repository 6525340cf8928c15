"""The files that list every advisory, made again from the live files and the kept rows."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from releasekit.site import build, feeds, listing, pages, workers
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.paths import REPO_ROOT
from tests.helpers.sites import marked, markers, site_files
from tests.unit.site.test_build import publish_at

NOW = "2026-12-01T12:00:00Z"
RELEASES = {  # out of number order: the index is by release instant
    1: "2026-10-13T14:00:07Z",
    2: "2026-10-20T09:00:00Z",
    3: "2026-09-01T08:00:00Z",
    4: "2026-11-25T10:00:00Z",  # details still to come at NOW (the placeholder)
    5: "2026-10-20T09:00:00Z",  # the same instant as 2: ordered by number
    6: "2026-08-15T16:30:00Z",
    8: "2026-11-22T10:00:00Z",  # released after 6 is disclosed, once 6 has moved
}
LISTING = ("index.html", "advisories.json", "feed.xml", "atom.xml")


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The ids of every read of the store, build by build."""
    calls: list[set[str]] = []
    real = listing.fetch

    def spy(state_dir: Path, wanted: set[str], items: object) -> object:
        if wanted:
            calls.append(set(wanted))
        return real(state_dir, wanted, items)  # type: ignore[arg-type]

    monkeypatch.setattr(listing, "fetch", spy)
    return calls


@pytest.fixture
def page_reads(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The ids of every read of the store for the version pages, build by build."""
    calls: list[set[str]] = []
    real = listing.fetch_for_pages

    def spy(state_dir: Path, wanted: set[str], items: object) -> object:
        if wanted:
            calls.append(set(wanted))
        return real(state_dir, wanted, items)  # type: ignore[arg-type]

    monkeypatch.setattr(listing, "fetch_for_pages", spy)
    return calls


def published(ws: Workspace) -> None:
    """The advisories of RELEASES, published at NOW."""
    for n, released in RELEASES.items():
        marked(ws, n, released=released)
    publish_at(ws, NOW)


def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many advisories each rendering of the builds to come gets."""
    rendered: list[int] = []
    real = workers.run

    def spy(ctx: object, tasks: list[object], *args: object) -> object:
        rendered.append(len(tasks))
        return real(ctx, tasks, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "run", spy)
    return rendered


def fresh(ws: Workspace, tmp_path: Path, moment: str = NOW) -> dict[str, bytes]:
    """What a build from nothing makes of the workspace as it is now."""
    other = tmp_path / "fresh"
    shutil.rmtree(other, ignore_errors=True)
    shutil.copytree(ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish_at(Workspace(other), moment)
    return site_files(other / "site")


def edit(ws: Workspace, n: int, old: str, new: str) -> None:
    path = ws.root / "advisories" / f"ACSA-2026-{n:04d}.md"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def stored(ws: Workspace) -> bytes:
    state = ws.root / ".releasekit"
    return b"".join(p.read_bytes() for p in sorted(state.glob(listing.FILE + "*")))


def test_each_change_gives_what_a_build_from_nothing_gives(
    site_ws: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fetched: list[set[str]],
    page_reads: list[set[str]],
) -> None:
    monkeypatch.setattr(feeds, "FEED_LIMIT", 2)  # some rows in the feeds, some not
    published(site_ws)
    site = site_ws.root / "site"
    assert site_files(site) == fresh(site_ws, tmp_path)
    assert fetched == []  # a build from nothing renders every row

    def check(*changed: str, same: tuple[str, ...] = ()) -> None:
        fetched.clear()
        page_reads.clear()
        inodes = {rel: (site / rel).stat().st_ino for rel in same}
        report = publish_at(site_ws, NOW)
        reads = list(fetched)
        assert set(changed) <= set(report.written)
        for rel in same:  # not made again: the live file, linked
            assert rel not in report.written and (site / rel).stat().st_ino == inodes[rel]
        assert site_files(site) == fresh(site_ws, tmp_path)
        # From the store: at most the rows of the feeds, never every row.
        assert len(reads) <= 1
        assert not reads or len(reads[0]) <= feeds.FEED_LIMIT

    versions = tuple(sorted(rel for rel in site_files(site) if rel.startswith("versions/")))
    assert "versions/10.3.0.html" in versions
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")  # a row, not in the feeds
    check("index.html", "advisories.json", same=("feed.xml", "atom.xml", *versions))
    assert page_reads == []  # the version pages do not show titles: none made again
    edit(site_ws, 8, "MARKER-SUMMARY-0008", "Newest summary")  # in the feeds (not shown in
    check("advisories.json", "feed.xml", "atom.xml", same=versions)  # the index before the
    assert page_reads == []  # disclosure)
    marked(site_ws, 7, released="2026-10-01T00:00:00Z")  # a new row in the middle
    check("index.html", "advisories/ACSA-2026-0007.html")
    edit(site_ws, 6, RELEASES[6], "2026-10-25T00:00:00Z")  # a row moves up, and its
    check("index.html", "feed.xml")  # disclosure (11-24) into the feeds, before 8's release
    edit(site_ws, 1, RELEASES[1], "2027-01-01T00:00:00Z")  # a release moved later: gone
    check("index.html")
    (site_ws.root / "advisories" / "ACSA-2026-0005.md").unlink()  # a file removed
    check("index.html")
    assert b"MARKER-TITLE-0001" not in stored(site_ws)  # no longer listed: not kept
    assert b"MARKER-TITLE-0005" not in stored(site_ws)
    assert b"A corrected title" in stored(site_ws)
    # The day the details of advisory 4 come out: its row and feed entry change.
    fetched.clear()
    publish_at(site_ws, "2026-12-25T00:00:00Z")
    assert site_files(site) == fresh(site_ws, tmp_path, "2026-12-25T00:00:00Z")


def test_a_listing_changed_by_hand_is_made_again_from_the_kept_rows(
    site_ws: Workspace, tmp_path: Path, fetched: list[set[str]]
) -> None:
    published(site_ws)
    site = site_ws.root / "site"
    index = site / "index.html"
    index.write_text(index.read_text().replace("MARKER-TITLE-0002", "EDITED BY HAND"))
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    fetched.clear()
    publish_at(site_ws, NOW)
    assert fetched == [{f"ACSA-2026-{n:04d}" for n in RELEASES if n != 3}]
    assert site_files(site) == fresh(site_ws, tmp_path)
    assert "EDITED BY HAND" not in index.read_text()


def test_an_index_template_that_changes_the_rows_gets_them_from_the_store(
    site_ws: Workspace, tmp_path: Path, fetched: list[set[str]]
) -> None:
    builtin = (REPO_ROOT / "templates" / "index.html.j2").read_text()
    assert builtin.count("{{ rows }}") == 1
    site_ws.write(
        "templates/index.html.j2",
        builtin.replace("{{ rows }}", '{{ rows|replace("tr id=", "tr data-x id=") }}'),
    )
    published(site_ws)
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    fetched.clear()
    publish_at(site_ws, NOW)
    assert fetched[0] == {f"ACSA-2026-{n:04d}" for n in RELEASES if n != 3}
    index = (site_ws.root / "site" / "index.html").read_text()
    assert index.count("<tr data-x id=") == len(RELEASES) and "A corrected title" in index
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)


@pytest.mark.parametrize("damage", ["removed", "a row lost", "a row of another build"])
def test_a_store_without_the_row_expected_means_a_full_build(
    site_ws: Workspace, tmp_path: Path, damage: str
) -> None:
    import marshal
    import sqlite3

    published(site_ws)
    path = site_ws.root / ".releasekit" / listing.FILE
    if damage == "removed":
        path.unlink()
    else:
        with sqlite3.connect(path) as db:
            if damage == "a row lost":
                db.execute("DELETE FROM rows WHERE id = 'ACSA-2026-0002'")
            else:  # what the row was before its title changed
                (raw,) = db.execute("SELECT row FROM rows WHERE id = 'ACSA-2026-0002'").fetchone()
                row = marshal.loads(raw)  # noqa: S302 - written by the build just run
                stale = (row[0], row[1].replace("MARKER-TITLE-0002", "STALE"), *row[2:])
                db.execute(
                    "UPDATE rows SET row = ? WHERE id = 'ACSA-2026-0002'",
                    (marshal.dumps(stale),),
                )
        db.close()
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    (site_ws.root / "site" / "index.html").unlink()  # the store is the only source left
    report = publish_at(site_ws, NOW)
    assert len(report.written) > 4  # every page again: nothing else was trusted
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)
    assert markers(2)["title"].encode() in stored(site_ws)


def test_rows_the_store_lost_are_rendered_again_not_the_whole_site(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(site_ws)
    (site_ws.root / ".releasekit" / listing.FILE).unlink()
    (site_ws.root / "site" / "index.html").unlink()  # every row must come from the store
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    rendered = count_renders(monkeypatch)
    report = publish_at(site_ws, NOW)
    assert rendered == [1, len(RELEASES) - 1]  # the changed one, then the others' rows once
    pages = [rel for rel in report.written if "/" in rel]  # the others: linked, as they were
    assert sorted(pages) == sorted(
        [
            "advisories/ACSA-2026-0003.html",
            "osv/ACSA-2026-0003.json",
            "cve/CVE-2099-90003.json",
            "csaf/2026/acsa-2026-0003.json",
            "csaf/2026/acsa-2026-0003.json.sha512",
            "csaf/feed-tlp-white.json",  # the entry's title
        ]
    )
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)
    rendered.clear()  # and the store has them all again
    edit(site_ws, 5, "MARKER-TITLE-0005", "Five")
    (site_ws.root / "site" / "index.html").write_text("changed by hand")
    publish_at(site_ws, NOW)
    assert rendered == [1]
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("field", ["body", "title"])
def test_rows_the_version_pages_need_from_a_lost_store_are_rendered_again(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int, field: str
) -> None:
    # Details changed: the index is kept, and the version pages meet the lost store first.
    # Titles: the index meets it first. Either way, the rows lost are rendered once.
    published(site_ws)
    (site_ws.root / ".releasekit" / listing.FILE).unlink()
    pages = sorted((site_ws.root / "site" / "versions").glob("*.html"))
    pages[0].unlink()  # every version page is made again: the rows of all are needed
    for n in (3, 5):
        edit(site_ws, n, markers(n)[field], "A corrected text")
    rendered = count_renders(monkeypatch)
    publish_at(site_ws, NOW, jobs=jobs)
    assert rendered == [2, len(RELEASES) - 2]  # the changed ones, then the others' rows once
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)
    # The state knows every file as it is: the next publish finds nothing to build.
    monkeypatch.setattr(build.Job, "_builder", lambda _job: pytest.fail("a build"))
    assert publish_at(site_ws, NOW, jobs=jobs).written == ()


def test_a_hand_edit_that_keeps_size_and_mtime_is_not_spliced_into_the_next_index(
    site_ws: Workspace, tmp_path: Path
) -> None:
    published(site_ws)
    index = site_ws.root / "site" / "index.html"
    before = index.stat()
    with index.open("r+b") as handle:  # in place, as `rsync --inplace -t` or `cp -p` would
        data = handle.read()
        handle.seek(0)
        handle.write(data.replace(b"MARKER-TITLE-0002", b"EDITED-TITLE-0002"))
    os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns))
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    publish_at(site_ws, NOW)
    assert b"EDITED" not in index.read_bytes()
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)


def test_a_store_that_a_crash_left_ahead_of_the_state_catches_up(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(site_ws)
    path = site_ws.root / "advisories" / "ACSA-2026-0003.md"
    original = path.read_text()
    path.write_text(original.replace("MARKER-TITLE-0003", "A corrected title"))

    class Killed(BaseException):
        pass

    real = listing.keep

    def keep(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        raise Killed  # after the store, before the state

    with monkeypatch.context() as patched:
        patched.setattr(listing, "keep", keep)
        with pytest.raises(Killed):
            publish_at(site_ws, NOW)
    path.write_text(original)  # the change undone
    publish_at(site_ws, NOW)
    (site_ws.root / "site" / "index.html").write_text("changed by hand")  # rows from the store
    edit(site_ws, 5, "MARKER-TITLE-0005", "Five")
    rendered = count_renders(monkeypatch)
    report = publish_at(site_ws, NOW)
    assert rendered == [1]  # the store had caught up: no row to render again
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)
    pages = [rel for rel in report.written if "/" in rel]  # not every page again
    assert sorted(pages) == sorted(
        [
            "advisories/ACSA-2026-0005.html",
            "osv/ACSA-2026-0005.json",
            "cve/CVE-2099-90005.json",
            "csaf/2026/acsa-2026-0005.json",
            "csaf/2026/acsa-2026-0005.json.sha512",
            "csaf/feed-tlp-white.json",  # the entry's title
        ]
    )


@pytest.mark.parametrize("change", ["a CVE removed", "a CVE that another advisory has"])
def test_a_file_changed_while_its_row_is_rendered_again_means_a_full_build(
    site_ws: Workspace, tmp_path: Path, change: str
) -> None:
    from releasekit.support.errors import AdvisoryError

    published(site_ws)
    (site_ws.root / ".releasekit" / listing.FILE).unlink()
    (site_ws.root / "site" / "index.html").unlink()
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")

    def racing(message: str) -> None:  # said as the rows lost are about to be rendered again
        if not message.startswith("rendering ") or "again" not in message:
            return
        if change == "a CVE removed":  # edited after the plan was made
            edit(site_ws, 2, 'cve = "CVE-2099-90002"\n', "")
        else:  # (of the same component: a CVE id is shared by different components only)
            edit(site_ws, 2, "CVE-2099-90002", "CVE-2099-90001")
            edit(site_ws, 2, "MARKER-COMPONENT-0002", "MARKER-COMPONENT-0001")

    if change == "a CVE removed":
        publish_at(site_ws, NOW, progress=racing)
        assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)
    else:
        with pytest.raises(AdvisoryError, match="cve: another advisory has the same CVE id"):
            publish_at(site_ws, NOW, progress=racing)


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_lost_are_rendered_again_through_the_api_too(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from releasekit.workspace import files as workspace
    from tests.unit.site.test_build import at

    for n, released in RELEASES.items():
        marked(site_ws, n, released=released)

    def publish(ws: Workspace) -> build.PublishReport:
        settings = workspace.open_workspace(ws.root)
        return build.publish(settings, workspace.load_advisories(settings), at(NOW), jobs=jobs)

    publish(site_ws)
    (site_ws.root / ".releasekit" / listing.FILE).unlink()
    (site_ws.root / "site" / "index.html").unlink()
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    rendered = count_renders(monkeypatch)
    publish(site_ws)
    assert rendered == [1, len(RELEASES) - 1]
    other = tmp_path / "other"
    shutil.copytree(site_ws.root, other, ignore=shutil.ignore_patterns("site", ".releasekit"))
    publish(Workspace(other))
    assert site_files(site_ws.root / "site") == site_files(other / "site")


def test_rows_missing_twice_start_the_build_from_nothing_once(
    site_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published(site_ws)
    edit(site_ws, 3, "MARKER-TITLE-0003", "A corrected title")
    real = listing.make
    failures = [listing.Damaged({"ACSA-2026-0002"}), listing.Damaged({"ACSA-2026-0002"})]

    def make(*args: object) -> object:
        if failures:  # as a store that lost a row, and still misses it after the re-render
            raise failures.pop()
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(listing, "make", make)
    rendered = count_renders(monkeypatch)
    publish_at(site_ws, NOW)
    assert rendered == [1, 1, len(RELEASES)]  # then every advisory, each once
    assert site_files(site_ws.root / "site") == fresh(site_ws, tmp_path)


def _choices(index: bytes) -> list[str]:
    """The filters' choices of an index: each radio button's label text, in order."""
    text = index.decode()
    labels = re.findall(r'<label for="(f-[^"]+)">(.*?)</label>', text)
    return [f"{ident}: {re.sub(r'<[^>]+>', '', label)}" for ident, label in labels]


def test_the_filters_list_what_the_listed_advisories_have_and_follow_each_change(
    ws: Workspace, tmp_path: Path
) -> None:
    published(ws)
    index = (ws.root / "site" / "index.html").read_bytes()
    assert _choices(index) == [
        "f-severity-all: All (7)",
        "f-severity-high: High (7)",
        "f-line-all: All",
        "f-line-10.4: 10.4 (7)",
        "f-line-10.3: 10.3 (7)",
        "f-line-9.11: 9.11 (7)",
    ]
    assert b'<tr id="ACSA-2026-0001" data-severity="high" data-lines="10.4 10.3 9.11">' in index
    edit(ws, 1, 'severity = "high"', 'severity = "critical"')
    edit(ws, 1, '"9.11" = "9.11.9"', '"9.10" = "9.10.12"')
    marked(ws, 9, released=None)  # embargoed: in no count
    publish_at(ws, NOW)
    index = (ws.root / "site" / "index.html").read_bytes()
    assert _choices(index) == [
        "f-severity-all: All (7)",
        "f-severity-critical: Critical (1)",
        "f-severity-high: High (6)",
        "f-line-all: All",
        "f-line-10.4: 10.4 (7)",
        "f-line-10.3: 10.3 (7)",
        "f-line-9.11: 9.11 (6)",
        "f-line-9.10: 9.10 (1)",  # numerically: 9.10 < 9.11
    ]
    assert b'.updates tbody tr:not([data-lines~="9.10"])' in index
    assert site_files(ws.root / "site") == fresh(ws, tmp_path)


def test_a_row_digest_names_the_row_and_refuses_what_is_not_one() -> None:
    row = listing.Row((1.0, 2026, 1), "<tr>é</tr>", b'{"id": 1}', ("ACSA-2026-0001", "t"))
    same = listing.row_digest(("x", "y", b"z", ()))
    assert listing.row_digest(tuple(row)) == row.digest() != same
    moved = listing.Row((1.0, 2026, 1), "<tr>é</tr>{", b'"id": 1}', ("ACSA-2026-0001", "t"))
    assert moved.digest() != row.digest()  # the same bytes split otherwise
    versions = row._replace(versions=("<tr>a", "</tr>"))
    assert len({versions.digest(), versions._replace(versions=("<tr>a</tr>",)).digest()}) == 2
    assert versions._replace(versions=("<tr>", "a</tr>")).digest() != versions.digest()
    assert versions._replace(versions=("<tr>b", "</tr>")).digest() != versions.digest()
    for damaged in (
        (1.0, b"<tr>", b"{}", ()),
        (1.0, "<tr>", "{}", ()),
        (1.0, "<tr>"),
        7,
        (1.0, "<tr>", b"{}", (), [b"<tr>"]),
        (1.0, "<tr>", b"{}", (), ("<tr>",), ()),
    ):
        with pytest.raises((TypeError, ValueError)):
            listing.row_digest(damaged)  # type: ignore[arg-type]


def test_the_rows_are_found_where_a_whole_search_finds_them() -> None:
    table = b"<tr>" + b"x" * 300 + b"</tr>"
    for page in (
        b"head" + table + b"tail",
        b"head" + table[:280] + b"!" + table + b"tail",  # its start, then the whole
        b"head" + table[:-1],  # not there whole
        table,
        b"",
    ):
        assert listing._find(page, table) == page.find(table)
    assert listing._find(b"abc", b"") == 0


def test_an_unscored_advisory_has_a_filter_of_its_own(site_ws: Workspace) -> None:
    # The row says data-severity="unscored": its choice must be that name, not "none".
    marked(site_ws, 1)
    path = marked(site_ws, 2)
    scored = ("cvss = ", "severity = ", "severity_reason = ")
    path.write_text("\n".join(x for x in path.read_text().split("\n") if not x.startswith(scored)))
    publish_at(site_ws, NOW)
    index = (site_ws.root / "site" / "index.html").read_bytes()
    assert _choices(index)[:3] == [
        "f-severity-all: All (2)",
        "f-severity-high: High (1)",
        "f-severity-unscored: Not scored (1)",
    ]
    assert b'<tr id="ACSA-2026-0002" data-severity="unscored"' in index
    style = (site_ws.root / "site" / "static" / "style.css").read_text()
    assert '[value="unscored"]:checked) .updates tbody tr:not([data-severity="unscored"])' in style


TABLE = '<tr id="A"><td>10.3.0 – 10.3.2 &amp; <b>ü</b></td></tr>\n<tr id="B"></tr>\n'.encode()


@pytest.mark.parametrize(
    ("page", "part", "verbatim"),
    [
        ("<main>{{ rows }}</main>", "", True),
        (
            "{% for n in [1, 2] %}<t{{ n }}>{{ rows }}{% endfor %}"
            "{% if count %}{{ rows }}{% endif %}",
            "",
            True,
        ),
        (
            '{% extends "part.html.j2" %}{% block b %}[{{ rows }}]{% endblock %}',
            "{% block b %}{% endblock %}",
            True,
        ),
        ('<main>{% include "part.html.j2" %}</main>', "{{ rows }}", True),
        ("{% if false %}{{ rows }}{% endif %}", "", True),
        ('<main>{% include "part.html.j2" %}</main>', "{{ rows|length }}", False),
        ("{{ rows|upper }}", "", False),
        ("{% if rows %}{{ rows }}{% endif %}", "", False),
        ("{% filter upper %}{{ rows }}{% endfilter %}", "", False),
        ("{% set x %}{{ rows }}{% endset %}{{ x|length }}", "", False),
        ("{% macro m() %}{{ rows }}{% endmacro %}{{ m()|upper }}", "", False),
        ("{% for rows in [1] %}{{ rows }}{% endfor %}", "", False),
        ("{% set name = 'part.html.j2' %}{% include name %}", "{{ rows }}", False),
        # Where the rows are bare, but what shows them is taken and changed elsewhere:
        (
            '{% extends "part.html.j2" %}{% block b %}{{ rows }}{% endblock %}',
            "{% filter upper %}{% block b %}{% endblock %}{% endfilter %}",
            False,
        ),
        (
            '{% extends "part.html.j2" %}{% block b %}{{ rows }}{% endblock %}',
            "{% set x %}{% block b %}{% endblock %}{% endset %}{{ x|length }}",
            False,
        ),
        ('{% filter upper %}{% include "part.html.j2" %}{% endfilter %}', "{{ rows }}", False),
        ('{% set x %}{% include "part.html.j2" %}{% endset %}{{ x|length }}', "{{ rows }}", False),
        (
            '{% macro m() %}{% include "part.html.j2" %}{% endmacro %}{{ m()|upper }}',
            "{{ rows }}",
            False,
        ),
        (
            "{% macro m() %}{{ caller()|upper }}{% endmacro %}"
            '{% call m() %}{% include "part.html.j2" %}{% endcall %}',
            "{{ rows }}",
            False,
        ),
        ("{% block b %}{{ rows }}{% endblock %}|{{ self.b()|upper }}", "", False),
        (
            '{% extends "part.html.j2" %}{% block b %}{{ super()|upper }}{% endblock %}',
            "{% block b %}{{ rows }}{% endblock %}",
            False,
        ),
        ('{% import "part.html.j2" as p with context %}{{ p|upper }}', "{{ rows }}", False),
        (
            "{% for x in [1] recursive %}<{{ rows }}>{% if x %}{{ loop([0])|upper }}{% endif %}"
            "{% endfor %}",
            "",
            False,
        ),
    ],
)
def test_the_rows_go_into_the_index_as_bytes_only_where_shown_as_they_are(
    site_ws: Workspace, page: str, part: str, verbatim: bool
) -> None:
    settings = workspace.open_workspace(site_ws.root)
    assert pages.Renderer(settings, "built-in").verbatim("index.html.j2", "rows")
    site_ws.write("templates/index.html.j2", page)
    site_ws.write("templates/part.html.j2", part)
    renderer = pages.Renderer(settings, "key")
    assert renderer.verbatim("index.html.j2", "rows") is verbatim
    rows = Markup(TABLE.decode())  # noqa: S704 - the test's own
    given = renderer.render("index.html.j2", rows=rows, count=2, filters={}, **renderer.row_context)
    assert listing._index(renderer, TABLE, 2, {}) == given.encode()


@pytest.mark.parametrize("many", [listing.LINE_RADIOS, listing.LINE_RADIOS + 1])
def test_past_a_handful_of_lines_the_index_lists_them_in_one_menu(
    site_ws: Workspace, many: int
) -> None:
    # A radio button a line: some 160 of them for RustSec's database, two phone screens of
    # them before the first advisory. Past LINE_RADIOS, one <select> (the same CSS filter).
    lines = [f"1.{n}" for n in range(many)]
    items = {
        f"ACSA-2026-{n:04}": SimpleNamespace(facets=("high", line)) for n, line in enumerate(lines)
    }
    choices = listing.filters(items, list(items))  # type: ignore[arg-type]
    assert [line["name"] for line in choices["lines"]] == lines[::-1]
    assert choices["menu"] is (many > listing.LINE_RADIOS)
    renderer = pages.Renderer(workspace.open_workspace(site_ws.root), "key")
    html = renderer.render(
        "index.html.j2", rows=Markup(""), count=many, filters=choices, **renderer.row_context
    )
    radios = re.findall(r'<input type="radio" name="line" value="([^"]*)"', html)
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)
    if choices["menu"]:
        assert radios == []
        assert '<label class="filter-name" for="f-line">Release line</label>' in html
        assert options[:2] == [("", f"All {many} lines"), (lines[-1], f"{lines[-1]} (1)")]
        assert len(options) == many + 1
        assert f'#f-line option[value="{lines[0]}"]:checked)' in html
    else:
        assert radios == ["", *lines[::-1]] and options == []
        assert f'input[name="line"][value="{lines[0]}"]:checked)' in html

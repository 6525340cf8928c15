"""One rule for what is public when: every output at every stage, with a distinct marker in
every field of an advisory, shows exactly the fields that the contract's table names.

- embargoed: nothing (the pre-announcement: date, versions, highest severity);
- released: id, title, summary, severity with score and vector, versions, and the fields
  named in ``[disclosure] at_release`` (any of cve, credits, cwe, component);
- disclosed: everything.

Each output is made at the stage(s) it exists in: the pre-announcement and the tag message
before the release (the tag becomes public at the lift), the announcement at the release,
the site (index, page, feeds, advisories.json, records) at each stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from releasekit.adapters.env import Environment
from releasekit.cli import cli
from releasekit.embargo import texts
from releasekit.embargo.announce import pre_announce
from releasekit.embargo.context import Outside
from releasekit.model.checks import AT_RELEASE
from releasekit.model.config import Settings, load_config
from releasekit.release.planner import build_plan
from releasekit.site.build import publish_workspace
from releasekit.workspace import files as workspace
from tests.helpers.repos import FILES, Product, release_product, replace_line, workspace_config
from tests.helpers.sites import ORG_UUID, markers

N = 7
ID = f"ACSA-2026-{N:04d}"
VECTOR = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
EMBARGO = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
RELEASED = EMBARGO + timedelta(seconds=7)
FIXED = {"10.4": "10.4.0", "10.3": "10.3.2"}
_M = markers(N)
MARKERS = {
    "id": ID,
    "title": _M["title"],
    "summary": _M["summary"].split()[0],
    "vector": VECTOR,
    "cve": _M["cve"],
    "cwe": _M["cwe"],
    "component": _M["component"],
    "credits": _M["reporter"],
    "severity_reason": _M["severity_reason"],
    "details": _M["body"],
}
AT_RELEASE_PUBLIC = {"id", "title", "summary", "vector"}  # whatever at_release says
EARLY = set(AT_RELEASE)  # cve, credits, cwe, component: from the release when named
EVERYTHING = set(MARKERS)
# A template that shows every value its context gives about each advisory.
DUMP = (
    "{% for a in advisories %}{% for k, v in a | dictsort %}{{ k }}={{ v }}\n"
    "{% endfor %}{% endfor %}"
)


@dataclass
class Setup:
    root: Path
    product: Product
    early: set[str]  # [disclosure] at_release

    @property
    def settings(self) -> Settings:
        return load_config(self.root)

    def record_release(self) -> None:
        """What the lift's record step writes into the advisory file."""
        path = self.root / "advisories" / f"{ID}.md"
        fixed = ", ".join(f'"{line}" = "{version}"' for line, version in FIXED.items())
        text = path.read_text().replace(
            "embargo = ", f"released = 2026-12-01T14:00:07Z\nfixed = {{ {fixed} }}\nembargo = "
        )
        path.write_text(text)

    def publish(self, now: datetime) -> dict[str, str]:
        """Build the site at ``now``; every file's text by its path under site/."""
        publish_workspace(self.settings, now)
        site = self.root / "site"
        return {
            p.relative_to(site).as_posix(): p.read_text(errors="replace")
            for p in sorted(site.rglob("*"))
            if p.is_file()
        }


@pytest.fixture(params=[(), tuple(AT_RELEASE)], ids=["default", "at_release-all"])
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Setup:
    early: tuple[str, ...] = request.param
    product = release_product(tmp_path_factory.getbasetemp() / "product-cache", tmp_path / "p")
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    listed = ", ".join(f'"{name}"' for name in early)
    extra = (
        f'\n[cve]\norg_id = "{ORG_UUID}"\nshort_name = "acme"\n'
        f"\n[disclosure]\nat_release = [{listed}]\n"
        '\n[mail]\nfrom = "Acme Security <security@acme.example>"\n'
        'to = ["announce@lists.acme.example"]\nsmtp = "smtp://127.0.0.1:9"\n'
        f'signing_key = "{"AB12" * 10}"\n'
    )
    (root / "releasekit.toml").write_text(workspace_config(product.clone, extra))
    front = [
        f'id = "{ID}"',
        f'title = "{_M["title"]}"',
        f'summary = "{_M["summary"]}"',
        f'component = "{_M["component"]}"',
        f'cvss = "{VECTOR}"',
        'severity = "high"',
        f'severity_reason = "{_M["severity_reason"]}"',
        f'cve = "{_M["cve"]}"',
        f'cwe = "{_M["cwe"]}"',
        'introduced = "10.3"',
        f'reporter = "{_M["reporter"]}"',
        "embargo = 2026-12-01T14:00:00Z",
    ]
    (root / "advisories" / f"{ID}.md").write_text(
        "+++\n" + "\n".join(front) + f"\n+++\n\n## Impact\n\n{_M['body']} in a paragraph.\n"
    )
    fixed = replace_line(FILES["src/preview.c"], 20, "preview: check each redirect target")
    for line in FIXED:
        patch = product.fix(f"release-{line}", {"src/preview.c": fixed}, "Check redirect targets")
        path = tmp_path / f"fix-{line}.patch"
        path.write_bytes(patch)
        done = CliRunner().invoke(
            cli, ["-C", str(root), "patch", "add", ID, "--line", line, str(path)]
        )
        assert done.exit_code == 0, done.output
    return Setup(root, product, set(early))


def shown(text: str) -> set[str]:
    """The fields whose marker appears in ``text``, or in its text without tags (a page
    splits the CVSS vector into its metrics)."""
    bare = re.sub(r"<[^>]*>", "", text)
    return {name for name, marker in MARKERS.items() if marker in text or marker in bare}


def row(index: str) -> str:
    found = re.search(rf'<tr id="{ID}"[^>]*>.*?</tr>', index, re.S)
    assert found is not None, "no row"
    return found.group(0)


def test_every_output_at_every_stage_shows_exactly_what_the_table_says(setup: Setup) -> None:
    released = AT_RELEASE_PUBLIC | setup.early
    settings = setup.settings
    (advisory,) = workspace.load_advisories(settings)
    outside = Outside(env=Environment({}))

    # Embargoed: nothing, anywhere, but the pre-announcement's date, versions and severity.
    before = EMBARGO - timedelta(days=3)
    item = pre_announce(settings, outside, before, dry_run=True)
    assert shown(item.subject + item.body) == set()
    assert "highest severity is High" in item.body and "10.3.2" in item.body
    plan = build_plan(settings, [advisory], outside.open_repo(settings))
    tag = plan.line("10.3").tag_message
    assert tag is not None and shown(tag) == set()
    (setup.root / "templates").mkdir()
    (setup.root / "templates" / "tag-message.txt.j2").write_text(DUMP)
    dumped = build_plan(settings, [advisory], outside.open_repo(settings)).line("10.3")
    assert dumped.tag_message is not None and ID in dumped.tag_message
    assert shown(dumped.tag_message) == released  # an overriding template gets no more
    (setup.root / "templates" / "tag-message.txt.j2").unlink()
    site = setup.publish(before)
    assert {path: shown(text) for path, text in site.items() if shown(text)} == {}

    # Released: the announcement (made from the advisory as loaded before the lift records
    # it) and the site, with the fields named in [disclosure] at_release.
    subject, body = texts.announcement(settings, [advisory], RELEASED, {ID: FIXED})
    assert shown(subject) == {"id", "title"}
    assert shown(body) == released
    (setup.root / "templates" / "announcement.txt.j2").write_text(DUMP)
    _, dumped_body = texts.announcement(settings, [advisory], RELEASED, {ID: FIXED})
    assert shown(dumped_body) == released  # an overriding template gets no more
    (setup.root / "templates" / "announcement.txt.j2").unlink()
    setup.record_release()
    site = setup.publish(RELEASED + timedelta(days=1))
    assert shown(row(site["index.html"])) == {"id", "vector"} | (setup.early & {"cve"})
    assert shown(site["index.html"]) == shown(row(site["index.html"]))
    assert shown(site[f"advisories/{ID}.html"]) == released
    assert shown(site["feed.xml"]) == shown(site["atom.xml"]) == {"id", "title", "summary"}
    assert shown(site["advisories.json"]) == released
    assert not [path for path in site if path.startswith(("osv/", "cve/"))]
    assert shown(site["versions/10.3.1.html"]) == {"id"} | (setup.early & {"cve"})
    assert shown(site["versions.json"]) == {"id"}
    assert shown(site["credits.html"]) == set()  # disclosed advisories only, even if early

    # Disclosed (midnight UTC of release + 30 days): everything, and the records.
    site = setup.publish(datetime(2026, 12, 31, 0, 0, 1, tzinfo=UTC))
    assert shown(row(site["index.html"])) == {"id", "title", "summary", "vector", "cve"}
    assert shown(site[f"advisories/{ID}.html"]) == EVERYTHING
    assert shown(site["feed.xml"]) == shown(site["atom.xml"]) == {"id", "title", "summary"}
    assert shown(site["advisories.json"]) == AT_RELEASE_PUBLIC | EARLY
    assert shown(site["versions/10.3.1.html"]) == {"id", "cve"}
    assert shown(site["credits.html"]) == {"id", "credits"}
    assert shown(site[f"osv/{ID}.json"]) == EVERYTHING - {"severity_reason"}
    assert shown(site[f"cve/{_M['cve']}.json"]) == EVERYTHING - {"details", "severity_reason"}

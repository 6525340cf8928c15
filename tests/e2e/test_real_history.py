"""Real projects' repositories: urllib3's release history up to its October 2023 security
release (tests/fixtures/urllib3-2023-09.json), through init --repository, plan, lint, dry
run, lift and publish;
and a synthetic product with a changelog.

urllib3 spelt 2.0.5 ``v2.0.5`` and its later tags without the ``v``; its upcoming line lives
on ``main``; its version file is ``src/urllib3/_version.py``. Real gpg, a real SMTP server on
127.0.0.1 and bare remotes on disk, as in test_embargo.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.helpers.gpg import GpgHome
from tests.helpers.history import SOURCE, History, build_product
from tests.helpers.repos import FILES, Product, git, numbered, replace_line, workspace_config
from tests.helpers.smtp import SmtpServer

EMBARGO = datetime(2023, 10, 2, 15, 0, tzinfo=UTC)  # urllib3 2.0.6 and 1.26.17
ID = "URLLIB3-2023-0001"
DETAIL_MARKER = "MARKER-DETAIL-5521"
CREDIT = "Quinn Reporter"
FIX_SUBJECT = "Strip the stand-in header on cross-host redirects"
VERSION_FILE = "src/urllib3/_version.py"
# line -> (branch, the version the lift writes, the tag it pushes)
LINES = {
    "2.1": ("main", "2.1.0", None),
    "2.0": ("2.0.x", "2.0.6", "2.0.6"),
    "1.26": ("1.26.x", "1.26.17", "1.26.17"),
}


def mail_table(smtp: SmtpServer, key: str) -> str:
    return (
        '\n[mail]\nfrom = "Security <security@urllib3.example>"\n'
        f'to = ["announce@lists.urllib3.example"]\nsmtp = "{smtp.url}"\n'
        f'signing_key = "{key}"\ntimeout = 5\n'
    )


def advisory_text(ident: str, title: str, embargo: str) -> str:
    return (
        "+++\n"
        f'id = "{ident}"\n'
        f'title = "{title}"\n'
        'cvss = "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:H/I:N/A:N"\n'
        'cve = "CVE-2023-43804"\n'
        f'reporter = "{CREDIT}"\n'
        f"embargo = {embargo}\n"
        'summary = "Cookies could follow a redirect to another host."\n'
        "+++\n\n"
        f"Details: {DETAIL_MARKER}\n"
    )


@dataclass
class Workspace:
    root: Path
    product: Product
    smtp: SmtpServer
    gpg: GpgHome

    def run(self, *args: str) -> Result:
        return CliRunner(env=self.gpg.env).invoke(cli, ["-C", str(self.root), *args])

    def remote_refs(self) -> dict[str, str]:
        out = git(self.product.remote, "for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ", 1) for line in out.splitlines())  # type: ignore[misc]

    def remote(self, *args: str) -> str:
        return git(self.product.remote, *args)

    def hold(self, line: str, branch: str, text: str, subject: str = FIX_SUBJECT) -> None:
        patch = self.product.fix(branch, {SOURCE: text}, subject)
        path = self.root.parent / f"fix-{line}.patch"
        path.write_bytes(patch)
        result = self.run("patch", "add", ID, "--line", line, str(path))
        assert result.exit_code == 0, result.output + result.stderr

    def advisory(self) -> str:
        return (self.root / "advisories" / f"{ID}.md").read_text()


@pytest.fixture(scope="module")
def urllib3_template(tmp_path_factory: pytest.TempPathFactory) -> Product:
    return build_product(
        tmp_path_factory.mktemp("urllib3") / "template", History.load("urllib3-2023-09.json")
    )


@pytest.fixture
def urllib3(
    urllib3_template: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> Workspace:
    """urllib3 on 2023-09-30, and a workspace with one advisory whose fix is held for the
    upcoming line (on main), the last release line (2.0) and the ESR line (1.26)."""
    product = urllib3_template.copy_to(tmp_path / "product")
    root = tmp_path / "ws"
    history = History.load("urllib3-2023-09.json")
    names = ["--name", "urllib3", "--vendor", "urllib3", "--prefix", "URLLIB3"]
    where = ["--site-url", "https://urllib3.example/security"]
    clone = ["--repository", os.path.relpath(product.clone, root)]
    made = CliRunner().invoke(cli, ["init", str(root), *names, *where, *clone])
    assert made.exit_code == 0, made.output + made.stderr
    config = root / "releasekit.toml"
    written = tomllib.loads(config.read_text())["releases"]
    expected = history.config
    for key in ("branch", "branches", "tag", "read_tags", "upcoming"):
        assert written[key] == expected[key], (key, made.output)
    assert written["bump"] == [dict(zip(("path", "format"), history.version_file, strict=True))]
    # What init asks the release manager to check: which lines the project supports.
    text = re.sub(r"(?m)^esr = .*$", f"esr = {json.dumps(expected['esr'])}", config.read_text())
    text = re.sub(r"(?m)^last = .*$", f"last = {expected['last']}", text)
    text = text.replace(
        "[releases]\n", '[releases]\ncommitter = "Release Bot <release@example.org>"\n', 1
    )
    config.write_text(text + mail_table(smtp_server, gpg_home.fingerprint))
    (root / "advisories" / f"{ID}.md").write_text(
        advisory_text(ID, "Cookie header kept on cross-host redirects", EMBARGO.isoformat())
    )
    ws = Workspace(root, product, smtp_server, gpg_home)
    fixed = replace_line(numbered("stand_in"), 12, "stand_in: drop the header on redirects")
    for line, (branch, _, _) in LINES.items():
        ws.hold(line, branch, fixed)
    return ws


def after_embargo() -> time_machine.travel:
    return time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True)


def test_urllib3_october_2023_through_plan_lint_dry_run_lift_and_publish(
    urllib3: Workspace,
) -> None:
    ws = urllib3
    before = ws.remote_refs()
    plan = ws.run("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    lines = {line["line"]: line for line in json.loads(plan.stdout)["lines"]}
    assert list(lines) == ["2.1", "2.0", "1.26"]
    for name, (branch, version, tag) in LINES.items():
        line = lines[name]
        assert (line["branch"], line["next_version"], line["tag"]) == (branch, version, tag)
        assert line["ok"] is True and line["problems"] == []
    # 2.0's newest release is v2.0.5 (the other spelling): next is 2.0.6, not 2.0.5 again,
    # and no pre-release (2.0.0a1 ... a4) counts.
    assert lines["2.0"]["latest"] == "2.0.5"
    assert lines["1.26"]["latest"] == "1.26.16"
    release = lines["2.0"]["release"]
    assert release["version"] == "2.0.6" and release["files"] == [VERSION_FILE]
    assert release["message"] == "Release 2.0.6\n"
    assert lines["2.0"]["head"] == release["commit"]
    assert lines["2.1"]["release"] is None  # upcoming: the fixes only
    assert lines["2.1"]["head"] == lines["2.1"]["commits"][-1]["commit"]

    lint = ws.run("lint")
    assert lint.exit_code == 0, lint.output + lint.stderr

    with after_embargo():
        dry = ws.run("embargo", "lift", "--dry-run", "--show-announcement")
    assert dry.exit_code == 0, dry.output + dry.stderr
    for ref in ("refs/heads/main", "refs/heads/2.0.x", "refs/tags/2.0.6", "refs/tags/1.26.17"):
        assert ref in dry.stdout
    assert "refs/tags/v2.0.6" not in dry.stdout and "refs/tags/2.1.0" not in dry.stdout
    assert "'Release 2.0.6'" in dry.stdout and "'Release 1.26.17'" in dry.stdout
    assert ws.remote_refs() == before and ws.smtp.messages == []

    with after_embargo():
        lift = ws.run("embargo", "lift", "--yes")
    assert lift.exit_code == 0, lift.output + lift.stderr
    refs = ws.remote_refs()
    assert "refs/tags/v2.0.6" not in refs and "refs/tags/2.1.0" not in refs
    fix_commits: dict[str, str] = {}
    for name, (branch, version, tag) in LINES.items():
        tip = ws.remote("rev-parse", f"refs/heads/{branch}")
        if tag is None:  # upcoming: the fix only, no release commit, no tag
            assert ws.remote("log", "-1", "--format=%s", tip) == FIX_SUBJECT
            fix_commits[name] = tip
            continue
        assert ws.remote("cat-file", "-t", f"refs/tags/{tag}") == "tag"  # annotated
        verify = subprocess.run(
            ["git", "verify-tag", tag], cwd=ws.product.remote, env=ws.gpg.env,
            capture_output=True, check=False,
        )  # fmt: skip
        assert verify.returncode == 0, verify.stderr
        # The tag points at the release commit: the branch's tip, whose version file says
        # the tagged version, whose parent is the fix, and which changes the version only.
        commit = ws.remote("rev-parse", f"{tag}^{{commit}}")
        assert commit == tip
        assert f'__version__ = "{version}"' in ws.remote("show", f"{commit}:{VERSION_FILE}")
        parent = ws.remote("rev-parse", f"{commit}^")
        assert ws.remote("log", "-1", "--format=%s", parent) == FIX_SUBJECT
        assert ws.remote("diff", "--name-only", parent, commit) == VERSION_FILE
        message = ws.remote("log", "-1", "--format=%B", commit)
        assert message == f"Release {version}"
        fix_commits[name] = parent
    text = ws.advisory()
    assert '"1.26" = "1.26.17"' in text and '"2.0" = "2.0.6"' in text and '"2.1" = "2.1.0"' in text
    for name, commit in fix_commits.items():
        assert f'"{name}" = "{commit}"' in text  # fix_commits: the last fix of each line
    (message,) = ws.smtp.messages
    body = message.data.decode()
    assert "2.0.0 to 2.0.5 affected, fixed in 2.0.6" in body
    assert "1.26.0 to 1.26.16 affected, fixed in 1.26.17" in body
    assert DETAIL_MARKER not in body
    assert DETAIL_MARKER not in ws.remote("log", "--all", "--format=%B")

    # Everything again: nothing is pushed or sent, and the plan sees the new releases.
    with after_embargo():
        again = [
            ws.run("plan", "--json"),
            ws.run("lint"),
            ws.run("embargo", "lift", "--yes"),
            ws.run("publish"),
        ]
    for result in again:
        assert result.exit_code == 0, result.output + result.stderr
    assert "Nothing to lift" in again[2].stdout
    lines = {line["line"]: line for line in json.loads(again[0].stdout)["lines"]}
    assert (lines["2.0"]["latest"], lines["2.0"]["next_version"]) == ("2.0.6", "2.0.7")
    assert ws.remote_refs() == refs
    assert len(ws.smtp.messages) == 1


def test_the_next_version_tagged_in_another_spelling_stops_the_plan_and_the_lift(
    urllib3: Workspace,
) -> None:
    ws = urllib3
    # Someone tagged v2.0.6 on main (not on 2.0.x) before the lift.
    git(ws.product.dev, "tag", "-a", "-m", "Release v2.0.6", "v2.0.6", "main")
    git(ws.product.dev, "push", "-q", "origin", "refs/tags/v2.0.6")
    before = ws.remote_refs()
    plan = ws.run("plan")
    assert plan.exit_code == 1
    assert "line 2.0: 2.0.6 is already tagged (v2.0.6)" in plan.stdout
    assert "line 2.0: 2.0.6 is already tagged (v2.0.6)" in plan.stderr
    with after_embargo():
        lift = ws.run("embargo", "lift", "--yes")
    assert lift.exit_code == 1
    assert "release tags and files: line 2.0: 2.0.6 is already tagged (v2.0.6)" in lift.stderr
    assert "Nothing was pushed" in lift.stderr
    assert ws.remote_refs() == before and ws.smtp.messages == []
    assert "released" not in ws.advisory()


def test_a_release_tag_on_the_branch_with_the_old_version_file_is_not_ready(
    urllib3: Workspace,
) -> None:
    ws = urllib3
    # 2.0.6 tagged on the 2.0.x tip, whose version file still says 2.0.5: 2.0.7 would be
    # next, and the file does not carry 2.0.6.
    git(ws.product.dev, "tag", "-a", "-m", "Release 2.0.6", "2.0.6", "2.0.x")
    git(ws.product.dev, "push", "-q", "origin", "refs/tags/2.0.6")
    plan = ws.run("plan", "--json")
    assert plan.exit_code == 1
    lines = {line["line"]: line for line in json.loads(plan.stdout)["lines"]}
    assert lines["2.0"]["next_version"] == "2.0.7"
    assert lines["2.0"]["problems"] == [
        "line 2.0 (2.0.x): releases.bump: src/urllib3/_version.py must contain "
        "'__version__ = \"2.0.6\"' exactly once (found 0)"
    ]
    assert lines["2.0"]["head"] is None and lines["1.26"]["problems"] == []
    assert "src/urllib3/_version.py" in plan.stderr


# --- a changelog, on the standard product -----------------------------------------------------

CHANGES = "# Changes\n\n<!-- new releases below -->\n\n## 10.3.1\n\n- Older things\n"
# werkzeug's CHANGES.rst: sections underlined with "-", two blank lines between them.
CHANGES_RST = (
    ".. currentmodule:: acme\n\n.. new releases below\n\n"
    "10.3.1 (2026-10-01)\n-------------------\n\n- Older things\n"
)


@pytest.fixture
def with_changelog(tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome) -> Workspace:
    """A product whose release branches carry VERSION and CHANGES.md; 10.3 released, 10.4
    upcoming; one advisory with its fix held for both."""
    return changelog_workspace(tmp_path, smtp_server, gpg_home, "CHANGES.md")


@pytest.fixture
def with_rst_changelog(tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome) -> Workspace:
    """The same with a reStructuredText changelog, CHANGES.rst."""
    return changelog_workspace(tmp_path, smtp_server, gpg_home, "CHANGES.rst")


def changelog_workspace(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome, changelog: str
) -> Workspace:
    text = CHANGES_RST if changelog.endswith(".rst") else CHANGES
    marker = (
        ".. new releases below" if changelog.endswith(".rst") else "<!-- new releases below -->"
    )
    product = Product.create(tmp_path / "product", {**FILES, changelog: text})
    product.release_line("10.3", ["10.3.0", "10.3.1"])
    product.release_line("10.4", [])
    git(product.clone, "fetch", "-q", "--tags", "origin")
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    extra = (
        '\n[[releases.bump]]\npath = "VERSION"\nformat = "{version}"\n'
        f'\n[releases.changelog]\npath = "{changelog}"\nmarker = "{marker}"\n'
        + mail_table(smtp_server, gpg_home.fingerprint)
    )
    config = workspace_config(product.clone, extra, esr="[]", last="1")
    config = config.replace("[releases]", '[releases]\ncommitter = "Bot <bot@example.org>"')
    (root / "releasekit.toml").write_text(config.replace("ACSA", "URLLIB3"))
    (root / "advisories" / f"{ID}.md").write_text(
        advisory_text(ID, "Export ignores the share setting", "2026-12-01T14:00:00Z")
    )
    ws = Workspace(root, product, smtp_server, gpg_home)
    fixed = replace_line(FILES["src/export.c"], 7, "export: honour the share setting")
    for line in ("10.3", "10.4"):
        patch = product.fix(f"release-{line}", {"src/export.c": fixed}, "Honour the share setting")
        path = tmp_path / f"fix-{line}.patch"
        path.write_bytes(patch)
        result = ws.run("patch", "add", ID, "--line", line, str(path))
        assert result.exit_code == 0, result.output + result.stderr
    return ws


def lint_and_lift(ws: Workspace) -> None:
    """The lint passes, then the lift at the embargo instant does."""
    assert ws.run("lint").exit_code == 0
    with time_machine.travel(datetime(2026, 12, 1, 14, 0, 5, tzinfo=UTC), tick=True):
        lift = ws.run("embargo", "lift", "--yes")
    assert lift.exit_code == 0, lift.output + lift.stderr


def test_the_release_commit_inserts_the_changelog_entry(with_changelog: Workspace) -> None:
    ws = with_changelog
    plan = ws.run("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    line = next(line for line in json.loads(plan.stdout)["lines"] if line["line"] == "10.3")
    assert line["release"]["files"] == ["CHANGES.md", "VERSION"]
    lint_and_lift(ws)
    changes = ws.remote("show", "v10.3.2:CHANGES.md")
    assert changes.startswith(
        "# Changes\n\n<!-- new releases below -->\n\n## 10.3.2 (2026-12-01)\n\n"
        "- Export ignores the share setting\n\n## 10.3.1\n"
    )
    assert ws.remote("show", "v10.3.2:VERSION") == "10.3.2"
    # Only what is public at the release: no details, no CVE id, no credit.
    pushed = ws.remote("log", "-p", "release-10.3") + ws.remote("log", "-p", "release-10.4")
    for private in (DETAIL_MARKER, "CVE-2023-43804", CREDIT):
        assert private not in pushed
    # The upcoming line gets the fix only.
    assert "10.4.0" not in ws.remote("show", "release-10.4:CHANGES.md")


def test_the_dry_run_shows_the_lines_a_release_commit_adds(with_changelog: Workspace) -> None:
    # The changelog entry and the version line are public at the lift: the dry run showed
    # only the release commit's subject, so the entry was first seen on the remote.
    ws = with_changelog
    with time_machine.travel(datetime(2026, 11, 30, 14, 0, tzinfo=UTC), tick=False):
        dry = ws.run("embargo", "lift", "--dry-run")
    assert dry.exit_code == 0, dry.output + dry.stderr
    out = dry.stdout
    shown = re.search(r"--- commit ([0-9a-f]{12}) on release-10.3\nRelease 10.3.2\n", out)
    assert shown is not None, out
    commit = shown.group(1)
    assert out[shown.end() :].startswith(
        f"--- VERSION: lines added by commit {commit}\n+10.3.2\n"
        f"--- CHANGES.md: lines added by commit {commit}\n"
        "+\n+## 10.3.2 (2026-12-01)\n+\n+- Export ignores the share setting\n"
        "--- tag v10.3.2\n"
    ), out[shown.start() :]


def test_a_restructuredtext_changelog_gets_an_entry_in_its_markup(
    with_rst_changelog: Workspace,
) -> None:
    ws = with_rst_changelog
    plan = ws.run("plan", "--json")
    assert plan.exit_code == 0, plan.output + plan.stderr
    lint_and_lift(ws)
    changes = ws.remote("show", "v10.3.2:CHANGES.rst")
    assert changes.startswith(
        ".. currentmodule:: acme\n\n.. new releases below\n\n"
        "10.3.2 (2026-12-01)\n-------------------\n\n- Export ignores the share setting\n\n\n"
        "10.3.1 (2026-10-01)\n"
    )
    # Each section title's underline is as long as the title: valid reStructuredText.
    lines = changes.splitlines()
    underlined = [(lines[n - 1], rule) for n, rule in enumerate(lines) if set(rule) == {"-"}]
    assert underlined and all(len(title) == len(rule) for title, rule in underlined)


def test_the_lint_checks_the_changelog_entry(with_changelog: Workspace) -> None:
    ws = with_changelog
    # An override that names the advisory: its id is a leak signal until the release.
    templates = ws.root / "templates"
    templates.mkdir()
    (templates / "changelog-entry.txt.j2").write_text(
        "\n## {{ version }}\n\n{% for a in advisories %}- {{ a.id }}: {{ a.title }}\n{% endfor %}"
    )
    lint = ws.run("lint")
    assert lint.exit_code == 1
    assert f"release commit of v10.3.2: CHANGES.md: {ID}:" in lint.stdout
    (templates / "changelog-entry.txt.j2").write_text("{{ a.details }}")
    assert ws.run("plan").exit_code == 2  # no such field: details are never in the context


def test_a_changelog_without_its_marker_line_is_not_ready(with_changelog: Workspace) -> None:
    ws = with_changelog
    config = ws.root / "releasekit.toml"
    config.write_text(config.read_text().replace("new releases below", "releases go here"))
    plan = ws.run("plan")
    assert plan.exit_code == 1
    assert (
        "line 10.3 (release-10.3): releases.changelog: CHANGES.md has no line "
        "'<!-- releases go here -->' (marker)"
    ) in plan.stderr

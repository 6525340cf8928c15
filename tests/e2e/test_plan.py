from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from releasekit.adapters.env import Environment
from releasekit.adapters.git import Person, ProductRepo
from releasekit.cli import cli
from releasekit.model.config import Settings
from releasekit.release.leaks import lint_plan
from releasekit.release.plan import Plan
from releasekit.release.planner import build_plan, tag_message
from releasekit.support.errors import BadInput, PatchError
from releasekit.workspace import files as workspace
from tests.conftest import Workspace
from tests.helpers.repos import FILES, Product, git, release_product, replace_line, workspace_config

Run = Callable[..., Result]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EXPORT = FILES["src/export.c"]
LOW = '"CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"'


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


@pytest.fixture
def pws(ws: Workspace, product: Product) -> Workspace:
    ws.write("releasekit.toml", workspace_config(product.clone))
    return ws


def hold(ws: Workspace, advisory: str, line: str, data: bytes) -> None:
    path = ws.root / "patches" / advisory / f"{line}.patch"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def open_repo(settings: Settings) -> ProductRepo:
    return ProductRepo.open(settings.repository_path, Environment())


def plan_of(ws: Workspace, *, fetch: bool = True, now: datetime | None = NOW) -> Plan:
    settings = workspace.open_workspace(ws.root)
    advisories = workspace.load_advisories(settings)
    return build_plan(settings, advisories, open_repo(settings), fetch=fetch, now=now)


def export_fix(product: Product, base: str, line: int, text: str, message: str = "Fix") -> bytes:
    """A fix of src/export.c made on ``base`` (not the line's tip)."""
    original = product.read(base, "src/export.c")
    return product.fix(base, {"src/export.c": replace_line(original, line, text)}, message)


def test_a_fix_made_on_an_older_tip_carries_over(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    fix = export_fix(product, "v10.3.1", 25, "export: check read permission", "Check reads")
    hold(pws, "ACSA-2026-0001", "10.3", fix)
    hold(pws, "ACSA-2026-0001", "10.4", fix)
    plan = plan_of(pws)
    cell = plan.cell("ACSA-2026-0001", "10.3")
    assert (cell.required, cell.held, cell.status) == (True, True, "applies")
    outcome = plan.outcomes["10.3"]
    assert outcome.base == product.tip("release-10.3") and outcome.ok
    assert outcome.commits == (("ACSA-2026-0001", outcome.head),)
    assert cell.commits == (outcome.head,)
    repo = plan.repo
    assert outcome.head is not None
    made = repo.commit(outcome.head)
    assert made.parents == (outcome.base,)
    assert made.message == "Check reads\n"
    assert (made.author.name, made.author.email) == ("Dana Developer", "dana@example.org")
    assert (made.committer.name, made.committer.email) == ("Release Bot", "release@example.org")
    assert made.committer.time == int(NOW.timestamp())
    entry = repo.entry(made.tree, "src/export.c")
    assert entry is not None
    merged = repo.read_blob(entry.oid).decode()
    assert merged == replace_line(
        replace_line(EXPORT, 1, "export: maintained on 10.3"), 25, "export: check read permission"
    )
    skipped = plan.cell("ACSA-2026-0001", "9.11")
    assert (skipped.status, skipped.required) == ("not-required", False)
    assert skipped.reason == "introduced in 10.3; 9.11 does not have the affected code"
    assert plan.ready("ACSA-2026-0001") and plan.is_ready


def test_a_real_conflict_names_its_file(pws: Workspace, product: Product, run: Run) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    hold(pws, "ACSA-2026-0001", "10.3", export_fix(product, "v10.3.1", 1, "export: new header"))
    hold(pws, "ACSA-2026-0001", "10.4", export_fix(product, "release-10.4", 25, "export: ok"))
    result = run("plan", "--json")
    assert result.exit_code == 1, result.output
    assert result.stderr.endswith(
        "releasekit: error: not ready: ACSA-2026-0001 on 10.3: conflicts (src/export.c)\n"
    )
    data = json.loads(result.stdout)
    cells = {c["line"]: c for c in data["advisories"][0]["cells"]}
    assert cells["10.3"]["status"] == "conflicts"
    assert cells["10.3"]["conflicts"] == ["src/export.c"]
    assert cells["10.3"]["reason"].endswith("; conflicts in src/export.c")
    assert cells["10.4"]["status"] == "applies"
    lines = {line["line"]: line for line in data["lines"]}
    assert (lines["10.3"]["ok"], lines["10.3"]["head"], lines["10.3"]["commits"]) == (
        False,
        None,
        [],
    )
    assert data["ready"] is False and data["advisories"][0]["ready"] is False
    table = run("plan")
    assert table.exit_code == 1
    assert "conflicts" in table.stdout and "src/export.c" in table.stdout
    assert "10.3 (" in table.stdout and "! a line where a required fix is missing" in table.stdout
    assert "Plan: NOT ready." in table.stdout


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_the_plan_table_fits_the_terminal(pws: Workspace, product: Product, columns: int) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    hold(pws, "ACSA-2026-0001", "10.3", export_fix(product, "v10.3.1", 1, "export: new header"))
    env = {"COLUMNS": str(columns)}
    out = CliRunner(env=env).invoke(cli, ["-C", str(pws.root), "plan"]).stdout
    table = out[: out.index("\nACSA-2026-0001 10.4:")]  # the reasons follow, one per cell
    assert max(len(line) for line in table.splitlines()) <= columns
    for word in ("10.4", "(upcoming)", "10.4.0", "conflicts", "not-required", "missing"):
        assert word in table  # never folded in the middle
    assert "medium, embargoed" in table
    rows = [line for line in table.splitlines() if "ACSA-2026-0001" in line]
    if columns < 200:  # a row per advisory and line
        assert any("10.3" in row and "conflicts" in row for row in table.splitlines())
    else:  # a column per line
        assert len(rows) == 1 and "missing" in rows[0] and "not-required" in rows[0]


def test_fixes_stack_on_one_line_in_id_order(pws: Workspace, product: Product) -> None:
    # 9999 sorts after 10000 as a string; the plan orders by number.
    for ident in ("ACSA-2026-10000", "ACSA-2026-9999"):
        pws.advisory(ident, introduced='"10.3"')
    first = export_fix(product, "v10.3.1", 10, "export: ten", "First")
    second = export_fix(product, "v10.3.1", 20, "export: twenty", "Second")
    hold(pws, "ACSA-2026-9999", "10.3", first)
    hold(pws, "ACSA-2026-10000", "10.3", second)
    # on 10.4 the second fix was made on top of the first (its preimage is not public)
    ten = replace_line(EXPORT, 10, "export: ten")
    product.commit("stack", {"src/export.c": ten}, "First", create_from="release-10.4")
    hold(pws, "ACSA-2026-9999", "10.4", product.format_patch("-1"))
    product.commit("stack", {"src/export.c": replace_line(ten, 11, "export: eleven")}, "Second")
    hold(pws, "ACSA-2026-10000", "10.4", product.format_patch("-1"))
    plan = plan_of(pws)
    assert [a.id for a in plan.advisories] == ["ACSA-2026-9999", "ACSA-2026-10000"]
    for line in ("10.3", "10.4"):
        outcome = plan.outcomes[line]
        assert [advisory for advisory, _ in outcome.commits] == [
            "ACSA-2026-9999",
            "ACSA-2026-10000",
        ]
        (_, one), (_, two) = outcome.commits
        assert plan.repo.commit(two).parents == (one,)
        assert plan.repo.commit(one).parents == (outcome.base,)
        assert outcome.head == two
    head = plan.outcomes["10.3"].head
    assert head is not None
    entry = plan.repo.entry(plan.repo.commit(head).tree, "src/export.c")
    assert entry is not None
    text = plan.repo.read_blob(entry.oid).decode()
    assert "export: ten\n" in text and "export: twenty\n" in text
    assert text.startswith("export: maintained on 10.3\n")
    assert plan.is_ready


def test_a_line_that_already_has_the_fix(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.2"')
    fix = export_fix(product, "v10.2.0", 25, "export: check read permission")
    product.commit(
        "release-10.2",
        {"src/export.c": replace_line(EXPORT, 25, "export: check read permission")},
        "Same fix, already public",
        create_from="",
    )
    product.publish("release-10.2")
    for line in ("10.2", "10.3", "10.4"):
        hold(pws, "ACSA-2026-0001", line, fix)
    plan = plan_of(pws)
    cell = plan.cell("ACSA-2026-0001", "10.2")
    assert (cell.status, cell.required) == ("already-fixed", False)
    assert cell.reason == "release-10.2 already contains the fix"
    assert plan.outcomes["10.2"].commits == () and plan.outcomes["10.2"].head is None
    assert plan.outcomes["10.2"].ok
    assert plan.cell("ACSA-2026-0001", "10.3").status == "applies"
    assert plan.is_ready


def test_drafts_are_shown_and_do_not_gate(pws: Workspace, product: Product, run: Run) -> None:
    pws.advisory("ACSA-2026-0001", cvss=LOW)  # low: upcoming and ESR only
    pws.advisory("ACSA-2026-0002", embargo=None, cvss=LOW)  # a draft, nothing held for 9.11
    pws.advisory("ACSA-2026-0003", released="2026-10-01T00:00:00Z", embargo="2026-10-01T00:00:00Z")
    hold(pws, "ACSA-2026-0001", "10.4", export_fix(product, "release-10.4", 5, "export: 5"))
    hold(pws, "ACSA-2026-0001", "9.11", export_fix(product, "v9.11.2", 5, "export: 5"))
    hold(pws, "ACSA-2026-0002", "10.4", export_fix(product, "release-10.4", 9, "export: 9"))
    hold(pws, "ACSA-2026-0003", "10.4", b"not even a patch: released advisories take no part")
    result = run("plan", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(a["id"], a["state"], a["ready"]) for a in data["advisories"]] == [
        ("ACSA-2026-0001", "embargoed", True),
        ("ACSA-2026-0002", "draft", False),
    ]
    draft = {c["line"]: c for c in data["advisories"][1]["cells"]}
    assert draft["10.4"]["status"] == "applies" and draft["10.4"]["commits"] == []
    assert draft["9.11"]["status"] == "missing"
    assert draft["9.11"]["reason"].endswith("no fix held (patches/ACSA-2026-0002/9.11.patch)")
    upcoming = next(line for line in data["lines"] if line["line"] == "10.4")
    assert [c["advisory"] for c in upcoming["commits"]] == ["ACSA-2026-0001"]
    assert data["ready"] is True
    # The table says why it is ready with a draft not ready: drafts are not counted.
    table = run("plan", "--no-fetch")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[-1] == (
        "Plan: ready (ACSA-2026-0002, a draft with no embargo yet, is not ready and not counted)."
    )


def test_the_json_shape_is_stable(pws: Workspace, product: Product, run: Run) -> None:
    pws.advisory("ACSA-2026-0001", cvss=LOW)
    result = run("plan", "--json")
    assert result.exit_code == 1  # fixes missing
    data = json.loads(result.stdout)
    assert list(data) == ["version", "ready", "remote", "committer", "lines", "advisories"]
    assert data["version"] == 1 and data["committer"] == "Release Bot <release@example.org>"
    assert list(data["lines"][0]) == [
        "line",
        "groups",
        "latest",
        "next_version",
        "branch",
        "tag",
        "base",
        "head",
        "ok",
        "commits",
        "release",
        "development",
        "problems",
        "latest_tag",
        "local_tags",
    ]
    assert all(line["release"] is None and line["problems"] == [] for line in data["lines"])
    assert all(line["local_tags"] == [] for line in data["lines"])
    assert [(line["line"], line["next_version"], line["tag"]) for line in data["lines"]] == [
        ("10.4", "10.4.0", None),
        ("10.3", "10.3.2", "v10.3.2"),
        ("10.2", "10.2.1", "v10.2.1"),
        ("10.1", "10.1.2", "v10.1.2"),
        ("9.11", "9.11.3", "v9.11.3"),
    ]
    advisory = data["advisories"][0]
    assert list(advisory) == [
        "id",
        "severity",
        "state",
        "embargo",
        "ready",
        "problems",
        "earlier",
        "notes",
        "cells",
    ]
    assert advisory["embargo"] == "2026-12-01T14:00:00Z"
    assert (advisory["earlier"], advisory["notes"]) == ({}, [])
    assert list(advisory["cells"][0]) == [
        "line",
        "required",
        "reason",
        "held",
        "status",
        "conflicts",
        "commits",
    ]
    assert "fetching origin" in result.stderr  # progress goes to stderr


def test_planning_touches_no_ref_index_worktree_or_object(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    fix = export_fix(product, "v10.3.1", 25, "export: check")
    hold(pws, "ACSA-2026-0001", "10.3", fix)
    hold(pws, "ACSA-2026-0001", "10.4", fix)
    (product.clone / "local-change.txt").write_text("uncommitted\n")
    before = product.clone_state()
    objects = git(product.clone, "count-objects", "-v")
    plan = plan_of(pws)
    assert plan.is_ready
    assert product.clone_state() == before
    assert git(product.clone, "count-objects", "-v") == objects
    head = plan.outcomes["10.3"].head
    assert head is not None
    hidden = subprocess.run(["git", "cat-file", "-e", head], cwd=product.clone, check=False)
    assert hidden.returncode != 0


def test_the_same_inputs_give_the_same_commits(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    fix = export_fix(product, "v10.3.1", 25, "export: check")
    hold(pws, "ACSA-2026-0001", "10.3", fix)
    hold(pws, "ACSA-2026-0001", "10.4", fix)
    first, second = plan_of(pws, fetch=False), plan_of(pws, fetch=False)
    assert first.outcomes == second.outcomes
    assert plan_of(pws, fetch=False, now=None).outcomes["10.3"].head != first.outcomes["10.3"].head


def test_a_multi_commit_fix_conflicting_half_way_adds_nothing(
    pws: Workspace, product: Product
) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    pws.advisory("ACSA-2026-0002", introduced='"10.3"')
    product.commit(
        "two",
        {"src/preview.c": replace_line(FILES["src/preview.c"], 3, "ok")},
        "A",
        create_from="v10.3.1",
    )
    product.commit("two", {"src/export.c": replace_line(EXPORT, 1, "clash")}, "B")
    hold(pws, "ACSA-2026-0001", "10.3", product.format_patch("v10.3.1..two"))
    hold(pws, "ACSA-2026-0002", "10.3", export_fix(product, "v10.3.1", 30, "export: 30"))
    plan = plan_of(pws)
    assert plan.cell("ACSA-2026-0001", "10.3").status == "conflicts"
    assert plan.cell("ACSA-2026-0001", "10.3").commits == ()
    ((advisory, commit),) = plan.outcomes["10.3"].commits
    assert advisory == "ACSA-2026-0002"
    assert plan.repo.commit(commit).parents == (plan.outcomes["10.3"].base,)
    tree = plan.repo.commit(commit).tree
    preview = plan.repo.entry(tree, "src/preview.c")
    assert preview is not None and b"ok" not in plan.repo.read_blob(preview.oid)


def test_the_committer_and_the_tag_message_are_configurable(
    pws: Workspace, product: Product
) -> None:
    pws.write(
        "releasekit.toml",
        workspace_config(product.clone, committer='"Acme Releases <releases@acme.example>"'),
    )
    pws.write("templates/tag-message.txt.j2", "{{ project }} release {{ version }} ({{ tag }})\n")
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    fix = export_fix(product, "v10.3.1", 25, "export: check")
    hold(pws, "ACSA-2026-0001", "10.3", fix)
    hold(pws, "ACSA-2026-0001", "10.4", fix)
    plan = plan_of(pws)
    assert plan.committer == Person("Acme Releases", "releases@acme.example")
    head = plan.outcomes["10.3"].head
    assert head is not None
    assert plan.repo.commit(head).committer.email == "releases@acme.example"
    line = plan.line("10.3")
    assert line.tag_message == "Acme Server release 10.3.2 (v10.3.2)\n"
    settings = workspace.open_workspace(pws.root)
    assert plan.line("10.4").tag_message is None
    assert tag_message(settings, _release_line(settings, "10.3")) == line.tag_message


def _release_line(settings, name):  # type: ignore[no-untyped-def]
    from releasekit.release.lines import read_lines

    return read_lines(settings, ["v10.3.1", "v9.11.0"], upcoming_exists=True).get(name)


def test_lint_plan_checks_exactly_what_is_pushed(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    pws.advisory("ACSA-2026-0002", introduced='"10.3"', embargo=None)
    fix = export_fix(product, "v10.3.1", 25, "export: check", "Fix the XSS in export")
    hold(pws, "ACSA-2026-0001", "10.3", fix)
    hold(pws, "ACSA-2026-0001", "10.4", fix)
    leak = export_fix(product, "v10.3.1", 20, "export: twenty", "Avoid an exploit")
    hold(pws, "ACSA-2026-0002", "10.3", leak)  # a draft: not pushed with this plan
    settings = workspace.open_workspace(pws.root)
    advisories = workspace.load_advisories(settings)
    plan = build_plan(settings, advisories, open_repo(settings), now=NOW)
    findings = [str(f) for f in lint_plan(settings, plan, advisories)]
    assert findings == [
        "patches/ACSA-2026-0001/10.3.patch:4: XSS: Fix the XSS in export",
        "patches/ACSA-2026-0001/10.4.patch:4: XSS: Fix the XSS in export",
    ]


# --- bad input ------------------------------------------------------------------------------


def test_a_malformed_held_fix_is_exit_2(pws: Workspace, product: Product, run: Run) -> None:
    pws.advisory("ACSA-2026-0001")
    hold(pws, "ACSA-2026-0001", "10.3", b"From: x\n\nnot a patch\n")
    product.commit("release-10.2", {"src/new.c": "new\n"}, "New upstream work", create_from="")
    product.publish("release-10.2")
    before, files = product.clone_state(), pws.snapshot()
    result = run("plan")
    assert result.exit_code == 2
    assert (product.clone_state(), pws.snapshot()) == (before, files)  # not even fetched
    assert result.stderr == (
        "releasekit: error: patches/ACSA-2026-0001/10.3.patch:1: mail has no Subject: header\n"
    )


def test_a_patch_directory_of_no_advisory_is_exit_2(
    pws: Workspace, product: Product, run: Run
) -> None:
    pws.advisory("ACSA-2026-0001")
    hold(pws, "ACSA-2026-0042", "10.3", b"")
    result = run("plan")
    assert result.exit_code == 2
    assert "patches/ACSA-2026-0042/: no such advisory" in result.stderr
    hold(pws, "ACSA-2026-0001", "latest", b"")
    (pws.root / "patches" / "ACSA-2026-0042" / "10.3.patch").unlink()
    (pws.root / "patches" / "ACSA-2026-0042").rmdir()
    misnamed = run("plan")
    assert misnamed.exit_code == 2 and "expected LINE.patch" in misnamed.stderr


def test_a_supported_line_without_its_branch_is_exit_2(
    pws: Workspace, product: Product, run: Run
) -> None:
    pws.advisory("ACSA-2026-0001")
    git(product.remote, "branch", "-D", "release-10.1")
    result = run("plan")
    assert result.exit_code == 2
    # One line naming the file, the line and the key that names the branch: the default
    # pattern here, so the [releases] table's line.
    config = pws.root / "releasekit.toml"
    line = config.read_text().splitlines().index("[releases]") + 1
    said = f"{config}:{line}: releases.branch: line 10.1: remote origin has no branch release-10.1"
    errors = [t for t in result.stderr.splitlines() if t.startswith("releasekit: error")]
    assert len(errors) == 1 and said in errors[0]
    # A branch named in releases.branches that the remote lacks (one spelt like a tag).
    config.write_text(
        config.read_text().replace("[releases]", '[releases]\nbranches = { "10.3" = "v10.3.1" }', 1)
    )
    named = run("plan")
    assert named.exit_code == 2
    where = (
        f"{config}:{line + 1}: releases.branches: line 10.3: remote origin has no branch v10.3.1"
    )
    assert where in named.stderr


def test_an_unreachable_remote_is_exit_1(pws: Workspace, product: Product, run: Run) -> None:
    pws.advisory("ACSA-2026-0001")
    git(product.clone, "remote", "set-url", "origin", str(product.root / "moved.git"))
    result = run("plan")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"releasekit: error: remote origin ({product.root}/moved.git) could not be reached: "
        "no such directory"
    )
    offline = run("plan", "--no-fetch", "--json")
    assert offline.exit_code == 1 and json.loads(offline.stdout)["ready"] is False


def test_no_committer_identity_is_bad_input(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001")
    git(product.clone, "config", "user.name", "")  # (a global user.name may exist)
    with pytest.raises(BadInput, match=r"releases.committer: not set"):
        plan_of(pws, fetch=False)


def test_a_malformed_committer_is_a_config_error(
    pws: Workspace, product: Product, run: Run
) -> None:
    pws.write("releasekit.toml", workspace_config(product.clone, committer='"Release Bot"'))
    result = run("plan")
    assert result.exit_code == 2
    assert "releasekit.toml:13: releases.committer: 'Release Bot' is not Name <email>" in (
        result.stderr
    )


def test_errors_are_releasekit_errors() -> None:
    assert issubclass(PatchError, BadInput)


def test_a_plan_of_some_advisories_stacks_only_theirs(pws: Workspace, product: Product) -> None:
    # The lift plans the advisories whose embargo ends; the others' fixes stay held.
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    pws.advisory("ACSA-2026-0002", introduced='"10.3"', embargo="2027-01-10T14:00:00Z")
    for ident, line_no in (("ACSA-2026-0001", 10), ("ACSA-2026-0002", 20)):
        fix = export_fix(product, "v10.3.1", line_no, f"export: {line_no}")
        hold(pws, ident, "10.3", fix)
        hold(pws, ident, "10.4", fix)
    settings = workspace.open_workspace(pws.root)
    every = workspace.load_advisories(settings)
    chosen = [a for a in every if a.id == "ACSA-2026-0001"]
    plan = build_plan(settings, chosen, open_repo(settings), now=NOW)
    assert [a.id for a in plan.advisories] == ["ACSA-2026-0001"]
    assert [advisory for advisory, _ in plan.outcomes["10.3"].commits] == ["ACSA-2026-0001"]
    assert lint_plan(settings, plan, every) == []


def test_a_fix_that_an_earlier_one_already_made(pws: Workspace, product: Product) -> None:
    pws.advisory("ACSA-2026-0001", introduced='"10.3"')
    pws.advisory("ACSA-2026-0002", introduced='"10.3"')
    fix = export_fix(product, "v10.3.1", 25, "export: check")
    for ident in ("ACSA-2026-0001", "ACSA-2026-0002"):
        hold(pws, ident, "10.3", fix)
        hold(pws, ident, "10.4", fix)
    plan = plan_of(pws)
    second = plan.cell("ACSA-2026-0002", "10.3")
    assert second.status == "already-fixed"
    assert second.reason == (
        "release-10.3 already contains the fix, with the fixes stacked before it"
    )
    assert [a for a, _ in plan.outcomes["10.3"].commits] == ["ACSA-2026-0001"]
    assert plan.is_ready

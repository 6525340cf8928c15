"""A release tag only the product clone has (the fetch keeps the clone's own tags, as
`git fetch --tags` does): the plan names it and is not ready, unless a lift journalled it."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.conftest import Workspace
from tests.e2e.test_embargo import EMBARGO, Release
from tests.e2e.test_plan import export_fix, hold
from tests.helpers.repos import Product, git, release_product, workspace_config


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


def workspace(ws: Workspace, product: Product, **releases: str) -> Workspace:
    """An advisory that needs 10.3 and 10.4, its fixes held and applying."""
    ws.write("releasekit.toml", workspace_config(product.clone, **releases))
    ws.advisory("ACSA-2026-0001", introduced='"10.3"')
    hold(ws, "ACSA-2026-0001", "10.3", export_fix(product, "v10.3.1", 25, "export: checked"))
    hold(ws, "ACSA-2026-0001", "10.4", export_fix(product, "release-10.4", 25, "export: ok"))
    return ws


def plan(ws: Workspace, *args: str) -> tuple[Result, dict[str, dict[str, object]]]:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "plan", "--json", *args])
    assert result.stdout, (result.stderr, result.exception)
    lines = {line["line"]: line for line in json.loads(result.stdout)["lines"]}
    return result, lines


def test_a_release_tag_only_the_clone_has_is_named_and_not_ready(
    ws: Workspace, product: Product
) -> None:
    # A release manager tagged v10.3.2 by mistake and never pushed it: the plan took it for
    # 10.3's newest release and proposed 10.3.3, ready, and the public never saw 10.3.2.
    workspace(ws, product)
    git(product.clone, "tag", "-a", "-m", "Release 10.3.2", "v10.3.2", "origin/release-10.3")
    result, lines = plan(ws)
    assert result.exit_code == 1, result.stderr
    said = (
        "line 10.3: its newest release tag v10.3.2 is not on remote origin (only this clone "
        "has it), so its next version would be 10.3.3: push it (git push origin "
        "refs/tags/v10.3.2) if it was released, or delete it here (git tag -d v10.3.2)"
    )
    assert lines["10.3"]["problems"] == [said] and lines["10.3"]["ok"] is False
    assert (lines["10.3"]["latest"], lines["10.3"]["latest_tag"]) == ("10.3.2", "v10.3.2")
    commit = git(product.clone, "rev-parse", "origin/release-10.3")
    assert lines["10.3"]["local_tags"] == [
        {"tag": "v10.3.2", "commit": commit, "remote_commit": None, "latest": True, "lift": False}
    ]
    assert lines["10.4"]["local_tags"] == [] and lines["10.4"]["problems"] == []
    assert said in result.stderr  # (exit 1: "not ready: ... (why)")
    table = CliRunner(env={"COLUMNS": "300"}).invoke(cli, ["-C", str(ws.root), "plan"])
    assert f"! {said}" in table.stdout and "Plan: NOT ready." in table.stdout
    # Pushed, it is a release like any other: nothing to say.
    git(product.clone, "push", "-q", "origin", "refs/tags/v10.3.2")
    result, lines = plan(ws)
    assert result.exit_code == 0, result.stderr
    assert lines["10.3"]["problems"] == [] and lines["10.3"]["local_tags"] == []
    assert lines["10.3"]["next_version"] == "10.3.3"


@pytest.mark.parametrize("kind", ["tree", "blob"])
def test_a_next_tag_that_names_no_commit_is_not_ready(
    ws: Workspace, product: Product, kind: str
) -> None:
    # The remote's v10.3.2 is an annotated tag of a tree (or a blob): the tags left it out,
    # and the plan said 10.3 -> 10.3.2 ready although the lift could not push that tag.
    workspace(ws, product)
    target = git(
        product.remote,
        "rev-parse",
        f"refs/heads/release-10.3{':README' if kind == 'blob' else '^{tree}'}",
    )
    made = git(
        product.remote,
        "mktag",
        input=f"object {target}\ntype {kind}\ntag v10.3.2\ntagger A <a@example.org> "
        "1790000000 +0000\n\nodd\n".encode(),
    )
    git(product.remote, "update-ref", "refs/tags/v10.3.2", made)
    result, lines = plan(ws)
    assert result.exit_code == 1, result.stderr
    assert lines["10.3"]["problems"] == [
        "line 10.3: 10.3.2 is already tagged (v10.3.2, not a commit)"
    ]
    assert lines["10.4"]["problems"] == []


def test_a_shallow_clone_is_told_to_fetch_the_rest(ws: Workspace, product: Product) -> None:
    # A clone made with --depth 1 lacks the commit of v10.3.1 (release-10.3 moved on past
    # it): the plan said only that no release tag of 10.3 is on release-10.3.
    shutil.rmtree(product.clone)
    remote = f"file://{product.remote}"
    git(product.root, "clone", "-q", "--depth=1", "--no-single-branch", remote, str(product.clone))
    git(product.clone, "remote", "set-url", "origin", str(product.remote))
    workspace(ws, product, committer='"Release Bot <release@example.org>"')
    result, lines = plan(ws)
    assert result.exit_code == 1, result.stderr
    assert lines["10.3"]["problems"] == [
        "line 10.3: no release tag of 10.3 is on release-10.3 (the product clone is shallow: "
        "run `git fetch --unshallow` in it)"
    ]
    git(product.clone, "fetch", "-q", "--unshallow", "--tags")
    assert plan(ws)[1]["10.3"]["problems"] == []


def test_an_older_release_tag_moved_here_is_named(ws: Workspace, product: Product) -> None:
    # The remote's v10.3.0 is one commit, the clone's another (the fetch keeps the clone's).
    workspace(ws, product)
    theirs = git(product.clone, "rev-parse", "v10.3.0^{commit}")
    git(product.clone, "tag", "-f", "-a", "-m", "Moved", "v10.3.0", "v10.3.1")
    ours = git(product.clone, "rev-parse", "v10.3.0^{commit}")
    result, lines = plan(ws)
    assert result.exit_code == 1
    assert lines["10.3"]["problems"] == [
        f"line 10.3: release tag v10.3.0 is at {ours[:12]} here but at {theirs[:12]} on "
        "remote origin: delete it here (git tag -d v10.3.0) and fetch again to take the "
        "remote's"
    ]
    assert lines["10.3"]["local_tags"] == [
        {"tag": "v10.3.0", "commit": ours, "remote_commit": theirs, "latest": False, "lift": False}
    ]
    git(product.clone, "tag", "-d", "v10.3.0")
    result, lines = plan(ws)
    assert result.exit_code == 0, result.stderr
    assert git(product.clone, "rev-parse", "v10.3.0^{commit}") == theirs


def test_a_tag_on_no_branch_with_tags_off_branch(ws: Workspace, product: Product) -> None:
    # [releases] tags_off_branch reads a release tag on a commit no remote branch holds (PHP
    # tags a release commit kept on a local branch): one never pushed counted as well.
    workspace(ws, product, tags_off_branch="true")
    tree = git(product.clone, "rev-parse", "origin/release-10.3^{tree}")
    made = git(product.clone, "commit-tree", "-p", "origin/release-10.3", "-m", "10.3.2", tree)
    git(product.clone, "tag", "v10.3.2", made)
    result, lines = plan(ws)
    assert result.exit_code == 1
    assert lines["10.3"]["latest_tag"] == "v10.3.2"
    assert [t["tag"] for t in lines["10.3"]["local_tags"]] == ["v10.3.2"]  # type: ignore[union-attr]
    assert "its newest release tag v10.3.2 is not on remote origin" in result.stderr


def test_without_a_fetch_the_remote_is_not_asked(ws: Workspace, product: Product) -> None:
    workspace(ws, product)
    git(product.clone, "tag", "v10.3.2", "origin/release-10.3")
    result, lines = plan(ws, "--no-fetch")
    assert result.exit_code == 0, result.stderr
    assert lines["10.3"]["local_tags"] is None  # not known, not checked


def test_without_a_fetch_the_table_says_the_tags_were_not_compared(
    ws: Workspace, product: Product
) -> None:
    # The JSON says local_tags null; the table said nothing, and read as if checked.
    workspace(ws, product)
    git(product.clone, "tag", "v10.3.2", "origin/release-10.3")
    runner = CliRunner(env={"COLUMNS": "300"})
    table = runner.invoke(cli, ["-C", str(ws.root), "plan", "--no-fetch"])
    assert table.exit_code == 0, table.output
    said = (
        "note: the remote's tags were not compared (plan --no-fetch): a release tag only "
        "this clone has is not named"
    )
    assert said in table.stdout
    assert table.stdout.splitlines()[-1] == "Plan: ready."
    fetched = runner.invoke(cli, ["-C", str(ws.root), "plan"])
    assert "were not compared" not in fetched.stdout and "v10.3.2" in fetched.stdout


def test_the_checklist_and_the_dry_run_name_the_tag(release: Release) -> None:
    # The lift's preflight plans too: it would have tagged and pushed 10.3.3 after a 10.3.2
    # the public never saw.
    git(release.product.clone, "tag", "v10.3.2", "origin/release-10.3")
    with time_machine.travel(EMBARGO - timedelta(hours=1), tick=False):
        result = release.run("embargo", "status", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)["batches"][0]["checks"]}
    assert checks["release tags and files"]["ok"] is False
    assert checks["release tags and files"]["detail"].startswith(
        "line 10.3: its newest release tag v10.3.2 is not on remote origin"
    )
    with time_machine.travel(EMBARGO + timedelta(minutes=1), tick=False):
        dry = release.run("embargo", "lift", "--dry-run")
    assert dry.exit_code == 1
    assert "v10.3.2 is not on remote origin" in dry.stdout


def test_a_resumed_lifts_own_tag_is_not_in_the_way(past: Release) -> None:
    # A lift journals its tags before it pushes them; one that stopped there is resumed
    # from the journal. Its tag in the clone (made by hand from the journal, say) is the
    # lift's own: the plan says to re-run the lift, and the lift pushes exactly that tag.
    config = past.root / "releasekit.toml"
    config.write_text(
        config.read_text().replace("[releases]", "[releases]\ntags_off_branch = true")
    )
    assert past.subprocess("embargo", "lift", "--yes", crash_after="push-started") == -9
    assert "refs/tags/v10.3.2" not in past.remote_refs()
    journalled = journalled_tag(past, "v10.3.2")
    git(past.product.clone, "update-ref", "refs/tags/v10.3.2", journalled)
    result = past.run("plan", "--json")
    lines = {line["line"]: line for line in json.loads(result.stdout)["lines"]}
    assert [(t["tag"], t["lift"]) for t in lines["10.3"]["local_tags"]] == [("v10.3.2", True)]
    assert not any("v10.3.2 is not on remote" in p for p in lines["10.3"]["problems"])
    table = past.run("plan", env={"COLUMNS": "300"})
    assert (
        "note: line 10.3: tag v10.3.2 is not on remote origin yet: a lift of this workspace "
        "journalled it; re-run `releasekit embargo lift` to push it"
    ) in table.stdout
    # The same name made by hand at another object is not the lift's: in the way.
    git(past.product.clone, "tag", "-f", "v10.3.2", "origin/release-10.3")
    result = past.run("plan", "--json")
    lines = {line["line"]: line for line in json.loads(result.stdout)["lines"]}
    assert [(t["tag"], t["lift"]) for t in lines["10.3"]["local_tags"]] == [("v10.3.2", False)]
    git(past.product.clone, "update-ref", "refs/tags/v10.3.2", journalled)
    assert past.subprocess("embargo", "lift", "--yes") == 0
    assert past.remote_refs()["refs/tags/v10.3.2"] == journalled
    result = past.run("plan", "--json")
    lines = {line["line"]: line for line in json.loads(result.stdout)["lines"]}
    assert lines["10.3"]["local_tags"] == []


def journalled_tag(release: Release, name: str) -> str:
    """The tag object the (unfinished) push step of the release's lift journalled."""
    from releasekit.adapters.journal import Journal

    with Journal.open(release.root / ".releasekit") as book:
        (step,) = [s for s in book.steps("lift/") if s.key.endswith("/push")]
    (found,) = [u[2] for u in step.detail["updates"] if u[0] == f"refs/tags/{name}"]
    return str(found)

"""``releasekit plan`` and ``lint``: the backport plan and the leak check of what the lift
would push."""

from __future__ import annotations

import json

import click

from releasekit.cli import show
from releasekit.cli.context import Context, json_option, pass_context
from releasekit.support import clock
from releasekit.support.errors import LeakFound, NotReady
from releasekit.support.words import counted
from releasekit.workspace.files import load_advisories


@click.command("plan")
@json_option
@click.option("--no-fetch", is_flag=True, help="Use the remote-tracking refs as they are.")
@pass_context
def plan_command(obj: Context, as_json: bool, no_fetch: bool) -> None:
    """The backport matrix: advisories x release lines on the live public tips.

    For each unreleased advisory and supported line: required or not and why, fix held or
    missing, and whether it applies, conflicts (with the files) or is already there; the
    next version of each line, and the release commit that bumps it. Not ready, too, when a
    line's next version is already tagged (any spelling), an unread tag of the line is on
    its branch, a release tag it counts for a line is not on the remote as in the clone
    (push it, or delete it here; a tag an unfinished lift journalled is the lift's, pushed
    when it resumes), or a bump file or the changelog does not fit. Fetches the remote
    first (progress on stderr); with --no-fetch the remote's tags are not compared (a note
    says so).
    Exit 0 when every advisory with an embargo is ready, 1 when not, 2 on bad input.

    \b
    Example:
      releasekit plan
      releasekit plan --json | jq '.advisories[] | select(.ready | not) | .id'
    """
    # Imported here, not at start-up: they load pygit2, which `releasekit --help` and the
    # other commands do not need.
    from releasekit.adapters import git
    from releasekit.embargo.run import journalled_tags
    from releasekit.release import planner

    settings = obj.settings
    advisories = load_advisories(settings)
    result = planner.build_plan(
        settings,
        advisories,
        git.ProductRepo.open(settings.repository_path, obj.env),
        fetch=not no_fetch,
        progress=show.progress,
        now=clock.now(),
        lifts=journalled_tags(settings),
    )
    if as_json:
        show.echo(json.dumps(result.to_json(), indent=2), lines=True)
    else:
        show.print_plan(settings, result)
    if not result.is_ready:
        waiting = [a.id for a in result.advisories if a.gating and not result.ready(a.id)]
        problems = [p for a in waiting for p in result.problems(a)]
        why = f" ({'; '.join(dict.fromkeys(problems))})" if problems else ""
        # Each fix missing or not applying by line and file, as `embargo status` names it.
        troubles = [c.trouble() for c in result.cells if c.advisory in waiting and not c.ok]
        others = [a for a in waiting if all(c.ok for c in result.cells if c.advisory == a)]
        raise NotReady(f"not ready: {'; '.join([*troubles, *others])}{why}")


@click.command("lint")
@pass_context
def lint_command(obj: Context) -> None:
    """Leak check of everything the lift would push, before it is pushed.

    Checks every held fix of the unreleased advisories (commit subjects and bodies, author
    fields, file names, the lines the diffs add, comments included, and the text in binary
    files), the release commits (message, version lines, changelog entry), the branch and
    tag names and tag messages of the supported lines, and the committer. Words: the
    defaults (security, vulnerab*, exploit*, CVE, ...), public advisory ids (CVE, GHSA,
    PYSEC, RUSTSEC, GO, OSV, the project's prefix) and bug-bounty report links, [lint]
    words, and every advisory id, CVE id, CWE id and reporter name, in any spelling (look-alike
    letters, invisible characters, other separators, joined or reversed: see SECURITY.md);
    [lint] allow passes exact phrases. Each finding is FILE:LINE: word: context. Exit 0 when
    clean, 1 with findings.

    \b
    Example:
      releasekit lint
    """
    # Imported here, not at start-up: they load pygit2, which `releasekit --help` and the
    # other commands do not need.
    from releasekit.adapters import git
    from releasekit.release import leaks

    settings = obj.settings
    advisories = load_advisories(settings)
    findings = leaks.lint_workspace(
        settings, advisories, git.ProductRepo.open(settings.repository_path, obj.env)
    )
    for finding in findings:
        show.echo(str(finding))
    if findings:
        count = len(findings)
        found = counted(count, "possible leak")
        raise LeakFound(f"{found}: reword, or allow the phrase in [lint] allow")
    show.echo("lint: clean")

from __future__ import annotations

import io
import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli, show
from tests.conftest import Workspace
from tests.helpers.process import cli_process
from tests.helpers.sites import CONFIG

Run = Callable[..., Result]


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)  # type: ignore[assignment]
    if not isinstance(command, click.Group):
        assert "Example" in result.output, f"{' '.join(path)} --help has no example"


def test_advisory_new_names_every_cvss_version_it_takes() -> None:
    # A CVSS:3.0 vector is scored by 3.0's rules (as the README says); the help named
    # 3.1 and 4.0 only.
    result = CliRunner().invoke(cli, ["advisory", "new", "--help"])
    assert "CVSS 3.0, 3.1 or 4.0 vector." in " ".join(result.output.split())


def test_a_command_loads_only_its_own_module() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from releasekit.cli import cli\n"
        "assert CliRunner().invoke(cli, ['publish', '--help']).exit_code == 0\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('releasekit.cli.'))))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "releasekit.cli.publish" in loaded
    assert "releasekit.cli.embargo" not in loaded and "releasekit.cli.advisory" not in loaded


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(cli, ["pubish"])
    assert result.exit_code == 2
    assert "No such command 'pubish'. Did you mean 'publish'?" in result.output


def test_init_scaffolds_a_valid_workspace(tmp_path: Path) -> None:
    root = tmp_path / "security"
    result = CliRunner().invoke(cli, ["init", str(root), "--prefix", "ACSA", "--upcoming", "10.4"])
    assert result.exit_code == 0, result.output
    for sub in ("advisories", "patches", "templates", "site"):
        assert (root / sub).is_dir()
    assert list((root / "templates").iterdir()) == []
    assert stat.S_IMODE((root / ".releasekit").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "patches").stat().st_mode) == 0o700  # held fixes are private
    config = (root / "releasekit.toml").read_text()
    assert "# " in config and 'advisory_prefix = "ACSA"' in config
    listed = CliRunner().invoke(cli, ["-C", str(root), "advisory", "list"])
    assert listed.exit_code == 0, listed.output
    again = CliRunner().invoke(cli, ["init", str(root)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_init_rejects_a_bad_value_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "security"
    result = CliRunner().invoke(cli, ["init", str(root), "--time-zone", "Mars/Base"])
    assert result.exit_code == 2
    assert "project.time_zone" in result.stderr
    assert not root.exists()


def test_init_stopped_by_a_full_disk_can_be_run_again(tmp_path: Path) -> None:
    root = tmp_path / "security"
    args = ("init", str(root), "--prefix", "ACSA", "--upcoming", "10.4")
    failed = cli_process(tmp_path, *args, file_size=300)  # the scaffolded config is larger
    assert failed.returncode == 1, failed.stderr
    assert failed.stderr.endswith(" security/releasekit.toml: File too large\n"), failed.stderr
    assert not (root / "releasekit.toml").exists()  # not half a config: "already exists"
    assert not root.exists()  # nor its .git and directories: a failed init changes nothing
    again = cli_process(tmp_path, *args)
    assert again.returncode == 0, again.stderr


def test_init_in_the_way_of_a_file_is_one_line_and_makes_nothing(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("marker\n")
    (tmp_path / "dangling").mkdir()
    (tmp_path / "dangling" / "releasekit.toml").symlink_to(tmp_path / "nowhere-marker")
    for target, message in (
        ("plain-file/sub", "plain-file: not a directory"),
        ("dangling", "dangling/releasekit.toml: already exists; not overwriting a workspace"),
    ):
        result = CliRunner().invoke(cli, ["init", str(tmp_path / target)])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [f"releasekit: error: {tmp_path}/{message}"]
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "dangling", "plain-file", "releasekit.toml"
    ]  # fmt: skip


@time_machine.travel("2026-11-22T10:00:00Z", tick=False)
def test_advisory_new_takes_the_next_free_id_and_never_reuses(ws: Workspace, run: Run) -> None:
    ws.advisory("ACSA-2026-0007")
    result = run(
        "advisory",
        "new",
        "--title",
        "T <b>",
        "--summary",
        'S "quoted"',
        "--cvss",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "advisories/ACSA-2026-0008.md"
    created = ws.root / "advisories" / "ACSA-2026-0008.md"
    assert stat.S_IMODE(created.stat().st_mode) == 0o600
    created.unlink()
    result = run("advisory", "new", "--title", "T", "--summary", "S")
    assert result.stdout.strip() == "advisories/ACSA-2026-0009.md"
    check = run("advisory", "check")
    assert check.exit_code == 0, check.output
    assert check.stdout.strip() == "2 advisories OK"


@time_machine.travel("2026-11-22T10:00:00Z", tick=False)
def test_advisory_new_counts_only_ids_in_the_digits_0_to_9(ws: Workspace, run: Run) -> None:
    # "²³".isdigit() is true but int() refuses it (a traceback); "٩٩٩٩" read as 9999.
    ws.advisory("ACSA-2026-0007")
    for number in ("²³", "٩٩٩٩"):
        ws.write(f"advisories/ACSA-2026-{number}.md", "MARKER-NOT-AN-ADVISORY\n")
    result = run("advisory", "new", "--title", "T", "--summary", "S")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "advisories/ACSA-2026-0008.md"


def test_a_full_disk_leaves_no_half_written_advisory(ws: Workspace) -> None:
    args = ("advisory", "new", "--title", "T", "--summary", "S")
    failed = cli_process(ws.root, *args, file_size=100)
    assert failed.returncode == 1
    assert re.fullmatch(
        r"releasekit: error: advisories/ACSA-\d{4}-0001\.md: File too large",
        failed.stderr.strip(),
    ), failed.stderr
    assert list((ws.root / "advisories").glob("*.md")) == []  # not an empty advisory
    done = cli_process(ws.root, *args)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"advisories/ACSA-\d{4}-0001\.md", done.stdout.strip())


def test_an_id_that_cannot_be_recorded_leaves_no_advisory(ws: Workspace) -> None:
    # The record of issued ids is written after the advisory: a record larger than the
    # disk takes (a file-size limit here) fails that write, and the advisory goes again.
    issued = ws.root / ".releasekit" / "issued-ids.json"
    issued.parent.mkdir()
    issued.write_text(json.dumps({f"old-{n}": n for n in range(3000)}))
    args = ("advisory", "new", "--title", "T", "--summary", "S")
    failed = cli_process(ws.root, *args, file_size=20_000)
    assert failed.returncode == 1
    assert failed.stderr.strip().endswith("issued-ids.json: File too large"), failed.stderr
    assert list((ws.root / "advisories").glob("*.md")) == []  # a re-run would add a second
    assert cli_process(ws.root, *args).returncode == 0
    assert len(list((ws.root / "advisories").glob("*.md"))) == 1


@pytest.mark.parametrize(
    "content",
    [b'{"2026": "abc"}', b'{"2026": null}', b'{"2026": 1.5}', b'{"2026": 1e400}', b"[]",
     b'"x"', b'{"2026": 1' + b"0" * 5000 + b"}", b'{"2026": true}', b'{"2026": -1}', b"\xff",
     b"[" * 100_000],
)  # fmt: skip
def test_a_damaged_record_of_issued_ids_stops_advisory_new_in_one_line(
    ws: Workspace, run: Run, content: bytes
) -> None:
    # Never read as "nothing issued": that would hand out a deleted draft's id again.
    issued = ws.root / ".releasekit" / "issued-ids.json"
    issued.parent.mkdir()
    issued.write_bytes(content)
    (issued.parent / ".ids.lock").touch()  # (the lock is taken before the file is read)
    before = ws.snapshot()
    result = run("advisory", "new", "--title", "T", "--summary", "S")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "releasekit: error: .releasekit/issued-ids.json: damaged: must map each year to the "
        "highest id number issued (repair it by hand: a lower number would issue an id again)\n"
    )
    assert ws.snapshot() == before


def test_advisory_new_issues_no_id_past_twelve_digits(ws: Workspace, run: Run) -> None:
    issued = ws.root / ".releasekit" / "issued-ids.json"
    issued.parent.mkdir()
    year = datetime.now(UTC).year
    issued.write_text(json.dumps({str(year): 999_999_999_999}))
    (issued.parent / ".ids.lock").touch()  # (the lock is taken before the file is read)
    before = ws.snapshot()
    result = run("advisory", "new", "--title", "T", "--summary", "S")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"releasekit: error: ACSA-{year}: no id left to issue (an id has at most 12 digits)\n"
    )
    assert ws.snapshot() == before


def test_advisory_new_rejects_a_bad_vector_and_writes_nothing(ws: Workspace, run: Run) -> None:
    before = ws.snapshot()
    result = run("advisory", "new", "--title", "T", "--summary", "S", "--cvss", "CVSS:3.1/AV:Q")
    assert result.exit_code == 2
    assert "cvss: invalid CVSS vector" in result.stderr
    assert ws.snapshot() == before


@time_machine.travel("2026-11-22T10:00:00Z", tick=False)
def test_advisory_new_names_the_option_not_another_advisory(ws: Workspace, run: Run) -> None:
    # ACSA-2026-0001 exists and is valid: a bad --cve or --cvss is not its problem.
    ws.advisory("ACSA-2026-0001")
    before = ws.snapshot()
    vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    new = ("advisory", "new", "--title", "T", "--summary", "S")
    result = run(*new, "--cvss", vector, "--cve", "CVE-1")
    assert result.exit_code == 2
    assert result.stderr == "releasekit: error: advisory new: --cve: must look like CVE-YYYY-NNNN\n"
    result = run(*new, "--cvss", "CVSS:3.1/AV:Q")
    assert result.exit_code == 2
    assert result.stderr.startswith("releasekit: error: advisory new: --cvss: invalid CVSS")
    result = run(*new, "--cve", "CVE-2026-40009")  # the embargo it sets needs a score
    assert result.exit_code == 2
    assert result.stderr.startswith("releasekit: error: advisory new: --cvss: required once")
    assert ws.snapshot() == before


def test_advisory_new_refuses_a_cve_id_another_advisory_has(ws: Workspace, run: Run) -> None:
    ws.advisory("ACSA-2026-0001", cve='"CVE-2026-1234"')
    ws.advisory("ACSA-2026-0002", cve='"CVE-2026-5678"', component='"part-a"')
    vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    new = ("advisory", "new", "--title", "T", "--summary", "S", "--cvss", vector)
    refused = (
        "releasekit: error: advisory new: --cve: another advisory has the same CVE id "
        "(shared only by advisories of different components)\n"
    )
    (ws.root / ".releasekit").mkdir()
    (ws.root / ".releasekit" / ".ids.lock").touch()  # (checked under the lock of the ids)
    before = ws.snapshot()
    for cve, component in (
        ("CVE-2026-1234", ()),
        ("CVE-2026-1234", ("--component", "part-b")),  # the other names none
        ("CVE-2026-5678", ()),
        ("CVE-2026-5678", ("--component", "part-a")),
    ):
        result = run(*new, "--cve", cve, *component)
        assert result.exit_code == 2, result.output
        assert result.stderr == refused
    assert ws.snapshot() == before
    # One CVE id across the components of a product: each advisory names a different one.
    shared = run(*new, "--cve", "CVE-2026-5678", "--component", "part-b")
    assert shared.exit_code == 0, shared.output
    assert run("advisory", "check").exit_code == 0


@pytest.mark.parametrize("option", ["--embargo", "--reported"])
@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+00:01", "9500-01-01T00:00:00Z"]
)
def test_advisory_new_refuses_an_instant_out_of_range_in_one_line(
    ws: Workspace, run: Run, option: str, moment: str
) -> None:
    # The first two have no UTC time at all: converting them overflowed, with a traceback.
    before = ws.snapshot()
    vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    result = run("advisory", "new", "--title", "T", "--summary", "S", "--cvss", vector,
                 option, moment)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert (
        result.stderr == f"releasekit: error: advisory new: {option}: must be from 1970 to 8999\n"
    )
    assert ws.snapshot() == before


def test_advisory_new_writes_the_embargo_to_its_fraction_of_a_second(
    ws: Workspace, run: Run
) -> None:
    # The file said 2026-12-01T08:15:00Z: the embargo ended 0.9 s before the one asked for,
    # and a lift in that time went ahead.
    vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    result = run("advisory", "new", "--title", "T", "--summary", "S", "--cvss", vector,
                 "--embargo", "2026-12-01T14:00:00.9+05:45")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (ws.root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert "\nembargo = 2026-12-01T08:15:00.900000Z\n" in text
    with time_machine.travel("2026-12-01T08:15:00.5Z", tick=False):
        early = run("embargo", "lift", "--yes")
    assert early.exit_code == 1, early.output
    assert "embargo not over: ACSA-2026-0001" in early.stderr


def test_advisory_new_without_a_summary_and_no_input_is_bad_usage(ws: Workspace, run: Run) -> None:
    # From cron or a script there is nobody to ask: a missing option (2), not "Aborted!" (1).
    before = ws.snapshot()
    result = run("advisory", "new", "--title", "T")
    assert result.exit_code == 2, result.output
    assert "Missing option '--summary'" in result.stderr
    assert "Aborted" not in result.output
    assert ws.snapshot() == before
    asked = run("advisory", "new", "--title", "T", input="A summary.\n")
    assert asked.exit_code == 0, asked.output


@time_machine.travel("2026-11-22T10:00:00Z", tick=False)
def test_advisory_list_json_and_table(ws: Workspace, run: Run) -> None:
    ws.advisory("ACSA-2026-0001")
    ws.advisory("ACSA-2026-0002", released="2026-10-01T14:00:00Z", embargo="2026-10-01T14:00:00Z")
    result = run("advisory", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["id"], r["state"]) for r in rows] == [
        ("ACSA-2026-0001", "embargoed"),
        ("ACSA-2026-0002", "disclosed"),
    ]
    assert rows[0]["embargo"] == "2026-12-01T14:00:00Z"
    assert rows[0]["severity"] == "medium" and rows[0]["score"] == 6.5
    table = run("advisory", "list")
    assert "ACSA-2026-0001" in table.stdout
    assert "(06:00 PST)" in table.stdout


def test_advisory_list_shows_titles_as_written(ws: Workspace, run: Run) -> None:
    # A closing tag with nothing open crashed the table (rich's MarkupError); [red] restyled
    # the title; a bidi override reordered the terminal's line.
    ws.advisory(title='"[/bold] Ref<B, T> [red]red[/] :warning: \\u202eevil"')
    result = CliRunner(env={"COLUMNS": "300"}).invoke(cli, ["-C", str(ws.root), "advisory", "list"])
    assert result.exit_code == 0, result.output
    assert "[/bold] Ref<B, T> [red]red[/] :warning: \\u202eevil" in result.stdout


def test_advisory_check_reports_every_problem_and_exits_2(ws: Workspace, run: Run) -> None:
    ws.advisory("ACSA-2026-0001", cvss='"CVSS:3.1/AV:X"')
    ws.advisory("ACSA-2026-0002", embargo="2026-12-01T14:00:00")
    ws.advisory("ACSA-2026-0003", cve='"CVE-2026-1111"')
    ws.advisory("ACSA-2026-00003", cve='"CVE-2026-1111"')
    ws.write("advisories/ACSA-2026-0005.md", "+++\nid = \n+++\n")
    result = run("advisory", "check")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert "advisories/ACSA-2026-0001.md:4: cvss: invalid CVSS vector" in lines[0]
    assert "advisories/ACSA-2026-0002.md:5: embargo: needs a UTC offset" in result.stderr
    assert "advisories/ACSA-2026-0003.md:2: id: duplicate id" in result.stderr
    assert "ACSA-2026-0003.md:7: cve: another advisory has the same CVE id" in result.stderr
    assert "CVE-2026-1111" not in result.stderr  # public only from the disclosure date
    assert "advisories/ACSA-2026-0005.md:2: invalid TOML" in result.stderr
    assert lines[-1] == "5 problems in advisories/"


def test_advisory_check_names_a_field_its_records_would_refuse(ws: Workspace, run: Run) -> None:
    # A title CVE JSON 5 refuses (at most 256 characters) is found now, not by the daily
    # build on the disclosure date, which it would stop for every advisory.
    ws.write("releasekit.toml", CONFIG)
    long_title = "T" * 300
    ws.advisory("ACSA-2026-0001", title=f'"{long_title}"', cve='"CVE-2026-40001"')
    ws.advisory(  # released already: its records are checked as they will be
        "ACSA-2026-0002",
        cve='"CVE-2026-40002"',
        cwe='"CWE-862"',
        embargo="2026-10-13T14:00:00Z",
        released="2026-10-13T14:00:07Z",
        fixed='{ "10.3" = "10.3.3" }',
        reporter='"' + "R" * 5000 + '"',
    )
    result = run("advisory", "check")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "advisories/ACSA-2026-0001.md:3: title: not accepted in its records:"
        " /containers/cna/title: not valid CVE JSON 5 (maxLength)",
        "advisories/ACSA-2026-0002.md:11: reporter: not accepted in its records:"
        " /containers/cna/credits/0/value: not valid CVE JSON 5 (maxLength)",
        "2 problems in advisories/",
    ]
    assert long_title not in result.stderr
    assert "CVE-2026-4000" not in result.stderr  # the CVE ids are not public yet
    ws.advisory("ACSA-2026-0001", title='"Short"', cve='"CVE-2026-40001"')
    ws.advisory("ACSA-2026-0002", cve='"CVE-2026-40002"', reporter='"Jane Doe"')
    assert run("advisory", "check").exit_code == 0


def test_advisory_check_refuses_an_unreleased_advisory_the_lift_could_not_record(
    ws: Workspace, run: Run
) -> None:
    # (within a few hundred characters of the front matter's limit, which recording the
    # release would pass)
    path = ws.advisory("ACSA-2026-0001", summary='"' + "A marker sentence. " * 3380 + '"')
    before = ws.snapshot()
    result = run("advisory", "check")
    assert result.exit_code == 2
    first, count = result.stderr.splitlines()
    assert first.startswith("advisories/ACSA-2026-0001.md:1: front matter: is 64,")
    assert first.endswith("move long text to the body") and count == "1 problem in advisories/"
    assert ws.snapshot() == before
    path.write_text(
        path.read_text().replace("embargo =", "released = 2026-12-01T14:00:07Z\nembargo =")
    )
    assert run("advisory", "check").exit_code == 0  # (released: the lift records nothing)
    made = run("advisory", "new", "--title", "T", "--summary", "A marker sentence. " * 3300)
    assert made.exit_code == 2 and "front matter: is 6" in made.stderr
    assert sorted(p.name for p in (ws.root / "advisories").iterdir()) == [path.name]


def test_advisory_check_and_publish_refuse_details_nested_too_deep(ws: Workspace, run: Run) -> None:
    # A list ten deep is 20 levels: the site's renderers leave out the text from there on.
    path = ws.advisory("ACSA-2026-0001", released="2026-12-01T14:00:07Z")
    deep = "".join(f"{'  ' * n}- step {n}\n" for n in range(10)) + "\nThe fix is in 10.4.3.\n"
    path.write_text(path.read_text().replace("Details.\n", "Intro.\n\n" + deep))
    assert path.read_text().splitlines()[20] == "  " * 9 + "- step 9"  # (line 21)
    before = ws.snapshot()
    for command in (("advisory", "check"), ("publish",)):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert "advisories/ACSA-2026-0001.md:21: body: quotes and lists nest 20 deep here" in (
            result.stderr
        )
        assert "step" not in result.stderr and "Traceback" not in result.output
        after = {name: data for name, data in ws.snapshot().items() if ".releasekit" not in name}
        assert after == before  # (no site/; only the private state directory is new)
    path.write_text(path.read_text().replace("  " * 9 + "- step 9", "- step 9"))
    assert run("advisory", "check").exit_code == 0


def test_commands_that_need_valid_advisories_fail_with_exit_2(ws: Workspace, run: Run) -> None:
    ws.advisory("ACSA-2026-0001", severity='"low"')
    result = run("advisory", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("releasekit: error: advisories/ACSA-2026-0001.md:")
    assert "Traceback" not in result.output


def test_bad_config_is_exit_2_with_one_line(ws: Workspace, run: Run) -> None:
    (ws.root / "releasekit.toml").write_text("[project]\nnme = 1\n")
    result = run("advisory", "list")
    assert result.exit_code == 2
    assert "releasekit.toml:2: project.nme: unknown key; did you mean 'name'?" in result.stderr


def test_verbose_shows_the_traceback(ws: Workspace) -> None:
    (ws.root / "releasekit.toml").write_text("[project\n")
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "-v", "advisory", "list"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


@pytest.mark.parametrize(
    ("now", "embargo"),
    [
        ("2026-11-22T10:20:00Z", "2026-11-25T11:00:00Z"),  # at least 72 hours: the next hour
        ("2026-11-22T10:00:00Z", "2026-11-25T10:00:00Z"),  # already on the hour
    ],
)
def test_advisory_new_with_a_cve_sets_the_default_embargo(
    ws: Workspace, run: Run, now: str, embargo: str
) -> None:
    with time_machine.travel(now, tick=False):
        result = run(
            "advisory",
            "new",
            "--title",
            "T",
            "--summary",
            "S",
            "--cve",
            "CVE-2026-40009",
            "--cvss",
            "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        )
    assert result.exit_code == 0, result.output
    text = (ws.root / result.stdout.strip()).read_text()
    assert f"embargo = {embargo}" in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_publish_shows_a_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    with show.render_bar() as advance:  # stderr is not a terminal under pytest
        assert advance is None
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with show.render_bar() as advance:
        assert advance is not None
        advance(50, 200)
        advance(200, 200)
    assert "publish: rendering" in screen.getvalue()
    assert "200/200" in screen.getvalue()


def test_embargo_commands_without_their_mail_tables_are_bad_input(ws: Workspace, run: Run) -> None:
    # init leaves [mail] commented out: its absence is missing input (exit 2), named as such.
    ws.advisory("ACSA-2026-0001", embargo="2026-12-01T14:00:00Z")
    before = ws.snapshot()
    with time_machine.travel("2026-12-02T00:00:00Z", tick=False):
        for command in ("announce", "notify", "lift"):
            result = run("embargo", command, "--dry-run")
            assert result.exit_code == 2, (command, result.output)
            assert result.stderr == (
                "releasekit: error: releasekit.toml: mail: no [mail] table:"
                " the embargo commands send mail\n"
            )
        ws.write(
            "releasekit.toml",
            (ws.root / "releasekit.toml").read_text()
            + '\n[mail]\nfrom = "Acme Security <security@acme.example>"\n'
            + 'to = ["announce@lists.acme.example"]\nsmtp = "smtp://127.0.0.1:9"\n'
            + f'signing_key = "{"A" * 40}"\n',
        )
        result = run("embargo", "notify", "--dry-run")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "releasekit: error: releasekit.toml: notify: no [notify] table with `to`\n"
    )

    def unchanged(files: dict[str, bytes]) -> dict[str, bytes]:  # (the lift's lock file aside)
        return {k: v for k, v in files.items() if not k.startswith(".") and k != "releasekit.toml"}

    assert unchanged(ws.snapshot()) == unchanged(before)


NO_STATE_FOLDER = ".releasekit: is not a directory (releasekit keeps its journal in it)"


@pytest.mark.parametrize(
    ("broken", "shown"),
    [
        ("a file", NO_STATE_FOLDER),
        ("a dangling symlink", NO_STATE_FOLDER),
        ("a symlink loop", ".releasekit: is a symlink loop"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [("publish",), ("advisory", "new", "--title", "Export leaks", "--summary", "One sentence.")],
)
def test_a_state_folder_that_is_no_folder_says_so(
    ws: Workspace, run: Run, broken: str, shown: str, args: tuple[str, ...]
) -> None:
    # The state folder replaced between two runs (moved away and linked back, the link lost):
    # "/abs/path/.releasekit: File exists", where nothing exists. (Exit 1: the state, like a
    # full disk, is the machine refusing a file; see test_build's symlink loop.)
    state = ws.root / ".releasekit"
    if broken == "a file":
        state.write_text("not a folder")
    elif broken == "a dangling symlink":
        state.symlink_to(ws.root.parent / "moved-away")
    else:
        state.symlink_to(state)
    before = ws.snapshot()
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"releasekit: error: {shown}\n"
    assert ws.snapshot() == before

"""A Django security release, on a small repository with Django's branches, tags and real
version file (tests/helpers/django.py, tests/fixtures/django/).

Django (django/django) releases from ``stable/5.1.x``-style branches, tags ``5.1.4`` (a
feature release ``5.1``, no "v"), writes its version as ``VERSION = (5, 1, 4, "final", 0)``
in ``django/__init__.py`` and moves it right after each release to the next one's
"alpha" ("Post-release version bump"). Its policy gives security fixes to main, the last
two feature releases and the LTS (4.2, the last 4.x; 5.0 followed it).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from releasekit.model.advisory import parse_advisory
from tests.e2e.test_embargo import EMBARGO, LISTS, mail_table
from tests.helpers.advisories import EMBARGO_AT, hold_fixes
from tests.helpers.django import INIT, django_like, init_py
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import Product, copied_product, git, workspace_config
from tests.helpers.smtp import SmtpServer

ID = "ACSA-2026-0001"
LOW = "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"  # 2.6: upcoming and ESR (LTS) only
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5: every supported line
FINAL = """
[[releases.bump]]
path = "django/__init__.py"
format = 'VERSION = ({major}, {minor}, {micro}, "final", 0)'
"""
ALPHA = """development = 'VERSION = ({major}, {minor}, {micro}, "alpha", 0)'
"""
OSV = '\n[osv]\necosystem = "PyPI"\npackage = "Django"\n'


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def workspace(tmp_path: Path, product: Product, extra: str) -> Path:
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(
        workspace_config(
            product.clone,
            extra,
            branch='"stable/{line}.x"',
            branches='{ "5.2" = "main" }',
            tag='"{version}"',
            upcoming='"5.2"',
            esr='["4.2"]',
            last="2",
            committer='"Release Bot <release@example.org>"',
        )
    )
    return root


def hold(root: Path, product: Product, cvss: str, lines: dict[str, str]) -> None:
    advisory = {
        "id": ID, "title": "Potential denial-of-service in floatformat", "cvss": cvss,
        "cve": "CVE-2026-40021", "embargo": EMBARGO_AT,
        "summary": "floatformat could use a lot of memory.",
    }  # fmt: skip
    fix = {"django/utils/numberformat.py": "# at most 200 digits\n"}
    hold_fixes(root, product, advisory, lines, (fix, "Fixed #35000 -- Limited digits."))


django_template, django = copied_product("django", django_like)


def test_init_reads_djangos_branches_and_tags(django: Product, tmp_path: Path) -> None:
    made = CliRunner().invoke(
        cli,
        [
            "init",
            str(tmp_path / "ws"),
            "--name",
            "Django",
            "--vendor",
            "DSF",
            "--prefix",
            "DSA",
            "--repository",
            str(django.clone),
        ],
    )
    assert made.exit_code == 0, made.output
    config = (tmp_path / "ws" / "releasekit.toml").read_text()
    for setting in (
        'branch = "stable/{line}.x"',
        'branches = { "5.2" = "main" }',
        'tag = "{version}"',
        'upcoming = "5.2"',
    ):
        assert setting in config
    assert 'inferred: tag = "{version}": the newest release is 5.1.4' in made.output
    ws = tmp_path / "ws"
    assert run(ws, "advisory", "check").exit_code == 0
    assert run(ws, "plan").exit_code == 0


def init_django(product: Product, tmp_path: Path) -> tuple[Result, str]:
    """``init --repository`` on ``product``: its output, and the releasekit.toml it wrote."""
    root = tmp_path / "ws"
    made = CliRunner().invoke(
        cli, ["init", str(root), "--prefix", "ACSA", "--repository", str(product.clone)]
    )
    assert made.exit_code == 0, made.output
    return made, (root / "releasekit.toml").read_text()


def test_init_proposes_the_version_tuple_as_the_bump(tmp_path: Path) -> None:
    # Without the post-release bump each stable branch says its newest release, "final":
    # the tuple is the bump, live. It was "no version file holds 5.1.4".
    made, config = init_django(django_like(tmp_path / "django", post=False), tmp_path)
    assert FINAL.replace("format", "# format") not in config
    assert (
        "[[releases.bump]]                    # a file that carries the version: the lift's "
        'release\npath = "django/__init__.py"' in config
    )
    assert "format = 'VERSION = ({major}, {minor}, {micro}, \"final\", 0)'" in config
    assert (
        "inferred: [[releases.bump]] django/__init__.py: VERSION = ({major}, {minor}, {micro}, "
        '"final", 0) (5.1.4 at 5.1.4)'
    ) in made.output
    assert run(tmp_path / "ws", "plan").exit_code == 0


def test_init_reads_the_alpha_of_the_post_release_bump_as_development(
    django: Product, tmp_path: Path
) -> None:
    # Each stable branch says its next version's alpha, (5, 1, 5, "alpha", 0): the bump
    # was commented out ("it does not say VERSION = ... on 5.1, 5.0, 4.2").
    made, config = init_django(django, tmp_path)
    assert FINAL.split("\n", 3)[-1] + ALPHA in config  # live: its format and development
    assert "# format" not in config
    assert (
        "inferred: [[releases.bump]] django/__init__.py: between releases VERSION = ({major}, "
        '{minor}, {micro}, "alpha", 0) (development), as stable/5.1.x says 5.1.5'
    ) in made.output
    assert "is commented out" not in made.output
    hold(tmp_path / "ws", django, HIGH, {"5.2": "main", "5.1": "stable/5.1.x",
                                         "5.0": "stable/5.0.x", "4.2": "stable/4.2.x"})  # fmt: skip
    planned = run(tmp_path / "ws", "plan")
    assert planned.exit_code == 0, planned.output
    assert "'Release 4.2.18' on the fixes, tagged 4.2.18: django/__init__.py" in planned.output


def test_a_branch_in_neither_state_leaves_the_bump_commented_out(
    django: Product, tmp_path: Path
) -> None:
    django.commit("stable/5.0.x", {INIT: init_py("5.0.11", "beta")}, "[5.0.x] Beta.")
    django.publish("stable/5.0.x")
    git(django.clone, "fetch", "-q", "origin")
    made, config = init_django(django, tmp_path)
    assert "# format = 'VERSION = ({major}, {minor}, {micro}, \"final\", 0)'" in config
    assert "# development = 'VERSION = ({major}, {minor}, {micro}, \"alpha\", 0)'" in config
    assert (
        "check: [[releases.bump]] django/__init__.py is commented out: it does not say "
        'VERSION = (MAJOR, MINOR, MICRO, "final", 0) (or VERSION = (MAJOR, MINOR, MICRO, '
        '"alpha", 0)) on 5.0'
    ) in made.output


def test_a_feature_release_alone_and_main_s_next_major(tmp_path: Path) -> None:
    # April 2025: stable/5.2.x has the tag 5.2 alone, its file (5, 2, 1, "alpha", 0), and
    # main says (6, 0, 0, "alpha", 0). The line is 5.2, its next release 5.2.1; init
    # guessed main's line as 5.3, the minor after 5.2 (Django goes from x.2 to x+1.0).
    django = django_like(tmp_path / "django", feature=True)
    made, config = init_django(django, tmp_path)
    assert 'upcoming = "6.0"' in config and 'branches = { "6.0" = "main" }' in config
    assert (
        'inferred: upcoming = "6.0": main\'s django/__init__.py says 6.0.0 (not the guess 5.3)'
    ) in made.output
    assert 'upcoming = "5.3"' not in made.output
    assert "inferred: last = 3: 5.2, 5.1, 5.0" in made.output
    hold(tmp_path / "ws", django, HIGH, {"6.0": "main", "5.2": "stable/5.2.x",
                                         "5.1": "stable/5.1.x", "5.0": "stable/5.0.x"})  # fmt: skip
    planned = run(tmp_path / "ws", "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == {
        "6.0": "6.0.0", "5.2": "5.2.1", "5.1": "5.1.5", "5.0": "5.0.11"
    }  # fmt: skip
    assert lines["5.2"]["tag"] == "5.2.1" and lines["5.2"]["release"]["files"] == [INIT]


def test_main_s_version_file_confirms_the_guessed_upcoming(django: Product, tmp_path: Path) -> None:
    made, _ = init_django(django, tmp_path)
    assert 'inferred: upcoming = "5.2": main\'s django/__init__.py says 5.2.0\n' in made.output
    assert 'upcoming = "5.2" is a guess' not in made.output


def test_the_plan_moves_the_alpha_of_the_post_release_bump_to_final(
    django: Product, tmp_path: Path
) -> None:
    # Each stable branch says the next version's alpha: (5, 1, 5, "alpha", 0). The plan
    # was not ready ("must contain 'VERSION = (5, 1, 4, \"final\", 0)' exactly once
    # (found 0)"), whatever the format; `development` names that state.
    root = workspace(tmp_path, django, FINAL + ALPHA)
    hold(root, django, HIGH, {"5.2": "main", "5.1": "stable/5.1.x", "5.0": "stable/5.0.x",
                              "4.2": "stable/4.2.x"})  # fmt: skip
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == {
        "5.2": "5.2.0", "5.1": "5.1.5", "5.0": "5.0.11", "4.2": "4.2.18"
    }  # fmt: skip
    assert [line["branch"] for line in lines.values()] == [
        "main", "stable/5.1.x", "stable/5.0.x", "stable/4.2.x"
    ]  # fmt: skip
    for name in ("5.1", "5.0", "4.2"):
        assert (lines[name]["problems"], lines[name]["release"]["files"]) == ([], [INIT])
    assert lines["5.2"]["release"] is None


def test_without_the_development_form_the_plan_names_the_file(
    django: Product, tmp_path: Path
) -> None:
    root = workspace(tmp_path, django, FINAL)
    hold(root, django, LOW, {"5.2": "main", "4.2": "stable/4.2.x"})
    planned = run(root, "plan")
    assert planned.exit_code == 1, planned.output
    assert (
        "line 4.2 (stable/4.2.x): releases.bump: django/__init__.py must contain "
        "'VERSION = (4, 2, 17, \"final\", 0)' exactly once (found 0)"
    ) in planned.stderr


def test_a_low_fix_in_main_and_the_lts_leaves_5_1_and_5_0_unfixed(
    django: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    extra = mail_table(smtp_server, gpg_home.fingerprint) + FINAL + ALPHA + OSV
    root = workspace(tmp_path, django, extra)
    hold(root, django, LOW, {"5.2": "main", "4.2": "stable/4.2.x"})
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # The release commit of 4.2.18 says (4, 2, 18, "final", 0) and changes nothing else;
    # main gets the fix only; 5.1 and 5.0 get nothing (Low: upcoming and LTS).
    assert django.released("4.2.18", INIT) == ({INIT: init_py("4.2.18")}, [INIT])
    tags = git(django.remote, "tag", "--list").split()
    assert "5.1.5" not in tags and "5.0.11" not in tags and "5.2" not in tags
    fixed = "# at most 200 digits"
    assert git(django.remote, "show", "main:django/utils/numberformat.py") == fixed
    assert git(django.remote, "show", "stable/5.1.x:django/__init__.py") + "\n" == init_py(
        "5.1.5", "alpha"
    )  # untouched
    text = (root / "advisories" / f"{ID}.md").read_text()
    advisory = parse_advisory(text, Path(f"advisories/{ID}.md"), "ACSA")
    assert dict(advisory.fixed) == {"5.2": "5.2.0", "4.2": "4.2.18"}
    assert advisory.unfixed == ("5.1", "5.0")
    assert len(smtp_server.messages) == len(LISTS)
    # On the disclosure date the OSV record says 4.2 up to 4.2.18, and 5.0 and 5.1 up to
    # 5.2.0, affected, in PyPI's versions: from 5.0.0, never 4.3.0 (Django had no 4.3).
    with time_machine.travel(EMBARGO + timedelta(days=31), tick=False):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    record = json.loads((root / "site" / "osv" / f"{ID}.json").read_text())
    ranges = [(entry["package"], entry["ranges"][0]["events"]) for entry in record["affected"]]
    package = {"ecosystem": "PyPI", "name": "Django"}
    assert (package, [{"introduced": "4.2.0"}, {"fixed": "4.2.18"}]) in ranges
    assert (package, [{"introduced": "5.0.0"}, {"fixed": "5.2.0"}]) in ranges
    assert "4.3" not in (root / "site" / "advisories.json").read_text()

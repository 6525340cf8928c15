"""Release conventions of real projects whose branch and tag names do not spell a version
with dots, on small repositories that copy a handful of their real branch and tag names:

- nginx (nginx/nginx, snapshot of 2026-08-21, 3f6f7824): stable-1.26 and stable-1.28 hold
  the stable lines (release-1.28.1), the odd mainline (release-1.29.2) is released from
  master.
- Ruby on Rails (rails/rails, snapshot of 2026-08-22, 2a2db1e8): a line's branch spelt
  7-1-stable, the next line on main, tags v7.1.5 and, for security releases, four numbers:
  v7.1.5.2.
- PostgreSQL (postgres/postgres; its snapshot was too large to fetch, the names are those
  that packagers cite in 2026: refs/tags/REL_16_12 for 16.12, REL_16_STABLE): a branch per
  major version, tags spelt with underscores (REL_16_2 is 16.2, REL_17_RC1 a pre-release),
  the next major on master.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import time_machine
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.e2e.test_embargo import EMBARGO, mail_table
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import Product, git, workspace_config
from tests.helpers.smtp import SmtpServer


def release(product: Product, branch: str, tag: str, files: dict[str, str]) -> None:
    """A release commit on ``branch`` (which exists) tagged ``tag``."""
    product.commit(branch, files, f"Release {tag}")
    product.tag(tag, branch)


def on_master(product: Product, *branches: str) -> Product:
    """Publish ``branches``; master (not main) is the remote's default branch; fetch."""
    product.publish("master", *branches)
    git(product.remote, "symbolic-ref", "HEAD", "refs/heads/master")
    git(product.dev, "push", "-q", "origin", ":main")
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


NGINX_H = '#define NGINX_VERSION      "{}"\n'


def nginx_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"src/core/nginx.h": NGINX_H.format(v)}

    product = Product.create(root, {**version("1.25.5"), "README": "nginx\n"})
    product.commit("master", {}, "Mainline", create_from="main")
    product.commit("stable-1.26", {}, "Stable 1.26", create_from="master")
    for tag in ("release-1.26.0", "release-1.26.3"):
        release(product, "stable-1.26", tag, version(tag.removeprefix("release-")))
    release(product, "master", "release-1.27.4", version("1.27.4"))
    product.commit("stable-1.28", {}, "Stable 1.28", create_from="master")
    for tag in ("release-1.28.0", "release-1.28.1"):
        release(product, "stable-1.28", tag, version(tag.removeprefix("release-")))
    release(product, "master", "release-1.29.2", version("1.29.2"))
    return on_master(product, "stable-1.26", "stable-1.28")


RAILS_TAGS = {
    "7-1-stable": ("v7.1.3", "v7.1.3.4", "v7.1.5", "v7.1.5.2"),
    "7-2-stable": ("v7.2.2", "v7.2.2.1", "v7.2.3", "v7.2.3.2"),
    "8-0-stable": ("v8.0.2", "v8.0.2.1"),
}


def rails_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"RAILS_VERSION": f"{v}\n"}

    product = Product.create(root, {**version("7.1.0"), "README.md": "rails\n"})
    for branch, tags in RAILS_TAGS.items():
        product.commit(branch, {}, f"Branch {branch}", create_from="main")
        for tag in tags:
            release(product, branch, tag, version(tag[1:]))
    product.commit("main", {"RAILS_VERSION": "8.1.0.alpha\n"}, "Start 8.1")
    product.publish("main", *RAILS_TAGS)
    git(product.clone, "fetch", "-q", "--prune", "--tags", "origin")
    return product


def postgres_like(root: Path) -> Product:
    def version(v: str) -> dict[str, str]:
        return {"configure.ac": f"AC_INIT([PostgreSQL], [{v}])\n"}

    product = Product.create(root, {**version("16devel"), "README": "postgres\n"})
    product.commit("master", {}, "Development", create_from="main")
    for major, minors in ((16, (0, 1, 2)), (17, (0, 1))):
        release(product, "master", f"REL_{major}_BETA1", version(f"{major}beta1"))
        product.commit(f"REL_{major}_STABLE", {}, "Stamp", create_from="master")
        product.commit("master", version(f"{major + 1}devel"), f"Start {major + 1}")
        release(product, f"REL_{major}_STABLE", f"REL_{major}_RC1", version(f"{major}rc1"))
        for minor in minors:
            tag = f"REL_{major}_{minor}"
            release(product, f"REL_{major}_STABLE", tag, version(f"{major}.{minor}"))
    return on_master(product, "REL_16_STABLE", "REL_17_STABLE")


def workspace(tmp_path: Path, product: Product, extra: str = "", **releases: str) -> Path:
    """A workspace over ``product``'s clone: ``releases`` in [releases], ``extra`` after."""
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    (root / "releasekit.toml").write_text(workspace_config(product.clone, extra, **releases))
    return root


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


def hold_one_fix(root: Path, product: Product, line: str, branch: str) -> None:
    """A Medium advisory (embargo 2026-12-01) whose fix, made on ``branch``, is held for
    ``line`` alone."""
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        '+++\nid = "ACSA-2026-0001"\ntitle = "Requests read too far"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"\n'
        'embargo = 2026-12-01T14:00:00Z\nsummary = "A crafted request."\n+++\n'
    )
    path = root.parent / f"{line}.patch"
    path.write_bytes(product.fix(branch, {"src/bounds.c": "/* bounds */\n"}, "Check bounds"))
    assert run(root, "patch", "add", "ACSA-2026-0001", "--line", line, str(path)).exit_code == 0


def test_two_lines_on_one_branch_are_a_config_error(tmp_path: Path) -> None:
    # nginx has no branch for its next line: naming the stable branch for it put the
    # upcoming line's fixes and 1.28's release on stable-1.28, and the plan was ready.
    product = nginx_like(tmp_path / "nginx")
    root = workspace(
        tmp_path,
        product,
        branch='"stable-{line}"',
        branches='{ "1.30" = "stable-1.28" }',
        tag='"release-{version}"',
        upcoming='"1.30"',
        esr='["1.28"]',
        last="0",
    )
    result = run(root, "plan")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1] == (
        f"releasekit: error: {root}/releasekit.toml:14: releases.branches: lines 1.30 and "
        "1.28 cannot share the branch 'stable-1.28'"
    )


def plan_lines(root: Path) -> list[tuple[str, str, str | None, str, str | None]]:
    result = run(root, "plan", "--json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["lines"]
    return [(n["line"], n["branch"], n["latest"], n["next_version"], n["tag"]) for n in lines]


def nginx_workspace(tmp_path: Path, product: Product, extra: str = "") -> Path:
    """nginx's lines: the stable one on its branch, the mainline released from master."""
    return workspace(
        tmp_path,
        product,
        extra,
        branch='"stable-{line}"',
        branches='{ "1.29" = "master" }',
        tag='"release-{version}"',
        upcoming='"1.29"',
        upcoming_released="true",
        esr="[]",
        last="1",
    )


def postgres_workspace(tmp_path: Path, product: Product, extra: str = "", **more: str) -> Path:
    return workspace(
        tmp_path,
        product,
        extra,
        line_parts="1",
        branch='"REL_{line}_STABLE"',
        branches='{ "18" = "master" }',
        tag='"REL_{version:_}"',
        upcoming='"18"',
        esr="[]",
        **more,
    )


def test_postgresql_tags_spell_the_version_with_underscores(tmp_path: Path) -> None:
    # "REL_{version}" read no tag (a version had no "_"): no released line, and the plan,
    # ready, sent every fix to master alone. "{version:_}" writes a version's dots as "_".
    root = postgres_workspace(tmp_path, postgres_like(tmp_path / "postgres"))
    assert [(line, branch, latest) for line, branch, latest, *_ in plan_lines(root)] == [
        ("18", "master", None),
        ("17", "REL_17_STABLE", "17.1"),
        ("16", "REL_16_STABLE", "16.2"),
    ]


def rails_workspace(tmp_path: Path, product: Product, extra: str = "", **more: str) -> Path:
    """Rails' lines: 7-1-stable and the like, the next line (8.1) on main."""
    releases = {"esr": "[]", "last": "3", **more}
    return workspace(
        tmp_path,
        product,
        extra,
        branch='"{line:-}-stable"',
        branches='{ "8.1" = "main" }',
        upcoming='"8.1"',
        **releases,
    )


def test_rails_branches_spell_the_line_with_a_dash(tmp_path: Path) -> None:
    # Rails' 7-1-stable could only be named line by line in branches.
    root = rails_workspace(tmp_path, rails_like(tmp_path / "rails"), esr='["7.1"]', last="2")
    assert [(line, branch) for line, branch, *_ in plan_lines(root)] == [
        ("8.1", "main"),
        ("8.0", "8-0-stable"),
        ("7.2", "7-2-stable"),
        ("7.1", "7-1-stable"),
    ]


def test_rails_security_releases_raise_the_fourth_number(tmp_path: Path) -> None:
    # After v7.2.3.2 Rails' next security release is v7.2.3.3; the plan tagged v7.2.4, a
    # version Rails keeps for its next regular release.
    root = rails_workspace(tmp_path, rails_like(tmp_path / "rails"))
    assert [line[2:] for line in plan_lines(root)[1:]] == [
        ("8.0.2.1", "8.0.2.2", "v8.0.2.2"),
        ("7.2.3.2", "7.2.3.3", "v7.2.3.3"),
        ("7.1.5.2", "7.1.5.3", "v7.1.5.3"),
    ]


def test_a_postgresql_release_is_lifted_as_its_next_minor(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # After REL_16_2 the plan tagged 16.2 plus a patch level, REL_16_2_1: a version that
    # PostgreSQL, whose releases have two numbers, never writes. The next is REL_16_3.
    product = postgres_like(tmp_path / "postgres")
    root = postgres_workspace(
        tmp_path,
        product,
        mail_table(smtp_server, gpg_home.fingerprint),
        committer='"Release Bot <release@example.org>"',
    )
    assert plan_lines(root) == [
        ("18", "master", None, "18.0", None),
        ("17", "REL_17_STABLE", "17.1", "17.2", "REL_17_2"),
        ("16", "REL_16_STABLE", "16.2", "16.3", "REL_16_3"),
    ]
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        '+++\nid = "ACSA-2026-0001"\ntitle = "Row filters skipped on COPY"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"\ncve = "CVE-2026-40009"\n'
        "embargo = 2026-12-01T14:00:00Z\n"
        'summary = "COPY could read rows that a row filter hides."\n+++\n\nDetails.\n'
    )
    for line, branch in (("18", "master"), ("17", "REL_17_STABLE"), ("16", "REL_16_STABLE")):
        fix = product.fix(branch, {"src/copy.c": "/* filtered */\n"}, "Apply row filters")
        path = tmp_path / f"{line}.patch"
        path.write_bytes(fix)
        held = run(root, "patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert held.exit_code == 0, held.output
    dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    assert "REL_17_2" in dry.stdout and "REL_16_3" in dry.stdout
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    assert git(product.remote, "tag", "--list", "REL_1?_[0-9]*").split() == [
        "REL_16_0", "REL_16_1", "REL_16_2", "REL_16_3", "REL_17_0", "REL_17_1", "REL_17_2",
    ]  # fmt: skip
    for tag, branch in (("REL_17_2", "REL_17_STABLE"), ("REL_16_3", "REL_16_STABLE")):
        assert git(product.remote, "rev-parse", f"{tag}^{{commit}}") == product.tip(branch)
    assert git(product.remote, "log", "-1", "--format=%s", "master") == "Apply row filters"
    advisory = (root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert 'fixed = { "16" = "16.3", "17" = "17.2", "18" = "18.0" }' in advisory


def test_the_next_postgresql_major_has_two_numbers_too(tmp_path: Path) -> None:
    # The upcoming line's first version was 18.0.0, recorded so in `fixed` and shown on the
    # pages: PostgreSQL calls it 18.0. An ESR line without a release named REL_15_0_0.
    product = postgres_like(tmp_path / "postgres")
    root = postgres_workspace(tmp_path, product)
    assert plan_lines(root)[0] == ("18", "master", None, "18.0", None)
    config = root / "releasekit.toml"
    config.write_text(config.read_text().replace("esr = []", 'esr = ["15"]'))
    result = run(root, "plan")
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].endswith(
        "releases.esr: 15: the repository has no release tag of this line (like REL_15_0)"
    )


def test_init_reads_rails_branches(tmp_path: Path) -> None:
    # 7-1-stable named no line: init wrote branch = "release-{line}" and last = 0, so no
    # released line would get a fix.
    product = rails_like(tmp_path / "rails")
    root = tmp_path / "ws"
    result = CliRunner().invoke(
        cli, ["init", str(root), "--prefix", "ACSA", "--repository", str(product.clone)]
    )
    assert result.exit_code == 0, result.output
    assert 'inferred: branch = "{line:-}-stable": 3 branches like 7-1-stable, 7-2-stable, ' in (
        result.stdout
    )
    text = (root / "releasekit.toml").read_text()
    assert '"{line:-}-stable"           # public branch of a line, e.g. 10-3-stable\n' in text
    assert 'branches = { "8.1" = "main" }' in text and "last = 3 " in text
    # Four-number releases (7.2.3.2): every record orders versions by PEP 440.
    assert '\nversion_scheme = "pep440" ' in text
    assert 'inferred: version_scheme = "pep440": releases of four numbers, like v8.0.2.1' in (
        result.stdout
    )
    for command in (("advisory", "check"), ("plan",)):
        assert run(root, *command).exit_code == 0, command
    assert [(line, branch) for line, branch, *_ in plan_lines(root)] == [
        ("8.1", "main"),
        ("8.0", "8-0-stable"),
        ("7.2", "7-2-stable"),
        ("7.1", "7-1-stable"),
    ]


def test_nginx_mainline_is_released_from_master(tmp_path: Path) -> None:
    # nginx releases its mainline (1.29.x) from master and its stable line from stable-1.28:
    # the upcoming line is a released one, and its next fix is release-1.29.3 on master.
    product = nginx_like(tmp_path / "nginx")
    root = nginx_workspace(tmp_path, product)
    assert plan_lines(root) == [
        ("1.29", "master", "1.29.2", "1.29.3", "release-1.29.3"),
        ("1.28", "stable-1.28", "1.28.1", "1.28.2", "release-1.28.2"),
    ]


def test_a_spelling_that_reads_no_tag_is_not_a_ready_plan(tmp_path: Path) -> None:
    # "REL_{version}" reads none of PostgreSQL's tags: the plan had no released line and
    # was ready, every fix bound for master alone while last = 3 asked for three lines.
    product = postgres_like(tmp_path / "postgres")
    root = workspace(
        tmp_path,
        product,
        line_parts="1",
        branch='"REL_{line}_STABLE"',
        branches='{ "18" = "master" }',
        tag='"REL_{version}"',
        upcoming='"18"',
        esr="[]",
    )
    hold_one_fix(root, product, "18", "master")
    result = run(root, "plan")
    assert result.exit_code == 1, result.output
    assert (
        "no release line: not one of the repository's 9 tags (like REL_16_0) is a release in "
        "releases.tag, releases.esr_tag, releases.read_tags; give their spelling, or set "
        "releases.last = 0 until a line is released"
    ) in " ".join(result.stdout.split())


def test_a_version_file_bumped_after_the_release_is_left_as_it_is(tmp_path: Path) -> None:
    # nginx moves NGINX_VERSION to the next version right after a mainline release
    # ("Version bump."): master says 1.29.3 while 1.29.2 is the newest release. The plan
    # was not ready ("must contain ... "1.29.2" exactly once"); the release commit now
    # leaves the file as it is.
    product = nginx_like(tmp_path / "nginx")
    product.commit("master", {"src/core/nginx.h": NGINX_H.format("1.29.3")}, "Version bump.")
    product.publish("master")
    bump = f"\n[[releases.bump]]\npath = \"src/core/nginx.h\"\nformat = '{NGINX_H.strip()}'\n"
    root = nginx_workspace(tmp_path, product, bump.replace("{}", "{version}"))
    hold_one_fix(root, product, "1.29", "master")
    result = run(root, "plan", "--json")
    assert result.exit_code == 1, result.output  # (1.28's fix is not held)
    lines = {line["line"]: line for line in json.loads(result.stdout)["lines"]}
    assert lines["1.29"]["problems"] == []
    release = lines["1.29"]["release"]
    assert (release["version"], release["files"]) == ("1.29.3", [])  # nginx.h says 1.29.3


def test_a_rails_security_release_is_lifted_and_shown_with_four_numbers(
    tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    # Rails' 7.2 after v7.2.3.2: the lift tags v7.2.3.3 with RAILS_VERSION moved to it, the
    # mail and the page say 7.2.0 to 7.2.3.2 were affected, and 7.2.3.2's version page (a
    # release the three-number model left out of every range) lists the advisory.
    product = rails_like(tmp_path / "rails")
    root = rails_workspace(
        tmp_path,
        product,
        mail_table(smtp_server, gpg_home.fingerprint)
        + '\n[[releases.bump]]\npath = "RAILS_VERSION"\nformat = "{version}"\n',
        last="1",
        committer='"Release Bot <release@example.org>"',
    )
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        '+++\nid = "ACSA-2026-0001"\ntitle = "Params parsed twice"\n'
        'cvss = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"\nintroduced = "7.2"\n'
        'cve = "CVE-2026-40011"\n'
        "embargo = 2026-12-01T14:00:00Z\n"
        'summary = "A crafted request."\n+++\n\nDetails.\n'
    )
    for line, branch in (("8.1", "main"), ("8.0", "8-0-stable")):
        hold = tmp_path / f"{line}.patch"
        hold.write_bytes(product.fix(branch, {"params.rb": "# once\n"}, "Parse once"))
        assert run(root, "patch", "add", "ACSA-2026-0001", "--line", line, str(hold)).exit_code == 0
    config = root / "releasekit.toml"  # 7.2 as the ESR line: a release of four numbers
    config.write_text(config.read_text().replace("esr = []", 'esr = ["7.2"]'))
    hold = tmp_path / "7.2.patch"
    hold.write_bytes(product.fix("7-2-stable", {"params.rb": "# once\n"}, "Parse once"))
    assert run(root, "patch", "add", "ACSA-2026-0001", "--line", "7.2", str(hold)).exit_code == 0
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    assert git(product.remote, "show", "v7.2.3.3:RAILS_VERSION") == "7.2.3.3"
    advisory = (root / "advisories" / "ACSA-2026-0001.md").read_text()
    assert '"7.2" = "7.2.3.3"' in advisory
    mail = smtp_server.messages[0].data.decode()
    assert "7.2: 7.2.0 to 7.2.3.2 affected, fixed in 7.2.3.3" in mail
    with time_machine.travel(EMBARGO + timedelta(days=31)):
        published = run(root, "publish", env=gpg_home.env)
    assert published.exit_code == 0, published.output
    site = root / "site"
    assert "ACSA-2026-0001" in (site / "versions" / "7.2.3.2.html").read_text()
    assert "<li>7.2.0 – 7.2.3.2</li>" in (site / "advisories" / "ACSA-2026-0001.html").read_text()

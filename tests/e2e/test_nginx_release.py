"""An nginx security release, on a small repository with nginx's branches, tags and real
version header (tests/helpers/nginx.py, tests/fixtures/nginx/).

nginx (nginx/nginx) keeps one stable line, ``stable-1.26``, and the mainline, 1.27, which
it releases from ``master``; tags are ``release-1.26.2``. ``src/core/nginx.h`` says the
version twice: ``#define nginx_version      1026002`` (minor and patch zero-padded to three
digits) and ``#define NGINX_VERSION      "1.26.2"``. A security fix goes to both lines at
once (1.26.3 and 1.27.4 for CVE-2025-23419). Between releases the stable branch says its
released version, the mainline the coming one ("Version bump." right after a release).
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
from tests.helpers.gpg import GpgHome
from tests.helpers.initialised import initialised as made_by_init
from tests.helpers.nginx import HEADER, nginx_h, nginx_like
from tests.helpers.repos import Product, copied_product, git
from tests.helpers.smtp import SmtpServer

ID = "NGX-2026-0001"
MEDIUM = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 5.9
# What nginx's release manager sets in the table init writes, as its checks say.
SETTINGS = {
    'branches = { "1.28" = "master" }': 'branches = { "1.27" = "master" }',
    'upcoming = "1.28" ': 'upcoming = "1.27"\nupcoming_released = true ',
    "last = 0 ": "last = 1 ",
}
# The version twice in src/core/nginx.h, as init proposes it.
BUMPS = (
    """format = '#define NGINX_VERSION      "{version}"'""",
    'format = "#define nginx_version      {major}{minor:03}{micro:03}"',
)
LINES = {"1.27": "master", "1.26": "stable-1.26"}
NEXT = {"1.27": "1.27.2", "1.26": "1.26.3"}


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(cli, ["-C", str(root), *args])


IDENTITY = ["--name", "nginx", "--vendor", "F5", "--prefix", "NGX"]

nginx_template, nginx = copied_product("nginx", nginx_like)


def initialised(tmp_path: Path, product: Product, extra: str = "") -> tuple[Path, Result]:
    """A workspace made by `releasekit init --repository`, set as its checks say."""
    return made_by_init(tmp_path, product, IDENTITY, SETTINGS, BUMPS, extra)


def hold(root: Path, product: Product, cvss: str, lines: dict[str, str]) -> None:
    advisory = {
        "id": ID, "title": "Session reuse across virtual servers", "cvss": cvss,
        "cve": "CVE-2026-40041", "embargo": EMBARGO_AT,
        "summary": "A client could reuse a session of another virtual server.",
    }  # fmt: skip
    fix = {"src/http/ngx_http_request.c": "/* check the server name on reuse */\n"}
    hold_fixes(root, product, advisory, lines, (fix, "SNI: added restriction on reuse."))


def test_init_reads_nginxs_branches_and_tags(nginx: Product, tmp_path: Path) -> None:
    root, made = initialised(tmp_path, nginx)
    assert 'inferred: branch = "stable-{line}"' in made.output
    assert 'inferred: tag = "release-{version}"' in made.output
    assert 'set upcoming = "1.27", upcoming_released = true' in made.output
    for said in (
        'src/core/nginx.h: #define NGINX_VERSION      "{version}" (1.27.1 at release-1.27.1)',
        "src/core/nginx.h: #define nginx_version      {major}{minor:03}{micro:03} (1.27.1",
    ):
        assert f"inferred: [[releases.bump]] {said}" in made.output
    assert run(root, "advisory", "check").exit_code == 0
    planned = run(root, "plan")
    assert planned.exit_code == 0, planned.output


def test_the_plan_tags_both_lines(nginx: Product, tmp_path: Path) -> None:
    root, _ = initialised(tmp_path, nginx)
    hold(root, nginx, MEDIUM, LINES)
    planned = run(root, "plan", "--json")
    assert planned.exit_code == 0, planned.output
    lines = {n["line"]: n for n in json.loads(planned.stdout)["lines"]}
    assert {name: line["next_version"] for name, line in lines.items()} == NEXT
    assert {name: line["branch"] for name, line in lines.items()} == LINES
    assert {name: line["tag"] for name, line in lines.items()} == {
        "1.27": "release-1.27.2",
        "1.26": "release-1.26.3",
    }
    assert lines["1.27"]["release"]["files"] == []
    # master's nginx.h says 1.27.2 already: its release commit changes no file, and the
    # plan says so rather than end the line in a colon.
    shown = run(root, "plan").output
    assert "tagged release-1.26.3: src/core/nginx.h\n" in shown
    assert "tagged release-1.27.2: no file changed: the bump files say it already\n" in shown


def test_a_fix_is_released_in_stable_and_mainline(
    nginx: Product, tmp_path: Path, smtp_server: SmtpServer, gpg_home: GpgHome
) -> None:
    root, _ = initialised(tmp_path, nginx, mail_table(smtp_server, gpg_home.fingerprint))
    hold(root, nginx, MEDIUM, LINES)
    with time_machine.travel(EMBARGO - timedelta(days=1), tick=False):
        dry = run(root, "embargo", "lift", "--dry-run", env=gpg_home.env)
    assert dry.exit_code == 0, dry.output
    assert ", changing src/core/nginx.h\n" in dry.output
    assert ", no file changed: the bump files say it already\n" in dry.output
    with time_machine.travel(EMBARGO + timedelta(seconds=5), tick=True):
        lifted = run(root, "embargo", "lift", "--yes", env=gpg_home.env)
    assert lifted.exit_code == 0, lifted.output
    # The stable branch said 1.26.2: its release commit says 1.26.3 in both defines. The
    # mainline said 1.27.2 already: its release commit leaves nginx.h as it is.
    assert nginx.released("release-1.26.3", HEADER) == ({HEADER: nginx_h("1.26.3")}, [HEADER])
    assert nginx.released("release-1.27.2", HEADER) == ({HEADER: nginx_h("1.27.2")}, [])
    tags = set(git(nginx.remote, "tag", "--list").split())
    assert {"release-1.26.3", "release-1.27.2"} <= tags
    assert git(nginx.remote, "cat-file", "-t", "release-1.26.3") == "tag"
    advisory = parse_advisory(
        (root / "advisories" / f"{ID}.md").read_text(), Path(f"advisories/{ID}.md"), "NGX"
    )
    assert dict(advisory.fixed) == NEXT
    assert len(smtp_server.messages) == len(LISTS)

"""A project that releases its newest line from main, with no branch of that line (undici
releases 8 from main; its older majors have v7.x, v6.x): ``[releases] upcoming_released``.
The lift fixes main and tags the line's next patch version there, as on a release branch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_embargo import DETAIL_MARKER, Release, after_embargo, mail_table
from tests.helpers.gpg import GpgHome
from tests.helpers.repos import FILES, git, release_product, replace_line, workspace_config
from tests.helpers.smtp import SmtpServer


@pytest.fixture
def from_main(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    smtp_server: SmtpServer,
    gpg_home: GpgHome,
) -> Release:
    """The standard product with 11.0.0 released from main; one Low advisory (upcoming and
    ESR lines) whose fixes are held for 11.0 (main) and 9.11."""
    product = release_product(tmp_path_factory.getbasetemp() / "product-cache", tmp_path / "p")
    product.commit("main", {"VERSION": "11.0.0\n"}, "Release 11.0.0")
    product.tag("v11.0.0", "main")
    product.publish("main")
    git(product.clone, "fetch", "-q", "--tags", "origin")
    root = tmp_path / "ws"
    (root / "advisories").mkdir(parents=True)
    config = workspace_config(
        product.clone,
        mail_table(smtp_server, gpg_home.fingerprint),
        upcoming='"11.0"',
        branches='{ "11.0" = "main" }',
        upcoming_released="true",
        committer='"Release Bot <release@example.org>"',
    )
    (root / "releasekit.toml").write_text(config)
    (root / "advisories" / "ACSA-2026-0001.md").write_text(
        "+++\n"
        'id = "ACSA-2026-0001"\n'
        'title = "Link previews follow redirects"\n'
        'cvss = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"\n'
        'cve = "CVE-2026-40002"\n'
        "embargo = 2026-12-01T14:00:00Z\n"
        'summary = "Link previews could fetch internal addresses."\n'
        "+++\n\n"
        f"Details: {DETAIL_MARKER}\n"
    )
    release = Release(root, product, smtp_server, gpg_home)
    fixed = replace_line(FILES["src/preview.c"], 20, "preview: check each redirect target")
    for line, base in (("11.0", "main"), ("9.11", "release-9.11")):
        path = tmp_path / f"fix-{line}.patch"
        path.write_bytes(product.fix(base, {"src/preview.c": fixed}, "Check redirect targets"))
        added = release.run("patch", "add", "ACSA-2026-0001", "--line", line, str(path))
        assert added.exit_code == 0, added.output
    return release


def test_the_line_released_from_main_gets_its_fix_and_tag_on_main(from_main: Release) -> None:
    planned = from_main.run("plan")
    assert planned.exit_code == 0, planned.output
    assert "11.0.1" in planned.stdout and "9.11.3" in planned.stdout
    shown = json.loads(from_main.run("plan", "--json").stdout)
    main = shown["lines"][0]
    assert [main[k] for k in ("line", "groups", "latest", "next_version", "branch", "tag")] == [
        "11.0",
        ["upcoming"],
        "11.0.0",
        "11.0.1",
        "main",
        "v11.0.1",
    ]
    cell = shown["advisories"][0]["cells"][0]
    assert cell["required"] and cell["reason"].endswith(
        "11.0 is the upcoming line, released from its branch"
    )
    main_before = from_main.product.tip("main")
    with after_embargo():
        result = from_main.run("embargo", "lift", "--yes")
    assert result.exit_code == 0, result.output
    remote = from_main.product.remote
    tip = from_main.product.tip("main")
    assert git(remote, "rev-parse", f"{tip}^") == main_before  # one commit: the fix
    assert "check each redirect target" in git(remote, "show", f"{tip}:src/preview.c")
    assert git(remote, "rev-parse", "v11.0.1^{commit}") == tip
    assert git(remote, "rev-parse", "v9.11.3^{commit}") == from_main.product.tip("release-9.11")
    text = from_main.advisory()
    assert '"11.0" = "11.0.1"' in text and '"9.11" = "9.11.3"' in text
    # The announcement says what was affected on the line, as for any release.
    (message, *_rest) = from_main.smtp.messages
    body = message.data.decode()
    assert "11.0: 11.0.0 affected, fixed in 11.0.1" in body
    assert "9.11: 9.11.0 to 9.11.2 affected, fixed in 9.11.3" in body

"""`make demo` end to end, in a temporary sandbox, and the README staying true."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from releasekit import records
from tests.helpers import csaf
from tests.helpers.osv_eval import git_ranges
from tests.helpers.paths import REPO_ROOT

ROOT = REPO_ROOT


@pytest.mark.slow
def test_demo_runs_the_whole_embargo(tmp_path: Path) -> None:
    sandbox = tmp_path / "demo"
    # `embargo announce` (step 5) needs the embargo still ahead: 30 s after the start, as a
    # user gets it, is enough on an idle machine; at a load of 11 on two cores steps 1 to 5
    # took 67 s. Given more in proportion to the load, the demo waits longer for the embargo.
    embargo_in = max(30.0, 30.0 * os.getloadavg()[0] / (os.cpu_count() or 1))
    done = subprocess.run(
        [
            *(sys.executable, str(ROOT / "scripts" / "demo.py"), "--dir", str(sandbox)),
            *("--embargo-in", f"{embargo_in:.0f}"),
        ],
        capture_output=True,
        text=True,
        timeout=300 + embargo_in,
        check=False,
        env={**os.environ, "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Demo finished" in done.stdout
    # The summary: the signature verified in the demo itself, gpg's words kept off stderr.
    assert "signature verified: signed by Acme Security (demo key)" in done.stdout
    assert "Good signature" not in done.stderr
    for tag in ("v10.3.4", "v9.11.10"):
        assert f"  {tag}: " in done.stdout  # each tag with its release commit
    site = sandbox / "workspace" / "site"
    index = (site / "index.html").read_text()
    for ident in ("ACSA-2026-0001", "ACSA-2026-0002", "ACSA-2026-0003"):
        assert ident in index
    assert "Details on the security update will be posted here on" in index
    assert (site / "osv" / "ACSA-2026-0001.json").is_file()
    assert not (site / "osv" / "ACSA-2026-0002.json").exists()
    # The demo's CSAF documents: valid for the reference validator, signed, shown to look at.
    documents = sorted(site.glob("csaf/*/*.json"))
    assert documents, "the demo made no CSAF document"
    csaf.validate(documents)
    for document in documents:
        assert (document.parent / f"{document.name}.asc").is_file()
        lines = done.stdout.splitlines()
        assert any("a CSAF document " in line and str(document) in line for line in lines)
    # Issue 18: the version pages, the hall of fame and the links.
    affected = (site / "versions" / "10.3.3.html").read_text()
    assert "ACSA-2026-0002" in affected and "https://acme.example/releases/10.3.4" in affected
    assert "ACSA-2026-0001" not in affected  # fixed in 10.3.3
    assert "versions/index.html" in index and "credits.html" in index
    credits = (site / "credits.html").read_text()
    assert "Jane Doe" in credits and "Acme PSIRT" in credits
    assert "Sam Rivera" not in credits  # ACSA-2026-0002: released, not disclosed
    assert 'href="https://acme.example/security/policy"' in index
    assert "https://www.cve.org/CVERecord?id=CVE-2026-40001" in index
    messages = list((sandbox / "maildir" / "new").iterdir())
    assert len(messages) == 2  # the pre-announcement, then the announcement
    assert "site/upcoming.ics and .json: " in done.stdout
    assert json.loads((site / "upcoming.json").read_bytes())["upcoming"] == []  # released
    verify = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "verify_mail.py"), str(sandbox / "maildir")],
        env={"GNUPGHOME": str(sandbox / "gnupg"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    subprocess.run(["gpgconf", "--homedir", str(sandbox / "gnupg"), "--kill", "all"], check=False)
    assert verify.returncode == 0, verify.stderr
    # Commands to copy are whole on one line, even on a narrow terminal (COLUMNS=80).
    command = f"scripts/verify_mail.py {sandbox / 'maildir'}"
    assert any(command in line and "GNUPGHOME=" in line for line in done.stdout.splitlines())
    assert any(
        line.startswith("$ releasekit -C ") and line.endswith("--wait --yes")
        for line in done.stdout.splitlines()
    ), done.stdout
    assert "Good signature" in verify.stderr
    tags = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", str(sandbox / "public.git")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for tag in ("v10.3.4", "v10.2.4", "v10.1.5", "v9.11.10"):
        assert f"refs/tags/{tag}" in tags
    assert "refs/tags/v10.4.0" not in tags
    # A month later (a copy published past the disclosure date): the OSV record of the
    # lifted ACSA-2026-0003 has a GIT range made of the fix commits the lift pushed.
    later = sandbox / "a-month-later"
    record = json.loads((later / "site" / "osv" / "ACSA-2026-0003.json").read_text())
    schema = json.loads(records.osv_schema_path().read_text())
    jsonschema.Draft202012Validator(schema).validate(record)
    (git_range,) = git_ranges(record)
    recorded = (sandbox / "workspace" / "advisories" / "ACSA-2026-0003.md").read_text()
    fixes = git_range["database_specific"]["lines"]
    assert set(fixes) == {"10.4", "9.11"}  # (the lines the demo's low-severity fix went to)
    for line, commit in fixes.items():
        assert f'"{line}" = "{commit}"' in recorded
        assert {"fixed": commit} in git_range["events"]
        pushed = subprocess.run(
            ["git", "-C", str(sandbox / "public.git"), "cat-file", "-t", commit],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert pushed.stdout.strip() == "commit"
    assert "OSV with GIT range" in done.stdout


def test_readme_configuration_reference_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"], check=False
    )
    assert done.returncode == 0, "README.md is stale: run scripts/gen_docs.py"

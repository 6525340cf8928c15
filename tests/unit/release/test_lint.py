from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from releasekit.fixes.mbox import parse_mbox
from releasekit.fixes.store import HeldPatch
from releasekit.release.lint import DEFAULT_WORDS, Matcher, Text, patch_texts
from tests.conftest import Workspace
from tests.helpers.repos import FILES, Product, release_product, replace_line, workspace_config

Run = Callable[..., Result]

# Every default word, written as it might appear in pushed text.
SAMPLES = {
    "security": "Fix Security check",
    "vulnerab*": "vulnerabilities in parser",
    "exploit*": "stop the exploitable path",
    "insecure*": "insecurely stored",
    "attack*": "an attacker could",
    "XSS": "escape to avoid xss",
    "CSRF": "add a csrf token",
    "XSRF": "X-XSRF header",
    "SSRF": "ssrf via redirect",
    "injection*": "SQL injections",
    "RCE": "rce in upload",
    "remote code execution": "allowed Remote Code\nExecution",
    "authentication bypass*": "authentication-bypass fixed",
    "authorization bug*": "the authorization bugs",
    "CVE": "see CVE-2026-1",
    "CVEs": "two CVEs",
    "CVSS*": "CVSSv3.1 base score",
    "advisory": "per the advisory",
    "advisories": "advisories follow",
    "HackerOne": "reported on hackerone",
    "Bugcrowd": "via BugCrowd",
    "pentest*": "found in pentesting",
}


def test_every_default_word_has_a_sample() -> None:
    assert set(SAMPLES) == set(DEFAULT_WORDS)


@pytest.mark.parametrize("word", DEFAULT_WORDS)
def test_every_default_word_is_found(word: str) -> None:
    lines = tuple((n, line) for n, line in enumerate(SAMPLES[word].split("\n"), 10))
    findings = Matcher(DEFAULT_WORDS).find(Text("patches/X/10.3.patch", lines))
    assert [f.word for f in findings] == [word]
    assert findings[0].line == 10
    assert str(findings[0]).startswith(f"patches/X/10.3.patch:10: {word}: ")


@pytest.mark.parametrize(
    "text",
    [
        "secure the session",  # not "insecure"
        "attaches the file",  # not "attack"
        "import cvelib",  # CVE is a whole word
        "the advisor said",  # not "advisory"
        "subsecurity",  # no word boundary before
        "forces a grace period",  # "rce" inside a word
    ],
)
def test_ordinary_words_pass(text: str) -> None:
    assert Matcher(DEFAULT_WORDS).find(Text.one("f", text, 1)) == []


def test_identifier_joints_are_word_boundaries() -> None:
    matcher = Matcher(DEFAULT_WORDS)
    for text in ("checkSecurityToken()", "security_level", "escapeXSS", "is-vulnerable"):
        assert matcher.find(Text.one("f", text, 1)), text


def test_allowed_phrases_pass_and_only_them() -> None:
    matcher = Matcher(DEFAULT_WORDS, allow=["security.txt", "Security Council"])
    assert matcher.find(Text.one("f", "Serve /.well-known/SECURITY.TXT", 1)) == []
    assert matcher.find(Text.one("f", "the security council met", 1)) == []
    (finding,) = matcher.find(Text.one("f", "security.txt and a security fix", 1))
    assert finding.context == "security.txt and a security fix"


def test_extra_words_ids_and_names() -> None:
    matcher = Matcher([*DEFAULT_WORDS, "ACSA-2026-0001", "CVE-2026-40001", "Jane Doe", "bluebird"])
    texts = [
        Text.one("a", "Thanks jane  doe", 1),
        Text.one("b", "Refs acsa-2026-0001", 2),
        Text.one("c", "Project Bluebird", 3),
    ]
    words = [f.word for t in texts for f in matcher.find(t)]
    assert words == ["Jane Doe", "ACSA-2026-0001", "bluebird"]
    (cve,) = matcher.find(Text.one("d", "fixes CVE-2026-40001", 4))
    assert cve.word in ("CVE", "CVE-2026-40001")


def test_the_context_is_short_and_from_the_text_itself() -> None:
    line = "x" * 100 + " exploit " + "y" * 100
    (finding,) = Matcher(DEFAULT_WORDS).find(Text.one("f", line, 7))
    assert finding.context == "..." + "x" * 23 + " exploit " + "y" * 23 + "..."
    assert len(finding.context) < 70


def test_patch_texts_cover_what_a_push_publishes(tmp_path: Path) -> None:
    data = (
        b"From 0 Mon Sep 17 00:00:00 2001\n"
        b"From: Security Team <sec@example.org>\n"
        b"Date: Mon, 1 Jan 2026 00:00:00 +0000\n"
        b"Subject: [PATCH] Harden the exporter\n\n"
        b"Blocks an attack on the exporter.\n"
        b"---\n"
        b"diff --git a/src/xss_filter.c b/src/xss_filter.c\n"
        b"new file mode 100644\n"
        b"index 0000000..1111111\n"
        b"--- /dev/null\n"
        b"+++ b/src/xss_filter.c\n"
        b"@@ -0,0 +1,2 @@\n"
        b"+/* prevents remote code\n"
        b"+ * execution */\n"
        b"diff --git a/src/old.c b/src/old.c\n"
        b"index 2222222..3333333 100644\n"
        b"--- a/src/old.c\n"
        b"+++ b/src/old.c\n"
        b"@@ -1 +1 @@\n"
        b"-// the old exploit note\n"
        b"+// cleaned up\n"
    )
    patch = HeldPatch("ACSA-2026-0001", "10.3", Path("patches/ACSA-2026-0001/10.3.patch"))
    patch = HeldPatch(patch.advisory, patch.line, patch.path, tuple(parse_mbox(data, patch.path)))
    matcher = Matcher(DEFAULT_WORDS)
    findings = [str(f) for t in patch_texts(patch) for f in matcher.find(t)]
    assert findings == [
        "patches/ACSA-2026-0001/10.3.patch:6: attack*: Blocks an attack on the exporter.",
        "patches/ACSA-2026-0001/10.3.patch:2: security: Security Team <sec@example.org>",
        "patches/ACSA-2026-0001/10.3.patch:8: XSS: src/xss_filter.c",
        "patches/ACSA-2026-0001/10.3.patch:14: remote code execution: /* prevents remote code",
    ]  # the removed line's "exploit" is not pushed


# --- releasekit lint ------------------------------------------------------------------------


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


def test_lint_command(ws: Workspace, product: Product, run: Run) -> None:
    extra = '\n[lint]\nwords = ["bluebird"]\nallow = ["security.txt"]\n'
    ws.write("releasekit.toml", workspace_config(product.clone, extra))
    ws.advisory("ACSA-2026-0001", reporter='"Jane Doe"', cve='"CVE-2026-40001"')
    ws.advisory("ACSA-2026-0002", embargo=None)
    export = FILES["src/export.c"]
    clean = product.fix("v10.3.1", {"src/export.c": replace_line(export, 2, "ok")}, "Tidy")
    (ws.root / "patches" / "ACSA-2026-0001").mkdir(parents=True)
    (ws.root / "patches" / "ACSA-2026-0001" / "10.3.patch").write_bytes(clean)
    result = run("lint")
    assert (result.exit_code, result.stdout) == (0, "lint: clean\n")

    leaky = product.fix(
        "v10.3.1",
        {"src/export.c": replace_line(export, 2, "// see security.txt; thanks Jane Doe")},
        "Bluebird: fix ACSA-2026-0002",
    )
    (ws.root / "patches" / "ACSA-2026-0002").mkdir(parents=True)
    (ws.root / "patches" / "ACSA-2026-0002" / "10.3.patch").write_bytes(leaky)
    ws.write("templates/tag-message.txt.j2", "{{ project }} {{ version }}: security release\n")
    result = run("lint")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "patches/ACSA-2026-0002/10.3.patch:4: bluebird: Bluebird: fix ACSA-2026-0002",
        "patches/ACSA-2026-0002/10.3.patch:4: ACSA-2026-0002: Bluebird: fix ACSA-2026-0002",
        "patches/ACSA-2026-0002/10.3.patch:17: Jane Doe: ...ee security.txt; thanks Jane Doe",
        "tag message of v10.3.2:1: security: Acme Server 10.3.2: security release",
        "tag message of v10.2.1:1: security: Acme Server 10.2.1: security release",
        "tag message of v10.1.2:1: security: Acme Server 10.1.2: security release",
        "tag message of v9.11.3:1: security: Acme Server 9.11.3: security release",
    ]
    assert result.stderr == (
        "releasekit: error: 7 possible leak(s): reword, or allow the phrase in [lint] allow\n"
    )


def test_lint_checks_names_and_the_committer(ws: Workspace, product: Product, run: Run) -> None:
    ws.write(
        "releasekit.toml",
        workspace_config(
            product.clone,
            branch='"security-{line}"',
            committer='"Security Bot <bot@example.org>"',
        ),
    )
    result = run("lint")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "releasekit.toml:13: security: security-10.4" in lines
    assert "releasekit.toml:14: security: Security Bot <bot@example.org>" in lines

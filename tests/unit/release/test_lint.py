from __future__ import annotations

import base64
import random
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from releasekit.fixes.binary import encode_literal
from releasekit.fixes.mbox import parse_mbox
from releasekit.fixes.store import HeldPatch
from releasekit.release.lint import (
    DEFAULT_WORDS,
    PUBLIC_IDS,
    Matcher,
    Text,
    advisory_id_form,
    patch_texts,
)
from releasekit.release.lint_fold import fold
from tests.conftest import Workspace
from tests.helpers.repos import FILES, Product, release_product, replace_line, workspace_config

Run = Callable[..., Result]

# Every default word, written as it might appear in pushed text.
SAMPLES = {
    "security": "Fix Security check",
    "vulnerab*": "vulnerabilities in parser",
    "vuln": "two vulns in parser",
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
    "Intigriti": "triaged on Intigriti",
    "YesWeHack": "a yeswehack report",
    "huntr": "reported via huntr",
    "bug bount*": "our bug bounty program",
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
        # Ordinary code that splitting identifiers and folding must leave alone.
        "class ProcessFilter(access.Vcs):",
        "utf8Encode(sha256sum, x509cert, ipv6Addr, base64, md5, sha1)",
        "S3Bucket EC2Instance Win32Api i18n k8s x86_64 arm64 v2Client h2o",
        "aws ecr get-login; ECRRepository",  # not RCE written backwards
        "resources, sources, forces, RCEdit, Xsrfy, XSession, crossorigin",
        "import cvelib; OSVersion; GOPATH; golang; go2024; Go 1.22; a time ago, 2024",
        "naïve café résumé, Москва, 東京",
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


def test_the_name_of_a_file_a_fix_only_changes_is_not_a_leak() -> None:
    # werkzeug's src/werkzeug/security.py, Django's django/middleware/security.py: the name
    # is public already, and a fix to the file cannot be reworded. Names a push adds are
    # checked: a new file, a rename's or a copy's new name.
    data = (
        b"From 0 Mon Sep 17 00:00:00 2001\n"
        b"From: Rel Man <rm@example.org>\n"
        b"Date: Mon, 1 Jan 2026 00:00:00 +0000\n"
        b"Subject: [PATCH] Reject NUL bytes in joined paths\n\n"
        b"---\n"
        b"diff --git a/src/werkzeug/security.py b/src/werkzeug/security.py\n"
        b"index 2222222..3333333 100644\n"
        b"--- a/src/werkzeug/security.py\n"
        b"+++ b/src/werkzeug/security.py\n"
        b"@@ -1 +1,2 @@\n"
        b" x = 1\n"
        b"+y = 2\n"
        b"diff --git a/src/guard.py b/src/security_guard.py\n"
        b"similarity index 100%\n"
        b"rename from src/guard.py\n"
        b"rename to src/security_guard.py\n"
        b"diff --git a/src/paths.py b/src/paths_security.py\n"
        b"similarity index 100%\n"
        b"copy from src/paths.py\n"
        b"copy to src/paths_security.py\n"
    )
    patch = HeldPatch("ACSA-2026-0001", "10.3", Path("patches/ACSA-2026-0001/10.3.patch"))
    patch = HeldPatch(patch.advisory, patch.line, patch.path, tuple(parse_mbox(data, patch.path)))
    findings = [str(f) for t in patch_texts(patch) for f in Matcher(DEFAULT_WORDS).find(t)]
    assert findings == [
        "patches/ACSA-2026-0001/10.3.patch:14: security: src/security_guard.py",
        "patches/ACSA-2026-0001/10.3.patch:18: security: src/paths_security.py",
    ]


# --- spellings, look-alikes and binary data -------------------------------------------------

WORKSPACE = Matcher(
    [*DEFAULT_WORDS, "ACSA-2026-0003", "CVE-2026-40001"],
    names=["Alex Kim"],
    ids=[*PUBLIC_IDS, advisory_id_form("ACSA")],
)


def words_in(text: str) -> list[str]:
    return [finding.word for finding in WORKSPACE.find(Text.one("f", text, 1))]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("class XSSFilter:", "XSS"),
        ("fixXSSInV2Parser3()", "XSS"),
        ("addCSRFToken(form)", "CSRF"),
        ("SSRFGuard", "SSRF"),
        ("fixes two XSSes", "XSS"),
        ("RCEs and", "RCE"),
        ("csrfs", "CSRF"),
        ("ACSA_2026_0003", "ACSA-2026-0003"),
        ("ACSA 2026 0003", "ACSA-2026-0003"),
        ("ACSA20260003", "ACSA-2026-0003"),
        ("acsa.2026.0003", "ACSA-2026-0003"),
        ("CVE_2026_40001", "CVE-2026-40001"),
        ("CVE202640001", "CVE-2026-40001"),
        ("thanks AlexKim", "Alex Kim"),
        ("alex_kim", "Alex Kim"),
        ("Kim, Alex", "Alex Kim"),
        ("KIM ALEX", "Alex Kim"),
        ("alex.kim@example.org", "Alex Kim"),
        ("RemoteCodeExecution", "remote code execution"),
    ],
)
def test_words_ids_and_names_in_other_spellings(text: str, word: str) -> None:
    assert words_in(text) == [word]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Merge pull request from GHSA-v845-jxx5-vc9f", "GHSA id"),
        ("ghsa_v845_jxx5_vc9f", "GHSA id"),
        ("PYSEC-2021-1", "PYSEC id"),
        ("RUSTSEC-2021-0001", "RUSTSEC id"),
        ("GO-2022-0001", "GO id"),
        ("OSV-2020-111", "OSV id"),
        ("ZDI-CAN-12345", "ZDI id"),
        ("CVE-2019-12345", "CVE id"),  # any CVE id, not only the workspace's
        ("ACSA-2025-0099", "ACSA id"),  # the project's prefix, any advisory
        ("https://hackerone.com/reports/123456", "bug bounty report"),
        ("https://bugcrowd.com/acme", "bug bounty report"),
        ("https://huntr.dev/bounties/1", "bug bounty report"),
    ],
)
def test_public_advisory_ids_and_report_links(text: str, word: str) -> None:
    assert words_in(text) == [word]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("\u0455ecurity", "security"),  # Cyrillic dze
        ("\u0425SS", "XSS"),  # Cyrillic Ha
        ("\u0410\u0421S\u0410-2026-0003", "ACSA-2026-0003"),
        ("\uff53\uff45\uff43\uff55\uff52\uff49\uff54\uff59", "security"),  # fullwidth
        ("\U0001d431\U0001d42c\U0001d42c", "XSS"),  # mathematical bold
        ("\ua731\u1d07\u1d04\u1d1c\u0280\u026a\u1d1b\u028f", "security"),  # small capitals
        ("\U0001f187\U0001f182\U0001f182", "XSS"),  # squared letters
        ("sec\u200burity", "security"),  # zero-width space
        ("secu\u00adrity", "security"),  # soft hyphen
        ("sec\u2060urity", "security"),  # word joiner
        ("X\u202aSS", "XSS"),  # bidi embedding
        ("XS\U000e0041S", "XSS"),  # tag character
        ("X\u3164SS", "XSS"),  # Hangul filler
        ("XS\x00S", "XSS"),
        ("vulne\u0301rable", "vulnerab*"),  # combining mark
        ("vuln\u00e9rable", "vulnerab*"),
        ("\ufb01x the exploit", "exploit*"),  # ligature
        ("CVE-\u0662\u0660\u0662\u0666-\u0664\u0660\u0660\u0660\u0661", "CVE-2026-40001"),
        ("CVE-2O26-4OOO1", "CVE-2026-40001"),  # letters for digits
        ("ACSA-2\u041e26-\u041e\u041e\u041e3", "ACSA-2026-0003"),  # Cyrillic O for 0
        ("CVE-2O19-l2345", "CVE id"),
        ("remote\u2010code\u2010execution", "remote code execution"),
        ("ytiruces", "security"),  # reversed
        ("snoitcejni LQS", "injection*"),
        ("3000-6202-ASCA", "ACSA-2026-0003"),
        ("miK xelA", "Alex Kim"),
        ("\u202eSSX\u202c", "XSS"),  # shown as XSS by a right-to-left override
    ],
)
def test_look_alikes_invisible_characters_and_reversed_text(text: str, word: str) -> None:
    assert words_in(text) == [word]


def test_a_reporter_with_an_affiliation_address_or_handle() -> None:
    reporter = "Alex Kim (Acme Labs, @alexk_sec) <alex@acme.example>"
    matcher = Matcher([], names=[reporter], ids=())
    for text in ("thanks Alex Kim", "Kim, Alex", "alex@acme.example", "by @alexk_sec"):
        assert [f.word for f in matcher.find(Text.one("f", text, 1))] == [reporter], text
    assert matcher.find(Text.one("f", "Acme Labs", 1)) == []


def test_short_words_backwards_only_under_an_override() -> None:
    assert words_in("SSX ECR EVC") == []  # "ECR" is a registry, not RCE backwards
    assert words_in("\u202eECR\u202c") == ["RCE"]


def test_a_folded_finding_names_its_original_line_and_shows_it_safely() -> None:
    line = "x" * 40 + " sec\u200burity\t\u0455ecret \u202eSSX\u202c " + "y" * 40
    findings = [str(f) for f in WORKSPACE.find(Text("f", ((3, "clean"), (4, line))))]
    shown = " sec\\u200burity \u0455ecret \\u202eSSX\\u202c "  # the original, escaped
    assert findings == [
        "f:4: security: ..." + "x" * 23 + shown + "y" * 10 + "...",
        "f:4: XSS: ..." + "x" * 5 + shown + "y" * 22 + "...",
    ]


# Letters, and characters that fold to one letter, to none, or to two.
FOLDING = st.text(st.sampled_from("aXS \t\n\u0455\uff58\u200b\u00ad\u0301\x00\ufb01\u3392"))


@given(FOLDING, st.data())
def test_folded_spans_map_back_to_the_characters_they_came_from(
    text: str, data: st.DataObject
) -> None:
    folded = fold(text)
    assert len(folded.lower) == len(folded.text)
    if not folded.text:
        return
    begin = data.draw(st.integers(0, len(folded.text) - 1))
    end = data.draw(st.integers(begin + 1, len(folded.text)))
    start, stop = folded.original(begin, end)
    again = fold(text[start:stop]).text
    assert folded.text[begin:end] in again  # a ligature may fold to more than the span
    assert len(again) <= end - begin + 2 * 3  # ... but no more than its two ends add
    assert fold(text[start + 1 : stop]).text != again  # and the span starts where it must


@given(st.text(), st.sampled_from(["", "\u0455ecurity ", "X\u200bSS ", "\u202eSSX "]))
def test_any_text_is_checked_and_shown_safely(text: str, leak: str) -> None:
    findings = WORKSPACE.find(Text("f", ((1, f"{text} {leak}{text}"),), "part"))
    assert bool(leak) <= bool(findings)
    assert all(f.context.isprintable() and f.part == "part" for f in findings)


def test_allowed_phrases_are_literal_not_look_alikes() -> None:
    matcher = Matcher(DEFAULT_WORDS, allow=["security.txt"])
    assert matcher.find(Text.one("f", "see SECURITY.TXT", 1)) == []
    assert [f.word for f in matcher.find(Text.one("f", "see \u0455ecurity.txt", 1))] == ["security"]


def mail(files: str, subject: str = "Add data") -> bytes:
    return (
        "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\n"
        f"Date: Mon, 1 Jan 2026 00:00:00 +0000\nSubject: [PATCH] {subject}\n\nData.\n---\n" + files
    ).encode()


def binary_file(path: str, section: list[str], new: bool = True) -> str:
    header = (
        "new file mode 100644\nindex 0000000..1111111\n"
        if new
        else "index 2222222..3333333 100644\n"
    )
    return f"diff --git a/{path} b/{path}\n{header}GIT binary patch\n" + "\n".join(section) + "\n\n"


def lint_mail(data: bytes) -> list[str]:
    path = Path("patches/ACSA-2026-0003/10.3.patch")
    patch = HeldPatch("ACSA-2026-0003", "10.3", path, tuple(parse_mbox(data, path)))
    return [str(f) for t in patch_texts(patch) for f in WORKSPACE.find(t)]


def test_the_text_in_a_binary_file_is_checked() -> None:
    data = (
        b"\x89PNG\r\n\x1a\n\x00\x00Fixes CVE-2025-12345, a security vulnerability (XSS exploit)\x00"
        + "thanks Alex Kim".encode("utf-16-le")
        + bytes(range(256))
    )
    findings = lint_mail(mail(binary_file("docs/logo.png", encode_literal(data))))
    where = "patches/ACSA-2026-0003/10.3.patch:8: binary docs/logo.png"
    context = "Fixes CVE-2025-12345, a security vulnerability (XSS exploit)"
    assert findings == [
        f"{where}: CVE id: {context[:44]}...",
        f"{where}: security: {context[:-4]}...",
        f"{where}: vulnerab*: ...{context[9:]}",
        f"{where}: XSS: ...{context[24:]}",
        f"{where}: exploit*: ...{context[28:]}",
        f"{where}: Alex Kim: )thanks Alex Kim\u0100",  # as UTF-16LE, between other bytes
    ]


def test_a_binary_delta_is_checked_for_the_data_it_inserts() -> None:
    text = b"x" * 120 + b" Alex Kim: remote code execution in the parser"
    delta = bytes([100, 0xC4, 0x01])  # source size 100, target size 196
    delta += bytes([0x80 | 0x01 | 0x10, 0, 16])  # copy 16 bytes from offset 0
    delta += bytes([127]) + text[:127] + bytes([len(text) - 127]) + text[127:]  # "Alex K|im"
    section = encode_literal(delta)
    section[0] = f"delta {len(delta)}"
    findings = lint_mail(mail(binary_file("data.bin", section, new=False)))
    where = "patches/ACSA-2026-0003/10.3.patch:8: binary data.bin"
    assert findings == [
        f"{where}: Alex Kim: ...{'x' * 23} Alex Kim: remote code execution...",
        f"{where}: remote code execution: ...{'x' * 13} Alex Kim:{text[-36:].decode()}",
    ]


def test_base64_hashes_are_not_a_leak() -> None:
    # Random base64 spells a three-letter word at a case or digit joint about once in 500
    # sha512 hashes; inside runs that read as random, short words do not count.
    rnd = random.Random(20260102)
    lines = tuple(
        (n, f'  "integrity": "sha512-{base64.b64encode(rnd.randbytes(64)).decode()}",')
        for n in range(5000)
    )
    assert len(WORKSPACE.find(Text("package-lock.json", lines))) <= 2


def test_random_binary_data_is_not_a_leak() -> None:
    noise = random.Random(20260101).randbytes(1_000_000)
    compressed = zlib.compress(bytes(range(256)) * 4000, 1)
    for data in (noise, compressed):
        assert lint_mail(mail(binary_file("blob.bin", encode_literal(data)))) == []


# --- releasekit lint ------------------------------------------------------------------------


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


def test_lint_finds_an_advisorys_cwe_id_in_what_the_lift_pushes(
    ws: Workspace, product: Product, run: Run
) -> None:
    # The lift pushes at the release; an advisory's CWE id is public from its disclosure
    # date (or the release, when [disclosure] at_release names it): like its CVE id, a
    # pushed text that names it tells the kind of weakness fixed before its time.
    ws.write("releasekit.toml", workspace_config(product.clone))
    ws.advisory("ACSA-2026-0001", cwe='"CWE-862"')
    export = FILES["src/export.c"]
    leaky = product.fix(
        "v10.3.1", {"src/export.c": replace_line(export, 2, "ok")}, "Check the owner (cwe 862)"
    )
    (ws.root / "patches" / "ACSA-2026-0001").mkdir(parents=True)
    (ws.root / "patches" / "ACSA-2026-0001" / "10.3.patch").write_bytes(leaky)
    result = run("lint")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "patches/ACSA-2026-0001/10.3.patch:4: CWE-862: Check the owner (cwe 862)"
    ]


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
        "releasekit: error: 7 possible leaks: reword, or allow the phrase in [lint] allow\n"
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


def test_lint_reads_binary_files(ws: Workspace, product: Product, run: Run) -> None:
    ws.write("releasekit.toml", workspace_config(product.clone))
    ws.advisory("ACSA-2026-0001")
    note = "\0Fixes CVE-2026-40001, a security vulnerability (XSS exploit)\n"
    literal = product.fix("v10.3.1", {"assets/note.bin": note}, "Add a note")
    base = "\0" + "".join(f"block {n:04d} of the table\n" for n in range(400))
    product.commit("table", {"assets/table.bin": base}, "Add a table", create_from="v10.3.1")
    changed = base.replace("block 0200", "block 0200: remote code execution")
    delta = product.fix("table", {"assets/table.bin": changed}, "Extend the table")
    assert b"\ndelta " in delta and b"\nliteral " in literal
    (ws.root / "patches" / "ACSA-2026-0001").mkdir(parents=True)
    (ws.root / "patches" / "ACSA-2026-0001" / "10.3.patch").write_bytes(literal + delta)
    result = run("lint")
    assert result.exit_code == 1, result.stderr
    held = literal + delta
    note_at = held[: held.index(b"diff --git a/assets/note.bin")].count(b"\n") + 1
    table_at = held[: held.index(b"diff --git a/assets/table.bin")].count(b"\n") + 1
    expected = [(note_at, "note.bin", word) for word in ("CVE id", "security", "vulnerab*")]
    expected += [(note_at, "note.bin", word) for word in ("XSS", "exploit*")]
    expected += [(table_at, "table.bin", "remote code execution")]
    assert [line.split(": ")[:3] for line in result.stdout.splitlines()] == [
        [f"patches/ACSA-2026-0001/10.3.patch:{at}", f"binary assets/{name}", word]
        for at, name, word in expected
    ]


def test_lint_knows_public_ids_the_prefix_and_names(
    ws: Workspace, product: Product, run: Run
) -> None:
    ws.write("releasekit.toml", workspace_config(product.clone))
    ws.advisory("ACSA-2026-0001", reporter='"Alex Kim"')
    export = FILES["src/export.c"]
    fix = product.fix(
        "v10.3.1",
        {"src/export.c": replace_line(export, 2, "// thanks AlexKim; see ACSA_2026_0099")},
        "Merge pull request from GHSA-v845-jxx5-vc9f",
    )
    (ws.root / "patches" / "ACSA-2026-0001").mkdir(parents=True)
    (ws.root / "patches" / "ACSA-2026-0001" / "10.3.patch").write_bytes(fix)
    result = run("lint")
    assert result.exit_code == 1
    where = "patches/ACSA-2026-0001/10.3.patch"
    assert result.stdout.splitlines() == [
        f"{where}:4: GHSA id: Merge pull request from GHSA-v845-jxx5-vc9f",
        f"{where}:17: Alex Kim: // thanks AlexKim; see ACSA_2026_0099",
        f"{where}:17: ACSA id: // thanks AlexKim; see ACSA_2026_0099",
    ]


def test_a_word_of_thousands_of_characters_is_matched_not_a_crash() -> None:
    # A reporter's name is data: 2,000 letters made the word regex nest 2,000 groups deep
    # (RecursionError in lint, plan and the lift); nested prefixes of one another as well.
    long = "a" * 2000
    found = Matcher([long]).find(Text.one("patches/X/10.3.patch", f"by {long} here", 3))
    assert [(f.line, len(f.word)) for f in found] == [(3, 2000)]
    nested = [long[:n] for n in range(1, 1500)]
    assert Matcher(nested).find(Text.one("x", "b " + "a" * 1400 + " b"))

from __future__ import annotations

import contextlib
import json
import stat
import subprocess
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from releasekit.adapters.env import Environment
from releasekit.adapters.git import ProductRepo
from releasekit.fixes.apply import apply_commit, apply_hunks
from releasekit.fixes.binary import apply_delta, b85_encode, encode_literal
from releasekit.fixes.export import format_patch
from releasekit.fixes.mbox import parse_mbox
from releasekit.support.errors import PatchError
from tests.conftest import Workspace
from tests.helpers.repos import (
    FILES,
    Product,
    git,
    git_env,
    release_product,
    replace_line,
    workspace_config,
)

Run = Callable[..., Result]
BINARY = bytes(range(256)) * 16  # 4 KiB, with NUL bytes


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


@pytest.fixture
def pws(ws: Workspace, product: Product) -> Workspace:
    ws.write("releasekit.toml", workspace_config(product.clone))
    ws.advisory("ACSA-2026-0001")
    return ws


def everything_commit(product: Product) -> str:
    """A fix branch from v10.3.1 with every kind of change git format-patch can express."""
    export = FILES["src/export.c"]
    product.commit(
        "everything", {"assets/logo.bin": "placeholder\n"}, "Add a logo", create_from="v10.3.1"
    )
    (product.dev / "assets" / "logo.bin").write_bytes(BINARY)
    (product.dev / "no-eol.txt").write_text("one\ntwo")
    (product.dev / "crlf.txt").write_bytes(b"alpha\r\nbeta\r\ngamma\r\n")
    product.commit("everything", {}, "Add binary and odd files")
    changed = bytearray(BINARY)
    changed[100:104] = b"XXXX"
    (product.dev / "assets" / "logo.bin").write_bytes(bytes(changed))
    (product.dev / "no-eol.txt").write_text("one\ntwo changed")
    (product.dev / "crlf.txt").write_bytes(b"alpha\r\nBETA\r\ngamma\r\n")
    (product.dev / "README").chmod(0o755)
    git(product.dev, "mv", "src/preview.c", "src/previews.c")
    product.commit(
        "everything",
        {
            "src/export.c": replace_line(export, 25, "export: check read permission"),
            "src/previews.c": replace_line(FILES["src/preview.c"], 30, "preview: done"),
            "src/new.c": "int new;\n",
            "src/image.c": None,
            "docs/ä b.txt": "spaces and umlauts\n",
            "empty.txt": "",
        },
        "Prüfe den Export\n\nThe body explains it.\n\n---\nlost: git am cuts at the ---",
        author=("Jürgen Müller", "jm@example.org"),
    )
    return git(product.dev, "rev-parse", "everything")


def test_git_format_patch_output_applies_to_the_same_tree(product: Product) -> None:
    tip = everything_commit(product)
    data = product.format_patch("v10.3.1..everything")
    commits = parse_mbox(data, "patches/x.patch")
    assert len(commits) == 3
    last = commits[-1]
    assert last.author.name == "Jürgen Müller" and last.author.email == "jm@example.org"
    assert last.subject == "Prüfe den Export"
    assert last.message == "Prüfe den Export\n\nThe body explains it.\n"
    git(product.clone, "fetch", "-q", str(product.dev), "everything:everything")
    repo = ProductRepo.open(product.clone, Environment())
    git(product.clone, "branch", "-D", "everything")  # the fix's own objects are not needed
    editor = repo.edit(repo.commit(product.tip("release-10.3")).tree)
    editor = repo.edit(repo.commit(git(product.clone, "rev-parse", "v10.3.1^{commit}")).tree)
    for commit in commits:
        outcome = apply_commit(repo, editor, commit)
        assert outcome.conflicts == () and outcome.changed
        editor.write()
    assert editor.tree == git(product.dev, "rev-parse", f"{tip}^{{tree}}")


def test_line_numbers_point_into_the_file(product: Product) -> None:
    data = product.fix(
        "v10.3.1",
        {"src/export.c": replace_line(FILES["src/export.c"], 25, "export: check read")},
        "Check reads\n\nSecond paragraph.",
    )
    (commit,) = parse_mbox(data, "p")
    lines = data.decode().splitlines()
    for number, text in commit.message_lines:
        assert text in lines[number - 1]
    assert lines[commit.author_line - 1].startswith("From: Dana Developer")
    (change,) = commit.files
    (added,) = change.added_lines()
    assert lines[added.line - 1] == "+export: check read"
    assert lines[change.line - 1] == "diff --git a/src/export.c b/src/export.c"


def test_our_export_is_accepted_by_git_am(product: Product) -> None:
    tip = everything_commit(product)
    git(product.clone, "fetch", "-q", str(product.dev), "everything:everything")
    repo = ProductRepo.open(product.clone, Environment())
    data = format_patch(repo, repo.commits_in_range("v10.3.1..everything"))
    assert len(parse_mbox(data, "export")) == 3
    git(product.dev, "checkout", "-q", "-b", "replay", "v10.3.1")
    git(product.dev, "am", "-q", "--3way", "--keep-cr", input=data)
    assert git(product.dev, "rev-parse", "replay^{tree}") == git(
        product.dev, "rev-parse", f"{tip}^{{tree}}"
    )
    assert git(product.dev, "log", "-1", "--format=%an|%s", "replay") == (
        "Jürgen Müller|Prüfe den Export"
    )


BAD = {
    "plain diff": (b"diff --git a/x b/x\n", "p:1: not a git format-patch mbox"),
    "no diff": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00"
        b" +0000\nSubject: x\n\nbody\n",
        "p:1: mail has no diff",
    ),
    "no date": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: x\n\n",
        "p:1: mail has no Date: header",
    ),
    "bad author": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: nobody\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n",
        "p:2: From: needs Name <email>",
    ),
    "short hunk": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n"
        b"+c\n",
        "p:10: hunk is shorter or longer than its header says",
    ),
    "unsafe path": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/../x b/../x\n--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n"
        b"-a\n+b\n",
        "p:7: unsafe path '../x'",
    ),
    "binary without data": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/x b/x\nindex 1234567..89abcde 100644\n"
        b"Binary files a/x and b/x differ\n",
        "p:9: binary change without its data",
    ),
    "quoted-printable": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\nContent-Transfer-Encoding: quoted-printable\n\n",
        "p:5: quoted-printable is not supported",
    ),
    "nul bytes": (b"From \0", "p: is not a text patch"),
    # An encoded NUL cut the committed message short (libgit2 stops at it).
    "subject with an encoded nul": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: =?utf-8?q?Fix=00tail?=\n\n---\ndiff --git a/x b/x\nnew file mode 100644\n",
        "p:4: Subject: has a NUL or a line break",
    ),
    # An encoded line break moved the rest of the subject into the body, unseen.
    "subject with an encoded line break": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: =?utf-8?q?Fix=0Atail?=\n\n---\ndiff --git a/x b/x\nnew file mode 100644\n",
        "p:4: Subject: has a NUL or a line break",
    ),
    # A symlink and a file below it: the tree kept one of the two, and the plan said applies.
    "a file below a symlink of the same mail": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n"
        b"+++ b/l\n@@ -0,0 +1 @@\n+src\n\\ No newline at end of file\n"
        b"diff --git a/l/x b/l/x\nnew file mode 100644\n--- /dev/null\n+++ b/l/x\n"
        b"@@ -0,0 +1 @@\n+new\n",
        "p:14: writes 'l/x' below file 'l'",
    ),
    "a file above another of the same mail": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/l/x b/l/x\nnew file mode 100644\n"
        b"diff --git a/l b/l\nnew file mode 100644\n",
        "p:9: writes 'l' and 'l/x' below it",
    ),
    "the same file twice in a mail": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/n b/n\nnew file mode 100644\n"
        b"diff --git a/n b/n\nnew file mode 100755\n",
        "p:9: writes 'n' twice",
    ),
    # git apply would apply a diff after the signature, where releasekit stops reading.
    "diff after the signature": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/x b/x\nnew file mode 100644\n-- \n2.39.5\n\n"
        b"diff --git a/y b/y\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
        "p:12: diff after the signature",
    ),
    "hunk after the signature": (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
        b"-- \n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n",
        "p:14: diff after the signature",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_patches_name_file_and_line(case: str) -> None:
    data, message = BAD[case]
    with pytest.raises(PatchError) as caught:
        parse_mbox(data, "p")
    assert str(caught.value).startswith(message)
    assert caught.value.exit_code == 2


def test_apply_hunks_exactly_or_with_offsets() -> None:
    commit = parse_mbox(
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000"
        b"\nSubject: x\n\n---\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -2,3 +2,3 @@\n b\n-c\n"
        b"+C\n d\n",
        "p",
    )[0]
    hunks = commit.files[0].hunks
    assert apply_hunks(b"a\nb\nc\nd\ne\n", hunks, search=False) == b"a\nb\nC\nd\ne\n"
    shifted = b"new\nnew\na\nb\nc\nd\ne\n"
    assert apply_hunks(shifted, hunks, search=False) is None
    assert apply_hunks(shifted, hunks, search=True) == b"new\nnew\na\nb\nC\nd\ne\n"
    assert apply_hunks(b"a\nb\nX\nd\n", hunks, search=True) is None


def test_apply_delta_rejects_a_wrong_source() -> None:
    # source size 3, target size 2, copy 2 bytes from offset 1
    delta = bytes([3, 2, 0x80 | 0x01 | 0x10, 1, 2])
    assert apply_delta(b"abc", delta) == b"bc"
    assert apply_delta(b"abcd", delta) is None
    assert apply_delta(b"abc", bytes([3, 2, 0])) is None
    assert apply_delta(b"abc", bytes([3])) is None


def test_a_literal_binary_patch_round_trips() -> None:
    body = "\n".join(encode_literal(BINARY))
    data = (
        "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n"
        "Subject: x\n\n---\ndiff --git a/x.bin b/x.bin\nnew file mode 100644\n"
        f"index 0000000..1234567\nGIT binary patch\n{body}\n"
    ).encode()
    (change,) = parse_mbox(data, "p")[0].files
    assert change.binary is not None and change.binary.data == BINARY
    assert change.old_path is None and change.new_path == "x.bin"


# --- patch add ----------------------------------------------------------------------------


def test_patch_add_stores_a_private_copy(pws: Workspace, product: Product, run: Run) -> None:
    data = product.fix(
        "v10.3.1", {"src/export.c": replace_line(FILES["src/export.c"], 25, "x")}, "Check"
    )
    (pws.root / "fix.patch").write_bytes(data)
    result = run("patch", "add", "ACSA-2026-0001", "--line", "10.3", str(pws.root / "fix.patch"))
    assert result.exit_code == 0, result.output
    stored = pws.root / "patches" / "ACSA-2026-0001" / "10.3.patch"
    assert result.stdout.splitlines() == [
        "patches/ACSA-2026-0001/10.3.patch: held 1 commit, 1 file, +1 -1",
        "  commit: Check (Dana Developer <dana@example.org>)",
        "  file: src/export.c",
    ]
    assert stored.read_bytes() == data
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((pws.root / "patches").stat().st_mode) == 0o700
    again = run("patch", "add", "ACSA-2026-0001", "--line", "10.3", "-", input=data.decode())
    assert again.exit_code == 2 and "already exists; pass --replace" in again.stderr
    replaced = run(
        "patch", "add", "ACSA-2026-0001", "--line", "10.3", "--replace", "-", input=data.decode()
    )
    assert replaced.exit_code == 0, replaced.output


def test_patch_add_from_a_range_of_the_clone(pws: Workspace, product: Product, run: Run) -> None:
    product.fix(
        "v10.3.1",
        {"src/export.c": replace_line(FILES["src/export.c"], 25, "x")},
        "Check",
        branch="fix",
    )
    git(product.clone, "fetch", "-q", str(product.dev), "fix:fix")
    before = product.clone_state()
    result = run("patch", "add", "ACSA-2026-0001", "--line", "10.3", "--from", "v10.3.1..fix")
    assert result.exit_code == 0, result.output
    stored = (pws.root / "patches" / "ACSA-2026-0001" / "10.3.patch").read_bytes()
    (commit,) = parse_mbox(stored, "stored")
    assert commit.subject == "Check"
    assert product.clone_state() == before


def test_patch_add_warns_of_a_line_no_lift_pushes(
    pws: Workspace, product: Product, run: Run
) -> None:
    # 9.10 has releases but is neither upcoming, ESR nor one of the last 3: the plan shows
    # only the supported lines, so a fix held for it was silently never pushed.
    fix = product.fix("v9.10.1", {"src/x.c": "x\n"}, "Fix")
    result = run("patch", "add", "ACSA-2026-0001", "--line", "9.10", "-", input=fix.decode())
    assert result.exit_code == 0, result.output
    assert (pws.root / "patches" / "ACSA-2026-0001" / "9.10.patch").read_bytes() == fix
    assert result.stderr == (
        "releasekit: warning: 9.10 is not a supported line (10.4, 10.3, 10.2, 10.1, 9.11): "
        "no lift pushes this fix; list the line in [releases] esr to support it\n"
    )
    supported = run("patch", "add", "ACSA-2026-0001", "--line", "9.11", "-", input=fix.decode())
    assert supported.exit_code == 0 and supported.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ACSA-2026-0009", "--line", "10.3", "FIX"], "ACSA-2026-0009: no such advisory"),
        (["ACSA-2026-0001", "--line", "10.7", "FIX"], "--line 10.7: no such release line"),
        (["ACSA-2026-0001", "--line", "10.3", "NOTMBOX"], "NOTMBOX:1: not a git format-patch"),
        (["ACSA-2026-0001", "--line", "10.3", "MISSING"], "cannot be read"),
        (["ACSA-2026-0001", "--line", "10.3"], "give a patch FILE or --from REV_RANGE"),
        (["ACSA-2026-0001", "--line", "10.3", "FIX", "--from", "v10.3.1"], "one of the two"),
        (["ACSA-2026-0001", "--line", "10.3", "--from", "nope..HEAD"], "does not resolve"),
        (["ACSA-2002-0001", "--line", "10.3", "FIX"], "already released"),
        # Values as given, on one line: a line break shown as an escape.
        (["ACSA-2026-0001\n", "--line", "10.3", "FIX"], "ACSA-2026-0001\\x0a: no such advisory"),
        (["ACSA-2026-0001", "--line", "10.3\n", "FIX"], "--line 10.3\\x0a: no such release"),
        (["ACSA-2026-0001", "--line", "10.3", "--from", "a\nb"], "--from a\\x0ab: does not"),
        (["ACSA-2026-0001", "--line", "10.3", "--from", "a\n...b"], "--from a\\x0a...b: use"),
        (["ACSA-2026-0001", "--line", "10.3", "MISSING\n"], "MISSING\\x0a: cannot be read"),
        (["ACSA-2026-0001", "--line", "10.3", "NOT\nMBOX"], "NOT\\x0aMBOX:1: not a git format"),
    ],
)
def test_patch_add_bad_input_is_exit_2_and_writes_nothing(
    pws: Workspace, product: Product, run: Run, args: list[str], message: str
) -> None:
    pws.advisory("ACSA-2002-0001", released="2002-01-01T00:00:00Z", embargo="2002-01-01T00:00:00Z")
    fix = product.fix("v10.3.1", {"src/x.c": "x\n"}, "Fix")
    (pws.root.parent / "FIX").write_bytes(fix)
    for name in ("NOTMBOX", "NOT\nMBOX"):
        (pws.root.parent / name).write_text("just text\n")
    names = ("FIX", "NOTMBOX", "NOT\nMBOX", "MISSING", "MISSING\n")
    paths = {name: str(pws.root.parent / name) for name in names}
    before = pws.snapshot()
    result = run("patch", "add", *[paths.get(arg, arg) for arg in args])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert pws.snapshot() == before
    assert not (pws.root / "patches").exists()


def test_patch_list_says_what_each_fix_holds_and_where_it_applies(
    pws: Workspace, product: Product, run: Run
) -> None:
    export = FILES["src/export.c"]
    # Two commits on v10.3.1: line 1 conflicts with the tip of release-10.3, which moved on.
    product.commit(
        "fix", {"src/export.c": replace_line(export, 1, "x")}, "One", create_from="v10.3.1"
    )
    product.commit("fix", {"src/new.c": "a\nb\n"}, "Two\x1b[2J", author=("Kim Lee", "kim@ex.org"))
    pws.write("conflicting.patch", product.format_patch("v10.3.1..fix").decode())
    fix = product.fix(
        "v9.11.2", {"src/preview.c": replace_line(FILES["src/preview.c"], 5, "p")}, "P"
    )
    pws.write("applying.patch", fix.decode())
    pws.advisory("ACSA-2026-0002")
    for ident, line, name in [
        ("ACSA-2026-0001", "10.3", "conflicting"),
        ("ACSA-2026-0002", "9.11", "applying"),
    ]:
        added = run("patch", "add", ident, "--line", line, str(pws.root / f"{name}.patch"))
        assert added.exit_code == 0, added.output
    tip_10_3 = product.tip("release-10.3")
    before = product.clone_state()
    result = run("patch", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        "ACSA-2026-0001 10.3: patches/ACSA-2026-0001/10.3.patch: 2 commits, 2 files, +3 -1",
        f"  conflicts (src/export.c) on origin/release-10.3 at {tip_10_3[:12]}",
        "  commit: One (Dana Developer <dana@example.org>)",
        "  commit: Two\\x1b[2J (Kim Lee <kim@ex.org>)",  # a control character shown, not run
        "  file: src/export.c",
        "  file: src/new.c",
        "ACSA-2026-0002 9.11: patches/ACSA-2026-0002/9.11.patch: 1 commit, 1 file, +1 -1",
    ]
    assert lines[7].startswith("  applies on origin/release-9.11 at ")
    as_json = json.loads(run("patch", "list", "--json").stdout)
    assert [(f["id"], f["line"], f["status"]) for f in as_json] == [
        ("ACSA-2026-0001", "10.3", "conflicts"),
        ("ACSA-2026-0002", "9.11", "applies"),
    ]
    first = as_json[0]
    assert first["subjects"] == ["One", "Two\x1b[2J"]
    assert first["authors"] == ["Dana Developer <dana@example.org>", "Kim Lee <kim@ex.org>"]
    assert (first["files"], first["added"], first["removed"]) == (
        ["src/export.c", "src/new.c"],
        3,
        1,
    )
    assert (first["branch"], first["tip"], first["commits"]) == ("release-10.3", tip_10_3, 2)
    assert product.clone_state() == before  # no fetch unless asked, nothing written
    # Once the public tip has the fix, it is already there; --fetch sees the new tip.
    product.commit(
        "release-9.11", {"src/preview.c": replace_line(FILES["src/preview.c"], 5, "p")}, "P"
    )
    product.publish("release-9.11")
    stale = json.loads(run("patch", "list", "--json").stdout)[1]
    fresh = json.loads(run("patch", "list", "--json", "--fetch").stdout)[1]
    assert (stale["status"], fresh["status"]) == ("applies", "already-fixed")
    assert fresh["tip"] == product.tip("release-9.11") != stale["tip"]


def test_patch_list_shows_the_lines_in_version_order(
    pws: Workspace, product: Product, run: Run
) -> None:
    # The files sort 10.3.patch before 9.11.patch (CPython's 3.10 before 3.9): the list
    # said "in id and line order" and put the oldest line last.
    for line, tag in (("10.3", "v10.3.1"), ("9.11", "v9.11.2")):
        fix = product.fix(tag, {"src/new.c": "a\n"}, f"Fix {line}")
        pws.write(f"{line}.patch", fix.decode())
        added = run(
            "patch", "add", "ACSA-2026-0001", "--line", line, str(pws.root / f"{line}.patch")
        )
        assert added.exit_code == 0, added.output
    listed = json.loads(run("patch", "list", "--json").stdout)
    assert [f["line"] for f in listed] == ["9.11", "10.3"]


def test_patch_list_with_nothing_held(pws: Workspace, run: Run) -> None:
    assert run("patch", "list").stdout == "No held fixes.\n"
    assert json.loads(run("patch", "list", "--json").stdout) == []


@pytest.mark.parametrize("broken", ["a file", "a dangling symlink", "a symlink loop"])
def test_patch_list_refuses_a_patches_folder_that_is_not_one(
    pws: Workspace, run: Run, broken: str
) -> None:
    # Read as "No held fixes." (exit 0): a plan would then find no line's fix held.
    folder = pws.root / "patches"
    if folder.is_dir():
        folder.rmdir()
    if broken == "a file":
        folder.write_text("not a folder")
    else:
        folder.symlink_to(pws.root / "nowhere" if broken == "a dangling symlink" else folder)
    result = run("patch", "list")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "releasekit: error: patches: is not a directory (the held fixes go in it)\n"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ACSA\n2026/10.3.patch", "patches/ACSA\\x0a2026: expected a directory named after"),
        ("ACSA-2026-0001/10.3\n.patch", "patches/ACSA-2026-0001/10.3\\x0a.patch: expected LINE"),
    ],
)
def test_patch_list_names_a_misnamed_file_on_one_line(
    pws: Workspace, run: Run, name: str, message: str
) -> None:
    pws.write(f"patches/{name}", "")
    result = run("patch", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"releasekit: error: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_patch_remove_deletes_the_fix_and_its_empty_directory(
    pws: Workspace, product: Product, run: Run
) -> None:
    fix = product.fix("v10.3.1", {"src/x.c": "x\n"}, "Fix")
    for line in ("10.3", "10.2"):
        added = run("patch", "add", "ACSA-2026-0001", "--line", line, "-", input=fix.decode())
        assert added.exit_code == 0, added.output
    held = pws.root / "patches" / "ACSA-2026-0001"
    result = run("patch", "remove", "ACSA-2026-0001", "--line", "10.3")
    assert (result.exit_code, result.stdout) == (0, "removed patches/ACSA-2026-0001/10.3.patch\n")
    assert sorted(p.name for p in held.iterdir()) == ["10.2.patch"]
    assert run("patch", "remove", "ACSA-2026-0001", "--line", "10.2").exit_code == 0
    assert not held.exists() and (pws.root / "patches").is_dir()
    before = pws.snapshot()
    for args, message in [
        (
            ("ACSA-2026-0001", "--line", "10.2"),
            "patches/ACSA-2026-0001/10.2.patch: no such held fix",
        ),
        (("../../etc", "--line", "10.2"), "../../etc: not an advisory id (like ACSA-2026-0001)"),
        (("ACSA-2026-0001", "--line", "../10"), "--line ../10: not a release line (like 10.3)"),
        # Values as given, on one line: a line break shown as an escape.
        (
            ("ACSA\n2026", "--line", "10.2"),
            "ACSA\\x0a2026: not an advisory id (like ACSA-2026-0001)",
        ),
        (
            ("ACSA-2026-0001", "--line", "10.2\n"),
            "--line 10.2\\x0a: not a release line (like 10.3)",
        ),
    ]:
        missing = run("patch", "remove", *args)
        assert missing.exit_code == 2
        assert missing.stderr == f"releasekit: error: {message}\n"
    assert pws.snapshot() == before


def test_patch_files_are_never_written_into_the_clone(
    pws: Workspace, product: Product, run: Run
) -> None:
    before = product.clone_state()
    fix = product.fix("v10.3.1", {"src/x.c": "x\n"}, "Fix")
    result = run("patch", "add", "ACSA-2026-0001", "--line", "10.3", "-", input=fix.decode())
    assert result.exit_code == 0, result.output
    assert product.clone_state() == before
    untracked = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=product.clone, capture_output=True
    )
    assert untracked.stdout == b""


def test_a_copy_keeps_its_source(product: Product) -> None:
    export = FILES["src/export.c"]
    product.commit(
        "copy",
        {"src/export2.c": replace_line(export, 3, "export2: copied")},
        "Copy the exporter",
        create_from="v10.3.1",
    )
    data = subprocess.run(
        ["git", "format-patch", "--stdout", "-C", "-C", "--find-copies-harder", "-1", "copy"],
        cwd=product.dev,
        capture_output=True,
        check=True,
    ).stdout
    assert b"copy from src/export.c" in data
    (commit,) = parse_mbox(data, "p")
    assert commit.files[0].copy
    repo = ProductRepo.open(product.clone, Environment())
    editor = repo.edit(repo.commit(git(product.clone, "rev-parse", "v10.3.1^{commit}")).tree)
    assert apply_commit(repo, editor, commit).changed
    assert editor.write() == git(product.dev, "rev-parse", "copy^{tree}")


# Changes git writes as a file header without hunks, made last in a mail (under zz/).
HEADER_ONLY = ["new empty file", "deleted empty file", "mode change", "rename", "copy", "binary"]


def _header_only_last(product: Product, case: str) -> list[str]:
    """Commit on v10.3.1 the files of the case, then a README edit with the case's change
    last in its diff; returns the extra format-patch options the case needs."""
    files = {"zz/empty.txt": "", "zz/tool.sh": "echo\n", "zz/kept.txt": FILES["src/image.c"]}
    product.commit("header-only", files, "Add the files", create_from="v10.3.1")
    dev = product.dev
    if case == "new empty file":
        (dev / "zz" / "new.txt").write_text("")
    elif case == "deleted empty file":
        (dev / "zz" / "empty.txt").unlink()
    elif case == "mode change":
        (dev / "zz" / "tool.sh").chmod(0o755)
    elif case == "rename":
        git(dev, "mv", "zz/kept.txt", "zz/moved.txt")
    elif case == "copy":
        (dev / "zz" / "copy.txt").write_text(FILES["src/image.c"])
    else:
        (dev / "zz" / "logo.bin").write_bytes(BINARY)
    product.commit("header-only", {"README": "Acme Server, fixed\n"}, f"Change: {case}")
    return ["-C", "--find-copies-harder"] if case == "copy" else []


@pytest.mark.parametrize("case", HEADER_ONLY)
def test_the_signature_ends_a_last_file_diff_without_hunks(product: Product, case: str) -> None:
    extra = _header_only_last(product, case)
    data = subprocess.run(
        ["git", "format-patch", "--stdout", "--binary", *extra, "v10.3.1..header-only"],
        cwd=product.dev,
        capture_output=True,
        env=git_env(),
        check=True,
    ).stdout
    mails = data.split(b"\nFrom ")
    assert all(b"\n-- \n" in mail for mail in mails)  # git's signature ends each mail
    commits = parse_mbox(data, "p")
    last = commits[-1].files[-1]
    assert last.path.startswith("zz/") and not last.hunks and last.line > 0
    repo = ProductRepo.open(product.clone, Environment())
    editor = repo.edit(repo.commit(git(product.clone, "rev-parse", "v10.3.1^{commit}")).tree)
    for commit in commits:
        assert apply_commit(repo, editor, commit).changed
        editor.write()
    assert editor.tree == git(product.dev, "rev-parse", "header-only^{tree}")


def test_a_submodule_change_is_refused() -> None:
    data = (
        b"From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n"
        b"Subject: x\n\n---\ndiff --git a/lib b/lib\nindex 1234567..89abcde 160000\n"
        b"--- a/lib\n+++ b/lib\n@@ -1 +1 @@\n-Subproject commit 1\n+Subproject commit 2\n"
    )
    with pytest.raises(PatchError, match=r"p:8: unsupported file mode '160000'"):
        parse_mbox(data, "p")


def _new_file_patch(path: str) -> bytes:
    return (
        "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b.example>\n"
        "Date: Mon, 1 Jan 2026 00:00:00 +0000\nSubject: x\n\n---\n"
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1 @@\n+new\n"
    ).encode()


@pytest.mark.parametrize("path", ["src/export.c/inner.c", "src"])
def test_a_file_cannot_replace_a_directory_or_hide_below_a_file(
    product: Product, path: str
) -> None:
    (commit,) = parse_mbox(_new_file_patch(path), "p")
    repo = ProductRepo.open(product.clone, Environment())
    editor = repo.edit(repo.commit(product.tip("release-10.3")).tree)
    assert apply_commit(repo, editor, commit).conflicts == (path,)


@pytest.mark.parametrize("path", [".git/hooks/post-checkout", "a/./b", "a//b", "x/.GIT/y"])
def test_unsafe_names_are_refused(path: str) -> None:
    with pytest.raises(PatchError, match="unsafe path"):
        parse_mbox(_new_file_patch(path), "p")


def test_author_and_date_must_be_usable() -> None:
    good = _new_file_patch("n.c")
    for old, new, message in [
        (b"From: A <a@b.example>", b"From: =?utf-8?q?A=3Cx=3E?= <a@b.example>", "From: name"),
        (b"Mon, 1 Jan 2026", b"Mon, 1 Jan 1200", "Date: is out of range"),
        (b"+0000\n", b"+9999\n", "Date: is"),
    ]:
        with pytest.raises(PatchError, match=message):
            parse_mbox(good.replace(old, new), "p")
    quoted = good.replace(b"a/n.c b/n.c", b'"a/\\377.c" "b/\\377.c"')
    quoted = quoted.replace(b"+++ b/n.c", b'+++ "b/\\377.c"')
    with pytest.raises(PatchError, match="file names must be UTF-8"):
        parse_mbox(quoted, "p")


def test_a_header_folded_over_many_lines_is_read_in_linear_time() -> None:
    # Each folded line was added to the header's value: 400,000 lines took 8.7 s, 1.5 million
    # about two minutes, a 64 MiB patch hours (and every plan reads the held fixes again).
    folded = b"X-Folded: a" + b"\n b" * 1_500_000 + b"\n"
    data = _new_file_patch("n.c").replace(b"Subject: x\n", b"Subject: x\n" + folded)
    started = time.monotonic()
    (commit,) = parse_mbox(data, "p")
    assert time.monotonic() - started < 10
    assert commit.subject == "x"


@pytest.mark.parametrize("header", [b"Subject: ", b"From: "])
def test_a_from_or_subject_of_many_encoded_words_is_refused(header: bytes) -> None:
    # 100,000 encoded words took 16 s to decode (the time grows with their square).
    words = b"=?utf-8?q?a?= " * 100_000
    data = _new_file_patch("n.c").replace(header, header + words, 1)
    started = time.monotonic()
    with pytest.raises(PatchError, match=r"^p:[24]: (Subject|From): longer than 65536 char"):
        parse_mbox(data, "p")
    assert time.monotonic() - started < 5


def test_a_zip_bomb_is_not_inflated() -> None:
    bomb = zlib.compress(b"\0" * 10_000_000)  # 10 MB claimed as 5 bytes
    lines = ["literal 5", *b85_encode(bomb)]
    data = (
        "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n"
        "Subject: x\n\n---\ndiff --git a/x.bin b/x.bin\nnew file mode 100644\n"
        "index 0000000..1234567\nGIT binary patch\n" + "\n".join(lines) + "\n\n"
    ).encode()
    tracemalloc.start()
    try:
        with pytest.raises(PatchError, match="wrong size"):
            parse_mbox(data, "p")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # the 10 MB were never inflated


def _binary_patch(*sections: tuple[str, bytes]) -> bytes:
    """A mail creating one file per (kind, data) section: kind "literal" or "delta"."""
    text = (
        "From 0 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n"
        "Subject: x\n\n---\n"
    )
    for n, (kind, data) in enumerate(sections):
        body = "\n".join(b85_encode(zlib.compress(data)))
        text += (
            f"diff --git a/x{n}.bin b/x{n}.bin\nindex 1234567..89abcde 100644\n"
            f"GIT binary patch\n{kind} {len(data)}\n{body}\n\n"
        )
    return text.encode()


def test_the_binary_data_of_a_patch_inflates_to_a_bounded_size() -> None:
    # Binary sections each within bounds inflated to 3.7 GB together (MemoryError), in
    # `patch add` and again in every `plan`: the patch's total is bounded too.
    part = b"\0" * 25_000_000
    data = _binary_patch(("literal", part), ("literal", part), ("literal", part))
    third = [i for i, x in enumerate(data.split(b"\n"), 1) if x == b"literal 25000000"][2]
    tracemalloc.start()
    try:
        with pytest.raises(PatchError) as info:
            parse_mbox(data, "p")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(info.value) == f"p:{third}: binary data inflates to more than 64 MiB"
    assert peak < 90_000_000  # the first two sections, never the third


def test_a_delta_makes_no_more_than_its_header_says() -> None:
    # A copy instruction of one byte makes 64 KiB: a delta's output is counted from its
    # header (at most 64 MiB a patch), and applying never makes more than that.
    huge = bytes([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])  # from 16 bytes, 2**35 - 1 bytes
    with pytest.raises(PatchError, match=r"p:10: binary data inflates to more than 64 MiB"):
        parse_mbox(_binary_patch(("delta", huge)), "p")
    source = b"s" * 0x10000
    copies = bytes([0x80, 0x80, 0x04, 0x0A]) + bytes([0x80]) * 2000  # 128 MiB of copies
    tracemalloc.start()
    try:
        assert apply_delta(source, copies) is None  # past the 10 bytes its header names
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert apply_delta(source, bytes([0x80, 0x80, 0x04, 0x03, 0x91, 0x00, 0x03])) == b"sss"


SAMPLE = (
    b"From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001\n"
    b"From: =?UTF-8?q?J=C3=BCrgen?= <j@example.org>\n"
    b"Date: Mon, 1 Jan 2026 10:00:00 +0100\n"
    b"Subject: [PATCH 1/1] Check the\n  export\n"
    b"MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
    b"Content-Transfer-Encoding: 8bit\n\nBody.\n---\n a | 1 +\n\n"
    b"diff --git a/a b/a\nindex 1234567..89abcde 100644\n--- a/a\n+++ b/a\n"
    b"@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n\\ No newline at end of file\n"
    b'diff --git "a/\\303\\244" "b/\\303\\244 2"\nsimilarity index 90%\n'
    b'rename from "\\303\\244"\nrename to "\\303\\244 2"\n'
    b"diff --git a/bin b/bin\nnew file mode 100755\nindex 0000000..1234567\n"
    b"GIT binary patch\n" + "\n".join(encode_literal(b"\0\1\2")).encode() + b"\n\n"
    b"-- \n2.39.5\n\n"
)


def test_the_sample_parses() -> None:
    (commit,) = parse_mbox(SAMPLE, "p")
    assert commit.message == "Check the export\n\nBody.\n"
    assert [(f.old_path, f.new_path) for f in commit.files] == [
        ("a", "a"),
        ("ä", "ä 2"),
        (None, "bin"),
    ]
    assert commit.files[0].hunks[0].lines[-1].content == b"three"
    assert commit.author.offset == 60


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["drop", "dup", "replace", "insert"]),
            st.integers(min_value=0, max_value=60),
            st.binary(max_size=40),
        ),
        max_size=4,
    )
)
def test_any_damaged_patch_is_a_patch_error_or_parses(
    edits: list[tuple[str, int, bytes]],
) -> None:
    lines = SAMPLE.split(b"\n")
    for kind, where, junk in edits:
        at = where % len(lines)
        if kind == "drop":
            del lines[at]
        elif kind == "dup":
            lines.insert(at, lines[at])
        elif kind == "replace":
            lines[at] = junk
        else:
            lines.insert(at, junk)
    with contextlib.suppress(PatchError):  # anything else fails the test
        parse_mbox(b"\n".join(lines), "p")

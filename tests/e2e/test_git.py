from __future__ import annotations

import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from releasekit.adapters.env import Environment
from releasekit.adapters.git import Entry, Person, ProductRepo, sanitize
from releasekit.support.errors import BadInput, GitError, PatchError, RemoteUnreachable
from tests.helpers import repos
from tests.helpers.githttp import GitHttpServer
from tests.helpers.repos import FILES, GitDaemon, Product, git, release_product, replace_line
from tests.helpers.sshd import SshServer

TAGGER = Person("Release Bot", "release@example.org", 1_800_000_000, 60)


@pytest.fixture
def product(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Product:
    return release_product(tmp_path_factory.getbasetemp(), tmp_path / "product")


@pytest.fixture
def repo(product: Product) -> ProductRepo:
    return ProductRepo.open(product.clone, Environment())


def loose_objects(clone: Path) -> int:
    return int(
        next(
            line.split()[1]
            for line in git(clone, "count-objects", "-v").splitlines()
            if line.startswith("count:")
        )
    )


def test_open_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="product repository not found") as missing:
        ProductRepo.open(tmp_path / "nowhere", Environment())
    assert missing.value.exit_code == 2
    (tmp_path / "plain").mkdir()
    with pytest.raises(BadInput, match="plain: not a git repository"):
        ProductRepo.open(tmp_path / "plain", Environment())
    git(tmp_path, "init", "-q", "workspace")
    (tmp_path / "workspace" / "product").mkdir()
    with pytest.raises(BadInput, match="product: not a git repository"):
        ProductRepo.open(
            tmp_path / "workspace" / "product", Environment()
        )  # not the repository around it


def test_fetch_brings_new_tips_and_tags(product: Product, repo: ProductRepo) -> None:
    export = FILES["src/export.c"]
    product.commit("release-10.2", {"src/export.c": replace_line(export, 3, "x")}, "Release 10.2.1")
    product.tag("v10.2.1", "release-10.2")
    product.publish("release-10.2")
    assert repo.tracking_tip("origin", "release-10.2") != product.tip("release-10.2")
    said: list[str] = []
    repo.fetch("origin", progress=said.append)
    assert repo.tracking_tip("origin", "release-10.2") == product.tip("release-10.2")
    assert repo.tags()["v10.2.1"] == product.tip("release-10.2")  # peeled to the commit
    assert any(text.startswith("receiving objects") for text in said)
    assert "release-10.4" in repo.tracking_branches("origin")
    assert repo.tracking_tip("origin", "release-77.0") is None


def test_fetch_prunes_deleted_branches(product: Product, repo: ProductRepo) -> None:
    git(product.remote, "branch", "-D", "release-9.9")
    repo.fetch("origin")
    assert "release-9.9" not in repo.tracking_branches("origin")


def test_fetch_keeps_the_clones_own_tags(product: Product, repo: ProductRepo) -> None:
    # The fetch pruned by its tags' refspec too: a tag only the clone had (the release
    # manager's own, or one fetched from another remote) was deleted without a word. Now
    # tags are fetched as `git fetch --tags` does; the branches are still pruned.
    git(product.clone, "tag", "scratch-test", "origin/release-10.3")
    git(product.clone, "tag", "-f", "v10.2.0", "origin/release-10.3")
    git(product.remote, "tag", "-d", "v10.1.0")
    git(product.remote, "tag", "v10.3.7", "release-10.3")
    git(product.remote, "branch", "-D", "release-9.9")
    before, default = repo.tags(), repo.remote_default_branch("origin")
    repo.fetch("origin")
    after = repo.tags()
    assert after["scratch-test"] == before["scratch-test"] == product.tip("release-10.3")
    assert after["v10.2.0"] == before["v10.2.0"]  # the clone's, not moved back
    assert after["v10.1.0"] == before["v10.1.0"]  # deleted on the remote: kept, as git does
    assert after["v10.3.7"] == product.tip("release-10.3")
    assert set(after) == {*before, "v10.3.7"}
    assert "release-9.9" not in repo.tracking_branches("origin")
    assert repo.remote_default_branch("origin") == default  # (a symbolic ref: kept)


def test_an_unreachable_remote_is_exit_1_without_credentials(
    product: Product, repo: ProductRepo, tmp_path: Path
) -> None:
    git(product.clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    with pytest.raises(RemoteUnreachable) as caught:
        repo.fetch("origin")
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        f"remote origin ({tmp_path}/gone.git) could not be reached: no such directory"
    )
    with pytest.raises(RemoteUnreachable, match=r"Connection refused") as refused:
        repo.ls_remote("https://jane:s3cret@127.0.0.1:1/acme.git", timeout=5)
    assert "s3cret" not in str(refused.value) and "jane" not in str(refused.value)
    assert (
        sanitize("see https://u:p@host/x and ssh://git@h/y") == "see https://host/x and ssh://h/y"
    )


def test_a_lock_left_in_the_clone_is_named_not_blamed_on_the_remote(
    product: Product, repo: ProductRepo
) -> None:
    # As a lift killed while the push updated the remote-tracking refs leaves it.
    lock = product.clone / ".git" / "refs" / "remotes" / "origin" / "release-10.4.lock"
    lock.touch()
    product.commit("release-10.4", {"README": "Acme Server 10.4\n"}, "Update the README")
    product.publish("release-10.4")
    with pytest.raises(GitError) as caught:
        repo.fetch("origin")
    assert not isinstance(caught.value, RemoteUnreachable)
    assert caught.value.exit_code == 1
    assert str(caught.value) == (
        f"{lock}: a lock file in the product clone: another git command is updating it, or "
        "one was killed before it could remove the file; remove the file if no git command "
        f"is running in {product.clone}"
    )
    lock.unlink()
    repo.fetch("origin")
    assert repo.tracking_tip("origin", "release-10.4") == product.tip("release-10.4")


def test_a_silent_remote_times_out(product: Product, repo: ProductRepo) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"git://127.0.0.1:{silent.getsockname()[1]}/acme.git"
        git(product.clone, "remote", "set-url", "origin", url)
        with pytest.raises(RemoteUnreachable, match="timed out"):
            repo.fetch("origin", timeout=0.5)


def test_an_unknown_remote_name_is_bad_input(repo: ProductRepo) -> None:
    with pytest.raises(BadInput, match=r"project.remote: 'upstream' is not a remote of .*origin"):
        repo.fetch("upstream")


def test_written_objects_stay_in_memory(product: Product, repo: ProductRepo) -> None:
    before = (product.clone_state(), loose_objects(product.clone))
    blob = repo.write_blob(b"embargoed fix\n")
    editor = repo.edit(repo.commit(product.tip("release-10.3")).tree)
    editor.set("src/fix.c", Entry(blob))
    tree = editor.write()
    commit = repo.create_commit(
        tree=tree,
        parents=[product.tip("release-10.3")],
        author=TAGGER,
        committer=TAGGER,
        message="Fix\n",
    )
    tag = repo.create_tag_object("v10.3.2", commit, "Acme Server 10.3.2", TAGGER)
    assert repo.read_blob(blob) == b"embargoed fix\n"
    assert repo.commit(commit).tree == tree
    for oid in (blob, tree, commit, tag):
        assert repo.has_object(oid)
        missing = subprocess.run(["git", "cat-file", "-e", oid], cwd=product.clone, check=False)
        assert missing.returncode != 0, "an in-memory object reached the clone"
    assert (product.clone_state(), loose_objects(product.clone)) == before


def test_tree_editor_adds_changes_and_removes_along_paths(
    product: Product, repo: ProductRepo
) -> None:
    base = repo.commit(product.tip("release-10.3")).tree
    editor = repo.edit(base)
    new = repo.write_blob(b"new\n")
    editor.set("deep/er/file.c", Entry(new, 0o100755))
    editor.set("src/image.c", None)
    editor.set("src/preview.c", Entry(new))
    editor.set("README", None)
    assert editor.get("deep/er/file.c") == Entry(new, 0o100755)
    tree = editor.write()
    assert repo.entry(tree, "deep/er/file.c") == Entry(new, 0o100755)
    assert repo.entry(tree, "src/image.c") is None
    assert repo.entry(tree, "src/preview.c") == Entry(new)
    assert repo.entry(tree, "src/export.c") == repo.entry(base, "src/export.c")
    editor.set("deep/er/file.c", None)
    assert repo.entry(editor.write(), "deep") is None  # an emptied directory disappears


def test_merge_paths_three_ways(repo: ProductRepo) -> None:
    text = FILES["src/export.c"]
    base = Entry(repo.write_blob(text.encode()))
    ours = Entry(repo.write_blob(replace_line(text, 1, "ours").encode()))
    theirs = Entry(repo.write_blob(replace_line(text, 25, "theirs").encode()))
    merged = repo.merge_paths({"a.c": base}, {"a.c": ours}, {"a.c": theirs})
    assert merged.conflicts == ()
    entry = merged.changes["a.c"]
    assert entry is not None
    assert repo.read_blob(entry.oid).decode() == replace_line(
        replace_line(text, 1, "ours"), 25, "theirs"
    )
    clash = Entry(repo.write_blob(replace_line(text, 1, "theirs").encode()))
    assert repo.merge_paths({"a.c": base}, {"a.c": ours}, {"a.c": clash}).conflicts == ("a.c",)
    # theirs renames the file while ours changed it: the change moves to the new name
    renamed = repo.merge_paths(
        {"a.c": base, "b.c": None}, {"a.c": ours, "b.c": None}, {"a.c": None, "b.c": base}
    )
    assert renamed.conflicts == ()
    assert renamed.changes == {"a.c": None, "b.c": ours}
    # nothing to do when ours already has theirs
    assert repo.merge_paths({"a.c": base}, {"a.c": theirs}, {"a.c": theirs}).changes == {}


def test_ls_remote_lists_branches_and_tags(product: Product, repo: ProductRepo) -> None:
    refs = repo.ls_remote("origin")
    assert refs["refs/heads/release-10.3"] == product.tip("release-10.3")
    assert "refs/tags/v10.3.1" in refs


def _fix_commit(repo: ProductRepo, parent: str, text: bytes = b"fix\n") -> str:
    editor = repo.edit(repo.commit(parent).tree)
    editor.set("src/fix.c", Entry(repo.write_blob(text)))
    return repo.create_commit(
        tree=editor.write(), parents=[parent], author=TAGGER, committer=TAGGER, message="Fix\n"
    )


def test_push_never_forces_and_reports_each_ref(product: Product, repo: ProductRepo) -> None:
    tip = product.tip("release-10.3")
    fixed = _fix_commit(repo, tip)
    tag = repo.create_tag_object("v10.3.2", fixed, "Acme Server 10.3.2\n", TAGGER)
    results = repo.push("origin", [f"{fixed}:refs/heads/release-10.3", f"{tag}:refs/tags/v10.3.2"])
    assert [(r.ref, r.ok, r.message) for r in results] == [
        ("refs/heads/release-10.3", True, None),
        ("refs/tags/v10.3.2", True, None),
    ]
    assert product.tip("release-10.3") == fixed
    assert git(product.remote, "cat-file", "-p", "refs/tags/v10.3.2").endswith("Acme Server 10.3.2")
    git(product.clone, "fsck", "--no-dangling")  # the refs the push moved point at real objects
    again = repo.push("origin", [f"{fixed}:refs/heads/release-10.3"])
    assert (again[0].ok, again[0].message) == (True, "up to date")
    other = _fix_commit(repo, tip, b"another fix\n")
    other_tag = repo.create_tag_object("v10.3.2", other, "Acme Server 10.3.2\n", TAGGER)
    rejected = repo.push(
        "origin", [f"{other}:refs/heads/release-10.3", f"{other_tag}:refs/tags/v10.3.2"]
    )
    assert [(r.ok, r.message) for r in rejected] == [
        (False, "non-fast-forward (fetch first)"),
        (False, "tag already exists on the remote"),
    ]
    assert product.tip("release-10.3") == fixed
    with pytest.raises(BadInput, match="never force-pushes"):
        repo.push("origin", [f"+{other}:refs/heads/release-10.3"])
    with pytest.raises(BadInput, match="expected SOURCE:refs/heads/NAME"):
        repo.push("origin", [f"{other}:release-10.3"])


def test_the_remote_answers_per_ref(product: Product, repo: ProductRepo) -> None:
    hook = product.remote / "hooks" / "update"
    hook.write_text('#!/bin/sh\n[ "$1" = refs/heads/release-10.2 ] && exit 1\nexit 0\n')
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    git(product.remote, "config", "daemon.receivepack", "true")
    with GitDaemon(product.root) as daemon:
        url = daemon.url("remote.git")
        one = _fix_commit(repo, product.tip("release-10.3"))
        two = _fix_commit(repo, product.tip("release-10.2"))
        results = repo.push(
            url, [f"{one}:refs/heads/release-10.3", f"{two}:refs/heads/release-10.2"], timeout=20
        )
    assert [(r.ref, r.ok) for r in results] == [
        ("refs/heads/release-10.3", True),
        ("refs/heads/release-10.2", False),
    ]
    assert results[1].message and "hook declined" in results[1].message
    assert product.tip("release-10.3") == one


def test_git_daemon_takes_another_port_when_its_own_was_taken(
    product: Product, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the probe and git daemon's bind, another process (another worker of the
    suite) may listen on the port: the daemon starts on another, not "ready" on the other's."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        ports = iter([taken.getsockname()[1]])
        probe = repos.free_port
        monkeypatch.setattr(repos, "free_port", lambda: next(ports, None) or probe())
        with GitDaemon(product.root) as daemon:
            assert daemon.port != taken.getsockname()[1]
            refs = git(product.dev, "ls-remote", daemon.url("remote.git"))
    assert "refs/heads/release-10.3" in refs


@pytest.fixture
def gnupg(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A throwaway GnuPG home with a signing key; its agent is stopped afterwards."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        [
            "gpg",
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Release <r@example.org>",
            "ed25519",
            "sign",
            "never",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    yield env
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)


def test_a_signed_tag_verifies_with_git(
    product: Product, repo: ProductRepo, gnupg: dict[str, str]
) -> None:
    def sign(payload: bytes) -> str:
        done = subprocess.run(
            ["gpg", "--batch", "--detach-sign", "--armor"],
            input=payload,
            env=gnupg,
            capture_output=True,
            check=True,
        )
        return done.stdout.decode("ascii")

    target = product.tip("release-10.3")
    tag = repo.create_tag_object("v10.3.2", target, "Acme Server 10.3.2", TAGGER, sign=sign)
    name, points_at, message = repo.tag_info(tag)
    assert (name, points_at) == ("v10.3.2", target)
    assert message.startswith("Acme Server 10.3.2\n-----BEGIN PGP SIGNATURE-----")
    assert repo.push("origin", [f"{tag}:refs/tags/v10.3.2"])[0].ok
    verified = subprocess.run(
        ["git", "tag", "-v", "v10.3.2"], cwd=product.remote, env=gnupg, capture_output=True
    )
    assert verified.returncode == 0, verified.stderr.decode()
    assert b"Good signature" in verified.stderr


def test_a_signer_must_return_an_armored_signature(product: Product, repo: ProductRepo) -> None:
    from releasekit.support.errors import GitError

    with pytest.raises(GitError, match="armored signature"):
        repo.create_tag_object(
            "v10.3.2", product.tip("release-10.3"), "m", TAGGER, sign=lambda _b: "nope"
        )
    with pytest.raises(BadInput, match="not a valid tag name"):
        repo.create_tag_object("bad..name", product.tip("release-10.3"), "m", TAGGER)


@pytest.mark.parametrize(
    ("encoding", "name"), [("x-bogus", "Ren\ufffd"), ("rot13", "Ren\ufffd"), ("latin-1", "Ren\xe9")]
)
def test_a_commit_in_an_encoding_python_lacks_is_read_as_utf_8(
    product: Product, repo: ProductRepo, encoding: str, name: str
) -> None:
    # A remote's commit with "encoding x-bogus" made plan and embargo status end in a
    # LookupError traceback (pygit2 decodes the name and message with that codec).
    tip = git(product.clone, "rev-parse", "origin/release-10.3")
    tree = git(product.clone, "rev-parse", "origin/release-10.3^{tree}")
    header = f"tree {tree}\nparent {tip}\nauthor Ren\xe9 <r@example.org> 1790000000 +0000\n"
    header += f"committer C <c@example.org> 1790000000 +0000\nencoding {encoding}\n\n"
    data = header.encode("latin-1") + b"Fix \xe9\n"
    made = git(product.clone, "hash-object", "-t", "commit", "-w", "--stdin", input=data)
    info = repo.commit(made)
    assert info.author.name == name
    assert info.message == f"Fix {name[-1]}\n"
    assert info.parents == (tip,)


def test_commits_in_range(product: Product, repo: ProductRepo) -> None:
    product.commit("fix", {"src/a.c": "a\n"}, "One", create_from="v10.3.1")
    product.commit("fix", {"src/b.c": "b\n"}, "Two")
    git(product.clone, "fetch", "-q", str(product.dev), "fix:fix")
    one, two = git(product.clone, "rev-list", "--reverse", "v10.3.1..fix").split()
    assert repo.commits_in_range("v10.3.1..fix") == [one, two]
    assert repo.commits_in_range("fix") == [two]
    for bad, message in [
        ("nope..fix", "does not resolve"),
        ("fix..fix", "selects no commits"),
        ("v10.3.1...fix", r"use A..B \(not A...B\)"),
    ]:
        with pytest.raises(PatchError, match=message):
            repo.commits_in_range(bad)
    git(product.clone, "checkout", "-q", "-b", "merged", "fix~1")
    git(product.clone, "merge", "-q", "--no-ff", "-m", "Merge", "fix")
    with pytest.raises(PatchError, match="is a merge or root commit"):
        repo.commits_in_range("merged")


def _push_a_fix_and_its_tag(product: Product, repo: ProductRepo, url: str) -> None:
    """A fix on release-10.3 and its annotated tag, pushed to ``url``: both land."""
    fixed = _fix_commit(repo, product.tip("release-10.3"))
    tag = repo.create_tag_object("v10.3.2", fixed, "Acme Server 10.3.2\n", TAGGER)
    results = repo.push(
        url, [f"{fixed}:refs/heads/release-10.3", f"{tag}:refs/tags/v10.3.2"], timeout=20
    )
    assert [(r.ref, r.ok) for r in results] == [
        ("refs/heads/release-10.3", True),
        ("refs/tags/v10.3.2", True),
    ]
    assert product.tip("release-10.3") == fixed


@pytest.fixture
def https_remote(product: Product, tmp_path: Path) -> Iterator[tuple[GitHttpServer, Path]]:
    """The product's remote behind HTTPS with a login, and the CA file that signed it."""
    ca = trustme.CA()
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    server = GitHttpServer(product.root, "release-bot", "s3cret-token-value", ca)
    server.start()
    try:
        yield server, cafile
    finally:
        server.stop()


def test_an_https_remote_gets_the_login_from_the_environment(
    product: Product, https_remote: tuple[GitHttpServer, Path]
) -> None:
    server, cafile = https_remote
    url = server.url("remote.git")
    env = {
        "RELEASEKIT_GIT_USER": "release-bot",
        "RELEASEKIT_GIT_PASSWORD": "s3cret-token-value",
        "RELEASEKIT_GIT_CAFILE": str(cafile),
    }
    repo = ProductRepo.open(product.clone, Environment(env))
    refs = repo.ls_remote(url, timeout=20)
    assert refs["refs/heads/release-10.3"] == product.tip("release-10.3")
    _push_a_fix_and_its_tag(product, repo, url)
    assert server.logins  # it asked, and the login got in


def test_an_https_login_refused_or_missing_stops_at_once_without_the_secret(
    product: Product, https_remote: tuple[GitHttpServer, Path]
) -> None:
    server, cafile = https_remote
    url = server.url("remote.git")
    trust = {"RELEASEKIT_GIT_CAFILE": str(cafile)}
    wrong = {**trust, "RELEASEKIT_GIT_USER": "release-bot", "RELEASEKIT_GIT_PASSWORD": "nope-xyz"}
    with pytest.raises(RemoteUnreachable, match="refused the login") as refused:
        ProductRepo.open(product.clone, Environment(wrong)).ls_remote(url, timeout=20)
    assert "nope-xyz" not in str(refused.value)
    assert server.refusals <= 3  # asked once with the login, never in a loop
    with pytest.raises(RemoteUnreachable, match="asks for a login: set RELEASEKIT_GIT_USER"):
        ProductRepo.open(product.clone, Environment(trust)).ls_remote(url, timeout=20)
    with pytest.raises(BadInput, match="RELEASEKIT_GIT_USER is set but RELEASEKIT_GIT_PASSWORD"):
        ProductRepo.open(product.clone, Environment({"RELEASEKIT_GIT_USER": "release-bot"}))
    with pytest.raises(BadInput, match=r"RELEASEKIT_GIT_CAFILE=/nonexistent\.pem: no such file"):
        ProductRepo.open(product.clone, Environment({"RELEASEKIT_GIT_CAFILE": "/nonexistent.pem"}))


def test_no_login_over_plain_http_but_to_loopback(product: Product) -> None:
    server = GitHttpServer(product.root, "u", "p-secret", None)
    server.start()
    try:
        login = {"RELEASEKIT_GIT_USER": "u", "RELEASEKIT_GIT_PASSWORD": "p-secret"}
        repo = ProductRepo.open(product.clone, Environment(login))
        assert "refs/heads/main" in repo.ls_remote(server.url("remote.git"), timeout=20)
        # 127.0.0.1 again, written as a number: not a loopback address as far as the URL says
        elsewhere = f"http://2130706433:{server.port}/remote.git"
        with pytest.raises(RemoteUnreachable, match="refusing to send the login over plain http"):
            repo.ls_remote(elsewhere, timeout=20)
        assert server.logins == ["u"]  # only the loopback one
    finally:
        server.stop()


@pytest.fixture
def ssh_remote(
    product: Product, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SshServer]:
    """The product's remote behind a real sshd on 127.0.0.1; the key in a real ssh-agent."""
    import pygit2

    server = SshServer(tmp_path / "ssh")
    server.start()
    monkeypatch.setenv("SSH_AUTH_SOCK", str(server.agent_socket))
    saved = pygit2.settings.homedir
    pygit2.settings.homedir = str(server.home)  # where libgit2 reads .ssh/known_hosts
    try:
        yield server
    finally:
        pygit2.settings.homedir = saved
        server.stop()


def test_an_ssh_remote_with_a_known_host_key_gets_the_push(
    product: Product, ssh_remote: SshServer
) -> None:
    ssh_remote.trust()
    url = ssh_remote.url(product.root / "remote.git")
    repo = ProductRepo.open(product.clone, Environment({}))
    assert repo.ls_remote(url, timeout=20)["refs/heads/release-10.3"] == product.tip("release-10.3")
    _push_a_fix_and_its_tag(product, repo, url)


def test_sshd_takes_another_port_when_its_own_was_taken(
    product: Product, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the probe and sshd's bind another process (another worker of the suite) may
    listen on the port: sshd starts on another, not "ready" on the other's listener."""
    import pygit2

    with socket.create_server(("127.0.0.1", 0)) as taken:
        server = SshServer(tmp_path / "ssh")
        server.port = taken.getsockname()[1]
        server.start()
        try:
            assert server.port != taken.getsockname()[1]
            server.trust()
            monkeypatch.setenv("SSH_AUTH_SOCK", str(server.agent_socket))
            monkeypatch.setattr(pygit2.settings, "homedir", str(server.home))
            repo = ProductRepo.open(product.clone, Environment({}))
            refs = repo.ls_remote(server.url(product.root / "remote.git"), timeout=20)
            assert refs["refs/heads/release-10.3"] == product.tip("release-10.3")
        finally:
            server.stop()


@pytest.mark.parametrize("known", ["nothing", "another key"])
def test_an_ssh_host_key_not_known_or_not_matching_stops_before_the_push(
    product: Product, ssh_remote: SshServer, known: str
) -> None:
    if known == "another key":  # what a host in the middle would show
        ssh_remote.trust(ssh_remote.another_key())
    url = ssh_remote.url(product.root / "remote.git")
    repo = ProductRepo.open(product.clone, Environment({}))
    before = product.tip("release-10.3")
    fixed = _fix_commit(repo, before)
    with pytest.raises(RemoteUnreachable, match="identity could not be verified"):
        repo.push(url, [f"{fixed}:refs/heads/release-10.3"], timeout=20)
    with pytest.raises(RemoteUnreachable, match="known_hosts"):
        repo.ls_remote(url, timeout=20)
    assert product.tip("release-10.3") == before


def test_an_https_certificate_that_does_not_verify_stops_with_what_to_do(
    product: Product, https_remote: tuple[GitHttpServer, Path]
) -> None:
    server, _cafile = https_remote  # its CA is not given: the certificate does not verify
    repo = ProductRepo.open(product.clone, Environment({}))
    with pytest.raises(RemoteUnreachable, match="HTTPS certificate does not verify") as refused:
        repo.ls_remote(server.url("remote.git"), timeout=20)
    assert "RELEASEKIT_GIT_CAFILE" in str(refused.value) and "ssh" not in str(refused.value)


@pytest.mark.parametrize(
    ("damage", "fetch"),
    [("packed-refs", False), ("packed-refs", True), ("a ref to a missing object", False)],
)
def test_damaged_refs_in_the_clone_are_one_line(
    product: Product, tmp_path: Path, damage: str, fetch: bool
) -> None:
    # libgit2's errors came out as pygit2 tracebacks (GitError "corrupted packed references
    # file", NotFoundError "cannot be peeled") in plan, lint, patch and init --repository;
    # plan's fetch blamed the remote ("remote origin ... could not be reached") for them.
    from click.testing import CliRunner

    from releasekit.cli import cli
    from tests.helpers.repos import workspace_config

    git_dir = product.clone / ".git"
    if damage == "packed-refs":
        with (git_dir / "packed-refs").open("a") as packed:
            packed.write("zzzz refs/tags/v10.3.9\n")
    else:
        (git_dir / "refs/remotes/origin/release-10.3").write_text("2" * 40 + "\n")
    repo = ProductRepo.open(product.clone, Environment({}))
    with pytest.raises(GitError) as caught:
        repo.tracking_tips("origin")
    assert str(caught.value).startswith(
        f"{product.clone}/: the product clone's refs cannot be read: "
    )
    ws = tmp_path / "ws"
    (ws / "advisories").mkdir(parents=True)
    (ws / "releasekit.toml").write_text(workspace_config(product.clone))
    before = {p.relative_to(git_dir): p.read_bytes() for p in git_dir.rglob("*") if p.is_file()}
    args = ["-C", str(ws), "plan", *([] if fetch else ["--no-fetch"])]
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    said = result.stderr.splitlines()
    assert said[-1] == f"releasekit: error: {caught.value}"
    assert said[:-1] == ([f"fetching origin ({product.root / 'remote.git'})"] if fetch else [])
    after = {p.relative_to(git_dir): p.read_bytes() for p in git_dir.rglob("*") if p.is_file()}
    assert after == before  # nothing fetched into a clone whose refs cannot be read

"""Real product repositories for tests and the demo, built with the git CLI.

A :class:`Product` has three repositories side by side:

- ``remote.git``: the bare public remote (what the lift pushes to);
- ``dev``: a developer's clone, where release branches, tags and fixes are made;
- the *product clone* releasekit works on (``clone``), whose ``origin`` is the remote.

Dates and identities are fixed so that ids are reproducible.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2
import pytest

AUTHOR = ("Dana Developer", "dana@example.org")
COMMITTER = ("Release Bot", "release@example.org")
EPOCH = 1_790_000_000  # 2026-09-21


def git_env(when: int = EPOCH, author: tuple[str, str] = AUTHOR) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME=author[0],
        GIT_AUTHOR_EMAIL=author[1],
        GIT_AUTHOR_DATE=f"{when} +0000",
        GIT_COMMITTER_NAME=COMMITTER[0],
        GIT_COMMITTER_EMAIL=COMMITTER[1],
        GIT_COMMITTER_DATE=f"{when} +0000",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def git(
    cwd: Path, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None
) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        env=dict(env) if env is not None else git_env(),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8", "replace").strip()


def numbered(name: str, count: int = 30) -> str:
    """A text file of ``count`` numbered lines, so that hunks have distinct context."""
    return "".join(f"{name} line {i}\n" for i in range(1, count + 1))


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[number - 1] = new + "\n"
    return "".join(lines)


@dataclass
class Product:
    root: Path
    remote: Path
    dev: Path
    clone: Path
    clock: int = EPOCH

    @classmethod
    def create(cls, root: Path, files: Mapping[str, str], *, default: str = "main") -> Product:
        """A remote with ``default`` (``main``) holding ``files``, a dev clone and the
        product clone."""
        root.mkdir(parents=True, exist_ok=True)
        remote = root / "remote.git"
        dev = root / "dev"
        git(root, "init", "-q", "--bare", "-b", default, str(remote))
        git(root, "init", "-q", "-b", default, str(dev))
        git(dev, "remote", "add", "origin", str(remote))
        product = cls(root, remote, dev, root / "clone")
        product.commit(default, files, "Initial import", create_from=None)
        product.publish(default)
        git(root, "clone", "-q", str(remote), str(product.clone))
        git(product.clone, "config", "user.name", COMMITTER[0])
        git(product.clone, "config", "user.email", COMMITTER[1])
        return product

    def tick(self) -> int:
        self.clock += 3600
        return self.clock

    def commit(
        self,
        branch: str,
        files: Mapping[str, str | None],
        message: str,
        *,
        create_from: str | None = "",
        author: tuple[str, str] = AUTHOR,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch`` in the dev clone; returns the id.

        ``create_from``: start ``branch`` at this revision (None: an orphan root commit;
        "": the branch exists already).
        """
        env = git_env(self.tick(), author)
        if create_from is None:
            pass
        elif create_from:
            git(self.dev, "checkout", "-q", "-B", branch, create_from, env=env)
        else:
            git(self.dev, "checkout", "-q", branch, env=env)
        for path, text in files.items():
            target = self.dev / path
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        git(self.dev, "add", "-A", env=env)
        git(self.dev, "commit", "-q", "--allow-empty", "-m", message, env=env)
        return git(self.dev, "rev-parse", "HEAD")

    def read(self, rev: str, path: str) -> str:
        return git(self.dev, "show", f"{rev}:{path}") + "\n"

    def released(self, tag: str, *paths: str) -> tuple[dict[str, str], list[str]]:
        """The texts of ``paths`` at ``tag`` on the remote, and the files its commit changed."""
        commit = pygit2.Repository(str(self.remote)).revparse_single(tag).peel(pygit2.Commit)
        texts = {path: commit.tree[path].data.decode() for path in paths}
        changed = git(self.remote, "diff", "--name-only", f"{tag}~1", tag).splitlines()
        return texts, changed

    def tag(self, name: str, rev: str) -> None:
        git(self.dev, "tag", "-a", "-m", f"Release {name}", name, rev, env=git_env(self.tick()))

    def publish(self, *refs: str) -> None:
        """Push branches and tags of the dev clone to the remote."""
        specs = [ref if ref.startswith("refs/") else f"refs/heads/{ref}" for ref in refs]
        git(self.dev, "push", "-q", "--force", "origin", *specs, "--tags")

    def release_line(
        self,
        line: str,
        versions: Sequence[str],
        *,
        start: str = "main",
        files: Mapping[str, str] | None = None,
    ) -> str:
        """Branch release-LINE from ``start``, one commit and tag per version; publish."""
        branch = f"release-{line}"
        first = True
        for version in versions:
            change = (
                {"VERSION": version + "\n", **(files or {})}
                if first
                else {"VERSION": version + "\n"}
            )
            self.commit(branch, change, f"Release {version}", create_from=start if first else "")
            self.tag(f"v{version}", branch)
            first = False
        if not versions:
            self.commit(branch, {"VERSION": line + ".0-dev\n"}, f"Start {line}", create_from=start)
        self.publish(branch)
        return git(self.dev, "rev-parse", branch)

    def format_patch(self, rev_range: str) -> bytes:
        out = subprocess.run(
            ["git", "format-patch", "--stdout", "--binary", rev_range],
            cwd=self.dev,
            capture_output=True,
            env=git_env(),
            check=True,
        )
        return out.stdout

    def fix(
        self,
        line_or_rev: str,
        files: Mapping[str, str | None],
        message: str,
        *,
        branch: str | None = None,
        author: tuple[str, str] = AUTHOR,
    ) -> bytes:
        """Make a fix commit on top of ``line_or_rev`` (a branch, tag or id) on a private
        branch of the dev clone, and return its format-patch text. Not published."""
        name = branch or f"fix-{self.tick()}"
        self.commit(name, files, message, create_from=line_or_rev, author=author)
        return self.format_patch("-1")

    def tip(self, branch: str) -> str:
        return git(self.remote, "rev-parse", f"refs/heads/{branch}")

    def clone_state(self) -> tuple[str, str, str]:
        """(refs, status, index) of the product clone: to show nothing but fetch changed them."""
        refs = git(self.clone, "for-each-ref", "--format=%(refname) %(objectname)")
        status = git(self.clone, "status", "--porcelain", "--untracked-files=all")
        index = (self.clone / ".git" / "index").read_bytes().hex()
        return refs, status, index

    def copy_to(self, root: Path) -> Product:
        """A copy of all three repositories under ``root`` (fast fixture reuse)."""
        shutil.copytree(self.root, root, symlinks=True)
        product = Product(root, root / "remote.git", root / "dev", root / "clone", self.clock)
        git(product.dev, "remote", "set-url", "origin", str(product.remote))
        git(product.clone, "remote", "set-url", "origin", str(product.remote))
        return product


FILES = {
    "src/export.c": numbered("export"),
    "src/preview.c": numbered("preview"),
    "src/image.c": numbered("image"),
    "README": "Acme Server\n",
}
# The release lines of the standard product: line -> versions tagged on its branch.
RELEASES = {
    "9.9": ["9.9.0", "9.9.1"],
    "9.10": ["9.10.0", "9.10.1"],
    "9.11": ["9.11.0", "9.11.1", "9.11.2"],
    "10.1": ["10.1.0", "10.1.1"],
    "10.2": ["10.2.0"],
    "10.3": ["10.3.0", "10.3.1"],
}


def build_release_product(root: Path) -> Product:
    """The standard product: lines 9.9 ... 10.3 with tags, upcoming 10.4 (branch, no tag).

    After its last release (v10.3.1) the tip of release-10.3 moved on: line 1 of
    src/export.c changed, so a fix made on v10.3.1 needs a three-way merge there.
    The product clone has fetched everything.
    """
    product = Product.create(root, FILES)
    for line, versions in RELEASES.items():
        product.release_line(line, versions)
    product.commit(
        "release-10.3",
        {"src/export.c": replace_line(FILES["src/export.c"], 1, "export: maintained on 10.3")},
        "Keep the export header current",
    )
    product.publish("release-10.3")
    product.release_line("10.4", [])
    git(product.clone, "fetch", "-q", "--tags", "origin")
    return product


_TEMPLATES: dict[str, Product] = {}


def release_product(cache_dir: Path, root: Path) -> Product:
    """A fresh copy (under ``root``) of the standard product, built once per ``cache_dir``."""
    key = str(cache_dir)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = build_release_product(cache_dir / "template")
    return _TEMPLATES[key].copy_to(root)


def copied_product(name: str, build: Callable[[Path], Product]) -> tuple[Any, Any]:
    """Two fixtures for a test module: ``NAME_template``, the product ``build`` makes, built
    once a module (a commit, tag and push per release); and ``NAME``, a copy of it for each
    test, which may change it. Assign both at module level:
    ``php_template, php = copied_product("php", php_like)``."""

    @pytest.fixture(scope="module", name=f"{name}_template")
    def template(tmp_path_factory: pytest.TempPathFactory) -> Product:
        return build(tmp_path_factory.mktemp(name) / "template")

    @pytest.fixture(name=name)
    def copy(request: pytest.FixtureRequest, tmp_path: Path) -> Product:
        made: Product = request.getfixturevalue(f"{name}_template")
        return made.copy_to(tmp_path / name)

    return template, copy


def workspace_config(clone: Path, extra: str = "", **releases: str) -> str:
    """A releasekit.toml for a workspace over ``clone`` (upcoming 10.4, ESR 9.11, last 3)."""
    values = {"upcoming": '"10.4"', "esr": '["9.11"]', "last": "3", **releases}
    lines = "\n".join(f"{k} = {v}" for k, v in values.items())
    return f"""[project]
name = "Acme Server"
vendor = "Acme"
repository = "{clone}"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
time_zone = "America/Los_Angeles"

[releases]
{lines}
{extra}"""


def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (another process may take it since)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class GitDaemon:
    """``git daemon`` serving ``base`` on 127.0.0.1 (push enabled): a real git server, so
    that the remote's hooks run and its answers per ref reach the client."""

    def __init__(self, base: Path) -> None:
        self.base = base
        # A port probed free may be taken before git daemon binds it (the suite's workers
        # start servers side by side): git daemon then exits, and another port is tried. A
        # connection alone would not tell ours from another daemon on that port: "Ready to
        # rumble" (--verbose, on its stderr) says ours listens.
        for _ in range(5):
            self.port = free_port()
            self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
            self.process = subprocess.Popen(
                [
                    "git",
                    "daemon",
                    "--verbose",
                    "--reuseaddr",
                    "--export-all",
                    "--enable=receive-pack",
                    f"--base-path={base}",
                    "--listen=127.0.0.1",
                    f"--port={self.port}",
                    str(base),
                ],
                env=git_env(),
                stdout=subprocess.DEVNULL,
                stderr=self._log,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if b"Ready to rumble" in os.pread(self._log.fileno(), 4096, 0):
                    return
                time.sleep(0.02)
            self.stop()
        raise RuntimeError("git daemon did not start")

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> GitDaemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A product repository built from a real project's release history (tests/fixtures/*.json).

A history file lists commits in order, each on its branch (``from``: a new branch starting
at that tag, or null for a root commit) with a date, a subject, the version its version
file then says and the tags it carries (annotated, spelt as the project spelt them). The
contents are stand-ins: the version file (``version_file``: path and format), a stand-in
source file that fixes change, and a notes file that every commit adds its subject to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.helpers.repos import COMMITTER, Product, git, git_env, numbered

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCE = "src/stand_in.py"  # the file a held fix changes


@dataclass
class History:
    """A history file's contents: the commits and what they say of the project."""

    data: dict[str, Any]

    @classmethod
    def load(cls, name: str) -> History:
        return cls(json.loads((FIXTURES / name).read_text(encoding="utf-8")))

    @property
    def version_file(self) -> tuple[str, str]:
        found = self.data["version_file"]
        return found["path"], found["format"]

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.data["config"])

    def releases_toml(self, committer: str) -> str:
        """The [releases] table (and its [[releases.bump]]) of the history's project."""
        config = self.config
        path, form = self.version_file
        branches = ", ".join(
            f"{json.dumps(k)} = {json.dumps(v)}" for k, v in config["branches"].items()
        )
        return (
            "[releases]\n"
            f"branch = {json.dumps(config['branch'])}\n"
            f"branches = {{ {branches} }}\n"
            f"tag = {json.dumps(config['tag'])}\n"
            f"read_tags = {json.dumps(config['read_tags'])}\n"
            f"upcoming = {json.dumps(config['upcoming'])}\n"
            f"esr = {json.dumps(config['esr'])}\n"
            f"last = {config['last']}\n"
            f"committer = {json.dumps(committer)}\n\n"
            "[[releases.bump]]\n"
            f"path = {json.dumps(path)}\n"
            f"format = {json.dumps(form)}\n"
        )


def _when(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def build_product(root: Path, history: History) -> Product:
    """The history as a bare remote, a developer's clone and the product clone (which has
    fetched everything), with the git CLI."""
    root.mkdir(parents=True, exist_ok=True)
    remote, dev = root / "remote.git", root / "dev"
    git(root, "init", "-q", "--bare", "-b", "main", str(remote))
    git(root, "init", "-q", "-b", "main", str(dev))
    git(dev, "remote", "add", "origin", str(remote))
    path, form = history.version_file
    last = 0
    for entry in history.data["history"]:
        when = _when(entry["date"])
        last = max(last, when)
        env = git_env(when)
        branch = entry["branch"]
        if "from" in entry and entry["from"] is None:
            git(dev, "checkout", "-q", "--orphan", branch, env=env)
            git(dev, "rm", "-r", "-q", "--cached", "--ignore-unmatch", ".", env=env)
            git(dev, "clean", "-q", "-f", "-d", "-x", env=env)
            (dev / SOURCE).parent.mkdir(parents=True, exist_ok=True)
            (dev / SOURCE).write_text(numbered("stand_in"))
            (dev / "NOTES").write_text("")
        elif "from" in entry:
            git(dev, "checkout", "-q", "-b", branch, entry["from"], env=env)
        else:
            git(dev, "checkout", "-q", branch, env=env)
        if "version" in entry:
            target = dev / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                f"# stand-in of the version file\n{form.format(version=entry['version'])}\n"
            )
        with (dev / "NOTES").open("a") as notes:
            notes.write(entry["subject"] + "\n")
        git(dev, "add", "-A", env=env)
        git(dev, "commit", "-q", "-m", entry["subject"], env=env)
        for tag in entry.get("tags", ()):
            git(dev, "tag", "-a", "-m", f"Release {tag}", tag, env=env)
    branches = sorted({entry["branch"] for entry in history.data["history"]})
    git(dev, "push", "-q", "origin", *[f"refs/heads/{b}" for b in branches], "--tags")
    clone = root / "clone"
    git(root, "clone", "-q", str(remote), str(clone))
    git(clone, "config", "user.name", COMMITTER[0])
    git(clone, "config", "user.email", COMMITTER[1])
    git(clone, "fetch", "-q", "--tags", "origin")
    return Product(root, remote, dev, clone, clock=last)

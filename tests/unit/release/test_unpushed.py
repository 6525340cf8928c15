from __future__ import annotations

from pathlib import Path

from releasekit.release.lines import Lines, read_lines
from releasekit.release.unpushed import LocalTag, local_tags, problem
from tests.unit.release.test_lines import settings_for

# One commit a release, each line's branch a chain: release-10.3 holds c1 < c2 < c3.
TAGS = {"v9.11.0": "e1", "v10.3.0": "c1", "v10.3.1": "c2", "v10.3.2": "c3", "v10.4.0rc1": "d1"}
BRANCHES = {"release-9.11": ["e1"], "release-10.3": ["c1", "c2", "c3"], "release-10.4": ["d1"]}


class Chains:
    def tip(self, branch: str) -> str | None:
        chain = BRANCHES.get(branch)
        return chain[-1] if chain else None

    def contains(self, tip: str, commit: str) -> bool:
        return any(
            tip in chain and commit in chain[: chain.index(tip) + 1] for chain in BRANCHES.values()
        )

    def on_no_branch(self, commit: str) -> bool:
        return not any(commit in chain for chain in BRANCHES.values())


def advertised(*names: str, peeled: bool = True) -> dict[str, str]:
    """The remote's tags ``names``, annotated (tag object ``T-NAME``), as the clone has them."""
    refs = {f"refs/tags/{name}": f"T-{name}" for name in names}
    if peeled:
        refs |= {f"refs/tags/{name}^{{}}": TAGS[name] for name in names}
    return refs


def found(
    tmp_path: Path, remote: dict[str, str], lifts: dict[str, str] | None = None
) -> tuple[Lines, dict[str, tuple[LocalTag, ...]]]:
    settings = settings_for(tmp_path, last="1")
    lines = read_lines(settings, TAGS, upcoming_exists=True, history=Chains())
    target = {name: f"T-{name}" for name in TAGS}.get
    return lines, local_tags(settings, lines, TAGS, remote, Chains(), target, lifts or {})


def test_every_counted_release_tag_the_remote_lacks_newest_first(tmp_path: Path) -> None:
    lines, local = found(tmp_path, advertised("v9.11.0", "v10.3.1"))
    assert [(t.tag, t.latest, t.remote) for t in local["10.3"]] == [
        ("v10.3.2", True, None),
        ("v10.3.0", False, None),
    ]
    assert local["9.11"] == () and "10.4" not in local  # (upcoming: no releases to count)
    line = lines.get("10.3")
    assert line is not None
    assert problem(line, local["10.3"][0], "origin").startswith(
        "line 10.3: its newest release tag v10.3.2 is not on remote origin (only this clone "
        "has it), so its next version would be 10.3.3: push it"
    )


def test_a_remote_that_advertises_no_peeled_tags_has_the_same_objects(tmp_path: Path) -> None:
    _, local = found(tmp_path, advertised(*TAGS, peeled=False))
    assert local == {"10.3": (), "9.11": ()}


def test_a_tag_a_lift_journalled_is_the_lifts_unless_the_remote_has_another(
    tmp_path: Path,
) -> None:
    remote = advertised("v9.11.0", "v10.3.0", "v10.3.1")
    _, local = found(tmp_path, remote, {"v10.3.2": "T-v10.3.2"})
    assert [(t.tag, t.lift) for t in local["10.3"]] == [("v10.3.2", True)]
    _, local = found(tmp_path, remote, {"v10.3.2": "another object"})
    assert [(t.tag, t.lift) for t in local["10.3"]] == [("v10.3.2", False)]
    remote |= {"refs/tags/v10.3.2": "X", "refs/tags/v10.3.2^{}": "elsewhere"}
    _, local = found(tmp_path, remote, {"v10.3.2": "T-v10.3.2"})
    assert [(t.tag, t.lift, t.remote) for t in local["10.3"]] == [("v10.3.2", False, "elsewhere")]

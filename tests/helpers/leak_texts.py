"""The leak oracle's texts: what is made before the lift (the pre-announcement, the tag
message, the release commit and changelog entry, the announcement, the predisclosure's
Subject) of generated embargoed advisories (tests/helpers/leak_oracle.py), scanned for every
field's marker, with the built-in templates and with templates that print all they get."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from releasekit.workspace import files as workspace
from tests.helpers.leak_oracle import Config, Spec, Tally, write_workspace

# A template that prints every value each text's templates get (an override in the
# workspace's templates/ must get no more than the built-in one shows).
_NAMES = (
    "project",
    "version",
    "previous",
    "line",
    "tag",
    "released",
    "date",
    "markup",
    "advisories",
    "disclosure_date",
    "disclosed",
    "release",
    "lines",
    "highest",
    "zone",
)
DUMP = "".join(f"{{% if {n} is defined %}}{n}={{{{ {n} }}}}\n{{% endif %}}" for n in _NAMES)
TEXT_TEMPLATES = (
    "tag-message.txt.j2",
    "release-commit.txt.j2",
    "changelog-entry.txt.j2",
    "announcement.txt.j2",
    "announcement-subject.txt.j2",
    "pre-announcement.txt.j2",
    "pre-announcement-subject.txt.j2",
    "notify-subject.txt.j2",
)
CHANGELOG = '\n[releases.changelog]\npath = "CHANGELOG.md"\nmarker = "<!-- releases -->"\n'


def made_texts(root: Path, lift: datetime) -> dict[str, str]:
    """Each text made of the workspace's (embargoed) advisories for a lift at ``lift``: the
    pre-announcement, the tag message, the release commit and changelog entry, and the
    announcement; by name."""
    from releasekit.embargo import texts
    from releasekit.release import bump, planner
    from releasekit.release.plan import Plan, PlanLine

    settings = workspace.open_workspace(root)
    advisories = workspace.load_advisories(settings)
    line = PlanLine(
        name="10.3",
        groups=("last",),
        latest="10.3.2",
        next_version="10.3.3",
        branch="release-10.3",
        tag="v10.3.3",
        tag_message=None,
        base="0" * 40,
    )
    fixed = {a.id: {"10.3": "10.3.3"} for a in advisories}
    made: dict[str, str] = {}
    made["pre-announcement"] = "\n".join(texts.pre_announcement(settings, lift, [line], advisories))
    made["tag message"] = planner.tag_message(settings, line, advisories) or ""
    context = bump.release_context(settings, line, advisories, fixed, lift)
    message, entry = bump.release_texts(settings, context)
    made["release commit"] = message
    made["changelog entry"] = entry or ""
    made["announcement"] = "\n".join(texts.announcement(settings, advisories, lift, fixed))
    # The predisclosure's body is encrypted to each distributor; its Subject header is not.
    plan = cast(Plan, _Lines((line,)))
    made["predisclosure subject"] = texts.predisclosure(settings, lift, advisories, plan, {})[0]
    return made


@dataclass(frozen=True)
class _Lines:
    """What the predisclosure reads of a plan: its lines and cells (none)."""

    lines: tuple[Any, ...]
    cells: tuple[Any, ...] = ()

    def line(self, name: str) -> Any:
        return next(line for line in self.lines if line.name == name)


def text_public(spec: Spec, config: Config, name: str) -> set[str]:
    """The fields of (embargoed) ``spec`` that the text ``name`` may show: the
    pre-announcement and the predisclosure's Subject (read by every mail server on the way)
    none; the tag, release commit and changelog entry, public from the release, the released
    stage's; the announcement, sent at the release, the stage of the release instant
    (disclosed with ``disclosure_days`` 0)."""
    if name in ("pre-announcement", "predisclosure subject"):
        return {"embargo"}  # (the release instant: what a pre-announcement tells)
    # (the contract's released stage: affected and fixed versions too, which the announcement
    # names from `introduced` on, as the site does)
    released = {"id", "title", "summary", "embargo", "versions", *config.at_release}
    if name == "announcement" and config.disclosure_days == 0:
        return set(spec.markers())
    return released


def run_texts(root: Path, specs: list[Spec], config: Config, tally: Tally) -> list[str]:
    """Every marker of the texts made before the lift where its field is not public yet,
    with the built-in templates and with templates that print everything they get."""
    embargoed = [replace(s, released=None) for s in specs]
    lift = max(s.embargo for s in embargoed) + timedelta(seconds=5)
    problems = []
    for dump in (False, True):
        write_workspace(root, embargoed, config)
        (root / "releasekit.toml").write_text(config.text() + CHANGELOG)
        folder = root / "templates"
        shutil.rmtree(folder, ignore_errors=True)
        if dump:
            folder.mkdir()
            for name in TEXT_TEMPLATES:
                (folder / name).write_text(DUMP)
        for name, text in made_texts(root, lift).items():
            tally.files += 1
            lowered = text.lower()
            for spec in embargoed:
                ok = text_public(spec, config, name)
                for fname, values in spec.markers().items():
                    for value in values:
                        if fname not in ok and value.lower() in lowered:
                            tally.leaks[name] += 1
                            how = "dumped" if dump else "built-in"
                            problems.append(f"{name} ({how}): {spec.id} {fname} {value}")
    tally.instants += 1
    return problems

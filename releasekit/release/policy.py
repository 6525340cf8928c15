"""The backport policy: which release lines need an advisory's fix, and why (pure).

The advisory's final severity selects line groups from ``[policy]`` (``upcoming``, ``esr``,
``last``); a line older than the advisory's ``introduced`` line is skipped, and so is a line
whose public branch already contains the fix. Every decision carries a reason for people.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from packaging.version import Version

from releasekit.model.advisory import Advisory
from releasekit.model.checks import line_of
from releasekit.model.config import PolicySettings
from releasekit.release.lines import Lines, ReleaseLine

GROUP_WORDS = {
    "upcoming": "the upcoming release",
    "esr": "an extended support release",
    "last": "one of the last {last} released lines",  # "the last released line" for 1
}
LAST_ONE = "the last released line"


@dataclass(frozen=True)
class Decision:
    advisory: str
    line: str
    required: bool
    reason: str
    skipped: str | None = None  # why a line in the policy's groups is skipped: "introduced",
    # "already-fixed"; None otherwise


RELEASED_UPCOMING = "the upcoming line, released from its branch"
PRERELEASE = "in its pre-releases, fixed like the upcoming release"


def _groups_text(line: ReleaseLine, last: int) -> str:
    released = line.latest is not None  # an upcoming line released (upcoming_released)
    upcoming = PRERELEASE if line.prerelease else RELEASED_UPCOMING if released else None
    words = [
        upcoming if g == "upcoming" and upcoming else GROUP_WORDS[g].format(last=last)
        for g in line.groups
    ]
    if last == 1:
        words = [LAST_ONE if g == "last" else w for g, w in zip(line.groups, words, strict=True)]
    return " and ".join(words)


def decide(
    advisory: Advisory,
    lines: Lines,
    policy: PolicySettings,
    *,
    last: int,
    already_fixed: Collection[str] = (),
) -> list[Decision]:
    """One decision per supported line, newest line first.

    ``already_fixed``: the lines whose public branch already contains this fix (the plan
    finds them by applying the held fix: it changes nothing there).
    """
    severity = advisory.severity
    wanted = policy.groups(severity)
    label = severity.title()
    introduced = line_of(advisory.introduced, lines.parts) if advisory.introduced else None
    decisions = []
    for line in lines.supported:
        groups = [g for g in line.groups if g in wanted]
        what = _groups_text(line, last)
        if not groups:
            listed = ", ".join(wanted) if wanted else "no lines"
            reason = f"{label}: policy covers {listed}; {line.name} is {what}"
            decisions.append(Decision(advisory.id, line.name, False, reason))
        elif introduced is not None and Version(line.name) < Version(introduced):
            reason = f"introduced in {introduced}; {line.name} does not have the affected code"
            decisions.append(Decision(advisory.id, line.name, False, reason, "introduced"))
        elif line.name in already_fixed:
            reason = f"{line.branch} already contains the fix"
            decisions.append(Decision(advisory.id, line.name, False, reason, "already-fixed"))
        else:
            reason = f"{label}: policy covers {', '.join(wanted)}; {line.name} is {what}"
            decisions.append(Decision(advisory.id, line.name, True, reason))
    return decisions

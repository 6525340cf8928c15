"""``embargo status``: each pending embargo, the readiness of each batch, a half-done lift,
and a release journalled here whose record the advisory files lost."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from releasekit.adapters import journal
from releasekit.embargo import verify
from releasekit.embargo.batch import pending
from releasekit.embargo.context import Outside
from releasekit.embargo.gates import Check, preflight
from releasekit.embargo.run import Unrecorded, step_key, unfinished_run, unrecorded
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.support import timefmt
from releasekit.workspace import files as workspace
from releasekit.workspace.paths import display_path


@dataclass(frozen=True)
class PendingStatus:
    advisory: Advisory
    ends: datetime
    left: timedelta


@dataclass
class BatchStatus:
    """The advisories whose embargo ends at one instant: they are lifted together."""

    instant: datetime
    ids: list[str]
    checks: list[Check]
    # per line the plan moves: its last verify result (any tree), and whether it is for
    # the current plan's tree
    verified: list[tuple[str, verify.Result | None, bool]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass(frozen=True)
class LostRecord:
    """A finished lift of this copy whose record advisory files lost (a checkout of the files
    from before it): not pending, and not another copy's release; the lift writes it again."""

    run: str
    ids: list[str]  # the advisories whose file lost it
    files: list[str]  # their files, as shown

    @property
    def advice(self) -> str:
        return (
            f"{', '.join(self.ids)} released by lift {self.run} (journalled in this copy's "
            f".releasekit/), but the record is missing from {', '.join(self.files)}: run "
            "`releasekit embargo lift` to write it again (nothing is pushed or sent again)"
        )


@dataclass
class StatusReport:
    pending: list[PendingStatus]
    batches: list[BatchStatus]
    unfinished: list[journal.Step]  # steps of a half-done lift, its run step included
    unfinished_run: list[str]  # advisory ids of that lift
    lost: list[LostRecord] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(b.ready for b in self.batches) and not self.unfinished_run and not self.lost

    def to_json(self) -> dict[str, Any]:
        """The report as ``embargo status --json`` prints it."""
        return {
            "ready": self.ready,
            "pending": [
                {
                    "id": p.advisory.id,
                    "severity": p.advisory.severity,
                    "embargo": timefmt.iso_utc(p.ends),
                    "seconds_left": int(p.left.total_seconds()),
                }
                for p in self.pending
            ],
            "batches": [
                {
                    "embargo": timefmt.iso_utc(batch.instant),
                    "advisories": batch.ids,
                    "ready": batch.ready,
                    "verify": [
                        {
                            "line": line,
                            "last": asdict(result) if result else None,
                            "current": fresh,
                        }
                        for line, result, fresh in batch.verified
                    ],
                    "checks": [
                        {"name": c.name, "ok": c.ok, "detail": c.detail}
                        | ({"warning": True} if c.warning else {})
                        for c in batch.checks
                    ],
                }
                for batch in self.batches
            ],
            "unfinished_lift": {
                "advisories": self.unfinished_run,
                "steps": [{"step": s.key, "status": s.status} for s in self.unfinished],
            },
            "lost_records": [
                {"run": r.run, "advisories": r.ids, "files": r.files, "advice": r.advice}
                for r in self.lost
            ],
        }


def status(settings: Settings, outside: Outside, now: datetime) -> StatusReport:
    """Each pending embargo with its time left; the readiness checklist of each batch (the
    advisories lifted together, as the lift groups them); a half-done lift; a release
    journalled here whose record advisory files lost (not pending: the preflight of it would
    take its release on the remote for another copy's)."""
    advisories = workspace.load_advisories(settings)
    report = StatusReport([], [], [], [])
    book = journal.Journal.reading(settings.state_dir)
    if book is not None:
        with book:
            run = unfinished_run(book)
            if run is not None:
                report.unfinished_run = list(run.detail["ids"])
                name = run.detail["run"]
                report.unfinished = book.steps(step_key(name, ""))  # with the run step
            report.lost = [_lost(settings, u) for u in unrecorded(book, advisories)]
    released_here = {i for r in report.lost for i in r.ids}
    waiting = [a for a in pending(advisories) if a.id not in released_here]
    report.pending = [PendingStatus(a, a.embargo, a.embargo - now) for a in waiting if a.embargo]
    due = [a for a in waiting if a.embargo is not None and a.embargo <= now]
    groups: dict[datetime, list[Advisory]] = {}
    if due:  # the lift takes everything already due at once
        groups[max(a.embargo for a in due if a.embargo)] = due
    for advisory in waiting:
        if advisory.embargo is not None and advisory.embargo > now:
            groups.setdefault(advisory.embargo, []).append(advisory)
    last = verify.last_results(settings) if settings.verify.command else {}
    for instant, batch in groups.items():
        checks, prepared = preflight(settings, batch, advisories, outside, now, sign_at=instant)
        found = BatchStatus(instant, [a.id for a in batch], checks)
        if settings.verify.command and prepared is not None:
            for target in verify.targets(prepared):
                result = last.get(target.line)
                fresh = result is not None and result.tree == target.tree
                found.verified.append((target.line, result, fresh))
        report.batches.append(found)
    return report


def _lost(settings: Settings, found: Unrecorded) -> LostRecord:
    files = [str(display_path(settings, a.path)) for a in found.missing]
    return LostRecord(found.run, [a.id for a in found.missing], files)

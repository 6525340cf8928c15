"""``publish --cve-services``: the CVE record of each CVE id, published once.

From its disclosure date on, each advisory's CNA container (the same one
``site/cve/CVE-ID.json`` carries, schema-validated) is published through CVE Services
(:mod:`releasekit.adapters.cve`). The journal step ``cve:CVE-ID`` is marked done only after
the service answered with the published record. A step that was started or failed before is
first read back from the service, so a lost answer never leads to a second publication.

A published record is updated once per revision of its advisory (``advisory revise``): the
step ``cve-update:CVE-ID:REVISION-DATE``, here for every disclosed advisory and by ``cve
update ID`` for one. The publication step records the revision it carried, so a record
first published after a revision is not updated for it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from releasekit import records
from releasekit.adapters import cve
from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal, exclusive
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.support import timefmt
from releasekit.support.errors import PublishError
from releasekit.support.progress import Progress
from releasekit.workspace import files as workspace

STEP_PREFIX = "cve:"
UPDATE_PREFIX = "cve-update:"


@dataclass(frozen=True)
class CvePublishReport:
    published: tuple[str, ...]  # CVE ids published by this run
    confirmed: tuple[str, ...]  # found already published after an earlier, unfinished attempt
    already: tuple[str, ...]  # done by an earlier run (journal)
    waiting: int  # CVE ids of released advisories whose disclosure date has not come
    updated: tuple[str, ...] = ()  # published records updated after a revision by this run

    def summary(self) -> str:
        parts = [f"CVE Services: {len(self.published)} published"]
        if self.published:
            parts[0] += f" ({', '.join(self.published)})"
        if self.updated:
            parts.append(f"{len(self.updated)} updated ({', '.join(self.updated)})")
        if self.confirmed:
            parts.append(f"{len(self.confirmed)} confirmed published ({', '.join(self.confirmed)})")
        parts.append(f"{len(self.already)} done before")
        parts.append(f"{self.waiting} waiting for their disclosure date")
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "published": list(self.published),
            "confirmed": list(self.confirmed),
            "already": list(self.already),
            "waiting": self.waiting,
            "updated": list(self.updated),
        }


def due(
    advisories: Sequence[Advisory], now: datetime, days: int
) -> tuple[list[list[Advisory]], int]:
    """The advisories of each CVE id whose record is public now (sorted by CVE id), and how
    many CVE ids wait. Advisories of different components may share a CVE id: its one record
    is public once every one of them is disclosed."""
    by_cve: dict[str, list[Advisory]] = {}
    for advisory in advisories:
        if advisory.cve:
            by_cve.setdefault(advisory.cve, []).append(advisory)
    ready: list[list[Advisory]] = []
    waiting = 0
    for cve_id in sorted(by_cve):
        held = sorted(by_cve[cve_id], key=lambda a: (a.year, a.number))
        seen = [lifecycle.stage(advisory, now, days) for advisory in held]
        if all(stage is Stage.DISCLOSED for stage in seen):
            ready.append(held)
        elif any(stage.public for stage in seen):
            waiting += 1
    return ready, waiting


def publish_records(
    settings: Settings,
    advisories: Sequence[Advisory],
    now: datetime,
    *,
    progress: Progress | None = None,
    env: Environment,
    api: cve.CveClient | None = None,
) -> CvePublishReport:
    """Publish every disclosed advisory's CVE record that is not published yet, once each.

    Raises PublishError (exit 1) when a record could not be published; the others are
    published and journalled all the same, and a re-run retries only what is missing.
    """
    say = progress or (lambda _message: None)
    cve.check_credentials(settings, env)
    ready, waiting = due(advisories, now, settings.project.disclosure_days)
    if api is None:
        api = cve.client(settings, cve.credentials(env))
    published: list[str] = []
    confirmed: list[str] = []
    already: list[str] = []
    updated: list[str] = []
    failed: list[str] = []
    state = workspace.state_dir(settings)
    with exclusive(state, "cve"), Journal.open(state) as journal:
        for group in ready:
            first, *others = group
            cve_id = first.cve
            ids = ", ".join(a.id for a in group)
            assert cve_id is not None
            key = STEP_PREFIX + cve_id
            if journal.is_done(key):
                already.append(cve_id)
                revised = update_key(journal, group)
                if revised is None or journal.is_done(revised):
                    continue
                try:
                    send_update(journal, api, settings, group, revised, now)
                except cve.Refused as refused:
                    failed.append(f"{cve_id} ({refused.reason})")
                    continue
                updated.append(cve_id)
                say(f"{cve_id} updated after a revision ({ids})")
                continue
            container = records.cve_record(settings, first, others)["containers"]["cna"]
            earlier = journal.get(key)
            journal.start(key, now, {"advisory": ids, "revision": _revision(group)})
            try:
                if earlier is not None and cve.is_published(api, cve_id):
                    journal.finish(key, now, {"confirmed": "read back"})
                    confirmed.append(cve_id)
                    say(f"{cve_id} was already published (read back)")
                    continue
                cve.publish(api, cve_id, container)
            except cve.Refused as refused:
                journal.fail(key, now, refused.reason)
                failed.append(f"{cve_id} ({refused.reason})")
                continue
            journal.finish(key, now, {"state": "PUBLISHED"})
            published.append(cve_id)
            say(f"{cve_id} published ({ids})")
    if failed:
        raise PublishError(
            f"CVE Services: not done: {', '.join(failed)}; "
            f"{len(published)} published; run again to retry"
        )
    return CvePublishReport(
        tuple(published), tuple(confirmed), tuple(already), waiting, tuple(updated)
    )


def _revision(group: Sequence[Advisory]) -> str | None:
    """The latest revision a record made now of ``group`` (the advisories of one CVE id)
    carries (its date), if any."""
    dates = [advisory.revisions[-1].date for advisory in group if advisory.revisions]
    return timefmt.iso_utc(max(dates)) if dates else None


def update_key(journal: Journal, group: Sequence[Advisory]) -> str | None:
    """The journal step of the update the published record of ``group`` (the advisories of
    one CVE id, see :func:`due`) needs for its latest revision; None when none of them has
    a revision or the record was first published with it."""
    latest = _revision(group)
    cve_id = group[0].cve
    if latest is None or cve_id is None:
        return None
    step = journal.get(STEP_PREFIX + cve_id)
    if step is not None and step.detail.get("revision") == latest:
        return None
    return f"{UPDATE_PREFIX}{cve_id}:{latest}"


def send_update(
    journal: Journal,
    api: cve.CveClient,
    settings: Settings,
    group: Sequence[Advisory],
    key: str,
    now: datetime,
) -> bool:
    """Send the advisory's CNA container as the update of step ``key``: True when sent now,
    False when an earlier, unfinished attempt is read back as done. Raises cve.Refused
    (the step marked failed, to be retried)."""
    first, *others = group
    cve_id = first.cve
    assert cve_id is not None
    container = records.cve_record(settings, first, others)["containers"]["cna"]
    earlier = journal.get(key)
    journal.start(key, now, {"advisory": ", ".join(a.id for a in group)})
    try:
        if earlier is not None:
            held = cve.published_container(api, cve_id)
            if held is not None and cve.same_container(held, container):
                journal.finish(key, now, {"confirmed": "read back"})
                return False
        cve.update(api, cve_id, container)
    except cve.Refused as refused:
        journal.fail(key, now, refused.reason)
        raise
    journal.finish(key, now, {"state": "PUBLISHED"})
    return True

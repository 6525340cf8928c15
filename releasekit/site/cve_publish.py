"""``publish --cve-services``: the CVE record of each CVE id, published once.

From its disclosure date on, each advisory's CNA container (the same one
``site/cve/CVE-ID.json`` carries, schema-validated) is published through CVE Services
(:mod:`releasekit.adapters.cve`). The journal step ``cve:CVE-ID`` is marked done only after
the service answered with the published record. A step that was started or failed before is
first read back from the service, so a lost answer never leads to a second publication.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from releasekit import records
from releasekit.adapters import cve
from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.support.errors import PublishError
from releasekit.support.progress import Progress
from releasekit.workspace import files as workspace

STEP_PREFIX = "cve:"


@dataclass(frozen=True)
class CvePublishReport:
    published: tuple[str, ...]  # CVE ids published by this run
    confirmed: tuple[str, ...]  # found already published after an earlier, unfinished attempt
    already: tuple[str, ...]  # done by an earlier run (journal)
    waiting: int  # CVE ids of released advisories whose disclosure date has not come

    def summary(self) -> str:
        parts = [f"CVE Services: {len(self.published)} published"]
        if self.published:
            parts[0] += f" ({', '.join(self.published)})"
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
    failed: list[str] = []
    with Journal.open(workspace.state_dir(settings)) as journal:
        for first, *others in ready:
            cve_id = first.cve
            assert cve_id is not None
            key = STEP_PREFIX + cve_id
            if journal.is_done(key):
                already.append(cve_id)
                continue
            container = records.cve_record(settings, first, others)["containers"]["cna"]
            earlier = journal.get(key)
            ids = ", ".join(a.id for a in (first, *others))
            journal.start(key, now, {"advisory": ids})
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
            f"CVE Services: not published: {', '.join(failed)}; "
            f"{len(published)} published; run again to retry"
        )
    return CvePublishReport(tuple(published), tuple(confirmed), tuple(already), waiting)

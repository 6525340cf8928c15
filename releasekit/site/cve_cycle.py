"""``releasekit cve reserve|update|reject ID``: the CVE life cycle of one advisory.

Each is a journalled step of CVE Services (:mod:`releasekit.adapters.cve`), done once:

- ``cve-reserve:ADVISORY:NNN`` reserves an id, then writes ``cve`` (and, when the advisory
  has none, ``embargo``: ``embargo_hours`` after the reservation, on the next full hour)
  into the advisory file. A reservation whose answer was lost is found again among the ids
  the same user reserved since the attempt; a run stopped between the answer and the file
  writes the journalled id.
- ``cve-update:CVE:REVISION`` sends the CNA container of a disclosed advisory after a
  revision (:func:`releasekit.site.cve_publish.send_update`, which ``publish
  --cve-services`` uses too): once per revision.
- ``cve-reject:CVE`` rejects a reserved id that will not be used, with a public reason,
  then comments ``cve`` out of the advisory file (no output shows the id again, and the
  advisory may get a new one).

A step started or failed before is read back from the service before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from releasekit.adapters import cve
from releasekit.adapters.env import Environment
from releasekit.adapters.journal import Journal, Step, exclusive, instant
from releasekit.model import lifecycle
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.model.lifecycle import Stage
from releasekit.site.cve_publish import STEP_PREFIX as PUBLISHED
from releasekit.site.cve_publish import send_update, update_key
from releasekit.support import timefmt
from releasekit.support.errors import BadInput, NotDone, Refused
from releasekit.workspace import edit
from releasekit.workspace import files as workspace
from releasekit.workspace.new import default_embargo

RESERVE = "cve-reserve:"
REJECT = "cve-reject:"
# How far before an unfinished attempt a reservation may be dated (the service's clock).
SLACK = timedelta(minutes=10)
PROBE = "CVE-0000-0000"  # an id of the right form, to check that the file takes one


@dataclass(frozen=True)
class CycleReport:
    """What one ``cve`` command did: ``sent`` False when nothing was sent now."""

    cve: str | None
    sent: bool
    message: str

    def summary(self) -> str:
        return self.message

    def as_json(self) -> dict[str, Any]:
        return {"cve": self.cve, "sent": self.sent, "message": self.message}


def _failed(what: str, reason: str) -> NotDone:
    return NotDone(f"CVE Services: {what}: {reason}; run again to retry")


def _api(settings: Settings, env: Environment, api: cve.CveClient | None) -> cve.CveClient:
    return api if api is not None else cve.client(settings, cve.credentials(env))


def reserve(
    settings: Settings,
    advisory_id: str,
    now: datetime,
    *,
    env: Environment,
    api: cve.CveClient | None = None,
) -> CycleReport:
    """Reserve a CVE id for the advisory and write it (and the embargo) into its file."""
    user = cve.credentials(env).user
    advisory = edit.find(settings, advisory_id)
    state = workspace.state_dir(settings)
    with exclusive(state, "cve"), Journal.open(state) as journal:
        steps = journal.steps(f"{RESERVE}{advisory.id}:")
        latest = steps[-1] if steps else None
        if latest and latest.status == "done" and not journal.is_done(REJECT + _cve(latest)):
            cve_id = _cve(latest)
            if advisory.cve is None:  # a run stopped before it wrote the file
                _record(settings, advisory, cve_id, _reserved(journal, latest))
                return CycleReport(
                    cve_id, False, f"{advisory.id}: {cve_id} recorded (reserved before)"
                )
            return CycleReport(
                advisory.cve, False, f"{advisory.id}: {advisory.cve} reserved before: nothing sent"
            )
        if advisory.cve is not None:
            return CycleReport(
                advisory.cve, False, f"{advisory.id} has {advisory.cve}: nothing reserved"
            )
        _record(settings, advisory, PROBE, now, dry=True)  # the file takes it: else exit 2
        api = _api(settings, env, api)
        found = None
        if latest is not None and latest.status != "done":
            key = latest.key
            found = _read_back(settings, api, journal, user, latest)
        else:
            key = f"{RESERVE}{advisory.id}:{len(steps) + 1:03d}"
        sent = found is None
        if found is None:
            journal.start(key, now, {"advisory": advisory.id, "asked": timefmt.iso_utc(now)})
            try:
                found = cve.reserve(api, now.year)
            except cve.Refused as refused:
                journal.fail(key, now, refused.reason)
                raise _failed(f"no id reserved for {advisory.id}", refused.reason) from None
        reserved = timefmt.iso_utc(found.reserved)
        journal.finish(key, now, {"cve": found.cve_id, "reserved": reserved})
        written = _record(settings, advisory, found.cve_id, found.reserved)
    how = "reserved" if sent else "reserved (read back after an unfinished attempt)"
    embargo = f", embargo {timefmt.iso_utc(written.embargo)}" if written.embargo else ""
    return CycleReport(found.cve_id, sent, f"{advisory.id}: {found.cve_id} {how}{embargo}")


def _cve(step: Step) -> str:
    return str(step.detail.get("cve", ""))


def _reserved(journal: Journal, step: Step) -> datetime:
    return _when(journal, step, "reserved")


def _when(journal: Journal, step: Step, name: str) -> datetime:
    """The instant ``name`` of a reservation's step; a JournalError naming the step when the
    detail does not hold one (the journal edited or damaged between runs)."""
    try:
        return instant(step.detail.get(name))
    except ValueError:
        raise journal.damaged(step, "a CVE reservation", f"detail.{name}") from None


def _record(
    settings: Settings, advisory: Advisory, cve_id: str, reserved: datetime, dry: bool = False
) -> Advisory:
    """Write ``cve`` and, unless the advisory has one (or is released), the embargo."""
    updates: dict[str, Any] = {"cve": cve_id}
    if advisory.embargo is None and advisory.released is None:
        updates["embargo"] = default_embargo(reserved, settings.project.embargo_hours)
    return edit.rewrite(settings, advisory, updates, dry=dry)


def _read_back(
    settings: Settings, api: cve.CveClient, journal: Journal, user: str, step: Step
) -> cve.Reservation | None:
    """The id an unfinished attempt reserved, if the service has one; None: none was."""
    asked = _when(journal, step, "asked")
    known = {a.cve for a in workspace.load_advisories(settings) if a.cve}
    known |= {_cve(s) for s in journal.steps(RESERVE) if s.status == "done"}
    try:
        found = [r for r in cve.reserved_since(api, user, asked - SLACK) if r.cve_id not in known]
    except cve.Refused as refused:
        raise _failed("an unfinished reservation cannot be read back", refused.reason) from None
    if len(found) > 1:
        ids = ", ".join(r.cve_id for r in found)
        raise Refused(
            f"CVE Services: {ids} were reserved by {user} since an unfinished attempt; which "
            f"is {step.detail.get('advisory')}'s cannot be told: set `cve` in its file"
        )
    return found[0] if found else None


def update(
    settings: Settings,
    advisory_id: str,
    now: datetime,
    *,
    env: Environment,
    api: cve.CveClient | None = None,
) -> CycleReport:
    """Send the disclosed advisory's CNA container after its latest revision, once."""
    cve.check_credentials(settings, env, "cve update")
    advisories = workspace.load_advisories(settings)
    advisory = edit.find(settings, advisory_id, advisories)
    cve_id = _needs_cve(settings, advisory, "update")
    days = settings.project.disclosure_days
    if lifecycle.stage(advisory, now, days) is not Stage.DISCLOSED:
        day = advisory.disclosure_date(days)
        when = f"on its disclosure date, {day}" if day else "after its release"
        return CycleReport(
            cve_id, False, f"{cve_id}: nothing sent: its record is published {when}, as revised"
        )
    state = workspace.state_dir(settings)
    with exclusive(state, "cve"), Journal.open(state) as journal:
        if not journal.is_done(PUBLISHED + cve_id):
            raise Refused(
                f"{cve_id}: its record is not published yet "
                "(`publish --cve-services` publishes it, as revised)"
            )
        group = [a for a in advisories if a.cve == cve_id]
        group.sort(key=lambda a: (a.year, a.number))  # (its record's owner first, see `due`)
        key = update_key(journal, group)
        if key is None:
            message = f"{cve_id}: no revision since its record was published: nothing sent"
            return CycleReport(cve_id, False, message)
        if journal.is_done(key):
            return CycleReport(cve_id, False, f"{cve_id}: updated before: nothing sent")
        try:
            sent = send_update(journal, _api(settings, env, api), settings, group, key, now)
        except cve.Refused as refused:
            raise _failed(f"{cve_id} not updated", refused.reason) from None
    how = "updated" if sent else "updated (read back after an unfinished attempt)"
    return CycleReport(cve_id, sent, f"{cve_id}: record {how}")


def _needs_cve(settings: Settings, advisory: Advisory, what: str) -> str:
    if advisory.cve is None:
        shown = workspace.display_path(settings, advisory.path)
        raise BadInput(f"{shown}: cve: not set: no CVE id to {what}")
    return advisory.cve


def reject(
    settings: Settings,
    advisory_id: str,
    reason: str,
    now: datetime,
    *,
    env: Environment,
    api: cve.CveClient | None = None,
) -> CycleReport:
    """Reject the advisory's reserved, unused CVE id with a public ``reason``; then comment
    ``cve`` out of its file."""
    cve.check_credentials(settings, env, "cve reject")
    text = edit.check_reason(reason)
    advisory = edit.find(settings, advisory_id)
    if advisory.cve is None:
        done = _rejected_before(settings, advisory.id)
        if done:
            return CycleReport(done, False, f"{done}: rejected before: nothing sent")
    cve_id = _needs_cve(settings, advisory, "reject")
    state = workspace.state_dir(settings)
    with exclusive(state, "cve"), Journal.open(state) as journal:
        key = REJECT + cve_id
        sent = not journal.is_done(key)
        if sent:
            if journal.is_done(PUBLISHED + cve_id):
                raise Refused(
                    f"{cve_id}: its record is published: `cve reject` rejects a reserved id "
                    "that was never used"
                )
            api = _api(settings, env, api)
            sent = _send_reject(settings, api, journal, advisory.id, cve_id, text, now)
        _drop(settings, advisory, cve_id, now)
    how = "rejected" if sent else "rejected (read back, or before)"
    return CycleReport(cve_id, sent, f"{cve_id} {how}; `cve` removed from {advisory.id}")


def _rejected_before(settings: Settings, advisory_id: str) -> str | None:
    """The id the advisory's last rejection rejected (None: none; no journal is created)."""
    journal = Journal.reading(settings.state_dir)
    if journal is None:
        return None
    with journal:
        done = [
            s.key.removeprefix(REJECT)
            for s in journal.steps(REJECT)
            if s.status == "done" and s.detail.get("advisory") == advisory_id
        ]
    return done[-1] if done else None


def _send_reject(
    settings: Settings,
    api: cve.CveClient,
    journal: Journal,
    advisory_id: str,
    cve_id: str,
    reason: str,
    now: datetime,
) -> bool:
    """Reject ``cve_id``, read back first after an unfinished attempt; True: sent now."""
    key = REJECT + cve_id
    earlier = journal.get(key)
    journal.start(key, now, {"advisory": advisory_id})
    try:
        if earlier is not None and cve.state(api, cve_id) == "REJECTED":
            journal.finish(key, now, {"confirmed": "read back", "state": "REJECTED"})
            return False
        cve.reject(api, cve_id, settings.cve.org_id, reason)
    except cve.Refused as refused:
        journal.fail(key, now, refused.reason)
        raise _failed(f"{cve_id} not rejected", refused.reason) from None
    journal.finish(key, now, {"state": "REJECTED"})
    return True


def _drop(settings: Settings, advisory: Advisory, cve_id: str, now: datetime) -> None:
    if advisory.cve == cve_id:
        note = f"cve {cve_id} rejected {now:%Y-%m-%d} (releasekit cve reject)"
        edit.rewrite(settings, advisory, {}, drop=("cve", note))

"""``embargo notify``: the predisclosure of the next embargo to distributors.

The details and the held fixes, signed and encrypted to each recipient's key (PGP/MIME,
RFC 3156), once per recipient and embargo instant. The readable headers say nothing of the
issues; everything else is encrypted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

from releasekit.adapters.mail.mime import Message, build_sealed, mixed_entity
from releasekit.adapters.signing import Signer
from releasekit.embargo import texts
from releasekit.embargo.batch import upcoming
from releasekit.embargo.context import Outside, missing, require_mail
from releasekit.embargo.sending import Ahead, Asked, ahead_of, send_ahead
from releasekit.fixes.store import held_bytes
from releasekit.model.advisory import Advisory
from releasekit.model.config import Settings
from releasekit.release.plan import Plan


@dataclass
class Notification(Ahead):
    """The predisclosure of the next embargo to the [notify] recipients."""

    instant: datetime
    ids: list[str]
    keys: dict[str, str]  # recipient address -> key fingerprint
    attachments: list[str]


def notify(
    settings: Settings,
    outside: Outside,
    now: datetime,
    **asked: Unpack[Asked[Notification]],
) -> Notification:
    """Send the details and held fixes of the next embargo, signed and encrypted to each
    recipient's key (PGP/MIME, RFC 3156), once per recipient and embargo instant.

    The readable headers say nothing of the issues; everything else is encrypted.
    """
    mail_settings = require_mail(settings)
    if settings.notify is None:
        raise missing(settings, "notify", "no [notify] table with `to`")
    ahead = upcoming(settings, outside, now, "notify")
    signer = Signer(mail_settings.signing_key, outside.env.gnupghome)
    chosen = settings.notify.keys
    keys = {a: signer.encryption_key(a, now, chosen.get(a)) for a in settings.notify.to}
    held = _held_fixes(settings, ahead.plan, ahead.batch)
    attached = {cell: name for cell, (name, _) in held.items()}
    item = Notification(ahead.instant, ahead.ids, keys, list(attached.values()))
    item.subject, item.body = texts.predisclosure(
        settings, ahead.instant, ahead.batch, ahead.plan, attached
    )
    entity = functools.cache(lambda: mixed_entity(item.body, list(held.values())))

    def build(address: str, message_id: str) -> tuple[Message, dict[str, str]]:
        sealed = build_sealed(
            subject=item.subject,
            entity=entity(),
            sender=mail_settings.sender,
            to=address,
            message_id=message_id,
            date=now,
            seal=functools.partial(signer.sign_and_encrypt, recipient=keys[address]),
        )
        return sealed, {"key": keys[address]}

    mailing = ahead_of(ahead, ("notify", "predisclosure"), list(keys), build)
    return send_ahead(settings, outside, now, item, mailing, signer, **asked)


def _held_fixes(
    settings: Settings, the_plan: Plan, batch: Sequence[Advisory]
) -> dict[tuple[str, str], tuple[str, bytes]]:
    """The held fix of each (advisory id, line) the release needs, as an attachment: its
    file name and contents, in the order of the advisories and the plan's cells."""
    found: dict[tuple[str, str], tuple[str, bytes]] = {}
    for advisory in batch:
        for cell in the_plan.cells:
            path = settings.patches_dir / advisory.id / f"{cell.line}.patch"
            if cell.advisory == advisory.id and cell.required and cell.held and path.is_file():
                name = f"{advisory.id}-{cell.line}.patch"
                found[(advisory.id, cell.line)] = (name, held_bytes(settings, path))
    return found

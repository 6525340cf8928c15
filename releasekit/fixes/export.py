"""Exporting commits of the product clone as a held fix, like ``git format-patch
--binary`` (``patch add --from``)."""

from __future__ import annotations

import email.header
import email.utils
from datetime import datetime, timedelta, timezone

from releasekit.adapters.git import Person, ProductRepo


def _address(person: Person) -> str:
    name = person.name
    if not name.isascii():
        name = email.header.Header(name, "utf-8").encode()
        return f"{name} <{person.email}>"
    return email.utils.formataddr((name, person.email))


def _date(person: Person) -> str:
    zone = timezone(timedelta(minutes=person.offset))
    return email.utils.format_datetime(datetime.fromtimestamp(person.time, zone))


def format_patch(repo: ProductRepo, commits: list[str]) -> bytes:
    """The ``git format-patch --binary`` mbox of ``commits`` (oldest first)."""
    mails: list[str] = []
    total = len(commits)
    for number, oid in enumerate(commits, 1):
        info = repo.commit(oid)
        paragraphs = info.message.strip("\n").split("\n\n", 1)
        subject = " ".join(part.strip() for part in paragraphs[0].splitlines())
        body = paragraphs[1].strip("\n") + "\n" if len(paragraphs) > 1 else ""
        prefix = "[PATCH]" if total == 1 else f"[PATCH {number}/{total}]"
        subject_header = f"{prefix} {subject}"
        if not subject_header.isascii():
            subject_header = f"{prefix} " + email.header.Header(subject, "utf-8").encode()
        stat, diff = repo.commit_patch(oid)
        headers = [
            f"From {oid} Mon Sep 17 00:00:00 2001",
            f"From: {_address(info.author)}",
            f"Date: {_date(info.author)}",
            f"Subject: {subject_header}",
        ]
        if not (info.message + info.author.name).isascii():
            headers += [
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=UTF-8",
                "Content-Transfer-Encoding: 8bit",
            ]
        text = "\n".join(headers) + "\n\n" + (body + "\n" if body else "")
        text = text.rstrip("\n") + "\n" if body else text
        text += "---\n" + stat + "\n" + diff + "-- \nreleasekit\n\n"
        mails.append(text)
    return "".join(mails).encode("utf-8", "surrogateescape")

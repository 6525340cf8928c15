#!/usr/bin/env python3
"""Verify a PGP/MIME (RFC 3156) announcement with the real gpg, as a subscriber would.

    GNUPGHOME=build/demo/gnupg .venv/bin/python scripts/verify_mail.py MESSAGE_FILE
    GNUPGHOME=build/demo/gnupg .venv/bin/python scripts/verify_mail.py build/demo/maildir

Given a maildir, verifies each message it received (in new/). Extracts the signed part byte
for byte (as received, CRLF line ends) and the detached signature, runs `gpg --verify`, and
prints gpg's verdict. Exit 0 when every signature is good.
"""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    given = Path(sys.argv[1])
    if given.is_dir():
        messages = sorted((given / "new").iterdir()) if (given / "new").is_dir() else []
        if not messages:
            print(f"no message in {given}/new", file=sys.stderr)
            return 1
        return max(verify(message) for message in messages)
    return verify(given)


def verify(path: Path) -> int:
    raw = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    if message.get_content_type() != "multipart/signed":
        print("not a PGP/MIME signed message", file=sys.stderr)
        return 1
    boundary = message.get_boundary()
    assert boundary is not None
    body = raw.split(b"\r\n\r\n", 1)[1]
    parts = re.split(rb"\r\n--" + re.escape(boundary.encode()) + rb"(?:--)?\r\n", b"\r\n" + body)
    signed, signature_part = parts[1], parts[2]
    signature = signature_part.split(b"\r\n\r\n", 1)[1]
    with tempfile.TemporaryDirectory() as tmp:
        data, sig = Path(tmp) / "signed", Path(tmp) / "signature.asc"
        data.write_bytes(signed)
        sig.write_bytes(signature)
        done = subprocess.run(["gpg", "--verify", str(sig), str(data)], check=False)
    print(f"Subject: {message['Subject']}\nMessage-ID: {message['Message-ID']}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())

"""A throwaway GnuPG home with generated keys, and the real ``gpg`` to check signatures.

Keys are ed25519 without a passphrase (fast to make, nothing to type). They are created with a
faked system time in the past, so that a process running under ``faketime`` at any date after
2020 still signs with a key that already exists then. The home lives in a short path under
the temporary directory (gpg-agent's socket path has a length limit) and is removed, its agent
killed first, when the context ends.

Used by the fixtures ``gpg_home`` (one per session: a good key and an expired one) and
``fresh_gpg_home`` (one per test, for tests that change the keyring).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

KEY_CREATED = "20200101T000000!"  # before any date a test fakes
EXPIRED_CREATED = "20190101T000000!"  # with a one-day expiry: expired since 2019-01-02
HASH_IDS = {"8": "sha256", "9": "sha384", "10": "sha512", "11": "sha224"}


@dataclass(frozen=True)
class Verified:
    """A signature the real gpg accepted: who made it and with which hash."""

    fingerprint: str  # the (sub)key that signed
    primary_fingerprint: str
    hash_name: str
    status: str  # gpg's full --status-fd output


@dataclass
class GpgHome:
    """One GnuPG home directory and the keys made in it."""

    path: Path
    fingerprint: str = ""  # a good signing key (ed25519, no passphrase, no expiry)
    expired_fingerprint: str = ""  # a signing key that expired on 2019-01-02
    made: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The current environment with GNUPGHOME set to this home."""
        return {**os.environ, "GNUPGHOME": str(self.path)}

    def gpg(
        self, *args: str, input: bytes | None = None, check: bool = True, status: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the real gpg on this home (batch mode; with ``status``, status lines on stdout)."""
        status_args = ["--status-fd", "1"] if status else []
        return subprocess.run(
            ["gpg", "--homedir", str(self.path), "--batch", *status_args, *args],
            input=input,
            capture_output=True,
            check=check,
            timeout=60,
        )

    def generate(
        self,
        uid: str,
        *,
        usage: str = "sign",
        expire: str = "never",
        created: str = KEY_CREATED,
        passphrase: str = "",
    ) -> str:
        """Make a primary ed25519 key; its fingerprint."""
        done = self.gpg(
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            "--faked-system-time",
            created,
            "--quick-gen-key",
            uid,
            "ed25519",
            usage,
            expire,
        )
        for line in done.stdout.decode().splitlines():
            if line.startswith("[GNUPG:] KEY_CREATED "):
                fingerprint = line.split()[3]
                self.made.append(fingerprint)
                return fingerprint
        raise AssertionError(f"gpg made no key: {done.stderr.decode()}")

    def add_signing_subkey(self, fingerprint: str, *, expire: str = "never") -> str:
        """Add an ed25519 signing subkey to a key; the subkey's fingerprint."""
        done = self.gpg(
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
            "--faked-system-time",
            KEY_CREATED,
            "--quick-add-key",
            fingerprint,
            "ed25519",
            "sign",
            expire,
        )
        for line in done.stdout.decode().splitlines():
            if line.startswith("[GNUPG:] KEY_CREATED S "):
                return line.split()[3]
        raise AssertionError(f"gpg made no subkey: {done.stderr.decode()}")

    def add_subkey(
        self,
        fingerprint: str,
        algo: str = "cv25519",
        usage: str = "encr",
        *,
        expire: str = "never",
        created: str = KEY_CREATED,
    ) -> str:
        """Add a subkey (by default a cv25519 encryption subkey); the subkey's fingerprint."""
        done = self.gpg(
            *("--pinentry-mode", "loopback", "--passphrase", ""),
            *("--faked-system-time", created, "--quick-add-key", fingerprint),
            *(algo, usage, expire),
        )
        for line in done.stdout.decode().splitlines():
            if line.startswith("[GNUPG:] KEY_CREATED S "):
                return line.split()[3]
        raise AssertionError(f"gpg made no subkey: {done.stderr.decode()}")

    def add_uid(self, fingerprint: str, uid: str) -> None:
        self.gpg(
            "--pinentry-mode", "loopback", "--passphrase", "", "--quick-add-uid", fingerprint, uid
        )

    def revoke_uid(self, fingerprint: str, uid: str) -> None:
        """Revoke one user id of a key (its owner no longer answers at that address)."""
        self.gpg(
            *("--pinentry-mode", "loopback", "--passphrase", ""),
            *("--quick-revoke-uid", fingerprint, uid),
        )

    def revoke_subkey(self, fingerprint: str, subkey: str) -> None:
        """Revoke one subkey of a key (gpg 2.2 has no --quick command for it)."""
        listing = self.gpg("--with-colons", "--list-keys", fingerprint, status=False)
        rows = [row.split(":") for row in listing.stdout.decode().splitlines()]
        index = [row[9] for row in rows if row[0] == "fpr"][1:].index(subkey) + 1
        commands = f"key {index}\nrevkey\ny\n0\n\ny\nsave\n"
        self.gpg(
            *("--command-fd", "0", "--pinentry-mode", "loopback", "--passphrase", ""),
            *("--edit-key", fingerprint),
            input=commands.encode(),
        )

    def revoke(self, fingerprint: str) -> None:
        """Import the revocation certificate gpg stored when it made the key."""
        stored = (self.path / "openpgp-revocs.d" / f"{fingerprint}.rev").read_text()
        # gpg guards the stored certificate with a leading colon against accidental import.
        armored = stored.replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----"
        )
        self.gpg("--import", input=armored.encode())

    def export_public(self, fingerprint: str) -> bytes:
        return self.gpg("--armor", "--export", fingerprint, status=False).stdout

    def import_keys(self, data: bytes) -> None:
        self.gpg("--import", input=data)

    def delete_secret_key(self, fingerprint: str) -> None:
        self.gpg("--yes", "--delete-secret-keys", fingerprint)

    def verify(self, data: bytes, signature: str | bytes) -> Verified:
        """Verify a detached signature of ``data`` with the real gpg binary, as a reader would.

        Raises AssertionError unless gpg reports a good and valid signature.
        """
        raw = signature.encode("ascii") if isinstance(signature, str) else signature
        with tempfile.TemporaryDirectory(prefix="rk-verify-") as tmp:
            sig_path = Path(tmp) / "signature.asc"
            data_path = Path(tmp) / "signed.bin"
            sig_path.write_bytes(raw)
            data_path.write_bytes(data)
            done = self.gpg("--verify", str(sig_path), str(data_path), check=False)
        status = done.stdout.decode()
        valid = [line for line in status.splitlines() if line.startswith("[GNUPG:] VALIDSIG ")]
        if done.returncode != 0 or "[GNUPG:] GOODSIG " not in status or not valid:
            raise AssertionError(f"gpg --verify failed:\n{status}\n{done.stderr.decode()}")
        fields = valid[0].split()[2:]
        return Verified(
            fingerprint=fields[0],
            primary_fingerprint=fields[-1],
            hash_name=HASH_IDS.get(fields[7], fields[7]),
            status=status,
        )

    def kill_agent(self) -> None:
        subprocess.run(
            ["gpgconf", "--homedir", str(self.path), "--kill", "all"],
            capture_output=True,
            check=False,
            timeout=60,
        )


@contextmanager
def gnupg_home(*, keys: bool = True) -> Iterator[GpgHome]:
    """A new GnuPG home (0700) with, when ``keys``, a good and an expired signing key."""
    path = Path(tempfile.mkdtemp(prefix="rk-gnupg-"))
    os.chmod(path, 0o700)
    home = GpgHome(path)
    try:
        if keys:
            home.fingerprint = home.generate("Acme Security <security@acme.example>")
            home.expired_fingerprint = home.generate(
                "Old Acme Security <old-security@acme.example>",
                expire="1d",
                created=EXPIRED_CREATED,
            )
        yield home
    finally:
        home.kill_agent()
        shutil.rmtree(path, ignore_errors=True)

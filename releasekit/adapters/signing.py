"""The GnuPG adapter: detached signatures and the checks of the release key.

This is the only module that imports ``gnupg`` (python-gnupg, which drives the installed
``gpg`` binary). The key is named by its full fingerprint (``mail.signing_key``). GnuPG's home
is the ``gnupghome`` given to :class:`Signer` (the CLI passes ``GNUPGHOME``), else gpg's default.
Each gpg process has a deadline (:data:`DEADLINE`): past it, gpg is killed and the call
raises SigningError.

Passphrases are never handled here: gpg asks its agent (and the agent its pinentry), so no
secret passes through releasekit. Messages name the key by fingerprint and quote only gpg's
own error text.
"""

from __future__ import annotations

import functools
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from releasekit.adapters.gpgwatch import Watch
from releasekit.support import timefmt
from releasekit.support.errors import SigningError
from releasekit.support.text import visible
from releasekit.support.words import counted

if TYPE_CHECKING:  # imported when gpg is run: a publish without a signing key runs none
    import gnupg

_FINGERPRINT_RE = re.compile(r"[0-9A-F]{40}|[0-9A-F]{64}")

# RFC 4880 9.4 hash algorithm ids -> the names used in PGP/MIME's micalg (RFC 3156 5).
HASH_NAMES = {
    "1": "md5",
    "2": "sha1",
    "3": "ripemd160",
    "8": "sha256",
    "9": "sha384",
    "10": "sha512",
    "11": "sha224",
}
WEAK_HASHES = frozenset({"md5", "sha1", "ripemd160"})

# Seconds one gpg process may run. python-gnupg waits for gpg without a limit, and gpg for
# its agent: one that is stopped (a suspended session) or wedged never answers. A pinentry
# lifts the deadline: a person is answering it (see adapters/gpgwatch.py).
DEADLINE = 60.0


def normalize_fingerprint(value: str) -> str:
    """``0x0123 4567 ...`` -> ``01234567...`` (upper case, no spaces, no 0x)."""
    text = "".join(value.split()).upper()
    return text[2:] if text.startswith("0X") else text


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of :meth:`Signer.check`: ``reason`` is None when the key is ready."""

    fingerprint: str
    reason: str | None = None
    expires: datetime | None = None
    uid: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


_UNUSABLE = ("r", "e", "d", "i")  # gpg's validity letters: revoked, expired, disabled, invalid


def _mailbox(uid: str) -> str:
    """The address of a user id, lower case: ``Name <a@b>`` or a bare ``a@b``."""
    text = uid.strip()
    if text.endswith(">") and "<" in text:
        text = text[text.rindex("<") + 1 : -1]
    return text.strip().lower()


def _when(epoch: str) -> datetime | None:
    return datetime.fromtimestamp(int(epoch), UTC) if epoch else None


# What gpg says when the agent could not ask for a key's passphrase (no terminal, no
# pinentry): the words are gpg's own, the remedy is not in them.
_NO_PASSPHRASE = ("No pinentry", "Inappropriate ioctl for device", "No passphrase given")
_UNLOCK = (
    " (the key's passphrase could not be asked for here: unlock the key in gpg-agent first, "
    "by signing anything with it in a terminal, or set GPG_TTY)"
)


def _utf8(text: str) -> str:
    """gpg's text as it wrote it: UTF-8 (its messages in the user's locale), which
    python-gnupg reads as Latin-1 (each byte one character: nothing lost, all garbled)."""
    return text.encode("latin-1", "replace").decode("utf-8", "replace")


def _gpg_reason(result: Any) -> str:
    """gpg's own last error line (never a secret), or its status, for a failed operation;
    with what to do when it is the passphrase that could not be asked for."""
    stderr = _utf8(getattr(result, "stderr", "") or "")
    lines = [
        line[len("gpg: ") :].strip()
        for line in stderr.splitlines()
        if line.startswith("gpg: ") and not line.startswith("gpg: WARNING")
    ]
    if lines:
        locked = any(words in stderr for words in _NO_PASSPHRASE)
        return lines[-1] + (_UNLOCK if locked else "")
    status = getattr(result, "status", None)
    return str(status) if status else f"gpg exited with {getattr(result, 'returncode', '?')}"


def _signers(key: dict[str, Any], fingerprint: str) -> list[tuple[str, str]]:
    """(validity, expiry) of each non-revoked (sub)key gpg may sign with: exactly the
    subkey the fingerprint names, else the primary (when its own usage signs, the lower
    case letters of ``cap``; the upper case ones are the whole key's) and every signing
    subkey."""
    found = []
    if key.get("fingerprint") == fingerprint and "s" in str(key.get("cap", "")):
        found.append((str(key.get("trust", "")), str(key.get("expires", ""))))
    infos = key.get("subkey_info", {})
    for keyid, _kind, subkey, _grip in key.get("subkeys", []):
        info = infos.get(keyid, {})
        named = fingerprint in (key.get("fingerprint"), subkey)
        if named and "s" in str(info.get("cap", "")).lower():
            found.append((str(info.get("trust", "")), str(info.get("expires", ""))))
    return [(trust, expires) for trust, expires in found if trust != "r"]


def _can_sign_at(key: dict[str, Any], fingerprint: str, now: datetime) -> bool:
    """A non-revoked (sub)key gpg may sign with that is still valid at ``now``."""
    for trust, expires in _signers(key, fingerprint):
        until = _when(expires)
        if trust != "e" and (until is None or until > now):
            return True
    return False


def _signs_until(key: dict[str, Any], fingerprint: str, now: datetime) -> datetime | None:
    """When the last (sub)key that signs today stops, if that is before ``now``."""
    today = [_when(expires) for trust, expires in _signers(key, fingerprint) if trust != "e"]
    if not today or None in today:
        return None
    last = max(when for when in today if when is not None)
    return last if last <= now else None


def _claims(gpg: gnupg.GPG, fingerprint: str, address: str) -> bool:
    """Whether the key still has a valid user id for ``address``: one its owner revoked
    (or let expire) no longer says the key reaches that address, as gpg also holds."""
    listing = gpg.list_keys(keys=[fingerprint])
    for uid, fields in listing.uid_map.items():
        if _mailbox(uid) == address.lower() and fields.get("trust") not in _UNUSABLE:
            return True
    return False


def _cannot_encrypt(key: dict[str, Any], now: datetime) -> str | None:
    """Why gpg would not encrypt to ``key`` at ``now`` (None: it would), as a message says
    it: the key revoked, expired, disabled or invalid, or no encryption subkey it can use."""
    trust, until = key.get("trust"), _when(str(key.get("expires") or ""))
    if trust in ("r", "d", "i"):
        return {"r": "is revoked", "d": "is disabled", "i": "is invalid"}[trust]
    if until is not None and (trust == "e" or until <= now):
        return f"expired on {timefmt.instant(until)}"
    if trust == "e":
        return "has expired"
    if "E" in str(key.get("cap", "")):
        return None
    infos = key.get("subkey_info", {}).values()
    subkeys = [info for info in infos if "e" in str(info.get("cap", ""))]
    if "e" in str(key.get("cap", "")):
        subkeys.append(key)
    ends = [_when(str(info.get("expires") or "")) for info in subkeys if info.get("trust") != "r"]
    if not subkeys:
        return "cannot encrypt (no encryption subkey)"
    if not ends:
        return "has its encryption subkey revoked"
    dated = [when for when in ends if when is not None]
    if len(dated) < len(ends):
        return "has no encryption subkey gpg can use"
    return f"has its encryption subkey expired on {timefmt.instant(max(dated))}"


def _recipients(
    gpg: gnupg.GPG, listing: Any, address: str, now: datetime, chosen: str | None
) -> tuple[list[str], list[str]]:
    """Of the keys listed for ``address`` (only ``chosen`` when given): the fingerprints of
    those gpg would encrypt to at ``now``, and for each other one why not."""
    usable, unusable = [], []
    for key in listing:
        fingerprint = str(key["fingerprint"])
        if chosen is not None and fingerprint != chosen.upper():
            continue
        why = _cannot_encrypt(key, now)
        if why is None and not _claims(gpg, fingerprint, address):
            why = f"has its user id for {address} revoked or expired"
        if why is None:
            usable.append(fingerprint)
        else:
            unusable.append(f"key {fingerprint} {why}")
    return usable, unusable


@functools.cache
def _watched() -> Any:
    """python-gnupg's GPG with a deadline on each gpg process it runs (the class is made when
    gpg first runs: gnupg is imported only then, 25 ms with what it imports)."""
    import gnupg

    class WatchedGPG(gnupg.GPG):  # type: ignore[misc]  # (gnupg has no types)
        def __init__(self, deadline: float, **options: Any) -> None:
            self.deadline = deadline
            self.started = False
            super().__init__(**options)  # (runs gpg --list-config)
            self.started = True

        def _collect_output(
            self, process: Any, result: Any, writer: Any = None, stdin: Any = None
        ) -> Any:
            watch = Watch(process, self.deadline)
            process.stderr = watch.status(process.stderr)  # gpg's status lines, as they come
            try:
                code = super()._collect_output(process, result, writer, stdin)
            finally:
                watch.end()
            if watch.expired:
                doing = type(result).__name__ if self.started else "starting"
                raise SigningError(watch.timeout(doing))
            return code

    return WatchedGPG


class Signer:
    """Signs with one key, named by its fingerprint, in one GnuPG home."""

    def __init__(
        self,
        fingerprint: str,
        gnupghome: Path | str | None = None,
        *,
        gpgbinary: str = "gpg",
        deadline: float | None = None,
    ) -> None:
        self.fingerprint = normalize_fingerprint(fingerprint)
        self.gnupghome = Path(gnupghome) if gnupghome is not None else None
        self.gpgbinary = gpgbinary
        self.deadline = DEADLINE if deadline is None else deadline  # for each gpg process
        self._gpg: gnupg.GPG | None = None
        self._primary: str | None = None  # the primary key's fingerprint, once looked up

    @property
    def home(self) -> str:
        """The GnuPG home in use, as messages show it (on one line: ``GNUPGHOME`` may hold a
        line break or an escape)."""
        if self.gnupghome is not None:
            return visible(str(self.gnupghome))
        return "~/.gnupg"

    def _fail(self, what: str) -> SigningError:
        return SigningError(f"signing key {self.fingerprint}: {what}")

    def _open(self) -> gnupg.GPG:
        if self._gpg is None:
            home = str(self.gnupghome) if self.gnupghome is not None else None
            try:
                self._gpg = _watched()(self.deadline, gpgbinary=self.gpgbinary, gnupghome=home)
            except (OSError, ValueError):
                raise self._fail(
                    f"gpg ({self.gpgbinary}) cannot be run with the GnuPG home {self.home}"
                ) from None
        return self._gpg

    def _list(self, keys: list[str], *, secret: bool = False) -> Any:
        """gpg's listing of ``keys`` (none found: empty); SigningError when gpg cannot read
        the keyring at all, which is not the same as a key that is not there."""
        listing = self._open().list_keys(secret=secret, keys=keys)
        stderr = _utf8(str(getattr(listing, "stderr", "") or ""))
        if "ERROR add_keyblock_resource" in stderr or "\ngpg: Fatal: " in "\n" + stderr:
            said = [line[5:] for line in stderr.splitlines() if "keyblock resource" in line]
            why = said[0] if said else _gpg_reason(listing)
            raise SigningError(f"gpg cannot read the GnuPG home {self.home}: {why}")
        return listing

    def _find(self, listing: Any) -> dict[str, Any] | None:
        for key in listing:
            fingerprints = [key.get("fingerprint")] + [sub[2] for sub in key.get("subkeys", [])]
            if self.fingerprint in fingerprints:
                found: dict[str, Any] = key
                return found
        return None

    def check(self, now: datetime) -> KeyCheck:
        """Whether the key can sign at ``now``: present with its secret part, not expired or
        expiring before ``now``, not revoked, with a usable signing (sub)key, and able to make
        a signature that verifies (a probe). Never raises for a key problem: the reason says.
        """
        fpr = self.fingerprint
        if not _FINGERPRINT_RE.fullmatch(fpr):
            return KeyCheck(fpr, f"signing key {fpr!r} is not a full fingerprint (40 hex digits)")
        try:
            public = self._find(self._list([fpr]))
            secret = public is not None and self._find(self._list([fpr], secret=True))
        except SigningError as exc:
            return KeyCheck(fpr, str(exc))
        if public is None:
            return KeyCheck(fpr, f"signing key {fpr}: not found in the GnuPG home {self.home}")
        uid = public["uids"][0] if public.get("uids") else None
        expires = _when(public.get("expires", ""))
        if not secret:
            return KeyCheck(
                fpr, f"signing key {fpr}: only the public key is in {self.home}, not the secret key"
            )
        if public.get("trust") == "r":
            return KeyCheck(fpr, f"signing key {fpr}: revoked", expires, uid)
        if public.get("trust") in ("d", "i"):
            return KeyCheck(fpr, f"signing key {fpr}: disabled or invalid", expires, uid)
        if expires is not None and expires <= now:
            return KeyCheck(
                fpr,
                f"signing key {fpr}: valid only until {timefmt.instant(expires)}, "
                f"needed at {timefmt.instant(now)}",
                expires,
                uid,
            )
        signs_until = _signs_until(public, fpr, now)
        if signs_until is not None:
            return KeyCheck(
                fpr,
                f"signing key {fpr}: its signing subkey is valid only until "
                f"{timefmt.instant(signs_until)}, needed at {timefmt.instant(now)}",
                expires,
                uid,
            )
        if not _can_sign_at(public, fpr, now):
            return KeyCheck(
                fpr, f"signing key {fpr}: has no signing (sub)key valid at that time", expires, uid
            )
        try:
            self._sign(b"releasekit signing probe " + secrets.token_hex(16).encode())
        except SigningError as exc:
            return KeyCheck(fpr, str(exc), expires, uid)
        return KeyCheck(fpr, None, expires, uid)

    def require(self, now: datetime) -> KeyCheck:
        """:meth:`check`, raising SigningError with the reason when the key is not ready."""
        outcome = self.check(now)
        if outcome.reason is not None:
            raise SigningError(outcome.reason)
        return outcome

    def _signing_key(self, gpg: gnupg.GPG) -> str:
        """The --local-user argument: the key itself (gpg picks its signing subkey), or with
        ``!`` exactly the subkey when the fingerprint names one."""
        if self._primary is None:
            key = self._find(self._list([self.fingerprint]))
            if key is None:
                return self.fingerprint  # gpg says why it cannot sign
            self._primary = str(key["fingerprint"])
        return self.fingerprint if self._primary == self.fingerprint else self.fingerprint + "!"

    def _sign(self, data: bytes) -> tuple[str, str]:
        """A detached, ASCII-armored binary-mode signature of ``data``, verified before use."""
        gpg = self._open()
        local_user = self._signing_key(gpg)
        result = gpg.sign(data, keyid=None, detach=True, extra_args=["--local-user", local_user])
        signature = bytes(result.data or b"").decode("ascii", errors="replace")
        if not result or result.returncode != 0 or "BEGIN PGP SIGNATURE" not in signature:
            raise self._fail(f"gpg cannot sign: {_gpg_reason(result)}")
        hash_name = HASH_NAMES.get(str(result.hash_algo))
        if hash_name is None:
            raise self._fail(f"gpg used an unknown hash algorithm ({result.hash_algo})")
        if hash_name in WEAK_HASHES:
            raise self._fail(
                f"gpg chose the weak hash {hash_name.upper()}: check digest-algo and "
                "personal-digest-preferences in gpg.conf"
            )
        self._verify(gpg, data, signature)
        return signature, hash_name

    def _verify(self, gpg: gnupg.GPG, data: bytes, signature: str) -> None:
        with tempfile.TemporaryDirectory(prefix="releasekit-sig-") as tmp:
            sig_path = Path(tmp) / "signature.asc"
            sig_path.write_text(signature, encoding="ascii")
            verified = gpg.verify_data(str(sig_path), data)
        signers = {verified.fingerprint, verified.pubkey_fingerprint} - {None}
        if not verified.valid or not {self.fingerprint, self._primary} & signers:
            raise self._fail(f"the signature gpg made does not verify: {_gpg_reason(verified)}")

    def encryption_key(self, address: str, now: datetime, chosen: str | None = None) -> str:
        """The fingerprint of the one valid key in this home that encrypts to ``address``:
        ``chosen`` (``[notify] keys``) when given, and valid.

        The release manager imports each recipient's public key into the GnuPG home: keys
        there are trusted as the machine is. None or several usable keys is an error.
        """
        gpg = self._open()
        listing = self._list([f"<{address}>"])
        usable, unusable = _recipients(gpg, listing, address, now, chosen)
        if not usable:
            found = "; ".join(unusable) or (
                f"import the recipient's public key {chosen.upper()} (notify.keys)"
                if chosen is not None
                else "import the recipient's public key"
            )
            raise SigningError(
                f"no valid encryption key for {address} in the GnuPG home {self.home}: {found}"
            )
        if len(usable) > 1:
            raise SigningError(
                f"{counted(len(usable), 'key')} encrypt to {address}: name the one to use in "
                "notify.keys, or keep only one in the GnuPG home"
            )
        return usable[0]

    def sign_and_encrypt(self, data: bytes, recipient: str) -> str:
        """``data`` signed with this key and encrypted to ``recipient`` (a fingerprint), as
        one ASCII-armored OpenPGP message (RFC 3156, section 6.2)."""
        gpg = self._open()
        result = gpg.encrypt(
            data,
            [recipient],
            sign=self._signing_key(gpg),
            armor=True,
            always_trust=True,
        )
        armored = bytes(result.data or b"").decode("ascii", errors="replace")
        if not result.ok or "BEGIN PGP MESSAGE" not in armored:
            raise self._fail(f"gpg cannot sign and encrypt: {_gpg_reason(result)}")
        return armored

    def detach_sign(self, data: bytes) -> tuple[str, str]:
        """(ASCII-armored detached signature of exactly ``data``, hash name such as ``sha512``).

        The hash name is what PGP/MIME's ``micalg=pgp-<hash>`` needs. Raises SigningError.
        """
        return self._sign(data)

    def sign_as_of(self, data: bytes, when: datetime) -> str:
        """An armored detached signature of ``data`` made as of ``when`` (gpg's
        ``--faked-system-time``), or as of the signing key's creation when that is later.

        The signature's only varying part is its creation time: made as of a time taken
        from the document, the same bytes are signed into the same signature (with EdDSA and
        RSA, whose signatures are deterministic), so a site built again is the same site.
        """
        gpg = self._open()
        local_user = self._signing_key(gpg)
        key = self._find(self._list([self.fingerprint], secret=True))
        if key is None:
            raise self._fail(f"not found with its secret key in the GnuPG home {self.home}")
        created = [int(key.get("date") or 0)]
        created += [int(info.get("date") or 0) for info in key.get("subkey_info", {}).values()]
        moment = max(int(when.timestamp()), *created)
        result = gpg.sign(
            data,
            keyid=None,
            detach=True,
            extra_args=["--local-user", local_user, "--faked-system-time", f"{moment}!"],
        )
        signature = bytes(result.data or b"").decode("ascii", errors="replace")
        if not result or result.returncode != 0 or "BEGIN PGP SIGNATURE" not in signature:
            raise self._fail(f"gpg cannot sign: {_gpg_reason(result)}")
        if HASH_NAMES.get(str(result.hash_algo), "md5") in WEAK_HASHES:
            raise self._fail(f"gpg chose a weak or unknown hash ({result.hash_algo})")
        self._verify(gpg, data, signature)
        return signature

    def export_public(self) -> str:
        """The key's public part, ASCII-armored (to publish beside what it signs)."""
        gpg = self._open()
        exported = str(gpg.export_keys(self.fingerprint, armor=True) or "")
        if "BEGIN PGP PUBLIC KEY BLOCK" not in exported:
            raise self._fail(f"gpg cannot export the public key from {self.home}")
        return exported

    def sign_for_tag(self, data: bytes) -> str:
        """The armored detached signature git appends to a signed tag object's ``data``."""
        signature, _ = self._sign(data)
        return signature if signature.endswith("\n") else signature + "\n"

"""The key each predisclosure is encrypted to (``Signer.encryption_key``), against the real
gpg: recipients' keys as real people have them, made in their own GnuPG home and imported
into the release manager's, as the README says to do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from releasekit.adapters.signing import Signer
from releasekit.support.errors import SigningError
from tests.helpers.gpg import EXPIRED_CREATED, GpgHome, gnupg_home

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ADDRESS = "security@distro.example"
OLDER = "20180101T000000!"  # a primary made before the subkeys of EXPIRED_CREATED


@pytest.fixture
def theirs() -> Iterator[GpgHome]:
    """The recipient's own GnuPG home, where their secret keys are."""
    with gnupg_home(keys=False) as home:
        yield home


def imported(ours: GpgHome, theirs: GpgHome) -> Signer:
    """Every public key of ``theirs`` imported into ``ours``; a signer there."""
    ours.import_keys(theirs.gpg("--armor", "--export", status=False).stdout)
    return Signer(ours.fingerprint, ours.path)


def test_a_key_whose_user_id_for_the_address_is_revoked_is_not_used(
    fresh_gpg_home: GpgHome, theirs: GpgHome
) -> None:
    # The owner left the distribution: the key stays valid for their other address, but
    # they revoked the user id that said it reaches security@distro.example.
    ours = fresh_gpg_home
    ours.fingerprint = ours.generate("Acme Security <security@acme.example>")
    key = theirs.generate("Sam Former <sam@elsewhere.example>", usage="cert")
    theirs.add_subkey(key)
    theirs.add_uid(key, f"Sam Former <{ADDRESS}>")
    theirs.revoke_uid(key, f"Sam Former <{ADDRESS}>")
    signer = imported(ours, theirs)
    with pytest.raises(SigningError, match=f"no valid encryption key for {ADDRESS}"):
        signer.encryption_key(ADDRESS, NOW)
    assert signer.encryption_key("sam@elsewhere.example", NOW) == key


def _unusable(theirs: GpgHome, case: str) -> tuple[str, str]:
    """A key for ADDRESS that gpg cannot encrypt to; (its fingerprint, why, as said)."""
    uid = f"Distro Security <{ADDRESS}>"
    if case == "revoked":
        key = theirs.generate(uid, usage="cert")
        theirs.add_subkey(key)
        theirs.revoke(key)
        return key, "is revoked"
    if case == "expired":
        key = theirs.generate(uid, usage="cert", expire="1d", created=EXPIRED_CREATED)
        theirs.add_subkey(key, created=EXPIRED_CREATED)
        return key, "expired on 2019-01-02 00:00 UTC"
    if case == "sign only":
        key = theirs.generate(uid)
        theirs.add_signing_subkey(key)
        return key, "cannot encrypt (no encryption subkey)"
    key = theirs.generate(uid, usage="cert", created=OLDER)
    subkey = theirs.add_subkey(key, expire="1d", created=EXPIRED_CREATED)
    if case == "encryption subkey expired":
        return key, "has its encryption subkey expired on 2019-01-02 00:00 UTC"
    theirs.revoke_subkey(key, subkey)
    return key, "has its encryption subkey revoked"


@pytest.mark.parametrize(
    "case",
    ["revoked", "expired", "sign only", "encryption subkey expired", "encryption subkey revoked"],
)
def test_a_key_that_cannot_encrypt_is_named_with_the_reason(
    fresh_gpg_home: GpgHome, theirs: GpgHome, case: str
) -> None:
    # The key is in the home: the message says what is wrong with it, not to import it.
    fresh_gpg_home.fingerprint = fresh_gpg_home.generate("Acme <security@acme.example>")
    key, why = _unusable(theirs, case)
    signer = imported(fresh_gpg_home, theirs)
    with pytest.raises(SigningError) as raised:
        signer.encryption_key(ADDRESS, NOW)
    assert str(raised.value) == (
        f"no valid encryption key for {ADDRESS} in the GnuPG home {fresh_gpg_home.path}: "
        f"key {key} {why}"
    )


def test_of_two_valid_keys_for_an_address_the_one_notify_keys_names_is_used(
    fresh_gpg_home: GpgHome, theirs: GpgHome
) -> None:
    # A distribution rotates its key: both are valid for a while, and the release manager
    # says which one to use rather than delete the other from the keyring.
    fresh_gpg_home.fingerprint = fresh_gpg_home.generate("Acme <security@acme.example>")
    old = theirs.generate(f"Distro Security 2025 <{ADDRESS}>")
    new = theirs.generate(f"Distro Security 2026 <{ADDRESS}>")
    for key in (old, new):
        theirs.add_subkey(key)
    signer = imported(fresh_gpg_home, theirs)
    with pytest.raises(SigningError, match=r"2 keys encrypt to .*: name the one to use in notify"):
        signer.encryption_key(ADDRESS, NOW)
    assert signer.encryption_key(ADDRESS, NOW, new.lower()) == new
    assert signer.encryption_key(ADDRESS, NOW, old) == old
    theirs.revoke(old)
    signer = imported(fresh_gpg_home, theirs)
    with pytest.raises(SigningError, match=f"key {old} is revoked"):
        signer.encryption_key(ADDRESS, NOW, old)  # never another key than the one named
    missing = "0" * 40
    with pytest.raises(SigningError, match=f"import the recipient's public key {missing}"):
        signer.encryption_key(ADDRESS, NOW, missing)

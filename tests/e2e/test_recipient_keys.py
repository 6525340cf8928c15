"""The key each predisclosure is encrypted to (``Signer.encryption_key``), against the real
gpg: recipients' keys as real people have them, made in their own GnuPG home and imported
into the release manager's, as the README says to do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from releasekit.adapters.signing import Signer
from releasekit.support.errors import SigningError
from tests.helpers.gpg import GpgHome, gnupg_home

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
ADDRESS = "security@distro.example"


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

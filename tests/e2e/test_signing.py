"""The gpg adapter against the real gpg, with keys made in throwaway GnuPG homes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from releasekit.adapters.env import Environment
from releasekit.adapters.signing import KeyCheck, Signer, normalize_fingerprint
from releasekit.support.errors import SigningError
from tests.helpers.gpg import GpgHome

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_a_good_key_passes_the_check(gpg_home: GpgHome) -> None:
    spaced = " ".join(gpg_home.fingerprint[i : i + 4] for i in range(0, 40, 4)).lower()
    outcome = Signer(spaced, gpg_home.path).check(NOW)
    assert outcome.ok, outcome.reason
    assert outcome.fingerprint == gpg_home.fingerprint
    assert outcome.expires is None
    assert outcome.uid == "Acme Security <security@acme.example>"


def test_gnupghome_from_the_environment_is_honoured(
    gpg_home: GpgHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = Environment({"GNUPGHOME": str(gpg_home.path)})
    signer = Signer(gpg_home.fingerprint, env.gnupghome)
    assert signer.home == str(gpg_home.path)
    assert signer.check(NOW).ok
    signature, _ = signer.detach_sign(b"payload\r\n")
    gpg_home.verify(b"payload\r\n", signature)


def test_detached_signature_verifies_with_the_real_gpg(gpg_home: GpgHome) -> None:
    data = b"Content-Type: text/plain\r\n\r\nline one\r\nline two \r\n"
    signature, hash_name = Signer(gpg_home.fingerprint, gpg_home.path).detach_sign(data)
    assert signature.startswith("-----BEGIN PGP SIGNATURE-----")
    verified = gpg_home.verify(data, signature)
    assert verified.primary_fingerprint == gpg_home.fingerprint
    assert verified.hash_name == hash_name
    assert hash_name in ("sha256", "sha384", "sha512")
    with pytest.raises(AssertionError, match="verify failed"):
        gpg_home.verify(data.replace(b"\r\n", b"\n"), signature)  # binary: bytes exactly


def test_tag_signature_is_what_git_verifies(gpg_home: GpgHome, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    env = {**gpg_home.env, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str, input: bytes | None = None) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], input=input, env=env, capture_output=True, check=True
        )
        return done.stdout.decode().strip()

    repo.mkdir()
    git("init", "-q")
    git(
        "-c",
        "user.name=A",
        "-c",
        "user.email=a@example.org",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "c",
    )
    head = git("rev-parse", "HEAD")
    tag = (
        f"object {head}\ntype commit\ntag v10.3.3\n"
        "tagger Acme Release <release@acme.example> 1796133600 +0000\n\n10.3.3\n"
    ).encode()
    signature = Signer(gpg_home.fingerprint, gpg_home.path).sign_for_tag(tag)
    assert signature.endswith("-----END PGP SIGNATURE-----\n")
    oid = git("hash-object", "-t", "tag", "-w", "--stdin", input=tag + signature.encode())
    git("update-ref", "refs/tags/v10.3.3", oid)
    done = subprocess.run(
        ["git", "-C", str(repo), "verify-tag", "--raw", "v10.3.3"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert f"VALIDSIG {gpg_home.fingerprint}" in done.stderr.decode()


def test_a_missing_key_is_named_in_the_reason_and_cannot_sign(gpg_home: GpgHome) -> None:
    absent = "A" * 40
    signer = Signer(absent, gpg_home.path)
    outcome = signer.check(NOW)
    assert not outcome.ok
    assert outcome.reason == f"signing key {absent}: not found in the GnuPG home {gpg_home.path}"
    with pytest.raises(SigningError, match=f"^signing key {absent}: gpg cannot sign: "):
        signer.detach_sign(b"x")
    with pytest.raises(SigningError, match="not found"):
        signer.require(NOW)


def test_an_expired_key_fails_the_check_and_cannot_sign(gpg_home: GpgHome) -> None:
    signer = Signer(gpg_home.expired_fingerprint, gpg_home.path)
    outcome = signer.check(NOW)
    assert outcome.reason == (
        f"signing key {gpg_home.expired_fingerprint}: valid only until 2019-01-02 00:00 UTC, "
        "needed at 2026-12-01 14:00 UTC"
    )
    assert outcome.expires == datetime(2019, 1, 2, tzinfo=UTC)
    with pytest.raises(SigningError, match=gpg_home.expired_fingerprint):
        signer.sign_for_tag(b"x")


def test_a_key_expiring_before_the_embargo_fails_the_check_now(fresh_gpg_home: GpgHome) -> None:
    fingerprint = fresh_gpg_home.generate("Soon <soon@acme.example>", expire="2030-01-01")
    signer = Signer(fingerprint, fresh_gpg_home.path)
    assert signer.check(datetime(2029, 12, 31, tzinfo=UTC)).ok
    reason = signer.check(datetime(2030, 6, 1, tzinfo=UTC)).reason
    assert reason is not None
    assert reason.startswith(f"signing key {fingerprint}: valid only until 2030-01-01")
    signer.detach_sign(b"still valid today")


def test_a_revoked_key_fails_the_check(fresh_gpg_home: GpgHome) -> None:
    fingerprint = fresh_gpg_home.generate("Revoked <revoked@acme.example>")
    signer = Signer(fingerprint, fresh_gpg_home.path)
    assert signer.check(NOW).ok
    fresh_gpg_home.revoke(fingerprint)
    assert signer.check(NOW).reason == f"signing key {fingerprint}: revoked"


def test_a_key_without_signing_capability_fails_the_check(fresh_gpg_home: GpgHome) -> None:
    fingerprint = fresh_gpg_home.generate("Certify <certify@acme.example>", usage="cert")
    reason = Signer(fingerprint, fresh_gpg_home.path).check(NOW).reason
    assert reason == f"signing key {fingerprint}: has no signing (sub)key valid at that time"


def test_a_signing_subkey_of_a_certify_only_key_signs(fresh_gpg_home: GpgHome) -> None:
    primary = fresh_gpg_home.generate("Release <release@acme.example>", usage="cert")
    subkey = fresh_gpg_home.add_signing_subkey(primary)
    signer = Signer(primary, fresh_gpg_home.path)
    assert signer.require(NOW).ok
    signature, _ = signer.detach_sign(b"data")
    verified = fresh_gpg_home.verify(b"data", signature)
    assert (verified.fingerprint, verified.primary_fingerprint) == (subkey, primary)


def test_a_subkey_fingerprint_signs_with_exactly_that_subkey(fresh_gpg_home: GpgHome) -> None:
    primary = fresh_gpg_home.generate("Release <release@acme.example>", usage="cert")
    first = fresh_gpg_home.add_signing_subkey(primary)
    second = fresh_gpg_home.add_signing_subkey(primary)
    for subkey in (first, second):
        signer = Signer(subkey, fresh_gpg_home.path)
        assert signer.check(NOW).ok
        signature = signer.sign_for_tag(b"tag")
        assert fresh_gpg_home.verify(b"tag", signature).fingerprint == subkey


def test_a_signing_subkey_expiring_before_the_embargo_fails_the_check_now(
    fresh_gpg_home: GpgHome,
) -> None:
    # The primary (certify only, or signing too) never expires; the subkey gpg signs with
    # does, between `embargo status` and the lift: both must say so before the instant.
    home = fresh_gpg_home
    certify = home.generate("Release <release@acme.example>", usage="cert")
    only = home.add_signing_subkey(certify, expire="2030-01-01")
    signs = home.generate("Release Two <release2@acme.example>")
    named = home.add_signing_subkey(signs, expire="2030-01-01")
    for fingerprint in (certify, only, named):
        signer = Signer(fingerprint, home.path)
        assert signer.check(datetime(2029, 12, 31, tzinfo=UTC)).ok
        reason = signer.check(datetime(2030, 6, 1, tzinfo=UTC)).reason
        assert reason is not None
        assert reason.startswith(
            f"signing key {fingerprint}: its signing subkey is valid only until 2030-01-01 "
        ), reason
        assert reason.endswith(", needed at 2030-06-01 00:00 UTC"), reason
    # Named by its primary, a key that signs itself still signs when its subkey expired.
    assert Signer(signs, home.path).check(datetime(2030, 6, 1, tzinfo=UTC)).ok


def test_a_weak_hash_is_refused(fresh_gpg_home: GpgHome) -> None:
    fingerprint = fresh_gpg_home.generate("Weak <weak@acme.example>")
    (fresh_gpg_home.path / "gpg.conf").write_text("digest-algo SHA1\n")
    signer = Signer(fingerprint, fresh_gpg_home.path)
    assert signer.check(NOW).reason == (
        f"signing key {fingerprint}: gpg chose the weak hash SHA1: check digest-algo and "
        "personal-digest-preferences in gpg.conf"
    )
    with pytest.raises(SigningError, match="weak hash SHA1"):
        signer.detach_sign(b"x")


def test_a_public_key_without_its_secret_fails_the_check(
    gpg_home: GpgHome, fresh_gpg_home: GpgHome
) -> None:
    fresh_gpg_home.import_keys(gpg_home.export_public(gpg_home.fingerprint))
    reason = Signer(gpg_home.fingerprint, fresh_gpg_home.path).check(NOW).reason
    assert reason == (
        f"signing key {gpg_home.fingerprint}: only the public key is in "
        f"{fresh_gpg_home.path}, not the secret key"
    )


def test_a_key_whose_passphrase_cannot_be_asked_fails_the_probe(fresh_gpg_home: GpgHome) -> None:
    secret_passphrase = "do-not-print-me-7"
    agent_conf = fresh_gpg_home.path / "gpg-agent.conf"
    agent_conf.write_text("s2k-count 65536\n")  # skip the agent's slow calibration
    fingerprint = fresh_gpg_home.generate(
        "Locked <locked@acme.example>", passphrase=secret_passphrase
    )
    # No pinentry can ask for the passphrase (as in a job without a terminal).
    agent_conf.write_text("s2k-count 65536\npinentry-program /bin/false\n")
    fresh_gpg_home.kill_agent()
    outcome = Signer(fingerprint, fresh_gpg_home.path).check(NOW)
    assert outcome.reason is not None
    assert outcome.reason.startswith(f"signing key {fingerprint}: gpg cannot sign: ")
    assert "unlock the key in gpg-agent first" in outcome.reason  # (gpg's words say not how)
    assert secret_passphrase not in outcome.reason


def test_not_a_fingerprint_and_no_gpg_are_reasons(gpg_home: GpgHome, tmp_path: Path) -> None:
    assert Signer("security@acme.example").check(NOW).reason == (
        "signing key 'SECURITY@ACME.EXAMPLE' is not a full fingerprint (40 hex digits)"
    )
    missing = Signer(gpg_home.fingerprint, gpg_home.path, gpgbinary=str(tmp_path / "no-gpg"))
    reason = missing.check(NOW).reason
    assert reason is not None
    assert reason == (
        f"signing key {gpg_home.fingerprint}: gpg ({tmp_path / 'no-gpg'}) cannot be run "
        f"with the GnuPG home {gpg_home.path}"
    )
    with pytest.raises(SigningError, match="cannot be run"):
        missing.detach_sign(b"x")
    nowhere = Signer(gpg_home.fingerprint, tmp_path / "no-such-home")
    assert "cannot be run with the GnuPG home" in (nowhere.check(NOW).reason or "")


def test_a_gnupg_home_with_a_line_break_is_named_on_one_line(
    gpg_home: GpgHome, tmp_path: Path
) -> None:
    odd = Signer(gpg_home.fingerprint, tmp_path / "no\nsuch\x1b[31m")  # (GNUPGHOME)
    assert odd.check(NOW).reason == (
        f"signing key {gpg_home.fingerprint}: gpg (gpg) cannot be run with the GnuPG home "
        f"{tmp_path}/no\\x0asuch\\x1b[31m"
    )


def test_an_unreadable_keyring_is_named_not_taken_for_a_missing_key(
    fresh_gpg_home: GpgHome, tmp_path: Path
) -> None:
    home = fresh_gpg_home
    home.fingerprint = home.generate("Acme Security <security@acme.example>")
    home.kill_agent()
    gpg = "gpg"
    if os.geteuid() == 0:  # root reads anything: run gpg without that power
        gpg = str(tmp_path / "gpg")
        Path(gpg).write_text(
            '#!/bin/sh\nexec setpriv --bounding-set=-dac_override,-dac_read_search gpg "$@"\n'
        )
        os.chmod(gpg, 0o700)
    signer = Signer(home.fingerprint, home.path, gpgbinary=gpg)
    unreadable = f"gpg cannot read the GnuPG home {home.path}: keyblock resource "
    for path in (home.path / "pubring.kbx", home.path):
        os.chmod(path, 0)
        try:
            reason = signer.check(NOW).reason or ""
            with pytest.raises(SigningError) as raised:
                signer.encryption_key("security@distro.example", NOW)
        finally:
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        assert reason.startswith(unreadable), reason
        assert reason.endswith("Permission denied"), reason
        assert str(raised.value).startswith(unreadable), raised.value
    home.kill_agent()


def test_normalize_fingerprint() -> None:
    assert normalize_fingerprint("0xab cd\tEF") == "ABCDEF"
    assert normalize_fingerprint(" 1234 ") == "1234"


def test_gpg_messages_in_the_users_language_are_not_garbled(
    gpg_home: GpgHome, tmp_path: Path
) -> None:
    # gpg writes its messages in UTF-8 in the user's locale; python-gnupg reads them as
    # Latin-1, which showed "ClÃ© introuvable" in the one line.
    gpg = tmp_path / "gpg"
    gpg.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--detach-sign*|*--sign*)\n'
        "  printf 'gpg: la signature a échoué : Clé secrète introuvable\\n' >&2; exit 2;;\n"
        'esac\nexec gpg "$@"\n'
    )
    gpg.chmod(0o700)
    signer = Signer(gpg_home.fingerprint, gpg_home.path, gpgbinary=str(gpg))
    with pytest.raises(SigningError) as raised:
        signer.detach_sign(b"x")
    assert str(raised.value).endswith("la signature a échoué : Clé secrète introuvable")


def _agent_pid(home: GpgHome) -> int:
    """The pid of the home's gpg-agent, started if it is not running."""
    said = subprocess.run(
        ["gpg-connect-agent", "--homedir", str(home.path), "GETINFO pid", "/bye"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return int(said.split()[1])  # "D 1234\nOK\n"


def _stop(pid: int) -> None:
    """Stop process ``pid`` (SIGSTOP) for good: until each of its threads is stopped.

    gpg-agent as Debian builds it (its "gpg-agent-idling" patches) wakes its own main loop
    with a SIGCONT when a connection ends, and a SIGCONT cancels a SIGSTOP that no thread has
    taken yet: the one that read the agent's pid may still be closing. Once every thread
    is stopped, none is left to send it."""
    deadline = time.monotonic() + 30
    while True:
        os.kill(pid, signal.SIGSTOP)  # (again, when the agent's SIGCONT cancelled the last)
        states = []
        for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
            with contextlib.suppress(OSError):  # a thread ended meanwhile
                states.append(stat.read_text().rpartition(")")[2].split()[0])
        if states and all(state == "T" for state in states):
            return
        assert time.monotonic() < deadline, f"process {pid} does not stop: {states}"
        time.sleep(0.01)


def _gpg_children() -> list[int]:
    """This process's gpg children, running or not yet reaped."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, _, rest = stat.read_text().rpartition(")")
        except OSError:
            continue  # gone meanwhile
        if name.endswith("(gpg") and int(rest.split()[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def _bounded(call: Callable[[], object], seconds: float) -> object:
    """``call()``'s result or exception, failing the test (not hanging it) after ``seconds``."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # (returned, for the test to look at)
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still waiting for gpg after {seconds} s"
    return outcome[0]


def test_a_stopped_agent_is_a_timeout_that_leaves_no_gpg(fresh_gpg_home: GpgHome) -> None:
    # gpg waits on its agent's socket without a limit: an agent stopped with a suspended
    # session hung the lift, perhaps just after its push.
    home = fresh_gpg_home
    fingerprint = home.generate("Acme Security <security@acme.example>")
    signer = Signer(fingerprint, home.path, deadline=2)
    agent = _agent_pid(home)
    _stop(agent)
    try:
        started = time.monotonic()
        failed = _bounded(lambda: signer.detach_sign(b"announcement\r\n"), 30)
        assert isinstance(failed, SigningError), failed
        assert str(failed) == (
            "gpg did not answer within 2 s while signing "
            "(is gpg-agent stopped, or waiting for a passphrase?)"
        )
        assert time.monotonic() - started < 10
        assert _gpg_children() == []
        checked = _bounded(lambda: Signer(fingerprint, home.path, deadline=2).check(NOW), 30)
        assert isinstance(checked, KeyCheck)
        assert checked.reason == (
            "gpg did not answer within 2 s while listing keys "
            "(is gpg-agent stopped, or waiting for a passphrase?)"
        )
        assert _gpg_children() == []
    finally:
        os.kill(agent, signal.SIGCONT)
        home.kill_agent()


def test_a_passphrase_being_typed_is_not_cut_short_by_the_deadline(
    fresh_gpg_home: GpgHome,
) -> None:
    # Once the agent shows a pinentry, gpg waits for a person: the deadline stops then.
    home = fresh_gpg_home
    agent_conf = home.path / "gpg-agent.conf"
    agent_conf.write_text("s2k-count 65536\n")  # skip the agent's slow calibration
    fingerprint = home.generate("Locked <locked@acme.example>", passphrase="typed-slowly-7")
    pinentry = home.path / "pinentry"  # answers the passphrase after 4 s, as a person might
    pinentry.write_text(
        '#!/bin/sh\necho "OK ready"\nwhile read -r command rest; do\n  case "$command" in\n'
        '    GETPIN) sleep 4; echo "D typed-slowly-7"; echo OK;;\n'
        "    BYE) echo OK; exit 0;;\n    *) echo OK;;\n  esac\ndone\n"
    )
    pinentry.chmod(0o700)
    agent_conf.write_text(f"s2k-count 65536\npinentry-program {pinentry}\n")
    home.kill_agent()
    signer = Signer(fingerprint, home.path, deadline=2)
    started = time.monotonic()
    signed = _bounded(lambda: signer.detach_sign(b"announcement\r\n"), 60)
    assert isinstance(signed, tuple), signed
    assert time.monotonic() - started >= 4
    home.verify(b"announcement\r\n", signed[0])

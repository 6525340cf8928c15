"""What releasekit keeps of what a remote says while it takes a push (libgit2's callbacks)."""

from __future__ import annotations

from releasekit.adapters.git.remote import _Callbacks


def test_a_refusal_reason_is_kept_to_a_line() -> None:
    # git's reasons are a few words; a server that is not git may put up to 64 KiB in the
    # report of one ref, and each went whole into the one line the lift ends with.
    callbacks = _Callbacks(None, deadline=float("inf"))
    callbacks.push_update_reference("refs/tags/v1.0.1", "refused: " + "x" * 65_000)
    callbacks.push_update_reference("refs/heads/release-1.0", "pre-receive hook declined")
    callbacks.push_update_reference("refs/heads/release-1.1", None)
    long = callbacks.rejected["refs/tags/v1.0.1"]
    assert long.startswith("refused: xxx") and long.endswith("...") and len(long) == 203
    assert callbacks.rejected["refs/heads/release-1.0"] == "pre-receive hook declined"
    assert callbacks.accepted == ["refs/heads/release-1.1"]

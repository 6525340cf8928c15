"""A real OpenSSH server on 127.0.0.1, and an ssh-agent holding the key it accepts.

For the git-over-SSH tests: throwaway host and client keys, a config that accepts only that
key, for the user running the tests. Both programs run in the foreground as children of the
test and are stopped by :meth:`SshServer.stop`.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _keygen(path: Path) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(path)], check=True
    )
    return " ".join(path.with_suffix(".pub").read_text().split()[:2])  # "ssh-ed25519 AAAA..."


def _accepts(path: Path) -> bool:
    """Whether a Unix socket at ``path`` accepts a connection."""
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True


class SshServer:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True)
        self.root = root
        self.home = root / "home"  # what libgit2 takes as ~ (its known_hosts)
        (self.home / ".ssh").mkdir(parents=True, mode=0o700)
        self.user = getpass.getuser()
        self.port = _free_port()
        self.host_key = _keygen(root / "host_key")
        client = _keygen(root / "client_key")
        (root / "authorized_keys").write_text(client + "\n")
        self.agent_socket = root / "agent.sock"
        self._sshd: subprocess.Popen[bytes] | None = None
        self._agent: subprocess.Popen[bytes] | None = None

    def url(self, path: Path) -> str:
        return f"ssh://{self.user}@127.0.0.1:{self.port}{path}"

    def trust(self, key: str | None = None) -> None:
        """Write ~/.ssh/known_hosts with ``key`` (default: the server's) for this server."""
        line = f"[127.0.0.1]:{self.port} {key or self.host_key}\n"
        (self.home / ".ssh" / "known_hosts").write_text(line)

    def another_key(self) -> str:
        """A host key that is not the server's."""
        return _keygen(self.root / "another_key")

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()  # nothing left running when it could not start
            raise

    def _start(self) -> None:
        self._agent = subprocess.Popen(
            ["ssh-agent", "-D", "-a", str(self.agent_socket)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # The port probed free may be taken before sshd binds it (the suite's workers start
        # servers side by side): sshd then exits, and another port is tried. A connection
        # would not tell ours from another server on that port: sshd's own "Server listening"
        # says it listens.
        for _ in range(5):
            if self._start_sshd():
                break
            self.port = _free_port()
        else:
            raise RuntimeError("sshd did not start: every port tried was taken")
        # The agent's socket file shows at its bind, before it listens: wait for a connection.
        deadline = time.monotonic() + 10
        while not _accepts(self.agent_socket):
            if time.monotonic() > deadline or self._agent.poll() is not None:
                raise RuntimeError("ssh-agent did not start")
            time.sleep(0.05)
        env = {**os.environ, "SSH_AUTH_SOCK": str(self.agent_socket)}
        subprocess.run(
            ["ssh-add", "-q", str(self.root / "client_key")],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )

    def _start_sshd(self) -> bool:
        """Start sshd on ``self.port``: False when that port was taken."""
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"  # an absolute path: it re-executes
        config = self.root / "sshd_config"
        config.write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {self.root / 'host_key'}\n"
            f"AuthorizedKeysFile {self.root / 'authorized_keys'}\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "StrictModes no\n"
            "UsePAM no\n"
            f"PidFile {self.root / 'sshd.pid'}\n"
        )
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # its privilege separation
        log = self.root / "sshd.log"
        with log.open("wb") as stderr:
            self._sshd = subprocess.Popen(
                [sshd, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + 10
        while b"Server listening on" not in log.read_bytes():
            if self._sshd.poll() is not None:
                if b"Address already in use" in log.read_bytes():
                    return False
                raise RuntimeError(f"sshd did not start: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        return True

    def stop(self) -> None:
        for child in (self._sshd, self._agent):
            if child is not None and child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        self._sshd = self._agent = None

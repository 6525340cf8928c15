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
        self._sshd = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=log.open("wb"),
        )
        self._agent = subprocess.Popen(
            ["ssh-agent", "-D", "-a", str(self.agent_socket)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if self.agent_socket.exists():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self._sshd.poll() is not None:
                raise RuntimeError(f"sshd did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        env = {**os.environ, "SSH_AUTH_SOCK": str(self.agent_socket)}
        subprocess.run(
            ["ssh-add", "-q", str(self.root / "client_key")],
            env=env,
            check=True,
            stderr=subprocess.DEVNULL,
        )

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

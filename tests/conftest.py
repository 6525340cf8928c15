"""Shared fixtures: real workspaces in temporary directories and a CLI runner."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from releasekit.cli import cli
from tests.helpers.gpg import GpgHome, gnupg_home
from tests.helpers.smtp import TEST_PASSWORD, TEST_USER, Mode, SmtpServer, Tls, make_tls

MINIMAL_CONFIG = """\
[project]
name = "Acme Server"
vendor = "Acme"
repository = "product"
advisory_prefix = "ACSA"
site_url = "https://acme.example/security"
time_zone = "America/Los_Angeles"

[releases]
upcoming = "10.4"
esr = ["9.11"]
"""


def advisory_text(ident: str = "ACSA-2026-0001", **fields: str) -> str:
    """An advisory file's text; keyword values are raw TOML (quote strings yourself)."""
    values = {
        "id": f'"{ident}"',
        "title": '"Export ignores permissions"',
        "cvss": '"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"',
        "embargo": "2026-12-01T14:00:00Z",
        "summary": '"One public sentence."',
    }
    values.update(fields)
    front = "\n".join(f"{k} = {v}" for k, v in values.items() if v is not None)
    return f"+++\n{front}\n+++\n\nDetails.\n"


@dataclass
class Workspace:
    root: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text)
        return path

    def advisory(self, ident: str = "ACSA-2026-0001", **fields: str) -> Path:
        return self.write(f"advisories/{ident}.md", advisory_text(ident, **fields))

    def snapshot(self) -> dict[str, bytes]:
        """Every file's bytes, to show that a failing command changed nothing."""
        return {
            str(p.relative_to(self.root)): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "releasekit.toml").write_text(MINIMAL_CONFIG)
    (root / "advisories").mkdir()
    return Workspace(root)


@pytest.fixture
def site_ws(ws: Workspace) -> Workspace:
    """A workspace whose site writes CVE records (see tests/helpers/sites.py)."""
    from tests.helpers.sites import CONFIG

    ws.write("releasekit.toml", CONFIG)
    return ws


@pytest.fixture
def run(ws: Workspace) -> Callable[..., Result]:
    """Run the CLI in the workspace; stdout and stderr are kept apart."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, ["-C", str(ws.root), *args], input=input)

    return invoke


# --- Real gpg and SMTP (tests/helpers): shared by the mail, signing and lift tests -----------


@pytest.fixture(scope="session")
def gpg_home() -> Iterator[GpgHome]:
    """A GnuPG home for the whole session: ``.fingerprint`` (a good ed25519 signing key) and
    ``.expired_fingerprint``; ``.env`` has GNUPGHOME set; ``.verify(data, sig)`` runs the real
    gpg. Do not change its keyring (use ``fresh_gpg_home``)."""
    with gnupg_home() as home:
        yield home


@pytest.fixture
def fresh_gpg_home() -> Iterator[GpgHome]:
    """An empty GnuPG home for one test; make keys with ``.generate(uid, ...)``."""
    with gnupg_home(keys=False) as home:
        yield home


@pytest.fixture(scope="session")
def smtp_tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A throwaway CA (``.ca_file``) and a server certificate for 127.0.0.1."""
    return make_tls(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def smtp_factory(smtp_tls: Tls) -> Iterator[Callable[..., SmtpServer]]:
    """Start SMTP servers on 127.0.0.1: ``smtp_factory(mode, users=..., ...)``; all stopped
    at the end of the test."""
    servers: list[SmtpServer] = []

    def make(mode: Mode = "plain", **kwargs: Any) -> SmtpServer:
        server = SmtpServer(mode, tls=None if mode == "plain" else smtp_tls, **kwargs)
        servers.append(server)
        server.start()
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def smtp_server(smtp_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """A plain smtp:// server without AUTH that records every message."""
    return smtp_factory("plain")


@pytest.fixture
def smtp_starttls_server(smtp_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """An smtp+starttls:// server requiring STARTTLS and AUTH (TEST_USER, TEST_PASSWORD);
    ``.env(TEST_USER, TEST_PASSWORD)`` is the environment that reaches it."""
    return smtp_factory("starttls", users={TEST_USER: TEST_PASSWORD})


@pytest.fixture
def smtps_server(smtp_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """An smtps:// (implicit TLS) server requiring AUTH (TEST_USER, TEST_PASSWORD)."""
    return smtp_factory("smtps", users={TEST_USER: TEST_PASSWORD})
